#!/usr/bin/env node
/**
 * MSC benchmark: location updates and calls per second through the whole
 * stack, memory per registered subscriber, and resume time of MSC images
 * holding 10^4 .. 10^6 registered subscribers, each against a baseline
 * measured in the same run.
 *
 *     npx tsc -b && npm run bench -w @snaptel/msc
 *     BENCH_SUBSCRIBERS=2000 BENCH_CALLS=1000 BENCH_SIZES=10000,100000 BENCH_RUNS=3 node packages/msc/bench/run.mjs
 *
 * Method (the README's "Benchmarks" section says the same with figures)
 *
 * 1. Throughput. An image of hlr + msc is deployed with `snaptel deploy`
 *    (the HLR provisioned in the recipe with BENCH_SUBSCRIBERS + W
 *    subscribers, subscriberAt() of bsc-sim: COMP128v1, so every LU
 *    authenticates and ciphers with A5/1), the A interface on a free
 *    127.0.0.1 port, osmo-mgw (started on loopback by
 *    packages/mgcp/test/mgw-process.mjs) as the media gateway when installed,
 *    else no `mgw` in the msc config (calls without media; the output says
 *    so). The image runs as users run it, `packages/image/bin/snaptel run IMG
 *    --control SOCK --allow-eval`, its log to a file. The load is the bsc-sim
 *    CLI, a process of its own per run: first a warm-up run on W = min(N,
 *    1000) other subscribers (LU and calls: JIT, pools), then for each
 *    concurrency of BENCH_CONCURRENCY and each log level of BENCH_LOG_LEVELS
 *    (`snaptel remote log-level` between runs; info is what images/msc.json
 *    ships) a run with --lu (every subscriber; the later ones LU the same
 *    subscribers again), then the same number of runs with --calls (MO call ->
 *    paging -> MT leg answered -> connected -> released by the caller -> both
 *    connections cleared; pairs of registered subscribers, without a new LU).
 *    The MSC's CPU time (utime + stime of all its threads, /proc/PID/stat,
 *    around each CLI run) gives the "per core" rate: operations per
 *    CPU-second of the MSC process (what one core fully used by the MSC would
 *    do, if the rate scales linearly up to it), and its utilisation (CPU
 *    time / phase wall time). bsc-sim's and osmo-mgw's utilisation and the
 *    log bytes written per operation are shown too.
 *    Baseline: the same CLI runs (after the same warm-up) against bsc-sim's
 *    automatic fake MSC (bench/auto-msc.mjs: the same answers on the wire,
 *    computed by the codec packages and @snaptel/auth alone: no VLR, HLR,
 *    state machines, timers, logs or MGCP) in its own process. Its wall rate
 *    is what the simulator can drive on this machine; the per-CPU ratio is how
 *    much more an MSC operation costs than the protocol work alone.
 *    Profile (BENCH_PROFILE=0 skips it): one more LU run and calls run at log
 *    level info with V8's CPU profiler on inside the MSC (started and stopped
 *    through `remote eval`, node:inspector, 250 us sampling); self time is
 *    attributed to packages through the `// packages/...` markers of the
 *    image's own bundle, read back from the image file, and native frames
 *    (socket writes, crypto) to the package that called them.
 *
 * 2. Memory per registered subscriber. In the MSC process, through `remote
 *    eval`: a forced GC (--expose-gc set at run time with v8.setFlagsFromString,
 *    bench-only), then heapUsed + arrayBuffers and RSS. (a) Through the A
 *    interface: before and after the first measured LU run of part 1
 *    (BENCH_SUBSCRIBERS registrations by real location updates, after the
 *    warm-up), and across the other LU runs (the same subscribers again: a
 *    leak check, ~0 expected). (b) By `remote eval` registration straight
 *    into the VLR (msc.vlr.register + allocateTmsi + confirmTmsi with the
 *    fields a LU sets), in batches of 10^5, up to each of BENCH_SIZES: the
 *    rows of (b) are labelled so. Each row also shows the VLR's own
 *    VlrStore.bytesPerSubscriber() (columns + indexes + spare capacity).
 *
 * 3. Resume. The images are live snapshots (`remote snapshot` with an `out`
 *    path) of a running MSC image whose VLR was filled by the registrations of
 *    2(b): what a running MSC leaves behind, frozen VLR and all. Two forms:
 *    "VLR" (the HLR holds one subscriber: the MSC's own state, as with an
 *    external HLR over GSUP) and "HLR+VLR" (BENCH_FULL=0 skips it: the
 *    embedded HLR holds the same N subscribers, added through remote eval).
 *    The reference is the deployed image with nothing registered. A run is
 *    `snaptel run IMG` (the launcher, on its stamp fast path); "accept" is
 *    spawn to the first TCP connection accepted on the A port (tried every
 *    ~1 ms), "first LU" is spawn to a location update accepted (in-process
 *    BscSim: IPA, RESET, LU with authentication of registered subscriber 0:
 *    this includes thawing the VLR). Then SIGTERM once the runtime's signal
 *    handlers are in. `node -e 0` (spawn to exit) runs in the same rounds:
 *    one untimed warm-up round, then BENCH_RUNS rounds in shuffled order;
 *    medians, ratios of medians. A resume that dies of SIGSEGV is reported
 *    as a crash. Then each image is run once more to time msc.vlr.thaw()
 *    through remote eval.
 *
 * Environment: BENCH_SUBSCRIBERS (10000), BENCH_CALLS (5000),
 * BENCH_CONCURRENCY (50,200), BENCH_LOG_LEVELS (info,warn), BENCH_SIZES
 * (10000,100000,1000000), BENCH_RUNS (7), BENCH_PHASES
 * (throughput,memory,resume), BENCH_FULL (1), BENCH_MGW (1; 0 = calls without
 * media even when osmo-mgw is installed), BENCH_PROFILE (1), BENCH_JSON (a
 * file for the raw results), BENCH_PROFILE_DIR (a folder for the two
 * .cpuprofile files), BENCH_KEEP=1 (keep the temporary folder: images,
 * logs). Everything is on 127.0.0.1; every child has a time limit and is
 * killed with its process group when the bench exits.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..', '..');
const LAUNCHER = path.join(ROOT, 'packages/image/bin/snaptel');
const BSC_SIM = path.join(ROOT, 'packages/bsc-sim/bin/bsc-sim');
const AUTO_MSC = path.join(HERE, 'auto-msc.mjs');
const HOST = '127.0.0.1';
const LAC = 23;

const { subscriberAt, BscSim } = require('@snaptel/bsc-sim');
const { request } = require(path.join(ROOT, 'packages/image/dist/remote.js'));
const imageFile = require(path.join(ROOT, 'packages/image/dist/image-file.js'));

const int = (name, def) => {
  const v = Number(process.env[name] ?? def);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name}: ${process.env[name]} is not a count`);
  return v;
};
const N = int('BENCH_SUBSCRIBERS', 10_000);
const CALLS = int('BENCH_CALLS', 5000);
const CONCS = (process.env.BENCH_CONCURRENCY ?? '50,200').split(',').filter(Boolean).map(Number);
if (!CONCS.length || CONCS.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`BENCH_CONCURRENCY: ${process.env.BENCH_CONCURRENCY}`);
const CONC = CONCS[0];
const RUNS = Math.max(1, int('BENCH_RUNS', 7));
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').filter(Boolean).map(Number).sort((a, b) => a - b);
const LEVELS = (process.env.BENCH_LOG_LEVELS ?? 'info,warn').split(',').filter(Boolean);
const PHASES = new Set((process.env.BENCH_PHASES ?? 'throughput,memory,resume').split(',').filter(Boolean));
const FULL = process.env.BENCH_FULL !== '0';
const WANT_MGW = process.env.BENCH_MGW !== '0';
const PROFILE = process.env.BENCH_PROFILE !== '0';
const BATCH = 100_000;
if (SIZES.some((n) => !Number.isInteger(n) || n < 1 || n > 10_000_000)) throw new Error(`BENCH_SIZES: ${process.env.BENCH_SIZES}`);
if (N < 2) throw new Error('BENCH_SUBSCRIBERS: at least 2 (calls are between pairs)');
if (!LEVELS.length || LEVELS.some((l) => !['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(l))) throw new Error(`BENCH_LOG_LEVELS: ${process.env.BENCH_LOG_LEVELS}`);
for (const ph of PHASES) if (!['throughput', 'memory', 'resume'].includes(ph)) throw new Error(`BENCH_PHASES: unknown phase '${ph}' (throughput, memory, resume)`);

const BASE = { imsiBase: '001010000000001', kiBase: 'eb215756028d60e3275e613320aec880', msisdnBase: '20000000', algo: 'comp128v1' };
const TARGET = { lu: 5000, calls: 1000, bytes: 256, resume: 3 };
let CLK_TCK = 100;
try {
  CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
} catch {
  /* default */
}

// ---------------------------------------------------------------- small things

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
const f0 = (x) => (x === undefined || x === null || Number.isNaN(x) ? '-' : Math.round(x).toLocaleString('en'));
const f1 = (x) => (x === undefined || x === null || Number.isNaN(x) ? '-' : x.toFixed(1));
const f2 = (x) => (x === undefined || x === null || Number.isNaN(x) ? '-' : x.toFixed(2));
const pow = (n) => (Number.isInteger(Math.log10(n)) ? `10^${Math.log10(n)}` : String(n));
const note = (s) => process.stderr.write(`bench: ${s}\n`);

function table(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => '| ' + r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join(' | ') + ' |';
  return [line(head), '|' + w.map((x, i) => (i === 0 ? '-'.repeat(x + 2) : '-'.repeat(x + 1) + ':')).join('|') + '|', ...rows.map(line)].join('\n');
}

/** utime + stime of a process in ms, from /proc/PID/stat (the name may hold spaces: fields after the last ')'). */
function cpuMs(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Children of this process with that command name (osmo-mgw is started by the mgcp helper, which does not give its pid). */
function childrenNamed(comm) {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const name = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      if (name === comm && ppid === process.pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

// ---------------------------------------------------------------- children and clean-up

const live = new Set();
let tmpDir;
let mgw;

function cleanup() {
  for (const c of live) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  live.clear();
  for (const pid of childrenNamed('osmo-mgw')) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (tmpDir && process.env.BENCH_KEEP === '1') process.stderr.write(`bench: kept ${tmpDir} (images, logs, profiles)\n`);
  else if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = undefined;
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    process.stderr.write(`\nbench: ${sig}: stopping\n`);
    process.exit(130);
  });

const childEnv = () => {
  const env = { ...process.env, TMPDIR: tmpDir, SNAPTEL_NODE: process.execPath };
  for (const k of ['NODE_OPTIONS', 'SNAPTEL_LOG_LEVEL', 'SNAPTEL_CLOCK_SHIFT_MS', 'SNAPTEL_IMAGE', 'NOTIFY_SOCKET', 'SNAPTEL_VERIFY', 'SNAPTEL_PATH']) delete env[k];
  return env;
};

/** A child in its own process group; `limitMs` later it is killed with its group. */
function startChild(cmd, args, { stdout = 'ignore', limitMs = 600_000 } = {}) {
  const c = spawn(cmd, args, { cwd: ROOT, env: childEnv(), stdio: ['ignore', stdout, 'pipe'], detached: true });
  live.add(c);
  c.err = '';
  c.stderr.on('data', (d) => (c.err = (c.err + d).slice(-8192)));
  const limit = setTimeout(() => {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, limitMs);
  c.done = new Promise((resolve) => {
    c.once('exit', (code, signal) => {
      clearTimeout(limit);
      live.delete(c);
      resolve({ code, signal, at: performance.now() });
    });
  });
  return c;
}

async function stopChild(c, timeoutMs = 15_000) {
  if (!live.has(c)) return c.done;
  try {
    process.kill(c.pid, 'SIGTERM');
  } catch {
    /* gone */
  }
  const r = await Promise.race([c.done, sleep(timeoutMs).then(() => null)]);
  if (r) return r;
  try {
    process.kill(-c.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  return c.done;
}

function canBind(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: HOST, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** Free TCP ports on 127.0.0.1 below the ephemeral range (no outgoing connection gets them meanwhile). */
async function pickPorts(count) {
  let lo = 32_768;
  try {
    lo = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || lo;
  } catch {
    /* not Linux */
  }
  const ports = new Set();
  for (let i = 0; i < 1000 && ports.size < count; i++) {
    const p = 10_000 + Math.floor(Math.random() * (lo - 10_001));
    if (!ports.has(p) && (await canBind(p))) ports.add(p);
  }
  if (ports.size < count) throw new Error('not enough free ports');
  return [...ports];
}

// ---------------------------------------------------------------- images

function deploy(name, recipe) {
  const file = path.join(tmpDir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(recipe));
  const out = path.join(tmpDir, `${name}.img`);
  const t0 = performance.now();
  const r = spawnSync(LAUNCHER, ['deploy', '--config', file, '--out', out, '-q'], { cwd: ROOT, encoding: 'utf8', env: childEnv(), maxBuffer: 64 << 20, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`deploy ${name} failed (${r.status ?? r.signal}):\n${r.stderr}${r.stdout}`);
  return { img: out, mb: fs.statSync(out).size / 1e6, deployS: (performance.now() - t0) / 1000 };
}

function mscRecipe({ port, hlrSubscribers, mgwPort, level = 'info' }) {
  return {
    package: ['hlr', 'msc'],
    packages: {
      hlr: { subscribers: hlrSubscribers },
      msc: {
        a: { host: HOST, port, bscs: [{ name: 'bsc-sim', host: HOST, lac: LAC }] },
        network: { mcc: '001', mnc: '01' },
        ...(mgwPort ? { mgw: { host: HOST, port: mgwPort } } : {}),
      },
    },
    log: { level },
  };
}

/** `snaptel run IMG --control SOCK --allow-eval`, log to a file; resolves once `ready` is logged. */
async function runDaemon(img, name) {
  const control = path.join(tmpDir, `${name}.sock`);
  const logFile = path.join(tmpDir, `${name}.log`);
  const fd = fs.openSync(logFile, 'a');
  const c = startChild(LAUNCHER, ['run', img, '--control', control, '--allow-eval'], { stdout: fd, limitMs: 1_200_000 });
  fs.closeSync(fd);
  const end = performance.now() + 60_000;
  for (;;) {
    if (!live.has(c)) throw new Error(`${name}: exited before ready\n${c.err}\n${fs.readFileSync(logFile, 'utf8').slice(-4000)}`);
    if (performance.now() > end) throw new Error(`${name}: not ready after 60 s\n${c.err}`);
    const text = fs.readFileSync(logFile, 'utf8');
    if (/"pkg":"snaptel"[^\n]*"msg":"ready/.test(text)) break;
    await sleep(20);
  }
  return { c, pid: c.pid, control, logFile };
}

async function evalIn(d, code, timeoutMs = 120_000) {
  const r = await request(d.control, 'eval', { code, timeoutMs }, timeoutMs + 15_000);
  if (!r.ok) throw new Error(`eval in ${d.control}: ${r.error?.code}: ${r.error?.message}\n${code.slice(0, 300)}`);
  return r.result.json;
}

async function controlCmd(d, cmd, args = {}, timeoutMs = 30_000) {
  const r = await request(d.control, cmd, args, timeoutMs);
  if (!r.ok) throw new Error(`${cmd} in ${d.control}: ${r.error?.code}: ${r.error?.message}`);
  return r.result;
}

// Code run inside the MSC through `remote eval` (bench-only: it reaches the
// process through the main realm's Function, which eval's sandbox does not give).
const MAIN = "const F = Buffer.constructor; const P = F('return process')(); const G = F('return globalThis')();";

const MEMORY_CODE = `(() => { ${MAIN}
  P.getBuiltinModule('v8').setFlagsFromString('--expose-gc');
  const gc = P.getBuiltinModule('vm').runInNewContext('gc');
  gc(); gc();
  const m = P.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss, registered: msc.vlr.size,
    vlrBytes: msc.vlr.allocatedBytes(), vlrPerSub: msc.vlr.bytesPerSubscriber(), conns: msc.core.conns.size, calls: msc.core.calls.size };
})()`;

async function memoryIn(d) {
  return evalIn(d, MEMORY_CODE);
}

/** Registers subscribers [from, to) in the VLR with the fields a location update sets (mm.ts located()); with `hlr`, provisions them in the HLR first. */
function registerCode(from, to, withHlr) {
  const imsi0 = Number(BASE.imsiBase);
  const msisdn0 = Number(BASE.msisdnBase);
  return `(() => {
  const v = msc.vlr; const now = Date.now();
  const KB = BigInt('0x${BASE.kiBase}'); const M = (1n << 128n) - 1n;
  for (let i = ${from}; i < ${to}; i++) {
    const imsi = String(${imsi0} + i).padStart(${BASE.imsiBase.length}, '0');
    const msisdn = String(${msisdn0} + i).padStart(${BASE.msisdnBase.length}, '0');
    ${withHlr ? "hlr.store.add({ imsi, msisdn, ki: ((KB + BigInt(i)) & M).toString(16).padStart(32, '0'), algo: 'comp128v1' });" : ''}
    const h = Math.imul(i + 1, 2654435761) >>> 0;
    const kc = h.toString(16).padStart(8, '0') + ((h ^ 0x5a5a5a5a) >>> 0).toString(16).padStart(8, '0');
    const slot = v.register(imsi, { msisdn, lac: ${LAC}, state: 'attached', lastSeen: now, luExpiry: now + 3600000, kc, cksn: 0 });
    v.allocateTmsi(slot);
    v.confirmTmsi(slot);
  }
  return { registered: v.size, hlr: hlr.size };
})()`;
}

const PROFILE_START = `(() => { ${MAIN}
  const s = new (P.getBuiltinModule('inspector').Session)(); s.connect(); G.__mscBenchProfiler = s;
  let err = null;
  s.post('Profiler.enable', (e) => { if (e) err = e; });
  s.post('Profiler.setSamplingInterval', { interval: 250 }, (e) => { if (e) err = e; });
  s.post('Profiler.start', (e) => { if (e) err = e; });
  if (err) throw err;
  return 'started';
})()`;

const profileStop = (file) => `(() => { ${MAIN}
  const s = G.__mscBenchProfiler; let out = null, err = null;
  s.post('Profiler.stop', (e, r) => { if (e) err = e; else out = r.profile; });
  s.disconnect(); delete G.__mscBenchProfiler;
  if (err || !out) throw err ?? new Error('no profile');
  P.getBuiltinModule('fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify(out));
  return out.samples.length;
})()`;

const THAW_CODE = `(() => { ${MAIN}
  const perf = F('return performance')();
  const frozen = msc.vlr.frozen; const t = perf.now(); msc.vlr.thaw();
  return { frozen, ms: perf.now() - t, registered: msc.vlr.size };
})()`;

// ---------------------------------------------------------------- load: the bsc-sim CLI in its own process

/**
 * One bsc-sim CLI run against 127.0.0.1:port (subscribers 0..n-1 numbered from `base`); the CPU of `pids` (the MSC, osmo-mgw) around it.
 * Returns the CLI's JSON report with { wallMs, cpu: { [name]: ms } }.
 */
async function simRun(port, { lu = false, calls = 0, n = N, base = BASE, lac = LAC, conc = CONC, logFile }, pids) {
  const args = [BSC_SIM, '--msc', `${HOST}:${port}`, '--lac', String(lac), '--subscribers', String(n), '--imsi-base', base.imsiBase, '--ki-base', base.kiBase,
    '--msisdn-base', base.msisdnBase, '--algo', base.algo, '--concurrency', String(conc), '--duration', '90', '--grace', '10', '--json'];
  if (lu) args.push('--lu');
  if (calls) args.push('--calls', String(calls));
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const log0 = logFile ? fs.statSync(logFile).size : 0;
  const t0 = performance.now();
  const c = startChild(process.execPath, args, { stdout: 'pipe', limitMs: 150_000 });
  let out = '';
  c.stdout.on('data', (d) => (out += d));
  const info = await c.done;
  const wallMs = performance.now() - t0;
  const cpu = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid) - before[k]]));
  if (info.code !== 0 && info.code !== 1) throw new Error(`bsc-sim exited ${info.code ?? info.signal}\n${c.err}\n${out.slice(0, 2000)}`);
  const r = JSON.parse(out);
  return { ...r, wallMs, cpu, logBytes: logFile ? fs.statSync(logFile).size - log0 : undefined };
}

/** A phase of a simRun as one row of figures. */
function phaseFigures(r, kind) {
  const p = r[kind];
  const mscCpu = r.cpu.msc;
  return {
    attempted: p.attempted,
    ok: p.ok,
    rejected: p.rejected,
    failed: p.failed,
    errors: p.errors,
    perSecond: p.perSecond,
    durationMs: p.durationMs,
    latencyMs: p.latencyMs,
    mscCpuMs: mscCpu,
    mscUtil: mscCpu / p.durationMs,
    perMscCpuSecond: p.ok / (mscCpu / 1000),
    simCpuMs: r.cpuMs,
    simUtil: r.cpuMs / r.durationMs,
    mgwCpuMs: r.cpu.mgw,
    logBytesPerOp: r.logBytes === undefined ? undefined : r.logBytes / Math.max(1, p.attempted),
  };
}

// ---------------------------------------------------------------- profile summary

const CATEGORIES = [
  ['logging (pino and its stream)', /node_modules\/(pino|sonic-boom|thread-stream|safe-stable-stringify|quick-format-unescaped|@pinojs|atomic-sleep|on-exit-leak-free|fast-redact)/],
  ['msc (MM, CC, A interface)', /packages\/msc\//],
  ['fsm', /packages\/fsm\//],
  ['codec stack (codec, ipa, sccp, bssap, gsm48)', /packages\/(codec|ipa|sccp|bssap|gsm48)\//],
  ['auth (COMP128v1, A5 keys)', /packages\/auth\//],
  ['vlr', /packages\/vlr\//],
  ['hlr', /packages\/hlr\//],
  ['mgcp', /packages\/mgcp\//],
  ['image runtime (sockets, timers, log hub)', /packages\/image\//],
];

/** The image's bundle: line -> module path, from esbuild's `// path` markers. */
async function bundleModules(img) {
  const opened = imageFile.openImage(img, { checksum: false });
  const text = zlib.gunzipSync(await imageFile.readBundle(opened)).toString('utf8');
  const marks = [];
  text.split('\n').forEach((l, i) => {
    const m = /^\/\/ ((?:packages|node_modules|\.\.)\/\S+)$/.exec(l);
    if (m) marks.push([i, m[1]]);
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let best = '(bundle)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid][0] <= line) {
        best = marks[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  };
}

/**
 * Self time by package, a native or Node-internal frame counted to the nearest
 * package frame that called it (so the log file's write is logging, a socket
 * write is whoever wrote); and inclusive time (the share of busy samples with
 * at least one frame of the package on the stack).
 */
function summarizeProfile(file, moduleAt) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const SPECIAL = /^\((garbage collector|idle|program|root)\)$/;
  const own = (n) => {
    const cf = n.callFrame;
    if (!cf.url || cf.url.startsWith('node:')) return undefined;
    const where = /bundle\.c?js$/.test(cf.url) ? moduleAt(cf.lineNumber) : cf.url;
    for (const [name, re] of CATEGORIES) if (re.test(where)) return name;
    return 'other (bundle)';
  };
  const whereOf = (n) => {
    const cf = n.callFrame;
    if (!cf.url) return 'native';
    if (cf.url.startsWith('node:')) return cf.url;
    return (/bundle\.c?js$/.test(cf.url) ? moduleAt(cf.lineNumber) : cf.url).replace(/^(packages|node_modules)\//, '');
  };
  const memo = new Map();
  const attributed = (n) => {
    if (memo.has(n.id)) return memo.get(n.id);
    let cat;
    if (!n.callFrame.url && SPECIAL.test(n.callFrame.functionName)) cat = n.callFrame.functionName;
    else {
      for (let m = n; m && !cat; m = byId.get(parent.get(m.id))) cat = own(m);
      cat ??= 'node internals (no package on the stack)';
    }
    memo.set(n.id, cat);
    return cat;
  };
  let total = 0;
  let idle = 0;
  const self = new Map();
  const incl = new Map();
  const fns = new Map();
  for (const n of prof.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    total += hits;
    const cat = attributed(n);
    if (cat === '(idle)') {
      idle += hits;
      continue;
    }
    self.set(cat, (self.get(cat) ?? 0) + hits);
    const seen = new Set();
    for (let m = n; m; m = byId.get(parent.get(m.id))) {
      const c = own(m);
      if (c) seen.add(c);
    }
    for (const c of seen) incl.set(c, (incl.get(c) ?? 0) + hits);
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${whereOf(n)}${!n.callFrame.url && !SPECIAL.test(n.callFrame.functionName) ? ` [${cat}]` : ''}`;
    fns.set(fn, (fns.get(fn) ?? 0) + hits);
  }
  const busy = total - idle || 1;
  const pct = (h) => (100 * (h ?? 0)) / busy;
  return {
    samples: total,
    busyShare: busy / (total || 1),
    categories: [...self].sort((a, b) => b[1] - a[1]).map(([k, h]) => [k, pct(h), incl.has(k) ? pct(incl.get(k)) : undefined]),
    functions: [...fns].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, h]) => [k, pct(h)]),
  };
}

// ---------------------------------------------------------------- part 1: throughput

async function throughput(results) {
  const [port] = await pickPorts(1);
  // Subscribers 0..N-1 are measured; N..N+W-1 warm the MSC up first (JIT, pools), so that the
  // memory growth of the measured LUs is data, not compiled code.
  const W = Math.max(2, Math.min(N, 1000));
  const first = subscriberAt(BASE, N);
  const WARM = { ...BASE, imsiBase: first.imsi, kiBase: first.ki, msisdnBase: first.msisdn };
  const subs = Array.from({ length: N + W }, (_, i) => subscriberAt(BASE, i));
  let mgwPort;
  const haveMgw = spawnSync('osmo-mgw', ['--version'], { encoding: 'utf8' }).status === 0;
  if (WANT_MGW && haveMgw) {
    const { startOsmoMgw } = await import(path.join(ROOT, 'packages/mgcp/test/mgw-process.mjs'));
    mgw = await startOsmoMgw({ endpoints: Math.max(64, 4 * Math.max(...CONCS)), logLevel: 'error' });
    mgwPort = mgw.mgcpPort;
  }
  const mgwPid = mgw ? childrenNamed('osmo-mgw')[0] : undefined;
  results.media = mgw ? 'osmo-mgw' : WANT_MGW ? 'none (osmo-mgw is not installed: calls without media, no mgw in the msc config)' : 'none (BENCH_MGW=0)';
  note(`throughput: deploy hlr+msc with ${N + W} subscribers, media: ${results.media}`);
  const d0 = deploy('throughput', mscRecipe({ port, hlrSubscribers: subs, mgwPort }));
  const msc = await runDaemon(d0.img, 'throughput');
  const pids = { msc: msc.pid, ...(mgwPid ? { mgw: mgwPid } : {}) };
  const runs = [];
  const memory = {};
  try {
    note(`throughput: warm-up, LU of ${W} other subscribers and ${Math.floor(W / 2)} calls`);
    await controlCmd(msc, 'log-level', { level: LEVELS[0] ?? 'info' });
    await simRun(port, { lu: true, calls: Math.floor(W / 2), n: W, base: WARM }, pids);
    memory.before = await memoryIn(msc);
    // All LU runs first (memory after the first: N registrations; after the others: the same
    // subscribers again, which must not grow the heap), then the call runs.
    const lus = [];
    for (const conc of CONCS)
      for (const level of LEVELS) {
        await controlCmd(msc, 'log-level', { level });
        note(`throughput: LU of ${N}, ${conc} in flight, log level ${level}`);
        lus.push({ conc, level, r: await simRun(port, { lu: true, conc, logFile: msc.logFile }, pids) });
        if (!memory.after) memory.after = await memoryIn(msc);
      }
    memory.again = await memoryIn(msc);
    for (const { conc, level, r } of lus) {
      await controlCmd(msc, 'log-level', { level });
      note(`throughput: ${CALLS} calls, ${conc} in flight, log level ${level}`);
      const calls = CALLS ? await simRun(port, { calls: CALLS, conc, logFile: msc.logFile }, pids) : undefined;
      runs.push({ level, conc, lu: phaseFigures(r, 'lu'), calls: calls && phaseFigures(calls, 'calls') });
    }
    memory.end = await memoryIn(msc);
    if (PROFILE) {
      await controlCmd(msc, 'log-level', { level: 'info' });
      const moduleAt = await bundleModules(d0.img);
      results.profile = {};
      for (const [kind, what] of [['lu', { lu: true }], ['calls', { calls: Math.min(CALLS || 0, 3000) }]]) {
        if (kind === 'calls' && !what.calls) continue;
        note(`throughput: profiled ${kind} run (log level info)`);
        const file = path.join(tmpDir, `${kind}.cpuprofile`);
        await evalIn(msc, PROFILE_START);
        const r = await simRun(port, what, pids);
        await evalIn(msc, profileStop(file));
        if (process.env.BENCH_PROFILE_DIR) fs.copyFileSync(file, path.join(process.env.BENCH_PROFILE_DIR, `msc-${kind}.cpuprofile`));
        results.profile[kind] = { ...summarizeProfile(file, moduleAt), rate: r[kind].perSecond, perMscCpuSecond: r[kind].ok / (r.cpu.msc / 1000) };
      }
    }
    results.mscStatus = await evalIn(msc, 'msc.status()');
  } finally {
    await stopChild(msc.c);
    await mgw?.stop();
    mgw = undefined;
  }
  results.memoryA = memory;

  // The fake MSC pages in LAC 1 (its cell list is fixed), so its phones are in LAC 1.
  note('throughput: baseline, the same runs against bsc-sim\'s automatic fake MSC in its own process');
  const auto = startChild(process.execPath, [AUTO_MSC, String(N + W), BASE.imsiBase, BASE.kiBase, BASE.msisdnBase], { stdout: 'pipe', limitMs: 600_000 });
  const autoInfo = await new Promise((resolve, reject) => {
    let s = '';
    const t = setTimeout(() => reject(new Error(`auto MSC did not start\n${auto.err}`)), 30_000);
    auto.stdout.on('data', (dd) => {
      s += dd;
      if (s.includes('\n')) {
        clearTimeout(t);
        resolve(JSON.parse(s.slice(0, s.indexOf('\n'))));
      }
    });
    void auto.done.then(() => reject(new Error(`auto MSC exited\n${auto.err}`)));
  });
  try {
    const pa = { msc: auto.pid };
    await simRun(autoInfo.port, { lu: true, calls: Math.floor(W / 2), n: W, base: WARM, lac: 1 }, pa);
    results.baseline = {};
    for (const conc of CONCS) {
      const lu = await simRun(autoInfo.port, { lu: true, lac: 1, conc }, pa);
      const calls = CALLS ? await simRun(autoInfo.port, { calls: CALLS, lac: 1, conc }, pa) : undefined;
      results.baseline[conc] = { lu: phaseFigures(lu, 'lu'), calls: calls && phaseFigures(calls, 'calls') };
    }
  } finally {
    await stopChild(auto);
  }
  results.throughput = runs;
  results.throughputImageMb = d0.mb;
}

// ---------------------------------------------------------------- parts 2 and 3: registered subscribers, images

/** Fills a running MSC image up to each size (remote eval), measuring memory and taking a live snapshot at each. */
async function populate(form, port, snapshots) {
  const withHlr = form === 'full';
  const s0 = subscriberAt(BASE, 0);
  const d0 = deploy(`base-${form}`, mscRecipe({ port, hlrSubscribers: withHlr ? [] : [s0] }));
  const d = await runDaemon(d0.img, `populate-${form}`);
  const rows = [];
  const images = [];
  try {
    const m0 = await memoryIn(d);
    let n = 0;
    for (const size of SIZES) {
      const t0 = performance.now();
      while (n < size) {
        const to = Math.min(size, n + BATCH);
        await evalIn(d, registerCode(n, to, withHlr));
        n = to;
      }
      const regS = (performance.now() - t0) / 1000;
      const m = await memoryIn(d);
      if (m.registered !== size) throw new Error(`${form}: ${m.registered} registered, expected ${size}`);
      rows.push({ size, regS, before: m0, after: m });
      note(`${form}: ${pow(size)} registered (${f1(regS)} s)${snapshots ? ', live snapshot' : ''}`);
      if (snapshots) {
        const out = path.join(tmpDir, `${form}-${size}.img`);
        const t1 = performance.now();
        const snap = await controlCmd(d, 'snapshot', { out }, 600_000);
        images.push({ form, size, img: out, mb: fs.statSync(out).size / 1e6, snapshotS: (performance.now() - t1) / 1000, exportMs: snap.exportMs, stateBytes: snap.stateBytes });
      }
    }
  } finally {
    await stopChild(d.c);
  }
  return { base: { form, size: 0, img: d0.img, mb: d0.mb }, rows, images };
}

/** A connection to port, or null if refused (within 1 s). */
function connectOnce(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(null);
    }, 1000);
    sock.once('connect', () => {
      clearTimeout(timer);
      resolve(sock);
    });
    sock.once('error', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(null);
    });
  });
}

function catchesSignals(pid) {
  try {
    const m = /^SigCgt:\s+([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? (BigInt(`0x${m[1]}`) & (1n << 11n)) !== 0n : null; // the runtime's SIGUSR2 handler: bit 11
  } catch {
    return null;
  }
}

/** Spawn to the first accepted connection on the A port, and to a first LU accepted; then a clean stop. */
async function timeResume(img, port) {
  const probe = await connectOnce(port);
  if (probe) {
    probe.destroy();
    throw new Error(`port ${port} is taken before the run`);
  }
  const s0 = subscriberAt(BASE, 0);
  const t0 = performance.now();
  const c = startChild(LAUNCHER, ['run', img], { limitMs: 120_000 });
  const deadline = t0 + 60_000;
  let bsc;
  try {
    let sock = null;
    while (!sock) {
      if (!live.has(c)) {
        const info = await c.done;
        if (info.signal === 'SIGSEGV' || info.code === 139) return { crashed: true };
        throw new Error(`${img}: exited (${info.code ?? info.signal}) before listening\n${c.err}`);
      }
      if (performance.now() > deadline) throw new Error(`${img}: not listening after 60 s`);
      sock = await connectOnce(port);
      if (!sock) await sleep(1);
    }
    const accept = performance.now() - t0;
    sock.destroy();
    bsc = new BscSim({ msc: { host: HOST, port }, lac: LAC, reconnect: false, pingIntervalMs: 0 });
    await bsc.start({ timeoutMs: 30_000 });
    const ms = bsc.addMs({ imsi: s0.imsi, msisdn: s0.msisdn, ki: s0.ki, algo: s0.algo });
    const lu = await ms.locationUpdate();
    const firstLu = performance.now() - t0;
    if (!lu.accepted) throw new Error(`${img}: first LU not accepted: ${JSON.stringify(lu)}`);
    await bsc.stop();
    bsc = undefined;
    const rss = rssBytes(c.pid);
    while (catchesSignals(c.pid) === false && performance.now() < deadline) await sleep(1);
    process.kill(c.pid, 'SIGTERM');
    const info = await c.done;
    if (info.code !== 0) throw new Error(`${img}: exit ${info.code ?? info.signal} after SIGTERM\n${c.err}`);
    return { accept, firstLu, rss };
  } finally {
    await bsc?.stop().catch(() => undefined);
    if (live.has(c)) {
      process.kill(-c.pid, 'SIGKILL');
      await c.done;
    }
  }
}

async function timeToExit(cmd, args) {
  const t0 = performance.now();
  const c = startChild(cmd, args, { limitMs: 60_000 });
  const info = await c.done;
  if (info.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${info.code ?? info.signal}\n${c.err}`);
  return info.at - t0;
}

async function resume(images, port) {
  const configs = images.map((i) => ({ label: `${i.form} ${i.size}`, image: i, run: () => timeResume(i.img, port) }));
  configs.push({ label: 'node -e 0', run: async () => ({ accept: await timeToExit(process.execPath, ['-e', '0']) }) });
  const samples = Object.fromEntries(configs.map((c) => [c.label, []]));
  note('resume: warm-up round');
  const warm = {};
  for (const c of configs) warm[c.label] = await c.run();
  for (let r = 0; r < RUNS; r++) {
    note(`resume: round ${r + 1}/${RUNS}`);
    const order = [...configs].sort(() => Math.random() - 0.5);
    for (const c of order) samples[c.label].push(await c.run());
  }
  const base = median(samples['node -e 0'].map((s) => s.accept));
  // What the first LU after a resume pays on top of accepting: the frozen VLR thawed (columns unpacked, indexes rebuilt).
  const thaw = {};
  for (const c of configs) {
    if (!c.image || c.image.size === 0 || warm[c.label]?.crashed || samples[c.label].some((x) => x.crashed)) continue;
    const d = await runDaemon(c.image.img, `thaw-${c.image.form}-${c.image.size}`);
    try {
      thaw[c.label] = await evalIn(d, THAW_CODE);
    } finally {
      await stopChild(d.c);
    }
  }
  const rows = configs
    .filter((c) => c.image)
    .map((c) => {
      const s = samples[c.label];
      const crashes = s.filter((x) => x.crashed).length + (warm[c.label]?.crashed ? 1 : 0);
      const ok = s.filter((x) => !x.crashed);
      const accept = ok.length ? median(ok.map((x) => x.accept)) : NaN;
      const firstLu = ok.length ? median(ok.map((x) => x.firstLu)) : NaN;
      return { ...c.image, thaw: thaw[c.label], crashes, runs: s.length + 1, accept, acceptX: accept / base, firstLu, firstLuX: firstLu / base, rssMb: ok.length ? median(ok.map((x) => x.rss)) / 1e6 : NaN };
    });
  return { nodeMs: base, rows, samples };
}

// ---------------------------------------------------------------- report

function printThroughput(res) {
  const out = [];
  out.push(`## Throughput: bsc-sim CLI (own process) -> MSC image (own process), ${N} subscribers, ${CALLS} calls, ${CONCS.join(' / ')} in flight; media: ${res.media}\n`);
  const rows = [];
  const row = (label, p, base) => [
    label, `${p.ok}/${p.attempted}`, p.rejected, p.failed, f0(p.perSecond), f1(p.latencyMs?.p50), f1(p.latencyMs?.p90), f1(p.latencyMs?.p99),
    f2(p.mscUtil), f0(p.perMscCpuSecond), f2(p.simUtil), p.mgwCpuMs === undefined ? '-' : f2(p.mgwCpuMs / p.durationMs),
    p.logBytesPerOp === undefined ? '-' : f0(p.logBytesPerOp), base ? f2(p.perSecond / base.perSecond) : '1.00', base ? f2(p.perMscCpuSecond / base.perMscCpuSecond) : '1.00',
  ];
  for (const kind of ['lu', 'calls']) {
    for (const r of res.throughput) if (r[kind]) rows.push(row(`MSC ${kind === 'lu' ? 'LU' : 'calls'}, c ${r.conc}, log ${r.level}`, r[kind], res.baseline[r.conc][kind]));
    for (const conc of CONCS) if (res.baseline[conc][kind]) rows.push(row(`baseline ${kind === 'lu' ? 'LU' : 'calls'}, c ${conc} (fake MSC)`, res.baseline[conc][kind]));
  }
  out.push(table(['run', 'ok', 'rejected', 'failed', 'per s', 'p50 ms', 'p90 ms', 'p99 ms', 'MSC CPU util', 'per MSC CPU-s', 'bsc-sim util', 'mgw util', 'log B/op', 'rate / base', 'per CPU-s / base'], rows));
  const errs = [...res.throughput.flatMap((r) => [r.lu, r.calls]), ...Object.values(res.baseline).flatMap((b) => [b.lu, b.calls])].filter((p) => p && p.failed).map((p) => JSON.stringify(p.errors));
  if (errs.length) out.push(`\nfailures: ${errs.join('; ')}`);
  out.push('\n(LU latency: LU REQUEST -> ACCEPT; call latency: SETUP -> CONNECT. "per MSC CPU-s": operations per CPU-second of the MSC process = the rate on one core fully used by the MSC.)');
  if (res.profile)
    for (const [kind, p] of Object.entries(res.profile)) {
      out.push(`\nprofile of the MSC during a ${kind} run at log level info (${p.samples} samples, busy ${f0(100 * p.busyShare)}% of them, ${f0(p.perMscCpuSecond)} per MSC CPU-s; shares of busy samples):\n`);
      out.push(table(['package', 'self % (with the native calls it makes)', 'inclusive %'], p.categories.map(([k, v, i]) => [k, f1(v), i === undefined ? '-' : f1(i)])));
      out.push('');
      out.push(table(['top functions (self time)', '% busy'], p.functions.map(([k, v]) => [k, f1(v)])));
    }
  return out.join('\n');
}

function memRow(label, n, before, after, vlrPerSub) {
  const heap = (after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)) / n;
  const rss = (after.rss - before.rss) / n;
  return [label, pow(n), f1(heap), f1((after.heapUsed - before.heapUsed) / n), f1((after.arrayBuffers - before.arrayBuffers) / n), f1(rss), f1(vlrPerSub), heap <= TARGET.bytes ? 'yes' : `no (${f2(heap / TARGET.bytes)}x)`];
}

function printMemory(res) {
  const rows = [];
  if (res.memoryA) {
    rows.push(memRow('A interface (real LUs)', N, res.memoryA.before, res.memoryA.after, res.memoryA.after.vlrPerSub));
    const again = LEVELS.length * CONCS.length - 1;
    if (again > 0)
      rows.push(memRow(`A interface, the same ${pow(N)} again x${again} (no new subscriber: must be ~0)`, N, res.memoryA.after, res.memoryA.again, res.memoryA.again.vlrPerSub));
  }
  for (const r of res.populate?.vlr?.rows ?? []) rows.push(memRow('remote eval into the VLR', r.size, r.before, r.after, r.after.vlrPerSub));
  if (!rows.length) return '';
  const out = [
    '## Memory per registered subscriber (MSC process, after a forced GC; growth / registrations)\n',
    table(['registered by', 'subscribers', 'heap+AB B/sub', 'heap B/sub', 'ArrayBuffer B/sub', 'RSS B/sub', 'VLR bytesPerSubscriber()', `<= ${TARGET.bytes} B`], rows),
  ];
  const a = res.memoryA;
  if (a?.end && CALLS) {
    const k = CALLS * LEVELS.length * CONCS.length;
    const g = (a.end.heapUsed + a.end.arrayBuffers - a.again.heapUsed - a.again.arrayBuffers) / k;
    out.push(`\nafter ${k} calls: heap+AB ${f0(g)} B per call, ${a.end.conns} connections and ${a.end.calls} calls left (transient: the MGCP agent remembers finished transactions for 60 s, RFC 3435 T-HIST)`);
  }
  return out.join('\n');
}

function printResume(res) {
  const r = res.resume;
  const rows = r.rows.map((x) => [
    x.size === 0 ? 'deployed, nothing registered' : x.form === 'vlr' ? 'VLR' : 'HLR+VLR',
    x.size === 0 ? '0' : pow(x.size),
    f1(x.mb),
    x.snapshotS === undefined ? '-' : f1(x.snapshotS),
    x.crashes ? `${x.crashes === x.runs ? '' : `${f1(x.accept)}, `}SIGSEGV ${x.crashes}/${x.runs}` : f1(x.accept),
    f2(x.acceptX),
    f1(x.firstLu),
    f2(x.firstLuX),
    f0(x.rssMb),
    x.thaw ? `${f1(x.thaw.ms)}${x.thaw.frozen ? '' : ' (was not frozen)'}` : '-',
  ]);
  return [
    `## Resume: \`snaptel run IMG\` to the first accepted connection on the A port / to a first LU accepted; medians of ${RUNS}, node -e 0 = ${f1(r.nodeMs)} ms in the same rounds\n`,
    table(['image', 'registered', 'image MB', 'live snapshot s', 'accept ms', 'x node -e 0', 'first LU ms', 'x node -e 0', 'RSS MB', 'VLR thaw ms'], rows),
    ...(r.rows.some((x) => x.crashes)
      ? ['\nSIGSEGV: the resume crashed inside V8 before the runtime logged anything (runs counted include the warm-up). The VLR stows its columns in a string for this reason (packages/vlr/src/pack.ts, stow()); the HLR keeps typed arrays (about 74 MB at 10^6).']
      : []),
  ].join('\n');
}

function printTargets(res) {
  const out = ['## Targets\n'];
  const rows = [];
  for (const r of res.throughput ?? []) {
    rows.push([`LU per MSC core (c ${r.conc}, log ${r.level})`, `${TARGET.lu}/s`, f0(r.lu.perMscCpuSecond), r.lu.perMscCpuSecond >= TARGET.lu ? 'met' : `missed: ${f2(r.lu.perMscCpuSecond / TARGET.lu)}x of target`]);
    if (r.calls) rows.push([`calls per MSC core (c ${r.conc}, log ${r.level})`, `${TARGET.calls}/s`, f0(r.calls.perMscCpuSecond), r.calls.perMscCpuSecond >= TARGET.calls ? 'met' : `missed: ${f2(r.calls.perMscCpuSecond / TARGET.calls)}x of target`]);
  }
  if (res.memoryA) {
    const a = res.memoryA;
    const b = (a.after.heapUsed + a.after.arrayBuffers - a.before.heapUsed - a.before.arrayBuffers) / N;
    rows.push([`bytes per subscriber, A interface, ${pow(N)}`, `<= ${TARGET.bytes}`, f1(b), b <= TARGET.bytes ? 'met' : `missed: ${f2(b / TARGET.bytes)}x`]);
  }
  for (const r of res.populate?.vlr?.rows ?? []) {
    const b = (r.after.heapUsed + r.after.arrayBuffers - r.before.heapUsed - r.before.arrayBuffers) / r.size;
    rows.push([`bytes per subscriber, eval, ${pow(r.size)}`, `<= ${TARGET.bytes}`, f1(b), b <= TARGET.bytes ? 'met' : `missed: ${f2(b / TARGET.bytes)}x`]);
  }
  for (const x of res.resume?.rows ?? [])
    if (x.size === SIZES[SIZES.length - 1])
      rows.push([
        `resume ${pow(x.size)}, ${x.form === 'vlr' ? 'VLR' : 'HLR+VLR'} (accept)`,
        `<= ${TARGET.resume}x`,
        `${Number.isNaN(x.acceptX) ? '-' : `${f2(x.acceptX)}x`}${x.crashes ? `, SIGSEGV ${x.crashes}/${x.runs}` : ''}`,
        x.crashes ? 'missed (crashes)' : x.acceptX <= TARGET.resume ? 'met' : `missed by ${f2(x.acceptX / TARGET.resume)}x`,
      ]);
  out.push(table(['target', 'wanted', 'measured', ''], rows));
  return out.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  for (const f of [BSC_SIM.replace(/bin\/bsc-sim$/, 'dist/cli.js'), path.join(ROOT, 'packages/msc/dist/index.js'), path.join(ROOT, 'packages/image/dist/cli.js')])
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: run \`npx tsc -b\` at the root first`);
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-msc-bench-'));
  const results = { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, date: new Date().toISOString(), env: { N, CALLS, CONCS, RUNS, SIZES, LEVELS, FULL } };
  const t0 = performance.now();
  if (PHASES.has('throughput')) await throughput(results);
  if (PHASES.has('memory') || PHASES.has('resume')) {
    const [port] = await pickPorts(1);
    const snapshots = PHASES.has('resume');
    results.populate = { vlr: await populate('vlr', port, snapshots) };
    if (snapshots && FULL) results.populate.full = await populate('full', port, snapshots);
    if (snapshots) {
      const images = [results.populate.vlr.base, ...results.populate.vlr.images, ...(results.populate.full?.images ?? [])];
      results.resume = await resume(images, port);
    }
  }
  results.totalS = (performance.now() - t0) / 1000;
  console.log(`# @snaptel/msc bench: node ${results.node}, ${results.cpus} x ${results.cpu}, ${results.date.slice(0, 10)}, ${f0(results.totalS)} s\n`);
  if (results.throughput) console.log(printThroughput(results) + '\n');
  const mem = printMemory(results);
  if (mem) console.log(mem + '\n');
  if (results.resume) console.log(printResume(results) + '\n');
  console.log(printTargets(results));
  if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2));
}

main()
  .then(() => process.exit(0))
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
