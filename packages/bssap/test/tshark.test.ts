import { describe, expect, it } from 'vitest';
import { fieldValues, ipv4Tcp, LINKTYPE_RAW, LINKTYPE_USER0, toHex, tshark, userDlt } from '@snaptel/codec';
import { frame } from '@snaptel/ipa';
import { encode as encodeSccp, type SccpMessage } from '@snaptel/sccp';
import { decode, encode, type Bssap } from '../src';
import { hexBytes, VECTORS } from './vectors';

/**
 * tshark as the oracle. Our encodings of every vector (decode, then encode)
 * and of messages built by hand go to tshark two ways: as SCCPlite (IPA
 * 0xFD + SCCP UDT for the connectionless ones, CR + DT1 for the rest, TCP to
 * port 5000, LINKTYPE_RAW) and on LINKTYPE_USER0 dissected as "bssap".
 * Zero malformed packets; the key fields equal the hand-written values.
 */

// Message type codes, TS 48.008 §3.2.2.1 (written by hand, not taken from src/).
const CODE: Record<string, string> = {
  'ASSIGNMENT REQUEST': '0x01',
  'ASSIGNMENT COMPLETE': '0x02',
  'ASSIGNMENT FAILURE': '0x03',
  'CLEAR COMMAND': '0x20',
  'CLEAR COMPLETE': '0x21',
  'CLEAR REQUEST': '0x22',
  RESET: '0x30',
  'RESET ACKNOWLEDGE': '0x31',
  PAGING: '0x52',
  'CIPHER MODE COMMAND': '0x53',
  'CLASSMARK UPDATE': '0x54',
  'CIPHER MODE COMPLETE': '0x55',
  'COMPLETE LAYER 3 INFORMATION': '0x57',
  'CIPHER MODE REJECT': '0x59',
  'COMMON ID': '0x2f',
};

/** Hand-written key fields per vector (by name). */
const FIELDS: Record<string, Record<string, string[]>> = {
  Reset: { 'gsm_a.bssmap.cause': ['0x20'] },
  'Clear Command (cause 0x23)': { 'gsm_a.bssmap.cause': ['0x23'] },
  'Clear Command (cause 9)': { 'gsm_a.bssmap.cause': ['0x09'] },
  'Cipher Mode Reject (extended cause)': { 'gsm_a_bssmap.cause_class': ['5'], 'gsm_a_bssmap.cause_value': ['250'] },
  'Clear Request': { 'gsm_a.bssmap.cause': ['0x23'] },
  'Assignment Request': { 'gsm_a.bssmap.speech_data_ind': ['1'], 'gsm_a.bssmap.rate_and_type': ['11'], 'gsm_a.bssmap.perm_speech_v_ind': ['0x21', '0x25'], 'gsm_a_bssmap.timeslot': ['4'] },
  'Assignment Request (AoIP)': {
    'gsm_a.bssmap.aoip_trans_ipv4': ['192.168.100.23'],
    'gsm_a.bssmap.aoip_trans_port': ['1234'],
    // FR_AMR, EFR, extended (CSData 253); S0-S15 shown as octet 2 then octet 3
    'gsm_a.bssmap.speech_codec': ['3', '2', '15'],
    'gsm_a.bssmap.extended_codec': ['253'],
    'gsm_a_bssmap.s0_s15': ['0xefcd'],
    'gsm_a.bssmap.callid': ['2864434397'],
  },
  'Assignment Request with Kc128, GCR and LCLS': { 'gsm_a.bssmap.aoip_trans_ipv4': ['172.12.101.13'], 'gsm_a.bssmap.aoip_trans_port': ['666'], 'gsm_a.bssmap.perm_speech_v_ind': ['0x11', '0x15'] },
  'Assignment Complete (AoIP)': { 'gsm_a.bssmap.speech_codec': ['1', '3', '2', '15'] },
  'Paging (LAC list)': { 'e212.imsi': ['001010000001234'], 'gsm_a.bssmap.be.cell_id_disc': ['5'], 'gsm_a.bssmap.cell_lac': ['0x2342'] },
  'Paging with TMSI and channel needed': { 'gsm_a.tmsi': ['305419896'], 'gsm_a.rr.chnl_needed_ch1': ['3'] },
  'Paging (all cells)': { 'e212.imsi': ['274012010137916'], 'gsm_a.bssmap.be.cell_id_disc': ['6'] },
  'Complete Layer 3 (CM Service Request)': {
    'gsm_a.bssmap.be.cell_id_disc': ['0'],
    'e212.mcc': ['274', '274'], // the CGI's, then the IMSI's
    'gsm_a.bssmap.cell_lac': ['0x2012'],
    'gsm_a.bssmap.cell_ci': ['0xc350'],
    'gsm_a.dtap.msg_mm_type': ['0x24'],
    'e212.imsi': ['274012010137916'],
  },
  'DTAP (DLCI 3)': { 'bssap.pdu_type': ['0x01'], 'gsm_a.dtap.msg_cc_type': ['0x02'] },
  'DTAP CC Setup (MT)': { 'bssap.pdu_type': ['0x01'], 'gsm_a.dtap.msg_cc_type': ['0x05'] },
};

interface Case {
  name: string;
  bytes: Uint8Array;
  connectionless: boolean;
  fields: Record<string, string[]>;
}

/**
 * libosmocore's Classmark Update vectors carry a 1-octet Classmark 2 where TS
 * 48.008 §3.2.2.19 holds the 3-octet TS 24.008 classmark 2: tshark calls the
 * one followed by a Classmark 3 malformed (asserted below); we keep that value
 * raw. A well-formed Classmark Update built by hand is in the zero-malformed set.
 */
const SHORT_CM2 = ['Classmark Update'];

const cases: Case[] = VECTORS.filter((v) => !SHORT_CM2.includes(v.name)).map((v) => {
  const m = decode(hexBytes(v.hex), v.direction);
  const fields: Record<string, string[]> = { ...(FIELDS[v.name] ?? {}) };
  if (v.type !== 'DTAP') fields['gsm_a.bssmap.msgtype'] = [CODE[v.type]!];
  return { name: v.name, bytes: encode(m), connectionless: ['RESET', 'RESET ACKNOWLEDGE', 'PAGING'].includes(v.type), fields };
});

// Messages built by hand in the JSON form.
const built: { name: string; msg: Bssap; fields: Record<string, string[]> }[] = [
  {
    name: 'Complete L3 with LU Request, cell identifier LAC+CI',
    msg: {
      discriminator: 'bssmap',
      type: 'COMPLETE LAYER 3 INFORMATION',
      ies: {
        cellIdentifier: { discriminator: 'lac_ci', lac: 23, ci: 4711 },
        // osmo-msc tests/msc_vlr: LU Request, IMSI 901700000010650 in LAI 901/70 LAC 23
        layer3Information: decodeDtapHex('050870 09f107 0017 57 089910070000106005 3303575886'),
      },
    },
    fields: { 'gsm_a.bssmap.msgtype': ['0x57'], 'gsm_a.bssmap.be.cell_id_disc': ['1'], 'gsm_a.bssmap.cell_lac': ['0x0017'], 'gsm_a.bssmap.cell_ci': ['0x1267'], 'gsm_a.dtap.msg_mm_type': ['0x08'], 'e212.imsi': ['901700000010650'] },
  },
  {
    name: 'Assignment Complete with IPv6 AoIP address and CGI',
    msg: {
      discriminator: 'bssmap',
      type: 'ASSIGNMENT COMPLETE',
      ies: {
        cellIdentifier: { discriminator: 'cgi', mcc: '001', mnc: '01', lac: 1, ci: 2 },
        chosenChannel: { mode: 9, channel: 8 },
        chosenEncryptionAlgorithm: { a5: 1 },
        aoipTransportLayerAddress: { ip: '2001:db8::7', port: 4000 },
        speechCodec: { fi: true, pi: false, pt: false, tf: false, type: 3, config: 0x0002 },
      },
    },
    fields: {
      'gsm_a.bssmap.msgtype': ['0x02'],
      'gsm_a.bssmap.cell_lac': ['0x0001'],
      'gsm_a.bssmap.cell_ci': ['0x0002'],
      'gsm_a.bssmap.aoip_trans_ipv6': ['2001:db8::7'],
      'gsm_a.bssmap.aoip_trans_port': ['4000'],
      'gsm_a.bssmap.speech_codec': ['3'],
    },
  },
  {
    name: 'Classmark Update built by hand (CM2 03 57 58, CM3 60 14)',
    msg: {
      discriminator: 'bssmap',
      type: 'CLASSMARK UPDATE',
      ies: { classmarkInformationType2: decodeCm2('035758'), classmarkInformationType3: '6014' },
    },
    fields: { 'gsm_a.bssmap.msgtype': ['0x54'], 'gsm_a.MSC_rev': ['0'], 'gsm_a.A5_3_algorithm_sup': ['0'] },
  },
  {
    name: 'Common ID',
    msg: { discriminator: 'bssmap', type: 'COMMON ID', ies: { imsi: { type: 'imsi', digits: '262420123456789' } } },
    fields: { 'gsm_a.bssmap.msgtype': ['0x2f'], 'e212.imsi': ['262420123456789'] },
  },
  {
    name: 'Paging with a CGI list, eMLPP priority',
    msg: {
      discriminator: 'bssmap',
      type: 'PAGING',
      ies: {
        imsi: { type: 'imsi', digits: '001010000001234' },
        cellIdentifierList: { discriminator: 'cgi', cells: [{ mcc: '001', mnc: '01', lac: 0x10, ci: 0x20 }, { mcc: '001', mnc: '01', lac: 0x11, ci: 0x21 }] },
        emlppPriority: { priority: 2 },
      },
    },
    fields: { 'gsm_a.bssmap.msgtype': ['0x52'], 'gsm_a.bssmap.be.cell_id_disc': ['0'], 'gsm_a.bssmap.cell_lac': ['0x0010', '0x0011'], 'gsm_a.bssmap.cell_ci': ['0x0020', '0x0021'] },
  },
];

function decodeCm2(hex: string): unknown {
  const b = hexBytes(`00 06 54 12 03 ${hex}`);
  return (decode(b, 'mo') as { ies: Record<string, unknown> }).ies.classmarkInformationType2;
}

function decodeDtapHex(hex: string) {
  // the DTAP value through our own BSSAP DTAP path (DLCI 0)
  const b = hexBytes(hex);
  const m = decode(new Uint8Array([1, 0, b.length, ...b]), 'mo');
  if (m.discriminator !== 'dtap') throw new Error('not DTAP');
  return m.dtap;
}

for (const b of built) cases.push({ name: b.name, bytes: encode(b.msg), connectionless: b.msg.discriminator === 'bssmap' && b.msg.type === 'PAGING', fields: b.fields });

function checkPackets(packets: ReturnType<typeof tshark>): void {
  expect(packets).toHaveLength(cases.length);
  packets.forEach((p, i) => {
    const c = cases[i]!;
    expect(p.malformed, `${c.name}: ${p.expert.join('; ')}`).toBe(false);
    // (tshark notes "Extraneous Data" in libosmocore's Cipher Mode Complete, whose made-up L3 contents 23 42 21
    // it reads as a CC Call Proceeding with one octet left: a property of the vector, not of our encoding)
    expect(p.expert.filter((e) => /malformed|exception/i.test(e)), c.name).toEqual([]);
    for (const [name, want] of Object.entries(c.fields)) expect(fieldValues(p, name), `${c.name}: ${name}`).toEqual(want);
  });
}

describe('tshark', () => {
  it("flags libosmocore's Classmark Update with a 1-octet Classmark 2 and a Classmark 3 as malformed (we keep the value raw and the bytes exact)", () => {
    const vs = VECTORS.filter((v) => SHORT_CM2.includes(v.name));
    expect(vs).toHaveLength(1);
    const packets = tshark(vs.map((v) => ({ data: encode(decode(hexBytes(v.hex), v.direction)) })), LINKTYPE_USER0, userDlt('bssap'));
    expect(packets.map((p) => p.malformed)).toEqual([true]);
  });

  it('decodes our encodings on LINKTYPE_USER0 as bssap: zero malformed, key fields as expected', () => {
    checkPackets(tshark(cases.map((c) => ({ data: c.bytes })), LINKTYPE_USER0, userDlt('bssap')));
  });

  it('decodes our encodings as SCCPlite (IPA + SCCP UDT / CR + DT1 on TCP port 5000): zero malformed, key fields as expected', () => {
    const sccp: SccpMessage[] = cases.map((c, i) =>
      c.connectionless
        ? { type: 'UDT', protocolClass: { class: 0, handling: 0 }, called: { routing: 'ssn', ssn: 254 }, calling: { routing: 'ssn', ssn: 254 }, data: toHex(c.bytes) }
        : i === 0 || cases.slice(0, i).every((x) => x.connectionless)
          ? { type: 'CR', srcRef: 0x000102, protocolClass: { class: 2, handling: 0 }, called: { routing: 'ssn', ssn: 254 }, data: toHex(c.bytes) }
          : { type: 'DT1', dstRef: 0x000102, segmentingReassembling: 0, data: toHex(c.bytes) },
    );
    const packets = tshark(ipv4Tcp({ srcPort: 40000, dstPort: 5000 }, sccp.map((m) => frame('SCCP', encodeSccp(m)))), LINKTYPE_RAW);
    checkPackets(packets);
    for (const p of packets) expect(fieldValues(p, 'gsm_ipa.protocol')).toEqual(['0xfd']);
  });
});
