// @snaptel/sccp bench: the codec against tshark (bench.mjs), then the node:
// connection dialogues (CR with data, CC, DT1 each way, RLSD, RLC) between
// two SccpNodes wired back to back, against the codec alone encoding and
// decoding the same six messages, as a ratio from the same run. Then UDT
// through the node against encode+decode of the same UDT.
// Build first: npx tsc -b packages/sccp
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
if (!existsSync(dist)) {
  console.error('bench: packages/sccp/dist is missing; run `npx tsc -b packages/sccp` first');
  process.exit(1);
}
if (!process.argv.includes('--node-only')) await import('./bench.mjs');

const require = createRequire(import.meta.url);
const { SccpNode, encode, decode } = require(dist);
const { VirtualClock, setTimeoutHost } = require('@snaptel/fsm');

const N = 20_000; // dialogues per timed run
const RUNS = 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (x) => Math.round(x).toLocaleString('en');

/** Runs a and b in turns (warm-up, then RUNS pairs); medians of each rate and of the ratio a/b per pair. */
function pair(a, b, n) {
  a(Math.min(n, 2000));
  b(Math.min(n, 2000));
  const ra = [];
  const rb = [];
  const ratio = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    a(n);
    const t1 = process.hrtime.bigint();
    b(n);
    const t2 = process.hrtime.bigint();
    ra.push((n * 1e9) / Number(t1 - t0));
    rb.push((n * 1e9) / Number(t2 - t1));
    ratio.push(Number(t2 - t1) / Number(t1 - t0));
  }
  return { a: median(ra), b: median(rb), ratio: median(ratio) };
}

// Two nodes; the lower is a FIFO of function calls, drained after each primitive.
const clock = new VirtualClock();
const queue = [];
let head = 0;
const nodes = new Map();
const mk = (name, pc, host = clock) => {
  const n = new SccpNode({ name, pc, host, lower: { send: (bytes, route) => queue.push(route.dpc, bytes, route) } });
  nodes.set(pc, n);
  return n;
};
const A = mk('A', 1);
const B = mk('B', 2);
function pump() {
  while (head < queue.length) {
    const dpc = queue[head];
    const bytes = queue[head + 1];
    const route = queue[head + 2];
    head += 3;
    nodes.get(dpc).receive(bytes, route);
  }
  queue.length = 0;
  head = 0;
}

const BSSAP = 254;
const called = { routing: 'ssn', pc: 2, ssn: BSSAP };
const calling = { routing: 'ssn', pc: 1, ssn: BSSAP };
// A COMPLETE LAYER 3 INFORMATION in the CR, a DTAP each way (libosmo-sccp vectors' payloads).
const CR_DATA = Buffer.from('001d5705080072f4802012c3501710052411033319a208294710020131976100', 'hex');
const DT_DATA = Buffer.from('01000c03055c0811813366021345f4', 'hex');
let done = 0;
B.bind(BSSAP, { onConnectIndication: (c) => c.accept(), onData: (c, d) => c.send(d), onReleased: () => {}, onUnitdata: () => done++ });
const handler = { onConnected: (c) => c.send(DT_DATA), onData: (c) => c.release(), onReleased: () => done++ };
A.bind(BSSAP, handler);

// One dialogue, its six messages captured for the codec baseline.
const captured = [];
{
  const orig = [];
  for (const n of [A, B]) {
    const lower = n['lower'];
    orig.push([n, lower.send]);
    const s = lower.send;
    lower.send = (bytes, route) => {
      captured.push(bytes);
      s(bytes, route);
    };
  }
  A.connect(called, CR_DATA, handler);
  pump();
  for (const [n, s] of orig) n['lower'].send = s;
}
const types = captured.map((b) => decode(b).type).join(' ');
if (types !== 'CR CC DT1 DT1 RLSD RLC') throw new Error(`unexpected dialogue: ${types}`);
const msgs = captured.map((b) => decode(b));

const dialogues = (n) => {
  done = 0;
  for (let i = 0; i < n; i++) {
    A.connect(called, CR_DATA, handler);
    pump();
  }
  if (done !== n) throw new Error(`${done} of ${n} dialogues finished`);
  clock.advance(11_000); // thaw the frozen references
};
const codec = (n) => {
  let x = 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < 6; k++) x += decode(encode(msgs[k])).type.length;
  return x;
};
const { a: dlg, b: cdc, ratio: dlgRatio } = pair(dialogues, codec, N);
if (A.connections().length || B.connections().length) throw new Error('connections left over');

// The same dialogues with real timers (setTimeout/clearTimeout, as a runtime host would arm them).
nodes.clear();
const A2 = mk('A2', 1, setTimeoutHost());
const B2 = mk('B2', 2, setTimeoutHost());
B2.bind(BSSAP, { onConnectIndication: (c) => c.accept(), onData: (c, d) => c.send(d), onReleased: () => {} });
A2.bind(BSSAP, handler);
const dialogues2 = (n) => {
  done = 0;
  for (let i = 0; i < n; i++) {
    A2.connect(called, CR_DATA, handler);
    pump();
  }
  if (done !== n) throw new Error(`${done} of ${n} dialogues finished`);
};
const { a: dlgReal, ratio: dlgRealRatio } = pair(dialogues2, codec, N);
if (A2.connections().length || B2.connections().length) throw new Error('connections left over');
nodes.clear();
nodes.set(1, A);
nodes.set(2, B);

const udtBytes = encode({ type: 'UDT', protocolClass: { class: 0, handling: 0 }, called, calling, data: '000430040120' });
const udtMsg = decode(udtBytes);
const udtData = Buffer.from('000430040120', 'hex');
const unitdata = (n) => {
  done = 0;
  for (let i = 0; i < n; i++) {
    A.sendUnitdata(called, calling, udtData);
    pump();
  }
  if (done !== n) throw new Error(`${done} of ${n} UDTs delivered`);
};
const udtCodec = (n) => {
  let x = 0;
  for (let i = 0; i < n; i++) x += decode(encode(udtMsg)).type.length;
  return x;
};
const { a: udt, b: udtC, ratio: udtRatio } = pair(unitdata, udtCodec, 5 * N);

console.log(`sccp node: two SccpNodes back to back (no logs), one core; medians of ${RUNS} runs, each ratio from runs taken in turn`);
console.log(`  dialogues  ${fmt(dlg)}/s  (CR+data, CC, DT1 x2, RLSD, RLC: ${fmt(dlg * 6)} msg/s; VirtualClock timers)  ${dlgRatio.toFixed(2)}x the codec alone`);
console.log(`  dialogues  ${fmt(dlgReal)}/s  with setTimeout timers  ${dlgRealRatio.toFixed(2)}x the codec alone`);
console.log(`  codec      ${fmt(cdc)}/s  (encode + decode of the same 6 messages)`);
console.log(`  UDT        ${fmt(udt)}/s  through the node (sendUnitdata to onUnitdata)  ${udtRatio.toFixed(2)}x the codec alone`);
console.log(`  codec      ${fmt(udtC)}/s  (encode + decode of the same UDT)`);
