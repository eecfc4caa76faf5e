import { Reader, Writer, fromHex, toHex } from '@snaptel/codec';
import type { ValueFormat } from './tlv';

/** Value formats for the TLV walker. Each decode only reads through `r` (so bad input is a DecodeError). */

export const u8: ValueFormat<number> = {
  decode: (r) => r.u8(),
  encode: (w, v) => {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new Error(`not a byte: ${String(v)}`);
    w.u8(v);
  },
};

export const u32: ValueFormat<number> = {
  decode: (r) => r.u32(),
  encode: (w, v) => {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`not a 32-bit unsigned: ${String(v)}`);
    w.u32(v);
  },
};

/** Zero-length presence flag. */
export const flag: ValueFormat<boolean> = {
  flag: true,
  decode: () => true,
  encode: (_w, v) => {
    if (v !== true) throw new Error('flag must be true (or absent)');
  },
};

/** Opaque bytes as hex. */
export const hex: ValueFormat<string> = {
  decode: (r) => toHex(r.rest()),
  encode: (w, v) => {
    if (typeof v !== 'string') throw new Error('expected a hex string');
    w.bytes(fromHex(v));
  },
};

/** Bytes as a latin1 string (names; a C string's NUL shows as \u0000). */
export const latin1: ValueFormat<string> = {
  decode: (r) => {
    const b = r.rest();
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  },
  encode: (w, v) => {
    if (typeof v !== 'string' || /[^\u0000-\u00ff]/.test(v)) throw new Error('expected a latin1 string');
    w.bytes(Buffer.from(v, 'latin1'));
  },
};

/** A list of bytes (e.g. supported RAT types). */
export const u8list: ValueFormat<number[]> = {
  decode: (r) => Array.from(r.rest()),
  encode: (w, v) => {
    if (!Array.isArray(v)) throw new Error('expected an array of bytes');
    for (const b of v) u8.encode(w, b);
  },
};

// TBCD (TS 29.002): two digits per byte, low nibble first, 0xF filler in the last high nibble.
const TBCD = '0123456789*#abc';

function tbcdDecode(r: Reader, digitsOnly: boolean): string {
  const b = r.rest();
  let s = '';
  const max = digitsOnly ? 9 : 14;
  for (let i = 0; i < b.length; i++) {
    const lo = b[i]! & 0x0f;
    const hi = b[i]! >> 4;
    if (lo > max) r.fail(`bad BCD digit 0x${lo.toString(16)}`, r.pos - b.length + i);
    s += TBCD[lo];
    if (hi === 0x0f && i === b.length - 1) break;
    if (hi > max) r.fail(`bad BCD digit 0x${hi.toString(16)}`, r.pos - b.length + i);
    s += TBCD[hi];
  }
  return s;
}

function tbcdEncode(w: Writer, s: string, digitsOnly: boolean): void {
  if (typeof s !== 'string' || !(digitsOnly ? /^[0-9]*$/ : /^[0-9*#abc]*$/).test(s)) throw new Error(`bad digits: ${String(s)}`);
  for (let i = 0; i < s.length; i += 2) {
    const lo = TBCD.indexOf(s[i]!);
    const hi = i + 1 < s.length ? TBCD.indexOf(s[i + 1]!) : 0x0f;
    w.u8((hi << 4) | lo);
  }
}

/** IMSI as TBCD digits. */
export const imsi: ValueFormat<string> = {
  decode: (r) => tbcdDecode(r, true),
  encode: (w, v) => {
    if (typeof v !== 'string' || v.length < 1 || v.length > 15) throw new Error(`IMSI must have 1..15 digits: ${String(v)}`);
    tbcdEncode(w, v, true);
  },
};

/** Bare TBCD digits (SM-RP-DA/OA IMSI). */
export const tbcd: ValueFormat<string> = {
  decode: (r) => tbcdDecode(r, false),
  encode: (w, v) => tbcdEncode(w, v, false),
};

/**
 * AddressString (TS 29.002): one octet of extension/nature of address/
 * numbering plan (0x91 = international, E.164), then TBCD digits.
 */
export interface AddressString {
  toa: number;
  digits: string;
}

export const address: ValueFormat<AddressString> = {
  decode: (r) => {
    const toa = r.u8('type of address');
    return { toa, digits: tbcdDecode(r, false) };
  },
  encode: (w, v) => {
    if (typeof v !== 'object' || v === null) throw new Error('expected { toa, digits }');
    u8.encode(w, v.toa);
    tbcdEncode(w, v.digits, false);
  },
};

/**
 * APN as labels (TS 23.003 9.1): "internet.mnc001.mcc001.gprs". Values
 * that are not a clean label list (and the one-byte wildcard "*") stay
 * as { hex } so that any input re-encodes byte for byte.
 */
export type Apn = string | { hex: string };

export const apn: ValueFormat<Apn> = {
  decode: (r) => {
    const b = r.rest();
    const labels: string[] = [];
    let i = 0;
    while (i < b.length) {
      const n = b[i]!;
      if (n === 0 || i + 1 + n > b.length) return { hex: toHex(b) };
      const label = Buffer.from(b.subarray(i + 1, i + 1 + n)).toString('latin1');
      if (!/^[A-Za-z0-9-]+$/.test(label)) return { hex: toHex(b) };
      labels.push(label);
      i += 1 + n;
    }
    if (!labels.length) return { hex: '' };
    return labels.join('.');
  },
  encode: (w, v) => {
    if (typeof v === 'object' && v !== null) return void w.bytes(fromHex(v.hex));
    if (typeof v !== 'string' || !/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(v)) throw new Error(`bad APN ${String(v)}`);
    for (const label of v.split('.')) {
      if (label.length > 63) throw new Error('APN label longer than 63');
      w.u8(label.length).bytes(Buffer.from(label, 'latin1'));
    }
  },
};

/**
 * SM-RP-DA / SM-RP-OA: one octet of identity type (1 IMSI, 2 MSISDN,
 * 3 SMSC address, 0xFF none), then the identity bytes (hex).
 */
export interface SmRpAddress {
  type: number;
  value: string;
}

export const smRpAddress: ValueFormat<SmRpAddress> = {
  decode: (r) => ({ type: r.u8('identity type'), value: toHex(r.rest()) }),
  encode: (w, v) => {
    if (typeof v !== 'object' || v === null) throw new Error('expected { type, value }');
    u8.encode(w, v.type);
    w.bytes(fromHex(v.value ?? ''));
  },
};
