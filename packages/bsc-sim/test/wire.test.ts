import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldValues, ipv4Tcp, LINKTYPE_RAW, tshark, tsharkAvailable, type PcapRecord, type TsharkPacket } from '@snaptel/codec';
import { type BscSim } from '../src';
import { decodeFrame, iesOf, type FakeMsc, type Frame } from './fake-msc';
import { COMP128, linkUp } from './helpers';

/**
 * One scripted session through everything the simulator sends: CCM and
 * RESET, a location update with identity, authentication, ciphering and TMSI
 * reallocation, an MO call from A to B with B paged (both legs assigned,
 * connected and released from either side), an IMSI detach and the MSC's
 * RESET. Its capture goes to tshark (zero malformed, message types and key
 * fields as written here by hand), and its trace is compared with the golden
 * file test/fixtures/session.trace.ok (SNAPTEL_UPDATE_FIXTURES=1 rewrites it).
 */

const OK_FILE = path.join(__dirname, 'fixtures/session.trace.ok');
const UPDATE = process.env.SNAPTEL_UPDATE_FIXTURES === '1';
const A = '001010000000001';
const B = '001010000000002';
const TMSI_A = 0x4a000001;
const TMSI_B = 0x4b000002;

let msc: FakeMsc;
let bsc: BscSim;
const trace: string[] = [];

const netCause = (value: number) => ({ codingStandard: 3, location: 2, value });
const ASSIGN = (port: number) => ({
  channelType: { indicator: 1, rateType: 0x08, permittedSpeech: [0x21, 0x01] },
  aoipTransportLayerAddress: { ip: '127.0.0.1', port },
  speechCodecList: { codecs: [{ fi: true, pi: false, pt: false, tf: false, type: 3, config: 0x0002 }, { fi: true, pi: false, pt: false, tf: false, type: 0 }] },
  callIdentifier: port,
});

async function session(): Promise<void> {
  ({ msc, bsc } = await linkUp({ trace: (l) => trace.push(l), timers: { T3240: 5000 } }));
  const a = bsc.addMs({ imsi: A, msisdn: '1001', ki: COMP128.ki });
  const b = bsc.addMs({ imsi: B, msisdn: '1002', ki: COMP128.ki, tmsi: TMSI_B, cksn: 0, kc: COMP128.kc });

  // Location update of A.
  const lu = a.locationUpdate();
  const c1 = msc.accept(await msc.expect('LOCATION UPDATING REQUEST'));
  c1.dtap('mm', 'Identity Request', { identityType: 3, spareHalfOctet: 0 });
  await msc.expect('IDENTITY RESPONSE');
  c1.dtap('mm', 'Authentication Request', { cksn: 0, spareHalfOctet: 0, rand: COMP128.rand });
  await msc.expect('AUTHENTICATION RESPONSE');
  c1.bssmap('CIPHER MODE COMMAND', { encryptionInformation: { permitted: [0, 1, 3], key: COMP128.kc }, cipherResponseMode: 1 });
  await msc.expect('CIPHER MODE COMPLETE');
  c1.dtap('mm', 'Location Updating Accept', { lai: { mcc: '001', mnc: '01', lac: 1 }, mobileIdentity: { type: 'tmsi', tmsi: TMSI_A } });
  await msc.expect('TMSI REALLOCATION COMPLETE');
  c1.dtap('mm', 'MM Information', { fullName: '0811' });
  await c1.clear();
  await lu;

  // MO call A -> B; B is paged.
  const call = a.call('1002');
  const ca = msc.accept(await msc.expect('CM SERVICE REQUEST'));
  ca.bssmap('CIPHER MODE COMMAND', { encryptionInformation: { permitted: [1], key: COMP128.kc } });
  await msc.expect('CIPHER MODE COMPLETE');
  await msc.expect('SETUP');
  ca.dtap('cc', 'Call Proceeding', {}, { ti: 0, flag: 1 });
  ca.bssmap('ASSIGNMENT REQUEST', ASSIGN(7000));
  await msc.expect('ASSIGNMENT COMPLETE');
  msc.sendUdt({ discriminator: 'bssmap', type: 'PAGING', ies: { imsi: { type: 'imsi', digits: B }, tmsi: TMSI_B, cellIdentifierList: { discriminator: 'lac', cells: [{ lac: 1 }] } } });
  const cb = msc.accept(await msc.expect('PAGING RESPONSE'));
  cb.bssmap('CIPHER MODE COMMAND', { encryptionInformation: { permitted: [1], key: COMP128.kc } });
  await msc.expect('CIPHER MODE COMPLETE');
  cb.dtap('cc', 'Setup', { bearerCapability1: { radioChannelRequirement: 1, codingStandard: 0, transferMode: 0, itc: 0, speechVersions: [4, 0] }, callingPartyBcdNumber: { ton: 0, npi: 1, digits: '1001' } }, { ti: 0, flag: 0 });
  await msc.expect('CALL CONFIRMED');
  await msc.expect('ALERTING');
  await msc.expect('CONNECT');
  cb.bssmap('ASSIGNMENT REQUEST', ASSIGN(7002));
  await msc.expect('ASSIGNMENT COMPLETE');
  ca.dtap('cc', 'Alerting', {}, { ti: 0, flag: 1 });
  ca.dtap('cc', 'Connect', {}, { ti: 0, flag: 1 });
  await msc.expect('CONNECT ACKNOWLEDGE');
  cb.dtap('cc', 'Connect Acknowledge', {}, { ti: 0, flag: 0 });
  await call.connected;
  await b.calls[0]!.connected;
  // A hangs up; the network clears B.
  const hung = call.hangup();
  await msc.expect('DISCONNECT');
  ca.dtap('cc', 'Release', {}, { ti: 0, flag: 1 });
  await msc.expect('RELEASE COMPLETE');
  await hung;
  cb.dtap('cc', 'Disconnect', { cause: netCause(16) }, { ti: 0, flag: 0 });
  await msc.expect('RELEASE');
  cb.dtap('cc', 'Release Complete', {}, { ti: 0, flag: 0 });
  await ca.clear(9);
  await cb.clear(9);

  // IMSI detach of A, then the MSC resets the BSC.
  const det = a.imsiDetach();
  await msc.accept(await msc.expect('IMSI DETACH INDICATION')).clear();
  await det;
  msc.sendUdt({ discriminator: 'bssmap', type: 'RESET', ies: { cause: 0x07 } });
  await msc.expect('RESET ACKNOWLEDGE');
}

beforeAll(async () => {
  await session();
}, 30_000);

afterAll(async () => {
  await bsc?.stop();
  await msc?.close();
});

/** Both directions as one pcapng, addresses as in fixtures/osmo-bsc-sccplite-reset.pcap; frames from the BSC flagged inbound ("from the mobile" for gsm_a_dtap). */
function records(frames: Frame[]): PcapRecord[] {
  const up = ipv4Tcp({ src: '127.0.0.2', srcPort: 49152, dst: '127.0.0.1', dstPort: 5000 }, frames.filter((f) => f.dir === 'BSC->MSC').map((f) => f.bytes));
  const down = ipv4Tcp({ src: '127.0.0.1', srcPort: 5000, dst: '127.0.0.2', dstPort: 49152 }, frames.filter((f) => f.dir === 'MSC->BSC').map((f) => f.bytes));
  return frames.map((f) => (f.dir === 'BSC->MSC' ? { ...up.shift()!, direction: 'in' as const } : { ...down.shift()!, direction: 'out' as const }));
}

// Message type codes written out from the specs (not taken from src/): TS 48.008 §3.2.2.1, TS 24.008 §10.4, TS 44.018 §10.4.
const BSSMAP_CODE: Record<string, string> = {
  RESET: '0x30', 'RESET ACKNOWLEDGE': '0x31', 'CIPHER MODE COMPLETE': '0x55', 'ASSIGNMENT COMPLETE': '0x02', 'CLEAR COMPLETE': '0x21',
};
const MM_CODE: Record<string, string> = {
  'LOCATION UPDATING REQUEST': '0x08', 'IDENTITY RESPONSE': '0x19', 'AUTHENTICATION RESPONSE': '0x14', 'TMSI REALLOCATION COMPLETE': '0x1b',
  'CM SERVICE REQUEST': '0x24', 'IMSI DETACH INDICATION': '0x01',
};
const CC_CODE: Record<string, string> = {
  SETUP: '0x05', 'CALL CONFIRMED': '0x08', ALERTING: '0x01', CONNECT: '0x07', 'CONNECT ACKNOWLEDGE': '0x0f', DISCONNECT: '0x25', RELEASE: '0x2d', 'RELEASE COMPLETE': '0x2a',
};

describe('the session on the wire', () => {
  let packets: TsharkPacket[] = [];
  let sent: ReturnType<typeof decodeFrame>[] = [];

  beforeAll(() => {
    expect(tsharkAvailable(), 'tshark is needed (apt-get install tshark)').toBe(true);
    packets = tshark(records(msc.capture), LINKTYPE_RAW);
    sent = msc.capture.map((f) => decodeFrame(f.bytes, f.dir));
  });

  it('tshark dissects every frame of both directions without a malformed packet or an exception', () => {
    expect(packets).toHaveLength(msc.capture.length);
    expect(msc.capture.filter((f) => f.dir === 'BSC->MSC').length).toBe(32);
    packets.forEach((p, i) => {
      expect(p.malformed, `frame ${i + 1} ${sent[i]!.name}: ${p.expert.join('; ')}`).toBe(false);
      expect(p.expert.filter((e) => /malformed|exception|unknown|not decoded|extraneous/i.test(e)), `frame ${i + 1} ${sent[i]!.name}`).toEqual([]);
      expect(fieldValues(p, 'gsm_ipa.protocol')[0], `frame ${i + 1}`).toMatch(/^0xf[de]$/);
    });
  });

  it('tshark reads the message type the simulator meant in every frame it sent', () => {
    let checked = 0;
    packets.forEach((p, i) => {
      if (msc.capture[i]!.dir !== 'BSC->MSC') return;
      const name = sent[i]!.name;
      const want = BSSMAP_CODE[name] ?? MM_CODE[name] ?? CC_CODE[name];
      if (name.startsWith('CCM ') || name.startsWith('SCCP ')) return;
      if (name === 'PAGING RESPONSE') expect(fieldValues(p, 'gsm_a.dtap.msg_rr_type')).toEqual(['0x27']);
      else {
        const field = BSSMAP_CODE[name] ? 'gsm_a.bssmap.msgtype' : MM_CODE[name] ? 'gsm_a.dtap.msg_mm_type' : 'gsm_a.dtap.msg_cc_type';
        expect(want, `a code for ${name}`).toBeDefined();
        expect(fieldValues(p, field), `frame ${i + 1} ${name}`).toContain(want);
      }
      checked++;
    });
    expect(checked).toBeGreaterThan(25);
  });

  it('tshark finds the identities, numbers, causes, cell, AoIP address and codec where they were put', () => {
    const byName = (n: string) => packets.filter((_, i) => msc.capture[i]!.dir === 'BSC->MSC' && sent[i]!.name === n);
    const lu = byName('LOCATION UPDATING REQUEST')[0]!;
    expect(fieldValues(lu, 'e212.imsi')).toEqual([A]);
    expect(fieldValues(lu, 'gsm_a.bssmap.cell_lac')).toEqual(['0x0001']);
    expect(fieldValues(lu, 'gsm_a.bssmap.cell_ci')).toEqual(['0x0001']);
    expect(fieldValues(lu, 'gsm_a.bssmap.be.cell_id_disc')).toEqual(['1']);
    expect(fieldValues(lu, 'gsm_a.dtap.updating_type')).toEqual(['2']); // IMSI attach
    expect(fieldValues(lu, 'gsm_a.bssmap.speech_codec')).toEqual(['3', '2', '0']);
    expect(fieldValues(byName('IDENTITY RESPONSE')[0]!, 'gsm_a.imeisv')).toEqual(['3501000000000100']);
    expect(fieldValues(byName('CM SERVICE REQUEST')[0]!, '3gpp.tmsi')).toEqual([String(TMSI_A)]);
    expect(fieldValues(byName('PAGING RESPONSE')[0]!, '3gpp.tmsi')).toEqual([String(TMSI_B)]);
    expect(fieldValues(byName('SETUP')[0]!, 'gsm_a.dtap.cld_party_bcd_num')).toEqual(['1002']);
    const ac = byName('ASSIGNMENT COMPLETE');
    expect(ac.map((p) => fieldValues(p, 'gsm_a.bssmap.aoip_trans_ipv4')[0])).toEqual(['127.0.0.2', '127.0.0.2']);
    expect(ac.map((p) => fieldValues(p, 'gsm_a.bssmap.aoip_trans_port')[0])).toEqual(['4000', '4002']);
    expect(ac.map((p) => fieldValues(p, 'gsm_a.bssmap.speech_codec')[0])).toEqual(['3', '3']);
    expect(fieldValues(byName('DISCONNECT')[0]!, 'gsm_a.dtap.cause')).toEqual(['0x10']); // 16 normal call clearing
    expect(fieldValues(byName('IMSI DETACH INDICATION')[0]!, '3gpp.tmsi')).toEqual([String(TMSI_A)]);
    expect(fieldValues(byName('RESET')[0]!, 'gsm_a.bssmap.cause')).toEqual(['0x20']);
  });

  it('the trace is the golden one (test/fixtures/session.trace.ok)', () => {
    const text = trace.map((l) => l.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')).join('\n') + '\n';
    if (UPDATE) {
      fs.mkdirSync(path.dirname(OK_FILE), { recursive: true });
      fs.writeFileSync(OK_FILE, text);
    }
    expect(text).toBe(fs.readFileSync(OK_FILE, 'utf8'));
    // A few lines written by hand, in the format the MSC's golden logs use.
    expect(trace).toContain(`BSC -> MSC  SCCP CR  BSSMAP COMPLETE LAYER 3 INFORMATION  DTAP MM LOCATION UPDATING REQUEST type=imsi-attach imsi=${A}`);
    expect(trace).toContain('MSC -> BSC  SCCP DT1  DTAP CC SETUP ti=0 calling=1001');
    expect(trace).toContain('BSC -> MSC  SCCP DT1  DTAP CC RELEASE COMPLETE ti=0');
    expect(trace).toContain('MSC -> BSC  SCCP UDT  BSSMAP PAGING imsi=001010000000002 tmsi=0x4b000002 lac=1');
  });

  it('the MSs ended where they should: A detached with its TMSI, B idle, no connection left', () => {
    const a = bsc.getMs(A)!;
    expect(a.tmsi).toBe(TMSI_A);
    expect(a.attached).toBe(false);
    // RR Ciphering Mode Complete (06 32); with Cipher Response Mode 1 the IMEISV rides along (17 09: even, type 3).
    const cmc = sent.filter((s) => s.name === 'CIPHER MODE COMPLETE').map((s) => iesOf(s).layer3MessageContents);
    expect(cmc).toEqual(['0632' + '1709' + '3305010000000001f0', '0632', '0632']);
    expect(bsc.stats().openConnections).toBe(0);
  });
});
