import { afterEach, describe, expect, it } from 'vitest';
import { BscSim, CallFailedError, type BscSimOptions, type Call, type MsOptions, type PagingEvent } from '../src';
import { dtapOf, iesOf, type FakeMsc, type MscConn, type Rx } from './fake-msc';
import { COMP128, linkUp } from './helpers';

/**
 * Calls and paging against the scripted MSC: MO and MT calls from setup to
 * release in both directions (TS 24.008 §5.2, §5.4), assignment with AoIP,
 * transaction identifiers and N(SD), and the faults (busy, no answer,
 * silent SETUP / PAGING, timers, radio link failure).
 */

let msc: FakeMsc | undefined;
let bsc: BscSim | undefined;

afterEach(async () => {
  await bsc?.stop();
  await msc?.close();
  bsc = msc = undefined;
});

const A = '001010000000001';
const B = '001010000000002';

async function up(opts: BscSimOptions = {}, ms: Partial<MsOptions> = {}) {
  ({ msc, bsc } = await linkUp(opts));
  const a = bsc.addMs({ imsi: A, msisdn: '1001', ki: COMP128.ki, ...ms });
  return { msc, bsc, a };
}

const dataOf = (rx: Rx): string => (rx.sccp as { data: string }).data;
/** The DTAP octets of a DT1 (after 01 <dlci> <len>). */
const l3Of = (rx: Rx): string => dataOf(rx).slice(6);

const ASSIGNMENT_REQUEST = {
  channelType: { indicator: 1, rateType: 0x08, permittedSpeech: [0x21, 0x11, 0x01] },
  aoipTransportLayerAddress: { ip: '127.0.0.1', port: 7000 },
  speechCodecList: { codecs: [{ fi: true, pi: false, pt: false, tf: false, type: 3, config: 0x0006 }, { fi: true, pi: false, pt: false, tf: false, type: 0 }] },
  callIdentifier: 0x01020304,
};

const netCause = (value: number) => ({ codingStandard: 3, location: 2, value });

/** The MSC side of an MO call up to CONNECT ACKNOWLEDGE. */
async function moSetup(msc: FakeMsc, call: Call): Promise<MscConn> {
  const cr = await msc.expect('CM SERVICE REQUEST');
  const c = msc.accept(cr);
  c.dtap('mm', 'CM Service Accept', {});
  await msc.expect('SETUP');
  c.dtap('cc', 'Call Proceeding', {}, { ti: 0, flag: 1 });
  c.bssmap('ASSIGNMENT REQUEST', ASSIGNMENT_REQUEST);
  await msc.expect('ASSIGNMENT COMPLETE');
  c.dtap('cc', 'Alerting', {}, { ti: 0, flag: 1 });
  await call.alerting;
  c.dtap('cc', 'Connect', {}, { ti: 0, flag: 1 });
  await msc.expect('CONNECT ACKNOWLEDGE');
  await call.connected;
  return c;
}

describe('MO call', () => {
  it('CM SERVICE REQUEST, SETUP (TI 0, speech bearer, called number), CALL PROCEEDING, assignment with AoIP, ALERTING, CONNECT, CONNECT ACKNOWLEDGE; the MS hangs up: DISCONNECT, RELEASE, RELEASE COMPLETE', async () => {
    const { msc, a } = await up();
    const call = a.call('1002');
    const states: string[] = [];
    call.on('state', (s: string) => states.push(s));

    const cr = await msc.expect('CM SERVICE REQUEST');
    // Layer 3 Information (17, 16 octets): MM 0x24 (N(SD) 0), service type 1 (MO call) + CKSN 7, classmark 2 (03 53 18 06), IMSI
    expect(dataOf(cr)).toContain('1710' + '0524' + '71' + '03531806' + '08' + '0910100000000010');
    const c = msc.accept(cr);
    c.dtap('mm', 'CM Service Accept', {});

    const setup = await msc.expect('SETUP');
    // CC, TI flag 0 value 0 (03); SETUP 0x05 with N(SD) 1 (45); bearer capability (04 04): octet 3 = 0x20 (full rate
    // only, GSM, circuit, speech), speech versions FR3 (4), FR2 (2), FR1 (0, last: 0x80); called party BCD (5e 03):
    // 0x81 (unknown TON, ISDN plan), "1002"
    expect(l3Of(setup)).toBe('0345' + '0404200402' + '80' + '5e038101' + '20');
    expect(dtapOf(setup)).toMatchObject({ pd: 'cc', ti: 0, tiFlag: 0, seq: 1 });

    c.dtap('cc', 'Call Proceeding', {}, { ti: 0, flag: 1 });
    await call.proceeding;
    c.bssmap('ASSIGNMENT REQUEST', ASSIGNMENT_REQUEST);
    const ac = await msc.expect('ASSIGNMENT COMPLETE');
    // Chosen Channel 0x98 (speech, one TCH/F); Speech Version 0x21 (FR3); AoIP 127.0.0.2:4000; Speech Codec (Chosen)
    // FI + FR_AMR with one configuration (S1 of the S1+S2 offered)
    expect(dataOf(ac)).toBe('0012' + '02' + '2198' + '4021' + '7c067f0000020fa0' + '7e03830200');
    expect(await call.assigned).toEqual({ codec: 'FR3', mgw: { ip: '127.0.0.1', port: 7000 }, bsc: { ip: '127.0.0.2', port: 4000 }, callIdentifier: 0x01020304 });

    c.dtap('cc', 'Alerting', {}, { ti: 0, flag: 1 });
    await call.alerting;
    c.dtap('cc', 'Connect', {}, { ti: 0, flag: 1 });
    expect(l3Of(await msc.expect('CONNECT ACKNOWLEDGE'))).toBe('038f'); // N(SD) 2
    await call.connected;
    expect(call.state).toBe('U10');

    const hung = call.hangup();
    // DISCONNECT (N(SD) 3): cause LV 02, e0 (GSM coding, location user), 90 (16 normal call clearing)
    expect(l3Of(await msc.expect('DISCONNECT'))).toBe('03e5' + '02e090');
    c.dtap('cc', 'Release', {}, { ti: 0, flag: 1 });
    expect(l3Of(await msc.expect('RELEASE COMPLETE'))).toBe('032a'); // N(SD) 0 again (modulo 4)
    expect(await hung).toMatchObject({ by: 'ms', cause: 16 });
    await c.clear();
    expect(states).toEqual(['U1', 'U3', 'U4', 'U10', 'U11', 'U0']);
    expect(call.timing.connectedMs).toBeGreaterThan(0);
  });

  it('the network clears: DISCONNECT -> RELEASE (no cause, T308) -> RELEASE COMPLETE; released by the network with its cause', async () => {
    const { msc, a } = await up();
    const call = a.call('1002');
    const c = await moSetup(msc, call);
    c.dtap('cc', 'Disconnect', { cause: netCause(16) }, { ti: 0, flag: 1 });
    expect(l3Of(await msc.expect('RELEASE'))).toBe('03ed'); // RELEASE 0x2d with N(SD) 3, no cause (it answers a DISCONNECT)
    c.dtap('cc', 'Release Complete', {}, { ti: 0, flag: 1 });
    expect(await call.released).toMatchObject({ by: 'network', cause: 16 });
    await c.clear();
  });

  it('CM SERVICE REJECT: the call fails before SETUP with CallFailedError carrying the MM cause', async () => {
    const { msc, a } = await up();
    const call = a.call('1002');
    const c = msc.accept(await msc.expect('CM SERVICE REQUEST'));
    c.dtap('mm', 'CM Service Reject', { rejectCause: 4 });
    const err = await call.connected.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallFailedError);
    expect(err).toMatchObject({ cause: 4, phase: 'SETUP' });
    expect(await call.released).toMatchObject({ cause: 4 });
    await c.clear();
  });

  it('ciphering accepts the CM service implicitly (no CM SERVICE ACCEPT needed); a late CM SERVICE ACCEPT is tolerated', async () => {
    const { msc, a } = await up();
    const call = a.call('1002');
    const c = msc.accept(await msc.expect('CM SERVICE REQUEST'));
    c.bssmap('CIPHER MODE COMMAND', { encryptionInformation: { permitted: [0, 1], key: '0102030405060708' } });
    expect(iesOf(await msc.expect('CIPHER MODE COMPLETE')).chosenEncryptionAlgorithm).toEqual({ a5: 1 });
    await msc.expect('SETUP');
    c.dtap('mm', 'CM Service Accept', {});
    c.dtap('cc', 'Release Complete', { cause: netCause(1) }, { ti: 0, flag: 1 });
    expect(await call.released).toMatchObject({ by: 'network', cause: 1 });
    await msc.quiet(100); // no MM STATUS for the late accept
    await c.clear();
  });

  it('T303: no answer to SETUP -> DISCONNECT cause 102; then T305 -> RELEASE; T308 twice -> null', async () => {
    const { msc, a } = await up({ timers: { T303: 100, T305: 100, T308: 100 } });
    const call = a.call('1002');
    const c = msc.accept(await msc.expect('CM SERVICE REQUEST'));
    c.dtap('mm', 'CM Service Accept', {});
    await msc.expect('SETUP');
    const d = await msc.expect('DISCONNECT', 1000);
    expect(iesOf(d).cause).toMatchObject({ value: 102 });
    await msc.expect('RELEASE', 1000);
    await msc.expect('RELEASE', 1000); // T308 once more
    expect(await call.released).toMatchObject({ by: 'ms', detail: 'T308 expired twice' });
    await c.clear();
  });

  it('STATUS ENQUIRY -> STATUS cause 30 with the call state; a message not allowed in the state -> STATUS cause 98; an unknown TI -> RELEASE COMPLETE cause 81', async () => {
    const { msc, a } = await up();
    const call = a.call('1002');
    const c = await moSetup(msc, call);
    c.dtap('cc', 'Status Enquiry', {}, { ti: 0, flag: 1 });
    expect(iesOf(await msc.expect('STATUS'))).toMatchObject({ cause: { value: 30 }, callState: 0xca }); // GSM coding, U10
    c.dtap('cc', 'Call Proceeding', {}, { ti: 0, flag: 1 });
    expect(iesOf(await msc.expect('STATUS'))).toMatchObject({ cause: { value: 98 }, callState: 0xca });
    c.dtap('cc', 'Alerting', {}, { ti: 5, flag: 1 });
    const rc = await msc.expect('RELEASE COMPLETE');
    expect(dtapOf(rc)).toMatchObject({ ti: 5, tiFlag: 0 });
    expect(iesOf(rc).cause).toMatchObject({ value: 81 });
    expect(call.state).toBe('U10');
    c.dtap('cc', 'Release', { cause: netCause(16) }, { ti: 0, flag: 1 });
    await msc.expect('RELEASE COMPLETE');
    await c.clear();
  });

  it('clearing collision: both send DISCONNECT; the MS answers with RELEASE and ends on RELEASE COMPLETE', async () => {
    const { msc, a } = await up();
    const call = a.call('1002');
    const c = await moSetup(msc, call);
    const hung = call.hangup();
    await msc.expect('DISCONNECT');
    c.dtap('cc', 'Disconnect', { cause: netCause(16) }, { ti: 0, flag: 1 });
    await msc.expect('RELEASE');
    c.dtap('cc', 'Release Complete', {}, { ti: 0, flag: 1 });
    expect(await hung).toMatchObject({ by: 'ms' });
    await c.clear();
  });

  it('radio link failure during a call: CLEAR REQUEST cause 0x01, the call ends locally at once', async () => {
    const { msc, a } = await up();
    const call = a.call('1002');
    const c = await moSetup(msc, call);
    const rel = a.radioLinkFailure();
    expect(dataOf(await msc.expect('CLEAR REQUEST'))).toBe('000422040101');
    expect(await call.released).toMatchObject({ by: 'local', detail: 'radio link failure' });
    await c.clear();
    expect((await rel).by).toBe('msc');
  });

  it('no codec in common: ASSIGNMENT FAILURE cause 0x35', async () => {
    const { msc, a } = await up({ codecs: ['FR1'] });
    const call = a.call('1002');
    const c = msc.accept(await msc.expect('CM SERVICE REQUEST'));
    c.dtap('mm', 'CM Service Accept', {});
    await msc.expect('SETUP');
    c.bssmap('ASSIGNMENT REQUEST', { ...ASSIGNMENT_REQUEST, speechCodecList: { codecs: [{ fi: true, pi: false, pt: false, tf: false, type: 2 }] } });
    expect(dataOf(await msc.expect('ASSIGNMENT FAILURE'))).toBe('000403040135');
    c.dtap('cc', 'Release Complete', { cause: netCause(65) }, { ti: 0, flag: 1 });
    await call.released;
    await c.clear();
  });
});

describe('paging and MT call', () => {
  async function paged(msc: FakeMsc, imsi: string, tmsi?: number, lac = 1): Promise<void> {
    msc.sendUdt({ discriminator: 'bssmap', type: 'PAGING', ies: { imsi: { type: 'imsi', digits: imsi }, ...(tmsi !== undefined ? { tmsi } : {}), cellIdentifierList: { discriminator: 'lac', cells: [{ lac }] } } });
  }

  it('PAGING -> PAGING RESPONSE (with the TMSI) in a new CR; SETUP -> CALL CONFIRMED, ALERTING, CONNECT; CONNECT ACK; the network clears', async () => {
    const { msc, bsc, a } = await up({}, { tmsi: 0x11223344 });
    const incoming: Call[] = [];
    a.onIncomingCall((c) => incoming.push(c));
    await paged(msc, A, 0x11223344);
    const cr = await msc.expect('PAGING RESPONSE');
    // RR 06 27; CKSN 7 in bits 1-4, spare; classmark 2; mobile identity TMSI
    expect(dataOf(cr)).toContain('0627' + '07' + '03531806' + '05f411223344');
    const c = msc.accept(cr);
    c.dtap('cc', 'Setup', { bearerCapability1: { radioChannelRequirement: 1, codingStandard: 0, transferMode: 0, itc: 0, speechVersions: [4, 0] }, callingPartyBcdNumber: { ton: 0, npi: 1, digits: '1002' } }, { ti: 0, flag: 0 });
    // CALL CONFIRMED: TI flag 1 (83), 0x08 with N(SD) 0 (the paging response is RR: no N(SD)), bearer capability
    expect(l3Of(await msc.expect('CALL CONFIRMED'))).toBe('8308' + '0404200402' + '80');
    expect(l3Of(await msc.expect('ALERTING'))).toBe('8341');
    expect(l3Of(await msc.expect('CONNECT'))).toBe('8387');
    expect(incoming).toHaveLength(1);
    const call = incoming[0]!;
    expect(call.calling).toBe('1002');
    c.bssmap('ASSIGNMENT REQUEST', ASSIGNMENT_REQUEST);
    await msc.expect('ASSIGNMENT COMPLETE');
    c.dtap('cc', 'Connect Acknowledge', {}, { ti: 0, flag: 0 });
    await call.connected;
    c.dtap('cc', 'Disconnect', { cause: netCause(16) }, { ti: 0, flag: 0 });
    expect(l3Of(await msc.expect('RELEASE'))).toBe('83ed');
    c.dtap('cc', 'Release Complete', {}, { ti: 0, flag: 0 });
    expect(await call.released).toMatchObject({ by: 'network', cause: 16 });
    await c.clear();
    expect(bsc.stats().openConnections).toBe(0);
  });

  it('answers with the IMSI when it has no TMSI; ignores PAGING for another LAC, for unknown IMSIs, and when silent', async () => {
    const { msc, bsc } = await up();
    bsc.addMs({ imsi: B, ki: COMP128.ki, silent: ['PAGING'] });
    const events: PagingEvent[] = [];
    bsc.on('paging', (e: PagingEvent) => events.push(e));
    await paged(msc, A, undefined, 2);
    await paged(msc, '001019999999999');
    await paged(msc, B);
    await msc.quiet(200);
    await paged(msc, A);
    const cr = await msc.expect('PAGING RESPONSE');
    expect(iesOf(cr).mobileIdentity).toEqual({ type: 'imsi', digits: A });
    await msc.accept(cr).clear();
    expect(events.map((e) => [e.imsi, e.delivered, e.reason])).toEqual([
      [A, false, 'LAC 1 not in the cell list'],
      ['001019999999999', false, 'no such MS'],
      [B, false, 'silent'],
      [A, true, 'answering'],
    ]);
  });

  it('busy: MT SETUP -> RELEASE COMPLETE cause 17 (user busy)', async () => {
    const { msc, a } = await up({}, { busy: true });
    const rejected: unknown[] = [];
    a.on('call-rejected', (r) => rejected.push(r));
    await paged(msc, A);
    const c = msc.accept(await msc.expect('PAGING RESPONSE'));
    c.dtap('cc', 'Setup', { bearerCapability1: { radioChannelRequirement: 1, codingStandard: 0, transferMode: 0, itc: 0, speechVersions: [0] } }, { ti: 2, flag: 0 });
    const rc = await msc.expect('RELEASE COMPLETE');
    expect(l3Of(rc)).toBe('a32a' + '0802e091'); // TI flag 1, value 2; cause 17
    expect(rejected).toEqual([{ ti: 2, cause: 17 }]);
    await c.clear();
  });

  it('noAnswer: CALL CONFIRMED and ALERTING, then nothing; the network gives up with DISCONNECT', async () => {
    const { msc, a } = await up({}, { noAnswer: true });
    let call: Call | undefined;
    a.onIncomingCall((c) => (call = c));
    await paged(msc, A);
    const c = msc.accept(await msc.expect('PAGING RESPONSE'));
    c.dtap('cc', 'Setup', {}, { ti: 0, flag: 0 });
    expect(l3Of(await msc.expect('CALL CONFIRMED'))).toBe('8308'); // no bearer capability in SETUP: none back
    await msc.expect('ALERTING');
    await msc.quiet(300);
    c.dtap('cc', 'Disconnect', { cause: netCause(19) }, { ti: 0, flag: 0 });
    await msc.expect('RELEASE');
    c.dtap('cc', 'Release Complete', {}, { ti: 0, flag: 0 });
    expect(await call!.released).toMatchObject({ by: 'network', cause: 19 });
    expect(call!.state).toBe('U0');
    await c.clear();
  });

  it('answerCalls manual: CONNECT only when the test answers; silent SETUP: no CALL CONFIRMED at all', async () => {
    const { msc, a, bsc } = await up({ timers: { T3240: 5000 } }, { answerCalls: 'manual' });
    let call: Call | undefined;
    a.onIncomingCall((c) => (call = c));
    await paged(msc, A);
    const c = msc.accept(await msc.expect('PAGING RESPONSE'));
    c.dtap('cc', 'Setup', {}, { ti: 1, flag: 0 });
    await msc.expect('CALL CONFIRMED');
    await msc.expect('ALERTING');
    await msc.quiet(150);
    call!.answer();
    await msc.expect('CONNECT');
    c.dtap('cc', 'Connect Acknowledge', {}, { ti: 1, flag: 0 });
    await call!.connected;
    const hung = call!.hangup();
    await msc.expect('DISCONNECT');
    c.dtap('cc', 'Release', {}, { ti: 1, flag: 0 });
    await msc.expect('RELEASE COMPLETE');
    await hung;
    await c.clear();

    const b = bsc.addMs({ imsi: B, ki: COMP128.ki, silent: ['SETUP'] });
    await paged(msc, B);
    const c2 = msc.accept(await msc.expect('PAGING RESPONSE'));
    c2.dtap('cc', 'Setup', {}, { ti: 0, flag: 0 });
    await msc.quiet(200);
    expect(b.calls).toEqual([]);
    await c2.clear();
  });

  it('answerCalls as a number: CONNECT comes after that delay', async () => {
    const { msc } = await up({}, { answerCalls: 250 });
    await paged(msc, A);
    const c = msc.accept(await msc.expect('PAGING RESPONSE'));
    c.dtap('cc', 'Setup', {}, { ti: 0, flag: 0 });
    await msc.expect('CALL CONFIRMED');
    const t0 = Date.now();
    await msc.expect('ALERTING');
    await msc.expect('CONNECT', 1000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    c.dtap('cc', 'Release', { cause: netCause(16) }, { ti: 0, flag: 0 });
    await msc.expect('RELEASE COMPLETE');
    await c.clear();
  });

  it('an MO call and an MT call between two MSs of the same BSC keep their own connections and TIs', async () => {
    const { msc, bsc, a } = await up();
    const b = bsc.addMs({ imsi: B, msisdn: '1002', ki: COMP128.ki });
    const call = a.call('1002');
    const ca = msc.accept(await msc.expect('CM SERVICE REQUEST'));
    ca.dtap('mm', 'CM Service Accept', {});
    await msc.expect('SETUP');
    ca.dtap('cc', 'Call Proceeding', {}, { ti: 0, flag: 1 });
    await paged(msc, B);
    const cb = msc.accept(await msc.expect('PAGING RESPONSE'));
    expect(cb.bscRef).not.toBe(ca.bscRef);
    cb.dtap('cc', 'Setup', {}, { ti: 0, flag: 0 });
    await msc.expect('CALL CONFIRMED');
    await msc.expect('ALERTING');
    ca.dtap('cc', 'Alerting', {}, { ti: 0, flag: 1 });
    await msc.expect('CONNECT');
    cb.dtap('cc', 'Connect Acknowledge', {}, { ti: 0, flag: 0 });
    ca.dtap('cc', 'Connect', {}, { ti: 0, flag: 1 });
    await msc.expect('CONNECT ACKNOWLEDGE');
    await call.connected;
    expect(b.calls).toHaveLength(1);
    await b.calls[0]!.connected;
    expect(a.calls[0]!.direction).toBe('mo');
    expect(b.calls[0]!.direction).toBe('mt');
    ca.dtap('cc', 'Release', { cause: netCause(16) }, { ti: 0, flag: 1 });
    cb.dtap('cc', 'Release', { cause: netCause(16) }, { ti: 0, flag: 0 });
    await msc.expect('RELEASE COMPLETE');
    await msc.expect('RELEASE COMPLETE');
    await ca.clear();
    await cb.clear();
  });
});
