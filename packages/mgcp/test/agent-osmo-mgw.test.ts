import * as dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallAgent, CallMedia, decode, getParam, MgcpAgentError, rtpSdp, systemTimers } from '../src';
import { MemoryLog } from './agent-harness';
import { haveOsmoMgw, startOsmoMgw, type OsmoMgw, type MgwConn as Conn } from './mgw-process.mjs';

/**
 * The call agent against the real osmo-mgw (Debian package osmo-mgw 1.10):
 * started on loopback with a temporary config, a CallAgent over a real UDP
 * socket, and osmo-mgw's own VTY ('show mgcp') as the oracle for what exists
 * on the gateway. With CI set, a missing osmo-mgw fails the test.
 */
const haveMgw: boolean = haveOsmoMgw();
const mustRun = haveMgw || !!process.env.CI;

let mgw: OsmoMgw | undefined;
let sock: dgram.Socket | undefined;
let agent: CallAgent;
const log = new MemoryLog();
/** Test hooks on the wire: drop an outgoing datagram, hold an incoming one. */
let dropOut: (text: string) => boolean = () => false;
let holdIn: (text: string, bytes: Uint8Array) => boolean = () => false;
const wire: string[] = [];

describe.runIf(mustRun)('CallAgent against osmo-mgw', () => {
  beforeAll(async () => {
    if (!haveMgw) throw new Error('osmo-mgw is not installed (apt-get install -y osmo-mgw) and CI is set');
    mgw = await startOsmoMgw({ endpoints: 16 });
    const s = dgram.createSocket('udp4');
    sock = s;
    await new Promise<void>((res) => s.bind(0, '127.0.0.1', res));
    s.on('message', (b: Buffer) => {
      const bytes = new Uint8Array(b);
      const text = b.toString('latin1');
      wire.push(`< ${text.split('\r\n')[0]}`);
      if (!holdIn(text, bytes)) agent.receive(bytes);
    });
    agent = new CallAgent({
      transport: {
        send: (b) => {
          const text = Buffer.from(b).toString('latin1');
          wire.push(`> ${text.split('\r\n')[0]}`);
          if (!dropOut(text)) s.send(b, mgw!.mgcpPort, '127.0.0.1');
        },
      },
      timers: systemTimers,
      log,
    });
  });

  afterAll(async () => {
    agent?.close();
    if (sock) await new Promise<void>((res) => sock!.close(() => res()));
    await mgw?.stop();
  });

  const inUse = async (): Promise<Map<string, Conn[]>> => mgw!.showMgcp();

  it('CRCX on the wildcard, CRCX on the specific endpoint, MDCX, AUEP, DLCX', async () => {
    const a = await agent.crcx('rtpbridge/*', { callId: 'live1', mode: 'recvonly', codec: 'AMR' });
    expect(a.endpoint).toMatch(/^rtpbridge\/[0-9a-f]+@mgw$/);
    expect(a.connId).toMatch(/^[0-9A-F]{1,32}$/);
    expect(a.local!.ip).toBe('127.0.0.1');
    expect(a.local!.port).toBeGreaterThanOrEqual(mgw!.rtpBase);
    expect(a.local!.port).toBeLessThanOrEqual(mgw!.rtpEnd);
    expect((await inUse()).get(a.endpoint)).toEqual([{ callId: 'live1', connId: a.connId, ip: '(null)', port: 0 }]);

    const b = await agent.crcx(a.endpoint, { callId: 'live1', mode: 'recvonly', codec: 'AMR' });
    expect(b.endpoint).toBe(a.endpoint);
    expect(b.connId).not.toBe(a.connId);
    expect(b.local!.port).not.toBe(a.local!.port);

    const m = await agent.mdcx(a.endpoint, a.connId, { callId: 'live1', mode: 'sendrecv', sdp: rtpSdp({ ip: '127.0.0.1', port: 30990 }) });
    expect(m.local).toEqual(a.local);
    await agent.mdcx(b.endpoint, b.connId, { callId: 'live1', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30992 RTP/AVP 112\r\na=rtpmap:112 AMR/8000\r\n' });
    const conns = (await inUse()).get(a.endpoint)!;
    expect(conns.map((c) => `${c.connId} ${c.ip}:${c.port}`).sort()).toEqual([`${a.connId} 127.0.0.1:30990`, `${b.connId} 127.0.0.1:30992`].sort());
    expect(agent.endpoints()).toEqual([
      {
        endpoint: a.endpoint,
        connections: [
          { connId: a.connId, callId: 'live1', mode: 'sendrecv', local: `127.0.0.1:${a.local!.port}`, remote: '127.0.0.1:30990' },
          { connId: b.connId, callId: 'live1', mode: 'recvonly', local: `127.0.0.1:${b.local!.port}`, remote: '127.0.0.1:30992' },
        ],
      },
    ]);

    // AUEP: osmo-mgw's is a stub, 200 for an endpoint it has, 500 for one it has not
    expect((await agent.auep(a.endpoint)).code).toBe(200);
    const unknown = await agent.auep('rtpbridge/fff').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(MgcpAgentError);
    expect(unknown).toMatchObject({ code: 'error-response', responseCode: 500, verb: 'AUEP', endpoint: 'rtpbridge/fff@mgw' });

    // an MDCX naming a connection the endpoint does not have: 515
    await expect(agent.mdcx(a.endpoint, 'DEADBEEF', { callId: 'live1', mode: 'sendrecv' })).rejects.toMatchObject({ responseCode: 515 });

    await agent.dlcx(a.endpoint, { callId: 'live1', connId: a.connId });
    expect((await inUse()).get(a.endpoint)!.map((c) => c.connId)).toEqual([b.connId]);
    await agent.dlcx(a.endpoint, { callId: 'live1' });
    expect((await inUse()).has(a.endpoint)).toBe(false);
    expect(agent.endpoints()).toEqual([]);
    expect(agent.pending()).toEqual([]);
  });

  it('CallMedia: two legs set up, connected and torn down, as osmo-mgw reports them', async () => {
    const media = new CallMedia(agent, 'live-call-2');
    const a = await media.setupLegA();
    const b = await media.setupLegB();
    await media.setRemote('A', { ip: '127.0.0.1', port: 31000 });
    await media.setRemote('B', { ip: '127.0.0.1', port: 31002 });
    await media.connect();
    const ep = media.endpoint!;
    const onGw = (await inUse()).get(ep)!;
    expect(onGw.map((c) => `${c.callId} ${c.connId} ${c.ip}:${c.port}`).sort()).toEqual(
      [`live-call-2 ${a.connId} 127.0.0.1:31000`, `live-call-2 ${b.connId} 127.0.0.1:31002`].sort(),
    );
    expect(agent.endpoints().find((e) => e.endpoint === ep)!.connections.map((c) => [c.connId, c.mode, c.remote])).toEqual([
      [a.connId, 'sendrecv', '127.0.0.1:31000'],
      [b.connId, 'sendrecv', '127.0.0.1:31002'],
    ]);
    expect((await agent.auep(ep)).code).toBe(200);
    const sentBefore = wire.filter((w) => w.startsWith('>')).length;
    await media.teardown();
    expect((await inUse()).has(ep)).toBe(false);
    expect(agent.endpoints()).toEqual([]);
    await media.teardown(); // idempotent: nothing more on the wire
    expect(wire.filter((w) => w.startsWith('>')).length - sentBefore).toBe(1);
  });

  it('a lost command is retransmitted with the same transaction id', async () => {
    let dropped = 0;
    dropOut = (t) => t.startsWith('CRCX') && dropped++ === 0;
    try {
      const a = await agent.crcx('rtpbridge/*', { callId: 'live3', mode: 'recvonly' });
      const crcx = wire.filter((w) => w.startsWith('> CRCX'));
      expect(crcx.slice(-2)[0]).toBe(crcx.slice(-1)[0]); // same first line, same tid
      expect((await inUse()).get(a.endpoint)!.map((c) => c.connId)).toEqual([a.connId]);
      await agent.dlcx(a.endpoint, { callId: 'live3' });
    } finally {
      dropOut = () => false;
    }
  });

  it("a lost response on a specific endpoint: osmo-mgw answers the retransmission from its memory, no second connection", async () => {
    const a = await agent.crcx('rtpbridge/*', { callId: 'live4', mode: 'recvonly' });
    let held = 0;
    holdIn = (t) => t.startsWith('200 ') && held++ === 0;
    try {
      const b = await agent.crcx(a.endpoint, { callId: 'live4', mode: 'recvonly' });
      expect(agent.stats().retransmissions).toBeGreaterThan(0);
      const conns = (await inUse()).get(a.endpoint)!;
      expect(conns.map((c) => c.connId).sort()).toEqual([a.connId, b.connId].sort());
    } finally {
      holdIn = () => false;
    }
    await agent.dlcx(a.endpoint, { callId: 'live4' });
  });

  it('a wildcard CRCX answered twice (slow answer, retransmission): the second connection is released', async () => {
    // hold osmo-mgw's first answer until the retransmission has been answered too
    const held: Uint8Array[] = [];
    let release!: () => void;
    const both = new Promise<void>((r) => (release = r));
    holdIn = (t, b) => {
      if (!t.startsWith('200 ') || !/^Z: /m.test(t)) return false;
      held.push(b);
      if (held.length === 2) release();
      return true;
    };
    const p = agent.crcx('rtpbridge/*', { callId: 'live5', mode: 'recvonly' });
    await both;
    holdIn = () => false;
    const twice = await inUse();
    const mine = [...twice].filter(([, cs]) => cs.some((c) => c.callId === 'live5'));
    expect(mine).toHaveLength(2); // osmo-mgw ran the retransmitted wildcard CRCX on a second endpoint
    for (const b of held) agent.receive(b);
    const a = await p;
    const z = held.map((b) => getParam(decode(b), 'Z'));
    expect(a.endpoint).toBe(z[0]);
    // the agent sends a DLCX for the other one; wait for it to be answered
    for (let i = 0; i < 50 && agent.pending().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(agent.stats().orphansReleased).toBe(1);
    const after = [...(await inUse())].filter(([, cs]) => cs.some((c) => c.callId === 'live5'));
    expect(after.map(([e]) => e)).toEqual([a.endpoint]);
    await agent.dlcx(a.endpoint, { callId: 'live5' });
  });

  it('resetEndpoints() clears everything osmo-mgw holds', async () => {
    await agent.crcx('rtpbridge/*', { callId: 'live6', mode: 'recvonly' });
    await agent.crcx('rtpbridge/*', { callId: 'live7', mode: 'recvonly' });
    expect((await inUse()).size).toBeGreaterThanOrEqual(2);
    await agent.resetEndpoints();
    expect((await inUse()).size).toBe(0);
    expect(agent.endpoints()).toEqual([]);
    expect(log.count('warn', 'does not decode')).toBe(0);
  });
});
