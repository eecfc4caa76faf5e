import * as v8 from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HlrError, SubscriberStore, type Algo, type Subscriber, type SubscriberInput, type SubscriberPatch } from '../src';

/**
 * Model-based test: random sequences of operations run against the store and
 * against a Map of plain objects that is obviously right; every outcome (value
 * or HlrError code) must agree, and at the end every subscriber must be found
 * by IMSI and by MSISDN, list() must hold exactly the model's subscribers, and
 * the exported state must import into an equal store.
 */

type Outcome = { ok: true; value: unknown } | { ok: false; code: string };

function outcome(f: () => unknown): Outcome {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof HlrError) return { ok: false, code: e.code };
    throw e;
  }
}

class Fail extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const needs = (s: Subscriber): boolean =>
  (s.algo === 'comp128v1' || s.algo === 'xor') ? s.ki === undefined : s.algo === 'milenage' ? s.ki === undefined || s.opc === undefined : false;

class Model {
  readonly subs = new Map<string, Subscriber>();
  readonly msisdns = new Map<string, string>(); // msisdn -> imsi

  add(input: SubscriberInput): void {
    const s: Subscriber = { imsi: input.imsi, algo: input.algo ?? 'none', sqn: input.sqn ?? 0, cs: input.cs ?? true, ps: input.ps ?? true };
    if (input.msisdn != null) s.msisdn = input.msisdn;
    if (input.ki != null) s.ki = input.ki.toLowerCase();
    if (input.opc != null) s.opc = input.opc.toLowerCase();
    if (needs(s)) throw new Fail('invalid-input');
    if (this.subs.has(s.imsi)) throw new Fail('duplicate-imsi');
    if (s.msisdn !== undefined && this.msisdns.has(s.msisdn)) throw new Fail('duplicate-msisdn');
    this.subs.set(s.imsi, s);
    if (s.msisdn !== undefined) this.msisdns.set(s.msisdn, s.imsi);
  }

  update(imsi: string, patch: SubscriberPatch): void {
    const cur = this.subs.get(imsi);
    if (!cur) throw new Fail('not-found');
    const next: Subscriber = { ...cur };
    for (const f of ['msisdn', 'ki', 'opc'] as const) {
      const v = patch[f];
      if (v === null) delete next[f];
      else if (v !== undefined) next[f] = f === 'msisdn' ? v : v.toLowerCase();
    }
    if (patch.algo !== undefined) next.algo = patch.algo;
    if (patch.sqn !== undefined) next.sqn = patch.sqn;
    if (patch.cs !== undefined) next.cs = patch.cs;
    if (patch.ps !== undefined) next.ps = patch.ps;
    if (needs(next)) throw new Fail('invalid-input');
    if (next.msisdn !== cur.msisdn && next.msisdn !== undefined && this.msisdns.has(next.msisdn)) throw new Fail('duplicate-msisdn');
    if (cur.msisdn !== undefined) this.msisdns.delete(cur.msisdn);
    if (next.msisdn !== undefined) this.msisdns.set(next.msisdn, imsi);
    this.subs.set(imsi, next);
  }

  remove(imsi: string): boolean {
    const cur = this.subs.get(imsi);
    if (!cur) return false;
    if (cur.msisdn !== undefined) this.msisdns.delete(cur.msisdn);
    return this.subs.delete(imsi);
  }

  get(imsi: string): Subscriber | undefined {
    return this.subs.get(imsi);
  }

  byMsisdn(msisdn: string): Subscriber | undefined {
    const imsi = this.msisdns.get(msisdn);
    return imsi === undefined ? undefined : this.subs.get(imsi);
  }

  nextSqn(imsi: string): number {
    const cur = this.subs.get(imsi);
    if (!cur) throw new Fail('not-found');
    cur.sqn = cur.sqn + 1 >= 2 ** 48 ? 0 : cur.sqn + 1;
    return cur.sqn;
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

/** Digit strings with leading zeros: '7', '07', '0007' are three different IMSIs. */
const smallDigits = (max: number, maxWidth: number) =>
  fc.tuple(fc.nat(max), fc.integer({ min: 1, max: maxWidth })).map(([n, w]) => String(n).padStart(w, '0'));
const imsiArb = fc.oneof({ weight: 4, arbitrary: smallDigits(40, 15) }, { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{1,15}$/) });
const msisdnArb = smallDigits(30, 6);
const keyArb = fc
  .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean())
  .map(([b, upper]) => (upper ? Buffer.from(b).toString('hex').toUpperCase() : Buffer.from(b).toString('hex')));
const algoArb = fc.constantFrom<Algo>('none', 'comp128v1', 'xor', 'milenage');
const sqnArb = fc.oneof(fc.nat(1000), fc.constant(2 ** 48 - 1), fc.constant(2 ** 48 - 2));

const inputArb: fc.Arbitrary<SubscriberInput> = fc.record(
  {
    imsi: imsiArb,
    msisdn: fc.option(msisdnArb, { nil: undefined }),
    ki: fc.option(keyArb, { nil: undefined }),
    opc: fc.option(keyArb, { nil: undefined }),
    algo: algoArb,
    sqn: sqnArb,
    cs: fc.boolean(),
    ps: fc.boolean(),
  },
  { requiredKeys: ['imsi'] },
);
const patchArb: fc.Arbitrary<SubscriberPatch> = fc.record(
  {
    msisdn: fc.option(msisdnArb, { nil: null }),
    ki: fc.option(keyArb, { nil: null }),
    opc: fc.option(keyArb, { nil: null }),
    algo: algoArb,
    sqn: sqnArb,
    cs: fc.boolean(),
    ps: fc.boolean(),
  },
  { requiredKeys: [] },
);

type Op =
  | { k: 'add'; input: SubscriberInput }
  | { k: 'update'; imsi: string; patch: SubscriberPatch }
  | { k: 'remove'; imsi: string }
  | { k: 'get'; imsi: string }
  | { k: 'byMsisdn'; msisdn: string }
  | { k: 'nextSqn'; imsi: string }
  /** Many sequential 15-digit IMSIs at once: growth past several doublings. */
  | { k: 'addRange'; base: number; n: number; msisdn: boolean }
  /** Many deletions at once, overlapping the ranges added. */
  | { k: 'removeRange'; base: number; n: number; step: number }
  /** Continue on a store rebuilt from exportState (through v8.serialize), or imported in place. */
  | { k: 'reload'; inPlace: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: inputArb.map((input) => ({ k: 'add' as const, input })) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('update' as const), imsi: imsiArb, patch: patchArb }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('remove' as const), imsi: imsiArb }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('get' as const), imsi: imsiArb }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('byMsisdn' as const), msisdn: msisdnArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('nextSqn' as const), imsi: imsiArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('addRange' as const), base: fc.nat(3000), n: fc.integer({ min: 1, max: 600 }), msisdn: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('removeRange' as const),
      base: fc.nat(3000),
      n: fc.integer({ min: 1, max: 600 }),
      step: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('reload' as const), inPlace: fc.boolean() }) },
);

const rangeImsi = (i: number) => '00101' + String(i).padStart(10, '0');
const rangeMsisdn = (i: number) => '0049' + String(i).padStart(7, '0');

/** Every field differs from one range subscriber to the next, so a record moved incompletely shows. */
function rangeInput(i: number, withMsisdn: boolean): SubscriberInput {
  const key = (salt: number) => Array.from({ length: 16 }, (_, j) => ((i * 31 + j * 7 + salt) & 255).toString(16).padStart(2, '0')).join('');
  const input: SubscriberInput = {
    imsi: rangeImsi(i),
    ki: key(1),
    algo: i % 20 === 0 ? 'milenage' : i % 5 === 0 ? 'xor' : i % 3 === 0 ? 'comp128v1' : 'none',
    sqn: i * 7919,
    cs: i % 2 === 0,
    ps: i % 3 !== 0,
  };
  if (i % 4 === 0) input.opc = key(2);
  if (withMsisdn) input.msisdn = rangeMsisdn(i);
  return input;
}

const byImsi = (a: Subscriber, b: Subscriber) => (a.imsi < b.imsi ? -1 : a.imsi > b.imsi ? 1 : 0);

function checkAll(store: SubscriberStore, model: Model): void {
  expect(store.size).toBe(model.subs.size);
  for (const [imsi, s] of model.subs) {
    expect(store.get(imsi)).toEqual(s);
    if (s.msisdn !== undefined) expect(store.byMsisdn(s.msisdn)).toEqual(s);
  }
  expect(store.list().sort(byImsi)).toEqual([...model.subs.values()].sort(byImsi));
  const reloaded = SubscriberStore.fromState(v8.deserialize(v8.serialize(store.exportState())));
  expect(reloaded.list()).toEqual(store.list());
}

function run(ops: Op[]): { store: SubscriberStore; model: Model; maxSize: number } {
  let store = new SubscriberStore();
  const model = new Model();
  let maxSize = 0;
  const same = (ours: () => unknown, theirs: () => unknown) => {
    const got = outcome(ours);
    const want = modelOutcome(theirs);
    expect(got).toEqual(want);
  };
  for (const op of ops) {
    switch (op.k) {
      case 'add':
        same(() => store.add(op.input), () => model.add(op.input));
        break;
      case 'update':
        same(() => store.update(op.imsi, op.patch), () => model.update(op.imsi, op.patch));
        break;
      case 'remove':
        same(() => store.remove(op.imsi), () => model.remove(op.imsi));
        break;
      case 'get':
        same(() => store.get(op.imsi), () => model.get(op.imsi));
        break;
      case 'byMsisdn':
        same(() => store.byMsisdn(op.msisdn), () => model.byMsisdn(op.msisdn));
        break;
      case 'nextSqn':
        same(() => store.nextSqn(op.imsi), () => model.nextSqn(op.imsi));
        break;
      case 'addRange':
        for (let i = op.base; i < op.base + op.n; i++) {
          const input = rangeInput(i, op.msisdn);
          same(() => store.add(input), () => model.add(input));
        }
        break;
      case 'removeRange':
        for (let i = op.base; i < op.base + op.n; i += op.step) same(() => store.remove(rangeImsi(i)), () => model.remove(rangeImsi(i)));
        break;
      case 'reload': {
        const state = v8.deserialize(v8.serialize(store.exportState()));
        if (op.inPlace) store.importState(state);
        else store = SubscriberStore.fromState(state);
        break;
      }
    }
    expect(store.size).toBe(model.subs.size);
    maxSize = Math.max(maxSize, store.size);
  }
  checkAll(store, model);
  return { store, model, maxSize };
}

describe('SubscriberStore against a Map model', () => {
  it('agrees on random operation sequences (growth, deletions, reloads)', () => {
    let grewPast = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 120 }), (ops) => {
        const { maxSize } = run(ops);
        grewPast = Math.max(grewPast, maxSize);
      }),
      { numRuns: 150 },
    );
    // The runs as a whole grew the store past several doublings of its initial 16.
    expect(grewPast).toBeGreaterThan(16 * 2 ** 5);
  });

  it('agrees on a long sequence: 40000 adds, random removals, regrowth', () => {
    const ops: Op[] = [
      { k: 'addRange', base: 0, n: 40_000, msisdn: true },
      { k: 'removeRange', base: 0, n: 40_000, step: 3 },
      { k: 'removeRange', base: 10_000, n: 15_000, step: 1 },
      { k: 'reload', inPlace: false },
      { k: 'addRange', base: 5_000, n: 30_000, msisdn: false },
      { k: 'removeRange', base: 1, n: 40_000, step: 2 },
      { k: 'reload', inPlace: true },
      { k: 'addRange', base: 0, n: 40_000, msisdn: true },
    ];
    const { store, maxSize } = run(ops);
    expect(maxSize).toBeGreaterThan(30_000);
    expect(store.capacity).toBeGreaterThanOrEqual(store.size);
  });

  it('shrinks to nothing and grows again: every removal order leaves the indexes exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.infiniteStream(fc.nat()), (n, rnd) => {
        const store = new SubscriberStore();
        const model = new Model();
        for (let i = 0; i < n; i++) {
          store.add({ imsi: rangeImsi(i), msisdn: rangeMsisdn(i) });
          model.add({ imsi: rangeImsi(i), msisdn: rangeMsisdn(i) });
        }
        const order = Array.from({ length: n }, (_, i) => i);
        const it = rnd[Symbol.iterator]();
        for (let i = n - 1; i > 0; i--) {
          const j = it.next().value % (i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        for (const i of order) {
          expect(store.remove(rangeImsi(i))).toBe(true);
          model.remove(rangeImsi(i));
          expect(store.get(rangeImsi(i))).toBeUndefined();
          expect(store.byMsisdn(rangeMsisdn(i))).toBeUndefined();
        }
        checkAll(store, model);
        expect(store.size).toBe(0);
        for (let i = 0; i < n; i++) store.add({ imsi: rangeImsi(i), msisdn: rangeMsisdn(i) });
        expect(store.byMsisdn(rangeMsisdn(n - 1))?.imsi).toBe(rangeImsi(n - 1));
      }),
      { numRuns: 60 },
    );
  });
});
