/**
 * Scenarios of the example location-updating machine (test/lu.ts), each
 * compared line by line with a golden file beside this test (lu_*.ok).
 * SNAPTEL_UPDATE_FIXTURES=1 rewrites them; the checked-in files were read
 * and checked by hand against the machine's table. Each scenario also
 * asserts the outcome directly, so a golden file rewritten by mistake does
 * not hide a broken machine.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsmError, GoldenLog, VirtualClock, expectGolden, type FsmInstance } from '../src';
import { LU, UL, luTimers, type LuData, type LuEvent, type LuState } from './lu';

const ok = (name: string) => path.join(__dirname, name);
const IMSI = 'IMSI-001010000000001';

function start(log: GoldenLog, clock: VirtualClock, id = IMSI) {
  const data: LuData = { calls: [] };
  const fi = LU.create({ id, host: clock, timers: luTimers(), log, data });
  return { fi, data };
}

const child = (fi: FsmInstance<LuState, LuEvent>) => [...fi.children][0]!;

describe('location updating (golden logs)', () => {
  it('accepted: authentication, Update Location by a child, TMSI reallocation', () => {
    const log = new GoldenLog();
    const clock = new VirtualClock();
    const { fi, data } = start(log, clock);
    log.note('--- MS sends LU Request, network sends Authentication Request');
    fi.dispatch('LU_REQ');
    expect(fi.timer).toEqual({ name: 'T3260', deadline: clock.now() + 12_000 });
    clock.advance(800);
    log.note('--- Authentication Response after 800 ms; Update Location to the HLR');
    fi.dispatch('AUTH_RESP');
    expect(fi.state).toBe('WAIT_HLR');
    expect(fi.timer).toBeUndefined();
    const ul = child(fi);
    expect(ul.name).toBe(`UL(${IMSI})`);
    expect(ul.timer).toEqual({ name: 'X1', deadline: clock.now() + 5000 });
    clock.advance(40);
    log.note('--- HLR accepts; TMSI Reallocation Command');
    ul.dispatch('UL_ACK');
    expect(ul.terminated).toBe(true);
    expect(fi.state).toBe('WAIT_TMSI_CNF');
    expect(fi.timer).toEqual({ name: 'T3250', deadline: clock.now() + 12_000 });
    log.note('--- TMSI Reallocation Complete');
    fi.dispatch('TMSI_REALL_CMPL');
    expect(fi.terminated).toBe(true);
    expect(clock.pending()).toEqual([]);
    expect(data.calls).toEqual(['leave WAIT_AUTH -> WAIT_HLR', 'enter WAIT_HLR from WAIT_AUTH', 'terminate regular']);
    expectGolden(log.text(), ok('lu_accept.ok'));
  });

  it('timeouts: T3260 ends the procedure; X1 in the child reaches the parent; T3250 is survived', () => {
    const log = new GoldenLog();
    const clock = new VirtualClock();

    log.note('--- 1. no Authentication Response: T3260 expires');
    const a = start(log, clock, 'IMSI-001010000000002');
    a.fi.dispatch('LU_REQ');
    clock.advance(11_999);
    expect(a.fi.terminated).toBe(false);
    clock.advance(1);
    expect(a.fi.terminated).toBe(true);
    expect(a.data.calls).toEqual(['terminate timeout']);

    log.note('--- 2. the HLR does not answer: X1 expires in the child, the parent gives up');
    const b = start(log, clock, 'IMSI-001010000000003');
    b.fi.dispatch('LU_REQ');
    b.fi.dispatch('AUTH_RESP');
    const ul = child(b.fi);
    clock.advance(5000);
    expect(ul.terminated).toBe(true);
    expect(b.fi.terminated).toBe(true);
    expect(b.data.calls.at(-1)).toBe('terminate error');

    log.note('--- 3. no TMSI Reallocation Complete: T3250 expires, the update stands');
    const c = start(log, clock, 'IMSI-001010000000004');
    c.fi.dispatch('LU_REQ');
    c.fi.dispatch('AUTH_RESP');
    child(c.fi).dispatch('UL_ACK');
    clock.advance(12_000);
    expect(c.fi.terminated).toBe(true);
    expect(c.data.calls.at(-1)).toBe('terminate regular');
    expect(clock.pending()).toEqual([]);
    expectGolden(log.text(), ok('lu_timeouts.ok'));
  });

  it('abort, refused events and a restore after a live snapshot', () => {
    const log = new GoldenLog();
    const clock = new VirtualClock();

    log.note('--- 1. ABORT while the HLR is asked: the child goes first, with cause parent');
    const a = start(log, clock);
    a.fi.dispatch('LU_REQ');
    a.fi.dispatch('AUTH_RESP');
    const ul = child(a.fi);
    a.fi.dispatch('ABORT', { cause: 'release' });
    expect(ul.terminated).toBe(true);
    expect(a.fi.terminated).toBe(true);
    expect(a.data.calls.at(-1)).toBe('terminate release');

    log.note('--- 2. events that the state does not permit');
    const b = start(log, clock, 'IMSI-001010000000005');
    expect(() => b.fi.dispatch('AUTH_RESP')).toThrow(FsmError);
    b.fi.dispatch('LU_REQ');
    expect(() => b.fi.dispatch('LU_REQ')).toThrow(/event LU_REQ not permitted in state WAIT_AUTH/);
    expect(() => b.fi.stateChg('ACCEPTED')).toThrow(/transition to state ACCEPTED not permitted/);
    expect(b.fi.state).toBe('WAIT_AUTH');
    b.fi.dispatch('AUTH_FAIL');
    expect(b.fi.terminated).toBe(true);
    expect(() => b.fi.dispatch('ABORT')).toThrow(/terminated/);

    log.note('--- 3. restored in WAIT_AUTH with 4 s of T3260 left, then the Response comes');
    const c = start(log, clock, 'IMSI-001010000000006');
    c.fi.restore('WAIT_AUTH', { name: 'T3260', deadline: clock.now() + 4000 });
    expect(c.data.calls).toEqual([]);
    clock.advance(3000);
    c.fi.dispatch('AUTH_RESP');
    expect(c.fi.state).toBe('WAIT_HLR');

    log.note('--- 4. restored in WAIT_TMSI_CNF after its T3250 fell due while the image was down');
    const d = start(log, clock, 'IMSI-001010000000007');
    d.fi.restore('WAIT_TMSI_CNF', { name: 'T3250', deadline: clock.now() - 2500 });
    expect(clock.runDue()).toBe(1);
    expect(d.fi.terminated).toBe(true);
    expect(clock.runDue()).toBe(0);
    c.fi.terminate('regular');
    expectGolden(log.text(), ok('lu_abort.ok'));
  });

  it('describe(): the tables as the README and `status` show them', () => {
    const timers = luTimers();
    const text = [LU.describe(timers, { seen: false }), UL.describe(timers, { seen: false }), timers.describe()].join('\n');
    expect(text).toContain('WAIT_AUTH');
    expectGolden(text, ok('lu_describe.ok'));
  });
});
