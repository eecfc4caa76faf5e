import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NetDissector } from '../src/net';
import type { NetEvent } from '../src/types';
import { chunk, collect, dataChunk, fields, initChunk, ipv4, noTshark, pcapFile, sctp, tmpDir } from './net-helpers';

type Msg = Extract<NetEvent, { kind: 'sctp-data' }>;
const msgs = (evs: NetEvent[]) => evs.filter((e): e is Msg => e.kind === 'sctp-data');

const A = '10.1.0.1';
const B = '10.1.0.2';
const fromA = (chunks: Buffer[], vtag = 0xb0b0) => ipv4({ proto: 132, src: A, dst: B }, sctp(33333, 44444, vtag, chunks));
const fromB = (chunks: Buffer[], vtag = 0xa0a0) => ipv4({ proto: 132, src: B, dst: A }, sctp(44444, 33333, vtag, chunks));

describe('SCTP against tshark', () => {
  it.skipIf(noTshark)('association setup, bundled DATA, fragments out of order, retransmitted TSNs dropped: user messages as tshark reassembles them', () => {
    const dir = tmpDir();
    const big = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) & 255));
    const PP = 4242; // a PPID (and ports) tshark has no dissector for, so the payload shows as data
    const pkts = [
      fromA([initChunk(1, 0xa0a0, 100)], 0),
      fromB([initChunk(2, 0xb0b0, 500)]),
      fromA([chunk(10, 0, Buffer.from('cookie!!'))]),
      fromB([chunk(11, 0, Buffer.alloc(0))]),
      fromA([dataChunk(100, 1, 0, PP, Buffer.from('first')), dataChunk(101, 2, 0, PP, Buffer.from('second, bundled'))]),
      fromA([dataChunk(100, 1, 0, PP, Buffer.from('first'))]), // retransmission
      fromA([dataChunk(102, 1, 1, PP, big.subarray(0, 1000), 2)]), // B
      fromA([dataChunk(104, 1, 1, PP, big.subarray(2000), 1)]), // E before the middle
      fromA([dataChunk(103, 1, 1, PP, big.subarray(1000, 2000), 0)]), // middle completes it
      fromB([dataChunk(500, 0, 0, PP, Buffer.from('unordered reply'), 7)]),
      fromA([dataChunk(105, 3, 0, 0, Buffer.from('ppid zero'))]),
    ];
    const f = path.join(dir, 'sctp.pcap');
    fs.writeFileSync(f, pcapFile(pkts.map((data) => ({ data })), 101));
    const evs = collect(f);
    expect(evs.filter((e) => e.kind === 'problem')).toEqual([]);
    const ours = msgs(evs).map((m) => [String(m.frame.n), String(m.stream), String(m.ppid), Buffer.from(m.data).toString('hex')]);
    // tshark: one row per frame that completes messages; the payload of a reassembled message is in data.data of that frame
    const theirs = fields(f, ['frame.number', 'sctp.data_sid', 'sctp.data_payload_proto_id', 'data.data', 'sctp.retransmission'], 'data.data', ['-o', 'sctp.reassembly:TRUE', '-E', 'occurrence=a', '-E', 'aggregator=;']);
    const rows = theirs.filter((t) => t[4] === '').flatMap(([n, sids, ppids, datas]) => {
      const d = datas!.split(';');
      const s = sids!.split(';');
      const p = ppids!.split(';');
      // in a reassembling frame tshark lists the fragment's sid/ppid once; data is the whole message
      return d.map((x, i) => [n!, String(parseInt(s[Math.min(i, s.length - 1)]!, 16)), p[Math.min(i, p.length - 1)]!, x]);
    });
    expect(ours).toEqual(rows);
    expect(ours.map((o) => o[3]!.length / 2)).toEqual([5, 15, 3000, 15, 9]);
    expect(msgs(evs).map((m) => [m.dir, m.unordered])).toEqual([
      [0, false],
      [0, false],
      [0, false],
      [1, true],
      [0, false],
    ]);
    expect(msgs(evs)[0]!.conv).toEqual({ transport: 'sctp', index: 0, a: { ip: A, port: 33333 }, b: { ip: B, port: 44444 }, opener: 'syn' });
  });
});

describe('SCTP reassembly details', () => {
  const run = (pkts: Buffer[], opts = {}) => {
    const evs: NetEvent[] = [];
    const d = new NetDissector((e) => evs.push(e.kind === 'sctp-data' ? { ...e, data: e.data.slice() } : e), opts);
    pkts.forEach((data, i) => d.frame({ n: i + 1, sec: i, nsec: 0, linktype: 101, iface: 0, origLen: data.length, data, fileOffset: 0 }));
    d.end();
    return evs;
  };

  it('a new INIT with another tag after data starts a new association; TSN wrap-around in fragments', () => {
    const evs = run([
      fromA([initChunk(1, 1, 0xffffffff)], 0),
      fromA([dataChunk(0xffffffff, 0, 0, 3, Buffer.from('ab'), 2)]),
      fromA([dataChunk(0, 0, 0, 3, Buffer.from('cd'), 1)]),
      fromA([initChunk(1, 2, 10)], 0),
      fromA([dataChunk(10, 0, 0, 3, Buffer.from('new'))]),
    ]);
    expect(msgs(evs).map((m) => [m.conv.index, Buffer.from(m.data).toString()])).toEqual([
      [0, 'abcd'],
      [1, 'new'],
    ]);
  });

  it('I-DATA (RFC 8260) fragments by MID and FSN', () => {
    const idata = (tsn: number, sid: number, mid: number, ppidOrFsn: number, data: string, flags: number) => {
      const h = Buffer.alloc(16);
      h.writeUInt32BE(tsn, 0);
      h.writeUInt16BE(sid, 4);
      h.writeUInt32BE(mid, 8);
      h.writeUInt32BE(ppidOrFsn, 12);
      return chunk(64, flags, Buffer.concat([h, Buffer.from(data)]));
    };
    const evs = run([fromA([idata(1, 4, 7, 1, 'world', 1)]), fromA([idata(2, 4, 7, 46, 'hello ', 2), idata(3, 4, 8, 46, 'whole', 3)])]);
    expect(msgs(evs).map((m) => [m.stream, m.ppid, Buffer.from(m.data).toString()])).toEqual([
      [4, 46, 'hello world'],
      [4, 46, 'whole'],
    ]);
  });

  it('fragments never completed are reported at the end; the buffer is bounded', () => {
    const evs = run([fromA([dataChunk(1, 0, 0, 3, Buffer.alloc(100), 2)]), fromA([dataChunk(2, 0, 0, 3, Buffer.alloc(100), 0)]), fromA([dataChunk(3, 0, 0, 3, Buffer.alloc(100), 0)])], { maxSctpBuffer: 250 });
    expect(evs.map((e) => (e.kind === 'problem' ? e.problem.code : e.kind))).toEqual(['buffer-full', 'incomplete']);
  });

  it('a chunk running past the packet is reported, the packet is not fatal', () => {
    const bad = sctp(1, 2, 3, [dataChunk(1, 0, 0, 3, Buffer.from('ok'))]);
    bad.writeUInt16BE(200, 14); // chunk length beyond the packet
    const evs = run([ipv4({ proto: 132 }, bad), fromA([dataChunk(9, 0, 0, 3, Buffer.from('fine'))])]);
    expect(evs.map((e) => (e.kind === 'problem' ? e.problem.code : e.kind))).toEqual(['truncated', 'sctp-data']);
  });
});
