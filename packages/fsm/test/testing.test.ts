import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fsm, FsmError, GoldenLog, GoldenMismatchError, TimerTable, VirtualClock, expectGolden, setTimeoutHost } from '../src';

describe('VirtualClock', () => {
  it('starts at 2026-01-01T00:00:00Z and moves only when told', () => {
    const c = new VirtualClock();
    expect(new Date(c.now()).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(new VirtualClock(5).now()).toBe(5);
    c.advance(1500);
    expect(c.now()).toBe(VirtualClock.EPOCH + 1500);
  });

  it('fires due timers in deadline order, then in the order they were set, with now() at each deadline', () => {
    const c = new VirtualClock(0);
    const got: string[] = [];
    const add = (name: string, at: number) => c.at(name, at, () => got.push(`${name}@${c.now()}`));
    add('late', 300);
    add('a', 100);
    add('b', 100);
    add('early', 50);
    add('c', 100);
    add('never', 1000);
    expect(c.nextDeadline()).toBe(50);
    expect(c.advance(300)).toBe(5);
    expect(got).toEqual(['early@50', 'a@100', 'b@100', 'c@100', 'late@300']);
    expect(c.now()).toBe(300);
    expect(c.pending()).toEqual([{ name: 'never', deadline: 1000 }]);
  });

  it('a cancelled timer never fires; cancel after firing is harmless', () => {
    const c = new VirtualClock(0);
    let n = 0;
    const h = c.at('x', 10, () => n++);
    const h2 = c.at('y', 5, () => n++);
    h.cancel();
    c.advance(20);
    h2.cancel();
    expect(n).toBe(1);
    expect(h.deadline).toBe(10);
  });

  it('a timer set by a callback fires in the same advance when it falls due within it', () => {
    const c = new VirtualClock(0);
    const got: number[] = [];
    c.at('first', 10, () => {
      got.push(c.now());
      c.at('second', c.now() + 10, () => got.push(c.now()));
    });
    c.advance(25);
    expect(got).toEqual([10, 20]);
  });

  it('overdue timers fire at the current time on runDue(), once', () => {
    const c = new VirtualClock(1000);
    const got: number[] = [];
    c.at('old', 400, () => got.push(c.now()));
    c.at('older', 300, () => got.push(-c.now()));
    expect(c.runDue()).toBe(2);
    expect(c.runDue()).toBe(0);
    expect(got).toEqual([-1000, 1000]);
  });

  it('keeps ordering right across many cancellations (the heap is compacted)', () => {
    const c = new VirtualClock(0);
    const got: number[] = [];
    const handles = [];
    for (let i = 0; i < 5000; i++) handles.push(c.at(`t${i}`, 10_000 - i, () => got.push(i)));
    for (let i = 0; i < 5000; i++) if (i % 10 !== 0) handles[i]!.cancel();
    c.advance(10_000);
    expect(got).toEqual(Array.from({ length: 500 }, (_, k) => 4990 - 10 * k));
  });

  it('refuses bad times and a timer storm', () => {
    const c = new VirtualClock(0);
    expect(() => c.advance(-1)).toThrow(FsmError);
    expect(() => c.advance(NaN)).toThrow(FsmError);
    expect(() => c.advanceTo(-5)).toThrow(FsmError);
    expect(() => c.at('x', Infinity, () => {})).toThrow(FsmError);
    const again = () => void c.at('storm', c.now(), again);
    again();
    expect(() => c.advance(0)).toThrow(/more than 1000000 timers/);
  });
});

describe('GoldenLog and expectGolden', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-fsm-golden-'));
  const saved = process.env.SNAPTEL_UPDATE_FIXTURES;
  afterEach(() => {
    if (saved === undefined) delete process.env.SNAPTEL_UPDATE_FIXTURES;
    else process.env.SNAPTEL_UPDATE_FIXTURES = saved;
  });

  it('collects lines in order, with notes, and levels when asked', () => {
    const log = new GoldenLog({ levels: true });
    log.info({ a: 1 }, 'one');
    log.note('-- note');
    log.error({}, 'bad');
    log.warn({}, 'hmm');
    log.debug({}, 'dbg');
    expect(log.lines()).toEqual(['one', '-- note', 'ERROR bad', 'WARN hmm', 'DEBUG dbg']);
    expect(log.text()).toBe('one\n-- note\nERROR bad\nWARN hmm\nDEBUG dbg\n');
    expect(log.entries[0]).toEqual({ level: 'info', fields: { a: 1 }, msg: 'one' });
    log.clear();
    expect(log.text()).toBe('');
  });

  it('passes on equal text, and shows the first differing lines otherwise', () => {
    delete process.env.SNAPTEL_UPDATE_FIXTURES;
    const f = path.join(dir, 'a.ok');
    fs.writeFileSync(f, 'l1\nl2\nl3\nl4\nl5\n');
    expectGolden('l1\nl2\nl3\nl4\nl5\n', f);
    let err: GoldenMismatchError | undefined;
    try {
      expectGolden('l1\nl2\nl3\nX4\nl5\n', f);
    } catch (e) {
      err = e as GoldenMismatchError;
    }
    expect(err).toBeInstanceOf(GoldenMismatchError);
    expect(err!.line).toBe(4);
    expect(err!.file).toBe(f);
    expect(err!.message).toContain(`at line 4`);
    expect(err!.message).toContain('  l2\n  l3\n- l4\n+ X4');
    expect(err!.message).not.toContain('l5');
  });

  it('a missing golden file says how to write it', () => {
    delete process.env.SNAPTEL_UPDATE_FIXTURES;
    expect(() => expectGolden('x\n', path.join(dir, 'missing.ok'))).toThrow(/SNAPTEL_UPDATE_FIXTURES=1/);
  });

  it('SNAPTEL_UPDATE_FIXTURES=1 writes the file instead of comparing', () => {
    process.env.SNAPTEL_UPDATE_FIXTURES = '1';
    const f = path.join(dir, 'sub', 'new.ok');
    expectGolden('fresh\n', f);
    expect(fs.readFileSync(f, 'utf8')).toBe('fresh\n');
    delete process.env.SNAPTEL_UPDATE_FIXTURES;
    expect(() => expectGolden('other\n', f)).toThrow(GoldenMismatchError);
  });

  it('GoldenLog.expect compares its own text', () => {
    delete process.env.SNAPTEL_UPDATE_FIXTURES;
    const f = path.join(dir, 'b.ok');
    fs.writeFileSync(f, 'hello\n');
    const log = new GoldenLog();
    log.note('hello');
    log.expect(f);
    log.note('more');
    expect(() => log.expect(f)).toThrow(/\+ more/);
  });
});

describe('setTimeoutHost', () => {
  it('runs a machine on real timers: the state timer fires and terminates the instance', async () => {
    const host = setTimeoutHost();
    const fsm = new Fsm<'A' | 'B', 'GO'>({
      name: 'R',
      initial: 'A',
      events: ['GO'],
      states: { A: { in: ['GO'], out: ['B'], action: (fi) => fi.stateChg('B', { timer: 'X1' }) }, B: {} },
    });
    const done = new Promise<string>((resolve) => {
      const fi = fsm.create({
        id: 'r',
        host,
        timers: new TimerTable([{ name: 'X1', default: 30, unit: 'ms', desc: 'short' }]),
        data: resolve,
      });
      const t0 = Date.now();
      fi.dispatch('GO');
      expect(fi.timer!.deadline - t0).toBeGreaterThanOrEqual(30);
      const poll = setInterval(() => {
        if (fi.terminated) {
          clearInterval(poll);
          resolve(`terminated after ${Date.now() - t0 >= 29 ? '>=30ms' : 'too early'}`);
        }
      }, 5);
    });
    expect(await done).toBe('terminated after >=30ms');
  });

  it('a cancelled timer does not fire; an overdue deadline fires soon', async () => {
    const host = setTimeoutHost();
    let fired = 0;
    host.at('x', Date.now() + 10, () => fired++).cancel();
    await new Promise<void>((resolve) => host.at('y', Date.now() - 1000, () => resolve()));
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).toBe(0);
  });
});
