import { GoldenLog, VirtualClock } from '@snaptel/fsm';
import { decode, encode, M3uaEndpoint, type M3uaConfig, type M3uaMessage } from '../src';
import { MemNet, type MemAssoc } from './pair';

/**
 * One endpoint under test, its far end played by the test: messages the test
 * sends are encoded onto the association, what the endpoint sends back is
 * decoded and collected. Virtual clock, golden log, manual delivery.
 */
export interface Rig {
  clock: VirtualClock;
  log: GoldenLog;
  net: MemNet;
  ep: M3uaEndpoint;
  /** The test's end of the association. */
  far: MemAssoc;
  /** Sends a message (or raw bytes) from the far end and delivers everything that follows. */
  send(m: M3uaMessage | Uint8Array, stream?: number): void;
  /** What the endpoint sent since the last take(), decoded, with the stream each came on. */
  take(): Array<M3uaMessage & { stream: number }>;
  /** take(), summarised: 'ASPUP_ACK', 'ERR unexpected-message', 'NTFY as-state-change/as-active'. */
  said(): string[];
  events: Array<[string, unknown]>;
  /** Moves the virtual clock and delivers what the timers sent. */
  advance(ms: number): void;
  /** A new association to the same endpoint (the far end reconnects). */
  reconnect(): void;
}

export function say(m: M3uaMessage): string {
  const r = m as unknown as Record<string, any>;
  if (m.type === 'ERR') return `ERR ${r.errorCode}`;
  if (m.type === 'NTFY') return `NTFY ${r.status.type}/${r.status.info}`;
  return m.type;
}

const EVENTS = ['active', 'inactive', 'down', 'transfer', 'pause', 'resume', 'status', 'notify', 'peer-error', 'registered', 'deregistered'] as const;

export function rig(cfg: M3uaConfig, opts: { connect?: boolean; streams?: number } = {}): Rig {
  const clock = new VirtualClock();
  const log = new GoldenLog({ levels: true });
  const net = new MemNet();
  const ep = new M3uaEndpoint(cfg, clock, log);
  const events: Array<[string, unknown]> = [];
  for (const e of EVENTS) ep.on(e, (x: unknown) => events.push([e, x]));
  const got: Array<M3uaMessage & { stream: number }> = [];
  const r: Rig = {
    clock,
    log,
    net,
    ep,
    far: undefined as unknown as MemAssoc,
    send(m, stream = 0) {
      r.far.send(m instanceof Uint8Array ? m : encode(m), { stream, ppid: 3 });
      net.pump();
    },
    take() {
      return got.splice(0);
    },
    said() {
      return r.take().map(say);
    },
    events,
    advance(ms) {
      clock.advance(ms);
      net.pump();
    },
    reconnect() {
      const [far, near] = net.pair('far', 'near', opts.streams ?? 4);
      far.on('message', (m: { data: Uint8Array; stream: number }) => got.push({ ...decode(m.data), stream: m.stream }));
      r.far = far;
      ep.attach(near);
      if (opts.connect !== false) {
        net.up(far);
        net.pump();
      }
    },
  };
  r.reconnect();
  return r;
}

/** Two endpoints over one in-memory association; `b` may be an SG that takes more. */
export function link(net: MemNet, a: M3uaEndpoint, b: M3uaEndpoint, streams = 4): [MemAssoc, MemAssoc] {
  const [x, y] = net.pair(a.name, b.name, streams);
  a.attach(x);
  b.attach(y);
  net.up(x);
  net.pump();
  return [x, y];
}
