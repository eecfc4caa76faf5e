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
  m3ua: { pkg: '@snaptel/m3ua', about: 'M3UA message (RFC 4666), every class; DATA follows into SCCP (SI 3)', decode: (c, b) => c.decode(b) },
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

/**
 * Follows encapsulation: M3UA DATA into SCCP (service indicator 3), IPA into GSUP, MGCP or SCCP (SCCPlite), SCCP user
 * data into BSSAP (SSN 254, or connection-oriented data, which on SCCPlite is
 * always BSSAP). BSSAP itself follows into DTAP, and DTAP into SMS.
 */
function follow(proto: string, msg: any, o: CodecOptions): void {
  if (!msg || typeof msg !== 'object') return;
  let inner: string | undefined;
  let hex: unknown;
  if (proto === 'm3ua') {
    // The user part goes beside the routing label: protocolData.sccp.
    const pd = msg.type === 'DATA' ? msg.protocolData : undefined;
    if (pd && pd.si === 3 && typeof pd.data === 'string' && pd.data !== '') {
      const p = PROTOS.sccp!;
      const c = load(p.pkg);
      if (!c) return;
      try {
        pd.sccp = p.decode(c, hexBytes(pd.data), o);
      } catch (err) {
        if ((err as Error).name !== 'DecodeError') throw err;
        pd.sccpError = (err as Error).message;
        return;
      }
      follow('sccp', pd.sccp, o);
    }
    return;
  }
  if (proto === 'ipa') {
    inner = msg.proto === 'OSMO' ? ({ GSUP: 'gsup', MGCP: 'mgcp' } as Record<string, string>)[msg.ext as string] : msg.proto === 'SCCP' ? 'sccp' : undefined;
    hex = msg.payload;
  } else if (proto === 'sccp') {
    const bssap = msg.called?.ssn === 254 || ['CR', 'CC', 'DT1', 'DT2', 'RLSD'].includes(msg.type);
    inner = bssap ? 'bssap' : undefined;
    hex = msg.data;
  }
  if (!inner || typeof hex !== 'string' || hex === '') return;
  const p = PROTOS[inner]!;
  const c = load(p.pkg);
  if (!c) return;
  try {
    msg[inner] = p.decode(c, hexBytes(hex), o);
  } catch (err) {
    if ((err as Error).name !== 'DecodeError' || proto !== 'sccp') throw err;
    msg[`${inner}Error`] = (err as Error).message; // user data that is not BSSAP after all
    return;
  }
  follow(inner, msg[inner], o);
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
  return Buffer.from(c.encode(unfollow(proto, msg))).toString('hex');
}

/** The reverse of follow(): an inner message given decoded is encoded into its carrier's bytes. */
function unfollow(proto: string, msg: any): any {
  if (!msg || typeof msg !== 'object') return msg;
  const slots: Record<string, [string, string][]> = {
    ipa: [['gsup', 'payload'], ['mgcp', 'payload'], ['sccp', 'payload']],
    sccp: [['bssap', 'data']],
  };
  if (proto === 'm3ua' && msg.protocolData && typeof msg.protocolData === 'object') {
    const pd = msg.protocolData;
    delete pd.sccpError;
    if (pd.sccp !== undefined) {
      const ic = load(PROTOS.sccp!.pkg);
      if (ic) pd.data = Buffer.from(ic.encode(unfollow('sccp', pd.sccp))).toString('hex');
      delete pd.sccp;
    }
    return msg;
  }
  for (const [inner, field] of slots[proto] ?? []) {
    delete msg[`${inner}Error`];
    if (msg[inner] === undefined) continue;
    const ic = load(PROTOS[inner]!.pkg);
    if (ic) msg[field] = Buffer.from(ic.encode(unfollow(inner, msg[inner]))).toString('hex');
    delete msg[inner];
  }
  return msg;
}
