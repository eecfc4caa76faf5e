import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Capture } from '../../../test/capture';
import { NetDissector, readCapture } from '../src/net';
import type { NetEvent } from '../src/types';
import { collect, fields, followTcp, ipv4, noTshark, pcapFile, streamHex, tcp, tmpDir, type Seg } from './net-helpers';

const C = '10.0.0.1';
const S = '10.0.0.2';
/** One packet from the client (c) or the server (s). */
const pk = (from: 'c' | 's', s: Seg) => (from === 'c' ? ipv4({ proto: 6, src: C, dst: S }, tcp(s, C, S)) : ipv4({ proto: 6, src: S, dst: C }, tcp(s, S, C)));

function write(dir: string, name: string, pkts: Buffer[]): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, pcapFile(pkts.map((data, i) => ({ data, sec: 1_700_000_000 + i })), 101));
  return f;
}

const kinds = (evs: NetEvent[]) => evs.map((e) => (e.kind === 'tcp-gap' ? `gap${e.dir}:${e.missing}@${e.streamOffset}` : e.kind === 'tcp-data' ? `data${e.dir}:${e.data.length}@${e.streamOffset}` : e.kind === 'problem' ? `problem:${e.problem.code}` : e.kind === 'udp' || e.kind === 'sctp-data' ? e.kind : `${e.kind}${e.dir}`));

/** Handshake with ISNs given, returns packets and next sequence numbers. */
function handshake(ic: number, is: number): Buffer[] {
  return [pk('c', { sp: 40000, dp: 5000, seq: ic, flags: 'S' }), pk('s', { sp: 5000, dp: 40000, seq: is, ack: ic + 1, flags: 'SA' }), pk('c', { sp: 40000, dp: 5000, seq: ic + 1, ack: is + 1, flags: 'A' })];
}

const text = (s: string) => Buffer.from(s);

describe('TCP reassembly against tshark follow', () => {
  it.skipIf(noTshark)('handshake, data both ways across a sequence wrap, FIN both ways', () => {
    const dir = tmpDir();
    const ic = 0xffffff00;
    const is = 7;
    const big = Buffer.alloc(400, 0x41);
    const pkts = [
      ...handshake(ic, is),
      pk('c', { sp: 40000, dp: 5000, seq: ic + 1, ack: is + 1, flags: 'PA', data: big }), // crosses 2^32
      pk('s', { sp: 5000, dp: 40000, seq: is + 1, ack: (ic + 401) >>> 0, flags: 'PA', data: text('pong') }),
      pk('c', { sp: 40000, dp: 5000, seq: (ic + 401) >>> 0, ack: is + 5, flags: 'PA', data: text('more') }),
      pk('c', { sp: 40000, dp: 5000, seq: (ic + 405) >>> 0, ack: is + 5, flags: 'FA' }),
      pk('s', { sp: 5000, dp: 40000, seq: is + 5, ack: (ic + 406) >>> 0, flags: 'FA' }),
      pk('c', { sp: 40000, dp: 5000, seq: (ic + 406) >>> 0, ack: is + 6, flags: 'A' }),
    ];
    const f = write(dir, 'wrap.pcap', pkts);
    const evs = collect(f);
    const t = followTcp(f, 0);
    expect(t.c2s.length / 2).toBe(404);
    expect(streamHex(evs, 0, 0)).toBe(t.c2s);
    expect(streamHex(evs, 0, 1)).toBe(t.s2c);
    expect(kinds(evs)).toEqual(['tcp-open0', 'tcp-open1', 'data0:400@0', 'data1:4@0', 'data0:4@400', 'tcp-close0', 'tcp-close1']);
    const conv = (evs[0] as { conv: unknown }).conv;
    expect(conv).toEqual({ transport: 'tcp', index: 0, a: { ip: C, port: 40000 }, b: { ip: S, port: 5000 }, opener: 'syn' });
  });

  it.skipIf(noTshark)('out of order, retransmitted and overlapping segments are delivered once, in order', () => {
    const dir = tmpDir();
    const ic = 1000;
    const seg = (off: number, s: string) => pk('c', { sp: 40000, dp: 5000, seq: ic + 1 + off, ack: 1, flags: 'PA', data: text(s) });
    const pkts = [
      ...handshake(ic, 0),
      seg(0, 'AAAA'),
      seg(8, 'CCCC'), // early
      seg(12, 'DDDD'), // early
      seg(0, 'AAAA'), // retransmission
      seg(4, 'BBBB'), // fills the hole
      seg(6, 'BBCC'), // overlap, already delivered
      seg(16, 'EEEE'),
    ];
    const f = write(dir, 'ooo.pcap', pkts);
    const evs = collect(f);
    expect(streamHex(evs, 0, 0)).toBe(Buffer.from('AAAABBBBCCCCDDDDEEEE').toString('hex'));
    expect(streamHex(evs, 0, 0)).toBe(followTcp(f, 0).c2s);
    expect(kinds(evs).filter((k) => k.startsWith('data') || k.startsWith('gap'))).toEqual(['data0:4@0', 'data0:4@4', 'data0:4@8', 'data0:4@12', 'data0:4@16']);
  });

  it.skipIf(noTshark)('a hole the capture missed: tcp-gap with the byte count (tshark reports the same), later data still delivered', () => {
    const dir = tmpDir();
    const ic = 5000;
    const seg = (off: number, s: string, flags = 'PA') => pk('c', { sp: 40000, dp: 5000, seq: ic + 1 + off, ack: 1, flags, data: text(s) });
    const pkts = [
      ...handshake(ic, 0),
      seg(0, 'hello '),
      // 10 bytes never captured: "lost bytes" at offset 6
      seg(16, 'after the gap'),
      pk('s', { sp: 5000, dp: 40000, seq: 1, ack: ic + 1 + 29, flags: 'A' }), // the server has them all
      seg(29, 'tail'),
      seg(33, 'X'), // hole of 5 at 34..39, then a FIN at 39
      pk('c', { sp: 40000, dp: 5000, seq: ic + 1 + 39, ack: 1, flags: 'FA' }),
    ];
    const f = write(dir, 'gap.pcap', pkts);
    const evs = collect(f);
    expect(kinds(evs)).toEqual(['tcp-open0', 'tcp-open1', 'data0:6@0', 'gap0:10@6', 'data0:13@16', 'data0:4@29', 'data0:1@33', 'gap0:5@34', 'tcp-close0']);
    const out = require('node:child_process').spawnSync('tshark', ['-r', f, '-q', '-z', 'follow,tcp,ascii,0'], { encoding: 'utf8' }).stdout as string;
    // tshark's follow marks the same first hole; its expert info flags both holes (before frames 5 and 9)
    expect(out).toMatch(/\[10 bytes missing in capture file\]/);
    expect(fields(f, ['frame.number'], 'tcp.analysis.lost_segment').map((x) => x[0])).toEqual(['5', '9']);
    const gaps = evs.filter((e) => e.kind === 'tcp-gap').map((e) => e.frame.n);
    // we report the first hole when the server's ACK (frame 6) proves the bytes existed
    expect(gaps).toEqual([6, 9]);
  });

  it('a hole still open at the end of the capture is reported by end()', () => {
    const evs: NetEvent[] = [];
    const d = new NetDissector((e) => evs.push(e));
    const frame = (n: number, data: Buffer) => d.frame({ n, sec: n, nsec: 0, linktype: 101, iface: 0, origLen: data.length, data, fileOffset: 0 });
    frame(1, pk('c', { sp: 1, dp: 2, seq: 100, flags: 'PA', data: text('abc') }));
    frame(2, pk('c', { sp: 1, dp: 2, seq: 110, flags: 'PA', data: text('xyz') }));
    expect(kinds(evs)).toEqual(['data0:3@0']);
    d.end();
    expect(kinds(evs)).toEqual(['data0:3@0', 'gap0:7@3', 'data0:3@10']);
    expect((evs[2] as { conv: { opener: string } }).conv.opener).toBe('first');
  });

  it('a segment cut by the snap length: its captured bytes, then a gap for the rest, then the stream goes on', () => {
    const evs: NetEvent[] = [];
    const d = new NetDissector((e) => evs.push(e));
    const frame = (n: number, data: Buffer, snap = data.length) => d.frame({ n, sec: n, nsec: 0, linktype: 101, iface: 0, origLen: data.length, data: data.subarray(0, snap), fileOffset: 0 });
    frame(1, pk('c', { sp: 1, dp: 2, seq: 0, flags: 'PA', data: Buffer.alloc(100, 1) }), 40 + 30);
    frame(2, pk('c', { sp: 1, dp: 2, seq: 100, flags: 'PA', data: text('next') }));
    expect(kinds(evs)).toEqual(['problem:truncated', 'data0:30@0', 'gap0:70@30', 'data0:4@100']);
  });

  it('the out-of-order buffer is bounded: beyond it the hole is given up as a gap', () => {
    const evs: NetEvent[] = [];
    const d = new NetDissector((e) => evs.push(e), { maxTcpBuffer: 10 });
    const frame = (n: number, data: Buffer) => d.frame({ n, sec: n, nsec: 0, linktype: 101, iface: 0, origLen: data.length, data, fileOffset: 0 });
    frame(1, pk('c', { sp: 1, dp: 2, seq: 0, flags: 'PA', data: text('a') }));
    frame(2, pk('c', { sp: 1, dp: 2, seq: 5, flags: 'PA', data: text('bbbbbb') }));
    frame(3, pk('c', { sp: 1, dp: 2, seq: 11, flags: 'PA', data: text('cccccc') }));
    expect(kinds(evs)).toEqual(['data0:1@0', 'problem:buffer-full', 'gap0:4@1', 'data0:6@5', 'data0:6@11']);
  });

  it.skipIf(noTshark)('connections live across many refills of a small read window: one conversation each, bytes equal tshark follow; kept copies stay intact', () => {
    const dir = tmpDir();
    const pkts: Buffer[] = [];
    const seq = [1, 1, 1, 1];
    for (let i = 0; i < 400; i++) {
      const conn = i % 2;
      const back = (i >> 1) & 1;
      const data = Buffer.alloc(30 + (i % 50), 65 + (i % 26));
      const sp = back ? 5000 : 40000 + conn;
      const dp = back ? 40000 + conn : 5000;
      pkts.push(pk(back ? 's' : 'c', { sp, dp, seq: seq[conn * 2 + back]!, ack: seq[conn * 2 + 1 - back]!, flags: 'PA', data }));
      seq[conn * 2 + back]! += data.length;
    }
    const f = write(dir, 'long.pcap', pkts);
    const evs: NetEvent[] = [];
    readCapture(f, (e) => evs.push(e.kind === 'tcp-data' ? { ...e, data: e.data.slice() } : e), { chunkSize: 4096 });
    expect(new Set(evs.map((e) => (e.kind === 'tcp-data' ? e.conv.index : -1)))).toEqual(new Set([0, 1]));
    for (const n of [0, 1]) {
      const t = followTcp(f, n);
      expect(streamHex(evs, n, 0)).toBe(t.c2s);
      expect(streamHex(evs, n, 1)).toBe(t.s2c);
    }
  });

  it.skipIf(noTshark)('RST, and a new SYN on a closed 4-tuple starts a new conversation, numbered like tcp.stream', () => {
    const dir = tmpDir();
    const pkts = [
      ...handshake(100, 200),
      pk('c', { sp: 40000, dp: 5000, seq: 101, ack: 201, flags: 'PA', data: text('one') }),
      pk('s', { sp: 5000, dp: 40000, seq: 201, ack: 104, flags: 'RA' }),
      pk('c', { sp: 40000, dp: 5000, seq: 9000, flags: 'S' }),
      pk('s', { sp: 5000, dp: 40000, seq: 7000, ack: 9001, flags: 'SA' }),
      pk('c', { sp: 40000, dp: 5000, seq: 9001, ack: 7001, flags: 'PA', data: text('two') }),
      pk('c', { sp: 40001, dp: 5000, seq: 1, flags: 'PA', data: text('other') }),
    ];
    const f = write(dir, 'rst.pcap', pkts);
    const evs = collect(f);
    const ours = evs.flatMap((e) => (e.kind === 'tcp-data' ? [[Buffer.from(e.data).toString('hex'), String(e.conv.index)]] : []));
    expect(ours).toEqual(fields(f, ['tcp.payload', 'tcp.stream'], 'tcp.len > 0').map(([p, s]) => [p!.replace(/:/g, ''), s!]));
    expect(kinds(evs)).toContain('tcp-reset1');
    expect(ours.map((o) => o[1])).toEqual(['0', '1', '2']);
  });

  it.skipIf(noTshark)('a live loopback capture of real TCP connections: streams equal tshark follow', async () => {
    const dir = tmpDir();
    const server = net.createServer((s) => {
      s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d])));
      s.on('end', () => s.end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const cap = await Capture.start(dir, `tcp port ${port}`);
    await new Promise((r) => setTimeout(r, 500)); // dumpcap may say "Capturing" a moment before it is
    for (let k = 0; k < 2; k++) {
      const c = net.connect(port, '127.0.0.1');
      c.resume();
      await new Promise((r) => c.once('connect', r));
      for (let i = 0; i < 5; i++) {
        c.write(Buffer.alloc(1000 + i * 5000, 65 + i));
        await new Promise((r) => setTimeout(r, 10));
      }
      c.end();
      await new Promise((r) => c.once('close', r));
    }
    const f = await cap.stop();
    server.close();
    const evs = collect(f);
    for (const n of [0, 1]) {
      const t = followTcp(f, n);
      expect(t.c2s.length).toBeGreaterThan(2 * 26_000);
      expect(streamHex(evs, n, 0)).toBe(t.c2s);
      expect(streamHex(evs, n, 1)).toBe(t.s2c);
    }
    expect(kinds(evs).filter((k) => /open|close|gap|problem/.test(k))).toEqual(['tcp-open0', 'tcp-open1', 'tcp-close0', 'tcp-close1', 'tcp-open0', 'tcp-open1', 'tcp-close0', 'tcp-close1']);
  });
});
