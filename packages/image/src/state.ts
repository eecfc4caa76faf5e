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

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/**
 * Serializes a state for the builder. Each package's state is serialized in
 * its own event loop turn and the checksum is computed off the main thread
 * (WebCrypto), so a running daemon is held for at most one package's
 * `v8.serialize` at a time. The states must not change meanwhile: that is
 * exportState's contract (return a copy, or data you no longer mutate).
 */
export async function encodeState(s: StateFile): Promise<{ bytes: Buffer; perPackage: Record<string, number> }> {
  const parts: Record<string, { version: string; state: Buffer }> = {};
  const perPackage: Record<string, number> = {};
  for (const [name, p] of Object.entries(s.packages)) {
    await nextTurn();
    const b = v8.serialize(p.state);
    parts[name] = { version: p.version, state: b };
    perPackage[name] = b.length;
  }
  await nextTurn();
  const payload = v8.serialize({ ...s, packages: parts });
  const sum = Buffer.from(await crypto.webcrypto.subtle.digest('SHA-256', payload)).toString('hex');
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
  if (!/^\d+$/.test(head[2] ?? '') || !Number.isSafeInteger(len) || buf.length - nl - 1 !== len)
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
  const packages: StateFile['packages'] = {};
  for (const [name, p] of Object.entries(s.packages as Record<string, { version: unknown; state: unknown }>)) {
    if (typeof p?.version !== 'string' || !(p.state instanceof Uint8Array)) bad(`package '${name}': malformed entry`);
    try {
      packages[name] = { version: p.version as string, state: v8.deserialize(p.state as Uint8Array) };
    } catch (err) {
      bad(`package '${name}': cannot deserialize its state (${(err as Error).message})`);
    }
  }
  return { ...s, packages };
}
