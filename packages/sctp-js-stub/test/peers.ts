import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

/** Test support: endpoints in child processes (peer.cjs), random loopback addresses, the build. */

export const ROOT = path.resolve(__dirname, '../../..');
export const isRoot = process.getuid?.() === 0;

/** Builds the package (dist/ is what child processes load). */
export function build(): void {
  const r = spawnSync('npx', ['tsc', '-b', 'packages/sctp-js-stub'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc -b packages/sctp-js-stub failed:\n${r.stdout}${r.stderr}`);
}

/** A random 127.a.b.c/30-ish pair: server .c, client .c+1 (other tests use 127.0.0.1 and fixed ports). */
export function randomHosts(): { server: string; client: string; prefix: string } {
  const a = 16 + Math.floor(Math.random() * 200);
  const b = Math.floor(Math.random() * 250);
  const c = 2 + 4 * Math.floor(Math.random() * 60);
  return { server: `127.${a}.${b}.${c}`, client: `127.${a}.${b}.${c + 1}`, prefix: `127.${a}.${b}` };
}

/** 21000..28999: clear of the SCTP ports Wireshark dissects by number (2905 M3UA, 29118 SGsAP, 36412 S1AP, 38412 NGAP...). */
export const randomPort = () => 21_000 + Math.floor(Math.random() * 8000);

export interface PeerEvent {
  ev: string;
  [k: string]: any;
}

/** One endpoint process (peer.cjs): its events, a way to wait for one, commands. */
export class Peer {
  readonly events: PeerEvent[] = [];
  readonly stderr: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  private waiters: Array<() => void> = [];

  constructor(cfg: object, opts: { uid?: number; gid?: number } = {}) {
    this.child = spawn(process.execPath, [path.join(__dirname, 'peer.cjs'), JSON.stringify(cfg)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, DEBUG: '' },
      ...opts,
    });
    let buf = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim()) this.events.push(JSON.parse(line) as PeerEvent);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr!.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
    void this.exited.then(() => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** The first event matching, waiting up to ms for it. */
  async waitFor(pred: (e: PeerEvent) => boolean, ms = 5000, what = 'event'): Promise<PeerEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
      const e = this.events.find(pred);
      if (e) return e;
      const err = this.events.find((x) => x.ev === 'error');
      if (err) throw new Error(`peer error while waiting for ${what}: ${err.code}: ${err.message}`);
      const left = deadline - Date.now();
      if (left <= 0 || this.child.exitCode !== null)
        throw new Error(`no ${what} within ${ms} ms; events: ${JSON.stringify(this.events).slice(0, 2000)}; stderr: ${this.stderr.join('').slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  all(ev: string): PeerEvent[] {
    return this.events.filter((e) => e.ev === ev);
  }

  command(c: object): void {
    this.child.stdin!.write(JSON.stringify(c) + '\n');
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** Captures on lo with tshark until stop(); the file is then read with tshark -r. */
export class Capture {
  readonly child: ChildProcess;
  private err = '';
  private readonly done: Promise<void>;

  constructor(
    readonly file: string,
    filter: string,
  ) {
    this.child = spawn('tshark', ['-i', 'lo', '-q', '-w', file, '-f', filter], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
    this.done = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  async started(ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!/Capturing on/.test(this.err)) {
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`tshark did not start capturing: ${this.err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    await new Promise((r) => setTimeout(r, 300)); // the last packets reach the capture
    this.child.kill('SIGINT');
    await this.done;
  }
}

export function haveTshark(): boolean {
  return spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0;
}
