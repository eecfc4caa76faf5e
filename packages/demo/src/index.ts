import { definePackage, type Context, type TcpClient, type Timer, type UdpSocket } from '@snaptel/image';

/**
 * The demo package: one of each resource kind, so that an image of it shows
 * (and `snaptel verify` checks) everything the runtime brings back on resume.
 *
 * - an echo service on TCP and on UDP;
 * - a client link to a peer (by default the demo's own TCP echo), kept up
 *   with reconnects;
 * - a periodic heartbeat that sends a ping over the link and logs the answer;
 * - a long one-shot timer (a "report" due an hour after deploy).
 */
export interface DemoConfig {
  host?: string;
  tcpPort?: number;
  udpPort?: number;
  peer?: { host?: string; port: number };
  heartbeatMs?: number;
  reportAfterMs?: number;
}

interface DemoState {
  link?: TcpClient;
  udp?: UdpSocket;
  heartbeat?: Timer;
  report?: Timer;
  pings: number;
  pongs: number;
  echoed: number;
  lastRttMs?: number;
  sentAt: Map<number, number>;
  /** Reminders set at run time (`demo.remind(...)` through `snaptel remote eval`): durable. */
  reminders: Map<string, Timer>;
}

/** What the demo carries across live snapshots. */
export interface DemoDurableState {
  pings: number;
  pongs: number;
  echoed: number;
  reminders: Array<{ name: string; deadline: number }>;
}

const state: DemoState = { pings: 0, pongs: 0, echoed: 0, sentAt: new Map(), reminders: new Map() };

/** The demo's face in `snaptel remote eval`: `demo.stats()`, `demo.remind('tea', 180000)`. */
export interface DemoApi {
  stats(): { pings: number; pongs: number; echoedBytes: number; lastRttMs: number | null; reminders: number };
  /** A one-shot reminder `inMs` from now (or at a Date / epoch ms), logged when it fires. */
  remind(name: string, inMs: number | Date): { name: string; deadline: string };
  reminders(): Array<{ name: string; deadline: string }>;
}

function setReminder(ctx: Context, name: string, deadline: number): Timer {
  state.reminders.get(name)?.cancel();
  const t = ctx.timers.at(`remind-${name}`, deadline, () => {
    state.reminders.delete(name);
    ctx.log.info({ reminder: name, deadline: new Date(deadline).toISOString(), lateMs: Date.now() - deadline }, 'reminder fired');
  });
  state.reminders.set(name, t);
  return t;
}

export default definePackage<DemoConfig, DemoApi>({
  name: 'demo',
  version: '0.1.0',

  start(ctx: Context, config: DemoConfig) {
    const host = config.host ?? '127.0.0.1';
    const tcpPort = config.tcpPort ?? 47000;
    const udpPort = config.udpPort ?? tcpPort;

    ctx.net.listen({
      name: 'echo',
      host,
      port: tcpPort,
      onConnection(sock) {
        sock.on('data', (d) => {
          state.echoed += d.length;
          sock.write(d);
        });
      },
    });

    state.udp = ctx.net.udp({
      name: 'echo-udp',
      host,
      port: udpPort,
      onMessage(msg, rinfo, sock) {
        state.echoed += msg.length;
        sock.send(msg, rinfo.port, rinfo.address);
      },
    });

    const peer = config.peer ?? { host, port: tcpPort };
    let pending = '';
    state.link = ctx.net.connect({
      name: 'peer',
      host: peer.host ?? host,
      port: peer.port,
      onConnect: () => {
        pending = '';
      },
      onData(d) {
        pending += d.toString();
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          const m = /^ping (\d+)$/.exec(line);
          const sent = m ? state.sentAt.get(Number(m[1])) : undefined;
          if (sent !== undefined) {
            state.sentAt.delete(Number(m![1]));
            state.pongs++;
            state.lastRttMs = Date.now() - sent;
            ctx.log.debug({ seq: Number(m![1]), rttMs: state.lastRttMs }, 'pong');
          }
        }
      },
    });

    state.heartbeat = ctx.timers.every('heartbeat', config.heartbeatMs ?? 5000, () => {
      const seq = ++state.pings;
      if (state.sentAt.size > 16) state.sentAt.clear();
      if (state.link?.write(`ping ${seq}\n`)) state.sentAt.set(seq, Date.now());
      ctx.log.debug({ seq, linkUp: state.link?.connected ?? false }, 'heartbeat');
    });

    state.report = ctx.timers.once('report', config.reportAfterMs ?? 3_600_000, () => {
      ctx.log.info(
        { pings: state.pings, pongs: state.pongs, echoedBytes: state.echoed, lastRttMs: state.lastRttMs },
        'one-shot report',
      );
    });
    ctx.log.info({ host, tcpPort, udpPort, peer }, 'demo started');
    const api: DemoApi = {
      stats: () => ({ pings: state.pings, pongs: state.pongs, echoedBytes: state.echoed, lastRttMs: state.lastRttMs ?? null, reminders: state.reminders.size }),
      remind(name, inMs) {
        if (typeof name !== 'string' || !/^[\w.-]{1,64}$/.test(name)) throw new TypeError('a reminder name is 1-64 letters, digits, _ . -');
        // Not `instanceof Date`: a Date made by `snaptel remote eval` comes from another realm.
        const deadline = typeof inMs === 'number' ? Date.now() + inMs : new Date(inMs as Date).getTime();
        if (!Number.isFinite(deadline)) throw new TypeError('remind(name, inMs): inMs must be a number of ms or a Date');
        setReminder(ctx, name, deadline);
        ctx.log.info({ reminder: name, deadline: new Date(deadline).toISOString() }, 'reminder set');
        return { name, deadline: new Date(deadline).toISOString() };
      },
      reminders: () => [...state.reminders].map(([name, t]) => ({ name, deadline: new Date(t.deadline).toISOString() })),
    };
    return api;
  },

  exportState(): DemoDurableState {
    return {
      pings: state.pings,
      pongs: state.pongs,
      echoed: state.echoed,
      reminders: [...state.reminders].map(([name, t]) => ({ name, deadline: t.deadline })),
    };
  },

  importState(ctx, s: DemoDurableState) {
    state.pings = s.pings;
    state.pongs = s.pongs;
    state.echoed = s.echoed;
    // Deadlines are wall-clock: a reminder comes back due when it was due, overdue ones fire at once.
    for (const r of s.reminders) setReminder(ctx, r.name, r.deadline);
    ctx.log.info({ pings: s.pings, reminders: s.reminders.length }, 'demo state imported');
  },

  returnedFromSnapshot(ctx) {
    ctx.log.info({ pings: state.pings, report: state.report?.info().deadline }, 'demo resumed');
  },

  stop(ctx) {
    ctx.log.info({ pings: state.pings, pongs: state.pongs, echoedBytes: state.echoed }, 'demo stopping');
  },
});
