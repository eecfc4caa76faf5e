import { EncodeError } from './errors';
import { type Reader, type Writer } from './bytes';

/**
 * The IE engine for the standard L3 message format of TS 24.007 §11.2: a
 * message is a list of IEs described as data, and one generic decoder and
 * encoder walk that list.
 *
 * Formats (TS 24.007 §11.2.1.1):
 *  - 'V', 'LV', 'LV-E': parts without IEI, in the fixed order of the table;
 *  - 'V/2': a half-octet value without IEI; two consecutive ones share one
 *    octet, the first one in bits 1-4, the second in bits 5-8 (as the
 *    ciphering key sequence number and the spare half octet do);
 *  - 'TV/2': type 1, a 4-bit IEI in bits 5-8 and a 4-bit value in bits 1-4;
 *  - 'T': type 2, an 8-bit IEI alone (the value is `true`);
 *  - 'TV', 'TLV', 'TLV-E': 8-bit IEI with a fixed value, a 1-octet length,
 *    a 2-octet length.
 * Length bounds `min`/`max` are those of the value (without IEI and length).
 *
 * Decoding: the IEs without IEI are read in order; after them, IEs with an
 * IEI (M, O or C) are accepted in any order, looked up by their first octet
 * in a 256-entry table. Comprehension (TS 24.007 §11.2.4, TS 24.008 §8.6):
 * an unknown IEI with bit 8 = 1 is a one-octet IE (type 1 or 2), one with
 * bit 8 = 0 is a TLV; both are kept raw. If the message table says
 * `comprehensionRequired` (call control; TS 24.008 §8.5, §8.6.1), an unknown
 * IEI whose bits 5-8 are 0000 is treated as an unknown mandatory IE: a
 * DecodeError. A mandatory IE with IEI that is missing is a DecodeError.
 *
 * Byte-exact re-encoding: the encoder writes the IEs in table order. When
 * the wire order differed, or there were unknown or repeated IEs, the
 * decoder records the wire order in `order` (IE names, and { raw } for the
 * bytes of IEs it did not know) and the encoder follows it.
 */

export type IeFormat = 'V' | 'V/2' | 'LV' | 'LV-E' | 'T' | 'TV/2' | 'TV' | 'TLV' | 'TLV-E';
export type Presence = 'M' | 'O' | 'C';

/** Reads / writes the value of one IE. */
export interface ValueCodec<T = unknown> {
  /**
   * Reads a value of `len` octets from r.buf at r.pos (the engine has checked
   * that they exist, and moves r.pos past them afterwards). For half-octet
   * formats ('V/2', 'TV/2') `len` is the 4-bit value and nothing is read.
   * Throws through r.fail() for a value it cannot accept.
   */
  decode(r: Reader, len: number): T;
  /** Writes the value (for half-octet formats: returns the 4-bit value and writes nothing). */
  encode(v: T, w: Writer): number | void;
}

export interface IeSpec {
  /** Key in the message's JSON form, and the name used in errors. */
  name: string;
  /** 8-bit IEI, or 4-bit for 'TV/2'; none for V, V/2, LV, LV-E. */
  iei?: number;
  format: IeFormat;
  /** Bounds of the value length in octets (defaults: 0 and 255 or 65535; for V and TV, `min` is the length). */
  min?: number;
  max?: number;
  presence: Presence;
  /** Defaults: hex string of the raw value; the 4-bit number for half-octet formats; `true` for 'T'. */
  codec?: ValueCodec<any>;
}

export interface MessageSpec {
  name: string;
  ies: readonly IeSpec[];
  /** Unknown IEIs of the form 0000xxxx are "comprehension required" (TS 24.007 §11.2.4, TS 24.008 §8.5). */
  comprehensionRequired?: boolean;
}

/** An IE the table did not know (or a repeat), kept as its full encoding. */
export interface RawIe {
  raw: string;
}
export type OrderItem = string | RawIe;

/** The JSON form the engine fills: IE values by name, plus `order` when the wire order was not the canonical one. */
export interface IeValues {
  [name: string]: unknown;
  order?: OrderItem[];
}

const F_V = 0, F_V2 = 1, F_LV = 2, F_LVE = 3, F_T = 4, F_TV2 = 5, F_TV = 6, F_TLV = 7, F_TLVE = 8;
const FORMATS: Record<IeFormat, number> = { V: F_V, 'V/2': F_V2, LV: F_LV, 'LV-E': F_LVE, T: F_T, 'TV/2': F_TV2, TV: F_TV, TLV: F_TLV, 'TLV-E': F_TLVE };

interface CompiledIe {
  name: string;
  iei: number;
  format: number;
  min: number;
  max: number;
  mandatory: boolean;
  codec: ValueCodec<any> | undefined;
  /** Next IE in the table with the same IEI (a second bearer capability, ...), or -1. */
  nextSame: number;
}

export interface CompiledMessage {
  readonly protocol: string;
  readonly name: string;
  /** IEs without IEI, in order. */
  readonly fixed: readonly CompiledIe[];
  /** IEs with IEI, in table order. */
  readonly tagged: readonly CompiledIe[];
  /** First octet -> index into `tagged`, or -1. */
  readonly byIei: Int16Array;
  readonly comprehensionRequired: boolean;
  readonly hasMandatoryTagged: boolean;
}

/** Precomputes the lookup tables of one message description. */
export function compileMessage(protocol: string, spec: MessageSpec): CompiledMessage {
  const fixed: CompiledIe[] = [];
  const tagged: CompiledIe[] = [];
  const byIei = new Int16Array(256).fill(-1);
  let halves = 0;
  for (const s of spec.ies) {
    const format = FORMATS[s.format];
    if (format === undefined) throw new Error(`${spec.name}: IE ${s.name}: unknown format ${s.format}`);
    const long = format === F_LVE || format === F_TLVE;
    const c: CompiledIe = {
      name: s.name,
      iei: s.iei ?? -1,
      format,
      min: s.min ?? (format === F_V || format === F_TV ? 1 : 0),
      max: s.max ?? (format === F_V || format === F_TV ? (s.min ?? 1) : long ? 0xffff : 0xff),
      mandatory: s.presence === 'M',
      codec: s.codec,
      nextSame: -1,
    };
    if (format <= F_LVE) {
      if (s.iei !== undefined) throw new Error(`${spec.name}: IE ${s.name}: format ${s.format} has no IEI`);
      if (tagged.length) throw new Error(`${spec.name}: IE ${s.name}: parts without IEI come first`);
      if (format === F_V2) halves++;
      else if (halves % 2) throw new Error(`${spec.name}: IE ${s.name}: half octets must pair up`);
      fixed.push(c);
      continue;
    }
    if (s.iei === undefined) throw new Error(`${spec.name}: IE ${s.name}: format ${s.format} needs an IEI`);
    const idx = tagged.length;
    tagged.push(c);
    const first = format === F_TV2 ? s.iei << 4 : s.iei;
    const span = format === F_TV2 ? 16 : 1;
    for (let o = first; o < first + span; o++) {
      const prev = byIei[o]!;
      if (prev < 0) byIei[o] = idx;
      else if (o === first) {
        let p = prev;
        while (tagged[p]!.nextSame >= 0) p = tagged[p]!.nextSame;
        tagged[p]!.nextSame = idx;
      }
    }
  }
  if (halves % 2) throw new Error(`${spec.name}: half octets must pair up`);
  return {
    protocol,
    name: spec.name,
    fixed,
    tagged,
    byIei,
    comprehensionRequired: spec.comprehensionRequired ?? false,
    hasMandatoryTagged: tagged.some((t) => t.mandatory),
  };
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of buf[start, end) (fast: a table, no Buffer). */
export function hexOf(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX[buf[i]!];
  return s;
}

/** Writes a hex string; throws Error on bad hex. */
export function writeHex(w: Writer, hex: string): void {
  if (typeof hex !== 'string' || hex.length % 2) throw new Error(`not hex: ${String(hex).slice(0, 40)}`);
  for (let i = 0; i < hex.length; i += 2) {
    const hi = NIBBLE[hex.charCodeAt(i)] ?? -1, lo = NIBBLE[hex.charCodeAt(i + 1)] ?? -1;
    if (hi < 0 || lo < 0) throw new Error(`not hex: ${hex.slice(0, 40)}`);
    w.u8((hi << 4) | lo);
  }
}

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) NIBBLE[97 + i] = NIBBLE[65 + i] = 10 + i;

function decodeValue(r: Reader, ie: CompiledIe, len: number): unknown {
  const start = r.pos;
  const v = ie.codec ? ie.codec.decode(r, len) : hexOf(r.buf, start, start + len);
  r.pos = start + len;
  return v;
}

function checkLen(r: Reader, ie: CompiledIe, len: number, at: number): void {
  if (len < ie.min || len > ie.max) r.fail(`length ${len} out of range ${ie.min}..${ie.max}`, at);
  if (len > r.remaining) r.fail(`truncated: value needs ${len} byte(s), ${r.remaining} left`, at);
}

/**
 * Decodes the IEs of one message from r.pos to r.end into `out`.
 * r.messageType should already name the message; r.ie is set per IE.
 */
export function decodeIes(m: CompiledMessage, r: Reader, out: IeValues): IeValues {
  const buf = r.buf;
  const fixed = m.fixed;
  let half = -1;
  for (let i = 0; i < fixed.length; i++) {
    const ie = fixed[i]!;
    r.ie = ie.name;
    const at = r.pos;
    switch (ie.format) {
      case F_V2: {
        let nib: number;
        if (half < 0) {
          if (r.pos >= r.end) r.fail('truncated: mandatory IE missing');
          half = buf[r.pos]!;
          nib = half & 0x0f;
        } else {
          nib = half >> 4;
          half = -1;
          r.pos++;
        }
        out[ie.name] = ie.codec ? ie.codec.decode(r, nib) : nib;
        continue;
      }
      case F_V:
        if (ie.min > r.remaining) r.fail(`truncated: value needs ${ie.min} byte(s), ${r.remaining} left`);
        out[ie.name] = decodeValue(r, ie, ie.min);
        continue;
      case F_LV: {
        if (r.pos >= r.end) r.fail('truncated: mandatory IE missing');
        const len = buf[r.pos++]!;
        checkLen(r, ie, len, at);
        out[ie.name] = decodeValue(r, ie, len);
        continue;
      }
      default: {
        if (r.pos + 2 > r.end) r.fail('truncated: mandatory IE missing');
        const len = (buf[r.pos]! << 8) | buf[r.pos + 1]!;
        r.pos += 2;
        checkLen(r, ie, len, at);
        out[ie.name] = decodeValue(r, ie, len);
      }
    }
  }
  const tagged = m.tagged;
  const byIei = m.byIei;
  let last = -1;
  let order: OrderItem[] | undefined;
  while (r.pos < r.end) {
    const at = r.pos;
    const o = buf[at]!;
    let idx = byIei[o]!;
    while (idx >= 0 && out[tagged[idx]!.name] !== undefined) idx = tagged[idx]!.nextSame;
    if (idx < 0) {
      // unknown IEI, or a repeat the table has no room for: keep raw
      r.ie = undefined;
      let end: number;
      const known = byIei[o]! >= 0 ? tagged[byIei[o]!]! : undefined;
      if (known && known.format === F_TV) {
        end = at + 1 + known.min;
        if (end > r.end) r.fail(`truncated: IE 0x${HEX[o]} needs ${known.min} byte(s), ${r.end - at - 1} left`);
      } else if (known && known.format === F_TLVE) {
        if (at + 3 > r.end) r.fail('truncated: IE length missing');
        end = at + 3 + ((buf[at + 1]! << 8) | buf[at + 2]!);
        if (end > r.end) r.fail(`truncated: IE 0x${HEX[o]} runs past the end`);
      } else if (o & 0x80) end = at + 1;
      else {
        if (m.comprehensionRequired && (o & 0xf0) === 0 && byIei[o]! < 0) r.fail(`unknown IE 0x${HEX[o]} with comprehension required`);
        if (at + 2 > r.end) r.fail('truncated: IE length missing');
        end = at + 2 + buf[at + 1]!;
        if (end > r.end) r.fail(`truncated: IE 0x${HEX[o]} needs ${buf[at + 1]} byte(s), ${r.end - at - 2} left`);
      }
      order ??= canonicalSoFar(m, out);
      order.push({ raw: hexOf(buf, at, end) });
      r.pos = end;
      continue;
    }
    const ie = tagged[idx]!;
    r.ie = ie.name;
    switch (ie.format) {
      case F_TV2:
        r.pos++;
        out[ie.name] = ie.codec ? ie.codec.decode(r, o & 0x0f) : o & 0x0f;
        break;
      case F_T:
        r.pos++;
        out[ie.name] = true;
        break;
      case F_TV:
        r.pos++;
        if (ie.min > r.remaining) r.fail(`truncated: value needs ${ie.min} byte(s), ${r.remaining} left`, at);
        out[ie.name] = decodeValue(r, ie, ie.min);
        break;
      case F_TLV: {
        if (at + 2 > r.end) r.fail('truncated: IE length missing');
        const len = buf[at + 1]!;
        r.pos += 2;
        checkLen(r, ie, len, at);
        out[ie.name] = decodeValue(r, ie, len);
        break;
      }
      default: {
        if (at + 3 > r.end) r.fail('truncated: IE length missing');
        const len = (buf[at + 1]! << 8) | buf[at + 2]!;
        r.pos += 3;
        checkLen(r, ie, len, at);
        out[ie.name] = decodeValue(r, ie, len);
      }
    }
    if (order) order.push(ie.name);
    else if (idx < last) {
      order = canonicalSoFar(m, out);
      // canonicalSoFar already listed this IE in table position; move it to the end
      order.splice(order.indexOf(ie.name), 1);
      order.push(ie.name);
    } else last = idx;
  }
  r.ie = undefined;
  if (m.hasMandatoryTagged) {
    for (let i = 0; i < tagged.length; i++) {
      const ie = tagged[i]!;
      if (ie.mandatory && out[ie.name] === undefined) {
        r.ie = ie.name;
        r.fail('mandatory IE missing');
      }
    }
  }
  if (order) out.order = order;
  return out;
}

function canonicalSoFar(m: CompiledMessage, out: IeValues): OrderItem[] {
  const order: OrderItem[] = [];
  for (const ie of m.tagged) if (out[ie.name] !== undefined) order.push(ie.name);
  return order;
}

/** Encodes the IEs of `v` (the JSON form from decodeIes) after what `w` holds. */
export function encodeIes(m: CompiledMessage, v: IeValues, w: Writer): void {
  let half = -1;
  for (const ie of m.fixed) {
    const val = v[ie.name];
    if (val === undefined) throw new EncodeError(m.protocol, m.name, ie.name, 'mandatory IE missing');
    if (ie.format === F_V2) {
      const nib = nibble(m, ie, val, w);
      if (half < 0) half = nib;
      else {
        w.u8(half | (nib << 4));
        half = -1;
      }
      continue;
    }
    encodeValue(m, ie, val, w, ie.format === F_V ? 0 : ie.format === F_LV ? 1 : 2);
  }
  const order = v.order;
  if (order) {
    const done = new Set<string>();
    for (const item of order) {
      if (typeof item === 'string') {
        const idx = m.tagged.findIndex((t) => t.name === item);
        if (idx < 0) throw new EncodeError(m.protocol, m.name, item, 'not an IE of this message');
        if (v[item] === undefined || done.has(item)) continue;
        done.add(item);
        encodeTagged(m, m.tagged[idx]!, v[item], w);
      } else {
        try {
          writeRaw(w, item.raw);
        } catch (e) {
          throw new EncodeError(m.protocol, m.name, undefined, (e as Error).message);
        }
      }
    }
    for (const ie of m.tagged) {
      if (done.has(ie.name)) continue;
      const val = v[ie.name];
      if (val === undefined) {
        if (ie.mandatory) throw new EncodeError(m.protocol, m.name, ie.name, 'mandatory IE missing');
        continue;
      }
      encodeTagged(m, ie, val, w);
    }
    return;
  }
  for (const ie of m.tagged) {
    const val = v[ie.name];
    if (val === undefined) {
      if (ie.mandatory) throw new EncodeError(m.protocol, m.name, ie.name, 'mandatory IE missing');
      continue;
    }
    encodeTagged(m, ie, val, w);
  }
}

function writeRaw(w: Writer, hex: unknown): void {
  writeHex(w, hex as string);
}

function nibble(m: CompiledMessage, ie: CompiledIe, val: unknown, w: Writer): number {
  let n: unknown;
  try {
    n = ie.codec ? ie.codec.encode(val, w) : val;
  } catch (e) {
    throw new EncodeError(m.protocol, m.name, ie.name, (e as Error).message);
  }
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 15) throw new EncodeError(m.protocol, m.name, ie.name, `half-octet value ${String(n)} not in 0..15`);
  return n;
}

function encodeTagged(m: CompiledMessage, ie: CompiledIe, val: unknown, w: Writer): void {
  switch (ie.format) {
    case F_TV2:
      w.u8((ie.iei << 4) | nibble(m, ie, val, w));
      return;
    case F_T:
      if (val !== true) throw new EncodeError(m.protocol, m.name, ie.name, 'a type 2 IE is `true` when present');
      w.u8(ie.iei);
      return;
    default:
      w.u8(ie.iei);
      encodeValue(m, ie, val, w, ie.format === F_TV ? 0 : ie.format === F_TLV ? 1 : 2);
  }
}

/** lenBytes: 0 for a fixed value, 1 or 2 for a length field. */
function encodeValue(m: CompiledMessage, ie: CompiledIe, val: unknown, w: Writer, lenBytes: number): void {
  const lenAt = w.length;
  if (lenBytes === 1) w.u8(0);
  else if (lenBytes === 2) w.u16(0);
  const start = w.length;
  try {
    if (ie.codec) ie.codec.encode(val, w);
    else writeHex(w, val as string);
  } catch (e) {
    if (e instanceof EncodeError) throw e;
    throw new EncodeError(m.protocol, m.name, ie.name, (e as Error).message);
  }
  const len = w.length - start;
  if (len < ie.min || len > ie.max) throw new EncodeError(m.protocol, m.name, ie.name, `value length ${len} out of range ${ie.min}..${ie.max}`);
  if (lenBytes === 1) w.patch8(lenAt, len);
  else if (lenBytes === 2) w.patch16(lenAt, len);
}
