export { BscSim, SSN_BSSAP, type BscSimOptions, type BscStats, type MessageEvent, type PagingEvent } from './bsc';
export { Ms, CM_SERVICE_TYPE, RP_CAUSE, type SmmaResult, type MsOptions, type LuOptions, type LuResult, type LuType, type DetachResult, type ServiceResult, type ServiceType } from './ms';
export { Call, CC_STATES, CC_CAUSE, type CcState, type CallRelease, type Assignment, type CallTiming } from './call';
export type { Dialogue } from './session';
export type { ReleaseInfo, ConnectionState } from './connection';
export { defaultAuthenticate, type AuthenticateFn, type AuthResult, type SimCredentials } from './auth';
export { TIMERS, resolveTimers, describeTimers, type TimerName, type TimerValues, type TimerDef } from './timers';
export { CODECS, type CodecName, type CodecDef, luhnDigit } from './radio';
export { describeBssap, describeDtap, describeSccp, messageName } from './describe';
export {
  BscSimError,
  TimeoutError,
  UnexpectedMessageError,
  ConnectionRefusedError,
  ReleasedError,
  LinkDownError,
  KcMismatchError,
  CallFailedError,
  MsStateError,
  SmsFailedError,
  type ReleasedBy,
} from './errors';
export type { Direction } from './link';
export {
  runScenario,
  formatReport,
  subscriberAt,
  errorKey,
  type ScenarioOptions,
  type ScenarioReport,
  type PhaseReport,
  type SmsPhaseReport,
  type Latency,
  type Subscriber,
} from './scenario';
export {
  planSms,
  buildSubmits,
  relativeVp,
  Reassembler,
  SmsTransaction,
  type SmsContent,
  type SendSmsOptions,
  type SmsResult,
  type SmsPartResult,
  type ReceivedSms,
  type ReceivedPart,
  type StatusReport,
  type PlannedSms,
  type CpState,
} from './sms';
