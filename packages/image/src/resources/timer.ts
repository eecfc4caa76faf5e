import { clock, virtualArm, virtualDisarm } from '../clock';
import { ResourceError } from '../errors';
import { Resource, type ResourceHost } from './resource';

/** setTimeout's largest delay; longer timers are re-armed in steps. */
const MAX_DELAY = 2 ** 31 - 1;

export interface TimerSpec {
  /** Wall-clock deadline of the first firing (ms since the epoch). */
  deadline: number;
  /** Period for a periodic timer; absent for a one-shot. */
  periodMs?: number;
}

export type TimerCallback = (t: Timer) => void;

/**
 * A one-shot or periodic timer with a wall-clock deadline. Before a snapshot
 * its handle is cleared; on resume it is armed with the time that remains. A
 * deadline that passed while the image was not running fires once, at once,
 * in deadline order with the other overdue timers; a periodic timer then
 * continues one period from now (missed periods are not replayed).
 */
export class Timer extends Resource {
  readonly kind = 'timer' as const;
  deadline: number;
  readonly periodMs: number | undefined;
  fired = 0;
  private handle: NodeJS.Timeout | undefined;
  private queued = false;
  /** Set when the deadline passed while the image was not running. */
  private fellDue = false;

  constructor(
    host: ResourceHost,
    owner: string,
    name: string,
    spec: TimerSpec,
    private readonly callback: TimerCallback,
  ) {
    super(host, owner, name);
    if (!Number.isFinite(spec.deadline)) throw new RangeError(`timer ${owner}.${name}: deadline is not a number`);
    if (spec.periodMs !== undefined && !(spec.periodMs > 0))
      throw new RangeError(`timer ${owner}.${name}: period must be > 0 ms (got ${spec.periodMs})`);
    this.deadline = spec.deadline;
    this.periodMs = spec.periodMs;
  }

  describe(): Record<string, unknown> {
    return { periodic: this.periodMs !== undefined, periodMs: this.periodMs ?? null };
  }

  status(): Record<string, unknown> {
    return {
      deadline: new Date(this.deadline).toISOString(),
      deadlineMs: this.deadline,
      remainingMs: this.deadline - clock.now(),
      fired: this.fired,
    };
  }

  /** Milliseconds until the next firing (negative when overdue). */
  get remainingMs(): number {
    return this.deadline - clock.now();
  }

  async activate(): Promise<void> {
    const resumed = this.state === 'suspended';
    this.state = 'open';
    this.fellDue = resumed && this.deadline <= clock.now();
    // In the builder a timer is only described: it fires in the image, never here
    // (a live snapshot imports deadlines that may have passed already).
    if (!this.host.building) this.arm();
  }

  protected async deactivate(): Promise<void> {
    virtualDisarm(this);
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    this.queued = false;
  }

  /** Cancels the timer for good. */
  cancel(): void {
    void this.close();
  }

  /** Moves the deadline to `delayMs` from now (and keeps the period). */
  restart(delayMs: number): void {
    if (this.state === 'closed')
      throw new ResourceError('resource-closed', this.qualifiedName, `timer ${this.qualifiedName} was cancelled or has fired; start a new one`);
    this.deadline = clock.now() + delayMs;
    if (this.state === 'open') {
      virtualDisarm(this);
      if (this.handle) clearTimeout(this.handle);
      this.handle = undefined;
      this.queued = false;
      this.arm();
    }
  }

  private arm(): void {
    const delay = this.deadline - clock.now();
    if (delay <= 0) {
      if (!this.queued) {
        this.queued = true;
        this.host.overdue(this);
      }
      return;
    }
    if (clock.virtual !== undefined) return virtualArm(this);
    this.handle = setTimeout(() => this.onTimeout(), Math.min(delay, MAX_DELAY));
  }

  /** The deadline has come (setTimeout, or the virtual clock reached it). */
  onTimeout(): void {
    this.handle = undefined;
    if (this.state !== 'open') return;
    // Fired early: the delay was capped, or the wall clock was set back.
    if (this.deadline - clock.now() > 0) return this.arm();
    this.fire();
  }

  /** Called by the runtime for a timer it queued as overdue. */
  fireOverdue(): void {
    if (!this.queued || this.state !== 'open') return;
    this.queued = false;
    this.fire();
  }

  private fire(): void {
    const now = clock.now();
    const lateMs = now - this.deadline;
    this.fired++;
    const log = this.host.log;
    if (this.fellDue) {
      this.fellDue = false;
      log.info(
        { timer: this.qualifiedName, id: this.id, deadline: new Date(this.deadline).toISOString(), lateMs },
        'timer fell due while the image was not running; firing it now',
      );
    } else log.debug({ timer: this.qualifiedName, id: this.id, lateMs }, 'timer fired');
    if (this.periodMs !== undefined) {
      const next = this.deadline + this.periodMs;
      this.deadline = next > now ? next : now + this.periodMs;
      this.arm();
    } else {
      void this.close();
    }
    try {
      this.callback(this);
    } catch (err) {
      log.error({ err, timer: this.qualifiedName }, 'timer callback threw; the timer stays as it was');
    }
  }
}
