import { describe, expect, it } from 'vitest';
import { Fsm, FsmError, GoldenLog, TimerTable, VirtualClock, isValidId, sanitizeId, type FsmDef, type FsmInstance } from '../src';

/** The FsmError thrown by fn (fails the test when fn does not throw one). */
function fsmError(fn: () => unknown): FsmError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FsmError);
    return err as FsmError;
  }
  throw new Error('expected an FsmError, nothing was thrown');
}

const timers = () =>
  new TimerTable([
    { name: 'T1', default: 10, unit: 's', desc: 'one' },
    { name: 'T2', default: 500, unit: 'ms', desc: 'two' },
    { name: 'X3', default: 2, unit: 'min', desc: 'three' },
  ]);

type S = 'A' | 'B' | 'C' | 'D';
type E = 'GO_B' | 'GO_C' | 'GO_D' | 'STAY' | 'KICK' | 'PING';

/** A 4-state machine whose hooks write into `calls`. */
function machine(calls: string[], extra: Partial<FsmDef<S, E>> = {}): Fsm<S, E> {
  const hooks = (s: S) => ({
    onEnter: (_fi: FsmInstance<S, E>, prev: S) => calls.push(`enter ${s} from ${prev}`),
    onLeave: (_fi: FsmInstance<S, E>, next: S) => calls.push(`leave ${s} to ${next}`),
  });
  return new Fsm<S, E>({
    name: 'T',
    initial: 'A',
    events: ['GO_B', 'GO_C', 'GO_D', 'STAY', 'KICK', 'PING'],
    allStateEvents: ['PING'],
    allStateAction: (fi, ev, data) => calls.push(`all ${ev} in ${fi.state} ${String(data)}`),
    states: {
      A: {
        ...hooks('A'),
        in: ['GO_B', 'STAY'],
        out: ['B', 'A'],
        action: (fi, ev, data) => {
          calls.push(`action A ${ev} ${String(data)}`);
          if (ev === 'GO_B') fi.stateChg('B', { timer: 'T1' });
          else fi.stateChg('A');
        },
      },
      B: {
        ...hooks('B'),
        in: ['GO_C', 'KICK'],
        out: ['C', 'D'],
        action: (fi, ev) => (ev === 'GO_C' ? fi.stateChg('C', { timer: 'T2' }) : fi.stateChg('D')),
      },
      C: { ...hooks('C'), in: ['GO_D'], out: ['D'], action: (fi) => fi.stateChg('D', { keepTimer: true }) },
      D: { ...hooks('D') },
    },
    ...extra,
  });
}

function setup(extra: Partial<FsmDef<S, E>> = {}) {
  const calls: string[] = [];
  const clock = new VirtualClock();
  const log = new GoldenLog();
  const fsm = machine(calls, extra);
  const fi = fsm.create({ id: 'x1', host: clock, timers: timers(), log });
  return { calls, clock, log, fsm, fi };
}

describe('events', () => {
  it('a permitted event runs the state action with its data', () => {
    const { calls, fi, log } = setup();
    fi.dispatch('STAY', 42);
    expect(calls).toEqual(['action A STAY 42', 'leave A to A', 'enter A from A']);
    expect(log.lines()).toEqual([
      'T(x1){A}: Allocated',
      'T(x1){A}: Received Event STAY',
      'T(x1){A}: State change to A (no timeout)',
    ]);
  });

  it('an event not permitted logs an error line and throws naming fsm, state and event; the state stays', () => {
    const { fi, log, calls } = setup();
    const e = fsmError(() => fi.dispatch('GO_C'));
    expect(e.code).toBe('event-not-permitted');
    expect(e.fsm).toBe('T');
    expect(e.state).toBe('A');
    expect(e.event).toBe('GO_C');
    expect(e.instance).toBe('T(x1)');
    expect(e.message).toContain('GO_C');
    expect(e.message).toContain('T(x1){A}');
    expect(e.message).toContain('permitted: GO_B, STAY, PING');
    expect(fi.state).toBe('A');
    expect(calls).toEqual([]);
    const last = log.entries.at(-1)!;
    expect(last.level).toBe('error');
    expect(last.msg).toBe('T(x1){A}: Event GO_C not permitted');
    expect(last.fields).toMatchObject({ fsm: 'T', id: 'x1', state: 'A', event: 'GO_C' });
  });

  it('an event the machine does not know is refused with unknown-event', () => {
    const { fi } = setup();
    const e = fsmError(() => fi.dispatch('NOPE' as E));
    expect(e.code).toBe('unknown-event');
    expect(e.event).toBe('NOPE');
  });

  it('all-state events go to allStateAction in every state, never to the state action', () => {
    const { fi, calls } = setup();
    fi.dispatch('PING', 1);
    fi.dispatch('GO_B');
    fi.dispatch('PING', 2);
    fi.dispatch('KICK');
    fi.dispatch('PING', 3);
    expect(calls.filter((c) => c.startsWith('all'))).toEqual(['all PING in A 1', 'all PING in B 2', 'all PING in D 3']);
  });

  it('without a log nothing is logged and everything still works', () => {
    const fsm = machine([]);
    const clock = new VirtualClock();
    const fi = fsm.create({ id: 'quiet', host: clock, timers: timers() });
    fi.dispatch('GO_B');
    expect(fi.state).toBe('B');
    expect(fsmError(() => fi.dispatch('GO_D')).code).toBe('event-not-permitted');
  });

  it('a log without error() gets refused events through warn(), or info() without warn()', () => {
    const warned: string[] = [];
    const infos: string[] = [];
    const fsm = machine([]);
    const a = fsm.create({ id: 'w', host: new VirtualClock(), timers: timers(), log: { info: () => {}, warn: (_f, m) => warned.push(m) } });
    fsmError(() => a.dispatch('KICK'));
    expect(warned).toEqual(['T(w){A}: Event KICK not permitted']);
    const b = fsm.create({ id: 'i', host: new VirtualClock(), timers: timers(), log: { info: (_f, m) => infos.push(m) } });
    fsmError(() => b.dispatch('KICK'));
    expect(infos.at(-1)).toBe('T(i){A}: Event KICK not permitted');
  });
});

describe('state changes', () => {
  it('onLeave of the old state runs before the change, onEnter of the new one after it, with prev/next', () => {
    const { fi, calls, log } = setup();
    let seenInLeave: string | undefined;
    let seenInEnter: string | undefined;
    const orig = fi.fsm.def.states.B.onEnter!;
    (fi.fsm.def.states.B as { onEnter: typeof orig }).onEnter = (f, prev) => {
      seenInEnter = f.state;
      orig(f, prev);
    };
    const origLeave = fi.fsm.def.states.A.onLeave!;
    (fi.fsm.def.states.A as { onLeave: typeof origLeave }).onLeave = (f, next) => {
      seenInLeave = f.state;
      origLeave(f, next);
    };
    fi.dispatch('GO_B', 'd');
    expect(calls).toEqual(['action A GO_B d', 'leave A to B', 'enter B from A']);
    expect(seenInLeave).toBe('A');
    expect(seenInEnter).toBe('B');
    expect(log.lines()[2]).toBe('T(x1){A}: State change to B (T1, 10s)');
    expect(log.entries[2]!.fields).toMatchObject({ fsm: 'T', id: 'x1', state: 'A', next: 'B', timer: 'T1' });
  });

  it('a state change not in out throws transition-not-permitted and changes nothing', () => {
    const { fi, calls, clock } = setup();
    fi.dispatch('GO_B');
    const deadline = fi.timer!.deadline;
    calls.length = 0;
    const e = fsmError(() => fi.stateChg('A'));
    expect(e.code).toBe('transition-not-permitted');
    expect(e.state).toBe('B');
    expect(e.message).toContain('transition to state A not permitted');
    expect(e.message).toContain('out-states: C, D');
    expect(fi.state).toBe('B');
    expect(calls).toEqual([]);
    expect(fi.timer).toEqual({ name: 'T1', deadline });
    expect(clock.pending()).toHaveLength(1);
  });

  it('a state that is not in the table throws unknown-state', () => {
    const { fi } = setup();
    expect(fsmError(() => fi.stateChg('Q' as S)).code).toBe('unknown-state');
  });

  it('a state changing to itself needs itself in out, and runs onLeave/onEnter', () => {
    const { fi, calls } = setup();
    fi.stateChg('A');
    expect(calls).toEqual(['leave A to A', 'enter A from A']);
  });

  it('the initial state gets no onEnter at create', () => {
    const { calls, fi } = setup();
    expect(fi.state).toBe('A');
    expect(calls).toEqual([]);
  });
});

describe('state timers', () => {
  it('a timer starts from the table on state change, with the wall-clock deadline', () => {
    const { fi, clock } = setup();
    fi.dispatch('GO_B');
    expect(fi.timer).toEqual({ name: 'T1', deadline: VirtualClock.EPOCH + 10_000 });
    expect(clock.pending()).toEqual([{ name: 'T(x1).T1', deadline: VirtualClock.EPOCH + 10_000 }]);
  });

  it('the value comes from the table at the time of the change (configured values count)', () => {
    const { fi } = setup();
    fi.timers.configure({ T1: '3s' });
    fi.dispatch('GO_B');
    expect(fi.timer!.deadline - VirtualClock.EPOCH).toBe(3000);
  });

  it('a new timer replaces the running one; the old one never fires', () => {
    const { fi, clock, log } = setup();
    fi.dispatch('GO_B');
    clock.advance(4000);
    fi.dispatch('GO_C');
    expect(fi.timer).toEqual({ name: 'T2', deadline: VirtualClock.EPOCH + 4500 });
    expect(clock.pending().map((p) => p.name)).toEqual(['T(x1).T2']);
    expect(log.lines().at(-1)).toBe('T(x1){B}: State change to C (T2, 500ms)');
  });

  it('a state change without a timer stops the running one', () => {
    const { fi, clock } = setup();
    fi.dispatch('GO_B');
    fi.dispatch('KICK');
    expect(fi.state).toBe('D');
    expect(fi.timer).toBeUndefined();
    expect(clock.pending()).toEqual([]);
    expect(clock.advance(60_000)).toBe(0);
    expect(fi.terminated).toBe(false);
  });

  it('keepTimer keeps the running timer with its deadline and logs the time left', () => {
    const { fi, clock, log } = setup();
    fi.dispatch('GO_B');
    fi.dispatch('GO_C');
    clock.advance(123);
    fi.dispatch('GO_D');
    expect(fi.state).toBe('D');
    expect(fi.timer).toEqual({ name: 'T2', deadline: VirtualClock.EPOCH + 500 });
    expect(log.lines().at(-1)).toBe('T(x1){C}: State change to D (keeping T2, 0.377s remaining)');
  });

  it('keepTimer with no timer running starts the one given, or none', () => {
    const { fi, clock } = setup();
    fi.stateChg('A', { keepTimer: true });
    expect(fi.timer).toBeUndefined();
    fi.stateChg('A', { keepTimer: true, timer: 'X3' });
    expect(fi.timer).toEqual({ name: 'X3', deadline: clock.now() + 120_000 });
  });

  it('timerMs gives an explicit duration (named T0 unless named), 0 means no timer', () => {
    const { fi, log } = setup();
    fi.stateChg('A', { timerMs: 250 });
    expect(fi.timer).toEqual({ name: 'T0', deadline: VirtualClock.EPOCH + 250 });
    fi.stateChg('A', { timer: 'T9', timerMs: 2000 });
    expect(fi.timer).toEqual({ name: 'T9', deadline: VirtualClock.EPOCH + 2000 });
    fi.stateChg('A', { timer: 'T1', timerMs: 0 });
    expect(fi.timer).toBeUndefined();
    expect(log.lines().slice(-3)).toEqual([
      'T(x1){A}: State change to A (T0, 250ms)',
      'T(x1){A}: State change to A (T9, 2s)',
      'T(x1){A}: State change to A (no timeout)',
    ]);
    expect(fsmError(() => fi.stateChg('A', { timerMs: -1 })).code).toBe('bad-timer-value');
    expect(fsmError(() => fi.stateChg('A', { timerMs: NaN })).code).toBe('bad-timer-value');
  });

  it('an unknown timer name throws unknown-timer before anything changes', () => {
    const { fi, calls } = setup();
    const e = fsmError(() => fi.stateChg('B', { timer: 'T404' }));
    expect(e.code).toBe('unknown-timer');
    expect(e.timer).toBe('T404');
    expect(fi.state).toBe('A');
    expect(calls).toEqual([]);
  });

  it('a stale callback from a host whose cancel() comes too late does nothing', () => {
    // A host that queued the callback already (the image runtime queues overdue
    // timers and closes a cancelled one asynchronously) may still call it.
    const queued: Array<() => void> = [];
    const host = { now: () => 0, at: (_n: string, deadline: number, fn: () => void) => (queued.push(fn), { deadline, cancel() {} }) };
    const fsm = machine([]);
    const fi = fsm.create({ id: 'late', host, timers: timers() });
    fi.dispatch('GO_B'); // T1 armed: callback 0
    fi.dispatch('GO_C'); // T1 replaced by T2: callback 1
    queued[0]!(); // the old T1 fires anyway
    expect(fi.terminated).toBe(false);
    expect(fi.timer?.name).toBe('T2');
    fi.dispatch('GO_D'); // keeps T2
    fi.restore('A'); // stops it
    queued[1]!();
    expect(fi.terminated).toBe(false);
  });

  it('a table value of 0 means no timeout', () => {
    const { fi } = setup();
    fi.timers.set('T1', 0);
    fi.dispatch('GO_B');
    expect(fi.state).toBe('B');
    expect(fi.timer).toBeUndefined();
  });

  it('expiry without onTimeout logs the timeout and terminates with cause timeout', () => {
    const { fi, clock, log } = setup();
    fi.dispatch('GO_B');
    expect(clock.advance(9999)).toBe(0);
    expect(fi.terminated).toBe(false);
    expect(clock.advance(1)).toBe(1);
    expect(fi.terminated).toBe(true);
    expect(log.lines().slice(-3)).toEqual(['T(x1){B}: Timeout of T1', 'T(x1){B}: Terminating (cause = timeout)', 'T(x1){B}: Freeing instance']);
    expect(log.entries.at(-2)!.fields).toMatchObject({ cause: 'timeout' });
  });

  it('onTimeout returning true keeps the instance; returning nothing terminates it', () => {
    let keep = true;
    const seen: string[] = [];
    const calls: string[] = [];
    const fsm = machine(calls);
    (fsm.def.states.B as { onTimeout?: unknown }).onTimeout = (fi: FsmInstance<S, E>, t: string) => {
      seen.push(`${fi.state} ${t} ${String(fi.timer)}`);
      return keep ? true : undefined;
    };
    const clock = new VirtualClock();
    const a = fsm.create({ id: 'keep', host: clock, timers: timers() });
    a.dispatch('GO_B');
    clock.advance(10_000);
    expect(a.terminated).toBe(false);
    expect(a.state).toBe('B');
    expect(a.timer).toBeUndefined();
    keep = false;
    const b = fsm.create({ id: 'drop', host: clock, timers: timers() });
    b.dispatch('GO_B');
    clock.advance(10_000);
    expect(b.terminated).toBe(true);
    expect(seen).toEqual(['B T1 undefined', 'B T1 undefined']);
  });

  it("the machine-wide onTimeout serves states without their own", () => {
    const got: string[] = [];
    const { fi, clock } = setup({ onTimeout: (f, t) => (got.push(`${f.state}:${t}`), true) });
    fi.dispatch('GO_B');
    clock.advance(10_000);
    expect(got).toEqual(['B:T1']);
    expect(fi.terminated).toBe(false);
  });

  it('a state that declares its timer starts it when entered without options; options override it', () => {
    const fsm = new Fsm<'A' | 'B', 'E'>({
      name: 'D',
      initial: 'A',
      events: ['E'],
      states: { A: { out: ['B'] }, B: { timer: 'T2', out: ['B'] } },
    });
    const clock = new VirtualClock();
    const fi = fsm.create({ id: 'd', host: clock, timers: timers() });
    fi.stateChg('B');
    expect(fi.timer).toEqual({ name: 'T2', deadline: clock.now() + 500 });
    fi.stateChg('B', { timer: 'T1' });
    expect(fi.timer!.name).toBe('T1');
    fi.stateChg('B', { timerMs: 0 });
    expect(fi.timer).toBeUndefined();
    expect(fsm.describe(timers())).toContain('timer:  T2 = 500ms (two)');
  });
});

describe('terminate', () => {
  it('runs onTerminate with the cause, stops the timer, and refuses everything afterwards', () => {
    const causes: string[] = [];
    const { fi, clock, log } = setup({ onTerminate: (f, cause) => causes.push(`${cause} timer=${f.timer?.name}`) });
    fi.dispatch('GO_B');
    fi.terminate('error');
    expect(causes).toEqual(['error timer=T1']);
    expect(fi.terminated).toBe(true);
    expect(fi.timer).toBeUndefined();
    expect(clock.pending()).toEqual([]);
    expect(log.lines().slice(-2)).toEqual(['T(x1){B}: Terminating (cause = error)', 'T(x1){B}: Freeing instance']);
    expect(fsmError(() => fi.dispatch('GO_C')).code).toBe('terminated');
    expect(fsmError(() => fi.stateChg('C')).code).toBe('terminated');
    expect(fsmError(() => fi.restore('A')).code).toBe('terminated');
  });

  it('is idempotent: a second terminate does nothing', () => {
    const causes: string[] = [];
    const { fi, log } = setup({ onTerminate: (_f, cause) => causes.push(cause) });
    fi.terminate();
    const n = log.lines().length;
    fi.terminate('error');
    expect(causes).toEqual(['regular']);
    expect(log.lines()).toHaveLength(n);
  });

  it('terminate from inside onTerminate, an action or onEnter is safe', () => {
    const fsm = new Fsm<'A' | 'B', 'E'>({
      name: 'R',
      initial: 'A',
      events: ['E'],
      states: { A: { in: ['E'], out: ['B'], action: (fi) => fi.stateChg('B') }, B: { onEnter: (fi) => fi.terminate('regular') } },
      onTerminate: (fi) => fi.terminate('again'),
    });
    const log = new GoldenLog();
    const fi = fsm.create({ id: 'r', host: new VirtualClock(), timers: timers(), log });
    fi.dispatch('E');
    expect(fi.terminated).toBe(true);
    expect(log.lines().filter((l) => l.includes('Terminating'))).toEqual(['R(r){B}: Terminating (cause = regular)']);
  });

  it('the live instance list forgets terminated instances', () => {
    const { fsm, fi, clock } = setup();
    const other = fsm.create({ id: 'x2', host: clock, timers: timers() });
    expect(fsm.instances()).toEqual([fi, other]);
    expect(fsm.find('x2')).toBe(other);
    other.terminate();
    expect(fsm.instances()).toEqual([fi]);
    expect(fsm.find('x2')).toBeUndefined();
  });
});

describe('parent and child', () => {
  type PS = 'RUN';
  type PE = 'CHILD_DONE' | 'OTHER';
  function family(withEvent: boolean) {
    const order: string[] = [];
    const clock = new VirtualClock();
    const log = new GoldenLog();
    const parentFsm = new Fsm<PS, PE>({
      name: 'P',
      initial: 'RUN',
      events: ['CHILD_DONE', 'OTHER'],
      states: {
        RUN: {
          in: ['CHILD_DONE'],
          action: (fi, ev, data) => {
            const d = data as { child: FsmInstance<any, any>; cause: string };
            order.push(`parent ${ev} from ${d.child.name} cause ${d.cause}; children left ${fi.children.size}`);
          },
        },
      },
      onTerminate: (fi, cause) => order.push(`onTerminate ${fi.name} ${cause}; children left ${fi.children.size}`),
      onChildTerminated: (fi, child, cause) => order.push(`onChildTerminated ${fi.name} <- ${child.name} ${cause}`),
    });
    const childFsm = new Fsm<'W', 'X'>({
      name: 'C',
      initial: 'W',
      events: ['X'],
      states: { W: { out: ['W'] } },
      onTerminate: (fi, cause) => order.push(`onTerminate ${fi.name} ${cause} timer=${fi.timer?.name}`),
    });
    const p = parentFsm.create({ id: 'p', host: clock, timers: timers(), log });
    const mk = (id: string) =>
      childFsm.create({ id, host: clock, timers: timers(), log, parent: p, ...(withEvent ? { parentTermEvent: 'CHILD_DONE' } : {}) });
    return { order, clock, log, p, mk, childFsm };
  }

  it('children are listed in the parent and know their parent', () => {
    const { p, mk, log } = family(true);
    const c1 = mk('c1');
    const c2 = mk('c2');
    expect([...p.children]).toEqual([c1, c2]);
    expect(c1.parent).toBe(p);
    expect(c1.parentTermEvent).toBe('CHILD_DONE');
    expect(log.lines()).toContain('C(c1){W}: is child of P(p)');
  });

  it('a child that terminates leaves the parent and the parent gets parentTermEvent with { child, cause }', () => {
    const { p, mk, order } = family(true);
    const c1 = mk('c1');
    mk('c2');
    c1.terminate('error');
    expect(order).toEqual(['onTerminate C(c1) error timer=undefined', 'parent CHILD_DONE from C(c1) cause error; children left 1']);
    expect(p.terminated).toBe(false);
  });

  it('without parentTermEvent the parent machine gets onChildTerminated', () => {
    const { mk, order } = family(false);
    mk('c1').terminate('timeout');
    expect(order).toEqual(['onTerminate C(c1) timeout timer=undefined', 'onChildTerminated P(p) <- C(c1) timeout']);
  });

  it("a child's timeout reaches the parent as its cause", () => {
    const { mk, order, clock } = family(true);
    mk('c1').stateChg('W', { timer: 'T2' });
    clock.advance(500);
    expect(order).toEqual(['onTerminate C(c1) timeout timer=undefined', 'parent CHILD_DONE from C(c1) cause timeout; children left 0']);
  });

  it('terminating the parent terminates the children first (cause parent, oldest first), then its own onTerminate; the parent is not told', () => {
    const { p, mk, order, log, clock } = family(true);
    const c1 = mk('c1');
    const c2 = mk('c2');
    c1.stateChg('W', { timer: 'T1' });
    p.terminate('error');
    expect(order).toEqual([
      'onTerminate C(c1) parent timer=T1',
      'onTerminate C(c2) parent timer=undefined',
      'onTerminate P(p) error; children left 0',
    ]);
    expect(c1.terminated && c2.terminated).toBe(true);
    expect(clock.pending()).toEqual([]);
    const term = log.lines().slice(log.lines().indexOf('P(p){RUN}: Terminating (cause = error)'));
    expect(term).toEqual([
      'P(p){RUN}: Terminating (cause = error)',
      'C(c1){W}: Terminating (cause = parent)',
      'C(c1){W}: Removing from parent P(p)',
      'C(c1){W}: Freeing instance',
      'C(c2){W}: Terminating (cause = parent)',
      'C(c2){W}: Removing from parent P(p)',
      'C(c2){W}: Freeing instance',
      'P(p){RUN}: Freeing instance',
    ]);
  });

  it('grandchildren go before children', () => {
    const { p, mk, childFsm, order, clock } = family(false);
    const c1 = mk('c1');
    childFsm.create({ id: 'g1', host: clock, timers: timers(), parent: c1 });
    p.terminate();
    expect(order.slice(0, 2)).toEqual(['onTerminate C(g1) parent timer=undefined', 'onTerminate C(c1) parent timer=undefined']);
  });

  it('a terminated parent takes no children; parentTermEvent must be an event of the parent', () => {
    const { p, mk, childFsm, clock } = family(true);
    expect(fsmError(() => childFsm.create({ id: 'z', host: clock, timers: timers(), parent: p, parentTermEvent: 'NOPE' })).code).toBe('unknown-event');
    expect(fsmError(() => childFsm.create({ id: 'z', host: clock, timers: timers(), parentTermEvent: 'CHILD_DONE' })).code).toBe('bad-definition');
    p.terminate();
    expect(fsmError(() => mk('late')).code).toBe('terminated');
  });

  it('an error in onTerminate does not stop the clean-up: children gone, timer stopped, parent told, then it is thrown', () => {
    const clock = new VirtualClock();
    const told: string[] = [];
    const parentFsm = new Fsm<'RUN', 'DONE'>({
      name: 'P', initial: 'RUN', events: ['DONE'],
      states: { RUN: { in: ['DONE'], action: (_fi, _e, d) => told.push((d as { cause: string }).cause) } },
    });
    const bad = new Fsm<'W', 'X'>({
      name: 'B', initial: 'W', events: ['X'], states: { W: { out: ['W'] } },
      onTerminate: () => {
        throw new Error('boom');
      },
    });
    const p = parentFsm.create({ id: 'p', host: clock, timers: timers() });
    const b = bad.create({ id: 'b', host: clock, timers: timers(), parent: p, parentTermEvent: 'DONE' });
    b.stateChg('W', { timer: 'T1' });
    expect(() => b.terminate('error')).toThrow('boom');
    expect(b.terminated).toBe(true);
    expect(clock.pending()).toEqual([]);
    expect(p.children.size).toBe(0);
    expect(told).toEqual(['error']);
  });
});

describe('restore', () => {
  it('sets the state without onEnter/onLeave and re-arms the timer at its absolute deadline', () => {
    const { fi, calls, clock, log } = setup();
    const deadline = clock.now() + 7000;
    fi.restore('C', { name: 'T2', deadline });
    expect(fi.state).toBe('C');
    expect(calls).toEqual([]);
    expect(fi.timer).toEqual({ name: 'T2', deadline });
    expect(log.lines().at(-1)).toBe('T(x1){A}: Restored to C (T2, 7.000s remaining)');
    clock.advance(6999);
    expect(fi.terminated).toBe(false);
    clock.advance(1);
    expect(fi.terminated).toBe(true);
    expect(log.lines()).toContain('T(x1){C}: Timeout of T2');
  });

  it('an overdue deadline fires once, at once, and never again', () => {
    const timeouts: string[] = [];
    const { fi, clock, log } = setup({ onTimeout: (f, t) => (timeouts.push(t), true) });
    fi.restore('B', { name: 'T1', deadline: clock.now() - 3000 });
    expect(log.lines().at(-1)).toBe('T(x1){A}: Restored to B (T1, overdue by 3.000s)');
    expect(clock.runDue()).toBe(1);
    expect(clock.advance(3_600_000)).toBe(0);
    expect(timeouts).toEqual(['T1']);
  });

  it('replaces a running timer; without a timer leaves none; refuses unknown states and bad deadlines', () => {
    const { fi, clock } = setup();
    fi.dispatch('GO_B');
    fi.restore('D');
    expect(fi.timer).toBeUndefined();
    expect(clock.pending()).toEqual([]);
    expect(fsmError(() => fi.restore('Q' as S)).code).toBe('unknown-state');
    expect(fsmError(() => fi.restore('A', { name: 'T1', deadline: NaN })).code).toBe('bad-timer-value');
    expect(fi.state).toBe('D');
  });

  it('events after a restore follow the restored state', () => {
    const { fi } = setup();
    fi.restore('B');
    fi.dispatch('GO_C');
    expect(fi.state).toBe('C');
  });
});

describe('ids and names', () => {
  it('the name is FSM(id), or the FSM name alone for an empty id', () => {
    const fsm = machine([]);
    const clock = new VirtualClock();
    expect(fsm.create({ id: 'IMSI-001010000000001', host: clock, timers: timers() }).name).toBe('T(IMSI-001010000000001)');
    expect(fsm.create({ id: '', host: clock, timers: timers() }).name).toBe('T');
  });

  it('ids follow the osmo identifier rule; sanitizeId makes any string one', () => {
    expect(isValidId('IMSI-001010000000001')).toBe(true);
    expect(isValidId('msc_a:GERAN-A-1:LU')).toBe(true);
    for (const bad of ['', 'a b', 'invalid.id', 'a(b)', 'x{y}', 'tab\t', 'é', 'a/b']) expect(isValidId(bad)).toBe(false);
    expect(sanitizeId('127.0.0.1:5000 conn(3)')).toBe('127-0-0-1:5000-conn-3-');
    const fsm = machine([]);
    expect(fsmError(() => fsm.create({ id: 'invalid.id', host: new VirtualClock(), timers: timers() })).code).toBe('bad-id');
  });

  it('updateId renames the instance for the lines that follow', () => {
    const { fi, log } = setup();
    fi.updateId('IMSI-1');
    fi.dispatch('STAY');
    expect(fi.name).toBe('T(IMSI-1)');
    expect(log.lines().slice(1, 3)).toEqual(['T(x1){A}: Updated id to IMSI-1', 'T(IMSI-1){A}: Received Event STAY']);
    expect(fsmError(() => fi.updateId('a b')).code).toBe('bad-id');
  });
});

describe('table validation', () => {
  const base = (): FsmDef<'A' | 'B', 'E' | 'F'> => ({
    name: 'V',
    initial: 'A',
    events: ['E', 'F'],
    states: { A: { in: ['E'], out: ['B'], action: () => {} }, B: {} },
  });
  const refuse = (def: unknown, ...words: string[]) => {
    const e = fsmError(() => new Fsm(def as FsmDef<any, any>));
    expect(e.code).toBe('bad-definition');
    for (const w of words) expect(e.message).toContain(w);
    return e;
  };

  it('accepts a good table', () => {
    expect(new Fsm(base()).def.name).toBe('V');
  });

  it('refuses an out-state that does not exist, naming the state', () => {
    const d = base();
    (d.states.A as { out: string[] }).out = ['B', 'C'];
    expect(refuse(d, 'state A', 'out-state "C"').state).toBe('A');
  });

  it('refuses an initial state that does not exist', () => {
    refuse({ ...base(), initial: 'Z' }, 'initial state "Z"');
  });

  it('refuses an in-event that is not listed in events, naming state and event', () => {
    const d = base();
    (d.states.A as { in: string[] }).in = ['E', 'G'];
    const e = refuse(d, 'state A', 'in-event "G"');
    expect(e.event).toBe('G');
  });

  it('refuses duplicate events, unknown all-state events, and all-state events without an action', () => {
    refuse({ ...base(), events: ['E', 'F', 'E'] }, 'event E is listed twice');
    refuse({ ...base(), allStateEvents: ['Z'], allStateAction: () => {} }, 'all-state event "Z"');
    refuse({ ...base(), allStateEvents: ['F'] }, 'no allStateAction');
  });

  it('refuses an event that is both an all-state event and a state in-event', () => {
    refuse({ ...base(), allStateEvents: ['E'], allStateAction: () => {} }, 'state A', 'event E is an all-state event too');
  });

  it('refuses a state that permits events but has no action', () => {
    const d = base();
    delete (d.states.A as { action?: unknown }).action;
    refuse(d, 'state A', 'no action');
  });

  it('refuses misspelt keys, hooks that are not functions, bad names and empty tables', () => {
    const d = base();
    (d.states.B as Record<string, unknown>).onenter = () => {};
    refuse(d, "state B: unknown key 'onenter'");
    const d2 = base();
    (d2.states.B as Record<string, unknown>).onEnter = 'x';
    refuse(d2, 'state B: onEnter must be a function');
    refuse({ ...base(), name: 'a b' }, 'not a valid identifier');
    refuse({ ...base(), states: {} }, 'no states');
    refuse({ ...base(), events: 'E' }, 'events must be an array');
    refuse({ ...base(), statse: {} }, "unknown key 'statse'");
    refuse({ ...base(), states: { ...base().states, 'x y': {} } }, 'state "x y"');
  });

  it('refuses create() without host or TimerTable', () => {
    const fsm = new Fsm(base());
    expect(fsmError(() => fsm.create({ id: 'a', host: undefined as never, timers: timers() })).code).toBe('bad-definition');
    expect(fsmError(() => fsm.create({ id: 'a', host: new VirtualClock(), timers: {} as TimerTable })).code).toBe('bad-definition');
  });
});

describe('describe()', () => {
  it('lists states with in-events, out-states, timers used, and the all-state events', () => {
    const { fsm, fi } = setup();
    fi.dispatch('GO_B');
    const text = fsm.describe(timers());
    expect(text).toContain('FSM T: 4 states, 6 events, initial A');
    expect(text).toContain('  A  (initial)\n    in:     GO_B STAY\n    out:    B A\n');
    expect(text).toContain('  B\n    in:     GO_C KICK\n    out:    C D\n    timer:  T1 = 10s (one)\n');
    expect(text).toContain('  D  (final)\n    in:     -\n    out:    -\n');
    expect(text).toContain('  (all states)\n    in:     PING\n');
  });

  it('marks states that cannot be reached from the initial state', () => {
    const fsm = new Fsm<'A' | 'B' | 'Z', 'E'>({ name: 'U', initial: 'A', events: ['E'], states: { A: { out: ['B'] }, B: { out: ['A'] }, Z: { out: ['A'] } } });
    expect(fsm.reachable()).toEqual(new Set(['A', 'B']));
    expect(fsm.describe()).toContain('  Z  (unreachable)');
  });
});

describe('permits', () => {
  it('tells whether an event would be taken in the current state, all-state events included, and nothing after termination', () => {
    type S = 'A' | 'B';
    type E = 'GO' | 'BACK' | 'ANY';
    const f = new Fsm<S, E>({
      name: 'P',
      initial: 'A',
      events: ['GO', 'BACK', 'ANY'],
      allStateEvents: ['ANY'],
      allStateAction: () => undefined,
      states: {
        A: { in: ['GO'], out: ['B'], action: (fi) => fi.stateChg('B') },
        B: { in: ['BACK'], out: ['A'], action: (fi) => fi.stateChg('A') },
      },
    });
    const fi = f.create({ id: 'p1', host: new VirtualClock(), timers: new TimerTable([]) });
    expect([fi.permits('GO'), fi.permits('BACK'), fi.permits('ANY'), fi.permits('NOPE')]).toEqual([true, false, true, false]);
    fi.dispatch('GO');
    expect([fi.permits('GO'), fi.permits('BACK')]).toEqual([false, true]);
    fi.terminate();
    expect(fi.permits('ANY')).toBe(false);
  });
});
