// IPA framing/CCM throughput vs tshark on the same frames. Plain node ESM; run after `npx tsc -b`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fromHex, ipv4Tcp, writePcap, LINKTYPE_RAW } from '@snaptel/codec';
import ipa from '../dist/index.js';

// CCM (libosmocore ipa.c), an ID_RESP, and GSUP frames as an MSC's HLR link carries them.
const MIX = [
  '00 01 fe 00',
  '00 01 fe 01',
  '00 11 fe 04 01 08 01 07 01 02 01 03 01 04 01 05 01 01 01 00',
  '00 10 fe 05 00 0d 01 53 4e 41 50 54 45 4c 2d 4d 53 43 00',
  '00 0c ee 05 04 01 08 21 43 65 87 09 21 43 f5',
  '00 12 ee 05 08 01 08 21 43 65 87 09 21 43 f5 28 01 02 0a 01 01',
].map(fromHex);
const msgs = MIX.map((b) => ipa.decode(b));
const stream = Buffer.concat(Array.from({ length: 200 }, (_, i) => MIX[i % MIX.length]));

function rate(fn, ms = 800) {
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
const dec = rate((i) => ipa.decode(MIX[i % MIX.length]));
const enc = rate((i) => ipa.encode(msgs[i % msgs.length]));
// De-framing: 200 frames per 1460-byte-ish chunks.
let deframed = 0;
const t0 = performance.now();
while (performance.now() - t0 < 800) {
  const d = new ipa.IpaDeframer();
  for (let o = 0; o < stream.length; o += 1460) deframed += d.push(stream.subarray(o, o + 1460)).length;
}
const deframe = deframed / ((performance.now() - t0) / 1000);

const N = 4000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-bench-'));
let tsharkRate = NaN;
try {
  const file = path.join(dir, 'ipa.pcap');
  writePcap(file, ipv4Tcp({ srcPort: 40000, dstPort: 4222 }, Array.from({ length: N }, (_, i) => MIX[i % MIX.length])), LINKTYPE_RAW);
  const s = performance.now();
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'gsm_ipa.protocol'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  const secs = (performance.now() - s) / 1000;
  if (r.status === 0 && r.stdout.trim().split('\n').length === N) tsharkRate = N / secs;
  else console.error('tshark failed:', r.status, r.stderr?.slice(0, 200));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
const fmt = (x) => Math.round(x).toLocaleString('en');
console.log(`ipa mix of ${MIX.length} frames (CCM + GSUP)`);
console.log(`  decode   ${fmt(dec)} frames/s`);
console.log(`  encode   ${fmt(enc)} frames/s`);
console.log(`  deframe  ${fmt(deframe)} frames/s (1460-byte chunks)`);
console.log(`  tshark   ${fmt(tsharkRate)} frames/s (${N} frames from a pcap, process start included)`);
console.log(`  ratio    decode/tshark ${(dec / tsharkRate).toFixed(1)}x`);
