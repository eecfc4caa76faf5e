import { decodeDigits, digitKey, isDigitKey, POW10 } from '@snaptel/columns';
import { VlrError } from './errors';

export { decodeDigits, isDigitKey, POW10 };

/**
 * Value encodings shared by the store and its state checks.
 *
 * Digit strings (IMSI, MSISDN) are one float64 each: the number whose decimal
 * digits are "1" followed by the digits ('001010000000001' is 1001010000000001).
 * The leading 1 keeps leading zeros and the length; 16 decimal digits stay
 * below 2^53, so the float64 is exact. 0 means "absent".
 *
 * An IMEISV has 16 digits, one too many for that trick, so it is two numbers:
 * its first 8 digits (the TAC) and its last 8 (serial number and SVN), each
 * below 10^8.
 */


/** A short, safe rendering of a bad value for an error message. */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 40) + '...' : v}'`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return `a ${Object.prototype.toString.call(v).slice(8, -1)}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'bigint') return `${v}n`;
  return String(v);
}

export function invalid(field: string, message: string): VlrError {
  return new VlrError('invalid-input', message, field);
}

/** '001010000000001' -> 1001010000000001; throws unless 1-15 decimal digits. */
export function digitsArg(field: string, v: unknown): number {
  const k = digitKey(v);
  if (k === undefined) throw invalid(field, `${field} ${show(v)} must be 1-15 digits`);
  return k;
}

/** Writes the two halves of a 16-digit IMEISV into out[0], out[1]; throws otherwise. */
export function imeisvArg(v: unknown, out: Float64Array): void {
  if (typeof v === 'string' && v.length === 16) {
    let hi = 0;
    let lo = 0;
    let i = 0;
    for (; i < 16; i++) {
      const d = v.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      if (i < 8) hi = hi * 10 + d;
      else lo = lo * 10 + d;
    }
    if (i === 16) {
      out[0] = hi;
      out[1] = lo;
      return;
    }
  }
  throw invalid('imeisv', `imeisv ${show(v)} must be 16 digits`);
}

export function imeisvString(hi: number, lo: number): string {
  return String(hi).padStart(8, '0') + String(lo).padStart(8, '0');
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  c |= 0x20; // lowercase
  return c >= 97 && c <= 102 ? c - 87 : -1; // a-f
}

/**
 * `len` bytes given as 2*len hex digits (any case) or as a Uint8Array of
 * length `len`, written to out[at..at+len). Never echoes the value: it may be
 * key material.
 */
export function bytesArg(field: string, v: unknown, len: number, out: Uint8Array, at: number): void {
  if (v instanceof Uint8Array && v.length === len) {
    out.set(v, at);
    return;
  }
  if (typeof v === 'string' && v.length === 2 * len) {
    let i = 0;
    for (; i < len; i++) {
      const hi = hexDigit(v.charCodeAt(2 * i));
      const lo = hexDigit(v.charCodeAt(2 * i + 1));
      if (hi < 0 || lo < 0) break;
      out[at + i] = (hi << 4) | lo;
    }
    if (i === len) return;
  }
  const got =
    typeof v === 'string' ? `${v.length} characters${/^[0-9a-fA-F]*$/.test(v) ? '' : ', not all hex'}` : v instanceof Uint8Array ? `${v.length} bytes` : show(v);
  throw invalid(field, `${field} must be ${2 * len} hex digits or a Uint8Array of ${len} bytes (got ${got})`);
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function hex(a: Uint8Array, at: number, len: number): string {
  let s = '';
  for (let j = at; j < at + len; j++) s += HEX[a[j]!];
  return s;
}

/** The 32-bit big-endian word at a[at..at+4). */
export function u32be(a: Uint8Array, at: number): number {
  return ((a[at]! << 24) | (a[at + 1]! << 16) | (a[at + 2]! << 8) | a[at + 3]!) >>> 0;
}

export function u32hex(v: number, digits = 8): string {
  return v.toString(16).padStart(digits, '0');
}

/** 0x03020100 -> '0x03020100' (as osmo-msc prints TMSIs). */
export function tmsiString(t: number): string {
  return '0x' + t.toString(16).toUpperCase().padStart(8, '0');
}

export function isTyped(v: unknown, type: string): boolean {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === `[object ${type}]`;
}
