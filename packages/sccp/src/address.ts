import { DecodeError, EncodeError } from '@snaptel/codec';

/**
 * Called/calling party address (Q.713 3.4): address indicator, then point
 * code (14-bit ITU, least significant octet first), SSN and global title,
 * each present as the indicator says.
 */
export interface SccpAddress {
  /** Routing indicator (bit 7): route on 'gt' (0) or on 'ssn' (1, SSN + PC). */
  routing: 'gt' | 'ssn';
  /** Bit 8 of the address indicator, reserved for national use. */
  national?: boolean;
  /** Signalling point code, 14 bits. */
  pc?: number;
  /** The two spare bits above the 14-bit point code, kept when not zero. */
  pcSpare?: number;
  ssn?: number;
  gt?: GlobalTitle;
}

/** GTI 1: nature of address indicator only (odd/even follows the digits). */
export interface Gt1 {
  gti: 1;
  nai: number;
  digits: string;
  filler?: number;
}
/** GTI 2: translation type only (digits read as an even BCD string). */
export interface Gt2 {
  gti: 2;
  tt: number;
  digits: string;
}
/** GTI 3: translation type, numbering plan, encoding scheme. */
export interface Gt3 {
  gti: 3;
  tt: number;
  np: number;
  /** Encoding scheme: 1 BCD odd, 2 BCD even; when left out on encode it follows the digit count. */
  es?: number;
  digits: string;
  filler?: number;
}
/** GTI 4: translation type, numbering plan, encoding scheme, nature of address. */
export interface Gt4 {
  gti: 4;
  tt: number;
  np: number;
  es?: number;
  nai: number;
  /** Bit 8 of the NAI octet (spare), kept when set. */
  naiSpare?: number;
  digits: string;
  filler?: number;
}
/** GTI 5..15 (spare in ITU-T): kept raw. */
export interface GtRaw {
  gti: 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15;
  raw: string;
}
export type GlobalTitle = Gt1 | Gt2 | Gt3 | Gt4 | GtRaw;

const NIBBLE = '0123456789abcdef';

export type Fail = (reason: string, at: number) => never;

/** Digits from BCD octets b[s..e): low nibble first; `odd` drops the last high nibble (the filler). */
function bcd(b: Uint8Array, s: number, e: number, odd: boolean, gt: { digits: string; filler?: number }): void {
  let d = '';
  for (let i = s; i < e; i++) {
    const x = b[i]!;
    d += NIBBLE[x & 15]!;
    if (odd && i === e - 1) {
      if (x >> 4) gt.filler = x >> 4;
    } else d += NIBBLE[x >> 4]!;
  }
  gt.digits = d;
}

/** Decodes the address in b[s..e) (the length octet already consumed). */
export function decodeAddress(b: Uint8Array, s: number, e: number, fail: Fail): SccpAddress {
  if (s >= e) fail('empty address (no address indicator)', s);
  const ai = b[s]!;
  const a: SccpAddress = { routing: ai & 0x40 ? 'ssn' : 'gt' };
  if (ai & 0x80) a.national = true;
  let p = s + 1;
  if (ai & 0x01) {
    if (p + 2 > e) fail('truncated point code', p);
    const v = b[p]! | (b[p + 1]! << 8);
    a.pc = v & 0x3fff;
    if (v >> 14) a.pcSpare = v >> 14;
    p += 2;
  }
  if (ai & 0x02) {
    if (p + 1 > e) fail('truncated subsystem number', p);
    a.ssn = b[p++]!;
  }
  const gti = (ai >> 2) & 0x0f;
  if (gti === 0) {
    if (p !== e) fail(`${e - p} byte(s) after an address without global title`, p);
    return a;
  }
  if (gti === 1) {
    if (p + 1 > e) fail('truncated global title (GTI 1 needs the NAI octet)', p);
    const x = b[p]!;
    const odd = (x & 0x80) !== 0;
    if (odd && p + 1 === e) fail('odd indicator without digits', p);
    const g: Gt1 = { gti: 1, nai: x & 0x7f, digits: '' };
    bcd(b, p + 1, e, odd, g);
    a.gt = g;
  } else if (gti === 2) {
    if (p + 1 > e) fail('truncated global title (GTI 2 needs the translation type)', p);
    const g: Gt2 = { gti: 2, tt: b[p]!, digits: '' };
    bcd(b, p + 1, e, false, g);
    a.gt = g;
  } else if (gti === 3) {
    if (p + 2 > e) fail('truncated global title (GTI 3 needs TT and NP/ES)', p);
    const g: Gt3 = { gti: 3, tt: b[p]!, np: b[p + 1]! >> 4, es: b[p + 1]! & 15, digits: '' };
    bcd(b, p + 2, e, g.es === 1, g);
    a.gt = g;
  } else if (gti === 4) {
    if (p + 3 > e) fail('truncated global title (GTI 4 needs TT, NP/ES and NAI)', p);
    const g: Gt4 = { gti: 4, tt: b[p]!, np: b[p + 1]! >> 4, es: b[p + 1]! & 15, nai: b[p + 2]! & 0x7f, digits: '' };
    if (b[p + 2]! & 0x80) g.naiSpare = 1;
    bcd(b, p + 3, e, g.es === 1, g);
    a.gt = g;
  } else {
    a.gt = { gti: gti as GtRaw['gti'], raw: Buffer.from(b.buffer, b.byteOffset + p, e - p).toString('hex') };
  }
  return a;
}

export interface Sink {
  u8(v: number): unknown;
  bytes(b: Uint8Array): unknown;
}

type Err = (ie: string, reason: string) => never;

function u(v: unknown, max: number, ie: string, err: Err): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) err(ie, `${JSON.stringify(v)} is not an integer 0..${max}`);
  return v as number;
}

function digitsOut(w: Sink, digits: unknown, odd: boolean, filler: number | undefined, err: Err): void {
  if (typeof digits !== 'string' || !/^[0-9a-fA-F]*$/.test(digits)) err('digits', `${JSON.stringify(digits)} is not a digit string`);
  const d = digits as string;
  if (odd !== (d.length % 2 === 1) && d.length > 0) err('digits', `${d.length} digit(s) but the encoding says ${odd ? 'odd' : 'even'}`);
  const f = u(filler ?? 0, 15, 'filler', err);
  for (let i = 0; i < d.length; i += 2) {
    const lo = parseInt(d[i]!, 16);
    const hi = i + 1 < d.length ? parseInt(d[i + 1]!, 16) : f;
    w.u8(lo | (hi << 4));
  }
}

export function encodeAddress(w: Sink, a: SccpAddress, err: Err): void {
  if (!a || typeof a !== 'object') err('address', 'missing');
  if (a.routing !== 'gt' && a.routing !== 'ssn') err('routing', `${JSON.stringify(a.routing)} is not 'gt' or 'ssn'`);
  const gt = a.gt;
  const gti = gt ? u(gt.gti, 15, 'gti', err) : 0;
  if (gt && gti === 0) err('gti', 'a global title needs GTI 1..15');
  w.u8((a.national ? 0x80 : 0) | (a.routing === 'ssn' ? 0x40 : 0) | (gti << 2) | (a.ssn !== undefined ? 2 : 0) | (a.pc !== undefined ? 1 : 0));
  if (a.pc !== undefined) {
    const v = u(a.pc, 0x3fff, 'pc', err) | (u(a.pcSpare ?? 0, 3, 'pcSpare', err) << 14);
    w.u8(v & 0xff);
    w.u8(v >> 8);
  }
  if (a.ssn !== undefined) w.u8(u(a.ssn, 255, 'ssn', err));
  if (!gt) return;
  switch (gt.gti) {
    case 1: {
      const odd = typeof gt.digits === 'string' && gt.digits.length % 2 === 1;
      w.u8((odd ? 0x80 : 0) | u(gt.nai, 0x7f, 'nai', err));
      digitsOut(w, gt.digits, odd, gt.filler, err);
      return;
    }
    case 2:
      w.u8(u(gt.tt, 255, 'tt', err));
      digitsOut(w, gt.digits, false, undefined, err);
      return;
    case 3:
    case 4: {
      const es = gt.es ?? (typeof gt.digits === 'string' && gt.digits.length % 2 === 1 ? 1 : 2);
      w.u8(u(gt.tt, 255, 'tt', err));
      w.u8((u(gt.np, 15, 'np', err) << 4) | u(es, 15, 'es', err));
      if (gt.gti === 4) w.u8((gt.naiSpare ? 0x80 : 0) | u(gt.nai, 0x7f, 'nai', err));
      digitsOut(w, gt.digits, es === 1, gt.filler, err);
      return;
    }
    default: {
      const raw = (gt as GtRaw).raw;
      const bytes = typeof raw === 'string' && raw.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(raw) ? Buffer.from(raw, 'hex') : err('gt', 'raw is not hex');
      w.bytes(bytes);
    }
  }
}

export { DecodeError, EncodeError };

/** One address (without the length octet) as bytes, e.g. to compare with published address encodings. */
export function addressToBytes(a: SccpAddress): Uint8Array {
  const out: number[] = [];
  encodeAddress(
    { u8: (v: number) => out.push(v & 0xff), bytes: (b: Uint8Array) => out.push(...b) },
    a,
    (ie, reason) => {
      throw new EncodeError('sccp', undefined, ie, reason);
    },
  );
  return Uint8Array.from(out);
}

/** Decodes one address (without the length octet). Offsets in errors count from the start of `b`. */
export function addressFromBytes(b: Uint8Array): SccpAddress {
  return decodeAddress(b, 0, b.length, (reason, at) => {
    throw new DecodeError('sccp', undefined, 'address', at, reason);
  });
}
