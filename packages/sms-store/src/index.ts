export { SmsStoreError, type SmsStoreErrorCode } from './errors';
export {
  SmsStore,
  SMS_STORE_TIMERS,
  STATE_FORMAT,
  STATE_VERSION,
  type Destination,
  type MessageState,
  type Origin,
  type SmsAddress,
  type SmsCounters,
  type SmsInput,
  type SmsReport,
  type SmsStoreOptions,
  type SmsStoreState,
  type SmsStoreStats,
  type StoredMessage,
} from './store';
