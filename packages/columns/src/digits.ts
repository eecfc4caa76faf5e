/**
 * Digit strings (IMSI, MSISDN) as one float64 each: the number whose decimal
 * digits are "1" followed by the digits ('001010000000001' is
 * 1001010000000001). The leading 1 keeps leading zeros and the length; up to
 * 15 digits the number stays below 2^53, so the float64 is exact. 0 is free
 * to mean "absent".
 */

export const POW10: readonly number[] = Array.from({ length: 17 }, (_, i) => 10 ** i);

/** '001' -> 1001; undefined unless `v` is a string of 1-15 decimal digits. One pass. */
export function digitKey(v: unknown): number | undefined {
  if (typeof v !== 'string' || v.length < 1 || v.length > 15) return undefined;
  let k = 1;
  for (let i = 0; i < v.length; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    k = k * 10 + d;
  }
  return k;
}

/** 1001 -> '001'. */
export function decodeDigits(key: number): string {
  return String(key).slice(1);
}

/** Whether `k` encodes 1-15 digits: an integer in [10^L, 2*10^L) for some L in 1..15. */
export function isDigitKey(k: number): boolean {
  if (!(k >= 10 && k < 2e15) || Math.floor(k) !== k) return false;
  for (let l = 1; ; l++) if (k < 2 * POW10[l]!) return k >= POW10[l]!;
}
