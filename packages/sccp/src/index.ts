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
export { SccpError, type SccpErrorCode } from './errors';
export { RELEASE_CAUSE, RETURN_CAUSE, ERROR_CAUSE, REFUSAL_CAUSE, causeText, refusalForReturn, type CauseKind } from './causes';
export { SCCP_TIMERS, sccpTimers } from './timers';
export { sccpliteLower, type MtpRoute, type SccpLower } from './lower';
export { SCOC, SccpConnection, MAX_OPTIONAL_DATA, type ConnState, type ScocEvent, type SccpConnectionHandler, type SccpReleaseInfo } from './connection';
export {
  SccpNode,
  type SccpNodeOptions,
  type SccpNodeStatus,
  type SccpUser,
  type SccpBinding,
  type UnitdataInfo,
  type UnitdataOptions,
  type SccpNotice,
  type ConnectOptions,
} from './node';
