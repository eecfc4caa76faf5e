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
}

const state: DemoState = { pings: 0, pongs: 0, echoed: 0, sentAt: new Map() };

export default definePackage<DemoConfig>({
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
  },

  returnedFromSnapshot(ctx) {
    ctx.log.info({ pings: state.pings, report: state.report?.info().deadline }, 'demo resumed');
  },

  stop(ctx) {
    ctx.log.info({ pings: state.pings, pongs: state.pongs, echoedBytes: state.echoed }, 'demo stopping');
  },
});
