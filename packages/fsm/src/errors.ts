export type FsmErrorCode =
  /** A machine table that does not hold together (Fsm constructor) or a bad timer table (TimerTable constructor). */
  | 'bad-definition'
  /** An instance id with characters that would break log lines (whitespace, brackets, dots...). */
  | 'bad-id'
  /** dispatch() or parentTermEvent with an event the machine does not list in `events`. */
  | 'unknown-event'
  /** stateChg()/restore() with a state the machine does not have. */
  | 'unknown-state'
  /** dispatch() of an event that the current state does not list in `in` (and is no all-state event). */
  | 'event-not-permitted'
  /** stateChg() to a state that the current state does not list in `out`. */
  | 'transition-not-permitted'
  /** dispatch()/stateChg()/restore()/create() on an instance that is terminated (or terminating). */
  | 'terminated'
  /** A timer name that the TimerTable does not define. */
  | 'unknown-timer'
  /** A timer value that is not a number, negative, or outside the timer's min/max. */
  | 'bad-timer-value';

/**
 * Every error this package throws on purpose. `fsm` is the machine's name,
 * `instance` the instance's name (`MM(IMSI-001010000000001)`), `state`,
 * `event` and `timer` what the error is about, when it is about one.
 */
export class FsmError extends Error {
  override readonly name = 'FsmError';
  readonly fsm: string | undefined;
  readonly instance: string | undefined;
  readonly state: string | undefined;
  readonly event: string | undefined;
  readonly timer: string | undefined;

  constructor(
    readonly code: FsmErrorCode,
    message: string,
    where: { fsm?: string; instance?: string; state?: string; event?: string; timer?: string } = {},
  ) {
    super(message);
    this.fsm = where.fsm;
    this.instance = where.instance;
    this.state = where.state;
    this.event = where.event;
    this.timer = where.timer;
  }
}
