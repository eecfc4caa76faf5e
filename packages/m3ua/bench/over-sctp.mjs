// What M3UA costs on a real association: DATA messages per second from an
// ASP to an SG through M3UA, against the same backend carrying the same
// bytes with no M3UA (the baseline, measured in the same run), for the
// in-process stub and for real SCTP over raw IP on loopback (root only).
// Bounded: a fixed message count per run, at most WINDOW in flight, and a
// deadline after which the run stops and says so.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const m3ua = require('../dist/index.js');
const sctp = require('@snaptel/sctp-js-stub');
const { setTimeoutHost } = require('@snaptel/fsm');

const SCCP = Buffer.from('09000305070242fe0242fe5800' + '0430040120'.padEnd(2 * 84, '0'), 'hex');
const DEADLINE_MS = 20_000;
const fmt = (x) => Math.round(x).toLocaleString('en');
const rnd = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo));

/** Sends n messages with send(i), at most `WINDOW` unanswered; `received()` counts arrivals. Returns messages/s. */
async function pump(n, send, received, WINDOW) {
  const t0 = performance.now();
  let sent = 0;
  while (received() < n) {
    while (sent < n && sent - received() < WINDOW) send(sent++);
    await new Promise((r) => setImmediate(r));
    if (performance.now() - t0 > DEADLINE_MS) throw new Error(`only ${received()} of ${n} arrived within ${DEADLINE_MS} ms`);
  }
  return n / ((performance.now() - t0) / 1000);
}

async function pair(backend, host, port) {
  const server = await backend.listen({ host, port });
  const accepted = new Promise((r) => server.on('association', r));
  const client = await backend.connect({ host, port, localHost: host });
  return { server, a: client, b: await accepted };
}

async function raw(backend, host, n, window) {
  const { server, a, b } = await pair(backend, host, rnd(20000, 60000));
  let got = 0;
  b.on('message', () => got++);
  const rate = await pump(n, (i) => a.send(SCCP, { stream: 1 + (i % 8), ppid: 3 }), () => got, window);
  a.abort('bench over');
  await server.close();
  return rate;
}

async function throughM3ua(backend, host, n, window) {
  const { server, a, b } = await pair(backend, host, rnd(20000, 60000));
  const timers = setTimeoutHost();
  const sg = new m3ua.M3uaEndpoint({ role: 'sg', name: 'sg', localPc: 185, applicationServers: [{ routingContext: 1, dpc: 187 }], heartbeat: false }, timers);
  const asp = new m3ua.M3uaEndpoint({ role: 'asp', name: 'asp', localPc: 187, remotePcs: [185], routingContexts: [1], heartbeat: false }, timers);
  let got = 0;
  sg.on('transfer', () => got++);
  const active = new Promise((r) => asp.once('active', r));
  sg.attach(b);
  asp.attach(a);
  await active;
  const rate = await pump(n, (i) => asp.transfer({ opc: 187, dpc: 185, si: 3, ni: 2, mp: 0, sls: i & 0xff, data: SCCP }), () => got, window);
  asp.close();
  sg.close();
  a.abort('bench over');
  await server.close();
  return rate;
}

const host = `127.${rnd(1, 250)}.${rnd(1, 250)}.${rnd(2, 250)}`;
// The stub delivers on the next turn: a wide window keeps it busy; real SCTP gets a window its buffers take.
const runs = [['stub (in-process)', sctp.createStubNetwork({ seed: 1 }).backend, 50_000, 2048]];
if (process.getuid?.() === 0) runs.push(['sctp over raw IP (loopback)', sctp.sctpBackend({ transport: 'raw' }), 10_000, 64]);
else console.log('  (real SCTP over raw IP needs root: measured over the stub only)');
console.log(`M3UA DATA through ASP -> SG vs the association alone (${SCCP.length}-octet SCCP payloads)`);
for (const [name, backend, n, window] of runs) {
  // One warm-up of each, then baseline and M3UA runs alternating, five of each; medians.
  await raw(backend, host, n / 5, window);
  await throughM3ua(backend, host, n / 5, window);
  const base = [];
  const with3 = [];
  for (let k = 0; k < 5; k++) {
    base.push(await raw(backend, host, n, window));
    with3.push(await throughM3ua(backend, host, n, window));
  }
  const med = (xs) => xs.sort((x, y) => x - y)[2];
  console.log(`  ${name.padEnd(28)} association alone ${fmt(med(base))} msg/s; through M3UA ${fmt(med(with3))} msg/s (${(med(with3) / med(base)).toFixed(2)}x), ${n} messages, ${window} in flight`);
}
setTimeout(() => process.exit(0), 100).unref();
