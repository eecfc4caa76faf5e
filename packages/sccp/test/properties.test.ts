/**
 * Property tests (fast-check): whatever arrives from the network, receive()
 * never throws and never leaks a connection; whatever two users do, both
 * ends of the wire agree on the connections that exist, with and without
 * lost messages.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode, MESSAGES, type SccpMessage, type SccpNode, type SccpConnection } from '../src';
import { at, BSSAP, hex, Recorder, Wire } from './harness';

// ---- random input for receive() ----

const pc = fc.constantFrom(1, 2, 3);
const ref = fc.integer({ min: 0, max: 6 });
const addr = fc.oneof(
  fc.record({ routing: fc.constant('ssn' as const), pc, ssn: fc.constantFrom(BSSAP, 8, 0) }),
  fc.record({ routing: fc.constant('ssn' as const), ssn: fc.constantFrom(BSSAP, 8) }),
  fc.constant({ routing: 'gt' as const, gt: { gti: 4 as const, tt: 0, np: 1, nai: 4, digits: '4912' } }),
);
const cls = fc.record({ class: fc.integer({ min: 0, max: 3 }), handling: fc.constantFrom(0, 8) });
const dat = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b).toString('hex'));
const seq = fc.record({ sendSeq: fc.integer({ min: 0, max: 127 }), recvSeq: fc.integer({ min: 0, max: 127 }), more: fc.boolean() });
const segmentation = fc.record({ first: fc.boolean(), class: fc.integer({ min: 0, max: 1 }), remaining: fc.integer({ min: 0, max: 3 }), ref: fc.integer({ min: 0, max: 2 }) });

/** Well-formed messages of every type, with references and addresses drawn from small sets so that they meet live connections. */
const message: fc.Arbitrary<SccpMessage> = fc.oneof(
  fc.record({ type: fc.constant('CR'), srcRef: ref, protocolClass: cls, called: addr, data: fc.option(dat, { nil: undefined }) }),
  fc.record({ type: fc.constant('CC'), dstRef: ref, srcRef: ref, protocolClass: cls }),
  fc.record({ type: fc.constant('CREF'), dstRef: ref, refusalCause: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ type: fc.constant('RLSD'), dstRef: ref, srcRef: ref, releaseCause: fc.integer({ min: 0, max: 16 }) }),
  fc.record({ type: fc.constant('RLC'), dstRef: ref, srcRef: ref }),
  fc.record({ type: fc.constant('DT1'), dstRef: ref, segmentingReassembling: fc.integer({ min: 0, max: 1 }), data: dat }),
  fc.record({ type: fc.constant('DT2'), dstRef: ref, sequencing: seq, data: dat }),
  fc.record({ type: fc.constant('AK'), dstRef: ref, receiveSeq: fc.integer({ min: 0, max: 255 }), credit: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ type: fc.constant('UDT'), protocolClass: cls, called: addr, calling: addr, data: dat }),
  fc.record({ type: fc.constant('UDTS'), returnCause: fc.integer({ min: 0, max: 14 }), called: addr, calling: addr, data: dat }),
  fc.record({ type: fc.constant('RSR'), dstRef: ref, srcRef: ref, resetCause: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ type: fc.constant('ERR'), dstRef: ref, errorCause: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ type: fc.constant('IT'), dstRef: ref, srcRef: ref, protocolClass: cls, sequencing: seq, credit: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ type: fc.constant('XUDT'), protocolClass: cls, hopCounter: fc.integer({ min: 0, max: 15 }), called: addr, calling: addr, data: dat, segmentation: fc.option(segmentation, { nil: undefined }) }),
  fc.record({ type: fc.constant('XUDTS'), returnCause: fc.integer({ min: 0, max: 14 }), hopCounter: fc.integer({ min: 0, max: 15 }), called: addr, calling: addr, data: dat }),
).map((m) => {
  const o = m as Record<string, unknown>;
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return m as unknown as SccpMessage;
});

const known = MESSAGES.map((m) => m.code);
/** A CR that the bound user gets to answer, so that many runs have live connections. */
const goodCr = fc
  .record({ srcRef: ref, data: fc.option(dat, { nil: undefined }) })
  .map(({ srcRef, data }) => encode({ type: 'CR', srcRef, protocolClass: { class: 2, handling: 0 }, called: at(1), ...(data ? { data } : {}) } as SccpMessage));
const input = fc.oneof(
  { weight: 3, arbitrary: message.map((m) => encode(m)) },
  { weight: 1, arbitrary: goodCr },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...known, 0x13, 0xff), fc.uint8Array({ maxLength: 60 })).map(([t, rest]) => Uint8Array.from([t, ...rest])) },
  { weight: 1, arbitrary: message.map((m) => encode(m)).chain((b) => fc.tuple(fc.nat(b.length - 1), fc.nat(255)).map(([i, v]) => { const c = b.slice(); c[i] = v; return c; })) },
);
const step = fc.record({ bytes: input, opc: fc.constantFrom(2, 3), dpc: fc.constantFrom(1, 1, 1, 1, 9), sls: fc.nat(15), wait: fc.constantFrom(0, 0, 0, 1_000, 60_000, 500_000) });

describe('receive() with random input', () => {
  it('never throws, never errs inside, and leaves no connection, reassembly or timer behind', () => {
    let connections = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 60 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }), (steps, answers) => {
        const w = new Wire();
        const A = w.add('A', { pc: 1 });
        const user = new Recorder('user', 'manual');
        let k = 0;
        user.onConnectIndication = (conn) => {
          user.conns.push(conn);
          if (answers[k++ % answers.length]) conn.accept();
          else conn.refuse(0);
        };
        A.bind(BSSAP, user);
        for (const s of steps) {
          A.receive(s.bytes, { opc: s.opc, dpc: s.dpc, sls: s.sls });
          if (s.wait) w.advance(s.wait);
        }
        connections += user.conns.length;
        const c = A.status().counters;
        expect(c['internal-errors']).toBeUndefined();
        expect(c['user-errors']).toBeUndefined();
        // (A return addressed to a calling PC of our own comes back through the wire: rx may count it too.)
        expect(c.rx ?? 0).toBeGreaterThanOrEqual(steps.length);
        // Whatever was set up ends by itself: T(iar), T(rel), T(int), T(conn_est), T(reassembly).
        w.advance(3 * 3600_000);
        expect(A.connections()).toEqual([]);
        expect(A.status().reassembling).toBe(0);
        expect(w.clock.pending()).toEqual([]);
        // Every connection handed to the user was released exactly once (Recorder throws on a second time).
        expect(user.released.size).toBe(user.conns.length);
      }),
      { numRuns: 400 },
    );
    // The generator does reach live connections.
    expect(connections).toBeGreaterThan(300);
  });
});

// ---- model: two users doing random things ----

type Action =
  | { t: 'connect'; side: 0 | 1; len: number }
  | { t: 'send'; side: 0 | 1; pick: number; len: number }
  | { t: 'release'; side: 0 | 1; pick: number }
  | { t: 'step'; n: number }
  | { t: 'pump' }
  | { t: 'wait'; ms: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('connect' as const), side: fc.constantFrom(0 as const, 1 as const), len: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('send' as const), side: fc.constantFrom(0 as const, 1 as const), pick: fc.nat(), len: fc.integer({ min: 1, max: 600 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('release' as const), side: fc.constantFrom(0 as const, 1 as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('step' as const), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('pump' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('wait' as const), ms: fc.constantFrom(1_000, 10_000, 61_000, 420_000) }) },
);

interface Side {
  node: SccpNode;
  user: Recorder;
  /** What this side sent on each of its connections. */
  sent: Map<SccpConnection, string[]>;
}

function world() {
  const w = new Wire();
  const mk = (name: string, pc: number): Side => {
    const node = w.add(name, { pc });
    const user = new Recorder(name);
    node.bind(BSSAP, user);
    return { node, user, sent: new Map() };
  };
  return { w, sides: [mk('A', 1), mk('B', 2)] as [Side, Side] };
}

function run(w: Wire, sides: [Side, Side], actions: Action[], answers: boolean[]): void {
  let k = 0;
  for (const s of sides)
    s.user.onConnectIndication = (conn) => {
      s.user.conns.push(conn);
      if (answers[k++ % answers.length]) conn.accept();
      else conn.refuse(0);
    };
  let serial = 0;
  const payload = (len: number) => Uint8Array.from({ length: len }, (_, i) => (serial + i) & 0xff);
  for (const a of actions) {
    switch (a.t) {
      case 'connect': {
        const s = sides[a.side];
        const peer = a.side === 0 ? 2 : 1;
        serial++;
        const c = s.node.connect(at(peer), a.len ? payload(a.len) : undefined, s.user);
        s.user.conns.push(c);
        // Data in (or after) the CR reaches the peer as connect data (up to 128) or as data.
        if (a.len > 128) s.sent.set(c, [hex(payload(a.len))]);
        break;
      }
      case 'send': {
        const s = sides[a.side];
        const live = s.node.connections().filter((c) => c.state === 'ACTIVE' || c.state === 'CONN_PEND_OUT');
        if (live.length === 0) break;
        const c = live[a.pick % live.length]!;
        serial++;
        const d = payload(a.len);
        if (c.send(d)) s.sent.set(c, [...(s.sent.get(c) ?? []), hex(d)]);
        break;
      }
      case 'release': {
        const s = sides[a.side];
        const live = s.node.connections().filter((c) => c.state !== 'CONN_PEND_IN');
        if (live.length > 0) live[a.pick % live.length]!.release();
        break;
      }
      case 'step':
        for (let i = 0; i < a.n; i++) w.step();
        break;
      case 'pump':
        w.pump();
        break;
      case 'wait':
        w.advance(a.ms);
        break;
    }
  }
}

/** Both ends agree: every connection is ACTIVE and its peer holds the mirror image. */
function agree(sides: [Side, Side]): void {
  const [a, b] = sides;
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    for (const c of x.node.connections()) {
      expect(c.state, `${c.name}`).toBe('ACTIVE');
      const peer = y.node.connection(c.remoteRef!);
      expect(peer, `${c.name}: peer reference ${c.remoteRef}`).toBeDefined();
      expect(peer!.state).toBe('ACTIVE');
      expect(peer!.remoteRef).toBe(c.localRef);
      // Everything sent on a connection both ends still hold arrived, in order.
      expect((y.user.byConn.get(peer!) ?? []).map(hex)).toEqual(x.sent.get(c) ?? []);
    }
  }
  expect(a.node.connections().length).toBe(b.node.connections().length);
}

function releaseAll(w: Wire, sides: [Side, Side]): void {
  for (const c of sides[0].node.connections()) c.release();
  w.pump();
  for (const s of sides) {
    expect(s.node.connections()).toEqual([]);
    // Every connection either side ever had was reported released exactly once.
    expect(s.user.released.size).toBe(s.user.conns.length);
  }
}

describe('model: random user actions on both ends', () => {
  it('without loss: once the wire is empty, both ends hold the same connections', () => {
    let peak = 0;
    let total = 0;
    let ever = 0;
    fc.assert(
      fc.property(fc.array(action, { minLength: 10, maxLength: 80 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }), (actions, answers) => {
        const { w, sides } = world();
        run(w, sides, actions, answers);
        w.pump();
        ever += sides[0].user.conns.length;
        peak = Math.max(peak, sides[0].node.connections().length);
        total += sides[0].node.connections().length;
        agree(sides);
        for (const s of sides) {
          expect(s.node.status().counters['internal-errors']).toBeUndefined();
          expect(s.node.status().counters['user-errors']).toBeUndefined();
        }
        releaseAll(w, sides);
      }),
      { numRuns: 300 },
    );
    expect(peak).toBeGreaterThan(5);
    expect(total).toBeGreaterThan(200);
    expect(ever).toBeGreaterThan(800);
  });

  it('with lost messages: once the loss stops, the timers bring both ends back to agreement', () => {
    let lossyRuns = 0;
    fc.assert(
      fc.property(fc.array(action, { minLength: 10, maxLength: 80 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), (actions, answers, losses) => {
        const { w, sides } = world();
        let i = 0;
        let lost = 0;
        w.drop = () => {
          const l = losses[i++ % losses.length]!;
          if (l) lost++;
          return l;
        };
        run(w, sides, actions, answers);
        if (lost > 0 && sides.some((s) => s.user.conns.length > 0)) lossyRuns++;
        w.drop = undefined;
        // Half-open connections are found by IT (answered with ERR) or T(iar); pending ones by T(conn_est), T(int).
        w.advance(3 * 3600_000);
        for (const s of sides) for (const c of s.node.connections()) s.sent.delete(c); // data lost on the way is not compared
        for (const s of sides) for (const c of s.node.connections()) expect(c.state).toBe('ACTIVE');
        const [a, b] = sides;
        for (const c of a.node.connections()) expect(b.node.connection(c.remoteRef!)?.remoteRef).toBe(c.localRef);
        for (const c of b.node.connections()) expect(a.node.connection(c.remoteRef!)?.remoteRef).toBe(c.localRef);
        expect(w.clock.pending().every((t) => /T\((ias|iar)\)$/.test(t.name))).toBe(true);
        releaseAll(w, sides);
      }),
      { numRuns: 300 },
    );
    // Most runs did lose messages of connections.
    expect(lossyRuns).toBeGreaterThan(150);
  });
});
