import * as crypto from 'node:crypto';
import * as v8 from 'node:v8';
import { ServiceError } from './errors';

/**
 * The durable state a running image hands to the builder of a live snapshot.
 *
 *     SNAPTEL-STATE 1 <payload bytes> <sha256 of payload>\n<payload>
 *
 * The payload is `v8.serialize` of a StateFile: structured clone keeps typed
 * arrays, Maps, Dates and Buffers as they are, and costs little for the
 * compact stores packages are meant to keep.
 */
export interface StateFile {
  format: 'snaptel-state';
  version: 1;
  takenAt: string;
  /** The image the running daemon had resumed from. */
  from: { buildId: string | null; generation: number };
  /** How long the export held the event loop, in ms. */
  exportMs: number;
  packages: Record<string, { version: string; state: unknown }>;
}

const MAGIC = 'SNAPTEL-STATE';

export function encodeState(s: StateFile): { bytes: Buffer; perPackage: Record<string, number> } {
  const payload = v8.serialize(s);
  const perPackage: Record<string, number> = {};
  // Sizes per package for the manifest; serializing each alone is cheap next to the builder.
  for (const [name, p] of Object.entries(s.packages)) perPackage[name] = v8.serialize(p.state).length;
  const sum = crypto.createHash('sha256').update(payload).digest('hex');
  const header = Buffer.from(`${MAGIC} 1 ${payload.length} ${sum}\n`, 'ascii');
  return { bytes: Buffer.concat([header, payload]), perPackage };
}

/** Parses and checks a state file; a torn or foreign one is refused with ServiceError('bad-state'). */
export function decodeState(buf: Buffer, file: string): StateFile {
  const nl = buf.indexOf(0x0a);
  const head = (nl > 0 && nl < 200 ? buf.subarray(0, nl).toString('latin1') : '').split(' ');
  const bad = (why: string): never => {
    throw new ServiceError('bad-state', `${file}: ${why}`);
  };
  if (head[0] !== MAGIC) bad('not a snaptel state file');
  if (head[1] !== '1') bad(`state format ${head[1]} is not supported (this snaptel reads 1)`);
  const len = Number(head[2]);
  if (!Number.isSafeInteger(len) || buf.length - nl - 1 !== len)
    bad(`truncated state file: ${buf.length - nl - 1} payload bytes, its header says ${head[2]}`);
  const payload = buf.subarray(nl + 1);
  const sum = crypto.createHash('sha256').update(payload).digest('hex');
  if (sum !== head[3]) bad('checksum mismatch, the state file is corrupt');
  let s: StateFile;
  try {
    s = v8.deserialize(payload) as StateFile;
  } catch (err) {
    return bad(`cannot deserialize: ${(err as Error).message}`);
  }
  if (s?.format !== 'snaptel-state' || s.version !== 1 || typeof s.packages !== 'object' || s.packages === null)
    bad('payload is not a snaptel state');
  return s;
}
