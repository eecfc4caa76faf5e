#!/usr/bin/env node
/**
 * hlr store benchmark: memory per subscriber against a Map of plain objects
 * (measured in the same run), add and get rates, exportState, v8.serialize
 * and import times, and how fast an image holding the store resumes.
 *
 *     npm run bench -w @snaptel/hlr          (after `npx tsc -b` at the root)
 *     BENCH_SIZES=10000 BENCH_IMAGES=0 node packages/hlr/bench/store.mjs
 *
 * Method
 * - Every measurement runs in its own child process (`node --expose-gc`), so
 *   one structure's garbage never counts for another's.
 * - Memory: after a warm-up (so compiled code is not counted as data), gc
 *   twice (array buffers swept synchronously), read heapUsed + arrayBuffers (typed arrays live outside
 *   the JS heap, in ArrayBuffer backing stores, and the snapshot carries them
 *   too), build the structure from bench/gen.cjs, gc twice, read again; the
 *   difference divided by the count (median of 3 processes). "store" is N add() calls (capacity
 *   doubled as it grew); "imported" is SubscriberStore.fromState of its state
 *   (capacity = count, what an image built from a live snapshot holds); "Map"
 *   is the baseline: the same records as plain objects in a Map by IMSI
 *   (no MSISDN index, which the store has).
 * - Rates: the inputs are generated first; add/s times N store.add() calls,
 *   get/s N get() calls in a shuffled order (each returns a fresh object).
 *   exportState, v8.serialize and import (v8.deserialize + fromState) are
 *   medians of 3.
 * - Images (BENCH_IMAGES=0 skips them): a bench-only package holding the store
 *   (bench/images/hlr-store) and one holding the Map (bench/images/map-baseline)
 *   are deployed with N subscribers; an image with no resources resumes, logs
 *   `ready` and exits, so "resume" is spawn to exit of `node --snapshot-blob IMG`,
 *   the median of BENCH_RUNS (default 7) rounds in shuffled order, against
 *   `node -e 0` in the same rounds.
 *
 * Environment: BENCH_SIZES (default 10000,100000,1000000), BENCH_RUNS (7),
 * BENCH_IMAGES (1).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
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

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').filter(Boolean).map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const IMAGES = process.env.BENCH_IMAGES !== '0';

// ---------------------------------------------------------------- children

function used() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
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

// Each step is its own function: a temporary left in a caller's frame (the
// interpreter's registers) would keep garbage alive across gc().
function child(kind, n) {
  const { SubscriberStore } = require('../dist/index.js');
  const { subscriber } = require('./gen.cjs');
  const build = (count = n) => {
    const s = new SubscriberStore();
    for (let i = 0; i < count; i++) s.add(subscriber(i));
    return s;
  };
  const buildMap = (count = n) => {
    const m = new Map();
    for (let i = 0; i < count; i++) {
      const s = subscriber(i);
      m.set(s.imsi, s);
    }
    return m;
  };
  const stateOf = (count) => build(count).exportState();
  const warmUp = () => {
    // so that compiled code and type feedback are not counted as data
    SubscriberStore.fromState(stateOf(5000)).get(subscriber(0).imsi);
    buildMap(5000).clear();
  };
  warmUp();
  if (kind === 'store' || kind === 'map') {
    const m0 = used();
    const keep = kind === 'store' ? build() : buildMap();
    const bytes = used() - m0;
    return { bytes, size: keep.size, extra: kind === 'store' ? { capacity: keep.capacity, allocated: keep.allocatedBytes() } : {} };
  }
  if (kind === 'imported') {
    const state = stateOf(n);
    const m0 = used();
    const s = SubscriberStore.fromState(state);
    const bytes = used() - m0;
    return { bytes, size: s.size, extra: { capacity: s.capacity, allocated: s.allocatedBytes() } };
  }
  if (kind === 'rates') {
    const inputs = Array.from({ length: n }, (_, i) => subscriber(i));
    const s = new SubscriberStore();
    let t0 = performance.now();
    for (let i = 0; i < n; i++) s.add(inputs[i]);
    const addMs = performance.now() - t0;
    const order = inputs.map((x) => x.imsi);
    for (let i = n - 1; i > 0; i--) {
      const j = (i * 2654435761) % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    let found = 0;
    t0 = performance.now();
    for (let i = 0; i < n; i++) if (s.get(order[i]) !== undefined) found++;
    const getMs = performance.now() - t0;
    if (found !== n) throw new Error(`get found ${found} of ${n}`);
    const exp = time(() => s.exportState());
    const ser = time(() => v8.serialize(exp.out));
    const bytes = ser.out;
    const imp = time(() => SubscriberStore.fromState(v8.deserialize(bytes)));
    if (imp.out.size !== n) throw new Error('import lost subscribers');
    return { addPerSec: n / (addMs / 1000), getPerSec: n / (getMs / 1000), exportMs: exp.ms, serializeMs: ser.ms, serializedBytes: bytes.length, importMs: imp.ms };
  }
  throw new Error(`unknown child kind ${kind}`);
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(child(process.argv[3], Number(process.argv[4]))));
  process.exit(0);
}

// ---------------------------------------------------------------- parent

function runChild(kind, n) {
  // Synchronous array buffer sweeping: gc() frees typed arrays' memory before it returns.
  const r = spawnSync(process.execPath, ['--expose-gc', '--no-concurrent-array-buffer-sweeping', SELF, '--child', kind, String(n)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`bench child ${kind} ${n} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

function table(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => '| ' + r.map((c, i) => String(c).padStart(w[i])).join(' | ') + ' |';
  return [line(head), '|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

const pow = (n) => (Number.isInteger(Math.log10(n)) ? `10^${Math.log10(n)}` : String(n));
const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const kps = (x) => `${Math.round(x / 1000)}k`;

function timeToExit(cmd, args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NOTIFY_SOCKET: '' } });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => c.kill('SIGKILL'), 60_000);
    c.on('exit', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${err}`));
    });
  });
}

function deploy(tmp, pkgDir, name, n) {
  const recipe = path.join(tmp, `${name}-${n}.json`);
  fs.writeFileSync(recipe, JSON.stringify({ package: name, packages: { [name]: { count: n } }, log: { level: 'warn' } }));
  const out = path.join(tmp, `${name}-${n}.img`);
  const t0 = performance.now();
  const r = spawnSync(LAUNCHER, ['deploy', pkgDir, '--config', recipe, '--out', out, '-q'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TMPDIR: tmp, NOTIFY_SOCKET: '' },
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`deploy ${name} ${n} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return { img: out, mb: fs.statSync(out).size / 1e6, deployS: (performance.now() - t0) / 1000 };
}

async function images() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-hlr-bench-'));
  try {
    const configs = [{ label: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] }];
    const deployed = {};
    for (const n of SIZES)
      for (const [kind, dir, name] of [
        ['store', path.join(HERE, 'images/hlr-store'), 'hlr-bench-store'],
        ['map', path.join(HERE, 'images/map-baseline'), 'hlr-bench-map'],
      ]) {
        process.stderr.write(`bench: deploy ${kind} ${pow(n)} ... `);
        const d = deploy(tmp, dir, name, n);
        process.stderr.write(`${f1(d.deployS)} s, ${f1(d.mb)} MB\n`);
        deployed[`${kind} ${n}`] = d;
        configs.push({ label: `${kind} ${n}`, cmd: process.execPath, args: ['--snapshot-blob', d.img] });
      }
    const samples = Object.fromEntries(configs.map((c) => [c.label, []]));
    for (const c of configs) await timeToExit(c.cmd, c.args); // warm-up
    for (let r = 0; r < RUNS; r++) {
      const order = [...configs].sort(() => Math.random() - 0.5);
      for (const c of order) samples[c.label].push(await timeToExit(c.cmd, c.args));
    }
    const base = median(samples['node -e 0']);
    const rows = SIZES.map((n) => {
      const s = median(samples[`store ${n}`]);
      const m = median(samples[`map ${n}`]);
      return [pow(n), f1(deployed[`store ${n}`].mb), f1(s), f2(s / base), f1(deployed[`map ${n}`].mb), f1(m), f2(m / base), f2(m / s)];
    });
    return { base, rows, samples };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  const rows = [];
  const raw = {};
  for (const n of SIZES) {
    process.stderr.write(`bench: ${pow(n)} subscribers ... `);
    const mem = (kind) => {
      const runs = [0, 1, 2].map(() => runChild(kind, n));
      return { ...runs[0], bytes: median(runs.map((r) => r.bytes)), runs: runs.map((r) => r.bytes) };
    };
    const store = mem('store');
    const imported = mem('imported');
    const map = mem('map');
    const rates = runChild('rates', n);
    raw[n] = { store, imported, map, rates };
    process.stderr.write('done\n');
    rows.push([
      pow(n),
      f1(store.bytes / n),
      f1(imported.bytes / n),
      f1(map.bytes / n),
      f2(map.bytes / store.bytes),
      kps(rates.addPerSec),
      kps(rates.getPerSec),
      f2(rates.exportMs),
      f2(rates.serializeMs),
      f2(rates.serializedBytes / 1e6),
      f2(rates.importMs),
    ]);
  }
  console.log(`hlr SubscriberStore, node ${process.version} (${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cpus)\n`);
  console.log(
    table(
      ['subscribers', 'store B/sub', 'imported B/sub', 'Map B/sub', 'Map/store', 'add/s', 'get/s', 'exportState ms', 'serialize ms', 'serialized MB', 'import ms'],
      rows,
    ),
  );
  if (IMAGES) {
    const img = await images();
    console.log(`\nimage resume (spawn to exit of node --snapshot-blob IMG), median of ${RUNS}; node -e 0 = ${f1(img.base)} ms\n`);
    console.log(table(['subscribers', 'store image MB', 'store ms', 'x node', 'Map image MB', 'Map ms', 'x node', 'Map/store'], img.rows));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
