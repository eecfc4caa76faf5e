import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '@snaptel/codec';
import {
  ALGORITHMS,
  AuthError,
  authVector,
  c2,
  c3,
  comp128v1,
  milenage,
  milenageResync,
  msAuthenticate,
  opcFromOp,
  randomRand,
  sqnBytes,
  sqnValue,
  SQN_MAX,
  xor2g,
  type Algo,
  type GsmTriplet,
  type UmtsQuintuplet,
} from '../src';
import { COMP128V1, TS35208 } from './vectors';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const sqnArb = fc.integer({ min: 0, max: SQN_MAX });
const algo2g = fc.constantFrom<Algo>('comp128v1', 'xor');

function authError(f: () => unknown): AuthError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AuthError);
    return e as AuthError;
  }
  throw new Error('expected an AuthError, nothing was thrown');
}

describe('authVector', () => {
  it('2G algorithms give a triplet equal to the algorithm itself', () => {
    const v = COMP128V1[1];
    const t = authVector({ algo: 'comp128v1', ki: fromHex(v.ki) }, fromHex(v.rand));
    expect(Object.keys(t).sort()).toEqual(['kc', 'rand', 'sres']);
    expect(toHex(t.sres)).toBe(v.sres);
    expect(toHex(t.kc)).toBe(v.kc);
    expect(toHex(t.rand)).toBe(v.rand);
    const x = authVector({ algo: 'xor', ki: fromHex(v.ki) }, fromHex(v.rand));
    expect(toHex(x.sres)).toBe(toHex(xor2g(fromHex(v.ki), fromHex(v.rand)).sres));
  });

  it('MILENAGE gives a quintuplet: AUTN = SQN xor AK || AMF || MAC-A, SRES/Kc = c2/c3 (TS 35.208 set 1 inputs)', () => {
    const t = TS35208[0];
    const sqn = sqnValue(fromHex(t.sqn));
    const q = authVector({ algo: 'milenage', ki: fromHex(t.k), opc: fromHex(t.opc), sqn }, fromHex(t.rand), fromHex(t.amf)) as UmtsQuintuplet;
    const conc = toHex(fromHex(t.sqn).map((b, i) => b ^ fromHex(t.f5)[i]!));
    expect(toHex(q.autn)).toBe(conc + t.amf + t.f1);
    expect(toHex(q.xres)).toBe(t.f2);
    expect(toHex(q.ck)).toBe(t.f3);
    expect(toHex(q.ik)).toBe(t.f4);
    expect(toHex(q.sres)).toBe(toHex(c2(fromHex(t.f2))));
    expect(toHex(q.kc)).toBe(toHex(c3(fromHex(t.f3), fromHex(t.f4))));
  });

  it('the returned RAND is a copy', () => {
    const rand = new Uint8Array(16).fill(7);
    const t = authVector({ algo: 'xor', ki: new Uint8Array(16) }, rand);
    rand[0] = 9;
    expect(t.rand[0]).toBe(7);
  });

  it('AMF defaults to 0000', () => {
    const sub = { algo: 'milenage' as const, ki: new Uint8Array(16).fill(1), opc: new Uint8Array(16).fill(2), sqn: 5 };
    const rand = new Uint8Array(16).fill(3);
    const a = authVector(sub, rand) as UmtsQuintuplet;
    const b = authVector(sub, rand, new Uint8Array(2)) as UmtsQuintuplet;
    expect(toHex(a.autn)).toBe(toHex(b.autn));
    expect(toHex(a.autn.subarray(6, 8))).toBe('0000');
  });

  it('refuses with an AuthError naming what is wrong', () => {
    const ki = new Uint8Array(16);
    const rand = new Uint8Array(16);
    expect(authError(() => authVector({ algo: 'none' }, rand)).code).toBe('no-auth');
    expect(authError(() => authVector({ algo: 'comp128v2' as Algo, ki }, rand))).toMatchObject({ code: 'bad-algo', param: 'sub.algo' });
    expect(authError(() => authVector({ algo: 'comp128v1' }, rand))).toMatchObject({ code: 'missing', param: 'sub.ki' });
    expect(authError(() => authVector({ algo: 'xor', ki: new Uint8Array(8) }, rand))).toMatchObject({ code: 'bad-length', param: 'sub.ki' });
    expect(authError(() => authVector({ algo: 'xor', ki }, new Uint8Array(15)))).toMatchObject({ code: 'bad-length', param: 'rand' });
    expect(authError(() => authVector({ algo: 'milenage', ki, sqn: 1 }, rand))).toMatchObject({ code: 'missing', param: 'sub.opc' });
    expect(authError(() => authVector({ algo: 'milenage', ki, opc: ki }, rand))).toMatchObject({ code: 'missing', param: 'sub.sqn' });
    for (const sqn of [-1, 1.5, 2 ** 48, Number.NaN])
      expect(authError(() => authVector({ algo: 'milenage', ki, opc: ki, sqn }, rand))).toMatchObject({ code: 'bad-sqn', param: 'sub.sqn' });
    expect(authError(() => authVector({ algo: 'milenage', ki, opc: ki, sqn: 1 }, rand, new Uint8Array(3)))).toMatchObject({ code: 'bad-length', param: 'amf' });
    expect(authError(() => authVector({ algo: 'xor', ki: Array(16).fill(0) as unknown as Uint8Array }, rand))).toMatchObject({ code: 'bad-type' });
    expect(authError(() => authVector(null as never, rand)).code).toBe('missing');
    expect(authError(() => authVector({ algo: 'xor', ki: new Uint8Array(17) }, rand)).message).toBe('auth authVector, sub.ki: sub.ki must be 16 bytes, got 17');
  });
});

describe('msAuthenticate', () => {
  it('MILENAGE with a bad MAC: macOk false, no RES/CK/IK', () => {
    const t = TS35208[2];
    const ki = fromHex(t.k);
    const opc = fromHex(t.opc);
    const q = authVector({ algo: 'milenage', ki, opc, sqn: 1000 }, fromHex(t.rand)) as UmtsQuintuplet;
    const autn = q.autn.slice();
    autn[15]! ^= 0x80;
    const r = msAuthenticate({ algo: 'milenage', ki, opc }, q.rand, autn);
    expect(r.macOk).toBe(false);
    expect(r.sqnOk).toBe(false);
    expect(r.res).toBeUndefined();
    expect(r.ck).toBeUndefined();
    expect(sqnValue(r.sqn!)).toBe(1000);
    // a different key: the MAC fails too
    const other = msAuthenticate({ algo: 'milenage', ki: opc, opc }, q.rand, q.autn);
    expect(other.macOk).toBe(false);
  });

  it('SQN range: accepted above sqnMs by at most the delta, otherwise an AUTS that the HLR decodes', () => {
    const t = TS35208[4];
    const sim = { algo: 'milenage' as const, ki: fromHex(t.k), opc: fromHex(t.opc) };
    const rand = fromHex(t.rand);
    const at = (sqn: number) => (authVector({ ...sim, sqn }, rand) as UmtsQuintuplet).autn;
    expect(msAuthenticate({ ...sim, sqnMs: 99 }, rand, at(100)).sqnOk).toBe(true);
    expect(msAuthenticate({ ...sim, sqnMs: 100 }, rand, at(100)).sqnOk).toBe(false); // replay
    expect(msAuthenticate({ ...sim, sqnMs: 101 }, rand, at(100)).sqnOk).toBe(false); // old
    expect(msAuthenticate({ ...sim, sqnMs: 0 }, rand, at(2 ** 28)).sqnOk).toBe(true);
    expect(msAuthenticate({ ...sim, sqnMs: 0 }, rand, at(2 ** 28 + 1)).sqnOk).toBe(false); // too far ahead
    expect(msAuthenticate({ ...sim, sqnMs: 0, sqnDelta: 2 ** 40 }, rand, at(2 ** 28 + 1)).sqnOk).toBe(true);
    const refused = msAuthenticate({ ...sim, sqnMs: 500 }, rand, at(100));
    expect(refused.macOk).toBe(true);
    expect(refused.res).toBeDefined(); // MAC was fine
    expect(milenageResync(sim.ki, sim.opc, rand, refused.auts!)).toBe(500);
    // no sqnMs: no range check, no AUTS
    const unchecked = msAuthenticate(sim, rand, at(100));
    expect(unchecked.sqnOk).toBe(true);
    expect(unchecked.auts).toBeUndefined();
  });

  it('MILENAGE without AUTN (GSM context) gives the c2/c3 SRES/Kc and no MAC verdict', () => {
    const t = TS35208[6];
    const r = msAuthenticate({ algo: 'milenage', ki: fromHex(t.k), opc: fromHex(t.opc) }, fromHex(t.rand));
    expect(toHex(r.res!)).toBe(t.f2);
    expect(toHex(r.sres)).toBe(toHex(c2(fromHex(t.f2))));
    expect(toHex(r.kc)).toBe(toHex(c3(fromHex(t.f3), fromHex(t.f4))));
    expect(r.macOk).toBeUndefined();
  });

  it('refuses bad input with AuthError', () => {
    const ki = new Uint8Array(16);
    expect(authError(() => msAuthenticate({ algo: 'milenage', ki }, ki))).toMatchObject({ code: 'missing', param: 'sim.opc' });
    expect(authError(() => msAuthenticate({ algo: 'milenage', ki, opc: ki }, ki, new Uint8Array(14)))).toMatchObject({ code: 'bad-length', param: 'autn' });
    expect(authError(() => msAuthenticate({ algo: 'none', ki }, ki)).code).toBe('no-auth');
    expect(authError(() => msAuthenticate({ algo: 'comp128v1', ki: new Uint8Array(0) }, ki))).toMatchObject({ code: 'bad-length', param: 'sim.ki' });
    expect(authError(() => msAuthenticate({ algo: 'milenage', ki, opc: ki, sqnMs: -3 }, ki, (authVector({ algo: 'milenage', ki, opc: ki, sqn: 1 }, ki) as UmtsQuintuplet).autn))).toMatchObject({ code: 'bad-sqn', param: 'sim.sqnMs' });
  });
});

describe('properties', () => {
  it('lengths and determinism, every algorithm', () => {
    fc.assert(
      fc.property(fc.constantFrom<Algo>('comp128v1', 'xor', 'milenage'), bytes(16), bytes(16), bytes(16), sqnArb, (algo, ki, opc, rand, sqn) => {
        const sub = { algo, ki, opc, sqn };
        const a = authVector(sub, rand);
        const b = authVector(sub, rand.slice());
        expect(a.rand.length).toBe(16);
        expect(a.sres.length).toBe(4);
        expect(a.kc.length).toBe(8);
        expect(Object.fromEntries(Object.entries(a).map(([k, v]) => [k, toHex(v)]))).toEqual(Object.fromEntries(Object.entries(b).map(([k, v]) => [k, toHex(v)])));
        if (algo === 'milenage') {
          const q = a as UmtsQuintuplet;
          expect([q.xres.length, q.ck.length, q.ik.length, q.autn.length]).toEqual([8, 16, 16, 16]);
        } else {
          expect('autn' in a).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the MS side agrees with the network side for random keys and RANDs (2G)', () => {
    fc.assert(
      fc.property(algo2g, bytes(16), bytes(16), (algo, ki, rand) => {
        const t = authVector({ algo, ki }, rand) as GsmTriplet;
        const ms = msAuthenticate({ algo, ki }, rand);
        expect(toHex(ms.sres)).toBe(toHex(t.sres));
        expect(toHex(ms.kc)).toBe(toHex(t.kc));
      }),
      { numRuns: 500 },
    );
  });

  it('the MS side agrees with the network side for random keys, OPcs, RANDs, SQNs and AMFs (MILENAGE)', () => {
    fc.assert(
      fc.property(bytes(16), bytes(16), bytes(16), sqnArb, bytes(2), (ki, opc, rand, sqn, amf) => {
        const q = authVector({ algo: 'milenage', ki, opc, sqn }, rand, amf) as UmtsQuintuplet;
        const ms = msAuthenticate({ algo: 'milenage', ki, opc, ...(sqn > 0 ? { sqnMs: sqn - 1 } : {}) }, rand, q.autn);
        expect(ms.macOk).toBe(true);
        expect(ms.sqnOk).toBe(true);
        expect(sqnValue(ms.sqn!)).toBe(sqn);
        expect(toHex(ms.res!)).toBe(toHex(q.xres));
        expect(toHex(ms.ck!)).toBe(toHex(q.ck));
        expect(toHex(ms.ik!)).toBe(toHex(q.ik));
        expect(toHex(ms.sres)).toBe(toHex(q.sres));
        expect(toHex(ms.kc)).toBe(toHex(q.kc));
        // GSM context (no AUTN) gives the same SRES/Kc
        const gsm = msAuthenticate({ algo: 'milenage', ki, opc }, rand);
        expect(toHex(gsm.sres)).toBe(toHex(q.sres));
      }),
      { numRuns: 300 },
    );
  });

  it('any single changed bit in AUTN fails the MAC check', () => {
    fc.assert(
      fc.property(bytes(16), bytes(16), bytes(16), sqnArb, fc.integer({ min: 0, max: 127 }), (ki, opc, rand, sqn, bit) => {
        const q = authVector({ algo: 'milenage', ki, opc, sqn }, rand) as UmtsQuintuplet;
        const autn = q.autn.slice();
        autn[bit >> 3]! ^= 0x80 >> (bit & 7);
        // bits 0..47 change the SQN read out of AUTN, 48..63 the AMF, 64.. the MAC: all are under MAC-A
        expect(msAuthenticate({ algo: 'milenage', ki, opc }, rand, autn).macOk).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('AUTS round trip: what the USIM sends, the HLR reads back', () => {
    fc.assert(
      fc.property(bytes(16), bytes(16), bytes(16), sqnArb, sqnArb, (ki, opc, rand, sqn, sqnMs) => {
        fc.pre(sqnMs >= sqn); // USIM already past this SQN
        const q = authVector({ algo: 'milenage', ki, opc, sqn }, rand) as UmtsQuintuplet;
        const ms = msAuthenticate({ algo: 'milenage', ki, opc, sqnMs }, rand, q.autn);
        expect(ms.sqnOk).toBe(false);
        expect(milenageResync(ki, opc, rand, ms.auts!)).toBe(sqnMs);
      }),
      { numRuns: 200 },
    );
  });

  it('bad lengths give AuthError for every function and parameter', () => {
    const good = { ki: 16, rand: 16, opc: 16, op: 16, sqn: 6, amf: 2 } as const;
    const fns: [string, (a: Record<string, Uint8Array>) => unknown, (keyof typeof good)[]][] = [
      ['comp128v1', (a) => comp128v1(a.ki!, a.rand!), ['ki', 'rand']],
      ['xor2g', (a) => xor2g(a.ki!, a.rand!), ['ki', 'rand']],
      ['milenage', (a) => milenage(a.ki!, a.opc!, a.rand!, a.sqn!, a.amf!), ['ki', 'opc', 'rand', 'sqn', 'amf']],
      ['opcFromOp', (a) => opcFromOp(a.ki!, a.op!), ['ki', 'op']],
      ['c3', (a) => c3(a.ki!, a.opc!), ['ki', 'opc']],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...fns), fc.nat(), fc.integer({ min: 0, max: 40 }), ([, f, params], which, len) => {
        const bad = params[which % params.length]!;
        fc.pre(len !== good[bad]);
        const args = Object.fromEntries(params.map((p) => [p, new Uint8Array(p === bad ? len : good[p])]));
        const e = authError(() => f(args));
        expect(e.code).toBe('bad-length');
      }),
      { numRuns: 500 },
    );
    expect(authError(() => c2(new Uint8Array(3))).code).toBe('bad-length');
    expect(authError(() => c2(new Uint8Array(17))).code).toBe('bad-length');
  });
});

describe('helpers', () => {
  it('sqnBytes/sqnValue round-trip over 48 bits', () => {
    expect(toHex(sqnBytes(0x0102030405ff))).toBe('0102030405ff');
    expect(toHex(sqnBytes(SQN_MAX))).toBe('ffffffffffff');
    fc.assert(
      fc.property(sqnArb, (n) => {
        expect(sqnValue(sqnBytes(n))).toBe(n);
      }),
    );
  });
  it('randomRand gives 16 fresh bytes', () => {
    const a = randomRand();
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a.length).toBe(16);
    expect(toHex(a)).not.toBe(toHex(randomRand()));
  });
  it('the algorithm table lists every Algo with its generation', () => {
    expect(Object.fromEntries(Object.entries(ALGORITHMS).map(([k, v]) => [k, v.generation]))).toEqual({ none: 'none', comp128v1: '2g', xor: '2g', milenage: '3g' });
  });
});
