import { VECTORS } from './vectors';

/**
 * Every message the tests use, with its key fields written by hand:
 * the external vectors (vectors.ts) and messages we encoded ourselves from
 * the layouts of TS 24.008 / 24.011 (hex worked out by hand, octet by octet).
 * tshark's dissection and our decoder must both agree with `expect`.
 */
export interface Expect {
  pd: 'mm' | 'rr' | 'cc' | 'sms' | 'ss';
  /** Message type code without N(SD) bits. */
  msgType: number;
  name: string;
  imsi?: string;
  tmsi?: number;
  imei?: string;
  imeisv?: string;
  mcc?: string;
  mnc?: string;
  lac?: number;
  /** CC cause value(s). */
  cause?: number[];
  called?: string;
  calling?: string;
  progress?: number;
  rpType?: number;
  rpCause?: number;
  tpOa?: string;
  tpDa?: string;
  text?: string;
}

export interface Case {
  name: string;
  direction: 'mo' | 'mt';
  hex: string;
  expect: Expect;
  /** The message as a hand-written JSON form, where we also check encode(json) === hex. */
  json?: unknown;
}

const v = (i: number, expect: Expect): Case => ({ name: `osmo-msc: ${VECTORS[i]!.name}`, direction: VECTORS[i]!.direction, hex: VECTORS[i]!.hex, expect });

const IMSI1 = '901700000010650';
const IMSI2 = '901700000004620';

export const CASES: Case[] = [
  v(0, { pd: 'mm', msgType: 0x08, name: 'Location Updating Request', imsi: IMSI1, mcc: '901', mnc: '70', lac: 23 }),
  v(1, { pd: 'mm', msgType: 0x14, name: 'Authentication Response' }),
  v(2, { pd: 'mm', msgType: 0x1b, name: 'TMSI Reallocation Complete' }),
  v(3, { pd: 'mm', msgType: 0x24, name: 'CM Service Request', imsi: IMSI1 }),
  v(4, { pd: 'cc', msgType: 0x05, name: 'Setup', called: '123' }),
  v(5, { pd: 'cc', msgType: 0x02, name: 'Call Proceeding' }),
  v(6, { pd: 'cc', msgType: 0x01, name: 'Alerting' }),
  v(7, { pd: 'cc', msgType: 0x07, name: 'Connect' }),
  v(8, { pd: 'cc', msgType: 0x0f, name: 'Connect Acknowledge' }),
  v(9, { pd: 'cc', msgType: 0x25, name: 'Disconnect', cause: [16] }),
  v(10, { pd: 'cc', msgType: 0x2d, name: 'Release' }),
  v(11, { pd: 'cc', msgType: 0x2a, name: 'Release Complete' }),
  v(12, { pd: 'rr', msgType: 0x27, name: 'Paging Response', imsi: IMSI1 }),
  v(13, { pd: 'cc', msgType: 0x05, name: 'Setup' }),
  v(14, { pd: 'cc', msgType: 0x08, name: 'Call Confirmed' }),
  v(15, { pd: 'cc', msgType: 0x01, name: 'Alerting' }),
  v(16, { pd: 'cc', msgType: 0x07, name: 'Connect' }),
  v(17, { pd: 'cc', msgType: 0x0f, name: 'Connect Acknowledge' }),
  // LAI octets 00 81 68: MCC digits 0,0,1; MNC digit 3 = 8, digits 1-2 = 8,6
  v(18, { pd: 'mm', msgType: 0x08, name: 'Location Updating Request', imsi: IMSI2, mcc: '001', mnc: '868', lac: 1 }),
  v(19, { pd: 'mm', msgType: 0x14, name: 'Authentication Response' }),
  v(20, { pd: 'mm', msgType: 0x24, name: 'CM Service Request', imsi: IMSI2 }),
  v(21, { pd: 'ss', msgType: 0x3b, name: 'Register' }),
  v(22, { pd: 'rr', msgType: 0x27, name: 'Paging Response', imsi: IMSI2 }),
  v(23, { pd: 'sms', msgType: 0x01, name: 'CP-DATA', rpType: 1, tpOa: '46071', text: 'Privacy in residential applications is a desirable marketing option.' }),
  v(24, { pd: 'sms', msgType: 0x04, name: 'CP-ACK' }),
  v(25, { pd: 'sms', msgType: 0x01, name: 'CP-DATA', rpType: 2 }),
  v(26, { pd: 'sms', msgType: 0x04, name: 'CP-ACK' }),
  v(27, { pd: 'mm', msgType: 0x01, name: 'IMSI Detach Indication', imsi: IMSI2 }),
  v(28, { pd: 'mm', msgType: 0x24, name: 'CM Service Request', tmsi: 0x03020100 }),
  v(29, { pd: 'mm', msgType: 0x08, name: 'Location Updating Request', tmsi: 0x03020100, mcc: '001', mnc: '868', lac: 1 }),

  // ---- our encodings ----
  {
    name: 'Authentication Request with AUTN (CKSN 1)',
    direction: 'mt',
    hex: '051201 585df1ae287f6e273dce07090d61320b 2010 8704f5ba55f30000d2ee44b22c8ea919',
    expect: { pd: 'mm', msgType: 0x12, name: 'Authentication Request' },
    json: { pd: 'mm', type: 'Authentication Request', direction: 'mt', ies: { cksn: 1, spareHalfOctet: 0, rand: '585df1ae287f6e273dce07090d61320b', autn: '8704f5ba55f30000d2ee44b22c8ea919' } },
  },
  {
    name: 'Location Updating Accept, MCC 262 MNC 01, TMSI, follow-on proceed',
    direction: 'mt',
    hex: '0502 62f210 1234 1705f4deadbeef a1',
    expect: { pd: 'mm', msgType: 0x02, name: 'Location Updating Accept', mcc: '262', mnc: '01', lac: 0x1234, tmsi: 0xdeadbeef },
    json: {
      pd: 'mm', type: 'Location Updating Accept', direction: 'mt',
      ies: { lai: { mcc: '262', mnc: '01', lac: 0x1234 }, mobileIdentity: { type: 'tmsi', tmsi: 0xdeadbeef }, followOnProceed: true },
    },
  },
  { name: 'Location Updating Reject (cause 13)', direction: 'mt', hex: '0504 0d', expect: { pd: 'mm', msgType: 0x04, name: 'Location Updating Reject' } },
  {
    name: 'Location Updating Request, periodic + FOR, CKSN 2, MCC 310 MNC 410 (3 digits), TMSI',
    direction: 'mo',
    hex: '0508 29 130014 2a2a 33 05f4aabbccdd',
    expect: { pd: 'mm', msgType: 0x08, name: 'Location Updating Request', mcc: '310', mnc: '410', lac: 0x2a2a, tmsi: 0xaabbccdd },
    json: {
      pd: 'mm', type: 'Location Updating Request', direction: 'mo',
      ies: {
        locationUpdatingType: { type: 'periodic', followOnRequest: true }, cksn: 2, lai: { mcc: '310', mnc: '410', lac: 0x2a2a },
        classmark1: { revisionLevel: 1, esInd: true, a51NotAvailable: false, rfPowerCapability: 3 }, mobileIdentity: { type: 'tmsi', tmsi: 0xaabbccdd },
      },
    },
  },
  { name: 'Identity Request (IMEISV)', direction: 'mt', hex: '0518 03', expect: { pd: 'mm', msgType: 0x18, name: 'Identity Request' } },
  {
    name: 'Identity Response (IMEISV, 16 digits)',
    direction: 'mo',
    hex: '0519 09 33359400967833 01f7',
    expect: { pd: 'mm', msgType: 0x19, name: 'Identity Response', imeisv: '3534900698733107' },
    json: { pd: 'mm', type: 'Identity Response', direction: 'mo', ies: { mobileIdentity: { type: 'imeisv', digits: '3534900698733107' } } },
  },
  {
    name: 'Identity Response (IMEI, 15 digits)',
    direction: 'mo',
    hex: '0519 08 4a095124303257 81',
    expect: { pd: 'mm', msgType: 0x19, name: 'Identity Response', imei: '490154203237518' },
    json: { pd: 'mm', type: 'Identity Response', direction: 'mo', ies: { mobileIdentity: { type: 'imei', digits: '490154203237518' } } },
  },
  { name: 'Authentication Reject', direction: 'mt', hex: '0511', expect: { pd: 'mm', msgType: 0x11, name: 'Authentication Reject' } },
  { name: 'CM Service Accept', direction: 'mt', hex: '0521', expect: { pd: 'mm', msgType: 0x21, name: 'CM Service Accept' } },
  { name: 'CM Service Reject (cause 4)', direction: 'mt', hex: '0522 04', expect: { pd: 'mm', msgType: 0x22, name: 'CM Service Reject' } },
  { name: 'CM Service Abort', direction: 'mo', hex: '0523', expect: { pd: 'mm', msgType: 0x23, name: 'CM Service Abort' } },
  {
    name: 'TMSI Reallocation Command (MCC 310 MNC 410)',
    direction: 'mt',
    hex: '051a 130014 00ff 05f411223344',
    expect: { pd: 'mm', msgType: 0x1a, name: 'TMSI Reallocation Command', mcc: '310', mnc: '410', lac: 0xff, tmsi: 0x11223344 },
  },
  {
    name: 'MM Information (full name "Test", local time zone, universal time)',
    direction: 'mt',
    hex: '0532 4305 84d4f29c0e 4680 47 42507131549080',
    expect: { pd: 'mm', msgType: 0x32, name: 'MM Information' },
  },
  { name: 'MM Status (cause 0x61)', direction: 'mt', hex: '0531 61', expect: { pd: 'mm', msgType: 0x31, name: 'MM Status' } },
  {
    name: 'CC Setup MT with progress, signal, calling number (international, presentation allowed, network provided)',
    direction: 'mt',
    hex: '0305 0401a0 1e02e288 3401 5c0711839403214365',
    expect: { pd: 'cc', msgType: 0x05, name: 'Setup', calling: '4930123456', progress: 8 },
    json: {
      pd: 'cc', type: 'Setup', direction: 'mt', tiFlag: 0, ti: 0, seq: 0,
      ies: {
        bearerCapability1: { radioChannelRequirement: 1, codingStandard: 0, transferMode: 0, itc: 0 },
        progressIndicator: { codingStandard: 3, location: 2, description: 8 },
        signal: 1,
        callingPartyBcdNumber: { ton: 1, npi: 1, presentation: 0, screening: 3, digits: '4930123456' },
      },
    },
  },
  {
    name: 'CC Setup MO to *100#',
    direction: 'mo',
    hex: '0305 0401a0 5e04811a00fb',
    expect: { pd: 'cc', msgType: 0x05, name: 'Setup', called: '*100#' },
    json: {
      pd: 'cc', type: 'Setup', direction: 'mo',
      ies: { bearerCapability1: { radioChannelRequirement: 1, codingStandard: 0, transferMode: 0, itc: 0 }, calledPartyBcdNumber: { ton: 0, npi: 1, digits: '*100#' } },
    },
  },
  { name: 'CC Emergency Setup', direction: 'mo', hex: '030e 0401a0 2e0101', expect: { pd: 'cc', msgType: 0x0e, name: 'Emergency Setup' } },
  { name: 'CC Progress (in-band information)', direction: 'mt', hex: '0303 02e288', expect: { pd: 'cc', msgType: 0x03, name: 'Progress', progress: 8 } },
  { name: 'CC Release with cause and second cause', direction: 'mt', hex: '832d 0802e090 0802e09f', expect: { pd: 'cc', msgType: 0x2d, name: 'Release', cause: [16, 31] } },
  {
    name: 'CC Release Complete (user busy)',
    direction: 'mt',
    hex: '032a 0802e191',
    expect: { pd: 'cc', msgType: 0x2a, name: 'Release Complete', cause: [17] },
    json: { pd: 'cc', type: 'Release Complete', direction: 'mt', ies: { cause: { codingStandard: 3, location: 1, value: 17 } } },
  },
  { name: 'CC Status (cause 98, call state U10)', direction: 'mo', hex: '033d 02e0e2 ca', expect: { pd: 'cc', msgType: 0x3d, name: 'Status', cause: [98] } },
  { name: 'CC Status Enquiry', direction: 'mt', hex: '0334', expect: { pd: 'cc', msgType: 0x34, name: 'Status Enquiry' } },
  {
    name: 'CC Start DTMF "5"',
    direction: 'mo',
    hex: '0335 2c35',
    expect: { pd: 'cc', msgType: 0x35, name: 'Start DTMF' },
    json: { pd: 'cc', type: 'Start DTMF', direction: 'mo', ies: { keypadFacility: '5' } },
  },
  { name: 'CC Start DTMF Acknowledge', direction: 'mt', hex: '8336 2c35', expect: { pd: 'cc', msgType: 0x36, name: 'Start DTMF Acknowledge' } },
  { name: 'CC Stop DTMF', direction: 'mo', hex: '0331', expect: { pd: 'cc', msgType: 0x31, name: 'Stop DTMF' } },
  { name: 'CC Stop DTMF Acknowledge', direction: 'mt', hex: '8332', expect: { pd: 'cc', msgType: 0x32, name: 'Stop DTMF Acknowledge' } },
  {
    name: 'CP-DATA / RP-DATA (MS to network) / SMS-SUBMIT "hi" to 1234',
    direction: 'mo',
    hex: '0901 17 002a00 0791448709000050 0b 0105048121430000 02e834',
    expect: { pd: 'sms', msgType: 0x01, name: 'CP-DATA', rpType: 0, tpDa: '1234', text: 'hi' },
    json: {
      pd: 'sms', type: 'CP-DATA', direction: 'mo', tiFlag: 0, ti: 0,
      ies: {
        rpdu: {
          type: 'RP-DATA', direction: 'mo', mr: 0x2a, originator: null, destination: { ton: 1, npi: 1, digits: '447890000005' },
          userData: { type: 'SMS-SUBMIT', mr: 5, da: { ton: 'unknown', npi: 1, digits: '1234' }, pid: 0, dcs: { value: 0 }, ud: { text: 'hi' } },
        },
      },
    },
  },
  { name: 'CP-DATA / RP-ERROR (network to MS, cause 42)', direction: 'mt', hex: '8901 04 052a012a', expect: { pd: 'sms', msgType: 0x01, name: 'CP-DATA', rpType: 5, rpCause: 42 } },
  { name: 'CP-DATA / RP-ACK (network to MS)', direction: 'mt', hex: '8901 02 032a', expect: { pd: 'sms', msgType: 0x01, name: 'CP-DATA', rpType: 3 } },
  { name: 'CP-DATA / RP-SMMA', direction: 'mo', hex: '0901 02 0607', expect: { pd: 'sms', msgType: 0x01, name: 'CP-DATA', rpType: 6 } },
  { name: 'CP-ERROR (cause 111)', direction: 'mt', hex: '8910 6f', expect: { pd: 'sms', msgType: 0x10, name: 'CP-ERROR' } },
  { name: 'SS Facility', direction: 'mo', hex: '0b3a 15 a11302010002013b300b04010f0406aa510c061b01', expect: { pd: 'ss', msgType: 0x3a, name: 'Facility' } },
  // IE values from libosmocore tests/gsm0408/gsm0408_test.ok (LAI and mobile identity encodings), in messages of ours
  {
    name: 'TMSI Reallocation Command, libosmocore LAI 077-121-666 and TMSI 0x12345678',
    direction: 'mt',
    hex: '051a 701721029a 05f412345678',
    expect: { pd: 'mm', msgType: 0x1a, name: 'TMSI Reallocation Command', mcc: '077', mnc: '121', lac: 666, tmsi: 0x12345678 },
  },
  {
    name: 'Location Updating Accept, libosmocore LAI 012-34-56 and IMSI 123456789012345',
    direction: 'mt',
    hex: '0502 10f2430038 1708 1932547698103254',
    expect: { pd: 'mm', msgType: 0x02, name: 'Location Updating Accept', mcc: '012', mnc: '34', lac: 56, imsi: '123456789012345' },
  },
  {
    name: 'Identity Response, libosmocore IMEI 987654321098765',
    direction: 'mo',
    hex: '0519 08 9a78563412907856',
    expect: { pd: 'mm', msgType: 0x19, name: 'Identity Response', imei: '987654321098765' },
  },
  { name: 'SS Release Complete with cause', direction: 'mt', hex: '8b2a 0802e090', expect: { pd: 'ss', msgType: 0x2a, name: 'Release Complete', cause: [16] } },
];
