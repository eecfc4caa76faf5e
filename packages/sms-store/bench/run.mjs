// Bench: add/take/delivered per second against a baseline (a Map of the same
// message objects: set, get, delete), and memory per stored message for 10k
// and 100k messages with 160-octet bodies, measured after a full GC.
// Bounded: fixed counts, no open-ended loops. `npm run bench -w @snaptel/sms-store`.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SmsStore } = require('../dist/index.js');
const { VirtualClock } = require('@snaptel/fsm');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const fullGc = () => {
  for (let i = 0; i < 3; i++) gc();
};
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

const BODY = 160;
function input(i, perDest) {
  const ud = new Uint8Array(BODY);
  for (let k = 0; k < BODY; k++) ud[k] = (i + k) & 0xff;
  return {
    destination: { kind: 'ms', msisdn: String(491510000000 + Math.floor(i / perDest)) },
    source: { ton: 1, npi: 1, address: String(491760000000 + (i % 1000)) },
    origin: { kind: 'ms', imsi: String(262010000000000 + (i % 5000)), mr: i & 0xff },
    dcs: 0,
    pid: 0,
    udhi: false,
    udl: 160,
    ud,
  };
}

function memory(n, perDest) {
  const inputs = Array.from({ length: n }, (_, i) => input(i, perDest));
  // the store
  fullGc();
  let before = used();
  let store = new SmsStore({ host: new VirtualClock() });
  for (const m of inputs) store.add(m);
  fullGc();
  const storeBytes = (used() - before) / n;
  store.freeze();
  fullGc();
  const frozenBytes = (used() - before) / n;
  const stateBytes = (() => {
    store.thaw();
    const s = store.exportState();
    return s.blob.length / n;
  })();
  store = null;
  // the baseline: plain objects in a Map (what a naive queue keeps)
  fullGc();
  before = used();
  let map = new Map();
  let t = 1_700_000_000_000;
  inputs.forEach((m, i) => map.set(i + 1, { ...m, id: i + 1, ud: m.ud.slice(), submittedAt: t, validUntil: t + 1e8, attempts: 0, nextAttemptAt: t, state: 'waiting', lastCause: null }));
  fullGc();
  const mapBytes = (used() - before) / n;
  map = null;
  return { n, perDest, storeBytes, frozenBytes, stateBytes, mapBytes };
}

function throughput(n) {
  const inputs = Array.from({ length: n }, (_, i) => input(i, 100));
  const rounds = 3;
  let best = { store: Infinity, map: Infinity };
  for (let r = 0; r < rounds; r++) {
    // baseline: the same objects in a Map, set / get / delete
    let t0 = performance.now();
    const map = new Map();
    let id = 0;
    for (const m of inputs) map.set(++id, m);
    for (let k = 1; k <= n; k++) map.get(k).attempts = 1;
    for (let k = 1; k <= n; k++) map.delete(k);
    best.map = Math.min(best.map, performance.now() - t0);
    // the store: add, take, delivered
    const clock = new VirtualClock();
    const store = new SmsStore({ host: clock });
    t0 = performance.now();
    const ids = new Array(n);
    for (let k = 0; k < n; k++) ids[k] = store.add(inputs[k]);
    for (let k = 0; k < n; k++) store.take(ids[k]);
    for (let k = 0; k < n; k++) store.delivered(ids[k]);
    best.store = Math.min(best.store, performance.now() - t0);
  }
  return { n, storeOpsPerSec: (3 * n) / (best.store / 1000), mapOpsPerSec: (3 * n) / (best.map / 1000) };
}

function exportImport(n) {
  const store = new SmsStore({ host: new VirtualClock() });
  for (let i = 0; i < n; i++) store.add(input(i, n));
  let t0 = performance.now();
  const s = store.exportState();
  const exportMs = performance.now() - t0;
  const json = JSON.stringify(s);
  const other = new SmsStore({ host: new VirtualClock() });
  t0 = performance.now();
  other.importState(JSON.parse(json));
  other.thaw();
  const importMs = performance.now() - t0;
  return { n, exportMs, importMs, jsonMB: json.length / 1e6 };
}

const f0 = (x) => x.toFixed(0);
console.log('sms-store bench (node', process.version + ')');
for (const n of [10_000, 100_000]) {
  const t = throughput(n);
  console.log(
    `throughput n=${n}: store ${f0(t.storeOpsPerSec)} ops/s (add+take+delivered), baseline Map set+get+delete ${f0(t.mapOpsPerSec)} ops/s, ratio ${(t.storeOpsPerSec / t.mapOpsPerSec).toFixed(3)}`,
  );
}
for (const [n, per] of [
  [10_000, 10_000],
  [100_000, 100_000],
  [100_000, 10],
]) {
  const m = memory(n, per);
  console.log(
    `memory n=${n} (${n / per} destination${n / per === 1 ? '' : 's'}): store ${f0(m.storeBytes)} B/msg, frozen ${f0(m.frozenBytes)} B/msg, exported ${f0(m.stateBytes)} B/msg; baseline Map of objects ${f0(m.mapBytes)} B/msg, ratio ${(m.storeBytes / m.mapBytes).toFixed(2)}`,
  );
}
for (const n of [10_000, 100_000]) {
  const e = exportImport(n);
  console.log(`state n=${n}: exportState ${e.exportMs.toFixed(1)} ms, JSON ${e.jsonMB.toFixed(1)} MB, importState+thaw ${e.importMs.toFixed(1)} ms`);
}
