// GSUP codec throughput vs tshark on the same messages. Plain node ESM; run after `npx tsc -b`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fromHex, ipv4Tcp, writePcap, LINKTYPE_RAW } from '@snaptel/codec';
import gsup from '../dist/index.js';

const IMSI = '01 08 21 43 65 87 09 21 43 f5';
const TUPLE = '03 22 20 10 0102030405060708090a0b0c0d0e0f10 21 04 21222324 22 08 3132333435363738';
// A location update and auth mix as an MSC/VLR sees it (shapes from libosmocore's gsup_test.c).
const MIX = [
  `08 ${IMSI} 28 01 02 0a 01 01`, // SendAuthInfo Request
  `0a ${IMSI} ${TUPLE} ${TUPLE} ${TUPLE}`, // SendAuthInfo Result, 3 tuples
  `04 ${IMSI} 28 01 02`, // UpdateLocation Request
  `10 ${IMSI} 08 07 91 94 61 46 32 24 43 28 01 02`, // InsertData Request
  `12 ${IMSI}`, // InsertData Result
  `06 ${IMSI}`, // UpdateLocation Result
  `09 ${IMSI} 02 01 02`, // SendAuthInfo Error
  `24 ${IMSI} 40 01 fa 41 08 03 91 52 75 47 99 09 82 42 01 ff 43 17 11000b916407281553f80000aa0ae8329bfd4697d9ec37`, // MO-forwardSM
].map(fromHex);
const msgs = MIX.map((b) => gsup.decode(b));

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

const dec = rate((i) => gsup.decode(MIX[i % MIX.length]));
const enc = rate((i) => gsup.encode(msgs[i % msgs.length]));

const N = 4000;
const frames = Array.from({ length: N }, (_, i) => gsup.encodeIpa(msgs[i % msgs.length]));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-bench-'));
let tsharkRate = NaN;
try {
  const file = path.join(dir, 'gsup.pcap');
  writePcap(file, ipv4Tcp({ srcPort: 40000, dstPort: 4222 }, frames), LINKTYPE_RAW);
  const t0 = performance.now();
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'gsup.msg_type', '-e', 'e212.imsi'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  const secs = (performance.now() - t0) / 1000;
  if (r.status === 0 && r.stdout.trim().split('\n').length === N) tsharkRate = N / secs;
  else console.error('tshark failed:', r.status, r.stderr?.slice(0, 200));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const fmt = (x) => Math.round(x).toLocaleString('en');
console.log(`gsup mix of ${MIX.length} messages`);
console.log(`  decode  ${fmt(dec)} msg/s`);
console.log(`  encode  ${fmt(enc)} msg/s`);
console.log(`  tshark  ${fmt(tsharkRate)} msg/s (${N} messages from a pcap, process start included)`);
console.log(`  ratio   decode/tshark ${(dec / tsharkRate).toFixed(1)}x, encode/tshark ${(enc / tsharkRate).toFixed(1)}x`);
