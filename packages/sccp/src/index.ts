export {
  PROTOCOL,
  PARAMS,
  MESSAGES,
  MESSAGE_TYPE,
  decode,
  encode,
  type ParamKey,
  type ParamValues,
  type MessageTypeName,
  type ProtocolClass,
  type Sequencing,
  type Segmentation,
  type RawParam,
  type OptionalExtras,
  type RawMessage,
  type SccpMessage,
  type SccpMessageOf,
} from './sccp';
export { decodeAddress, encodeAddress, addressToBytes, addressFromBytes, type SccpAddress, type GlobalTitle, type Gt1, type Gt2, type Gt3, type Gt4, type GtRaw } from './address';
export { DecodeError, EncodeError } from '@snaptel/codec';
