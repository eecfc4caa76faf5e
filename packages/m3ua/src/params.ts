import { EncodeError, hexOf, writeHex, type Writer } from '@snaptel/codec';

/**
 * M3UA parameters (RFC 4666 §3.2, §3.3-§3.6) described once as data: tag,
 * JSON key, RFC name, and how the value reads and writes. One walker
 * (decodeParams / encodeParams) handles the tag-length-value framing, the
 * padding to a multiple of four octets, order, repeats and unknown
 * parameters, for messages and for the parameters that nest others
 * (Routing Key, Registration Result, Deregistration Result).
 */

// ---- enumerations (RFC 4666 §3.8.1, §3.8.2, §3.4.5, §3.6.1, §3.6.2, §3.6.4) ----

/** Error Code values (§3.8.1). */
export const ERROR_CODES = {
  1: 'invalid-version',
  3: 'unsupported-message-class',
  4: 'unsupported-message-type',
  5: 'unsupported-traffic-mode-type',
  6: 'unexpected-message',
  7: 'protocol-error',
  9: 'invalid-stream-identifier',
  0x0d: 'refused-management-blocking',
  0x0e: 'asp-identifier-required',
  0x0f: 'invalid-asp-identifier',
  0x11: 'invalid-parameter-value',
  0x12: 'parameter-field-error',
  0x13: 'unexpected-parameter',
  0x14: 'destination-status-unknown',
  0x15: 'invalid-network-appearance',
  0x16: 'missing-parameter',
  0x19: 'invalid-routing-context',
  0x1a: 'no-configured-as-for-asp',
} as const;
export type ErrorCodeName = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Traffic Mode Type values (§3.5.5 / §3.6.1). */
export const TRAFFIC_MODES = { 1: 'override', 2: 'loadshare', 3: 'broadcast' } as const;
export type TrafficModeName = (typeof TRAFFIC_MODES)[keyof typeof TRAFFIC_MODES];

/** Status Type (§3.8.2). */
export const STATUS_TYPES = { 1: 'as-state-change', 2: 'other' } as const;
export type StatusTypeName = (typeof STATUS_TYPES)[keyof typeof STATUS_TYPES];
/** Status Information for Status Type 1 (AS state change). */
export const AS_STATE_INFO = { 1: 'reserved', 2: 'as-inactive', 3: 'as-active', 4: 'as-pending' } as const;
/** Status Information for Status Type 2 (other). */
export const OTHER_INFO = { 1: 'insufficient-asp-resources', 2: 'alternate-asp-active', 3: 'asp-failure' } as const;
export type StatusInfoName = (typeof AS_STATE_INFO)[keyof typeof AS_STATE_INFO] | (typeof OTHER_INFO)[keyof typeof OTHER_INFO];

/** Unavailability cause of User/Cause (§3.4.5). */
export const UNAVAILABILITY_CAUSES = { 0: 'unknown', 1: 'unequipped-remote-user', 2: 'inaccessible-remote-user' } as const;
export type UnavailabilityCauseName = (typeof UNAVAILABILITY_CAUSES)[keyof typeof UNAVAILABILITY_CAUSES];

/** Registration Status (§3.6.2). */
export const REGISTRATION_STATUS = {
  0: 'successfully-registered',
  1: 'error-unknown',
  2: 'error-invalid-dpc',
  3: 'error-invalid-network-appearance',
  4: 'error-invalid-routing-key',
  5: 'error-permission-denied',
  6: 'error-cannot-support-unique-routing',
  7: 'error-routing-key-not-currently-provisioned',
  8: 'error-insufficient-resources',
  9: 'error-unsupported-rk-parameter-field',
  10: 'error-unsupported-traffic-handling-mode',
  11: 'error-routing-key-change-refused',
  12: 'error-routing-key-already-registered',
} as const;
export type RegistrationStatusName = (typeof REGISTRATION_STATUS)[keyof typeof REGISTRATION_STATUS];

/** Deregistration Status (§3.6.4). */
export const DEREGISTRATION_STATUS = {
  0: 'successfully-deregistered',
  1: 'error-unknown',
  2: 'error-invalid-routing-context',
  3: 'error-permission-denied',
  4: 'error-not-registered',
  5: 'error-asp-currently-active-for-routing-context',
} as const;
export type DeregistrationStatusName = (typeof DEREGISTRATION_STATUS)[keyof typeof DEREGISTRATION_STATUS];

/** A value of an enumeration: its name when the RFC names it, else the number seen. */
export type Enum<N extends string> = N | number;

interface EnumTable {
  byCode: ReadonlyMap<number, string>;
  byName: ReadonlyMap<string, number>;
}

function enumTable(t: Record<number, string>): EnumTable {
  const byCode = new Map<number, string>();
  const byName = new Map<string, number>();
  for (const [k, v] of Object.entries(t)) {
    byCode.set(Number(k), v);
    byName.set(v, Number(k));
  }
  return { byCode, byName };
}

const E_ERROR = enumTable(ERROR_CODES);
const E_TMT = enumTable(TRAFFIC_MODES);
const E_STYPE = enumTable(STATUS_TYPES);
const E_ASSTATE = enumTable(AS_STATE_INFO);
const E_OTHER = enumTable(OTHER_INFO);
const E_CAUSE = enumTable(UNAVAILABILITY_CAUSES);
const E_REG = enumTable(REGISTRATION_STATUS);
const E_DEREG = enumTable(DEREGISTRATION_STATUS);

/** The number of an enumeration value given by name or number; throws Error for an unknown name. */
function enumCode(t: EnumTable, v: unknown, bits: 16 | 32): number {
  if (typeof v === 'string') {
    const c = t.byName.get(v);
    if (c === undefined) throw new Error(`unknown value '${v}' (known: ${[...t.byName.keys()].join(', ')})`);
    return c;
  }
  return uint(v, bits);
}
const enumName = (t: EnumTable, c: number): string | number => t.byCode.get(c) ?? c;

/** The Error Code number of a name (or the number itself). */
export function errorCodeNumber(v: Enum<ErrorCodeName>): number {
  return enumCode(E_ERROR, v, 32);
}
export function trafficModeNumber(v: Enum<TrafficModeName>): number {
  return enumCode(E_TMT, v, 32);
}
/** The name of an Error Code number, if the RFC names it. */
export function errorCodeName(n: number): Enum<ErrorCodeName> {
  return enumName(E_ERROR, n) as Enum<ErrorCodeName>;
}
export function trafficModeName(n: number): Enum<TrafficModeName> {
  return enumName(E_TMT, n) as Enum<TrafficModeName>;
}

// ---- value types ----

/** A point code with its mask (Affected Point Code, OPC List, DPC): mask 0 is this point code alone. */
export interface MaskedPc {
  mask: number;
  pc: number;
}

/** The Protocol Data parameter (§3.3.1): the MTP3 routing label and service information octet, spread out, and the user part. */
export interface ProtocolData {
  opc: number;
  dpc: number;
  /** Service Indicator (3 = SCCP). */
  si: number;
  /** Network Indicator (0 international, 2 national, ...). */
  ni: number;
  /** Message Priority. */
  mp: number;
  /** Signalling Link Selection. */
  sls: number;
  /** User protocol data, hex. */
  data: string;
}

export interface Status {
  type: Enum<StatusTypeName>;
  info: Enum<StatusInfoName>;
}

export interface UserCause {
  cause: Enum<UnavailabilityCauseName>;
  /** MTP3 user identity (an SI value: 3 SCCP, 4 TUP, 5 ISUP, ...). */
  user: number;
}

export interface CircuitRange {
  mask: number;
  opc: number;
  lower: number;
  upper: number;
}

/** A parameter the tables do not expect here (unknown tag, repeat, or a known parameter in the wrong message), kept as it was. */
export interface RawParam {
  tag: number;
  /** The RFC name when the tag is a known M3UA parameter. */
  name?: string;
  /** Value, hex (without tag, length and padding). */
  value: string;
}

/** Bookkeeping shared by messages and nested parameters, for byte-exact re-encoding. */
export interface ParamExtras {
  /** Parameters kept raw. */
  unknown?: RawParam[];
  /** Wire order, when it was not the table's or raw parameters were present: keys, and indexes into `unknown`. */
  order?: Array<string | number>;
  /** The last parameter came without its padding (the message length did not include it). */
  unpadded?: true;
}

export interface RoutingKey extends ParamExtras {
  localRkId: number;
  routingContext?: number[];
  trafficMode?: Enum<TrafficModeName>;
  networkAppearance?: number;
  dpc: MaskedPc;
  serviceIndicators?: number[];
  opcList?: MaskedPc[];
  circuitRange?: CircuitRange[];
}

export interface RegistrationResult extends ParamExtras {
  localRkId: number;
  registrationStatus: Enum<RegistrationStatusName>;
  routingContext: number[];
}

export interface DeregistrationResult extends ParamExtras {
  routingContext: number[];
  deregistrationStatus: Enum<DeregistrationStatusName>;
}

// ---- the walker's view of a parameter ----

/** How decoding reports a bad value: reason, absolute offset, and the Error Code to answer with. */
export type Fail = (reason: string, at: number, code?: 'parameter-field-error' | 'missing-parameter' | 'protocol-error', ie?: string) => never;

export interface ParamDef {
  tag: number;
  /** Key in the JSON form. */
  key: string;
  /** RFC name, used in errors. */
  name: string;
  /** Reads buf[start, end): the value without tag, length and padding. */
  decode(buf: Uint8Array, start: number, end: number, fail: Fail): unknown;
  /** Writes the value; throws Error (turned into EncodeError naming the parameter) for bad values. */
  encode(v: unknown, w: Writer): void;
}

/** A parameter in a message's (or nested parameter's) table. */
export interface ParamUse {
  def: ParamDef;
  /** Mandatory: a missing one is a DecodeError ('missing-parameter') and an EncodeError. */
  mandatory: boolean;
  /** May appear several times; the value is then an array (REG REQ's Routing Keys, ...). */
  repeat?: boolean;
}

// ---- small readers and checks ----

function rd32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
}
function rd16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

function uint(v: unknown, bits: 8 | 16 | 24 | 32): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2 ** bits - 1) throw new Error(`${String(v)} is not a ${bits}-bit unsigned integer`);
  return v;
}

function fixedLen(name: string, n: number, start: number, end: number, fail: Fail): void {
  if (end - start !== n) fail(`${name} value must be ${n} octets, got ${end - start}`, start);
}

function multipleOf(name: string, n: number, start: number, end: number, fail: Fail, min = n): void {
  const len = end - start;
  if (len < min || len % n !== 0) fail(`${name} value must be a non-empty multiple of ${n} octets, got ${len}`, start);
}

function checkArray(v: unknown): unknown[] {
  if (!Array.isArray(v) || v.length === 0) throw new Error('must be a non-empty array');
  return v;
}

function obj(v: unknown): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('must be an object');
  return v as Record<string, unknown>;
}

// ---- parameter codecs ----

function u32Param(tag: number, key: string, name: string): ParamDef {
  return {
    tag,
    key,
    name,
    decode(buf, start, end, fail) {
      fixedLen(name, 4, start, end, fail);
      return rd32(buf, start);
    },
    encode(v, w) {
      w.u32(uint(v, 32));
    },
  };
}

function u32ListParam(tag: number, key: string, name: string): ParamDef {
  return {
    tag,
    key,
    name,
    decode(buf, start, end, fail) {
      multipleOf(name, 4, start, end, fail);
      const out: number[] = [];
      for (let i = start; i < end; i += 4) out.push(rd32(buf, i));
      return out;
    },
    encode(v, w) {
      for (const x of checkArray(v)) w.u32(uint(x, 32));
    },
  };
}

function hexParam(tag: number, key: string, name: string): ParamDef {
  return {
    tag,
    key,
    name,
    decode: (buf, start, end) => hexOf(buf, start, end),
    encode(v, w) {
      writeHex(w, v as string);
    },
  };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const UTF8_ENC = new TextEncoder();

function stringParam(tag: number, key: string, name: string): ParamDef {
  return {
    tag,
    key,
    name,
    decode(buf, start, end, fail) {
      try {
        return UTF8.decode(buf.subarray(start, end));
      } catch {
        return fail(`${name} is not UTF-8`, start);
      }
    },
    encode(v, w) {
      if (typeof v !== 'string') throw new Error('must be a string');
      const b = UTF8_ENC.encode(v);
      if (b.length > 255) throw new Error(`${b.length} octets, at most 255`);
      w.bytes(b);
    },
  };
}

function enumParam(tag: number, key: string, name: string, t: EnumTable): ParamDef {
  return {
    tag,
    key,
    name,
    decode(buf, start, end, fail) {
      fixedLen(name, 4, start, end, fail);
      return enumName(t, rd32(buf, start));
    },
    encode(v, w) {
      w.u32(enumCode(t, v, 32));
    },
  };
}

function encodeMasked(v: unknown, w: Writer): void {
  const o = obj(v);
  w.u8(uint(o.mask, 8));
  w.u24(uint(o.pc, 24));
}

function maskedListParam(tag: number, key: string, name: string): ParamDef {
  return {
    tag,
    key,
    name,
    decode(buf, start, end, fail) {
      multipleOf(name, 4, start, end, fail);
      const out: MaskedPc[] = [];
      for (let i = start; i < end; i += 4) out.push({ mask: buf[i]!, pc: (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]! });
      return out;
    },
    encode(v, w) {
      for (const x of checkArray(v)) encodeMasked(x, w);
    },
  };
}

export const P_INFO_STRING = stringParam(0x0004, 'infoString', 'Info String');
export const P_ROUTING_CONTEXT = u32ListParam(0x0006, 'routingContext', 'Routing Context');
export const P_DIAGNOSTIC_INFO = hexParam(0x0007, 'diagnosticInfo', 'Diagnostic Information');
export const P_HEARTBEAT_DATA = hexParam(0x0009, 'heartbeatData', 'Heartbeat Data');
export const P_TRAFFIC_MODE = enumParam(0x000b, 'trafficMode', 'Traffic Mode Type', E_TMT);
export const P_ERROR_CODE = enumParam(0x000c, 'errorCode', 'Error Code', E_ERROR);
export const P_STATUS: ParamDef = {
  tag: 0x000d,
  key: 'status',
  name: 'Status',
  decode(buf, start, end, fail) {
    fixedLen('Status', 4, start, end, fail);
    const type = rd16(buf, start);
    const info = rd16(buf, start + 2);
    const it = type === 1 ? E_ASSTATE : type === 2 ? E_OTHER : undefined;
    return { type: enumName(E_STYPE, type), info: it ? enumName(it, info) : info } as Status;
  },
  encode(v, w) {
    const o = obj(v);
    const type = enumCode(E_STYPE, o.type, 16);
    const it = type === 1 ? E_ASSTATE : type === 2 ? E_OTHER : E_STYPE;
    w.u16(type);
    w.u16(typeof o.info === 'string' ? enumCode(it, o.info, 16) : uint(o.info, 16));
  },
};
export const P_ASP_ID = u32Param(0x0011, 'aspId', 'ASP Identifier');
export const P_AFFECTED_PC = maskedListParam(0x0012, 'affectedPointCodes', 'Affected Point Code');
export const P_CORRELATION_ID = u32Param(0x0013, 'correlationId', 'Correlation ID');

export const P_NETWORK_APPEARANCE = u32Param(0x0200, 'networkAppearance', 'Network Appearance');
export const P_USER_CAUSE: ParamDef = {
  tag: 0x0204,
  key: 'userCause',
  name: 'User/Cause',
  decode(buf, start, end, fail) {
    fixedLen('User/Cause', 4, start, end, fail);
    return { cause: enumName(E_CAUSE, rd16(buf, start)), user: rd16(buf, start + 2) } as UserCause;
  },
  encode(v, w) {
    const o = obj(v);
    w.u16(enumCode(E_CAUSE, o.cause, 16));
    w.u16(uint(o.user, 16));
  },
};
/** Congestion Indications (§3.4.4): 24 reserved bits and the congestion level (0 none, 1-3). */
export const P_CONGESTION: ParamDef = {
  tag: 0x0205,
  key: 'congestionLevel',
  name: 'Congestion Indications',
  decode(buf, start, end, fail) {
    fixedLen('Congestion Indications', 4, start, end, fail);
    return buf[start + 3]!;
  },
  encode(v, w) {
    w.u24(0);
    w.u8(uint(v, 8));
  },
};
/** Concerned Destination (§3.4.4): 8 reserved bits and a point code. */
export const P_CONCERNED_DEST: ParamDef = {
  tag: 0x0206,
  key: 'concernedDestination',
  name: 'Concerned Destination',
  decode(buf, start, end, fail) {
    fixedLen('Concerned Destination', 4, start, end, fail);
    return (buf[start + 1]! << 16) | (buf[start + 2]! << 8) | buf[start + 3]!;
  },
  encode(v, w) {
    w.u8(0);
    w.u24(uint(v, 24));
  },
};
export const P_LOCAL_RK_ID = u32Param(0x020a, 'localRkId', 'Local Routing Key Identifier');
export const P_DPC: ParamDef = {
  tag: 0x020b,
  key: 'dpc',
  name: 'Destination Point Code',
  decode(buf, start, end, fail) {
    fixedLen('Destination Point Code', 4, start, end, fail);
    return { mask: buf[start]!, pc: (buf[start + 1]! << 16) | (buf[start + 2]! << 8) | buf[start + 3]! } as MaskedPc;
  },
  encode: encodeMasked,
};
export const P_SERVICE_INDICATORS: ParamDef = {
  tag: 0x020c,
  key: 'serviceIndicators',
  name: 'Service Indicators',
  decode(buf, start, end, fail) {
    if (end === start) fail('Service Indicators value is empty', start);
    return Array.from(buf.subarray(start, end));
  },
  encode(v, w) {
    for (const x of checkArray(v)) w.u8(uint(x, 8));
  },
};
export const P_OPC_LIST = maskedListParam(0x020e, 'opcList', 'Originating Point Code List');
export const P_CIRCUIT_RANGE: ParamDef = {
  tag: 0x020f,
  key: 'circuitRange',
  name: 'Circuit Range',
  decode(buf, start, end, fail) {
    multipleOf('Circuit Range', 8, start, end, fail);
    const out: CircuitRange[] = [];
    for (let i = start; i < end; i += 8)
      out.push({ mask: buf[i]!, opc: (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!, lower: rd16(buf, i + 4), upper: rd16(buf, i + 6) });
    return out;
  },
  encode(v, w) {
    for (const x of checkArray(v)) {
      const o = obj(x);
      w.u8(uint(o.mask, 8));
      w.u24(uint(o.opc, 24));
      w.u16(uint(o.lower, 16));
      w.u16(uint(o.upper, 16));
    }
  },
};
export const P_PROTOCOL_DATA: ParamDef = {
  tag: 0x0210,
  key: 'protocolData',
  name: 'Protocol Data',
  decode(buf, start, end, fail) {
    if (end - start < 12) fail(`Protocol Data value must be at least 12 octets, got ${end - start}`, start);
    return {
      opc: rd32(buf, start),
      dpc: rd32(buf, start + 4),
      si: buf[start + 8]!,
      ni: buf[start + 9]!,
      mp: buf[start + 10]!,
      sls: buf[start + 11]!,
      data: hexOf(buf, start + 12, end),
    } as ProtocolData;
  },
  encode(v, w) {
    const o = obj(v);
    w.u32(uint(o.opc, 32));
    w.u32(uint(o.dpc, 32));
    w.u8(uint(o.si, 8));
    w.u8(uint(o.ni, 8));
    w.u8(uint(o.mp, 8));
    w.u8(uint(o.sls, 8));
    writeHex(w, (o.data ?? '') as string);
  },
};
export const P_REGISTRATION_STATUS = enumParam(0x0212, 'registrationStatus', 'Registration Status', E_REG);
export const P_DEREGISTRATION_STATUS = enumParam(0x0213, 'deregistrationStatus', 'Deregistration Status', E_DEREG);

const M = (def: ParamDef, repeat?: boolean): ParamUse => ({ def, mandatory: true, repeat });
const O = (def: ParamDef): ParamUse => ({ def, mandatory: false });

function nestedParam(tag: number, key: string, name: string, table: ParamUse[]): ParamDef {
  const def: ParamDef = {
    tag,
    key,
    name,
    decode(buf, start, end, fail) {
      // errors inside name the enclosing parameter (the offset says where inside)
      return decodeParams(buf, start, end, table, (reason, at, code) => fail(`${name}: ${reason}`, at, code));
    },
    encode(v, w) {
      encodeParams(w, obj(v), table, name);
    },
  };
  return def;
}

/** Routing Key (§3.6.1): the DPC group (DPC, SI, OPC List, Circuit Range) appears once here; further groups are kept raw. */
export const ROUTING_KEY_TABLE: ParamUse[] = [
  M(P_LOCAL_RK_ID),
  O(P_ROUTING_CONTEXT),
  O(P_TRAFFIC_MODE),
  O(P_NETWORK_APPEARANCE),
  M(P_DPC),
  O(P_SERVICE_INDICATORS),
  O(P_OPC_LIST),
  O(P_CIRCUIT_RANGE),
];
export const REGISTRATION_RESULT_TABLE: ParamUse[] = [M(P_LOCAL_RK_ID), M(P_REGISTRATION_STATUS), M(P_ROUTING_CONTEXT)];
export const DEREGISTRATION_RESULT_TABLE: ParamUse[] = [M(P_ROUTING_CONTEXT), M(P_DEREGISTRATION_STATUS)];

export const P_ROUTING_KEY = nestedParam(0x0207, 'routingKeys', 'Routing Key', ROUTING_KEY_TABLE);
export const P_REGISTRATION_RESULT = nestedParam(0x0208, 'registrationResults', 'Registration Result', REGISTRATION_RESULT_TABLE);
export const P_DEREGISTRATION_RESULT = nestedParam(0x0209, 'deregistrationResults', 'Deregistration Result', DEREGISTRATION_RESULT_TABLE);

/** Every parameter by tag (for naming raw ones). */
export const PARAMS: ReadonlyMap<number, ParamDef> = new Map(
  [
    P_INFO_STRING, P_ROUTING_CONTEXT, P_DIAGNOSTIC_INFO, P_HEARTBEAT_DATA, P_TRAFFIC_MODE, P_ERROR_CODE, P_STATUS, P_ASP_ID,
    P_AFFECTED_PC, P_CORRELATION_ID, P_NETWORK_APPEARANCE, P_USER_CAUSE, P_CONGESTION, P_CONCERNED_DEST, P_ROUTING_KEY,
    P_REGISTRATION_RESULT, P_DEREGISTRATION_RESULT, P_LOCAL_RK_ID, P_DPC, P_SERVICE_INDICATORS, P_OPC_LIST, P_CIRCUIT_RANGE,
    P_PROTOCOL_DATA, P_REGISTRATION_STATUS, P_DEREGISTRATION_STATUS,
  ].map((p) => [p.tag, p]),
);

export { M as mandatory, O as optional };

// ---- the walker ----

const pad4 = (n: number) => (n + 3) & ~3;

/**
 * Reads the parameters in buf[start, end) against `table`. Each parameter is
 * tag (16 bits), length (16 bits, including tag and length, excluding
 * padding), value, and zero padding up to a multiple of four octets; the
 * last one may come without its padding (recorded as `unpadded`).
 * Parameters the table does not list, and repeats of one that may not
 * repeat, are kept raw in `unknown`; `order` records the wire order when it
 * is not the table's.
 */
export function decodeParams(buf: Uint8Array, start: number, end: number, table: readonly ParamUse[], fail: Fail, out: Record<string, unknown> = {}): Record<string, unknown> {
  let pos = start;
  let lastIdx = -1;
  let order: Array<string | number> | undefined;
  let unknown: RawParam[] | undefined;
  const seen: string[] = [];
  while (pos < end) {
    if (end - pos < 4) fail(`truncated: parameter header needs 4 octets, ${end - pos} left`, pos);
    const tag = rd16(buf, pos);
    const len = rd16(buf, pos + 2);
    const def = PARAMS.get(tag);
    if (len < 4) fail(`parameter 0x${tag.toString(16).padStart(4, '0')}${def ? ` (${def.name})` : ''}: length ${len} is less than 4`, pos + 2);
    const vEnd = pos + len;
    if (vEnd > end) fail(`truncated: parameter 0x${tag.toString(16).padStart(4, '0')}${def ? ` (${def.name})` : ''} length ${len} runs past the end (${end - pos} octets left)`, pos + 2);
    let next = pos + pad4(len);
    if (next > end) {
      // the last parameter without its padding
      next = end;
      out.unpadded = true;
    }
    let idx = -1;
    for (let i = 0; i < table.length; i++) if (table[i]!.def.tag === tag) idx = i;
    const use = idx >= 0 ? table[idx] : undefined;
    if (use && (use.repeat || out[use.def.key] === undefined)) {
      const v = use.def.decode(buf, pos + 4, vEnd, (reason, at, code) => fail(reason, at, code));
      if (use.repeat) {
        const arr = (out[use.def.key] as unknown[] | undefined) ?? (out[use.def.key] = []) as unknown[];
        arr.push(v);
      } else out[use.def.key] = v;
      if (order) order.push(use.def.key);
      else if (idx < lastIdx) {
        order = [...seen, use.def.key];
      } else lastIdx = idx;
      seen.push(use.def.key);
    } else {
      unknown ??= [];
      const raw: RawParam = { tag, value: hexOf(buf, pos + 4, vEnd) };
      if (def) raw.name = def.name;
      order ??= [...seen];
      order.push(unknown.length);
      unknown.push(raw);
    }
    pos = next;
  }
  for (const use of table) {
    if (use.mandatory && out[use.def.key] === undefined) fail(`mandatory parameter ${use.def.name} missing`, end, 'missing-parameter', use.def.name);
  }
  if (unknown) out.unknown = unknown;
  if (order) out.order = order;
  if (out.unpadded !== undefined) {
    // move the flag after the parameters, where it reads naturally
    delete out.unpadded;
    out.unpadded = true;
  }
  return out;
}

const KEY_INDEX = new WeakMap<readonly ParamUse[], Map<string, ParamUse>>();
function keyIndex(table: readonly ParamUse[]): Map<string, ParamUse> {
  let m = KEY_INDEX.get(table);
  if (!m) {
    m = new Map();
    for (const u of table) m.set(u.def.key, u);
    KEY_INDEX.set(table, m);
  }
  return m;
}

/** Writes the parameters of `v` (the JSON form decodeParams gives) against `table`. `what` names the message or parameter in errors. */
export function encodeParams(w: Writer, v: Record<string, unknown>, table: readonly ParamUse[], what: string): void {
  const items: Array<{ def?: ParamDef; tag: number; value: unknown; raw?: string; name: string }> = [];
  const byKey = keyIndex(table);
  const unknown = (v.unknown as RawParam[] | undefined) ?? [];
  if (!Array.isArray(unknown)) throw new EncodeError('m3ua', what, undefined, 'unknown must be an array of { tag, value }');
  const pushKey = (key: string, done: Set<string>) => {
    if (done.has(key)) return;
    done.add(key);
    const u = byKey.get(key)!;
    const val = v[key];
    if (val === undefined) return;
    if (u.repeat) {
      if (!Array.isArray(val) || val.length === 0) throw new EncodeError('m3ua', what, u.def.name, 'must be a non-empty array (one entry per parameter)');
      for (const x of val) items.push({ def: u.def, tag: u.def.tag, value: x, name: u.def.name });
    } else items.push({ def: u.def, tag: u.def.tag, value: val, name: u.def.name });
  };
  const pushRaw = (i: number) => {
    const r = unknown[i];
    if (!r || typeof r !== 'object') throw new EncodeError('m3ua', what, undefined, `order refers to unknown[${i}], which is not there`);
    items.push({ tag: r.tag, value: undefined, raw: r.value, name: r.name ?? `0x${Number(r.tag).toString(16)}` });
  };
  const done = new Set<string>();
  const rawDone = new Set<number>();
  const order = v.order as Array<string | number> | undefined;
  if (order !== undefined) {
    if (!Array.isArray(order)) throw new EncodeError('m3ua', what, undefined, 'order must be an array');
    for (const o of order) {
      if (typeof o === 'number') {
        if (rawDone.has(o)) continue;
        rawDone.add(o);
        pushRaw(o);
      } else {
        if (!byKey.has(o)) throw new EncodeError('m3ua', what, o, 'order names a parameter this message does not have');
        pushKey(o, done);
      }
    }
  }
  for (const u of table) pushKey(u.def.key, done);
  for (let i = 0; i < unknown.length; i++) if (!rawDone.has(i)) pushRaw(i);
  for (const u of table) if (u.mandatory && v[u.def.key] === undefined) throw new EncodeError('m3ua', what, u.def.name, 'mandatory parameter missing');
  for (const k of Object.keys(v)) {
    if (k === 'type' || k === 'unknown' || k === 'order' || k === 'unpadded' || k === 'msgClass' || k === 'msgType') continue;
    if (!byKey.has(k)) throw new EncodeError('m3ua', what, k, 'not a parameter of this message');
  }

  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const at = w.length;
    if (typeof it.tag !== 'number' || !Number.isInteger(it.tag) || it.tag < 0 || it.tag > 0xffff) throw new EncodeError('m3ua', what, it.name, `tag ${String(it.tag)} is not a 16-bit number`);
    w.u16(it.tag);
    w.u16(0);
    try {
      if (it.def) it.def.encode(it.value, w);
      else writeHex(w, it.raw as string);
    } catch (e) {
      if (e instanceof EncodeError) throw e;
      throw new EncodeError('m3ua', what, it.name, (e as Error).message);
    }
    const len = w.length - at;
    if (len > 0xffff) throw new EncodeError('m3ua', what, it.name, `parameter of ${len} octets does not fit a 16-bit length`);
    w.patch16(at + 2, len);
    const last = i === items.length - 1;
    if (!(last && v.unpadded === true)) for (let p = len; p % 4; p++) w.u8(0);
  }
}
