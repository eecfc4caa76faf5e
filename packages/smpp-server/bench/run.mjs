// submit_sm round trips through the server (the npm smpp client as the ESME, on loopback)
// against the npm smpp package's own encode + decode of the same PDUs, measured in the same run.
// Bounded loops only. Build first: npx tsc -b packages/smpp-server
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { SmppServer, standaloneContext, encodePdu, decodePdu } = require('../dist/index.js');
const smpp = require('smpp');

const N = Number(process.env.SMPP_BENCH_N ?? 20000);
const WINDOW = 10;
const submitOpts = { source_addr_ton: 1, source_addr_npi: 1, source_addr: '4915112345', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '4917099999', registered_delivery: 1, data_coding: 0, short_message: 'Hello from the bench, 40 characters long' };

async function throughServer(window) {
  const ctx = standaloneContext();
  const port = 20000 + Math.floor(Math.random() * 40000);
  let ids = 0;
  const server = new SmppServer(ctx, { host: '127.0.0.1', port, esmes: [{ systemId: 'bench', password: 'pw', windowSize: window }] });
  server.onSubmit(() => ({ messageId: String(++ids) }));
  await ctx.ready();
  const s = smpp.connect({ host: '127.0.0.1', port });
  await new Promise((r) => s.on('connect', r));
  await new Promise((r) => s.bind_transmitter({ system_id: 'bench', password: 'pw' }, r));
  let sent = 0;
  let done = 0;
  let failed = 0;
  const t0 = process.hrtime.bigint();
  await new Promise((resolve) => {
    const one = () => {
      if (sent >= N) return;
      sent++;
      s.submit_sm(submitOpts, (pdu) => {
        if (pdu.command_status !== 0) failed++;
        if (++done === N) resolve();
        else one();
      });
    };
    for (let i = 0; i < window; i++) one();
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  s.destroy();
  server.close();
  await ctx.close();
  if (failed) throw new Error(`${failed} submits failed`);
  return N / secs;
}

function timed(n, fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

// Baseline: what one round trip costs the npm smpp package in codec work alone
// (encode submit_sm, decode it, encode submit_sm_resp, decode it).
function libCodec() {
  return timed(N, (i) => {
    const b = new smpp.PDU('submit_sm', { ...submitOpts, sequence_number: i + 1 }).toBuffer();
    const p = new smpp.PDU(b);
    const rb = p.response({ message_id: String(i) }).toBuffer();
    new smpp.PDU(rb);
  });
}

function ourCodec() {
  const body = { ...submitOpts, short_message: Buffer.from(submitOpts.short_message) };
  return timed(N, (i) => {
    const b = encodePdu({ command: 'submit_sm', seq: i + 1, body });
    const p = decodePdu(b);
    decodePdu(encodePdu({ command: 'submit_sm_resp', seq: p.seq, body: { message_id: String(i) } }));
  });
}

libCodec(); // warm up
ourCodec();
const lib = libCodec();
const ours = ourCodec();
const serial = await throughServer(1);
const windowed = await throughServer(WINDOW);
const f = (x) => Math.round(x).toLocaleString('en');
console.log(`smpp-server bench, ${N} submit_sm each (Node ${process.version})`);
console.log(`  npm smpp codec only (encode+decode submit_sm and resp): ${f(lib)} /s  [baseline]`);
console.log(`  our codec (same work):                                  ${f(ours)} /s  (${(ours / lib).toFixed(2)}x baseline)`);
console.log(`  round trips through the server, window 1:               ${f(serial)} /s  (${(serial / lib).toFixed(3)}x baseline)`);
console.log(`  round trips through the server, window ${WINDOW}:              ${f(windowed)} /s  (${(windowed / lib).toFixed(3)}x baseline)`);
