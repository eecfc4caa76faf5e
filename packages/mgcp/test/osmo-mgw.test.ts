import * as dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, getParam, sdpConnection, sdpMedia, type MgcpMessage, type MgcpResponse } from '../src';
import { haveOsmoMgw, startOsmoMgw, type OsmoMgw } from './mgw-process.mjs';
import { text } from './vectors';

/**
 * Live test against the real media gateway Debian ships (apt package
 * osmo-mgw): we start it on 127.0.0.1 with a temporary config and a free UDP
 * port (mgw-process.mjs), then CRCX / MDCX / DLCX on an rtpbridge endpoint
 * with our encoder and decode what it answers. With CI set, a missing osmo-mgw fails the test.
 */
const haveMgw: boolean = haveOsmoMgw();
const mustRun = haveMgw || !!process.env.CI;

let mgw: OsmoMgw | undefined;
let sock: dgram.Socket | undefined;
let mgcpPort = 0;
let rtpBase = 0;
let rtpEnd = 0;
const log = (): string => mgw?.log() ?? '';

function request(m: MgcpMessage): Promise<{ raw: Uint8Array; msg: MgcpResponse }> {
  const s = sock!;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.off('message', onMsg);
      reject(new Error(`no answer from osmo-mgw in 3 s; its log:\n${log()}`));
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
    // MGCP on 127.0.0.1 at a free port; VTY and CTRL on a random 127.x.y.z (see mgw-process.mjs)
    mgw = await startOsmoMgw({ endpoints: 8 });
    mgcpPort = mgw.mgcpPort;
    rtpBase = mgw.rtpBase;
    rtpEnd = mgw.rtpEnd;
    sock = dgram.createSocket('udp4');
    await new Promise<void>((res) => sock!.bind(0, '127.0.0.1', res));
  });

  afterAll(async () => {
    if (sock) await new Promise<void>((res) => sock!.close(() => res()));
    await mgw?.stop();
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
    expect(port).toBeLessThanOrEqual(rtpEnd);
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
