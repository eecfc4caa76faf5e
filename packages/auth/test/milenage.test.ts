import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '@snaptel/codec';
import {
  authVector,
  c2,
  c3,
  gsmMilenage,
  milenage,
  milenageAuts,
  milenageF2345,
  milenageResync,
  msAuthenticate,
  opcFromOp,
  sqnBytes,
  type UmtsQuintuplet,
} from '../src';
import { HOSTAP_AUTS, OSMO_HLR_MILENAGE, OSMO_MILENAGE_TEST, TS35208, TS55205 } from './vectors';

const h = fromHex;

describe('MILENAGE: 3GPP TS 35.208 test sets 1..20 (1..6 = TS 35.207)', () => {
  for (const t of TS35208) {
    it(`test set ${t.set}: OPc, f1, f1*, f2, f3, f4, f5, f5*`, () => {
      expect(toHex(opcFromOp(h(t.k), h(t.op)))).toBe(t.opc);
      const r = milenage(h(t.k), h(t.opc), h(t.rand), h(t.sqn), h(t.amf));
      expect(toHex(r.macA)).toBe(t.f1);
      expect(toHex(r.macS)).toBe(t.f1s);
      expect(toHex(r.res)).toBe(t.f2);
      expect(toHex(r.ck)).toBe(t.f3);
      expect(toHex(r.ik)).toBe(t.f4);
      expect(toHex(r.ak)).toBe(t.f5);
      expect(toHex(r.akStar)).toBe(t.f5s);
      // f2..f5* without SQN/AMF agree
      const s = milenageF2345(h(t.k), h(t.opc), h(t.rand));
      expect([s.res, s.ck, s.ik, s.ak, s.akStar].map(toHex)).toEqual([t.f2, t.f3, t.f4, t.f5, t.f5s]);
    });
  }
});

describe('GSM conversion: 3GPP TS 55.205 test sets 1..19 (c2/c3 of TS 33.102 §6.8.1.2)', () => {
  for (const t of TS55205) {
    it(`test set ${t.set}: SRES#1 = c2(RES), Kc = c3(CK, IK), SRES#2 = RES[0..31]`, () => {
      expect(toHex(c2(h(t.res)))).toBe(t.sres1);
      expect(toHex(c3(h(t.ck), h(t.ik)))).toBe(t.kc);
      const g = gsmMilenage(h(t.ki), h(t.opc), h(t.rand));
      expect(toHex(g.sres)).toBe(t.sres1);
      expect(toHex(g.kc)).toBe(t.kc);
      const s = milenageF2345(h(t.ki), h(t.opc), h(t.rand));
      expect(toHex(s.res)).toBe(t.res);
      expect(toHex(s.res.subarray(0, 4))).toBe(t.sres2);
    });
  }
});

describe('MILENAGE as osmo-hlr uses it (tests/auc/auc_test.c)', () => {
  const sub = { algo: 'milenage' as const, ki: h(OSMO_HLR_MILENAGE.k), opc: h(OSMO_HLR_MILENAGE.opc) };
  for (const v of OSMO_HLR_MILENAGE.vectors) {
    it(`quintuplet for SQN ${v.sqn}, RAND ${v.rand}`, () => {
      const q = authVector({ ...sub, sqn: v.sqn }, h(v.rand)) as UmtsQuintuplet;
      expect(toHex(q.rand)).toBe(v.rand);
      expect(toHex(q.autn)).toBe(v.autn);
      expect(toHex(q.ck)).toBe(v.ck);
      expect(toHex(q.ik)).toBe(v.ik);
      expect(toHex(q.xres)).toBe(v.res);
      expect(toHex(q.kc)).toBe(v.kc);
      expect(toHex(q.sres)).toBe(v.sres);
      // and the USIM accepts it
      const ms = msAuthenticate({ ...sub, sqnMs: v.sqn - 1 }, q.rand, q.autn);
      expect(ms.macOk).toBe(true);
      expect(ms.sqnOk).toBe(true);
      expect(toHex(ms.res!)).toBe(v.res);
    });
  }

  it('AUTS of a USIM at SQN_MS 23: the HLR recovers 23, the USIM side builds the same AUTS', () => {
    const r = OSMO_HLR_MILENAGE.resync;
    expect(milenageResync(sub.ki, sub.opc, h(r.rand), h(r.auts))).toBe(r.sqnMs);
    expect(toHex(milenageAuts(sub.ki, sub.opc, h(r.rand), sqnBytes(r.sqnMs)))).toBe(r.auts);
  });

  it('a USIM at SQN_MS 40 refuses SQN 32 with that AUTS format (synch failure), and the HLR reads 40 back', () => {
    const v = OSMO_HLR_MILENAGE.vectors[0];
    const ms = msAuthenticate({ ...sub, sqnMs: 40 }, h(v.rand), h(v.autn));
    expect(ms.macOk).toBe(true);
    expect(ms.sqnOk).toBe(false);
    expect(ms.auts).toHaveLength(14);
    expect(milenageResync(sub.ki, sub.opc, h(v.rand), ms.auts!)).toBe(40);
  });
});

describe('MILENAGE in libosmocore (tests/auth/milenage_test.c, .ok)', () => {
  const t = OSMO_MILENAGE_TEST;
  it('vector for SQN 34 with AMF 0000', () => {
    const q = authVector({ algo: 'milenage', ki: h(t.k), opc: h(t.opc), sqn: t.sqn }, h(t.rand), h('0000')) as UmtsQuintuplet;
    expect(toHex(q.autn)).toBe(t.autn);
    expect(toHex(q.ik)).toBe(t.ik);
    expect(toHex(q.ck)).toBe(t.ck);
    expect(toHex(q.xres)).toBe(t.res);
    expect(toHex(q.sres)).toBe(t.sres);
    expect(toHex(q.kc)).toBe(t.kc);
  });
  it('its AUTS carries SQN_MS 31', () => {
    expect(milenageResync(h(t.k), h(t.opc), h(t.rand), h(t.auts))).toBe(t.sqnMsFromAuts);
  });
  it('OPc for OP = 0', () => {
    expect(toHex(opcFromOp(h(t.k), h(t.opFor0)))).toBe(t.opcFor0);
  });
});

describe('AUTS in hostap (tests/test-milenage.c, K/OPc of TS 35.208 test set 20)', () => {
  const set20 = TS35208[19];
  for (const a of HOSTAP_AUTS) {
    it(`AUTS ${a.auts} verifies${a.sqnMs !== undefined ? ` with SQN_MS ${a.sqnMs}` : ''}`, () => {
      const sqnMs = milenageResync(h(set20.k), h(set20.opc), h(a.rand), h(a.auts));
      expect(sqnMs).not.toBeNull();
      if (a.sqnMs !== undefined) expect(sqnMs).toBe(a.sqnMs);
    });
  }
  it('a changed bit in MAC-S or in the concealed SQN is refused', () => {
    const a = h(HOSTAP_AUTS[0].auts);
    for (const i of [0, 5, 6, 13]) {
      const bad = a.slice();
      bad[i]! ^= 0x01;
      expect(milenageResync(h(set20.k), h(set20.opc), h(HOSTAP_AUTS[0].rand), bad)).toBeNull();
    }
  });
});
