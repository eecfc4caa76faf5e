import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ServiceError } from './errors';
import { ControlServer } from './control';
import { writeFileAtomic } from './image-file';
import { cleanStaleWork, LiveSnapshots } from './live';
import type { Runtime } from './runtime';

/**
 * The service layer of a resumed image: what `snaptel run IMAGE [options]`
 * adds around the packages. None of it is in the image: it is created after
 * resume, from the command line.
 */
export interface RunOptions {
  daemon: boolean;
  pidfile?: string;
  control?: string;
  log?: string;
  allowEval: boolean;
  /** Periodic live snapshot into the image file, in ms. */
  checkpointEveryMs?: number;
  /** Live snapshot into the image file on SIGTERM / remote stop. */
  checkpointOnStop: boolean;
  /** Arguments left for the packages (process.argv after these options). */
  rest: string[];
}

export const RUN_USAGE = `snaptel run <image> [options] [--] [args for the packages...]
  --daemon                  detach; return once the image is ready (exit 1 if it is not)
  --pidfile <file>          write the pid there and hold a lock: a second daemon is refused
  --control <socket>        serve 'snaptel remote' on this UNIX socket (mode 0600)
  --log <file>              log there (appending; SIGHUP re-opens it, for logrotate)
  --allow-eval              let 'snaptel remote eval' run code inside the image
  --checkpoint-every <dur>  live snapshot into the image file every <dur> (30s, 5m, 1h)
                            and on stop
  --checkpoint-on-stop      live snapshot into the image file on SIGTERM / remote stop`;

/** `250ms`, `30s`, `5m`, `2h`, `1d`, or plain milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new ServiceError('usage', `'${s}' is not a duration (like 30s, 5m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  const ms = Number(m[1]) * unit;
  if (!(ms >= 1000) || ms > 2 ** 31 - 1) throw new ServiceError('usage', `duration '${s}' must be between 1s and 24 days`);
  return Math.round(ms);
}

/**
 * Leading snaptel options, up to `--` or the first argument that is not one.
 * Later arguments are the packages' (process.argv).
 */
export function parseRunOptions(args: string[], cwd = process.cwd()): RunOptions {
  const o: RunOptions = { daemon: false, allowEval: false, checkpointOnStop: false, rest: [] };
  let i = 0;
  const value = (name: string): string => {
    const v = args[++i];
    if (v === undefined || v === '') throw new ServiceError('usage', `${name} needs a value\n${RUN_USAGE}`);
    return v;
  };
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = (name: string) => inline ?? value(name);
    if (flag === '--daemon') o.daemon = true;
    else if (flag === '--pidfile') o.pidfile = path.resolve(cwd, val(flag));
    else if (flag === '--control') o.control = path.resolve(cwd, val(flag));
    else if (flag === '--log') o.log = path.resolve(cwd, val(flag));
    else if (flag === '--allow-eval') o.allowEval = true;
    else if (flag === '--checkpoint-every') {
      o.checkpointEveryMs = parseDuration(val(flag));
      o.checkpointOnStop = true;
    } else if (flag === '--checkpoint-on-stop') o.checkpointOnStop = true;
    else break;
  }
  o.rest = args.slice(i);
  return o;
}

/**
 * The lock behind a pidfile. Node has no flock(2); a UNIX socket bound in the
 * abstract namespace is just as good a lock: the kernel holds it for the
 * process and drops it when the process dies, however it dies (kill -9, OOM).
 * Its name is derived from the pidfile's real path, so two daemons given the
 * same pidfile (by any spelling) meet there.
 */
export async function lockPidfile(pidfile: string): Promise<net.Server> {
  const dir = fs.realpathSync(path.dirname(pidfile));
  const name = '\0snaptel-pidfile-' + crypto.createHash('sha256').update(path.join(dir, path.basename(pidfile))).digest('hex').slice(0, 40);
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') return reject(new ServiceError('pidfile', `${pidfile}: cannot take the lock (${err.code})`));
      let holder = '';
      try {
        const pid = Number(fs.readFileSync(pidfile, 'utf8').trim());
        if (pid > 0) holder = ` (pid ${pid})`;
      } catch {
        /* pidfile not written yet */
      }
      reject(new ServiceError('already-running', `${pidfile}: another snaptel daemon is running with this pidfile${holder}; stop it first`));
    });
    server.listen(name, () => resolve());
  });
  server.unref();
  writeFileAtomic(pidfile, [Buffer.from(`${process.pid}\n`)]);
  return server;
}

/** Removes the pidfile if it still names this process. */
function releasePidfile(pidfile: string): void {
  try {
    if (fs.readFileSync(pidfile, 'utf8').trim() === String(process.pid)) fs.rmSync(pidfile, { force: true });
  } catch {
    /* already gone */
  }
}

/**
 * `--daemon`: start the same image again, detached in its own session, and
 * wait until it says it is ready (or why it is not) on a pipe. The parent
 * never resumes the packages; it exits 0 once the daemon serves.
 */
function detach(o: RunOptions, args: string[]): void {
  const childArgs = [...process.execArgv, '--', ...args.filter((a, i) => !(a === '--daemon' && i < args.length - o.rest.length))];
  let out: number | 'ignore' = 'ignore';
  if (o.log) {
    try {
      fs.mkdirSync(path.dirname(o.log), { recursive: true });
      out = fs.openSync(o.log, 'a', 0o640);
    } catch (err) {
      process.stderr.write(`snaptel: ${o.log}: cannot open log file (${(err as NodeJS.ErrnoException).code})\n`);
      process.exit(1);
    }
  }
  const child = spawn(process.execPath, childArgs, {
    detached: true,
    stdio: ['ignore', out, out, 'pipe'],
    env: { ...process.env, SNAPTEL_DAEMON_FD: '3' },
  });
  let said = '';
  const pipe = child.stdio[3] as NodeJS.ReadableStream;
  const timer = setTimeout(() => {
    process.stderr.write(`snaptel: the daemon (pid ${child.pid}) did not report ready within 60 s; it is left running\n`);
    process.exit(1);
  }, 60_000);
  pipe.on('data', (c: Buffer) => {
    said += c.toString();
    const line = said.split('\n')[0]!;
    if (said.includes('\n') && line.startsWith('ready')) {
      clearTimeout(timer);
      process.stdout.write(`snaptel: daemon running as pid ${child.pid}${o.control ? `, control ${o.control}` : ''}${o.log ? `, log ${o.log}` : ''}\n`);
      child.unref();
      (pipe as unknown as { destroy(): void }).destroy();
      process.exit(0);
    }
  });
  child.on('exit', (code, signal) => {
    clearTimeout(timer);
    const why = said.replace(/^error /, '').trim() || `it exited (${signal ?? `code ${code}`}) before it was ready${o.log ? `; see ${o.log}` : ''}`;
    process.stderr.write(`snaptel: daemon failed to start: ${why}\n`);
    process.exit(1);
  });
}

/** Tells a waiting `--daemon` parent how the start went (fd 3), once. */
class ReadyPipe {
  private fd: number | undefined;
  constructor() {
    const n = Number(process.env.SNAPTEL_DAEMON_FD);
    delete process.env.SNAPTEL_DAEMON_FD;
    if (Number.isInteger(n) && n > 2) this.fd = n;
  }
  say(line: string): void {
    if (this.fd === undefined) return;
    try {
      fs.writeSync(this.fd, line.replace(/\n/g, ' ') + '\n');
      fs.closeSync(this.fd);
    } catch {
      /* the parent is gone: nobody to tell */
    }
    this.fd = undefined;
  }
}

/** Everything the control socket's status shows about the service layer. */
export interface ServiceInfo {
  options: RunOptions;
  image: string | undefined;
  snapshots: LiveSnapshots | undefined;
  watchdogMs: number | undefined;
}

/** Entry after resume: options, daemon, pidfile, log, control socket, checkpoints, then the packages. */
export function serve(rt: Runtime, args: string[]): void {
  let o: RunOptions;
  try {
    o = parseRunOptions(args);
  } catch (err) {
    process.stderr.write(`snaptel: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (o.daemon && !process.env.SNAPTEL_DAEMON_FD) return detach(o, args);
  process.argv = [process.argv[0]!, ...o.rest];
  const ready = new ReadyPipe();
  const die = async (msg: string, code: number): Promise<never> => {
    process.stderr.write(`snaptel: ${msg}\n`);
    ready.say(`error ${msg}`);
    service.afterStop();
    // The log file may still be opening: wait (bounded) so that nothing logged so far is lost.
    await rt.hub.drain();
    rt.hub.flush();
    process.exit(code);
  };
  process.on('uncaughtException', (err) => {
    rt.log.fatal({ err }, 'uncaught exception; exiting');
    void die(`uncaught exception: ${err?.message}`, 70);
  });
  process.on('unhandledRejection', (err) => {
    rt.log.fatal({ err }, 'unhandled promise rejection; exiting');
    if (process.env.SNAPTEL_DEBUG) process.stderr.write(String((err as Error)?.stack) + "\n");
    void die(`unhandled rejection: ${(err as Error)?.message ?? err}`, 70);
  });

  const image = process.env.SNAPTEL_IMAGE;
  const snapshots = image ? new LiveSnapshots(rt, image) : undefined;
  const info: ServiceInfo = { options: o, image, snapshots, watchdogMs: undefined };
  let lock: net.Server | undefined;
  let control: ControlServer | undefined;
  let checkpointTimer: NodeJS.Timeout | undefined;
  const service = {
    async beforeStop(reason: string): Promise<void> {
      if (checkpointTimer) clearInterval(checkpointTimer);
      if (o.checkpointOnStop && snapshots) await snapshots.take(`stop (${reason})`).catch(() => undefined);
    },
    afterStop(): void {
      snapshots?.abort();
      control?.close();
      if (lock && o.pidfile) releasePidfile(o.pidfile);
      lock?.close();
    },
  };
  rt.service = service;

  void (async () => {
    if (o.log) rt.hub.config.file = o.log;
    // Log from the first line on to the right place, with this process's pid.
    rt.hub.open('run');
    if (o.pidfile) {
      try {
        lock = await lockPidfile(o.pidfile);
      } catch (err) {
        return die((err as Error).message, 1);
      }
    }
    if ((o.checkpointOnStop || o.checkpointEveryMs) && !snapshots) return die('checkpoints need the image path (run the image with snaptel run)', 2);
    if (image) for (const n of cleanStaleWork(image)) rt.log.warn({ removed: n }, 'removed the work folder of a snapshot that did not finish');
    if (o.control) {
      control = new ControlServer(rt, o.control, info);
      try {
        await control.listen();
      } catch (err) {
        control = undefined;
        return die((err as Error).message, 1);
      }
    }
    try {
      await rt.resume(image);
    } catch (err) {
      return die(`resume failed: ${(err as Error)?.message ?? err}`, 1);
    }
    if (o.checkpointEveryMs && snapshots && !rt.packages.some((p) => p.exportState)) {
      rt.log.warn('no package declares durable state (exportState): periodic checkpoints would only rebuild the deployed image; not scheduling them');
      o.checkpointEveryMs = undefined;
    }
    if (o.checkpointEveryMs && snapshots) {
      checkpointTimer = setInterval(() => {
        if (!snapshots.running && rt.phase === 'running') void snapshots.take('checkpoint').catch(() => undefined);
      }, o.checkpointEveryMs);
      checkpointTimer.unref();
    }
    info.watchdogMs = startWatchdog(rt);
    ready.say(`ready ${process.pid}`);
  })();
}

/**
 * systemd's watchdog (WatchdogSec= in the unit): WATCHDOG=1 at half the
 * interval, from the event loop, so a loop that stalls stops feeding it and
 * systemd restarts the service from its newest image.
 */
function startWatchdog(rt: Runtime): number | undefined {
  const usec = Number(process.env.WATCHDOG_USEC);
  const forPid = process.env.WATCHDOG_PID;
  if (!process.env.NOTIFY_SOCKET || !(usec > 0) || (forPid && Number(forPid) !== process.pid)) return undefined;
  const every = Math.max(50, Math.floor(usec / 2000));
  const t = setInterval(() => rt.notifySystemd('WATCHDOG=1'), every);
  t.unref();
  rt.log.info({ everyMs: every }, 'feeding the systemd watchdog');
  return every;
}
