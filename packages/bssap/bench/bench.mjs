// Decode/encode throughput for a realistic BSSMAP + DTAP mix, against tshark
// dissecting the same BSSAP messages from a pcap (LINKTYPE_USER0 as "bssap"),
// as a ratio from the same run. Bounded: about 1 s per measurement plus four
// tshark runs (two over an empty capture, two over 30000 packets).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const bssap = require('../dist/index.js');
const codec = require('@snaptel/codec');

const hex = (s) => new Uint8Array(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const dtap = (dir, l3) => [dir, `01 00 ${(l3.replace(/\s/g, '').length / 2).toString(16).padStart(2, '0')} ${l3}`];
// BSSMAP vectors from libosmocore tests/gsm0808 and libosmo-sccp (see test/vectors.ts), DTAP from osmo-msc tests/msc_vlr.
const mix = [
  ['mo', '0024 57 0508 0009f1070017 4711 1717 050870 09f107 0017 57 089910070000106005 3303575886'], // Complete L3: LU Request
  ['mo', '001d 57 0508 0072f4802012c350 1710 052411033319a2082947100201319761'], // Complete L3: CM Service Request
  ['mt', '0010 52 080809101000000021 43 1a03052342'], // Paging
  ['mt', '000c 53 0a0903aabbccddeeff2342'], // Cipher Mode Command
  ['mo', '0008 55 2003234221 2c04'], // Cipher Mode Complete
  dtap('mo', '0385 0406600402000581 5e038121f3 15020100 4008 04026000 00021f00'), // CC Setup (MO)
  dtap('mt', '8302'), // Call Proceeding
  ['mt', '0020 01 0b04010ba125 010004 7c06c0a8641704d2 7d0753efcda29ffdc0 7fddccbbaa'], // Assignment Request (AoIP)
  ['mo', '001f 02 1523 2142 2c11 4022 7c06c0a8641704d2 7e0191 7d0753efcda29ffdc0 8d03'], // Assignment Complete (AoIP)
  dtap('mt', '8301'), // Alerting
  dtap('mt', '8307'), // Connect
  dtap('mo', '03cf'), // Connect Ack
  dtap('mo', '032502e090'), // Disconnect
  dtap('mt', '832d'), // Release
  dtap('mo', '036a'), // Release Complete
  ['mt', '0004 20 040109'], // Clear Command
  ['mo', '0001 21'], // Clear Complete
].map(([d, h]) => [d, hex(h)]);
const decoded = mix.map(([d, b]) => bssap.decode(b, d));
for (const [i, m] of decoded.entries()) {
  if (Buffer.compare(Buffer.from(bssap.encode(m)), Buffer.from(mix[i][1])) !== 0) throw new Error(`mix message ${i} does not round-trip`);
}

function rate(fn, ms = 1000) {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) n += fn(i);
  return n / (ms / 1000);
}
const L = mix.length;
rate((i) => (bssap.decode(mix[i % L][1], mix[i % L][0]), 1), 300); // warm-up
const dec = rate((i) => (bssap.decode(mix[i % L][1], mix[i % L][0]), 1));
rate((i) => (bssap.encode(decoded[i % L]), 1), 300);
const enc = rate((i) => (bssap.encode(decoded[i % L]), 1));

// tshark: the same mix repeated, dissected in full (-V), timed end to end minus an empty-capture run (best of two each)
const N = 30000;
const recs = Array.from({ length: N }, (_, i) => ({ data: mix[i % L][1] }));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bssap-bench-'));
let tsharkRate = NaN;
try {
  const file = path.join(dir, 'mix.pcap');
  const empty = path.join(dir, 'empty.pcap');
  fs.writeFileSync(file, codec.pcap(recs, codec.LINKTYPE_USER0));
  fs.writeFileSync(empty, codec.pcap([], codec.LINKTYPE_USER0));
  const args = (f) => ['-n', '-r', f, '-V', ...codec.userDlt('bssap')];
  const run = (f) => {
    const t = performance.now();
    const r = spawnSync('tshark', args(f), { stdio: ['ignore', 'ignore', 'ignore'], timeout: 120_000 });
    if (r.status !== 0) throw new Error(`tshark exited ${r.status}`);
    return performance.now() - t;
  };
  // best of two runs each: tshark's startup (about a second) varies from run to run
  const base = Math.min(run(empty), run(empty));
  const full = Math.min(run(file), run(file));
  tsharkRate = N / ((full - base) / 1000);
} catch (e) {
  console.error('tshark unavailable:', e.message);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const f = (x) => Math.round(x).toLocaleString('en');
console.log(`bssap mix (${L} messages: Complete L3 with LU and CM service request, paging, cipher mode, assignment (AoIP), DTAP call setup to release, clear)`);
console.log(`  decode  ${f(dec)} msg/s`);
console.log(`  encode  ${f(enc)} msg/s`);
console.log(`  tshark  ${f(tsharkRate)} msg/s (${N} packets, -V, startup subtracted)`);
console.log(`  ratio   decode/tshark ${(dec / tsharkRate).toFixed(1)}x, encode/tshark ${(enc / tsharkRate).toFixed(1)}x`);
