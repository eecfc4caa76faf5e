import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapError } from '../src/errors';
import { CaptureFile } from '../src/file';
import type { Frame, Problem } from '../src/types';
import { fields, ipv4, Ng, noTshark, pcapFile, tmpDir, udp } from './net-helpers';

const FIXTURE = path.join(__dirname, '../../../fixtures/osmo-bsc-sccplite-reset.pcap');

function readAll(file: string, opts: { chunkSize?: number; maxRecord?: number } = {}): { frames: Array<Omit<Frame, 'data'> & { hex: string }>; problems: Problem[]; cf: CaptureFile } {
  const problems: Problem[] = [];
  const cf = CaptureFile.open(file, { ...opts, onProblem: (p) => problems.push(p) });
  const frames = [];
  for (let f = cf.next(); f; f = cf.next()) frames.push({ ...f, hex: Buffer.from(f.data).toString('hex'), data: undefined });
  return { frames, problems, cf };
}

function epoch(f: { sec: number; nsec: number }): string {
  return `${f.sec}.${String(f.nsec).padStart(9, '0')}`;
}

/** frame.time_epoch, frame.len, frame.cap_len and the bytes from tshark, against our reader. */
function expectLikeTshark(file: string): void {
  const ours = readAll(file);
  const theirs = fields(file, ['frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_id']);
  // records that are not packets (custom blocks) have a number in tshark but no frame here
  const packets = theirs.filter((t) => t[1] !== '');
  expect(ours.frames.length).toBe(packets.length);
  expect(ours.frames.length).toBeGreaterThan(0);
  ours.frames.forEach((f, i) => {
    const [n, t, len, cap, ifc] = packets[i]!;
    expect({ n: String(f.n), t: epoch(f), len: String(f.origLen), cap: String(f.hex.length / 2) }).toEqual({ n, t, len, cap });
    if (ifc) expect(String(f.iface)).toBe(ifc);
  });
  const hex = spawnSync('tshark', ['-r', file, '-c', '1', '-x'], { encoding: 'utf8' }).stdout;
  // first frame's bytes as tshark dumps them (hex columns of -x)
  const dump = hex
    .split('\n\n')[0]!
    .split('\n')
    .filter((l) => /^[0-9a-f]{4}  /.test(l))
    .map((l) => l.slice(6, 6 + 48).replace(/ /g, ''))
    .join('');
  expect(ours.frames[0]!.hex).toBe(dump);
}

const udpPkt = (i: number, size = 20) => ipv4({ proto: 17, id: i }, udp(1000 + i, 2000, Buffer.alloc(size, i)));

describe('CaptureFile against tshark', () => {
  it.skipIf(noTshark)('reads the osmo-bsc fixture and its pcapng / nanosecond conversions (editcap) like tshark', () => {
    const dir = tmpDir();
    expectLikeTshark(FIXTURE);
    const ng = path.join(dir, 'f.pcapng');
    const ns = path.join(dir, 'f-ns.pcap');
    expect(spawnSync('editcap', ['-F', 'pcapng', FIXTURE, ng]).status).toBe(0);
    expect(spawnSync('editcap', ['-F', 'nsecpcap', FIXTURE, ns]).status).toBe(0);
    expect(CaptureFile.open(ng).format).toBe('pcapng');
    expectLikeTshark(ng);
    expectLikeTshark(ns);
  });

  it.skipIf(noTshark)('pcap in both byte orders, micro- and nanoseconds', () => {
    const dir = tmpDir();
    const recs = [0, 1, 2, 3].map((i) => ({ data: udpPkt(i), sec: 1_600_000_000 + i * 1000, nsec: [0, 999_999_999, 123_456_789, 1_000][i]! }));
    for (const be of [false, true])
      for (const nano of [false, true]) {
        const f = path.join(dir, `t-${be}-${nano}.pcap`);
        fs.writeFileSync(f, pcapFile(recs, 101, { be, nano }));
        expectLikeTshark(f);
        const r = readAll(f);
        expect(r.frames[2]!.nsec).toBe(nano ? 123_456_789 : 123_456_000);
      }
  });

  it.skipIf(noTshark)('pcapng: sections in both byte orders, if_tsresol (10^-9 and 2^-10), if_tsoffset, EPB, SPB, OPB; NRB/ISB/custom skipped quietly', () => {
    const dir = tmpDir();
    const le = new Ng()
      .shb()
      .idb(101, { tsresol: 9 })
      .idb(101, { tsresol: 0x8a, tsoffset: 1000 })
      .idb(101)
      .epb(0, 1_700_000_000_123_456_789n, udpPkt(1))
      .block(4, Buffer.alloc(4)) // NRB: only the end record
      .epb(1, 1_700_000_000n * 1024n + 512n, udpPkt(2))
      .block(0xbad, Buffer.from('0000000a6869', 'hex')) // custom block, PEN 10
      .epb(2, 1_700_000_001_000_001n, udpPkt(3), 200)
      .epb(2, 1_700_000_002_000_002n, udpPkt(4), udpPkt(4).length, true)
      .block(5, Buffer.alloc(12)) // ISB
      .build();
    const be = new Ng(true).shb().idb(101, { tsresol: 3 }).epb(0, 1_700_000_003_007n, udpPkt(5)).build();
    const f = path.join(dir, 'multi.pcapng');
    fs.writeFileSync(f, Buffer.concat([le, be]));
    const r = readAll(f);
    expect(r.problems).toEqual([]);
    expect(r.frames.map((x) => x.n)).toEqual([1, 2, 4, 5, 6]);
    expect(r.frames.map(epoch)).toEqual(['1700000000.123456789', '1700001000.500000000', '1700000001.000001000', '1700000002.000002000', '1700000003.007000000']);
    expect(r.frames[2]!.origLen).toBe(200);
    expectLikeTshark(f);
    // SPB: no timestamp, interface 0
    const s = path.join(dir, 'spb.pcapng');
    fs.writeFileSync(s, new Ng().shb().idb(101).spb(udpPkt(6)).spb(udpPkt(7)).build());
    expect(readAll(s).frames.map((x) => [x.iface, x.hex.length / 2])).toEqual([
      [0, udpPkt(6).length],
      [0, udpPkt(7).length],
    ]);
    expect(fields(s, ['frame.len']).map((x) => Number(x[0]))).toEqual([udpPkt(6).length, udpPkt(7).length]);
  });

  it.skipIf(noTshark)('an unknown pcapng block is reported and skipped; later packets are still read', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'unknown.pcapng');
    fs.writeFileSync(f, new Ng().shb().idb(101).epb(0, 1n, udpPkt(1)).block(0x77, Buffer.alloc(8)).epb(0, 2n, udpPkt(2)).build());
    const r = readAll(f);
    expect(r.frames.length).toBe(2);
    expect(fields(f, ['frame.number']).length).toBe(2);
    expect(r.problems).toEqual([expect.objectContaining({ layer: 'file', code: 'unknown-block', fileOffset: 28 + 20 + 12 + 20 + udpPkt(1).length })]);
    expect(r.problems[0]!.message).toMatch(/0x00000077/);
  });

  it.skipIf(noTshark)('snap length shorter than packets: short data, origLen from the file', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'snap.pcap');
    fs.writeFileSync(f, pcapFile([0, 1, 2].map((i) => ({ data: udpPkt(i, 100) })), 101, { snap: 40 }));
    const r = readAll(f);
    expect(r.frames.map((x) => [x.hex.length / 2, x.origLen])).toEqual([
      [40, 128],
      [40, 128],
      [40, 128],
    ]);
    expectLikeTshark(f);
  });
});

describe('CaptureFile: damage and limits', () => {
  it('a truncated last record is a problem, not a throw; earlier frames are read', () => {
    const dir = tmpDir();
    const full = pcapFile([0, 1, 2].map((i) => ({ data: udpPkt(i) })), 101);
    for (const cut of [full.length - 1, full.length - 20, full.length - udpPkt(2).length - 10]) {
      const f = path.join(dir, `cut-${cut}.pcap`);
      fs.writeFileSync(f, full.subarray(0, cut));
      const r = readAll(f);
      expect(r.frames.length).toBe(2);
      expect(r.problems).toEqual([expect.objectContaining({ layer: 'file', code: 'truncated', frame: 3, fileOffset: 24 + 2 * (16 + udpPkt(0).length) })]);
    }
    const ng = new Ng().shb().idb(101).epb(0, 1n, udpPkt(1)).epb(0, 2n, udpPkt(2)).build();
    const g = path.join(dir, 'cut.pcapng');
    fs.writeFileSync(g, ng.subarray(0, ng.length - 6));
    const r = readAll(g);
    expect(r.frames.length).toBe(1);
    expect(r.problems.map((p) => p.code)).toEqual(['truncated']);
  });

  it('garbage is a PcapError naming format, field and offset', () => {
    const dir = tmpDir();
    const g = path.join(dir, 'garbage.bin');
    fs.writeFileSync(g, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const e = (() => {
      try {
        CaptureFile.open(g);
      } catch (x) {
        return x as PcapError;
      }
    })();
    expect(e).toBeInstanceOf(PcapError);
    expect(e).toMatchObject({ name: 'PcapError', code: 'not-a-capture', fileOffset: 0 });
    expect(e!.message).toMatch(/magic 0x20544547 at offset 0/);
    // a pcapng block with a bad length in the middle
    const ng = new Ng().shb().idb(101).epb(0, 1n, udpPkt(1)).build();
    const bad = Buffer.concat([ng, Buffer.from([6, 0, 0, 0, 13, 0, 0, 0])]);
    const b = path.join(dir, 'bad.pcapng');
    fs.writeFileSync(b, bad);
    const cf = CaptureFile.open(b);
    expect(cf.next()?.n).toBe(1);
    expect(() => cf.next()).toThrowError(expect.objectContaining({ name: 'PcapError', code: 'bad-block-length', fileOffset: ng.length + 4 }));
    expect(() => CaptureFile.open(path.join(dir, 'missing'))).toThrowError(PcapError);
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '');
    expect(() => CaptureFile.open(empty)).toThrowError(/too short/);
  });

  it('frames are views of one window; records larger than the window grow it, beyond the cap they are skipped', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'big.pcap');
    const sizes = [100, 20_000, 100, 300_000, 100];
    fs.writeFileSync(f, pcapFile(sizes.map((s, i) => ({ data: Buffer.alloc(s, i + 1) })), 101));
    const problems: Problem[] = [];
    const cf = CaptureFile.open(f, { chunkSize: 4096, onProblem: (p) => problems.push(p) });
    const got: number[][] = [];
    const buffers = new Set<ArrayBufferLike>();
    for (let fr = cf.next(); fr; fr = cf.next()) {
      got.push([fr.n, fr.data.length, fr.data[0]!, fr.data[fr.data.length - 1]!]);
      buffers.add(fr.data.buffer);
    }
    expect(got).toEqual([
      [1, 100, 1, 1],
      [2, 20_000, 2, 2],
      [3, 100, 3, 3],
      [5, 100, 5, 5],
    ]);
    expect(problems).toEqual([expect.objectContaining({ code: 'too-big', frame: 4 })]);
    expect(cf.bytesRead).toBe(fs.statSync(f).size);
    expect(buffers.size).toBeLessThanOrEqual(4);
  });
});
