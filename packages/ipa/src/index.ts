export {
  PROTOCOL,
  PROTO,
  OSMO_EXT,
  CCM_TYPE,
  ID_TAG,
  MAX_PAYLOAD,
  decode,
  encode,
  frame,
  unframe,
  type ProtoName,
  type OsmoExtName,
  type CcmTypeName,
  type IdTagName,
  type IdGetEntry,
  type IdRespEntry,
  type CcmMessage,
  type IpaMessage,
  type RawFrame,
} from './ipa';
export { IpaDeframer, IpaLengthError, type DeframerOptions } from './deframer';
export { DecodeError, EncodeError } from '@snaptel/codec';
