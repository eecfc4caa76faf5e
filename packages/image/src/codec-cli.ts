/**
 * `snaptel decode <proto> <hex>` and `snaptel encode <proto> <json>`: the
 * codec packages behind one command, following encapsulation the way
 * Wireshark does (IPA into GSUP, MGCP or SCCP; SCCP into BSSAP; BSSAP into
 * DTAP; DTAP into SMS). Codec packages are loaded when asked for, so the
 * runtime does not depend on them.
 */
import { SnaptelError } from './errors';

type Codec = {
  decode(bytes: Uint8Array, ...rest: unknown[]): any;
  encode(msg: any): Uint8Array;
};

interface Proto {
  pkg: string;
  about: string;
  decode(c: Codec, bytes: Uint8Array, o: CodecOptions): unknown;
}

export interface CodecOptions {
  /** Direction for direction-dependent codecs (SMS TPDU, DTAP): mo = from the mobile. */
  direction?: 'mo' | 'mt';
}

const PROTOS: Record<string, Proto> = {
  ipa: { pkg: '@snaptel/ipa', about: 'IPA multiplex frame (follows into GSUP, MGCP, SCCP)', decode: (c, b) => c.decode(b) },
  gsup: { pkg: '@snaptel/gsup', about: 'Osmocom GSUP message (the IPA payload after the OSMO extension byte)', decode: (c, b) => c.decode(b) },
  mgcp: { pkg: '@snaptel/mgcp', about: 'MGCP command or response (RFC 3435), with SDP', decode: (c, b) => c.decode(b) },
  tpdu: { pkg: '@snaptel/sms', about: 'SMS TPDU (TS 23.040); --mt for network to mobile', decode: (c, b, o) => c.decode(b, o.direction ?? 'mo') },
  sms: { pkg: '@snaptel/sms', about: 'same as tpdu', decode: (c, b, o) => c.decode(b, o.direction ?? 'mo') },
  sccp: { pkg: '@snaptel/sccp', about: 'SCCP message (Q.713)', decode: (c, b) => c.decode(b) },
  dtap: { pkg: '@snaptel/gsm48', about: 'DTAP: MM, RR paging response, CC, SMS CP/RP, SS (TS 24.008/24.011/24.080)', decode: (c, b, o) => c.decode(b, o.direction ?? 'mo') },
  bssap: { pkg: '@snaptel/bssap', about: 'BSSAP: BSSMAP or DTAP (TS 48.008)', decode: (c, b, o) => c.decode(b, o.direction ?? 'mo') },
};

export function protocols(): Array<{ name: string; about: string; available: boolean }> {
  return Object.entries(PROTOS).map(([name, p]) => ({ name, about: p.about, available: load(p.pkg) !== undefined }));
}

function load(pkg: string): Codec | undefined {
  try {
    return require(pkg) as Codec;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(pkg)) return undefined;
    throw err;
  }
}

function codec(proto: string): { p: Proto; c: Codec } {
  const p = PROTOS[proto];
  if (!p) throw new SnaptelError('usage', `unknown protocol '${proto}' (known: ${Object.keys(PROTOS).join(', ')})`);
  const c = load(p.pkg);
  if (!c) throw new SnaptelError('usage', `protocol '${proto}' needs ${p.pkg}, which is not installed here`);
  return { p, c };
}

function hexBytes(hex: string): Uint8Array {
  const clean = hex.replace(/[\s:]/g, '').replace(/^0x/i, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean) || clean.length === 0) throw new SnaptelError('usage', `not hex bytes: '${hex.slice(0, 40)}'`);
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

/** What an IPA payload carries, for following it. */
function follow(proto: string, msg: any, o: CodecOptions): void {
  if (proto !== 'ipa' || !msg || typeof msg.payload !== 'string') return;
  const inner = msg.proto === 'OSMO' ? { GSUP: 'gsup', MGCP: 'mgcp' }[msg.ext as string] : msg.proto === 'SCCP' ? 'sccp' : undefined;
  if (!inner) return;
  const p = PROTOS[inner]!;
  const c = load(p.pkg);
  if (c) msg[inner] = p.decode(c, hexBytes(msg.payload), o);
}

export function decodeCommand(proto: string, hex: string, o: CodecOptions = {}): unknown {
  const { p, c } = codec(proto);
  const msg = p.decode(c, hexBytes(hex), o);
  follow(proto, msg, o);
  return msg;
}

export function encodeCommand(proto: string, json: string): string {
  const { c } = codec(proto);
  let msg: any;
  try {
    msg = JSON.parse(json);
  } catch (err) {
    throw new SnaptelError('usage', `not JSON: ${(err as Error).message}`);
  }
  // An IPA frame given with its inner message decoded: encode that into the payload.
  if (proto === 'ipa' && msg && typeof msg === 'object') {
    for (const inner of ['gsup', 'mgcp', 'sccp'] as const) {
      if (msg[inner] === undefined) continue;
      const ic = load(PROTOS[inner]!.pkg);
      if (ic) msg.payload = Buffer.from(ic.encode(msg[inner])).toString('hex');
      delete msg[inner];
    }
  }
  return Buffer.from(c.encode(msg)).toString('hex');
}
