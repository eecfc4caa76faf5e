import { EncodeError, Reader, Writer, fromHex, toHex } from '@snaptel/codec';
import { gsm7Septets, gsm7Text, packSeptets, unpackSeptets } from './alphabet';

export const PROTOCOL = 'sms';

function encodeFail(ie: string, reason: string, messageType?: string): never {
  throw new EncodeError(PROTOCOL, messageType, ie, reason);
}

// ---------------------------------------------------------------- addresses

/** TS 23.040 §9.1.2.5: type of number (bits 6-4 of the type-of-address octet). */
export const TYPE_OF_NUMBER = ['unknown', 'international', 'national', 'network-specific', 'subscriber', 'alphanumeric', 'abbreviated', 'reserved'] as const;
export type TypeOfNumber = (typeof TYPE_OF_NUMBER)[number];

/** BCD semi-octet values 0..14 ("F" is the filler). */
const BCD_DIGITS = '0123456789*#abc';

/**
 * An address (TP-OA, TP-DA, TP-RA). Numbers carry `digits`; alphanumeric
 * addresses (ton 'alphanumeric') carry `text` (GSM 7-bit packed in the
 * address value). `raw` (hex of the whole field) is set by decode only when
 * the field is not in the canonical form (odd filler, stray nibbles), and
 * wins on encode.
 */
export interface Address {
  ton: TypeOfNumber;
  /** Numbering plan identification (bits 3-0), 1 = ISDN/E.164. */
  npi: number;
  digits?: string;
  text?: string;
  raw?: string;
}

export function decodeAddress(r: Reader, ie: string): Address {
  const start = r.pos;
  r.ie = ie;
  const len = r.u8('address length');
  if (len > 20) r.fail(`address length ${len} semi-octets exceeds 20`, start);
  const toa = r.u8('type of address');
  const value = r.bytes((len + 1) >> 1, 'address value');
  const ton = TYPE_OF_NUMBER[(toa >> 4) & 7]!;
  const a: Address = { ton, npi: toa & 0x0f };
  if (ton === 'alphanumeric') {
    a.text = gsm7Text(unpackSeptets(value, Math.floor((len * 4) / 7)));
  } else {
    let d = '';
    for (let i = 0; i < len; i++) {
      const n = (value[i >> 1]! >> ((i & 1) * 4)) & 0x0f;
      d += n === 0x0f ? '' : BCD_DIGITS[n]!;
    }
    a.digits = d;
  }
  const wire = r.buf.subarray(start, r.pos);
  const canonical = safeEncode(() => {
    const w = new Writer();
    encodeAddress(w, a, ie);
    return w.finish();
  });
  if (!canonical || !equalBytes(canonical, wire)) a.raw = toHex(wire);
  return a;
}

export function encodeAddress(w: Writer, a: Address, ie: string, mt?: string): void {
  if (a.raw !== undefined) {
    w.bytes(fromHex(a.raw));
    return;
  }
  const ton = TYPE_OF_NUMBER.indexOf(a.ton);
  if (ton < 0) encodeFail(ie, `unknown type of number ${String(a.ton)}`, mt);
  if (!Number.isInteger(a.npi) || a.npi < 0 || a.npi > 15) encodeFail(ie, `npi ${a.npi} out of range`, mt);
  const toa = 0x80 | (ton << 4) | a.npi;
  if (a.ton === 'alphanumeric') {
    const septets = gsm7Septets(a.text ?? '');
    const packed = packSeptets(septets);
    const len = Math.ceil((septets.length * 7) / 4);
    if (len > 20) encodeFail(ie, 'alphanumeric address longer than 11 characters', mt);
    w.u8(len).u8(toa).bytes(packed);
    return;
  }
  const digits = a.digits ?? '';
  if (digits.length > 20) encodeFail(ie, 'more than 20 digits', mt);
  w.u8(digits.length).u8(toa);
  for (let i = 0; i < digits.length; i += 2) {
    const lo = BCD_DIGITS.indexOf(digits[i]!.toLowerCase());
    const hi = i + 1 < digits.length ? BCD_DIGITS.indexOf(digits[i + 1]!.toLowerCase()) : 0x0f;
    if (lo < 0 || hi < 0) encodeFail(ie, `not a BCD digit in "${digits}"`, mt);
    w.u8((hi << 4) | lo);
  }
}

// ---------------------------------------------------------------- time stamps

/**
 * TS 23.040 §9.2.3.11: seven semi-octet swapped BCD octets. `tz` is the
 * offset from UTC in quarter hours (negative west of Greenwich: the sign is
 * bit 3 of the last octet). `raw` is set only for a non-canonical "-0" zone.
 */
export interface Timestamp {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  tz: number;
  raw?: string;
}

function bcd(r: Reader, what: string): number {
  const at = r.pos;
  const b = r.u8(what);
  const lo = b & 0x0f;
  const hi = b >> 4;
  if (lo > 9 || hi > 9) r.fail(`${what}: 0x${b.toString(16).padStart(2, '0')} is not two BCD digits`, at);
  return lo * 10 + hi;
}

export function decodeTimestamp(r: Reader, ie: string): Timestamp {
  r.ie = ie;
  const start = r.pos;
  const t: Timestamp = {
    year: bcd(r, 'year'),
    month: bcd(r, 'month'),
    day: bcd(r, 'day'),
    hour: bcd(r, 'hour'),
    minute: bcd(r, 'minute'),
    second: bcd(r, 'second'),
    tz: 0,
  };
  const at = r.pos;
  const z = r.u8('time zone');
  const units = z >> 4;
  if (units > 9) r.fail(`time zone: 0x${z.toString(16)} is not BCD`, at);
  const q = (z & 0x07) * 10 + units;
  t.tz = z & 0x08 ? -q : q;
  if (z & 0x08 && q === 0) t.raw = toHex(r.buf.subarray(start, r.pos));
  return t;
}

export function encodeTimestamp(w: Writer, t: Timestamp, ie: string, mt?: string): void {
  if (t.raw !== undefined) {
    const b = fromHex(t.raw);
    if (b.length !== 7) encodeFail(ie, 'raw time stamp must be 7 octets', mt);
    w.bytes(b);
    return;
  }
  const put = (v: number, what: string): void => {
    if (!Number.isInteger(v) || v < 0 || v > 99) encodeFail(ie, `${what} ${v} out of range 0..99`, mt);
    w.u8(((v % 10) << 4) | Math.floor(v / 10));
  };
  put(t.year, 'year');
  put(t.month, 'month');
  put(t.day, 'day');
  put(t.hour, 'hour');
  put(t.minute, 'minute');
  put(t.second, 'second');
  const q = Math.abs(t.tz);
  if (!Number.isInteger(t.tz) || q > 79) encodeFail(ie, `time zone ${t.tz} quarter hours out of range`, mt);
  w.u8(((q % 10) << 4) | Math.floor(q / 10) | (t.tz < 0 ? 0x08 : 0));
}

// ---------------------------------------------------------------- validity period

/**
 * TS 23.040 §9.2.3.12. The format is what TP-VPF in the first octet says.
 * Relative: one octet (`seconds` is the decoded duration, informative).
 * Enhanced: seven octets kept as `raw`, with the functionality indicator
 * decoded alongside.
 */
export type ValidityPeriod =
  | { format: 'relative'; value: number; seconds?: number }
  | { format: 'absolute'; time: Timestamp }
  | { format: 'enhanced'; raw: string; singleShot?: boolean; kind?: 'none' | 'relative' | 'seconds' | 'hhmmss' | 'reserved'; seconds?: number };

/** TP-VPF values (bits 4-3 of SMS-SUBMIT's first octet). */
export const VPF = { none: 0, enhanced: 1, relative: 2, absolute: 3 } as const;

/** §9.2.3.12.1: the duration one relative-format octet stands for, in seconds. */
export function relativeSeconds(v: number): number {
  if (v <= 143) return (v + 1) * 5 * 60;
  if (v <= 167) return 12 * 3600 + (v - 143) * 30 * 60;
  if (v <= 196) return (v - 166) * 86400;
  return (v - 192) * 7 * 86400;
}

const ENHANCED_KINDS = ['none', 'relative', 'seconds', 'hhmmss', 'reserved', 'reserved', 'reserved', 'reserved'] as const;

export function decodeVp(r: Reader, vpf: number): ValidityPeriod | undefined {
  r.ie = 'TP-VP';
  switch (vpf) {
    case VPF.relative: {
      const value = r.u8('relative validity period');
      return { format: 'relative', value, seconds: relativeSeconds(value) };
    }
    case VPF.absolute:
      return { format: 'absolute', time: decodeTimestamp(r, 'TP-VP') };
    case VPF.enhanced: {
      const b = r.bytes(7, 'enhanced validity period');
      const kind = ENHANCED_KINDS[b[0]! & 7]!;
      const vp: ValidityPeriod = { format: 'enhanced', raw: toHex(b), singleShot: (b[0]! & 0x40) !== 0, kind };
      if (kind === 'relative') vp.seconds = relativeSeconds(b[1]!);
      else if (kind === 'seconds') vp.seconds = b[1]!;
      else if (kind === 'hhmmss') {
        const d = (x: number): number => (x & 0x0f) * 10 + (x >> 4);
        vp.seconds = d(b[1]!) * 3600 + d(b[2]!) * 60 + d(b[3]!);
      }
      return vp;
    }
    default:
      return undefined;
  }
}

export function vpfOf(vp: ValidityPeriod | undefined): number {
  return vp ? VPF[vp.format] : VPF.none;
}

export function encodeVp(w: Writer, vp: ValidityPeriod | undefined, mt?: string): void {
  if (!vp) return;
  switch (vp.format) {
    case 'relative':
      if (!Number.isInteger(vp.value) || vp.value < 0 || vp.value > 255) encodeFail('TP-VP', `relative value ${vp.value} out of range`, mt);
      w.u8(vp.value);
      return;
    case 'absolute':
      encodeTimestamp(w, vp.time, 'TP-VP', mt);
      return;
    case 'enhanced': {
      const b = fromHex(vp.raw);
      if (b.length !== 7) encodeFail('TP-VP', 'enhanced validity period must be 7 octets', mt);
      w.bytes(b);
      return;
    }
    default:
      encodeFail('TP-VP', `unknown format ${String((vp as { format: unknown }).format)}`, mt);
  }
}

// ---------------------------------------------------------------- data coding scheme

export type Alphabet = 'gsm7' | '8bit' | 'ucs2';

/**
 * TS 23.038 §4: the coding groups, as data. Each row matches `(dcs & mask) === value`
 * and says where the alphabet and the message class come from.
 */
export const DCS_GROUPS: readonly {
  name: 'general' | 'auto-delete' | 'reserved' | 'mwi-discard' | 'mwi-store' | 'mwi-store-ucs2' | 'data-class';
  mask: number;
  value: number;
  /** Fixed alphabet, or 'bits3-2' (general groups) / 'bit2' (data coding/message class group). */
  alphabet: Alphabet | 'bits3-2' | 'bit2';
  /** Message class in bits 1-0: always, only when bit 4 is set, or never. */
  klass: 'always' | 'bit4' | 'never';
  compressedBit5?: true;
  waiting?: true;
}[] = [
  { name: 'general', mask: 0xc0, value: 0x00, alphabet: 'bits3-2', klass: 'bit4', compressedBit5: true },
  { name: 'auto-delete', mask: 0xc0, value: 0x40, alphabet: 'bits3-2', klass: 'bit4', compressedBit5: true },
  { name: 'reserved', mask: 0xf0, value: 0x80, alphabet: 'gsm7', klass: 'never' },
  { name: 'reserved', mask: 0xf0, value: 0x90, alphabet: 'gsm7', klass: 'never' },
  { name: 'reserved', mask: 0xf0, value: 0xa0, alphabet: 'gsm7', klass: 'never' },
  { name: 'reserved', mask: 0xf0, value: 0xb0, alphabet: 'gsm7', klass: 'never' },
  { name: 'mwi-discard', mask: 0xf0, value: 0xc0, alphabet: 'gsm7', klass: 'never', waiting: true },
  { name: 'mwi-store', mask: 0xf0, value: 0xd0, alphabet: 'gsm7', klass: 'never', waiting: true },
  { name: 'mwi-store-ucs2', mask: 0xf0, value: 0xe0, alphabet: 'ucs2', klass: 'never', waiting: true },
  { name: 'data-class', mask: 0xf0, value: 0xf0, alphabet: 'bit2', klass: 'always' },
];

const ALPHABET_BITS: readonly Alphabet[] = ['gsm7', '8bit', 'ucs2', 'gsm7'];
export const WAITING_TYPES = ['voicemail', 'fax', 'email', 'other'] as const;

/**
 * TP-DCS. `value` is the octet; the rest is what it means (informative on
 * encode, where only `value` counts, unless it is missing: then the octet is
 * built from `alphabet` and `messageClass` in the general group).
 */
export interface Dcs {
  value: number;
  group?: (typeof DCS_GROUPS)[number]['name'];
  alphabet?: Alphabet;
  messageClass?: number;
  compressed?: boolean;
  waiting?: { active: boolean; type: (typeof WAITING_TYPES)[number] };
}

export function describeDcs(value: number): Dcs {
  const g = DCS_GROUPS.find((row) => (value & row.mask) === row.value)!;
  const d: Dcs = { value, group: g.name };
  d.alphabet = g.alphabet === 'bits3-2' ? ALPHABET_BITS[(value >> 2) & 3]! : g.alphabet === 'bit2' ? (value & 4 ? '8bit' : 'gsm7') : g.alphabet;
  if (g.klass === 'always' || (g.klass === 'bit4' && value & 0x10)) d.messageClass = value & 3;
  if (g.compressedBit5) d.compressed = (value & 0x20) !== 0;
  if (g.waiting) d.waiting = { active: (value & 8) !== 0, type: WAITING_TYPES[value & 3]! };
  return d;
}

export function dcsValue(d: Dcs | undefined): number {
  if (!d) return 0;
  if (d.value !== undefined) return d.value;
  const a = ALPHABET_BITS.indexOf(d.alphabet ?? 'gsm7');
  return (a << 2) | (d.messageClass !== undefined ? 0x10 | (d.messageClass & 3) : 0);
}

// ---------------------------------------------------------------- user data header

/** UDH information elements that get typed fields, as data: IEI, name, fields with their octet widths. */
export const UDH_IES = [
  { iei: 0x00, type: 'concat8', fields: [['ref', 1], ['total', 1], ['seq', 1]] },
  { iei: 0x08, type: 'concat16', fields: [['ref', 2], ['total', 1], ['seq', 1]] },
  { iei: 0x04, type: 'ports8', fields: [['dst', 1], ['src', 1]] },
  { iei: 0x05, type: 'ports16', fields: [['dst', 2], ['src', 2]] },
] as const;

export type UdhElement =
  | { type: 'concat8' | 'concat16'; ref: number; total: number; seq: number }
  | { type: 'ports8' | 'ports16'; dst: number; src: number }
  | { type: 'raw'; iei: number; data: string };

function ieLength(def: (typeof UDH_IES)[number]): number {
  return def.fields.reduce((n, f) => n + f[1], 0);
}

export function decodeUdh(r: Reader): UdhElement[] {
  r.ie = 'TP-UDH';
  const udhl = r.u8('UDHL');
  const h = r.sub(udhl, 'TP-UDH');
  const out: UdhElement[] = [];
  while (h.remaining > 0) {
    const iei = h.u8('IEI');
    const len = h.u8('IE length');
    const body = h.sub(len, 'TP-UDH');
    const def = UDH_IES.find((d) => d.iei === iei);
    if (def && ieLength(def) === len) {
      const e: Record<string, number | string> = { type: def.type };
      for (const [name, width] of def.fields) e[name] = width === 1 ? body.u8(name) : body.u16(name);
      out.push(e as unknown as UdhElement);
    } else {
      out.push({ type: 'raw', iei, data: toHex(body.rest()) });
    }
  }
  return out;
}

export function encodeUdh(w: Writer, ies: UdhElement[], mt?: string): void {
  const at = w.length;
  w.u8(0);
  for (const e of ies) {
    if (e.type === 'raw') {
      const data = fromHex(e.data);
      if (data.length > 255) encodeFail('TP-UDH', 'IE longer than 255 octets', mt);
      w.u8(e.iei).u8(data.length).bytes(data);
      continue;
    }
    const def = UDH_IES.find((d) => d.type === e.type);
    if (!def) encodeFail('TP-UDH', `unknown IE type ${String(e.type)}`, mt);
    w.u8(def.iei).u8(ieLength(def));
    for (const [name, width] of def.fields) {
      const v = (e as unknown as Record<string, number>)[name];
      if (!Number.isInteger(v) || v! < 0 || v! >= 1 << (8 * width)) encodeFail('TP-UDH', `${def.type}.${name} ${v} out of range`, mt);
      if (width === 1) w.u8(v!);
      else w.u16(v!);
    }
  }
  const len = w.length - at - 1;
  if (len > 255) encodeFail('TP-UDH', 'header longer than 255 octets', mt);
  w.patch8(at, len);
}

// ---------------------------------------------------------------- user data

/**
 * TP-UDL + TP-UD. Decode fills everything: `length` (TP-UDL as on the wire:
 * septets for GSM 7-bit, octets otherwise), `raw` (hex of every octet after
 * TP-UDL, header included), `header` when TP-UDHI is set, `text` for GSM
 * 7-bit and UCS2, `body` (hex of the octets after the header) for 8-bit.
 * Encode uses `raw` + `length` when `raw` is present (byte-exact); otherwise
 * it builds the field from `header` and `text` (or `body` for 8-bit).
 */
export interface UserData {
  length?: number;
  raw?: string;
  header?: UdhElement[];
  text?: string;
  body?: string;
}

export function decodeUserData(r: Reader, alphabet: Alphabet, udhi: boolean): UserData {
  r.ie = 'TP-UDL';
  const udlAt = r.pos;
  const length = r.u8('TP-UDL');
  r.ie = 'TP-UD';
  const start = r.pos;
  const octets = alphabet === 'gsm7' ? Math.ceil((length * 7) / 8) : length;
  if (octets > r.remaining) r.fail(`truncated: TP-UDL ${length} needs ${octets} octet(s), ${r.remaining} left`, udlAt);
  const ud: UserData = { length, raw: toHex(r.buf.subarray(start, r.end)) };
  const u = new Reader(r.buf, r.protocol, r.messageType, 'TP-UD', start, start + octets);
  let headerOctets = 0;
  if (udhi) {
    ud.header = decodeUdh(u);
    headerOctets = u.pos - start;
  }
  r.ie = 'TP-UD';
  if (alphabet === 'gsm7') {
    const headerSeptets = Math.ceil((headerOctets * 8) / 7);
    if (headerSeptets > length) r.fail(`UDH of ${headerOctets} octet(s) exceeds TP-UDL ${length} septets`, start);
    const fill = headerSeptets * 7 - headerOctets * 8;
    ud.text = gsm7Text(unpackSeptets(r.buf.subarray(start + headerOctets, start + octets), length - headerSeptets, fill));
  } else {
    const body = r.buf.subarray(start + headerOctets, start + octets);
    if (alphabet === 'ucs2') ud.text = ucs2Text(body);
    else ud.body = toHex(body);
  }
  r.pos = r.end;
  return ud;
}

function ucs2Text(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
  return s;
}

export function encodeUserData(w: Writer, ud: UserData, alphabet: Alphabet, mt?: string): void {
  if (ud.raw !== undefined) {
    if (ud.length === undefined) encodeFail('TP-UDL', 'raw user data needs its length', mt);
    if (!Number.isInteger(ud.length) || ud.length < 0 || ud.length > 255) encodeFail('TP-UDL', `length ${ud.length} out of range`, mt);
    w.u8(ud.length).bytes(fromHex(ud.raw));
    return;
  }
  const h = new Writer();
  if (ud.header) encodeUdh(h, ud.header, mt);
  const header = h.finish();
  let body: Uint8Array;
  let length: number;
  if (alphabet === 'gsm7') {
    const septets = gsm7Septets(ud.text ?? '');
    const headerSeptets = Math.ceil((header.length * 8) / 7);
    const fill = headerSeptets * 7 - header.length * 8;
    body = packSeptets(septets, fill);
    length = headerSeptets + septets.length;
  } else if (alphabet === 'ucs2') {
    const t = ud.text ?? '';
    body = new Uint8Array(t.length * 2);
    for (let i = 0; i < t.length; i++) {
      body[2 * i] = t.charCodeAt(i) >> 8;
      body[2 * i + 1] = t.charCodeAt(i) & 0xff;
    }
    length = header.length + body.length;
  } else {
    body = fromHex(ud.body ?? '');
    length = header.length + body.length;
  }
  if (length > 255) encodeFail('TP-UDL', `user data length ${length} exceeds 255`, mt);
  w.u8(length).bytes(header).bytes(body);
}

// ---------------------------------------------------------------- helpers

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function safeEncode(f: () => Uint8Array): Uint8Array | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
