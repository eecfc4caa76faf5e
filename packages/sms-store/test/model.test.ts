import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '@snaptel/fsm';
import { SmsStore, SmsStoreError, type SmsReport } from '../src';
import { MS, msg } from './helpers';

/**
 * Model-based test: random sequences of add / take / delivered / failed /
 * ready / time advance / export+JSON+import run against the store and
 * against a plain Map that follows the documented rules and nothing else.
 * After every step the stored messages (id, state, attempts), the outcome of
 * each call (value or error code) and the reports must agree; at the end every
 * id ever issued is either still stored or ended exactly once.
 */

const INFLIGHT = 5 * 60_000;
const MAX_ATTEMPTS = 3;
const DESTS = [MS('4911'), MS('4922'), MS('4933')];

interface M {
  dest: number;
  state: 'waiting' | 'in-flight';
  attempts: number;
  validUntil: number;
  guard: number;
  srr: boolean;
}

type Op =
  | { op: 'add'; dest: number; validity: number; srr: boolean }
  | { op: 'take' | 'delivered'; pick: number }
  | { op: 'failed'; pick: number; temporary: boolean; cause: number }
  | { op: 'advance'; ms: number }
  | { op: 'ready'; dest: number }
  | { op: 'reimport' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('add' as const), dest: fc.nat(2), validity: fc.integer({ min: 1000, max: 900_000 }), srr: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('take' as const), pick: fc.nat(40) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delivered' as const), pick: fc.nat(40) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('failed' as const), pick: fc.nat(40), temporary: fc.boolean(), cause: fc.nat(127) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 400_000 })) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('ready' as const), dest: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reimport' as const) }) },
);

function run(ops: Op[]): void {
  let clock = new VirtualClock();
  const reports: SmsReport[] = [];
  const make = (c: VirtualClock) => {
    const s: SmsStore = new SmsStore({ host: c, maxAttempts: MAX_ATTEMPTS, onReport: (r) => s === store && reports.push(r) });
    return s;
  };
  let store = make(clock);
  const model = new Map<number, M>();
  const ended = new Map<number, string>();
  const expectedReports: Array<[number, string]> = [];
  let nextId = 1;

  const end = (id: number, how: string) => {
    const m = model.get(id)!;
    expect(ended.has(id)).toBe(false);
    ended.set(id, how);
    if (m.srr) expectedReports.push([id, how]);
    model.delete(id);
  };
  const retry = (id: number) => {
    const m = model.get(id)!;
    m.state = 'waiting';
    if (m.attempts >= MAX_ATTEMPTS) end(id, 'failed');
  };
  const pickId = (k: number) => (k < 35 && nextId > 1 ? 1 + (k % (nextId - 1)) : nextId + k); // mostly issued ids, some never issued
  const outcome = (f: () => unknown): unknown => {
    try {
      const v = f();
      return { ok: v === null ? null : typeof v };
    } catch (e) {
      if (e instanceof SmsStoreError) return { err: e.code };
      throw e;
    }
  };

  for (const o of ops) {
    const now = clock.now();
    switch (o.op) {
      case 'add': {
        const id = store.add(msg(DESTS[o.dest]!, nextId, { validUntil: now + o.validity, statusReportRequested: o.srr }));
        expect(id).toBe(nextId);
        model.set(nextId++, { dest: o.dest, state: 'waiting', attempts: 0, validUntil: now + o.validity, guard: 0, srr: o.srr });
        break;
      }
      case 'take': {
        const id = pickId(o.pick);
        const m = model.get(id);
        let want: unknown;
        if (!m) want = { err: 'not-found' };
        else if (m.state === 'in-flight') want = { err: 'in-flight' };
        else if (m.validUntil <= now) {
          want = { err: 'expired' };
          end(id, 'expired');
        } else {
          want = { ok: 'object' };
          m.state = 'in-flight';
          m.attempts++;
          m.guard = now + INFLIGHT;
        }
        expect(outcome(() => store.take(id))).toEqual(want);
        break;
      }
      case 'delivered': {
        const id = pickId(o.pick);
        const m = model.get(id);
        const want = !m ? { err: 'not-found' } : { ok: m.srr ? 'object' : null };
        if (m) end(id, 'delivered');
        expect(outcome(() => store.delivered(id))).toEqual(want);
        break;
      }
      case 'failed': {
        const id = pickId(o.pick);
        const m = model.get(id);
        let want: unknown;
        if (!m) want = { err: 'not-found' };
        else if (!o.temporary) {
          want = { ok: m.srr ? 'object' : null };
          end(id, 'failed');
        } else {
          const ends = m.attempts >= MAX_ATTEMPTS;
          want = { ok: ends && m.srr ? 'object' : null };
          retry(id);
        }
        expect(outcome(() => store.failed(id, { temporary: o.temporary, cause: o.cause }))).toEqual(want);
        break;
      }
      case 'advance': {
        const t = now + o.ms;
        // events in time order: in-flight guards, then expiry of waiting messages
        for (;;) {
          let best: { id: number; at: number; kind: 'guard' | 'expire' } | undefined;
          for (const [id, m] of model) {
            const ev = m.state === 'in-flight' ? { id, at: m.guard, kind: 'guard' as const } : { id, at: m.validUntil, kind: 'expire' as const };
            if (ev.at <= t && (!best || ev.at < best.at || (ev.at === best.at && id < best.id))) best = ev;
          }
          if (!best) break;
          if (best.kind === 'guard') retry(best.id);
          else end(best.id, 'expired');
        }
        clock.advance(o.ms);
        break;
      }
      case 'ready': {
        const n = [...model.values()].filter((m) => m.dest === o.dest && m.state === 'waiting').length;
        expect(store.ready(DESTS[o.dest]!)).toBe(n);
        break;
      }
      case 'reimport': {
        const json = JSON.stringify(store.exportState());
        clock = new VirtualClock(now);
        store = make(clock);
        store.importState(JSON.parse(json));
        for (const m of model.values()) m.state = 'waiting';
        break;
      }
    }
    // the store holds exactly what the model holds
    const got = store.list().map((x) => [x.id, x.state, x.attempts, x.destination]);
    const want = [...model].sort((a, b) => a[0] - b[0]).map(([id, m]) => [id, m.state, m.attempts, DESTS[m.dest]]);
    expect(got).toEqual(want);
    expect(reports.map((r) => [r.id, r.outcome])).toEqual(expectedReports);
    expect(clock.pending().length).toBeLessThanOrEqual(1);
  }
  // nothing lost, nothing twice: every id issued is stored or ended once
  for (let id = 1; id < nextId; id++) expect(model.has(id) !== ended.has(id)).toBe(true);
  const c = store.stats().counters;
  const count = (how: string) => [...ended.values()].filter((h) => h === how).length;
  if (!ops.some((o) => o.op === 'reimport')) expect([c.delivered, c.expired, c.failed]).toEqual([count('delivered'), count('expired'), count('failed')]);
}

describe('model-based', () => {
  it('random operation sequences never lose or duplicate a message', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80 }), (ops) => run(ops)),
      { numRuns: 400 },
    );
  });

  it('a known sequence: guard timeout, retry, reimport, expiry', () => {
    run([
      { op: 'add', dest: 0, validity: 800_000, srr: true },
      { op: 'take', pick: 0 },
      { op: 'advance', ms: 300_000 },
      { op: 'take', pick: 0 },
      { op: 'reimport' },
      { op: 'take', pick: 0 },
      { op: 'failed', pick: 0, temporary: true, cause: 1 },
      { op: 'advance', ms: 400_000 },
      { op: 'advance', ms: 400_000 },
    ]);
  });
});
