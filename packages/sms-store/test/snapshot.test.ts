import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The "no loss" demonstration at the level of this package, with real
 * processes and a real V8 startup snapshot (what a snaptel image is):
 *
 * 1. a "running MSC" process stores 10,000 messages for a detached phone,
 *    hands its exportState() to disk (what a live snapshot does) and is
 *    killed with SIGKILL;
 * 2. a snapshot builder (`node --build-snapshot`) imports that state into a
 *    fresh store, which stays frozen (one string, no ArrayBuffers), and V8
 *    writes the heap;
 * 3. the image is resumed (`node --snapshot-blob`), the phone attaches
 *    (ready()), and every message is taken and delivered: all 10,000 must
 *    arrive, in order, none twice.
 *
 * The store is bundled with esbuild (the image deploy step does the same).
 */

const PKG = path.resolve(__dirname, '..');
const N = 10_000;

const COMMON = `
const { SmsStore } = require(${JSON.stringify(path.join(PKG, 'dist/index.js'))});
const PHONE = { kind: 'ms', msisdn: '4915112345678' };
`;

const DAEMON = `${COMMON}
const fs = require('node:fs');
const { setTimeoutHost } = require(${JSON.stringify(require.resolve('@snaptel/fsm'))});
const store = new SmsStore({ host: setTimeoutHost(), onDue: () => {} });
for (let i = 0; i < ${N}; i++) {
  const ud = new Uint8Array(140);
  for (let k = 0; k < 140; k++) ud[k] = (i + k) & 0xff;
  store.add({ destination: PHONE, source: { ton: 1, npi: 1, address: '4917600000' }, origin: { kind: 'ms', imsi: '262010000000001', mr: i & 0xff }, dcs: 0, pid: 0, udhi: false, udl: 160, ud });
}
const fd = fs.openSync(process.argv[2] + '.tmp', 'w');
fs.writeSync(fd, JSON.stringify(store.exportState()));
fs.fsyncSync(fd);
fs.closeSync(fd);
fs.renameSync(process.argv[2] + '.tmp', process.argv[2]);
process.stdout.write('stored ' + store.size + '\\n');
setInterval(() => {}, 1000); // keeps running until killed
`;

const BUILDER = `${COMMON}
const fs = require('node:fs');
const v8 = require('node:v8');
// the image runtime's part: timers are recorded at build time and armed on resume
const pending = [];
let resumed = false;
const arm = (t) => setTimeout(() => t.live && t.fn(), Math.max(0, t.deadline - Date.now()));
const host = { now: () => Date.now(), at: (name, deadline, fn) => { const t = { deadline, fn, live: true, cancel() { t.live = false; } }; if (resumed) arm(t); else pending.push(t); return t; } };
const store = new SmsStore({ host });
store.importState(JSON.parse(fs.readFileSync(process.env.SMS_STATE, 'utf8')));
globalThis.__frozen = store.frozen;
v8.startupSnapshot.setDeserializeMainFunction(() => {
  resumed = true;
  const timers = pending.filter((t) => t.live);
  for (const t of timers) arm(t);
  const delivered = [];
  let announced = 0;
  store.onDue = (ms) => {
    announced += ms.length;
    if (!phoneAttached) return; // detached: the MSC leaves them waiting
    for (const m of ms) {
      const t = store.take(m.id);
      let ok = t.ud.length === 140;
      for (let k = 0; k < 140 && ok; k++) ok = t.ud[k] === ((t.id - 1 + k) & 0xff);
      if (!ok) throw new Error('body of ' + t.id + ' differs');
      store.delivered(m.id);
      delivered.push(m.id);
    }
  };
  let phoneAttached = false;
  setTimeout(() => {
    phoneAttached = true;
    const n = store.ready(PHONE);
    setTimeout(() => {
      let inOrder = true;
      for (let i = 1; i < delivered.length; i++) if (delivered[i] <= delivered[i - 1]) inOrder = false;
      process.stdout.write(JSON.stringify({ frozenInImage: globalThis.__frozen, madeDue: n, announcedBeforeAttach: announced - delivered.length, delivered: delivered.length, unique: new Set(delivered).size, inOrder, first: delivered[0], last: delivered[delivered.length - 1], left: store.size, pending: timers.length }) + '\\n');
      process.exit(0);
    }, 200);
  }, 200);
});
`;

describe('snapshot, kill -9, resume', () => {
  it('10,000 messages stored for a detached phone all arrive once, in order, after a real V8 snapshot and SIGKILL', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sms-store-'));
    try {
      const state = path.join(dir, 'state.json');
      fs.writeFileSync(path.join(dir, 'daemon.cjs'), DAEMON);
      // the running process: store, export, then SIGKILL
      const daemon = spawn(process.execPath, [path.join(dir, 'daemon.cjs'), state], { cwd: PKG, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        let out = '';
        daemon.stdout.on('data', (d) => {
          out += d;
          if (out.includes('stored')) resolve();
        });
        daemon.on('exit', (code) => reject(new Error(`daemon exited (${code}) before storing`)));
      });
      const killed = new Promise((r) => daemon.on('exit', (_code, sig) => r(sig)));
      daemon.kill('SIGKILL');
      expect(await killed).toBe('SIGKILL');

      // the builder of the new image: one bundled script
      fs.writeFileSync(path.join(dir, 'builder-src.cjs'), BUILDER);
      const esbuild = require('esbuild') as typeof import('esbuild');
      esbuild.buildSync({ entryPoints: [path.join(dir, 'builder-src.cjs')], bundle: true, platform: 'node', format: 'cjs', outfile: path.join(dir, 'builder.cjs'), logLevel: 'error', nodePaths: [path.join(PKG, '../../node_modules')] });
      const blob = path.join(dir, 'sms.blob');
      const build = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', path.join(dir, 'builder.cjs')], { encoding: 'utf8', env: { ...process.env, SMS_STATE: state }, timeout: 60_000 });
      expect(build.stderr).toBe('');
      expect(build.status).toBe(0);
      fs.rmSync(state); // nothing is read again on resume

      const run = spawnSync(process.execPath, ['--snapshot-blob', blob], { encoding: 'utf8', timeout: 60_000 });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const r = JSON.parse(run.stdout.trim());
      expect(r).toEqual({ frozenInImage: true, madeDue: N, announcedBeforeAttach: N, delivered: N, unique: N, inOrder: true, first: 1, last: N, left: 0, pending: 1 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
