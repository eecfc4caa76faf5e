import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * osmo-hlr (Debian package) as the HLR peer of tests (the GSUP codec's, the
 * MSC's GSUP client's, the MSC image's): a temporary config and database, its
 * VTY (4258), CTRL (4259) and GSUP (4222) all bound to a random 127.x.y.z,
 * since osmo-hlr's VTY and CTRL ports are fixed; subscribers provisioned over
 * the VTY (`vty([...])`).
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One osmo-hlr process with its own directory, address and database. */
export class OsmoHlr {
  proc: ChildProcess | undefined;
  output = '';
  constructor(
    readonly dir: string,
    readonly host: string,
  ) {
    fs.writeFileSync(
      path.join(dir, 'osmo-hlr.cfg'),
      `log stderr\n logging color 0\n logging print category 1\n logging level main info\nline vty\n bind ${host} 4258\nctrl\n bind ${host}\nhlr\n gsup\n  bind ip ${host}\n`,
    );
  }

  static async create(): Promise<OsmoHlr> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-osmo-hlr-'));
    for (let attempt = 0; attempt < 30; attempt++) {
      const host = `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
      const free = await Promise.all([4222, 4258, 4259].map((p) => canBind(host, p)));
      if (free.every(Boolean)) return new OsmoHlr(dir, host);
    }
    throw new Error('no 127.x.y.z with ports 4222, 4258 and 4259 free');
  }

  /** Starts osmo-hlr and waits until its VTY answers. */
  async start(): Promise<void> {
    const p = spawn('osmo-hlr', ['-c', 'osmo-hlr.cfg', '-l', 'hlr.db', '-s'], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    p.stdout!.on('data', (d) => (this.output += d));
    p.stderr!.on('data', (d) => (this.output += d));
    await this.vty([]);
  }

  /** Sends a signal and, unless it is SIGSTOP/SIGCONT, waits for the exit. */
  async signal(sig: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    if (sig === 'SIGSTOP' || sig === 'SIGCONT') {
      p.kill(sig);
      return;
    }
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(sig);
    await Promise.race([exited, sleep(5000)]);
  }

  async stop(): Promise<void> {
    await this.signal('SIGCONT');
    await this.signal('SIGTERM');
    await this.signal('SIGKILL');
  }

  /** Runs VTY commands in enable mode; returns each one's output. */
  async vty(commands: string[]): Promise<string[]> {
    let sock: net.Socket | undefined;
    const end = Date.now() + 10_000;
    while (!sock) {
      sock = await new Promise<net.Socket | undefined>((resolve) => {
        const s = net.connect(4258, this.host);
        s.once('connect', () => resolve(s));
        s.once('error', () => resolve(undefined));
      });
      if (!sock) {
        if (Date.now() > end) throw new Error(`osmo-hlr VTY on ${this.host}:4258 did not answer\n${this.output}`);
        await sleep(50);
      }
    }
    const s = sock;
    let text = '';
    let wake: (() => void) | undefined;
    s.on('data', (d) => {
      text += d.toString('latin1');
      wake?.();
    });
    const prompt = async (re: RegExp): Promise<string> => {
      const limit = Date.now() + 5000;
      while (!re.test(text)) {
        if (Date.now() > limit) throw new Error(`VTY: no ${re} after: ${JSON.stringify(text)}\n${this.output}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      const out = text;
      text = '';
      return out;
    };
    try {
      await prompt(/OsmoHLR> $/);
      s.write('enable\r\n');
      await prompt(/OsmoHLR# $/);
      const outs: string[] = [];
      for (const c of commands) {
        s.write(`${c}\r\n`);
        const out = (await prompt(/OsmoHLR# $/)).replace(/\r/g, '');
        // osmo-hlr reports success with '% Created ...' / '% Updated ...'; anything else after '% ' is a refusal.
        if (/^% (?!Created|Updated)/m.test(out)) throw new Error(`osmo-hlr VTY refused '${c}': ${out}`);
        outs.push(out);
      }
      return outs;
    } finally {
      s.destroy();
    }
  }
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
