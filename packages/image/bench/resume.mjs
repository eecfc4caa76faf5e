#!/usr/bin/env node
/**
 * Resume benchmark for snaptel images: how long from spawning a process to
 * the first TCP connection it accepts, for a resumed image, for the same
 * packages cold-started, and for images whose heap grows with a subscriber
 * table, against `node -e 0` measured in the same run.
 *
 *     npm run bench -w @snaptel/image        (after `npx tsc -b`)
 *     BENCH_RUNS=3 BENCH_SIZES=10000 node packages/image/bench/resume.mjs
 *
 * Method
 * - Every figure is a median over BENCH_RUNS samples (default 15). All the
 *   configurations are measured in the same rounds: one untimed warm-up of
 *   each, then BENCH_RUNS rounds, each running every configuration once in a
 *   shuffled order, so that the machine's drift hits all of them alike.
 *   Ratios are ratios of those medians.
 * - "Listening" is measured from outside: from just before spawn() to the
 *   first moment a net.connect() from this process to 127.0.0.1:<port>
 *   succeeds, trying every ~1 ms. Then, once the runtime has installed its
 *   signal handlers (see runtimeCatchesSignals), the child gets SIGTERM and
 *   the bench waits for it to exit (and records the exit code and the time
 *   it took).
 * - `node -e 0` and the helper commands are timed from spawn() to their exit.
 * - The images are built by this script, into a temporary folder, from its
 *   own recipes, on free ports below the kernel's ephemeral range; they are
 *   in the page cache when measured (warm start).
 * - Every child has a timeout and is killed (its whole process group) when it
 *   overruns; on exit, normal or not, the bench kills what is left and
 *   removes its temporary folder.
 *
 * Environment
 *   BENCH_RUNS               samples per configuration (default 15)
 *   BENCH_SIZES              subscriber counts (default 10000,100000,1000000;
 *                            an empty table, 0, is always added as reference)
 *   BENCH_START_TIMEOUT_MS   a child must listen (or exit) within this (default 60000)
 *   BENCH_STOP_TIMEOUT_MS    a child must exit this long after SIGTERM (default 15000)
 *   BENCH_DEPLOY_TIMEOUT_MS  each deploy (default 600000)
 *   BENCH_NODE_OPTIONS       NODE_OPTIONS for every child, deploys, runs and baseline
 *                            alike (e.g. --max-old-space-size=8192). V8 refuses to resume
 *                            a snapshot under other heap flags than it was built with,
 *                            and the launcher passes none, so they go through the
 *                            environment, to every process alike.
 *   BENCH_KEEP=1             keep the temporary folder (images, recipes)
 *
 * Output: a table on stdout, everything (with raw samples) in bench/results.json.
 */
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PKG_DIR = path.resolve(HERE, '..');
const ROOT = path.resolve(PKG_DIR, '..', '..');
const LAUNCHER = path.join(PKG_DIR, 'bin', 'snaptel');
const CLI = path.join(PKG_DIR, 'dist', 'cli.js');
const SUBSCRIBERS = path.join(HERE, 'subscribers');
const DEMO_RECIPE = path.join(ROOT, 'images', 'demo.json');
const RESULTS = path.join(HERE, 'results.json');
const HOST = '127.0.0.1';
const NODE = process.execPath;
const POLL_MS = 1;
const TARGET_RATIO = 1.5;

function envInt(name, def, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) die(`${name} must be an integer >= ${min} (got '${raw}')`);
  return n;
}

function die(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

const RUNS = envInt('BENCH_RUNS', 15, 1);
const START_TIMEOUT_MS = envInt('BENCH_START_TIMEOUT_MS', 60_000, 100);
const STOP_TIMEOUT_MS = envInt('BENCH_STOP_TIMEOUT_MS', 15_000, 100);
const DEPLOY_TIMEOUT_MS = envInt('BENCH_DEPLOY_TIMEOUT_MS', 600_000, 1000);
const KEEP = process.env.BENCH_KEEP === '1';
const NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS ?? '';
const SIZES = (() => {
  const raw = process.env.BENCH_SIZES ?? '10000,100000,1000000';
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (list.some((n) => !Number.isInteger(n) || n < 0)) die(`BENCH_SIZES is a comma-separated list of counts (got '${raw}')`);
  return [...new Set([0, ...list])].sort((a, b) => a - b);
})();

/** The environment of every child: the same node for the launcher, nothing that changes how the runtime behaves. */
const CHILD_ENV = (() => {
  const env = { ...process.env, SNAPTEL_NODE: NODE };
  for (const k of ['NODE_OPTIONS', 'SNAPTEL_LOG_LEVEL', 'SNAPTEL_CLOCK_SHIFT_MS', 'SNAPTEL_IMAGE', 'NOTIFY_SOCKET']) delete env[k];
  if (NODE_OPTIONS) env.NODE_OPTIONS = NODE_OPTIONS;
  return env;
})();

// ---------------------------------------------------------------- children

/** Children not yet exited, each the leader of its own process group. */
const live = new Set();
let tmpDir;

/**
 * Spawns a child in its own process group (so that a timeout can kill it
 * with whatever it started). `exited` resolves on exit with the time it was
 * seen, `closed` once its stderr is drained too.
 */
function start(cmd, args, opts = {}) {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    // TMPDIR: deploy's build folder goes into ours, so it goes with it even when deploy is killed.
    env: { ...CHILD_ENV, TMPDIR: tmpDir, ...opts.env },
    stdio: ['ignore', opts.stdout ?? 'ignore', 'pipe'],
    detached: true,
  });
  live.add(child);
  child.stderrText = '';
  child.stderr.on('data', (c) => {
    child.stderrText = (child.stderrText + c.toString()).slice(-16_384);
  });
  child.exitInfo = undefined;
  child.exited = new Promise((resolve) => {
    const done = (info) => {
      if (child.exitInfo) return;
      child.exitInfo = info;
      live.delete(child);
      resolve(info);
    };
    child.once('exit', (code, signal) => done({ code, signal, at: performance.now() }));
    child.once('error', (err) => done({ code: null, signal: null, error: err.message, at: performance.now() }));
  });
  child.closed = new Promise((resolve) => {
    child.once('close', () => resolve());
    child.once('error', () => resolve());
  });
  return child;
}

function killGroup(child, signal = 'SIGKILL') {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

function cleanup() {
  for (const c of live) killGroup(c);
  live.clear();
  if (tmpDir && !KEEP) fs.rmSync(tmpDir, { recursive: true, force: true });
}

process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`\nbench: ${sig}: killing ${live.size} child process(es) and leaving\n`);
    process.exit(130);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function describeExit(info) {
  if (!info) return 'still running';
  if (info.error) return `could not start (${info.error})`;
  return info.signal ? `killed by ${info.signal}` : `exit code ${info.code}`;
}

function tail(text, lines = 6) {
  const t = text.trim().split('\n').slice(-lines).join('\n');
  return t ? `\n${t.replace(/^/gm, '    ')}` : '';
}

/** Time from spawn to exit, for a command that must exit 0. */
async function timeToExit(cmd, args, label) {
  const t0 = performance.now();
  const child = start(cmd, args);
  const timer = setTimeout(() => killGroup(child), START_TIMEOUT_MS);
  try {
    const info = await child.exited;
    await child.closed;
    if (info.error || info.code !== 0) throw new Error(`${label}: ${describeExit(info)}${tail(child.stderrText)}`);
    return { ms: info.at - t0 };
  } finally {
    clearTimeout(timer);
  }
}

/** One connection attempt: the time it succeeded, or null. */
function connectOnce(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), 1000);
    sock.once('connect', () => finish(performance.now()));
    sock.once('error', () => finish(null));
  });
}

/**
 * Whether the runtime has installed its signal handlers, from
 * /proc/PID/status SigCgt; null when unknown. Node itself catches SIGTERM
 * from the start (to restore the terminal, then die of it), so that bit says
 * nothing; the runtime installs SIGTERM, SIGINT, SIGHUP and SIGUSR2 handlers
 * together (Runtime.installSignals), and Node does not catch SIGUSR2 by itself.
 */
function runtimeCatchesSignals(pid) {
  try {
    const m = /^SigCgt:\s+([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? (BigInt(`0x${m[1]}`) & (1n << 11n)) !== 0n : null; // SIGUSR2 is 12: bit 11
  } catch {
    return null;
  }
}

function rssMb(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Time from spawn to the first accepted connection on `port`, then SIGTERM
 * and the time to exit. The port must be refusing connections beforehand.
 */
async function timeToListen(cmd, args, port, label, env) {
  if ((await connectOnce(port)) !== null)
    throw new Error(`${label}: ${HOST}:${port} accepts connections before the child is started (another process holds it)`);
  const t0 = performance.now();
  const child = start(cmd, args, { env });
  const backstop = setTimeout(() => killGroup(child), START_TIMEOUT_MS + STOP_TIMEOUT_MS + 5000);
  try {
    const deadline = t0 + START_TIMEOUT_MS;
    let at = null;
    for (;;) {
      if (child.exitInfo) {
        await child.closed;
        throw new Error(`${label}: ${describeExit(child.exitInfo)} before listening${tail(child.stderrText)}`);
      }
      if (performance.now() > deadline) throw new Error(`${label}: not listening on ${HOST}:${port} after ${START_TIMEOUT_MS} ms`);
      at = await connectOnce(port);
      if (at !== null) break;
      await sleep(POLL_MS);
    }
    // The runtime installs its SIGTERM handler when it is ready, a little
    // after the port opens; a SIGTERM before that kills it by default action
    // (no stop hooks, no clean exit). Wait for the handler, and record how
    // long the port was open without it.
    let handlerAt = null;
    for (;;) {
      const caught = runtimeCatchesSignals(child.pid);
      if (caught === null) break; // no /proc: send at once
      if (caught) {
        handlerAt = performance.now();
        break;
      }
      if (child.exitInfo) throw new Error(`${label}: ${describeExit(child.exitInfo)} after listening, before it was ready${tail(child.stderrText)}`);
      if (performance.now() > deadline) throw new Error(`${label}: no SIGTERM handler ${START_TIMEOUT_MS} ms after spawn`);
      await sleep(POLL_MS);
    }
    const rss = rssMb(child.pid);
    const stopAt = performance.now();
    child.kill('SIGTERM');
    let stopTimer;
    const info = await Promise.race([child.exited, new Promise((r) => (stopTimer = setTimeout(() => r(null), STOP_TIMEOUT_MS)))]);
    clearTimeout(stopTimer);
    if (!info) throw new Error(`${label}: still running ${STOP_TIMEOUT_MS} ms after SIGTERM (killed)`);
    await child.closed;
    return {
      ms: at - t0,
      unguardedMs: handlerAt === null ? null : handlerAt - at,
      stopMs: info.at - stopAt,
      rssMb: rss,
      exit: info.signal ?? info.code,
      stderr: child.stderrText.trim(),
    };
  } finally {
    clearTimeout(backstop);
    if (!child.exitInfo) {
      killGroup(child);
      await child.exited;
    }
  }
}

// ---------------------------------------------------------------- setup

function ephemeralLow() {
  try {
    const [lo] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo > 12_000) return lo;
  } catch {
    /* not Linux */
  }
  return 32_768;
}

function canBind(kind, port) {
  return new Promise((resolve) => {
    if (kind === 'tcp') {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen({ host: HOST, port, exclusive: true }, () => s.close(() => resolve(true)));
    } else {
      const s = dgram.createSocket('udp4');
      s.once('error', () => {
        s.close();
        resolve(false);
      });
      s.bind({ address: HOST, port, exclusive: true }, () => s.close(() => resolve(true)));
    }
  });
}

/**
 * A port free for TCP and UDP on 127.0.0.1, below the ephemeral range, so
 * that no outgoing connection (the bench's probes, the demo's own link) can
 * be given it meanwhile.
 */
async function pickPort(taken) {
  const hi = ephemeralLow() - 1;
  const lo = 10_000;
  for (let i = 0; i < 500; i++) {
    const port = lo + Math.floor(Math.random() * (hi - lo));
    if (taken.has(port)) continue;
    if ((await canBind('tcp', port)) && (await canBind('udp', port)) && (await connectOnce(port)) === null) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port found');
}

function writeJson(file, value) {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
  return file;
}

/** The demo recipe (images/demo.json) moved to 127.0.0.1:<port>, logging to stdout. */
function demoRecipe(port) {
  let base = {};
  let level = 'info';
  try {
    const raw = JSON.parse(fs.readFileSync(DEMO_RECIPE, 'utf8'));
    base = raw.packages?.demo ?? {};
    level = raw.log?.level ?? 'info';
  } catch {
    /* the demo's defaults */
  }
  const config = { ...base, host: HOST, tcpPort: port, udpPort: port };
  delete config.peer; // its own TCP echo, on the bench's port
  return {
    description: `snaptel bench: the demo recipe on ${HOST}:${port}`,
    package: 'demo',
    packages: { demo: config },
    log: { level },
  };
}

function subscribersRecipe(count, port) {
  return {
    description: `snaptel bench: ${count} subscribers, lookup on ${HOST}:${port}`,
    package: 'subscribers',
    packages: { subscribers: { count, host: HOST, port } },
    log: { level: 'info' },
  };
}

async function deployImage(pkg, recipeFile, out, label) {
  const t0 = performance.now();
  const child = start(LAUNCHER, ['deploy', pkg, '--config', recipeFile, '--out', out, '-q'], { stdout: 'pipe' });
  let stdout = '';
  child.stdout.on('data', (c) => (stdout += c.toString()));
  const timer = setTimeout(() => killGroup(child), DEPLOY_TIMEOUT_MS);
  try {
    const info = await child.exited;
    await child.closed;
    if (info.error || info.code !== 0 || !fs.existsSync(out)) {
      const oom = /heap out of memory|Allocation failed|Reached heap limit/i.test(child.stderrText)
        ? '\n  (out of memory: try BENCH_NODE_OPTIONS=--max-old-space-size=8192)'
        : '';
      throw new Error(`deploy ${label}: ${describeExit(info)}${tail(child.stderrText + stdout, 10)}${oom}`);
    }
    return { ms: info.at - t0, bytes: fs.statSync(out).size, output: stdout.trim() };
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- statistics

function quantile(sorted, q) {
  if (!sorted.length) return null;
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}

function stats(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const r = (x) => Math.round(x * 100) / 100;
  return { n: v.length, median: r(quantile(v, 0.5)), p25: r(quantile(v, 0.25)), p75: r(quantile(v, 0.75)), min: r(v[0]), max: r(v[v.length - 1]) };
}

function shuffle(list) {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// ---------------------------------------------------------------- tables

function table(head, rows) {
  const cells = [head, ...rows].map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const w = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(cells[0]), w.map((n) => '-'.repeat(n)).join('  '), ...cells.slice(1).map(line)].join('\n') + '\n';
}

const f1 = (x) => (x === null || x === undefined ? null : x.toFixed(1));
const f2 = (x) => (x === null || x === undefined ? null : x.toFixed(2));
const div = (a, b) => (a === null || a === undefined || !b ? null : a / b);
const count = (n) => (n === 0 ? '0' : n >= 1000 && Math.log10(n) % 1 === 0 ? `10^${Math.log10(n)}` : String(n));

// ---------------------------------------------------------------- main

async function main() {
  if (!fs.existsSync(CLI)) die(`${path.relative(process.cwd(), CLI)} is missing: build first (npx tsc -b)`);
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-bench-'));
  const log = (s) => process.stderr.write(s);
  log(`bench: ${RUNS} runs per configuration, node ${process.version}, ${os.cpus().length} cpus, work dir ${tmpDir}${KEEP ? ' (kept)' : ''}\n`);

  // Images, each on its own free port.
  const taken = new Set();
  const deploys = {};
  const demoPort = await pickPort(taken);
  const demoRecipeFile = writeJson(path.join(tmpDir, 'demo.json'), demoRecipe(demoPort));
  const demoImg = path.join(tmpDir, 'demo.img');
  log(`bench: deploy demo (port ${demoPort}) ... `);
  deploys.demo = await deployImage('demo', demoRecipeFile, demoImg, 'demo');
  log(`${(deploys.demo.ms / 1000).toFixed(1)} s, ${(deploys.demo.bytes / 1e6).toFixed(1)} MB\n`);

  const sizes = [];
  for (const n of SIZES) {
    const port = await pickPort(taken);
    const recipe = writeJson(path.join(tmpDir, `subscribers-${n}.json`), subscribersRecipe(n, port));
    const img = path.join(tmpDir, `subscribers-${n}.img`);
    log(`bench: deploy subscribers count=${n} (port ${port}) ... `);
    deploys[`subscribers-${n}`] = await deployImage(SUBSCRIBERS, recipe, img, `subscribers ${n}`);
    const d = deploys[`subscribers-${n}`];
    log(`${(d.ms / 1000).toFixed(1)} s, ${(d.bytes / 1e6).toFixed(1)} MB\n`);
    sizes.push({ n, port, recipe, img });
  }

  /** The launcher's checksum step, exactly as bin/snaptel runs it. */
  const checksum = (img) => {
    const fd = fs.openSync(img, 'r');
    const trailer = Buffer.alloc(192);
    fs.readSync(fd, trailer, 0, 192, fs.fstatSync(fd).size - 192);
    fs.closeSync(fd);
    const t = trailer.toString('latin1').trim().split(/ +/); // SNAPTEL-IMAGE 1 <blob> <manifest> <sha256> <node>
    const bytes = Number(t[2]) + Number(t[3]);
    return ['sh', ['-c', 'head -c "$1" "$2" | sha256sum >/dev/null', 'sh', String(bytes), img]];
  };
  const configs = [
    { id: 'node-e0', label: 'node -e 0', exit: [NODE, ['-e', '0']] },
    { id: 'node-version', label: 'node --version (a launcher step)', exit: [NODE, ['--version']] },
    { id: 'demo-launcher', label: 'demo: bin/snaptel run IMG (checked before)', listen: [LAUNCHER, ['run', demoImg]], port: demoPort },
    { id: 'demo-launcher-full', label: 'demo: bin/snaptel run IMG, full check (first run after deploy)', listen: [LAUNCHER, ['run', demoImg]], port: demoPort, env: { SNAPTEL_VERIFY: 'always' } },
    { id: 'demo-direct', label: 'demo: node --snapshot-blob IMG', listen: [NODE, ['--snapshot-blob', demoImg]], port: demoPort, env: { SNAPTEL_IMAGE: demoImg } },
    { id: 'demo-cold', label: 'demo: snaptel start (cold)', listen: [LAUNCHER, ['start', 'demo', '--config', demoRecipeFile]], port: demoPort },
    { id: 'demo-checksum', label: 'demo: launcher checksum step', exit: checksum(demoImg) },
  ];
  for (const s of sizes) {
    configs.push(
      { id: `sub-${s.n}-launcher`, label: `subscribers ${s.n}: bin/snaptel run`, listen: [LAUNCHER, ['run', s.img]], port: s.port },
      { id: `sub-${s.n}-direct`, label: `subscribers ${s.n}: node --snapshot-blob`, listen: [NODE, ['--snapshot-blob', s.img]], port: s.port, env: { SNAPTEL_IMAGE: s.img } },
      { id: `sub-${s.n}-cold`, label: `subscribers ${s.n}: snaptel start (cold)`, listen: [LAUNCHER, ['start', SUBSCRIBERS, '--config', s.recipe]], port: s.port },
      { id: `sub-${s.n}-checksum`, label: `subscribers ${s.n}: launcher checksum step`, exit: checksum(s.img) },
    );
  }

  const results = Object.fromEntries(
    configs.map((c) => [c.id, { label: c.label, samples: [], stopMs: [], unguardedMs: [], rssMb: [], exits: [], oddExits: [], failures: [], skipped: false }]),
  );
  const runOne = async (c) => {
    if (c.exit) return timeToExit(c.exit[0], c.exit[1], c.label);
    return timeToListen(c.listen[0], c.listen[1], c.port, c.label, c.env);
  };

  // Warm-up: every configuration once, untimed; a failure here is fatal.
  log('bench: warm-up ... ');
  for (const c of configs) await runOne(c);
  log('ok\n');

  for (let round = 1; round <= RUNS; round++) {
    log(`bench: round ${round}/${RUNS}${process.stderr.isTTY ? '\r' : '\n'}`);
    for (const c of shuffle(configs)) {
      const r = results[c.id];
      if (r.skipped) continue;
      try {
        const s = await runOne(c);
        r.samples.push(s.ms);
        if (s.stopMs !== undefined) {
          r.stopMs.push(s.stopMs);
          r.unguardedMs.push(s.unguardedMs);
          r.rssMb.push(s.rssMb);
          r.exits.push(s.exit);
          if (s.exit !== 0) r.oddExits.push({ exit: s.exit, stderr: s.stderr.slice(-2000) });
        }
      } catch (err) {
        r.failures.push(err.message);
        log(`\nbench: ${err.message}\n`);
        if (r.failures.length >= 3 && r.samples.length === 0) {
          r.skipped = true;
          log(`bench: giving up on '${c.label}'\n`);
        }
      }
    }
  }
  if (process.stderr.isTTY) log('\n');

  // ------------------------------------------------------------ summary
  for (const r of Object.values(results)) {
    r.stats = stats(r.samples);
    r.stop = stats(r.stopMs);
    r.unguarded = stats(r.unguardedMs);
    r.rss = stats(r.rssMb);
    r.nonZeroExits = r.exits.filter((e) => e !== 0).length;
  }
  const med = (id) => results[id]?.stats?.median ?? null;
  const base = med('node-e0');
  const ratio = (id) => div(med(id), base);

  const demo = {
    launcherMs: med('demo-launcher'),
    launcherRatio: ratio('demo-launcher'),
    launcherFullMs: med('demo-launcher-full'),
    launcherFullRatio: ratio('demo-launcher-full'),
    directMs: med('demo-direct'),
    directRatio: ratio('demo-direct'),
    launcherShareMs: med('demo-launcher') !== null && med('demo-direct') !== null ? med('demo-launcher') - med('demo-direct') : null,
    coldMs: med('demo-cold'),
    coldRatio: ratio('demo-cold'),
    resumeOverCold: div(med('demo-launcher'), med('demo-cold')),
    directOverCold: div(med('demo-direct'), med('demo-cold')),
    checksumMs: med('demo-checksum'),
    imageBytes: deploys.demo.bytes,
    deployMs: Math.round(deploys.demo.ms),
    target: TARGET_RATIO,
  };
  demo.meetsTarget = demo.launcherRatio !== null ? demo.launcherRatio <= TARGET_RATIO : null;

  const zeroBytes = deploys['subscribers-0'].bytes;
  const scaling = sizes.map((s) => {
    const d = deploys[`subscribers-${s.n}`];
    return {
      count: s.n,
      imageBytes: d.bytes,
      imageMB: d.bytes / 1e6,
      bytesPerRecord: s.n ? (d.bytes - zeroBytes) / s.n : null,
      deployMs: Math.round(d.ms),
      launcherMs: med(`sub-${s.n}-launcher`),
      launcherRatio: ratio(`sub-${s.n}-launcher`),
      directMs: med(`sub-${s.n}-direct`),
      directRatio: ratio(`sub-${s.n}-direct`),
      coldMs: med(`sub-${s.n}-cold`),
      resumeOverCold: div(med(`sub-${s.n}-launcher`), med(`sub-${s.n}-cold`)),
      directOverCold: div(med(`sub-${s.n}-direct`), med(`sub-${s.n}-cold`)),
      checksumMs: med(`sub-${s.n}-checksum`),
      rssMB: results[`sub-${s.n}-launcher`].rss?.median ?? null,
    };
  });
  const per1e5 = (a, b, k) => (a[k] === null || b[k] === null ? null : ((b[k] - a[k]) / (b.count - a.count)) * 1e5);
  const marginal = [];
  for (let i = 1; i < scaling.length; i++) {
    const a = scaling[i - 1];
    const b = scaling[i];
    marginal.push({
      from: a.count,
      to: b.count,
      launcherMsPer1e5: per1e5(a, b, 'launcherMs'),
      directMsPer1e5: per1e5(a, b, 'directMs'),
      coldMsPer1e5: per1e5(a, b, 'coldMs'),
      checksumMsPer1e5: per1e5(a, b, 'checksumMs'),
      imageMBPer1e5: per1e5(a, b, 'imageMB'),
      rssMBPer1e5: per1e5(a, b, 'rssMB'),
    });
  }

  // ------------------------------------------------------------ report
  const finishedAt = new Date();
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    memGB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    platform: process.platform,
    arch: process.arch,
    loadavgBefore: loadBefore.map((x) => Math.round(x * 100) / 100),
    loadavgAfter: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
  let out = '';
  out += `\nsnaptel resume benchmark, ${startedAt.toISOString()}, node ${process.version}, ${machine.cpus} cpus (${machine.cpuModel}), ${RUNS} runs, median [p25-p75] ms\n\n`;
  const row = (id, extra = []) => {
    const s = results[id].stats;
    const r = results[id];
    return [
      r.label,
      s ? f1(s.median) : 'failed',
      s ? `${f1(s.p25)}-${f1(s.p75)}` : null,
      f2(ratio(id)),
      r.stop ? f1(r.stop.median) : null,
      r.rss ? f1(r.rss.median) : null,
      `${r.samples.length}/${RUNS}${r.nonZeroExits ? ` (${r.nonZeroExits} exit!=0)` : ''}`,
      ...extra,
    ];
  };
  out += table(
    ['start-up (spawn to exit, or to first accepted connection)', 'median', 'p25-p75', 'x node -e 0', 'stop ms', 'RSS MB', 'ok'],
    ['node-e0', 'node-version', 'demo-launcher', 'demo-launcher-full', 'demo-direct', 'demo-cold', 'demo-checksum'].map((id) => row(id)),
  );
  out += `\ndemo image via the launcher: ${f1(demo.launcherMs)} ms = ${f2(demo.launcherRatio)} x node -e 0 (target <= ${TARGET_RATIO}: ${demo.meetsTarget ? 'met' : 'NOT met'}); `;
  out += `first run after deploy (full sha256) ${f2(demo.launcherFullRatio)} x; direct ${f2(demo.directRatio)} x; launcher's share ${f1(demo.launcherShareMs)} ms; resume/cold ${f2(demo.resumeOverCold)} (direct/cold ${f2(demo.directOverCold)})\n\n`;

  out += table(
    ['subscribers', 'image MB', 'B/record', 'deploy s', 'launcher ms', 'x node', 'direct ms', 'x node', 'cold ms', 'resume/cold', 'checksum ms', 'RSS MB'],
    scaling.map((s) => [
      count(s.count),
      f1(s.imageMB),
      s.bytesPerRecord === null ? null : s.bytesPerRecord.toFixed(0),
      f1(s.deployMs / 1000),
      f1(s.launcherMs),
      f2(s.launcherRatio),
      f1(s.directMs),
      f2(s.directRatio),
      f1(s.coldMs),
      f2(s.resumeOverCold),
      f1(s.checksumMs),
      f1(s.rssMB),
    ]),
  );
  out += `\nmarginal cost per 10^5 records (slope between consecutive sizes)\n`;
  out += table(
    ['between', 'launcher ms', 'direct ms', 'cold ms', 'checksum ms', 'image MB', 'RSS MB'],
    marginal.map((m) => [
      `${count(m.from)} .. ${count(m.to)}`,
      f1(m.launcherMsPer1e5),
      f1(m.directMsPer1e5),
      f1(m.coldMsPer1e5),
      f1(m.checksumMsPer1e5),
      f1(m.imageMBPer1e5),
      f1(m.rssMBPer1e5),
    ]),
  );
  const failed = Object.values(results).filter((r) => r.failures.length);
  if (failed.length) out += `\nfailures: ${failed.map((r) => `${r.label} (${r.failures.length})`).join(', ')}; see results.json\n`;

  const json = {
    bench: 'snaptel resume',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    node: process.version,
    v8: process.versions.v8,
    machine,
    settings: { runs: RUNS, sizes: SIZES, pollMs: POLL_MS, startTimeoutMs: START_TIMEOUT_MS, stopTimeoutMs: STOP_TIMEOUT_MS, nodeOptions: NODE_OPTIONS || null },
    baselineMs: base,
    demo,
    scaling,
    marginal,
    deploys: Object.fromEntries(Object.entries(deploys).map(([k, d]) => [k, { ms: Math.round(d.ms), bytes: d.bytes }])),
    results: Object.fromEntries(
      Object.entries(results).map(([id, r]) => [
        id,
        {
          label: r.label,
          stats: r.stats,
          ratioToBaseline: ratio(id),
          stopMs: r.stop,
          listeningBeforeSigtermHandlerMs: r.unguarded,
          rssMb: r.rss,
          nonZeroExits: r.nonZeroExits,
          oddExits: r.oddExits,
          failures: r.failures,
          samples: r.samples.map((x) => Math.round(x * 100) / 100),
        },
      ]),
    ),
  };
  writeJson(RESULTS, json);
  out += `\nwritten ${path.relative(process.cwd(), RESULTS) || RESULTS}\n`;
  process.stdout.write(out);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`\nbench: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
