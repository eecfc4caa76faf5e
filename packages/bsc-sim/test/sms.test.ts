import { afterEach, describe, expect, it } from 'vitest';
import { fieldValues, LINKTYPE_USER0, toHex, tshark, tsharkAvailable, userDlt } from '@snaptel/codec';
import { decode as dtapDecode } from '@snaptel/gsm48';
import type { Tpdu } from '@snaptel/sms';
import { BscSim, describeDtap, planSms, relativeVp, SmsFailedError, TimeoutError, type BscSimOptions, type MsOptions, type ReceivedSms } from '../src';
import { dtapOf, iesOf, type FakeMsc, type MscConn, type Rx } from './fake-msc';
import { COMP128, linkUp, sleep } from './helpers';

/**
 * The mobile side of SMS (TS 24.011 CP/RP, TS 23.040 TPDUs) against the
 * scripted MSC: MO accepted and refused, TC1M retransmission, MT single and
 * concatenated, memory full and RP-SMMA, UCS2 and 8-bit. Byte vectors from
 * elsewhere: the SMS-SUBMIT of dreamfabric's "SMS and the PDU format" page
 * and the MT SMS exchange of osmo-msc's tests/msc_vlr/msc_vlr_test_gsm_authen.c;
 * tshark dissects what the phone sent.
 */

let msc: FakeMsc | undefined;
let bsc: BscSim | undefined;

afterEach(async () => {
  await bsc?.stop();
  await msc?.close();
  bsc = msc = undefined;
});

const IMSI = '001010000000001';

async function up(opts: BscSimOptions = {}, ms: Partial<MsOptions> = {}) {
  ({ msc, bsc } = await linkUp(opts));
  const m = bsc.addMs({ imsi: IMSI, ki: COMP128.ki, algo: 'comp128v1', ...ms });
  return { msc, bsc, ms: m };
}

const outcome = <T>(p: Promise<T>): Promise<T | unknown> => p.then((v) => v, (e: unknown) => e);

/** The DTAP octets of a DT1 from the BSC (BSSAP: discriminator 01, DLCI, length, DTAP). */
function dtapBytes(rx: Rx): { dlci: number; hex: string } {
  const data = (rx.sccp as { data: string }).data;
  return { dlci: parseInt(data.slice(2, 4), 16), hex: data.slice(6) };
}

const rpduOf = (rx: Rx) => iesOf(rx).rpdu as Record<string, any>;

/** CM SERVICE REQUEST (SMS) accepted; returns the connection. */
async function acceptSms(m: FakeMsc, existing?: MscConn): Promise<MscConn> {
  const cr = await m.expect('CM SERVICE REQUEST');
  expect(iesOf(cr).cmServiceType).toBe(4);
  expect(cr.sccp!.type).toBe(existing ? 'DT1' : 'CR');
  const c = existing ?? m.accept(cr);
  c.dtap('mm', 'CM Service Accept', {});
  return c;
}

/** The MSC's side of one MO part: CP-ACK, CP-DATA(RP-ACK), the phone's CP-ACK. Returns the phone's CP-DATA. */
async function ackPart(m: FakeMsc, c: MscConn, rpError?: number): Promise<Rx> {
  const data = await m.expect('CP-DATA');
  const d = dtapOf(data);
  const rp = rpduOf(data);
  c.sms('CP-ACK', {}, d.ti, 1);
  c.sms('CP-DATA', { rpdu: rpError === undefined ? { type: 'RP-ACK', direction: 'mt', mr: rp.mr } : { type: 'RP-ERROR', direction: 'mt', mr: rp.mr, cause: { value: rpError } } }, d.ti, 1);
  const ack = await m.expect('CP-ACK');
  expect(dtapOf(ack)).toMatchObject({ pd: 'sms', ti: d.ti, tiFlag: 0 });
  return data;
}

const SCTS = { year: 24, month: 5, day: 17, hour: 13, minute: 45, second: 9, tz: 8 };

function deliver(text: string, concat?: { ref: number; total: number; seq: number }, sender = '4915112345678'): Tpdu {
  const t: Tpdu = { type: 'SMS-DELIVER', mms: true, oa: { ton: 'international', npi: 1, digits: sender }, pid: 0, dcs: { value: 0 }, scts: SCTS, ud: { text } };
  if (concat) {
    t.udhi = true;
    t.ud!.header = [{ type: 'concat8', ...concat }];
  }
  return t;
}

function rpData(mr: number, tpdu: Tpdu) {
  return { rpdu: { type: 'RP-DATA', direction: 'mt', mr, originator: { ton: 1, npi: 1, digits: '447785016005' }, destination: null, userData: tpdu } };
}

async function paged(m: FakeMsc, b: BscSim): Promise<MscConn> {
  m.sendUdt({ discriminator: 'bssmap', type: 'PAGING', ies: { imsi: { type: 'imsi', digits: IMSI }, cellIdentifierList: { discriminator: 'lac', cells: [{ lac: b.lac }] } } } as never);
  return m.accept(await m.expect('PAGING RESPONSE'));
}

describe('MO SMS', () => {
  it('SMS-SUBMIT byte-exact with the dreamfabric vector inside CP-DATA/RP-DATA as TS 24.011 lays it out; tshark agrees; RP-ACK -> accepted', async () => {
    const { msc, ms } = await up({ timers: { T3240: 300 } });
    const sent = ms.sendSms('+46708251358', 'hellohello', { validity: 4 * 86400 });
    const c = await acceptSms(msc);
    const data = await ackPart(msc, c);
    const { dlci, hex } = dtapBytes(data);
    expect(dlci).toBe(0x03); // SAPI 3
    // dreamfabric "SMS and the PDU format": 0011000B916407281553F80000AA0AE8329BFD4697D9EC37 without the SMSC octet.
    const submit = '11000b916407281553f80000aa0ae8329bfd4697d9ec37';
    // CP-DATA: PD 9 / TI 0 flag 0, type 01, CP-User data LV; RP-DATA MS->N: MTI 0, RP-MR 0, RP-OA empty, RP-DA +0000 (91 0000), RP-UD LV.
    expect(hex).toBe(`09011f` + `0000` + `00` + `03910000` + `17` + submit);
    const r = await sent;
    expect(r).toMatchObject({ accepted: true, messageRef: 0, partsPlanned: 1, alphabet: 'gsm7', parts: [{ messageRef: 0, rpMr: 0, accepted: true, retransmissions: 0 }] });
    expect(r.rpCause).toBeUndefined();
    await msc.expect('CLEAR REQUEST', 2000); // nothing left: T3240
    await c.clear();

    if (!tsharkAvailable()) return;
    const [p] = tshark([{ data: Buffer.from(hex, 'hex'), direction: 'in' }], LINKTYPE_USER0, userDlt('gsm_a_dtap'));
    expect(p!.malformed).toBe(false);
    expect(fieldValues(p!, 'gsm_a.dtap.msg_sms_type').map(Number)).toEqual([1]);
    expect(fieldValues(p!, 'gsm_a.rp.msg_type').map(Number)).toEqual([0]);
    expect(fieldValues(p!, 'gsm_sms.tp-mti').map(Number)).toEqual([1]);
    expect(fieldValues(p!, 'gsm_sms.tp-da')).toEqual(['46708251358']);
    expect(fieldValues(p!, 'gsm_sms.sms_text')).toEqual(['hellohello']);
  });

  it('RP-ERROR: not accepted, with the RP cause; TP-MR counts up per message', async () => {
    const { msc, ms } = await up();
    const first = ms.sendSms('1234', 'one');
    const c = await acceptSms(msc);
    await ackPart(msc, c);
    expect((await first).accepted).toBe(true);
    const second = ms.sendSms('1234', 'two');
    await acceptSms(msc, c); // a CM SERVICE REQUEST on the connection that is still there
    const d = await ackPart(msc, c, 21);
    expect((rpduOf(d).userData as Tpdu).mr).toBe(1);
    expect(await second).toMatchObject({ accepted: false, rpCause: 21, messageRef: 1, parts: [{ accepted: false, rpCause: 21 }] });
    await c.clear();
  });

  it('TC1M: a CP-DATA the MSC drops is sent again, the same octets; after smsRetransmissions the MO SMS fails with TimeoutError TC1M', async () => {
    const { msc, ms } = await up({ timers: { TC1M: 150 } }, { smsRetransmissions: 2 });
    const sent = ms.sendSms('1234', 'again');
    const c = await acceptSms(msc);
    const first = await msc.expect('CP-DATA'); // dropped
    const t0 = Date.now();
    const again = await msc.expect('CP-DATA', 1000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(toHex(again.bytes)).toBe(toHex(first.bytes));
    const d = dtapOf(again);
    c.sms('CP-ACK', {}, d.ti, 1);
    c.sms('CP-DATA', { rpdu: { type: 'RP-ACK', direction: 'mt', mr: rpduOf(again).mr } }, d.ti, 1);
    await msc.expect('CP-ACK');
    const r = await sent;
    expect(r.accepted).toBe(true);
    expect(r.parts[0]!.retransmissions).toBe(1);

    const lost = outcome(ms.sendSms('1234', 'lost'));
    await acceptSms(msc, c);
    for (let i = 0; i < 3; i++) await msc.expect('CP-DATA', 1000); // 1 + 2 retransmissions
    const e = await lost;
    expect(e).toBeInstanceOf(TimeoutError);
    expect((e as TimeoutError).timer).toBe('TC1M');
    await msc.quiet(250); // no fourth
    await c.clear();
  });

  it('CP-DATA(RP-ACK) without CP-ACK first counts as the CP-ACK (TS 24.011 §5.4); CP-ERROR fails with SmsFailedError', async () => {
    const { msc, ms } = await up({ timers: { TC1M: 200 } });
    const sent = ms.sendSms('1234', 'x');
    const c = await acceptSms(msc);
    const data = await msc.expect('CP-DATA');
    c.sms('CP-DATA', { rpdu: { type: 'RP-ACK', direction: 'mt', mr: rpduOf(data).mr } }, dtapOf(data).ti, 1);
    await msc.expect('CP-ACK');
    expect(await sent).toMatchObject({ accepted: true, parts: [{ retransmissions: 0 }] });
    await msc.quiet(300); // TC1M was stopped

    const failed = outcome(ms.sendSms('1234', 'y'));
    await acceptSms(msc, c);
    const d2 = await msc.expect('CP-DATA');
    c.sms('CP-ERROR', { cpCause: 17 }, dtapOf(d2).ti, 1);
    const e = await failed;
    expect(e).toBeInstanceOf(SmsFailedError);
    expect((e as SmsFailedError).cpCause).toBe(17);
    await c.clear();
  });

  it('long GSM text: concatenated parts (UDH IEI 0x00, one reference), one TP-MR each, sent one after the other', async () => {
    const { msc, ms } = await up();
    const text = 'A'.repeat(150) + '{}' + 'B'.repeat(100); // 254 septets with the two escapes
    const sent = ms.sendSms('1234', text, { statusReport: true });
    const c = await acceptSms(msc);
    const t1 = rpduOf(await ackPart(msc, c)).userData as Tpdu;
    expect(t1).toMatchObject({ mr: 0, udhi: true, srr: true });
    expect(t1.ud!.header).toEqual([{ type: 'concat8', ref: 1, total: 2, seq: 1 }]);
    expect(t1.ud!.text).toBe('A'.repeat(150) + '{');
    const p2 = await ackPart(msc, c);
    const r = await sent;
    expect(r).toMatchObject({ accepted: true, partsPlanned: 2, alphabet: 'gsm7' });
    expect(r.parts.map((p) => p.messageRef)).toEqual([0, 1]);
    const t2 = rpduOf(p2).userData as Tpdu;
    expect(t2).toMatchObject({ type: 'SMS-SUBMIT', srr: true, udhi: true, mr: 1 });
    expect(t2.ud!.header).toEqual([{ type: 'concat8', ref: 1, total: 2, seq: 2 }]);
    // Part 1 had 153 septets: 150 'A', one '{' (escape + char) = 152, the '}' would not fit.
    expect(t2.ud!.text).toBe('}' + 'B'.repeat(100));
    await c.clear();
  });

  it('UCS2 when a character is outside the GSM alphabet (DCS 0x08), 8-bit data (DCS 0x04)', async () => {
    const { msc, ms } = await up();
    const u = ms.sendSms('1234', 'Привет €');
    const c = await acceptSms(msc);
    const d = await ackPart(msc, c);
    expect(rpduOf(d).userData).toMatchObject({ dcs: { value: 8 }, ud: { text: 'Привет €', length: 16 } });
    expect((await u).alphabet).toBe('ucs2');
    const b = ms.sendSms('1234', { data: 'deadbeef00' });
    await acceptSms(msc, c);
    const d2 = await ackPart(msc, c);
    expect(rpduOf(d2).userData).toMatchObject({ dcs: { value: 4 }, ud: { body: 'deadbeef00', length: 5 } });
    expect(await b).toMatchObject({ accepted: true, alphabet: '8bit' });
    await c.clear();
  });
});

describe('a CM SERVICE REQUEST that crosses the CLEAR COMMAND', () => {
  it('is asked again, once, on a new connection; the SMS goes through', async () => {
    const { msc: m, ms } = await up();
    const first = ms.sendSms('4915112345678', 'one');
    const c = await acceptSms(m);
    await ackPart(m, c);
    expect((await first).accepted).toBe(true);
    // The MSC holds the connection; the phone's next CM SERVICE REQUEST goes on it, and
    // the MSC, done with it, clears it instead of answering.
    const second = ms.sendSms('4915112345678', 'two');
    const cr = await m.expect('CM SERVICE REQUEST');
    expect(cr.sccp!.type).toBe('DT1');
    await c.clear();
    const c2 = await acceptSms(m);
    const data = await ackPart(m, c2);
    expect(rpduOf(data).userData).toMatchObject({ ud: { text: 'two' } });
    expect((await second).accepted).toBe(true);
  });
});

describe('MT SMS', () => {
  it("osmo-msc's MT SMS exchange byte for byte: CP-ACK 8904, CP-DATA(RP-ACK(SMS-DELIVER-REPORT)) 890106020041020000; the inbox has it", async () => {
    const { msc, bsc, ms } = await up({ timers: { T3240: 300 } });
    const got = new Promise<ReceivedSms>((r) => ms.once('sms', r));
    const c = await paged(msc, bsc);
    // msc_vlr_test_gsm_authen.c: the MSC's CP-DATA / RP-DATA / SMS-DELIVER from 46071.
    c.rawDtap(
      '0901580100079144775810065000' + '4c0005806470f10000071010000000004450' +
        '79da1e1ee7416937485e9ea7c965373d1d6683c270383b3d0ed3d36ff71c949e83c22072799e9687c5ec32a81d96afcbf4b4fb0c7ac3e9e9b7db05',
    );
    expect(dtapBytes(await msc.expect('CP-ACK')).hex).toBe('8904');
    const ans = await msc.expect('CP-DATA');
    expect(dtapBytes(ans)).toEqual({ dlci: 3, hex: '890106020041020000' });
    c.rawDtap('0904');
    const sms = await got;
    expect(sms).toMatchObject({ sender: '46071', text: 'Privacy in residential applications is a desirable marketing option.', alphabet: 'gsm7', parts: [{ rpMr: 0 }] });
    expect(ms.inbox).toHaveLength(1);
    await msc.expect('CLEAR REQUEST', 2000); // the transaction ended with the CP-ACK
    await c.clear();
  });

  it('concatenated parts out of order are reassembled once; a repeated CP-DATA is acknowledged again but not taken twice', async () => {
    const { msc, bsc, ms } = await up({ timers: { TC1M: 2000 } });
    const events: ReceivedSms[] = [];
    ms.on('sms', (s: ReceivedSms) => events.push(s));
    const c = await paged(msc, bsc);
    c.sms('CP-DATA', rpData(7, deliver(' world', { ref: 0x42, total: 2, seq: 2 })), 0, 0);
    await msc.expect('CP-ACK');
    expect(rpduOf(await msc.expect('CP-DATA'))).toMatchObject({ type: 'RP-ACK', mr: 7 });
    // The network did not see the CP-ACK: the same CP-DATA again on TI 0.
    c.sms('CP-DATA', rpData(7, deliver(' world', { ref: 0x42, total: 2, seq: 2 })), 0, 0);
    await msc.expect('CP-ACK');
    c.sms('CP-ACK', {}, 0, 0);
    c.sms('CP-DATA', rpData(8, deliver('hello', { ref: 0x42, total: 2, seq: 1 })), 1, 0);
    await msc.expect('CP-ACK');
    expect(rpduOf(await msc.expect('CP-DATA'))).toMatchObject({ type: 'RP-ACK', mr: 8 });
    c.sms('CP-ACK', {}, 1, 0);
    await sleep(50);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ sender: '+4915112345678', text: 'hello world', concatRef: 0x42, timestamps: [SCTS, SCTS] });
    expect(ms.smsParts).toHaveLength(2);
    expect(ms.duplicateParts()).toEqual([]);
    expect(ms.smsDuplicates).toBe(1);
    await c.clear();
  });

  it('memory full: RP-ERROR cause 22 with TP-FCS D3; memoryAvailable() sends RP-SMMA, RP-ACK clears the flag', async () => {
    const { msc, bsc, ms } = await up({}, { memoryFull: true });
    const c = await paged(msc, bsc);
    c.sms('CP-DATA', rpData(3, deliver('full?')), 0, 0);
    await msc.expect('CP-ACK');
    const err = await msc.expect('CP-DATA');
    // RP-ERROR MS->N (MTI 4), RP-MR 3, cause LV 01 16, RP-UD TLV 41 03: SMS-DELIVER-REPORT, TP-FCS D3, TP-PI 00.
    expect(dtapBytes(err).hex).toBe('89010904030116410300d300');
    c.sms('CP-ACK', {}, 0, 0);
    await sleep(30);
    expect(ms.inbox).toEqual([]);
    expect(ms.memoryCapacityExceeded).toBe(true);
    await c.clear();

    const smma = ms.memoryAvailable();
    const c2 = await acceptSms(msc);
    const d = await msc.expect('CP-DATA');
    expect(dtapBytes(d).hex).toBe('0901020600'); // RP-SMMA, RP-MR 0
    c2.sms('CP-ACK', {}, 0, 1);
    c2.sms('CP-DATA', { rpdu: { type: 'RP-ACK', direction: 'mt', mr: 0 } }, 0, 1);
    await msc.expect('CP-ACK');
    expect(await smma).toMatchObject({ accepted: true });
    expect(ms.memoryCapacityExceeded).toBe(false);
    expect(ms.memoryFull).toBe(false);
    await c2.clear();
  });

  it('UCS2 and 8-bit deliveries; a status report goes to ms.statusReports', async () => {
    const { msc, bsc, ms } = await up();
    const c = await paged(msc, bsc);
    const u = deliver('Привет €');
    u.dcs = { value: 8 };
    const b: Tpdu = { ...deliver(''), dcs: { value: 4 }, ud: { body: '0102ff' } };
    const sr: Tpdu = { type: 'SMS-STATUS-REPORT', mr: 5, ra: { ton: 'international', npi: 1, digits: '447700900123' }, scts: SCTS, dt: SCTS, st: 0 };
    for (const [i, t] of [u, b, sr].entries()) {
      c.sms('CP-DATA', rpData(i, t), i, 0);
      await msc.expect('CP-ACK');
      expect(rpduOf(await msc.expect('CP-DATA')).type).toBe('RP-ACK');
      c.sms('CP-ACK', {}, i, 0);
    }
    await sleep(30);
    expect(ms.inbox.map((s) => [s.alphabet, s.text, s.data])).toEqual([
      ['ucs2', 'Привет €', undefined],
      ['8bit', '', '0102ff'],
    ]);
    expect(ms.statusReports).toMatchObject([{ messageRef: 5, recipient: '+447700900123', status: 0 }]);
    await c.clear();
  });
});

describe('trace', () => {
  it('CP-DATA lines name the RP message, RP-MR, TPDU, TP-MR and number (no time stamps); CP-ERROR its cause', () => {
    const osmoMt = '0901580100079144775810065000' + '4c0005806470f10000071010000000004450' + '79da1e1ee7416937485e9ea7c965373d1d6683c270383b3d0ed3d36ff71c949e83c22072799e9687c5ec32a81d96afcbf4b4fb0c7ac3e9e9b7db05';
    expect(describeDtap(dtapDecode(Buffer.from(osmoMt, 'hex'), 'mt'))).toBe('DTAP SMS CP-DATA ti=0 RP-DATA rp-mr=0 SMS-DELIVER oa=46071');
    expect(describeDtap(dtapDecode(Buffer.from('890106020041020000', 'hex'), 'mo'))).toBe('DTAP SMS CP-DATA ti=8 RP-ACK rp-mr=0 SMS-DELIVER-REPORT');
    expect(describeDtap(dtapDecode(Buffer.from('8910 6f'.replace(' ', ''), 'hex'), 'mt'))).toBe('DTAP SMS CP-ERROR ti=8 cause=111');
  });
});

describe('planning', () => {
  it('GSM 7-bit up to 160 septets in one part, then 153 per part; UCS2 70 then 67; 8-bit 140 then 134', () => {
    expect(planSms('x'.repeat(160)).chunks).toHaveLength(1);
    expect(planSms('x'.repeat(161)).chunks.map((c) => (c as string).length)).toEqual([153, 8]);
    expect(planSms('€'.repeat(80)).alphabet).toBe('gsm7'); // € is in the extension table: 2 septets each
    expect(planSms('€'.repeat(80)).chunks).toHaveLength(1);
    expect(planSms('€'.repeat(81)).chunks.map((c) => (c as string).length)).toEqual([76, 5]);
    expect(planSms('ж'.repeat(70)).chunks).toHaveLength(1);
    expect(planSms('ж'.repeat(71)).chunks.map((c) => (c as string).length)).toEqual([67, 4]);
    // a surrogate pair is not split: 66 'ж' + one emoji (2 units) would be 68
    expect(planSms('ж'.repeat(66) + '😀' + 'ж'.repeat(10)).chunks.map((c) => (c as string).length)).toEqual([66, 12]);
    expect(planSms({ data: new Uint8Array(141) }).chunks.map((c) => (c as Uint8Array).length)).toEqual([134, 7]);
    expect(() => planSms('x'.repeat(161), false)).toThrow(RangeError);
    expect(() => planSms({ data: new Uint8Array(134 * 256) })).toThrow(/at most 255/);
  });

  it('TP-VP relative: the smallest step that covers the validity (TS 23.040 §9.2.3.12.1)', () => {
    expect(relativeVp(300)).toBe(0);
    expect(relativeVp(301)).toBe(1);
    expect(relativeVp(12 * 3600)).toBe(143);
    expect(relativeVp(4 * 86400)).toBe(0xaa);
    expect(relativeVp(63 * 7 * 86400)).toBe(255);
    expect(() => relativeVp(-1)).toThrow(RangeError);
  });

});
