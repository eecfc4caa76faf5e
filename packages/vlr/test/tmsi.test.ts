import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TMSI_NONE, VlrError, VlrStore, type Triplet } from '../src';

const FIXTURE = fs.readFileSync(path.join(__dirname, 'fixtures/osmo-msc-gsm-authen.txt'), 'utf8').split('\n');

/** The auth tuples of a GSUP message (TS 29.002 via Osmocom's GSUP: IE 0x03 Auth Tuple holding 0x20 RAND, 0x21 SRES, 0x22 Kc). */
function gsupTuples(hexMsg: string): Triplet[] {
  const b = Buffer.from(hexMsg, 'hex');
  const out: Triplet[] = [];
  for (let i = 1; i < b.length; ) {
    const tag = b[i]!;
    const v = b.subarray(i + 2, i + 2 + b[i + 1]!);
    i += 2 + v.length;
    if (tag !== 0x03) continue;
    const t: Partial<Triplet> = {};
    for (let j = 0; j < v.length; ) {
      const inner = v.subarray(j + 2, j + 2 + v[j + 1]!).toString('hex');
      if (v[j] === 0x20) t.rand = inner;
      if (v[j] === 0x21) t.sres = inner;
      if (v[j] === 0x22) t.kc = inner;
      j += 2 + v[j + 1]!;
    }
    out.push(t as Triplet);
  }
  return out;
}

const lineAfter = (prefix: string, nth = 0): string => FIXTURE.filter((l) => l.startsWith(prefix))[nth]!.slice(prefix.length);
const names = FIXTURE.flatMap((l) => /^DVLR SUBSCR\(([^)]*)\)/.exec(l)?.slice(1) ?? []);

describe('a location update as osmo-msc logged it (test_gsm_authen_tmsi)', () => {
  it('names, auth tuples in order, TMSI 0x03020100 pending then confirmed', () => {
    // osmo-msc's tests draw TMSIs from a fake random source that gives bytes 00 01 02 03: 0x03020100.
    const store = new VlrStore({ random: () => 0x03020100 / 2 ** 32 });
    const slot = store.register('901700000004620');
    expect(FIXTURE.find((l) => l.startsWith('DREF VLR subscr '))).toContain(`VLR subscr ${store.nameOf(slot)} +`);

    const tuples = gsupTuples(lineAfter('<-- GSUP rx OSMO_GSUP_MSGT_SEND_AUTH_INFO_RESULT: '));
    expect(tuples).toHaveLength(5);
    expect(store.pushTriplets(slot, tuples)).toBe(2); // two are cached, the rest dropped
    expect(store.recordAt(slot).authVectors).toBe(2);

    // osmo-msc uses the tuples in the order received: key_seq 0 for the LU...
    const first = store.popTriplet(slot)!;
    expect(first.rand).toBe(lineAfter('- ...rand=', 0));
    expect(first.sres).toBe(lineAfter('- ...expecting sres=', 0));
    expect(first).toEqual(tuples[0]);
    store.update(slot, { kc: first.kc, cksn: 0, authenticated: true });

    // ...the HLR's Insert Subscriber Data brings the MSISDN...
    store.update(slot, { msisdn: '46071', hlrConfirmed: true });
    expect(store.nameOf(slot)).toBe(names[0]);

    // ...the LU accept carries a new TMSI, findable before TMSI REALLOCATION COMPLETE...
    const tmsi = store.allocateTmsi(slot);
    expect(tmsi).toBe(Number(lineAfter('  vsub->tmsi_new == ', 0)));
    expect(store.recordAt(slot).tmsi).toBe(Number(lineAfter('  vsub->tmsi == ', 0)));
    expect(store.nameOf(slot)).toBe(names[1]);
    expect(store.slotOfTmsi(tmsi)).toBe(slot);

    // ...which confirms it.
    store.confirmTmsi(slot);
    expect(store.recordAt(slot)).toMatchObject({ tmsi: Number(lineAfter('  vsub->tmsi == ', 1)), tmsiNew: Number(lineAfter('  vsub->tmsi_new == ', 1)) });
    expect(store.nameOf(slot)).toBe(names[2]);
    expect(store.slotOfTmsi(0x03020100)).toBe(slot);

    // The CM service request authenticates with the next tuple (key_seq 1).
    const second = store.popTriplet(slot)!;
    expect(second.rand).toBe(lineAfter('- ...rand=', 1));
    expect(second.sres).toBe(lineAfter('- ...expecting sres=', 1));
    expect(store.popTriplet(slot)).toBeUndefined();
    expect(store.recordAt(slot)).toMatchObject({ kc: tuples[0]!.kc, cksn: 0, msisdn: '46071', authVectors: 0 });
  });
});

/** Registers n subscribers; returns their slots. */
function fill(store: VlrStore, n: number): number[] {
  return Array.from({ length: n }, (_, i) => store.register('00101' + String(i).padStart(10, '0')));
}

/** Every TMSI and pending TMSI held, checked to be distinct, valid, and found again by slotOfTmsi. */
function checkTmsis(store: VlrStore, slots: number[]): Set<number> {
  const seen = new Set<number>();
  for (const slot of slots) {
    const r = store.recordAt(slot);
    for (const t of [r.tmsi, r.tmsiNew]) {
      if (t === TMSI_NONE) continue;
      expect(seen.has(t)).toBe(false);
      seen.add(t);
      expect(t >>> 30).not.toBe(3); // TS 23.003 2.4: top bits 11 belong to the SGSN
      expect(store.slotOfTmsi(t)).toBe(slot);
    }
  }
  return seen;
}

describe('TMSI allocation', () => {
  it('clears the SGSN bits of a candidate (as osmo-msc) and skips 0xffffffff', () => {
    const draws = [0xffffffff, 0xc0000005, 0xc0000005, 0x40000000];
    const store = new VlrStore({ random: () => draws.shift()! / 2 ** 32 });
    const [a, b] = fill(store, 2);
    expect(store.allocateTmsi(a!)).toBe(5); // 0xffffffff thrown away, 0xc0000005 -> 5
    expect(store.allocateTmsi(b!)).toBe(0x40000000); // 5 again is taken: drawn again
    expect(draws).toHaveLength(0);
  });

  it('stays unique with a random source that always collides (20000 allocations, constant draw)', () => {
    const store = new VlrStore({ random: () => 0.25 });
    const slots = fill(store, 10_000);
    const t0 = performance.now();
    for (const s of slots) store.allocateTmsi(s);
    for (const s of slots.filter((_, i) => i % 2 === 0)) store.confirmTmsi(s);
    for (const s of slots.filter((_, i) => i % 3 === 0)) store.allocateTmsi(s);
    const ms = performance.now() - t0;
    const seen = checkTmsis(store, slots);
    expect(seen.size).toBe(10_000 + Math.ceil(10_000 / 6)); // one each, plus a second (pending) for those confirmed and then reallocated
    expect(seen.has(0x40000000)).toBe(true); // the first draw itself
    expect(ms).toBeLessThan(5_000); // no quadratic walk over the TMSIs already given
  });

  it('stays unique with a source that only ever gives 0xffffffff, or a few values in a loop', () => {
    for (const random of [() => 0xffffffff / 2 ** 32, (() => {
      let i = 0;
      return () => [0.1, 0.2, 0.3][i++ % 3]!;
    })()]) {
      const store = new VlrStore({ random });
      const slots = fill(store, 3000);
      for (const s of slots) {
        store.allocateTmsi(s);
        store.confirmTmsi(s);
        store.allocateTmsi(s);
      }
      expect(checkTmsis(store, slots).size).toBe(6000);
    }
  });

  it('keeps 10^5 subscribers apart under heavy reallocation with the default (crypto) random source', () => {
    const store = new VlrStore();
    const slots = fill(store, 100_000);
    for (let round = 0; round < 3; round++)
      for (const s of slots) {
        store.allocateTmsi(s);
        if ((s + round) % 4 !== 0) store.confirmTmsi(s);
      }
    const seen = checkTmsis(store, slots);
    expect(seen.size).toBeGreaterThan(100_000);
  });

  it('a new allocation replaces a pending one, which is released', () => {
    const store = new VlrStore();
    const [s] = fill(store, 1);
    const first = store.allocateTmsi(s!);
    const second = store.allocateTmsi(s!);
    expect(second).not.toBe(first);
    expect(store.slotOfTmsi(first)).toBe(-1);
    expect(store.slotOfTmsi(second)).toBe(s);
    store.confirmTmsi(s!);
    const third = store.allocateTmsi(s!);
    store.confirmTmsi(s!);
    expect(store.slotOfTmsi(second)).toBe(-1); // the old TMSI is released by the confirmation
    expect(store.recordAt(s!)).toMatchObject({ tmsi: third, tmsiNew: TMSI_NONE });
  });

  it('refuses what makes no sense, with VlrError', () => {
    const store = new VlrStore({ random: () => 1 });
    const [a, b] = fill(store, 2);
    expect(() => store.allocateTmsi(a!)).toThrow(/random\(\) returned 1, not a number in \[0, 1\)/);
    expect(() => store.confirmTmsi(a!)).toThrow(expect.objectContaining({ code: 'no-pending-tmsi' }));
    expect(() => store.allocateTmsi(99)).toThrow(expect.objectContaining({ code: 'not-found' }));
    store.update(a!, { tmsi: 7 });
    const err = (() => {
      try {
        store.update(b!, { tmsiNew: 7 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(VlrError);
    expect(err).toMatchObject({ code: 'duplicate-tmsi', field: 'tmsiNew', message: "vlr: tmsiNew 0x00000007 already belongs to imsi '001010000000000'" });
    expect(() => store.update(a!, { tmsiNew: 7 })).toThrow(/tmsi and tmsiNew cannot both be 0x00000007/);
    expect(store.slotOfTmsi(TMSI_NONE)).toBe(-1);
    expect(() => store.slotOfTmsi(-1)).toThrow(/tmsi -1 must be an integer 0..0xffffffff/);
  });

  it('draws from crypto by default: two stores do not agree', () => {
    const a = new VlrStore();
    const b = new VlrStore();
    const sa = fill(a, 20);
    const sb = fill(b, 20);
    const ta = sa.map((s) => a.allocateTmsi(s));
    const tb = sb.map((s) => b.allocateTmsi(s));
    expect(ta).not.toEqual(tb);
  });
});
