import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { SnaptelError } from './errors';
import { openImage, type Manifest } from './image-file';
import { listFds, type FdInfo } from './proc';
import type { ResourceInfo } from './resources/resource';
import { carriedBy, isSctp, probeSctpServer, SctpPeerStub } from './verify-sctp';

/**
 * `snaptel verify`: resumes an image in a child process and checks from the
 * outside that it came back whole: every declared socket bound or connected
 * again (SCTP associations too, through sctp-js-stub), every timer re-armed with the time that remained (and, in a second
 * run with the clock shifted past every deadline, each overdue timer fired
 * exactly once, in deadline order), logs from the new pid to the configured
 * place, no file descriptor that nothing declared, and a clean SIGTERM.
 */

export interface Check {
  /** image, ready, process, log, socket, sctp, timer, fd, stop */
  area: string;
  /** The resource or thing checked, e.g. `demo.echo`. */
  subject: string;
  ok: boolean;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  image: string;
  checks: Check[];
  /** Resume to ready, as the child's ready line reports it (ms since its process start). */
  resumeMs: number | null;
}

export interface VerifyOptions {
  /** How long to wait for ready and for connections (default 15 s). */
  timeoutMs?: number;
  /** Launcher to run the image with (default: this package's bin/snaptel). */
  launcher?: string;
  env?: NodeJS.ProcessEnv;
}

interface LogLine {
  level?: string;
  time?: string;
  pid?: number;
  hostname?: string;
  pkg?: string;
  msg?: string;
  [k: string]: unknown;
}

const LAUNCHER = path.resolve(__dirname, '..', 'bin', 'snaptel');

class Child {
  readonly proc: ChildProcess;
  readonly lines: LogLine[] = [];
  stderr = '';
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private buf = '';
  private fileOffset = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(
    launcher: string,
    image: string,
    env: NodeJS.ProcessEnv,
    private readonly logFile: string | null,
  ) {
    if (logFile && fs.existsSync(logFile)) this.fileOffset = fs.statSync(logFile).size;
    this.proc = spawn(launcher, ['run', image], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (c: Buffer) => {
      if (!logFile) this.feed(c.toString());
    });
    this.proc.stderr!.on('data', (c: Buffer) => {
      this.stderr += c.toString();
      this.wake();
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = { code, signal };
      this.wake();
    });
  }

  private feed(text: string): void {
    this.buf += text;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      try {
        this.lines.push(JSON.parse(line) as LogLine);
      } catch {
        /* not a log line */
      }
    }
    this.wake();
  }

  /** Reads what the child appended to its log file since it started. */
  poll(): void {
    if (!this.logFile || !fs.existsSync(this.logFile)) return;
    const size = fs.statSync(this.logFile).size;
    if (size <= this.fileOffset) return;
    const fd = fs.openSync(this.logFile, 'r');
    const b = Buffer.alloc(size - this.fileOffset);
    fs.readSync(fd, b, 0, b.length, this.fileOffset);
    fs.closeSync(fd);
    this.fileOffset = size;
    this.feed(b.toString());
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `pred` holds, the child exits, or the time runs out. */
  async until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      this.poll();
      if (pred()) return true;
      if (this.exited || Date.now() >= end) return false;
      await new Promise<void>((r) => {
        const t = setTimeout(r, 25);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  find(pred: (l: LogLine) => boolean): LogLine | undefined {
    return this.lines.find(pred);
  }

  async stop(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    if (!this.exited) this.proc.kill('SIGTERM');
    await this.until(() => false, timeoutMs);
    if (!this.exited) {
      this.proc.kill('SIGKILL');
      await this.until(() => false, 2000);
      return undefined;
    }
    return this.exited;
  }
}

/** Plays the peer of a declared TCP client: listens where it connects to. */
class PeerStub {
  readonly accepted: Array<{ remotePort: number }> = [];
  private server: net.Server | undefined;
  hosting = false;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  async open(): Promise<void> {
    const server = net.createServer((s) => {
      this.accepted.push({ remotePort: s.remotePort ?? 0 });
      s.on('error', () => {});
      s.on('data', (d) => s.write(d)); // an echo, in case the client expects an answer
    });
    this.hosting = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ host: this.host, port: this.port }, () => resolve(true));
    });
    if (this.hosting) this.server = server;
  }

  close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    return new Promise((r) => (s ? s.close(() => r()) : r()));
  }
}

const isReady = (l: LogLine) => l.pkg === 'snaptel' && typeof l.msg === 'string' && l.msg.startsWith('ready');

export async function verify(file: string, o: VerifyOptions = {}): Promise<VerifyReport> {
  const checks: Check[] = [];
  const add = (area: string, subject: string, ok: boolean, detail: string) => checks.push({ area, subject, ok, detail });
  const timeoutMs = o.timeoutMs ?? 15_000;
  const launcher = o.launcher ?? LAUNCHER;
  let manifest: Manifest;
  try {
    manifest = openImage(file).manifest;
    add('image', file, true, 'trailer, size, Node version and sha256 are good');
  } catch (err) {
    add('image', file, false, err instanceof SnaptelError ? err.message : String(err));
    return { ok: false, image: file, checks, resumeMs: null };
  }
  const declared = manifest.resources;
  const logFile = manifest.log.file;
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, ...o.env, SNAPTEL_LOG_LEVEL: 'debug' };
  delete baseEnv.NOTIFY_SOCKET;
  delete baseEnv.SNAPTEL_CLOCK_SHIFT_MS;

  // Run 1: resume now.
  const peers = new Map<string, PeerStub>();
  const ownListener = (r: ResourceInfo) =>
    declared.some((l) => l.kind === 'tcp-server' && l.port === r.port && sameHost(String(l.host), String(r.host)));
  for (const r of declared.filter((r) => r.kind === 'tcp-client' && !ownListener(r))) {
    const key = `${r.host}:${r.port}`;
    if (!peers.has(key)) peers.set(key, new PeerStub(String(r.host), Number(r.port)));
  }
  for (const p of peers.values()) await p.open();
  const ownSctpListener = (r: ResourceInfo) =>
    declared.some((l) => l.kind === 'sctp-server' && l.port === r.port && sameHost(String(l.host), String(r.host)));
  const sctpPeers = new Map<number, SctpPeerStub>();
  for (const r of declared.filter((r) => r.kind === 'sctp-client' && !ownSctpListener(r))) sctpPeers.set(r.id, new SctpPeerStub(r));
  for (const p of sctpPeers.values()) await p.open();

  const child = new Child(launcher, file, baseEnv, logFile);
  let resumeMs: number | null = null;
  try {
    const gotReady = await child.until(() => Boolean(child.find(isReady)), timeoutMs);
    const ready = child.find(isReady);
    if (!gotReady || !ready) {
      const why = child.exited
        ? `the image exited (code ${child.exited.code}${child.exited.signal ? `, ${child.exited.signal}` : ''}): ${child.stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'}`
        : `no ready line within ${timeoutMs} ms`;
      add('ready', manifest.name, false, why);
      return finish();
    }
    resumeMs = typeof ready.uptimeMs === 'number' ? ready.uptimeMs : null;
    add('ready', manifest.name, true, `resumed and reported ready${resumeMs !== null ? ` ${resumeMs} ms after process start` : ''}`);
    const pid = child.proc.pid!;
    const readyAt = Date.parse(String(ready.time));
    const states = new Map<number, ResourceInfo>(((ready.resources as ResourceInfo[]) ?? []).map((r) => [r.id, r]));

    checkProcess(child, pid, manifest, add);
    checkLogFile(logFile, pid, child, add);
    await checkSockets(declared, states, peers, pid, timeoutMs, add);
    await checkSctp(declared, states, sctpPeers, child, timeoutMs, add);
    checkTimersRearmed(declared, states, readyAt, child, add);
    checkFds(pid, declared, logFile, add);

    const exit = await child.stop(10_000);
    const stopped = child.find((l) => l.pkg === 'snaptel' && l.msg === 'stopped');
    add(
      'stop',
      'SIGTERM',
      exit?.code === 0 && Boolean(stopped),
      exit === undefined
        ? 'did not exit within 10 s of SIGTERM'
        : `exited with ${exit.code ?? exit.signal}${stopped ? ', after logging "stopped"' : ', without logging "stopped"'}`,
    );
  } finally {
    if (!child.exited) await child.stop(5000);
    for (const p of peers.values()) await p.close();
    for (const p of sctpPeers.values()) await p.close();
  }

  // Run 2: resume as if every deadline had passed while the image was not running.
  const timers = declared.filter((r) => r.kind === 'timer');
  if (timers.length) await checkOverdue(launcher, file, baseEnv, logFile, timers, peers, timeoutMs, add);
  return finish();

  function finish(): VerifyReport {
    return { ok: checks.every((c) => c.ok), image: file, checks, resumeMs };
  }
}

type Add = (area: string, subject: string, ok: boolean, detail: string) => void;

function checkProcess(child: Child, pid: number, m: Manifest, add: Add): void {
  const stale = child.lines.filter((l) => l.pid !== pid);
  const builder = child.lines.filter((l) => l.pid === m.builder.pid);
  const host = os.hostname();
  const wrongHost = child.lines.filter((l) => l.hostname !== host);
  add(
    'process',
    'pid',
    stale.length === 0 && builder.length === 0,
    stale.length
      ? `${stale.length} log line(s) carry pid ${stale[0]!.pid}, not the resumed process's ${pid} (builder was ${m.builder.pid})`
      : `all ${child.lines.length} log lines carry the new pid ${pid} (the builder's was ${m.builder.pid})`,
  );
  add('process', 'hostname', wrongHost.length === 0, wrongHost.length ? `log lines carry hostname ${wrongHost[0]!.hostname}, this host is ${host}` : `log lines carry hostname ${host}`);
}

function checkLogFile(logFile: string | null, pid: number, child: Child, add: Add): void {
  if (!logFile) {
    add('log', 'stdout', child.lines.length > 0, `${child.lines.length} JSON log lines on stdout`);
    return;
  }
  const open = listFds(pid).some((f) => f.target === logFile);
  add(
    'log',
    logFile,
    open && child.lines.some(isReady),
    `${open ? 'open' : 'NOT open'} in the resumed process; ${child.lines.length} new lines, ${child.lines.some(isReady) ? 'ready line among them' : 'no ready line'}`,
  );
}

function connectOnce(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      resolve('timed out');
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.end();
      resolve(null);
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      resolve(e.code ?? e.message);
    });
  });
}

function udpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const t = setTimeout(() => {
      s.close();
      resolve(false);
    }, timeoutMs);
    s.once('message', () => {
      clearTimeout(t);
      s.close();
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(t);
      s.close();
      resolve(false);
    });
    s.send(Buffer.from('snaptel-verify probe\n'), port, host);
  });
}

const sameHost = (a: string, b: string) =>
  a === b || (a === '0.0.0.0' && !b.includes(':')) || (a === '::' && b.includes(':')) || (a === '::' && !b.includes(':'));

async function checkSockets(
  declared: ResourceInfo[],
  states: Map<number, ResourceInfo>,
  peers: Map<string, PeerStub>,
  pid: number,
  timeoutMs: number,
  add: Add,
): Promise<void> {
  const fds = () => listFds(pid).filter((f) => f.socket);
  for (const r of declared) {
    const subject = `${r.owner}.${r.name}`;
    const host = String(r.host);
    const port = Number(r.port);
    if (r.kind === 'tcp-server') {
      const err = await connectOnce(host, port, 2000);
      const mine = fds().some(
        (f) => f.socket!.proto.startsWith('tcp') && f.socket!.state === 'LISTEN' && f.socket!.local.port === port && sameHost(f.socket!.local.address, host),
      );
      add('socket', subject, err === null && mine, err ? `tcp ${host}:${port}: connect failed (${err}): not listening again` : mine ? `tcp ${host}:${port} accepts connections` : `tcp ${host}:${port} accepts, but the listener is not the resumed process's`);
    } else if (r.kind === 'udp') {
      const answered = await udpProbe(host, port, 500);
      const bound = fds().some((f) => f.socket!.proto.startsWith('udp') && f.socket!.local.port === port && sameHost(f.socket!.local.address, host));
      add('socket', subject, bound, bound ? `udp ${host}:${port} bound${answered ? ' and answers' : ' (no answer to a probe)'}` : `udp ${host}:${port} is not bound by the resumed process`);
    } else if (r.kind === 'tcp-client') {
      const peer = peers.get(`${host}:${port}`);
      const established = () =>
        fds().filter((f) => f.socket!.proto.startsWith('tcp') && f.socket!.state === 'ESTABLISHED' && f.socket!.remote.port === port);
      const end = Date.now() + Math.min(timeoutMs, 10_000);
      while (Date.now() < end && established().length === 0) await new Promise((res) => setTimeout(res, 50));
      const est = established();
      const st = states.get(r.id);
      if (peer?.hosting) {
        const matched = est.some((f) => peer.accepted.some((a) => a.remotePort === f.socket!.local.port));
        add('socket', subject, matched, matched ? `reconnected to ${host}:${port} (verify played the peer)` : `no connection to ${host}:${port} from the resumed process (state ${st?.state ?? 'missing'})`);
      } else {
        add('socket', subject, est.length > 0, est.length ? `reconnected to its peer ${host}:${port}` : `not connected to ${host}:${port} (state ${st?.state ?? 'missing'})`);
      }
    }
  }
}

/** Every declared SCTP association is up again: listeners take an association, clients make theirs. */
async function checkSctp(
  declared: ResourceInfo[],
  states: Map<number, ResourceInfo>,
  peers: Map<number, SctpPeerStub>,
  child: Child,
  timeoutMs: number,
  add: Add,
): Promise<void> {
  for (const r of declared.filter(isSctp)) {
    const subject = `${r.owner}.${r.name}`;
    const where = `${String(r.host)}:${Number(r.port)}`;
    const st = states.get(r.id);
    if (r.backend !== 'sctp') {
      // An in-process backend cannot be reached from outside: the runtime's own word is all there is.
      add('sctp', subject, st?.state === 'open', `${carriedBy(r)} (in-process): resource ${st?.state ?? 'missing'} after resume`);
      continue;
    }
    if (r.kind === 'sctp-server') {
      const err = await probeSctpServer(r, Math.min(timeoutMs, 5000));
      add('sctp', subject, err === null, err === null ? `${carriedBy(r)} ${where} takes an association (INIT, COOKIE handshake) again` : `${carriedBy(r)} ${where}: no association (${err})`);
      continue;
    }
    const up = () => child.find((l) => l.msg === 'sctp association up' && l.resource === subject);
    await child.until(() => Boolean(up()), Math.min(timeoutMs, 10_000));
    const peer = peers.get(r.id);
    const logged = Boolean(up());
    if (peer?.hosting)
      add('sctp', subject, logged && peer.associations > 0, logged && peer.associations > 0 ? `association to ${where} (${carriedBy(r)}) up again (verify played the peer)` : `no association to ${where} from the resumed process (${peer.associations} seen by verify; state ${st?.state ?? 'missing'})`);
    else add('sctp', subject, logged, logged ? `association to its peer ${where} (${carriedBy(r)}) up again` : `no association to ${where} after resume (state ${st?.state ?? 'missing'}${peer?.why ? `; verify could not play the peer: ${peer.why}` : ''})`);
  }
}

function checkTimersRearmed(declared: ResourceInfo[], states: Map<number, ResourceInfo>, readyAt: number, child: Child, add: Add): void {
  for (const r of declared.filter((d) => d.kind === 'timer')) {
    const subject = `${r.owner}.${r.name}`;
    const was = Number(r.deadlineMs);
    const now = states.get(r.id);
    const fellDue = child.lines.filter((l) => l.id === r.id && typeof l.msg === 'string' && l.msg.startsWith('timer fell due'));
    if (was <= readyAt) {
      // Fell due while the image was not running: must fire once.
      add('timer', subject, fellDue.length === 1, `due ${new Date(was).toISOString()}, before resume: fired ${fellDue.length} time(s) at resume (want 1)`);
      continue;
    }
    if (!now || now.state !== 'open') {
      add('timer', subject, false, `not re-armed after resume (state ${now?.state ?? 'gone'}); it was due ${new Date(was).toISOString()}`);
      continue;
    }
    const expectRemaining = was - readyAt;
    const rem = Number(now.remainingMs);
    const ok = Number(now.deadlineMs) === was && Math.abs(rem - expectRemaining) < 1000;
    add('timer', subject, ok, ok ? `re-armed, ${fmtMs(rem)} remaining, deadline ${new Date(was).toISOString()} kept` : `re-armed with deadline ${now.deadline} and ${fmtMs(rem)} remaining; expected deadline ${new Date(was).toISOString()} (${fmtMs(expectRemaining)})`);
  }
}

function fmtMs(ms: number): string {
  if (Math.abs(ms) < 10_000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 3_600_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 3_600_000).toFixed(2)} h`;
}

/** File descriptors that Node and libuv hold themselves, or that are fine anywhere. */
function isRuntimeFd(f: FdInfo): boolean {
  return (
    f.fd <= 2 ||
    /^anon_inode:(\[?(eventpoll|eventfd|timerfd|signalfd|io_uring)\]?|inotify)$/.test(f.target) ||
    /^pipe:\[\d+\]$/.test(f.target) ||
    f.target === '/dev/null' ||
    f.target === '/dev/urandom'
  );
}

function checkFds(pid: number, declared: ResourceInfo[], logFile: string | null, add: Add): void {
  const undeclared: string[] = [];
  const fds = listFds(pid);
  for (const f of fds) {
    if (isRuntimeFd(f)) continue;
    if (logFile && f.target === logFile) continue;
    if (f.socket) {
      const s = f.socket;
      const ok = declared.some((r) => {
        const port = Number(r.port);
        const host = String(r.host);
        if (r.kind === 'tcp-server') return s.proto.startsWith('tcp') && s.local.port === port; // listener or accepted
        if (r.kind === 'udp') return s.proto.startsWith('udp') && s.local.port === port && sameHost(s.local.address, host);
        if (r.kind === 'tcp-client') return s.proto.startsWith('tcp') && s.remote.port === port;
        // SCTP from user space: one raw IP socket for protocol 132, or the UDP encapsulation socket.
        if (isSctp(r) && r.backend === 'sctp' && r.transport !== 'udp') return s.proto.startsWith('raw') && s.local.port === 132;
        // (a client whose UDP port was taken falls back to another: any UDP socket will do for it)
        if (isSctp(r) && r.backend === 'sctp' && r.transport === 'udp') return s.proto.startsWith('udp') && (r.kind === 'sctp-client' || r.udpPort === undefined || s.local.port === Number(r.udpPort));
        return false;
      });
      if (ok) continue;
      undeclared.push(`fd ${f.fd}: ${s.proto} ${s.local.address}:${s.local.port} -> ${s.remote.address}:${s.remote.port} ${s.state}`);
      continue;
    }
    undeclared.push(`fd ${f.fd}: ${f.target}`);
  }
  add('fd', 'descriptors', undeclared.length === 0, undeclared.length ? `holds descriptors nothing declared: ${undeclared.join('; ')}` : `${fds.length} descriptors, all declared or Node's own`);
}

async function checkOverdue(
  launcher: string,
  file: string,
  env: NodeJS.ProcessEnv,
  logFile: string | null,
  timers: ResourceInfo[],
  peers: Map<string, PeerStub>,
  timeoutMs: number,
  add: Add,
): Promise<void> {
  const latest = Math.max(...timers.map((t) => Number(t.deadlineMs)));
  const shift = Math.max(0, latest - Date.now()) + 5_000;
  for (const p of peers.values()) await p.open();
  const child = new Child(launcher, file, { ...env, SNAPTEL_CLOCK_SHIFT_MS: String(shift) }, logFile);
  try {
    if (!(await child.until(() => Boolean(child.find(isReady)), timeoutMs))) {
      add('timer', 'overdue run', false, `resumed with the clock ${fmtMs(shift)} ahead, the image did not report ready`);
      return;
    }
    // Give the overdue timers (fired from one setImmediate) and any repeats time to show.
    await child.until(() => false, 600);
    const fires = child.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('timer fell due'));
    for (const t of timers) {
      const mine = fires.filter((l) => l.id === t.id);
      add('timer', `${t.owner}.${t.name}`, mine.length === 1, `resumed ${fmtMs(shift)} later: overdue, fired ${mine.length} time(s) (want exactly 1)`);
    }
    const order = fires.map((l) => Number(l.id));
    const want = [...timers].filter((t) => order.includes(t.id)).sort((a, b) => Number(a.deadlineMs) - Number(b.deadlineMs) || a.id - b.id).map((t) => t.id);
    const inOrder = JSON.stringify(order) === JSON.stringify(want);
    add('timer', 'overdue order', inOrder, inOrder ? `overdue timers fired in deadline order (${want.length})` : `fired in order ${order.join(',')}, deadline order is ${want.join(',')}`);
  } finally {
    await child.stop(10_000);
    for (const p of peers.values()) await p.close();
  }
}

export function formatReport(r: VerifyReport): string {
  const w = Math.max(...r.checks.map((c) => c.subject.length), 8);
  let s = `verify ${r.image}\n`;
  for (const c of r.checks) s += `  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.area.padEnd(8)} ${c.subject.padEnd(w)}  ${c.detail}\n`;
  const failed = r.checks.filter((c) => !c.ok).length;
  s += failed ? `${failed} of ${r.checks.length} checks failed\n` : `all ${r.checks.length} checks passed\n`;
  return s;
}
