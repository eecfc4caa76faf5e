import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { request } from '../packages/image/src/remote';

export const ROOT = path.resolve(__dirname, '..');
export const LAUNCHER = path.join(ROOT, 'packages/image/bin/snaptel');
export const TEST_PACKAGES = path.join(ROOT, 'test/packages');

/** Ports that were free a moment ago on 127.0.0.1 (TCP and UDP). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  while (ports.length < n) {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    servers.push(s);
    ports.push((s.address() as net.AddressInfo).port);
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `snaptel-test-${tag}-`));
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the snaptel launcher (as a user would) and waits for it. */
export function snaptel(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): CliResult {
  const r = spawnSync(LAUNCHER, args, {
    cwd: ROOT,
    env: { ...process.env, SNAPTEL_PATH: TEST_PACKAGES, NOTIFY_SOCKET: '', ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes a recipe and deploys it; throws with the CLI's output when deploy fails. */
export function deployImage(dir: string, pkg: string, recipe: Record<string, unknown>): string {
  return deployRecipe(dir, pkg, { package: pkg, ...recipe });
}

/** Writes `recipe` as DIR/NAME.json (it names its packages itself), deploys DIR/NAME.img, returns its path; throws with the CLI's output when deploy fails. */
export function deployRecipe(dir: string, name: string, recipe: Record<string, unknown>): string {
  const recipeFile = path.join(dir, `${name}.json`);
  fs.writeFileSync(recipeFile, JSON.stringify(recipe, null, 2));
  const out = path.join(dir, `${name}.img`);
  const r = snaptel(['deploy', '--config', recipeFile, '--out', out, '-q']);
  if (r.status !== 0) throw new Error(`deploy ${name} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return out;
}

export interface LogLine {
  level: string;
  time: string;
  pid: number;
  pkg: string;
  msg: string;
  [k: string]: unknown;
}

/** A resumed image in a child process, with its JSON log lines collected. */
export class Running {
  readonly proc: ChildProcess;
  readonly lines: LogLine[] = [];
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private buf = '';

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.proc = spawn(LAUNCHER, args, {
      cwd: ROOT,
      env: { ...process.env, SNAPTEL_PATH: TEST_PACKAGES, NOTIFY_SOCKET: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout!.on('data', (c: Buffer) => {
      this.buf += c.toString();
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          /* not JSON */
        }
      }
    });
    this.proc.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.proc.on('exit', (code, signal) => (this.exit = { code, signal }));
    this.proc.on('close', () => (this.closed = true));
  }

  /** stdout and stderr have ended: every line the process wrote is in `lines` ('exit' may come before the last data). */
  private closed = false;

  /** Waits (bounded) for a log line; fails the test with what was seen when it does not come. */
  async line(pred: (l: LogLine) => boolean, what: string, timeoutMs = 15_000): Promise<LogLine> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const l = this.lines.find(pred);
      if (l) return l;
      if (this.exit || Date.now() > end)
        throw new Error(
          `no log line: ${what} (${this.exit ? `exited ${JSON.stringify(this.exit)}` : 'timed out'})\n` +
            `stderr: ${this.stderr}\nlines: ${this.lines.map((x) => x.msg).join(' | ')}`,
        );
      await sleep(20);
    }
  }

  async ready(timeoutMs = 15_000): Promise<LogLine> {
    return this.line((l) => l.pkg === 'snaptel' && l.msg.startsWith('ready'), 'ready', timeoutMs);
  }

  /** SIGTERM, and the exit it led to (bounded). */
  async stop(timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exit) this.proc.kill('SIGTERM');
    const end = Date.now() + timeoutMs;
    while (!this.exit && Date.now() < end) await sleep(20);
    if (!this.exit) {
      this.proc.kill('SIGKILL');
      throw new Error('did not exit after SIGTERM');
    }
    const drained = Date.now() + 2_000;
    while (!this.closed && Date.now() < drained) await sleep(10);
    return this.exit;
  }

  kill(): void {
    if (!this.exit) this.proc.kill('SIGKILL');
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connects, sends, and returns what comes back before the peer closes or `ms` pass. */
export function tcpExchange(port: number, data: string, ms = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = '';
    const t = setTimeout(() => {
      s.destroy();
      resolve(got);
    }, ms);
    s.on('connect', () => s.write(data));
    s.on('data', (d) => {
      got += d.toString();
      if (got.length >= data.length) {
        clearTimeout(t);
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

/** `snaptel remote eval CODE` through the control socket (the image must run with --allow-eval); its JSON result. */
export async function evalIn(control: string, code: string): Promise<any> {
  const r = await request(control, 'eval', { code, timeoutMs: 5000 }, 15_000);
  if (!r.ok) throw new Error(`eval ${code}: ${r.error?.message}`);
  return r.result.json;
}
