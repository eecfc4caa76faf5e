import { AuthError } from './errors';

/** Throws AuthError unless `v` is a Uint8Array of exactly `len` bytes. */
export function need(fn: string, param: string, v: unknown, len: number): Uint8Array {
  if (v === undefined || v === null) throw new AuthError('missing', fn, param, `${param} is required (${len} bytes)`);
  if (!(v instanceof Uint8Array)) throw new AuthError('bad-type', fn, param, `${param} must be a Uint8Array, got ${typeof v}`);
  if (v.length !== len) throw new AuthError('bad-length', fn, param, `${param} must be ${len} bytes, got ${v.length}`);
  return v;
}

/** A fresh copy of `n` bytes of `src` from `at` (a plain Uint8Array even when src is a Buffer). */
export function take(src: Uint8Array, at: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = src[at + i]!;
  return out;
}

/** a xor b over the first `n` bytes, into a new array. */
export function xorBytes(a: Uint8Array, b: Uint8Array, n = a.length): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Constant-time comparison of two equal-length byte strings (MAC checks). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** The largest SQN: 48 bits (TS 33.102 §6.3.2). */
export const SQN_MAX = 2 ** 48 - 1;

/** SQN as a number -> its 6 bytes, most significant first. */
export function sqnBytes(sqn: number, fn = 'sqnBytes', param = 'sqn'): Uint8Array {
  if (!Number.isSafeInteger(sqn) || sqn < 0 || sqn > SQN_MAX)
    throw new AuthError('bad-sqn', fn, param, `SQN must be an integer in 0..2^48-1, got ${sqn}`);
  const out = new Uint8Array(6);
  let v = sqn;
  for (let i = 5; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

/** 6 SQN bytes -> the number. */
export function sqnValue(sqn: Uint8Array): number {
  need('sqnValue', 'sqn', sqn, 6);
  let v = 0;
  for (let i = 0; i < 6; i++) v = v * 256 + sqn[i]!;
  return v;
}
