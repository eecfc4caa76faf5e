/**
 * Summary lines without decoding every message in full.
 *
 * A summary line needs a message's layers and info column, and those depend
 * on a handful of header bytes only: IPA's protocol and extension bytes,
 * SCCP's message type (and a UDT's called address), BSSMAP's message type,
 * DTAP's protocol discriminator and message type, an SMS's CP, RP and TPDU
 * type octets, GSUP's message type, SMPP's command id and status, M3UA's
 * class and type. `walk` goes through the carriers' headers to those bytes
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

// A key is a few values (bytes, and markers above 255) written into a
// scratch array as the headers are walked: no strings on the hot path. The
// cache finds it by a 32-bit hash and compares the values themselves.
const K = new Uint16Array(512);
let kn = 0;
/** Marks a Complete Layer 3 in a key; then the DTAP, SMS, no-TPDU, empty-data and end-of-data markers. */
const CL3 = 0x100;
const DTAP = 0x101;
const NO_TP = 0x102;
const EMPTY_DATA = 0x103;
const NO_DATA = 0x104;
const DOWN = 0x105;
const UP = 0x106;

const k1 = (v: number): void => {
  K[kn++] = v;
};

// ------------------------------------------------------------------ keys, outer to inner

/** SMS CP-DATA's RP and TPDU type octets (l = the DTAP L3 message, from its PD octet). */
function smsKey(l: Uint8Array, s: number, e: number): boolean {
  // CP-DATA: PD/TI, type 0x01, CP-User data length, RP message.
  if (s + 3 > e) return false;
  const len = l[s + 2]!;
  const r = s + 3;
  if (r + len > e || len < 2) return false;
  const re = r + len;
  const mti = l[r]! & 0x07;
  let tp = -1;
  if (mti <= 1) {
    // RP-DATA: MTI, MR, originator address (LV), destination address (LV), user data (LV: the TPDU).
    let i = r + 2;
    if (i >= re) return false;
    i += 1 + l[i]!;
    if (i >= re) return false;
    i += 1 + l[i]!;
    if (i + 1 >= re) return false;
    tp = l[i + 1]!;
  } else if (mti <= 5) {
    // RP-ACK: MTI, MR, [0x41 TLV user data]; RP-ERROR: MTI, MR, cause (LV), [0x41 TLV user data].
    let i = r + 2;
    if (mti >= 4) {
      if (i >= re) return false;
      i += 1 + l[i]!;
    }
    if (i < re) {
      if (l[i] !== 0x41 || i + 2 >= re) return false;
      tp = l[i + 2]!;
    }
  }
  k1(l[r]!);
  k1(tp < 0 ? NO_TP : tp);
  return true;
}

/** DTAP (the L3 message): PD/TI and type octets, and for SMS CP-DATA what it carries. */
function dtapKey(l: Uint8Array, s: number, e: number, downlink: boolean): boolean {
  if (s + 2 > e) return false;
  const pd = l[s]! & 0x0f;
  if (pd === 0x0e || pd === 0x0f) return false; // extended or test PD: not walked
  k1(downlink ? DOWN : UP);
  k1(l[s]!);
  k1(l[s + 1]!);
  if (pd === 0x09 && l[s + 1] === 0x01) return smsKey(l, s, e);
  return true;
}

/** BSSAP: BSSMAP type (with the DTAP of a Complete Layer 3), or DTAP. */
function bssapKey(b: Uint8Array, s: number, e: number, downlink: boolean): boolean {
  if (s + 3 > e) return false;
  if (b[s] === 0x00) {
    const len = b[s + 1]!;
    if (s + 2 + len !== e || len < 1) return false;
    const type = b[s + 2]!;
    k1(0);
    if (type !== 0x57) return k1(type), true;
    // Complete Layer 3 Information: Cell Identifier (TLV 0x05), Layer 3 Information (TLV 0x17), ...
    let i = s + 3;
    while (i + 2 <= e) {
      const tag = b[i]!;
      const l = b[i + 1]!;
      if (i + 2 + l > e) return false;
      if (tag === 0x17) {
        k1(CL3);
        return dtapKey(b, i + 2, i + 2 + l, downlink);
      }
      if (tag !== 0x05) return false;
      i += 2 + l;
    }
    return false;
  }
  if (b[s] === 0x01) {
    const len = b[s + 2]!;
    if (s + 3 + len !== e) return false;
    k1(DTAP);
    k1(b[s + 1]!);
    return dtapKey(b, s + 3, e, downlink);
  }
  return false;
}

/** A variable part at a pointer (pointer octet at p, relative to itself): its value's start; its end in VEND. -1 when it does not walk. */
let VEND = 0;
function variable(b: Uint8Array, p: number, e: number): number {
  if (p >= e) return -1;
  const ptr = b[p]!;
  if (ptr === 0) return -1;
  const at = p + ptr;
  if (at >= e) return -1;
  const end = at + 1 + b[at]!;
  if (end > e) return -1;
  VEND = end;
  return at + 1;
}

/** SCCP optional part at a pointer: the data parameter's (0x0f) start (end in VEND), -2 when there is none, -1 when it does not walk. */
function optionalData(b: Uint8Array, p: number, e: number): number {
  if (p >= e) return -1;
  if (b[p] === 0) return -2;
  let i = p + b[p]!;
  while (i < e) {
    const tag = b[i]!;
    if (tag === 0) return i + 1 === e ? -2 : -1;
    if (i + 2 > e) return -1;
    const l = b[i + 1]!;
    if (i + 2 + l > e) return -1;
    if (tag === 0x0f) {
      VEND = i + 2 + l;
      return i + 2;
    }
    i += 2 + l;
  }
  return -1;
}

/** SCCP: message type, and what its user data is for the types that carry BSSAP. */
function sccpKey(b: Uint8Array, s: number, e: number, downlink: boolean): boolean {
  if (s >= e) return false;
  const type = b[s]!;
  let d: number;
  switch (type) {
    case 0x01: // CR: src(3) class, called (pointer), optional (pointer)
      if (s + 7 > e) return false;
      d = optionalData(b, s + 6, e);
      break;
    case 0x02: // CC: dst(3) src(3) class, optional (pointer)
      if (s + 9 > e) return false;
      d = optionalData(b, s + 8, e);
      break;
    case 0x04: // RLSD: data makes BSSAP a guess on the content: decoded in full
      if (s + 9 > e) return false;
      d = optionalData(b, s + 8, e);
      if (d !== -2) return false;
      break;
    case 0x06: // DT1: dst(3) segmenting, data (pointer)
      if (s + 6 > e) return false;
      d = variable(b, s + 5, e);
      break;
    case 0x09: {
      // UDT: class, called, calling, data (pointers); BSSAP when the called SSN is 254: the called address goes in the key.
      if (s + 5 > e) return false;
      const called = variable(b, s + 2, e);
      if (called < 0) return false;
      const calledEnd = VEND;
      d = variable(b, s + 4, e);
      if (d < 0 || calledEnd - called > 64) return false;
      k1(type);
      k1(calledEnd - called);
      for (let i = called; i < calledEnd; i++) k1(b[i]!);
      break;
    }
    case 0x05: // RLC, CREF, IT, ERR...: no user data followed, the type says it all
    case 0x03:
    case 0x10:
    case 0x0f:
      k1(type);
      return true;
    default:
      return false;
  }
  if (d === -1) return false;
  if (type !== 0x09) k1(type);
  if (d === -2) return k1(NO_DATA), true;
  const de = VEND;
  if (d === de) return k1(EMPTY_DATA), true;
  return bssapKey(b, d, de, downlink);
}

const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const u32 = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

function ipaKey(b: Uint8Array, downlink: boolean): boolean {
  const e = b.length;
  if (e < 3 || 3 + u16(b, 0) !== e) return false;
  const proto = b[2]!;
  k1(proto);
  if (proto === 0xfd) return sccpKey(b, 3, e, downlink);
  if (proto === 0xee) {
    if (e < 4) return false;
    // OSMO: the extension byte; GSUP (0x05) adds its message type. MGCP is never cached (see cacheable).
    k1(b[3]!);
    if (b[3] === 0x05) {
      if (e < 5) return false;
      k1(b[4]!);
    }
    return true;
  }
  if (proto === 0xfe) {
    if (e < 4) return false;
    k1(b[3]!);
  }
  return true;
}

function m3uaKey(b: Uint8Array, downlink: boolean): boolean {
  const e = b.length;
  if (e < 8 || u32(b, 4) !== e) return false;
  for (let i = 0; i < 4; i++) k1(b[i]!);
  if (b[2] !== 1 || b[3] !== 1) return true;
  // DATA: the Protocol Data parameter (0x0210): OPC, DPC, SI, NI, MP, SLS, then the SCCP message.
  let i = 8;
  while (i + 4 <= e) {
    const tag = u16(b, i);
    const len = u16(b, i + 2);
    if (len < 4 || i + len > e) return false;
    if (tag === 0x0210) {
      if (len < 16) return false;
      const si = b[i + 12]!;
      k1(si);
      return si !== 3 || sccpKey(b, i + 16, i + len, downlink);
    }
    i += (len + 3) & ~3;
  }
  return false;
}

/** Walks the headers into K[0..kn); false when they do not walk (then: decode in full). */
function walk(proto: AppProtocol, b: Uint8Array, downlink: boolean): boolean {
  kn = 0;
  switch (proto) {
    case 'ipa':
      k1(1);
      return ipaKey(b, downlink);
    case 'm3ua':
      k1(2);
      return m3uaKey(b, downlink);
    case 'smpp':
      if (b.length < 16) return false;
      k1(3);
      for (let i = 4; i < 12; i++) k1(b[i]!);
      return true;
    case 'mgcp':
      return false;
  }
  return false;
}

/** The key of the bytes a message's summary depends on (as text, for tests and tools), or undefined when its headers do not walk. */
export function summaryKey(proto: AppProtocol, b: Uint8Array, downlink: boolean): string | undefined {
  if (!walk(proto, b, downlink)) return undefined;
  let s = '';
  for (let i = 0; i < kn; i++) s += String.fromCharCode(K[i]!);
  return s;
}

/** Results whose layers or info depend on more than the key's values. */
function cacheable(r: Summary, cl3: boolean): boolean {
  if (r.error !== undefined) return false;
  if (r.layers.includes('MGCP')) return false;
  // A BSSMAP message other than Complete Layer 3 that carries a DTAP message (Handover ...): named by its content.
  const bssmap = r.layers.indexOf('BSSMAP');
  if (bssmap >= 0 && bssmap < r.layers.length - 1 && !cl3) return false;
  return true;
}

interface Entry {
  key: Uint16Array;
  /** null: a kind that is always decoded in full. */
  summary: Summary | null;
  next: Entry | undefined;
}

/**
 * Layers and info of messages, each kind decoded in full once. One instance
 * per capture (the cache is bounded: cleared when it holds MAX_KEYS kinds).
 */
export class Summarizer {
  private cache = new Map<number, Entry>();
  private size = 0;
  /** Messages decoded in full (cache misses, uncacheable kinds, headers that did not walk). */
  full = 0;

  summary(proto: AppProtocol, bytes: Uint8Array, downlink: boolean): Summary {
    if (!walk(proto, bytes, downlink)) return this.decode(proto, bytes, downlink);
    // FNV-1a over the key's values.
    let h = 0x811c9dc5;
    for (let i = 0; i < kn; i++) h = Math.imul(h ^ K[i]!, 0x01000193);
    const first = this.cache.get(h);
    for (let e = first; e !== undefined; e = e.next) {
      const k = e.key;
      if (k.length !== kn) continue;
      let i = 0;
      while (i < kn && k[i] === K[i]) i++;
      if (i < kn) continue;
      return e.summary ?? this.decode(proto, bytes, downlink);
    }
    const key = K.slice(0, kn);
    const r = this.decode(proto, bytes, downlink);
    // A failed decode is not cached: the next message of its kind is decoded in full again.
    if (r.error === undefined) {
      if (this.size >= MAX_KEYS) {
        this.cache = new Map();
        this.size = 0;
      }
      this.size++;
      this.cache.set(h, { key, summary: cacheable(r, key.includes(CL3)) ? r : null, next: this.cache.get(h) });
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
