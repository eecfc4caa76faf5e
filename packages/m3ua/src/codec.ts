import { EncodeError, Writer } from '@snaptel/codec';
import { M3uaDecodeError } from './errors';
import {
  decodeParams,
  encodeParams,
  mandatory as M,
  optional as O,
  P_AFFECTED_PC,
  P_ASP_ID,
  P_CONCERNED_DEST,
  P_CONGESTION,
  P_CORRELATION_ID,
  P_DEREGISTRATION_RESULT,
  P_DIAGNOSTIC_INFO,
  P_ERROR_CODE,
  P_HEARTBEAT_DATA,
  P_INFO_STRING,
  P_NETWORK_APPEARANCE,
  P_PROTOCOL_DATA,
  P_REGISTRATION_RESULT,
  P_ROUTING_CONTEXT,
  P_ROUTING_KEY,
  P_STATUS,
  P_TRAFFIC_MODE,
  P_USER_CAUSE,
  PARAMS,
  type DeregistrationResult,
  type Enum,
  type ErrorCodeName,
  type Fail,
  type MaskedPc,
  type ParamExtras,
  type ParamUse,
  type ProtocolData,
  type RegistrationResult,
  type RoutingKey,
  type Status,
  type TrafficModeName,
  type UserCause,
} from './params';

/**
 * M3UA messages (RFC 4666 §3): the common header, and every message of
 * every class as one line of data: class, type, and the parameters it
 * carries (mandatory or optional, in the RFC's order).
 */

export const PROTOCOL = 'm3ua';
/** SCTP payload protocol identifier of M3UA. */
export const PPID = 3;
/** The registered SCTP port. */
export const PORT = 2905;
export const VERSION = 1;

/** Message classes (§3.1.2). */
export const MESSAGE_CLASS = { MGMT: 0, TRANSFER: 1, SSNM: 2, ASPSM: 3, ASPTM: 4, RKM: 9 } as const;

interface MessageDef {
  cls: number;
  type: number;
  params: ParamUse[];
  desc: string;
}

const NA = O(P_NETWORK_APPEARANCE);
const RC = O(P_ROUTING_CONTEXT);
const INFO = O(P_INFO_STRING);
const APC = M(P_AFFECTED_PC);

/** Every message of RFC 4666, by the name used in the JSON form's `type`. */
export const MESSAGES = {
  ERR: { cls: 0, type: 0, desc: 'Error (§3.8.1)', params: [M(P_ERROR_CODE), RC, NA, O(P_AFFECTED_PC), O(P_DIAGNOSTIC_INFO)] },
  NTFY: { cls: 0, type: 1, desc: 'Notify (§3.8.2)', params: [M(P_STATUS), O(P_ASP_ID), RC, INFO] },
  DATA: { cls: 1, type: 1, desc: 'Payload Data (§3.3.1)', params: [NA, RC, M(P_PROTOCOL_DATA), O(P_CORRELATION_ID)] },
  DUNA: { cls: 2, type: 1, desc: 'Destination Unavailable (§3.4.1)', params: [NA, RC, APC, INFO] },
  DAVA: { cls: 2, type: 2, desc: 'Destination Available (§3.4.2)', params: [NA, RC, APC, INFO] },
  DAUD: { cls: 2, type: 3, desc: 'Destination State Audit (§3.4.3)', params: [NA, RC, APC, INFO] },
  SCON: { cls: 2, type: 4, desc: 'Signalling Congestion (§3.4.4)', params: [NA, RC, APC, O(P_CONCERNED_DEST), O(P_CONGESTION), INFO] },
  DUPU: { cls: 2, type: 5, desc: 'Destination User Part Unavailable (§3.4.5)', params: [NA, RC, APC, M(P_USER_CAUSE), INFO] },
  DRST: { cls: 2, type: 6, desc: 'Destination Restricted (§3.4.6)', params: [NA, RC, APC, INFO] },
  ASPUP: { cls: 3, type: 1, desc: 'ASP Up (§3.5.1)', params: [O(P_ASP_ID), INFO] },
  ASPDN: { cls: 3, type: 2, desc: 'ASP Down (§3.5.3)', params: [INFO] },
  BEAT: { cls: 3, type: 3, desc: 'Heartbeat (§3.5.5)', params: [O(P_HEARTBEAT_DATA)] },
  ASPUP_ACK: { cls: 3, type: 4, desc: 'ASP Up Ack (§3.5.2)', params: [O(P_ASP_ID), INFO] },
  ASPDN_ACK: { cls: 3, type: 5, desc: 'ASP Down Ack (§3.5.4)', params: [INFO] },
  BEAT_ACK: { cls: 3, type: 6, desc: 'Heartbeat Ack (§3.5.6)', params: [O(P_HEARTBEAT_DATA)] },
  ASPAC: { cls: 4, type: 1, desc: 'ASP Active (§3.7.1)', params: [O(P_TRAFFIC_MODE), RC, INFO] },
  ASPIA: { cls: 4, type: 2, desc: 'ASP Inactive (§3.7.3)', params: [RC, INFO] },
  ASPAC_ACK: { cls: 4, type: 3, desc: 'ASP Active Ack (§3.7.2)', params: [O(P_TRAFFIC_MODE), RC, INFO] },
  ASPIA_ACK: { cls: 4, type: 4, desc: 'ASP Inactive Ack (§3.7.4)', params: [RC, INFO] },
  REG_REQ: { cls: 9, type: 1, desc: 'Registration Request (§3.6.1)', params: [M(P_ROUTING_KEY, true)] },
  REG_RSP: { cls: 9, type: 2, desc: 'Registration Response (§3.6.2)', params: [M(P_REGISTRATION_RESULT, true)] },
  DEREG_REQ: { cls: 9, type: 3, desc: 'Deregistration Request (§3.6.3)', params: [M(P_ROUTING_CONTEXT)] },
  DEREG_RSP: { cls: 9, type: 4, desc: 'Deregistration Response (§3.6.4)', params: [M(P_DEREGISTRATION_RESULT, true)] },
} as const satisfies Record<string, MessageDef>;

export type MessageTypeName = keyof typeof MESSAGES;

const BY_CODE = new Map<number, MessageTypeName>();
const CLASSES = new Set<number>();
for (const [name, d] of Object.entries(MESSAGES) as Array<[MessageTypeName, MessageDef]>) {
  BY_CODE.set((d.cls << 8) | d.type, name);
  CLASSES.add(d.cls);
}

/** The message name of a class and type, or undefined. */
export function messageName(cls: number, type: number): MessageTypeName | undefined {
  return BY_CODE.get((cls << 8) | type);
}
export function isKnownClass(cls: number): boolean {
  return CLASSES.has(cls);
}

// ---- JSON forms ----

interface Common extends ParamExtras {
  networkAppearance?: number;
  routingContext?: number[];
  infoString?: string;
}

export interface ErrMessage extends ParamExtras {
  type: 'ERR';
  errorCode: Enum<ErrorCodeName>;
  routingContext?: number[];
  networkAppearance?: number;
  affectedPointCodes?: MaskedPc[];
  /** Hex: the offending message (its first 40 octets, as osmocom sends it). */
  diagnosticInfo?: string;
}
export interface NtfyMessage extends ParamExtras {
  type: 'NTFY';
  status: Status;
  aspId?: number;
  routingContext?: number[];
  infoString?: string;
}
export interface DataMessage extends ParamExtras {
  type: 'DATA';
  networkAppearance?: number;
  routingContext?: number[];
  protocolData: ProtocolData;
  correlationId?: number;
}
export interface SsnmMessage extends Common {
  type: 'DUNA' | 'DAVA' | 'DAUD' | 'DRST';
  affectedPointCodes: MaskedPc[];
}
export interface SconMessage extends Common {
  type: 'SCON';
  affectedPointCodes: MaskedPc[];
  concernedDestination?: number;
  congestionLevel?: number;
}
export interface DupuMessage extends Common {
  type: 'DUPU';
  affectedPointCodes: MaskedPc[];
  userCause: UserCause;
}
export interface AspUpMessage extends ParamExtras {
  type: 'ASPUP' | 'ASPUP_ACK';
  aspId?: number;
  infoString?: string;
}
export interface AspDnMessage extends ParamExtras {
  type: 'ASPDN' | 'ASPDN_ACK';
  infoString?: string;
}
export interface BeatMessage extends ParamExtras {
  type: 'BEAT' | 'BEAT_ACK';
  /** Hex. */
  heartbeatData?: string;
}
export interface AspActiveMessage extends ParamExtras {
  type: 'ASPAC' | 'ASPAC_ACK';
  trafficMode?: Enum<TrafficModeName>;
  routingContext?: number[];
  infoString?: string;
}
export interface AspInactiveMessage extends ParamExtras {
  type: 'ASPIA' | 'ASPIA_ACK';
  routingContext?: number[];
  infoString?: string;
}
export interface RegReqMessage extends ParamExtras {
  type: 'REG_REQ';
  routingKeys: RoutingKey[];
}
export interface RegRspMessage extends ParamExtras {
  type: 'REG_RSP';
  registrationResults: RegistrationResult[];
}
export interface DeregReqMessage extends ParamExtras {
  type: 'DEREG_REQ';
  routingContext: number[];
}
export interface DeregRspMessage extends ParamExtras {
  type: 'DEREG_RSP';
  deregistrationResults: DeregistrationResult[];
}
/** A message of a class or type RFC 4666 does not define: its parameters are kept raw. */
export interface UnknownMessage extends ParamExtras {
  type: 'UNKNOWN';
  msgClass: number;
  msgType: number;
}

export type M3uaMessage =
  | ErrMessage
  | NtfyMessage
  | DataMessage
  | SsnmMessage
  | SconMessage
  | DupuMessage
  | AspUpMessage
  | AspDnMessage
  | BeatMessage
  | AspActiveMessage
  | AspInactiveMessage
  | RegReqMessage
  | RegRspMessage
  | DeregReqMessage
  | DeregRspMessage
  | UnknownMessage;

export type M3uaMessageOf<T extends M3uaMessage['type']> = Extract<M3uaMessage, { type: T }>;

// ---- decode / encode ----

const HEADER = 8;

function rd32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
}

/**
 * Decodes one M3UA message (the payload of one SCTP DATA chunk with PPID 3)
 * into its JSON form. Bad input throws M3uaDecodeError (a DecodeError naming
 * 'm3ua', the message, the parameter and the offset, plus the Error Code a
 * peer would be answered with). Unknown classes and types decode as
 * `{ type: 'UNKNOWN', msgClass, msgType }` with their parameters raw.
 */
export function decode(bytes: Uint8Array): M3uaMessage {
  const fail0 = (reason: string, at: number, code: ErrorCodeName = 'protocol-error', ie?: string): never => {
    throw new M3uaDecodeError(undefined, ie, at, reason, code);
  };
  if (!(bytes instanceof Uint8Array)) throw new TypeError('m3ua decode: bytes must be a Uint8Array');
  if (bytes.length < HEADER) fail0(`truncated: common header needs ${HEADER} octets, got ${bytes.length}`, 0);
  if (bytes[0] !== VERSION) fail0(`version ${bytes[0]} is not supported (only ${VERSION})`, 0, 'invalid-version', 'version');
  const cls = bytes[2]!;
  const type = bytes[3]!;
  const name = messageName(cls, type);
  const what = name ?? `class ${cls} type ${type}`;
  const len = rd32(bytes, 4);
  if (len < HEADER) throw new M3uaDecodeError(what, 'message length', 4, `message length ${len} is less than the header (${HEADER})`, 'protocol-error');
  if (len !== bytes.length)
    throw new M3uaDecodeError(what, 'message length', 4, `message length ${len} but ${bytes.length} octets given${len > bytes.length ? ' (truncated)' : ' (trailing octets)'}`, 'protocol-error');
  const fail: Fail = (reason, at, code = 'parameter-field-error', ie) => {
    throw new M3uaDecodeError(what, ie ?? paramAt(bytes, at), at, reason, code);
  };
  if (!name) {
    const out: Record<string, unknown> = { type: 'UNKNOWN', msgClass: cls, msgType: type };
    decodeParams(bytes, HEADER, len, [], fail, out);
    return out as unknown as UnknownMessage;
  }
  const out: Record<string, unknown> = { type: name };
  decodeParams(bytes, HEADER, len, MESSAGES[name].params, fail, out);
  return out as unknown as M3uaMessage;
}

/** The RFC name of the top-level parameter that contains offset `at`, for errors. */
function paramAt(b: Uint8Array, at: number): string | undefined {
  let pos = HEADER;
  while (pos + 4 <= b.length) {
    const tag = (b[pos]! << 8) | b[pos + 1]!;
    const len = (b[pos + 2]! << 8) | b[pos + 3]!;
    const end = pos + Math.max(4, (len + 3) & ~3);
    if (at < end || at >= b.length) {
      if (at < pos) return undefined;
      return PARAM_NAMES.get(tag) ?? `0x${tag.toString(16).padStart(4, '0')}`;
    }
    pos = end;
  }
  return undefined;
}

const PARAM_NAMES = new Map<number, string>();
for (const [tag, d] of PARAMS) PARAM_NAMES.set(tag, d.name);

/** Encodes a message from its JSON form; missing mandatory parameters and out-of-range values throw EncodeError. */
export function encode(msg: M3uaMessage): Uint8Array {
  if (!msg || typeof msg !== 'object') throw new EncodeError(PROTOCOL, undefined, undefined, 'message must be an object');
  const m = msg as unknown as Record<string, unknown>;
  let cls: number;
  let type: number;
  let table: readonly ParamUse[];
  let what: string;
  if (m.type === 'UNKNOWN') {
    const c = m.msgClass, t = m.msgType;
    if (typeof c !== 'number' || typeof t !== 'number' || !Number.isInteger(c) || !Number.isInteger(t) || c < 0 || c > 255 || t < 0 || t > 255)
      throw new EncodeError(PROTOCOL, 'UNKNOWN', undefined, 'msgClass and msgType must be 8-bit numbers');
    cls = c;
    type = t;
    table = [];
    what = `class ${c} type ${t}`;
  } else {
    const def = (MESSAGES as Record<string, MessageDef>)[m.type as string];
    if (!def) throw new EncodeError(PROTOCOL, String(m.type), undefined, `unknown message type (known: ${Object.keys(MESSAGES).join(', ')}, UNKNOWN)`);
    cls = def.cls;
    type = def.type;
    table = def.params;
    what = m.type as string;
  }
  const w = new Writer();
  w.u8(VERSION).u8(0).u8(cls).u8(type).u32(0);
  encodeParams(w, m, table, what);
  const out = w.finish();
  const len = out.length;
  out[4] = (len >>> 24) & 0xff;
  out[5] = (len >>> 16) & 0xff;
  out[6] = (len >>> 8) & 0xff;
  out[7] = len & 0xff;
  return out;
}

// ---- the DATA fast path ----

/** MTP-TRANSFER primitive parameters as the endpoint hands them over: Protocol Data with bytes instead of hex. */
export interface TransferPdu {
  opc: number;
  dpc: number;
  si: number;
  ni: number;
  mp: number;
  sls: number;
  data: Uint8Array;
}

export interface TransferInfo extends TransferPdu {
  /** The first Routing Context, when present. */
  routingContext?: number;
  networkAppearance?: number;
  correlationId?: number;
}

/**
 * DATA without the JSON detour: the same checks as decode() (it falls back
 * to decode() for anything but a well-formed DATA, so errors are the same),
 * but the user part is a view into `bytes`, not hex.
 */
export function decodeTransfer(bytes: Uint8Array): TransferInfo {
  const n = bytes.length;
  if (n >= HEADER + 16 && bytes[0] === VERSION && bytes[2] === 1 && bytes[3] === 1 && rd32(bytes, 4) === n) {
    let pos = HEADER;
    let rc: number | undefined;
    let na: number | undefined;
    let corr: number | undefined;
    let pd: TransferInfo | undefined;
    let ok = true;
    while (pos < n) {
      if (n - pos < 4) {
        ok = false;
        break;
      }
      const tag = (bytes[pos]! << 8) | bytes[pos + 1]!;
      const len = (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
      const end = pos + len;
      if (len < 4 || end > n) {
        ok = false;
        break;
      }
      if (tag === 0x0210 && !pd && len >= 16) {
        const v = pos + 4;
        pd = {
          opc: rd32(bytes, v),
          dpc: rd32(bytes, v + 4),
          si: bytes[v + 8]!,
          ni: bytes[v + 9]!,
          mp: bytes[v + 10]!,
          sls: bytes[v + 11]!,
          data: bytes.subarray(v + 12, end),
        };
      } else if (tag === 0x0006 && rc === undefined && len >= 8 && len % 4 === 0) rc = rd32(bytes, pos + 4);
      else if (tag === 0x0200 && na === undefined && len === 8) na = rd32(bytes, pos + 4);
      else if (tag === 0x0013 && corr === undefined && len === 8) corr = rd32(bytes, pos + 4);
      else {
        ok = false; // anything unusual: let decode() judge it
        break;
      }
      pos += (len + 3) & ~3;
    }
    if (ok && pd) {
      if (rc !== undefined) pd.routingContext = rc;
      if (na !== undefined) pd.networkAppearance = na;
      if (corr !== undefined) pd.correlationId = corr;
      return pd;
    }
  }
  const m = decode(bytes);
  if (m.type !== 'DATA') throw new M3uaDecodeError(m.type, undefined, 0, `not a DATA message`, 'unexpected-message');
  const p = m.protocolData;
  const out: TransferInfo = { opc: p.opc, dpc: p.dpc, si: p.si, ni: p.ni, mp: p.mp, sls: p.sls, data: new Uint8Array(Buffer.from(p.data, 'hex')) };
  if (m.routingContext) out.routingContext = m.routingContext[0];
  if (m.networkAppearance !== undefined) out.networkAppearance = m.networkAppearance;
  if (m.correlationId !== undefined) out.correlationId = m.correlationId;
  return out;
}

function checkField(v: number, bits: number, name: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2 ** bits - 1) throw new EncodeError(PROTOCOL, 'DATA', 'Protocol Data', `${name} ${String(v)} is not a ${bits}-bit unsigned integer`);
}

/** DATA from an MTP-TRANSFER request, in one allocation: [NA] [RC] Protocol Data [Correlation ID], as encode() would write it. */
export function encodeTransfer(pd: TransferPdu, opts: { routingContext?: number; networkAppearance?: number; correlationId?: number } = {}): Uint8Array {
  checkField(pd.opc, 32, 'opc');
  checkField(pd.dpc, 32, 'dpc');
  checkField(pd.si, 8, 'si');
  checkField(pd.ni, 8, 'ni');
  checkField(pd.mp, 8, 'mp');
  checkField(pd.sls, 8, 'sls');
  const data = pd.data;
  if (!(data instanceof Uint8Array)) throw new EncodeError(PROTOCOL, 'DATA', 'Protocol Data', 'data must be a Uint8Array');
  const pdLen = 16 + data.length;
  if (pdLen > 0xffff) throw new EncodeError(PROTOCOL, 'DATA', 'Protocol Data', `user data of ${data.length} octets does not fit`);
  const { routingContext: rc, networkAppearance: na, correlationId: corr } = opts;
  if (na !== undefined) checkField(na, 32, 'network appearance');
  if (rc !== undefined) checkField(rc, 32, 'routing context');
  if (corr !== undefined) checkField(corr, 32, 'correlation id');
  const total = HEADER + (na !== undefined ? 8 : 0) + (rc !== undefined ? 8 : 0) + ((pdLen + 3) & ~3) + (corr !== undefined ? 8 : 0);
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  b[0] = VERSION;
  b[2] = 1;
  b[3] = 1;
  dv.setUint32(4, total);
  let p = HEADER;
  if (na !== undefined) {
    dv.setUint32(p, 0x02000008);
    dv.setUint32(p + 4, na);
    p += 8;
  }
  if (rc !== undefined) {
    dv.setUint32(p, 0x00060008);
    dv.setUint32(p + 4, rc);
    p += 8;
  }
  dv.setUint16(p, 0x0210);
  dv.setUint16(p + 2, pdLen);
  dv.setUint32(p + 4, pd.opc);
  dv.setUint32(p + 8, pd.dpc);
  b[p + 12] = pd.si;
  b[p + 13] = pd.ni;
  b[p + 14] = pd.mp;
  b[p + 15] = pd.sls;
  b.set(data, p + 16);
  p += (pdLen + 3) & ~3;
  if (corr !== undefined) {
    dv.setUint32(p, 0x00130008);
    dv.setUint32(p + 4, corr);
  }
  return b;
}

