import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { Context } from '@snaptel/image';
import vlr, { VlrError, type VlrApi, type VlrConfig } from '../src';

const ROOT = path.resolve(__dirname, '../../..');

interface Line {
  level: string;
  obj: Record<string, unknown>;
  msg: string;
}

/** A Context with only what vlr uses: a log that records its lines, and timers that record what was asked. */
function fakeContext(level: 'debug' | 'info' = 'debug') {
  const lines: Line[] = [];
  const timers: { name: string; periodMs: number; fn: () => void }[] = [];
  const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
  const at = (l: string) => (obj: Record<string, unknown>, msg: string) => {
    if (levels.indexOf(l) >= levels.indexOf(level)) lines.push({ level: l, obj, msg });
  };
  const log = Object.fromEntries(levels.map((l) => [l, at(l)]));
  const ctx = {
    name: 'vlr',
    log: { ...log, isLevelEnabled: (l: string) => levels.indexOf(l) >= levels.indexOf(level) },
    timers: {
      every: (name: string, periodMs: number, fn: () => void) => {
        timers.push({ name, periodMs, fn });
        return {};
      },
    },
  } as unknown as Context;
  return { ctx, lines, timers };
}

async function start(config?: VlrConfig) {
  const f = fakeContext();
  const api = (await vlr.start(f.ctx, config as VlrConfig)) as VlrApi;
  return { ...f, api };
}

describe('the vlr package', () => {
  it('is a valid definition named vlr, with state hooks', () => {
    expect(vlr.name).toBe('vlr');
    expect(vlr.version).toBe('0.1.0');
    for (const hook of ['exportState', 'importState', 'aboutToSnapshot', 'returnedFromSnapshot'] as const) expect(typeof vlr[hook]).toBe('function');
  });

  it('starts with osmo-msc defaults: T3212 60 minutes, a purge every 60 s', async () => {
    const { api, timers, lines } = await start();
    expect(api.stats()).toMatchObject({ size: 0, periodicLuMinutes: 60, frozen: false });
    expect(timers.map((t) => [t.name, t.periodMs])).toEqual([['lu-expiry', 60_000]]);
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'vlr started', obj: { periodicLuMinutes: 60, purgeIntervalSeconds: 60 } });
    const r = api.register('001010000000001', { lac: 7 });
    expect(r.luExpiry - r.lastSeen).toBe(60 * 60_000);
  });

  it('gives an operator face by IMSI: register, update, detach, byTmsi, list, remove', async () => {
    const { api, lines } = await start({ periodicLuMinutes: 6 });
    expect(api.register('001010000000001', { msisdn: '1001', lac: 1 })).toMatchObject({ imsi: '001010000000001', msisdn: '1001', state: 'attached' });
    expect(api.update('001010000000001', { cellId: 5 }).cellId).toBe(5);
    const tmsi = api.store.allocateTmsi(api.store.slotOf('001010000000001'));
    expect(api.byTmsi(tmsi)?.imsi).toBe('001010000000001');
    expect(api.detach('001010000000001').state).toBe('detached');
    expect(api.list()).toHaveLength(1);
    expect(api.size).toBe(1);
    expect(api.count()).toBe(1);
    expect(JSON.parse(JSON.stringify(api))).toMatchObject({ size: 1, frozen: false }); // a remote eval reply of `vlr`
    expect(api.remove('001010000000001')).toBe(true);
    expect(api.remove('001010000000001')).toBe(false);
    expect(api.get('001010000000001')).toBeUndefined();
    expect(() => api.update('001010000000009', {})).toThrow(/imsi '001010000000009' is not registered/);
    expect(lines.filter((l) => l.level === 'debug').map((l) => l.msg)).toEqual([
      'subscriber registered',
      'subscriber updated',
      'subscriber detached',
      'subscriber removed',
    ]);
  });

  it('purges expired registrations from its timer, and logs how many', async () => {
    const { api, timers, lines } = await start({ periodicLuMinutes: 1, purgeIntervalSeconds: 10 });
    const past = Date.now() - 3 * 60_000;
    for (let i = 0; i < 2500; i++) api.register(String(1e6 + i), { lastSeen: i < 2100 ? past : Date.now() });
    expect(api.expired(undefined, 5)).toHaveLength(5);
    timers[0]!.fn();
    expect(api.size).toBe(400);
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'vlr purged 2100 expired subscribers', obj: { purged: 2100, subscribers: 400 } });
    expect(api.purge()).toBe(0);
  });

  it('has no purge timer when told so', async () => {
    expect((await start({ purgeIntervalSeconds: 0 })).timers).toEqual([]);
    expect((await start({ periodicLuMinutes: 0 })).timers).toEqual([]);
  });

  it('refuses bad config with VlrError', async () => {
    const err = (config: unknown) => start(config as VlrConfig).catch((e: unknown) => e);
    expect(await err({ periodicLuMinute: 5 })).toMatchObject({ code: 'invalid-input', message: "vlr: config has an unknown field 'periodicLuMinute'" });
    expect(await err({ periodicLuMinutes: -1 })).toMatchObject({ message: 'vlr: config.periodicLuMinutes -1 must be a number >= 0' });
    expect(await err([])).toBeInstanceOf(VlrError);
  });

  it('exports and imports state through its hooks, across v8.serialize, never carrying auth vectors', async () => {
    const a = await start();
    const slot = a.api.store.register('001010000000001', { kc: '0011223344556677', cksn: 2 });
    a.api.store.pushTriplets(slot, [{ rand: '00'.repeat(16), sres: '01020304', kc: '00'.repeat(8) }]);
    a.api.register('001010000000002');
    const state = v8.deserialize(v8.serialize(vlr.exportState!(a.ctx)));
    const b = await start();
    b.api.register('777');
    await vlr.importState!(b.ctx, state);
    expect(b.lines.at(-1)).toMatchObject({ level: 'info', msg: 'vlr imported 2 subscribers', obj: { subscribers: 2, replaced: 1 } });
    expect(b.api.stats().frozen).toBe(true);
    expect(b.api.get('777')).toBeUndefined();
    expect(b.api.list()).toEqual(a.api.list().map((r) => ({ ...r, authVectors: 0 })));
    await expect(async () => vlr.importState!(b.ctx, { format: 'nope' })).rejects.toThrow(/state.format must be 'snaptel-vlr'/);
    expect(b.api.size).toBe(2);
  });

  it('freezes before a snapshot, dropping auth vectors, and says so on resume', async () => {
    const { ctx, api, lines } = await start();
    const slot = api.store.register('001010000000001');
    api.store.pushTriplets(slot, [{ rand: '00'.repeat(16), sres: '01020304', kc: '00'.repeat(8) }]);
    await vlr.aboutToSnapshot!(ctx);
    expect(api.store.frozen).toBe(true);
    await vlr.returnedFromSnapshot!(ctx);
    expect(lines.at(-1)).toMatchObject({ msg: 'vlr resumed with 1 subscriber', obj: { subscribers: 1 } });
    expect(api.store.frozen).toBe(true);
    await new Promise((r) => setImmediate(r)); // it thaws right after resume, before any request
    expect(api.store.frozen).toBe(false);
    expect(lines.at(-1)).toMatchObject({ msg: 'vlr thawed 1 subscriber', obj: { subscribers: 1 } });
    expect(api.get('001010000000001')?.authVectors).toBe(0);
  });

  it('refuses hooks for a context that was never started', () => {
    expect(() => vlr.exportState!(fakeContext().ctx)).toThrow(/was not started/);
  });

  it('opens no handles when loaded and started (checked in a fresh node)', () => {
    const dist = path.join(__dirname, '../dist/index.js');
    const script = `
      const before = process.getActiveResourcesInfo().length;
      const vlr = require(${JSON.stringify(dist)}).default;
      const log = { isLevelEnabled: () => true, debug() {}, info() {} };
      const api = vlr.start({ name: 'vlr', log, timers: { every() {} } }, { purgeIntervalSeconds: 0 });
      for (let i = 0; i < 1000; i++) api.store.allocateTmsi(api.store.register(String(1e6 + i)));
      const after = process.getActiveResourcesInfo(); // before touching process.stdout, which opens a handle
      process.stdout.write(JSON.stringify({ before, after, size: api.size }));
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ before: 0, after: [], size: 1000 });
  });
});

describe('in an image', () => {
  const launcher = path.join(ROOT, 'packages/image/bin/snaptel');
  const env = { ...process.env, NOTIFY_SOCKET: '' };

  function logOf(file: string) {
    return fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown> & { pkg: string; msg: string; pid: number });
  }

  it('deploys the vlr package and resumes it, purge timer and all', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-vlr-'));
    try {
      const recipe = path.join(dir, 'vlr.json');
      fs.writeFileSync(recipe, JSON.stringify({ package: 'vlr', packages: { vlr: { periodicLuMinutes: 30 } }, log: { level: 'info', file: 'vlr.log' } }));
      const img = path.join(dir, 'vlr.img');
      const deploy = spawnSync(launcher, ['deploy', 'vlr', '--config', recipe, '--out', img, '-q'], { cwd: ROOT, encoding: 'utf8', env });
      expect(deploy.status, deploy.stderr + deploy.stdout).toBe(0);
      // The purge timer keeps it running: resume, wait for ready, stop it.
      const run = spawnSync('sh', ['-c', `"${launcher}" run "${img}" & pid=$!; for i in $(seq 100); do grep -q '"ready"' "${dir}/vlr.log" 2>/dev/null && break; sleep 0.1; done; kill -TERM $pid; wait $pid`], {
        cwd: ROOT,
        encoding: 'utf8',
        env,
        timeout: 30_000,
      });
      expect(run.status, run.stderr).toBe(0);
      const log = logOf(path.join(dir, 'vlr.log'));
      expect(log.find((l) => l.pkg === 'vlr' && l.msg.startsWith('vlr resumed'))).toMatchObject({ msg: 'vlr resumed with 0 subscribers' });
      expect(log.some((l) => l.msg === 'ready')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('carries a frozen store of 5000 registrations; each resume allocates TMSIs of its own', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-vlr-'));
    try {
      const recipe = path.join(dir, 'bench.json');
      fs.writeFileSync(recipe, JSON.stringify({ package: 'vlr-bench', packages: { 'vlr-bench': { count: 5000, form: 'frozen' } }, log: { level: 'info', file: 'bench.log' } }));
      const img = path.join(dir, 'bench.img');
      const pkg = path.join(__dirname, '../bench/images/vlr-bench');
      const deploy = spawnSync(launcher, ['deploy', pkg, '--config', recipe, '--out', img, '-q'], { cwd: ROOT, encoding: 'utf8', env });
      expect(deploy.status, deploy.stderr + deploy.stdout).toBe(0);
      for (let run = 0; run < 2; run++) {
        const r = spawnSync(launcher, ['run', img], { cwd: ROOT, encoding: 'utf8', env: { ...env, VLR_BENCH_PROBE: '1' }, timeout: 30_000 });
        expect(r.status, r.stderr).toBe(0);
      }
      const resumed = logOf(path.join(dir, 'bench.log')).filter((l) => l.msg === 'vlr-bench resumed');
      expect(resumed).toHaveLength(2);
      for (const l of resumed) {
        expect(l).toMatchObject({ form: 'frozen', subscribers: 5000, probeImsi: '001010000012345', frozenAfter: false });
        expect(Number(l.probeTmsi) >>> 30).not.toBe(3);
      }
      // The random source is not frozen into the image: two resumes of the same file draw different TMSIs.
      expect(resumed[0]!.probeTmsi).not.toBe(resumed[1]!.probeTmsi);
      expect(resumed[0]!.pid).not.toBe(resumed[1]!.pid);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
