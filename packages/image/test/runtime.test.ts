/**
 * The runtime with real resources, in this process: a package opens a TCP
 * listener, a UDP socket, a TCP client and timers through ctx; the runtime
 * suspends them (as before a snapshot) and resumes them (as after one).
 * Runtime.stop() exits the process, so tests only suspend() and resume().
 */
import * as dgram from 'node:dgram';
import type * as net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clock } from '../src/clock';
import type { Context } from '../src/context';
import { definePackage } from '../src/package';
import type { ResourceInfo } from '../src/resources/resource';
import type { TcpClient } from '../src/resources/tcp';
import { Runtime } from '../src/runtime';
import { listFds } from '../src/proc';
import { closeServer, freePort, listen, portOf, sleep, tryConnect, waitFor } from './helpers';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'] as const;
let signalListenersBefore: Map<string, Function[]>;
let rt: Runtime | undefined;
const cleanups: Array<() => unknown> = [];

function resetEnv(): void {
  delete process.env.NOTIFY_SOCKET;
  delete process.env.SNAPTEL_CLOCK_SHIFT_MS;
  delete process.env.SNAPTEL_LOG_LEVEL;
  clock.shiftMs = 0;
}

beforeEach(() => {
  resetEnv();
  signalListenersBefore = new Map(SIGNALS.map((s) => [s, process.listeners(s)]));
});

afterEach(async () => {
  // Close every handle the runtime holds, so nothing keeps the loop alive.
  if (rt && rt.phase !== 'suspended' && rt.phase !== 'idle') await rt.suspend();
  rt = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
  resetEnv();
  for (const s of SIGNALS)
    for (const l of process.listeners(s))
      if (!signalListenersBefore.get(s)!.includes(l)) process.off(s, l as (...a: unknown[]) => void);
});

/** Starts a runtime (cold) with one package `svc` whose start is `start`. */
async function boot(
  start: (ctx: Context) => void,
  hooks: { aboutToSnapshot?(ctx: Context): void; returnedFromSnapshot?(ctx: Context): void } = {},
): Promise<Runtime> {
  const def = definePackage({ name: 'svc', version: '1.0.0', start, ...hooks });
  rt = new Runtime([def], { packages: {}, log: { level: 'silent' } }, 'cold');
  await rt.start();
  return rt;
}

/** Resumes, as if `shiftMs` had passed while the image was not running. */
async function resume(r: Runtime, shiftMs = 0): Promise<void> {
  if (shiftMs) process.env.SNAPTEL_CLOCK_SHIFT_MS = String(shiftMs);
  await r.resume(undefined);
}

function res(r: Runtime, name: string): ResourceInfo {
  const found = r.inspect().find((x) => x.name === name);
  if (!found) throw new Error(`no resource named ${name}: ${JSON.stringify(r.inspect().map((x) => x.name))}`);
  return found;
}

function has(r: Runtime, name: string): boolean {
  return r.inspect().some((x) => x.name === name);
}

/** A peer TCP server owned by the test; records the connections it accepts. */
async function peerServer(port = 0): Promise<{ server: net.Server; port: number; conns: net.Socket[]; closed: net.Socket[] }> {
  const conns: net.Socket[] = [];
  const closed: net.Socket[] = [];
  const server = await listen(port, (s) => {
    conns.push(s);
    s.on('error', () => {});
    s.once('close', () => closed.push(s));
  });
  cleanups.push(() => closeServer(server, conns));
  return { server, port: portOf(server), conns, closed };
}

/** Sends one datagram to 127.0.0.1:port and returns the first reply (undefined on timeout). */
async function udpRoundTrip(port: number, msg: string, timeoutMs = 3000): Promise<string | undefined> {
  const s = dgram.createSocket('udp4');
  s.on('error', () => {});
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, timeoutMs);
    s.once('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString());
    });
    s.send(msg, port, '127.0.0.1');
  });
}

/** Binds a UDP socket of the test's own on 127.0.0.1:port (rejects with the bind error). */
function bindUdp(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    s.once('error', (err) => {
      try {
        s.close();
      } catch {
        /* not bound */
      }
      reject(err);
    });
    s.bind({ address: '127.0.0.1', port, exclusive: true }, () => resolve(s));
  });
}

function closeUdp(s: dgram.Socket): Promise<void> {
  return new Promise((r) => s.close(() => r()));
}

/** The standard package: a listener, a UDP echo, a client link to `peerPort`, a one-shot and a periodic timer. */
function standard(peerPort: number) {
  const times = { before: 0, after: 0 };
  const start = (ctx: Context) => {
    times.before = Date.now();
    ctx.net.listen({ name: 'ctl', port: 0, onConnection: (s) => s.end('hello\n') });
    ctx.net.udp({
      name: 'sig',
      port: 0,
      onMessage: (m, ri, sock) => sock.send(Buffer.concat([Buffer.from('echo:'), m]), ri.port, ri.address),
    });
    ctx.net.connect({ name: 'peer', port: peerPort, backoff: { initialMs: 20, maxMs: 200 } });
    ctx.timers.once('later', 100_000, () => {});
    ctx.timers.every('tick', 60_000, () => {});
    times.after = Date.now();
  };
  return { start, times };
}

describe('Runtime: start and inspect', () => {
  it('opens every resource and shows bound addresses and deadlines', async () => {
    const peer = await peerServer();
    const { start, times } = standard(peer.port);
    const r = await boot(start);
    expect(r.phase).toBe('running');
    await waitFor('the client link to connect', () => res(r, 'peer').state === 'open');

    const ctl = res(r, 'ctl');
    expect(ctl).toMatchObject({ kind: 'tcp-server', owner: 'svc', state: 'open', host: '127.0.0.1', accepted: 0 });
    const ctlPort = ctl.port as number;
    expect(Number.isInteger(ctlPort) && ctlPort > 0).toBe(true);
    expect(ctl.bound).toBe(`127.0.0.1:${ctlPort}`);
    // The port is really ours: the kernel shows a listener there, and it answers.
    expect(
      listFds(process.pid).some((f) => f.socket?.state === 'LISTEN' && f.socket.local.port === ctlPort && f.socket.local.address === '127.0.0.1'),
    ).toBe(true);
    expect(await tryConnect(ctlPort)).toEqual({ ok: true, data: 'hello\n' });
    expect(res(r, 'ctl').accepted).toBe(1);

    const sig = res(r, 'sig');
    expect(sig).toMatchObject({ kind: 'udp', state: 'open', host: '127.0.0.1', type: 'udp4', received: 0 });
    const sigPort = sig.port as number;
    expect(sigPort).toBeGreaterThan(0);
    expect(sig.bound).toBe(`127.0.0.1:${sigPort}`);
    expect(await udpRoundTrip(sigPort, 'ping')).toBe('echo:ping');
    expect(res(r, 'sig').received).toBe(1);

    const link = res(r, 'peer');
    expect(link).toMatchObject({
      kind: 'tcp-client',
      state: 'open',
      connected: true,
      peer: `127.0.0.1:${peer.port}`,
      connects: 1,
      attempts: 0,
    });
    await waitFor('the peer to accept', () => peer.conns.length === 1);
    expect(link.local).toBe(`127.0.0.1:${peer.conns[0]!.remotePort}`);

    const later = res(r, 'later');
    expect(later).toMatchObject({ kind: 'timer', state: 'open', periodic: false, periodMs: null, fired: 0 });
    const deadline = later.deadlineMs as number;
    expect(deadline).toBeGreaterThanOrEqual(times.before + 100_000);
    expect(deadline).toBeLessThanOrEqual(times.after + 100_000);
    expect(Date.parse(later.deadline as string)).toBe(deadline);
    expect(later.remainingMs as number).toBeGreaterThan(90_000);
    expect(later.remainingMs as number).toBeLessThanOrEqual(100_000);

    expect(res(r, 'tick')).toMatchObject({ kind: 'timer', state: 'open', periodic: true, periodMs: 60_000 });
    expect(r.inspect().map((x) => x.name)).toEqual(['ctl', 'sig', 'peer', 'later', 'tick']);
  });

  it('refuses two listeners with the same name in one package', async () => {
    await expect(
      boot((ctx) => {
        ctx.net.listen({ name: 'ctl', port: 0, onConnection: () => {} });
        ctx.net.listen({ name: 'ctl', port: 0, onConnection: () => {} });
      }),
    ).rejects.toThrow("package 'svc' already has a tcp-server named 'ctl'");
  });

  it('refuses bad ports and periods with RangeError', async () => {
    for (const bad of [
      (ctx: Context) => ctx.net.listen({ name: 'l', port: 70_000, onConnection: () => {} }),
      (ctx: Context) => ctx.net.listen({ name: 'l', port: -1, onConnection: () => {} }),
      (ctx: Context) => ctx.net.udp({ name: 'u', port: 1.5, onMessage: () => {} }),
      (ctx: Context) => ctx.net.connect({ name: 'c', port: 0 }),
      (ctx: Context) => ctx.timers.every('t', 0, () => {}),
      (ctx: Context) => ctx.timers.at('t', Number.NaN, () => {}),
    ]) {
      let err: unknown;
      await boot(bad).catch((e) => (err = e));
      expect(err).toBeInstanceOf(RangeError);
      if (rt && rt.phase !== 'suspended') await rt.suspend();
      rt = undefined;
    }
  });
});

describe('Runtime: suspend', () => {
  it('closes every handle and keeps every description', async () => {
    const peer = await peerServer();
    const { start } = standard(peer.port);
    let stateAtAboutToSnapshot: string | undefined;
    const r = await boot(start, { aboutToSnapshot: (ctx) => (stateAtAboutToSnapshot = ctx.resources()[0]!.state) });
    await waitFor('the client link to connect', () => res(r, 'peer').state === 'open');
    await waitFor('the peer to accept', () => peer.conns.length === 1);
    const before = new Map(r.inspect().map((x) => [x.name, x]));
    const ctlPort = before.get('ctl')!.port as number;
    const sigPort = before.get('sig')!.port as number;
    const clientLocalPort = peer.conns[0]!.remotePort!;

    await r.suspend();
    expect(r.phase).toBe('suspended');
    // aboutToSnapshot ran while the resources were still open.
    expect(stateAtAboutToSnapshot).toBe('open');

    const after = r.inspect();
    expect(after.map((x) => x.name)).toEqual(['ctl', 'sig', 'peer', 'later', 'tick']);
    for (const x of after) expect(x.state, x.name).toBe('suspended');
    expect(res(r, 'ctl')).toMatchObject({ host: '127.0.0.1', port: ctlPort, bound: null });
    expect(res(r, 'sig')).toMatchObject({ host: '127.0.0.1', port: sigPort, type: 'udp4', bound: null });
    expect(res(r, 'peer')).toMatchObject({ peer: `127.0.0.1:${peer.port}`, connected: false, local: null });
    expect(res(r, 'later').deadlineMs).toBe(before.get('later')!.deadlineMs);
    expect(res(r, 'tick')).toMatchObject({ periodic: true, periodMs: 60_000, deadlineMs: before.get('tick')!.deadlineMs });

    // The handles are really closed.
    const fds = listFds(process.pid);
    expect(fds.filter((f) => f.socket && [ctlPort, sigPort, clientLocalPort].includes(f.socket.local.port))).toEqual([]);
    expect(await tryConnect(ctlPort)).toEqual({ ok: false, code: 'ECONNREFUSED' });
    await closeUdp(await bindUdp(sigPort)); // the UDP port is free
    await waitFor('the peer to see the link close', () => peer.closed.length === 1);
  });

  it('drops the connections a listener accepted (they cannot cross a snapshot)', async () => {
    const { connect } = await import('node:net');
    const r = await boot((ctx) => {
      ctx.net.listen({ name: 'ctl', port: 0, onConnection: (s) => s.write('hi') });
    });
    const port = res(r, 'ctl').port as number;
    const client = connect({ host: '127.0.0.1', port });
    cleanups.push(() => client.destroy());
    let closed = false;
    client.on('error', () => {});
    client.once('close', () => (closed = true));
    await new Promise((done) => client.once('data', done));
    expect(res(r, 'ctl').connections).toBe(1);
    await r.suspend();
    expect(res(r, 'ctl').connections).toBe(0);
    await waitFor('the accepted connection to close', () => closed);
  });

  it('stops timers while suspended', async () => {
    const r = await boot((ctx) => {
      ctx.timers.every('fast', 20, () => {});
    });
    await waitFor('two ticks', () => (res(r, 'fast').fired as number) >= 2);
    await r.suspend();
    const n = res(r, 'fast').fired;
    await sleep(200);
    expect(res(r, 'fast').fired).toBe(n);
    expect(res(r, 'fast').state).toBe('suspended');
  });
});

describe('Runtime: resume', () => {
  it('re-binds the ports picked on first bind, reconnects the client, then calls returnedFromSnapshot', async () => {
    const peer = await peerServer();
    const { start } = standard(peer.port);
    let seenAtReturn: Record<string, string> | undefined;
    let returned = 0;
    const r = await boot(start, {
      returnedFromSnapshot: (ctx) => {
        returned++;
        seenAtReturn = Object.fromEntries(ctx.resources().map((x) => [x.name, x.state]));
      },
    });
    await waitFor('the client link to connect', () => res(r, 'peer').state === 'open');
    const ctlPort = res(r, 'ctl').port as number;
    const sigPort = res(r, 'sig').port as number;
    await r.suspend();
    await waitFor('the peer to see the link close', () => peer.closed.length === 1);

    await resume(r);
    expect(r.phase).toBe('running');
    expect(r.mode).toBe('image');
    expect(r.resumedAt).toBeInstanceOf(Date);
    expect(returned).toBe(1);
    // Every socket was bound again and every timer re-armed before the hook ran.
    expect(seenAtReturn).toMatchObject({ ctl: 'open', sig: 'open', later: 'open', tick: 'open' });

    expect(res(r, 'ctl')).toMatchObject({ state: 'open', port: ctlPort, bound: `127.0.0.1:${ctlPort}` });
    expect(await tryConnect(ctlPort)).toEqual({ ok: true, data: 'hello\n' });
    expect(res(r, 'sig')).toMatchObject({ state: 'open', port: sigPort, bound: `127.0.0.1:${sigPort}` });
    expect(await udpRoundTrip(sigPort, 'again')).toBe('echo:again');
    await waitFor('the client link to reconnect', () => res(r, 'peer').state === 'open');
    await waitFor('the peer to accept the second link', () => peer.conns.length === 2);
    expect(res(r, 'peer')).toMatchObject({ connects: 2, connected: true, local: `127.0.0.1:${peer.conns[1]!.remotePort}` });
  });

  it('survives several suspend/resume cycles on the same ports', async () => {
    const peer = await peerServer();
    const { start } = standard(peer.port);
    const r = await boot(start);
    const ctlPort = res(r, 'ctl').port as number;
    const sigPort = res(r, 'sig').port as number;
    for (let i = 0; i < 3; i++) {
      await r.suspend();
      expect(await tryConnect(ctlPort)).toEqual({ ok: false, code: 'ECONNREFUSED' });
      await resume(r);
      expect(await tryConnect(ctlPort)).toEqual({ ok: true, data: 'hello\n' });
      expect(await udpRoundTrip(sigPort, `n${i}`)).toBe(`echo:n${i}`);
    }
    expect(r.inspect()).toHaveLength(5);
  });

  it('re-arms a one-shot with the same wall-clock deadline (not the full delay again)', async () => {
    const fires: number[] = [];
    const r = await boot((ctx) => {
      ctx.timers.once('later', 100_000, () => fires.push(clock.now()));
    });
    const deadline = res(r, 'later').deadlineMs as number;
    await r.suspend();
    expect(res(r, 'later').deadlineMs).toBe(deadline);

    // Resume "99 s later": one second of the 100 s remains. Re-armed with the
    // full delay instead, it would not fire within the wait below.
    await resume(r, 99_000);
    expect(res(r, 'later')).toMatchObject({ state: 'open', deadlineMs: deadline, fired: 0 });
    expect(res(r, 'later').remainingMs as number).toBeLessThanOrEqual(1000);
    await waitFor('the one-shot to fire', () => fires.length === 1, 15_000);
    expect(fires[0]!).toBeGreaterThanOrEqual(deadline); // never early
    // A one-shot that fired is closed and forgotten.
    expect(has(r, 'later')).toBe(false);
    await sleep(300);
    expect(fires).toHaveLength(1);
  });

  it('fires a one-shot whose deadline passed while suspended exactly once, at resume', async () => {
    const fired: string[] = [];
    const r = await boot((ctx) => {
      ctx.timers.once('due', 200, (t) => fired.push(`${t.name}#${t.fired}`));
    });
    await r.suspend();
    await resume(r, 5_000);
    // Overdue timers fire on the next turn of the loop after resume.
    await new Promise((done) => setImmediate(done));
    expect(fired).toEqual(['due#1']);
    // Not again: neither when its original 200 ms elapse nor later.
    await sleep(500);
    expect(fired).toEqual(['due#1']);
    expect(has(r, 'due')).toBe(false);
  });

  it('fires several overdue timers once each, in deadline order, whatever order they were made in', async () => {
    const order: string[] = [];
    const rec = (name: string) => () => order.push(name);
    const r = await boot((ctx) => {
      const base = clock.now();
      ctx.timers.at('c', base + 3000, rec('c'));
      ctx.timers.at('a', new Date(base + 1000), rec('a'));
      ctx.timers.every('p', 60_000, rec('p'), { firstMs: 1500 });
      ctx.timers.at('b', base + 2000, rec('b'));
      ctx.timers.once('d', 2500, rec('d'));
    });
    await r.suspend();
    await resume(r, 10_000);
    await waitFor('five firings', () => order.length >= 5);
    await sleep(300);
    expect(order).toEqual(['a', 'p', 'b', 'd', 'c']);
    // The periodic timer continues one period from now; missed periods are not replayed.
    const p = res(r, 'p');
    expect(p).toMatchObject({ state: 'open', fired: 1 });
    expect(p.remainingMs as number).toBeGreaterThan(50_000);
    expect(p.remainingMs as number).toBeLessThanOrEqual(60_000);
    expect(r.inspect().map((x) => x.name)).toEqual(['p']);
  });

  it('keeps a periodic timer firing after resume, without replaying missed periods', async () => {
    const r = await boot((ctx) => {
      ctx.timers.every('tick', 40, () => {});
    });
    await waitFor('two ticks', () => (res(r, 'tick').fired as number) >= 2);
    await r.suspend();
    const n = res(r, 'tick').fired as number;
    await sleep(250); // about six periods pass while suspended
    expect(res(r, 'tick').fired).toBe(n);
    await resume(r);
    await new Promise((done) => setImmediate(done));
    expect(res(r, 'tick').fired).toBe(n + 1); // the overdue period fires once
    await waitFor('three more ticks', () => (res(r, 'tick').fired as number) >= n + 4, 10_000);
    expect(res(r, 'tick').state).toBe('open');
  });

  it('leaves a listener whose port is taken retrying (EADDRINUSE) while the rest serves, and binds it once the port is free', async () => {
    const peer = await peerServer();
    const { start } = standard(peer.port);
    const r = await boot(start);
    const ctlPort = res(r, 'ctl').port as number;
    const sigPort = res(r, 'sig').port as number;
    await r.suspend();

    const blocker = await listen(ctlPort, (s) => s.end('blocker\n'));
    cleanups.push(() => closeServer(blocker));
    await resume(r);

    const ctl = res(r, 'ctl');
    expect(ctl).toMatchObject({ state: 'retrying', port: ctlPort, bound: null });
    expect(ctl.lastError).toMatch(/EADDRINUSE/);
    expect(Number.isNaN(Date.parse(ctl.nextAttemptAt as string))).toBe(false);
    expect(r.phase).toBe('running');
    // Everything else is up.
    expect(res(r, 'sig').state).toBe('open');
    expect(await udpRoundTrip(sigPort, 'x')).toBe('echo:x');
    expect(res(r, 'later').state).toBe('open');
    expect(res(r, 'tick').state).toBe('open');
    await waitFor('the client link to reconnect', () => res(r, 'peer').state === 'open');
    // The port still belongs to the blocker, not to a newly picked port.
    expect(await tryConnect(ctlPort)).toEqual({ ok: true, data: 'blocker\n' });

    await closeServer(blocker);
    await waitFor('the listener to bind after the port is freed', () => res(r, 'ctl').state === 'open', 20_000);
    const bound = res(r, 'ctl');
    expect(bound).toMatchObject({ port: ctlPort, bound: `127.0.0.1:${ctlPort}` });
    expect(bound.lastError).toBeUndefined();
    expect(await tryConnect(ctlPort)).toEqual({ ok: true, data: 'hello\n' });
  });

  it('does the same for a UDP socket whose port is taken at resume', async () => {
    const r = await boot((ctx) => {
      ctx.net.udp({ name: 'sig', port: 0, onMessage: (m, ri, sock) => sock.send(m, ri.port, ri.address) });
    });
    const sigPort = res(r, 'sig').port as number;
    await r.suspend();
    const blocker = await bindUdp(sigPort);
    let blockerOpen = true;
    cleanups.push(() => blockerOpen && closeUdp(blocker));
    await resume(r);
    expect(res(r, 'sig')).toMatchObject({ state: 'retrying', port: sigPort, bound: null });
    expect(res(r, 'sig').lastError).toMatch(/EADDRINUSE/);
    await closeUdp(blocker);
    blockerOpen = false;
    await waitFor('the UDP socket to bind', () => res(r, 'sig').state === 'open', 20_000);
    expect(res(r, 'sig').bound).toBe(`127.0.0.1:${sigPort}`);
    expect(await udpRoundTrip(sigPort, 'back')).toBe('back');
  });
});

describe('Runtime: TCP client link', () => {
  it('keeps retrying while the peer is down and connects when it appears', async () => {
    const port = await freePort();
    let link: TcpClient | undefined;
    const events: string[] = [];
    const data: string[] = [];
    const r = await boot((ctx) => {
      link = ctx.net.connect({
        name: 'hlr',
        port,
        backoff: { initialMs: 20, maxMs: 100 },
        onConnect: () => events.push('connect'),
        onData: (d) => data.push(d.toString()),
        onDisconnect: (reason) => events.push(`disconnect: ${reason}`),
      });
    });
    await waitFor('three failed attempts', () => {
      const x = res(r, 'hlr');
      return x.state === 'retrying' && (x.attempts as number) >= 3;
    });
    const down = res(r, 'hlr');
    expect(down).toMatchObject({ connected: false, local: null, connects: 0 });
    expect(down.lastError).toMatch(/ECONNREFUSED/);
    expect(Number.isNaN(Date.parse(down.nextAttemptAt as string))).toBe(false);
    const a = down.attempts as number;
    await waitFor('more attempts', () => (res(r, 'hlr').attempts as number) > a);
    expect(link!.write('lost')).toBe(false);
    expect(events).toEqual([]);

    const peer = await peerServer(port);
    const received: string[] = [];
    await waitFor('the link to connect', () => res(r, 'hlr').state === 'open', 10_000);
    expect(res(r, 'hlr')).toMatchObject({ connected: true, connects: 1, attempts: 0 });
    expect(events).toEqual(['connect']);
    await waitFor('the peer to accept', () => peer.conns.length === 1);
    peer.conns[0]!.on('data', (d) => received.push(d.toString()));
    expect(link!.write('ping')).toBe(true);
    await waitFor('the peer to receive', () => received.join('') === 'ping');
    peer.conns[0]!.write('pong');
    await waitFor('the link to receive', () => data.join('') === 'pong');

    // The peer goes away: the link notices, and comes back when the peer does.
    await closeServer(peer.server, peer.conns);
    await waitFor('the link to notice', () => events.length === 2);
    expect(events[1]).toMatch(/^disconnect: /);
    expect(['retrying', 'opening']).toContain(res(r, 'hlr').state);
    const again = await peerServer(port);
    await waitFor('the link to reconnect', () => res(r, 'hlr').state === 'open' && again.conns.length === 1, 10_000);
    expect(res(r, 'hlr').connects).toBe(2);
  });

  it('a link that is retrying at suspend stays quiet while suspended and retries again after resume', async () => {
    const port = await freePort();
    const r = await boot((ctx) => {
      ctx.net.connect({ name: 'hlr', port, backoff: { initialMs: 20, maxMs: 50 } });
    });
    await waitFor('a failed attempt', () => res(r, 'hlr').state === 'retrying');
    await r.suspend();
    expect(res(r, 'hlr')).toMatchObject({ state: 'suspended', attempts: 0 });
    await sleep(200);
    expect(res(r, 'hlr')).toMatchObject({ state: 'suspended', attempts: 0 });

    await resume(r);
    await waitFor('attempts after resume', () => (res(r, 'hlr').attempts as number) >= 2);
    const peer = await peerServer(port);
    await waitFor('the link to connect', () => res(r, 'hlr').state === 'open' && peer.conns.length === 1, 10_000);
  });
});

describe('resources made while suspending', () => {
  it('opens a listener created in aboutToSnapshot when the image resumes', async () => {
    const port = await freePort();
    let made = false;
    const r = await boot(() => {}, {
      aboutToSnapshot(ctx) {
        if (!made) ctx.net.listen({ name: 'late', port, onConnection: (s) => s.end() });
        made = true;
      },
    });
    await r.suspend();
    // Never opened, but the image must bring it up like the others.
    expect(res(r, 'late').state).toBe('suspended');
    expect((await tryConnect(port)).ok).toBe(false);
    await resume(r);
    expect(res(r, 'late').state).toBe('open');
    expect((await tryConnect(port)).ok).toBe(true);
  });
});
