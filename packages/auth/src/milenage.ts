import { createCipheriv, type Cipher } from 'node:crypto';
import { need, sameBytes, sqnValue, take } from './bytes';
import { c2, c3 } from './convert';

/**
 * MILENAGE (3GPP TS 35.205/35.206), on AES-128 from node:crypto.
 *
 *   OPc   = E_K(OP) xor OP
 *   TEMP  = E_K(RAND xor OPc)
 *   IN1   = SQN || AMF || SQN || AMF
 *   OUT1  = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc
 *   OUTn  = E_K(rot(TEMP xor OPc, rn) xor cn) xor OPc        n = 2..5
 *   r1..r5 = 64, 0, 32, 64, 96 bits; c1..c5 = 0, 1, 2, 4, 8 (in the last bit positions)
 *   f1 = MAC-A = OUT1[0..63]    f1* = MAC-S = OUT1[64..127]
 *   f5 = AK    = OUT2[0..47]    f2  = RES   = OUT2[64..127]
 *   f3 = CK    = OUT3           f4  = IK    = OUT4           f5* = AK* = OUT5[0..47]
 *
 * rot(x, r) is a cyclic left rotation by r bits; all r here are whole bytes.
 * One cipher context per call encrypts TEMP, then OUT1..OUT5 as one 80-byte
 * ECB update: two trips into OpenSSL per network-side vector (three on the
 * USIM side, which must learn AK before it can compute f1).
 */

export interface MilenageResult {
  macA: Uint8Array; // f1, 8
  macS: Uint8Array; // f1*, 8
  res: Uint8Array; // f2, 8
  ck: Uint8Array; // f3, 16
  ik: Uint8Array; // f4, 16
  ak: Uint8Array; // f5, 6
  akStar: Uint8Array; // f5*, 6
}

function aes(k: Uint8Array): Cipher {
  const c = createCipheriv('aes-128-ecb', k, null);
  c.setAutoPadding(false);
  return c;
}

/** Rotation (bytes) and constant (last byte) of OUT2..OUT5. */
const ROT = [0, 4, 8, 12] as const;
const CONST = [1, 2, 4, 8] as const;

/**
 * OUT1..OUT5 (80 bytes, already xor-ed with OPc). `in1` is IN1, or a function
 * that builds IN1 from OUT2..OUT5 (the USIM needs AK = f5 to read SQN out of
 * AUTN before it can compute f1), or undefined when f1/f1* are not wanted
 * (OUT1 is then left zero).
 */
function outputs(
  k: Uint8Array,
  opc: Uint8Array,
  rand: Uint8Array,
  in1: Uint8Array | ((out: Uint8Array) => Uint8Array) | undefined,
): Uint8Array {
  const c = aes(k);
  const x = new Uint8Array(16);
  for (let i = 0; i < 16; i++) x[i] = rand[i]! ^ opc[i]!;
  const temp = c.update(x);
  const first = in1 instanceof Uint8Array ? 0 : 1; // first block to encrypt together with OUT2..5
  const blocks = new Uint8Array(80);
  for (let n = 0; n < 4; n++) {
    const base = 16 * (n + 1);
    const r = ROT[n]!;
    for (let i = 0; i < 16; i++) {
      const j = (i + r) & 15;
      blocks[base + i] = temp[j]! ^ opc[j]!;
    }
    blocks[base + 15]! ^= CONST[n]!;
  }
  const out = new Uint8Array(80);
  const fill = (enc: Uint8Array, at: number) => {
    for (let i = 0; i < enc.length; i++) out[at + i] = enc[i]! ^ opc[(at + i) & 15]!;
  };
  if (first === 0) block1(blocks, temp, in1 as Uint8Array, opc);
  fill(c.update(blocks.subarray(16 * first)), 16 * first);
  if (typeof in1 === 'function') {
    block1(blocks, temp, in1(out), opc);
    fill(c.update(blocks.subarray(0, 16)), 0);
  }
  return out; // ECB without padding holds nothing back: no final() needed
}

/** The input block of OUT1: TEMP xor rot(IN1 xor OPc, 64 bits) (c1 = 0); rotating by 64 bits swaps the halves. */
function block1(blocks: Uint8Array, temp: Uint8Array, in1: Uint8Array, opc: Uint8Array): void {
  for (let i = 0; i < 16; i++) blocks[i] = temp[i]! ^ in1[(i + 8) & 15]! ^ opc[(i + 8) & 15]!;
}

function in1Of(sqn: Uint8Array, amf: Uint8Array): Uint8Array {
  const in1 = new Uint8Array(16);
  in1.set(sqn, 0);
  in1.set(amf, 6);
  in1.set(sqn, 8);
  in1.set(amf, 14);
  return in1;
}

/** OPc from OP: E_K(OP) xor OP (TS 35.206 §4.1). */
export function opcFromOp(k: Uint8Array, op: Uint8Array): Uint8Array {
  need('opcFromOp', 'k', k, 16);
  need('opcFromOp', 'op', op, 16);
  const c = aes(k);
  const e = c.update(op);
  const opc = new Uint8Array(16);
  for (let i = 0; i < 16; i++) opc[i] = e[i]! ^ op[i]!;
  return opc;
}

/**
 * The USIM side of an AUTN check: computes f2..f5*, recovers SQN = (AUTN
 * xor AK) and AMF from AUTN, then f1/f1* on them. Internal to msAuthenticate.
 */
export function milenageUsim(
  k: Uint8Array,
  opc: Uint8Array,
  rand: Uint8Array,
  autn: Uint8Array,
): MilenageResult & { sqn: Uint8Array; amf: Uint8Array; macOk: boolean } {
  const sqn = new Uint8Array(6);
  const amf = take(autn, 6, 2);
  const out = outputs(k, opc, rand, (o) => {
    for (let i = 0; i < 6; i++) sqn[i] = autn[i]! ^ o[16 + i]!;
    return in1Of(sqn, amf);
  });
  const r = split(out);
  return { ...r, sqn, amf, macOk: sameBytes(r.macA, autn.subarray(8, 16)) };
}

/** All seven MILENAGE functions for one (K, OPc, RAND, SQN, AMF). */
export function milenage(k: Uint8Array, opc: Uint8Array, rand: Uint8Array, sqn: Uint8Array, amf: Uint8Array): MilenageResult {
  need('milenage', 'k', k, 16);
  need('milenage', 'opc', opc, 16);
  need('milenage', 'rand', rand, 16);
  need('milenage', 'sqn', sqn, 6);
  need('milenage', 'amf', amf, 2);
  return split(outputs(k, opc, rand, in1Of(sqn, amf)));
}

function split(out: Uint8Array): MilenageResult {
  return {
    macA: take(out, 0, 8),
    macS: take(out, 8, 8),
    ak: take(out, 16, 6),
    res: take(out, 24, 8),
    ck: take(out, 32, 16),
    ik: take(out, 48, 16),
    akStar: take(out, 64, 6),
  };
}

/** f2..f5* only (no SQN/AMF): what a USIM can compute from RAND before it has looked at AUTN. */
export function milenageF2345(k: Uint8Array, opc: Uint8Array, rand: Uint8Array): Omit<MilenageResult, 'macA' | 'macS'> {
  need('milenageF2345', 'k', k, 16);
  need('milenageF2345', 'opc', opc, 16);
  need('milenageF2345', 'rand', rand, 16);
  const r = split(outputs(k, opc, rand, undefined));
  return { res: r.res, ck: r.ck, ik: r.ik, ak: r.ak, akStar: r.akStar };
}

/**
 * GSM-MILENAGE (TS 55.205) with the conversion functions: SRES = c2(RES)
 * (the "SRES#1" of the TS 55.205 test data), Kc = c3(CK, IK).
 */
export function gsmMilenage(k: Uint8Array, opc: Uint8Array, rand: Uint8Array): { sres: Uint8Array; kc: Uint8Array } {
  need('gsmMilenage', 'k', k, 16);
  need('gsmMilenage', 'opc', opc, 16);
  need('gsmMilenage', 'rand', rand, 16);
  const out = outputs(k, opc, rand, undefined);
  return { sres: c2(out.subarray(24, 32)), kc: c3(out.subarray(32, 48), out.subarray(48, 64)) };
}

const AMF_RESYNC = new Uint8Array(2); // TS 33.102 §6.3.3: MAC-S is computed with a dummy AMF of zeros

/** MS side of a re-synchronisation: AUTS = (SQN_MS xor f5*) || f1*(SQN_MS, RAND, AMF = 0000) (TS 33.102 §6.3.3). */
export function milenageAuts(k: Uint8Array, opc: Uint8Array, rand: Uint8Array, sqnMs: Uint8Array): Uint8Array {
  need('milenageAuts', 'k', k, 16);
  need('milenageAuts', 'opc', opc, 16);
  need('milenageAuts', 'rand', rand, 16);
  need('milenageAuts', 'sqnMs', sqnMs, 6);
  const out = outputs(k, opc, rand, in1Of(sqnMs, AMF_RESYNC));
  const auts = new Uint8Array(14);
  for (let i = 0; i < 6; i++) auts[i] = sqnMs[i]! ^ out[64 + i]!;
  auts.set(out.subarray(8, 16), 6);
  return auts;
}

/**
 * Network side of a re-synchronisation: recovers SQN_MS from AUTS (14 bytes)
 * and the RAND it answered, and checks MAC-S. Returns SQN_MS, or null when
 * MAC-S does not match (the HLR must then not trust the AUTS).
 */
export function milenageResync(k: Uint8Array, opc: Uint8Array, rand: Uint8Array, auts: Uint8Array): number | null {
  need('milenageResync', 'k', k, 16);
  need('milenageResync', 'opc', opc, 16);
  need('milenageResync', 'rand', rand, 16);
  need('milenageResync', 'auts', auts, 14);
  const sqnMs = new Uint8Array(6);
  const out = outputs(k, opc, rand, (o) => {
    for (let i = 0; i < 6; i++) sqnMs[i] = auts[i]! ^ o[64 + i]!; // AK* = f5*
    return in1Of(sqnMs, AMF_RESYNC);
  });
  const macS = out.subarray(8, 16);
  return sameBytes(macS, auts.subarray(6, 14)) ? sqnValue(sqnMs) : null;
}
