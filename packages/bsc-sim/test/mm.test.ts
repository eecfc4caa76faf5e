import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '@snaptel/codec';
import {
  BscSim,
  ConnectionRefusedError,
  KcMismatchError,
  ReleasedError,
  TimeoutError,
  UnexpectedMessageError,
  type BscSimOptions,
  type MsOptions,
} from '../src';
import { dtapOf, iesOf, type FakeMsc } from './fake-msc';
import { autn1, c3, COMP128, linkUp, MILENAGE1, sleep, xorHex } from './helpers';

/**
 * Mobility management against the scripted MSC: location updating with
 * identity, authentication (COMP128v1 vector of osmo-hlr, MILENAGE test set
 * 1 of TS 35.208), ciphering and TMSI reallocation; reject; IMSI detach; CM
 * service; and the faults a test of the MSC's timers needs.
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

/** The promise's value or its error, handled at once (a rejection awaited later is not "unhandled"). */
const outcome = <T>(p: Promise<T>): Promise<T | unknown> => p.then((v) => v, (e: unknown) => e);

const LU_ACCEPT = (tmsi?: number) => ({ lai: { mcc: '001', mnc: '01', lac: 1 }, ...(tmsi !== undefined ? { mobileIdentity: { type: 'tmsi', tmsi } } : {}) });

describe('location updating', () => {
  it('IMSI attach with identity, COMP128v1 authentication, A5/1 and a new TMSI: every message as TS 24.008 / 48.008 lay it out', async () => {
    const { msc, ms } = await up();
    const lu = ms.locationUpdate();

    const cr = await msc.expect('LOCATION UPDATING REQUEST');
    expect(cr.sccp).toMatchObject({ type: 'CR', srcRef: 1, protocolClass: { class: 2, handling: 0 }, called: { routing: 'ssn', pc: 185, ssn: 254 }, calling: { routing: 'ssn', pc: 187, ssn: 254 } });
    // BSSMAP COMPLETE LAYER 3 INFORMATION (len 0x28): Cell Identifier LAC+CI 1/1; Layer 3 Information: MM LU Request
    // (type IMSI attach, CKSN 7, LAI 001/01/1, classmark 1 0x53: R99, ES IND, A5/1, power class 4; IMSI odd;
    // classmark for UMTS 53 18 06); Codec List (BSS Supported) FR3 (S1), FR2, FR1, full IP.
    expect((cr.sccp as { data: string }).data).toBe(
      '0028' + '57' + '05050100010001' + '1717' + '050872' + '00f1100001' + '53' + '08' + '0910100000000010' + '3303531806' + '7d05830200' + '8280',
    );
    const c = msc.accept(cr);

    c.dtap('mm', 'Identity Request', { identityType: 3, spareHalfOctet: 0 });
    const idr = await msc.expect('IDENTITY RESPONSE');
    expect(iesOf(idr).mobileIdentity).toEqual({ type: 'imeisv', digits: '3501000000000100' });
    expect(dtapOf(idr).seq).toBe(1); // N(SD): the LU Request was 0

    c.dtap('mm', 'Authentication Request', { cksn: 0, spareHalfOctet: 0, rand: COMP128.rand });
    const ar = await msc.expect('AUTHENTICATION RESPONSE');
    expect(iesOf(ar)).toEqual({ sres: COMP128.sres });
    expect(dtapOf(ar).seq).toBe(2);

    c.bssmap('CIPHER MODE COMMAND', { encryptionInformation: { permitted: [1, 3], key: COMP128.kc } });
    const cmc = await msc.expect('CIPHER MODE COMPLETE');
    // Layer 3 Message Contents = RR Ciphering Mode Complete (06 32), Chosen Encryption Algorithm 02 = A5/1
    expect((cmc.sccp as { data: string }).data).toBe('000755200206322c02');

    c.dtap('mm', 'Location Updating Accept', LU_ACCEPT(0x12345678));
    const trc = await msc.expect('TMSI REALLOCATION COMPLETE');
    expect((trc.sccp as { data: string }).data).toBe('01000205db'); // DTAP DLCI 0, MM 0x1b with N(SD) 3
    await c.clear();

    const r = await lu;
    expect(r).toMatchObject({ accepted: true, tmsi: 0x12345678, releasedBy: 'msc' });
    expect(r.durationMs).toBeGreaterThan(0);
    expect(ms.tmsi).toBe(0x12345678);
    expect(ms.attached).toBe(true);
    expect(ms.cksn).toBe(0);
    expect(toHex(ms.kc!)).toBe(COMP128.kc);
    expect(ms.session).toBeUndefined();
  });

  it('a normal LU afterwards presents the TMSI and CKSN; an ACCEPT without identity keeps the TMSI', async () => {
    const { msc, ms } = await up({}, { tmsi: 0xcafe0001, cksn: 2 });
    const lu = ms.locationUpdate({ type: 'normal' });
    const cr = await msc.expect('LOCATION UPDATING REQUEST');
    const v = iesOf(cr);
    expect(v.locationUpdatingType).toEqual({ type: 'normal', followOnRequest: false });
    expect(v.cksn).toBe(2);
    expect(v.mobileIdentity).toEqual({ type: 'tmsi', tmsi: 0xcafe0001 });
    const c = msc.accept(cr);
    c.dtap('mm', 'Location Updating Accept', LU_ACCEPT());
    await msc.quiet(100); // no TMSI REALLOCATION COMPLETE
    await c.clear();
    expect(await lu).toMatchObject({ accepted: true, tmsi: 0xcafe0001 });
  });

  it('LU REJECT cause 11 resolves (not rejects) with the cause, and deletes the TMSI (TS 24.008 §4.4.4.7)', async () => {
    const { msc, ms } = await up({}, { tmsi: 0x01020304 });
    const lu = ms.locationUpdate();
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    c.dtap('mm', 'Location Updating Reject', { rejectCause: 11 });
    await c.clear();
    const r = await lu;
    expect(r).toMatchObject({ accepted: false, cause: 11 });
    expect(r.tmsi).toBeUndefined();
    expect(ms.tmsi).toBeUndefined();
  });

  it('MILENAGE (TS 35.208 test set 1): SRES = RES[0..3], RES extension = RES[4..7]; the Kc it ciphers with is c3(CK, IK)', async () => {
    const { msc, ms } = await up({}, { ki: MILENAGE1.k, opc: MILENAGE1.opc, algo: 'milenage' });
    const lu = ms.locationUpdate();
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    c.dtap('mm', 'Authentication Request', { cksn: 1, spareHalfOctet: 0, rand: MILENAGE1.rand, autn: autn1() });
    const ar = await msc.expect('AUTHENTICATION RESPONSE');
    expect(iesOf(ar)).toEqual({ sres: MILENAGE1.f2.slice(0, 8), extendedRes: MILENAGE1.f2.slice(8) });
    const kc = c3(MILENAGE1.f3, MILENAGE1.f4);
    c.bssmap('CIPHER MODE COMMAND', { encryptionInformation: { permitted: [3], key: kc } });
    const cmc = await msc.expect('CIPHER MODE COMPLETE');
    expect(iesOf(cmc).chosenEncryptionAlgorithm).toEqual({ a5: 3 }); // A5/1 not permitted: the first the MS can do
    c.dtap('mm', 'Location Updating Accept', LU_ACCEPT());
    await c.clear();
    expect((await lu).accepted).toBe(true);
    expect(toHex(ms.kc!)).toBe(kc);
  });

  it('MILENAGE with a wrong MAC in AUTN: AUTHENTICATION FAILURE cause 20; with the SQN out of range: cause 21 and AUTS', async () => {
    const { msc, ms } = await up({}, { ki: MILENAGE1.k, opc: MILENAGE1.opc, algo: 'milenage', sqn: parseInt(MILENAGE1.sqn, 16) });
    const lu = ms.locationUpdate();
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    const badMac = autn1().slice(0, 16) + xorHex(MILENAGE1.f1, '0000000000000001');
    c.dtap('mm', 'Authentication Request', { cksn: 1, spareHalfOctet: 0, rand: MILENAGE1.rand, autn: badMac });
    expect(iesOf(await msc.expect('AUTHENTICATION FAILURE'))).toEqual({ rejectCause: 20 });
    // The USIM already accepted this SQN: synch failure. AUTS = (SQN_MS xor AK*) || MAC-S; AK* = f5* of the test set.
    c.dtap('mm', 'Authentication Request', { cksn: 1, spareHalfOctet: 0, rand: MILENAGE1.rand, autn: autn1() });
    const f = iesOf(await msc.expect('AUTHENTICATION FAILURE'));
    expect(f.rejectCause).toBe(21);
    expect(f.failureParameter).toHaveLength(28);
    expect(f.failureParameter.slice(0, 12)).toBe(xorHex(MILENAGE1.sqn, MILENAGE1.f5s));
    c.dtap('mm', 'Location Updating Reject', { rejectCause: 17 });
    await c.clear();
    expect(await lu).toMatchObject({ accepted: false, cause: 17 });
  });

  it('AUTHENTICATION REJECT ends the LU with authRejected and deletes TMSI and CKSN', async () => {
    const { msc, ms } = await up({}, { tmsi: 7, cksn: 3 });
    const lu = ms.locationUpdate();
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    c.dtap('mm', 'Authentication Reject', {});
    await c.clear();
    expect(await lu).toMatchObject({ accepted: false, authRejected: true });
    expect(ms.tmsi).toBeUndefined();
    expect(ms.cksn).toBe(7);
  });

  it('a TMSI REALLOCATION COMMAND on its own is stored and completed', async () => {
    const { msc, ms } = await up();
    const lu = ms.locationUpdate();
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    c.dtap('mm', 'TMSI Reallocation Command', { lai: { mcc: '001', mnc: '01', lac: 1 }, mobileIdentity: { type: 'tmsi', tmsi: 0xabcdef01 } });
    await msc.expect('TMSI REALLOCATION COMPLETE');
    expect(ms.tmsi).toBe(0xabcdef01);
    c.dtap('mm', 'Location Updating Accept', LU_ACCEPT());
    await c.clear();
    expect(await lu).toMatchObject({ accepted: true, tmsi: 0xabcdef01 });
  });

  it('when the MSC does not release, T3240 expires and the BSC sends CLEAR REQUEST (cause 0x01 radio interface failure)', async () => {
    const { msc, ms } = await up({ timers: { T3240: 200 } });
    const lu = ms.locationUpdate();
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    c.dtap('mm', 'Location Updating Accept', LU_ACCEPT());
    await msc.quiet(120);
    const req = await msc.expect('CLEAR REQUEST', 1000);
    expect((req.sccp as { data: string }).data).toBe('0004220401' + '01');
    await c.clear();
    expect(await lu).toMatchObject({ accepted: true, releasedBy: 'msc' });
  });

  it('the BSC releases the SCCP connection itself when the MSC sends no RLSD after CLEAR COMPLETE (X_RLSD)', async () => {
    const { msc, ms } = await up({ timers: { X_RLSD: 100 } });
    const lu = ms.locationUpdate();
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    c.dtap('mm', 'Location Updating Accept', LU_ACCEPT());
    c.bssmap('CLEAR COMMAND', { cause: 9 });
    await msc.expect('CLEAR COMPLETE');
    const rlsd = await msc.expect('SCCP RLSD', 1000);
    expect(rlsd.sccp).toMatchObject({ dstRef: c.mscRef, srcRef: c.bscRef, releaseCause: 0 });
    msc.sendSccp({ type: 'RLC', dstRef: c.bscRef, srcRef: c.mscRef });
    expect(await lu).toMatchObject({ accepted: true, releasedBy: 'bsc' });
  });
});

describe('faults for the MSC\'s timers', () => {
  it('silent AUTHENTICATION REQUEST: nothing answers; T3210 fails the LU with a TimeoutError naming what was awaited, and the BSC clears', async () => {
    const { msc, ms } = await up({ timers: { T3210: 300 } }, { silent: ['AUTHENTICATION REQUEST'] });
    const lu = outcome(ms.locationUpdate());
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    c.dtap('mm', 'Authentication Request', { cksn: 0, spareHalfOctet: 0, rand: COMP128.rand });
    await msc.quiet(200);
    const err = await lu;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ timer: 'T3210', procedure: 'LOCATION UPDATING', expected: ['LOCATION UPDATING ACCEPT', 'LOCATION UPDATING REJECT', 'AUTHENTICATION REJECT'], lastReceived: 'AUTHENTICATION REQUEST', imsi: IMSI });
    await msc.expect('CLEAR REQUEST');
    await c.clear();
  });

  it('silent IDENTITY REQUEST: no IDENTITY RESPONSE', async () => {
    const { msc, ms } = await up({}, { silent: ['IDENTITY REQUEST'] });
    const lu = ms.locationUpdate();
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    c.dtap('mm', 'Identity Request', { identityType: 1, spareHalfOctet: 0 });
    await msc.quiet(200);
    c.dtap('mm', 'Location Updating Reject', { rejectCause: 2 });
    await c.clear();
    expect(await lu).toMatchObject({ accepted: false, cause: 2 });
  });

  it('wrongSres: the SRES has every bit flipped', async () => {
    const { msc, ms } = await up({}, { wrongSres: true });
    const lu = ms.locationUpdate();
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    c.dtap('mm', 'Authentication Request', { cksn: 0, spareHalfOctet: 0, rand: COMP128.rand });
    expect(iesOf(await msc.expect('AUTHENTICATION RESPONSE')).sres).toBe(xorHex(COMP128.sres, 'ffffffff'));
    c.dtap('mm', 'Authentication Reject', {});
    await c.clear();
    expect(await lu).toMatchObject({ accepted: false, authRejected: true });
  });

  it('silent TMSI REALLOCATION COMMAND: the TMSI in LU ACCEPT is not taken and nothing is sent', async () => {
    const { msc, ms } = await up({}, { silent: ['TMSI REALLOCATION COMMAND'] });
    const lu = ms.locationUpdate();
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    c.dtap('mm', 'Location Updating Accept', LU_ACCEPT(0x55667788));
    await msc.quiet(200);
    await c.clear();
    const r = await lu;
    expect(r.accepted).toBe(true);
    expect(r.tmsi).toBeUndefined();
    expect(ms.tmsi).toBeUndefined();
  });

  it('a message the LU does not allow: UnexpectedMessageError (expected vs got) and MM STATUS cause 98', async () => {
    const { msc, bsc, ms } = await up();
    const errors: Error[] = [];
    bsc.on('protocol-error', (e: Error) => errors.push(e));
    const lu = outcome(ms.locationUpdate());
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    c.dtap('mm', 'CM Service Accept', {});
    const st = await msc.expect('MM STATUS');
    expect(iesOf(st)).toEqual({ rejectCause: 98 });
    const err = await lu;
    expect(err).toBeInstanceOf(UnexpectedMessageError);
    expect((err as UnexpectedMessageError).got).toBe('CM SERVICE ACCEPT');
    expect((err as UnexpectedMessageError).expected).toContain('LOCATION UPDATING ACCEPT');
    expect(String(err)).toMatch(/LOCATION UPDATING: expected LOCATION UPDATING ACCEPT or .* got CM SERVICE ACCEPT \(MS 001010000000001\)/);
    expect(errors).toHaveLength(1);
    await c.clear();
  });

  it('CIPHER MODE COMMAND with another Kc than the SIM\'s: KcMismatchError, the radio link fails (CLEAR REQUEST)', async () => {
    const { msc, ms } = await up();
    const lu = outcome(ms.locationUpdate());
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    c.dtap('mm', 'Authentication Request', { cksn: 0, spareHalfOctet: 0, rand: COMP128.rand });
    await msc.expect('AUTHENTICATION RESPONSE');
    c.bssmap('CIPHER MODE COMMAND', { encryptionInformation: { permitted: [1], key: '0011223344556677' } });
    await msc.expect('CLEAR REQUEST');
    const err = await lu;
    expect(err).toBeInstanceOf(KcMismatchError);
    expect(err).toMatchObject({ expectedKc: COMP128.kc, gotKc: '0011223344556677' });
    await c.clear();
  });

  it('CIPHER MODE COMMAND permitting only A5/2: CIPHER MODE REJECT cause 0x40 (ciphering algorithm not supported)', async () => {
    const { msc, ms } = await up();
    const lu = ms.locationUpdate();
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    c.bssmap('CIPHER MODE COMMAND', { encryptionInformation: { permitted: [2], key: COMP128.kc } });
    const rej = await msc.expect('CIPHER MODE REJECT');
    expect((rej.sccp as { data: string }).data).toBe('0004590401' + '40');
    c.dtap('mm', 'Location Updating Reject', { rejectCause: 17 });
    await c.clear();
    expect((await lu).accepted).toBe(false);
  });

  it('CREF: ConnectionRefusedError with the refusal cause', async () => {
    const { msc, ms } = await up();
    const lu = outcome(ms.locationUpdate());
    msc.refuse(await msc.expect('LOCATION UPDATING REQUEST'), 3);
    const err = await lu;
    expect(err).toBeInstanceOf(ConnectionRefusedError);
    expect(err).toMatchObject({ refusalCause: 3 });
    expect(ms.session).toBeUndefined();
  });

  it('no CC: X_CONN fails the LU', async () => {
    const { msc, ms } = await up({ timers: { X_CONN: 150 } });
    const lu = outcome(ms.locationUpdate());
    const cr = await msc.expect('LOCATION UPDATING REQUEST');
    const err = await lu;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ timer: 'X_CONN', expected: ['SCCP CC', 'SCCP CREF'] });
    // A CC that comes too late is released at once.
    const c = msc.accept(cr);
    expect((await msc.expect('SCCP RLSD')).sccp).toMatchObject({ dstRef: c.mscRef, srcRef: c.bscRef });
  });

  it('the MSC\'s RESET and a dropped link end a running procedure with ReleasedError', async () => {
    const { msc, ms, bsc } = await up({ timers: { X_RECONNECT_MIN: 50 } });
    let lu = outcome(ms.locationUpdate());
    msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    msc.sendUdt({ discriminator: 'bssmap', type: 'RESET', ies: { cause: 7 } });
    await msc.expect('RESET ACKNOWLEDGE');
    let err = await lu;
    expect(err).toBeInstanceOf(ReleasedError);
    expect(err).toMatchObject({ by: 'reset' });

    lu = outcome(ms.locationUpdate());
    msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    msc.dropConnection();
    err = await lu;
    expect(err).toMatchObject({ name: 'ReleasedError', by: 'link' });
    await msc.waitConnection(2);
    const back = bsc.waitLinkUp(3000);
    await msc.handshake();
    await back;
  });
});

describe('events and state', () => {
  it('one procedure at a time: a second LU while the MS has a connection is a MsStateError', async () => {
    const { msc, ms } = await up();
    const lu = ms.locationUpdate();
    const cr = await msc.expect('LOCATION UPDATING REQUEST');
    await expect(ms.locationUpdate()).rejects.toMatchObject({ name: 'MsStateError', imsi: IMSI });
    await expect(ms.imsiDetach()).rejects.toThrow(/IMSI DETACH: the MS has a connection \(LOCATION UPDATING, connecting\)/);
    const c = msc.accept(cr);
    c.dtap('mm', 'Location Updating Accept', LU_ACCEPT());
    await c.clear();
    await lu;
    await ms.idle(1000);
  });

  it("'message' events carry direction, SCCP, BSSAP, name, IMSI and the BSC's reference; counters per message", async () => {
    const { msc, bsc, ms } = await up();
    const seen: { dir: string; name: string; imsi?: string; localRef?: number }[] = [];
    bsc.on('message', (e: { dir: string; name: string; imsi?: string; localRef?: number }) => seen.push({ dir: e.dir, name: e.name, imsi: e.imsi, localRef: e.localRef }));
    const lu = ms.locationUpdate();
    const c = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
    c.dtap('mm', 'Location Updating Accept', LU_ACCEPT());
    await c.clear();
    await lu;
    expect(seen).toEqual([
      { dir: 'BSC -> MSC', name: 'COMPLETE LAYER 3 INFORMATION', imsi: IMSI, localRef: 1 },
      { dir: 'MSC -> BSC', name: 'SCCP CC', imsi: IMSI, localRef: 1 },
      { dir: 'MSC -> BSC', name: 'LOCATION UPDATING ACCEPT', imsi: IMSI, localRef: 1 },
      { dir: 'MSC -> BSC', name: 'CLEAR COMMAND', imsi: IMSI, localRef: 1 },
      { dir: 'BSC -> MSC', name: 'CLEAR COMPLETE', imsi: IMSI, localRef: 1 },
      { dir: 'MSC -> BSC', name: 'SCCP RLSD', imsi: IMSI, localRef: 1 },
      { dir: 'BSC -> MSC', name: 'SCCP RLC', imsi: IMSI, localRef: 1 },
    ]);
    const st = bsc.stats();
    expect(st.sent).toMatchObject({ 'COMPLETE LAYER 3 INFORMATION': 1, 'CLEAR COMPLETE': 1, 'SCCP RLC': 1, RESET: 1 });
    expect(st.received).toMatchObject({ 'LOCATION UPDATING ACCEPT': 1, 'RESET ACKNOWLEDGE': 1 });
    expect(st.totalConnections).toBe(1);
  });
});

describe('IMSI detach and CM service', () => {
  it('IMSI DETACH INDICATION in its own CR, with the TMSI; resolves when the MSC released', async () => {
    const { msc, ms } = await up({}, { tmsi: 0x0badcafe });
    ms.attached = true;
    const det = ms.imsiDetach();
    const cr = await msc.expect('IMSI DETACH INDICATION');
    // MM 0x01, classmark 1 0x53, mobile identity TMSI (f4 + 4 octets); N(SD) 0
    // Layer 3 Information IE 0x17, length 9: MM 0x01 (N(SD) 0), classmark 1 0x53, TMSI (LV: 05 f4 + 4 octets)
    expect((cr.sccp as { data: string }).data).toContain('1709' + '0501' + '53' + '05f40badcafe');
    const c = msc.accept(cr);
    await c.clear();
    const r = await det;
    expect(r.releasedBy).toBe('msc');
    expect(ms.attached).toBe(false);
  });

  it('IMSI detach when the MSC never releases: T3220 expires, CLEAR REQUEST', async () => {
    const { msc, ms } = await up({ timers: { T3220: 150 } });
    const det = ms.imsiDetach();
    const c = msc.accept(await msc.expect('IMSI DETACH INDICATION'));
    await msc.expect('CLEAR REQUEST', 1000);
    await c.clear();
    expect((await det).releasedBy).toBe('msc');
  });

  it('CM SERVICE REQUEST (SMS) accepted: a dialogue to script the rest; REJECT resolves with the cause', async () => {
    const { msc, ms } = await up({ timers: { T3240: 200 } });
    const sr = ms.serviceRequest('sms');
    const cr = await msc.expect('CM SERVICE REQUEST');
    expect(iesOf(cr)).toMatchObject({ cmServiceType: 4, cksn: 7, mobileIdentity: { type: 'imsi', digits: IMSI } });
    const c = msc.accept(cr);
    c.dtap('mm', 'CM Service Accept', {});
    const r = await sr;
    expect(r.accepted).toBe(true);
    const d = r.dialogue!;
    // The MSC's CP-DATA may come before the test asks for it: it waits in the dialogue's inbox.
    c.dtap('sms', 'CP-ACK', {}, { ti: 0, flag: 1 });
    await sleep(50);
    const ack = await d.expect('CP-ACK');
    expect(ack.discriminator).toBe('dtap');
    d.sendDtap({ pd: 'sms', type: 'CP-ACK', tiFlag: 0, ti: 1, ies: {} }, 0x03);
    const cpAck = await msc.expect('CP-ACK');
    expect(dtapOf(cpAck)).toMatchObject({ pd: 'sms', ti: 1, tiFlag: 0 });
    expect((cpAck.sccp as { data: string }).data).toBe('010302' + '1904'); // DTAP, DLCI 0x03 (SAPI 3), SMS (9) TI 1 flag 0, CP-ACK (04)
    await msc.quiet(300); // the dialogue holds the connection: no T3240
    d.done();
    await msc.expect('CLEAR REQUEST', 1000); // T3240 now
    await c.clear();
    await d.released;

    const sr2 = ms.serviceRequest('ss');
    const c2 = msc.accept(await msc.expect('CM SERVICE REQUEST'));
    c2.dtap('mm', 'CM Service Reject', { rejectCause: 17 });
    await c2.clear();
    expect(await sr2).toMatchObject({ accepted: false, cause: 17 });
  });
});
