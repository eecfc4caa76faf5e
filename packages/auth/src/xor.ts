import { need, take } from './bytes';
import { c2, c3 } from './convert';

/**
 * The "XOR" test algorithms that test SIMs and MS testers implement.
 *
 * XOR-2G, TS 51.010-1 Annex 4 (A.4.1.2), also libosmocore's XOR-2G and its
 * original "XOR" (before 2018): RES1 = Ki xor RAND; SRES = RES1[0..3],
 * Kc = RES1[4..11].
 *
 * XOR-3G, TS 34.108 §8.1.2 (libosmocore's XOR / XOR-3G), with K of 128 bits:
 *   XDOUT = K xor RAND
 *   RES   = XDOUT (128 bits; f2)
 *   CK    = XDOUT rotated left by 8 bits, IK = rotated left by 16 bits (f3, f4)
 *   AK    = XDOUT bits 24..71 (bytes 3..8; f5)
 *   XMAC  = XDOUT[0..63] xor (SQN || AMF) (f1)
 *   AUTN  = SQN xor AK || AMF || MAC-A
 *   SRES, Kc for a GSM context: c2(RES), c3(CK, IK) (TS 33.102 §6.8.1.2).
 */

/** XOR-2G (TS 51.010-1 A.4.1.2): SRES and Kc from Ki xor RAND. */
export function xor2g(ki: Uint8Array, rand: Uint8Array): { sres: Uint8Array; kc: Uint8Array } {
  need('xor2g', 'ki', ki, 16);
  need('xor2g', 'rand', rand, 16);
  const sres = new Uint8Array(4);
  const kc = new Uint8Array(8);
  for (let i = 0; i < 4; i++) sres[i] = ki[i]! ^ rand[i]!;
  for (let i = 0; i < 8; i++) kc[i] = ki[4 + i]! ^ rand[4 + i]!;
  return { sres, kc };
}

export interface Xor3gResult {
  res: Uint8Array; // 16
  ck: Uint8Array; // 16
  ik: Uint8Array; // 16
  ak: Uint8Array; // 6
  macA: Uint8Array; // 8
  autn: Uint8Array; // 16
  sres: Uint8Array; // 4, c2(res)
  kc: Uint8Array; // 8, c3(ck, ik)
}

function xdoutOf(fn: string, k: Uint8Array, rand: Uint8Array): Uint8Array {
  need(fn, 'k', k, 16);
  need(fn, 'rand', rand, 16);
  const x = new Uint8Array(16);
  for (let i = 0; i < 16; i++) x[i] = k[i]! ^ rand[i]!;
  return x;
}

function keysFrom(x: Uint8Array): Omit<Xor3gResult, 'macA' | 'autn'> {
  const ck = new Uint8Array(16);
  const ik = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    ck[i] = x[(i + 1) & 15]!;
    ik[i] = x[(i + 2) & 15]!;
  }
  const res = take(x, 0, 16);
  return { res, ck, ik, ak: take(x, 3, 6), sres: c2(res), kc: c3(ck, ik) };
}

/** XOR-3G (TS 34.108 §8.1.2.1): the network side, with SQN (6 bytes) and AMF (2 bytes). */
export function xor3g(k: Uint8Array, rand: Uint8Array, sqn: Uint8Array, amf: Uint8Array): Xor3gResult {
  const x = xdoutOf('xor3g', k, rand);
  need('xor3g', 'sqn', sqn, 6);
  need('xor3g', 'amf', amf, 2);
  const keys = keysFrom(x);
  const macA = new Uint8Array(8);
  for (let i = 0; i < 6; i++) macA[i] = x[i]! ^ sqn[i]!;
  macA[6] = x[6]! ^ amf[0]!;
  macA[7] = x[7]! ^ amf[1]!;
  const autn = new Uint8Array(16);
  for (let i = 0; i < 6; i++) autn[i] = sqn[i]! ^ keys.ak[i]!;
  autn[6] = amf[0]!;
  autn[7] = amf[1]!;
  autn.set(macA, 8);
  return { ...keys, macA, autn };
}
