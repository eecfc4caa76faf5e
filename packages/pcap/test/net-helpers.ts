import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ipChecksum, tsharkAvailable } from '@snaptel/codec';
import type { NetEvent } from '../src/types';
import { readCapture } from '../src/net';

/** Small packet and capture builders for the tests (our own, independent of the reader). */

export const hasTshark = tsharkAvailable();
/** Tests that need tshark fail instead of skipping under CI. */
export const noTshark = !hasTshark && !process.env.CI;

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pcap-net-'));
}

function ipBytes(a: string): Buffer {
  if (a.includes(':')) {
    const [l, r] = a.split('::') as [string, string | undefined];
    const lw = l ? l.split(':') : [];
    const rw = r !== undefined && r !== '' ? r.split(':') : [];
    const words = r === undefined ? lw : [...lw, ...Array(8 - lw.length - rw.length).fill('0'), ...rw];
    const b = Buffer.alloc(16);
    words.forEach((w, i) => b.writeUInt16BE(parseInt(w, 16), 2 * i));
    return b;
  }
  return Buffer.from(a.split('.').map(Number));
}


export interface V4 {
  src?: string;
  dst?: string;
  proto: number;
  id?: number;
  /** Fragment offset in bytes (multiple of 8) and more-fragments flag. */
  fragOff?: number;
  mf?: boolean;
  options?: Buffer;
  /** Override the total length field. */
  totalLen?: number;
}

export function ipv4(h: V4, payload: Buffer): Buffer {
  const opt = h.options ?? Buffer.alloc(0);
  const b = Buffer.alloc(20 + opt.length);
  b[0] = 0x40 | ((20 + opt.length) / 4);
  b.writeUInt16BE(h.totalLen ?? b.length + payload.length, 2);
  b.writeUInt16BE(h.id ?? 1, 4);
  b.writeUInt16BE(((h.fragOff ?? 0) / 8) | (h.mf ? 0x2000 : 0), 6);
  b[8] = 64;
  b[9] = h.proto;
  ipBytes(h.src ?? '10.0.0.1').copy(b, 12);
  ipBytes(h.dst ?? '10.0.0.2').copy(b, 16);
  opt.copy(b, 20);
  b.writeUInt16BE(ipChecksum(b), 10);
  return Buffer.concat([b, payload]);
}

/** IPv6 with extension headers given as [type, body] (body without next-header byte; length padded by the caller). */
export function ipv6(src: string, dst: string, proto: number, payload: Buffer, ext: Array<[number, Buffer]> = []): Buffer {
  const parts: Buffer[] = [];
  let first = proto;
  for (let i = ext.length - 1; i >= 0; i--) {
    const [t, body] = ext[i]!;
    const nh = i === ext.length - 1 ? proto : ext[i + 1]![0];
    parts.unshift(Buffer.concat([Buffer.from([nh]), body]));
    first = t;
  }
  if (ext.length) first = ext[0]![0];
  const rest = Buffer.concat([...parts, payload]);
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(rest.length, 4);
  h[6] = first;
  h[7] = 64;
  ipBytes(src).copy(h, 8);
  ipBytes(dst).copy(h, 24);
  return Buffer.concat([h, rest]);
}

/** Options-style extension body (hop-by-hop, destination): length octet + padding to 8k-1 bytes. */
export function optsExt(extra8 = 0): Buffer {
  const b = Buffer.alloc(7 + 8 * extra8);
  b[0] = extra8;
  b[1] = 1; // PadN
  b[2] = 4 + 8 * extra8;
  return b;
}

export function fragExt(off: number, more: boolean, id: number): Buffer {
  const b = Buffer.alloc(7);
  b.writeUInt16BE(off | (more ? 1 : 0), 1);
  b.writeUInt32BE(id, 3);
  return b;
}

export interface Seg {
  sp: number;
  dp: number;
  seq: number;
  ack?: number;
  flags?: string; // letters of S A F R P
  data?: Buffer;
}

export function tcp(s: Seg, srcIp = '10.0.0.1', dstIp = '10.0.0.2'): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(s.sp, 0);
  b.writeUInt16BE(s.dp, 2);
  b.writeUInt32BE(s.seq >>> 0, 4);
  b.writeUInt32BE((s.ack ?? 0) >>> 0, 8);
  b[12] = 5 << 4;
  const f = s.flags ?? 'A';
  b[13] = (f.includes('F') ? 1 : 0) | (f.includes('S') ? 2 : 0) | (f.includes('R') ? 4 : 0) | (f.includes('P') ? 8 : 0) | (f.includes('A') ? 16 : 0);
  b.writeUInt16BE(65535, 14);
  const seg = Buffer.concat([b, s.data ?? Buffer.alloc(0)]);
  // checksum with the IPv4 pseudo header, so that tshark stays quiet
  const ph = Buffer.concat([ipBytes(srcIp), ipBytes(dstIp), Buffer.from([0, 6, seg.length >> 8, seg.length & 255]), seg]);
  seg.writeUInt16BE(ipChecksum(ph), 16);
  return seg;
}

export function udp(sp: number, dp: number, data: Buffer): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(sp, 0);
  b.writeUInt16BE(dp, 2);
  b.writeUInt16BE(8 + data.length, 4);
  return Buffer.concat([b, data]);
}

export function ether(type: number, payload: Buffer, vlans: number[] = []): Buffer {
  const h = Buffer.from('020000000002020000000001', 'hex');
  const tags = vlans.map((v) => Buffer.from([0x81, 0x00, v >> 8, v & 255]));
  const t = Buffer.alloc(2);
  t.writeUInt16BE(type);
  return Buffer.concat([h, ...tags, t, payload]);
}

export function sll(type: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0); // to us
  h.writeUInt16BE(1, 2); // ARPHRD_ETHER
  h.writeUInt16BE(6, 4);
  Buffer.from('020000000001', 'hex').copy(h, 6);
  h.writeUInt16BE(type, 14);
  return Buffer.concat([h, payload]);
}

export function sll2(type: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(type, 0);
  h.writeUInt32BE(2, 4); // ifindex
  h.writeUInt16BE(1, 8);
  h[10] = 0;
  h[11] = 6;
  Buffer.from('020000000001', 'hex').copy(h, 12);
  return Buffer.concat([h, payload]);
}

export function nullLink(af: number, payload: Buffer, bigEndian = false): Buffer {
  const h = Buffer.alloc(4);
  if (bigEndian) h.writeUInt32BE(af);
  else h.writeUInt32LE(af);
  return Buffer.concat([h, payload]);
}

/** CRC32c for SCTP, so tshark does not complain. */
const CRC = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();
function crc32c(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC[(c ^ x) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function chunk(type: number, flags: number, body: Buffer): Buffer {
  const len = 4 + body.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b[0] = type;
  b[1] = flags;
  b.writeUInt16BE(len, 2);
  body.copy(b, 4);
  return b;
}

export function dataChunk(tsn: number, sid: number, ssn: number, ppid: number, data: Buffer, flags = 3): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt32BE(tsn >>> 0, 0);
  h.writeUInt16BE(sid, 4);
  h.writeUInt16BE(ssn, 6);
  h.writeUInt32BE(ppid, 8);
  return chunk(0, flags, Buffer.concat([h, data]));
}

export function initChunk(type: 1 | 2, tag: number, tsn: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(tag, 0);
  b.writeUInt32BE(65536, 4);
  b.writeUInt16BE(10, 8);
  b.writeUInt16BE(10, 10);
  b.writeUInt32BE(tsn, 12);
  return chunk(type, 0, b);
}

export function sctp(sp: number, dp: number, vtag: number, chunks: Buffer[]): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(sp, 0);
  h.writeUInt16BE(dp, 2);
  h.writeUInt32BE(vtag, 4);
  const p = Buffer.concat([h, ...chunks]);
  p.writeUInt32LE(crc32c(p), 8);
  return p;
}

export interface Rec {
  data: Buffer;
  sec?: number;
  nsec?: number;
  origLen?: number;
}

/** Classic pcap, either byte order, micro- or nanosecond; `snap` cuts records. */
export function pcapFile(recs: Rec[], linktype: number, o: { be?: boolean; nano?: boolean; snap?: number } = {}): Buffer {
  const w32 = (b: Buffer, v: number, at: number) => (o.be ? b.writeUInt32BE(v >>> 0, at) : b.writeUInt32LE(v >>> 0, at));
  const w16 = (b: Buffer, v: number, at: number) => (o.be ? b.writeUInt16BE(v, at) : b.writeUInt16LE(v, at));
  const h = Buffer.alloc(24);
  w32(h, o.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(h, 2, 4);
  w16(h, 4, 6);
  w32(h, o.snap ?? 262144, 16);
  w32(h, linktype, 20);
  const parts = [h];
  recs.forEach((r, i) => {
    const cap = o.snap ? r.data.subarray(0, o.snap) : r.data;
    const rh = Buffer.alloc(16);
    const ns = r.nsec ?? 0;
    w32(rh, r.sec ?? 1_700_000_000 + i, 0);
    w32(rh, o.nano ? ns : Math.floor(ns / 1000), 4);
    w32(rh, cap.length, 8);
    w32(rh, r.origLen ?? r.data.length, 12);
    parts.push(rh, cap);
  });
  return Buffer.concat(parts);
}

/** pcapng blocks (little or big endian). */
export class Ng {
  parts: Buffer[] = [];
  constructor(private be = false) {}
  private w32(b: Buffer, v: number, at: number) {
    if (this.be) b.writeUInt32BE(v >>> 0, at);
    else b.writeUInt32LE(v >>> 0, at);
  }
  private w16(b: Buffer, v: number, at: number) {
    if (this.be) b.writeUInt16BE(v, at);
    else b.writeUInt16LE(v, at);
  }
  block(type: number, body: Buffer): this {
    const pad = Buffer.alloc((4 - (body.length % 4)) % 4);
    const len = 12 + body.length + pad.length;
    const h = Buffer.alloc(8);
    this.w32(h, type, 0);
    this.w32(h, len, 4);
    const t = Buffer.alloc(4);
    this.w32(t, len, 0);
    this.parts.push(h, body, pad, t);
    return this;
  }
  opt(code: number, val: Buffer): Buffer {
    const h = Buffer.alloc(4);
    this.w16(h, code, 0);
    this.w16(h, val.length, 2);
    return Buffer.concat([h, val, Buffer.alloc((4 - (val.length % 4)) % 4)]);
  }
  shb(): this {
    const b = Buffer.alloc(16);
    this.w32(b, 0x1a2b3c4d, 0);
    this.w16(b, 1, 4);
    b.writeInt32LE(-1, 8);
    b.writeInt32LE(-1, 12);
    return this.block(0x0a0d0d0a, b);
  }
  idb(linktype: number, o: { tsresol?: number; tsoffset?: number; snap?: number } = {}): this {
    const b = Buffer.alloc(8);
    this.w16(b, linktype, 0);
    this.w32(b, o.snap ?? 0, 4);
    const opts: Buffer[] = [];
    if (o.tsresol !== undefined) opts.push(this.opt(9, Buffer.from([o.tsresol])));
    if (o.tsoffset !== undefined) {
      const v = Buffer.alloc(8);
      if (this.be) v.writeBigInt64BE(BigInt(o.tsoffset));
      else v.writeBigInt64LE(BigInt(o.tsoffset));
      opts.push(this.opt(14, v));
    }
    if (opts.length) opts.push(Buffer.alloc(4));
    return this.block(1, Buffer.concat([b, ...opts]));
  }
  epb(iface: number, ts: bigint, data: Buffer, origLen = data.length, opb = false): this {
    const h = Buffer.alloc(20);
    if (opb) {
      this.w16(h, iface, 0);
      this.w16(h, 0, 2);
    } else this.w32(h, iface, 0);
    this.w32(h, Number(ts >> 32n), 4);
    this.w32(h, Number(ts & 0xffffffffn), 8);
    this.w32(h, data.length, 12);
    this.w32(h, origLen, 16);
    return this.block(opb ? 2 : 6, Buffer.concat([h, data]));
  }
  spb(data: Buffer): this {
    const h = Buffer.alloc(4);
    this.w32(h, data.length, 0);
    return this.block(3, Buffer.concat([h, data]));
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function tsharkRun(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** tshark -T fields: one array of values per packet. */
export function fields(file: string, fs_: string[], display?: string, extra: string[] = []): string[][] {
  const out = tsharkRun(['-r', file, ...(display ? ['-Y', display] : []), ...extra, '-T', 'fields', '-E', 'separator=|', ...fs_.flatMap((f) => ['-e', f])]);
  return out
    .split('\n')
    .filter((l) => l.length)
    .map((l) => l.split('|'));
}

/** Reassembled bytes of one TCP stream per direction, as `tshark -z follow,tcp,raw` gives them (node 0 = client). */
export function followTcp(file: string, stream: number): { c2s: string; s2c: string } {
  const out = tsharkRun(['-r', file, '-q', '-z', `follow,tcp,raw,${stream}`]);
  const lines = out.split('\n');
  let c2s = '';
  let s2c = '';
  let body = false;
  for (const l of lines) {
    if (/^Node 1:/.test(l)) {
      body = true;
      continue;
    }
    if (!body || /^=+$/.test(l) || l === '') continue;
    if (l.startsWith('\t')) s2c += l.trim();
    else c2s += l.trim();
  }
  return { c2s, s2c };
}

/** All events of a capture, data copied. */
export function collect(file: string, opts = {}): NetEvent[] {
  const evs: NetEvent[] = [];
  readCapture(file, (ev) => evs.push('data' in ev ? ({ ...ev, data: ev.data.slice() } as NetEvent) : ev), opts);
  return evs;
}

export function streamHex(evs: NetEvent[], index: number, dir: 0 | 1, transport = 'tcp'): string {
  return evs
    .filter((e) => (e.kind === 'tcp-data' || e.kind === 'udp') && e.conv.transport === transport && e.conv.index === index && e.dir === dir)
    .map((e) => Buffer.from((e as { data: Uint8Array }).data).toString('hex'))
    .join('');
}
