import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AssociationError,
  backendFor,
  createStubNetwork,
  openWires,
  processStubNetwork,
  sctpConnect,
  sctpListen,
  type Association,
  type CustomResourceOptions,
  type SctpResourceContext,
  type StubNetwork,
} from '../src';
import { build, isRoot, randomHosts, randomPort } from './peers';

/**
 * The adapters to the image runtime, with a context that behaves as
 * @snaptel/image's does: ctx.resource() opens at once; suspend() closes every
 * resource (before a snapshot), resume() opens them again.
 */

interface LogLine {
  level: string;
  fields: Record<string, any>;
  msg: string;
}

class FakeContext implements SctpResourceContext {
  readonly lines: LogLine[] = [];
  readonly resources: Array<CustomResourceOptions & { state: string }> = [];
  readonly log = {
    info: (fields: object, msg: string) => this.lines.push({ level: 'info', fields, msg }),
    warn: (fields: object, msg: string) => this.lines.push({ level: 'warn', fields, msg }),
    error: (fields: object, msg: string) => this.lines.push({ level: 'error', fields, msg }),
    debug: (fields: object, msg: string) => this.lines.push({ level: 'debug', fields, msg }),
  };
  readonly opening: Promise<unknown>[] = [];

  constructor(readonly name = 'm3ua') {}

  resource(o: CustomResourceOptions) {
    if (this.resources.some((r) => r.name === o.name && r.kind === o.kind)) throw new Error(`duplicate resource ${o.name}`);
    const r = Object.assign(Object.create(null), o, { state: 'opening' }) as CustomResourceOptions & { state: string };
    this.resources.push(r);
    this.opening.push(
      o.open().then(
        () => (r.state = 'open'),
        (err: Error) => ((r.state = 'retrying'), this.lines.push({ level: 'error', fields: { error: err.message }, msg: 'cannot open' })),
      ),
    );
    return {
      get state() {
        return r.state;
      },
      close: async () => {
        r.state = 'closed';
        await o.close();
      },
    };
  }

  async suspend(): Promise<void> {
    for (const r of [...this.resources].reverse()) {
      if (r.state === 'closed') continue;
      await r.close();
      r.state = 'suspended';
    }
  }

  async resume(): Promise<void> {
    for (const r of this.resources) {
      if (r.state !== 'suspended') continue;
      await r.open();
      r.state = 'open';
    }
  }

  info(name: string) {
    const r = this.resources.find((x) => x.name === name)!;
    return { ...r.describe(), ...(r.status?.() ?? {}) };
  }

  msgs(msg: string): LogLine[] {
    return this.lines.filter((l) => l.msg === msg);
  }
}

async function until(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'UDPWrap').length;

let nets: StubNetwork[] = [];
afterEach(() => {
  for (const n of nets) n.destroy();
  nets = [];
});
function net(): StubNetwork {
  const n = createStubNetwork({ seed: 5 });
  n.setFaults({ delayMs: 1 });
  nets.push(n);
  return n;
}

describe('sctpListen / sctpConnect on the stub backend', () => {
  it('opens, carries messages, closes for a snapshot, and the association comes back on resume', async () => {
    const n = net();
    const ctx = new FakeContext('m3ua');
    const atServer: string[] = [];
    const ups: Association[] = [];
    const srv = sctpListen(ctx, {
      name: 'sg',
      backend: n.backend,
      host: '127.0.0.20',
      port: 2905,
      onAssociation: (a) => a.on('message', (m) => atServer.push(`${m.stream}/${m.ppid}/${new TextDecoder().decode(m.data)}`)),
    });
    const cli = sctpConnect(ctx, { name: 'asp', backend: n.backend, host: '127.0.0.20', port: 2905, localHost: '127.0.0.21', onUp: (a) => ups.push(a) });
    await until(() => ups.length === 1, 3000, 'first up');
    expect(cli.association).toBe(ups[0]);
    ups[0]!.send(new TextEncoder().encode('ASP Up'), { stream: 0, ppid: 3 });
    await until(() => atServer.length === 1);
    expect(atServer).toEqual(['0/3/ASP Up']);
    expect(srv.associations()).toHaveLength(1);

    const up = ctx.msgs('sctp association up');
    expect(up.map((l) => l.fields.resource).sort()).toEqual(['m3ua.asp', 'm3ua.sg']);
    expect(up.find((l) => l.fields.resource === 'm3ua.asp')!.fields).toMatchObject({ peer: '127.0.0.20:2905', backend: 'stub', transport: null });
    expect(up.find((l) => l.fields.resource === 'm3ua.sg')!.fields.peer).toMatch(/^127\.0\.0\.21:\d+$/);

    const before = { sg: ctx.resources[0]!.describe(), asp: ctx.resources[1]!.describe() };
    expect(before.sg).toEqual({ host: '127.0.0.20', port: 2905, backend: 'stub', transport: null });
    expect(before.asp).toMatchObject({ host: '127.0.0.20', port: 2905, peer: '127.0.0.20:2905', backend: 'stub', transport: null, localHost: '127.0.0.21' });
    expect(ctx.info('asp')).toMatchObject({ up: true, associations: 1 });

    // Before a snapshot: everything closed, nothing on the network.
    await ctx.suspend();
    expect(n.associations()).toEqual([]);
    expect(n.listeners()).toEqual([]);
    expect(ups[0]!.state).toBe('down');
    expect(ctx.info('asp')).toMatchObject({ up: false, associations: 0 });
    expect(ctx.info('sg')).toMatchObject({ up: false, associations: 0 });

    // After resume: listening again, the association re-established, described the same.
    await ctx.resume();
    await until(() => ups.length === 2, 3000, 'up after resume');
    expect(ctx.resources[0]!.describe()).toEqual(before.sg);
    expect(ctx.resources[1]!.describe()).toEqual(before.asp);
    ups[1]!.send(new TextEncoder().encode('again'), { stream: 1, ppid: 3 });
    await until(() => atServer.length === 2);
    expect(atServer[1]).toBe('1/3/again');

    await cli.close();
    await srv.close();
    expect(n.associations()).toEqual([]);
    expect(n.listeners()).toEqual([]);
  });

  it('re-establishes by itself after a loss, calling onDown with the reason', async () => {
    const n = net();
    const ctx = new FakeContext();
    sctpListen(ctx, { name: 'sg', backend: n.backend, host: '127.0.0.20', port: 2905, onAssociation: () => undefined });
    const ups: Association[] = [];
    const downs: string[] = [];
    sctpConnect(ctx, { name: 'asp', backend: n.backend, host: '127.0.0.20', port: 2905, backoff: { initialMs: 20 }, onUp: (a) => ups.push(a), onDown: (r) => downs.push(r) });
    await until(() => ups.length === 1);
    n.abort(ups[0], 'cable pulled');
    expect(downs).toEqual(['aborted by the stub network: cable pulled']);
    expect(ctx.msgs('sctp association down')[0]!.fields).toMatchObject({ resource: 'm3ua.asp', reason: 'aborted by the stub network: cable pulled', peer: '127.0.0.20:2905' });
    await until(() => ups.length === 2, 3000, 'second up');
    expect(ups[1]!.state).toBe('up');
    expect(ctx.msgs('sctp association lost; re-establishing')[0]!.fields.retryInMs).toBe(20);
    await ctx.suspend();
  });

  it('retries with bounded exponential backoff while nobody listens, then connects', async () => {
    const n = net();
    const ctx = new FakeContext();
    const ups: Association[] = [];
    const before = timers();
    sctpConnect(ctx, { name: 'asp', backend: n.backend, host: '127.0.0.20', port: 2905, backoff: { initialMs: 5, maxMs: 40 }, onUp: (a) => ups.push(a) });
    const retries = () => ctx.lines.filter((l) => l.msg === 'sctp cannot connect; retrying');
    await until(() => retries().length >= 7, 5000, 'seven retries');
    expect(retries().slice(0, 7).map((l) => l.fields.retryInMs)).toEqual([5, 10, 20, 40, 40, 40, 40]);
    expect(retries()[0]!.level).toBe('warn');
    expect(retries()[1]!.level).toBe('debug');
    expect(retries()[0]!.fields.error).toMatch(/refused/);
    const st = ctx.info('asp');
    expect(st.up).toBe(false);
    expect(st.lastError).toMatch(/refused/);
    expect(typeof st.nextAttemptAt).toBe('string');
    await n.backend.listen({ host: '127.0.0.20', port: 2905 });
    await until(() => ups.length === 1, 3000, 'up once a listener is there');
    expect(ctx.info('asp')).toMatchObject({ up: true, attempts: 0 });
    await ctx.suspend();
    await new Promise((r) => setTimeout(r, 10));
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('a listener whose address is taken logs once and retries until it is free', async () => {
    const n = net();
    const squatter = await n.backend.listen({ host: '127.0.0.20', port: 2905 });
    const ctx = new FakeContext();
    const h = sctpListen(ctx, { name: 'sg', backend: n.backend, host: '127.0.0.20', port: 2905, backoff: { initialMs: 5, maxMs: 10 }, onAssociation: () => undefined });
    await until(() => ctx.lines.filter((l) => l.msg === 'sctp cannot listen; retrying').length >= 3);
    const l = ctx.lines.filter((x) => x.msg === 'sctp cannot listen; retrying');
    expect(l[0]!.level).toBe('error');
    expect(l[1]!.level).toBe('debug');
    expect(l[0]!.fields.error).toMatch(/address in use/);
    expect(ctx.info('sg')).toMatchObject({ up: false });
    await squatter.close();
    await until(() => h.server !== undefined, 3000, 'listening');
    expect(ctx.info('sg').lastError).toBeUndefined();
    await ctx.suspend();
  });

  it('a connect in progress at close is cancelled: nothing is made afterwards', async () => {
    const n = net();
    n.setFaults({ delayMs: 50 });
    await n.backend.listen({ host: '127.0.0.20', port: 2905 });
    const ctx = new FakeContext();
    const ups: Association[] = [];
    sctpConnect(ctx, { name: 'asp', backend: n.backend, host: '127.0.0.20', port: 2905, onUp: (a) => ups.push(a) });
    await new Promise((r) => setTimeout(r, 20));
    await ctx.suspend();
    await new Promise((r) => setTimeout(r, 300));
    expect(ups).toEqual([]);
    expect(n.associations()).toEqual([]);
  });
});

describe('backendFor', () => {
  it('one process-wide stub network; one sctp backend per option set; typed errors otherwise', () => {
    const a = backendFor({ backend: 'stub' });
    expect(a).toBe(processStubNetwork().backend);
    expect(backendFor({ backend: 'stub' })).toBe(a);
    const raw = backendFor({ backend: 'sctp' });
    expect([raw.name, raw.transport]).toEqual(['sctp', 'raw']);
    const udp = backendFor({ backend: 'sctp', transport: 'udp', udpPort: 9899 });
    expect(udp.transport).toBe('udp');
    expect(backendFor({ backend: 'sctp', transport: 'udp', udpPort: 9899 })).toBe(udp);
    expect(backendFor({ backend: 'sctp', transport: 'udp' })).not.toBe(raw);
    expect(backendFor(udp)).toBe(udp);
    expect(() => backendFor({ backend: 'kernel' as 'sctp' })).toThrow(AssociationError);
    expect(() => backendFor({ backend: 'stub', transport: 'udp' })).toThrow(/takes no transport/);
    expect(() => backendFor({ backend: 'sctp', transport: 'tcp' as 'udp' })).toThrow(/neither 'raw' nor 'udp'/);
  });

  it('loading the package, naming backends and declaring resources loads neither sctp nor raw-socket (V8 snapshot safe)', () => {
    build();
    const dist = path.join(__dirname, '../dist/index.js');
    const script = `
      const m = require(${JSON.stringify(dist)});
      m.backendFor({ backend: 'sctp', transport: 'raw' });
      m.backendFor({ backend: 'sctp', transport: 'udp' });
      m.sctpBackend({ transport: 'udp' });
      const loaded = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](sctp|raw-socket)[\\\\/]/.test(k));
      process.stdout.write(JSON.stringify({ loaded, handles: process.getActiveResourcesInfo() }));
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.loaded).toEqual([]);
    expect(out.handles.filter((h: string) => h !== 'TTYWrap' && h !== 'PipeWrap')).toEqual([]);
  });
});

describe.skipIf(!isRoot && !process.env.CI)('sctpListen / sctpConnect on the sctp backend (raw IP)', () => {
  it('suspend closes every socket and timer the backend made; resume brings the association back', async () => {
    if (!isRoot) throw new Error('needs root (raw IP) and CI is set');
    const before = timers();
    const hosts = randomHosts();
    const port = randomPort();
    const ctx = new FakeContext('sigtran');
    const ups: Association[] = [];
    const got: number[] = [];
    const spec = { backend: 'sctp' as const, transport: 'raw' as const, heartbeatMs: 50 };
    sctpListen(ctx, { name: 'sg', backend: spec, host: hosts.server, port, onAssociation: (a) => a.on('message', (m) => got.push(m.ppid)) });
    sctpConnect(ctx, { name: 'asp', backend: spec, host: hosts.server, port, localHost: hosts.client, localPort: randomPort(), onUp: (a) => ups.push(a) });
    await until(() => ups.length === 1, 5000, 'up');
    ups[0]!.send(Buffer.from('0100030100000008', 'hex'), { ppid: 3 });
    await until(() => got.length === 1);
    expect(ctx.info('asp')).toMatchObject({ backend: 'sctp', transport: 'raw', host: hosts.server, port, up: true });
    await new Promise((r) => setTimeout(r, 120)); // heartbeats run

    await ctx.suspend();
    expect(openWires()).toEqual([]);
    await new Promise((r) => setTimeout(r, 10));
    expect(timers()).toBeLessThanOrEqual(before);
    expect(ctx.msgs('sctp association down').length).toBeGreaterThanOrEqual(2);

    await ctx.resume();
    await until(() => ups.length === 2, 5000, 'up after resume');
    ups[1]!.send(Buffer.from('0100030100000008', 'hex'), { ppid: 3 });
    await until(() => got.length === 2);
    await ctx.suspend();
    expect(openWires()).toEqual([]);
  });
});
