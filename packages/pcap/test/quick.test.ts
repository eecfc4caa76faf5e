import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LINKTYPE_RAW, writePcap } from '@snaptel/codec';
import { pcapCommand } from '../src/cli';
import { decodeCapture } from '../src/decode';
import { Summarizer, summaryKey } from '../src/quick';
import { decodeStack } from '../src/stack';
import { formatSummary, SummaryWriter } from '../src/summary';
import type { AppProtocol, FrameRef, Message } from '../src/types';
import { hex, ipaSccp, TcpConv, tmpDir } from './decode-helpers';

/**
 * Summary mode (quick.ts): lines from the headers, each kind decoded in full
 * once. Its claim is that a line is the line the full decode prints for any
 * message that decodes; checked here on every fixture and on mutated
 * messages, whose keys must never join two different summaries.
 */
const FIXTURES = path.resolve(__dirname, '../../../fixtures');
const CAPTURES = fs.readdirSync(FIXTURES).filter((f) => /\.pcap(ng)?$/.test(f));
const dirs: Array<() => void> = [];
afterAll(() => dirs.forEach((d) => d()));

interface Seen {
  n: number;
  layers: string[];
  info: string;
  error: string | undefined;
  len: number;
}
function decodeAll(file: string, summaryOnly: boolean): { seen: Seen[]; msgs: Message[] } {
  const seen: Seen[] = [];
  const msgs: Message[] = [];
  decodeCapture(file, {
    onMessage: (m) => {
      seen.push({ n: m.frame.n, layers: [...m.layers], info: m.info, error: m.error, len: m.bytes.length });
      if (!summaryOnly) msgs.push(m);
    },
    demux: { summaryOnly },
  });
  return { seen, msgs };
}

describe('summary mode on the fixtures', () => {
  for (const f of CAPTURES) {
    it(`${f}: the same layers and info as the full decode, message for message`, () => {
      const full = decodeAll(path.join(FIXTURES, f), false).seen;
      const quick = decodeAll(path.join(FIXTURES, f), true).seen;
      expect(full.length).toBeGreaterThan(0);
      expect(quick).toEqual(full);
    });
  }

  it('decodes each kind in full once: a second message of a kind comes from the cache', () => {
    const s = new Summarizer();
    const reset = hex('0016fd090003070b0443b900fe0443bb00fe06000430040120');
    const a = s.summary('ipa', reset, false);
    const b = s.summary('ipa', reset, false);
    expect(s.full).toBe(1);
    expect(b).toBe(a);
    expect(a.info).toBe('BSSMAP Reset');
    // MGCP names each message by its transaction and endpoint: never from the cache.
    const crcx = new TextEncoder().encode('CRCX 1 rtpbridge/*@mgw MGCP 1.0\r\nC: 2\r\n');
    s.summary('mgcp', crcx, false);
    s.summary('mgcp', crcx, false);
    expect(s.full).toBe(3);
  });
});

describe('summary keys are sound', () => {
  // Every message of every fixture, both directions' meaning.
  const samples: Array<{ proto: AppProtocol; bytes: Uint8Array; down: boolean }> = [];
  for (const f of CAPTURES) {
    for (const m of decodeAll(path.join(FIXTURES, f), false).msgs) {
      samples.push({ proto: m.proto, bytes: m.bytes, down: true }, { proto: m.proto, bytes: m.bytes, down: false });
    }
  }

  it('two messages with one key have one summary (mutated fixture messages)', () => {
    const byKey = new Map<string, { info: string; layers: string; hex: string }>();
    let compared = 0;
    fc.assert(
      fc.property(
        fc.nat(samples.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 0, maxLength: 3 }),
        fc.option(fc.nat(), { nil: undefined }),
        (i, edits, cut) => {
          const s = samples[i]!;
          const b = new Uint8Array(s.bytes);
          for (const [at, v] of edits) b[at % b.length] = v;
          const bytes = cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
          const key = summaryKey(s.proto, bytes, s.down);
          if (key === undefined) return;
          const r = decodeStack(s.proto, bytes, s.down);
          if (r.error !== undefined) return;
          // Kinds the summarizer never caches (see quick.ts) are not held to the key.
          const s2 = new Summarizer();
          s2.summary(s.proto, bytes, s.down);
          s2.summary(s.proto, bytes, s.down);
          if (s2.full === 2) return;
          const mine = { info: r.info, layers: r.layers.join('/'), hex: Buffer.from(bytes).toString('hex') };
          const other = byKey.get(key);
          if (!other) return void byKey.set(key, mine);
          compared++;
          expect({ info: mine.info, layers: mine.layers }, `${mine.hex} and ${other.hex} share a key`).toEqual({ info: other.info, layers: other.layers });
        },
      ),
      { numRuns: 10_000 },
    );
    expect(compared).toBeGreaterThan(500);
  });

  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.constantFrom<AppProtocol>('ipa', 'm3ua', 'smpp', 'mgcp'), fc.uint8Array({ maxLength: 200 }), fc.boolean(), (p, b, down) => {
        summaryKey(p, b, down);
        const r = new Summarizer().summary(p, b, down);
        expect(typeof r.info).toBe('string');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('SummaryWriter', () => {
  it('writes formatSummary\'s lines, byte for byte', () => {
    const msgs: Message[] = [];
    for (const f of CAPTURES) msgs.push(...decodeAll(path.join(FIXTURES, f), false).msgs);
    // Frame numbers past the padding, times before t0 and times that round up to the next second.
    const t0: FrameRef = { n: 1, sec: 1_700_000_000, nsec: 500_000_000 };
    const frames: FrameRef[] = [
      { n: 1, sec: 1_700_000_000, nsec: 500_000_000 },
      { n: 123456, sec: 1_700_000_001, nsec: 499_999_600 },
      { n: 99999, sec: 1_699_999_999, nsec: 900_000_000 },
      { n: 7, sec: 1_700_012_345, nsec: 0 },
      { n: 1234567890, sec: 1_800_000_000, nsec: 999_999_999 },
    ];
    const chunks: Buffer[] = [];
    const w = new SummaryWriter((b) => chunks.push(Buffer.from(b)));
    let expected = '';
    msgs.forEach((m, i) => {
      const mm = { ...m, frame: frames[i % frames.length]! };
      w.line(mm, t0);
      expected += formatSummary(mm, t0) + '\n';
    });
    w.drain();
    expect(msgs.length).toBeGreaterThan(100);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected);
  });

  it('hands out full buffers as it goes (a long capture is not held)', () => {
    const chunks: number[] = [];
    const w = new SummaryWriter((b) => chunks.push(b.length));
    const m = decodeAll(path.join(FIXTURES, CAPTURES[0]!), false).msgs[0]!;
    for (let i = 0; i < 20_000; i++) w.line(m, m.frame);
    expect(chunks.length).toBeGreaterThan(0);
    expect(Math.max(...chunks)).toBeLessThanOrEqual(1 << 20);
    w.drain();
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(20_000 * (formatSummary(m, m.frame).length + 2 + 1)); // '→' is 3 bytes in UTF-8
  });
});

describe('snaptel pcap decode --check', () => {
  it('decodes every message in full: a message cut short inside shows it where summary lines name its kind', async () => {
    const { dir, done } = tmpDir();
    dirs.push(done);
    const c = new TcpConv({ ip: '127.0.0.2', port: 49152 }, { ip: '127.0.0.1', port: 5000 }).open();
    // BSSMAP Reset (Cause 0x20) in SCCP UDT, then the same with a Cause IE claiming 5 bytes of the 1 there are.
    const reset = hex('090003070b0443b900fe0443bb00fe06000430040120');
    const broken = hex('090003070b0443b900fe0443bb00fe06000430040520');
    c.send(0, ipaSccp(reset));
    c.send(0, ipaSccp(broken));
    c.close();
    const file = path.join(dir, 'cut.pcap');
    writePcap(file, c.records, LINKTYPE_RAW);
    const run = async (args: string[]) => {
      let out = '';
      const io = { out: { write: (s: string) => ((out += s), true) } as never, err: { write: () => true } as never, isTTY: false };
      expect(await pcapCommand(['decode', file, ...args], io)).toBe(0);
      return out.trimEnd().split('\n');
    };
    const quick = await run([]);
    const checked = await run(['--check']);
    expect(quick).toHaveLength(2);
    expect(checked).toHaveLength(2);
    expect(quick[0]).toBe(checked[0]);
    expect(quick[0]).toMatch(/ BSSMAP Reset$/);
    expect(checked[1]).toMatch(/SCCP UDT, BSSAP \[malformed\] bssap RESET, IE cause/);
    expect(quick[1]).toMatch(/ BSSMAP Reset$/);
  });
});
