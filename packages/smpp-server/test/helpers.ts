import * as net from 'node:net';
// The npm smpp package is the ESME: an implementation that is not ours.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const smpp = require('smpp') as any;
import { SmppServer, standaloneContext, type EsmeConfig, type SmppServerConfig, type StandaloneContext } from '../src';

export const ESMES: EsmeConfig[] = [
  { systemId: 'app', password: 'secret' },
  { systemId: 'rxonly', password: 'pw', mode: ['receiver'] },
  { systemId: 'slow', password: 'pw', throughputPerSecond: 2 },
  { systemId: 'typed', password: 'pw', systemType: 'VMS' },
];

export interface Harness {
  server: SmppServer;
  ctx: StandaloneContext;
  host: string;
  port: number;
  logs: { level: string; obj: object; msg?: string }[];
  close(): Promise<void>;
}

/** A server on a random 127.x address and port. */
export async function harness(extra: Partial<SmppServerConfig> = {}): Promise<Harness> {
  const r = (n: number) => 1 + Math.floor(Math.random() * n);
  const logs: Harness['logs'] = [];
  const log = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((level) => [level, (obj: object, msg?: string) => logs.push({ level, obj, msg })])) as any;
  for (let attempt = 0; ; attempt++) {
    const host = `127.${r(250)}.${r(250)}.${r(250)}`;
    const port = 20000 + r(40000);
    const ctx = standaloneContext(log);
    const server = new SmppServer(ctx, { host, port, esmes: ESMES, ...extra });
    try {
      await ctx.ready();
    } catch (e) {
      server.close();
      await ctx.close().catch(() => {});
      if (attempt < 5) continue;
      throw e;
    }
    return {
      server,
      ctx,
      host,
      port,
      logs,
      async close() {
        server.close();
        await ctx.close();
      },
    };
  }
}

/** An npm smpp client session, connected. */
export function connect(h: Harness): Promise<any> {
  return new Promise((resolve, reject) => {
    const s = smpp.connect({ host: h.host, port: h.port });
    s.on('error', reject);
    s.on('connect', () => resolve(s));
  });
}

/** Sends a command with the npm client, resolves with the response PDU. */
export function call(s: any, command: string, opts: Record<string, unknown> = {}): Promise<any> {
  return new Promise((resolve) => s[command](opts, (pdu: any) => resolve(pdu)));
}

export async function bound(h: Harness, mode: 'transmitter' | 'receiver' | 'transceiver', systemId = 'app', password = 'secret'): Promise<any> {
  const s = await connect(h);
  const r = await call(s, `bind_${mode}`, { system_id: systemId, password });
  if (r.command_status !== 0) throw new Error(`bind failed: ${r.command_status}`);
  return s;
}

export function nextEvent(s: any, name: string): Promise<any> {
  return new Promise((resolve) => s.once(name, resolve));
}

/** A raw TCP connection that collects what the server sends. */
export function raw(h: Harness): Promise<{ sock: net.Socket; received: () => Buffer; waitFor: (n: number) => Promise<Buffer> }> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: h.host, port: h.port });
    let got = Buffer.alloc(0);
    const waiters: (() => void)[] = [];
    sock.on('data', (d) => {
      got = Buffer.concat([got, d]);
      waiters.splice(0).forEach((w) => w());
    });
    sock.on('error', () => {});
    sock.on('connect', () =>
      resolve({
        sock,
        received: () => got,
        waitFor: (n) =>
          new Promise((res) => {
            const check = () => (got.length >= n ? res(got) : waiters.push(check));
            check();
          }),
      }),
    );
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
