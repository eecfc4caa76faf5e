#!/usr/bin/env node
/**
 * SMS from an ESME to phones through the whole stack, and the store's memory
 * per queued message, each against a baseline measured in the same run.
 *
 *     npx tsc -b && npm run bench:smpp -w @snaptel/msc
 *     BENCH_SMS=5000 BENCH_PHONES=20 BENCH_STORE=50000 node packages/msc/bench/smpp.mjs
 *
 * 1. Throughput. An hlr + msc image with the SMPP server and the
 *    store-and-forward SMSC is deployed with `snaptel deploy` and run as
 *    users run it (`snaptel run IMG --control SOCK --allow-eval`, log level
 *    info, its log to a file). bsc-sim (in this process) attaches
 *    BENCH_PHONES phones over the A interface (SCCPlite/IPA on loopback,
 *    COMP128v1 authentication and A5/1 on every LU). The npm `smpp` client
 *    binds as transceiver and submits BENCH_SMS messages round-robin to the
 *    phones, BENCH_WINDOW submit_sm outstanding; the clock stops when the
 *    last phone has the last message (submit_sm -> store -> paging or the
 *    held connection -> CP-DATA/RP-DATA/SMS-DELIVER -> CP-ACK, RP-ACK ->
 *    CP-ACK -> next message). A warm-up of 10% goes first.
 *    Baseline: the same client, the same submit_sm PDUs and window against
 *    a bare SMPP server in this process that answers each with a message id
 *    and delivers nothing: what the ESME side alone can drive here. The
 *    ratio is the share of that the whole stack delivers end to end.
 * 2. Memory. BENCH_STORE messages (160 GSM 7-bit characters each) are
 *    submitted for a subscriber that is not attached, so they stay in the
 *    store. Inside the MSC (remote eval, after a full GC): the store's own
 *    bytes (columns, heap, hash, arena) per message, and the process's
 *    heapUsed + arrayBuffers growth per message. Baseline: the same messages
 *    as plain objects (addresses, fields, a Buffer of user data) in a Map,
 *    in this process, after a full GC: what the naive queue would hold.
 */
import { createRequire } from 'node:module';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..', '..');
const LAUNCHER = path.join(ROOT, 'packages/image/bin/snaptel');
const smpp = require(require.resolve('smpp', { paths: [path.join(ROOT, 'packages/smpp-server')] }));
const { BscSim, subscriberAt } = require('@snaptel/bsc-sim');
const { SmppServer, standaloneContext } = require('@snaptel/smpp-server');
const { request } = require(path.join(ROOT, 'packages/image/dist/remote.js'));

const int = (name, def) => {
  const v = Number(process.env[name] ?? def);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: ${process.env[name]} is not a positive count`);
  return v;
};
const N = int('BENCH_SMS', 3000);
const PHONES = int('BENCH_PHONES', 20);
const WINDOW = int('BENCH_WINDOW', 20);
const STORE_N = int('BENCH_STORE', 50_000);
const HOST = '127.0.0.1';
const LAC = 9;
const BASE = { imsiBase: '001010000000001', kiBase: 'eb215756028d60e3275e613320aec880', msisdnBase: '30000000', algo: 'comp128v1' };
const GHOST = subscriberAt(BASE, PHONES); // provisioned, never attached: the memory phase's destination
const TEXT = 'x'.repeat(160);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-bench-smpp-'));
const children = new Set();
const cleanup = () => {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
};
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function session(port) {
  return new Promise((resolve, reject) => {
    const s = smpp.connect({ host: HOST, port });
    s.on('error', reject);
    s.on('connect', () =>
      s.bind_transceiver({ system_id: 'bench', password: 'bench' }, (pdu) => (pdu.command_status === 0 ? resolve(s) : reject(new Error(`bind: status ${pdu.command_status}`)))),
    );
  });
}

/** Submits `n` messages with `window` outstanding; `to(i)` is the destination of the i-th. */
async function submitAll(s, n, window, to, text = (i) => `bench ${i}`) {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const r = await new Promise((res) => s.submit_sm({ destination_addr: to(i), short_message: text(i) }, res));
      if (r.command_status !== 0) failed++;
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  if (failed) throw new Error(`${failed} of ${n} submit_sm refused`);
}

function cpuMs(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

async function evalIn(control, code) {
  const r = await request(control, 'eval', { code, timeoutMs: 60_000 }, 90_000);
  if (!r.ok) throw new Error(`eval: ${r.error?.message}`);
  return r.result.json;
}

const MAIN = "const F = Buffer.constructor; const P = F('return process')();";
const MEMORY = `(() => { ${MAIN}
  P.getBuiltinModule('v8').setFlagsFromString('--expose-gc');
  const gc = P.getBuiltinModule('vm').runInNewContext('gc');
  gc(); gc();
  const m = P.memoryUsage();
  const s = msc.status().sms;
  return { heap: m.heapUsed + m.arrayBuffers, stored: s.stored, storeBytes: s.bytes };
})()`;

async function main() {
  const phones = Array.from({ length: PHONES }, (_, i) => subscriberAt(BASE, i));
  const [aPort, smppPort] = [await freePort(), await freePort()];
  const recipe = {
    package: ['hlr', 'msc'],
    packages: {
      hlr: { subscribers: [...phones, GHOST] },
      msc: {
        a: { host: HOST, port: aPort, bscs: [{ name: 'bsc-sim', host: HOST, lac: LAC }] },
        smpp: { host: HOST, port: smppPort, esmes: [{ systemId: 'bench', password: 'bench', windowSize: 100 }] },
      },
    },
    log: { level: 'info' },
  };
  const cfg = path.join(tmp, 'msc.json');
  fs.writeFileSync(cfg, JSON.stringify(recipe));
  const img = path.join(tmp, 'msc.img');
  const d = spawnSync(LAUNCHER, ['deploy', '--config', cfg, '--out', img, '-q'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (d.status !== 0) throw new Error(`deploy failed:\n${d.stderr}${d.stdout}`);
  const control = path.join(tmp, 'control.sock');
  const logFd = fs.openSync(path.join(tmp, 'msc.log'), 'a');
  const msc = spawn(LAUNCHER, ['run', img, '--control', control, '--allow-eval'], { cwd: ROOT, stdio: ['ignore', logFd, logFd], detached: true });
  children.add(msc);
  for (let i = 0; !fs.existsSync(control) || !/"msg":"ready/.test(fs.readFileSync(path.join(tmp, 'msc.log'), 'utf8')); i++) {
    if (i > 3000 || msc.exitCode !== null) throw new Error(`the MSC did not come up:\n${fs.readFileSync(path.join(tmp, 'msc.log'), 'utf8').slice(-3000)}`);
    await sleep(20);
  }

  const bsc = new BscSim({ msc: { host: HOST, port: aPort }, lac: LAC, pingIntervalMs: 0 });
  await bsc.start({ timeoutMs: 10_000 });
  const mss = phones.map((p) => bsc.addMs({ ...p, inboxMax: 10 }));
  for (const ms of mss) if (!(await ms.locationUpdate()).accepted) throw new Error(`LU of ${ms.imsi} refused`);
  let received = 0;
  for (const ms of mss) ms.on('sms', () => received++);
  const esme = await session(smppPort);

  const run = async (n) => {
    const start = received;
    const t0 = performance.now();
    const c0 = cpuMs(msc.pid);
    await submitAll(esme, n, WINDOW, (i) => phones[i % PHONES].msisdn);
    for (let i = 0; received - start < n; i++) {
      if (i > 12_000) throw new Error(`only ${received - start} of ${n} arrived`);
      await sleep(10);
    }
    const s = (performance.now() - t0) / 1000;
    return { rate: n / s, perCpu: n / ((cpuMs(msc.pid) - c0) / 1000) };
  };
  await run(Math.max(PHONES, Math.round(N / 10)));
  const whole = await run(N);

  // Baseline: the same client and PDUs against a bare server that only answers.
  const basePort = await freePort();
  const ctx = standaloneContext();
  let ids = 0;
  const bare = new SmppServer(ctx, { host: HOST, port: basePort, esmes: [{ systemId: 'bench', password: 'bench', windowSize: 100 }] });
  bare.onSubmit(() => ({ messageId: String(++ids) }));
  await ctx.ready();
  const bs = await session(basePort);
  await submitAll(bs, Math.round(N / 10), WINDOW, (i) => phones[i % PHONES].msisdn);
  const b0 = performance.now();
  await submitAll(bs, N, WINDOW, (i) => phones[i % PHONES].msisdn);
  const baseRate = N / ((performance.now() - b0) / 1000);
  bs.destroy();
  bare.close();
  await ctx.close();

  // Memory: messages for the subscriber that is not attached stay in the store.
  const m0 = await evalIn(control, MEMORY);
  await submitAll(esme, STORE_N, WINDOW, () => GHOST.msisdn, () => TEXT);
  const m1 = await evalIn(control, MEMORY);
  const stored = m1.stored - m0.stored;
  if (stored !== STORE_N) throw new Error(`${stored} stored, expected ${STORE_N}`);

  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  gc();
  gc();
  const h0 = process.memoryUsage();
  const map = new Map();
  for (let i = 0; i < STORE_N; i++) {
    map.set(i + 1, {
      id: i + 1,
      destination: { kind: 'ms', msisdn: GHOST.msisdn },
      source: { ton: 0, npi: 0, address: '' },
      origin: { kind: 'esme', systemId: 'bench', messageId: String(i + 1) },
      recipient: { ton: 0, npi: 0, address: GHOST.msisdn },
      dcs: 0,
      pid: 0,
      udhi: false,
      udl: 160,
      ud: Buffer.alloc(140, i & 0xff),
      submittedAt: Date.now(),
      validUntil: Date.now() + 172_800_000,
      attempts: 0,
      state: 'waiting',
    });
  }
  gc();
  gc();
  const h1 = process.memoryUsage();
  const baseBytes = (h1.heapUsed + h1.arrayBuffers - h0.heapUsed - h0.arrayBuffers) / STORE_N;
  if (map.size !== STORE_N) throw new Error('baseline map');

  const storePer = (m1.storeBytes - m0.storeBytes) / STORE_N;
  const heapPer = (m1.heap - m0.heap) / STORE_N;
  const f = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(`SMS ESME -> phone, whole stack (${N} messages, ${PHONES} phones, window ${WINDOW}, Node ${process.versions.node}, ${os.cpus().length} CPUs):`);
  console.log(`  baseline: submit_sm round trips to a bare SMPP server   ${f(baseRate)} /s`);
  console.log(`  submit_sm -> store -> phone, end to end                  ${f(whole.rate)} /s   (${f(whole.rate / baseRate, 3)}x baseline)`);
  console.log(`  per CPU-second of the MSC process                        ${f(whole.perCpu)} /s`);
  console.log(`Queue memory, ${f(STORE_N)} stored messages of 160 GSM 7-bit characters:`);
  console.log(`  baseline: Map of plain objects (Buffer user data)         ${f(baseBytes)} B/msg`);
  console.log(`  the MSC's store (columns, heap, hash, arena)             ${f(storePer)} B/msg   (${f(storePer / baseBytes, 2)}x baseline)`);
  console.log(`  the MSC's heap + array buffers growth                    ${f(heapPer)} B/msg   (${f(heapPer / baseBytes, 2)}x baseline)`);

  esme.destroy();
  await bsc.stop();
  process.kill(-msc.pid, 'SIGTERM');
  await sleep(300);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
