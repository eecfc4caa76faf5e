/**
 * SCCP connection-oriented control between two nodes wired back to back:
 * every transition of the SCOC table, the timers on a virtual clock, and two
 * dialogues compared with golden logs (test/*.ok; SNAPTEL_UPDATE_FIXTURES=1
 * rewrites them, and each scenario asserts its outcome directly as well).
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden, GoldenLog } from '@snaptel/fsm';
import { encode, ERROR_CAUSE, REFUSAL_CAUSE, RELEASE_CAUSE, SCOC, sccpTimers, SccpError, type SccpMessage, type SccpNode } from '../src';
import { at, BSSAP, hex, Recorder, u8, Wire, type Policy } from './harness';

const ok = (name: string) => path.join(__dirname, name);

function pair(opts: { golden?: boolean; policy?: Policy; a?: Record<string, unknown>; b?: Record<string, unknown> } = {}) {
  const log = opts.golden ? new GoldenLog() : undefined;
  const w = new Wire(log);
  const A = w.add('A', { pc: 1, ...opts.a });
  const B = w.add('B', { pc: 2, ...opts.b });
  const ua = new Recorder('userA', 'accept', log);
  const ub = new Recorder('userB', opts.policy ?? 'accept', log);
  A.bind(BSSAP, ua);
  B.bind(BSSAP, ub);
  return { w, A, B, ua, ub, log: log! };
}

/** A connection from A to B, established. */
function established(opts: Parameters<typeof pair>[0] = {}) {
  const p = pair(opts);
  const a = p.A.connect(at(2), u8('0001'), p.ua);
  p.w.pump();
  const b = p.ub.conns[0]!;
  expect(a.state).toBe('ACTIVE');
  expect(b.state).toBe('ACTIVE');
  return { ...p, a, b };
}

/** Injects a message into `node` as if it came from `opc`. */
function inject(node: SccpNode, msg: Record<string, unknown>, opc: number) {
  node.receive(encode(msg as unknown as SccpMessage), { opc, dpc: node.pc, sls: 0 });
}

describe('connection setup, data, release', () => {
  it('golden dialogue: CR with data, CC, DT1 both ways (one segmented with M), RLSD, RLC', () => {
    const { w, A, B, ua, ub, log } = pair({ golden: true });
    log.note('--- A connects to B (SSN 254) with 4 octets in the CR');
    const a = A.connect(at(2), u8('00010203'), ua, { calling: at(1) });
    expect(a.state).toBe('CONN_PEND_OUT');
    expect(a.localRef).toBe(1);
    w.pump();
    const b = ub.conns[0]!;
    expect(a.state).toBe('ACTIVE');
    expect(b.state).toBe('ACTIVE');
    expect(a.remoteRef).toBe(b.localRef);
    expect(b.remoteRef).toBe(a.localRef);
    expect(b.remotePc).toBe(1);
    expect(b.calling).toEqual(at(1));
    expect(ub.events[0]).toBe(`connect indication ${b.name} data=00010203 calling pc=1`);
    expect(ua.events).toEqual([`connected ${a.name}`]);
    log.note('--- A sends 2 octets, B answers with 300 (two DT1, M bit on the first)');
    expect(a.send(u8('0a0b'))).toBe(true);
    w.pump();
    const big = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    b.send(big);
    w.pump();
    expect(hex(ub.received[0]!)).toBe('0a0b');
    expect(ua.received).toHaveLength(1);
    expect(hex(ua.received[0]!)).toBe(hex(big));
    const dt1 = w.sent.filter((s) => s.msg.type === 'DT1' && s.from === 'B').map((s) => s.msg as { segmentingReassembling: number; data: string });
    expect(dt1.map((m) => [m.segmentingReassembling, m.data.length / 2])).toEqual([
      [1, 255],
      [0, 45],
    ]);
    log.note('--- A releases; B confirms');
    a.release(RELEASE_CAUSE.END_USER_ORIGINATED);
    expect(a.state).toBe('DISCONN_PEND');
    expect(a.send(u8('00'))).toBe(false);
    w.pump();
    expect(a.state).toBe('RELEASED');
    expect(b.state).toBe('RELEASED');
    expect(ua.released.get(a)).toEqual({ by: 'local', kind: 'release', cause: 0, text: 'end user originated', confirmed: true });
    expect(ub.released.get(b)).toEqual({ by: 'remote', kind: 'release', cause: 0, text: 'end user originated' });
    expect(w.types()).toEqual(['A>B CR', 'B>A CC', 'A>B DT1', 'B>A DT1', 'B>A DT1', 'A>B RLSD', 'B>A RLC']);
    expect(A.connections()).toEqual([]);
    expect(B.connections()).toEqual([]);
    expect(A.isFrozen(a.localRef)).toBe(true);
    expect(w.clock.pending()).toEqual([]);
    expectGolden(log.text(), ok('dialogue.ok'));
  });

  it('every message of a connection goes to the peer PC on one SLS', () => {
    const { w, a, b } = established();
    a.send(u8('01'));
    b.send(u8('02'));
    a.release();
    w.pump();
    const fromA = w.sent.filter((s) => s.from === 'A');
    expect(new Set(fromA.map((s) => s.route.sls))).toEqual(new Set([a.sls]));
    expect(fromA.every((s) => s.route.opc === 1 && s.route.dpc === 2)).toBe(true);
    const fromB = w.sent.filter((s) => s.from === 'B');
    expect(new Set(fromB.map((s) => s.route.sls))).toEqual(new Set([b.sls]));
    expect(a.sls).toBeLessThan(16);
  });

  it('CR data over 128 octets follows as DT1 after the CC; so does CC data over 128 and RLSD data over 128', () => {
    const { w, A, ua, ub } = pair();
    const crData = Uint8Array.from({ length: 200 }, (_, i) => i);
    ub.acceptData = Uint8Array.from({ length: 129 }, () => 7);
    const a = A.connect(at(2), crData, ua);
    w.pump();
    expect(w.types()).toEqual(['A>B CR', 'B>A CC', 'B>A DT1', 'A>B DT1']);
    expect((w.sent[0]!.msg as { data?: string }).data).toBeUndefined();
    expect((w.sent[1]!.msg as { data?: string }).data).toBeUndefined();
    expect(ub.events[0]).toMatch(/^connect indication SCOC\(B-000001\)$/);
    expect(hex(ub.received[0]!)).toBe(hex(crData));
    expect(hex(ua.received[0]!)).toBe('07'.repeat(129));
    const n = w.sent.length;
    a.release(0, Uint8Array.from({ length: 130 }, () => 9));
    w.pump();
    expect(w.types(n)).toEqual(['A>B DT1', 'A>B RLSD', 'B>A RLC']);
    expect(ub.received[1]!.length).toBe(130);
  });

  it('CC data up to 128 octets rides in the CC and reaches onConnected', () => {
    const { w, A, ua, ub } = pair();
    ub.acceptData = u8('cafe');
    A.connect(at(2), undefined, ua);
    w.pump();
    expect(ua.events[0]).toMatch(/connected .* data=cafe$/);
  });

  it('data sent while the CR is pending goes out, in order, once the CC is in', () => {
    const { w, A, ua, ub } = pair();
    const a = A.connect(at(2), undefined, ua);
    a.send(u8('01'));
    a.send(u8('02'));
    expect(w.types()).toEqual(['A>B CR']);
    w.pump();
    expect(ub.received.map(hex)).toEqual(['01', '02']);
  });

  it('RLSD from the peer: RLC back, the user gets cause and data', () => {
    const { w, a, b, ua } = established();
    b.release(RELEASE_CAUSE.SCCP_USER_ORIGINATED, u8('beef'));
    w.pump();
    expect(ua.released.get(a)).toEqual({ by: 'remote', kind: 'release', cause: 3, text: 'SCCP user originated', data: u8('beef') });
    expect(w.types().slice(-2)).toEqual(['B>A RLSD', 'A>B RLC']);
  });

  it('RLSDs crossing: both ends free their reference without RLC', () => {
    const { w, a, b, ua, ub } = established();
    a.release();
    b.release();
    w.pump();
    expect(w.types().slice(-2)).toEqual(['A>B RLSD', 'B>A RLSD']);
    expect(ua.released.get(a)!.confirmed).toBe(true);
    expect(ub.released.get(b)!.confirmed).toBe(true);
  });

  it('a lower that delivers synchronously: the whole dialogue runs inside connect() and release()', () => {
    const { w, A, ua, ub } = pair();
    w.sync = true;
    const a = A.connect(at(2), u8('01'), ua);
    expect(a.state).toBe('ACTIVE');
    expect(ua.events).toEqual([`connected ${a.name}`]);
    a.send(u8('02'));
    expect(ub.received.map(hex)).toEqual(['02']);
    a.release();
    expect(a.state).toBe('RELEASED');
    expect(ua.released.get(a)!.confirmed).toBe(true);
  });
});

describe('refusal', () => {
  it('the user refuses: CREF with its cause; the caller is told by remote refusal', () => {
    const { w, A, ua, ub } = pair({ policy: 'refuse' });
    ub.refuseCause = REFUSAL_CAUSE.END_USER_CONGESTION;
    const a = A.connect(at(2), u8('01'), ua);
    w.pump();
    expect(w.types()).toEqual(['A>B CR', 'B>A CREF']);
    expect(ua.released.get(a)).toEqual({ by: 'remote', kind: 'refusal', cause: 1, text: 'end user congestion' });
    const b = ub.conns[0]!;
    expect(ub.released.get(b)).toEqual({ by: 'local', kind: 'refusal', cause: 1, text: 'end user congestion' });
    expect(b.state).toBe('RELEASED');
  });

  it('a user that throws in onConnectIndication: CREF end user failure, counted', () => {
    const { w, A, B, ua } = pair({ policy: 'throw' });
    const a = A.connect(at(2), undefined, ua);
    w.pump();
    expect(ua.released.get(a)).toMatchObject({ kind: 'refusal', cause: REFUSAL_CAUSE.END_USER_FAILURE });
    expect(B.status().counters['user-errors']).toBe(1);
    expect(B.connections()).toEqual([]);
  });

  it('CR to an SSN nobody bound: CREF unequipped user; after unbind: subsystem failure; no SSN: no translation', () => {
    const { w, A, B, ua } = pair();
    const a1 = A.connect(at(2, 8), undefined, ua);
    w.pump();
    expect(ua.released.get(a1)).toMatchObject({ by: 'remote', kind: 'refusal', cause: REFUSAL_CAUSE.UNEQUIPPED_USER, text: 'unequipped user' });
    const binding = B.bind(8, new Recorder('msc'));
    binding.unbind();
    const a2 = A.connect(at(2, 8), undefined, ua);
    w.pump();
    expect(ua.released.get(a2)).toMatchObject({ cause: REFUSAL_CAUSE.SUBSYSTEM_FAILURE, text: 'subsystem failure' });
    const a3 = A.connect({ routing: 'gt', pc: 2, gt: { gti: 4, tt: 0, np: 1, nai: 4, digits: '1234' } }, undefined, ua);
    w.pump();
    expect(ua.released.get(a3)).toMatchObject({ cause: REFUSAL_CAUSE.NO_TRANSLATION_FOR_NATURE });
    expect(B.connections()).toEqual([]);
    expect(B.status().counters.refused).toBe(3);
    expect(B.status().subsystems).toEqual([
      { ssn: 8, state: 'prohibited' },
      { ssn: 254, state: 'bound' },
    ]);
  });

  it('a bound user without onConnectIndication: CREF unequipped user', () => {
    const { w, A, B, ua } = pair();
    B.bind(7, { onUnitdata: () => {} });
    const a = A.connect(at(2, 7), undefined, ua);
    w.pump();
    expect(ua.released.get(a)).toMatchObject({ cause: REFUSAL_CAUSE.UNEQUIPPED_USER });
  });

  it('CR asking for class 3 gets class 2; a CR of class 0 is refused (unqualified)', () => {
    const { w, A, B, ub } = pair();
    inject(B, { type: 'CR', srcRef: 0x77, protocolClass: { class: 3, handling: 0 }, called: at(2) }, 1);
    expect(ub.conns[0]!.state).toBe('ACTIVE');
    expect(w.sent.at(-1)!.msg).toMatchObject({ type: 'CC', dstRef: 0x77, protocolClass: { class: 2 } });
    inject(B, { type: 'CR', srcRef: 0x78, protocolClass: { class: 0, handling: 0 }, called: at(2) }, 1);
    expect(w.sent.at(-1)!.msg).toEqual({ type: 'CREF', dstRef: 0x78, refusalCause: REFUSAL_CAUSE.UNQUALIFIED });
    // A never sent those CRs: the CC gets ERR (which releases B's side), the CREF is dropped.
    w.pump();
    expect(A.status().counters['unknown-ref']).toBe(2);
    expect(ub.released.get(ub.conns[0]!)).toMatchObject({ by: 'remote', kind: 'error', cause: ERROR_CAUSE.UNASSIGNED_DESTINATION_LRN });
  });
});

describe('timers', () => {
  it('T(conn_est): no CC within 60 s releases the caller; a late CC gets ERR and the callee is released', () => {
    const { w, A, ua, ub } = pair({ policy: 'manual' });
    const a = A.connect(at(2), undefined, ua);
    w.pump();
    const b = ub.conns[0]!;
    expect(b.state).toBe('CONN_PEND_IN');
    expect(a.fi.timer).toEqual({ name: 'T(conn_est)', deadline: w.clock.now() + 60_000 });
    w.advance(59_999);
    expect(a.state).toBe('CONN_PEND_OUT');
    w.advance(1);
    expect(ua.released.get(a)).toEqual({ by: 'sccp', kind: 'refusal', cause: 12, text: 'expiration of connection establishment timer' });
    b.accept();
    w.pump();
    expect(w.types().slice(-2)).toEqual(['B>A CC', 'A>B ERR']);
    expect((w.sent.at(-1)!.msg as { errorCause: number }).errorCause).toBe(ERROR_CAUSE.UNASSIGNED_DESTINATION_LRN);
    expect(ub.released.get(b)).toEqual({ by: 'remote', kind: 'error', cause: 0, text: 'unassigned destination LRN' });
  });

  it('released while the CR is pending: the CC is answered with RLSD (WAIT_CONN_CONF)', () => {
    const { w, A, ua, ub } = pair();
    const a = A.connect(at(2), undefined, ua);
    a.release(RELEASE_CAUSE.END_USER_FAILURE);
    expect(a.state).toBe('WAIT_CONN_CONF');
    expect(a.fi.timer?.name).toBe('T(conn_est)');
    w.pump();
    expect(w.types()).toEqual(['A>B CR', 'B>A CC', 'A>B RLSD', 'B>A RLC']);
    expect(ua.released.get(a)).toEqual({ by: 'local', kind: 'release', cause: 2, text: 'end user failure', confirmed: true });
    expect(ub.released.get(ub.conns[0]!)).toMatchObject({ by: 'remote', cause: 2 });
  });

  it('released while the CR is pending and no answer: T(conn_est) ends it unconfirmed', () => {
    const { w, A, ua } = pair({ policy: 'manual' });
    const a = A.connect(at(2), undefined, ua);
    a.release();
    w.advance(60_000);
    expect(ua.released.get(a)).toMatchObject({ by: 'local', confirmed: false });
    expect(A.connections()).toEqual([]);
  });

  it('T(ias) sends IT when nothing was sent for 7 minutes; ITs keep an idle connection alive', () => {
    const { w, a, b } = established();
    const t0 = w.clock.now();
    const n = w.sent.length;
    w.advance(419_000);
    expect(w.sent.length).toBe(n);
    a.send(u8('01')); // A's T(ias) starts again from here; B's does not
    w.advance(1_000);
    expect(w.types(n)).toEqual(['A>B DT1', 'B>A IT']);
    expect(w.sent.at(-1)!.msg).toEqual({
      type: 'IT',
      dstRef: a.localRef,
      srcRef: b.localRef,
      protocolClass: { class: 2, handling: 0 },
      sequencing: { sendSeq: 0, recvSeq: 0, more: false },
      credit: 0,
    });
    w.advance(418_999);
    expect(w.types(n)).toEqual(['A>B DT1', 'B>A IT']);
    w.advance(1);
    expect(w.types(n)).toEqual(['A>B DT1', 'B>A IT', 'A>B IT']);
    w.advance(2 * 3600_000);
    expect(a.state).toBe('ACTIVE');
    expect(b.state).toBe('ACTIVE');
    // Each side sends an IT every 420 s of its own silence, from its last message on.
    const times = (from: string) => w.sent.filter((s) => s.from === from && s.msg.type === 'IT').map((s) => s.at - t0);
    const every = (ts: number[]) => ts.slice(1).map((t, i) => t - ts[i]!);
    expect(times('B')[0]).toBe(420_000);
    expect(times('A')[0]).toBe(839_000);
    expect(new Set(every(times('A')))).toEqual(new Set([420_000]));
    expect(new Set(every(times('B')))).toEqual(new Set([420_000]));
    expect(times('A').length).toBe(1 + Math.floor((2 * 3600) / 420));
  });

  it('golden: T(iar) releases a connection that hears nothing; RLSD repeated by T(rel), T(repeat_rel) until T(int)', () => {
    const { w, a, b, ua, ub, log } = established({ golden: true });
    log.clear();
    const t0 = w.clock.now();
    log.note('--- the link between A and B is cut');
    w.drop = () => true;
    w.advance(900_000);
    expect(ua.released.get(a)).toEqual({ by: 'sccp', kind: 'release', cause: 13, text: 'expiration of receive inactivity timer' });
    expect(ub.released.get(b)).toEqual(ua.released.get(a));
    expect(a.state).toBe('DISCONN_PEND');
    expect(a.fi.timer).toEqual({ name: 'T(rel)', deadline: t0 + 910_000 });
    w.advance(70_000);
    expect(a.state).toBe('RELEASED');
    expect(b.state).toBe('RELEASED');
    const rlsd = w.sent.filter((s) => s.from === 'A' && s.msg.type === 'RLSD').map((s) => (s.msg as { releaseCause: number }).releaseCause);
    // At T(iar), after T(rel), then every T(repeat_rel) until T(int) (60 s after T(rel)) gives up.
    expect(rlsd).toEqual([13, 13, 13, 13, 13, 13, 13]);
    expect(w.sent.filter((s) => s.from === 'A' && s.msg.type === 'IT')).toHaveLength(2);
    expect(w.clock.pending()).toEqual([]);
    expect(w.nodes.get(1)!.node.status().counters['release-gave-up']).toBe(1);
    expectGolden(log.text(), ok('inactivity.ok'));
  });

  it('T(rel): RLSD repeated until an RLC comes; the release is then confirmed', () => {
    const { w, a, ua } = established();
    let lost = 0;
    w.drop = (s) => s.msg.type === 'RLSD' && lost++ < 2;
    a.release();
    w.pump();
    expect(a.state).toBe('DISCONN_PEND');
    w.advance(10_000); // T(rel): second RLSD, lost
    expect(a.fi.timer?.name).toBe('T(repeat_rel)');
    w.advance(10_000); // T(repeat_rel): third RLSD; the peer already freed its side: RLC from the unassigned path
    expect(a.state).toBe('RELEASED');
    expect(ua.released.get(a)).toMatchObject({ by: 'local', confirmed: true });
    expect(w.types().filter((t) => t.endsWith('RLSD'))).toHaveLength(3);
  });

  it('timers are configurable, by our names or libosmo-sigtran VTY names; 0 switches T(ias) off', () => {
    const t = sccpTimers({ ias: 0, 'T(iar)': '30s' });
    const { w, a, ua } = established({ a: { timers: t }, b: { timers: sccpTimers({ ias: 0 }) } });
    w.advance(29_999);
    expect(a.state).toBe('ACTIVE');
    w.advance(1);
    expect(ua.released.get(a)).toMatchObject({ by: 'sccp', cause: RELEASE_CAUSE.EXPIRATION_OF_RECEIVE_INACTIVITY_TIMER });
    expect(w.types().slice(-2)).toEqual(['A>B RLSD', 'B>A RLC']);
    expect(w.sent.some((s) => s.msg.type === 'IT')).toBe(false);
  });
});

describe('messages from the peer', () => {
  it('IT with another protocol class, or from another source reference: released with inconsistent connection data', () => {
    const { w, A, a, b, ua } = established();
    inject(A, { type: 'IT', dstRef: a.localRef, srcRef: b.localRef, protocolClass: { class: 3, handling: 0 }, sequencing: { sendSeq: 0, recvSeq: 0, more: false }, credit: 0 }, 2);
    expect(ua.released.get(a)).toMatchObject({ by: 'sccp', kind: 'release', cause: RELEASE_CAUSE.INCONSISTENT_CONNECTION_DATA });
    expect(w.sent.at(-1)!.msg).toMatchObject({ type: 'RLSD', dstRef: b.localRef, releaseCause: 5 });

    const q = established();
    inject(q.A, { type: 'IT', dstRef: q.a.localRef, srcRef: 0x4242, protocolClass: { class: 2, handling: 0 }, sequencing: { sendSeq: 0, recvSeq: 0, more: false }, credit: 0 }, 2);
    expect(q.w.sent.slice(-2).map((s) => s.msg)).toEqual([
      { type: 'RLSD', dstRef: 0x4242, srcRef: q.a.localRef, releaseCause: 5 },
      { type: 'RLSD', dstRef: q.b.localRef, srcRef: q.a.localRef, releaseCause: 5 },
    ]);
    expect(q.ua.released.get(q.a)).toMatchObject({ cause: 5 });
  });

  it('a correct IT restarts T(iar) and changes nothing else', () => {
    const { w, A, a, b, ua } = established({ a: { timers: sccpTimers({ ias: 0, iar: 100 }) }, b: { timers: sccpTimers({ ias: 0 }) } });
    w.advance(90_000);
    inject(A, { type: 'IT', dstRef: a.localRef, srcRef: b.localRef, protocolClass: { class: 2, handling: 0 }, sequencing: { sendSeq: 0, recvSeq: 0, more: false }, credit: 0 }, 2);
    w.advance(99_999);
    expect(a.state).toBe('ACTIVE');
    w.advance(1);
    expect(ua.released.get(a)).toMatchObject({ cause: RELEASE_CAUSE.EXPIRATION_OF_RECEIVE_INACTIVITY_TIMER });
  });

  it('ERR: released locally without RLSD; ERR service class mismatch: released with RLSD', () => {
    const { w, A, a, ua } = established();
    const n = w.sent.length;
    inject(A, { type: 'ERR', dstRef: a.localRef, errorCause: ERROR_CAUSE.UNQUALIFIED }, 2);
    expect(ua.released.get(a)).toEqual({ by: 'remote', kind: 'error', cause: 4, text: 'unqualified' });
    expect(a.state).toBe('RELEASED');
    expect(w.sent.length).toBe(n);

    const q = established();
    inject(q.A, { type: 'ERR', dstRef: q.a.localRef, errorCause: ERROR_CAUSE.SERVICE_CLASS_MISMATCH }, 2);
    expect(q.ua.released.get(q.a)).toMatchObject({ kind: 'error', cause: 3, text: 'service class mismatch' });
    expect(q.a.state).toBe('DISCONN_PEND');
    q.w.pump();
    expect(q.a.state).toBe('RELEASED');
    expect(q.ua.released.size).toBe(1);
  });

  it('a class 3 message (AK) on a class 2 connection: ERR service class mismatch, released', () => {
    const { w, A, a, b, ua } = established();
    inject(A, { type: 'AK', dstRef: a.localRef, receiveSeq: 0, credit: 1 }, 2);
    expect(w.sent.at(-1)!.msg).toEqual({ type: 'ERR', dstRef: b.localRef, errorCause: 3 });
    expect(ua.released.get(a)).toMatchObject({ by: 'sccp', kind: 'error', cause: 3 });
  });

  it('Table B.2: unassigned reference: RLSD gets RLC, CC and IT get ERR, DT1/RLC/CREF/ERR are discarded', () => {
    const { w, A } = pair();
    const n = w.sent.length;
    inject(A, { type: 'RLSD', dstRef: 0x99, srcRef: 0x11, releaseCause: 0 }, 2);
    inject(A, { type: 'CC', dstRef: 0x99, srcRef: 0x12, protocolClass: { class: 2, handling: 0 } }, 2);
    inject(A, { type: 'IT', dstRef: 0x99, srcRef: 0x13, protocolClass: { class: 2, handling: 0 }, sequencing: { sendSeq: 0, recvSeq: 0, more: false }, credit: 0 }, 2);
    inject(A, { type: 'DT1', dstRef: 0x99, segmentingReassembling: 0, data: '00' }, 2);
    inject(A, { type: 'RLC', dstRef: 0x99, srcRef: 0x11 }, 2);
    inject(A, { type: 'CREF', dstRef: 0x99, refusalCause: 0 }, 2);
    inject(A, { type: 'ERR', dstRef: 0x99, errorCause: 0 }, 2);
    expect(w.sent.slice(n).map((s) => [s.msg, s.route.dpc])).toEqual([
      [{ type: 'RLC', dstRef: 0x11, srcRef: 0x99 }, 2],
      [{ type: 'ERR', dstRef: 0x12, errorCause: 0 }, 2],
      [{ type: 'ERR', dstRef: 0x13, errorCause: 0 }, 2],
    ]);
    expect(A.status().counters['unknown-ref']).toBe(7);
  });

  it('Table B.2: RLSD with another source reference gets ERR (inconsistent source LRN); the connection stays', () => {
    const { w, A, a } = established();
    inject(A, { type: 'RLSD', dstRef: a.localRef, srcRef: 0x5555, releaseCause: 0 }, 2);
    expect(w.sent.at(-1)!.msg).toEqual({ type: 'ERR', dstRef: 0x5555, errorCause: ERROR_CAUSE.INCONSISTENT_SOURCE_LRN });
    expect(a.state).toBe('ACTIVE');
  });

  it('Table B.2: messages from another point code: RLSD gets ERR (point code mismatch), DT1 is discarded', () => {
    const { w, A, a, b, ua } = established();
    const n = w.sent.length;
    inject(A, { type: 'DT1', dstRef: a.localRef, segmentingReassembling: 0, data: '00' }, 3);
    expect(ua.received).toHaveLength(0);
    inject(A, { type: 'RLSD', dstRef: a.localRef, srcRef: b.localRef, releaseCause: 0 }, 3);
    expect(w.sent.slice(n).map((s) => [s.msg, s.route.dpc])).toEqual([[{ type: 'ERR', dstRef: b.localRef, errorCause: ERROR_CAUSE.POINT_CODE_MISMATCH }, 3]]);
    expect(a.state).toBe('ACTIVE');
    expect(A.status().counters['pc-mismatch']).toBe(2);
  });

  it('DT1 segments beyond maxReassembly release the connection (remote procedure error)', () => {
    const { w, a, b, ua } = established({ a: { maxReassembly: 100 } });
    b.send(new Uint8Array(300));
    w.pump();
    expect(ua.received).toHaveLength(0);
    expect(ua.released.get(a)).toMatchObject({ by: 'sccp', cause: RELEASE_CAUSE.REMOTE_PROCEDURE_ERROR });
    expect(a.state).toBe('RELEASED');
  });

  it('messages a state does not take are counted and dropped (CC on an active connection)', () => {
    const { A, a, b } = established();
    inject(A, { type: 'CC', dstRef: a.localRef, srcRef: b.localRef, protocolClass: { class: 2, handling: 0 } }, 2);
    expect(a.state).toBe('ACTIVE');
    expect(A.status().counters.unexpected).toBe(1);
  });
});

describe('user primitives and references', () => {
  it('wrong primitives throw SccpError and change nothing', () => {
    const { w, A, ua, ub } = pair({ policy: 'manual' });
    const a = A.connect(at(2), undefined, ua);
    w.pump();
    const b = ub.conns[0]!;
    expect(() => b.send(u8('00'))).toThrow(expect.objectContaining({ code: 'bad-state' }));
    expect(() => a.accept()).toThrow(SccpError);
    expect(() => a.send(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'bad-length' }));
    expect(() => a.release(256)).toThrow(expect.objectContaining({ code: 'bad-argument' }));
    b.accept();
    expect(() => b.accept()).toThrow(expect.objectContaining({ code: 'bad-state' }));
    expect(() => A.connect({ routing: 'ssn', ssn: 254 }, undefined, ua)).toThrow(expect.objectContaining({ code: 'no-route' }));
    expect(() => A.bind(BSSAP, ua)).toThrow(expect.objectContaining({ code: 'bad-ssn' }));
    w.pump();
    expect(a.state).toBe('ACTIVE');
    b.release();
    b.release(); // a second release is a no-op
    w.pump();
    expect(b.state).toBe('RELEASED');
  });

  it("replies go to the calling address's PC, or with peerPcFrom 'opc' to the OPC", () => {
    const w = new Wire();
    const B = w.add('B', { pc: 2 });
    const C = w.add('C', { pc: 3, peerPcFrom: 'opc' });
    const ub = new Recorder('userB');
    const uc = new Recorder('userC');
    B.bind(BSSAP, ub);
    C.bind(BSSAP, uc);
    for (const n of [B, C]) inject(n, { type: 'CR', srcRef: 5, protocolClass: { class: 2, handling: 0 }, called: at(n.pc), calling: at(7) }, 1);
    expect(w.sent.map((s) => [s.from, s.msg.type, s.route.dpc])).toEqual([
      ['B', 'CC', 7],
      ['C', 'CC', 1],
    ]);
    expect(ub.conns[0]!.remotePc).toBe(7);
    expect(uc.conns[0]!.remotePc).toBe(1);
  });

  it('remotePc is where a called address without PC goes', () => {
    const { w, A, ua } = pair({ a: { remotePc: 2 } });
    const a = A.connect({ routing: 'ssn', ssn: BSSAP }, undefined, ua);
    w.pump();
    expect(a.state).toBe('ACTIVE');
    expect(w.sent[0]!.route).toMatchObject({ opc: 1, dpc: 2 });
  });

  it('local references: 24 bits, wrap past 0xfffffe, never one in use or frozen; frozen ones thaw after X(freeze)', () => {
    const { w, A, ua } = pair({ a: { firstRef: 0xfffffe } });
    const c1 = A.connect(at(2), undefined, ua);
    const c2 = A.connect(at(2), undefined, ua);
    expect([c1.localRef, c2.localRef]).toEqual([0xfffffe, 0]);
    w.pump();
    c2.release();
    w.pump();
    expect(A.isFrozen(0)).toBe(true);
    // Point the allocator back at the references in use (c1) and frozen (c2).
    (A as unknown as { nextRef: number }).nextRef = 0xfffffe;
    const c3 = A.connect(at(2), undefined, ua);
    expect(c3.localRef).toBe(1);
    expect(A.status().frozenRefs).toBe(1);
    w.advance(10_000);
    expect(A.isFrozen(0)).toBe(false);
    expect(A.status().frozenRefs).toBe(0);
    (A as unknown as { nextRef: number }).nextRef = 0;
    expect(A.connect(at(2), undefined, ua).localRef).toBe(0);
  });

  it('dropAll(): every connection ends at once without a message, users told MTP failure', () => {
    const { w, A, ua, ub } = pair();
    const a1 = A.connect(at(2), undefined, ua);
    w.pump();
    const a2 = A.connect(at(2), undefined, ua);
    const n = w.sent.length;
    expect(A.dropAll()).toBe(2);
    expect(w.sent.length).toBe(n);
    expect(ua.released.get(a1)).toMatchObject({ by: 'sccp', kind: 'release', cause: 10, text: 'MTP failure' });
    expect(ua.released.get(a2)).toMatchObject({ cause: 10 });
    expect(A.connections()).toEqual([]);
    w.pump(); // the CR of a2 reaches B, B accepts, A answers the CC with ERR
    expect(ub.released.size).toBe(1);
  });

  it('dropAll(cause, remotePc) ends only the connections with that peer', () => {
    const w = new Wire();
    const A = w.add('A', { pc: 1 });
    const ua = new Recorder('userA');
    A.bind(BSSAP, ua);
    for (const pc of [2, 3]) w.add(`P${pc}`, { pc }).bind(BSSAP, new Recorder(`p${pc}`));
    const to2 = A.connect(at(2), undefined, ua);
    const to3 = A.connect(at(3), undefined, ua);
    w.pump();
    expect(A.dropAll(RELEASE_CAUSE.END_USER_FAILURE, 3)).toBe(1);
    expect(to3.state).toBe('RELEASED');
    expect(ua.released.get(to3)).toMatchObject({ by: 'sccp', cause: 2 });
    expect(to2.state).toBe('ACTIVE');
  });

  it('status() counts connections by state', () => {
    const { w, A, B, ua } = pair({ policy: 'manual' });
    A.connect(at(2), undefined, ua);
    A.connect(at(2), undefined, ua);
    w.pump();
    expect(A.status()).toMatchObject({ name: 'A', pc: 1, connections: 2, states: { CONN_PEND_OUT: 2 } });
    expect(B.status()).toMatchObject({ connections: 2, states: { CONN_PEND_IN: 2 }, subsystems: [{ ssn: 254, state: 'bound' }] });
    expect(B.status().counters['rx.CR']).toBe(2);
  });

  it('golden: the SCOC table with its timers', () => {
    expectGolden(SCOC.describe(sccpTimers(), { seen: false }), ok('scoc_describe.ok'));
    expect(SCOC.reachable()).toEqual(new Set(['IDLE', 'CONN_PEND_OUT', 'CONN_PEND_IN', 'ACTIVE', 'DISCONN_PEND', 'WAIT_CONN_CONF']));
  });

  it('timer defaults: libosmo-sigtran osmo_sccp_timer_defaults', () => {
    const ms = Object.fromEntries(sccpTimers().list().map((t) => [t.name, sccpTimers().ms(t.name)]));
    expect(ms).toEqual({
      'T(conn_est)': 60_000,
      'T(ias)': 420_000,
      'T(iar)': 900_000,
      'T(rel)': 10_000,
      'T(repeat_rel)': 10_000,
      'T(int)': 60_000,
      'T(reassembly)': 10_000,
      'X(freeze)': 10_000,
    });
  });
});
