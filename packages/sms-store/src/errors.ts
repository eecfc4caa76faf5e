export type SmsStoreErrorCode =
  /** A malformed argument to add/take/failed/ready...: the message names the field. */
  | 'invalid-input'
  /** An id that no stored message carries (never issued, or already delivered, expired or failed). */
  | 'not-found'
  /** take() of a message that is in flight already. */
  | 'in-flight'
  /** take() of a message whose validity period ran out: it has just been expired (and reported). */
  | 'expired'
  /** importState()/fromState(): the state is not a valid snaptel-sms-store state (foreign, torn, corrupt, newer). */
  | 'invalid-state'
  /** The store holds as many messages as it can (2^28). */
  | 'full';

/**
 * Every error the store throws on purpose. `field` names the offending field
 * (`destination.msisdn`, `state.checksum`, `state.blob`...); `index` is the
 * record's position in a state, when there is one.
 */
export class SmsStoreError extends Error {
  override readonly name = 'SmsStoreError';

  constructor(
    readonly code: SmsStoreErrorCode,
    message: string,
    readonly field?: string,
    readonly index?: number,
  ) {
    super(`sms-store: ${message}`);
  }
}
