import { describe, expect, it } from 'vitest';
import { TimerTable, VirtualClock } from '@snaptel/fsm';
import { SMS_STORE_TIMERS, SmsStore, SmsStoreError } from '../src';
import { ESME, MS, body, msg, rig } from './helpers';

const A = MS('4915112345678');
const B = MS('4915187654321');

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof SmsStoreError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('add / take / delivered', () => {
  it('keeps every field and gives monotonic ids', () => {
    const { store, clock } = rig();
    const t0 = clock.now();
    const id1 = store.add(msg(A, 1, { udhi: true, statusReportRequested: true, pid: 0x41, dcs: 0x08, udl: 12, ud: Uint8Array.of(5, 0, 3, 9, 2, 1, 0x41, 0, 0x42, 0, 0x43, 0) }));
    const id2 = store.add(msg(ESME('app1'), 2, { origin: { kind: 'esme', systemId: 'esme-1', messageId: 'abc123' }, source: { ton: 5, npi: 0, address: 'Bank' } }));
    expect(id2).toBe(id1 + 1);
    const m = store.get(id1)!;
    expect(m).toMatchObject({
      id: id1,
      destination: A,
      source: { ton: 1, npi: 1, address: '4917612345678' },
      origin: { kind: 'ms', imsi: '262019876543210', mr: 1 },
      dcs: 8,
      pid: 0x41,
      udhi: true,
      udl: 12,
      statusReportRequested: true,
      submittedAt: t0,
      validUntil: t0 + 2880 * 60_000,
      attempts: 0,
      nextAttemptAt: t0,
      inFlightUntil: null,
      state: 'waiting',
      lastCause: null,
    });
    expect([...m.ud]).toEqual([5, 0, 3, 9, 2, 1, 0x41, 0, 0x42, 0, 0x43, 0]);
    expect(store.get(id2)).toMatchObject({ destination: ESME('app1'), origin: { kind: 'esme', systemId: 'esme-1', messageId: 'abc123' }, source: { ton: 5, address: 'Bank' } });
    expect(store.size).toBe(2);
  });

  it('announces new messages on the next timer turn, in submission order, unless taken first', () => {
    const { store, clock, due } = rig();
    const ids = [store.add(msg(A, 1)), store.add(msg(B, 2)), store.add(msg(A, 3))];
    store.take(ids[1]!);
    expect(due).toEqual([]);
    clock.runDue();
    expect(due.length).toBe(1);
    expect(due[0]!.map((m) => m.id)).toEqual([ids[0], ids[2]]);
    store.delivered(ids[1]!);
    clock.advance(3_600_000);
    expect(due.length).toBe(1); // announced once, not again
  });

  it('take marks in flight and counts attempts; delivered removes and reports', () => {
    const { store, clock, reports } = rig();
    const id = store.add(msg(A, 1, { statusReportRequested: true }));
    const m = store.take(id);
    expect(m.state).toBe('in-flight');
    expect(m.attempts).toBe(1);
    expect(m.inFlightUntil).toBe(clock.now() + 5 * 60_000);
    expect(code(() => store.take(id))).toBe('in-flight');
    expect(store.pendingFor(A)).toEqual([]);
    clock.advance(1000);
    const r = store.delivered(id);
    expect(r).toMatchObject({ id, outcome: 'delivered', at: clock.now(), origin: { imsi: '262019876543210', mr: 1 }, destination: A, attempts: 1, cause: null });
    expect(reports).toEqual([r]);
    expect(store.has(id)).toBe(false);
    expect(code(() => store.delivered(id))).toBe('not-found');
    expect(store.size).toBe(0);
  });

  it('no report unless requested', () => {
    const { store, reports } = rig();
    const id = store.add(msg(A, 1));
    store.take(id);
    expect(store.delivered(id)).toBeNull();
    expect(reports).toEqual([]);
  });

  it('pendingFor gives waiting messages of one destination in submission order', () => {
    const { store } = rig();
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) ids.push(store.add(msg(i % 3 === 0 ? B : A, i)));
    const a = ids.filter((_, i) => i % 3 !== 0);
    store.take(a[2]!);
    expect(store.pendingFor(A).map((m) => m.id)).toEqual(a.filter((x) => x !== a[2]));
    expect(store.pendingFor(A, 3).map((m) => m.id)).toEqual([a[0], a[1], a[3]]);
    expect(store.countFor(A)).toBe(a.length);
    store.delivered(a[0]!);
    store.delivered(a[5]!);
    expect(store.pendingFor(A).map((m) => m.id)).toEqual(a.filter((x) => x !== a[0] && x !== a[2] && x !== a[5]));
    expect(store.pendingFor(MS('1'))).toEqual([]);
  });
});

describe('retry, validity, in-flight guard', () => {
  it('backs off 30 s, 60 s, 120 s ... at most 1 h, announcing each retry once', () => {
    const { store, clock, due } = rig();
    const id = store.add(msg(A, 1));
    clock.runDue();
    due.length = 0;
    const t0 = clock.now();
    const seen: number[] = [];
    let t = t0;
    for (let k = 1; k <= 10; k++) {
      store.take(id);
      store.failed(id, { temporary: true, cause: 27 });
      const next = store.get(id)!.nextAttemptAt!;
      seen.push((next - t) / 1000);
      clock.advanceTo(next - 1);
      expect(due.length).toBe(k - 1);
      clock.advance(1);
      expect(due.length).toBe(k);
      expect(due[k - 1]!.map((m) => m.id)).toEqual([id]);
      t = clock.now();
    }
    expect(seen).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    expect(store.get(id)!.lastCause).toBe(27);
  });

  it('named timers are configurable', () => {
    const timers = new TimerTable(SMS_STORE_TIMERS);
    timers.configure({ 'SMS-RETRY': '10s', 'SMS-RETRY-MAX': '1min' });
    const { store, clock } = rig({ timers });
    const id = store.add(msg(A, 1));
    const gaps: number[] = [];
    for (let k = 0; k < 5; k++) {
      store.take(id);
      store.failed(id, { temporary: true });
      gaps.push(store.get(id)!.nextAttemptAt! - clock.now());
    }
    expect(gaps).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
    expect(() => new SmsStore({ host: clock, timers: new TimerTable([]) })).toThrow(/lacks timer SMS-RETRY/);
  });

  it('expires at the validity deadline with a report carrying the last cause', () => {
    const { store, clock, reports } = rig();
    const t0 = clock.now();
    const id = store.add(msg(A, 1, { statusReportRequested: true, validUntil: t0 + 100_000 }));
    const quiet = store.add(msg(A, 2, { validUntil: t0 + 100_000 }));
    store.take(id);
    store.failed(id, { temporary: true, cause: 22 });
    clock.advance(99_999);
    expect(store.has(id)).toBe(true);
    clock.advance(1);
    expect(store.has(id)).toBe(false);
    expect(store.has(quiet)).toBe(false);
    expect(reports).toEqual([expect.objectContaining({ id, outcome: 'expired', at: t0 + 100_000, cause: 22, attempts: 1 })]);
    expect(store.stats().counters).toMatchObject({ expired: 2, retried: 1 });
  });

  it('does not expire a message in flight; expires it when its delivery fails after the deadline', () => {
    const { store, clock, reports } = rig();
    const t0 = clock.now();
    const id = store.add(msg(A, 1, { statusReportRequested: true, validUntil: t0 + 10_000 }));
    store.take(id);
    clock.advance(20_000);
    expect(store.get(id)!.state).toBe('in-flight');
    store.failed(id, { temporary: true, cause: 1 });
    expect(code(() => store.take(id))).toBe('expired');
    expect(reports.map((r) => r.outcome)).toEqual(['expired']);
  });

  it('a permanent failure ends the message with a report; maxAttempts ends it too', () => {
    const { store, reports } = rig({ maxAttempts: 2 });
    const a = store.add(msg(A, 1, { statusReportRequested: true }));
    store.take(a);
    expect(store.failed(a, { temporary: false, cause: 0x0b })).toMatchObject({ outcome: 'failed', cause: 0x0b });
    const b = store.add(msg(A, 2, { statusReportRequested: true }));
    store.take(b);
    expect(store.failed(b, { temporary: true })).toBeNull();
    store.take(b);
    expect(store.failed(b, { temporary: true, cause: 3 })).toMatchObject({ id: b, outcome: 'failed', cause: 3, attempts: 2 });
    expect(reports.map((r) => [r.id, r.outcome])).toEqual([
      [a, 'failed'],
      [b, 'failed'],
    ]);
    expect(store.size).toBe(0);
  });

  it('an in-flight message without an outcome goes back to waiting after SMS-INFLIGHT', () => {
    const { store, clock, due } = rig();
    const id = store.add(msg(A, 1));
    store.take(id);
    clock.advance(5 * 60_000);
    const m = store.get(id)!;
    expect(m.state).toBe('waiting');
    expect(m.nextAttemptAt).toBe(clock.now() + 30_000);
    clock.advance(30_000);
    expect(due.flat().map((x) => x.id)).toEqual([id]);
    // a late acknowledgement is still taken
    expect(store.delivered(id)).toBeNull();
    expect(store.size).toBe(0);
  });

  it('ready() makes every waiting message of a destination due at once, forgetting backoff', () => {
    const { store, clock, due } = rig();
    const ids = [store.add(msg(A, 1)), store.add(msg(A, 2)), store.add(msg(B, 3))];
    clock.runDue();
    due.length = 0;
    store.take(ids[0]!);
    store.failed(ids[0]!, { temporary: true });
    expect(store.ready(A)).toBe(2);
    expect(due).toEqual([]);
    clock.runDue();
    expect(due.map((d) => d.map((m) => m.id))).toEqual([[ids[0], ids[1]]]);
    expect(store.ready(MS('999'))).toBe(0);
  });

  it('keeps ONE host timer for any number of messages', () => {
    const { store, clock } = rig();
    const t0 = clock.now();
    for (let i = 0; i < 1000; i++) store.add(msg(MS(String(1000 + (i % 7))), i, { validUntil: t0 + 1_000_000 - i }));
    expect(clock.pending().length).toBe(1);
    clock.runDue();
    expect(clock.pending()).toEqual([{ name: 'sms-store', deadline: t0 + 1_000_000 - 999 }]);
    clock.advance(1_000_000);
    expect(store.size).toBe(0);
    expect(clock.pending()).toEqual([]);
  });
});

describe('bad input', () => {
  const { store } = rig();
  const cases: Array<[string, Record<string, unknown>]> = [
    ['destination.msisdn', { destination: { kind: 'ms', msisdn: '12a' } }],
    ['destination.kind', { destination: { kind: 'smpp' } }],
    ['destination.systemId', { destination: { kind: 'esme', systemId: 'x'.repeat(17) } }],
    ['source.ton', { source: { ton: 8, npi: 1, address: '1' } }],
    ['source.address', { source: { ton: 1, npi: 1, address: '' } }],
    ['origin.imsi', { origin: { kind: 'ms', imsi: '123', mr: 0 } }],
    ['origin.mr', { origin: { kind: 'ms', imsi: '262011234567890', mr: 256 } }],
    ['origin.messageId', { origin: { kind: 'esme', systemId: 'a', messageId: 'has space' } }],
    ['dcs', { dcs: -1 }],
    ['pid', { pid: 1.5 }],
    ['udhi', { udhi: 1 }],
    ['ud', { ud: [1, 2, 3] }],
    ['ud', { ud: new Uint8Array(65536) }],
    ['udl', { udl: 70000 }],
    ['validUntil', { validUntil: Date.UTC(2020, 0, 1) }],
    ['validUntil', { validUntil: NaN }],
  ];
  for (const [field, patch] of cases)
    it(`refuses a bad ${field} naming it, storing nothing`, () => {
      try {
        store.add({ ...msg(A, 1), ...patch } as never);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(SmsStoreError);
        expect((e as SmsStoreError).code).toBe('invalid-input');
        expect((e as SmsStoreError).field).toBe(field);
      }
      expect(store.size).toBe(0);
      expect(store.nextId).toBe(1);
    });

  it('take/delivered/failed of unknown ids say whether the id was ever issued', () => {
    const { store } = rig();
    const id = store.add(msg(A, 1));
    store.take(id);
    store.delivered(id);
    expect(() => store.take(id)).toThrow(/no longer stored/);
    expect(() => store.failed(99, { temporary: true })).toThrow(/never issued/);
    expect(code(() => store.failed(id, { temporary: 'yes' } as never))).toBe('invalid-input');
    expect(() => new SmsStore({} as never)).toThrow(SmsStoreError);
  });

  it('an error thrown by onDue does not corrupt the store', () => {
    const clock = new VirtualClock();
    const store = new SmsStore({ host: clock, onDue: () => { throw new Error('boom'); } });
    const id = store.add(msg(A, 1));
    expect(() => clock.runDue()).toThrow('boom');
    expect(store.get(id)!.state).toBe('waiting');
    expect(store.take(id).attempts).toBe(1);
  });

  it('reuses storage: 100 rounds of 1000 messages do not grow the arena without bound', () => {
    const { store } = rig();
    let max = 0;
    for (let r = 0; r < 100; r++) {
      const ids: number[] = [];
      for (let i = 0; i < 1000; i++) ids.push(store.add(msg(A, i, { ud: body(i, 140) })));
      // deliver all but a few, out of order
      for (const id of ids) if (id % 97 !== 0) (store.take(id), store.delivered(id));
      max = Math.max(max, store.allocatedBytes());
    }
    expect(store.size).toBe(Math.floor(100_000 / 97) + (100_000 % 97 >= 97 ? 1 : 0));
    expect(max).toBeLessThan(4_000_000);
    for (const m of store.list()) expect([...m.ud]).toEqual([...body((m.id - 1) % 1000, 140)]);
  });
});

describe('id index', () => {
  it('finds every stored id and none of the removed ones after many random removals', () => {
    const { store } = rig();
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const live = new Set<number>();
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 1000; i++) live.add(store.add(msg(A, i, { ud: new Uint8Array(4) })));
      for (const id of [...live]) if (rnd() < 0.6) (store.delivered(id), live.delete(id));
      for (let id = 1; id < store.nextId; id++) if (store.has(id) !== live.has(id)) throw new Error(`round ${round}: id ${id} has() ${store.has(id)}, expected ${live.has(id)}`);
    }
    expect(store.size).toBe(live.size);
  });
});
