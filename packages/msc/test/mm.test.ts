import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '@snaptel/fsm';
import { authResponse, CM1, luRequest, Scenario, type FakeConn, type SimSub } from './harness';

/**
 * Mobility management scenarios with golden transition logs (libosmocore's
 * `.ok` style): each scenario's log (machine transitions and every message
 * on the A interface) is compared with test/golden/<name>.ok. The files
 * were written with SNAPTEL_UPDATE_FIXTURES=1 and then read line by line
 * against TS 24.008 §4.4 before being checked in; the assertions below check
 * the outcomes independently of the golden text.
 */

const GOLDEN = path.join(__dirname, 'golden');
const golden = (sc: Scenario, name: string) => expectGolden(sc.log.text(), path.join(GOLDEN, `${name}.ok`));

const ALICE: SimSub = { imsi: '001010000000001', msisdn: '1001', ki: '000102030405060708090a0b0c0d0e0f', algo: 'comp128v1' };
const BOB: SimSub = { imsi: '001010000000002', msisdn: '1002', ki: 'ffeeddccbbaa99887766554433221100', opc: '00112233445566778899aabbccddeeff', algo: 'milenage' };
const CAROL: SimSub = { imsi: '001010000000003', msisdn: '1003', algo: 'none' };

/** Runs a full, successful LU for `sub` on a new connection and returns the TMSI it got. */
function lu(sc: Scenario, label: string, sub: SimSub, identity: { imsi: string } | { tmsi: number } = { imsi: sub.imsi }): number {
  const c = sc.completeL3(label, luRequest(identity));
  if (c.last()?.dtap?.type === 'Identity Request') c.dtap({ pd: 'mm', type: 'Identity Response', ies: { mobileIdentity: { type: 'imsi', digits: sub.imsi } } });
  if (c.last()?.dtap?.type === 'Authentication Request') c.dtap(authResponse(sub, c.last()!.dtap!));
  if (c.last()?.bssmap?.type === 'CIPHER MODE COMMAND') c.bssmap('CIPHER MODE COMPLETE', { chosenEncryptionAlgorithm: { a5: 1 } });
  const acc = c.last()?.dtap;
  expect(acc?.type).toBe('Location Updating Accept');
  const tmsi = (acc!.ies.mobileIdentity as { tmsi: number }).tmsi;
  c.dtap({ pd: 'mm', type: 'TMSI Reallocation Complete', ies: {} });
  c.completeClear();
  return tmsi;
}

function cleared(c: FakeConn): void {
  expect(c.cleared).toBeDefined();
  c.completeClear();
}

describe('location updating', () => {
  it('by IMSI: authentication (COMP128v1), ciphering, LU ACCEPT with a new TMSI, TMSI REALLOCATION COMPLETE', () => {
    const sc = new Scenario([ALICE]);
    sc.note('LU by IMSI, IMSI attach');
    const tmsi = lu(sc, 'alice', ALICE);
    const rec = sc.vlr.get(ALICE.imsi)!;
    expect(rec.tmsi).toBe(tmsi);
    expect(rec.state).toBe('attached');
    expect(rec.lac).toBe(23);
    expect(sc.core.counters['lu-accepted']).toBe(1);
    golden(sc, 'lu-imsi');
  });

  it('by a TMSI this VLR does not know: IDENTITY REQUEST first; then by the TMSI it gave (no identity request), Milenage', () => {
    const sc = new Scenario([BOB]);
    sc.note('LU by an unknown TMSI');
    const t1 = lu(sc, 'bob', BOB, { tmsi: 0x0badcafe });
    sc.note('periodic LU by the TMSI the VLR gave');
    const c = sc.completeL3('bob', luRequest({ tmsi: t1 }, 'periodic'));
    expect(c.last()?.dtap?.type).toBe('Authentication Request');
    expect(c.last()?.dtap?.ies.autn).toMatch(/^[0-9a-f]{32}$/);
    c.dtap(authResponse(BOB, c.last()!.dtap!));
    c.bssmap('CIPHER MODE COMPLETE', { chosenEncryptionAlgorithm: { a5: 1 } });
    const t2 = (c.last()!.dtap!.ies.mobileIdentity as { tmsi: number }).tmsi;
    expect(t2).not.toBe(t1);
    c.dtap({ pd: 'mm', type: 'TMSI Reallocation Complete', ies: {} });
    cleared(c);
    expect(sc.vlr.get(BOB.imsi)!.tmsi).toBe(t2);
    golden(sc, 'lu-tmsi');
  });

  it('rejects an IMSI the HLR does not know (cause 2) and does not register it', () => {
    const sc = new Scenario([ALICE]);
    const c = sc.completeL3('mallory', luRequest({ imsi: '001019999999999' }));
    expect(c.last()?.dtap).toMatchObject({ type: 'Location Updating Reject', ies: { rejectCause: 2 } });
    cleared(c);
    expect(sc.vlr.get('001019999999999')).toBeUndefined();
    golden(sc, 'lu-unknown-imsi');
  });

  it('answers a wrong SRES with AUTHENTICATION REJECT and clears', () => {
    const sc = new Scenario([ALICE]);
    const c = sc.completeL3('alice', luRequest({ imsi: ALICE.imsi }));
    c.dtap(authResponse(ALICE, c.last()!.dtap!, true));
    expect(c.last()?.dtap?.type).toBe('Authentication Reject');
    cleared(c);
    expect(sc.vlr.get(ALICE.imsi)).toBeUndefined();
    expect(sc.core.counters['auth-failed']).toBe(1);
    golden(sc, 'lu-auth-failure');
  });

  it('without authentication for a subscriber whose algorithm is none (no ciphering either)', () => {
    const sc = new Scenario([CAROL]);
    const c = sc.completeL3('carol', luRequest({ imsi: CAROL.imsi }));
    expect(c.last()?.dtap?.type).toBe('Location Updating Accept');
    c.dtap({ pd: 'mm', type: 'TMSI Reallocation Complete', ies: {} });
    cleared(c);
    golden(sc, 'lu-no-auth');
  });
});

describe('MM timers', () => {
  it('T3270: no IDENTITY RESPONSE -> LU REJECT (network failure) after 12 s', () => {
    const sc = new Scenario([ALICE]);
    const c = sc.completeL3('alice', luRequest({ tmsi: 0x11111111 }));
    expect(c.last()?.dtap?.type).toBe('Identity Request');
    sc.advance(11_999);
    expect(c.cleared).toBeUndefined();
    sc.advance(1);
    expect(c.out.at(-1)?.dtap).toMatchObject({ type: 'Location Updating Reject', ies: { rejectCause: 17 } });
    cleared(c);
    golden(sc, 'timer-t3270');
  });

  it('T3260: no AUTHENTICATION RESPONSE -> LU REJECT (network failure)', () => {
    const sc = new Scenario([ALICE]);
    const c = sc.completeL3('alice', luRequest({ imsi: ALICE.imsi }));
    sc.advance(12_000);
    expect(c.last()?.dtap).toMatchObject({ type: 'Location Updating Reject', ies: { rejectCause: 17 } });
    cleared(c);
    golden(sc, 'timer-t3260');
  });

  it('X1: no CIPHER MODE COMPLETE -> LU REJECT after 5 s; a configured T3260 is honoured', () => {
    const sc = new Scenario([ALICE]);
    sc.timers.configure({ T3260: '4s' });
    const c = sc.completeL3('alice', luRequest({ imsi: ALICE.imsi }));
    c.dtap(authResponse(ALICE, c.last()!.dtap!));
    expect(c.last()?.bssmap?.type).toBe('CIPHER MODE COMMAND');
    sc.advance(5_000);
    expect(c.last()?.dtap).toMatchObject({ type: 'Location Updating Reject', ies: { rejectCause: 17 } });
    cleared(c);
    sc.note('T3260 configured to 4 s');
    const c2 = sc.completeL3('alice', luRequest({ imsi: ALICE.imsi }));
    sc.advance(3_999);
    expect(c2.cleared).toBeUndefined();
    sc.advance(1);
    cleared(c2);
    golden(sc, 'timer-x1');
  });

  it('T3250: no TMSI REALLOCATION COMPLETE -> the LU stands, the new TMSI stays pending', () => {
    const sc = new Scenario([ALICE]);
    const c = sc.completeL3('alice', luRequest({ imsi: ALICE.imsi }));
    c.dtap(authResponse(ALICE, c.last()!.dtap!));
    c.bssmap('CIPHER MODE COMPLETE', { chosenEncryptionAlgorithm: { a5: 1 } });
    const tmsi = (c.last()!.dtap!.ies.mobileIdentity as { tmsi: number }).tmsi;
    sc.advance(12_000);
    cleared(c);
    const rec = sc.vlr.get(ALICE.imsi)!;
    expect(rec.state).toBe('attached');
    expect(rec.tmsiNew).toBe(tmsi);
    golden(sc, 'timer-t3250');
  });
});

describe('detach, expiry, CM service', () => {
  it('IMSI DETACH marks the subscriber detached; T3212 without LU purges it from the VLR', () => {
    const sc = new Scenario([ALICE, CAROL]);
    const tmsi = lu(sc, 'alice', ALICE);
    lu(sc, 'carol', CAROL);
    const d = sc.completeL3('alice', { pd: 'mm', type: 'IMSI Detach Indication', ies: { classmark1: CM1, mobileIdentity: { type: 'tmsi', tmsi } } });
    cleared(d);
    expect(sc.vlr.get(ALICE.imsi)!.state).toBe('detached');
    sc.advance(59 * 60_000);
    expect(sc.core.purgeExpired()).toEqual([]);
    sc.advance(60_001);
    expect(sc.core.purgeExpired().sort()).toEqual([ALICE.imsi, CAROL.imsi]);
    expect(sc.vlr.size).toBe(0);
    golden(sc, 'detach-and-expiry');
  });

  it('accepts a CM SERVICE REQUEST from a registered subscriber, rejects one from an unknown TMSI (cause 4)', () => {
    const sc = new Scenario([ALICE]);
    const tmsi = lu(sc, 'alice', ALICE);
    const cm = (t: number) => ({ pd: 'mm' as const, type: 'CM Service Request', ies: { cmServiceType: 1, cksn: 0, classmark2: { revisionLevel: 1, esInd: true, a51NotAvailable: false, rfPowerCapability: 3, psCapability: false, ssScreeningIndicator: 1, smCapability: true, vbs: false, vgcs: false, frequencyCapability: false, classmark3: false, lcsvaCapability: false, ucs2: false, solsa: false, cmsp: false, a53: false, a52: false }, mobileIdentity: { type: 'tmsi', tmsi: t } } });
    const c = sc.completeL3('alice', cm(tmsi));
    c.dtap(authResponse(ALICE, c.last()!.dtap!));
    c.bssmap('CIPHER MODE COMPLETE', { chosenEncryptionAlgorithm: { a5: 1 } });
    expect(c.last()?.dtap?.type).toBe('CM Service Accept');
    expect(sc.core.counters['cm-service-accepted']).toBe(1);
    const x = sc.completeL3('stranger', cm(0x22222222));
    expect(x.last()?.dtap).toMatchObject({ type: 'CM Service Reject', ies: { rejectCause: 4 } });
    cleared(x);
    golden(sc, 'cm-service');
  });
});

describe('an HLR that answers later (as over GSUP)', () => {
  /** The embedded HLR's answers, delivered on a later turn; or never, for `silent` requests. */
  const later = (silent: Set<string> = new Set()) => (h: import('../src/hlr-access').HlrAccess) => ({
    ...h,
    kind: 'gsup' as const,
    authInfo: (imsi: string) => (silent.has('auth') ? new Promise<never>(() => undefined) : Promise.resolve(h.authInfo(imsi))),
    updateLocation: (imsi: string) => (silent.has('ul') ? new Promise<never>(() => undefined) : Promise.resolve(h.updateLocation(imsi))),
  });
  const flush = () => new Promise((r) => setImmediate(r));

  it('waits in WAIT_HLR_AUTH and WAIT_HLR_UL, and the LU completes', async () => {
    const sc = new Scenario([ALICE], {}, later());
    const c = sc.completeL3('alice', luRequest({ imsi: ALICE.imsi }));
    expect(c.out).toHaveLength(0);
    await flush();
    c.dtap(authResponse(ALICE, c.last()!.dtap!));
    c.bssmap('CIPHER MODE COMPLETE', { chosenEncryptionAlgorithm: { a5: 1 } });
    expect(c.last()?.dtap).toBeUndefined();
    await flush();
    expect(c.last()?.dtap?.type).toBe('Location Updating Accept');
    c.dtap({ pd: 'mm', type: 'TMSI Reallocation Complete', ies: {} });
    cleared(c);
    expect(sc.vlr.get(ALICE.imsi)?.msisdn).toBe('1001');
    golden(sc, 'lu-async-hlr');
  });

  it('X3: an HLR that does not answer UPDATE LOCATION -> LU REJECT (network failure) after 5 s', async () => {
    const sc = new Scenario([ALICE], {}, later(new Set(['ul'])));
    const c = sc.completeL3('alice', luRequest({ imsi: ALICE.imsi }));
    await flush();
    c.dtap(authResponse(ALICE, c.last()!.dtap!));
    c.bssmap('CIPHER MODE COMPLETE', { chosenEncryptionAlgorithm: { a5: 1 } });
    sc.advance(5_000);
    expect(c.last()?.dtap).toMatchObject({ type: 'Location Updating Reject', ies: { rejectCause: 17 } });
    cleared(c);
    expect(sc.vlr.get(ALICE.imsi)).toBeUndefined();
    golden(sc, 'timer-x3');
  });
});
