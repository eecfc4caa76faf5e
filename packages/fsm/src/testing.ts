import * as fs from 'node:fs';
import * as path from 'node:path';
import { FsmError } from './errors';
import type { FsmLog, TimerHandle, TimerHost } from './fsm';

/**
 * Test support: a virtual clock that fires timers deterministically, a log
 * that collects osmo-style lines, and golden-file comparison in the manner of
 * libosmocore's `.ok` files.
 */

// ---- VirtualClock ----

interface Pending {
  readonly name: string;
  readonly deadline: number;
  readonly seq: number;
  readonly fn: () => void;
  /** Cancelled or fired. */
  done: boolean;
}

const before = (a: Pending, b: Pending) => a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);

/**
 * A TimerHost whose time moves only when told to. `advance(ms)` fires the
 * timers that fall due, in deadline order and, for equal deadlines, in the
 * order they were set; `now()` during a callback is that timer's deadline (or
 * the current time for a timer that was already overdue). Timers set by a
 * callback fire in the same advance when they fall due within it.
 */
export class VirtualClock implements TimerHost {
  /** 2026-01-01T00:00:00Z, where every VirtualClock starts unless told otherwise. */
  static readonly EPOCH = Date.UTC(2026, 0, 1);
  /** An advance that fires more timers than this throws (a timer re-arming itself at `now` forever). */
  static readonly MAX_FIRINGS = 1_000_000;

  private t: number;
  private heap: Pending[] = [];
  private seq = 0;
  private stale = 0;
  /** Timers fired so far. */
  fired = 0;

  constructor(epoch: number = VirtualClock.EPOCH) {
    if (!Number.isFinite(epoch)) throw new FsmError('bad-timer-value', `VirtualClock: epoch must be a finite number (got ${epoch})`);
    this.t = epoch;
  }

  now(): number {
    return this.t;
  }

  at(name: string, deadline: number, fn: () => void): TimerHandle {
    if (typeof deadline !== 'number' || !Number.isFinite(deadline))
      throw new FsmError('bad-timer-value', `VirtualClock: timer ${name}: deadline must be a finite number (got ${deadline})`, { timer: name });
    const p: Pending = { name, deadline, seq: this.seq++, fn, done: false };
    this.push(p);
    return {
      deadline,
      cancel: () => {
        if (p.done) return;
        p.done = true;
        this.stale++;
        if (this.stale > 1024 && this.stale * 2 > this.heap.length) this.compact();
      },
    };
  }

  /** Moves time forward by `ms`, firing what falls due; returns how many timers fired. */
  advance(ms: number): number {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
      throw new FsmError('bad-timer-value', `VirtualClock: advance(${ms}): must be a finite number >= 0`);
    return this.advanceTo(this.t + ms);
  }

  /** Moves time forward to `t` (a wall-clock ms value not before now), firing what falls due. */
  advanceTo(t: number): number {
    if (typeof t !== 'number' || !Number.isFinite(t) || t < this.t)
      throw new FsmError('bad-timer-value', `VirtualClock: advanceTo(${t}): must be a finite time not before now (${this.t})`);
    let n = 0;
    for (;;) {
      const p = this.peek();
      if (!p || p.deadline > t) break;
      this.pop();
      p.done = true;
      if (p.deadline > this.t) this.t = p.deadline;
      if (++n > VirtualClock.MAX_FIRINGS) throw new Error(`VirtualClock: more than ${VirtualClock.MAX_FIRINGS} timers fired in one advance (last: ${p.name})`);
      this.fired++;
      p.fn();
    }
    this.t = t;
    return n;
  }

  /** Fires the timers that are due now (overdue ones, after a restore), without moving time. */
  runDue(): number {
    return this.advance(0);
  }

  /** Timers not yet fired nor cancelled, in firing order. */
  pending(): Array<{ name: string; deadline: number }> {
    return this.heap
      .filter((p) => !p.done)
      .sort((a, b) => (before(a, b) ? -1 : 1))
      .map((p) => ({ name: p.name, deadline: p.deadline }));
  }

  /** The deadline of the next timer to fire, if any. */
  nextDeadline(): number | undefined {
    return this.peek()?.deadline;
  }

  private peek(): Pending | undefined {
    while (this.heap.length > 0 && this.heap[0]!.done) {
      this.pop();
      this.stale--;
    }
    return this.heap[0];
  }

  private push(p: Pending): void {
    const h = this.heap;
    let i = h.length;
    h.push(p);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!before(h[i]!, h[up]!)) break;
      [h[i], h[up]] = [h[up]!, h[i]!];
      i = up;
    }
  }

  private pop(): Pending | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  private compact(): void {
    const live = this.heap.filter((p) => !p.done);
    this.heap = [];
    this.stale = 0;
    for (const p of live) this.push(p);
  }
}

// ---- GoldenLog ----

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  level: LogLevel;
  fields: Record<string, unknown>;
  msg: string;
}

/**
 * An FsmLog that keeps every line, for comparing with a golden file. By
 * default a line is the message alone (as libosmocore's fsm_test.err shows
 * them); with `{ levels: true }` lines other than info start with the level
 * (`ERROR MM(...){...}: Event X not permitted`).
 */
export class GoldenLog implements FsmLog {
  readonly entries: LogEntry[] = [];

  constructor(private readonly opts: { levels?: boolean } = {}) {}

  info(fields: Record<string, unknown>, msg: string): void {
    this.entries.push({ level: 'info', fields, msg });
  }
  debug(fields: Record<string, unknown>, msg: string): void {
    this.entries.push({ level: 'debug', fields, msg });
  }
  warn(fields: Record<string, unknown>, msg: string): void {
    this.entries.push({ level: 'warn', fields, msg });
  }
  error(fields: Record<string, unknown>, msg: string): void {
    this.entries.push({ level: 'error', fields, msg });
  }

  /** A line of the test's own (a heading, a remark), kept in order with the machine's lines. */
  note(msg: string): void {
    this.entries.push({ level: 'info', fields: {}, msg });
  }

  lines(): string[] {
    return this.entries.map((e) => (this.opts.levels && e.level !== 'info' ? `${e.level.toUpperCase()} ${e.msg}` : e.msg));
  }

  /** The lines, each ending with a newline. */
  text(): string {
    return this.lines().map((l) => `${l}\n`).join('');
  }

  clear(): void {
    this.entries.length = 0;
  }

  /** expectGolden(this.text(), file). */
  expect(file: string): void {
    expectGolden(this.text(), file);
  }
}

// ---- golden files ----

export class GoldenMismatchError extends Error {
  override readonly name = 'GoldenMismatchError';
  constructor(
    readonly file: string,
    /** 1-based line of the first difference (0 when the file is missing). */
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** True when golden files are to be rewritten instead of compared. */
export function updatingFixtures(): boolean {
  return process.env.SNAPTEL_UPDATE_FIXTURES === '1';
}

const SHOWN = 8;

/**
 * Compares `text` with the checked-in golden file `file`; throws a
 * GoldenMismatchError whose message shows where they part (the first
 * differing lines, `-` expected, `+` actual, with two lines of context).
 * With SNAPTEL_UPDATE_FIXTURES=1 it writes `text` to `file` instead: read
 * what it wrote before checking it in.
 */
export function expectGolden(text: string, file: string): void {
  if (typeof text !== 'string') throw new TypeError('expectGolden: text must be a string');
  if (updatingFixtures()) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return;
  }
  let expected: string;
  try {
    expected = fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new GoldenMismatchError(file, 0, `golden file ${file} does not exist; run with SNAPTEL_UPDATE_FIXTURES=1 to write it (then read it before checking it in)`);
  }
  if (expected === text) return;
  const a = expected.split('\n');
  const b = text.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  // The differing region: trim the common tail.
  let ea = a.length;
  let eb = b.length;
  while (ea > i && eb > i && a[ea - 1] === b[eb - 1]) (ea--, eb--);
  const out: string[] = [];
  for (let k = Math.max(0, i - 2); k < i; k++) out.push(`  ${a[k]}`);
  const minus = a.slice(i, ea);
  const plus = b.slice(i, eb);
  for (const l of minus.slice(0, SHOWN)) out.push(`- ${l}`);
  if (minus.length > SHOWN) out.push(`- ... ${minus.length - SHOWN} more`);
  for (const l of plus.slice(0, SHOWN)) out.push(`+ ${l}`);
  if (plus.length > SHOWN) out.push(`+ ... ${plus.length - SHOWN} more`);
  throw new GoldenMismatchError(
    file,
    i + 1,
    `output differs from golden file ${file} at line ${i + 1} (- expected, + actual; SNAPTEL_UPDATE_FIXTURES=1 rewrites it):\n${out.join('\n')}`,
  );
}
