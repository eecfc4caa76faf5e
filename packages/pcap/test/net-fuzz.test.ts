import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PcapError } from '../src/errors';
import { LINKTYPES } from '../src/link';
import { NetDissector, readCapture } from '../src/net';
import { chunk, dataChunk, ether, fragExt, initChunk, ipv4, ipv6, Ng, pcapFile, sctp, sll2, tcp, tmpDir, udp } from './net-helpers';
import { writeBigCapture } from './net-gen';

const pkts = [
  ipv4({ proto: 6 }, tcp({ sp: 1, dp: 2, seq: 10, flags: 'S' })),
  ipv4({ proto: 6 }, tcp({ sp: 1, dp: 2, seq: 11, flags: 'PA', data: Buffer.from('hello world') })),
  ipv4({ proto: 17, id: 3, mf: true }, udp(5, 6, Buffer.alloc(32, 1))),
  ipv4({ proto: 17, id: 3, fragOff: 40 }, Buffer.alloc(16, 2)),
  ipv6('2001:db8::1', '2001:db8::2', 17, udp(7, 8, Buffer.alloc(40, 3)).subarray(0, 24), [[44, fragExt(0, true, 9)]]),
  ipv4({ proto: 132 }, sctp(2905, 2905, 0, [initChunk(1, 5, 1)])),
  ipv4({ proto: 132 }, sctp(2905, 2905, 5, [dataChunk(1, 0, 0, 3, Buffer.alloc(20, 4), 2), dataChunk(2, 0, 0, 3, Buffer.alloc(20, 5), 1), chunk(3, 0, Buffer.alloc(12))])),
];

function runBytes(dir: string, bytes: Uint8Array, name: string): void {
  const f = path.join(dir, name);
  fs.writeFileSync(f, bytes);
  try {
    readCapture(f, () => {}, { chunkSize: 4096 });
  } catch (e) {
    if (!(e instanceof PcapError)) throw e;
    expect(e.fileOffset).toBeGreaterThanOrEqual(0);
    expect(e.message.length).toBeGreaterThan(10);
  }
}

describe('fuzz: nothing but PcapError, never a hang', () => {
  const dir = tmpDir();
  const valid = [
    pcapFile(pkts.map((data) => ({ data })), 101),
    pcapFile(pkts.map((data) => ({ data: ether(0x0800, data) })), 1, { be: true, nano: true }),
    (() => {
      const ng = new Ng().shb().idb(101, { tsresol: 9 }).idb(276);
      pkts.forEach((p, i) => ng.epb(i & 1, BigInt(i) * 1_000_000_000n, i & 1 ? sll2(0x0800, p) : p));
      return ng.block(0x99, Buffer.alloc(8)).spb(pkts[1]!).build();
    })(),
  ];

  it('random bytes, and random bytes behind a valid header', () => {
    let i = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(Buffer.alloc(0), valid[0]!.subarray(0, 24), valid[2]!.subarray(0, 28)), (rand, head) => {
        runBytes(dir, Buffer.concat([head, rand]), `r${i++}`);
      }),
      { numRuns: 400 },
    );
  });

  it('truncations and byte flips of valid pcap and pcapng files', () => {
    let i = 0;
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (which, cut, flips) => {
        const b = Buffer.from(valid[which]!);
        for (const [at, v] of flips) b[at % b.length] = v;
        runBytes(dir, b.subarray(0, cut % (b.length + 1)), `t${i++}`);
      }),
      { numRuns: 600 },
    );
  });

  it('random frames of every link type into the dissector never throw', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...LINKTYPES), fc.nat(pkts.length - 1), fc.uint8Array({ maxLength: 80 }), fc.nat(120), fc.nat(255), fc.nat(200)), { maxLength: 30 }),
        (frames) => {
          const net = new NetDissector(() => {});
          frames.forEach(([lt, k, tail, cut, flip, at], n) => {
            const base = Buffer.concat([lt === 1 ? ether(0x0800, pkts[k]!) : lt === 276 ? sll2(0x0800, pkts[k]!) : lt === 0 || lt === 108 ? Buffer.concat([Buffer.from([0, 0, 0, 2]), pkts[k]!]) : lt === 113 ? Buffer.concat([Buffer.alloc(14), Buffer.from([8, 0]), pkts[k]!]) : pkts[k]!, tail]);
            if (base.length) base[at % base.length] = flip;
            const data = base.subarray(0, Math.min(base.length, base.length - cut > 0 ? base.length - cut : base.length));
            net.frame({ n: n + 1, sec: n, nsec: 0, linktype: lt, iface: 0, origLen: base.length, data, fileOffset: 0 });
          });
          net.end();
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('bounded memory', () => {
  it('streams a 200 MB capture of 5000+ connections with flat heap and RSS', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'big.pcap');
    const g = writeBigCapture(f, 200 * 1024 * 1024);
    expect(fs.statSync(f).size).toBe(g.bytes);
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const rss0 = process.memoryUsage().rss;
    let maxHeap = heap0;
    let maxRss = rss0;
    let payload = 0;
    let opens = 0;
    let closes = 0;
    let udps = 0;
    let problems = 0;
    const t0 = Date.now();
    const r = readCapture(
      f,
      (ev) => {
        if (ev.kind === 'tcp-data') payload += ev.data.length;
        else if (ev.kind === 'tcp-open') opens++;
        else if (ev.kind === 'tcp-close') closes++;
        else if (ev.kind === 'udp') udps++;
        else if (ev.kind === 'problem') problems++;
      },
      {
        onProgress: () => {
          const m = process.memoryUsage();
          maxHeap = Math.max(maxHeap, m.heapUsed);
          maxRss = Math.max(maxRss, m.rss);
        },
      },
    );
    const ms = Date.now() - t0;
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.frames).toBe(g.frames);
    expect(r.bytes).toBe(g.bytes);
    expect(payload).toBe(g.payload);
    expect(opens).toBe(2 * g.conns);
    expect(closes).toBe(2 * g.conns);
    expect(udps).toBe(g.conns);
    expect(problems).toBe(0);
    // 200 MB went through; the reader and dissector kept well under a tenth of it
    expect(maxHeap - heap0).toBeLessThan(48 << 20);
    expect(maxRss - rss0).toBeLessThan(96 << 20);
    console.log(`200 MB: ${g.frames} frames in ${ms} ms (${Math.round(g.frames / (ms / 1000))} frames/s), heap +${((maxHeap - heap0) / 1048576).toFixed(1)} MiB, rss +${((maxRss - rss0) / 1048576).toFixed(1)} MiB`);
  }, 120_000);
});
