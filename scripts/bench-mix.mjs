// The codec issue's bench: one realistic MSC mix across the stack, decoded
// the way an MSC decodes it, against tshark dissecting the same packets from
// one pcap, as a ratio from the same run.
//
//   A interface (SCCPlite: IPA 0xFD / SCCP DT1 / BSSAP): LU, CM service,
//     paging, ciphering, assignment, MO call setup to release, clear.
//   GSUP (IPA OSMO ext 5, TCP 4222): SendAuthInfo, UpdateLocation, InsertData, MO-forwardSM.
//   MGCP (UDP 2427): CRCX, MDCX, DLCX and their responses with SDP.
//
// The messages are the ones each package's own bench uses (their sources are
// cited there). Bounded: about 1 s of our decoding, and tshark over 30,000
// packets, twice, plus twice over an empty capture to subtract its start-up.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const codec = require('../packages/codec/dist/index.js');
const ipa = require('../packages/ipa/dist/index.js');
const sccp = require('../packages/sccp/dist/index.js');
const bssap = require('../packages/bssap/dist/index.js');
const gsup = require('../packages/gsup/dist/index.js');
const mgcp = require('../packages/mgcp/dist/index.js');

const hex = (s) => new Uint8Array(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const dtapMsg = (l3) => `01 00 ${(l3.replace(/\s/g, '').length / 2).toString(16).padStart(2, '0')} ${l3}`;
const A = [
  ['mo', '0024 57 0508 0009f1070017 4711 1717 050870 09f107 0017 57 089910070000106005 3303575886'], // Complete L3: LU Request
  ['mo', '001d 57 0508 0072f4802012c350 1710 052411033319a2082947100201319761'], // Complete L3: CM Service Request
  ['mt', '0010 52 080809101000000021 43 1a03052342'], // Paging
  ['mt', '000c 53 0a0903aabbccddeeff2342'], // Cipher Mode Command
  ['mo', '0008 55 2003234221 2c04'], // Cipher Mode Complete
  ['mo', dtapMsg('0385 0406600402000581 5e038121f3 15020100 4008 04026000 00021f00')], // CC Setup (MO)
  ['mt', dtapMsg('8302')], // Call Proceeding
  ['mt', '0020 01 0b04010ba125 010004 7c06c0a8641704d2 7d0753efcda29ffdc0 7fddccbbaa'], // Assignment Request (AoIP)
  ['mo', '001f 02 1523 2142 2c11 4022 7c06c0a8641704d2 7e0191 7d0753efcda29ffdc0 8d03'], // Assignment Complete
  ['mt', dtapMsg('8301')], // Alerting
  ['mt', dtapMsg('8307')], // Connect
  ['mo', dtapMsg('03cf')], // Connect Ack
  ['mo', dtapMsg('032502e090')], // Disconnect
  ['mt', dtapMsg('832d')], // Release
  ['mo', dtapMsg('036a')], // Release Complete
  ['mt', '0004 20 040109'], // Clear Command
  ['mo', '0001 21'], // Clear Complete
];
const IMSI = '01 08 21 43 65 87 09 21 43 f5';
const TUPLE = '03 22 20 10 0102030405060708090a0b0c0d0e0f10 21 04 21222324 22 08 3132333435363738';
const G = [
  `08 ${IMSI} 28 01 02 0a 01 01`,
  `0a ${IMSI} ${TUPLE} ${TUPLE} ${TUPLE}`,
  `04 ${IMSI} 28 01 02`,
  `10 ${IMSI} 08 07 91 94 61 46 32 24 43 28 01 02`,
  `12 ${IMSI}`,
  `06 ${IMSI}`,
  `24 ${IMSI} 40 01 fa 41 08 03 91 52 75 47 99 09 82 42 01 ff 43 17 11000b916407281553f80000aa0ae8329bfd4697d9ec37`,
];
const sdp = (port, addr) =>
  `v=0\r\no=- 1A2B3C 23 IN IP4 ${addr}\r\ns=-\r\nc=IN IP4 ${addr}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 112\r\n` +
  'a=rtpmap:112 AMR/8000\r\na=fmtp:112 octet-align=1\r\na=ptime:20\r\n';
const M = [
  'CRCX 1001 rtpbridge/*@mgw MGCP 1.0\r\nC: 4f2a\r\nL: p:20, a:AMR, nt:IN\r\nM: recvonly\r\n',
  '200 1001 OK\r\nZ: rtpbridge/3@mgw\r\nI: 1A2B3C\r\n\r\n' + sdp(4002, '10.0.0.1'),
  'MDCX 1002 rtpbridge/3@mgw MGCP 1.0\r\nC: 4f2a\r\nI: 1A2B3C\r\nM: sendrecv\r\n\r\n' + sdp(30000, '10.0.0.2'),
  '200 1002 OK\r\nI: 1A2B3C\r\n\r\n' + sdp(4002, '10.0.0.1'),
  'DLCX 1003 rtpbridge/3@mgw MGCP 1.0\r\nC: 4f2a\r\nI: 1A2B3C\r\n',
  '250 1003 OK\r\nP: PS=1500, OS=60000, PR=1498, OR=59920, PL=2, JI=0\r\n',
];

// Wire form: each A-interface message in an SCCP DT1 (dst ref 0x000103) in an IPA frame.
const dt1 = (data) => sccp.encode({ type: 'DT1', dstRef: 0x030100, segmentingReassembling: 0, data: Buffer.from(data).toString('hex') });
const packets = [
  ...A.map(([dir, h]) => ({ kind: 'a', dir, bytes: ipa.frame('SCCP', dt1(hex(h))) })),
  ...G.map((h) => ({ kind: 'gsup', bytes: ipa.frame('OSMO', hex(h), 'GSUP') })),
  ...M.map((t) => ({ kind: 'mgcp', bytes: new Uint8Array(Buffer.from(t, 'latin1')) })),
];

/** What an MSC does with each packet: take the frame apart and decode every layer. */
function decodePacket(p) {
  if (p.kind === 'mgcp') return mgcp.decode(p.bytes);
  const f = ipa.unframe(p.bytes);
  if (f.ext !== undefined) return gsup.decode(f.payload);
  const s = sccp.decode(f.payload);
  return bssap.decode(hex(s.data), p.dir);
}
for (const p of packets) decodePacket(p); // all must decode

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
function rate(fn, n) {
  const runs = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    let i = 0;
    while (performance.now() - t0 < 200) for (let j = 0; j < 1000; j++, i++) fn(i % n);
    runs.push((i / (performance.now() - t0)) * 1000);
  }
  return median(runs);
}
const ours = rate((i) => decodePacket(packets[i]), packets.length);

// tshark over the same packets: A and GSUP as TCP segments to 5000 and 4222, MGCP as UDP to 2427.
const N = 30000;
const records = [];
let seqA = 1;
let seqG = 1;
for (let i = 0; i < N; i++) {
  const p = packets[i % packets.length];
  if (p.kind === 'mgcp') records.push(...codec.ipv4Udp({ srcPort: 2727, dstPort: 2427 }, [p.bytes]));
  else {
    const port = p.kind === 'a' ? 5000 : 4222;
    const [r] = codec.ipv4Tcp({ srcPort: 40000, dstPort: port }, [p.bytes]);
    // ipv4Tcp numbers one call's segments; keep each connection's sequence running on.
    const seq = p.kind === 'a' ? seqA : seqG;
    Buffer.from(r.data.buffer, r.data.byteOffset).writeUInt32BE(seq, 24);
    if (p.kind === 'a') seqA += p.bytes.length;
    else seqG += p.bytes.length;
    records.push(r);
  }
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-mix-'));
function tsharkSeconds(file) {
  const t0 = performance.now();
  const r = spawnSync('tshark', ['-n', '-r', file, '-V'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}
let tshark;
let malformed;
let protocols;
try {
  const full = path.join(dir, 'mix.pcap');
  const empty = path.join(dir, 'empty.pcap');
  codec.writePcap(full, records, codec.LINKTYPE_RAW);
  codec.writePcap(empty, [], codec.LINKTYPE_RAW);
  const start = Math.min(tsharkSeconds(empty), tsharkSeconds(empty));
  const total = Math.min(tsharkSeconds(full), tsharkSeconds(full));
  tshark = N / Math.max(total - start, 1e-3);
  // The comparison is only fair if tshark understood the packets: count what it found malformed.
  const bad = spawnSync('tshark', ['-n', '-r', full, '-Y', '_ws.malformed', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', timeout: 300_000 });
  malformed = bad.stdout.split('\n').filter(Boolean).length;
  const kinds = spawnSync('tshark', ['-n', '-r', full, '-c', String(packets.length), '-T', 'fields', '-e', '_ws.col.Protocol'], { encoding: 'utf8' });
  protocols = [...new Set(kinds.stdout.split('\n').filter(Boolean))].join(', ');
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
const f = (x) => Math.round(x).toLocaleString('en');
console.log(`MSC mix: ${packets.length} packets (${A.length} SCCPlite/BSSAP/DTAP, ${G.length} GSUP, ${M.length} MGCP), one core, Node ${process.version}`);
console.log(`  snaptel decode, every layer : ${f(ours)} msg/s`);
console.log(`  tshark -V, same packets     : ${f(tshark)} msg/s (${N} packets, start-up subtracted)`);
console.log(`  ratio                       : ${(ours / tshark).toFixed(1)}x`);
console.log(`  tshark saw: ${protocols}; malformed packets: ${malformed} of ${N}`);
