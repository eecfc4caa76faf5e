// Messages per second through one association, one way, 200-byte messages
// spread over 8 streams with PPID 3: the stub backend (real timers, no faults)
// and the sctp backend over raw IP and over UDP encapsulation on loopback,
// both ends in this process. Bounded: a fixed count per run, and at most a few
// seconds each. The stub run is the baseline; ratios are stub / real.
//
//   npm run bench -w @snaptel/sctp-js-stub      (after npx tsc -b packages/sctp-js-stub)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { createStubNetwork, sctpBackend, wiresSettled } = require('../dist/index.js');

const SIZE = 200;
const LIMIT_MS = 4000;
const payload = new Uint8Array(SIZE).fill(0x5a);

async function run(label, backend, count, host) {
  const port = 21000 + Math.floor(Math.random() * 8000);
  const server = await backend.listen({ host: host.server, port });
  let got = 0;
  let bytes = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  server.on('association', (a) =>
    a.on('message', (m) => {
      got++;
      bytes += m.data.length;
      if (got === count) done();
    }),
  );
  const t0 = performance.now();
  const c = await backend.connect({ host: host.server, port, localHost: host.client, timeoutMs: 5000 });
  const setupMs = performance.now() - t0;
  const t1 = performance.now();
  for (let i = 0; i < count; i++) c.send(payload, { stream: i % 8, ppid: 3 });
  const timeout = new Promise((r) => setTimeout(r, LIMIT_MS, 'timeout'));
  const how = await Promise.race([finished, timeout]);
  const ms = performance.now() - t1;
  await c.close();
  await server.close();
  if (backend.name === 'sctp') await wiresSettled();
  const rate = got / (ms / 1000);
  console.log(
    `${label.padEnd(26)} ${String(got).padStart(6)}/${count} msgs in ${ms.toFixed(0).padStart(5)} ms: ${rate.toFixed(0).padStart(8)} msg/s, ${((bytes * 8) / (ms / 1000) / 1e6).toFixed(1).padStart(6)} Mbit/s payload; setup ${setupMs.toFixed(1)} ms${how === 'timeout' ? ' (time limit reached)' : ''}`,
  );
  return rate;
}

const hosts = () => {
  const a = 16 + Math.floor(Math.random() * 200);
  const b = Math.floor(Math.random() * 250);
  return { server: `127.${a}.${b}.2`, client: `127.${a}.${b}.3` };
};

console.log(`sctp-js-stub bench: ${SIZE}-byte messages, 8 streams, PPID 3, one association, both ends in this process (node ${process.version})`);
const stub = createStubNetwork({ seed: 1 });
const stubRate = await run('stub (baseline)', stub.backend, 200_000, hosts());
stub.destroy();

const results = [];
for (const transport of ['raw', 'udp']) {
  try {
    const udpPort = 21000 + Math.floor(Math.random() * 8000);
    const be = sctpBackend({ transport, udpPort, udpPeerPort: udpPort });
    results.push([transport, await run(`sctp over ${transport === 'raw' ? 'raw IP' : 'UDP (RFC 6951)'}`, be, 20_000, hosts())]);
  } catch (err) {
    console.log(`sctp over ${transport}: not measured: ${err.message}`);
  }
}
for (const [transport, rate] of results) console.log(`ratio stub / sctp-${transport}: ${(stubRate / rate).toFixed(1)}x`);
