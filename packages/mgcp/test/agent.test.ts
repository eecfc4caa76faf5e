import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallAgent, FakeMgw, getParam, MAX_TID, MgcpAgentError, type CallAgentOptions, type MgcpResponse } from '../src';
import { bytes, flush, MemoryLog, RecordingTransport, response, SDP_4002, VirtualClock } from './agent-harness';

function setup(opts: Partial<CallAgentOptions> = {}) {
  const clock = new VirtualClock();
  const transport = new RecordingTransport(clock);
  const log = new MemoryLog();
  const agent = new CallAgent({ transport, timers: clock, log, firstTid: 100, ...opts });
  return { clock, transport, log, agent };
}

/** Settles a promise into a value the test can inspect synchronously after flush(). */
function track<T>(p: Promise<T>) {
  const s: { value?: T; error?: unknown; settled: number } = { settled: 0 };
  p.then(
    (v) => {
      s.value = v;
      s.settled++;
    },
    (e) => {
      s.error = e;
      s.settled++;
    },
  );
  return s;
}

const auep = (agent: CallAgent, ep = 'rtpbridge/1@mgw') => agent.request({ verb: 'AUEP', endpoint: ep, params: [] });

describe('CallAgent transactions', () => {
  it('sends one command with the next transaction id and resolves with its response', async () => {
    const { agent, transport, clock } = setup();
    const s = track(auep(agent));
    expect(transport.heads()).toEqual(['AUEP 100 rtpbridge/1@mgw MGCP 1.0']);
    expect(transport.sent[0]!.text).toBe('AUEP 100 rtpbridge/1@mgw MGCP 1.0\r\n');
    expect(agent.pending()).toEqual([{ tid: 100, verb: 'AUEP', endpoint: 'rtpbridge/1@mgw', tries: 1, deadline: 200 }]);
    agent.receive(response(200, 100));
    await flush();
    expect(s.settled).toBe(1);
    expect((s.value as MgcpResponse).code).toBe(200);
    expect(agent.pending()).toEqual([]);
    expect(clock.armed()).toEqual([]); // the retransmission timer is cancelled
    const s2 = track(auep(agent));
    expect(transport.heads()[1]).toBe('AUEP 101 rtpbridge/1@mgw MGCP 1.0');
    agent.receive(response(200, 101));
    await flush();
    expect(s2.settled).toBe(1);
  });

  it('retransmits with the same id, doubling from 200 ms to 4 s, and times out after 6 transmissions', async () => {
    const { agent, transport, clock, log } = setup();
    const s = track(agent.request({ verb: 'MDCX', endpoint: 'rtpbridge/3@mgw', params: [{ name: 'I', value: 'AB' }] }));
    const deadlines: number[] = [];
    for (let i = 0; i < 6; i++) {
      deadlines.push(agent.pending()[0]!.deadline);
      clock.advance(agent.pending()[0]!.deadline - clock.now());
    }
    await flush();
    // sends at 0, 200, 600, 1400, 3000, 6200; gives up 4000 ms after the last
    expect(transport.sent.map((x) => x.at)).toEqual([0, 200, 600, 1400, 3000, 6200]);
    expect(deadlines).toEqual([200, 600, 1400, 3000, 6200, 10200]);
    expect(new Set(transport.sent.map((x) => x.text)).size).toBe(1); // byte-identical: same tid
    expect(clock.now()).toBe(10200);
    expect(s.error).toBeInstanceOf(MgcpAgentError);
    const e = s.error as MgcpAgentError;
    expect(e.code).toBe('timeout');
    expect([e.verb, e.endpoint, e.tid]).toEqual(['MDCX', 'rtpbridge/3@mgw', 100]);
    expect(e.message).toBe('mgcp MDCX rtpbridge/3@mgw (tid 100): timeout: no final response after 6 transmissions');
    expect(agent.pending()).toEqual([]);
    expect(clock.armed()).toEqual([]);
    expect(agent.stats()).toMatchObject({ transactions: 1, retransmissions: 5, timeouts: 1 });
    expect(log.count('info', 'retransmission')).toBe(5);
    expect(log.count('warn', 'timed out')).toBe(1);
  });

  it('follows a configured schedule (pending() shows tries and the next deadline)', async () => {
    const { agent, transport, clock } = setup({ retransmit: { firstMs: 100, maxMs: 300, maxTries: 5 } });
    const s = track(auep(agent));
    const seen: Array<[number, number]> = [];
    while (agent.pending().length) {
      const p = agent.pending()[0]!;
      seen.push([p.tries, p.deadline]);
      clock.advance(p.deadline - clock.now());
    }
    await flush();
    expect(transport.sent.map((x) => x.at)).toEqual([0, 100, 300, 600, 900]);
    expect(seen).toEqual([
      [1, 100],
      [2, 300],
      [3, 600],
      [4, 900],
      [5, 1200],
    ]);
    expect((s.error as MgcpAgentError).code).toBe('timeout');
  });

  it('an answer between retransmissions stops them', async () => {
    const { agent, transport, clock } = setup();
    const s = track(auep(agent));
    clock.advance(700); // sends at 0, 200, 600
    agent.receive(response(200, 100));
    clock.advance(20_000);
    await flush();
    expect(transport.sent.map((x) => x.at)).toEqual([0, 200, 600]);
    expect(s.value!.code).toBe(200);
  });

  it('waits on after a provisional 1xx, acknowledges a final response with empty K:, and once only', async () => {
    const { agent, transport, clock } = setup();
    const s = track(auep(agent));
    clock.advance(50);
    agent.receive(response(100, 100));
    await flush();
    expect(s.settled).toBe(0);
    expect(agent.pending()[0]!.deadline).toBe(4050); // no 200 ms retransmission: the gateway has it
    clock.advance(4000); // t = 4050: one retransmission at the long interval
    expect(transport.sent.map((x) => x.at)).toEqual([0, 4050]);
    agent.receive(response(101, 100)); // queued: still waiting
    agent.receive(bytes('200 100 OK\r\nK:\r\n'));
    await flush();
    expect(s.value!.code).toBe(200);
    expect(transport.sent.slice(2).map((x) => x.text)).toEqual(['000 100\r\n']);
    // the gateway did not get our 000 and repeats its response: acknowledged again, not resolved again
    agent.receive(bytes('200 100 OK\r\nK:\r\n'));
    await flush();
    expect(s.settled).toBe(1);
    expect(transport.sent.slice(2).map((x) => x.text)).toEqual(['000 100\r\n', '000 100\r\n']);
    expect(agent.stats()).toMatchObject({ provisional: 2, acksSent: 2, duplicates: 1 });
    expect(clock.armed()).toEqual([]);
  });

  it('a provisional response does not extend the transaction beyond maxTries transmissions', async () => {
    const { agent, transport, clock } = setup({ retransmit: { maxTries: 3 } });
    const s = track(auep(agent));
    agent.receive(response(100, 100));
    clock.advance(100_000);
    await flush();
    expect(transport.sent.map((x) => x.at)).toEqual([0, 4000, 8000]);
    expect((s.error as MgcpAgentError).code).toBe('timeout');
    expect(clock.now()).toBe(100_000);
  });

  it('drops repeated responses (no K: means no acknowledgement)', async () => {
    const { agent, transport } = setup();
    const s = track(auep(agent));
    for (let i = 0; i < 3; i++) agent.receive(response(200, 100));
    await flush();
    expect(s.settled).toBe(1);
    expect(transport.sent).toHaveLength(1);
    expect(agent.stats().duplicates).toBe(2);
  });

  it('rejects a non-2xx final response with error-response naming verb, endpoint, tid and code', async () => {
    const { agent } = setup();
    const s = track(agent.mdcx('rtpbridge/1', 'DEAD', { callId: 'c1', mode: 'sendrecv' }));
    agent.receive(response(515, 100));
    await flush();
    const e = s.error as MgcpAgentError;
    expect(e).toBeInstanceOf(MgcpAgentError);
    expect(e.code).toBe('error-response');
    expect(e.responseCode).toBe(515);
    expect(e.message).toBe('mgcp MDCX rtpbridge/1@mgw (tid 100): error-response: 515 FAIL');
  });

  it('ignores a late response after a timeout (no resolve, no throw, nothing sent)', async () => {
    const { agent, transport, clock, log } = setup({ retransmit: { maxTries: 1 } });
    const s = track(agent.mdcx('rtpbridge/1@mgw', 'AB', { callId: 'c1' }));
    clock.advance(200);
    await flush();
    expect((s.error as MgcpAgentError).code).toBe('timeout');
    agent.receive(response(200, 100, [], SDP_4002));
    await flush();
    expect(s.settled).toBe(1);
    expect(transport.sent).toHaveLength(1);
    expect(agent.stats().lateResponses).toBe(1);
    expect(log.count('debug', 'late response')).toBe(1);
  });

  it('releases the connection of a CRCX answered after its timeout', async () => {
    const { agent, transport, clock } = setup({ retransmit: { maxTries: 1 } });
    const s = track(agent.crcx('rtpbridge/*', { callId: 'call9', mode: 'recvonly' }));
    clock.advance(200);
    await flush();
    expect((s.error as MgcpAgentError).code).toBe('timeout');
    agent.receive(response(200, 100, [['Z', 'rtpbridge/4@mgw'], ['I', '1A2B']], SDP_4002));
    agent.receive(response(200, 100, [['Z', 'rtpbridge/4@mgw'], ['I', '1A2B']], SDP_4002)); // once only
    await flush();
    expect(transport.sent.map((x) => x.text)).toEqual([
      'CRCX 100 rtpbridge/*@mgw MGCP 1.0\r\nC: call9\r\nM: recvonly\r\n',
      'DLCX 101 rtpbridge/4@mgw MGCP 1.0\r\nC: call9\r\nI: 1A2B\r\n',
    ]);
    expect(agent.endpoints()).toEqual([]);
    agent.receive(response(250, 101));
    await flush();
    expect(agent.stats().orphansReleased).toBe(1);
  });

  it('a wildcard CRCX the gateway executed twice (retransmission): keeps the first, releases the second', async () => {
    const { agent, transport, clock } = setup();
    const s = track(agent.crcx('rtpbridge/*@mgw', { callId: 'c7', mode: 'recvonly' }));
    clock.advance(200); // retransmitted; osmo-mgw makes a connection on another endpoint for it
    agent.receive(response(200, 100, [['Z', 'rtpbridge/1@mgw'], ['I', 'AAAA0001']], SDP_4002));
    agent.receive(response(200, 100, [['Z', 'rtpbridge/2@mgw'], ['I', 'BBBB0002']], SDP_4002));
    await flush();
    expect(s.value).toMatchObject({ endpoint: 'rtpbridge/1@mgw', connId: 'AAAA0001', local: { ip: '127.0.0.1', port: 4002 } });
    expect(transport.heads()).toEqual(['CRCX 100 rtpbridge/*@mgw MGCP 1.0', 'CRCX 100 rtpbridge/*@mgw MGCP 1.0', 'DLCX 101 rtpbridge/2@mgw MGCP 1.0']);
    expect(getParam(transport.sent[2]!.msg, 'I')).toBe('BBBB0002');
    expect(agent.endpoints()).toEqual([{ endpoint: 'rtpbridge/1@mgw', connections: [{ connId: 'AAAA0001', callId: 'c7', mode: 'recvonly', local: '127.0.0.1:4002' }] }]);
  });

  it('with releaseOrphans off, a late CRCX answer is only logged', async () => {
    const { agent, transport, clock, log } = setup({ retransmit: { maxTries: 1 }, releaseOrphans: false });
    track(agent.crcx('rtpbridge/*', { callId: 'c', mode: 'recvonly' }));
    clock.advance(200);
    agent.receive(response(200, 100, [['Z', 'rtpbridge/4@mgw'], ['I', '1A2B']]));
    await flush();
    expect(transport.sent).toHaveLength(1);
    expect(log.count('warn', 'nobody holds')).toBe(1);
  });

  it('transaction ids wrap from 999999999 to 1 and skip ids still pending', async () => {
    const { agent, transport } = setup({ firstTid: 1 });
    track(auep(agent)); // tid 1 stays pending
    agent.resetTransactionIds(MAX_TID - 1);
    for (let i = 0; i < 4; i++) track(auep(agent));
    expect(transport.heads().map((h) => Number(h.split(' ')[1]))).toEqual([1, 999_999_998, 999_999_999, 2, 3]);
    expect(() => agent.resetTransactionIds(0)).toThrow(RangeError);
    expect(() => agent.resetTransactionIds(MAX_TID + 1)).toThrow(RangeError);
  });

  it('does not reuse an answered id while it is remembered (duplicates must not match a new transaction)', async () => {
    const { agent, transport, clock } = setup({ firstTid: MAX_TID, historyMs: 1000 });
    track(auep(agent)); // tid 999999999
    agent.receive(response(200, MAX_TID));
    await flush();
    agent.resetTransactionIds(MAX_TID);
    track(auep(agent));
    expect(transport.heads()[1]).toBe('AUEP 1 rtpbridge/1@mgw MGCP 1.0');
    agent.receive(response(200, 1));
    clock.advance(1001); // forgotten now
    agent.resetTransactionIds(MAX_TID);
    track(auep(agent));
    expect(transport.heads()).toHaveLength(3);
    expect(transport.heads()[2]).toBe(`AUEP ${MAX_TID} rtpbridge/1@mgw MGCP 1.0`);
  });

  it('derives the first transaction id from the clock when none is given', () => {
    const clock = new VirtualClock();
    clock.t = 1_700_000_000_123;
    const transport = new RecordingTransport(clock);
    const agent = new CallAgent({ transport, timers: clock });
    track(auep(agent));
    expect(transport.heads()[0]).toBe(`AUEP ${1 + (Math.floor(1_700_000_000_123 / 10) % MAX_TID)} rtpbridge/1@mgw MGCP 1.0`);
    agent.resetTransactionIds();
    clock.t += 5000;
    track(auep(agent));
    expect(transport.heads()[1]).toBe(`AUEP ${1 + (Math.floor(1_700_000_005_123 / 10) % MAX_TID)} rtpbridge/1@mgw MGCP 1.0`);
  });

  it('1000 concurrent transactions, answered in random order with losses and duplicates, each get their own response', async () => {
    const { agent, transport, clock } = setup({ firstTid: MAX_TID - 500 });
    const N = 1000;
    const states = Array.from({ length: N }, (_, i) => track(auep(agent, `rtpbridge/${(i + 1).toString(16)}@mgw`)));
    expect(agent.pending()).toHaveLength(N);
    expect(new Set(agent.pending().map((p) => p.tid)).size).toBe(N);
    // answer every command by its tid with a comment naming its endpoint; lose the first answer of every 7th,
    // answer every 5th twice; shuffle with a fixed seed
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    const answer = (from: number) => {
      const batch = transport.sent.slice(from).map((s) => s.msg);
      for (let i = batch.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [batch[i], batch[j]] = [batch[j]!, batch[i]!];
      }
      return batch;
    };
    const first = answer(0);
    for (const m of first) {
      if (m.type !== 'command') continue;
      const tid = Number(m.transactionId);
      if (tid % 7 === 0) continue;
      const r = bytes(`200 ${tid} ${m.endpoint}\r\n`);
      agent.receive(r);
      if (tid % 5 === 0) agent.receive(r);
    }
    await flush();
    const lost = first.filter((m) => Number(m.transactionId) % 7 === 0).length;
    expect(agent.pending()).toHaveLength(lost);
    const before = transport.sent.length;
    clock.advance(200); // exactly the lost ones are retransmitted
    expect(transport.sent.length - before).toBe(lost);
    for (const m of answer(before)) if (m.type === 'command') agent.receive(bytes(`200 ${m.transactionId} ${m.endpoint}\r\n`));
    await flush();
    expect(agent.pending()).toEqual([]);
    expect(clock.armed()).toEqual([]);
    states.forEach((s, i) => {
      expect(s.settled).toBe(1);
      expect(s.value!.comment).toBe(`rtpbridge/${(i + 1).toString(16)}@mgw`);
    });
    // the ids wrapped around 999999999 on the way
    const tids = transport.sent.slice(0, N).map((s) => Number((s.msg as { transactionId: string }).transactionId));
    expect(tids.slice(499, 502)).toEqual([MAX_TID - 1, MAX_TID, 1]);
  });

  it('piggy-backed responses in one datagram each complete their transaction', async () => {
    const { agent } = setup();
    const a = track(auep(agent));
    const b = track(auep(agent, 'rtpbridge/2@mgw'));
    agent.receive(bytes('200 100 OK\r\n.\r\n515 101 FAIL\r\n'));
    await flush();
    expect(a.value!.code).toBe(200);
    expect((b.error as MgcpAgentError).responseCode).toBe(515);
  });

  it('never throws on bad input: garbage is dropped, an undecodable answer to a pending id is a bad-response', async () => {
    const { agent, log } = setup();
    const s = track(auep(agent));
    const other = track(auep(agent, 'rtpbridge/2@mgw'));
    expect(() => agent.receive(new Uint8Array(0))).not.toThrow();
    expect(() => agent.receive(bytes('\x00\x01garbage'))).not.toThrow();
    expect(() => agent.receive(bytes('200 77 OK\r\n'))).not.toThrow(); // unknown transaction
    agent.receive(bytes('200 100 OK\r\nI: 1\r\n\r\nv=0\r\nbroken sdp line\r\n'));
    await flush();
    const e = s.error as MgcpAgentError;
    expect(e.code).toBe('bad-response');
    expect(e.tid).toBe(100);
    expect(e.message).toMatch(/^mgcp AUEP rtpbridge\/1@mgw \(tid 100\): bad-response: response does not decode: mgcp response 200, IE SDP, at byte \d+/);
    expect(other.settled).toBe(0);
    expect(agent.stats()).toMatchObject({ badInput: 3, unknownResponses: 1 });
    expect(log.count('warn')).toBeGreaterThanOrEqual(4);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        agent.receive(b);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{3} 10[01]( [A-Z]+)?(\r\n[A-Z]: [ -~]{0,12}){0,3}(\r\n\r\n[a-z]=[ -~]{0,20})?$/), (t) => {
        agent.receive(bytes(t));
      }),
      { numRuns: 500 },
    );
  });

  it('answers commands from the gateway: RSIP and NTFY with 200, others with 504 (or what onCommand says)', () => {
    const { agent, transport } = setup();
    agent.receive(bytes('RSIP 5 rtpbridge/*@mgw MGCP 1.0\r\nRM: restart\r\n'));
    agent.receive(bytes('EPCF 6 rtpbridge/1@mgw MGCP 1.0\r\n'));
    expect(transport.sent.map((s) => s.text)).toEqual(['200 5 OK\r\n', '504 6 FAIL\r\n']);
    const seen: string[] = [];
    const b = setup({ onCommand: (c) => (seen.push(c.verb), 501) });
    b.agent.receive(bytes('NTFY 9 rtpbridge/1@mgw MGCP 1.0\r\n'));
    expect(b.transport.sent.map((s) => s.text)).toEqual(['501 9 FAIL\r\n']);
    expect(seen).toEqual(['NTFY']);
  });

  it('close() rejects everything pending with closed, cancels its timers, refuses new requests', async () => {
    const { agent, clock, transport } = setup();
    const s = [track(auep(agent)), track(auep(agent, 'rtpbridge/2@mgw'))];
    expect(clock.armed()).toHaveLength(2);
    agent.close();
    await flush();
    for (const x of s) expect((x.error as MgcpAgentError).code).toBe('closed');
    expect((s[1]!.error as MgcpAgentError).tid).toBe(101);
    expect(clock.armed()).toEqual([]);
    expect(agent.pending()).toEqual([]);
    const later = track(auep(agent));
    await flush();
    expect((later.error as MgcpAgentError).code).toBe('closed');
    agent.receive(response(200, 100)); // late: dropped quietly
    clock.advance(60_000);
    expect(transport.sent).toHaveLength(2);
  });

  it('a command that does not encode is a bad-request, and nothing is sent', async () => {
    const { agent, transport } = setup();
    const s = track(agent.request({ verb: 'AUEP', endpoint: 'no domain', params: [] }));
    const t = track(agent.crcx('rtpbridge/*', { callId: 'c', mode: 'recvonly', sdp: 'v=0\r\nnot sdp\r\n' }));
    await flush();
    expect((s.error as MgcpAgentError).code).toBe('bad-request');
    expect((t.error as MgcpAgentError).code).toBe('bad-request');
    expect(transport.sent).toEqual([]);
    expect(agent.pending()).toEqual([]);
  });

  it('crcx() needs I:, and Z: for a wildcard: else bad-response', async () => {
    const { agent } = setup();
    const a = track(agent.crcx('rtpbridge/*', { callId: 'c', mode: 'recvonly' }));
    const b = track(agent.crcx('rtpbridge/*', { callId: 'c', mode: 'recvonly' }));
    agent.receive(response(200, 100, [['Z', 'rtpbridge/1@mgw']]));
    agent.receive(response(200, 101, [['I', '12']]));
    await flush();
    expect((a.error as MgcpAgentError).message).toBe('mgcp CRCX rtpbridge/*@mgw (tid 100): bad-response: 200 without a connection id (I:)');
    expect((b.error as MgcpAgentError).message).toBe('mgcp CRCX rtpbridge/*@mgw (tid 101): bad-response: 200 to a wildcard CRCX without the specific endpoint (Z:)');
  });

  it('a transport that throws is logged, and the retransmission sends again', async () => {
    const { agent, transport, clock, log } = setup();
    transport.fail = true;
    const s = track(auep(agent));
    transport.fail = false;
    clock.advance(200);
    agent.receive(response(200, 100));
    await flush();
    expect(s.value!.code).toBe(200);
    expect(transport.sent.map((x) => x.at)).toEqual([200]);
    expect(log.count('warn', 'send failed')).toBe(1);
  });

  it('refuses a bad schedule', () => {
    const clock = new VirtualClock();
    const transport = new RecordingTransport(clock);
    expect(() => new CallAgent({ transport, timers: clock, retransmit: { firstMs: 0 } })).toThrow(RangeError);
    expect(() => new CallAgent({ transport, timers: clock, retransmit: { maxTries: 1.5 } })).toThrow(RangeError);
    expect(() => new CallAgent({ transport, timers: clock, retransmit: { firstMs: 500, maxMs: 100 } })).toThrow(RangeError);
  });
});

describe('CallAgent book of endpoints (against FakeMgw)', () => {
  function wired() {
    const clock = new VirtualClock();
    const mgw = new FakeMgw({ endpoints: 4 });
    let agent!: CallAgent;
    const transport = {
      send: (b: Uint8Array) => {
        const r = mgw.handle(b);
        if (r) queueMicrotask(() => agent.receive(r));
      },
    };
    agent = new CallAgent({ transport, timers: clock, firstTid: 1 });
    return { agent, mgw, clock };
  }

  it('tracks CRCX, MDCX and DLCX: endpoint, call id, conn id, mode, local and remote RTP address', async () => {
    const { agent, mgw } = wired();
    const a = await agent.crcx('rtpbridge/*', { callId: 'call1', mode: 'recvonly', codec: 'AMR' });
    expect(a.endpoint).toBe('rtpbridge/1@mgw');
    expect(a.local).toEqual({ ip: '127.0.0.1', port: 4002 });
    const b = await agent.crcx(a.endpoint, { callId: 'call1', mode: 'sendrecv', sdp: 'v=0\r\nc=IN IP4 10.9.1.2\r\nm=audio 5000 RTP/AVP 112\r\n' });
    expect(b.endpoint).toBe('rtpbridge/1@mgw');
    await agent.mdcx(a.endpoint, a.connId, { callId: 'call1', mode: 'sendrecv', sdp: 'v=0\nc=IN IP4 10.9.1.1\nm=audio 6000 RTP/AVP 112\n' });
    expect(agent.endpoints()).toEqual([
      {
        endpoint: 'rtpbridge/1@mgw',
        connections: [
          { connId: a.connId, callId: 'call1', mode: 'sendrecv', local: '127.0.0.1:4002', remote: '10.9.1.1:6000' },
          { connId: b.connId, callId: 'call1', mode: 'sendrecv', local: '127.0.0.1:4004', remote: '10.9.1.2:5000' },
        ],
      },
    ]);
    expect(mgw.endpointsInUse()[0]!.connections.map((c) => c.remote)).toEqual(['10.9.1.1:6000', '10.9.1.2:5000']);
    await agent.dlcx(a.endpoint, { callId: 'call1', connId: a.connId });
    expect(agent.endpoints()[0]!.connections.map((c) => c.connId)).toEqual([b.connId]);
    await agent.dlcx(a.endpoint, { callId: 'call1' });
    expect(agent.endpoints()).toEqual([]);
    expect(mgw.endpointsInUse()).toEqual([]);
    // the gateway has nothing left: 515, and the book stays empty
    await expect(agent.dlcx(a.endpoint)).rejects.toMatchObject({ code: 'error-response', responseCode: 515 });
    expect((await agent.auep(a.endpoint)).code).toBe(200);
    await expect(agent.auep('rtpbridge/99')).rejects.toMatchObject({ responseCode: 500 });
  });

  it('resetEndpoints() clears the gateway and the book', async () => {
    const { agent, mgw } = wired();
    await agent.crcx('rtpbridge/*', { callId: 'x', mode: 'recvonly' });
    await agent.crcx('rtpbridge/*', { callId: 'y', mode: 'recvonly' });
    expect(agent.endpoints().map((e) => e.endpoint)).toEqual(['rtpbridge/1@mgw', 'rtpbridge/2@mgw']);
    await agent.resetEndpoints();
    expect(agent.endpoints()).toEqual([]);
    expect(mgw.endpointsInUse()).toEqual([]);
  });
});
