/**
 * BSSAP vectors from outside this project (facts only: the octets, as hex),
 * with the file they come from:
 *   [gsm0808] osmocom/libosmocore tests/gsm0808/gsm0808_test.c: the expected
 *             byte arrays of the gsm0808_create_*() tests. Symbolic constants
 *             in those arrays were resolved from TS 48.008: IEIs (table
 *             3.2.2.1: 0x7c AoIP address, 0x7d codec list, 0x7e codec, 0x7f
 *             call identifier, 0x23 cipher response mode, 0x8d LCLS BSS
 *             status, 0x89 GCR, 0x8a/0x8b LCLS config/control, 0x8c LCLS
 *             correlation not needed) and codec types (table 3.2.2.103.3:
 *             FR3 = FR_AMR = 3, FR2 = EFR = 2, HR1 = GSM HR = 1, CSD =
 *             extended 0xfd); the resulting octets agree with tshark (tshark.test.ts).
 *   [sccp]    osmocom/libosmo-sccp tests/sccp/sccp_test.c (bssmap_* arrays),
 *             the SCCP user data of the messages in packages/sccp/test/vectors.ts.
 * The expected values beside each were written by hand from TS 48.008 and
 * the comments in those tests, not by our decoder.
 */
export interface Vector {
  name: string;
  source: 'gsm0808' | 'sccp';
  direction: 'mo' | 'mt';
  hex: string;
  /** Hand-written expectations: the message type and some IE values. */
  type: string;
  ies?: Record<string, unknown>;
}

const SCL = '7d07 53efcd a2 9ffdc0'; // setup_codec_list(): FR_AMR pi tf S=0xcdef; EFR fi pt; CSData fi tf R2 R3
const SCL_VALUE = {
  codecs: [
    { fi: false, pi: true, pt: false, tf: true, type: 3, config: 0xcdef },
    { fi: true, pi: false, pt: true, tf: false, type: 2 },
    { fi: true, pi: false, pt: false, tf: true, type: 15, ext: 0xfd, config: 0xc0 },
  ],
};

export const VECTORS: Vector[] = [
  // [gsm0808] test_create_reset / [sccp] bssmap_reset: Reset, cause 0x20 (equipment failure)
  { name: 'Reset', source: 'gsm0808', direction: 'mt', hex: '0004 30 040120', type: 'RESET', ies: { cause: 0x20 } },
  { name: 'Reset Acknowledge', source: 'gsm0808', direction: 'mt', hex: '0001 31', type: 'RESET ACKNOWLEDGE', ies: {} },
  { name: 'Clear Command (cause 0x23)', source: 'gsm0808', direction: 'mt', hex: '0004 20 040123', type: 'CLEAR COMMAND', ies: { cause: 0x23 } },
  // [gsm0808] test_create_clear_command2_csfb: CSFB Indication (T) at the end
  { name: 'Clear Command with CSFB Indication', source: 'gsm0808', direction: 'mt', hex: '0005 20 040123 8f', type: 'CLEAR COMMAND', ies: { cause: 0x23, csfbIndication: true } },
  { name: 'Clear Complete', source: 'gsm0808', direction: 'mo', hex: '0001 21', type: 'CLEAR COMPLETE', ies: {} },
  // [gsm0808] test_create_cipher: A5/0 + A5/1 permitted, Kc aabbccddeeff2342; res2 adds Cipher Response Mode 1
  {
    name: 'Cipher Mode Command', source: 'gsm0808', direction: 'mt', hex: '000c 53 0a0903aabbccddeeff2342', type: 'CIPHER MODE COMMAND',
    ies: { encryptionInformation: { permitted: [0, 1], key: 'aabbccddeeff2342' } },
  },
  {
    name: 'Cipher Mode Command with Cipher Response Mode', source: 'gsm0808', direction: 'mt', hex: '000e 53 0a0903aabbccddeeff2342 2301', type: 'CIPHER MODE COMMAND',
    ies: { encryptionInformation: { permitted: [0, 1], key: 'aabbccddeeff2342' }, cipherResponseMode: 1 },
  },
  // [gsm0808] test_create_cipher_complete: L3 message contents 234221, chosen algorithm 4 = A5/3
  {
    name: 'Cipher Mode Complete', source: 'gsm0808', direction: 'mo', hex: '0008 55 2003234221 2c04', type: 'CIPHER MODE COMPLETE',
    ies: { layer3MessageContents: '234221', chosenEncryptionAlgorithm: { a5: 3 } },
  },
  { name: 'Cipher Mode Complete without L3', source: 'gsm0808', direction: 'mo', hex: '0003 55 2c04', type: 'CIPHER MODE COMPLETE', ies: { chosenEncryptionAlgorithm: { a5: 3 } } },
  { name: 'Cipher Mode Reject (cause 0x23)', source: 'gsm0808', direction: 'mo', hex: '0004 59 040123', type: 'CIPHER MODE REJECT', ies: { cause: 0x23 } },
  // [gsm0808] test_create_cipher_reject_ext: two-octet cause d0 fa
  { name: 'Cipher Mode Reject (extended cause)', source: 'gsm0808', direction: 'mo', hex: '0005 59 0402d0fa', type: 'CIPHER MODE REJECT', ies: { cause: 0xd0fa } },
  // [gsm0808] test_create_cm_u: classmark 2 = 23, classmark 3 = 42 (a 1-octet CM2 is kept raw: CM2 is 3 octets)
  {
    name: 'Classmark Update', source: 'gsm0808', direction: 'mo', hex: '0007 54 120123 130142', type: 'CLASSMARK UPDATE',
    ies: { classmarkInformationType2: { raw: '23' }, classmarkInformationType3: '42' },
  },
  { name: 'Classmark Update without CM3', source: 'gsm0808', direction: 'mo', hex: '0004 54 120123', type: 'CLASSMARK UPDATE', ies: { classmarkInformationType2: { raw: '23' } } },
  // [gsm0808] test_create_ass: speech, rate 0x0b (half rate preferred), FR3 (0x21) + HR3 (0x25), CIC 4
  {
    name: 'Assignment Request', source: 'gsm0808', direction: 'mt', hex: '000a 01 0b04010ba125 010004', type: 'ASSIGNMENT REQUEST',
    ies: { channelType: { indicator: 1, rateType: 0x0b, permittedSpeech: [0x21, 0x25] }, circuitIdentityCode: 4 },
  },
  // [gsm0808] test_create_ass res2: plus AoIP 192.168.100.23:1234, codec list, Call Identifier 0xaabbccdd (LSB first)
  {
    name: 'Assignment Request (AoIP)', source: 'gsm0808', direction: 'mt', hex: `0020 01 0b04010ba125 010004 7c06c0a8641704d2 ${SCL} 7fddccbbaa`, type: 'ASSIGNMENT REQUEST',
    ies: { aoipTransportLayerAddress: { ip: '192.168.100.23', port: 1234 }, speechCodecList: SCL_VALUE, callIdentifier: 0xaabbccdd },
  },
  // [gsm0808] test_create_ass2: FR2 (0x11) + HR2 (0x15), 172.12.101.13:666, Call ID 0xdeadface, Kc128 16 x 'E', GCR, LCLS config 0, control 0, corr. not needed
  {
    name: 'Assignment Request with Kc128, GCR and LCLS', source: 'gsm0808', direction: 'mt',
    hex: `0045 01 0b04010b9115 010004 7c06ac0c650d029a ${SCL} 7fcefaadde 83${'45'.repeat(16)} 890d 03444444 02feed 054141414141 8a00 8b00 8c`,
    type: 'ASSIGNMENT REQUEST',
    ies: {
      channelType: { indicator: 1, rateType: 0x0b, permittedSpeech: [0x11, 0x15] },
      aoipTransportLayerAddress: { ip: '172.12.101.13', port: 666 },
      callIdentifier: 0xdeadface,
      kc128: '45'.repeat(16),
      globalCallReference: '03444444' + '02feed' + '054141414141',
      lclsConfiguration: '00',
      lclsConnectionStatusControl: '00',
      lclsCorrelationNotNeeded: true,
    },
  },
  // [gsm0808] test_create_ass_compl: RR cause 0x23, chosen channel 0x42, algorithm 0x11 (not 1..8: raw), speech version 0x22
  {
    name: 'Assignment Complete', source: 'gsm0808', direction: 'mo', hex: '0009 02 1523 2142 2c11 4022', type: 'ASSIGNMENT COMPLETE',
    ies: { rrCause: 0x23, chosenChannel: { mode: 4, channel: 2 }, chosenEncryptionAlgorithm: { raw: '11' }, speechVersion: 0x22 },
  },
  { name: 'Assignment Complete without speech version', source: 'gsm0808', direction: 'mo', hex: '0007 02 1523 2142 2c11', type: 'ASSIGNMENT COMPLETE', ies: { rrCause: 0x23 } },
  // [gsm0808] test_create_ass_compl_aoip: plus AoIP address, chosen codec GSM HR (fi tf), codec list, LCLS BSS status
  {
    name: 'Assignment Complete (AoIP)', source: 'gsm0808', direction: 'mo', hex: `001f 02 1523 2142 2c11 4022 7c06c0a8641704d2 7e0191 ${SCL} 8d03`, type: 'ASSIGNMENT COMPLETE',
    ies: { speechCodec: { fi: true, pi: false, pt: false, tf: true, type: 1 }, speechCodecList: SCL_VALUE, lclsBssStatus: '03' },
  },
  { name: 'Assignment Failure', source: 'gsm0808', direction: 'mo', hex: '0004 03 040123', type: 'ASSIGNMENT FAILURE', ies: { cause: 0x23 } },
  { name: 'Assignment Failure with RR cause', source: 'gsm0808', direction: 'mo', hex: '0006 03 040123 1502', type: 'ASSIGNMENT FAILURE', ies: { cause: 0x23, rrCause: 2 } },
  { name: 'Assignment Failure (AoIP)', source: 'gsm0808', direction: 'mo', hex: `000d 03 040123 ${SCL}`, type: 'ASSIGNMENT FAILURE', ies: { speechCodecList: SCL_VALUE } },
  { name: 'Assignment Failure (AoIP) with RR cause', source: 'gsm0808', direction: 'mo', hex: `000f 03 040123 1502 ${SCL}`, type: 'ASSIGNMENT FAILURE', ies: { rrCause: 2 } },
  { name: 'Clear Request', source: 'gsm0808', direction: 'mo', hex: '0004 22 040123', type: 'CLEAR REQUEST', ies: { cause: 0x23 } },
  // [gsm0808] test_create_paging: IMSI 001010000001234, LAC list 0x2342; TMSI 0x12345678; channel needed TCH/F or TCH/H (3)
  {
    name: 'Paging (LAC list)', source: 'gsm0808', direction: 'mt', hex: '0010 52 080809101000000021 43 1a03052342', type: 'PAGING',
    ies: { imsi: { type: 'imsi', digits: '001010000001234' }, cellIdentifierList: { discriminator: 'lac', cells: [{ lac: 0x2342 }] } },
  },
  { name: 'Paging with TMSI', source: 'gsm0808', direction: 'mt', hex: '0016 52 08080910100000002143 090412345678 1a03052342', type: 'PAGING', ies: { tmsi: 0x12345678 } },
  {
    name: 'Paging with TMSI and channel needed', source: 'gsm0808', direction: 'mt', hex: '0018 52 08080910100000002143 090412345678 1a03052342 2403', type: 'PAGING',
    ies: { tmsi: 0x12345678, channelNeeded: { channel: 3 } },
  },
  // [sccp] bssmap_paging: IMSI 274012010137916, all cells in the BSS
  {
    name: 'Paging (all cells)', source: 'sccp', direction: 'mt', hex: '000e 52 0808294710020131976 1 1a0106', type: 'PAGING',
    ies: { imsi: { type: 'imsi', digits: '274012010137916' }, cellIdentifierList: { discriminator: 'bss', cells: [] } },
  },
  // [sccp] bssmap_cr: Complete L3, CGI MCC 274 MNC 08 LAC 0x2012 CI 0xc350, L3 = CM Service Request (MO call) with IMSI 274012010137916
  {
    name: 'Complete Layer 3 (CM Service Request)', source: 'sccp', direction: 'mo', hex: '001d 57 0508 0072f4802012c350 1710 052411033319a2082947100201319761', type: 'COMPLETE LAYER 3 INFORMATION',
    ies: { cellIdentifier: { discriminator: 'cgi', mcc: '274', mnc: '08', lac: 0x2012, ci: 0xc350 } },
  },
  { name: 'Clear Command (cause 9)', source: 'sccp', direction: 'mt', hex: '0004 20 040109', type: 'CLEAR COMMAND', ies: { cause: 9 } },
  // [gsm0808] test_create_dtap: DLCI 3, L3 2342 (PD 3 CC TI 2, 0x42 = N(SD) 1 + Call Proceeding)
  { name: 'DTAP (DLCI 3)', source: 'gsm0808', direction: 'mo', hex: '01 03 02 2342', type: 'DTAP' },
  // [sccp] bssmap_dtap: DLCI 0, CC Setup to the MS with calling party BCD number
  { name: 'DTAP CC Setup (MT)', source: 'sccp', direction: 'mt', hex: '01 00 0c 03055c0811813366021345f4', type: 'DTAP' },
];

/**
 * [gsm0808] IE encodings (Cell Identifier / Cell Identifier List tests),
 * each as the full IE; tests put them into a Paging (lists) or Complete
 * Layer 3 (cell identifiers) of their own to decode them.
 */
export const CELL_IES: { name: string; hex: string; value: unknown }[] = [
  { name: 'list: 3 LACs', hex: '1a07 05 0124abcd5678', value: { discriminator: 'lac', cells: [{ lac: 0x0124 }, { lac: 0xabcd }, { lac: 0x5678 }] } },
  { name: 'list: 5 LACs', hex: '1a0b 05 23422443254426452746', value: { discriminator: 'lac', cells: [0x2342, 0x2443, 0x2544, 0x2645, 0x2746].map((lac) => ({ lac })) } },
  {
    name: 'list: 3 LAIs (libosmocore mcc = 0x123.. i.e. MCC 291/MNC 456, 292/457, 293/458)', hex: '1a10 04 9261542342 9272542443 9283542544',
    value: {
      discriminator: 'lai',
      cells: [
        { mcc: '291', mnc: '456', lac: 0x2342 },
        { mcc: '292', mnc: '457', lac: 0x2443 },
        { mcc: '293', mnc: '458', lac: 0x2544 },
      ],
    },
  },
  { name: 'list: 4 CIs', hex: '1a09 02 0001000200770 1ff', value: { discriminator: 'ci', cells: [1, 2, 119, 511].map((ci) => ({ ci })) } },
  {
    name: 'list: 5 LAC+CI', hex: '1a15 01 23420001 24430002 25440077 264501ff 274602fe',
    value: { discriminator: 'lac_ci', cells: [[0x2342, 1], [0x2443, 2], [0x2544, 119], [0x2645, 511], [0x2746, 766]].map(([lac, ci]) => ({ lac, ci })) },
  },
  {
    name: 'list: 3 CGIs (123/456, 124/57, 125/007)', hex: '1a16 00 21635423420001 21f47524430002 21750025440077',
    value: {
      discriminator: 'cgi',
      cells: [
        { mcc: '123', mnc: '456', lac: 0x2342, ci: 1 },
        { mcc: '124', mnc: '57', lac: 0x2443, ci: 2 },
        { mcc: '125', mnc: '007', lac: 0x2544, ci: 119 },
      ],
    },
  },
  { name: 'list: BSS', hex: '1a01 06', value: { discriminator: 'bss', cells: [] } },
  // test_gsm0808_dec_cell_id_list_srvcc: discriminator 0xb (SAI, from a real MSC's pcap): not typed here, kept raw
  { name: 'list: SRVCC SAI (0xb)', hex: '1a08 0b02f2104e2015be', value: { raw: '0b02f2104e2015be' } },
  { name: 'cell id: LAC', hex: '0503 05 0124', value: { discriminator: 'lac', lac: 0x0124 } },
  { name: 'cell id: BSS', hex: '0501 06', value: { discriminator: 'bss' } },
  { name: 'cell id: no cell', hex: '0501 03', value: { discriminator: 'no_cell' } },
  { name: 'cell id: LAI', hex: '0506 04 2163542342', value: { discriminator: 'lai', mcc: '123', mnc: '456', lac: 0x2342 } },
];

/** [gsm0808] test_create_layer3 / _aoip: Complete L3 whose "L3" is the single octet 0x23 (PD 3, no message type). */
export const FAKE_L3 = [
  { name: 'Complete Layer 3 with 1-octet L3', hex: '000e 57 0508007762833366 4488 170123', badOffset: 16 },
  { name: 'Complete Layer 3 (AoIP) with 1-octet L3', hex: `0017 57 0508007762833366 4488 170123 ${SCL}`, badOffset: 16 },
];

export const hexBytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s/g, ''), 'hex'));
