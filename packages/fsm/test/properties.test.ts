/**
 * Random machines, random event sequences: whatever the table and whatever
 * arrives, an instance is only ever in a state reachable from the initial
 * one through `out`, every state change it makes follows an `out` edge, its
 * timer bookkeeping agrees with the clock, and nothing but FsmError is thrown.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fsm, FsmError, TimerTable, VirtualClock, type FsmDef, type FsmInstance, type StateChgOptions } from '../src';

const TIMER_CHOICES = ['none', 'T1', 'T2', 'keep', 'ms', 'zero', 'bogus'] as const;
type TimerChoice = (typeof TIMER_CHOICES)[number];

interface Spec {
  nStates: number;
  nEvents: number;
  out: number[][];
  ins: number[][];
  allState: number[];
  /** Per (state, event): target state (nStates = terminate) and the timer option used. */
  react: Array<{ target: number; timer: TimerChoice }>;
  keepOnTimeout: boolean[];
  /** onEnter of a state may change state again (bounded depth). */
  enterChain: Array<number | null>;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

const specArb: fc.Arbitrary<Spec> = fc
  .record({ nStates: fc.integer({ min: 1, max: 6 }), nEvents: fc.integer({ min: 1, max: 5 }) })
  .chain(({ nStates, nEvents }) =>
    fc.subarray(range(nEvents)).chain((allState) => {
      const stateEvents = range(nEvents).filter((e) => !allState.includes(e));
      return fc.record({
        nStates: fc.constant(nStates),
        nEvents: fc.constant(nEvents),
        allState: fc.constant(allState),
        out: fc.array(fc.subarray(range(nStates)), { minLength: nStates, maxLength: nStates }),
        ins: fc.array(fc.subarray(stateEvents), { minLength: nStates, maxLength: nStates }),
        react: fc.array(
          fc.record({ target: fc.integer({ min: 0, max: nStates }), timer: fc.constantFrom(...TIMER_CHOICES) }),
          { minLength: nStates * nEvents, maxLength: nStates * nEvents },
        ),
        keepOnTimeout: fc.array(fc.boolean(), { minLength: nStates, maxLength: nStates }),
        enterChain: fc.array(fc.option(fc.integer({ min: 0, max: nStates - 1 }), { freq: 3 }), { minLength: nStates, maxLength: nStates }),
      });
    }),
  );

type Cmd =
  | { k: 'dispatch'; ev: number }
  | { k: 'advance'; ms: number }
  | { k: 'terminate' }
  | { k: 'restore'; pick: number; offset: number | null }
  | { k: 'child'; withEvent: number | null; timer: boolean }
  | { k: 'childTerminate' }
  | { k: 'configure'; ms: number }
  | { k: 'chg'; target: number; timer: TimerChoice };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('dispatch' as const), ev: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('terminate' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('restore' as const), pick: fc.nat(), offset: fc.option(fc.integer({ min: -3000, max: 3000 })) }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('child' as const), withEvent: fc.option(fc.integer({ min: 0, max: 5 })), timer: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('childTerminate' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('configure' as const), ms: fc.integer({ min: 0, max: 2000 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('chg' as const), target: fc.integer({ min: 0, max: 6 }), timer: fc.constantFrom(...TIMER_CHOICES) }),
  },
);

const stName = (i: number) => `S${i}`;
const evName = (i: number) => `E${i}`;

function opts(t: TimerChoice): StateChgOptions | undefined {
  switch (t) {
    case 'none':
      return undefined;
    case 'T1':
      return { timer: 'T1' };
    case 'T2':
      return { timer: 'T2' };
    case 'keep':
      return { keepTimer: true, timer: 'T2' };
    case 'ms':
      return { timerMs: 700 };
    case 'zero':
      return { timerMs: 0 };
    case 'bogus':
      return { timer: 'T404' };
  }
}

function build(spec: Spec, violations: string[]): Fsm<string, string> {
  const states: Record<string, FsmDef<string, string>['states'][string]> = {};
  let depth = 0;
  const react = (fi: FsmInstance<string, string>, ev: string) => {
    const s = Number(fi.state.slice(1));
    const r = spec.react[s * spec.nEvents + Number(ev.slice(1))]!;
    if (r.target === spec.nStates) fi.terminate('error');
    else fi.stateChg(stName(r.target), opts(r.timer));
  };
  for (const s of range(spec.nStates)) {
    const ins = spec.ins[s]!.map(evName);
    states[stName(s)] = {
      in: ins,
      out: spec.out[s]!.map(stName),
      ...(ins.length ? { action: react } : {}),
      onEnter: (fi, prev) => {
        if (!spec.out[Number(prev.slice(1))]!.includes(s)) violations.push(`entered ${stName(s)} from ${prev}, not an out-state of it`);
        const next = spec.enterChain[s];
        if (next !== null && next !== undefined && depth < 3 && spec.out[s]!.includes(next)) {
          depth++;
          try {
            fi.stateChg(stName(next));
          } finally {
            depth--;
          }
        }
      },
      onTimeout: () => (spec.keepOnTimeout[s] ? true : undefined),
    };
  }
  return new Fsm<string, string>({
    name: 'P',
    initial: 'S0',
    events: range(spec.nEvents).map(evName),
    states,
    ...(spec.allState.length ? { allStateEvents: spec.allState.map(evName), allStateAction: react } : {}),
  });
}

/** States reachable from S0, worked out here from the spec (not by the code under test). */
function reachable(spec: Spec): Set<string> {
  const seen = new Set([0]);
  const todo = [0];
  while (todo.length) for (const o of spec.out[todo.pop()!]!) if (!seen.has(o)) (seen.add(o), todo.push(o));
  return new Set([...seen].map(stName));
}

const CHILD = new Fsm<'W', 'X'>({ name: 'C', initial: 'W', events: ['X'], states: { W: { out: ['W'] } } });

describe('properties', () => {
  it('random event sequences keep an instance within the table and throw only FsmError', () => {
    fc.assert(
      fc.property(specArb, fc.array(cmdArb, { maxLength: 60 }), (spec, cmds) => {
        const violations: string[] = [];
        const fsm = build(spec, violations);
        const reach = reachable(spec);
        const reachList = [...reach];
        const clock = new VirtualClock();
        const timers = new TimerTable([
          { name: 'T1', default: 1000, unit: 'ms', desc: 'one' },
          { name: 'T2', default: 2, unit: 's', desc: 'two' },
        ]);
        const fi = fsm.create({ id: 'p', host: clock, timers });
        let errors = 0;
        for (const c of cmds) {
          try {
            switch (c.k) {
              case 'dispatch':
                fi.dispatch(evName(c.ev));
                break;
              case 'advance':
                clock.advance(c.ms);
                break;
              case 'terminate':
                fi.terminate('regular');
                break;
              case 'restore': {
                // An imported state comes from a live instance, so it is a reachable one.
                const st = reachList[c.pick % reachList.length]!;
                fi.restore(st, c.offset === null ? undefined : { name: 'T1', deadline: clock.now() + c.offset });
                break;
              }
              case 'child': {
                const ch = CHILD.create({
                  id: `c${clock.fired}`,
                  host: clock,
                  timers,
                  parent: fi,
                  ...(c.withEvent !== null ? { parentTermEvent: evName(c.withEvent % spec.nEvents) } : {}),
                });
                if (c.timer) ch.stateChg('W', { timer: 'T1' });
                break;
              }
              case 'childTerminate': {
                const ch = [...fi.children][0];
                if (ch) ch.terminate('error');
                break;
              }
              case 'configure':
                timers.configure({ T1: c.ms });
                break;
              case 'chg':
                fi.stateChg(stName(c.target), opts(c.timer));
                break;
            }
          } catch (err) {
            if (!(err instanceof FsmError)) throw new Error(`non-FsmError thrown for ${JSON.stringify(c)}: ${String(err)}`);
            errors++;
          }
          // Invariants after every step.
          if (!reach.has(fi.state)) throw new Error(`state ${fi.state} is not reachable from S0`);
          if (violations.length) throw new Error(violations[0]);
          const mine = clock.pending().filter((p) => p.name.startsWith('P(p).'));
          if (fi.terminated) {
            if (fi.timer !== undefined || mine.length !== 0) throw new Error('a terminated instance still has a timer');
            if (fi.children.size !== 0) throw new Error('a terminated instance still has children');
          } else {
            if (mine.length > 1) throw new Error(`more than one live timer: ${JSON.stringify(mine)}`);
            const t = fi.timer;
            if (t ? mine.length !== 1 || mine[0]!.deadline !== t.deadline || mine[0]!.name !== `P(p).${t.name}` : mine.length !== 0)
              throw new Error(`timer bookkeeping disagrees with the clock: ${JSON.stringify({ t, mine })}`);
          }
          for (const ch of fi.children) if (ch.terminated || ch.parent !== fi) throw new Error('a child listed in the parent is terminated or has another parent');
        }
        expect(errors).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 400 },
    );
  });

  it('the same holds with every error counted: refused events leave state and timer untouched', () => {
    fc.assert(
      fc.property(specArb, fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 40 }), (spec, evs) => {
        const fsm = build(spec, []);
        const clock = new VirtualClock();
        const timers = new TimerTable([
          { name: 'T1', default: 1000, unit: 'ms', desc: 'one' },
          { name: 'T2', default: 2, unit: 's', desc: 'two' },
        ]);
        const fi = fsm.create({ id: 'p', host: clock, timers });
        for (const e of evs) {
          const before = { state: fi.state, timer: fi.timer, terminated: fi.terminated };
          const name = evName(e);
          const permitted =
            !fi.terminated && e < spec.nEvents && (spec.allState.includes(e) || spec.ins[Number(fi.state.slice(1))]!.includes(e));
          try {
            fi.dispatch(name);
            if (!permitted) throw new Error(`event ${name} in ${before.state} was accepted but is not permitted`);
          } catch (err) {
            if (!(err instanceof FsmError)) throw err;
            if (!permitted) {
              const code = before.terminated ? 'terminated' : e >= spec.nEvents ? 'unknown-event' : 'event-not-permitted';
              if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}`);
              if (fi.state !== before.state || fi.timer?.deadline !== before.timer?.deadline)
                throw new Error('a refused event changed the instance');
            }
          }
          clock.advance(300);
        }
      }),
      { numRuns: 400 },
    );
  });
});
