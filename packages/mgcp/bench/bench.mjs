// Decode and encode throughput for a realistic MGCP mix (CRCX, MDCX, DLCX
// and their responses with SDP, as osmo-msc and osmo-mgw exchange them),
// against tshark dissecting the same messages from a pcap, in one run.
// Usage: npm run bench -w @snaptel/mgcp   (build first: npx tsc -b)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import codec from '@snaptel/codec';
import mgcp from '../dist/index.js';

const sdp = (port, addr) =>
  `v=0\r\no=- 1A2B3C 23 IN IP4 ${addr}\r\ns=-\r\nc=IN IP4 ${addr}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 112\r\n` +
  'a=rtpmap:112 AMR/8000\r\na=fmtp:112 octet-align=1\r\na=ptime:20\r\n';
const texts = [
  'CRCX 1001 rtpbridge/*@mgw MGCP 1.0\r\nC: 4f2a\r\nL: p:20, a:AMR, nt:IN\r\nM: recvonly\r\n',
  '200 1001 OK\r\nZ: rtpbridge/3@mgw\r\nI: 1A2B3C\r\n\r\n' + sdp(4002, '10.0.0.1'),
  'MDCX 1002 rtpbridge/3@mgw MGCP 1.0\r\nC: 4f2a\r\nI: 1A2B3C\r\nM: sendrecv\r\n\r\n' + sdp(30000, '10.0.0.2'),
  '200 1002 OK\r\nI: 1A2B3C\r\n\r\n' + sdp(4002, '10.0.0.1'),
  'DLCX 1003 rtpbridge/3@mgw MGCP 1.0\r\nC: 4f2a\r\nI: 1A2B3C\r\n',
  '250 1003 OK\r\nP: PS=1500, OS=60000, PR=1498, OR=59920, PL=2, JI=0\r\n',
];
const wire = texts.map((t) => new Uint8Array(Buffer.from(t, 'latin1')));
const msgs = wire.map((b) => mgcp.decode(b));

function rate(fn, ms = 1500) {
  for (let i = 0; i < 20000; i++) fn(i); // warm up
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 5000; i++) fn(n + i);
    n += 5000;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

const dec = rate((i) => mgcp.decode(wire[i % wire.length]));
const enc = rate((i) => mgcp.encode(msgs[i % msgs.length]));

// tshark on the same mix, as UDP to/from port 2427
const N = 30000;
const cmds = [];
for (let i = 0; i < N; i++) {
  const k = i % wire.length;
  const flow = k % 2 === 0 ? { srcPort: 2727, dstPort: 2427 } : { srcPort: 2427, dstPort: 2727 };
  cmds.push(...codec.ipv4Udp(flow, [wire[k]]));
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-mgcp-bench-'));
let tsharkRate = NaN;
try {
  const file = path.join(dir, 'mix.pcap');
  codec.writePcap(file, cmds, codec.LINKTYPE_RAW);
  const t0 = performance.now();
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'mgcp.transid'], { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 60000 });
  const dt = performance.now() - t0;
  const lines = r.stdout ? r.stdout.split('\n').filter(Boolean).length : 0;
  if (r.status === 0 && lines === N) tsharkRate = (N * 1000) / dt;
  else console.error(`tshark failed or short: status ${r.status}, ${lines} of ${N} lines`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const f = (x) => Math.round(x).toLocaleString('en');
console.log(`mgcp mix (${texts.length} messages, ${Math.round(wire.reduce((a, b) => a + b.length, 0) / wire.length)} bytes average)`);
console.log(`  decode: ${f(dec)} msg/s`);
console.log(`  encode: ${f(enc)} msg/s`);
console.log(`  tshark: ${f(tsharkRate)} msg/s (${N} packets, -T fields, incl. start-up)`);
console.log(`  ratio decode/tshark: ${(dec / tsharkRate).toFixed(1)}x`);
