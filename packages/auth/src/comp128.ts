import { need } from './bytes';
import { COMP128_TABLES_HEX } from './comp128-tables';

/**
 * COMP128v1, the A3/A8 of early GSM SIMs, as published by Briceno, Goldberg
 * and Wagner (1998), with the three corrections they found against real SIMs
 * (the x[m] typo in the butterfly, the bit-extraction ranges, and SRES from
 * the first eight nibbles). Summary of the algorithm as implemented here:
 *
 *   state x: 32 bytes; x[16..31] = RAND
 *   8 rounds:
 *     x[0..15] = Ki
 *     butterfly: 5 levels n = 0..4 with table Tn (2^(9-n) entries). Level n
 *       pairs x[a] with x[a + 2^(4-n)] inside blocks of 2^(5-n) bytes, and
 *       replaces (u, v) by (Tn[(u + 2v) mod 2^(9-n)], Tn[(2u + v) mod 2^(9-n)]).
 *       After level 4 every x[i] is a nibble.
 *     rounds 1..7 only: read the 32 nibbles as 128 bits (most significant bit
 *       of x[0] first) and refill x[16..31] so that its bit i is that string's
 *       bit (17 i mod 128).
 *   SRES = nibbles x[0..7]; Kc = bits 74..127 of the nibble string, then ten
 *   zero bits (COMP128v1 only ever produced a 54-bit key).
 */

const TABLES: readonly Uint8Array[] = COMP128_TABLES_HEX.map((h) => new Uint8Array(Buffer.from(h, 'hex')));

function butterfly(x: Uint8Array): void {
  for (let level = 0; level < 5; level++) {
    const t = TABLES[level]!;
    const half = 16 >> level; // distance between the two bytes of a pair
    const mask = (512 >> level) - 1; // table size - 1
    for (let block = 0; block < 32; block += 2 * half) {
      for (let j = block; j < block + half; j++) {
        const u = x[j]!;
        const v = x[j + half]!;
        x[j] = t[(u + 2 * v) & mask]!;
        x[j + half] = t[(2 * u + v) & mask]!;
      }
    }
  }
}

/**
 * For output bit i of x[16..31]: where its source bit (17 i mod 128) of the
 * nibble string lives, as nibble index << 2 | (3 - bit within the nibble).
 */
const PERM_SOURCE = Uint8Array.from({ length: 128 }, (_, i) => {
  const s = (17 * i) & 127;
  return ((s >> 2) << 2) | (3 - (s & 3));
});

/** Rounds 1..7: x[16..31] = the nibble string x[0..31] with its bits permuted (bit i from bit 17 i mod 128). */
function permute(x: Uint8Array, next: Uint8Array): void {
  for (let byte = 0; byte < 16; byte++) {
    let v = 0;
    for (let b = 0; b < 8; b++) {
      const src = PERM_SOURCE[8 * byte + b]!;
      v = (v << 1) | ((x[src >> 2]! >> (src & 3)) & 1);
    }
    next[byte] = v; // x[16..31] is still being read: collect first, then copy
  }
  x.set(next, 16);
}

/** COMP128v1 (A3/A8): SRES (4 bytes) and Kc (8 bytes, the last 10 bits zero) from Ki and RAND (16 bytes each). */
export function comp128v1(ki: Uint8Array, rand: Uint8Array): { sres: Uint8Array; kc: Uint8Array } {
  need('comp128v1', 'ki', ki, 16);
  need('comp128v1', 'rand', rand, 16);
  const x = new Uint8Array(32);
  const scratch = new Uint8Array(16);
  x.set(rand, 16);
  for (let round = 0; round < 8; round++) {
    x.set(ki, 0);
    butterfly(x);
    if (round < 7) permute(x, scratch);
  }
  const sres = new Uint8Array(4);
  for (let i = 0; i < 4; i++) sres[i] = (x[2 * i]! << 4) | x[2 * i + 1]!;
  // Kc byte j holds nibble-string bits 74+8j .. 81+8j: the low two bits of
  // x[18+2j], all of x[19+2j], the high two bits of x[20+2j] (zero past x[31]).
  const kc = new Uint8Array(8);
  for (let j = 0; j < 7; j++) {
    const a = x[18 + 2 * j]!;
    const b = x[19 + 2 * j]!;
    const c = 20 + 2 * j < 32 ? x[20 + 2 * j]! : 0;
    kc[j] = ((a & 3) << 6) | (b << 2) | (c >> 2);
  }
  return { sres, kc };
}

/** The compression tables, for tests that check their shape. */
export const COMP128_TABLES: readonly Uint8Array[] = TABLES;
