import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as util from 'node:util';
import * as vm from 'node:vm';
import { ServiceError, SnaptelError } from './errors';
import { advanceClock, clock, virtualPending } from './clock';
import type { ServiceInfo } from './daemon';
import type { Runtime } from './runtime';

/**
 * The control socket: a UNIX stream socket (mode 0600, so only the daemon's
 * user, and root, can connect) speaking newline-delimited JSON.
 *
 *     -> {"id":1,"cmd":"status"}
 *     <- {"id":1,"ok":true,"result":{...}}
 *     <- {"id":1,"ok":false,"error":{"code":"...","message":"..."}}
 *
 * Commands: status, eval {code, timeoutMs}, snapshot {out}, log-level {level},
 * stop, ping. `snaptel remote` is the client.
 */
export const MAX_REQUEST_BYTES = 4 << 20;
export const DEFAULT_EVAL_TIMEOUT_MS = 5000;

export interface Request {
  id?: number | string;
  cmd: string;
  args?: Record<string, unknown>;
}

export class ControlServer {
  private server: net.Server | undefined;
  private ino: number | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly rt: Runtime,
    readonly path: string,
    private readonly info: ServiceInfo,
  ) {}

  /**
   * Binds the socket. A leftover socket file nobody answers on (the previous
   * daemon died) is replaced; a live one, or a file that is not a socket, is
   * refused.
   */
  async listen(): Promise<void> {
    const p = this.path;
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ServiceError('control', `${p}: cannot use as control socket (${(err as NodeJS.ErrnoException).code})`);
    }
    if (st) {
      if (!st.isSocket()) throw new ServiceError('control', `${p}: exists and is not a socket; not replacing it`);
      const answer = await new Promise<string>((resolve) => {
        const c = net.connect(p);
        c.setTimeout(1000);
        c.once('connect', () => {
          c.destroy();
          resolve('live');
        });
        c.once('timeout', () => {
          c.destroy();
          resolve('live');
        });
        c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      if (answer === 'live') throw new ServiceError('control', `${p}: another process serves this control socket; is a daemon already running?`);
      if (answer !== 'ECONNREFUSED') throw new ServiceError('control', `${p}: cannot check the existing socket (${answer})`);
      fs.rmSync(p, { force: true });
      this.rt.log.warn({ control: p }, 'replaced a stale control socket');
    }
    if (!fs.existsSync(path.dirname(p)))
      throw new ServiceError('control', `${p}: cannot listen (its folder does not exist)`);
    const server = net.createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(new ServiceError('control', `${p}: cannot listen (${err.code})`)));
      // The socket is created with the mode the umask leaves: make it 0600 from the start.
      const old = process.umask(0o177);
      try {
        server.listen(p, () => resolve());
      } finally {
        process.umask(old);
      }
    });
    fs.chmodSync(p, 0o600);
    this.ino = fs.statSync(p).ino;
    // Ref'd: a daemon serves its control socket even when its packages hold no
    // handle (an HLR that is only durable state).
    this.server = server;
    this.rt.log.info({ control: p }, 'control socket listening');
  }

  /** Closes the server and removes the socket file if it is still ours. */
  close(): void {
    for (const s of this.sockets) s.destroy();
    this.server?.close();
    this.server = undefined;
    try {
      if (this.ino !== undefined && fs.statSync(this.path).ino === this.ino) fs.rmSync(this.path, { force: true });
    } catch {
      /* gone already */
    }
  }

  private accept(sock: net.Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => undefined);
    let buf = '';
    let queue = Promise.resolve();
    sock.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      if (buf.length > MAX_REQUEST_BYTES) {
        this.send(sock, { id: null, ok: false, error: { code: 'too-large', message: `request over ${MAX_REQUEST_BYTES} bytes` } });
        sock.end();
        buf = '';
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        queue = queue.then(() => this.handleLine(sock, line));
      }
    });
  }

  private send(sock: net.Socket, msg: unknown): void {
    if (!sock.destroyed) sock.write(JSON.stringify(msg) + '\n');
  }

  private async handleLine(sock: net.Socket, line: string): Promise<void> {
    let req: Request;
    try {
      req = JSON.parse(line) as Request;
      if (typeof req !== 'object' || req === null || typeof req.cmd !== 'string') throw new Error('no cmd');
    } catch {
      return this.send(sock, { id: null, ok: false, error: { code: 'bad-request', message: 'a request is one JSON object per line with a "cmd"' } });
    }
    const id = req.id ?? null;
    try {
      const result = await this.handle(req.cmd, req.args ?? {});
      this.send(sock, { id, ok: true, result });
      if (req.cmd === 'stop') {
        sock.end();
        setImmediate(() => void this.rt.stop('remote stop'));
      }
    } catch (err) {
      const e = err as Error & { code?: string };
      const code = err instanceof SnaptelError ? err.code : 'failed';
      this.rt.log.warn({ cmd: req.cmd, code, err: e.message }, 'control command failed');
      this.send(sock, { id, ok: false, error: { code, message: e?.message ?? String(err) } });
    }
  }

  private async handle(cmd: string, args: Record<string, unknown>): Promise<unknown> {
    const rt = this.rt;
    switch (cmd) {
      case 'ping':
        return { pong: true, pid: process.pid };
      case 'status':
        return this.status();
      case 'eval': {
        if (!this.info.options.allowEval)
          throw new ServiceError('eval-refused', 'eval is off: start the daemon with --allow-eval to allow running code inside the image');
        if (typeof args.code !== 'string') throw new ServiceError('bad-request', 'eval needs "code"');
        const timeoutMs = typeof args.timeoutMs === 'number' && args.timeoutMs > 0 ? Math.min(args.timeoutMs, 600_000) : DEFAULT_EVAL_TIMEOUT_MS;
        rt.log.info({ code: args.code.length > 200 ? args.code.slice(0, 200) + '…' : args.code }, 'remote eval');
        return evaluate(rt, args.code, timeoutMs);
      }
      case 'snapshot': {
        if (!this.info.snapshots) throw new ServiceError('no-image', 'this process was not resumed from an image file; nothing to snapshot');
        if (rt.phase !== 'running') throw new ServiceError('not-running', `cannot snapshot while ${rt.phase}`);
        return this.info.snapshots.take('remote', typeof args.out === 'string' ? args.out : undefined);
      }
      case 'log-level': {
        const previous = rt.hub.level;
        if (typeof args.level === 'string') {
          try {
            rt.hub.setLevel(args.level);
          } catch (err) {
            throw new ServiceError('bad-request', (err as Error).message);
          }
          rt.log.info({ newLevel: args.level, previous }, 'log level changed');
        }
        return { level: rt.hub.level, previous };
      }
      case 'clock': {
        // The virtual clock (SNAPTEL_VIRTUAL_CLOCK): read it, or move it on with {to} or {by} (ms).
        if (clock.virtual === undefined) throw new ServiceError('bad-request', 'the clock is not virtual: resume the image with SNAPTEL_VIRTUAL_CLOCK=now to drive its timers from here');
        const to = typeof args.to === 'number' ? args.to : typeof args.by === 'number' ? clock.virtual + args.by : undefined;
        if (to === undefined) return { now: clock.virtual, fired: 0, pending: virtualPending() };
        if (!(to >= clock.virtual)) throw new ServiceError('bad-request', `the virtual clock only goes forward (now ${clock.virtual}, asked ${to})`);
        const r = await advanceClock(to);
        return { ...r, pending: virtualPending() };
      }
      case 'stop':
        if (rt.phase === 'stopping') throw new ServiceError('not-running', 'already stopping');
        return { stopping: true, pid: process.pid, checkpoint: this.info.options.checkpointOnStop };
      default:
        throw new ServiceError('unknown-command', `unknown command '${cmd}' (status, eval, snapshot, log-level, clock, stop, ping)`);
    }
  }

  status(): Record<string, unknown> {
    const rt = this.rt;
    const o = this.info.options;
    const mem = process.memoryUsage();
    const now = Date.now();
    const resources = rt.inspect();
    const timers = resources
      .filter((r) => r.kind === 'timer' && typeof r.deadlineMs === 'number' && r.state !== 'closed')
      .sort((a, b) => (a.deadlineMs as number) - (b.deadlineMs as number));
    return {
      pid: process.pid,
      node: process.version,
      phase: rt.phase,
      mode: rt.mode,
      image: { path: rt.imagePath ?? null, buildId: rt.buildId ?? null, generation: rt.generation },
      packages: rt.packages.map((p) => ({ name: p.name, version: p.version, durable: Boolean(p.exportState) })),
      startedAt: rt.startedAt?.toISOString() ?? null,
      resumedAt: rt.resumedAt?.toISOString() ?? null,
      uptimeMs: rt.resumedAt ? now - rt.resumedAt.getTime() : Math.round(process.uptime() * 1000),
      resources,
      nextTimers: timers.slice(0, 10).map((t) => ({ name: `${t.owner}.${t.name}`, deadline: t.deadline, inMs: (t.deadlineMs as number) - now })),
      log: { file: rt.hub.file ?? null, level: rt.hub.level },
      control: this.path,
      pidfile: o.pidfile ?? null,
      evalAllowed: o.allowEval,
      checkpoint: {
        everyMs: o.checkpointEveryMs ?? null,
        onStop: o.checkpointOnStop,
        running: this.info.snapshots?.running ?? false,
        taken: this.info.snapshots?.count ?? 0,
        last: this.info.snapshots?.last ?? null,
      },
      watchdogMs: this.info.watchdogMs ?? null,
      memory: { rss: mem.rss, heapUsed: mem.heapUsed },
    };
  }
}

/** Package names as JavaScript identifiers: `bsc-sim` is `bscSim`. */
export function scopeName(pkg: string): string {
  return pkg.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export interface EvalResult {
  /** util.inspect of the value, as a REPL shows it. */
  text: string;
  /** The value as JSON when it has a JSON form (else null). */
  json: unknown;
  type: string;
  /** What the code printed with console.log & co. */
  output: string[];
  ms: number;
}

/**
 * Runs code inside the running image, in a fresh context whose globals are
 * the packages (what each start() returned, else its definition) by name,
 * `packages` (all of them), `log` and a `console` that prints into the reply.
 *
 * Containment: the code runs with a time limit (vm timeout), and its promise
 * jobs run in the context's own microtask queue, which is drained under the
 * same limit, so `while (true) {}` and an endless chain of awaits are both
 * cut off with an error while the daemon keeps serving. A thrown error is an
 * error reply, never an exit.
 */
export async function evaluate(rt: Runtime, code: string, timeoutMs: number): Promise<EvalResult> {
  const t0 = Date.now();
  const output: string[] = [];
  const print = (...a: unknown[]) => void output.push(a.map((x) => (typeof x === 'string' ? x : util.inspect(x, { depth: 3 }))).join(' '));
  const packages: Record<string, unknown> = {};
  for (const p of rt.packages) packages[p.name] = rt.instances.has(p.name) ? rt.instances.get(p.name) : p;
  const sandbox: Record<string, unknown> = {
    packages,
    log: rt.log.child({ pkg: 'eval' }),
    console: { log: print, info: print, warn: print, error: print, debug: print, dir: print },
    inspect: util.inspect,
    Buffer,
    status: () => rt.inspect(),
  };
  for (const [name, v] of Object.entries(packages)) sandbox[scopeName(name)] = v;
  const ctx = vm.createContext(sandbox, { name: 'snaptel eval', microtaskMode: 'afterEvaluate' });

  const isAsync = /\bawait\b/.test(code);
  let script: vm.Script;
  try {
    if (!isAsync) script = new vm.Script(code, { filename: 'eval' });
    else {
      try {
        script = new vm.Script(`(async () => (${code}\n))()`, { filename: 'eval' });
      } catch {
        script = new vm.Script(`(async () => {${code}\n})()`, { filename: 'eval' });
      }
    }
  } catch (err) {
    throw new ServiceError('eval-error', `SyntaxError: ${(err as Error).message}`);
  }
  const left = () => timeoutMs - (Date.now() - t0);
  const DRAIN_MARGIN_MS = Math.min(25, timeoutMs / 4);
  const fail = (err: unknown): never => {
    const e = err as Error & { code?: string };
    if (e?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
      throw new ServiceError('eval-timeout', `stopped after ${timeoutMs} ms (runaway code); the daemon is still serving`);
    throw new ServiceError('eval-error', e instanceof Error || (e && typeof e === 'object' && 'message' in e) ? `${e.name ?? 'Error'}: ${e.message}` : `thrown: ${util.inspect(err)}`);
  };
  let value: unknown;
  try {
    value = script.runInContext(ctx, { timeout: timeoutMs, breakOnSigint: false });
  } catch (err) {
    fail(err);
  }
  if (value && typeof (value as { then?: unknown }).then === 'function') {
    let settled = false;
    let result: unknown;
    let error: unknown;
    let rejected = false;
    (value as Promise<unknown>).then(
      (v) => {
        settled = true;
        result = v;
      },
      (e) => {
        settled = true;
        rejected = true;
        error = e;
      },
    );
    const drain = new vm.Script('undefined');
    for (;;) {
      // The last few ms are not handed to a drain: a drain cut off by the vm's watchdog
      // (slow on a loaded machine) would read as runaway code when nothing ran at all.
      if (left() <= DRAIN_MARGIN_MS) throw new ServiceError('eval-timeout', `the promise did not settle within ${timeoutMs} ms; the daemon is still serving`);
      try {
        drain.runInContext(ctx, { timeout: Math.max(1, left()) });
      } catch (err) {
        fail(err);
      }
      if (settled) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    if (rejected) fail(error);
    value = result;
  }
  let json: unknown = null;
  try {
    const s = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    if (s !== undefined && s.length < 1 << 20) json = JSON.parse(s);
  } catch {
    json = null;
  }
  return {
    text: util.inspect(value, { depth: 4, breakLength: 100, maxArrayLength: 50 }),
    json,
    type: value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value,
    output,
    ms: Date.now() - t0,
  };
}
