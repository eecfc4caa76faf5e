export {
  PROTOCOL,
  IES,
  AUTH_TUPLE_IES,
  PDP_INFO_IES,
  MESSAGES,
  MESSAGE_TYPE,
  CAUSE,
  CN_DOMAIN,
  SESSION_STATE,
  MESSAGE_CLASS,
  CANCEL_TYPE,
  IMEI_RESULT,
  RAT_TYPE,
  SM_RP_ODA,
  decode,
  encode,
  encodeIpa,
  decodeIpa,
  type AuthTuple,
  type PdpInfo,
  type GsupIes,
  type GsupMessage,
  type GsupMessageName,
} from './gsup';
export type { AddressString, Apn, SmRpAddress } from './formats';
export { ieTable, decodeIes, encodeIes, nested, type IeDef, type IeGroup, type IeTable, type UnknownIe, type ValueFormat } from './tlv';
export { DecodeError, EncodeError } from '@snaptel/codec';
