import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CallAgent, CallMedia, FakeMgw, MgcpAgentError } from '../src';
import { flush, Link, MemoryLog, VirtualClock } from './agent-harness';

function rig(opts: { endpoints?: number } = {}) {
  const clock = new VirtualClock();
  const mgw = new FakeMgw({ endpoints: opts.endpoints ?? 8 });
  const log = new MemoryLog();
  let agent!: CallAgent;
  const link = new Link(clock, mgw, (b) => agent.receive(b));
  agent = new CallAgent({ transport: { send: link.send }, timers: clock, log, firstTid: 1000 });
  /** Runs the virtual clock until `p` settles (bounded). */
  async function run<T>(p: Promise<T>): Promise<T> {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    for (let i = 0; i < 10_000 && !done; i++) {
      await flush();
      if (!done) clock.advance(1);
    }
    await flush();
    return p;
  }
  return { clock, mgw, log, agent, link, run };
}

const BSS_A = { ip: '10.23.0.5', port: 7000 };
const BSS_B = { ip: '10.23.0.9', port: 7010 };

describe('CallMedia on a FakeMgw', () => {
  it('two legs on one endpoint: CRCX wildcard, CRCX specific, MDCX remotes, connect, DLCX on teardown', async () => {
    const { agent, mgw, run, link } = rig();
    const media = new CallMedia(agent, 'call-1');
    const a = await run(media.setupLegA());
    expect(media.endpoint).toBe('rtpbridge/1@mgw');
    expect(a).toMatchObject({ leg: 'A', mode: 'recvonly', local: { ip: '127.0.0.1', port: 4002 } });
    const b = await run(media.setupLegB());
    expect(b).toMatchObject({ leg: 'B', mode: 'recvonly', local: { ip: '127.0.0.1', port: 4004 } });
    expect(b.connId).not.toBe(a.connId);
    expect(await run(media.setRemote('A', BSS_A))).toMatchObject({ remote: BSS_A });
    await run(media.setRemote('B', BSS_B));
    await run(media.connect());
    expect(media.state()).toMatchObject({ phase: 'connected', endpoint: 'rtpbridge/1@mgw' });
    expect(mgw.endpointsInUse()).toEqual([
      {
        endpoint: 'rtpbridge/1@mgw',
        connections: [
          { connId: a.connId, callId: 'call-1', mode: 'sendrecv', port: 4002, remote: '10.23.0.5:7000' },
          { connId: b.connId, callId: 'call-1', mode: 'sendrecv', port: 4004, remote: '10.23.0.9:7010' },
        ],
      },
    ]);
    expect(agent.endpoints()).toEqual([
      {
        endpoint: 'rtpbridge/1@mgw',
        connections: [
          { connId: a.connId, callId: 'call-1', mode: 'sendrecv', local: '127.0.0.1:4002', remote: '10.23.0.5:7000' },
          { connId: b.connId, callId: 'call-1', mode: 'sendrecv', local: '127.0.0.1:4004', remote: '10.23.0.9:7010' },
        ],
      },
    ]);
    const t1 = media.teardown();
    const t2 = media.teardown();
    expect(t2).toBe(t1);
    await run(t1);
    await run(media.teardown());
    expect(mgw.endpointsInUse()).toEqual([]);
    expect(agent.endpoints()).toEqual([]);
    expect(media.state().phase).toBe('released');
    expect(link.trace.filter((l) => l.includes('> ')).map((l) => l.split(' ')[2])).toEqual(['CRCX', 'CRCX', 'MDCX', 'MDCX', 'MDCX', 'MDCX', 'DLCX']);
    await expect(media.setupLegB()).rejects.toMatchObject({ code: 'state' });
  });

  it('matches the golden wire trace, with a lost command and a lost response on the way', async () => {
    const { agent, run, link, clock } = rig();
    link.dropCommand = (n) => n === 1; // the first transmission of leg B's CRCX
    let mdcxAnswers = 0;
    link.dropResponse = (_n, text) => text.startsWith('200 1002 ') && mdcxAnswers++ === 0; // the first answer to the first MDCX
    const media = new CallMedia(agent, '4f2a');
    await run(media.setupLegA({ codec: 'AMR' }));
    await run(media.setupLegB());
    await run(media.setRemote('A', BSS_A));
    await run(media.setRemote('B', BSS_B));
    await run(media.connect());
    await run(media.teardown());
    clock.advance(1);
    const golden = path.join(__dirname, 'golden', 'call-media.ok');
    const got = link.trace.join('\n') + '\n';
    if (process.env.SNAPTEL_UPDATE_FIXTURES === '1') fs.writeFileSync(golden, got);
    expect(got).toBe(fs.readFileSync(golden, 'utf8'));
  });

  it('teardown while the legs are in flight: the steps asked before it complete, then one DLCX; later steps fail with state', async () => {
    const { agent, mgw, run, link } = rig();
    const media = new CallMedia(agent, 'c2');
    const legA = media.setupLegA();
    const legB = media.setupLegB();
    const down = media.teardown();
    await expect(media.connect()).rejects.toThrow(/connect .*state: call c2: the call media is torn down/);
    await expect(run(legA)).resolves.toMatchObject({ leg: 'A' });
    await expect(run(legB)).resolves.toMatchObject({ leg: 'B' });
    await run(down);
    expect(link.trace.filter((l) => l.includes('> ')).map((l) => l.split(' ')[2])).toEqual(['CRCX', 'CRCX', 'DLCX']);
    expect(mgw.endpointsInUse()).toEqual([]);
    expect(agent.endpoints()).toEqual([]);
    await expect(media.setRemote('A', BSS_A)).rejects.toBeInstanceOf(MgcpAgentError);
  });

  it('steps out of order fail with state and change nothing', async () => {
    const { agent, run, link } = rig();
    const media = new CallMedia(agent, 'c3');
    await expect(run(media.setupLegB())).rejects.toThrow(/setupLegB .*state: call c3: not allowed in phase 'idle'/);
    await expect(run(media.setRemote('A', BSS_A))).rejects.toMatchObject({ code: 'state' });
    await run(media.setupLegA());
    await expect(run(media.setRemote('B', BSS_B))).rejects.toThrow(/leg B is not set up/);
    await run(media.setupLegB());
    await expect(run(media.connect())).rejects.toThrow(/leg A has no remote RTP address yet/);
    expect(media.state().phase).toBe('legs');
    expect(link.trace.filter((l) => l.includes('> ')).map((l) => l.split(' ')[2])).toEqual(['CRCX', 'CRCX']);
  });

  it('a remote known at CRCX time goes into the CRCX as SDP', async () => {
    const { agent, mgw, run } = rig();
    const media = new CallMedia(agent, 'c4', { codec: 'GSM' });
    const a = await run(media.setupLegA({ remote: BSS_A }));
    expect(a.remote).toEqual(BSS_A);
    expect(mgw.endpointsInUse()[0]!.connections[0]).toMatchObject({ remote: '10.23.0.5:7000', mode: 'recvonly' });
  });

  it('teardown of a call whose leg A failed sends nothing; a teardown the gateway answers 515 still resolves', async () => {
    const { agent, run, link, mgw } = rig({ endpoints: 1 });
    const busy = new CallMedia(agent, 'busy');
    await run(busy.setupLegA());
    const media = new CallMedia(agent, 'c5');
    await expect(run(media.setupLegA())).rejects.toMatchObject({ code: 'error-response', responseCode: 500 });
    const before = link.commands;
    await run(media.teardown());
    expect(link.commands).toBe(before);
    // the gateway lost the call (e.g. an operator reset it): DLCX gets 515, teardown is still done
    await run(agent.resetEndpoints());
    expect(mgw.endpointsInUse()).toEqual([]);
    await expect(run(busy.teardown())).resolves.toBeUndefined();
    expect(link.trace.at(-1)).toMatch(/^t=\d+ < 515 \d+ FAIL$/);
  });

  it('50 calls set up and torn down concurrently over a link that loses 1 in 5 commands', async () => {
    const r = rig({ endpoints: 64 });
    r.link.dropCommand = (n) => n % 5 === 4;
    const calls = Array.from({ length: 50 }, (_, i) => new CallMedia(r.agent, `call-${i}`));
    const all = Promise.all(
      calls.map(async (c, i) => {
        await c.setupLegA();
        await c.setupLegB();
        await c.setRemote('A', { ip: '10.0.0.1', port: 10000 + 4 * i });
        await c.setRemote('B', { ip: '10.0.0.2', port: 10002 + 4 * i });
        await c.connect();
      }),
    );
    await r.run(all);
    expect(r.mgw.endpointsInUse()).toHaveLength(50);
    expect(r.agent.endpoints()).toHaveLength(50);
    expect(new Set(calls.map((c) => c.endpoint)).size).toBe(50);
    for (const e of r.mgw.endpointsInUse()) {
      expect(e.connections).toHaveLength(2);
      expect(e.connections.every((c) => c.mode === 'sendrecv')).toBe(true);
    }
    expect(r.agent.stats().retransmissions).toBeGreaterThan(0);
    await r.run(Promise.all(calls.map((c) => c.teardown())));
    expect(r.mgw.endpointsInUse()).toEqual([]);
    expect(r.agent.endpoints()).toEqual([]);
    expect(r.agent.pending()).toEqual([]);
  });

  it('a lost answer to a wildcard CRCX: osmo-mgw (and the fake) run the retransmission on another endpoint; the first stays until resetEndpoints()', async () => {
    const { agent, mgw, run, link } = rig();
    link.dropResponse = (n) => n === 0;
    const media = new CallMedia(agent, 'c6');
    const a = await run(media.setupLegA());
    // the first CRCX made a connection on rtpbridge/1 whose answer was lost; the retransmission made rtpbridge/2
    expect(media.endpoint).toBe('rtpbridge/2@mgw');
    expect(a.local).toEqual({ ip: '127.0.0.1', port: 4004 });
    // the agent never heard of rtpbridge/1's connection: it stays on the gateway until a reset
    expect(mgw.endpointsInUse().map((e) => e.endpoint)).toEqual(['rtpbridge/1@mgw', 'rtpbridge/2@mgw']);
    await run(media.teardown());
    expect(mgw.endpointsInUse().map((e) => e.endpoint)).toEqual(['rtpbridge/1@mgw']);
    await run(agent.resetEndpoints());
    expect(mgw.endpointsInUse()).toEqual([]);
  });
});
