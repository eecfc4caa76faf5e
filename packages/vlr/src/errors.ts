export type VlrErrorCode =
  /** A malformed argument (IMSI, field value, unknown field, slot number...): the message names the field. */
  | 'invalid-input'
  /** A slot that holds no registered subscriber, or an IMSI that is not registered. */
  | 'not-found'
  /** A TMSI given to register()/update() that another subscriber (or this one, as the other TMSI) holds. */
  | 'duplicate-tmsi'
  /** confirmTmsi() on a subscriber with no TMSI reallocation pending. */
  | 'no-pending-tmsi'
  /** The store holds as many subscribers as it can (2^28). */
  | 'full'
  /** fromState()/importState(): the state is not a valid snaptel-vlr state. */
  | 'invalid-state'
  /** A package hook called with a context whose start() never ran. */
  | 'not-started';

/**
 * Every error the VLR throws on purpose. `field` names the offending field
 * (`tmsi`, `kc`, `state.lastSeen`...); `index` is the record's position in a
 * state, when there is one.
 */
export class VlrError extends Error {
  override readonly name = 'VlrError';

  constructor(
    readonly code: VlrErrorCode,
    message: string,
    readonly field?: string,
    readonly index?: number,
  ) {
    super(`vlr: ${message}`);
  }
}
