/**
 * Summary lines without decoding every message in full.
 *
 * A summary line needs a message's layers and info column, and those depend
 * on a handful of header bytes only: IPA's protocol and extension bytes,
 * SCCP's message type (and a UDT's called address), BSSMAP's message type,
 * DTAP's protocol discriminator and message type, an SMS's CP, RP and TPDU
 * type octets, GSUP's message type, SMPP's command id and status, M3UA's
 * class and type. `summaryKey` walks the carriers' headers to those bytes
 * (raw, uninterpreted) and makes a key of them. The first message of each
 * key is decoded in full by decodeStack; its layers and info serve every
 * later message with the same key. The names therefore come from the codecs
 * themselves (no second name table to drift), and a line is the line the
 * full decode prints for any message whose decode succeeds.
 *
 * What this does not do: check every IE of every message. A message that
 * is malformed deep inside (a BSSMAP IE cut short) but whose key is known
 * gets its kind's line; the framing (IPA/SMPP lengths, SCCP pointers, M3UA
 * parameter lengths on the way) is still checked, and a message whose
 * headers do not walk is decoded in full. `snaptel pcap decode --check`
 * (and --json, --filter) decode everything.
 *
 * Never cached: MGCP (its info is per message: verb, transaction id,
 * endpoint), a decode that failed, an RLSD carrying data (whether it is
 * BSSAP is a guess made on the content), a BSSMAP message other than
 * Complete Layer 3 that turned out to carry a Layer 3 Information (handover
 * messages: the RR message inside is named too).
 */
import { decodeStack } from './stack';
import type { AppProtocol } from './types';

export interface Summary {
  layers: string[];
  info: string;
  /** Set when the message was decoded in full and failed. */
  error?: string;
}

const MAX_KEYS = 20_000;

/** Bytes of b[s..e) as a string key part (one char per byte). */
function bytes(b: Uint8Array, s: number, e: number): string {
  let k = '';
  for (let i = s; i < e; i++) k += String.fromCharCode(b[i]!);
  return k;
}

// ------------------------------------------------------------------ keys, outer to inner

/** SMS CP-DATA's RP and TPDU type octets (l = the DTAP L3 message, from its PD octet). */
function smsKey(l: Uint8Array, s: number, e: number): string | undefined {
  // CP-DATA: PD/TI, type 0x01, CP-User data length, RP message.
  if (s + 3 > e) return undefined;
  const len = l[s + 2]!;
  const r = s + 3;
  if (r + len > e || len < 2) return undefined;
  const re = r + len;
  const mti = l[r]! & 0x07;
  let tp = -1;
  if (mti <= 1) {
    // RP-DATA: MTI, MR, originator address (LV), destination address (LV), user data (LV: the TPDU).
    let i = r + 2;
    if (i >= re) return undefined;
    i += 1 + l[i]!;
    if (i >= re) return undefined;
    i += 1 + l[i]!;
    if (i + 1 >= re) return undefined;
    tp = l[i + 1]!;
  } else if (mti <= 5) {
    // RP-ACK: MTI, MR, [0x41 TLV user data]; RP-ERROR: MTI, MR, cause (LV), [0x41 TLV user data].
    let i = r + 2;
    if (mti >= 4) {
      if (i >= re) return undefined;
      i += 1 + l[i]!;
    }
    if (i < re) {
      if (l[i] !== 0x41 || i + 2 >= re) return undefined;
      tp = l[i + 2]!;
    }
  }
  return `${String.fromCharCode(l[r]!)}${tp < 0 ? '-' : String.fromCharCode(tp)}`;
}

/** DTAP (the L3 message): PD/TI and type octets, and for SMS CP-DATA what it carries. */
function dtapKey(l: Uint8Array, s: number, e: number, downlink: boolean): string | undefined {
  if (s + 2 > e) return undefined;
  const pd = l[s]! & 0x0f;
  if (pd === 0x0e || pd === 0x0f) return undefined; // extended or test PD: not walked
  const head = `${downlink ? 'v' : '^'}${String.fromCharCode(l[s]!)}${String.fromCharCode(l[s + 1]!)}`;
  if (pd === 0x09 && l[s + 1] === 0x01) {
    const sms = smsKey(l, s, e);
    return sms === undefined ? undefined : head + sms;
  }
  return head;
}

/** Marks a Complete Layer 3 in a key: no byte makes this char. */
const CL3 = '\u0100';

/** BSSAP: BSSMAP type (with the DTAP of a Complete Layer 3), or DTAP. */
function bssapKey(b: Uint8Array, s: number, e: number, downlink: boolean): string | undefined {
  if (s + 3 > e) return undefined;
  if (b[s] === 0x00) {
    const len = b[s + 1]!;
    if (s + 2 + len !== e || len < 1) return undefined;
    const type = b[s + 2]!;
    if (type !== 0x57) return `M${String.fromCharCode(type)}`;
    // Complete Layer 3 Information: Cell Identifier (TLV 0x05), Layer 3 Information (TLV 0x17), ...
    let i = s + 3;
    while (i + 2 <= e) {
      const tag = b[i]!;
      const l = b[i + 1]!;
      if (i + 2 + l > e) return undefined;
      if (tag === 0x17) {
        const d = dtapKey(b, i + 2, i + 2 + l, downlink);
        return d === undefined ? undefined : `${CL3}${d}`;
      }
      if (tag !== 0x05) return undefined;
      i += 2 + l;
    }
    return undefined;
  }
  if (b[s] === 0x01) {
    const len = b[s + 2]!;
    if (s + 3 + len !== e) return undefined;
    const d = dtapKey(b, s + 3, e, downlink);
    return d === undefined ? undefined : `D${String.fromCharCode(b[s + 1]!)}${d}`;
  }
  return undefined;
}

/** A variable part at a pointer (pointer octet at p, relative to itself): [start, end) of its value, or undefined. */
function variable(b: Uint8Array, p: number, e: number): [number, number] | undefined {
  if (p >= e) return undefined;
  const ptr = b[p]!;
  if (ptr === 0) return undefined;
  const at = p + ptr;
  if (at >= e) return undefined;
  const end = at + 1 + b[at]!;
  return end > e ? undefined : [at + 1, end];
}

/** SCCP optional part at a pointer: the data parameter (0x0f) [start, end), null when there is none, undefined when it does not walk. */
function optionalData(b: Uint8Array, p: number, e: number): [number, number] | null | undefined {
  if (p >= e) return undefined;
  if (b[p] === 0) return null;
  let i = p + b[p]!;
  while (i < e) {
    const tag = b[i]!;
    if (tag === 0) return i + 1 === e ? null : undefined;
    if (i + 2 > e) return undefined;
    const l = b[i + 1]!;
    if (i + 2 + l > e) return undefined;
    if (tag === 0x0f) return [i + 2, i + 2 + l];
    i += 2 + l;
  }
  return undefined;
}

/** SCCP: message type, and what its user data is for the types that carry BSSAP. */
function sccpKey(b: Uint8Array, s: number, e: number, downlink: boolean): string | undefined {
  if (s >= e) return undefined;
  const type = b[s]!;
  const t = String.fromCharCode(type);
  let data: [number, number] | null | undefined;
  switch (type) {
    case 0x01: // CR: src(3) class, called (pointer), optional (pointer)
      if (s + 7 > e) return undefined;
      data = optionalData(b, s + 6, e);
      break;
    case 0x02: // CC: dst(3) src(3) class, optional (pointer)
      if (s + 9 > e) return undefined;
      data = optionalData(b, s + 8, e);
      break;
    case 0x04: // RLSD: data makes BSSAP a guess on the content: decoded in full
      if (s + 9 > e) return undefined;
      data = optionalData(b, s + 8, e);
      if (data !== null) return undefined;
      break;
    case 0x06: // DT1: dst(3) segmenting, data (pointer)
      if (s + 6 > e) return undefined;
      data = variable(b, s + 5, e);
      if (data === undefined) return undefined;
      break;
    case 0x09: {
      // UDT: class, called, calling, data (pointers); BSSAP when the called SSN is 254: the called address goes in the key.
      if (s + 5 > e) return undefined;
      const called = variable(b, s + 2, e);
      data = variable(b, s + 4, e);
      if (called === undefined || data === undefined) return undefined;
      const k = dataKey(b, data, downlink);
      return k === undefined ? undefined : `${t}${String.fromCharCode(called[1] - called[0])}${bytes(b, called[0], called[1])}${k}`;
    }
    case 0x05: // RLC, CREF, IT, ERR...: no user data followed, the type says it all
    case 0x03:
    case 0x10:
    case 0x0f:
      return t;
    default:
      return undefined;
  }
  if (data === undefined) return undefined;
  if (data === null) return `${t}-`;
  const k = dataKey(b, data, downlink);
  return k === undefined ? undefined : t + k;
}

function dataKey(b: Uint8Array, d: [number, number], downlink: boolean): string | undefined {
  if (d[0] === d[1]) return '0';
  return bssapKey(b, d[0], d[1], downlink) ?? undefined;
}

const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const u32 = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

function ipaKey(b: Uint8Array, downlink: boolean): string | undefined {
  const e = b.length;
  if (e < 3 || 3 + u16(b, 0) !== e) return undefined;
  const proto = b[2]!;
  if (proto === 0xfd) {
    const k = sccpKey(b, 3, e, downlink);
    return k === undefined ? undefined : `\xfd${k}`;
  }
  if (proto === 0xee) {
    if (e < 4) return undefined;
    // OSMO: the extension byte; GSUP (0x05) adds its message type. MGCP is never cached (see markUncached).
    return b[3] === 0x05 ? (e < 5 ? undefined : `\xee\x05${String.fromCharCode(b[4]!)}`) : `\xee${String.fromCharCode(b[3]!)}`;
  }
  if (proto === 0xfe) return e < 4 ? undefined : `\xfe${String.fromCharCode(b[3]!)}`;
  return String.fromCharCode(proto);
}

function m3uaKey(b: Uint8Array, downlink: boolean): string | undefined {
  const e = b.length;
  if (e < 8 || u32(b, 4) !== e) return undefined;
  const head = bytes(b, 0, 4);
  if (b[2] !== 1 || b[3] !== 1) return head;
  // DATA: the Protocol Data parameter (0x0210): OPC, DPC, SI, NI, MP, SLS, then the SCCP message.
  let i = 8;
  while (i + 4 <= e) {
    const tag = u16(b, i);
    const len = u16(b, i + 2);
    if (len < 4 || i + len > e) return undefined;
    if (tag === 0x0210) {
      if (len < 16) return undefined;
      const si = b[i + 12]!;
      if (si !== 3) return `${head}${String.fromCharCode(si)}`;
      const k = sccpKey(b, i + 16, i + len, downlink);
      return k === undefined ? undefined : `${head}\x03${k}`;
    }
    i += (len + 3) & ~3;
  }
  return undefined;
}

/** The key of the bytes a message's summary depends on, or undefined when its headers do not walk (then: decode in full). */
export function summaryKey(proto: AppProtocol, b: Uint8Array, downlink: boolean): string | undefined {
  switch (proto) {
    case 'ipa': {
      const k = ipaKey(b, downlink);
      return k === undefined ? undefined : `i${k}`;
    }
    case 'm3ua': {
      const k = m3uaKey(b, downlink);
      return k === undefined ? undefined : `m${k}`;
    }
    case 'smpp':
      return b.length >= 16 ? `s${bytes(b, 4, 12)}` : undefined;
    case 'mgcp':
      return undefined;
  }
}

/** Results whose layers or info depend on more than the key's bytes. */
function cacheable(r: Summary, key: string): boolean {
  if (r.error !== undefined) return false;
  if (r.layers.includes('MGCP')) return false;
  // A BSSMAP message other than Complete Layer 3 that carries a DTAP message (Handover ...): named by its content.
  const bssmap = r.layers.indexOf('BSSMAP');
  if (bssmap >= 0 && bssmap < r.layers.length - 1 && !key.includes(CL3)) return false;
  return true;
}

/**
 * Layers and info of messages, each kind decoded in full once. One instance
 * per capture (the cache is bounded: cleared when it holds MAX_KEYS kinds).
 */
export class Summarizer {
  private readonly cache = new Map<string, Summary | null>();
  /** Messages decoded in full (cache misses, uncacheable kinds, headers that did not walk). */
  full = 0;

  summary(proto: AppProtocol, bytes: Uint8Array, downlink: boolean): Summary {
    const key = summaryKey(proto, bytes, downlink);
    if (key !== undefined) {
      const hit = this.cache.get(key);
      if (hit) return hit;
      if (hit === null) return this.decode(proto, bytes, downlink);
    }
    const r = this.decode(proto, bytes, downlink);
    // A failed decode is not cached: the next message of its kind is decoded in full again.
    if (key !== undefined && r.error === undefined) {
      if (this.cache.size >= MAX_KEYS) this.cache.clear();
      this.cache.set(key, cacheable(r, key) ? r : null);
    }
    return r;
  }

  private decode(proto: AppProtocol, bytes: Uint8Array, downlink: boolean): Summary {
    this.full++;
    const d = decodeStack(proto, bytes, downlink);
    const r: Summary = { layers: d.layers, info: d.info };
    if (d.error !== undefined) r.error = d.error;
    return r;
  }
}
