import { VirtualClock } from '@snaptel/fsm';
import { describe, expect, it } from 'vitest';
import { AssociationError, createStubNetwork, Prng, type Association, type SctpMessage, type StubNetwork } from '../src';

/** The stub backend on a virtual clock: every run is the same run. */

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

interface Pair {
  net: StubNetwork;
  clock: VirtualClock;
  client: Association;
  server: Association;
  /** What the server received, with the virtual time of arrival. */
  atServer: Array<SctpMessage & { t: number }>;
  atClient: Array<SctpMessage & { t: number }>;
}

async function pair(o: { seed?: number; delayMs?: number; clientOS?: number; serverMIS?: number; serverOS?: number; clientMIS?: number } = {}): Promise<Pair> {
  const clock = new VirtualClock();
  const net = createStubNetwork({ seed: o.seed ?? 1, host: clock });
  net.setFaults({ delayMs: o.delayMs ?? 1 });
  const srv = await net.backend.listen({ host: '127.0.0.10', port: 2905, inStreams: o.serverMIS ?? 16, outStreams: o.serverOS ?? 16 });
  const atServer: Pair['atServer'] = [];
  const atClient: Pair['atClient'] = [];
  let server: Association | undefined;
  srv.on('association', (a) => {
    server = a;
    a.on('message', (m) => atServer.push({ ...m, t: clock.now() - VirtualClock.EPOCH }));
  });
  const p = net.backend.connect({ host: '127.0.0.10', port: 2905, localHost: '127.0.0.11', outStreams: o.clientOS ?? 16, inStreams: o.clientMIS ?? 16 });
  clock.advance(10 * (o.delayMs ?? 1));
  const client = await p;
  client.on('message', (m) => atClient.push({ ...m, t: clock.now() - VirtualClock.EPOCH }));
  return { net, clock, client, server: server!, atServer, atClient };
}

async function rejects(p: Promise<unknown>): Promise<AssociationError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AssociationError);
    return err as AssociationError;
  }
  throw new Error('expected a rejection');
}

function throws(fn: () => void): AssociationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AssociationError);
    return err as AssociationError;
  }
  throw new Error('expected a throw');
}

describe('Prng (xorshift32)', () => {
  it("matches Marsaglia's published first value for y = 2463534242", () => {
    // G. Marsaglia, "Xorshift RNGs", J. Statistical Software 8(14), 2003: xor32() from y=2463534242 returns 723471715 first.
    expect(Prng.fromState(2463534242).nextU32()).toBe(723471715);
  });

  it('gives the same stream for the same seed and another for another seed, in [0,1)', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c.next())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });
});

describe('stub backend: associations', () => {
  it('sets up in 4 one-way delays (server up after 3), with the INIT/COOKIE timeline', async () => {
    const clock = new VirtualClock();
    const net = createStubNetwork({ host: clock });
    net.setFaults({ delayMs: 5 });
    const srv = await net.backend.listen({ host: '127.0.0.10', port: 2905 });
    let serverUpAt = -1;
    srv.on('association', () => (serverUpAt = clock.now() - VirtualClock.EPOCH));
    let clientUpAt = -1;
    const p = net.backend.connect({ host: '127.0.0.10', port: 2905 }).then((a) => ((clientUpAt = clock.now() - VirtualClock.EPOCH), a));
    clock.advance(14);
    await Promise.resolve();
    expect(serverUpAt).toBe(-1);
    clock.advance(1); // t = 15: COOKIE ECHO arrives
    expect(serverUpAt).toBe(15);
    clock.advance(5); // t = 20: COOKIE ACK
    const a = await p;
    expect(clientUpAt).toBe(20);
    expect(a.state).toBe('up');
    const i = a.info();
    expect(i).toMatchObject({ backend: 'stub', remoteAddress: '127.0.0.10', remotePort: 2905, localAddress: '127.0.0.1', inStreams: 16, outStreams: 16 });
    expect(i.localPort).toBeGreaterThanOrEqual(49152);
    expect(net.counters()).toMatchObject({ connects: 1, established: 1, up: 2 });
  });

  it('keeps message boundaries, whatever the sizes, and copies what it sends', async () => {
    const { client, clock, atServer } = await pair();
    const sizes = [1, 2, 3, 199, 200, 1448, 1449, 4096, 65536];
    const sent = sizes.map((n, k) => Uint8Array.from({ length: n }, (_, j) => (j * 7 + k) & 0xff));
    for (const b of sent) client.send(b);
    sent[0]![0] = 0xee; // the caller reuses its buffer: what was sent must not change
    clock.advance(5);
    expect(atServer.map((m) => m.data.length)).toEqual(sizes);
    expect(atServer[0]!.data[0]).toBe(0);
    for (let k = 1; k < sizes.length; k++) expect(atServer[k]!.data).toEqual(sent[k]);
    expect(client.info().tx).toEqual({ messages: sizes.length, bytes: sizes.reduce((s, n) => s + n, 0) });
  });

  it('carries stream and PPID per message, both ways', async () => {
    const { client, server, clock, atServer, atClient } = await pair();
    client.send(enc('a'), { stream: 0, ppid: 3 });
    client.send(enc('b'), { stream: 7, ppid: 0xffffffff });
    client.send(enc('c'), { stream: 15, ppid: 46 });
    server.send(enc('d'), { stream: 2, ppid: 4 });
    clock.advance(2);
    expect(atServer.map((m) => [dec(m.data), m.stream, m.ppid])).toEqual([
      ['a', 0, 3],
      ['b', 7, 0xffffffff],
      ['c', 15, 46],
    ]);
    expect(atClient.map((m) => [dec(m.data), m.stream, m.ppid])).toEqual([['d', 2, 4]]);
    expect(server.info().rx).toEqual({ messages: 3, bytes: 3 });
  });

  it('negotiates streams as min(OS, peer MIS) and refuses streams out of range', async () => {
    const { client, server } = await pair({ clientOS: 10, serverMIS: 4, serverOS: 3, clientMIS: 8 });
    expect([client.info().outStreams, client.info().inStreams]).toEqual([4, 3]);
    expect([server.info().outStreams, server.info().inStreams]).toEqual([3, 4]);
    expect(throws(() => client.send(enc('x'), { stream: 4 })).code).toBe('bad-stream');
    expect(throws(() => server.send(enc('x'), { stream: 3 })).message).toMatch(/stream 3 out of range 0\.\.2/);
    client.send(enc('x'), { stream: 3 });
  });

  it('refuses what SCTP cannot carry, with typed errors', async () => {
    const { client } = await pair();
    expect(throws(() => client.send(new Uint8Array(0))).code).toBe('bad-message');
    expect(throws(() => client.send(new Uint8Array(65537))).code).toBe('bad-message');
    expect(throws(() => client.send(enc('x'), { ppid: 2 ** 32 })).code).toBe('bad-message');
    expect(throws(() => client.send(enc('x'), { ppid: -1 })).code).toBe('bad-message');
    expect(throws(() => client.send(enc('x'), { stream: 1.5 })).code).toBe('bad-stream');
    expect(throws(() => client.send('text' as unknown as Uint8Array)).code).toBe('bad-message');
  });

  it("says 'address-in-use' for a second listener on the address, or on the wildcard", async () => {
    const net = createStubNetwork({ host: new VirtualClock() });
    await net.backend.listen({ host: '127.0.0.10', port: 2905 });
    expect((await rejects(net.backend.listen({ host: '127.0.0.10', port: 2905 }))).code).toBe('address-in-use');
    expect((await rejects(net.backend.listen({ host: '0.0.0.0', port: 2905 }))).code).toBe('address-in-use');
    await net.backend.listen({ host: '127.0.0.12', port: 2905 }); // another address, same port: fine
    expect((await rejects(net.backend.connect({ host: '127.0.0.9', port: 1, localHost: '127.0.0.10', localPort: 2905 }))).code).toBe('address-in-use');
    expect((await rejects(net.backend.listen({ host: 'localhost', port: 1 }))).code).toBe('bad-option');
    expect((await rejects(net.backend.listen({ host: '127.0.0.1', port: 70000 }))).code).toBe('bad-option');
  });

  it("says 'refused' after one round trip when nothing listens", async () => {
    const clock = new VirtualClock();
    const net = createStubNetwork({ host: clock });
    net.setFaults({ delayMs: 3 });
    let settled = false;
    const p = net.backend.connect({ host: '127.0.0.10', port: 2905 });
    void p.catch(() => (settled = true));
    clock.advance(5);
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    const err = await rejects(p);
    expect(err.code).toBe('refused');
    expect(err.message).toContain('127.0.0.10:2905');
    expect(net.counters().refused).toBe(1);
  });

  it('holds messages that arrive before anyone listens, and delivers them in order once someone does', async () => {
    const clock = new VirtualClock();
    const net = createStubNetwork({ host: clock });
    const srv = await net.backend.listen({ host: '127.0.0.10', port: 2905 });
    srv.on('association', (a) => {
      a.send(enc('hello'), { ppid: 3 });
      a.send(enc('again'), { ppid: 3 });
    });
    const p = net.backend.connect({ host: '127.0.0.10', port: 2905 });
    clock.advance(1); // delay 0: everything at once, before the connect promise's continuation runs
    const c = await p;
    const got: string[] = [];
    c.on('message', (m) => got.push(dec(m.data)));
    await Promise.resolve();
    expect(got).toEqual(['hello', 'again']);
  });

  it('cancels a connect through its AbortSignal', async () => {
    const clock = new VirtualClock();
    const net = createStubNetwork({ host: clock });
    net.setFaults({ delayMs: 10 });
    await net.backend.listen({ host: '127.0.0.10', port: 2905 });
    const ac = new AbortController();
    const p = net.backend.connect({ host: '127.0.0.10', port: 2905, signal: ac.signal });
    clock.advance(15);
    ac.abort();
    expect((await rejects(p)).code).toBe('aborted');
    clock.advance(100);
    expect(net.associations()).toHaveLength(0); // the server's half-made end met an ABORT
  });
});

describe('stub backend: faults', () => {
  it('delay and jitter: each message arrives within [delay, delay + jitter)', async () => {
    const { net, client, clock, atServer } = await pair({ delayMs: 0 });
    net.setFaults({ delayMs: 20, jitterMs: 10, reorder: true });
    const t0 = clock.now() - VirtualClock.EPOCH;
    for (let i = 0; i < 200; i++) client.send(enc(String(i)), { stream: i % 16 });
    clock.advance(40);
    expect(atServer).toHaveLength(200);
    for (const m of atServer) {
      expect(m.t - t0).toBeGreaterThanOrEqual(20);
      expect(m.t - t0).toBeLessThan(30);
    }
  });

  it('without reorder: arrival order is send order, across streams, even with jitter and loss', async () => {
    const { net, client, clock, atServer } = await pair();
    net.setFaults({ jitterMs: 10, loss: 0.3, rtoMs: 50 });
    for (let i = 0; i < 300; i++) client.send(enc(String(i)), { stream: i % 8 });
    clock.advance(500);
    expect(atServer.map((m) => Number(dec(m.data)))).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(net.counters().retransmitted).toBeGreaterThan(50);
  });

  it('reorder: streams overtake each other, each stream keeps its order; unordered messages overtake within a stream', async () => {
    const { net, client, clock, atServer } = await pair({ seed: 3 });
    net.setFaults({ jitterMs: 10, reorder: true });
    for (let i = 0; i < 300; i++) client.send(enc(String(i)), { stream: i % 4, unordered: i % 50 === 49 });
    clock.advance(100);
    const order = atServer.map((m) => Number(dec(m.data)));
    expect(order).toHaveLength(300);
    expect(order).not.toEqual([...order].sort((a, b) => a - b)); // reordered across streams
    for (let s = 0; s < 4; s++) {
      const inStream = atServer.filter((m) => m.stream === s && !m.unordered).map((m) => Number(dec(m.data)));
      expect(inStream).toEqual([...inStream].sort((a, b) => a - b));
    }
    // An unordered message is not held behind the ordered ones sent before it on its stream.
    const overtook = atServer.filter((m) => m.unordered).some((u) => {
      const n = Number(dec(u.data));
      const pos = order.indexOf(n);
      return order.slice(pos + 1).some((x) => x < n && x % 4 === n % 4);
    });
    expect(overtook).toBe(true);
  });

  it('loss: a lost DATA arrives one RTO late; other streams are not held back (with reorder)', async () => {
    const { net, client, clock, atServer } = await pair({ delayMs: 2 });
    net.setFaults({ loss: 1, rtoMs: 100 });
    client.send(enc('lost'), { stream: 1 });
    net.setFaults({ loss: 0, reorder: true, jitterMs: 0.001 });
    client.send(enc('s1-next'), { stream: 1 });
    client.send(enc('s2'), { stream: 2 });
    clock.advance(50);
    expect(atServer.map((m) => dec(m.data))).toEqual(['s2']);
    clock.advance(60);
    expect(atServer.map((m) => dec(m.data))).toEqual(['s2', 'lost', 's1-next']);
    expect(atServer[1]!.t - atServer[0]!.t).toBeGreaterThanOrEqual(99);
    expect(net.counters().retransmitted).toBe(1);
  });

  it('is deterministic for a seed (same trace twice), and another seed gives another trace', async () => {
    const trace = async (seed: number) => {
      const { net, client, server, clock, atServer, atClient } = await pair({ seed });
      net.setFaults({ delayMs: 3, jitterMs: 7, loss: 0.2, rtoMs: 30, reorder: true });
      for (let i = 0; i < 100; i++) {
        client.send(enc(`c${i}`), { stream: i % 5, ppid: 3 });
        if (i % 3 === 0) server.send(enc(`s${i}`), { stream: i % 2, ppid: 3 });
        clock.advance(1);
      }
      clock.advance(200);
      return JSON.stringify([atServer.map((m) => [m.t, dec(m.data), m.stream]), atClient.map((m) => [m.t, dec(m.data)]), net.counters()]);
    };
    const a = await trace(11);
    expect(await trace(11)).toBe(a);
    expect(await trace(12)).not.toBe(a);
  });

  it('abort(assoc): both ends go down at once with the reason; data in flight is dropped', async () => {
    const { net, client, server, clock, atServer } = await pair({ delayMs: 5 });
    const downs: string[] = [];
    client.on('down', (r) => downs.push(`client: ${r}`));
    server.on('down', (r) => downs.push(`server: ${r}`));
    client.send(enc('in flight'));
    expect(net.abort(server, 'link cut')).toBe(1);
    expect(downs).toEqual(['server: aborted by the stub network: link cut', 'client: aborted by the stub network: link cut']);
    clock.advance(20);
    expect(atServer).toHaveLength(0);
    expect(net.counters()).toMatchObject({ dropped: 1, aborts: 2, up: 0 });
    expect(throws(() => client.send(enc('x'))).code).toBe('not-up');
    expect(throws(() => net.restart(client)).code).toBe('not-up');
  });

  it('abort(): every association', async () => {
    const { net, clock } = await pair();
    const p = net.backend.connect({ host: '127.0.0.10', port: 2905 });
    clock.advance(10);
    await p;
    expect(net.associations()).toHaveLength(4);
    expect(net.abort()).toBe(2);
    expect(net.associations()).toHaveLength(0);
  });

  it("a user's ABORT reaches the peer one delay later", async () => {
    const { client, server, clock } = await pair({ delayMs: 4 });
    let serverDown = '';
    server.on('down', (r) => (serverDown = r));
    client.abort('going away');
    expect(client.state).toBe('down');
    clock.advance(3);
    expect(serverDown).toBe('');
    clock.advance(1);
    expect(serverDown).toBe('ABORT from peer: going away');
  });

  it("restart(assoc): 'restart', still up, data in flight lost, then business as usual", async () => {
    const { net, client, server, clock, atServer } = await pair({ delayMs: 5 });
    let restarts = 0;
    server.on('restart', () => restarts++);
    client.send(enc('before'));
    net.restart(server);
    expect(restarts).toBe(1);
    expect(server.state).toBe('up');
    clock.advance(10);
    expect(atServer).toHaveLength(0);
    client.send(enc('after'));
    clock.advance(10);
    expect(atServer.map((m) => dec(m.data))).toEqual(['after']);
    expect(net.counters()).toMatchObject({ restarts: 1, dropped: 1 });
  });

  it('a new association from the address and port of a live one is a restart of that peer (RFC 4960 5.2.2)', async () => {
    const clock = new VirtualClock();
    const net = createStubNetwork({ host: clock });
    const srv = await net.backend.listen({ host: '127.0.0.10', port: 2905 });
    const seen: Association[] = [];
    srv.on('association', (a) => seen.push(a));
    const connect = async () => {
      const p = net.backend.connect({ host: '127.0.0.10', port: 2905, localHost: '127.0.0.11', localPort: 3000 });
      clock.advance(1);
      return p;
    };
    const first = await connect();
    let restarted = 0;
    seen[0]!.on('restart', () => restarted++);
    let oldDown = '';
    first.on('down', (r) => (oldDown = r));
    const second = await connect();
    expect(seen).toHaveLength(1); // no new association on the server
    expect(restarted).toBe(1);
    expect(oldDown).toMatch(/restart/);
    const got: string[] = [];
    seen[0]!.on('message', (m) => got.push(dec(m.data)));
    second.send(enc('from the new incarnation'));
    clock.advance(1);
    expect(got).toEqual(['from the new incarnation']);
  });

  it('partition holds every chunk; heal delivers them one RTO later; connects meanwhile time out', async () => {
    const { net, client, clock, atServer } = await pair({ delayMs: 1 });
    net.setFaults({ rtoMs: 40 });
    net.partition();
    expect(net.partitioned).toBe(true);
    client.send(enc('one'));
    client.send(enc('two'));
    const late = net.backend.connect({ host: '127.0.0.10', port: 2905, timeoutMs: 100 });
    clock.advance(100);
    expect(atServer).toHaveLength(0);
    expect((await rejects(late)).code).toBe('timeout');
    net.heal();
    clock.advance(39);
    expect(atServer).toHaveLength(0);
    clock.advance(2);
    expect(atServer.map((m) => dec(m.data))).toEqual(['one', 'two']);
    expect(net.counters()).toMatchObject({ timeouts: 1, retransmitted: 2 });
  });

  it('close() is SHUTDOWN: data queued on both sides is delivered first, then both ends go down', async () => {
    const { net, client, server, clock, atServer, atClient } = await pair({ delayMs: 2 });
    net.setFaults({ jitterMs: 5 });
    for (let i = 0; i < 10; i++) client.send(enc(`c${i}`));
    server.send(enc('s0'));
    const reasons: string[] = [];
    client.on('down', (r) => reasons.push(`client ${r}`));
    server.on('down', (r) => reasons.push(`server ${r}`));
    const closed = client.close();
    expect(client.state).toBe('closing');
    expect(throws(() => client.send(enc('late'))).code).toBe('not-up');
    clock.advance(50);
    await closed;
    expect(atServer).toHaveLength(10);
    expect(atClient.map((m) => dec(m.data))).toEqual(['s0']);
    expect(reasons).toEqual(['client shutdown', 'server shutdown by peer']);
    expect(net.counters()).toMatchObject({ shutdowns: 1, up: 0 });
  });

  it('closing a server aborts its associations and frees the address', async () => {
    const clock = new VirtualClock();
    const net = createStubNetwork({ host: clock });
    const srv = await net.backend.listen({ host: '127.0.0.10', port: 2905 });
    const p = net.backend.connect({ host: '127.0.0.10', port: 2905 });
    clock.advance(1);
    const c = await p;
    let why = '';
    c.on('down', (r) => (why = r));
    await srv.close();
    clock.advance(1);
    expect(why).toBe('ABORT from peer: server closed');
    expect(net.listeners()).toEqual([]);
    await net.backend.listen({ host: '127.0.0.10', port: 2905 });
  });

  it('destroy() leaves no timer behind', async () => {
    const { net, client, clock } = await pair({ delayMs: 5 });
    client.send(enc('x'));
    void net.backend.connect({ host: '127.0.0.10', port: 2905 }).catch(() => undefined);
    expect(clock.pending().length).toBeGreaterThan(0);
    net.destroy();
    expect(clock.pending()).toEqual([]);
    expect(net.associations()).toEqual([]);
  });

  it('rejects bad faults with a typed error', () => {
    const net = createStubNetwork({ host: new VirtualClock() });
    expect(throws(() => net.setFaults({ loss: 1.5 })).code).toBe('bad-option');
    expect(throws(() => net.setFaults({ delayMs: -1 })).code).toBe('bad-option');
    expect(net.faults()).toEqual({ loss: 0, delayMs: 0, jitterMs: 0, reorder: false, rtoMs: 200 });
  });
});
