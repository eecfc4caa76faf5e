// How many A-interface messages the simulator generates and consumes per
// second against the automatic fake MSC (test/auto-msc.mjs) on loopback, as
// a ratio to a baseline measured in the same run: raw encode + decode
// (IPA frame + SCCP + BSSAP) of the same messages, no sockets, no state.
// Bounded: a fixed number of subscribers and calls, and a deadline each.
//
//   npm run bench -w @snaptel/bsc-sim      (after npx tsc -b)
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoMsc } from '../test/auto-msc.mjs';

const require = createRequire(import.meta.url);
const sim = require('../dist/index.js');
const { opsPerSecond, fromHex } = require('@snaptel/codec');
const { frame, unframe } = require('@snaptel/ipa');
const sccp = require('@snaptel/sccp');
const bssap = require('@snaptel/bssap');
const here = path.dirname(fileURLToPath(import.meta.url));

const N = Number(process.env.BENCH_SUBSCRIBERS ?? 2000);
const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const SMS = Number(process.env.BENCH_SMS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const base = { imsiBase: '001010000000001', kiBase: 'eb215756028d60e3275e613320aec880', msisdnBase: '2000', algo: 'comp128v1' };
const subscribers = Array.from({ length: N }, (_, i) => sim.subscriberAt(base, i));
const fmt = (x) => Math.round(x).toLocaleString('en');

// ---- the message mix: one LU (with auth and ciphering), one call, one detach, as the simulator exchanged them ----
async function sampleMix() {
  const msc = await AutoMsc.start({ subscribers: subscribers.slice(0, 2), auth: true });
  const mix = [];
  const bsc = new sim.BscSim({ msc: `127.0.0.1:${msc.port}` });
  bsc.on('message', (e) => mix.push({ dir: e.dir, sccp: e.sccp, bytes: frame('SCCP', sccp.encode(e.sccp)) }));
  await bsc.start();
  const [a, b] = subscribers.slice(0, 2).map((s) => bsc.addMs({ imsi: s.imsi, msisdn: s.msisdn, ki: s.ki }));
  await a.locationUpdate();
  await b.locationUpdate();
  const call = a.call(b.msisdn);
  await call.connected;
  await call.hangup();
  await Promise.all([a.idle(5000), b.idle(5000)]);
  await a.imsiDetach();
  await bsc.stop();
  await msc.close();
  return mix;
}

function baseline(mix) {
  const L = mix.length;
  const dirOf = (m) => (m.dir === 'BSC -> MSC' ? 'mo' : 'mt');
  // decode: IPA unframe, SCCP, BSSAP; encode: BSSAP, SCCP, IPA frame (the work the simulator's codec path does per message).
  const decoded = mix.map((m) => {
    const s = sccp.decode(unframe(m.bytes).payload);
    return { s, b: s.data ? bssap.decode(fromHex(s.data), dirOf(m)) : undefined };
  });
  return opsPerSecond((i) => {
    const m = mix[i % L];
    const s = sccp.decode(unframe(m.bytes).payload);
    if (s.data) bssap.decode(fromHex(s.data), dirOf(m));
    const d = decoded[i % L];
    const data = d.b ? Buffer.from(bssap.encode(d.b)).toString('hex') : undefined;
    return frame('SCCP', sccp.encode(data ? { ...d.s, data } : d.s));
  }, 1500);
}

async function inProcess() {
  const msc = await AutoMsc.start({ subscribers, auth: true });
  const r = await sim.runScenario({ ...base, msc: `127.0.0.1:${msc.port}`, subscribers: N, lu: true, calls: CALLS, sms: SMS, detach: true, concurrency: CONCURRENCY, durationMs: 60_000 });
  await msc.close();
  return r;
}

async function outOfProcess() {
  const msc = await AutoMsc.start({ subscribers, auth: true });
  const args = [path.join(here, '../bin/bsc-sim'), '--msc', `127.0.0.1:${msc.port}`, '--subscribers', String(N), '--imsi-base', base.imsiBase, '--ki-base', base.kiBase, '--msisdn-base', base.msisdnBase,
    '--lu', '--calls', String(CALLS), '--sms', String(SMS), '--detach', '--concurrency', String(CONCURRENCY), '--duration', '60', '--json'];
  const out = await new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    p.stdout.on('data', (d) => (s += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('exit', (code) => {
      clearTimeout(t);
      code === 0 ? resolve(s) : reject(new Error(`bsc-sim exited ${code}: ${s}`));
    });
  });
  await msc.close();
  return JSON.parse(out);
}

const mix = await sampleMix();
const codec = baseline(mix);
const a = await inProcess();
const b = await outOfProcess();
for (const r of [a, b]) {
  const failed = (r.lu?.failed ?? 0) + (r.calls?.failed ?? 0) + (r.sms?.failed ?? 0) + (r.detach?.failed ?? 0);
  if (failed || r.lu.ok !== N || r.calls.ok !== CALLS || r.sms.ok !== SMS || r.sms.delivered !== SMS || r.detach.ok !== N) throw new Error(`bench run incomplete: ${JSON.stringify(r)}`);
}
const line = (name, r, own) => {
  const msgs = r.messages.perSecond;
  const perCpu = ((r.messages.sent + r.messages.received) * 1000) / Math.max(1, r.cpuMs);
  return [
    `  ${name}`,
    `    messages   ${fmt(msgs)} msg/s sent + received (${(msgs / codec).toFixed(3)}x the codec baseline)`,
    ...(own ? [`    per CPU    ${fmt(perCpu)} msg per CPU-second of the bsc-sim process (${(perCpu / codec).toFixed(3)}x the baseline): its capacity when the MSC is elsewhere`] : []),
    `    LU         ${fmt(r.lu.perSecond)} LU/s      p50 ${r.lu.latencyMs.p50.toFixed(2)} ms  p99 ${r.lu.latencyMs.p99.toFixed(2)} ms`,
    `    calls      ${fmt(r.calls.perSecond)} calls/s   setup p50 ${r.calls.latencyMs.p50.toFixed(2)} ms  p99 ${r.calls.latencyMs.p99.toFixed(2)} ms`,
    `    SMS        ${fmt(r.sms.perSecond)} SMS/s     MO (CM SERVICE REQUEST -> RP-ACK) p50 ${r.sms.latencyMs.p50.toFixed(2)} ms  p99 ${r.sms.latencyMs.p99.toFixed(2)} ms; delivered ${r.sms.delivered}, submit -> in the callee's inbox p50 ${r.sms.deliveryLatencyMs.p50.toFixed(2)} ms`,
    `    detach     ${fmt(r.detach.perSecond)} detach/s`,
  ].join('\n');
};
console.log(`bsc-sim against the automatic fake MSC on loopback: ${N} subscribers (LU with COMP128v1 authentication and A5/1), ${CALLS} calls (paging, both legs assigned), ${SMS} SMS (MO, paging, MT), ${N} detaches, concurrency ${CONCURRENCY}
  baseline   ${fmt(codec)} msg/s: encode + decode of the same ${mix.length}-message mix (IPA + SCCP + BSSAP), one core, no sockets
${line('in one process with the fake MSC (one core shared)', a)}
${line('bsc-sim CLI in its own process (the MSC bench\'s way)', b, true)}`);
