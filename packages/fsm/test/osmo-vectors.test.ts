/**
 * libosmocore's own FSM tests, replayed on this implementation and compared
 * with the expected output that libosmocore checks in (tests/fsm/fsm_test.c
 * with fsm_test.err, tests/tdef/tdef_test.c with tdef_test.ok). The expected
 * lines below are transcribed from those files; `fromOsmo` only maps what
 * differs by design:
 *   - termination causes are our strings: OSMO_FSM_TERM_REQUEST -> request;
 *   - libosmocore frees memory after "Freeing instance" ("Deallocated"); a
 *     garbage-collected instance has no such step, so those lines are dropped.
 * Lines such as "Checking FSM allocation", "Timer" and "Total time passed"
 * are printed by the C test itself; the replay prints them the same way into
 * the same log (GoldenLog.note), so their place among the FSM lines is checked too.
 */
import { describe, expect, it } from 'vitest';
import { Fsm, FsmError, GoldenLog, TimerTable, VirtualClock, type FsmInstance, type TimerDef } from '../src';

function fromOsmo(text: string): string[] {
  return text
    .trim()
    .split('\n')
    .filter((l) => !/: Deallocated$/.test(l))
    .map((l) => l.replace(/OSMO_FSM_TERM_(\w+)/, (_m, c: string) => c.toLowerCase()));
}

// ---- tests/fsm/fsm_test.c ----

type TS = 'NULL' | 'ONE' | 'TWO';
type TE = 'EV_A' | 'EV_B';

function testFsm(log: GoldenLog, timerCb: ((fi: FsmInstance<TS, TE>) => boolean) | undefined) {
  return new Fsm<TS, TE>({
    name: 'Test_FSM',
    initial: 'NULL',
    events: ['EV_A', 'EV_B'],
    states: {
      NULL: {
        in: ['EV_A'],
        out: ['ONE'],
        action: (fi, _ev, data) => {
          expect(data).toBe(23);
          fi.stateChg('ONE', { timerMs: 0 });
        },
      },
      ONE: {
        in: ['EV_B'],
        out: ['TWO'],
        action: (fi, _ev, data) => {
          expect(data).toBe(42);
          // osmo_fsm_inst_state_chg(fi, ST_TWO, 1, 2342): 1 s, T2342
          fi.stateChg('TWO', { timer: 'T2342', timerMs: 1000 });
        },
      },
      TWO: {},
    },
    ...(timerCb ? { onTimeout: (fi: FsmInstance<TS, TE>) => timerCb(fi) } : {}),
  });
}

const noTimers = () => new TimerTable([]);

describe('libosmocore tests/fsm/fsm_test.c', () => {
  it('foo(): allocation, a refused event, two state changes, a timeout (fsm_test.err, first block)', () => {
    const log = new GoldenLog();
    const clock = new VirtualClock(0);
    const fsm = testFsm(log, (fi) => {
      expect(fi.state).toBe('TWO');
      log.note('Timer');
      return true; // timer_cb returning 0: keep the instance
    });
    log.note('Checking FSM allocation');
    const fi = fsm.create({ id: 'my_id', host: clock, timers: noTimers(), log });
    expect(fi.name).toBe('Test_FSM(my_id)');
    expect(fsm.find('my_id')).toBe(fi);
    expect(() => fi.dispatch('EV_B', 42)).toThrow(FsmError);
    expect(fi.state).toBe('NULL');
    fi.dispatch('EV_A', 23);
    expect(fi.state).toBe('ONE');
    fi.dispatch('EV_B', 42);
    expect(fi.state).toBe('TWO');
    expect(fi.timer).toEqual({ name: 'T2342', deadline: 1000 });
    clock.advance(1000);
    expect(fi.terminated).toBe(false);
    expect(log.lines()).toEqual(
      fromOsmo(`
Checking FSM allocation
Test_FSM(my_id){NULL}: Allocated
Test_FSM(my_id){NULL}: Received Event EV_B
Test_FSM(my_id){NULL}: Event EV_B not permitted
Test_FSM(my_id){NULL}: Received Event EV_A
Test_FSM(my_id){NULL}: State change to ONE (no timeout)
Test_FSM(my_id){ONE}: Received Event EV_B
Test_FSM(my_id){ONE}: State change to TWO (T2342, 1s)
Test_FSM(my_id){TWO}: Timeout of T2342
Timer
`),
    );
  });

  it('test_state_chg_keep_timer(): no timer stays no timer; a kept timer fires at its first deadline, to the microsecond', () => {
    const log = new GoldenLog();
    let fired = '';
    const fsm = testFsm(log, (fi) => ((fired = fi.timer === undefined ? 'T10 fired' : 'still running'), true));
    const clock = new VirtualClock(0);
    // fake_time_passes(): moves the clock, prints the total, then runs the timers that fell due.
    const passes = (ms: number) => {
      log.note(`Total time passed: ${((clock.now() + ms) / 1000).toFixed(6)} s`);
      clock.advance(ms);
    };
    let fi = fsm.create({ id: '', host: clock, timers: noTimers(), log });
    fi.stateChg('ONE', { timerMs: 0 });
    fi.stateChg('TWO', { keepTimer: true });
    expect(fi.timer).toBeUndefined();
    fi.terminate('request');
    passes(0);
    fi = fsm.create({ id: '', host: clock, timers: noTimers(), log });
    fi.stateChg('ONE', { timer: 'T10', timerMs: 10_000 });
    passes(2000.342);
    fi.stateChg('TWO', { keepTimer: true });
    passes(0);
    expect(fired).toBe('');
    passes(7999.657); // 7 s + (1000000 - 342 - 1) us
    expect(fired).toBe('');
    passes(0.001);
    expect(fired).toBe('T10 fired');
    fi.terminate('request');
    expect(log.lines()).toEqual(
      fromOsmo(`
Test_FSM{NULL}: Allocated
Test_FSM{NULL}: State change to ONE (no timeout)
Test_FSM{ONE}: State change to TWO (no timeout)
Test_FSM{TWO}: Terminating (cause = OSMO_FSM_TERM_REQUEST)
Test_FSM{TWO}: Freeing instance
Test_FSM{TWO}: Deallocated
Total time passed: 0.000000 s
Test_FSM{NULL}: Allocated
Test_FSM{NULL}: State change to ONE (T10, 10s)
Total time passed: 2.000342 s
Test_FSM{ONE}: State change to TWO (keeping T10, 7.999s remaining)
Total time passed: 2.000342 s
Total time passed: 9.999999 s
Total time passed: 10.000000 s
Test_FSM{TWO}: Timeout of T10
Test_FSM{TWO}: Terminating (cause = OSMO_FSM_TERM_REQUEST)
Test_FSM{TWO}: Freeing instance
Test_FSM{TWO}: Deallocated
`),
    );
  });

  it('test_state_chg_T(): a timeout of 0 is no timeout, whatever the T', () => {
    const log = new GoldenLog();
    const fsm = testFsm(log, undefined);
    const clock = new VirtualClock(0);
    for (const T of ['T0', 'T11']) {
      const fi = fsm.create({ id: '', host: clock, timers: noTimers(), log });
      fi.stateChg('ONE', { timer: 'T42', timerMs: 23_000 });
      expect(fi.timer?.name).toBe('T42');
      fi.stateChg('TWO', { timer: T, timerMs: 0 });
      expect(fi.timer).toBeUndefined();
      fi.terminate('request');
    }
    const block = `
Test_FSM{NULL}: Allocated
Test_FSM{NULL}: State change to ONE (T42, 23s)
Test_FSM{ONE}: State change to TWO (no timeout)
Test_FSM{TWO}: Terminating (cause = OSMO_FSM_TERM_REQUEST)
Test_FSM{TWO}: Freeing instance
Test_FSM{TWO}: Deallocated`;
    expect(log.lines()).toEqual(fromOsmo(block + block));
  });
});

// ---- tests/tdef/tdef_test.c: test_tdef_state_timeout() ----

describe('libosmocore tests/tdef/tdef_test.c test_tdef_state_timeout()', () => {
  // The timers of tdef_test.c that the state table uses (T4, custom unit, left out).
  const tdefs: TimerDef[] = [
    { name: 'T1', default: 100, unit: 's', desc: '100s' },
    { name: 'T3', default: 50, unit: 'min', desc: '50m' },
    { name: 'T7', default: 50, unit: 's', desc: 'Water Boiling Timeout', min: 20, max: 800 },
    { name: 'T8', default: 300, unit: 's', desc: 'Tea brewing' },
    { name: 'T9', default: 5, unit: 'min', desc: 'Let tea cool down before drinking' },
    { name: 'T10', default: 20, unit: 'min', desc: "Forgot to drink tea while it's warm" },
    { name: 'T123', default: 1, unit: 's', desc: '' },
  ];
  type St = 'A' | 'C' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'O' | 'X' | 'Z';
  const all: St[] = ['A', 'C', 'G', 'H', 'I', 'J', 'K', 'L', 'O', 'X', 'Z'];
  // test_tdef_state_timeouts[]: the timer of each state (osmo_tdef_state_timeout)
  const st = (timer?: string, keepTimer?: boolean) => ({ out: all, ...(timer ? { timer } : {}), ...(keepTimer ? { keepTimer } : {}) });
  const fsm = new Fsm<St, never>({
    name: 'tdef_test',
    initial: 'A',
    events: [],
    states: {
      A: st('T1'), C: st('T3'), G: st('T7'), H: st('T8'), I: st('T9'), J: st('T10'),
      K: st(undefined, true), L: st('T123', true), O: st(), X: st(),
      Z: { out: ['A'] },
    },
  });

  it('state timers, keep_timer, keep-or-start, no timer, and a refused transition', () => {
    const clock = new VirtualClock(0);
    const fi = fsm.create({ id: 'test_tdef_state_timeout', host: clock, timers: new TimerTable(tdefs) });
    const out: string[] = [];
    const show = () => {
      const t = fi.timer;
      const T = t ? t.name.slice(1) : '0';
      return `state=${fi.state} T=${T}, ${t ? `${((t.deadline - clock.now()) / 1000).toFixed(6)} s remaining` : 'no timeout'}`;
    };
    const chg = (s: St) => {
      let rc = 0;
      try {
        fi.stateChg(s);
      } catch (e) {
        expect((e as FsmError).code).toBe('transition-not-permitted');
        rc = -1;
      }
      out.push(`--> ${s} rc=${rc}; ${show()}`);
    };
    const passes = (ms: number) => {
      clock.advance(ms);
      out.push(`Time passes: ${(ms / 1000).toFixed(6)} s`, show());
    };
    out.push(show());
    for (const s of ['A', 'C', 'G', 'H', 'I', 'J'] as St[]) chg(s);
    out.push('- test keep_timer:');
    passes(123_045.678);
    chg('K');
    chg('A');
    passes(23_045.678);
    chg('K');
    chg('A');
    passes(23_045.678);
    chg('L');
    chg('O');
    chg('L');
    out.push('- test T=0:');
    chg('O');
    out.push('- test no timer:');
    chg('X');
    out.push('- test disallowed transition:');
    chg('Z');
    chg('C');

    // tdef_test.ok, with the states that need T2 (100 ms, whose rounding
    // differs between libosmocore versions), T4 (custom unit) and T666
    // (undefined timer with a fallback) left out (so are the refused changes to
    // B and D), and the "(configured as ...)"
    // part of each "-->" line dropped.
    const expected = `
state=A T=0, no timeout
 --> A (configured as T1 100 s) rc=0;\tstate=A T=1, 100.000000 s remaining
 --> C (configured as T3 50 m) rc=0;\tstate=C T=3, 3000.000000 s remaining
 --> G (configured as T7 50 s) rc=0;\tstate=G T=7, 50.000000 s remaining
 --> H (configured as T8 300 s) rc=0;\tstate=H T=8, 300.000000 s remaining
 --> I (configured as T9 5 m) rc=0;\tstate=I T=9, 300.000000 s remaining
 --> J (configured as T10 20 m) rc=0;\tstate=J T=10, 1200.000000 s remaining
- test keep_timer:
Time passes: 123.045678 s
state=J T=10, 1076.954322 s remaining
 --> K (configured as T0(keep_timer) 1 custom-unit) rc=0;\tstate=K T=10, 1076.954322 s remaining
 --> A (configured as T1 100 s) rc=0;\tstate=A T=1, 100.000000 s remaining
Time passes: 23.045678 s
state=A T=1, 76.954322 s remaining
 --> K (configured as T0(keep_timer) 1 custom-unit) rc=0;\tstate=K T=1, 76.954322 s remaining
 --> A (configured as T1 100 s) rc=0;\tstate=A T=1, 100.000000 s remaining
Time passes: 23.045678 s
state=A T=1, 76.954322 s remaining
 --> L (configured as T123(keep_timer) 1 s) rc=0;\tstate=L T=1, 76.954322 s remaining
 --> O (no timer configured for this state) rc=0;\tstate=O T=0, no timeout
 --> L (configured as T123(keep_timer) 1 s) rc=0;\tstate=L T=123, 1.000000 s remaining
- test T=0:
 --> O (no timer configured for this state) rc=0;\tstate=O T=0, no timeout
- test no timer:
 --> X (no timer configured for this state) rc=0;\tstate=X T=0, no timeout
- test disallowed transition:
 --> Z (no timer configured for this state) rc=0;\tstate=Z T=0, no timeout
 --> C (configured as T3 50 m) rc=-1;\tstate=Z T=0, no timeout
`;
    const want = expected
      .trim()
      .split('\n')
      .map((l) => l.replace(/^ --> (\w+) \(.*\) rc=(-?\d+);\t/, '--> $1 rc=$2; '));
    expect(out).toEqual(want);
  });
});
