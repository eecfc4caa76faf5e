#!/usr/bin/env node
/**
 * vlr benchmark: memory per registered subscriber against a Map of plain
 * objects (same run), register and lookup rates, state and freeze/thaw
 * times, and how fast an image holding the VLR resumes against `node -e 0`.
 *
 *     npm run bench -w @snaptel/vlr            (after `npx tsc -b` at the root)
 *     BENCH_SIZES=10000 BENCH_RUNS=3 node packages/vlr/bench/run.mjs
 *
 * Method
 * - The population is bench/gen.cjs: 15-digit IMSIs of one PLMN, MSISDN,
 *   TMSI allocated by the store, LAC, cell, last seen within the hour, LU
 *   expiry, Kc, IMEISV, classmark 2, two cached auth triplets each.
 * - Memory: each figure in its own `node --expose-gc` child, after a
 *   warm-up (so compiled code is not counted as data): gc, read heapUsed +
 *   external (array buffers, and strings kept outside the heap), build, gc,
 *   read again; the difference divided by the count, median of 3 children.
 *   "store" is N register() + allocateTmsi() + confirmTmsi() +
 *   pushTriplets() (the live form, indexes and spare capacity included);
 *   "frozen" is what importState of its exportState holds (the form a live
 *   snapshot's image carries: packed columns, no indexes, no auth vectors);
 *   "frozen+vectors" the same with the triplets kept (allocatedBytes());
 *   "Map" the same registrations as plain objects in a Map by IMSI (triplets
 *   as hex strings, no TMSI index).
 * - Rates: inputs generated first; register/s times register() alone,
 *   alloc/s allocateTmsi()+confirmTmsi() (crypto random), lookups are N
 *   calls in a shuffled order. export, import (fromState + freeze, all
 *   checks) and thaw (columns unpacked, both indexes rebuilt, in a warm
 *   process) are medians of 3.
 * - Images (BENCH_IMAGES=0 skips them): the bench-only package
 *   bench/images/vlr-bench is deployed with `packages/image/bin/snaptel
 *   deploy` for each size in three forms: frozen (as a live snapshot leaves
 *   it), live (the store as built, auth vectors cleared, not frozen) and
 *   the Map. Each opens one TCP listener on 127.0.0.1 (a free port below
 *   the ephemeral range). A run is `snaptel run IMG` (the launcher, on its
 *   verified-stamp fast path); "accept" is spawn to the first TCP
 *   connection that succeeds (tried every ~1 ms), "answer" is spawn to the
 *   reply to one IMSI lookup sent on that connection (for the frozen form
 *   this includes thawing: this package does not thaw ahead as the vlr
 *   package does). Then SIGTERM, once the runtime's handlers are in. A run
 *   that dies of SIGSEGV before listening counts as a crash (see
 *   src/pack.ts, stow()). `node -e 0` (spawn to exit) runs in the same
 *   rounds: one untimed warm-up round, then BENCH_RUNS rounds in shuffled
 *   order; figures are medians.
 *
 * Environment: BENCH_SIZES (default 10000,100000,1000000), BENCH_RUNS (7),
 * BENCH_IMAGES (1), BENCH_MEM_RUNS (3).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as v8 from 'node:v8';

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..', '..');
const SELF = fileURLToPath(import.meta.url);
const LAUNCHER = path.join(ROOT, 'packages/image/bin/snaptel');
const PKG = path.join(HERE, 'images/vlr-bench');
const HOST = '127.0.0.1';

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').filter(Boolean).map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const MEM_RUNS = Number(process.env.BENCH_MEM_RUNS ?? 3);
const IMAGES = process.env.BENCH_IMAGES !== '0';
const FORMS = ['frozen', 'live', 'map'];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// ---------------------------------------------------------------- children (memory, rates)

function used() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  // external: array buffers, and also large strings that Node keeps outside the V8 heap (the frozen form's blob)
  return m.heapUsed + m.external;
}

function time(f, runs = 3) {
  const ms = [];
  let out;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    out = f();
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), out };
}

// Each step is its own function: a temporary left in a caller's frame would keep garbage alive across gc().
function child(kind, n) {
  const vlr = require('../dist/index.js');
  const gen = require('./gen.cjs');
  const frozenOf = (count) => {
    const s = new vlr.VlrStore();
    s.importState(gen.buildStore(vlr, count).exportState());
    return s;
  };
  const warmUp = () => {
    frozenOf(3000).get(gen.registration(0).imsi); // also thaws
    gen.buildMap(3000).clear();
  };
  warmUp();
  if (kind === 'store' || kind === 'map' || kind === 'frozen') {
    const m0 = used();
    const keep = kind === 'store' ? gen.buildStore(vlr, n) : kind === 'map' ? gen.buildMap(n) : frozenOf(n);
    const bytes = used() - m0;
    return { bytes, size: keep.size, allocated: kind === 'map' ? null : keep.allocatedBytes() };
  }
  if (kind === 'rates') {
    const regs = Array.from({ length: n }, (_, i) => gen.registration(i));
    const s = new vlr.VlrStore();
    let t0 = performance.now();
    for (let i = 0; i < n; i++) s.register(regs[i].imsi, regs[i].fields);
    const registerMs = performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < n; i++) {
      s.allocateTmsi(i);
      s.confirmTmsi(i);
    }
    const allocMs = performance.now() - t0;
    for (let i = 0; i < n; i++) s.pushTriplets(i, regs[i].triplets);
    const order = regs.map((r) => r.imsi);
    for (let i = n - 1; i > 0; i--) {
      const j = (i * 2654435761) % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const tmsis = order.map((imsi) => s.recordAt(s.slotOf(imsi)).tmsi);
    let found = 0;
    t0 = performance.now();
    for (let i = 0; i < n; i++) if (s.slotOf(order[i]) >= 0) found++;
    const slotOfMs = performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < n; i++) if (s.slotOfTmsi(tmsis[i]) >= 0) found++;
    const tmsiMs = performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < n; i++) if (s.get(order[i]) !== undefined) found++;
    const getMs = performance.now() - t0;
    if (found !== 3 * n) throw new Error(`lookups found ${found} of ${3 * n}`);
    const exp = time(() => s.exportState());
    const ser = v8.serialize(exp.out);
    const imp = time(() => {
      const f = new vlr.VlrStore();
      f.importState(v8.deserialize(ser));
      return f;
    });
    const thaw = time(() => {
      const f = new vlr.VlrStore();
      f.importState(exp.out);
      const t = performance.now();
      f.thaw();
      return performance.now() - t;
    });
    const withVectors = vlr.VlrStore.fromState(s.exportState({ authVectors: true }));
    withVectors.freeze();
    const rate = (ms) => n / (ms / 1000);
    return {
      register: rate(registerMs),
      alloc: rate(allocMs),
      slotOf: rate(slotOfMs),
      slotOfTmsi: rate(tmsiMs),
      get: rate(getMs),
      exportMs: exp.ms,
      serializedMb: ser.length / 1e6,
      importMs: imp.ms,
      thawMs: thaw.out,
      frozenBytes: imp.out.allocatedBytes(),
      frozenVectorsBytes: withVectors.allocatedBytes(),
    };
  }
  throw new Error(`unknown child kind ${kind}`);
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(child(process.argv[3], Number(process.argv[4]))));
  process.exit(0);
}

function runChild(kind, n) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--no-concurrent-array-buffer-sweeping', SELF, '--child', kind, String(n)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`bench child ${kind} ${n} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

// ---------------------------------------------------------------- images

const live = new Set();
let tmpDir;

function cleanup() {
  for (const c of live) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  live.clear();
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    process.stderr.write(`\nbench: ${sig}: stopping\n`);
    process.exit(130);
  });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const childEnv = () => {
  const env = { ...process.env, TMPDIR: tmpDir, SNAPTEL_NODE: process.execPath };
  for (const k of ['NODE_OPTIONS', 'SNAPTEL_LOG_LEVEL', 'SNAPTEL_CLOCK_SHIFT_MS', 'SNAPTEL_IMAGE', 'NOTIFY_SOCKET', 'SNAPTEL_VERIFY']) delete env[k];
  return env;
};

function startChild(cmd, args) {
  const c = spawn(cmd, args, { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  live.add(c);
  c.err = '';
  c.stderr.on('data', (d) => (c.err = (c.err + d).slice(-8192)));
  c.done = new Promise((resolve) => {
    c.once('exit', (code, signal) => {
      live.delete(c);
      resolve({ code, signal, at: performance.now() });
    });
  });
  return c;
}

async function timeToExit(cmd, args) {
  const t0 = performance.now();
  const c = startChild(cmd, args);
  const timer = setTimeout(() => process.kill(-c.pid, 'SIGKILL'), 60_000);
  const info = await c.done;
  clearTimeout(timer);
  if (info.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${info.code ?? info.signal}\n${c.err}`);
  return info.at - t0;
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

/** Spawn to first accepted connection, and to the answer to one lookup on it; then a clean stop. */
async function timeToAnswer(img, port, imsi) {
  const probe = await connectOnce(port);
  if (probe) {
    probe.destroy();
    throw new Error(`port ${port} is taken before the run`);
  }
  const t0 = performance.now();
  const c = startChild(LAUNCHER, ['run', img]);
  const deadline = t0 + 60_000;
  try {
    let sock = null;
    while (!sock) {
      if (live.has(c) === false) {
        const info = await c.done;
        // V8 can crash resuming an image with more than 64 MB of ArrayBuffers (see src/pack.ts, stow()): a result, not a bench failure.
        if (info.signal === 'SIGSEGV' || info.code === 139) return { crashed: true };
        throw new Error(`${img}: exited (${info.code ?? info.signal}) before listening\n${c.err}`);
      }
      if (performance.now() > deadline) throw new Error(`${img}: not listening after 60 s`);
      sock = await connectOnce(port);
      if (!sock) await sleep(1);
    }
    const accept = performance.now() - t0;
    const reply = await new Promise((resolve, reject) => {
      let buf = '';
      sock.on('data', (d) => {
        buf += d;
        if (buf.includes('\n')) resolve(buf.trim());
      });
      sock.once('error', reject);
      sock.write(imsi + '\n');
    });
    const answer = performance.now() - t0;
    sock.destroy();
    if (reply === '-') throw new Error(`${img}: the lookup of ${imsi} found nothing`);
    while (catchesSignals(c.pid) === false && performance.now() < deadline) await sleep(1);
    process.kill(c.pid, 'SIGTERM');
    const info = await c.done;
    if (info.code !== 0) throw new Error(`${img}: exit ${info.code ?? info.signal} after SIGTERM\n${c.err}`);
    return { accept, answer };
  } finally {
    if (live.has(c)) {
      process.kill(-c.pid, 'SIGKILL');
      await c.done;
    }
  }
}

function canBind(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: HOST, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** Free TCP ports on 127.0.0.1 below the ephemeral range (no outgoing connection can be given them meanwhile). */
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

function deploy(form, n, port) {
  const name = `${form}-${n}`;
  const recipe = path.join(tmpDir, `${name}.json`);
  fs.writeFileSync(recipe, JSON.stringify({ package: 'vlr-bench', packages: { 'vlr-bench': { count: n, form, host: HOST, port } }, log: { level: 'warn' } }));
  const out = path.join(tmpDir, `${name}.img`);
  const t0 = performance.now();
  const r = spawnSync(LAUNCHER, ['deploy', PKG, '--config', recipe, '--out', out, '-q'], { cwd: ROOT, encoding: 'utf8', env: childEnv(), maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`deploy ${name} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return { img: out, mb: fs.statSync(out).size / 1e6, deployS: (performance.now() - t0) / 1000 };
}

async function images() {
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-vlr-bench-'));
  const gen = require('./gen.cjs');
  const imsi = gen.registration(0).imsi;
  const ports = await pickPorts(SIZES.length * FORMS.length);
  const configs = [];
  const deployed = {};
  for (const n of SIZES)
    for (const form of FORMS) {
      process.stderr.write(`bench: deploy ${form} ${pow(n)} ... `);
      const port = ports.pop();
      const d = deploy(form, n, port);
      process.stderr.write(`${f1(d.deployS)} s, ${f1(d.mb)} MB\n`);
      deployed[`${form} ${n}`] = d;
      configs.push({ label: `${form} ${n}`, run: () => timeToAnswer(d.img, port, imsi) });
    }
  configs.push({ label: 'node -e 0', run: async () => ({ accept: await timeToExit(process.execPath, ['-e', '0']) }) });
  const samples = Object.fromEntries(configs.map((c) => [c.label, []]));
  for (const c of configs) await c.run(); // warm-up: page cache, launcher stamps
  for (let r = 0; r < RUNS; r++) {
    process.stderr.write(`bench: round ${r + 1}/${RUNS}\n`);
    const order = [...configs].sort(() => Math.random() - 0.5);
    for (const c of order) samples[c.label].push(await c.run());
  }
  const base = median(samples['node -e 0'].map((s) => s.accept));
  const rows = [];
  for (const n of SIZES)
    for (const form of FORMS) {
      const s = samples[`${form} ${n}`];
      const d = deployed[`${form} ${n}`];
      const crashes = s.filter((x) => x.crashed).length;
      if (crashes > 0) {
        rows.push([pow(n), form, f1(d.mb), `crashed ${crashes}/${s.length}`, '-', '-', '-']);
        continue;
      }
      const accept = median(s.map((x) => x.accept));
      const answer = median(s.map((x) => x.answer));
      rows.push([pow(n), form, f1(d.mb), f1(accept), f2(accept / base), f1(answer), f2(answer / base)]);
    }
  return { base, rows, samples, deployed };
}

// ---------------------------------------------------------------- report

function table(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => '| ' + r.map((c, i) => String(c).padStart(w[i])).join(' | ') + ' |';
  return [line(head), '|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

const pow = (n) => (Number.isInteger(Math.log10(n)) ? `10^${Math.log10(n)}` : String(n));
const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const kps = (x) => `${Math.round(x / 1000)}k`;

async function main() {
  const memRows = [];
  const rateRows = [];
  for (const n of SIZES) {
    process.stderr.write(`bench: ${pow(n)} registrations ... `);
    const mem = (kind) => {
      const runs = Array.from({ length: MEM_RUNS }, () => runChild(kind, n));
      return { ...runs[0], bytes: median(runs.map((r) => r.bytes)) };
    };
    const store = mem('store');
    const frozen = mem('frozen');
    const map = mem('map');
    const r = runChild('rates', n);
    process.stderr.write('done\n');
    memRows.push([pow(n), f1(store.bytes / n), f1(store.allocated / n), f1(frozen.bytes / n), f1(r.frozenVectorsBytes / n), f1(map.bytes / n), f2(map.bytes / store.bytes), f2(map.bytes / frozen.bytes)]);
    rateRows.push([pow(n), kps(r.register), kps(r.alloc), kps(r.slotOf), kps(r.slotOfTmsi), kps(r.get), f1(r.exportMs), f1(r.serializedMb), f1(r.importMs), f1(r.thawMs)]);
  }
  console.log(`vlr VlrStore, node ${process.version} (${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cpus)\n`);
  console.log('bytes per registered subscriber (heap + array buffers growth, median of ' + MEM_RUNS + ')\n');
  console.log(table(['subscribers', 'store B/sub', 'allocated B/sub', 'frozen B/sub', 'frozen+vectors B/sub', 'Map B/sub', 'Map/store', 'Map/frozen'], memRows));
  console.log('\nrates (per second) and state times (ms)\n');
  console.log(table(['subscribers', 'register', 'alloc+confirm TMSI', 'slotOf', 'slotOfTmsi', 'get', 'export ms', 'state MB', 'import ms', 'thaw ms'], rateRows));
  if (IMAGES) {
    const img = await images();
    console.log(`\nimage resume: \`snaptel run IMG\` to first accept / to the answer of one lookup, median of ${RUNS}; node -e 0 = ${f1(img.base)} ms\n`);
    console.log(table(['subscribers', 'form', 'image MB', 'accept ms', 'x node', 'answer ms', 'x node'], img.rows));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
