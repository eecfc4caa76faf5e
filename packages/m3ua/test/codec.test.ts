import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, EncodeError, fromHex, LINKTYPE_RAW, pcap, toHex, tshark, tsharkAvailable } from '@snaptel/codec';
import {
  decode,
  decodeTransfer,
  encode,
  encodeTransfer,
  ERROR_CODES,
  M3uaDecodeError,
  MESSAGES,
  TRAFFIC_MODES,
  AS_STATE_INFO,
  OTHER_INFO,
  REGISTRATION_STATUS,
  DEREGISTRATION_STATUS,
  UNAVAILABILITY_CAUSES,
  type M3uaMessage,
} from '../src';
import { compareWithTshark } from './fields';
import { sctpRecords } from './sctp';
import { vec, VECTORS } from './vectors';

// Without tshark these fail under CI (never skip there); a developer machine without it skips them.
const hasTshark = tsharkAvailable() || Boolean(process.env.CI);

function decodeError(b: Uint8Array): M3uaDecodeError {
  try {
    decode(b);
  } catch (e) {
    if (e instanceof M3uaDecodeError) return e;
    throw e;
  }
  throw new Error(`decoded without error: ${toHex(b)}`);
}

function encodeError(m: unknown): EncodeError {
  try {
    encode(m as M3uaMessage);
  } catch (e) {
    if (e instanceof EncodeError) return e;
    throw e;
  }
  throw new Error('encoded without error');
}

// A real BSSMAP RESET in an SCCP UDT (libosmo-sccp's bssmap_reset), so tshark dissects the DATA payload cleanly.
const SCCP_UDT_RESET = '09000305070242fe0242fe06000430040120';

/** One message of every type, every parameter of it used at least once. */
const ALL_TYPES: M3uaMessage[] = [
  { type: 'ERR', errorCode: 'invalid-routing-context', routingContext: [7, 9], networkAppearance: 5, affectedPointCodes: [{ mask: 0, pc: 1234 }, { mask: 3, pc: 16 }], diagnosticInfo: '0100030100000008' },
  { type: 'NTFY', status: { type: 'other', info: 'alternate-asp-active' }, aspId: 77, routingContext: [1], infoString: 'hello' },
  { type: 'DATA', networkAppearance: 8, routingContext: [1], protocolData: { opc: 0x2001, dpc: 0x3002, si: 3, ni: 2, mp: 1, sls: 7, data: SCCP_UDT_RESET }, correlationId: 99 },
  { type: 'DUNA', networkAppearance: 1, routingContext: [2], affectedPointCodes: [{ mask: 0, pc: 300 }], infoString: 'gone' },
  { type: 'DAVA', affectedPointCodes: [{ mask: 0, pc: 300 }, { mask: 8, pc: 0x100 }] },
  { type: 'DAUD', routingContext: [3], affectedPointCodes: [{ mask: 0, pc: 0xffffff }] },
  { type: 'SCON', affectedPointCodes: [{ mask: 0, pc: 3 }], concernedDestination: 5, congestionLevel: 2, infoString: 'busy' },
  { type: 'DUPU', affectedPointCodes: [{ mask: 0, pc: 3 }], userCause: { cause: 'inaccessible-remote-user', user: 3 } },
  { type: 'DRST', affectedPointCodes: [{ mask: 0, pc: 4 }] },
  { type: 'ASPUP', aspId: 0xdeadbeef, infoString: 'msc-1' },
  { type: 'ASPUP_ACK', aspId: 2 },
  { type: 'ASPDN', infoString: 'bye' },
  { type: 'ASPDN_ACK' },
  { type: 'BEAT', heartbeatData: '0000002a' },
  { type: 'BEAT_ACK', heartbeatData: '00010203040506' },
  { type: 'ASPAC', trafficMode: 'loadshare', routingContext: [1, 2] },
  { type: 'ASPAC_ACK', trafficMode: 'override', routingContext: [1], infoString: 'ok' },
  { type: 'ASPIA', routingContext: [1] },
  { type: 'ASPIA_ACK', routingContext: [1], infoString: 'x' },
  {
    type: 'REG_REQ',
    routingKeys: [
      {
        localRkId: 1,
        routingContext: [3],
        trafficMode: 'override',
        networkAppearance: 2,
        dpc: { mask: 0, pc: 23 },
        serviceIndicators: [3, 5],
        opcList: [{ mask: 0, pc: 100 }],
        circuitRange: [{ mask: 0, opc: 100, lower: 1, upper: 31 }],
      },
      { localRkId: 2, dpc: { mask: 0, pc: 24 } },
    ],
  },
  { type: 'REG_RSP', registrationResults: [{ localRkId: 1, registrationStatus: 'error-invalid-dpc', routingContext: [0] }] },
  { type: 'DEREG_REQ', routingContext: [5, 6] },
  { type: 'DEREG_RSP', deregistrationResults: [{ routingContext: [5], deregistrationStatus: 'error-not-registered' }] },
];

describe('vectors from other implementations', () => {
  for (const v of VECTORS) {
    it(`${v.name} (${v.source}): decode then encode gives the same bytes`, () => {
      const m = decode(fromHex(v.hex));
      expect(toHex(encode(m))).toBe(v.hex);
      expect(toHex(encode(JSON.parse(JSON.stringify(m)) as M3uaMessage))).toBe(v.hex);
    });
  }

  it('decoded values are those the sources document', () => {
    // osmo-ss7 / otc: DUNA and DAVA of point code <<0,5,4>>
    expect(decode(fromHex(vec('osmo_ss7_duna')))).toEqual({ type: 'DUNA', affectedPointCodes: [{ mask: 0, pc: 0x000504 }] });
    expect(decode(fromHex(vec('osmo_ss7_dava')))).toEqual({ type: 'DAVA', affectedPointCodes: [{ mask: 0, pc: 0x000504 }] });
    // otc: status_type application_server_state_change, status_information application_server_inactive
    expect(decode(fromHex(vec('osmo_ss7_ntfy')))).toEqual({ type: 'NTFY', status: { type: 'as-state-change', info: 'as-inactive' } });
    // otc: traffic_mode_type loadshare
    expect(decode(fromHex(vec('osmo_ss7_aspac_ack')))).toEqual({ type: 'ASPAC_ACK', trafficMode: 'loadshare' });
    expect(decode(fromHex(vec('osmo_ss7_aspup')))).toEqual({ type: 'ASPUP' });
    // otc tcap_empty_begin: OPC <<0,0,5,4>>, DPC <<0,0,53,167>>, SI sccp, NI 3, MP 0, SLS 8, 72 octets of user data
    const begin = decode(fromHex(vec('osmo_ss7_tcap_begin')));
    expect(begin).toMatchObject({ type: 'DATA', protocolData: { opc: 0x504, dpc: 0x35a7, si: 3, ni: 3, mp: 0, sls: 8 } });
    expect((begin as { protocolData: { data: string } }).protocolData.data).toMatch(/^11800f39030e000b/);
    expect((begin as { protocolData: { data: string } }).protocolData.data.length / 2).toBe(72);
    // otc tcap_abort: SLS 238, user data of 41 octets, so 3 octets of padding after the parameter
    const abort = decode(fromHex(vec('osmo_ss7_tcap_abort'))) as { protocolData: { sls: number; data: string } };
    expect(abort.protocolData.sls).toBe(238);
    expect(abort.protocolData.data.length / 2).toBe(41);
    // osmo-ss7 MSG_ENC: NA 0x01abcdef, RC 0x11223344, correlation id <<252,220,18,152>>
    expect(decode(fromHex(vec('osmo_ss7_isup_na_rc_corr')))).toMatchObject({
      type: 'DATA',
      networkAppearance: 0x01abcdef,
      routingContext: [0x11223344],
      correlationId: 0xfcdc1298,
      protocolData: { opc: 0x010305, dpc: 0x010101, si: 3, ni: 2, sls: 14 },
    });
    // xua_test.c test_rkm: RKM REG REQ, Info String present, nested Routing Key with LRK id 1 and DPC 23
    expect(decode(fromHex(vec('osmo_rkm_reg')))).toEqual({
      type: 'REG_REQ',
      routingKeys: [{ localRkId: 1, dpc: { mask: 0, pc: 23 } }],
      unknown: [{ tag: 4, name: 'Info String', value: toHex(Buffer.from('M3UA rocks')) }],
      order: [0, 'routingKeys'],
    });
    // go-m3ua: NA 1, RC 2, affected PCs 3 and 4, concerned destination 5, congestion 6, Info String "deadbeef"
    expect(decode(fromHex(vec('gom3ua_scon')))).toEqual({
      type: 'SCON',
      networkAppearance: 1,
      routingContext: [2],
      affectedPointCodes: [{ mask: 0, pc: 3 }, { mask: 0, pc: 4 }],
      concernedDestination: 5,
      congestionLevel: 6,
      infoString: 'deadbeef',
    });
    expect(decode(fromHex(vec('gom3ua_dupu')))).toMatchObject({ type: 'DUPU', userCause: { cause: 'unequipped-remote-user', user: 0 } });
    // go-m3ua regrsp_test: FetchRC() is 6
    expect(decode(fromHex(vec('gom3ua_reg_rsp')))).toEqual({
      type: 'REG_RSP',
      registrationResults: [{ localRkId: 1, registrationStatus: 'successfully-registered', routingContext: [6] }],
    });
  });

  it.skipIf(!hasTshark)('tshark dissects each vector without complaint, field by field as we decode it', () => {
    const bytes = VECTORS.map((v) => fromHex(v.hex));
    const pk = tshark(sctpRecords(bytes.map((data) => ({ data, stream: data[2] === 1 ? 1 : 0 }))), LINKTYPE_RAW);
    expect(pk).toHaveLength(VECTORS.length);
    pk.forEach((p, i) => {
      expect(p.malformed, VECTORS[i]!.name).toBe(false);
      compareWithTshark(p, decode(bytes[i]!), bytes[i]!.length);
    });
  });
});

describe('our encodings, judged by tshark', () => {
  it('covers every message type of RFC 4666', () => {
    expect(new Set(ALL_TYPES.map((m) => m.type))).toEqual(new Set(Object.keys(MESSAGES)));
  });

  it('every message type re-decodes to what was encoded', () => {
    for (const m of ALL_TYPES) expect(decode(encode(m))).toEqual(m);
  });

  it.skipIf(!hasTshark)('tshark shows every field with the value we encoded, and no malformed packet', () => {
    const bytes = ALL_TYPES.map((m) => encode(m));
    const pk = tshark(sctpRecords(bytes.map((data, i) => ({ data, stream: ALL_TYPES[i]!.type === 'DATA' ? 1 : 0 }))), LINKTYPE_RAW);
    pk.forEach((p, i) => {
      expect(p.malformed, ALL_TYPES[i]!.type).toBe(false);
      expect(p.expert.filter((x) => !/sctp|checksum/i.test(x)), ALL_TYPES[i]!.type).toEqual([]);
      compareWithTshark(p, ALL_TYPES[i]!, bytes[i]!.length);
    });
  });

  it.skipIf(!hasTshark)('the DATA payload reaches tshark as SCCP with the routing label we gave', () => {
    const p = tshark(sctpRecords([{ data: encode(ALL_TYPES[2]!), stream: 1 }]), LINKTYPE_RAW)[0]!;
    const show = (n: string) => p.fields.filter((f) => f.name === n).map((f) => f.show);
    expect(show('mtp3.opc')).toEqual([String(0x2001)]);
    expect(show('mtp3.dpc')).toEqual([String(0x3002)]);
    expect(show('sccp.message_type')).toEqual(['0x09']); // UDT
    expect(show('bssap.pdu_type')).toEqual(['0x00']); // BSSMAP
  });

  it.skipIf(!hasTshark)("enumerations: our names map to the numbers Wireshark names the same way", () => {
    // Wireshark's own words for each value (packet-m3ua.c value strings), against our names.
    const cases: Array<[M3uaMessage, string]> = [];
    const WS_ERR: Record<string, string> = {
      'invalid-version': 'Invalid version', 'unsupported-message-class': 'Unsupported message class', 'unsupported-message-type': 'Unsupported message type',
      'unsupported-traffic-mode-type': 'Unsupported traffic handling mode', 'unexpected-message': 'Unexpected message', 'protocol-error': 'Protocol error',
      'invalid-stream-identifier': 'Invalid stream identifier', 'refused-management-blocking': 'Refused - management blocking', 'asp-identifier-required': 'ASP identifier required',
      'invalid-asp-identifier': 'Invalid ASP identifier', 'invalid-parameter-value': 'Invalid parameter value', 'parameter-field-error': 'Parameter field error',
      'unexpected-parameter': 'Unexpected parameter', 'destination-status-unknown': 'Destination status unknown', 'invalid-network-appearance': 'Invalid network appearance',
      'missing-parameter': 'Missing parameter', 'invalid-routing-context': 'Invalid routing context', 'no-configured-as-for-asp': 'No configured AS for ASP',
    };
    for (const [n, name] of Object.entries(ERROR_CODES)) cases.push([{ type: 'ERR', errorCode: name }, `Error code: ${WS_ERR[name]} (${n})`]);
    const WS_TMT: Record<string, string> = { override: 'Over-ride', loadshare: 'Load-share', broadcast: 'Broadcast' };
    for (const [n, name] of Object.entries(TRAFFIC_MODES)) cases.push([{ type: 'ASPAC', trafficMode: name }, `Traffic mode Type: ${WS_TMT[name]} (${n})`]);
    const WS_AS: Record<string, string> = { reserved: 'Reserved', 'as-inactive': 'Application server inactive', 'as-active': 'Application server active', 'as-pending': 'Application server pending' };
    for (const [n, name] of Object.entries(AS_STATE_INFO)) cases.push([{ type: 'NTFY', status: { type: 'as-state-change', info: name } }, `Status info: ${WS_AS[name]} (${n})`]);
    const WS_OTHER: Record<string, string> = { 'insufficient-asp-resources': 'Insufficient ASP resources active in AS', 'alternate-asp-active': 'Alternate ASP active', 'asp-failure': 'ASP Failure' };
    for (const [n, name] of Object.entries(OTHER_INFO)) cases.push([{ type: 'NTFY', status: { type: 'other', info: name } }, `Status info: ${WS_OTHER[name]} (${n})`]);
    const WS_REG = ['Successfully Registered', 'Error - Unknown', 'Error - Invalid DPC', 'Error - Invalid Network Appearance', 'Error - Invalid Routing Key', 'Error - Permission Denied',
      'Error - Cannot Support Unique Routing', 'Error - Routing Key not Currently Provisioned', 'Error - Insufficient Resources', 'Error - Unsupported RK parameter Field',
      'Error - Unsupported/Invalid Traffic Handling Mode', 'Error - Routing Key Change Refused', 'Error - Routing Key Already Registered'];
    for (const [n, name] of Object.entries(REGISTRATION_STATUS))
      cases.push([{ type: 'REG_RSP', registrationResults: [{ localRkId: 1, registrationStatus: name, routingContext: [1] }] }, `Registration status: ${WS_REG[Number(n)]} (${n})`]);
    const WS_DEREG = ['Successfully Deregistered', 'Error - Unknown', 'Error - Invalid Routing Context', 'Error - Permission Denied', 'Error - Not Registered', 'Error - ASP Currently Active for Routing Context'];
    for (const [n, name] of Object.entries(DEREGISTRATION_STATUS))
      cases.push([{ type: 'DEREG_RSP', deregistrationResults: [{ routingContext: [1], deregistrationStatus: name }] }, `Deregistration status: ${WS_DEREG[Number(n)]} (${n})`]);
    const WS_CAUSE = ['Unknown', 'Unequipped remote user', 'Inaccessible remote user'];
    for (const [n, name] of Object.entries(UNAVAILABILITY_CAUSES))
      cases.push([{ type: 'DUPU', affectedPointCodes: [{ mask: 0, pc: 1 }], userCause: { cause: name, user: 3 } }, `Unavailability cause: ${WS_CAUSE[Number(n)]} (${n})`]);
    expect(cases.length).toBe(18 + 3 + 4 + 3 + 13 + 6 + 3);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm3ua-enum-'));
    try {
      const file = path.join(dir, 'e.pcap');
      fs.writeFileSync(file, pcap(sctpRecords(cases.map(([m]) => ({ data: encode(m) }))), LINKTYPE_RAW));
      const r = spawnSync('tshark', ['-n', '-r', file, '-V'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      expect(r.status).toBe(0);
      const frames = r.stdout.split(/\n(?=Frame \d+:)/);
      expect(frames).toHaveLength(cases.length);
      cases.forEach(([, text], i) => expect(frames[i], text).toContain(text));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad input: typed errors naming message, parameter and offset', () => {
  const cases: Array<{ what: string; hex: string; code: string; ie?: string; offset: number; msg?: string; reason: RegExp }> = [
    { what: 'empty', hex: '', code: 'protocol-error', offset: 0, reason: /truncated: common header/ },
    { what: 'short header', hex: '01000301000000', code: 'protocol-error', offset: 0, reason: /truncated/ },
    { what: 'version 2', hex: '0200030100000008', code: 'invalid-version', ie: 'version', offset: 0, reason: /version 2/ },
    { what: 'length below the header', hex: '0100030100000004', code: 'protocol-error', ie: 'message length', offset: 4, msg: 'ASPUP', reason: /less than the header/ },
    { what: 'length past the end', hex: '0100030100000010', code: 'protocol-error', ie: 'message length', offset: 4, msg: 'ASPUP', reason: /truncated/ },
    { what: 'trailing octets', hex: '010003010000000800', code: 'protocol-error', ie: 'message length', offset: 4, msg: 'ASPUP', reason: /trailing/ },
    { what: 'parameter header cut', hex: '010003010000000a0011', code: 'parameter-field-error', offset: 8, msg: 'ASPUP', reason: /parameter header/ },
    { what: 'ASP Identifier of 2 octets', hex: '0100030100000010001100060001' + '0000', code: 'parameter-field-error', ie: 'ASP Identifier', offset: 12, msg: 'ASPUP', reason: /must be 4 octets/ },
    { what: 'parameter runs past the end', hex: '0100030100000010001100100000' + '0001', code: 'parameter-field-error', ie: 'ASP Identifier', offset: 10, msg: 'ASPUP', reason: /runs past the end/ },
    { what: 'DATA without Protocol Data', hex: '01000101000000100006000800000001', code: 'missing-parameter', ie: 'Protocol Data', offset: 16, msg: 'DATA', reason: /Protocol Data missing/ },
    { what: 'Protocol Data of 8 octets', hex: '0100010100000014021000' + '0c' + '0000000100000002', code: 'parameter-field-error', ie: 'Protocol Data', offset: 12, msg: 'DATA', reason: /at least 12/ },
    { what: 'NTFY without Status', hex: '0100000100000008', code: 'missing-parameter', ie: 'Status', offset: 8, msg: 'NTFY', reason: /Status missing/ },
    { what: 'Routing Context of 6 octets', hex: '0100040100000014' + '0006000a' + '000000010000' + '0000', code: 'parameter-field-error', ie: 'Routing Context', offset: 12, msg: 'ASPAC', reason: /multiple of 4/ },
    { what: 'Info String not UTF-8', hex: '0100030200000010' + '00040005' + 'ff000000', code: 'parameter-field-error', ie: 'Info String', offset: 12, msg: 'ASPDN', reason: /not UTF-8/ },
    { what: 'Routing Key without DPC', hex: '010009010000001402070' + '00c020a000800000001', code: 'missing-parameter', ie: 'Routing Key', msg: 'REG_REQ', offset: 20, reason: /Routing Key: mandatory parameter Destination Point Code missing/ },
  ];

  for (const c of cases) {
    it(c.what, () => {
      const e = decodeError(fromHex(c.hex));
      expect(e).toBeInstanceOf(DecodeError);
      expect(e.name).toBe('DecodeError');
      expect(e.protocol).toBe('m3ua');
      expect(e.errorCode).toBe(c.code);
      expect(e.offset).toBe(c.offset);
      if (c.ie) expect(e.ie).toBe(c.ie);
      if (c.msg) expect(e.messageType).toBe(c.msg);
      expect(e.reason).toMatch(c.reason);
    });
  }

  it('a parameter length below 4 is refused at the length field', () => {
    const e = decodeError(fromHex('0100030100000010' + '00110003' + '00000000'));
    expect(e.offset).toBe(10);
    expect(e.reason).toMatch(/length 3 is less than 4/);
  });

  it('unknown classes and types decode raw and re-encode exactly', () => {
    const hex = '0100050700000010' + '7777000800000001';
    expect(decode(fromHex(hex))).toEqual({ type: 'UNKNOWN', msgClass: 5, msgType: 7, unknown: [{ tag: 0x7777, value: '00000001' }], order: [0] });
    expect(toHex(encode(decode(fromHex(hex))))).toBe(hex);
    expect(decode(fromHex('0100030900000008'))).toEqual({ type: 'UNKNOWN', msgClass: 3, msgType: 9 });
  });

  it('a last parameter without its padding is accepted and kept so', () => {
    const hex = '010003020000000d' + '000400056' + '1'; // ASPDN, Info String 'a', no padding
    const m = decode(fromHex(hex));
    expect(m).toEqual({ type: 'ASPDN', infoString: 'a', unpadded: true });
    expect(toHex(encode(m))).toBe(hex);
    expect(toHex(encode({ type: 'ASPDN', infoString: 'a' }))).toBe('0100030200000010' + '0004000561000000');
  });

  it('parameters out of the RFC order and repeated ones are kept in their places', () => {
    // ASPAC: Routing Context before Traffic Mode Type, then a second Traffic Mode Type
    const hex = '0100040100000020' + '0006000800000001' + '000b000800000001' + '000b000800000002';
    const m = decode(fromHex(hex));
    expect(m).toEqual({
      type: 'ASPAC',
      routingContext: [1],
      trafficMode: 'override',
      unknown: [{ tag: 0x0b, name: 'Traffic Mode Type', value: '00000002' }],
      order: ['routingContext', 'trafficMode', 0],
    });
    expect(toHex(encode(m))).toBe(hex);
  });

  it('encode refuses what cannot be encoded, naming message and parameter', () => {
    expect(encodeError({ type: 'NTFY' }).ie).toBe('Status');
    expect(encodeError({ type: 'DATA', protocolData: { opc: -1, dpc: 0, si: 3, ni: 0, mp: 0, sls: 0, data: '' } }).message).toMatch(/DATA, IE Protocol Data.*-1/);
    expect(encodeError({ type: 'ASPAC', trafficMode: 'sometimes' }).message).toMatch(/Traffic Mode Type.*unknown value 'sometimes'/);
    expect(encodeError({ type: 'ASPUP', routingContext: [1] }).ie).toBe('routingContext');
    expect(encodeError({ type: 'BEAT', heartbeatData: 'xyz' }).ie).toBe('Heartbeat Data');
    expect(encodeError({ type: 'NOPE' }).messageType).toBe('NOPE');
    expect(encodeError({ type: 'ASPDN', infoString: 'x'.repeat(256) }).message).toMatch(/at most 255/);
    expect(encodeError({ type: 'REG_REQ', routingKeys: [{ localRkId: 1 }] }).message).toMatch(/Destination Point Code.*mandatory/);
    expect(encodeError({ type: 'DAUD', affectedPointCodes: [] }).ie).toBe('Affected Point Code');
  });
});

describe('the DATA fast path', () => {
  it('decodeTransfer agrees with decode on every DATA vector, without copying the user data', () => {
    for (const v of VECTORS.filter((x) => x.hex.startsWith('01000101'))) {
      const b = fromHex(v.hex);
      const t = decodeTransfer(b);
      const m = decode(b) as Extract<M3uaMessage, { type: 'DATA' }>;
      expect({ ...t, data: toHex(t.data) }).toEqual({
        ...m.protocolData,
        ...(m.routingContext ? { routingContext: m.routingContext[0] } : {}),
        ...(m.networkAppearance !== undefined ? { networkAppearance: m.networkAppearance } : {}),
        ...(m.correlationId !== undefined ? { correlationId: m.correlationId } : {}),
      });
      expect(t.data.buffer).toBe(b.buffer);
    }
  });

  it('encodeTransfer writes what encode writes', () => {
    const data = fromHex(SCCP_UDT_RESET);
    const pd = { opc: 1, dpc: 2, si: 3, ni: 2, mp: 0, sls: 5 };
    for (const opts of [{}, { routingContext: 7 }, { networkAppearance: 9, routingContext: 7, correlationId: 3 }]) {
      const m: M3uaMessage = { type: 'DATA', protocolData: { ...pd, data: SCCP_UDT_RESET } };
      if ('networkAppearance' in opts) m.networkAppearance = opts.networkAppearance;
      if ('routingContext' in opts) m.routingContext = [opts.routingContext];
      if ('correlationId' in opts) m.correlationId = opts.correlationId;
      expect(toHex(encodeTransfer({ ...pd, data }, opts))).toBe(toHex(encode(m)));
    }
    expect(() => encodeTransfer({ ...pd, sls: 256, data })).toThrow(EncodeError);
  });

  it('errors are the same as decode()s', () => {
    const bad = fromHex('0100010100000014021000' + '0c' + '0000000100000002');
    expect(() => decodeTransfer(bad)).toThrow(M3uaDecodeError);
    expect(() => decodeTransfer(fromHex(vec('osmo_ss7_aspup')))).toThrow(/not a DATA message/);
  });
});

// ---- fuzz ----

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const pc24 = fc.integer({ min: 0, max: 0xffffff });
const hex = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => toHex(b));
const rcs = fc.array(u32, { minLength: 1, maxLength: 4 });
const masked = fc.record({ mask: fc.integer({ min: 0, max: 255 }), pc: pc24 });
const apcs = fc.array(masked, { minLength: 1, maxLength: 4 });
const info = fc.string({ maxLength: 40 });
const tmt = fc.constantFrom<'override' | 'loadshare' | 'broadcast' | number>('override', 'loadshare', 'broadcast', 7);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
const ssnm = (type: 'DUNA' | 'DAVA' | 'DAUD' | 'DRST') =>
  fc.record({ networkAppearance: opt(u32), routingContext: opt(rcs), affectedPointCodes: apcs, infoString: opt(info) }).map((r) => clean({ type, ...r }));

const anyMessage: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ errorCode: fc.constantFrom(...Object.values(ERROR_CODES)), routingContext: opt(rcs), networkAppearance: opt(u32), affectedPointCodes: opt(apcs), diagnosticInfo: opt(hex(40)) }).map((r) => clean({ type: 'ERR', ...r })),
  fc.record({ status: fc.constantFrom({ type: 'as-state-change', info: 'as-active' }, { type: 'other', info: 'asp-failure' }, { type: 9, info: 9 }), aspId: opt(u32), routingContext: opt(rcs), infoString: opt(info) }).map((r) => clean({ type: 'NTFY', ...r })),
  fc
    .record({
      networkAppearance: opt(u32),
      routingContext: opt(rcs),
      protocolData: fc.record({ opc: u32, dpc: u32, si: fc.integer({ min: 0, max: 255 }), ni: fc.integer({ min: 0, max: 255 }), mp: fc.integer({ min: 0, max: 255 }), sls: fc.integer({ min: 0, max: 255 }), data: hex(300) }),
      correlationId: opt(u32),
    })
    .map((r) => clean({ type: 'DATA', ...r })),
  ssnm('DUNA'),
  ssnm('DAVA'),
  ssnm('DAUD'),
  ssnm('DRST'),
  fc.record({ routingContext: opt(rcs), affectedPointCodes: apcs, concernedDestination: opt(pc24), congestionLevel: opt(fc.integer({ min: 0, max: 255 })) }).map((r) => clean({ type: 'SCON', ...r })),
  fc.record({ affectedPointCodes: apcs, userCause: fc.record({ cause: fc.constantFrom('unknown', 'unequipped-remote-user', 44), user: fc.integer({ min: 0, max: 0xffff }) }) }).map((r) => clean({ type: 'DUPU', ...r })),
  fc.record({ type: fc.constantFrom('ASPUP', 'ASPUP_ACK'), aspId: opt(u32), infoString: opt(info) }).map(clean),
  fc.record({ type: fc.constantFrom('ASPDN', 'ASPDN_ACK'), infoString: opt(info) }).map(clean),
  fc.record({ type: fc.constantFrom('BEAT', 'BEAT_ACK'), heartbeatData: opt(hex(64)) }).map(clean),
  fc.record({ type: fc.constantFrom('ASPAC', 'ASPAC_ACK'), trafficMode: opt(tmt), routingContext: opt(rcs), infoString: opt(info) }).map(clean),
  fc.record({ type: fc.constantFrom('ASPIA', 'ASPIA_ACK'), routingContext: opt(rcs), infoString: opt(info) }).map(clean),
  fc
    .array(fc.record({ localRkId: u32, routingContext: opt(rcs), trafficMode: opt(tmt), dpc: masked, serviceIndicators: opt(fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 5 })) }).map(clean), { minLength: 1, maxLength: 3 })
    .map((routingKeys) => ({ type: 'REG_REQ', routingKeys })),
  fc.array(fc.record({ localRkId: u32, registrationStatus: fc.constantFrom('successfully-registered', 'error-unknown', 99), routingContext: rcs }), { minLength: 1, maxLength: 3 }).map((r) => ({ type: 'REG_RSP', registrationResults: r })),
  rcs.map((routingContext) => ({ type: 'DEREG_REQ', routingContext })),
  fc.array(fc.record({ routingContext: rcs, deregistrationStatus: fc.constantFrom('successfully-deregistered', 'error-not-registered') }), { minLength: 1, maxLength: 3 }).map((r) => ({ type: 'DEREG_RSP', deregistrationResults: r })),
);

/** Decode must either give a message that encodes back (to bytes that decode the same) or throw M3uaDecodeError: nothing else. */
function survives(b: Uint8Array): void {
  let m: M3uaMessage;
  try {
    m = decode(b);
  } catch (e) {
    if (e instanceof M3uaDecodeError) {
      expect(e.offset).toBeGreaterThanOrEqual(0);
      expect(e.offset).toBeLessThanOrEqual(b.length);
      return;
    }
    throw e;
  }
  const again = encode(m);
  expect(decode(again)).toEqual(m);
}

describe('fuzz (fast-check)', () => {
  it('random valid messages of every type: encode, decode, same JSON and same bytes again', () => {
    fc.assert(
      fc.property(anyMessage, (m) => {
        const b = encode(m as unknown as M3uaMessage);
        const d = decode(b);
        expect(d).toEqual(m);
        expect(toHex(encode(d))).toBe(toHex(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('random bytes only ever decode or throw M3uaDecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => survives(b)), { numRuns: 5000 });
  });

  it('random bytes behind a valid header (so the parameter walker is reached)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 7 }), fc.uint8Array({ maxLength: 120 }), (cls, type, body) => {
        const b = new Uint8Array(8 + body.length);
        b.set([1, 0, cls, type, 0, 0, (b.length >> 8) & 0xff, b.length & 0xff]);
        b.set(body, 8);
        survives(b);
        if (cls === 1 && type === 1) {
          try {
            decodeTransfer(b);
          } catch (e) {
            expect(e).toBeInstanceOf(M3uaDecodeError);
          }
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('every truncation of every vector is refused with M3uaDecodeError', () => {
    for (const v of VECTORS) {
      const b = fromHex(v.hex);
      for (let n = 0; n < b.length; n++) {
        const e = decodeError(b.subarray(0, n));
        expect(e.errorCode).toBeTypeOf('string');
      }
    }
  });

  it('one-byte mutations of the vectors only decode or throw M3uaDecodeError', () => {
    const bytes = VECTORS.map((v) => fromHex(v.hex));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (i, at, val) => {
        const b = bytes[i]!.slice();
        b[at % b.length] = val;
        survives(b);
      }),
      { numRuns: 5000 },
    );
  });

  it('10 000 random 2 KiB inputs take well under a second', () => {
    let x = 0x9e3779b9;
    const inputs = Array.from({ length: 10_000 }, () => {
      const b = new Uint8Array(2048);
      for (let i = 0; i < b.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        b[i] = x & 0xff;
      }
      b.set([1, 0, 1, 1, 0, 0, 8, 0]); // DATA of 2048 octets: the walker reads them
      return b;
    });
    const t = performance.now();
    for (const b of inputs) {
      try {
        decode(b);
      } catch (e) {
        if (!(e instanceof M3uaDecodeError)) throw e;
      }
    }
    expect(performance.now() - t).toBeLessThan(1000);
  });
});
