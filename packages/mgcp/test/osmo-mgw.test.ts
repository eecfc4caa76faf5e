import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, getParam, sdpConnection, sdpMedia, type MgcpMessage, type MgcpResponse } from '../src';
import { text } from './vectors';

/**
 * Live test against the real media gateway Debian ships (apt package
 * osmo-mgw): we start it on 127.0.0.1 with a temporary config and a free UDP
 * port, then CRCX / MDCX / DLCX on an rtpbridge endpoint with our encoder and
 * decode what it answers. With CI set, a missing osmo-mgw fails the test.
 */
const haveMgw = spawnSync('osmo-mgw', ['--version'], { encoding: 'utf8' }).status === 0;
const mustRun = haveMgw || !!process.env.CI;

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((res) => s.bind(0, '127.0.0.1', res));
  const port = s.address().port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

let proc: ChildProcess | undefined;
let dir: string | undefined;
let sock: dgram.Socket | undefined;
let mgcpPort = 0;
let rtpBase = 0;
let log = '';

function request(m: MgcpMessage): Promise<{ raw: Uint8Array; msg: MgcpResponse }> {
  const s = sock!;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.off('message', onMsg);
      reject(new Error(`no answer from osmo-mgw in 3 s; its log:\n${log}`));
    }, 3000);
    const onMsg = (b: Buffer): void => {
      const raw = new Uint8Array(b);
      const msg = decode(raw);
      if (msg.type !== 'response' || msg.transactionId !== m.transactionId) return;
      clearTimeout(timer);
      s.off('message', onMsg);
      resolve({ raw, msg });
    };
    s.on('message', onMsg);
    s.send(encode(m), mgcpPort, '127.0.0.1');
  });
}

describe.runIf(mustRun)('osmo-mgw live', () => {
  beforeAll(async () => {
    if (!haveMgw) throw new Error('osmo-mgw is not installed (apt-get install -y osmo-mgw) and CI is set');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-mgw-'));
    mgcpPort = await freeUdpPort();
    rtpBase = 20000 + 2 * Math.floor(Math.random() * 20000);
    const vtyPort = await freeUdpPort();
    const cfg = [
      'log stderr',
      ' logging color 0',
      ' logging print category 1',
      ' logging level set-all info',
      'line vty',
      // osmo-mgw 1.10 honours the address here but keeps its fixed VTY port (4243).
      ` bind 127.0.0.1 ${vtyPort}`,
      'ctrl',
      ' bind 127.0.0.1',
      'mgcp',
      ' bind ip 127.0.0.1',
      ` bind port ${mgcpPort}`,
      ` rtp port-range ${rtpBase} ${rtpBase + 41}`,
      ' rtp bind-ip 127.0.0.1',
      ' number endpoints 8',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'osmo-mgw.cfg'), cfg);
    const p = spawn('osmo-mgw', ['-c', path.join(dir, 'osmo-mgw.cfg')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    p.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`osmo-mgw not ready in 5 s:\n${log}`)), 5000);
      const check = (): void => {
        if (log.includes(`listen on 127.0.0.1:${mgcpPort}`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      p.stdout!.on('data', check);
      p.stderr!.on('data', check);
      p.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`osmo-mgw exited (${code}):\n${log}`));
      });
    });
    sock = dgram.createSocket('udp4');
    await new Promise<void>((res) => sock!.bind(0, '127.0.0.1', res));
  });

  afterAll(async () => {
    if (sock) await new Promise<void>((res) => sock!.close(() => res()));
    const p = proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise<void>((res) => p.once('exit', () => res()));
      const wait = (ms: number): Promise<boolean> =>
        Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
      p.kill('SIGTERM');
      if (!(await wait(2000))) {
        p.kill('SIGKILL');
        await wait(1000);
      }
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('CRCX, MDCX, DLCX on an rtpbridge endpoint', async () => {
    // CRCX on a wildcard endpoint: osmo-mgw picks one and names it in Z:
    const crcx = await request({
      type: 'command',
      verb: 'CRCX',
      transactionId: '101',
      endpoint: 'rtpbridge/*@mgw',
      version: 'MGCP 1.0',
      params: [
        { name: 'C', value: 'abc1' },
        { name: 'L', options: [{ key: 'p', value: '20' }, { key: 'a', value: 'AMR' }, { key: 'nt', value: 'IN' }] },
        { name: 'M', mode: 'recvonly' },
      ],
    });
    expect(text(encode(crcx.msg))).toBe(text(crcx.raw)); // byte-exact on live traffic
    expect(crcx.msg.code).toBe(200);
    expect(crcx.msg.transactionId).toBe('101');
    const endpoint = getParam(crcx.msg, 'Z');
    expect(endpoint).toMatch(/^rtpbridge\/[0-9]+@mgw$/);
    const ci = getParam(crcx.msg, 'I');
    expect(ci).toMatch(/^[0-9A-F]{1,32}$/);
    const port = sdpMedia(crcx.msg)!.port;
    expect(port).toBeGreaterThanOrEqual(rtpBase);
    expect(port).toBeLessThanOrEqual(rtpBase + 41);
    expect(sdpConnection(crcx.msg)!.address).toBe('127.0.0.1');

    // MDCX: tell it where our side is, switch to sendrecv
    const mdcx = await request({
      type: 'command',
      verb: 'MDCX',
      transactionId: '102',
      endpoint: endpoint!,
      version: 'MGCP 1.0',
      params: [
        { name: 'C', value: 'abc1' },
        { name: 'I', value: ci! },
        { name: 'M', mode: 'sendrecv' },
      ],
      sdp: {
        lines: [
          { type: 'v', version: 0 },
          { type: 'o', origin: { username: '-', sessionId: '1', sessionVersion: '1', netType: 'IN', addrType: 'IP4', address: '127.0.0.1' } },
          { type: 's', sessionName: '-' },
          { type: 'c', connection: { netType: 'IN', addrType: 'IP4', address: '127.0.0.1' } },
          { type: 't', timing: { start: '0', stop: '0' } },
          { type: 'm', media: { media: 'audio', port: 30000, proto: 'RTP/AVP', formats: ['112'] } },
          { type: 'a', rtpmap: { payloadType: 112, encoding: 'AMR', clockRate: 8000 } },
          { type: 'a', ptime: 20 },
        ],
      },
    });
    expect(text(encode(mdcx.msg))).toBe(text(mdcx.raw));
    expect(mdcx.msg.code).toBe(200);
    expect(mdcx.msg.transactionId).toBe('102');
    expect(sdpMedia(mdcx.msg)!.port).toBe(port);
    expect(mdcx.msg.sdp!.lines.some((l) => l.rtpmap?.encoding === 'AMR')).toBe(true);

    // DLCX: 250 with connection statistics in P:
    const dlcx = await request({
      type: 'command',
      verb: 'DLCX',
      transactionId: '103',
      endpoint: endpoint!,
      version: 'MGCP 1.0',
      params: [
        { name: 'C', value: 'abc1' },
        { name: 'I', value: ci! },
      ],
    });
    expect(text(encode(dlcx.msg))).toBe(text(dlcx.raw));
    expect(dlcx.msg.code).toBe(250);
    expect(dlcx.msg.transactionId).toBe('103');
    expect(getParam(dlcx.msg, 'P')).toMatch(/^PS=\d+, OS=\d+, PR=\d+, OR=\d+, PL=\d+, JI=\d+/);

    // a second DLCX on the now empty endpoint is refused
    const again = await request({ type: 'command', verb: 'DLCX', transactionId: '104', endpoint: endpoint!, version: 'MGCP 1.0', params: [{ name: 'I', value: ci! }] });
    expect(again.msg.code).toBeGreaterThanOrEqual(400);
  });
});
