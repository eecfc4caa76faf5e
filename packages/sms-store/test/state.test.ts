import * as v8 from 'node:v8';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '@snaptel/fsm';
import { SmsStore, SmsStoreError, type SmsStoreState } from '../src';
import { ESME, MS, body, msg, rig } from './helpers';

const PHONE = MS('4915112345678');

function stateError(f: () => unknown): SmsStoreError {
  try {
    f();
  } catch (e) {
    if (e instanceof SmsStoreError && e.code === 'invalid-state') return e;
    throw e;
  }
  throw new Error('no error');
}

/** A state edited as an attacker or a torn write would, with the checksum made to match again. */
function resigned(s: SmsStoreState, edit: (b: Buffer) => void): SmsStoreState {
  const b = Buffer.from(s.blob, 'latin1');
  edit(b);
  const out = { ...s, blob: b.toString('latin1') };
  const h = createHash('sha256');
  h.update(`${out.format}\n${out.version}\n${out.count}\n${out.nextId}\n${JSON.stringify(out.destinations)}\n${JSON.stringify(out.counters)}\n`);
  h.update(out.blob, 'latin1');
  return { ...out, checksum: h.digest('hex') };
}

describe('no loss across export -> JSON -> import', () => {
  it('10,000 messages for a detached phone come out exactly once, in order, after the phone attaches', () => {
    const a = rig();
    const ids: number[] = [];
    for (let i = 0; i < 10_000; i++) ids.push(a.store.add(msg(PHONE, i, { ud: body(i, 140), origin: { kind: 'ms', imsi: '262019876543210', mr: i & 0xff } })));
    // a few for other destinations, interleaved earlier
    const other = a.store.add(msg(ESME('app'), 1, { origin: { kind: 'esme', systemId: 'gw', messageId: 'm-1' } }));
    a.clock.runDue(); // the MSC sees them due and finds the phone detached: nothing taken
    expect(a.due.flat().length).toBe(10_001);
    a.clock.advance(60_000);

    const json = JSON.stringify(a.store.exportState());
    // what the resumed process gets: a fresh store, at a later time
    const b = rig({}, new VirtualClock(a.clock.now() + 5_000));
    b.store.importState(JSON.parse(json));
    expect(b.store.frozen).toBe(true);
    expect(b.store.size).toBe(10_001);
    b.clock.runDue(); // announced again after the import
    expect(b.due.flat().length).toBe(10_001);
    b.due.length = 0;

    expect(b.store.ready(PHONE)).toBe(10_000);
    b.clock.runDue();
    const dueIds = b.due.flat().map((m) => m.id);
    expect(dueIds).toEqual(ids);
    const got: number[] = [];
    for (const m of b.store.pendingFor(PHONE)) {
      const t = b.store.take(m.id);
      expect(t.attempts).toBe(1);
      expect([...t.ud]).toEqual([...body(got.length, 140)]);
      expect(t.origin).toEqual({ kind: 'ms', imsi: '262019876543210', mr: got.length & 0xff });
      b.store.delivered(m.id);
      got.push(m.id);
    }
    expect(got).toEqual(ids);
    expect(new Set(got).size).toBe(10_000);
    expect(b.store.pendingFor(PHONE)).toEqual([]);
    expect(b.store.list().map((m) => m.id)).toEqual([other]);
    // ids are never reused after the import
    expect(b.store.add(msg(PHONE, 0))).toBe(other + 1);
    expect(b.store.stats().counters).toMatchObject({ added: 10_002, delivered: 10_000 });
  });

  it('the state holds no ArrayBuffer and survives v8.serialize (the live snapshot path)', () => {
    const a = rig();
    for (let i = 0; i < 100; i++) a.store.add(msg(MS(String(100 + (i % 5))), i));
    const s = a.store.exportState();
    const hasBuffer = (v: unknown): boolean => ArrayBuffer.isView(v) || v instanceof ArrayBuffer || (typeof v === 'object' && v !== null && Object.values(v).some(hasBuffer));
    expect(hasBuffer(s)).toBe(false);
    const b = rig();
    b.store.importState(v8.deserialize(v8.serialize(s)));
    expect(b.store.list()).toEqual(a.store.list());
  });

  it('in-flight messages in a state come back waiting, due at once, and are delivered again with attempt 2', () => {
    const a = rig();
    const x = a.store.add(msg(PHONE, 1));
    const y = a.store.add(msg(PHONE, 2));
    a.store.take(x);
    const s = a.store.exportState();
    const b = rig({}, new VirtualClock(a.clock.now()));
    b.store.importState(s);
    expect(b.store.get(x)).toMatchObject({ state: 'waiting', attempts: 1, nextAttemptAt: b.clock.now() });
    b.clock.runDue();
    expect(b.due.flat().map((m) => m.id)).toEqual([x, y]);
    expect(b.store.take(x).attempts).toBe(2);
    expect(b.store.stats().counters.requeued).toBe(1);
  });

  it('keeps retry times, validity and causes; the one timer is armed for the earliest deadline', () => {
    const a = rig();
    const t0 = a.clock.now();
    const x = a.store.add(msg(PHONE, 1, { validUntil: t0 + 500_000, statusReportRequested: true }));
    a.clock.runDue();
    a.store.take(x);
    a.store.failed(x, { temporary: true, cause: 27 });
    const before = a.store.get(x)!;
    const b = rig({}, new VirtualClock(a.clock.now()));
    b.store.importState(JSON.parse(JSON.stringify(a.store.exportState())));
    expect(b.clock.pending()).toEqual([{ name: 'sms-store', deadline: t0 + 30_000 }]);
    expect(b.store.get(x)).toEqual(before);
    b.clock.advance(30_000);
    expect(b.due.flat().map((m) => m.id)).toEqual([x]);
    b.clock.advance(500_000);
    expect(b.reports).toEqual([expect.objectContaining({ id: x, outcome: 'expired', cause: 27, at: t0 + 500_000 })]);
  });

  it('a report record stays a report, and a recipient stays with its message, through export -> JSON -> import, and an unknown flag bit is refused', () => {
    const a = rig();
    const r = a.store.add(msg(PHONE, 1, { report: true, ud: Uint8Array.from(Buffer.from('{"st":0}')) }));
    const m = a.store.add(msg(ESME('app'), 2, { recipient: { ton: 1, npi: 1, address: '4930123456' } }));
    const u = a.store.add(msg(ESME('app'), 3, { recipient: { ton: 5, npi: 0, address: 'Zürich' } }));
    const b = rig();
    const state = JSON.parse(JSON.stringify(a.store.exportState())) as SmsStoreState;
    b.store.importState(state);
    expect(b.store.get(r)).toMatchObject({ report: true, ud: Uint8Array.from(Buffer.from('{"st":0}')) });
    expect(b.store.get(m)).toMatchObject({ report: false, recipient: { ton: 1, npi: 1, address: '4930123456' } });
    expect(b.store.get(u)!.recipient).toEqual({ ton: 5, npi: 0, address: 'Zürich' });
    expect(b.store.get(r)!.recipient).toBeUndefined();
    expect(() => a.store.add(msg(PHONE, 4, { recipient: { ton: 9, npi: 1, address: '1' } }))).toThrow(/recipient.ton/);
    expect(() => a.store.add(msg(PHONE, 3, { report: 'yes' as unknown as boolean }))).toThrow(/report must be a boolean/);
  });

  it('freeze/thaw is lossless (in-flight stays in flight) and leaves only strings behind', () => {
    const a = rig();
    const ids = [a.store.add(msg(PHONE, 1)), a.store.add(msg(ESME('x'), 2)), a.store.add(msg(PHONE, 3))];
    a.store.take(ids[1]!);
    a.store.delivered(ids[0]!);
    const list = a.store.list();
    a.store.freeze();
    expect(a.store.frozen).toBe(true);
    expect(a.store.allocatedBytes()).toBeLessThan(200);
    expect(a.store.size).toBe(2);
    a.store.thaw();
    expect(a.store.list()).toEqual(list);
    a.store.freeze();
    expect(a.store.delivered(ids[1]!)).toBeNull(); // any call thaws
    expect(a.store.list().map((m) => m.id)).toEqual([ids[2]]);
  });

  it('an empty store round-trips and keeps its next id', () => {
    const a = rig();
    const id = a.store.add(msg(PHONE, 1));
    a.store.take(id);
    a.store.delivered(id);
    const b = SmsStore.fromState(a.store.exportState(), { host: new VirtualClock() });
    expect(b.size).toBe(0);
    expect(b.add(msg(PHONE, 2))).toBe(id + 1);
  });
});

describe('bad state', () => {
  const a = rig();
  for (let i = 0; i < 5; i++) a.store.add(msg(i < 3 ? PHONE : ESME('gw'), i, { origin: i < 3 ? { kind: 'ms', imsi: '262011234567890', mr: i } : { kind: 'esme', systemId: 'sys', messageId: `id${i}` } }));
  const good = a.store.exportState();

  it('refuses anything that is not a state, naming the field; the store is unchanged', () => {
    const b = rig();
    const keep = b.store.add(msg(PHONE, 9));
    const cases: Array<[unknown, string]> = [
      [null, 'state'],
      ['SNAPTEL', 'state'],
      [{ ...good, format: 'snaptel-vlr' }, 'state.format'],
      [{ ...good, version: 2 }, 'state.version'],
      [{ ...good, count: -1 }, 'state.count'],
      [{ ...good, nextId: 0 }, 'state.nextId'],
      [{ ...good, destinations: ['tel:123'] }, 'state.destinations'],
      [{ ...good, counters: { ...good.counters, added: -1 } }, 'state.counters.added'],
      [{ ...good, blob: 5 }, 'state.blob'],
      [{ ...good, checksum: undefined }, 'state.checksum'],
    ];
    for (const [s, field] of cases) expect(stateError(() => b.store.importState(s)).field, field).toBe(field);
    expect(b.store.list().map((m) => m.id)).toEqual([keep]);
  });

  it('refuses a torn or edited state by its checksum', () => {
    const b = rig();
    const torn = { ...good, blob: good.blob.slice(0, good.blob.length - 10) };
    expect(stateError(() => b.store.importState(torn)).message).toMatch(/checksum does not match/);
    const edited = { ...good, nextId: good.nextId + 1 };
    expect(stateError(() => b.store.importState(edited)).field).toBe('state.checksum');
    const bumped = { ...good, counters: { ...good.counters, delivered: 7 } };
    expect(stateError(() => b.store.importState(bumped)).field).toBe('state.checksum');
    // a JSON file re-encoded with the blob's high bytes mangled into U+FFFD
    const mangled = { ...good, blob: good.blob.replace(/[\x80-\xff]/, '\ufffd') };
    expect(stateError(() => b.store.importState(mangled)).message).toMatch(/above U\+00FF|checksum/);
  });

  it('names the record that does not hold together even when the checksum matches', () => {
    const b = rig();
    // record layout: id f64 @0, state u8 @42, flags u8 @43, length u32 @44; records follow each other
    const len0 = Buffer.from(good.blob, 'latin1').readUInt32LE(44);
    const second = 48 + len0;
    const e1 = stateError(() => b.store.importState(resigned(good, (buf) => (buf[second + 42] = 9))));
    expect(e1.index).toBe(1);
    expect(e1.message).toMatch(/record 1 .*state 9/);
    const e2 = stateError(() => b.store.importState(resigned(good, (buf) => buf.writeDoubleLE(1, second))));
    expect(e2.message).toMatch(/record 1 .*id 1 is not above 1/);
    const e3 = stateError(() => b.store.importState(resigned(good, (buf) => buf.writeUInt32LE(7, second + 32))));
    expect(e3.message).toMatch(/destination index 7/);
    const e4 = stateError(() => b.store.importState(resigned(good, (buf) => buf.writeUInt32LE(100_000, second + 44))));
    expect(e4.message).toMatch(/runs past the end/);
    const e5 = stateError(() => b.store.importState(resigned(good, (buf) => (buf[second + 48 + 6] = 0))));
    expect(e5.message).toMatch(/record 1 .*does not hold together/);
    const e6 = stateError(() => b.store.importState(resigned(good, (buf) => (buf[43] = 0x80))));
    expect(e6.message).toMatch(/record 0: .*unknown bits/);
    expect(b.store.size).toBe(0);
  });
});
