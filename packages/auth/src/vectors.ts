import { randomBytes } from 'node:crypto';
import { need, sqnBytes, sqnValue, take } from './bytes';
import { comp128v1 } from './comp128';
import { c2, c3 } from './convert';
import { AuthError } from './errors';
import { milenage, milenageAuts, milenageF2345, milenageUsim } from './milenage';
import { xor2g } from './xor';

/** The algorithms a subscriber (HLR side) or a SIM (MS side) can have. */
export type Algo = 'none' | 'comp128v1' | 'xor' | 'milenage';

export interface GsmTriplet {
  rand: Uint8Array;
  sres: Uint8Array;
  kc: Uint8Array;
}

export interface UmtsQuintuplet extends GsmTriplet {
  xres: Uint8Array;
  ck: Uint8Array;
  ik: Uint8Array;
  autn: Uint8Array;
}

export interface Subscriber {
  algo: Algo;
  /** Ki (2G) or K (MILENAGE), 16 bytes. */
  ki?: Uint8Array;
  /** MILENAGE OPc, 16 bytes (opcFromOp derives it from OP). */
  opc?: Uint8Array;
  /** MILENAGE: the SQN to put in this vector (0 .. 2^48-1). The HLR advances it. */
  sqn?: number;
}

export interface Sim {
  algo: Algo;
  ki: Uint8Array;
  opc?: Uint8Array;
  /** MILENAGE: the highest SQN this USIM has accepted. When given, the SQN in AUTN is range-checked against it. */
  sqnMs?: number;
  /** Largest accepted step SQN - sqnMs (TS 33.102 Annex C.2.2 Δ); 2^28 by default. */
  sqnDelta?: number;
}

export interface MsAuthResult {
  /** SRES and Kc: the A3/A8 result, or c2(RES)/c3(CK, IK) for a USIM. */
  sres: Uint8Array;
  kc: Uint8Array;
  /** MILENAGE: RES (8 bytes), CK, IK (absent when the MAC check failed). */
  res?: Uint8Array;
  ck?: Uint8Array;
  ik?: Uint8Array;
  /** MILENAGE with AUTN: whether MAC-A matched. false: answer "MAC failure". */
  macOk?: boolean;
  /** MILENAGE with AUTN: the SQN read out of AUTN (6 bytes). */
  sqn?: Uint8Array;
  /** MILENAGE with AUTN: MAC ok and, when sim.sqnMs was given, SQN in range. */
  sqnOk?: boolean;
  /** MILENAGE: MAC ok but SQN out of range: the AUTS to answer "synch failure" with. */
  auts?: Uint8Array;
}

/**
 * The algorithms as data: which generation each is, what it needs, and where
 * it is specified. authVector and msAuthenticate both read this table.
 */
export const ALGORITHMS: Readonly<
  Record<Algo, { generation: 'none' | '2g' | '3g'; a3a8?: (ki: Uint8Array, rand: Uint8Array) => { sres: Uint8Array; kc: Uint8Array }; spec: string }>
> = {
  none: { generation: 'none', spec: 'no authentication' },
  comp128v1: { generation: '2g', a3a8: comp128v1, spec: 'COMP128v1 A3/A8 (Briceno, Goldberg, Wagner 1998)' },
  xor: { generation: '2g', a3a8: xor2g, spec: 'XOR-2G test algorithm, 3GPP TS 51.010-1 A.4.1.2' },
  milenage: { generation: '3g', spec: 'MILENAGE, 3GPP TS 35.205/35.206; SRES/Kc by c2/c3 of TS 33.102 §6.8.1.2' },
};

const AMF_DEFAULT = new Uint8Array(2);
const SQN_DELTA_DEFAULT = 2 ** 28;

function spec(fn: string, param: string, algo: unknown) {
  if (typeof algo !== 'string' || !Object.prototype.hasOwnProperty.call(ALGORITHMS, algo))
    throw new AuthError('bad-algo', fn, param, `unknown algorithm ${JSON.stringify(algo)} (one of ${Object.keys(ALGORITHMS).join(', ')})`);
  const s = ALGORITHMS[algo as Algo];
  if (s.generation === 'none') throw new AuthError('no-auth', fn, param, "algorithm 'none' has no authentication vectors");
  return s;
}

/**
 * One vector for a subscriber (the HLR/AuC side). 2G algorithms give a
 * triplet; MILENAGE gives a quintuplet for sub.sqn (with SRES and Kc by
 * c2/c3 so that it serves a GSM context too). AMF defaults to 0000.
 */
export function authVector(sub: Subscriber, rand: Uint8Array, amf?: Uint8Array): GsmTriplet | UmtsQuintuplet {
  const fn = 'authVector';
  if (typeof sub !== 'object' || sub === null) throw new AuthError('missing', fn, 'sub', 'subscriber is required');
  const s = spec(fn, 'sub.algo', sub.algo);
  const ki = need(fn, 'sub.ki', sub.ki, 16);
  need(fn, 'rand', rand, 16);
  if (s.a3a8) return { rand: take(rand, 0, 16), ...s.a3a8(ki, rand) };
  const opc = need(fn, 'sub.opc', sub.opc, 16);
  if (sub.sqn === undefined) throw new AuthError('missing', fn, 'sub.sqn', 'MILENAGE needs the SQN of the vector');
  const sqn = sqnBytes(sub.sqn, fn, 'sub.sqn');
  const a = amf === undefined ? AMF_DEFAULT : need(fn, 'amf', amf, 2);
  const m = milenage(ki, opc, rand, sqn, a);
  const autn = new Uint8Array(16);
  for (let i = 0; i < 6; i++) autn[i] = sqn[i]! ^ m.ak[i]!;
  autn.set(a, 6);
  autn.set(m.macA, 8);
  return { rand: take(rand, 0, 16), sres: c2(m.res), kc: c3(m.ck, m.ik), xres: m.res, ck: m.ck, ik: m.ik, autn };
}

/**
 * What the mobile station's SIM/USIM computes for a RAND (bsc-sim). 2G
 * algorithms give SRES and Kc. MILENAGE without AUTN (a GSM context) gives
 * SRES/Kc by c2/c3 plus RES/CK/IK. MILENAGE with AUTN also checks MAC-A
 * (macOk) and, when sim.sqnMs is given, that SQN is above it by at most
 * sim.sqnDelta (sqnOk; on failure auts carries the re-synchronisation token).
 * RES/CK/IK are left out when the MAC check fails: there is nothing to answer
 * with but "MAC failure".
 */
export function msAuthenticate(sim: Sim, rand: Uint8Array, autn?: Uint8Array): MsAuthResult {
  const fn = 'msAuthenticate';
  if (typeof sim !== 'object' || sim === null) throw new AuthError('missing', fn, 'sim', 'SIM data is required');
  const s = spec(fn, 'sim.algo', sim.algo);
  const ki = need(fn, 'sim.ki', sim.ki, 16);
  need(fn, 'rand', rand, 16);
  if (s.a3a8) return s.a3a8(ki, rand);
  const opc = need(fn, 'sim.opc', sim.opc, 16);
  if (autn === undefined) {
    const m = milenageF2345(ki, opc, rand);
    return { sres: c2(m.res), kc: c3(m.ck, m.ik), res: m.res, ck: m.ck, ik: m.ik };
  }
  need(fn, 'autn', autn, 16);
  const m = milenageUsim(ki, opc, rand, autn);
  const sres = c2(m.res);
  const kc = c3(m.ck, m.ik);
  if (!m.macOk) return { sres, kc, macOk: false, sqnOk: false, sqn: m.sqn };
  let sqnOk = true;
  let auts: Uint8Array | undefined;
  if (sim.sqnMs !== undefined) {
    const sqnMs = sqnBytes(sim.sqnMs, fn, 'sim.sqnMs');
    const delta = sim.sqnDelta ?? SQN_DELTA_DEFAULT;
    const got = sqnValue(m.sqn);
    sqnOk = got > sim.sqnMs && got - sim.sqnMs <= delta;
    if (!sqnOk) auts = milenageAuts(ki, opc, rand, sqnMs);
  }
  return { sres, kc, res: m.res, ck: m.ck, ik: m.ik, macOk: true, sqn: m.sqn, sqnOk, ...(auts ? { auts } : {}) };
}

/** A fresh random RAND (16 bytes from the system CSPRNG). */
export function randomRand(): Uint8Array {
  return new Uint8Array(randomBytes(16));
}
