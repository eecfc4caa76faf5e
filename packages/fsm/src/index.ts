export { FsmError, type FsmErrorCode } from './errors';
export { TimerTable, convertTimerValue, formatDuration, isTimerUnit, type TimerDef, type TimerInfo, type TimerUnit } from './timers';
export {
  Fsm,
  isValidId,
  sanitizeId,
  type ChildTermData,
  type CreateOptions,
  type FsmDef,
  type FsmInstance,
  type FsmLog,
  type StateChgOptions,
  type StateDef,
  type TermCause,
  type TimerHandle,
  type TimerHost,
} from './fsm';
export { setTimeoutHost } from './host';
export { VirtualClock, GoldenLog, GoldenMismatchError, expectGolden, updatingFixtures, type LogEntry, type LogLevel } from './testing';
