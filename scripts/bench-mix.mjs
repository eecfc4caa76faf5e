// The codec issue's bench: one realistic MSC mix across the stack, decoded
// the way an MSC decodes it, against tshark dissecting the same packets from
// one pcap, as a ratio from the same run.
//
//   A interface (SCCPlite: IPA 0xFD / SCCP DT1 / BSSAP): LU, CM service,
//     paging, ciphering, assignment, MO call setup to release, clear.
//   GSUP (IPA OSMO ext 5, TCP 4222): SendAuthInfo, UpdateLocation, InsertData, MO-forwardSM.
//   MGCP (UDP 2427): CRCX, MDCX, DLCX and their responses with SDP.
//
// The messages are each package's own bench mix (bench/mix.mjs; their
// sources are cited there). Bounded: about 1 s of our decoding, and tshark over 30,000
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

import { MIX as A } from '../packages/bssap/bench/mix.mjs';
import { MIX as G } from '../packages/gsup/bench/mix.mjs';
import { MIX as M } from '../packages/mgcp/bench/mix.mjs';

// Wire form: each A-interface message in an SCCP DT1 (dst ref 0x000103) in an IPA frame.
const dt1 = (data) => sccp.encode({ type: 'DT1', dstRef: 0x030100, segmentingReassembling: 0, data: Buffer.from(data).toString('hex') });
const packets = [
  ...A.map(([dir, b]) => ({ kind: 'a', dir, bytes: ipa.frame('SCCP', dt1(b)) })),
  ...G.map((b) => ({ kind: 'gsup', bytes: ipa.frame('OSMO', b, 'GSUP') })),
  ...M.map((b) => ({ kind: 'mgcp', bytes: b })),
];

/** What an MSC does with each packet: take the frame apart and decode every layer. */
function decodePacket(p) {
  if (p.kind === 'mgcp') return mgcp.decode(p.bytes);
  const f = ipa.unframe(p.bytes);
  if (f.ext !== undefined) return gsup.decode(f.payload);
  const s = sccp.decode(f.payload);
  return bssap.decode(Buffer.from(s.data, 'hex'), p.dir);
}
for (const p of packets) decodePacket(p); // all must decode

const ours = codec.opsPerSecond((i) => decodePacket(packets[i % packets.length]));

// tshark over the same packets: A and GSUP as TCP segments to 5000 and 4222
// (each connection's sequence numbers running on), MGCP as UDP to 2427.
const N = 30000;
const stream = codec.repeat(packets, N);
const tcp = (kind, port) => codec.ipv4Tcp({ srcPort: 40000, dstPort: port }, stream.filter((p) => p.kind === kind).map((p) => p.bytes));
const segments = { a: tcp('a', 5000), gsup: tcp('gsup', 4222) };
const next = { a: 0, gsup: 0 };
const records = stream.map((p) => (p.kind === 'mgcp' ? codec.ipv4Udp({ srcPort: 2727, dstPort: 2427 }, [p.bytes])[0] : segments[p.kind][next[p.kind]++]));
const tshark = codec.tsharkPerSecond(records, codec.LINKTYPE_RAW);

// The comparison is only fair if tshark understood the packets: count what it found malformed.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-mix-'));
let malformed;
let protocols;
try {
  const full = path.join(dir, 'mix.pcap');
  codec.writePcap(full, records, codec.LINKTYPE_RAW);
  const bad = spawnSync('tshark', ['-n', '-r', full, '-Y', '_ws.malformed', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', timeout: 300_000 });
  malformed = bad.stdout.split('\n').filter(Boolean).length;
  const kinds = spawnSync('tshark', ['-n', '-r', full, '-c', String(packets.length), '-T', 'fields', '-e', '_ws.col.Protocol'], { encoding: 'utf8' });
  protocols = [...new Set(kinds.stdout.split('\n').filter(Boolean))].join(', ');
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(
  codec.benchReport(
    `MSC mix: ${packets.length} packets (${A.length} SCCPlite/BSSAP/DTAP, ${G.length} GSUP, ${M.length} MGCP), one core, Node ${process.version}`,
    { 'decode, every layer': ours },
    tshark,
  ) + `  tshark saw: ${protocols}; malformed packets: ${malformed} of ${N}`,
);
