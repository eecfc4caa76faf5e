#!/usr/bin/env node
/**
 * Live snapshot benchmark: how long `snaptel remote snapshot` takes on a
 * daemon whose embedded HLR holds 10^4 and 10^5 subscribers, and how long it
 * holds the daemon's event loop.
 *
 *     npm run bench:live -w @snaptel/image        (after `npx tsc -b`)
 *     BENCH_RUNS=3 BENCH_SIZES=10000 node packages/image/bench/live.mjs
 *
 * Method
 * - One image (packages hlr + demo) is deployed into a temporary folder on a
 *   free port, and run as a daemon with --control and --allow-eval.
 *   Subscribers are provisioned at run time through `remote eval` (10^4 per
 *   call), as an operator would.
 * - For each size, BENCH_RUNS live snapshots are taken with --out into the
 *   temporary folder (the daemon's own image is left alone). In the same
 *   rounds, in shuffled order, `node -e 0` is timed as the baseline.
 * - Event loop: the daemon reports the synchronous export (exportMs, the one
 *   turn that takes the state) and the longest event loop delay it saw while
 *   the snapshot ran (perf_hooks monitorEventLoopDelay, maxLoopDelayMs).
 *   From outside, a TCP client sends one line to the demo's echo every ~2 ms
 *   and records the longest round trip during each snapshot, and during an
 *   idle window of the same length (baseline for the probe itself).
 * - Figures are medians over the runs (max for the stalls is also given).
 *   Every child has a timeout; the daemon is killed and the folder removed at
 *   the end, whatever happens.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const PKG_DIR = path.resolve(HERE, '..');
const ROOT = path.resolve(PKG_DIR, '..', '..');
const LAUNCHER = path.join(PKG_DIR, 'bin', 'snaptel');
const { request } = require(path.join(PKG_DIR, 'dist', 'remote.js'));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const RESULTS = path.join(HERE, 'live-results.json');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-bench-live-'));
let daemonPid;
function cleanup() {
  if (daemonPid) {
    try {
      process.kill(-daemonPid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (process.env.BENCH_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(130));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function snaptel(args) {
  const r = spawnSync(LAUNCHER, args, { cwd: ROOT, encoding: 'utf8', timeout: 600_000, env: { ...process.env, NOTIFY_SOCKET: '' } });
  if (r.status !== 0) throw new Error(`snaptel ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function ok(control, cmd, args = {}, timeoutMs = 600_000) {
  const r = await request(control, cmd, args, timeoutMs);
  if (!r.ok) throw new Error(`${cmd}: ${r.error.message}`);
  return r.result;
}

async function nodeE0() {
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    c.on('exit', resolve);
    c.on('error', reject);
  });
  return performance.now() - t0;
}

/** Echo probe: one line every ~2 ms; returns a function that gives the longest round trip since the last call. */
async function probe(port) {
  const sock = net.connect({ host: '127.0.0.1', port });
  await new Promise((r, j) => sock.once('connect', r).once('error', j));
  sock.setNoDelay(true);
  let sentAt = 0;
  let waiting = false;
  let worst = 0;
  let buf = '';
  let stopped = false;
  sock.on('data', (d) => {
    buf += d.toString();
    if (buf.includes('\n')) {
      buf = '';
      worst = Math.max(worst, performance.now() - sentAt);
      waiting = false;
    }
  });
  const tick = setInterval(() => {
    if (stopped) return;
    if (waiting) {
      worst = Math.max(worst, performance.now() - sentAt);
      return;
    }
    waiting = true;
    sentAt = performance.now();
    sock.write('p\n');
  }, 2);
  return {
    take() {
      const w = worst;
      worst = 0;
      return w;
    },
    stop() {
      stopped = true;
      clearInterval(tick);
      sock.destroy();
    },
  };
}

async function main() {
  const port = await freePort();
  const recipe = path.join(tmp, 'live.json');
  fs.writeFileSync(
    recipe,
    JSON.stringify({ package: ['hlr', 'demo'], packages: { demo: { tcpPort: port, udpPort: port, heartbeatMs: 5000 } }, log: { level: 'warn' } }),
  );
  const img = path.join(tmp, 'live.img');
  snaptel(['deploy', '--config', recipe, '--out', img, '-q']);
  const control = path.join(tmp, 'control.sock');
  const out = snaptel(['run', img, '--daemon', '--control', control, '--allow-eval', '--log', path.join(tmp, 'daemon.log')]);
  daemonPid = Number(/pid (\d+)/.exec(out)[1]);
  const p = await probe(port);
  const results = [];
  let have = 0;
  for (const n of SIZES) {
    for (let from = have + 1; from <= n; from += 10_000) {
      const to = Math.min(n, from + 9_999);
      await ok(
        control,
        'eval',
        {
          code: `for (let i = ${from}; i <= ${to}; i++) { const s = String(i).padStart(10, '0'); hlr.store.add({ imsi: '00101' + s, msisdn: '49' + s, ki: s.padStart(32, 'a'), algo: 'comp128v1' }); } hlr.size`,
          timeoutMs: 120_000,
        },
        180_000,
      );
    }
    have = n;
    const size = (await ok(control, 'eval', { code: 'hlr.size' })).json;
    if (size !== n) throw new Error(`provisioned ${size}, wanted ${n}`);
    const snaps = [];
    const base = [];
    const idle = [];
    // one untimed warm-up
    await ok(control, 'snapshot', { out: path.join(tmp, `warm-${n}.img`) });
    for (let r = 0; r < RUNS; r++) {
      const order = Math.random() < 0.5 ? ['snap', 'node'] : ['node', 'snap'];
      for (const what of order) {
        if (what === 'node') base.push(await nodeE0());
        else {
          p.take();
          const t0 = performance.now();
          const s = await ok(control, 'snapshot', { out: path.join(tmp, `snap-${n}.img`) });
          const wall = performance.now() - t0;
          const probeMax = p.take();
          await sleep(wall);
          idle.push(p.take());
          snaps.push({ wall, ms: s.ms, exportMs: s.exportMs, loopMs: s.maxLoopDelayMs, probeMs: probeMax, stateBytes: s.stateBytes, bytes: s.bytes });
        }
      }
    }
    const row = {
      subscribers: n,
      snapshotMs: median(snaps.map((s) => s.wall)),
      nodeE0Ms: median(base),
      ratio: median(snaps.map((s) => s.wall)) / median(base),
      exportMs: median(snaps.map((s) => s.exportMs)),
      exportMsMax: Math.max(...snaps.map((s) => s.exportMs)),
      loopDelayMs: median(snaps.map((s) => s.loopMs)),
      loopDelayMsMax: Math.max(...snaps.map((s) => s.loopMs)),
      probeMs: median(snaps.map((s) => s.probeMs)),
      probeMsMax: Math.max(...snaps.map((s) => s.probeMs)),
      idleProbeMs: median(idle),
      stateMB: snaps[0].stateBytes / 1e6,
      imageMB: snaps[0].bytes / 1e6,
      samples: snaps,
    };
    results.push(row);
  }
  p.stop();
  const f = (x, d = 1) => x.toFixed(d);
  console.log(`live snapshot, ${RUNS} runs each, medians (max); node -e 0 measured in the same rounds`);
  console.log('subscribers  snapshot ms  x node -e 0  export ms (max)  loop delay ms (max)  echo RTT ms during (max)  idle RTT ms  state MB  image MB');
  for (const r of results)
    console.log(
      `${String(r.subscribers).padStart(11)}  ${f(r.snapshotMs, 0).padStart(11)}  ${f(r.ratio, 2).padStart(11)}  ${`${f(r.exportMs, 2)} (${f(r.exportMsMax, 2)})`.padStart(15)}  ${`${f(r.loopDelayMs)} (${f(r.loopDelayMsMax)})`.padStart(19)}  ${`${f(r.probeMs)} (${f(r.probeMsMax)})`.padStart(24)}  ${f(r.idleProbeMs).padStart(11)}  ${f(r.stateMB, 2).padStart(8)}  ${f(r.imageMB, 1).padStart(8)}`,
    );
  fs.writeFileSync(RESULTS, JSON.stringify({ node: process.version, cpus: os.cpus().length, runs: RUNS, results }, null, 2));
  await ok(control, 'stop');
}

main().catch((err) => {
  console.error(`bench: ${err.stack ?? err}`);
  process.exit(1);
});
