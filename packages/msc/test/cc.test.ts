import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '@snaptel/fsm';
import { attach, Scenario, secure, type FakeConn, type SimSub } from './harness';

/**
 * Call control scenarios (TS 24.008 §5, network side) with golden logs: MO
 * to MT calls between two subscribers of this MSC through paging, BSSMAP
 * assignment and an MGCP media gateway (the mgcp package's FakeMgw), and
 * every way such a call ends. The .ok files were written with
 * SNAPTEL_UPDATE_FIXTURES=1 and read against §5.2 and §5.4 before check-in;
 * the assertions check the outcomes on their own.
 */

const GOLDEN = path.join(__dirname, 'golden');
const golden = (sc: Scenario, name: string) => expectGolden(sc.log.text(), path.join(GOLDEN, `${name}.ok`));

const ALICE: SimSub = { imsi: '001010000000001', msisdn: '1001', ki: '000102030405060708090a0b0c0d0e0f', algo: 'comp128v1' };
const BOB: SimSub = { imsi: '001010000000002', msisdn: '1002', ki: '0f0e0d0c0b0a09080706050403020100', algo: 'xor' };
const CM2 = { revisionLevel: 1, esInd: true, a51NotAvailable: false, rfPowerCapability: 3, psCapability: false, ssScreeningIndicator: 1, smCapability: true, vbs: false, vgcs: false, frequencyCapability: false, classmark3: false, lcsvaCapability: false, ucs2: false, solsa: false, cmsp: false, a53: false, a52: false };
const SPEECH = { radioChannelRequirement: 1, codingStandard: 0, transferMode: 0, itc: 0, speechVersions: [0] };



/** Alice calls Bob up to Bob's ALERTING; returns both connections. */
async function callToAlerting(sc: Scenario, tmsiA: number, tmsiB: number, opts: { answerPaging?: boolean } = {}): Promise<{ a: FakeConn; b?: FakeConn }> {
  sc.log.note('--- alice calls 1002');
  const a = sc.completeL3('1001', { pd: 'mm', type: 'CM Service Request', ies: { cmServiceType: 1, cksn: 0, classmark2: CM2, mobileIdentity: { type: 'tmsi', tmsi: tmsiA } } });
  secure(a, ALICE);
  expect(a.lastDtap()?.type).toBe('CM Service Accept');
  a.cc('Setup', 0, 0, { bearerCapability1: SPEECH, calledPartyBcdNumber: { ton: 0, npi: 1, digits: '1002' } });
  expect(a.lastDtap()?.type).toBe('Call Proceeding');
  await sc.settle();
  const assignA = a.lastBssmap();
  expect(assignA?.type).toBe('ASSIGNMENT REQUEST');
  expect(assignA?.ies.aoipTransportLayerAddress).toMatchObject({ ip: expect.any(String), port: expect.any(Number) });
  a.bssmap('ASSIGNMENT COMPLETE', { aoipTransportLayerAddress: { ip: '127.0.0.2', port: 4000 } });
  await sc.settle();
  expect(sc.paged).toEqual([BOB.imsi]);
  if (opts.answerPaging === false) return { a };
  const b = sc.completeL3('1002', { pd: 'rr', type: 'Paging Response', ies: { cksn: 0, spareHalfOctet: 0, classmark2: CM2, mobileIdentity: { type: 'tmsi', tmsi: tmsiB } } });
  secure(b, BOB);
  const setup = b.lastDtap()!;
  expect(setup).toMatchObject({ type: 'Setup', tiFlag: 0, ti: 0, ies: { callingPartyBcdNumber: { digits: '1001' } } });
  b.cc('Call Confirmed', 0, 1);
  await sc.settle();
  expect(b.lastBssmap()?.type).toBe('ASSIGNMENT REQUEST');
  b.bssmap('ASSIGNMENT COMPLETE', { aoipTransportLayerAddress: { ip: '127.0.0.3', port: 4002 } });
  await sc.settle();
  b.cc('Alerting', 0, 1);
  expect(a.lastDtap()?.type).toBe('Alerting');
  return { a, b };
}

describe('MO to MT calls', () => {
  it('answered, media connected on the MGW, released by the caller', async () => {
    const sc = new Scenario([ALICE, BOB]);
    const [ta, tb] = attach(sc, ALICE, BOB);
    const { a, b } = await callToAlerting(sc, ta!, tb!);
    b!.cc('Connect', 0, 1);
    expect(b!.lastDtap()?.type).toBe('Connect Acknowledge');
    expect(a.lastDtap()?.type).toBe('Connect');
    a.cc('Connect Acknowledge', 0, 0);
    await sc.settle();
    const eps = sc.mgw.endpointsInUse();
    expect(eps).toHaveLength(1);
    expect(eps[0]!.connections.map((c) => [c.mode, c.remote])).toEqual([
      ['sendrecv', '127.0.0.2:4000'],
      ['sendrecv', '127.0.0.3:4002'],
    ]);
    expect(sc.core.counters['calls-answered']).toBe(1);
    sc.log.note('--- alice hangs up');
    a.cc('Disconnect', 0, 0, { cause: { codingStandard: 3, location: 0, value: 16 } });
    expect(a.lastDtap()).toMatchObject({ type: 'Release', ies: { cause: { value: 16 } } });
    expect(b!.lastDtap()).toMatchObject({ type: 'Disconnect', ies: { cause: { value: 16 } } });
    b!.cc('Release', 0, 1);
    expect(b!.lastDtap()?.type).toBe('Release Complete');
    a.cc('Release Complete', 0, 0);
    expect(a.cleared).toBe(9);
    expect(b!.cleared).toBe(9);
    a.completeClear();
    b!.completeClear();
    await sc.settle();
    expect(sc.mgw.endpointsInUse()).toEqual([]);
    expect(sc.core.calls.size).toBe(0);
    golden(sc, 'call-answered-caller-hangs-up');
  });

  it('answered and released by the callee', async () => {
    const sc = new Scenario([ALICE, BOB]);
    const [ta, tb] = attach(sc, ALICE, BOB);
    const { a, b } = await callToAlerting(sc, ta!, tb!);
    b!.cc('Connect', 0, 1);
    a.cc('Connect Acknowledge', 0, 0);
    sc.log.note('--- bob hangs up');
    b!.cc('Disconnect', 0, 1, { cause: { codingStandard: 3, location: 0, value: 16 } });
    expect(b!.lastDtap()?.type).toBe('Release');
    expect(a.lastDtap()).toMatchObject({ type: 'Disconnect', ies: { cause: { value: 16 } } });
    a.cc('Release', 0, 0);
    b!.cc('Release Complete', 0, 1);
    a.completeClear();
    b!.completeClear();
    await sc.settle();
    expect(sc.mgw.endpointsInUse()).toEqual([]);
    golden(sc, 'call-answered-callee-hangs-up');
  });

  it('callee busy: RELEASE COMPLETE #17 to the SETUP; the caller hears #17', async () => {
    const sc = new Scenario([ALICE, BOB]);
    const [ta, tb] = attach(sc, ALICE, BOB);
    sc.log.note('--- alice calls 1002, bob is busy');
    const a = sc.completeL3('1001', { pd: 'mm', type: 'CM Service Request', ies: { cmServiceType: 1, cksn: 0, classmark2: CM2, mobileIdentity: { type: 'tmsi', tmsi: ta! } } });
    secure(a, ALICE);
    a.cc('Setup', 0, 0, { bearerCapability1: SPEECH, calledPartyBcdNumber: { ton: 0, npi: 1, digits: '1002' } });
    await sc.settle();
    a.bssmap('ASSIGNMENT COMPLETE', { aoipTransportLayerAddress: { ip: '127.0.0.2', port: 4000 } });
    await sc.settle();
    const b = sc.completeL3('1002', { pd: 'rr', type: 'Paging Response', ies: { cksn: 0, spareHalfOctet: 0, classmark2: CM2, mobileIdentity: { type: 'tmsi', tmsi: tb! } } });
    secure(b, BOB);
    b.cc('Release Complete', 0, 1, { cause: { codingStandard: 3, location: 0, value: 17 } });
    expect(a.lastDtap()).toMatchObject({ type: 'Disconnect', ies: { cause: { value: 17 } } });
    expect(b.cleared).toBe(9);
    a.cc('Release', 0, 0);
    expect(a.lastDtap()?.type).toBe('Release Complete');
    a.completeClear();
    b.completeClear();
    await sc.settle();
    expect(sc.core.counters.busy).toBe(1);
    expect(sc.mgw.endpointsInUse()).toEqual([]);
    golden(sc, 'call-busy');
  });

  it('no answer: T301 after 180 s of alerting clears both (#102 to the callee, #19 to the caller)', async () => {
    const sc = new Scenario([ALICE, BOB]);
    const [ta, tb] = attach(sc, ALICE, BOB);
    const { a, b } = await callToAlerting(sc, ta!, tb!);
    sc.advance(179_999);
    expect(a.lastDtap()?.type).toBe('Alerting');
    sc.advance(1);
    expect(b!.lastDtap()).toMatchObject({ type: 'Disconnect', ies: { cause: { value: 102 } } });
    expect(a.lastDtap()).toMatchObject({ type: 'Disconnect', ies: { cause: { value: 19 } } });
    a.cc('Release', 0, 0);
    b!.cc('Release', 0, 1);
    a.completeClear();
    b!.completeClear();
    await sc.settle();
    expect(sc.core.counters['timeout-T301']).toBe(1);
    golden(sc, 'call-no-answer');
  });

  it('paging failure: no PAGING RESPONSE within T3113 (10 s) clears the caller with #20', async () => {
    const sc = new Scenario([ALICE, BOB]);
    const [ta, tb] = attach(sc, ALICE, BOB);
    const { a } = await callToAlerting(sc, ta!, tb!, { answerPaging: false });
    sc.advance(10_000);
    expect(a.lastDtap()).toMatchObject({ type: 'Disconnect', ies: { cause: { value: 20 } } });
    a.cc('Release', 0, 0);
    a.completeClear();
    await sc.settle();
    expect(sc.core.counters['timeout-T3113']).toBe(1);
    expect(sc.mgw.endpointsInUse()).toEqual([]);
    golden(sc, 'call-paging-failure');
  });

  it('the callee\'s BSC link is lost during the call: the caller is cleared with #41, the media released', async () => {
    const sc = new Scenario([ALICE, BOB]);
    const [ta, tb] = attach(sc, ALICE, BOB);
    const { a, b } = await callToAlerting(sc, ta!, tb!);
    b!.cc('Connect', 0, 1);
    a.cc('Connect Acknowledge', 0, 0);
    sc.log.note('--- the link to bob\'s BSC drops');
    sc.core.onReleased(b!, 'link down: peer closed the TCP connection');
    expect(a.lastDtap()).toMatchObject({ type: 'Disconnect', ies: { cause: { value: 41 } } });
    a.cc('Release', 0, 0);
    a.completeClear();
    await sc.settle();
    expect(sc.mgw.endpointsInUse()).toEqual([]);
    golden(sc, 'call-link-loss');
  });

  it('an unknown number is cleared with #1 after CALL PROCEEDING', async () => {
    const sc = new Scenario([ALICE]);
    const [ta] = attach(sc, ALICE);
    const a = sc.completeL3('1001', { pd: 'mm', type: 'CM Service Request', ies: { cmServiceType: 1, cksn: 0, classmark2: CM2, mobileIdentity: { type: 'tmsi', tmsi: ta! } } });
    secure(a, ALICE);
    a.cc('Setup', 0, 0, { bearerCapability1: SPEECH, calledPartyBcdNumber: { ton: 0, npi: 1, digits: '999' } });
    await sc.settle();
    expect(a.lastDtap()).toMatchObject({ type: 'Disconnect', ies: { cause: { value: 1 } } });
    a.cc('Release', 0, 0);
    a.completeClear();
    golden(sc, 'call-unassigned-number');
  });
});
