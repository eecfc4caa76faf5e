// @snaptel/fsm bench: dispatches and timed state changes per second, ours
// against a plain `switch` machine doing the same transitions in the same run.
// Build first: npx tsc -b packages/fsm
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
if (!existsSync(dist)) {
  console.error('bench: packages/fsm/dist is missing; run `npx tsc -b packages/fsm` first');
  process.exit(1);
}
const { Fsm, TimerTable, VirtualClock, setTimeoutHost } = await import(dist);

const N = 200_000; // transitions per timed run
const RUNS = 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (x) => Math.round(x).toLocaleString('en');

/** Median rate (ops/s) of fn(n) over RUNS runs, after one warm-up run. */
function rate(fn, n = N) {
  fn(n);
  const rates = [];
  for (let r = 0; r < RUNS; r++) {
    const t = process.hrtime.bigint();
    fn(n);
    rates.push((n * 1e9) / Number(process.hrtime.bigint() - t));
  }
  return median(rates);
}

const NEXT = { A: 'B', B: 'C', C: 'D', D: 'A' };
const timers = new TimerTable([{ name: 'T1', default: 30, unit: 's', desc: 'bench timer' }]);

/** A four-state cycle A -> B -> C -> D -> A on event NEXT; `opts` is what each state change passes. */
function machine(opts) {
  const st = (s) => ({ in: ['NEXT'], out: [NEXT[s]], action: (fi) => fi.stateChg(NEXT[s], opts) });
  return new Fsm({ name: 'B', initial: 'A', events: ['NEXT', 'OTHER'], states: { A: st('A'), B: st('B'), C: st('C'), D: st('D') } });
}

/** The baseline: the same cycle as a switch, with the same event check; `arm` stands for the timer work. */
function switchMachine(arm) {
  let state = 'A';
  let timer;
  return {
    get state() {
      return state;
    },
    dispatch(ev) {
      if (ev !== 'NEXT') throw new Error(`event ${ev} not permitted in ${state}`);
      switch (state) {
        case 'A': state = 'B'; break;
        case 'B': state = 'C'; break;
        case 'C': state = 'D'; break;
        case 'D': state = 'A'; break;
      }
      if (arm) timer = arm(timer);
    },
    stop() {
      if (timer) timer.cancel();
    },
  };
}

const rows = [];
const row = (what, ours, base) => rows.push({ what, ours, base });

// 1. dispatch + state change, no timer, no log
{
  const fi = machine(undefined).create({ id: 'b', host: new VirtualClock(), timers });
  const sw = switchMachine();
  row('dispatch + state change', rate((n) => { for (let i = 0; i < n; i++) fi.dispatch('NEXT'); }), rate((n) => { for (let i = 0; i < n; i++) sw.dispatch('NEXT'); }));
}

// 2. the same with a log that drops the lines (the cost of building osmo-style lines and fields)
{
  const log = { info() {} };
  const fi = machine(undefined).create({ id: 'IMSI-001010000000001', host: new VirtualClock(), timers, log });
  const sw = switchMachine();
  row('  ... with log lines built', rate((n) => { for (let i = 0; i < n; i++) fi.dispatch('NEXT'); }), rate((n) => { for (let i = 0; i < n; i++) sw.dispatch('NEXT'); }));
}

// 3. every state change (re)starts T1 on a VirtualClock; the baseline cancels and re-arms on the same clock
{
  const clock = new VirtualClock();
  const fi = machine({ timer: 'T1' }).create({ id: 'b', host: clock, timers });
  const bclock = new VirtualClock();
  const sw = switchMachine((old) => {
    if (old) old.cancel();
    return bclock.at('T1', bclock.now() + 30_000, () => {});
  });
  row('state change + timer (VirtualClock)', rate((n) => { for (let i = 0; i < n; i++) fi.dispatch('NEXT'); }), rate((n) => { for (let i = 0; i < n; i++) sw.dispatch('NEXT'); }));
  fi.terminate();
}

// 4. the same on real timers: setTimeoutHost vs clearTimeout + setTimeout
{
  const fi = machine({ timer: 'T1' }).create({ id: 'b', host: setTimeoutHost(), timers });
  const sw = switchMachine((old) => {
    if (old) old.cancel();
    const h = setTimeout(() => {}, 30_000);
    return { cancel: () => clearTimeout(h) };
  });
  row('state change + timer (setTimeout)', rate((n) => { for (let i = 0; i < n; i++) fi.dispatch('NEXT'); }, N / 4), rate((n) => { for (let i = 0; i < n; i++) sw.dispatch('NEXT'); }, N / 4));
  fi.terminate();
  sw.stop();
}

// 5. timeouts that fire on real timers: M instances each with a 1 ms state timer that terminates it
async function fireMany(M, ours) {
  const t = process.hrtime.bigint();
  await new Promise((resolve) => {
    let left = M;
    const done = () => { if (--left === 0) resolve(); };
    if (ours) {
      const host = setTimeoutHost();
      const fsm = new Fsm({
        name: 'F', initial: 'A', events: ['GO'],
        states: { A: { in: ['GO'], out: ['B'], action: (fi) => fi.stateChg('B', { timerMs: 1 }) }, B: {} },
        onTerminate: done,
      });
      for (let i = 0; i < M; i++) fsm.create({ id: `f${i}`, host, timers }).dispatch('GO');
    } else {
      for (let i = 0; i < M; i++) {
        const sw = switchMachine();
        sw.dispatch('NEXT');
        setTimeout(() => { sw.dispatch('NEXT'); done(); }, 1);
      }
    }
  });
  return (M * 1e9) / Number(process.hrtime.bigint() - t);
}
{
  const M = 20_000;
  await fireMany(M, true);
  await fireMany(M, false);
  const ours = [];
  const base = [];
  for (let r = 0; r < 5; r++) {
    ours.push(await fireMany(M, true));
    base.push(await fireMany(M, false));
  }
  row('timeouts fired (setTimeout, 20k at once)', median(ours), median(base));
}

const w = Math.max(...rows.map((r) => r.what.length));
console.log(`fsm bench (node ${process.version}, median of ${RUNS} runs of ${fmt(N)} transitions; baseline: a switch machine in the same run)`);
for (const r of rows) {
  console.log(`  ${r.what.padEnd(w)}  ${fmt(r.ours).padStart(11)} /s   switch ${fmt(r.base).padStart(11)} /s   ratio ${(r.ours / r.base).toFixed(2)}x`);
}
