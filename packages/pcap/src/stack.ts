/**
 * "Decode down the stack" and its reverse, once, for every application
 * protocol a capture carries:
 *
 *   IPA  -> CCM | OSMO GSUP | OSMO MGCP | SCCP (SCCPlite)
 *   M3UA -> DATA (SI 3) -> SCCP
 *   SCCP -> BSSAP (SSN 254, or connection-oriented data) -> BSSMAP | DTAP
 *   MGCP (with SDP), SMPP PDU
 *
 * BSSAP already follows into DTAP (MM, CC, RR, SS, SMS CP/RP and the SMS
 * TPDU) inside @snaptel/bssap, so the stack stops there.
 *
 * The tree has the shape `snaptel decode` prints: the carrier message keeps
 * its payload (hex) and the decoded inner message goes beside it under the
 * inner protocol's name (ipa.sccp, sccp.bssap, m3ua.protocolData.sccp); an
 * inner decode failure leaves `<inner>Error` there instead.
 *
 * Every hop is one row of LINKS below: where the inner bytes are, which
 * protocol they are, and under which key the decoded message goes.
 */
import { DecodeError, fromHex, toHex } from '@snaptel/codec';
import * as ipa from '@snaptel/ipa';
import * as sccp from '@snaptel/sccp';
import * as bssap from '@snaptel/bssap';
import * as gsup from '@snaptel/gsup';
import * as mgcp from '@snaptel/mgcp';
import * as m3ua from '@snaptel/m3ua';
import * as smpp from '@snaptel/smpp-server';
import type { AppProtocol } from './types';

/** Every protocol the stack decodes as a unit of its own. */
export type StackProtocol = 'ipa' | 'gsup' | 'mgcp' | 'sccp' | 'bssap' | 'm3ua' | 'smpp';

export interface StackResult {
  /** The decoded message with inner protocols followed; undefined when the outermost decode failed. */
  tree: any;
  /** Protocol names outer to inner, tshark-like: ['IPA', 'SCCP', 'BSSMAP'], ['IPA', 'SCCP', 'DTAP', 'MM']. */
  layers: string[];
  /** tshark-like info column. */
  info: string;
  /** The typed error's message of the first layer that failed (protocol, message, IE, offset). */
  error?: string;
}

/** An error that is not a typed DecodeError means a bug in a codec: still reported, never thrown out. */
function errorText(e: unknown): string {
  if (e instanceof DecodeError) return e.message;
  return `internal error: ${e instanceof Error ? e.message : String(e)}`;
}

// ------------------------------------------------------------------ codecs

interface Codec {
  /** Pushes the names in `layers` of this message itself (BSSAP names itself BSSMAP or DTAP by content). */
  layer(tree: any, out: string[]): void;
  decode(bytes: Uint8Array, downlink: boolean): any;
  encode(tree: any): Uint8Array;
  /** Info text of this message alone (inner messages add theirs). */
  info(tree: any): string;
}

const hex2 = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/** 'RESET ACKNOWLEDGE' -> 'Reset Acknowledge', as tshark writes BSSMAP names. */
const TITLES = new Map<string, string>();
const titleCase = (s: string): string => {
  let t = TITLES.get(s);
  if (t === undefined) {
    t = s.toLowerCase().replace(/(^|\s)([a-z])/g, (_, sp: string, c: string) => sp + c.toUpperCase());
    if (TITLES.size < 1000) TITLES.set(s, t);
  }
  return t;
};

const DTAP_PD: Record<string, string> = { mm: 'MM', cc: 'CC', rr: 'RR', sms: 'SMS', ss: 'SS' };

/** Info of a DTAP message: 'MM Location Updating Request', 'SMS CP-DATA (RP-DATA, SMS-SUBMIT)'. */
function dtapInfo(d: any): string {
  if (!d || d.type === 'unknown') return 'unknown';
  let s = `${DTAP_PD[d.pd] ?? String(d.pd).toUpperCase()} ${d.type}`;
  const rp = d.pd === 'sms' ? findRp(d.ies) : undefined;
  if (rp && typeof rp === 'object' && typeof rp.type === 'string') {
    const tp = rp.userData && typeof rp.userData === 'object' ? rp.userData.type : undefined;
    s += ` (${rp.type}${typeof tp === 'string' ? `, ${tp}` : ''})`;
  }
  return s;
}

/** The RP message inside a CP-DATA, whatever the IE's name is. */
function findRp(ies: any): any {
  if (!ies || typeof ies !== 'object') return undefined;
  for (const k in ies) {
    const v = ies[k];
    if (v && typeof v === 'object' && typeof v.type === 'string' && v.type.startsWith('RP-')) return v;
  }
  return undefined;
}

function dtapLayers(d: any, o: string[]): void {
  o.push('DTAP');
  const pd = d && d.type !== 'unknown' ? DTAP_PD[d.pd] : undefined;
  if (pd) o.push(pd);
}

const GSUP_KIND = /^(.*?)(Request|Error|Result)$/;

const CODECS: Record<StackProtocol, Codec> = {
  ipa: {
    layer: (_, o) => void o.push('IPA'),
    decode: (b) => ipa.decode(b),
    encode: (t) => ipa.encode(t),
    info: (t) => (t.proto === 'CCM' ? `IPA CCM ${typeof t.ccm.type === 'number' ? hex2(t.ccm.type) : t.ccm.type}` : t.proto === 'OSMO' ? `IPA OSMO ${typeof t.ext === 'number' ? hex2(t.ext) : t.ext}` : `IPA ${typeof t.proto === 'number' ? hex2(t.proto) : t.proto}`),
  },
  gsup: {
    layer: (_, o) => void o.push('GSUP'),
    decode: (b) => gsup.decode(b),
    encode: (t) => gsup.encode(t),
    info: (t) => {
      if (typeof t.type === 'number') return `GSUP ${hex2(t.type)}`;
      const m = GSUP_KIND.exec(t.type);
      return m ? `GSUP ${m[1]} ${m[2]}` : `GSUP ${t.type}`;
    },
  },
  mgcp: {
    layer: (_, o) => void o.push('MGCP'),
    decode: (b) => mgcp.decode(b),
    encode: (t) => mgcp.encode(t),
    info: (t) => {
      const one = (m: any): string => (m.type === 'command' ? `${m.verb} ${m.transactionId} ${m.endpoint}` : `${m.code} ${m.transactionId}${m.comment ? ` ${m.comment}` : ''}`);
      return `MGCP ${[t, ...(t.piggyback ?? [])].map(one).join(' . ')}`;
    },
  },
  sccp: {
    layer: (_, o) => void o.push('SCCP'),
    decode: (b) => sccp.decode(b),
    encode: (t) => sccp.encode(t),
    info: (t) => `SCCP ${t.type === 'RAW' ? hex2(t.code) : t.type}`,
  },
  bssap: {
    layer: (t, o) => {
      if (t.discriminator === 'dtap') return dtapLayers(t.dtap, o);
      o.push('BSSMAP');
      if (t.ies?.layer3Information) dtapLayers(t.ies.layer3Information, o);
    },
    decode: (b, downlink) => bssap.decode(b, downlink ? 'mt' : 'mo'),
    encode: (t) => bssap.encode(t),
    info: (t) => {
      if (t.discriminator === 'dtap') return `DTAP ${dtapInfo(t.dtap)}`;
      const name = t.type === 'unknown' ? `unknown ${t.raw.slice(0, 2) ? `0x${t.raw.slice(0, 2)}` : ''}`.trim() : titleCase(t.type);
      const l3 = t.ies?.layer3Information;
      return l3 ? `BSSMAP ${name} (DTAP ${dtapInfo(l3)})` : `BSSMAP ${name}`;
    },
  },
  m3ua: {
    layer: (_, o) => void o.push('M3UA'),
    decode: (b) => m3ua.decode(b),
    encode: (t) => m3ua.encode(t),
    info: (t) => `M3UA ${t.type === 'UNKNOWN' ? `class ${t.msgClass} type ${t.msgType}` : t.type}`,
  },
  smpp: {
    layer: (_, o) => void o.push('SMPP'),
    decode: (b) => {
      const t = smppTree(smpp.decodePdu(b));
      if (t.unknownTlvs) smppTlvOrder(b, t, smppEncode({ ...t, tlvs: {}, unknownTlvs: undefined }).length);
      return t;
    },
    encode: (t) => smppEncode(t),
    info: (t) => `SMPP ${t.command}${t.status ? ` (${smpp.STATUS_NAME.get(t.status) ?? hex2(t.status)})` : ''}`,
  },
};

// ------------------------------------------------------------------ hops

/** One encapsulation: where the inner bytes are in the carrier's tree and what they are. */
interface Link {
  /** The object that holds the payload (the message itself, or a part of it such as M3UA's protocolData). */
  holder(tree: any): any;
  /** The inner protocol, or undefined when this message carries nothing the stack follows. */
  inner(holder: any, tree: any): StackProtocol | undefined;
  /** Key of the hex payload in the holder. */
  field: string;
  /** Where the payload lies in the carrier's own bytes, when that is known without searching (saves a hex round trip). */
  view?(holder: any, bytes: Uint8Array): Uint8Array | undefined;
  /**
   * When the inner protocol is a guess (not said by a header field), an inner
   * decode failure is kept in the tree (`<inner>Error`) but is no error of the
   * message: the bytes are just not that protocol.
   */
  guess?(holder: any): boolean;
}

const IPA_OSMO: Record<string, StackProtocol> = { GSUP: 'gsup', MGCP: 'mgcp' };
/** SCCP messages whose user data is BSSAP on the A interface even without a called address (connection-oriented). */
const SCCP_CO = new Set(['CR', 'CC', 'DT1', 'DT2', 'RLSD']);

const LINKS: Partial<Record<StackProtocol, Link>> = {
  ipa: {
    holder: (t) => t,
    inner: (t) => (t.proto === 'SCCP' ? 'sccp' : t.proto === 'OSMO' ? IPA_OSMO[t.ext] : undefined),
    field: 'payload',
    view: (t, b) => b.subarray(t.proto === 'OSMO' ? 4 : 3),
  },
  m3ua: { holder: (t) => (t.type === 'DATA' ? t.protocolData : undefined), inner: (pd) => (pd.si === 3 ? 'sccp' : undefined), field: 'data' },
  sccp: {
    holder: (t) => t,
    inner: (t) => (t.called?.ssn === 254 || SCCP_CO.has(t.type) ? 'bssap' : undefined),
    field: 'data',
    // A RLSD's optional data is not always BSSAP (libosmo-sccp's test has one that is not).
    guess: (t) => t.type === 'RLSD' && t.called?.ssn !== 254,
  },
};

/**
 * Decodes `bytes` as `proto` and follows every inner protocol. Never throws:
 * a failure at any layer keeps the outer layers and sets `error`.
 * `downlink` is the network -> MS direction (DTAP 'mt').
 */
export function decodeStack(proto: AppProtocol | StackProtocol, bytes: Uint8Array, downlink: boolean): StackResult {
  const codec = CODECS[proto as StackProtocol];
  if (!codec) return { tree: undefined, layers: [], info: `unknown protocol ${String(proto)}`, error: `unknown protocol ${String(proto)}` };
  let tree: any;
  try {
    tree = codec.decode(bytes, downlink);
  } catch (e) {
    const error = errorText(e);
    return { tree: undefined, layers: [proto.toUpperCase()], info: `${proto.toUpperCase()} [malformed] ${error}`, error };
  }
  const layers: string[] = [];
  let error: string | undefined;
  let failed: StackProtocol | undefined;
  let cur = tree;
  let curBytes = bytes;
  let p: StackProtocol = proto as StackProtocol;
  /** The SCCP message on the way, when its type goes in front of the info. */
  let sccpShown: string | undefined;
  for (;;) {
    const c = CODECS[p];
    c.layer(cur, layers);
    const link = LINKS[p];
    if (link === undefined) break;
    const holder = link.holder(cur);
    const inner = holder ? link.inner(holder, cur) : undefined;
    const data = inner ? holder[link.field] : undefined;
    if (!inner || typeof data !== 'string' || data === '') break;
    try {
      const view = link.view?.(holder, curBytes);
      const innerBytes = view !== undefined && view.length * 2 === data.length ? view : Buffer.from(data, 'hex');
      holder[inner] = CODECS[inner].decode(innerBytes, downlink);
      curBytes = innerBytes;
    } catch (e) {
      if (link.guess?.(holder)) {
        holder[`${inner}Error`] = errorText(e);
        break;
      }
      error = errorText(e);
      holder[`${inner}Error`] = error;
      failed = inner;
      layers.push(inner.toUpperCase());
      break;
    }
    if (p === 'sccp' && SCCP_SHOWN.has(cur.type)) sccpShown = cur.type;
    cur = holder[inner];
    p = inner;
  }
  // The info column shows the innermost message: a carrier that only wraps (IPA SCCP, M3UA DATA, SCCP DT1)
  // gives way to what it carries, as tshark shows 'UDT (BSSMAP) Reset' under its BSSAP column. Connection
  // setup and release SCCP keep their type in front: 'SCCP CR, BSSMAP ...'. A failure says which layer.
  const last = CODECS[p].info(cur);
  if (error !== undefined) return { tree, layers, info: `${last}, ${failed!.toUpperCase()} [malformed] ${error}`, error };
  return { tree, layers, info: sccpShown !== undefined ? `SCCP ${sccpShown}, ${last}` : last };
}

/** SCCP messages whose type the info keeps in front of what they carry. */
const SCCP_SHOWN = new Set(['CR', 'CC', 'RLSD', 'CREF', 'UDTS', 'XUDTS']);

/**
 * Encodes a tree as decodeStack gives it (or as `snaptel decode` prints it):
 * inner messages are encoded first and replace their carrier's payload.
 * `decodeStack`'s input comes back byte for byte. Does not change `tree`.
 * Throws EncodeError.
 */
export function encodeStack(proto: AppProtocol | StackProtocol, tree: any): Uint8Array {
  const codec = CODECS[proto as StackProtocol];
  if (!codec) throw new Error(`unknown protocol ${String(proto)}`);
  return codec.encode(unfollow(proto as StackProtocol, tree));
}

/** A copy of `tree` with every decoded inner message encoded back into its carrier's hex payload. */
function unfollow(proto: StackProtocol, tree: any): any {
  const link = LINKS[proto];
  if (!link || !tree || typeof tree !== 'object') return tree;
  const holder = link.holder(tree);
  if (!holder || typeof holder !== 'object') return tree;
  const inner = link.inner(holder, tree);
  const out = { ...tree };
  const h = holder === tree ? out : { ...holder };
  if (holder !== tree) out.protocolData = h; // M3UA is the only holder that is a part
  for (const k of ['sccp', 'bssap', 'gsup', 'mgcp']) {
    if (k === inner && h[k] !== undefined) h[link.field] = toHex(encodeStack(k as StackProtocol, h[k]));
    delete h[k];
    delete h[`${k}Error`];
  }
  return out;
}

// ------------------------------------------------------------------ SMPP tree

/**
 * SMPP as JSON: @snaptel/smpp-server's Pdu with octet strings as latin1 text
 * (short_message reads as the text it usually is and re-encodes exactly),
 * unknown TLVs as hex, `tlvOrder` only when the TLVs did not come known ones
 * first in object order, and `bodyless` for an error response without body.
 */
function smppTree(p: smpp.Pdu): any {
  const text = (r: Record<string, smpp.Value>): Record<string, string | number> => {
    const o: Record<string, string | number> = {};
    for (const k in r) {
      const v = r[k]!;
      o[k] = Buffer.isBuffer(v) ? v.toString('latin1') : v;
    }
    return o;
  };
  const t: any = { command: p.command, id: p.id, status: p.status, seq: p.seq, body: text(p.body), tlvs: text(p.tlvs) };
  if (p.unknownTlvs?.length) t.unknownTlvs = p.unknownTlvs.map((u) => ({ tag: u.tag, value: u.value.toString('hex') }));
  if ((p.id & 0x80000000) !== 0 && p.status !== 0 && Object.keys(p.body).length === 0 && p.command !== 'generic_nack') t.bodyless = true;
  return t;
}

/** TLVs as encodePdu writes them after the body: split into [tag, bytes] in order. */
function splitTlvs(b: Uint8Array, from: number): Array<[number, Uint8Array]> {
  const out: Array<[number, Uint8Array]> = [];
  let i = from;
  while (i + 4 <= b.length) {
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    out.push([(b[i]! << 8) | b[i + 1]!, b.subarray(i, i + 4 + len)]);
    i += 4 + len;
  }
  return out;
}

function smppEncode(t: any): Uint8Array {
  const input: smpp.PduInput = { command: t.command, seq: t.seq, status: t.status };
  if (!t.bodyless) input.body = t.body ?? {};
  const head = smpp.encodePdu({ ...input, tlvs: {} });
  const unknown: any[] = t.unknownTlvs ?? [];
  if (!t.tlvs || Object.keys(t.tlvs).length === 0) {
    if (unknown.length === 0) return head;
  }
  const full = t.tlvs && Object.keys(t.tlvs).length ? smpp.encodePdu({ ...input, tlvs: t.tlvs }) : head;
  const known = splitTlvs(full, head.length).map(([, b]) => b);
  const extra = unknown.map((u) => {
    const v = fromHex(u.value);
    const b = new Uint8Array(4 + v.length);
    b[0] = u.tag >> 8;
    b[1] = u.tag & 0xff;
    b[2] = v.length >> 8;
    b[3] = v.length & 0xff;
    b.set(v, 4);
    return b;
  });
  // Known TLVs in the tree's key order; unknown ones where tlvOrder puts them (indexes), else after.
  const order: (string | number)[] = t.tlvOrder ?? [...Object.keys(t.tlvs ?? {}), ...extra.map((_, i) => i)];
  const knownByName = new Map(Object.keys(t.tlvs ?? {}).map((k, i) => [k, known[i]!]));
  const parts: Uint8Array[] = [head];
  for (const o of order) parts.push(typeof o === 'number' ? extra[o]! : knownByName.get(o)!);
  const out = Buffer.concat(parts);
  out.writeUInt32BE(out.length, 0);
  return out;
}

/** Re-reads the order of TLVs on the wire into `tlvOrder` when it is not the default (known in key order, then unknown). */
function smppTlvOrder(bytes: Uint8Array, tree: any, headLength: number): void {
  const tags = splitTlvs(bytes, headLength).map(([tag]) => tag);
  const names = Object.keys(tree.tlvs ?? {});
  const byTag = new Map(smpp.TLVS.map((d) => [d.tag, d.name]));
  let u = 0;
  const order = tags.map((tag) => byTag.get(tag) ?? u++);
  const dflt = [...names, ...(tree.unknownTlvs ?? []).map((_: unknown, i: number) => i)];
  if (order.length === dflt.length && order.some((o, i) => o !== dflt[i])) tree.tlvOrder = order;
}
