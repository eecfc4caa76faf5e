import * as v8 from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TMSI_NONE, VlrError, VlrStore, type Triplet, type VlrFields, type VlrRecord } from '../src';

/**
 * Model-based test: random sequences of operations run against the store and
 * against a Map of plain objects that is obviously right; every outcome (value
 * or VlrError code) must agree. The model knows nothing of slots: the test
 * remembers the slot register() returned for each IMSI and checks that the
 * store keeps it (slots are stable until removal) and never gives one slot to
 * two subscribers.
 */

type Rec = Omit<VlrRecord, 'slot' | 'authVectors'> & { triplets: Triplet[] };
type Outcome = { ok: true; value: unknown } | { ok: false; code: string };

class Fail extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

function outcome(f: () => unknown, errors: new (...a: never[]) => Error & { code: string }): Outcome {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof errors) return { ok: false, code: e.code };
    throw e;
  }
}

const PERIODIC = 3_600_000;
const NONE = TMSI_NONE;

/** Fields as the model applies them: exactly the documented rules, nothing clever. */
class Model {
  readonly recs = new Map<string, Rec>();
  /** TMSI or pending TMSI -> IMSI, kept by set(). */
  private readonly tmsis = new Map<number, string>();
  now = 1_700_000_000_000;

  private holder(t: number, except: string | undefined): string | undefined {
    const imsi = this.tmsis.get(t);
    return imsi === except ? undefined : imsi;
  }

  /** Replaces (or with undefined, deletes) the record of `imsi`, keeping the TMSI map. */
  set(imsi: string, r: Rec | undefined): void {
    const old = this.recs.get(imsi);
    if (old) for (const t of [old.tmsi, old.tmsiNew]) if (t !== NONE) this.tmsis.delete(t);
    if (r) {
      this.recs.set(imsi, r);
      for (const t of [r.tmsi, r.tmsiNew]) if (t !== NONE) this.tmsis.set(t, imsi);
    } else this.recs.delete(imsi);
  }

  /** The record `fields` would make of `cur` (a fresh one when undefined); throws Fail. */
  private next(imsi: string, cur: Rec | undefined, f: Partial<VlrFields>, lu: boolean): Rec {
    const bad = (f.lac !== undefined && (f.lac as number) > 65535) || (f.imeisv != null && f.imeisv.length !== 16);
    if (bad) throw new Fail('invalid-input');
    const r: Rec = cur
      ? { ...cur, triplets: cur.triplets }
      : { imsi, tmsi: NONE, tmsiNew: NONE, lac: 0, state: 'detached', lastSeen: 0, luExpiry: 0, cksn: 7, authenticated: false, ciphering: false, hlrConfirmed: false, triplets: [] };
    if (f.msisdn !== undefined) {
      if (f.msisdn === null) delete r.msisdn;
      else r.msisdn = f.msisdn;
    }
    if (f.tmsi !== undefined) r.tmsi = f.tmsi ?? NONE;
    if (f.tmsiNew !== undefined) r.tmsiNew = f.tmsiNew ?? NONE;
    if (f.lac !== undefined) r.lac = f.lac;
    if (f.cellId !== undefined) {
      if (f.cellId === null) delete r.cellId;
      else r.cellId = f.cellId;
    }
    if (f.state !== undefined) r.state = f.state;
    if (f.lastSeen !== undefined) r.lastSeen = f.lastSeen;
    if (f.luExpiry !== undefined) r.luExpiry = f.luExpiry;
    if (lu) {
      if (f.lastSeen === undefined) r.lastSeen = this.now;
      if (f.luExpiry === undefined) r.luExpiry = r.lastSeen + PERIODIC;
      if (f.state === undefined) r.state = 'attached';
    }
    // Kc and CKSN: cksn 7 alone clears the key, kc null alone sets cksn 7; then the key is present iff cksn != 7.
    let kc = r.kc;
    let cksn = r.cksn;
    if (f.kc !== undefined) kc = f.kc === null ? undefined : (f.kc as string).toLowerCase();
    if (f.cksn !== undefined) cksn = f.cksn;
    if (f.cksn === 7 && f.kc === undefined) kc = undefined;
    if (f.kc === null && f.cksn === undefined) cksn = 7;
    if ((kc !== undefined) !== (cksn !== 7)) throw new Fail('invalid-input');
    if (kc === undefined) delete r.kc;
    else r.kc = kc;
    r.cksn = cksn;
    if (f.imeisv !== undefined) {
      if (f.imeisv === null) delete r.imeisv;
      else r.imeisv = f.imeisv;
    }
    if (f.classmark2 !== undefined) {
      if (f.classmark2 === null) delete r.classmark2;
      else r.classmark2 = (f.classmark2 as string).toLowerCase();
    }
    if (f.authenticated !== undefined) r.authenticated = f.authenticated;
    if (f.ciphering !== undefined) r.ciphering = f.ciphering;
    if (f.hlrConfirmed !== undefined) r.hlrConfirmed = f.hlrConfirmed;
    if (r.tmsi !== NONE && r.tmsi === r.tmsiNew) throw new Fail('duplicate-tmsi');
    for (const [t, old] of [
      [r.tmsi, cur?.tmsi ?? NONE],
      [r.tmsiNew, cur?.tmsiNew ?? NONE],
    ])
      if (t !== NONE && t !== old && this.holder(t!, cur ? imsi : undefined) !== undefined) throw new Fail('duplicate-tmsi');
    return r;
  }

  register(imsi: string, f: Partial<VlrFields>): void {
    this.set(imsi, this.next(imsi, this.recs.get(imsi), f, true));
  }

  must(imsi: string): Rec {
    const r = this.recs.get(imsi);
    if (!r) throw new Fail('not-found');
    return r;
  }

  update(imsi: string, f: Partial<VlrFields>): void {
    this.set(imsi, this.next(imsi, this.must(imsi), f, false));
  }

  detach(imsi: string): void {
    this.must(imsi).state = 'detached';
  }

  remove(imsi: string): void {
    this.must(imsi);
    this.set(imsi, undefined);
  }

  /** Checks a TMSI the store allocated, then records it. */
  allocated(imsi: string, t: number): void {
    const r = this.must(imsi);
    expect(t).not.toBe(NONE);
    expect(t >>> 30).not.toBe(3); // TS 23.003 2.4: 11 is the SGSN's
    expect(this.holder(t, undefined)).toBeUndefined(); // not anybody's TMSI or pending TMSI, this subscriber's included
    this.set(imsi, { ...r, tmsiNew: t });
  }

  confirm(imsi: string): void {
    const r = this.must(imsi);
    if (r.tmsiNew === NONE) throw new Fail('no-pending-tmsi');
    this.set(imsi, { ...r, tmsi: r.tmsiNew, tmsiNew: NONE });
  }

  push(imsi: string, ts: Triplet[]): number {
    const r = this.must(imsi);
    const take = Math.min(2 - r.triplets.length, ts.length);
    r.triplets = [...r.triplets, ...ts.slice(0, take).map((t) => ({ rand: t.rand.toLowerCase(), sres: t.sres.toLowerCase(), kc: t.kc.toLowerCase() }))];
    return take;
  }

  pop(imsi: string): Triplet | undefined {
    const r = this.must(imsi);
    const [first, ...rest] = r.triplets;
    r.triplets = rest;
    return first;
  }

  holderOf(t: number): string | undefined {
    return t === NONE ? undefined : this.holder(t, undefined);
  }

  view(r: Rec, slot: number): VlrRecord {
    const { triplets, ...rest } = r;
    return { slot, ...rest, authVectors: triplets.length };
  }
}

function modelOutcome(f: () => unknown): Outcome {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, code: e.code };
    throw e;
  }
}

// --- generators: small pools so that duplicates, hits and misses all happen

const smallDigits = (max: number, maxWidth: number) =>
  fc.tuple(fc.nat(max), fc.integer({ min: 1, max: maxWidth })).map(([n, w]) => String(n).padStart(w, '0'));
// Mostly a pool of 32 IMSIs (leading zeros count: '7' and '07' differ), so that operations meet the same subscribers.
const imsiArb = fc.oneof(
  { weight: 8, arbitrary: smallDigits(15, 2) },
  { weight: 1, arbitrary: smallDigits(30, 15) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{1,15}$/) },
);
const hexArb = (bytes: number) =>
  fc.tuple(fc.uint8Array({ minLength: bytes, maxLength: bytes }), fc.boolean()).map(([b, up]) => {
    const h = Buffer.from(b).toString('hex');
    return up ? h.toUpperCase() : h;
  });
const tmsiPool = fc.constantFrom<number | null>(1, 2, 3, 0x03020100, 0xbfffffff, 0, NONE, null);
const timeArb = fc.oneof(fc.nat(2_000_000), fc.constant(0), fc.double({ min: 0, max: 2e12, noNaN: true, noDefaultInfinity: true }));
/** Kc and CKSN: mostly consistent pairs, sometimes a lone half (refused unless it clears). */
const keyArb: fc.Arbitrary<Partial<VlrFields>> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({}) },
  { weight: 3, arbitrary: fc.record({ kc: hexArb(8), cksn: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 1, arbitrary: fc.constant({ kc: null }) },
  { weight: 1, arbitrary: fc.constant({ cksn: 7 }) },
  { weight: 1, arbitrary: fc.record({ kc: fc.option(hexArb(8), { nil: null }), cksn: fc.integer({ min: 0, max: 7 }) }, { requiredKeys: [] }) },
);
/** TMSIs from a small pool, so that duplicates happen; not in every call, or most registrations would collide. */
const tmsiFieldsArb: fc.Arbitrary<Partial<VlrFields>> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({}) },
  { weight: 2, arbitrary: fc.record({ tmsi: tmsiPool }) },
  { weight: 1, arbitrary: fc.record({ tmsiNew: tmsiPool }) },
  { weight: 1, arbitrary: fc.record({ tmsi: tmsiPool, tmsiNew: tmsiPool }) },
);
const otherFieldsArb: fc.Arbitrary<Partial<VlrFields>> = fc.record(
  {
    msisdn: fc.option(smallDigits(20, 6), { nil: null }),
    lac: fc.oneof({ weight: 20, arbitrary: fc.nat(65535) }, { weight: 1, arbitrary: fc.constant(70_000) }),
    cellId: fc.option(fc.nat(65535), { nil: null }),
    state: fc.constantFrom('attached' as const, 'detached' as const),
    lastSeen: timeArb,
    luExpiry: timeArb,
    imeisv: fc.oneof(
      { weight: 10, arbitrary: fc.option(fc.stringMatching(/^[0-9]{16}$/), { nil: null }) },
      { weight: 1, arbitrary: fc.constant('123') },
    ),
    classmark2: fc.option(hexArb(3), { nil: null }),
    authenticated: fc.boolean(),
    ciphering: fc.boolean(),
    hlrConfirmed: fc.boolean(),
  },
  { requiredKeys: [] },
);
const fieldsArb: fc.Arbitrary<Partial<VlrFields>> = fc.tuple(otherFieldsArb, keyArb, tmsiFieldsArb).map(([a, b, c]) => ({ ...a, ...b, ...c }));
const tripletArb: fc.Arbitrary<Triplet> = fc.record({ rand: hexArb(16), sres: hexArb(4), kc: hexArb(8) });

type Op =
  | { k: 'register'; imsi: string; fields: Partial<VlrFields> }
  | { k: 'update'; imsi: string; fields: Partial<VlrFields> }
  | { k: 'detach' | 'remove' | 'get' | 'slotOf' | 'allocate' | 'confirm' | 'pop'; imsi: string }
  | { k: 'slotOfTmsi'; tmsi: number }
  | { k: 'push'; imsi: string; triplets: Triplet[] }
  | { k: 'expired'; ahead: number; limit: number }
  | { k: 'tick'; ms: number }
  /** Many 15-digit IMSIs at once (with TMSIs): growth past several doublings. */
  | { k: 'registerRange'; base: number; n: number }
  /** Many purges at once, overlapping the ranges registered. */
  | { k: 'removeRange'; base: number; n: number; step: number }
  /** Continue on a store rebuilt from exportState (through v8.serialize), imported in place (frozen), or frozen. */
  | { k: 'reload'; how: 'fromState' | 'importState' | 'freeze'; vectors: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('register' as const), imsi: imsiArb, fields: fieldsArb }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('update' as const), imsi: imsiArb, fields: fieldsArb }) },
  {
    weight: 10,
    arbitrary: fc.record({ k: fc.constantFrom('detach' as const, 'remove' as const, 'get' as const, 'slotOf' as const, 'allocate' as const, 'confirm' as const, 'pop' as const), imsi: imsiArb }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('slotOfTmsi' as const), tmsi: fc.oneof(tmsiPool.map((t) => t ?? NONE), fc.nat(0xffffffff)) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('push' as const), imsi: imsiArb, triplets: fc.array(tripletArb, { maxLength: 3, size: 'max' }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('expired' as const), ahead: fc.integer({ min: -1000, max: 2 * PERIODIC }), limit: fc.integer({ min: 0, max: 50 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('tick' as const), ms: fc.nat(PERIODIC) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('registerRange' as const), base: fc.nat(3000), n: fc.integer({ min: 1, max: 600 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('removeRange' as const), base: fc.nat(3000), n: fc.integer({ min: 1, max: 600 }), step: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('reload' as const), how: fc.constantFrom('fromState' as const, 'importState' as const, 'freeze' as const), vectors: fc.boolean() }) },
);

const rangeImsi = (i: number) => '00101' + String(i).padStart(10, '0');

/** Every field differs from one range subscriber to the next, so a record moved or thawed incompletely shows. */
function rangeFields(i: number): Partial<VlrFields> {
  return {
    msisdn: i % 5 === 0 ? undefined : '49' + String(i * 7),
    tmsi: 0x10000000 + i,
    lac: 100 + (i % 37),
    lastSeen: 1_699_999_000_000 + i * 997, // luExpiry follows (+ PERIODIC): the frozen form packs it as a difference
    cellId: i % 3 === 0 ? undefined : (i * 13) % 65536,
    kc: i % 4 === 0 ? undefined : (i * 2654435761).toString(16).padStart(16, '0').slice(-16),
    cksn: i % 4 === 0 ? undefined : i % 7,
    imeisv: i % 2 ? String(35_000_000_000_000 + i * 101).padStart(16, '0') : undefined,
    classmark2: i % 6 === 0 ? undefined : (0x330000 + i).toString(16).slice(-6).padStart(6, '0'),
    authenticated: i % 2 === 0,
    hlrConfirmed: i % 3 !== 0,
  };
}

class Harness {
  store: VlrStore;
  readonly model = new Model();
  /** IMSI -> the slot register() returned. */
  readonly slots = new Map<string, number>();
  /** slot -> IMSI, the other way round. */
  readonly holders = new Map<number, string>();
  maxSize = 0;

  constructor() {
    this.store = this.make();
  }

  private make(): VlrStore {
    return new VlrStore({ now: () => this.model.now, periodicLuMs: PERIODIC });
  }

  /** Runs both; the outcomes must agree (values too, unless `valuesToo` is false). */
  private same(ours: () => unknown, theirs: () => unknown, valuesToo = true): Outcome {
    const got = outcome(ours, VlrError);
    const want = modelOutcome(theirs);
    if (valuesToo) expect(got).toEqual(want);
    else expect(got.ok ? 'ok' : got.code).toBe(want.ok ? 'ok' : want.code);
    return got;
  }

  private forget(imsi: string): void {
    this.holders.delete(this.slots.get(imsi)!);
    this.slots.delete(imsi);
  }

  /** The slot to use for `imsi`: its own, or one that holds nobody (for not-found). */
  private slot(imsi: string): number {
    return this.slots.get(imsi) ?? 1_000_000;
  }

  register(imsi: string, fields: Partial<VlrFields>): void {
    const wasNew = !this.model.recs.has(imsi);
    const got = this.same(
      () => this.store.register(imsi, fields),
      () => this.model.register(imsi, fields),
      false, // the model knows no slots: checked below
    );
    if (!got.ok) return;
    const slot = got.value as number;
    if (wasNew) {
      expect(this.holders.get(slot)).toBeUndefined(); // a slot belongs to one subscriber
      this.slots.set(imsi, slot);
      this.holders.set(slot, imsi);
    } else expect(slot).toBe(this.slots.get(imsi)); // slots are stable
  }

  run(op: Op): void {
    const { store, model } = this;
    switch (op.k) {
      case 'register':
        this.register(op.imsi, op.fields);
        break;
      case 'update': {
        // The store's outcome for a slot nobody holds is not-found, as the model's for an unknown IMSI.
        this.same(() => store.update(this.slot(op.imsi), op.fields), () => model.update(op.imsi, op.fields));
        break;
      }
      case 'detach':
        this.same(() => store.detach(this.slot(op.imsi)), () => model.detach(op.imsi));
        break;
      case 'remove': {
        const got = this.same(() => store.remove(this.slot(op.imsi)), () => model.remove(op.imsi));
        if (got.ok) this.forget(op.imsi);
        break;
      }
      case 'get':
        this.same(() => store.get(op.imsi), () => {
          const r = model.recs.get(op.imsi);
          return r && model.view(r, this.slots.get(op.imsi)!);
        });
        break;
      case 'slotOf':
        expect(store.slotOf(op.imsi)).toBe(model.recs.has(op.imsi) ? this.slots.get(op.imsi) : -1);
        break;
      case 'slotOfTmsi': {
        const holder = model.holderOf(op.tmsi);
        expect(store.slotOfTmsi(op.tmsi)).toBe(holder === undefined ? -1 : this.slots.get(holder));
        break;
      }
      case 'allocate': {
        const got = outcome(() => store.allocateTmsi(this.slot(op.imsi)), VlrError);
        if (got.ok) model.allocated(op.imsi, got.value as number);
        else expect(got).toEqual(modelOutcome(() => model.must(op.imsi)));
        break;
      }
      case 'confirm':
        this.same(() => store.confirmTmsi(this.slot(op.imsi)), () => model.confirm(op.imsi));
        break;
      case 'push':
        this.same(() => store.pushTriplets(this.slot(op.imsi), op.triplets), () => model.push(op.imsi, op.triplets));
        break;
      case 'pop':
        this.same(() => store.popTriplet(this.slot(op.imsi)), () => model.pop(op.imsi));
        break;
      case 'expired': {
        const now = model.now + op.ahead;
        const want = [...model.recs.values()]
          .filter((r) => r.luExpiry > 0 && r.luExpiry < now)
          .map((r) => r.imsi)
          .sort((a, b) => this.slots.get(a)! - this.slots.get(b)!)
          .slice(0, op.limit);
        expect(store.expired(now, op.limit)).toEqual(want);
        break;
      }
      case 'tick':
        model.now += op.ms;
        break;
      case 'registerRange':
        for (let i = op.base; i < op.base + op.n; i++) this.register(rangeImsi(i), rangeFields(i));
        break;
      case 'removeRange':
        for (let i = op.base; i < op.base + op.n; i += op.step) {
          const imsi = rangeImsi(i);
          const got = this.same(() => store.remove(this.slot(imsi)), () => model.remove(imsi));
          if (got.ok) this.forget(imsi);
        }
        break;
      case 'reload': {
        if (op.how === 'freeze') {
          store.freeze();
          expect(store.frozen).toBe(true);
          break;
        }
        const state = v8.deserialize(v8.serialize(store.exportState({ authVectors: op.vectors })));
        if (!op.vectors) for (const r of model.recs.values()) r.triplets = [];
        if (op.how === 'importState') {
          store.importState(state);
          expect(store.frozen).toBe(true);
        } else {
          this.store = VlrStore.fromState(state, { now: () => model.now, periodicLuMs: PERIODIC });
        }
        break;
      }
    }
    expect(this.store.size).toBe(model.recs.size);
    this.maxSize = Math.max(this.maxSize, this.store.size);
  }

  checkAll(): void {
    const { store, model } = this;
    expect(store.size).toBe(model.recs.size);
    const bySlot = [...model.recs.values()].sort((a, b) => this.slots.get(a.imsi)! - this.slots.get(b.imsi)!);
    for (const r of bySlot) {
      const slot = this.slots.get(r.imsi)!;
      expect(store.get(r.imsi)).toEqual(model.view(r, slot));
      expect(store.slotOf(r.imsi)).toBe(slot);
      if (r.tmsi !== NONE) expect(store.slotOfTmsi(r.tmsi)).toBe(slot);
      if (r.tmsiNew !== NONE) expect(store.slotOfTmsi(r.tmsiNew)).toBe(slot);
    }
    expect(store.list()).toEqual(bySlot.map((r) => model.view(r, this.slots.get(r.imsi)!)));
    const reloaded = VlrStore.fromState(v8.deserialize(v8.serialize(store.exportState({ authVectors: true }))));
    expect(reloaded.list()).toEqual(store.list());
  }
}

describe('VlrStore against a Map model', () => {
  it('agrees on random operation sequences (growth, purges, TMSI reallocation, reloads)', () => {
    let grewTo = 0;
    fc.assert(
      // size 'max': lengths spread up to maxLength (fast-check's default keeps arrays near 10 operations)
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 150, size: 'max' }), (ops) => {
        const h = new Harness();
        for (const op of ops) h.run(op);
        h.checkAll();
        grewTo = Math.max(grewTo, h.maxSize);
      }),
      { numRuns: 150 },
    );
    // The runs as a whole grew the store past several growth steps from its initial 16 slots.
    expect(grewTo).toBeGreaterThan(16 * 2 ** 5);
  });

  it('agrees on a long sequence: 40000 registrations, many purges, regrowth, reloads', () => {
    const h = new Harness();
    const ops: Op[] = [
      { k: 'registerRange', base: 0, n: 40_000 },
      { k: 'removeRange', base: 0, n: 40_000, step: 3 },
      { k: 'removeRange', base: 10_000, n: 15_000, step: 1 },
      { k: 'reload', how: 'fromState', vectors: true },
      { k: 'registerRange', base: 5_000, n: 30_000 },
      { k: 'removeRange', base: 1, n: 40_000, step: 2 },
      { k: 'reload', how: 'importState', vectors: false },
      { k: 'registerRange', base: 0, n: 40_000 },
      { k: 'reload', how: 'freeze', vectors: false },
      { k: 'removeRange', base: 20_000, n: 20_000, step: 1 },
    ];
    for (const op of ops) h.run(op);
    h.checkAll();
    expect(h.maxSize).toBeGreaterThan(30_000);
    // Slots freed by purges were reused: the columns did not grow past the largest population by much.
    expect(h.store.capacity).toBeLessThan(2 * 40_000);
  });

  it('purges to nothing and registers again: every removal order leaves both indexes exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.infiniteStream(fc.nat()), (n, rnd) => {
        const h = new Harness();
        for (let i = 0; i < n; i++) h.register(rangeImsi(i), rangeFields(i));
        const order = Array.from({ length: n }, (_, i) => i);
        const it = rnd[Symbol.iterator]();
        for (let i = n - 1; i > 0; i--) {
          const j = it.next().value % (i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        for (const i of order) {
          h.run({ k: 'remove', imsi: rangeImsi(i) });
          expect(h.store.slotOf(rangeImsi(i))).toBe(-1);
          expect(h.store.slotOfTmsi(0x10000000 + i)).toBe(-1);
        }
        h.checkAll();
        expect(h.store.size).toBe(0);
        for (let i = 0; i < n; i++) h.register(rangeImsi(i), rangeFields(i));
        h.checkAll();
        // Every freed slot was reused before the store grew.
        expect(Math.max(...h.slots.values())).toBe(n - 1);
      }),
      { numRuns: 60 },
    );
  });
});
