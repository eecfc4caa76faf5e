import { EventEmitter } from 'node:events';
import type { TimerValues } from './timers';

export type LinkState = 'idle' | 'connecting' | 'ccm' | 'ready' | 'backoff' | 'stopped';

/**
 * What the IPA link and the M3UA link share: the states, and reconnecting
 * after a loss with a doubling backoff from X_RECONNECT_MIN to
 * X_RECONNECT_MAX (reset once the link is ready again).
 */
export abstract class ReconnectingLink extends EventEmitter {
  state: LinkState = 'idle';
  /** Connections (TCP) or associations (SCTP) made so far. */
  connections = 0;
  private backoff: number;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(protected readonly base: { reconnect: boolean; timers: TimerValues }) {
    super();
    this.backoff = base.timers.X_RECONNECT_MIN;
  }

  get connected(): boolean {
    return this.state === 'ccm' || this.state === 'ready';
  }

  abstract connect(): void;
  /** Lets go of the connection and whatever runs on it (the link is down). */
  protected abstract teardown(reason: string): void;

  /** The link is ready: the next loss starts the backoff from the beginning. */
  protected linkReady(): void {
    this.backoff = this.base.timers.X_RECONNECT_MIN;
  }

  /** No reconnection from now on. */
  protected stopReconnecting(): void {
    this.state = 'stopped';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  /** The link went down: tells 'down' once, then reconnects after the backoff (when configured to). */
  protected lost(reason: string): void {
    if (this.state === 'stopped' || this.state === 'backoff' || this.state === 'idle') return;
    this.teardown(reason);
    this.state = 'backoff';
    this.emit('down', reason);
    if (!this.base.reconnect) {
      this.state = 'idle';
      return;
    }
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.base.timers.X_RECONNECT_MAX);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.state !== 'backoff') return;
      this.state = 'idle';
      this.connect();
    }, wait);
  }
}
