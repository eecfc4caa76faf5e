import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pcap, pcapng, type PcapRecord } from './pcap';

/**
 * What every codec bench shares, so that their figures are measured the same
 * way: our rate (operations per second after a warm-up) and tshark's rate on
 * the same messages (full dissection, -V, with its start-up subtracted).
 */

/** Calls fn(0), fn(1), ... for `ms` after a warm-up of ms/4; returns calls per second. */
export function opsPerSecond(fn: (i: number) => unknown, ms = 1000): number {
  const run = (span: number): number => {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < span) {
      for (let i = 0; i < 1000; i++) fn(n + i);
      n += 1000;
      t = performance.now();
    }
    return (n * 1000) / (t - t0);
  };
  run(ms / 4);
  return run(ms);
}

/** `xs` repeated to `n` items (TCP benches frame the repeated payloads, so sequence numbers run on). */
export function repeat<T>(xs: readonly T[], n = 30_000): T[] {
  return Array.from({ length: n }, (_, i) => xs[i % xs.length]!);
}

/**
 * tshark's rate on `records` repeated to `count` packets (pass TCP segments
 * already repeated with `repeat`, or tshark sees retransmissions): `tshark -n -V` over
 * them, minus the same over an empty capture (tshark's start-up, about a
 * second), best of two each. Records with a direction go into a pcapng.
 */
export function tsharkPerSecond(records: PcapRecord[], linktype: number, args: string[] = [], count = 30_000): number {
  const ng = records.some((r) => r.direction !== undefined);
  const write = (f: string, recs: PcapRecord[]) => fs.writeFileSync(f, ng ? pcapng(recs, linktype) : pcap(recs, linktype));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-bench-'));
  try {
    const full = path.join(dir, ng ? 'mix.pcapng' : 'mix.pcap');
    const empty = path.join(dir, ng ? 'empty.pcapng' : 'empty.pcap');
    const recs = records.length >= count ? records : repeat(records, count);
    count = recs.length;
    write(full, recs);
    write(empty, []);
    const run = (f: string): number => {
      const t = performance.now();
      const r = spawnSync('tshark', ['-n', '-r', f, '-V', ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
      if (r.status !== 0) throw new Error(`tshark exited ${r.status}: ${String(r.stderr).slice(0, 200)}`);
      return performance.now() - t;
    };
    const base = Math.min(run(empty), run(empty));
    const total = Math.min(run(full), run(full));
    return (count * 1000) / Math.max(total - base, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number) => Math.round(x).toLocaleString('en');

/** One bench's report: our rates and their ratio to tshark's, in the same words everywhere. */
export function benchReport(title: string, ours: Record<string, number>, tshark: number, unit = 'msg/s'): string {
  const w = Math.max(...Object.keys(ours).map((k) => k.length), 6);
  let s = `${title}\n`;
  for (const [k, v] of Object.entries(ours)) s += `  ${k.padEnd(w)}  ${fmt(v)} ${unit}  (${(v / tshark).toFixed(1)}x tshark)\n`;
  s += `  ${'tshark'.padEnd(w)}  ${fmt(tshark)} ${unit}  (-V, 30,000 packets, start-up subtracted)\n`;
  return s;
}
