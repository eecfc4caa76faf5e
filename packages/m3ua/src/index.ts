export * from './codec';
export * from './params';
export { M3uaDecodeError, M3uaError, type M3uaErrorCode } from './errors';
export { M3UA_TIMER_DEFS, m3uaTimers } from './timers';
export { ASP_FSM, BEAT_FSM, type AspState, type AspEvent, type AspTarget, type AspFsm, type BeatState } from './asp';
export { RASP_FSM, AS_FSM, type RaspState, type RaspEvent, type AsState, type AsEvent, type AsFsm, type RaspFsm } from './sg';
export {
  M3uaEndpoint,
  type M3uaAssociation,
  type M3uaConfig,
  type M3uaRole,
  type AsConfig,
  type M3uaEvents,
  type M3uaStatus,
  type DestinationEvent,
} from './endpoint';
export { DecodeError, EncodeError } from '@snaptel/codec';
