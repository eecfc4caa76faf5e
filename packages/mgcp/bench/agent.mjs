// Call agent throughput: transactions per second against an in-process
// FakeMgw and against the real osmo-mgw over loopback UDP, each as a ratio
// to the raw codec rate (encode the command, decode the response) measured in
// the same run. A "call" is what CallMedia does: CRCX on rtpbridge/*@mgw,
// CRCX on the endpoint it got, MDCX with SDP, DLCX: 4 transactions.
// Bounded: a fixed number of calls, a fixed window of calls in flight.
import * as dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { haveOsmoMgw, startOsmoMgw } from '../test/mgw-process.mjs';
const require = createRequire(import.meta.url);
const mgcp = require('../dist/index.js');
const { opsPerSecond } = require('@snaptel/codec');

const FAKE_CALLS = 20_000;
const MGW_CALLS = 2_000;
const WINDOW = 16;
const fmt = (x) => Math.round(x).toLocaleString('en');

// ---- baseline: the codec work of one transaction at the agent's end, no I/O, no timers
const fake = new mgcp.FakeMgw({ endpoints: 4 });
const sdp = mgcp.rtpSdp({ ip: '10.0.0.2', port: 30000 });
const callCommands = (ep, ci) => [
  { type: 'command', verb: 'CRCX', transactionId: '1', endpoint: 'rtpbridge/*@mgw', version: 'MGCP 1.0', params: [{ name: 'C', value: '4f2a' }, { name: 'L', options: [{ key: 'p', value: '20' }, { key: 'a', value: 'AMR' }] }, { name: 'M', mode: 'recvonly' }] },
  { type: 'command', verb: 'CRCX', transactionId: '2', endpoint: ep, version: 'MGCP 1.0', params: [{ name: 'C', value: '4f2a' }, { name: 'L', options: [{ key: 'p', value: '20' }, { key: 'a', value: 'AMR' }] }, { name: 'M', mode: 'recvonly' }] },
  { type: 'command', verb: 'MDCX', transactionId: '3', endpoint: ep, version: 'MGCP 1.0', params: [{ name: 'C', value: '4f2a' }, { name: 'I', value: ci }], sdp },
  { type: 'command', verb: 'DLCX', transactionId: '4', endpoint: ep, version: 'MGCP 1.0', params: [{ name: 'C', value: '4f2a' }] },
];
const r0 = fake.handle(mgcp.encode(callCommands('rtpbridge/*@mgw', '')[0]));
const first = mgcp.decode(r0);
const CMDS = callCommands(mgcp.getParam(first, 'Z'), mgcp.getParam(first, 'I'));
const RESPS = [r0, ...CMDS.slice(1).map((c) => fake.handle(mgcp.encode(c)))];
if (RESPS.map((r) => mgcp.decode(r).code).join() !== '200,200,200,200') throw new Error('baseline responses are not all 200');
const baseline = opsPerSecond((i) => {
  mgcp.encode(CMDS[i & 3]);
  mgcp.decode(RESPS[i & 3]);
});

// ---- a bounded run of calls through an agent; `window` calls in flight
async function runCalls(agent, calls, window) {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < calls) {
      const n = next++;
      const media = new mgcp.CallMedia(agent, `b${n}`);
      await media.setupLegA();
      await media.setupLegB();
      await media.setRemote('A', { ip: '127.0.0.1', port: 40000 + 2 * (n % 1000) });
      await media.teardown();
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  const ms = performance.now() - t0;
  return { tps: (calls * 4 * 1000) / ms, ms };
}

// ---- agent + in-process FakeMgw (which also decodes and encodes every message)
async function fakeRun() {
  const mgw = new mgcp.FakeMgw({ endpoints: 2 * WINDOW });
  let agent;
  agent = new mgcp.CallAgent({
    transport: {
      send: (b) => {
        const r = mgw.handle(b);
        if (r) queueMicrotask(() => agent.receive(r));
      },
    },
    timers: mgcp.systemTimers,
    firstTid: 1,
  });
  await runCalls(agent, 2000, WINDOW); // warm-up
  const r = await runCalls(agent, FAKE_CALLS, WINDOW);
  const s = agent.stats();
  agent.close();
  if (s.retransmissions || s.timeouts) throw new Error(`fake run: ${s.retransmissions} retransmissions, ${s.timeouts} timeouts`);
  return r;
}

// ---- agent + osmo-mgw over loopback UDP
async function mgwRun() {
  if (!haveOsmoMgw()) return undefined;
  const mgw = await startOsmoMgw({ endpoints: 2 * WINDOW, logLevel: 'error' });
  const sock = dgram.createSocket('udp4');
  try {
    await new Promise((res) => sock.bind(0, '127.0.0.1', res));
    const agent = new mgcp.CallAgent({ transport: { send: (b) => sock.send(b, mgw.mgcpPort, '127.0.0.1') }, timers: mgcp.systemTimers });
    sock.on('message', (b) => agent.receive(b));
    await runCalls(agent, 200, WINDOW); // warm-up
    const r = await runCalls(agent, MGW_CALLS, WINDOW);
    const s = agent.stats();
    agent.close();
    const left = await mgw.showMgcp();
    if (left.size) throw new Error(`osmo-mgw still holds ${left.size} endpoints after the run`);
    return { ...r, retransmissions: s.retransmissions, timeouts: s.timeouts };
  } finally {
    await new Promise((res) => sock.close(() => res()));
    await mgw.stop();
  }
}

const f = await fakeRun();
const m = await mgwRun();
const ratio = (x) => `${(x / baseline).toFixed(3)}x codec`;
let out = `mgcp call agent (calls of CRCX wildcard + CRCX + MDCX with SDP + DLCX, ${WINDOW} calls in flight)\n`;
out += `  codec baseline   ${fmt(baseline).padStart(9)} tx/s   (encode command + decode response, no I/O)\n`;
out += `  agent + FakeMgw  ${fmt(f.tps).padStart(9)} tx/s   (${ratio(f.tps)}; ${fmt(FAKE_CALLS * 4)} transactions in ${fmt(f.ms)} ms, the fake decodes and encodes too)\n`;
if (m) out += `  agent + osmo-mgw ${fmt(m.tps).padStart(9)} tx/s   (${ratio(m.tps)}; ${fmt(MGW_CALLS * 4)} transactions over loopback UDP in ${fmt(m.ms)} ms, ${m.retransmissions} retransmissions, ${m.timeouts} timeouts)\n`;
else out += '  agent + osmo-mgw  skipped: osmo-mgw is not installed\n';
console.log(out);
