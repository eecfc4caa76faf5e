import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from '../packages/image/src/remote';
import { openImage } from '../packages/image/src/image-file';
import { listFds } from '../packages/image/src/proc';
import { deployImage, freePorts, Running, sleep, snaptel, tcpExchange, tmpDir, type LogLine } from './helpers';

/** Daemons started by a test; killed (group and all) after it, whatever happened. */
const started = new Set<number>();
afterEach(() => {
  for (const pid of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  started.clear();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (alive(pid) && Date.now() < end) await sleep(20);
  return !alive(pid);
}

interface Box {
  dir: string;
  img: string;
  pidfile: string;
  control: string;
  log: string;
  port: number;
}

async function box(tag: string, recipe: Record<string, unknown> = {}, pkg = 'demo'): Promise<Box> {
  const dir = tmpDir(tag);
  const [port] = await freePorts(1);
  const packages = { demo: { tcpPort: port, udpPort: port, heartbeatMs: 1000 }, ...(recipe.packages as object) };
  let img: string;
  if (recipe.package) {
    // Several root packages: the recipe names them, deploy takes them from there.
    const file = path.join(dir, `${pkg}.json`);
    fs.writeFileSync(file, JSON.stringify({ ...recipe, packages }, null, 2));
    img = path.join(dir, `${pkg}.img`);
    const r = snaptel(['deploy', '--config', file, '--out', img, '-q']);
    if (r.status !== 0) throw new Error(`deploy failed: ${r.stderr}`);
  } else img = deployImage(dir, pkg, { ...recipe, packages });
  return { dir, img, pidfile: path.join(dir, 'snaptel.pid'), control: path.join(dir, 'control.sock'), log: path.join(dir, 'daemon.log'), port: port! };
}

/** `snaptel run IMG --daemon ...`: returns once the daemon is ready (or failed), with its pid. */
function daemon(b: Box, extra: string[] = [], env: NodeJS.ProcessEnv = {}): { status: number | null; pid: number; stdout: string; stderr: string } {
  const r = snaptel(['run', b.img, '--daemon', '--pidfile', b.pidfile, '--control', b.control, '--log', b.log, ...extra], env, 60_000);
  const m = /pid (\d+)/.exec(r.stdout);
  const pid = m ? Number(m[1]) : -1;
  if (pid > 0) started.add(pid);
  return { status: r.status, pid, stdout: r.stdout, stderr: r.stderr };
}

function remote(b: Box, ...args: string[]) {
  return snaptel(['remote', '--control', b.control, ...args], {}, 120_000);
}

function remoteJson(b: Box, ...args: string[]): any {
  const r = remote(b, '--json', ...args);
  if (r.status !== 0) throw new Error(`remote ${args.join(' ')} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout);
}

function logLines(file: string): LogLine[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

async function logLine(file: string, pred: (l: LogLine) => boolean, what: string, ms = 15_000): Promise<LogLine> {
  const end = Date.now() + ms;
  for (;;) {
    const l = fs.existsSync(file) ? logLines(file).find(pred) : undefined;
    if (l) return l;
    if (Date.now() > end) throw new Error(`no log line in ${file}: ${what}\n${fs.existsSync(file) ? fs.readFileSync(file, 'utf8').slice(-3000) : '(no file)'}`);
    await sleep(25);
  }
}

describe('snaptel run --daemon', () => {
  it('detaches once ready, holds its pidfile, serves a 0600 control socket, logs to --log; status, log-level and stop over the socket', async () => {
    const b = await box('daemon-basic');
    const d = daemon(b);
    expect(d.status, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/daemon running as pid \d+, control .*control\.sock, log .*daemon\.log/);
    expect(alive(d.pid)).toBe(true);
    // Detached: its own session, not a child of the launcher (which has exited).
    const stat = fs.readFileSync(`/proc/${d.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    expect(Number(stat[3])).toBe(d.pid); // session id
    expect(fs.readFileSync(b.pidfile, 'utf8').trim()).toBe(String(d.pid));
    const st = fs.statSync(b.control);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(await tcpExchange(b.port, 'hello\n')).toBe('hello\n');

    const ready = await logLine(b.log, (l) => l.msg.startsWith('ready'), 'ready');
    expect(ready.pid).toBe(d.pid);

    const s = remoteJson(b, 'status');
    expect(s.pid).toBe(d.pid);
    expect(s.phase).toBe('running');
    expect(s.packages.map((p: any) => p.name)).toEqual(['demo']);
    expect(s.image.path).toBe(b.img);
    expect(s.uptimeMs).toBeGreaterThanOrEqual(0);
    const echo = s.resources.find((r: any) => r.name === 'echo');
    expect(echo.bound).toBe(`127.0.0.1:${b.port}`);
    const report = s.nextTimers.find((t: any) => t.name === 'demo.report');
    expect(Date.parse(report.deadline)).toBeGreaterThan(Date.now() + 3_500_000);
    expect(s.log).toEqual({ file: b.log, level: 'info' });

    const text = remote(b, 'status');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`demo\\.echo .*listening 127\\.0\\.0\\.1:${b.port}`));
    expect(text.stdout).toMatch(/demo\.report .*once, due \d{4}-/);

    expect(remote(b, 'log-level', 'debug').stdout.trim()).toBe('info -> debug');
    expect(remoteJson(b, 'status').log.level).toBe('debug');
    await logLine(b.log, (l) => l.level === 'debug' && l.pid === d.pid, 'a debug line after log-level debug');
    const bad = remote(b, 'log-level', 'loud');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/'loud' is not a log level/);

    // logrotate: move the file away, SIGHUP, and the next lines go to a new file at --log.
    const rotated = b.log + '.1';
    fs.renameSync(b.log, rotated);
    process.kill(d.pid, 'SIGHUP');
    const reopened = await logLine(b.log, (l) => l.msg === 'log file re-opened (SIGHUP)', 'the re-open line in the new file');
    expect(reopened.pid).toBe(d.pid);
    expect(logLines(rotated).some((l) => l.msg.startsWith('ready'))).toBe(true);

    const stop = remote(b, 'stop');
    expect(stop.status, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(new RegExp(`stopped pid ${d.pid}`));
    expect(await gone(d.pid)).toBe(true);
    expect(fs.existsSync(b.pidfile)).toBe(false);
    expect(fs.existsSync(b.control)).toBe(false);
    expect(logLines(b.log).some((l) => l.msg === 'stopped' && l.pid === d.pid)).toBe(true);
  });

  it('refuses a second daemon on the same pidfile (however it is spelled), and takes over a stale pidfile and socket after kill -9', async () => {
    const b = await box('daemon-twice');
    const first = daemon(b);
    expect(first.status, first.stderr).toBe(0);
    const second = daemon(b);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`another snaptel daemon is running with this pidfile \\(pid ${first.pid}\\)`));
    // Same file through another path: the lock is on the real path.
    const link = path.join(b.dir, 'link');
    fs.symlinkSync(b.dir, link);
    const third = daemon({ ...b, pidfile: path.join(link, 'snaptel.pid'), control: path.join(b.dir, 'other.sock') });
    expect(third.status).toBe(1);
    expect(third.stderr).toMatch(/another snaptel daemon is running/);
    expect(alive(first.pid)).toBe(true);
    expect(remoteJson(b, 'status').pid).toBe(first.pid);

    // A daemon that dies hard leaves its pidfile and socket file behind: the next one takes over.
    process.kill(first.pid, 'SIGKILL');
    expect(await gone(first.pid)).toBe(true);
    expect(fs.existsSync(b.pidfile)).toBe(true);
    expect(fs.statSync(b.control).isSocket()).toBe(true);
    const next = daemon(b);
    expect(next.status, next.stderr).toBe(0);
    expect(fs.readFileSync(b.pidfile, 'utf8').trim()).toBe(String(next.pid));
    expect(remoteJson(b, 'status').pid).toBe(next.pid);
    expect(logLines(b.log).some((l) => l.pid === next.pid && l.msg === 'replaced a stale control socket')).toBe(true);

    // A control path that is a regular file is never replaced.
    remote(b, 'stop');
    expect(await gone(next.pid)).toBe(true);
    fs.writeFileSync(b.control, 'precious');
    const refused = daemon(b);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/exists and is not a socket; not replacing it/);
    expect(fs.readFileSync(b.control, 'utf8')).toBe('precious');
  });

  it('keeps its control socket from other users (mode 0600, checked with a second uid)', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test switches to uid 65534 and needs to run as root');
    const b = await box('daemon-perm');
    fs.chmodSync(b.dir, 0o755); // the folder lets anyone in: only the socket's mode protects it
    const d = daemon(b);
    expect(d.status, d.stderr).toBe(0);
    // A world-writable socket in the same folder, to show the other uid can reach sockets here at all.
    const open = path.join(b.dir, 'open.sock');
    const srv = net.createServer((s) => s.end());
    await new Promise<void>((r) => srv.listen(open, () => r()));
    fs.chmodSync(open, 0o666);
    const probe = (sock: string) =>
      spawnSync(
        process.execPath,
        ['-e', `require('net').connect(${JSON.stringify(sock)}).on('connect',()=>{console.log('CONNECTED');process.exit(0)}).on('error',(e)=>{console.log(e.code);process.exit(0)})`],
        { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 10_000 },
      ).stdout.trim();
    expect(probe(open)).toBe('CONNECTED');
    expect(probe(b.control)).toBe('EACCES');
    srv.close();
    // And snaptel remote says so as that user.
    const r = spawnSync(path.join(__dirname, '../packages/image/bin/snaptel'), ['remote', '--control', b.control, 'status'], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      env: { ...process.env, HOME: '/tmp' },
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/permission denied/);
    expect(remoteJson(b, 'status').pid).toBe(d.pid);
  });

  it('fails with the reason, and exit 1, when the daemon cannot start', async () => {
    const b = await box('daemon-fail');
    // The control socket's folder does not exist.
    const r = daemon({ ...b, control: path.join(b.dir, 'nowhere', 'c.sock') });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/daemon failed to start: .*nowhere\/c\.sock: cannot listen \(its folder does not exist\)/);
    const u = snaptel(['run', b.img, '--checkpoint-every', 'often']);
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/'often' is not a duration/);
  });
});

describe('snaptel remote eval', () => {
  it('is refused unless the daemon was started with --allow-eval', async () => {
    const b = await box('eval-off');
    const d = daemon(b);
    expect(d.status, d.stderr).toBe(0);
    const r = remote(b, 'eval', '1 + 1');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/eval is off: start the daemon with --allow-eval/);
  });

  it('runs code with the packages in scope; errors and runaway code are contained and the daemon keeps serving', async () => {
    const b = await box('eval-on');
    const d = daemon(b, ['--allow-eval']);
    expect(d.status, d.stderr).toBe(0);
    const pings = remoteJson(b, 'eval', 'demo.stats()').json;
    expect(Object.keys(pings).sort()).toEqual(['echoedBytes', 'lastRttMs', 'pings', 'pongs', 'reminders'].sort());
    expect(remote(b, 'eval', '[1, 2, 3].map((x) => x * 2)').stdout.trim()).toBe('[ 2, 4, 6 ]');
    const printed = remote(b, 'eval', 'console.log("seen", 6 * 7); Object.keys(packages)');
    expect(printed.stdout).toBe("seen 42\n[ 'demo' ]\n");
    // await works, with the value of the expression
    expect(remoteJson(b, 'eval', 'await new Promise((r) => r(5))').json).toBe(5);

    const thrown = remote(b, 'eval', 'throw new RangeError("no such cell")');
    expect(thrown.status).toBe(1);
    expect(thrown.stderr).toMatch(/RangeError: no such cell \[eval-error\]/);
    const syntax = remote(b, 'eval', 'demo..stats(');
    expect(syntax.stderr).toMatch(/SyntaxError/);
    const loop = remote(b, 'eval', '--timeout', '0.5', 'while (true) {}');
    expect(loop.status).toBe(1);
    expect(loop.stderr).toMatch(/stopped after 500 ms \(runaway code\)/);
    const asyncLoop = remote(b, 'eval', '--timeout', '0.5', 'for (;;) await null');
    expect(asyncLoop.status).toBe(1);
    expect(asyncLoop.stderr).toMatch(/\[eval-timeout\]/);
    const never = remote(b, 'eval', '--timeout', '0.3', 'await new Promise(() => {})');
    expect(never.stderr).toMatch(/did not settle within 300 ms/);

    expect(alive(d.pid)).toBe(true);
    expect(await tcpExchange(b.port, 'still here\n')).toBe('still here\n');
    expect(remoteJson(b, 'status').phase).toBe('running');
    // The eval that set a reminder really changed the running image.
    expect(remoteJson(b, 'eval', 'demo.remind("x", 60000); demo.reminders().length').json).toBe(1);
  });
});

describe('live snapshots', () => {
  it('writes a new image with the running state while the daemon keeps serving (gst-remote exited when saving an image)', async () => {
    const b = await box('snap-live', {}, 'demo');
    const d = daemon(b, ['--allow-eval']);
    expect(d.status, d.stderr).toBe(0);
    const before = openImage(b.img);
    expect(before.manifest.generation).toBe(0);
    const deadline = Date.now() + 3_600_000;
    remoteJson(b, 'eval', `demo.remind("standup", new Date(${deadline}))`);
    // Echo traffic all through the snapshot: none of it may fail or wait long.
    let stop = false;
    let worst = 0;
    let exchanges = 0;
    const traffic = (async () => {
      while (!stop) {
        const t = Date.now();
        expect(await tcpExchange(b.port, `n${exchanges}\n`)).toBe(`n${exchanges}\n`);
        worst = Math.max(worst, Date.now() - t);
        exchanges++;
      }
    })();
    const reply = await request(b.control, 'snapshot', {}, 60_000);
    stop = true;
    expect(reply.ok, JSON.stringify(reply.error)).toBe(true);
    const snap = reply.result;
    await traffic;
    expect(exchanges).toBeGreaterThan(3);
    expect(snap.file).toBe(b.img);
    expect(snap.generation).toBe(1);
    expect(snap.statePackages.demo).toBeGreaterThan(0);
    expect(alive(d.pid)).toBe(true);
    expect(remoteJson(b, 'status').image.generation).toBe(1);

    const after = openImage(b.img);
    expect(after.manifest.generation).toBe(1);
    expect(after.manifest.state?.packages.demo).toBe(snap.statePackages.demo);
    expect(after.manifest.buildId).toBe(snap.buildId);
    expect(after.manifest.buildId).not.toBe(before.manifest.buildId);
    const info = snaptel(['info', b.img]);
    expect(info.stdout).toMatch(/lineage\s+generation 1: live snapshot taken .* with state of demo \(\d+ bytes\)/);

    // --out: another file, the daemon's own image untouched.
    const other = path.join(b.dir, 'copy.img');
    const s2 = remote(b, 'snapshot', '--out', other);
    expect(s2.status, s2.stderr).toBe(0);
    expect(s2.stdout).toMatch(/snapshot written: .*copy\.img .*generation 2/);
    expect(openImage(b.img).manifest.buildId).toBe(after.manifest.buildId);

    // The new image carries the state: run it (after stopping the daemon: same ports).
    remote(b, 'stop');
    expect(await gone(d.pid)).toBe(true);
    const again = daemon(b, ['--allow-eval']);
    expect(again.status, again.stderr).toBe(0);
    expect(remoteJson(b, 'eval', 'demo.reminders()').json).toEqual([{ name: 'standup', deadline: new Date(deadline).toISOString() }]);
    expect(remoteJson(b, 'status').image.generation).toBe(1);
    // No work folder or temp file left beside the image.
    expect(fs.readdirSync(b.dir).filter((n) => n.includes('.snapshot-') || n.includes('.tmp'))).toEqual([]);
  });

  it('brings back a timer set at run time at its original deadline (Delay was broken on resume), and one that fell due while down fires once', async () => {
    const b = await box('snap-delay');
    const d = daemon(b, ['--allow-eval']);
    expect(d.status, d.stderr).toBe(0);
    const soon = remoteJson(b, 'eval', 'demo.remind("soon", 4000)').json;
    const past = remoteJson(b, 'eval', 'demo.remind("while-down", 1500)').json;
    remoteJson(b, 'snapshot');
    process.kill(-d.pid, 'SIGKILL');
    expect(await gone(d.pid)).toBe(true);
    await sleep(Math.max(0, Date.parse(past.deadline) - Date.now() + 200));
    const log2 = path.join(b.dir, 'second.log');
    const d2 = daemon({ ...b, log: log2 });
    expect(d2.status, d2.stderr).toBe(0);
    const overdue = await logLine(log2, (l) => l.msg === 'reminder fired' && l.reminder === 'while-down', 'overdue reminder');
    expect(overdue.pid).toBe(d2.pid);
    const fired = await logLine(log2, (l) => l.msg === 'reminder fired' && l.reminder === 'soon', 'the 4 s reminder', 10_000);
    const at = Date.parse(fired.time);
    expect(at).toBeGreaterThanOrEqual(Date.parse(soon.deadline));
    expect(at - Date.parse(soon.deadline)).toBeLessThan(1000);
    await sleep(300);
    expect(logLines(log2).filter((l) => l.msg === 'reminder fired').map((l) => l.reminder).sort()).toEqual(['soon', 'while-down']);
  });

  it('leaves every descriptor in place: a snapshot closes none of the daemon\'s fds, and the resumed image has its own (the wrong FileDescriptors were closed on resume)', async () => {
    const b = await box('snap-fds');
    const d = daemon(b, ['--allow-eval']);
    expect(d.status, d.stderr).toBe(0);
    const fds = () =>
      listFds(d.pid)
        .map((f) => `${f.fd}:${f.target.replace(/\[\d+\]/, '[]')}`)
        .sort();
    const before = fds();
    expect(before.some((f) => f.endsWith(b.log))).toBe(true);
    for (let i = 0; i < 3; i++) remoteJson(b, 'snapshot');
    await sleep(100);
    expect(fds()).toEqual(before);
    // stdio: /dev/null in, the log file out (nothing of the launcher's terminal)
    const std = listFds(d.pid).filter((f) => f.fd <= 2).map((f) => f.target);
    expect(std).toEqual(['/dev/null', b.log, b.log]);
    // everything still serves: echo, log file (a line after the snapshots), control
    expect(await tcpExchange(b.port, 'fd\n')).toBe('fd\n');
    remoteJson(b, 'eval', 'log.info("after snapshots"), 1');
    await logLine(b.log, (l) => l.msg === 'after snapshots' && l.pid === d.pid, 'a log line after the snapshots');
  });

  it('SIGTERM and --checkpoint-every take the same path: the image on disk has the state of the moment', async () => {
    const b = await box('snap-checkpoint');
    const d = daemon(b, ['--allow-eval', '--checkpoint-every', '1s']);
    expect(d.status, d.stderr).toBe(0);
    remoteJson(b, 'eval', 'demo.remind("a", 3600000)');
    const end = Date.now() + 20_000;
    while (Date.now() < end && !(remoteJson(b, 'status').checkpoint.taken >= 1)) await sleep(100);
    const s = remoteJson(b, 'status');
    expect(s.checkpoint.taken).toBeGreaterThanOrEqual(1);
    expect(s.checkpoint.everyMs).toBe(1000);
    expect(openImage(b.img).manifest.generation).toBeGreaterThanOrEqual(1);
    remoteJson(b, 'eval', 'demo.remind("b", 3600000)');
    process.kill(d.pid, 'SIGTERM');
    expect(await gone(d.pid, 30_000)).toBe(true);
    const lines = logLines(b.log).filter((l) => l.pid === d.pid);
    expect(lines.some((l) => /^live snapshot written/.test(l.msg) && (l.snapshot as any).reason === 'stop (SIGTERM)')).toBe(true);
    expect(lines.at(-1)!.msg).toBe('stopped');
    const d2 = daemon(b, ['--allow-eval']);
    expect(d2.status, d2.stderr).toBe(0);
    expect(remoteJson(b, 'eval', 'demo.reminders().map((r) => r.name)').json).toEqual(['a', 'b']);
  });

  it('never leaves an image that fails to run when killed -9 at random moments of live snapshots (50 tries); the newest complete image wins', async () => {
    const b = await box('snap-crash');
    let d = daemon(b, ['--allow-eval']);
    expect(d.status, d.stderr).toBe(0);
    // How long one snapshot takes here, to aim the kills inside it.
    const t0 = Date.now();
    remoteJson(b, 'snapshot');
    const span = Date.now() - t0;
    let onDisk = openImage(b.img).manifest.generation!;
    let onDiskReminders = 0;
    let daemonReminders = 0;
    const outcomes = { completed: 0, interrupted: 0 };
    for (let i = 0; i < 50; i++) {
      daemonReminders = (await request(b.control, 'eval', { code: `demo.remind("r${i}", 3600000); demo.reminders().length` })).result.json;
      let finished = false;
      const snap = request(b.control, 'snapshot', {}, 60_000).then(
        (r) => {
          finished = r.ok;
        },
        () => undefined,
      );
      await sleep(Math.floor(Math.random() * span * 1.3));
      const wasFinished = finished;
      // Alternate: the whole group (daemon and builder, as a power cut), or the daemon alone.
      process.kill(i % 2 ? -d.pid : d.pid, 'SIGKILL');
      expect(await gone(d.pid)).toBe(true);
      await snap;
      const img = openImage(b.img); // checksum and structure: throws if torn
      const gen = img.manifest.generation!;
      expect([onDisk, onDisk + 1]).toContain(gen);
      if (wasFinished) expect(gen).toBe(onDisk + 1);
      // It must run: the next daemon comes from it, with the state of the newest complete image.
      d = daemon(b, ['--allow-eval']);
      expect(d.status, `try ${i}: ${d.stderr}`).toBe(0);
      const n = (await request(b.control, 'eval', { code: 'demo.reminders().length' })).result.json;
      if (gen === onDisk + 1) {
        expect(n).toBe(daemonReminders);
        outcomes.completed++;
        onDiskReminders = n;
      } else {
        expect(n).toBe(onDiskReminders);
        outcomes.interrupted++;
      }
      onDisk = gen;
    }
    // The kills landed on both sides of the rename.
    expect(outcomes.completed).toBeGreaterThan(0);
    expect(outcomes.interrupted).toBeGreaterThan(0);
    remote(b, 'stop');
    expect(await gone(d.pid)).toBe(true);
    expect(fs.readdirSync(b.dir).filter((n) => n.includes('.snapshot-') || n.includes('.tmp'))).toEqual([]);
  }, 300_000);
});

describe('systemd', () => {
  it('prints a Type=notify unit with Restart=always, a watchdog, a control socket and checkpoints, that systemd-analyze accepts', async () => {
    const b = await box('unit');
    const r = snaptel(['systemd-unit', b.img, '--checkpoint-every', '10m', '--watchdog-sec', '20']);
    expect(r.status, r.stderr).toBe(0);
    const u = r.stdout;
    for (const line of ['Type=notify', 'Restart=always', 'WatchdogSec=20', 'NotifyAccess=all', 'WantedBy=multi-user.target', 'StartLimitIntervalSec=0'])
      expect(u.split('\n')).toContain(line);
    expect(u).toMatch(new RegExp(`^ExecStart=/.*/bin/snaptel run ${b.img} --control /run/snaptel-demo/control\\.sock --checkpoint-every 10m$`, 'm'));
    const unit = path.join(b.dir, 'snaptel-demo.service');
    fs.writeFileSync(unit, u);
    const v = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    expect(v.error, 'systemd-analyze must be installed (apt-get install systemd)').toBeUndefined();
    expect(v.stderr.split('\n').filter((l) => l.includes('snaptel-demo.service'))).toEqual([]);
  });

  it('feeds the watchdog from the event loop when WATCHDOG_USEC is set', async () => {
    const b = await box('watchdog');
    const sock = path.join(b.dir, 'notify.sock');
    // Node has no AF_UNIX datagram sockets; python3 plays systemd's end of it.
    const listener = spawn(
      'python3',
      ['-c', ['import socket,sys', 's=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)', `s.bind(${JSON.stringify(sock)})`, 'print("bound", flush=True)', 's.settimeout(20)', 'while True:', '  sys.stdout.write(s.recv(4096).decode() + "\\n--\\n"); sys.stdout.flush()'].join('\n')],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let got = '';
    listener.stdout.on('data', (c) => (got += c.toString()));
    try {
      const end = Date.now() + 10_000;
      while (!got.startsWith('bound') && Date.now() < end) await sleep(20);
      const p = new Running(['run', b.img], { NOTIFY_SOCKET: sock, WATCHDOG_USEC: '400000' });
      try {
        const ready = await p.ready();
        expect(ready.pid).toBe(p.proc.pid);
        const feeding = await p.line((l) => l.msg === 'feeding the systemd watchdog', 'watchdog');
        expect(feeding.everyMs).toBe(200);
        const until = Date.now() + 10_000;
        while ((got.match(/WATCHDOG=1/g) ?? []).length < 3 && Date.now() < until) await sleep(50);
        expect((got.match(/WATCHDOG=1/g) ?? []).length).toBeGreaterThanOrEqual(3);
        expect(got).toContain('READY=1');
      } finally {
        await p.stop();
      }
    } finally {
      listener.kill();
    }
  });
});

describe('what must not be frozen into an image', () => {
  it('hands out fresh crypto.randomUUID() values on every resume (Node\'s UUID cache is in the heap)', async () => {
    const dir = tmpDir('uuid');
    const img = deployImage(dir, 'uuid', {});
    const seen: string[][] = [];
    const ints: number[] = [];
    for (let i = 0; i < 2; i++) {
      const p = new Running(['run', img]);
      try {
        const l = await p.line((x) => x.msg === 'uuids after resume', 'uuids');
        seen.push(l.uuids as string[]);
        ints.push(...(l.ints as number[]));
      } finally {
        await p.stop();
      }
    }
    const all = seen.flat();
    for (const u of all) expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(all).size).toBe(all.length);
    // crypto.randomInt's cache too: four draws in [0, 2^40) from two resumes, all different.
    expect(ints.every((n) => Number.isInteger(n) && n >= 0 && n < 2 ** 40)).toBe(true);
    expect(new Set(ints).size).toBe(4);
  });
});

describe('a live snapshot that fails', () => {
  it('reports why, leaves the image on disk as it was, and the daemon keeps serving', async () => {
    const dir = tmpDir('bad-state');
    const [port] = await freePorts(1);
    const img = deployImage(dir, 'bad-state', { packages: { 'bad-state': { port } } });
    const b: Box = { dir, img, pidfile: path.join(dir, 'p.pid'), control: path.join(dir, 'c.sock'), log: path.join(dir, 'd.log'), port: port! };
    const d = daemon(b);
    expect(d.status, d.stderr).toBe(0);
    const before = fs.readFileSync(img);
    const r = remote(b, 'snapshot');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/snapshot builder: importing state: cannot import state n=1: the format changed/);
    expect(fs.readFileSync(img).equals(before)).toBe(true);
    expect(await tcpExchange(port!, 'x')).toBe('ok\n');
    const s = remoteJson(b, 'status');
    expect(s.checkpoint.last.error).toMatch(/cannot import state/);
    expect(fs.readdirSync(dir).filter((n) => n.includes('.snapshot-'))).toEqual([]);
  });
});

describe('the state round trip', () => {
  it('keeps subscribers provisioned at run time through a live snapshot, a kill -9 and a restart from the new image', async () => {
    const b = await box('roundtrip', { package: ['hlr', 'demo'], packages: { hlr: { subscribers: [{ imsi: '001010000000001', msisdn: '1001' }] } } }, 'hlr-demo');
    const d = daemon(b, ['--allow-eval']);
    expect(d.status, d.stderr).toBe(0);
    expect(remoteJson(b, 'eval', 'hlr.size').json).toBe(1);
    // Provisioned at run time, as an operator would (gst-remote --eval style).
    const provision = `
      for (let i = 2; i <= 2000; i++) {
        const n = String(i).padStart(10, '0');
        hlr.add({ imsi: '00101' + n, msisdn: '49' + n, ki: (i.toString(16).padStart(8, '0')).repeat(4), algo: i % 2 ? 'comp128v1' : 'xor' });
      }
      hlr.remove('001010000000007');
      hlr.update('001010000000003', { msisdn: '12345' });
      hlr.size`;
    expect(remoteJson(b, 'eval', provision).json).toBe(1999);
    const snap = remoteJson(b, 'snapshot');
    expect(snap.statePackages.hlr).toBeGreaterThan(1999 * 16);
    process.kill(-d.pid, 'SIGKILL');
    expect(await gone(d.pid)).toBe(true);

    const d2 = daemon(b, ['--allow-eval']);
    expect(d2.status, d2.stderr).toBe(0);
    expect(remoteJson(b, 'status').image.generation).toBe(1);
    const check = remoteJson(
      b,
      'eval',
      `({ size: hlr.size,
          first: hlr.get('001010000000001'),
          removed: hlr.get('001010000000007') ?? null,
          moved: hlr.byMsisdn('12345')?.imsi ?? null,
          last: hlr.get('001010000002000'),
          all: (() => { for (let i = 2; i <= 2000; i++) { if (i === 7) continue; const n = String(i).padStart(10, '0'); const s = hlr.get('00101' + n); if (!s || s.ki !== (i.toString(16).padStart(8, '0')).repeat(4)) return 'missing ' + n; } return 'ok'; })() })`,
    ).json;
    expect(check.size).toBe(1999);
    expect(check.first).toMatchObject({ imsi: '001010000000001', msisdn: '1001' });
    expect(check.removed).toBeNull();
    expect(check.moved).toBe('001010000000003');
    expect(check.last).toMatchObject({ imsi: '001010000002000', msisdn: '490000002000', ki: '000007d0'.repeat(4), algo: 'xor' });
    expect(check.all).toBe('ok');
  });
});
