// M3UA bench, every figure a ratio against a baseline measured in the same run:
//  1. DATA codec: encodeTransfer+decodeTransfer (the endpoint's path) and the
//     JSON encode+decode, against copying the same bytes (Buffer copy) and
//     against tshark dissecting the same messages.
//  2. DATA through two endpoints (ASP -> SG) over an in-memory association
//     pair, against the pair alone carrying the same bytes: what M3UA costs.
// Bounded: fixed time slices (opsPerSecond), fixed message counts.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const m3ua = require('../dist/index.js');
const { opsPerSecond, benchReport, tsharkPerSecond, tsharkAvailable, LINKTYPE_RAW, repeat } = require('@snaptel/codec');
const { setTimeoutHost } = require('@snaptel/fsm');

const fmt = (x) => Math.round(x).toLocaleString('en');
// A BSSMAP RESET in an SCCP UDT, padded to a typical 100-octet SCCP message.
const SCCP = Buffer.from('09000305070242fe0242fe5800' + '0430040120'.padEnd(2 * 84, '0'), 'hex');
const pd = { opc: 0x2001, dpc: 0x3002, si: 3, ni: 2, mp: 0, sls: 5, data: new Uint8Array(SCCP) };
const bytes = m3ua.encodeTransfer(pd, { routingContext: 1 });
const json = m3ua.decode(bytes);

// ---- 1. codec ----
let sink = 0;
const copy = opsPerSecond(() => {
  sink += Buffer.from(bytes).length;
});
const fast = opsPerSecond((i) => {
  const b = m3ua.encodeTransfer({ ...pd, sls: i & 0xff }, { routingContext: 1 });
  sink += m3ua.decodeTransfer(b).data.length;
});
const generic = opsPerSecond(() => {
  sink += m3ua.decode(m3ua.encode(json)).protocolData.data.length;
});
console.log(`M3UA DATA of ${bytes.length} octets (${SCCP.length} octets of SCCP)`);
console.log(`  Buffer copy (baseline)            ${fmt(copy)} /s`);
console.log(`  encodeTransfer+decodeTransfer     ${fmt(fast)} /s  (${(fast / copy).toFixed(2)}x the copy)`);
console.log(`  encode+decode (JSON, hex data)    ${fmt(generic)} /s  (${(generic / copy).toFixed(2)}x the copy)`);

if (tsharkAvailable()) {
  const mgmt = [
    { type: 'ASPUP', aspId: 1 },
    { type: 'ASPAC', trafficMode: 'override', routingContext: [1] },
    { type: 'NTFY', status: { type: 'as-state-change', info: 'as-active' }, routingContext: [1] },
    { type: 'BEAT', heartbeatData: '00000001' },
  ].map((m) => m3ua.encode(m));
  const mix = [bytes, bytes, bytes, bytes, ...mgmt];
  const chunks = repeat(mix).map((data, i) => sctp(data, i));
  const ts = tsharkPerSecond(chunks, LINKTYPE_RAW);
  const msgs = mix.map((b) => m3ua.decode(b));
  const decode = opsPerSecond((i) => m3ua.decode(mix[i % mix.length]));
  const encode = opsPerSecond((i) => m3ua.encode(msgs[i % msgs.length]));
  console.log(benchReport('M3UA mix (4 DATA, ASPUP, ASPAC, NTFY, BEAT) in SCTP, JSON codec', { decode, encode }, ts));
}

// ---- 2. endpoints over an in-memory pair ----
class Assoc extends EventEmitter {
  constructor(label, q) {
    super();
    this.label = label;
    this.q = q;
    this.state = 'up';
  }
  info() {
    return { outStreams: 16 };
  }
  send(data, opts = {}) {
    this.q.push([this.peer, { data, stream: opts.stream ?? 0, ppid: opts.ppid ?? 0 }]);
  }
  abort() {}
}
function pair() {
  const q = [];
  const a = new Assoc('a', q);
  const b = new Assoc('b', q);
  a.peer = b;
  b.peer = a;
  const pump = () => {
    for (let i = 0; i < q.length; i++) q[i][0].emit('message', q[i][1]);
    q.length = 0;
  };
  return { a, b, pump };
}

const N = 200_000;
const BATCH = 1000;
function through(label, run) {
  // best of three bounded runs of N messages
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    const got = run();
    const dt = performance.now() - t;
    if (got !== N) throw new Error(`${label}: ${got} of ${N} delivered`);
    best = Math.max(best, (N * 1000) / dt);
  }
  return best;
}

const raw = through('pair alone', () => {
  const { a, b, pump } = pair();
  let got = 0;
  b.on('message', (m) => {
    got++;
    sink += m.data.length;
  });
  for (let i = 0; i < N; i += BATCH) {
    for (let j = 0; j < BATCH; j++) a.send(Buffer.from(bytes), { stream: 1, ppid: 3 });
    pump();
  }
  return got;
});

const host = setTimeoutHost();
const viaM3ua = through('ASP -> SG', () => {
  const { a, b, pump } = pair();
  const sg = new m3ua.M3uaEndpoint({ role: 'sg', name: 'stp', localPc: 100, applicationServers: [{ routingContext: 1 }], heartbeat: false }, host);
  const asp = new m3ua.M3uaEndpoint({ role: 'asp', name: 'msc', localPc: 200, routingContexts: [1], heartbeat: false }, host);
  asp.attach(a);
  sg.attach(b);
  for (let k = 0; k < 10; k++) pump();
  if (asp.aspState !== 'ASP-ACTIVE') throw new Error(`ASP is ${asp.aspState}`);
  let got = 0;
  sg.on('transfer', (t) => {
    got++;
    sink += t.data.length;
  });
  for (let i = 0; i < N; i += BATCH) {
    for (let j = 0; j < BATCH; j++) asp.transfer({ ...pd, sls: j & 0xff });
    pump();
  }
  asp.close();
  sg.close();
  return got;
});
console.log(`DATA ASP -> SG over an in-memory pair, ${fmt(N)} messages, best of 3`);
console.log(`  pair alone (same bytes, baseline)  ${fmt(raw)} msg/s`);
console.log(`  M3UA endpoints (transfer -> event) ${fmt(viaM3ua)} msg/s  (${(viaM3ua / raw).toFixed(2)}x the pair alone)`);
if (sink < 0) console.log(sink);

// IPv4 + SCTP DATA chunk framing for tshark (PPID 3, port 2905), as the tests use.
function sctp(data, i) {
  const pad = (4 - (data.length % 4)) % 4;
  const common = Buffer.alloc(12);
  common.writeUInt16BE(40000, 0);
  common.writeUInt16BE(2905, 2);
  common.writeUInt32BE(1, 4);
  const ch = Buffer.alloc(16);
  ch[1] = 3;
  ch.writeUInt16BE(16 + data.length, 2);
  ch.writeUInt32BE(i + 1, 4);
  ch.writeUInt16BE(data[2] === 1 ? 1 : 0, 8);
  ch.writeUInt16BE(i & 0xffff, 10);
  ch.writeUInt32BE(3, 12);
  const s = Buffer.concat([common, ch, Buffer.from(data), Buffer.alloc(pad)]);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + s.length, 2);
  ip[8] = 64;
  ip[9] = 132;
  ip.set([127, 0, 0, 1], 12);
  ip.set([127, 0, 0, 2], 16);
  return { data: Buffer.concat([ip, s]) };
}
