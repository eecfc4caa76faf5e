import type { Bssap } from '@snaptel/bssap';
import type { SccpMessage } from '@snaptel/sccp';
import { Deferred } from './deferred';
import { ConnectionRefusedError, ReleasedError, TimeoutError, type ReleasedBy } from './errors';
import { NamedTimers, type TimerValues } from './timers';

/** How a connection ended. */
export interface ReleaseInfo {
  by: ReleasedBy;
  detail: string;
  /** Milliseconds from the CR to the end. */
  durationMs: number;
}

/** What the owner of a connection (an MS's dialogue) is told. */
export interface ConnectionHandler {
  /** A BSSAP message from the MSC other than CLEAR COMMAND (and not silenced). */
  onBssap(b: Bssap, name: string): void;
  /** CLEAR COMMAND came and CLEAR COMPLETE went back. */
  onClearCommand(cause: unknown): void;
  onReleased(info: ReleaseInfo): void;
}

/** What a connection needs from the BSC: sending, freeing its reference, tracing notes. */
export interface ConnectionHost {
  readonly timers: TimerValues;
  sendSccp(m: SccpMessage, bssap: Bssap | undefined, conn: Connection): void;
  forget(conn: Connection): void;
  note(text: string): void;
}

export type ConnectionState = 'connecting' | 'active' | 'clearing' | 'releasing' | 'released';

/**
 * One SCCP connection (class 2) of the BSC: the CR with its COMPLETE LAYER 3
 * INFORMATION, CC or CREF, DT1 both ways, and the release: CLEAR COMMAND ->
 * CLEAR COMPLETE -> RLSD -> RLC when the MSC clears; CLEAR REQUEST first when
 * the BSC side does; RLSD by the BSC itself when the MSC leaves it hanging
 * (X_CLEAR, X_RLSD).
 */
export class Connection {
  state: ConnectionState = 'connecting';
  /** The MSC's local reference, from its CC. */
  remoteRef: number | undefined;
  readonly established = new Deferred<void>();
  readonly released = new Deferred<ReleaseInfo>();
  handler: ConnectionHandler | undefined;
  /** Name of the last message received (for errors). */
  lastReceived: string | undefined;
  readonly startedAt = performance.now();
  private readonly timers: NamedTimers;

  constructor(
    private readonly host: ConnectionHost,
    readonly localRef: number,
    /** The MS's IMSI (for errors and events). */
    readonly imsi: string | undefined,
    readonly procedure: string,
  ) {
    this.timers = new NamedTimers(host.timers);
  }

  get open(): boolean {
    return this.state === 'active' || this.state === 'clearing';
  }

  /** Sends the CR carrying `data` (the COMPLETE LAYER 3 INFORMATION). */
  connect(cr: SccpMessage, bssap: Bssap): void {
    this.host.sendSccp(cr, bssap, this);
    this.timers.start('X_CONN', () => {
      const e = new TimeoutError(this.procedure, 'X_CONN', this.host.timers.X_CONN, ['SCCP CC', 'SCCP CREF'], undefined, this.imsi);
      this.established.reject(e);
      this.gone('bsc', 'no CC within X_CONN');
    });
  }

  /** Sends BSSAP in a DT1. Returns false (and sends nothing) when the connection is not open. */
  send(b: Bssap, data: string): boolean {
    // Nothing goes after CLEAR COMPLETE: only an active connection carries DT1.
    if (this.state !== 'active' || this.remoteRef === undefined) return false;
    this.host.sendSccp({ type: 'DT1', dstRef: this.remoteRef, segmentingReassembling: 0, data }, b, this);
    return true;
  }

  /** BSSMAP CLEAR REQUEST (the BSC side wants the connection released); the MSC must answer with CLEAR COMMAND. */
  clearRequest(b: Bssap, data: string): void {
    if (this.state !== 'active') return;
    this.send(b, data);
    this.timers.start('X_CLEAR', () => {
      this.host.note(`X_CLEAR expired: no CLEAR COMMAND after CLEAR REQUEST (${this.imsi ?? `ref ${this.localRef}`}): the BSC releases the SCCP connection`);
      this.releaseSccp('no CLEAR COMMAND after CLEAR REQUEST');
    });
  }

  /** SCCP RLSD from the BSC (release cause 0: end user originated); waits X_RLC for the RLC. */
  releaseSccp(detail: string): void {
    if (this.state === 'releasing' || this.state === 'released') return;
    if (this.state === 'connecting' || this.remoteRef === undefined) {
      this.gone('bsc', detail);
      return;
    }
    this.state = 'releasing';
    this.timers.stopAll();
    this.host.sendSccp({ type: 'RLSD', dstRef: this.remoteRef, srcRef: this.localRef, releaseCause: 0 }, undefined, this);
    this.releaseDetail = detail;
    this.timers.start('X_RLC', () => this.gone('bsc', `${detail} (no RLC within X_RLC)`));
  }

  private releaseDetail = '';

  // ---- from the BSC's SCCP dispatch ----

  onCc(srcRef: number): void {
    if (this.state !== 'connecting') return;
    this.timers.stop('X_CONN');
    this.remoteRef = srcRef;
    this.state = 'active';
    this.established.resolve();
  }

  onCref(cause: number): void {
    this.timers.stop('X_CONN');
    this.established.reject(new ConnectionRefusedError(this.procedure, cause, this.imsi));
    this.gone('msc', `CREF cause ${cause}`);
  }

  /** A DT1's BSSAP. `silent` is true when the MS is told not to answer this message. */
  onBssap(b: Bssap, name: string, silent: boolean, clearComplete: () => [Bssap, string]): void {
    this.lastReceived = name;
    if (silent) {
      this.host.note(`silent: ${name} not answered (${this.imsi ?? `ref ${this.localRef}`})`);
      return;
    }
    if (name === 'CLEAR COMMAND') {
      if (!this.open) return;
      this.timers.stop('X_CLEAR');
      const [cc, data] = clearComplete();
      this.send(cc, data);
      this.state = 'clearing';
      this.timers.start('X_RLSD', () => {
        this.host.note(`X_RLSD expired: no RLSD after CLEAR COMPLETE (${this.imsi ?? `ref ${this.localRef}`}): the BSC releases the SCCP connection`);
        this.releaseSccp('no RLSD after CLEAR COMPLETE');
      });
      this.handler?.onClearCommand(b.discriminator === 'bssmap' && b.type !== 'unknown' ? b.ies.cause : undefined);
      return;
    }
    if (this.state !== 'active' && this.state !== 'clearing') return;
    this.handler?.onBssap(b, name);
  }

  /** RLSD from the MSC: the caller has sent RLC. */
  onRlsd(): void {
    this.gone('msc', this.state === 'clearing' ? 'cleared' : 'RLSD without CLEAR COMMAND');
  }

  onRlc(): void {
    this.gone('bsc', this.releaseDetail || 'RLC');
  }

  /** The end, whatever the reason: pending waits fail, the reference is freed, the handler is told. */
  gone(by: ReleasedBy, detail: string): void {
    if (this.state === 'released') return;
    this.state = 'released';
    this.timers.stopAll();
    this.host.forget(this);
    if (!this.established.settled) this.established.reject(new ReleasedError(this.procedure, ['SCCP CC'], by, detail, this.imsi));
    const info: ReleaseInfo = { by, detail, durationMs: performance.now() - this.startedAt };
    this.released.resolve(info);
    this.handler?.onReleased(info);
  }
}
