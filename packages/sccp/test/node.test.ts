/**
 * The node's routing and connectionless control (UDT, XUDT, segmentation,
 * UDTS/XUDTS), what it does with malformed input, the SCCPlite lower, and
 * tshark's reading of the messages it emits.
 */
import { describe, expect, it } from 'vitest';
import { fieldValues, ipv4Tcp, LINKTYPE_RAW, tshark, type TsharkPacket } from '@snaptel/codec';
import { GoldenLog } from '@snaptel/fsm';
import { frame, unframe } from '@snaptel/ipa';
import { decode, encode, RETURN_CAUSE, SccpError, sccpliteLower, SccpNode, type SccpMessage } from '../src';
import { at, BSSAP, hex, Recorder, u8, Wire } from './harness';
import { VECTORS } from './vectors';

function trio() {
  const w = new Wire();
  const A = w.add('A', { pc: 1 });
  const B = w.add('B', { pc: 2 });
  const ua = new Recorder('userA');
  const ub = new Recorder('userB');
  A.bind(BSSAP, ua);
  B.bind(BSSAP, ub);
  return { w, A, B, ua, ub };
}

const data = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);

describe('connectionless: UDT and XUDT', () => {
  it('UDT both ways, routed on the called PC and SSN', () => {
    const { w, A, B, ua, ub } = trio();
    A.sendUnitdata(at(2), at(1), u8('000430040120'));
    w.pump();
    expect(w.sent[0]!.msg).toEqual({ type: 'UDT', protocolClass: { class: 0, handling: 0 }, called: at(2), calling: at(1), data: '000430040120' });
    expect(w.sent[0]!.route).toMatchObject({ opc: 1, dpc: 2 });
    expect(ub.unitdata).toHaveLength(1);
    expect(ub.unitdata[0]).toMatchObject({ calling: at(1), called: at(2), info: { type: 'UDT', protocolClass: 0, returnOnError: false, opc: 1 } });
    expect(hex(ub.unitdata[0]!.data)).toBe('000430040120');
    B.sendUnitdata(at(1), at(2), u8('000131'), { protocolClass: 1, returnOnError: true });
    w.pump();
    expect(ua.unitdata[0]!.info).toMatchObject({ type: 'UDT', protocolClass: 1, returnOnError: true, opc: 2 });
  });

  it('class 1 keeps one SLS per called/calling pair; class 0 spreads over SLSs; an SLS may be fixed', () => {
    const { w, A } = trio();
    for (let i = 0; i < 8; i++) A.sendUnitdata(at(2), at(1), u8('01'), { protocolClass: 1 });
    const cls1 = new Set(w.sent.map((s) => s.route.sls));
    expect(cls1.size).toBe(1);
    const n = w.sent.length;
    for (let i = 0; i < 16; i++) A.sendUnitdata(at(2), at(1), u8('01'));
    expect(new Set(w.sent.slice(n).map((s) => s.route.sls)).size).toBe(16);
    A.sendUnitdata(at(2), at(1), u8('01'), { sls: 9 });
    expect(w.sent.at(-1)!.route.sls).toBe(9);
    // Another pair (different calling SSN) may land elsewhere, but always on the same one.
    const other = new Set<number>();
    for (let i = 0; i < 4; i++) {
      A.sendUnitdata(at(2), at(1, 8), u8('01'), { protocolClass: 1 });
      other.add(w.sent.at(-1)!.route.sls);
    }
    expect(other.size).toBe(1);
  });

  it('XUDT when asked for, with the hop counter; importance carried', () => {
    const { w, A, ub } = trio();
    A.sendUnitdata(at(2), at(1), u8('0102'), { xudt: true });
    A.sendUnitdata(at(2), at(1), u8('0304'), { hopCounter: 7, importance: 3 });
    w.pump();
    expect(w.sent.map((s) => s.msg)).toEqual([
      { type: 'XUDT', protocolClass: { class: 0, handling: 0 }, hopCounter: 15, called: at(2), calling: at(1), data: '0102' },
      { type: 'XUDT', protocolClass: { class: 0, handling: 0 }, hopCounter: 7, called: at(2), calling: at(1), data: '0304', importance: 3 },
    ]);
    expect(ub.unitdata.map((u) => u.info)).toEqual([
      { type: 'XUDT', protocolClass: 0, returnOnError: false, opc: 1, sls: w.sent[0]!.route.sls, hopCounter: 15 },
      { type: 'XUDT', protocolClass: 0, returnOnError: false, opc: 1, sls: w.sent[1]!.route.sls, hopCounter: 7, importance: 3 },
    ]);
  });

  it('data longer than a UDT can carry goes as XUDT segments (class 1, one SLS) and is put together again', () => {
    const { w, A, ub } = trio();
    const big = data(1000);
    A.sendUnitdata(at(2), at(1), big, { returnOnError: true });
    const segs = w.sent.map((s) => s.msg as Extract<SccpMessage, { type: 'XUDT' }>);
    expect(segs.every((m) => m.type === 'XUDT')).toBe(true);
    // 268 octets at most per message: 3 fixed + 4 pointers + 2 x (1 + 4) addresses + 1 data length
    // + 6 segmentation + 1 end of optional parameters = 25, leaving 243 for data.
    expect(w.sent.every((s) => s.bytes.length <= 268)).toBe(true);
    expect(w.sent.slice(0, 4).every((s) => s.bytes.length === 268)).toBe(true);
    expect(segs.map((m) => m.data.length / 2)).toEqual([243, 243, 243, 243, 28]);
    expect(segs.map((m) => [m.segmentation!.first, m.segmentation!.remaining, m.protocolClass.class, m.segmentation!.class])).toEqual([
      [true, 4, 1, 0],
      [false, 3, 1, 0],
      [false, 2, 1, 0],
      [false, 1, 1, 0],
      [false, 0, 1, 0],
    ]);
    expect(new Set(segs.map((m) => m.segmentation!.ref)).size).toBe(1);
    expect(new Set(w.sent.map((s) => s.route.sls)).size).toBe(1);
    w.pump();
    expect(ub.unitdata).toHaveLength(1);
    expect(hex(ub.unitdata[0]!.data)).toBe(hex(big));
    expect(ub.unitdata[0]!.info).toMatchObject({ type: 'XUDT', protocolClass: 0, returnOnError: true, segments: 5 });
    expect(() => A.sendUnitdata(at(2), at(1), data(16 * 243 + 1))).toThrow(expect.objectContaining({ code: 'bad-length' }));
    expect(() => A.sendUnitdata(at(2), at(1), new Uint8Array(0))).toThrow(SccpError);
  });

  it('a UDT that would pass maxMessageLength goes as XUDT segments even under 255 octets', () => {
    const w = new Wire();
    const A = w.add('A', { pc: 1, maxMessageLength: 100 });
    const B = w.add('B', { pc: 2 });
    const ub = new Recorder('userB');
    B.bind(BSSAP, ub);
    A.sendUnitdata(at(2), at(1), data(200));
    expect(w.sent.map((s) => s.msg.type)).toEqual(['XUDT', 'XUDT', 'XUDT']);
    w.pump();
    expect(hex(ub.unitdata[0]!.data)).toBe(hex(data(200)));
  });

  it('a missing segment: T(reassembly) drops the rest and returns XUDTS segmentation failure', () => {
    const { w, A, B, ua, ub } = trio();
    let i = 0;
    w.drop = (s) => s.msg.type === 'XUDT' && i++ === 2;
    A.sendUnitdata(at(2), at(1), data(1000), { returnOnError: true });
    w.pump();
    // The fourth segment came after a gap: one XUDTS at once, the fifth is dropped quietly.
    expect(ub.unitdata).toHaveLength(0);
    expect(ua.notices.map((n) => [n.type, n.returnCause])).toEqual([['XUDTS', RETURN_CAUSE.SEGMENTATION_FAILURE]]);
    expect(B.status().reassembling).toBe(0);
    expect(B.status().counters['segment-dropped']).toBe(1);
    // Only the first arrives: T(reassembly) after 10 s.
    w.drop = (s) => s.msg.type === 'XUDT' && !(s.msg as { segmentation?: { first: boolean } }).segmentation?.first;
    A.sendUnitdata(at(2), at(1), data(1000), { returnOnError: true });
    w.pump();
    expect(B.status().reassembling).toBe(1);
    w.advance(9_999);
    expect(ua.notices).toHaveLength(1);
    w.advance(1);
    expect(ua.notices.map((n) => n.text)).toEqual(['segmentation failure', 'segmentation failure']);
    expect(B.status()).toMatchObject({ reassembling: 0, counters: { 'reassembly-timeout': 1, 'reassembly-failed': 1 } });
    // The first segment is lost: one XUDTS for the second, the rest dropped quietly.
    w.drop = (s) => s.msg.type === 'XUDT' && (s.msg as { segmentation?: { first: boolean } }).segmentation!.first;
    A.sendUnitdata(at(2), at(1), data(1000), { returnOnError: true });
    w.pump();
    expect(ua.notices).toHaveLength(3);
    expect(B.status()).toMatchObject({ reassembling: 0, counters: { 'reassembly-failed': 2, 'segment-dropped': 4 } });
    expect(ub.unitdata).toHaveLength(0);
  });

  it('UDT to an SSN nobody bound: UDTS unequipped user when the return option is set, else dropped; after unbind: subsystem failure', () => {
    const { w, A, B, ua } = trio();
    A.sendUnitdata(at(2, 8), at(1), u8('aa'), { returnOnError: true });
    w.pump();
    expect(w.sent[1]!.msg).toEqual({ type: 'UDTS', returnCause: RETURN_CAUSE.UNEQUIPPED_USER, called: at(1), calling: at(2, 8), data: 'aa' });
    expect(ua.notices).toEqual([{ type: 'UDTS', returnCause: 4, text: 'unequipped user', called: at(2, 8), calling: at(1), data: u8('aa'), opc: 2 }]);
    const n = w.sent.length;
    A.sendUnitdata(at(2, 8), at(1), u8('bb'));
    w.pump();
    expect(w.sent.length).toBe(n + 1);
    expect(B.status().counters.discarded).toBe(1);
    B.bind(8, new Recorder('x')).unbind();
    A.sendUnitdata(at(2, 8), at(1), u8('cc'), { returnOnError: true, xudt: true });
    w.pump();
    expect(w.sent.at(-1)!.msg).toMatchObject({ type: 'XUDTS', returnCause: RETURN_CAUSE.SUBSYSTEM_FAILURE, hopCounter: 15 });
    expect(ua.notices.at(-1)).toMatchObject({ type: 'XUDTS', text: 'subsystem failure' });
  });

  it('a UDTS is never answered, even when nobody takes it', () => {
    const { w, A } = trio();
    A.receive(encode({ type: 'UDTS', returnCause: 1, called: at(1, 99), calling: at(2), data: '00' }), { opc: 2, dpc: 1, sls: 0 });
    expect(w.sent).toHaveLength(0);
    expect(A.status().counters['notice-unhandled']).toBe(1);
  });

  it('an XUDT with hop counter 0 comes back as hop counter violation; GT without SSN as no translation', () => {
    const { w, A, ua } = trio();
    A.receive(encode({ type: 'XUDT', protocolClass: { class: 0, handling: 8 }, hopCounter: 0, called: at(1), calling: at(2), data: '00' }), { opc: 2, dpc: 1, sls: 3 });
    expect(w.sent[0]!.msg).toMatchObject({ type: 'XUDTS', returnCause: RETURN_CAUSE.HOP_COUNTER_VIOLATION });
    expect(w.sent[0]!.route).toEqual({ opc: 1, dpc: 2, sls: 3 });
    A.receive(encode({ type: 'UDT', protocolClass: { class: 0, handling: 8 }, called: { routing: 'gt', gt: { gti: 4, tt: 0, np: 1, nai: 4, digits: '4912' } }, calling: at(2), data: '00' }), { opc: 2, dpc: 1, sls: 0 });
    expect(w.sent[1]!.msg).toMatchObject({ type: 'UDTS', returnCause: RETURN_CAUSE.NO_TRANSLATION_FOR_NATURE });
    expect(ua.unitdata).toHaveLength(0);
  });

  it('no route: a called address without PC and no remotePc; with remotePc it goes there', () => {
    const { A } = trio();
    expect(() => A.sendUnitdata({ routing: 'ssn', ssn: BSSAP }, at(1), u8('00'))).toThrow(expect.objectContaining({ code: 'no-route' }));
    const w = new Wire();
    const C = w.add('C', { pc: 3, remotePc: 2 });
    C.sendUnitdata({ routing: 'gt', gt: { gti: 4, tt: 0, np: 1, nai: 4, digits: '4912' } }, at(3), u8('00'));
    expect(w.sent[0]!.route.dpc).toBe(2);
  });
});

describe('receive() never throws', () => {
  it('malformed input is counted and logged with the DecodeError fields', () => {
    const log = new GoldenLog({ levels: true });
    const w = new Wire();
    const A = w.add('A', { pc: 1, log });
    A.receive(u8('0101020302'), { opc: 2, dpc: 1, sls: 0 }); // CR cut inside its pointers
    A.receive(new Uint8Array(0), { opc: 2, dpc: 1, sls: 0 });
    A.receive(u8('13000102'), { opc: 2, dpc: 1, sls: 0 }); // LUDT: not supported
    A.receive(u8('05010203000003'), { opc: 2, dpc: 9, sls: 0 }); // RLC for another DPC
    A.receive(u8('05'), undefined as never);
    expect(A.status().counters).toMatchObject({ rx: 5, malformed: 2, unsupported: 1, 'wrong-dpc': 1, 'bad-input': 1 });
    const warn = log.entries.find((e) => e.level === 'warn')!;
    expect(warn.fields).toMatchObject({ opc: 2, messageType: 'CR', ie: 'pointer to called', offset: 5 });
    expect(warn.msg).toMatch(/^A: malformed SCCP from PC 2: sccp CR/);
    expect(w.sent).toHaveLength(0);
  });

  it('a user callback that throws is caught, counted and logged', () => {
    const log = new GoldenLog({ levels: true });
    const w = new Wire();
    const A = w.add('A', { pc: 1, log });
    A.bind(BSSAP, { onUnitdata: () => { throw new Error('boom'); } });
    A.receive(encode({ type: 'UDT', protocolClass: { class: 0, handling: 0 }, called: at(1), calling: at(2), data: '00' }), { opc: 2, dpc: 1, sls: 0 });
    expect(A.status().counters['user-errors']).toBe(1);
    expect(log.lines().at(-1)).toBe("ERROR A: the user's onUnitdata threw: boom");
  });
});

describe("what the node sends is byte for byte libosmo-sccp's test vectors (tests/sccp/sccp_test.c)", () => {
  const v = (name: string) => VECTORS.find((x) => x.name === name)!.hex;

  it('a BSC-side connection: CR with Complete Layer 3, DT1, RLSD with data, and the MSC-side RLC', () => {
    const w = new Wire();
    // References as in the vectors: the BSC's 0x030201, the MSC's 0x030000.
    const bsc = w.add('bsc', { pc: 1, remotePc: 2, firstRef: 0x030201 });
    const msc = w.add('msc', { pc: 2, remotePc: 1, firstRef: 0x030000 });
    const ub = new Recorder('bsc');
    const um = new Recorder('msc');
    bsc.bind(BSSAP, ub);
    msc.bind(BSSAP, um);
    const cr = VECTORS.find((x) => x.name === 'bssmap_cr')!;
    const l3 = (decode(u8(cr.hex)) as { data: string }).data;
    const c = bsc.connect({ routing: 'ssn', ssn: BSSAP }, u8(l3), ub);
    w.pump();
    c.send(u8('01000c03055c0811813366021345f4'));
    c.send(u8('000420040109'));
    c.release(0, u8('2342'));
    w.pump();
    const by = (type: string) => w.sent.filter((s) => s.msg.type === type).map((s) => hex(s.bytes));
    expect(by('CR')).toEqual([v('bssmap_cr')]);
    expect(by('DT1')).toEqual([v('bssmap_dtap'), v('bssmap_clear')]);
    expect(by('RLSD')).toEqual([v('bssmap_released')]);
    expect(by('RLC')).toEqual([v('bssmap_release_complete')]);
    // libosmo's CC carries an empty optional part (pointer 1 to a lone end octet); ours leaves the pointer 0: the same CC.
    expect(decode(w.sent.find((s) => s.msg.type === 'CC')!.bytes)).toEqual({ ...decode(u8(v('bssmap_cc'))), emptyOptional: undefined });
  });

  it('UDT (BSSMAP RESET, RESET ACKNOWLEDGE), IT from T(ias), ERR for an unassigned reference', () => {
    const w = new Wire();
    const A = w.add('A', { pc: 92, remotePc: 1, firstRef: 0x000401 });
    const u = new Recorder('a');
    A.bind(BSSAP, u);
    A.sendUnitdata({ routing: 'ssn', ssn: BSSAP }, { routing: 'ssn', ssn: BSSAP }, u8('000430040120'));
    A.sendUnitdata(at(1), at(92), u8('000131'));
    expect(w.sent.map((s) => hex(s.bytes))).toEqual([v('bssmap_reset'), v('bssmap_reset_ack')]);
    // it_test: destination 0x940701, source 0x000401, class 2.
    A.receive(encode({ type: 'CR', srcRef: 0x940701, protocolClass: { class: 2, handling: 0 }, called: at(92) }), { opc: 1, dpc: 92, sls: 0 });
    w.advance(420_000);
    expect(hex(w.sent.at(-1)!.bytes)).toBe(v('it_test'));
    // proto_err: ERR to 0x00040c, cause 0, for a CC that meets no connection.
    A.receive(encode({ type: 'CC', dstRef: 0x777777, srcRef: 0x00040c, protocolClass: { class: 2, handling: 0 } }), { opc: 1, dpc: 92, sls: 0 });
    expect(hex(w.sent.at(-1)!.bytes)).toBe(v('proto_err'));
  });
});

describe('SCCPlite lower', () => {
  it('frames each message as IPA protocol 0xFD and ignores the route', () => {
    const frames: Uint8Array[] = [];
    const node = new SccpNode({ pc: 185, remotePc: 187, lower: sccpliteLower((f) => frames.push(f)), host: new Wire().clock });
    node.sendUnitdata(at(187), at(185), u8('000430040120'));
    expect(frames).toHaveLength(1);
    const f = unframe(frames[0]!);
    expect(f.proto).toBe(0xfd);
    expect(decode(Uint8Array.from(f.payload))).toMatchObject({ type: 'UDT', data: '000430040120' });
    // Laid out as libosmo-sccp's bssmap_reset_ack vector (pointers 03 07 0b, PC+SSN addresses), with PCs 187 and 185.
    expect(hex(frames[0]!)).toBe('0016fd' + '0900' + '03070b' + '0443bb00fe' + '0443b900fe' + '06000430040120');
  });
});

describe('tshark reads what the node sends (SCCPlite: IPA 0xFD on TCP 5000)', () => {
  function dissect(bytes: Uint8Array[]): TsharkPacket[] {
    const packets = tshark(ipv4Tcp({ srcPort: 40000, dstPort: 5000 }, bytes.map((b) => frame('SCCP', b))), LINKTYPE_RAW);
    expect(packets).toHaveLength(bytes.length);
    for (const [i, p] of packets.entries()) expect(p.malformed, `packet ${i}: ${p.expert.join('; ')}`).toBe(false);
    return packets;
  }

  it('IT from T(ias), XUDT, XUDT segments, UDTS, CREF, RLSD', () => {
    const w = new Wire();
    const A = w.add('A', { pc: 1 });
    const B = w.add('B', { pc: 2 });
    const ua = new Recorder('userA');
    const ub = new Recorder('userB');
    A.bind(BSSAP, ua);
    B.bind(BSSAP, ub);
    const a = A.connect(at(2), undefined, ua);
    w.pump();
    const b = ub.conns[0]!;
    w.advance(420_000); // both send IT
    A.sendUnitdata(at(2), at(1), u8('000430040120'), { xudt: true, returnOnError: true });
    A.sendUnitdata(at(2), at(1), data(600), { protocolClass: 1 });
    A.sendUnitdata(at(2, 9), at(1), u8('0102'), { returnOnError: true }); // UDTS back
    ub.policy = 'refuse';
    ub.refuseCause = 19;
    A.connect(at(2), undefined, ua); // CREF back
    w.pump();
    a.release(0x0b);
    w.pump();
    const pick = (type: string) => w.sent.filter((s) => s.msg.type === type);
    const its = pick('IT');
    const xudts = pick('XUDT');
    const out = [its[0]!, xudts[0]!, ...xudts.slice(1), pick('UDTS')[0]!, pick('CREF')[0]!, pick('RLSD')[0]!];
    expect(out.map((s) => s.msg.type)).toEqual(['IT', 'XUDT', 'XUDT', 'XUDT', 'XUDT', 'UDTS', 'CREF', 'RLSD']);
    const p = dissect(out.map((s) => s.bytes));
    const f = (i: number, name: string) => fieldValues(p[i]!, name);
    const r6 = (n: number) => `0x${n.toString(16).padStart(6, '0')}`;
    // IT (Q.713 §4.17): references both ways, class 2, sequencing and credit 0.
    expect(f(0, 'sccp.message_type')).toEqual(['0x10']);
    expect(f(0, 'sccp.dlr')).toEqual([r6(its[0]!.from === 'A' ? b.localRef : a.localRef)]);
    expect(f(0, 'sccp.slr')).toEqual([r6(its[0]!.from === 'A' ? a.localRef : b.localRef)]);
    expect(f(0, 'sccp.class')).toEqual(['0x02']);
    expect(f(0, 'sccp.credit')).toEqual(['0x00']);
    // XUDT: class 0 with return option, hop counter 15, PC+SSN addresses.
    expect(f(1, 'sccp.message_type')).toEqual(['0x11']);
    expect(f(1, 'sccp.class')).toEqual(['0x00']);
    expect(f(1, 'sccp.handling')).toEqual(['0x08']);
    expect(f(1, 'sccp.hops')).toEqual(['0x0f']);
    expect(f(1, 'sccp.called.pc')).toEqual(['2']);
    expect(f(1, 'sccp.called.ssn')).toEqual(['254']);
    expect(f(1, 'sccp.calling.pc')).toEqual(['1']);
    // The three segments of 600 octets: first/remaining/reference as Q.713 §3.17 codes them.
    const seg = xudts[1]!.msg as { segmentation: { ref: number } };
    expect([2, 3, 4].map((i) => f(i, 'sccp.segmentation.first'))).toEqual([['0x01'], ['0x00'], ['0x00']]);
    expect([2, 3, 4].map((i) => f(i, 'sccp.segmentation.remaining'))).toEqual([['0x02'], ['0x01'], ['0x00']]);
    expect([2, 3, 4].map((i) => f(i, 'sccp.segmentation.slr'))).toEqual([[r6(seg.segmentation.ref)], [r6(seg.segmentation.ref)], [r6(seg.segmentation.ref)]]);
    expect([2, 3, 4].map((i) => f(i, 'sccp.segmentation.class'))).toEqual([['0x01'], ['0x01'], ['0x01']]);
    expect([2, 3, 4].map((i) => f(i, 'sccp.class'))).toEqual([['0x01'], ['0x01'], ['0x01']]);
    // UDTS unequipped user, CREF unequipped user, RLSD network congestion (0x0b).
    expect(f(5, 'sccp.return_cause')).toEqual(['0x04']);
    expect(f(5, 'sccp.called.ssn')).toEqual(['254']);
    expect(f(5, 'sccp.calling.ssn')).toEqual(['9']);
    expect(f(6, 'sccp.refusal_cause')).toEqual(['0x13']);
    expect(f(7, 'sccp.release_cause')).toEqual(['0x0b']);
    expect(f(7, 'sccp.slr')).toEqual([r6(a.localRef)]);
  });
});
