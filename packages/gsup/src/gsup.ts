import { EncodeError, Reader, Writer, fromHex, toHex } from '@snaptel/codec';
import { frame, unframe, OSMO_EXT, PROTO } from '@snaptel/ipa';
import { address, apn, flag, hex, imsi, latin1, smRpAddress, u32, u8, u8list, type AddressString, type Apn, type SmRpAddress } from './formats';
import { decodeIes, encodeIes, ieTable, nested, type IeDef, type IeGroup, type UnknownIe } from './tlv';

/**
 * Osmocom GSUP, as data. Tag and message type values: libosmocore
 * include/osmocom/gsm/gsup.h and the Osmocom GSUP spec (OsmoHLR user
 * manual, "GSUP" chapter). Table order is the order our encoder writes,
 * which is the order of libosmocore's encoder for the IEs its tests use.
 */
export const PROTOCOL = 'GSUP';

const fixed = (n: number) => ({ min: n, max: n });

/** IEs inside an Auth Tuple (0x03). */
export const AUTH_TUPLE_IES: IeDef[] = [
  { tag: 0x20, key: 'rand', name: 'RAND', format: hex, ...fixed(16) },
  { tag: 0x21, key: 'sres', name: 'SRES', format: hex, ...fixed(4) },
  { tag: 0x22, key: 'kc', name: 'Kc', format: hex, ...fixed(8) },
  { tag: 0x23, key: 'ik', name: 'IK', format: hex, ...fixed(16) },
  { tag: 0x24, key: 'ck', name: 'CK', format: hex, ...fixed(16) },
  { tag: 0x25, key: 'autn', name: 'AUTN', format: hex, ...fixed(16) },
  { tag: 0x27, key: 'res', name: 'RES', format: hex, min: 4, max: 16 },
];

/** IEs inside a PDP Info (0x05). */
export const PDP_INFO_IES: IeDef[] = [
  { tag: 0x10, key: 'contextId', name: 'PDP Context ID', format: u8, ...fixed(1) },
  { tag: 0x11, key: 'pdpType', name: 'PDP Type', format: hex, ...fixed(2) },
  { tag: 0x12, key: 'apn', name: 'APN', format: apn, min: 1, max: 100 },
  { tag: 0x13, key: 'qos', name: 'PDP QoS', format: hex, min: 1, max: 255 },
  { tag: 0x14, key: 'chargingCharacteristics', name: 'Charging Characteristics', format: hex, min: 1, max: 255 },
];

const authTupleGroup: IeGroup = { name: 'Auth Tuple', table: ieTable(PROTOCOL, AUTH_TUPLE_IES), mandatory: ['rand'] };
const pdpInfoGroup: IeGroup = { name: 'PDP Info', table: ieTable(PROTOCOL, PDP_INFO_IES), mandatory: ['contextId'] };

/** Top-level IEs, in encoding order. */
export const IES: IeDef[] = [
  { tag: 0x01, key: 'imsi', name: 'IMSI', format: imsi, min: 1, max: 8 },
  { tag: 0x02, key: 'cause', name: 'Cause', format: u8, ...fixed(1) },
  { tag: 0x03, key: 'authTuples', name: 'Auth Tuple', format: nested(() => authTupleGroup), min: 0, max: 255, repeat: 5 },
  { tag: 0x08, key: 'msisdn', name: 'MSISDN', format: address, min: 1, max: 9 },
  { tag: 0x09, key: 'hlrNumber', name: 'HLR Number', format: address, min: 1, max: 20 },
  { tag: 0x04, key: 'pdpInfoComplete', name: 'PDP Info Complete', format: flag, ...fixed(0) },
  { tag: 0x05, key: 'pdpInfo', name: 'PDP Info', format: nested(() => pdpInfoGroup), min: 0, max: 255, repeat: 10 },
  { tag: 0x06, key: 'cancelType', name: 'Cancel Type', format: u8, ...fixed(1) },
  { tag: 0x07, key: 'freezePtmsi', name: 'Freeze P-TMSI', format: flag, ...fixed(0) },
  { tag: 0x26, key: 'auts', name: 'AUTS', format: hex, ...fixed(14) },
  { tag: 0x20, key: 'rand', name: 'RAND', format: hex, ...fixed(16) },
  { tag: 0x28, key: 'cnDomain', name: 'CN Domain', format: u8, ...fixed(1) },
  { tag: 0x14, key: 'chargingCharacteristics', name: 'Charging Characteristics', format: hex, min: 1, max: 255 },
  { tag: 0x29, key: 'supportedRatTypes', name: 'Supported RAT Types', format: u8list, min: 1, max: 8 },
  { tag: 0x2a, key: 'currentRatType', name: 'Current RAT Type', format: u8, ...fixed(1) },
  { tag: 0x30, key: 'sessionId', name: 'Session ID', format: u32, ...fixed(4) },
  { tag: 0x31, key: 'sessionState', name: 'Session State', format: u8, ...fixed(1) },
  { tag: 0x35, key: 'ssInfo', name: 'SS Info', format: hex, min: 0, max: 255 },
  { tag: 0x40, key: 'smRpMr', name: 'SM-RP-MR', format: u8, ...fixed(1) },
  { tag: 0x41, key: 'smRpDa', name: 'SM-RP-DA', format: smRpAddress, min: 1, max: 255 },
  { tag: 0x42, key: 'smRpOa', name: 'SM-RP-OA', format: smRpAddress, min: 1, max: 255 },
  { tag: 0x43, key: 'smRpUi', name: 'SM-RP-UI', format: hex, min: 0, max: 255 },
  { tag: 0x44, key: 'smRpCause', name: 'SM-RP-Cause', format: u8, ...fixed(1) },
  { tag: 0x45, key: 'smRpMms', name: 'SM-RP-MMS', format: u8, ...fixed(1) },
  { tag: 0x46, key: 'smAlertReason', name: 'SM Alert Reason', format: u8, ...fixed(1) },
  { tag: 0x50, key: 'imei', name: 'IMEI', format: hex, min: 1, max: 255 },
  { tag: 0x51, key: 'imeiResult', name: 'IMEI Check Result', format: u8, ...fixed(1) },
  { tag: 0x52, key: 'numVectorsReq', name: 'Number of Vectors Requested', format: u8, ...fixed(1) },
  { tag: 0x0a, key: 'messageClass', name: 'Message Class', format: u8, ...fixed(1) },
  { tag: 0x60, key: 'sourceName', name: 'Source Name', format: latin1, min: 0, max: 255 },
  { tag: 0x61, key: 'destinationName', name: 'Destination Name', format: latin1, min: 0, max: 255 },
  { tag: 0x62, key: 'anApdu', name: 'AN-APDU', format: hex, min: 1, max: 255 },
  { tag: 0x63, key: 'causeRr', name: 'RR Cause', format: u8, ...fixed(1) },
  { tag: 0x64, key: 'causeBssap', name: 'BSSAP Cause', format: u8, ...fixed(1) },
  { tag: 0x65, key: 'causeSm', name: 'SM Cause', format: u8, ...fixed(1) },
];
const TABLE = ieTable(PROTOCOL, IES);

type Triple = [base: number, name: string, mandatory: { req?: string[]; err?: string[]; res?: string[] }];

/** Request / Error / Result triples: the type's low two bits are 00, 01, 10. */
const TRIPLES: Triple[] = [
  [0x04, 'UpdateLocation', { err: ['cause'] }],
  [0x08, 'SendAuthInfo', { err: ['cause'], res: ['authTuples'] }],
  [0x0c, 'PurgeMs', { err: ['cause'] }],
  [0x10, 'InsertData', { err: ['cause'] }],
  [0x14, 'DeleteData', { err: ['cause'] }],
  [0x1c, 'LocationCancel', { err: ['cause'] }],
  [0x20, 'ProcSs', {}],
  [0x24, 'MoForwardSm', {}],
  [0x28, 'MtForwardSm', {}],
  [0x2c, 'ReadyForSm', {}],
  [0x30, 'CheckImei', { req: ['imei'], err: ['cause'], res: ['imeiResult'] }],
  [0x34, 'EPrepareHandover', {}],
  [0x38, 'EPrepareSubsequentHandover', {}],
  [0x3c, 'ESendEndSignal', {}],
];

/** Every GSUP message: name, type byte, mandatory IEs (IMSI is mandatory in all). */
export const MESSAGES: { type: number; name: string; mandatory: string[] }[] = [
  ...TRIPLES.flatMap(([base, name, m]) => [
    { type: base, name: `${name}Request`, mandatory: ['imsi', ...(m.req ?? [])] },
    { type: base | 1, name: `${name}Error`, mandatory: ['imsi', ...(m.err ?? [])] },
    { type: base | 2, name: `${name}Result`, mandatory: ['imsi', ...(m.res ?? [])] },
  ]),
  { type: 0x0b, name: 'AuthFailReport', mandatory: ['imsi'] },
  { type: 0x40, name: 'EProcessAccessSignallingRequest', mandatory: ['imsi'] },
  { type: 0x44, name: 'EForwardAccessSignallingRequest', mandatory: ['imsi'] },
  { type: 0x47, name: 'EClose', mandatory: ['imsi'] },
  { type: 0x4b, name: 'EAbort', mandatory: ['imsi'] },
  { type: 0x4e, name: 'ERoutingError', mandatory: ['imsi'] },
].sort((a, b) => a.type - b.type);

const GROUP_BY_TYPE = new Map<number, IeGroup & { type: number }>(
  MESSAGES.map((m) => [m.type, { type: m.type, name: m.name, table: TABLE, mandatory: m.mandatory }]),
);
const GROUP_BY_NAME = new Map([...GROUP_BY_TYPE.values()].map((g) => [g.name, g]));

/** Message type value by name, e.g. MESSAGE_TYPE.SendAuthInfoRequest === 0x08. */
export const MESSAGE_TYPE: Readonly<Record<string, number>> = Object.fromEntries(MESSAGES.map((m) => [m.name, m.type]));

/** Cause values (TS 24.008 GMM causes, as osmo-hlr uses them). Not exhaustive. */
export const CAUSE = {
  IMSI_UNKNOWN: 0x02,
  ILLEGAL_MS: 0x03,
  PLMN_NOT_ALLOWED: 0x0b,
  LA_NOT_ALLOWED: 0x0c,
  ROAMING_NOT_ALLOWED: 0x0d,
  NO_SUIT_CELL_IN_LA: 0x0f,
  NET_FAIL: 0x11,
  CONGESTION: 0x16,
  GSM_AUTH_UNACCEPT: 0x17,
  GPRS_NOTALLOWED: 0x07,
  INV_MAND_INFO: 0x60,
  MSGT_NOTEXIST_NOTIMPL: 0x61,
  SEM_INCORR_MSG: 0x5f,
  PROTO_ERR_UNSPEC: 0x6f,
} as const;

export const CN_DOMAIN = { PS: 1, CS: 2 } as const;
export const SESSION_STATE = { NONE: 0, BEGIN: 1, CONTINUE: 2, END: 3 } as const;
export const MESSAGE_CLASS = { UNSET: 0, SUBSCRIBER_MANAGEMENT: 1, SMS: 2, USSD: 3, INTER_MSC: 4 } as const;
export const CANCEL_TYPE = { UPDATE: 0, WITHDRAW: 1 } as const;
export const IMEI_RESULT = { ACK: 0, NACK: 1 } as const;
export const RAT_TYPE = { UNKNOWN: 0, GERAN_A: 1, UTRAN_IU: 2, EUTRAN_SGS: 3 } as const;
export const SM_RP_ODA = { NONE: 0, IMSI: 1, MSISDN: 2, SMSC_ADDR: 3, NULL: 0xff } as const;

export interface AuthTuple {
  rand: string;
  sres?: string;
  kc?: string;
  ik?: string;
  ck?: string;
  autn?: string;
  res?: string;
  unknown?: UnknownIe[];
  order?: number[];
}

export interface PdpInfo {
  contextId: number;
  pdpType?: string;
  apn?: Apn;
  qos?: string;
  chargingCharacteristics?: string;
  unknown?: UnknownIe[];
  order?: number[];
}

/** The IEs any GSUP message may carry (JSON form). */
export interface GsupIes {
  imsi?: string;
  cause?: number;
  authTuples?: AuthTuple[];
  msisdn?: AddressString;
  hlrNumber?: AddressString;
  pdpInfoComplete?: boolean;
  pdpInfo?: PdpInfo[];
  cancelType?: number;
  freezePtmsi?: boolean;
  auts?: string;
  rand?: string;
  cnDomain?: number;
  chargingCharacteristics?: string;
  supportedRatTypes?: number[];
  currentRatType?: number;
  sessionId?: number;
  sessionState?: number;
  ssInfo?: string;
  smRpMr?: number;
  smRpDa?: SmRpAddress;
  smRpOa?: SmRpAddress;
  smRpUi?: string;
  smRpCause?: number;
  smRpMms?: number;
  smAlertReason?: number;
  imei?: string;
  imeiResult?: number;
  numVectorsReq?: number;
  messageClass?: number;
  sourceName?: string;
  destinationName?: string;
  anApdu?: string;
  causeRr?: number;
  causeBssap?: number;
  causeSm?: number;
  /** IEs this codec does not know, kept for byte-exact re-encoding. */
  unknown?: UnknownIe[];
  /** Wire order of IE tags, present only when it differs from the encoder's order. */
  order?: number[];
}

export type GsupMessageName =
  | `${'UpdateLocation' | 'SendAuthInfo' | 'PurgeMs' | 'InsertData' | 'DeleteData' | 'LocationCancel' | 'ProcSs' | 'MoForwardSm' | 'MtForwardSm' | 'ReadyForSm' | 'CheckImei' | 'EPrepareHandover' | 'EPrepareSubsequentHandover' | 'ESendEndSignal'}${'Request' | 'Error' | 'Result'}`
  | 'AuthFailReport'
  | 'EProcessAccessSignallingRequest'
  | 'EForwardAccessSignallingRequest'
  | 'EClose'
  | 'EAbort'
  | 'ERoutingError';

export type GsupMessage =
  | ({ type: GsupMessageName } & GsupIes)
  /** A message type this codec does not know: everything after the type byte, as hex. */
  | { type: number; raw: string };

/** Decodes one GSUP message (the IPA payload after the OSMO extension byte). */
export function decode(bytes: Uint8Array): GsupMessage {
  const r = new Reader(bytes, PROTOCOL);
  const t = r.u8('message type');
  const g = GROUP_BY_TYPE.get(t);
  if (!g) return { type: t, raw: toHex(r.rest()) };
  r.messageType = g.name;
  const body = decodeIes(r, g);
  return { type: g.name as GsupMessageName, ...body } as GsupMessage;
}

/** Encodes one GSUP message. */
export function encode(m: GsupMessage): Uint8Array {
  const w = new Writer();
  if (typeof m.type === 'number') {
    const raw = (m as { raw?: string }).raw;
    if (!Number.isInteger(m.type) || m.type < 0 || m.type > 255) throw new EncodeError(PROTOCOL, String(m.type), undefined, 'bad message type');
    if (GROUP_BY_TYPE.has(m.type)) throw new EncodeError(PROTOCOL, String(m.type), undefined, `use the name ${GROUP_BY_TYPE.get(m.type)!.name}`);
    w.u8(m.type).bytes(fromHex(raw ?? ''));
    return w.finish();
  }
  const g = GROUP_BY_NAME.get(m.type);
  if (!g) throw new EncodeError(PROTOCOL, String(m.type), undefined, 'unknown message type name');
  w.u8(g.type);
  const { type: _t, ...ies } = m as { type: string } & GsupIes;
  encodeIes(w, g, ies as Record<string, unknown>);
  return w.finish();
}

/** Encodes a GSUP message inside an IPA frame (protocol 0xEE, extension 0x05). */
export function encodeIpa(m: GsupMessage): Uint8Array {
  return frame(PROTO.OSMO, encode(m), OSMO_EXT.GSUP);
}

/**
 * Decodes a whole IPA frame that carries GSUP. Throws DecodeError when the
 * frame is not OSMO/GSUP; error offsets count from the frame's first byte.
 */
export function decodeIpa(bytes: Uint8Array): GsupMessage {
  const f = unframe(bytes);
  if (f.proto !== PROTO.OSMO || f.ext !== OSMO_EXT.GSUP)
    new Reader(bytes, 'IPA', undefined, 'header').fail(`not a GSUP frame (protocol 0x${f.proto.toString(16)}, extension ${f.ext ?? '-'})`, 2);
  try {
    return decode(f.payload);
  } catch (e) {
    if (e instanceof Error && 'shifted' in e) throw (e as unknown as { shifted(n: number): Error }).shifted(4);
    throw e;
  }
}
