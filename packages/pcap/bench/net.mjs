// Frames/s of readCapture (CaptureFile + NetDissector) against `tshark -r FILE -T fields -e frame.number`
// on the same generated capture, in the same run. Loopback addresses only; bounded loops.
// Run after `npx tsc -b packages/pcap`:  node packages/pcap/bench/net.mjs [frames]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const { readCapture } = require('../dist/net.js');

const FRAMES = Number(process.argv[2] ?? 300_000);

function ip4(proto, sport, payload, fromServer) {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h[8] = 64;
  h[9] = proto;
  h.set([127, 0, 0, fromServer ? 2 : 1], 12);
  h.set([127, 0, 0, fromServer ? 1 : 2], 16);
  return Buffer.concat([h, payload]);
}

// A signalling-like mix: IPA/SCCP-sized TCP segments on 16 connections (both ways), MGCP over UDP, M3UA over SCTP.
function generate(file, frames) {
  const fd = fs.openSync(file, 'w');
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(262144, 16);
  gh.writeUInt32LE(101, 20);
  fs.writeSync(fd, gh);
  const seq = new Array(32).fill(1000);
  const out = Buffer.alloc(8 << 20);
  let w = 0;
  let tsn = 1;
  for (let i = 0; i < frames; i++) {
    const kind = i % 10;
    let pkt;
    if (kind < 7) {
      const conn = i % 16;
      const back = (i >> 4) & 1;
      const len = 40 + ((i * 37) % 160);
      const t = Buffer.alloc(20 + len, 0x41);
      t.writeUInt16BE(back ? 5000 : 40000 + conn, 0);
      t.writeUInt16BE(back ? 40000 + conn : 5000, 2);
      t.writeUInt32BE(seq[conn * 2 + back] >>> 0, 4);
      t.writeUInt32BE(seq[conn * 2 + (1 - back)] >>> 0, 8);
      t[12] = 0x50;
      t[13] = 0x18;
      t.writeUInt16BE(65535, 14);
      seq[conn * 2 + back] += len;
      pkt = ip4(6, 0, t, back === 1);
    } else if (kind < 9) {
      const m = Buffer.from(`CRCX ${i} ds/e1-1/${i % 30}@mgw MGCP 1.0\r\nC: ${i}\r\nL: p:20, a:AMR\r\nM: recvonly\r\n`);
      const u = Buffer.alloc(8);
      u.writeUInt16BE(2727, 0);
      u.writeUInt16BE(2427, 2);
      u.writeUInt16BE(8 + m.length, 4);
      pkt = ip4(17, 0, Buffer.concat([u, m]), false);
    } else {
      const data = Buffer.alloc(64, 0x01);
      const c = Buffer.alloc(16 + data.length);
      c[0] = 0;
      c[1] = 3;
      c.writeUInt16BE(16 + data.length, 2);
      c.writeUInt32BE(tsn++, 4);
      c.writeUInt32BE(3, 12);
      data.copy(c, 16);
      const h = Buffer.alloc(12);
      h.writeUInt16BE(2905, 0);
      h.writeUInt16BE(2905, 2);
      pkt = ip4(132, 0, Buffer.concat([h, c]), false);
    }
    if (w + 16 + pkt.length > out.length) {
      fs.writeSync(fd, out, 0, w);
      w = 0;
    }
    out.writeUInt32LE(1_700_000_000 + Math.floor(i / 1000), w);
    out.writeUInt32LE((i % 1000) * 1000, w + 4);
    out.writeUInt32LE(pkt.length, w + 8);
    out.writeUInt32LE(pkt.length, w + 12);
    pkt.copy(out, w + 16);
    w += 16 + pkt.length;
  }
  fs.writeSync(fd, out, 0, w);
  fs.closeSync(fd);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcap-bench-'));
const file = path.join(dir, 'bench.pcap');
generate(file, FRAMES);
const size = fs.statSync(file).size;

function ours() {
  let events = 0;
  const t0 = process.hrtime.bigint();
  const r = readCapture(file, () => events++);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { s, frames: r.frames, events, problems: r.problems };
}

ours(); // warm-up
const runs = [ours(), ours(), ours()].sort((a, b) => a.s - b.s);
const best = runs[0];

const t0 = process.hrtime.bigint();
const ts = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', maxBuffer: 1 << 30 });
const tsSec = Number(process.hrtime.bigint() - t0) / 1e9;
const tsFrames = ts.status === 0 ? ts.stdout.split('\n').filter(Boolean).length : NaN;

const fps = best.frames / best.s;
const tfps = tsFrames / tsSec;
console.log(`capture: ${FRAMES} frames, ${(size / 1048576).toFixed(1)} MiB (TCP 70%, UDP/MGCP 20%, SCTP/M3UA 10%)`);
console.log(`readCapture : ${Math.round(fps).toLocaleString('en')} frames/s, ${(size / 1048576 / best.s).toFixed(0)} MiB/s (${best.events} events, ${best.problems} problems, best of 3)`);
if (ts.status === 0) {
  console.log(`tshark -r   : ${Math.round(tfps).toLocaleString('en')} frames/s (${tsFrames} frames, ${tsSec.toFixed(2)} s)`);
  console.log(`ratio       : ${(fps / tfps).toFixed(1)}x tshark`);
} else console.log(`tshark not available: ${ts.error?.message ?? ts.stderr}`);
if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true }); else console.log(file);
