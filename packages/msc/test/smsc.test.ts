import { describe, expect, it } from 'vitest';
import { TimerTable } from '@snaptel/fsm';
import { decode as smsDecode, type Tpdu } from '@snaptel/sms';
import { SMS_STORE_TIMERS } from '@snaptel/sms-store';
import { mapUserData, type DeliverMessage, type DeliverResult, type SubmitRequest } from '@snaptel/smpp-server';
import { attach, Scenario, type FakeConn } from './harness';
import { ALICE, BOB, cmSms, cpMs, lastRp, pagingResponse, rpMs, submit, viaBytes } from './sms-helpers';
import { Smsc, deliverSm, tpUserData } from '../src/smsc';
import { RP_CAUSE } from '../src/sms';

/**
 * Store and forward through the MSC core (virtual clock, scenario harness):
 * what the phones and a fake ESME gateway see, and what the store holds.
 */

class FakeGateway {
  readonly sent: Array<{ systemId: string; msg: DeliverMessage }> = [];
  bound = new Set<string>();
  answer: DeliverResult = 'ok';
  gateway() {
    return {
      bound: (id: string) => this.bound.has(id),
      deliver: async (systemId: string, msg: DeliverMessage): Promise<DeliverResult> => {
        this.sent.push({ systemId, msg });
        return this.answer;
      },
    };
  }
}

function rig(o: { routes?: Array<{ prefix: string; esme: string }> } = {}) {
  const sc = new Scenario([ALICE, BOB]);
  sc.timers.set('X4', 0);
  const timers = new TimerTable(SMS_STORE_TIMERS);
  const smsc = new Smsc(
    {
      core: sc.core,
      host: sc.clock,
      timers,
      log: sc.log,
      msisdnOf: (imsi) => (imsi === ALICE.imsi ? ALICE.msisdn : imsi === BOB.imsi ? BOB.msisdn : undefined),
    },
    { scAddress: '19990', ...(o.routes ? { routes: o.routes } : {}) },
  );
  sc.core.setSmsRouter(smsc);
  const gw = new FakeGateway();
  smsc.setEsmeGateway(gw.gateway());
  return { sc, smsc, gw, timers };
}

/** Lets promise callbacks (delivery outcomes) and the store's due timer run. */
async function turn(sc: Scenario): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setImmediate(r));
    sc.clock.advance(0);
  }
}

/** The phone takes the MT SMS on its connection: CP-ACK, RP-ACK (or RP-ERROR with a cause). */
function answerMt(c: FakeConn, rpCause?: number): Tpdu {
  const rp = lastRp(c);
  expect(rp.type).toBe('RP-DATA');
  const ti = c.lastDtap()!.ti ?? 0;
  cpMs(c, 'CP-ACK', ti, 1);
  cpMs(c, 'CP-DATA', ti, 1, rpMs(rpCause === undefined ? { type: 'RP-ACK', mr: rp.mr } : { type: 'RP-ERROR', mr: rp.mr, cause: { value: rpCause } }));
  c.completeClear();
  return rp.userData as Tpdu;
}

/** Alice submits an SMS on a connection of her own; returns the RP answer. */
function aliceSends(sc: Scenario, ta: number, da: string, text: string, o: { mr?: number; srr?: boolean } = {}) {
  const a = cmSms(sc, ALICE, ta);
  cpMs(a, 'CP-DATA', 0, 0, rpMs({ type: 'RP-DATA', mr: 9, originator: null, destination: { ton: 1, npi: 1, digits: '19990' }, userData: viaBytes(submit(da, text, o)) }));
  const answer = lastRp(a);
  cpMs(a, 'CP-ACK', 0, 0);
  a.completeClear();
  return answer;
}

function smppSubmit(o: { to: string; text?: string; ucs2?: string; receipt?: boolean; validUntil?: number; systemId?: string }): SubmitRequest {
  const payload = o.ucs2 !== undefined ? Buffer.from(o.ucs2, 'utf16le').swap16() : Buffer.from(o.text ?? '', 'latin1');
  const dataCoding = o.ucs2 !== undefined ? 8 : 0;
  return {
    systemId: o.systemId ?? 'app',
    command: 'submit_sm',
    serviceType: '',
    source: { ton: 5, npi: 0, addr: 'Lab' },
    destination: { ton: 1, npi: 1, addr: o.to },
    esmClass: 0,
    messagingMode: 0,
    replyPath: false,
    protocolId: 0,
    priority: 0,
    ...(o.validUntil !== undefined ? { validUntil: o.validUntil } : {}),
    registeredDelivery: o.receipt ? 1 : 0,
    receipt: o.receipt ? 'final' : 'none',
    replaceIfPresent: false,
    dataCoding,
    payload,
    userData: mapUserData(payload, dataCoding, 0, {}),
    tlvs: {},
    receivedAt: 0,
  };
}

describe('store and forward: phone to phone', () => {
  it('an SMS to a detached subscriber is acknowledged, kept, and delivered when it attaches; the status report goes back', async () => {
    const { sc, smsc } = rig();
    const [ta] = attach(sc, ALICE);
    const answer = aliceSends(sc, ta!, '1002', 'are you there?', { mr: 42, srr: true });
    expect(answer.type).toBe('RP-ACK');
    await turn(sc);
    expect(sc.paged).toEqual([]);
    expect(smsc.status()).toMatchObject({ stored: 1, waiting: 1 });
    sc.advance(120_000);
    expect(sc.paged).toEqual([]);
    sc.note('--- bob attaches');
    const [tb] = attach(sc, BOB);
    await turn(sc);
    expect(sc.paged).toEqual([BOB.imsi]);
    const b = pagingResponse(sc, BOB, tb!);
    expect(lastRp(b).originator).toMatchObject({ digits: '19990' });
    const got = answerMt(b);
    expect(got).toMatchObject({ type: 'SMS-DELIVER', oa: { digits: '1001' }, sri: true, ud: { text: 'are you there?' } });
    await turn(sc);
    // The report is a message of its own, for alice: paged, then SMS-STATUS-REPORT with her TP-MR and TP-ST 0.
    expect(sc.paged).toEqual([BOB.imsi, ALICE.imsi]);
    const a = pagingResponse(sc, ALICE, ta!);
    const report = answerMt(a);
    expect(report).toMatchObject({ type: 'SMS-STATUS-REPORT', mr: 42, ra: { digits: '1002' }, st: 0 });
    await turn(sc);
    expect(smsc.status()).toMatchObject({ stored: 0, counters: { moAccepted: 1, mtDelivered: 2, reports: 1 } });
  });

  it('an SMS to a number nobody has and no route: RP-ERROR 1, nothing stored', () => {
    const { sc, smsc } = rig();
    const [ta] = attach(sc, ALICE);
    const answer = aliceSends(sc, ta!, '1999', 'anyone?');
    expect(answer).toMatchObject({ type: 'RP-ERROR', cause: { value: RP_CAUSE.UNASSIGNED_NUMBER } });
    expect(smsc.store.size).toBe(0);
  });

  it('no paging response: retried after SMS-RETRY, then delivered', async () => {
    const { sc, smsc } = rig();
    const [ta, tb] = attach(sc, ALICE, BOB);
    aliceSends(sc, ta!, '1002', 'ping');
    await turn(sc);
    expect(sc.paged).toEqual([BOB.imsi]);
    sc.advance(sc.timers.ms('T3113') + 1);
    await turn(sc);
    expect(smsc.store.list()).toMatchObject([{ state: 'waiting', attempts: 1, lastCause: RP_CAUSE.DESTINATION_OUT_OF_ORDER }]);
    sc.advance(29_000);
    await turn(sc);
    expect(sc.paged).toHaveLength(1);
    sc.advance(1_000);
    await turn(sc);
    expect(sc.paged).toHaveLength(2);
    const b = pagingResponse(sc, BOB, tb!);
    expect(answerMt(b).ud).toMatchObject({ text: 'ping' });
    await turn(sc);
    expect(smsc.store.size).toBe(0);
  });

  it('RP-ERROR 22 (memory full): nothing more is tried until RP-SMMA, then the queue drains in order', async () => {
    const { sc, smsc } = rig();
    const [ta, tb] = attach(sc, ALICE, BOB);
    for (const t of ['one', 'two', 'three']) aliceSends(sc, ta!, '1002', t);
    await turn(sc);
    let b = pagingResponse(sc, BOB, tb!);
    expect(answerMt(b, RP_CAUSE.MEMORY_CAPACITY_EXCEEDED).ud).toMatchObject({ text: 'one' });
    await turn(sc);
    sc.advance(10 * 60_000);
    await turn(sc);
    expect(sc.paged).toHaveLength(1);
    expect(smsc.status().memoryFull).toEqual(['1002']);
    sc.note('--- bob has memory again');
    const s = cmSms(sc, BOB, tb!);
    cpMs(s, 'CP-DATA', 0, 0, rpMs({ type: 'RP-SMMA', mr: 3 }));
    cpMs(s, 'CP-ACK', 0, 0);
    s.completeClear();
    await turn(sc);
    const texts: string[] = [];
    for (let i = 0; i < 3; i++) {
      expect(sc.paged).toHaveLength(2 + i);
      b = pagingResponse(sc, BOB, tb!);
      texts.push(answerMt(b).ud!.text!);
      await turn(sc);
    }
    expect(texts).toEqual(['one', 'two', 'three']);
    expect(smsc.store.size).toBe(0);
  });

  it('expiry: the validity period runs out while the phone is away; the report says so', async () => {
    const { sc, smsc } = rig();
    const [ta] = attach(sc, ALICE);
    // TP-VP relative 0: five minutes.
    const a = cmSms(sc, ALICE, ta!);
    const t = { ...submit('1002', 'soon gone', { mr: 7, srr: true }), vp: { format: 'relative' as const, value: 0 } };
    cpMs(a, 'CP-DATA', 0, 0, rpMs({ type: 'RP-DATA', mr: 9, originator: null, destination: { ton: 1, npi: 1, digits: '19990' }, userData: viaBytes(t) }));
    expect(lastRp(a).type).toBe('RP-ACK');
    cpMs(a, 'CP-ACK', 0, 0);
    a.completeClear();
    sc.advance(5 * 60_000);
    await turn(sc);
    expect(sc.paged).toEqual([ALICE.imsi]);
    const r = answerMt(pagingResponse(sc, ALICE, ta!));
    expect(r).toMatchObject({ type: 'SMS-STATUS-REPORT', mr: 7, ra: { digits: '1002' }, st: 0x46 });
    await turn(sc);
    expect(smsc.store.size).toBe(0);
  });
});

describe('store and forward: ESMEs', () => {
  it('submit_sm to a phone: message id at once, delivered on attach, a receipt back to the ESME', async () => {
    const { sc, smsc, gw } = rig();
    gw.bound.add('app');
    const ans = smsc.submitSmpp(smppSubmit({ to: '1002', text: 'hello from app', receipt: true }));
    expect(ans).toEqual({ messageId: '1' });
    const ucs = smsc.submitSmpp(smppSubmit({ to: '1002', ucs2: 'Grüße ✓' }));
    expect(ucs).toEqual({ messageId: '2' });
    await turn(sc);
    const [tb] = attach(sc, BOB);
    await turn(sc);
    const first = answerMt(pagingResponse(sc, BOB, tb!));
    expect(first).toMatchObject({ type: 'SMS-DELIVER', oa: { ton: 'alphanumeric', text: 'Lab' }, dcs: { value: 0 }, ud: { text: 'hello from app' } });
    await turn(sc);
    const second = answerMt(pagingResponse(sc, BOB, tb!));
    expect(second).toMatchObject({ dcs: { value: 8 }, ud: { text: 'Grüße ✓' } });
    await turn(sc);
    expect(gw.sent).toHaveLength(1);
    expect(gw.sent[0]).toMatchObject({ systemId: 'app', msg: { receipt: { messageId: '1', state: 'DELIVERED' }, source: { addr: '1002' }, destination: { addr: 'Lab' } } });
    expect(smsc.store.size).toBe(0);
  });

  it('refusals: unknown destination ESME_RINVDSTADR, past validity ESME_RINVEXPIRY, more than 255 parts ESME_RINVMSGLEN', () => {
    const { sc, smsc } = rig();
    expect(smsc.submitSmpp(smppSubmit({ to: '5555', text: 'x' }))).toEqual({ status: 0x0b });
    expect(smsc.submitSmpp(smppSubmit({ to: '1002', text: 'x', validUntil: sc.clock.now() - 1000 }))).toEqual({ status: 0x62 });
    expect(smsc.submitSmpp(smppSubmit({ to: '1002', text: 'x'.repeat(153 * 255 + 1) }))).toEqual({ status: 0x01 });
    expect(smsc.store.size).toBe(0);
  });

  it('a message longer than one SMS is split into concatenated parts; one receipt, after the last part', async () => {
    const { sc, smsc, gw } = rig();
    gw.bound.add('app');
    // 7-bit: 153 septets a part; '€' takes two (escape) and is never cut in half.
    // (data_coding 0 carries unpacked septets: '€' is ESC 0x1b, 0x65.)
    const long7 = 'a'.repeat(152) + '€' + 'b'.repeat(20);
    expect(smsc.submitSmpp(smppSubmit({ to: '1002', text: 'a'.repeat(152) + '\x1b\x65' + 'b'.repeat(20), receipt: true }))).toEqual({ messageId: '1' });
    const ucs = 'ж'.repeat(67) + '😀' + 'я'.repeat(10);
    expect(smsc.submitSmpp(smppSubmit({ to: '1002', ucs2: ucs }))).toEqual({ messageId: '3' });
    expect(smsc.store.size).toBe(4);
    const [tb] = attach(sc, BOB);
    await turn(sc);
    const got: Tpdu[] = [];
    for (let i = 0; i < 4; i++) {
      got.push(answerMt(pagingResponse(sc, BOB, tb!)));
      await turn(sc);
      if (i < 3) expect(gw.sent).toHaveLength(i === 1 ? 1 : i < 1 ? 0 : 1);
    }
    const headers = got.map((t) => t.ud!.header![0]);
    expect(headers).toMatchObject([
      { type: 'concat8', total: 2, seq: 1 },
      { type: 'concat8', total: 2, seq: 2 },
      { type: 'concat8', total: 2, seq: 1 },
      { type: 'concat8', total: 2, seq: 2 },
    ]);
    expect((headers[0] as { ref: number }).ref).not.toBe((headers[2] as { ref: number }).ref);
    expect(got[0]!.ud!.text).toBe('a'.repeat(152));
    expect(got[0]!.ud!.text! + got[1]!.ud!.text!).toBe(long7);
    expect(got[2]!.ud!.text).toBe('ж'.repeat(67));
    expect(got[2]!.ud!.text! + got[3]!.ud!.text!).toBe(ucs);
    expect(gw.sent.map((x) => x.msg.receipt?.messageId)).toEqual(['1']);
  });

  it('sar_* TLVs (the ESME split it): the phone gets the concatenation header', async () => {
    const { sc, smsc } = rig();
    const sm = smppSubmit({ to: '1002', text: 'part two of three' });
    sm.userData.concat = { ref: 300, total: 3, seq: 2, from: 'sar' };
    expect(smsc.submitSmpp(sm)).toEqual({ messageId: '1' });
    const [tb] = attach(sc, BOB);
    await turn(sc);
    const t = answerMt(pagingResponse(sc, BOB, tb!));
    expect(t.udhi).toBe(true);
    expect(t.ud).toMatchObject({ text: 'part two of three', header: [{ type: 'concat16', ref: 300, total: 3, seq: 2 }] });
  });

  it('a phone writes to a routed number: deliver_sm to the ESME once it binds; a temporary error is retried', async () => {
    const { sc, smsc, gw } = rig({ routes: [{ prefix: '7', esme: 'app' }] });
    const [ta] = attach(sc, ALICE);
    expect(aliceSends(sc, ta!, '7001', 'vote yes').type).toBe('RP-ACK');
    await turn(sc);
    expect(gw.sent).toEqual([]);
    gw.bound.add('app');
    gw.answer = 0x58; // ESME_RTHROTTLED
    smsc.onBind('app');
    await turn(sc);
    expect(gw.sent).toHaveLength(1);
    expect(gw.sent[0]!.msg).toMatchObject({ source: { ton: 1, npi: 1, addr: '1001' }, destination: { addr: '7001' }, text: 'vote yes' });
    expect(smsc.store.list()).toMatchObject([{ state: 'waiting', attempts: 1, lastCause: 0x58 }]);
    gw.answer = 'ok';
    sc.advance(30_000);
    await turn(sc);
    expect(gw.sent).toHaveLength(2);
    expect(smsc.store.size).toBe(0);
  });

  it('deliverSm: 7-bit with a concatenation header keeps the UDH and the text; 8-bit keeps its octets', () => {
    const { sc } = rig();
    const header = [{ type: 'concat8', ref: 5, total: 2, seq: 1 }];
    const seven = tpUserData(0, true, { header: header as never, text: 'part one' });
    const m = { id: 1, destination: { kind: 'esme' as const, systemId: 'app' }, source: { ton: 1, npi: 1, address: '1001' }, recipient: { ton: 1, npi: 1, address: '7001' }, origin: { kind: 'ms' as const, imsi: ALICE.imsi, mr: 1 }, dcs: 0, pid: 0, udhi: true, udl: seven.udl, ud: seven.ud, statusReportRequested: false, report: false, submittedAt: sc.clock.now(), validUntil: sc.clock.now() + 1, attempts: 1, nextAttemptAt: null, inFlightUntil: 1, state: 'in-flight' as const, lastCause: null };
    const d = deliverSm(m);
    expect(d.udh && [...d.udh]).toEqual([5, 0, 3, 5, 2, 1]);
    expect(d.text).toBe('part one');
    const eight = deliverSm({ ...m, udhi: false, dcs: 0x04, ud: Uint8Array.of(0, 0xff, 0x10), udl: 3 });
    expect(eight).toMatchObject({ dataCoding: 4 });
    expect([...eight.shortMessage!]).toEqual([0, 0xff, 0x10]);
    // The TP-UD built for the phone is what the sms codec reads back.
    const back = smsDecode(Buffer.concat([Buffer.from([0x44, 0x04, 0x91, 0x01, 0x10, 0, 0, 0x62, 0x11, 0x42, 0, 0, 0, 0, seven.udl]), seven.ud]), 'mt') as Tpdu;
    expect(back.ud).toMatchObject({ text: 'part one', header: [{ type: 'concat8', ref: 5, total: 2, seq: 1 }] });
  });
});

describe('across a restart', () => {
  it('exported with a delivery in flight, imported into a fresh MSC: delivered again (attempts 2), the rest once', async () => {
    const a = rig();
    const [ta, tb] = attach(a.sc, ALICE, BOB);
    aliceSends(a.sc, ta!, '1002', 'first');
    aliceSends(a.sc, ta!, '1002', 'second');
    await turn(a.sc);
    pagingResponse(a.sc, BOB, tb!); // the first is on its way: CP-DATA sent, no answer yet
    expect(a.smsc.status()).toMatchObject({ inFlight: 1, waiting: 1 });
    const state = JSON.parse(JSON.stringify(a.smsc.store.exportState()));
    const b = rig();
    b.smsc.store.importState(state);
    b.smsc.store.thaw();
    b.smsc.restart();
    const [tb2] = attach(b.sc, BOB);
    await turn(b.sc);
    const texts: string[] = [];
    for (let i = 0; i < 2; i++) {
      texts.push(answerMt(pagingResponse(b.sc, BOB, tb2!)).ud!.text!);
      await turn(b.sc);
    }
    expect(texts).toEqual(['first', 'second']);
    expect(b.smsc.store.size).toBe(0);
    expect(b.smsc.status().counters).toMatchObject({ requeued: 1, delivered: 2 });
  });
});
