import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A live capture on the loopback interface with tshark (dumpcap underneath),
 * for tests that check what went on the wire: start() returns once tshark
 * says it is capturing; stop() ends it and leaves the pcap file.
 */
export class Capture {
  private stderr = '';
  private exited: Promise<void>;

  private constructor(
    readonly file: string,
    private readonly proc: ChildProcess,
  ) {
    proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => proc.once('exit', () => r()));
  }

  static async start(dir: string, filter: string, iface = 'lo'): Promise<Capture> {
    const file = path.join(dir, `capture-${process.pid}-${Date.now()}.pcapng`);
    const proc = spawn('tshark', ['-i', iface, '-f', filter, '-w', file, '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const c = new Capture(file, proc);
    const end = Date.now() + 15_000;
    while (!/Capturing on/.test(c.stderr)) {
      if (proc.exitCode !== null || Date.now() > end) throw new Error(`tshark did not start capturing on ${iface}: ${c.stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return c;
  }

  async stop(): Promise<string> {
    // Let the last packets reach the file before tshark goes.
    await new Promise((r) => setTimeout(r, 300));
    this.proc.kill('SIGINT');
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
    if (!fs.existsSync(this.file)) throw new Error(`tshark wrote no capture: ${this.stderr.trim()}`);
    return this.file;
  }
}

/**
 * tshark -T fields over a capture: one object per packet matching `display`,
 * each field with every occurrence in the packet (an SCTP packet may bundle
 * several messages), in order.
 */
export function readFields(file: string, display: string, fields: string[]): Array<Record<string, string[]>> {
  const r = spawnSync('tshark', ['-r', file, '-Y', display, '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`tshark -r ${file}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.length)
    .map((l) => Object.fromEntries(l.split('|').map((v, i) => [fields[i]!, v === '' ? [] : v.split(',')])));
}

/**
 * The messages of a protocol in a capture, one record per message rather
 * than per packet: the per-message fields of each packet zipped by position
 * (they must occur once in every message of the kind selected).
 */
export function readMessages(file: string, display: string, fields: string[]): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (const frame of readFields(file, display, fields)) {
    const n = frame[fields[0]!]!.length;
    for (const f of fields)
      if (frame[f]!.length !== n) throw new Error(`${file}: ${f} occurs ${frame[f]!.length} times where ${fields[0]} occurs ${n} times in one packet`);
    for (let i = 0; i < n; i++) out.push(Object.fromEntries(fields.map((f) => [f, frame[f]![i]!])));
  }
  return out;
}
