import { EventEmitter } from 'node:events';
import type { M3uaAssociation } from '../src';

/**
 * A tiny in-memory association pair for tests and the bench: messages keep
 * their boundaries, stream and PPID; delivery is queued and happens on
 * pump() (deterministic, for the virtual clock) or, with `auto`, on the
 * next microtask. abort() takes both ends down, as SCTP ABORT does.
 */
export interface Sent {
  from: string;
  data: Uint8Array;
  stream: number;
  ppid: number;
}

export class MemAssoc extends EventEmitter implements M3uaAssociation {
  state: 'connecting' | 'up' | 'down' = 'connecting';
  peer!: MemAssoc;
  constructor(
    readonly net: MemNet,
    readonly id: number,
    readonly label: string,
    readonly outStreams: number,
  ) {
    super();
  }

  info(): { outStreams: number } {
    return { outStreams: this.outStreams };
  }

  send(data: Uint8Array, opts: { stream?: number; ppid?: number } = {}): void {
    if (this.state !== 'up') throw new Error(`${this.label}: association not up`);
    const stream = opts.stream ?? 0;
    if (stream >= this.outStreams) throw new Error(`${this.label}: stream ${stream} out of range`);
    const m: Sent = { from: this.label, data: data.slice(), stream, ppid: opts.ppid ?? 0 };
    this.net.wire.push(m);
    if (this.net.dropping) return;
    this.net.queue.push({ to: this.peer, m });
    if (this.net.auto && !this.net.scheduled) {
      this.net.scheduled = true;
      queueMicrotask(() => {
        this.net.scheduled = false;
        this.net.pump();
      });
    }
  }

  abort(reason = 'aborted'): void {
    this.net.down(this, reason);
  }

  async close(): Promise<void> {
    this.net.down(this, 'shutdown');
  }
}

export class MemNet {
  queue: Array<{ to: MemAssoc; m: Sent }> = [];
  /** Everything sent, in order (for assertions and pcaps). */
  wire: Sent[] = [];
  /** While true, sent messages are lost (a peer that stopped answering). */
  dropping = false;
  scheduled = false;
  private seq = 0;
  constructor(readonly auto = false) {}

  /** Two ends, not yet up. */
  pair(a = 'A', b = 'B', streams = 4): [MemAssoc, MemAssoc] {
    const x = new MemAssoc(this, ++this.seq, a, streams);
    const y = new MemAssoc(this, ++this.seq, b, streams);
    x.peer = y;
    y.peer = x;
    return [x, y];
  }

  /** Both ends up ('up' on each). */
  up(x: MemAssoc): void {
    x.state = 'up';
    x.peer.state = 'up';
    x.emit('up');
    x.peer.emit('up');
  }

  /** A connected pair. */
  connected(a = 'A', b = 'B', streams = 4): [MemAssoc, MemAssoc] {
    const p = this.pair(a, b, streams);
    this.up(p[0]);
    return p;
  }

  down(x: MemAssoc, reason: string): void {
    for (const e of [x, x.peer]) {
      if (e.state === 'down') continue;
      e.state = 'down';
      this.queue = this.queue.filter((q) => q.to !== e);
      e.emit('down', reason);
    }
  }

  /** Delivers queued messages (and what they cause) until nothing is left; returns how many. */
  pump(max = 100_000): number {
    let n = 0;
    while (this.queue.length) {
      if (++n > max) throw new Error('MemNet.pump: no end in sight');
      const { to, m } = this.queue.shift()!;
      if (to.state === 'up') to.emit('message', { data: m.data, stream: m.stream, ppid: m.ppid });
    }
    return n;
  }
}
