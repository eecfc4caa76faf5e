export type HlrErrorCode =
  /** A malformed argument to add/update/get/...: the message names the field. */
  | 'invalid-input'
  /** add() with an IMSI that is already provisioned. */
  | 'duplicate-imsi'
  /** add()/update() with an MSISDN that belongs to another subscriber. */
  | 'duplicate-msisdn'
  /** update()/nextSqn() on an IMSI that is not provisioned. */
  | 'not-found'
  /** fromState()/importState(): the state is not a valid snaptel-hlr state. */
  | 'invalid-state'
  /** A package hook called with a context whose start() never ran. */
  | 'not-started';

/**
 * Every error the HLR throws on purpose. `field` names the offending field
 * (`imsi`, `ki`, `state.msisdn`...); `index` is the subscriber's position in a
 * state or in `config.subscribers` when there is one.
 */
export class HlrError extends Error {
  override readonly name = 'HlrError';

  constructor(
    readonly code: HlrErrorCode,
    message: string,
    readonly field?: string,
    readonly index?: number,
  ) {
    super(`hlr: ${message}`);
  }
}
