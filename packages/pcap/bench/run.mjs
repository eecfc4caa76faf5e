// Benchmark of `snaptel pcap decode` against tshark on the same generated capture.
//
//   npm run bench -w @snaptel/pcap            (SNAPTEL_BENCH_MB=100 SNAPTEL_BENCH_GB=1 by default)
//
// 1. Generates (streamed to disk in 1 MiB chunks, bounded memory) a capture of a
//    lab: many BSC connections to an MSC on TCP 5000 with a SYN each, carrying
//    IPA / SCCP / BSSMAP / DTAP (Complete Layer 3 with LU or CM Service Request,
//    LU Accept, authentication, call setup, SMS CP/RP/TPDU, clear), GSUP to an
//    HLR on TCP 4222 and MGCP over UDP 2427. Message bytes are the outside
//    vectors the codec packages test with (osmo-msc, libosmo-sccp, libosmocore).
// 2. Times `snaptel pcap decode FILE > /dev/null` (summary lines: each kind of
//    message decoded in full once), `snaptel pcap decode --check` (every message
//    decoded in full) and `tshark -r FILE > /dev/null` on a ~100 MB capture:
//    messages/s, packets/s and the ratios.
// 3. The same on a >= 1 GB capture (tshark too, when the machine has the ~7 GB
//    of memory it takes for it): the ratio without the fixed costs of a start
//    weighing on it, and peak memory (maxRSS, /usr/bin/time) against the 100 MB
//    run: it must not grow with the file.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const SNAPTEL = path.join(root, 'packages/image/bin/snaptel');
const MB = Number(process.env.SNAPTEL_BENCH_MB ?? 100);
const GB = Number(process.env.SNAPTEL_BENCH_GB ?? 1);

const hex = (s) => Buffer.from(s.replace(/\s/g, ''), 'hex');

// ------------------------------------------------------------------ messages (outside vectors)

const L3 = {
  luReq: '050870 09f107 0017 57 089910070000106005 3303575886', // osmo-msc msc_vlr_test_call.c
  authResp: '0554 e229c19e 2104 791f2e41',
  cmServReq: '052471 03575886 089910070000106005',
  setupMo: '0385 0406600402000581 5e038121f3 15020100 4008 04026000 00021f00',
  callProc: '8302',
  alertMt: '8301',
  connectMt: '8307',
  connectAck: '030f',
  smsDeliver:
    '0901 58 01 00 0791447758100650 00 4c 00 05806470f1 00 00 071010 000000 00 44' +
    '5079da1e1ee7416937485e9ea7c965373d1d6683c270383b3d0ed3d36ff71c949e83c22072799e9687c5ec32a81d96afcbf4b4fb0c7ac3e9e9b7db05',
  cpAckMo: '8904',
  rpAck: '890106020041020000',
};
const ipa = (proto, payload, ext) => {
  const extra = ext === undefined ? 0 : 1;
  const b = Buffer.alloc(3 + extra + payload.length);
  b.writeUInt16BE(payload.length + extra, 0);
  b[2] = proto;
  if (extra) b[3] = ext;
  payload.copy(b, 3 + extra);
  return b;
};
const dt1 = (ref, data) => Buffer.concat([Buffer.from([0x06, ref & 255, (ref >> 8) & 255, (ref >> 16) & 255, 0x00, 0x01, data.length]), data]);
const dtap = (l3) => {
  const b = hex(l3);
  return Buffer.concat([Buffer.from([1, 0, b.length]), b]);
};
const sccpA = (ref, l3) => ipa(0xfd, dt1(ref, dtap(l3)));
// libosmo-sccp sccp_test.c bssmap_cr (CR with Complete Layer 3 / CM Service Request), bssmap_cc, bssmap_clear, release
const CR = ipa(0xfd, hex('010102030202040242fe0f1f001d5705080072f4802012c3501710052411033319a208294710020131976100'));
const CC = ipa(0xfd, hex('02010203000003020100'));
const CLEAR = ipa(0xfd, hex('06000003000106000420040109'));
const CLEAR_COMPLETE = ipa(0xfd, dt1(0x030201, hex('000121')));
const RLSD = ipa(0xfd, hex('0401020300000300 00'));
const RLC = ipa(0xfd, hex('05010203000003'));
// one connection's dialogue: [direction (0 = BSC->MSC), bytes]
const A_DIALOGUE = [
  [0, CR],
  [1, CC],
  [0, sccpA(0x010203, L3.luReq)],
  [0, sccpA(0x010203, L3.authResp)],
  [0, sccpA(0x010203, L3.cmServReq)],
  [0, sccpA(0x010203, L3.setupMo)],
  [1, sccpA(0x030201, L3.callProc)],
  [1, sccpA(0x030201, L3.alertMt)],
  [1, sccpA(0x030201, L3.connectMt)],
  [0, sccpA(0x010203, L3.connectAck)],
  [1, sccpA(0x030201, L3.smsDeliver)],
  [0, sccpA(0x010203, L3.cpAckMo)],
  [0, sccpA(0x010203, L3.rpAck)],
  [1, CLEAR],
  [0, CLEAR_COMPLETE],
  [1, RLSD],
  [0, RLC],
];
const IMSI = '01 08 21 43 65 87 09 21 43 f5';
const G_DIALOGUE = [
  [0, ipa(0xee, hex(`08 ${IMSI} 0a 01 01`), 5)], // SendAuthInfo Request (libosmocore gsup_test.c)
  [1, ipa(0xee, hex(`0a ${IMSI} 03 22 20 10 0102030405060708090a0b0c0d0e0f10 21 04 21222324 22 08 3132333435363738`), 5)],
  [0, ipa(0xee, hex(`04 ${IMSI}`), 5)], // UpdateLocation Request
  [1, ipa(0xee, hex(`06 ${IMSI}`), 5)],
];
const M_DIALOGUE = [
  [0, Buffer.from('CRCX 1234 rtpbridge/*@mgw MGCP 1.0\r\nC: 2\r\nL: p:20, a:AMR, nt:IN\r\nM: recvonly\r\n')],
  [1, Buffer.from('200 1234 OK\r\nI: 1\r\nZ: rtpbridge/1@mgw\r\n\r\nv=0\r\no=- 1 23 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4002 RTP/AVP 112\r\na=rtpmap:112 AMR/8000\r\n')],
  [0, Buffer.from('DLCX 1235 rtpbridge/1@mgw MGCP 1.0\r\nC: 2\r\nI: 1\r\n')],
  [1, Buffer.from('250 1235 OK\r\n')],
];

// Every message must decode cleanly (the stack, built): a bench of error paths would flatter nobody.
{
  const require = createRequire(import.meta.url);
  const { decodeStack } = require('../dist/stack.js');
  const check = (proto, msgs) => {
    for (const [dir, b] of msgs) {
      const r = decodeStack(proto, new Uint8Array(b), dir === 1);
      if (r.error) throw new Error(`bench message does not decode: ${r.info} (${b.toString('hex')})`);
    }
  };
  check('ipa', A_DIALOGUE);
  check('ipa', G_DIALOGUE);
  check('mgcp', M_DIALOGUE);
}

// ------------------------------------------------------------------ capture writer

class Writer {
  constructor(file) {
    this.fd = fs.openSync(file, 'w');
    this.buf = Buffer.alloc(1 << 20);
    this.pos = 0;
    this.bytes = 0;
    this.packets = 0;
    this.messages = 0;
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(65535, 16);
    h.writeUInt32LE(101, 20); // LINKTYPE_RAW
    this.put(h);
  }
  put(b) {
    if (this.pos + b.length > this.buf.length) this.flush();
    b.copy(this.buf, this.pos);
    this.pos += b.length;
    this.bytes += b.length;
  }
  flush() {
    fs.writeSync(this.fd, this.buf, 0, this.pos);
    this.pos = 0;
  }
  close() {
    this.flush();
    fs.closeSync(this.fd);
  }
  /** One IPv4 packet (proto 6 or 17) with a transport header already built. */
  packet(t, src, dst, proto, l4) {
    const len = 20 + l4.length;
    const rec = Buffer.alloc(16 + len);
    rec.writeUInt32LE(Math.floor(t), 0);
    rec.writeUInt32LE(Math.floor((t % 1) * 1e6), 4);
    rec.writeUInt32LE(len, 8);
    rec.writeUInt32LE(len, 12);
    rec[16] = 0x45;
    rec.writeUInt16BE(len, 18);
    rec[24] = 64;
    rec[25] = proto;
    rec.writeUInt32BE(src, 28);
    rec.writeUInt32BE(dst, 32);
    l4.copy(rec, 36);
    this.put(rec);
    this.packets++;
  }
}

function tcpSeg(sp, dp, seq, ack, flags, payload) {
  const t = Buffer.alloc(20 + payload.length);
  t.writeUInt16BE(sp, 0);
  t.writeUInt16BE(dp, 2);
  t.writeUInt32BE(seq >>> 0, 4);
  t.writeUInt32BE(ack >>> 0, 8);
  t[12] = 0x50;
  t[13] = flags;
  t.writeUInt16BE(65535, 14);
  payload.copy(t, 20);
  return t;
}

/** A TCP connection that sends dialogues: SYN, data (one message per segment, every 5th segment carries two), FIN. */
class Tcp {
  constructor(w, cip, cport, sip, sport) {
    Object.assign(this, { w, cip, cport, sip, sport });
    this.seq = [1000, 900000];
  }
  seg(t, dir, flags, payload) {
    const [s, d, sp, dp] = dir === 0 ? [this.cip, this.sip, this.cport, this.sport] : [this.sip, this.cip, this.sport, this.cport];
    this.w.packet(t, s, d, 6, tcpSeg(sp, dp, this.seq[dir], this.seq[1 - dir], flags, payload));
    this.seq[dir] += payload.length + (flags & 3 ? 1 : 0);
  }
  open(t) {
    this.seg(t, 0, 0x02, Buffer.alloc(0));
    this.seg(t, 1, 0x12, Buffer.alloc(0));
    this.seg(t, 0, 0x10, Buffer.alloc(0));
  }
  dialogue(t, msgs) {
    for (let i = 0; i < msgs.length; i++) {
      const [dir, b] = msgs[i];
      const next = msgs[i + 1];
      if (i % 5 === 4 && next && next[0] === dir) {
        this.seg(t, dir, 0x18, Buffer.concat([b, next[1]]));
        this.w.messages += 2;
        i++;
      } else {
        this.seg(t, dir, 0x18, b);
        this.w.messages++;
      }
      t += 0.0001;
    }
    return t;
  }
  close(t) {
    this.seg(t, 0, 0x11, Buffer.alloc(0));
    this.seg(t, 1, 0x11, Buffer.alloc(0));
  }
}

function generate(file, bytes) {
  const w = new Writer(file);
  let t = 1_704_067_200;
  const MSC = 0x0a000001;
  const HLR = 0x0a000002;
  const MGW = 0x0a000003;
  let conn = 0;
  while (w.bytes < bytes) {
    // 20 BSCs at a time, each with 50 dialogues, then they go and new ones come
    const bscs = [];
    for (let i = 0; i < 20; i++) {
      const c = new Tcp(w, 0x0a010000 + (conn % 60000), 20000 + (conn % 40000), MSC, 5000);
      conn++;
      c.open(t);
      bscs.push(c);
    }
    const hlr = new Tcp(w, MSC, 30000 + (conn % 30000), HLR, 4222);
    hlr.open(t);
    for (let k = 0; k < 50 && w.bytes < bytes; k++) {
      for (const c of bscs) t = c.dialogue(t, A_DIALOGUE);
      t = hlr.dialogue(t, G_DIALOGUE);
      for (const [dir, b] of M_DIALOGUE) {
        const u = Buffer.alloc(8 + b.length);
        u.writeUInt16BE(dir === 0 ? 2727 : 2427, 0);
        u.writeUInt16BE(dir === 0 ? 2427 : 2727, 2);
        u.writeUInt16BE(8 + b.length, 4);
        b.copy(u, 8);
        w.packet(t, dir === 0 ? MSC : MGW, dir === 0 ? MGW : MSC, 17, u);
        w.messages++;
        t += 0.0001;
      }
    }
    for (const c of bscs) c.close(t);
    hlr.close(t);
  }
  w.close();
  return { bytes: w.bytes, packets: w.packets, messages: w.messages };
}

// ------------------------------------------------------------------ measuring

/** Runs a command with stdout to /dev/null under /usr/bin/time; wall seconds and maxRSS in MB. */
function timed(cmd, args) {
  const devnull = fs.openSync('/dev/null', 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS_KB=%M', cmd, ...args], { stdio: ['ignore', devnull, 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  fs.closeSync(devnull);
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const rss = Number(/MAXRSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  const tally = /(\d+) frames, (\d+) messages/.exec(r.stderr);
  return { secs, rss, frames: tally ? Number(tally[1]) : undefined, messages: tally ? Number(tally[2]) : undefined };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-pcap-bench-'));
try {
  const small = path.join(dir, 'lab-100mb.pcap');
  let t = Date.now();
  const g = generate(small, MB * 1e6);
  console.log(`generated ${(g.bytes / 1e6).toFixed(0)} MB: ${g.packets} packets, ${g.messages} messages in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  const ours = timed(SNAPTEL, ['pcap', 'decode', small, '--no-progress']);
  if (ours.messages !== g.messages) throw new Error(`decoded ${ours.messages} messages, generated ${g.messages}`);
  const checked = timed(SNAPTEL, ['pcap', 'decode', small, '--no-progress', '--check']);
  if (checked.messages !== g.messages) throw new Error(`--check decoded ${checked.messages} messages, generated ${g.messages}`);
  const haveTshark = spawnSync('tshark', ['--version']).status === 0;
  const theirs = haveTshark ? timed('tshark', ['-n', '-r', small]) : undefined;
  const row = (name, r, c = g) =>
    `  ${name.padEnd(22)} ${r.secs.toFixed(2).padStart(7)} s  ${(c.messages / r.secs / 1e3).toFixed(0).padStart(6)} k messages/s  ${(c.packets / r.secs / 1e3).toFixed(0).padStart(6)} k packets/s  ${(c.bytes / 1e6 / r.secs).toFixed(1).padStart(6)} MB/s  maxRSS ${r.rss.toFixed(0)} MB`;
  console.log(`decode of ${(g.bytes / 1e6).toFixed(0)} MB (stdout to /dev/null):`);
  console.log(row('snaptel pcap decode', ours));
  console.log(row('snaptel ... --check', checked));
  if (theirs) {
    console.log(row('tshark -r', theirs));
    console.log(`  ratio: snaptel is ${(theirs.secs / ours.secs).toFixed(1)}x tshark (start-up included; target >= 10x); with --check ${(theirs.secs / checked.secs).toFixed(1)}x`);
  } else console.log('  tshark not installed: no ratio');

  if (GB > 0) {
    const big = path.join(dir, 'lab-big.pcap');
    t = Date.now();
    const gb = generate(big, GB * 1e9);
    console.log(`generated ${(gb.bytes / 1e9).toFixed(2)} GB: ${gb.packets} packets, ${gb.messages} messages in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const r = timed(SNAPTEL, ['pcap', 'decode', big, '--no-progress']);
    if (r.messages !== gb.messages) throw new Error(`decoded ${r.messages} messages, generated ${gb.messages}`);
    console.log(row(`snaptel, ${(gb.bytes / 1e9).toFixed(2)} GB`, r, gb));
    // tshark keeps ~550 bytes per frame for the whole file: 1 GB of small packets wants ~7 GB.
    const want = (gb.packets * 600) / 1e9;
    if (haveTshark && os.freemem() / 1e9 > want + 2) {
      const tb = timed('tshark', ['-n', '-r', big]);
      console.log(row(`tshark -r, ${(gb.bytes / 1e9).toFixed(2)} GB`, tb, gb));
      console.log(`  ratio: snaptel is ${(tb.secs / r.secs).toFixed(1)}x tshark on ${(gb.bytes / 1e9).toFixed(2)} GB (target >= 10x)`);
    } else if (haveTshark) console.log(`  tshark on ${(gb.bytes / 1e9).toFixed(2)} GB skipped: it would want ~${want.toFixed(0)} GB of memory, ${(os.freemem() / 1e9).toFixed(0)} GB free`);
    console.log(`  peak memory: ${r.rss.toFixed(0)} MB for ${(gb.bytes / 1e9).toFixed(2)} GB vs ${ours.rss.toFixed(0)} MB for ${(g.bytes / 1e6).toFixed(0)} MB (ratio ${(r.rss / ours.rss).toFixed(2)}; flat means ~1)`);
    fs.rmSync(big, { force: true });
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
