// Starts the real osmo-mgw (Debian package osmo-mgw) for live tests and the
// bench: MGCP on 127.0.0.1 at a free UDP port, a temporary config, and its
// VTY and CTRL interfaces on a random 127.x.y.z address. osmo-mgw 1.10 keeps
// the VTY on TCP 4243 and CTRL on 4267 whatever the config says, and exits
// when it cannot bind them, so two instances (our tests, another package's,
// a developer's) only coexist on different loopback addresses.
import { spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const VTY_PORT = 4243;

export function haveOsmoMgw() {
  return spawnSync('osmo-mgw', ['--version'], { encoding: 'utf8' }).status === 0;
}

export async function freeUdpPort(host = '127.0.0.1') {
  const s = dgram.createSocket('udp4');
  await new Promise((res) => s.bind(0, host, res));
  const port = s.address().port;
  await new Promise((res) => s.close(() => res()));
  return port;
}

const randomLoopback = () => `127.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

/**
 * @param {{ endpoints?: number, logLevel?: string }} [opts]
 * @returns {Promise<{ mgcpPort: number, vtyHost: string, rtpBase: number, rtpEnd: number, log(): string, vty(cmd: string): Promise<string>, showMgcp(): Promise<Map<string, Array<{ callId: string, connId: string, ip: string, port: number }>>>, stop(): Promise<void> }>}
 */
export async function startOsmoMgw(opts = {}) {
  let lastError;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      lastError = e;
      if (!/Cannot bind|Address already in use|not ready/.test(String(e.message))) throw e;
    }
  }
  throw lastError;
}

async function startOnce(opts) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-mgw-agent-'));
  const mgcpPort = await freeUdpPort();
  const vtyHost = randomLoopback();
  const rtpBase = 20000 + 2 * Math.floor(Math.random() * 20000);
  const rtpEnd = rtpBase + 4 * (opts.endpoints ?? 16) + 41; // osmo-mgw wants an odd end
  const cfg = [
    'log stderr',
    ' logging color 0',
    ' logging print category 1',
    ` logging level set-all ${opts.logLevel ?? 'info'}`,
    'line vty',
    ` bind ${vtyHost}`,
    'ctrl',
    ` bind ${vtyHost}`,
    'mgcp',
    ' bind ip 127.0.0.1',
    ` bind port ${mgcpPort}`,
    ` rtp port-range ${rtpBase} ${rtpEnd}`,
    ' rtp bind-ip 127.0.0.1',
    ` number endpoints ${opts.endpoints ?? 16}`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'osmo-mgw.cfg'), cfg);
  const p = spawn('osmo-mgw', ['-c', path.join(dir, 'osmo-mgw.cfg')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const onData = (d) => {
    log += d.toString();
    if (log.length > 1_000_000) log = log.slice(-500_000);
  };
  p.stdout.on('data', onData);
  p.stderr.on('data', onData);
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`osmo-mgw not ready in 5 s:\n${log}`)), 5000);
      // Ready when it answers an AUEP (its log may be quiet at the chosen level).
      const probe = dgram.createSocket('udp4');
      let n = 0;
      // (ids far from any test's, since osmo-mgw remembers an endpoint's last transaction id)
      const poll = setInterval(() => probe.send(`AUEP ${999_990_000 + ++n} rtpbridge/1@mgw MGCP 1.0\r\n`, mgcpPort, '127.0.0.1'), 50);
      probe.on('error', () => undefined);
      probe.on('message', (b) => {
        if (/^200 /.test(b.toString('latin1'))) done();
      });
      const onExit = (code) => done(new Error(`osmo-mgw exited (${code}):\n${log}`));
      p.once('exit', onExit);
      function done(err) {
        clearTimeout(timer);
        clearInterval(poll);
        p.off('exit', onExit);
        try {
          probe.close();
        } catch {
          // closed already
        }
        if (err) reject(err);
        else resolve(undefined);
      }
    });
  } catch (e) {
    p.kill('SIGKILL');
    cleanup();
    throw e;
  }

  /** One VTY command; the text between the command echo and the next prompt. */
  async function vty(cmd) {
    const s = net.connect(VTY_PORT, vtyHost);
    let buf = '';
    const waitFor = (re, from) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`VTY: no ${re} in 3 s; got ${JSON.stringify(buf.slice(from))}`)), 3000);
        const tick = () => {
          const i = buf.slice(from).search(re);
          if (i >= 0) done(undefined, from + i);
        };
        function done(err, at) {
          clearTimeout(timer);
          s.off('data', tick);
          s.off('error', done);
          if (err) reject(err);
          else resolve(at);
        }
        s.on('data', tick);
        s.on('error', done);
        tick();
      });
    s.on('data', (d) => (buf += d.toString('latin1')));
    try {
      const p1 = await waitFor(/OsmoMGW> /, 0);
      const start = buf.length;
      s.write(`${cmd}\r\n`);
      const end = await waitFor(/OsmoMGW> /, p1 + 9);
      return buf.slice(start, end);
    } finally {
      s.destroy();
    }
  }

  /** `show mgcp`: endpoint -> its connections (call id, connection id, remote ip and RTP port). */
  async function showMgcp() {
    const text = await vty('show mgcp');
    const out = new Map();
    let current;
    for (const line of text.split(/\r?\n/)) {
      const ep = /endpoint (\S+@\S+):$/.exec(line);
      if (ep) {
        current = ep[1];
        continue;
      }
      const c = /CONN: \((\S+)\/rtp, id:0x([0-9A-Fa-f]+), ip:([^,]+), rtp:(\d+) rtcp:\d+\)/.exec(line);
      if (c && current) {
        if (!out.has(current)) out.set(current, []);
        out.get(current).push({ callId: c[1], connId: c[2], ip: c[3], port: Number(c[4]) });
      }
    }
    return out;
  }

  async function stop() {
    if (p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((res) => p.once('exit', () => res(true)));
      const wait = (ms) => Promise.race([exited, new Promise((r) => setTimeout(() => r(false), ms))]);
      p.kill('SIGTERM');
      if (!(await wait(2000))) {
        p.kill('SIGKILL');
        await wait(1000);
      }
    }
    cleanup();
  }

  return { mgcpPort, vtyHost, rtpBase, rtpEnd, log: () => log, vty, showMgcp, stop };
}
