import * as net from 'node:net';
import type { ListenOptions, SmppContext, SmppLog } from './server';
import type { ConnectOptions } from './client';

/** A context on plain node:net (no image): for tests, tools and the bench. */
export interface StandaloneContext extends SmppContext {
  net: SmppContext['net'] & { connect(o: ConnectOptions): unknown };
  /** Resolves when every listener is bound, with their addresses. */
  ready(): Promise<net.AddressInfo[]>;
  /** Closes the listeners and every accepted connection. */
  close(): Promise<void>;
}

const silent: SmppLog = { debug() {}, info() {}, warn() {}, error() {} };

export function standaloneContext(log: SmppLog = silent): StandaloneContext {
  const clients: { stop(): void }[] = [];
  const servers: { server: net.Server; listening: Promise<net.AddressInfo>; sockets: Set<net.Socket> }[] = [];
  return {
    log,
    net: {
      /** A TCP client that reconnects 100 ms after any loss, until close(). */
      connect(o: ConnectOptions) {
        let stopped = false;
        let sock: net.Socket | undefined;
        let retry: NodeJS.Timeout | undefined;
        const open = () => {
          const s = net.connect({ host: o.host ?? '127.0.0.1', port: o.port });
          sock = s;
          let up = false;
          s.on('error', () => {});
          s.once('connect', () => {
            up = true;
            o.onConnect?.(s);
          });
          s.once('close', () => {
            if (up) o.onDisconnect?.('closed');
            if (!stopped) {
              retry = setTimeout(open, 100);
              retry.unref();
            }
          });
        };
        open();
        clients.push({
          stop() {
            stopped = true;
            if (retry) clearTimeout(retry);
            sock?.destroy();
          },
        });
        return undefined;
      },
      listen(o: ListenOptions) {
        const sockets = new Set<net.Socket>();
        const server = net.createServer((s) => {
          sockets.add(s);
          s.once('close', () => sockets.delete(s));
          s.on('error', () => {});
          o.onConnection(s);
        });
        const listening = new Promise<net.AddressInfo>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: o.host ?? '127.0.0.1', port: o.port, exclusive: true }, () => resolve(server.address() as net.AddressInfo));
        });
        servers.push({ server, listening, sockets });
        return server;
      },
    },
    ready: () => Promise.all(servers.map((s) => s.listening)),
    async close() {
      for (const c of clients) c.stop();
      for (const s of servers) {
        for (const c of s.sockets) c.destroy();
        await new Promise<void>((r) => s.server.close(() => r()));
      }
    },
  };
}
