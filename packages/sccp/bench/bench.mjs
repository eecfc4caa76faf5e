// SCCP codec throughput vs tshark on the same messages. Plain node ESM; run after `npx tsc -b`.
// Bounded: about 1 s per measurement, tshark on 4000 messages with a 60 s timeout.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fromHex, ipv4Tcp, writePcap, LINKTYPE_RAW } from '@snaptel/codec';
import ipa from '@snaptel/ipa';
import sccp from '../dist/index.js';

// An SCCPlite connection as a BSC and an MSC exchange it (bytes from libosmo-sccp's sccp_test.c):
// CR carrying BSSMAP Complete Layer 3 (opaque data here), CC, DT1 (DTAP and Clear Command),
// RLSD, RLC, and UDTs (BSSMAP Reset and Paging).
const MIX = [
  '010102030202040242fe0f1f001d5705080072f4802012c3501710052411033319a208294710020131976100', // CR + Complete L3
  '02010203000003020100', // CC
  '0600000300010f01000c03055c0811813366021345f4', // DT1 (DTAP)
  '06000003000106000420040109', // DT1 (Clear Command)
  '0400000301020300010f02234200', // RLSD
  '05010203000003', // RLC
  '09000305070242fe0242fe06000430040120', // UDT (Reset)
  '090003070b04430100fe04435c00fe10000e52080829471002013197611a0106', // UDT (Paging, PC + SSN)
].map(fromHex);
const msgs = MIX.map((b) => sccp.decode(b));

function rate(fn, ms = 1000) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 1000; i++) fn(i);
    n += 1000;
    t = performance.now();
  }
  return (n / (t - t0)) * 1000;
}

rate((i) => sccp.decode(MIX[i % MIX.length]), 200); // warm-up
const dec = rate((i) => sccp.decode(MIX[i % MIX.length]));
const enc = rate((i) => sccp.encode(msgs[i % msgs.length]));

const N = 4000;
const frames = Array.from({ length: N }, (_, i) => ipa.frame('SCCP', MIX[i % MIX.length]));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-bench-'));
let tsharkRate = NaN;
try {
  const file = path.join(dir, 'sccplite.pcap');
  writePcap(file, ipv4Tcp({ srcPort: 40000, dstPort: 5000 }, frames), LINKTYPE_RAW);
  const t0 = performance.now();
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'sccp.message_type', '-e', 'sccp.slr'], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 << 20,
  });
  const secs = (performance.now() - t0) / 1000;
  if (r.status === 0 && r.stdout.trim().split('\n').length === N) tsharkRate = N / secs;
  else console.error('tshark failed:', r.status, r.stderr?.slice(0, 200));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const fmt = (x) => Math.round(x).toLocaleString('en');
console.log(`sccp SCCPlite mix of ${MIX.length} messages (CR, CC, DT1 x2, RLSD, RLC, UDT x2)`);
console.log(`  decode  ${fmt(dec)} msg/s`);
console.log(`  encode  ${fmt(enc)} msg/s`);
console.log(`  tshark  ${fmt(tsharkRate)} msg/s (${N} messages from a pcap, process start included)`);
console.log(`  ratio   decode/tshark ${(dec / tsharkRate).toFixed(1)}x, encode/tshark ${(enc / tsharkRate).toFixed(1)}x`);
