import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { Context } from '@snaptel/image';
import hlr, { HlrError, type HlrApi, type HlrConfig } from '../src';

const KI = '000102030405060708090a0b0c0d0e0f';
const ROOT = path.resolve(__dirname, '../../..');

interface Line {
  level: string;
  obj: Record<string, unknown>;
  msg: string;
}

/** A Context with only what hlr uses: a log that records its lines. */
function fakeContext(level: 'debug' | 'info' = 'debug'): { ctx: Context; lines: Line[] } {
  const lines: Line[] = [];
  const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
  const at = (l: string) => (obj: Record<string, unknown>, msg: string) => {
    if (levels.indexOf(l) >= levels.indexOf(level)) lines.push({ level: l, obj, msg });
  };
  const log = {
    isLevelEnabled: (l: string) => levels.indexOf(l) >= levels.indexOf(level),
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
  };
  return { ctx: { name: 'hlr', log } as unknown as Context, lines };
}

async function start(config?: HlrConfig, level: 'debug' | 'info' = 'debug') {
  const { ctx, lines } = fakeContext(level);
  const api = (await hlr.start(ctx, config as HlrConfig)) as HlrApi;
  return { ctx, lines, api };
}

describe('the hlr package', () => {
  it('is a valid definition named hlr', () => {
    expect(hlr.name).toBe('hlr');
    expect(hlr.version).toBe('0.1.0');
    expect(typeof hlr.exportState).toBe('function');
    expect(typeof hlr.importState).toBe('function');
  });

  it('provisions config.subscribers at start and logs them', async () => {
    const { api, lines } = await start({
      subscribers: [
        { imsi: '001010000000001', msisdn: '1001', ki: KI, algo: 'comp128v1' },
        { imsi: '001010000000002', msisdn: '01002' },
      ],
    });
    expect(api.size).toBe(2);
    expect(api.count()).toBe(2);
    expect(api.get('001010000000001')).toMatchObject({ msisdn: '1001', ki: KI, algo: 'comp128v1' });
    expect(api.byMsisdn('01002')?.imsi).toBe('001010000000002');
    expect(lines.filter((l) => l.level === 'debug').map((l) => [l.msg, l.obj.imsi])).toEqual([
      ['subscriber added', '001010000000001'],
      ['subscriber added', '001010000000002'],
    ]);
    const info = lines.filter((l) => l.level === 'info');
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({ msg: 'hlr started with 2 subscribers', obj: { subscribers: 2 } });
    expect(JSON.stringify(lines)).not.toContain(KI); // key material is never logged
  });

  it('logs no per-subscriber lines at info level', async () => {
    const { lines } = await start({ subscribers: [{ imsi: '1' }, { imsi: '2' }] }, 'info');
    expect(lines.map((l) => l.msg)).toEqual(['hlr started with 2 subscribers']);
  });

  it('gives an operator API: add/update/remove/get/list return plain data', async () => {
    const { api, lines } = await start();
    expect(api.size).toBe(0);
    expect(api.add({ imsi: '001010000000001', msisdn: '1001', ki: KI.toUpperCase(), algo: 'comp128v1' })).toEqual({
      imsi: '001010000000001',
      msisdn: '1001',
      ki: KI,
      algo: 'comp128v1',
      sqn: 0,
      cs: true,
      ps: true,
    });
    expect(api.update('001010000000001', { ps: false })).toMatchObject({ ps: false, cs: true });
    expect(api.nextSqn('001010000000001')).toBe(1);
    expect(api.has('001010000000001')).toBe(true);
    expect(api.list()).toHaveLength(1);
    expect(api.stats()).toEqual({ size: 1, capacity: 16, bytes: 16 * 58 + 2 * 32 * 4, bytesPerSubscriber: 58 + 16 });
    expect(JSON.parse(JSON.stringify(api))).toEqual({ size: 1, capacity: 16, bytes: 1184 }); // a remote eval reply of `hlr`
    expect(api.remove('001010000000001')).toBe(true);
    expect(api.remove('001010000000001')).toBe(false);
    expect(api.get('001010000000001')).toBeUndefined();
    expect(lines.filter((l) => l.level === 'debug').map((l) => l.msg)).toEqual(['subscriber added', 'subscriber updated', 'subscriber removed']);
    expect(() => api.add({ imsi: 'x' })).toThrow(HlrError);
  });

  it('starts empty on a second start in the same process', async () => {
    const first = await start({ subscribers: [{ imsi: '1' }] });
    first.api.add({ imsi: '2' });
    const second = await start();
    expect(second.api.size).toBe(0);
    expect(second.api.get('1')).toBeUndefined();
    expect(first.api.size).toBe(2); // the first one is not affected either
    expect(hlr.exportState!(second.ctx)).toMatchObject({ count: 0 });
    expect(hlr.exportState!(first.ctx)).toMatchObject({ count: 2 });
  });

  it('exports and imports state through its hooks, across v8.serialize', async () => {
    const a = await start({ subscribers: [{ imsi: '001', msisdn: '01', ki: KI, algo: 'xor', sqn: 9 }, { imsi: '002' }] });
    a.api.remove('002');
    const state = v8.deserialize(v8.serialize(hlr.exportState!(a.ctx)));
    const b = await start({ subscribers: [{ imsi: '777' }] });
    await hlr.importState!(b.ctx, state);
    expect(b.api.list()).toEqual(a.api.list());
    expect(b.api.get('777')).toBeUndefined();
    expect(b.lines.at(-1)).toMatchObject({ level: 'info', msg: 'hlr imported 1 subscriber', obj: { subscribers: 1, replaced: 1 } });
    // the API object from start() still works on the imported content
    expect(b.api.nextSqn('001')).toBe(10);
    await expect(async () => hlr.importState!(b.ctx, { format: 'nope' })).rejects.toThrow(/state.format must be 'snaptel-hlr'/);
    expect(b.api.size).toBe(1);
  });

  it('says which config entry is bad', async () => {
    const err = await start({ subscribers: [{ imsi: '1' }, { imsi: '2', ki: 'abc' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HlrError);
    expect((err as HlrError).message).toBe('hlr: config.subscribers[1]: ki must be 32 hex digits (got 3 characters)');
    expect((err as HlrError).field).toBe('config.subscribers[1].ki');
    expect((err as HlrError).index).toBe(1);
    const dup = await start({ subscribers: [{ imsi: '1' }, { imsi: '1' }] }).catch((e: unknown) => e);
    expect((dup as HlrError).code).toBe('duplicate-imsi');
    const unknown = await start({ subscriber: [] } as never).catch((e: unknown) => e);
    expect((unknown as HlrError).message).toBe("hlr: config has an unknown field 'subscriber'");
  });

  it('refuses hooks for a context that was never started', () => {
    const { ctx } = fakeContext();
    expect(() => hlr.exportState!(ctx)).toThrow(/was not started/);
  });

  it('opens no handles when loaded and started (checked in a fresh node)', () => {
    const dist = path.join(__dirname, '../dist/index.js');
    const script = `
      const before = process.getActiveResourcesInfo().length;
      const hlr = require(${JSON.stringify(dist)}).default;
      const log = { isLevelEnabled: () => true, debug() {}, info() {} };
      const api = hlr.start({ name: 'hlr', log }, { subscribers: Array.from({ length: 1000 }, (_, i) => ({ imsi: String(i) })) });
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

  it('deploys under node --build-snapshot and resumes with its subscribers', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-hlr-'));
    try {
      const subscribers = Array.from({ length: 1000 }, (_, i) => ({
        imsi: '00101' + String(i).padStart(10, '0'),
        msisdn: '0' + String(i),
        ki: KI,
        algo: 'comp128v1',
      }));
      const recipe = path.join(dir, 'hlr.json');
      fs.writeFileSync(recipe, JSON.stringify({ package: 'hlr', packages: { hlr: { subscribers } }, log: { level: 'info', file: 'hlr.log' } }));
      const img = path.join(dir, 'hlr.img');
      const env = { ...process.env, NOTIFY_SOCKET: '' };
      const deploy = spawnSync(launcher, ['deploy', 'hlr', '--config', recipe, '--out', img, '-q'], { cwd: ROOT, encoding: 'utf8', env });
      expect(deploy.status, deploy.stderr + deploy.stdout).toBe(0);
      // Nothing keeps an hlr-only image alive: it resumes, logs, and exits 0.
      const run = spawnSync(launcher, ['run', img], { cwd: ROOT, encoding: 'utf8', env, timeout: 30_000 });
      expect(run.status, run.stderr).toBe(0);
      const log = fs
        .readFileSync(path.join(dir, 'hlr.log'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { pkg: string; msg: string; subscribers?: number; pid: number });
      const resumed = log.find((l) => l.pkg === 'hlr' && l.msg.startsWith('hlr resumed'));
      expect(resumed).toMatchObject({ msg: 'hlr resumed with 1000 subscribers', subscribers: 1000 });
      expect(log.some((l) => l.msg === 'ready')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
