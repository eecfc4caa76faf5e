import * as net from 'node:net';
import type { Context } from '@snaptel/image';

/**
 * A Context for driving MSC parts in-process in tests: real TCP listeners and
 * timers (closed by close()), and a log that keeps its lines.
 */
export interface StubCtx {
  ctx: Context;
  lines: Array<{ level: string; msg: string; [k: string]: unknown }>;
  /** Resolves with the listener's port once it listens. */
  port(name: string): Promise<number>;
  close(): Promise<void>;
}

export function stubCtx(): StubCtx {
  const lines: StubCtx['lines'] = [];
  const servers = new Map<string, net.Server>();
  const listening = new Map<string, Promise<number>>();
  const timers = new Set<NodeJS.Timeout>();
  const log = (level: string) => (fields: unknown, msg?: string) => {
    if (typeof fields === 'string') lines.push({ level, msg: fields });
    else lines.push({ level, msg: msg ?? '', ...(fields as object) });
  };
  const timer = (fn: () => void, ms: number, periodic: boolean) => {
    let deadline = Date.now() + ms;
    const h = periodic
      ? setInterval(() => {
          deadline = Date.now() + ms;
          fn();
        }, ms)
      : setTimeout(() => {
          timers.delete(h);
          fn();
        }, ms);
    timers.add(h);
    return {
      cancel: () => {
        clearTimeout(h);
        timers.delete(h);
      },
      get deadline() {
        return deadline;
      },
    };
  };
  const logger = { trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), fatal: log('fatal') };
  const ctx = {
    name: 'msc',
    log: { ...logger, child: () => logger },
    timers: {
      once: (_n: string, ms: number, fn: () => void) => timer(fn, ms, false),
      every: (_n: string, ms: number, fn: () => void) => timer(fn, ms, true),
      at: (_n: string, when: number | Date, fn: () => void) => timer(fn, Math.max(0, +when - Date.now()), false),
    },
    net: {
      listen(o: { name: string; host?: string; port: number; onConnection(s: net.Socket): void }) {
        const s = net.createServer((sock) => o.onConnection(sock));
        servers.set(o.name, s);
        listening.set(
          o.name,
          new Promise((resolve) => s.listen(o.port, o.host ?? '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port))),
        );
        return {};
      },
    },
  } as unknown as Context;
  return {
    ctx,
    lines,
    port: (name) => listening.get(name) ?? Promise.reject(new Error(`no listener ${name}`)),
    async close() {
      for (const t of timers) clearTimeout(t);
      await Promise.all([...servers.values()].map((s) => new Promise((r) => s.close(r))));
    },
  };
}
