import { describe, expect, it } from 'vitest';
import { expectGolden, FsmError } from '@snaptel/fsm';
import * as path from 'node:path';
import { AS_FSM, ASP_FSM, BEAT_FSM, encode, M3uaError, m3uaTimers, RASP_FSM, type M3uaConfig, type M3uaMessage } from '../src';
import { rig, type Rig } from './harness';

/**
 * Every transition of RFC 4666 §4.3 as a table: a starting state (reached
 * by the messages listed), one input, what the endpoint answers, and the
 * states it ends in. The far end is played by the test, message by message.
 */

const GOLDEN = path.join(__dirname, 'golden');
const PD = { opc: 200, dpc: 100, si: 3, ni: 2, mp: 0, sls: 5, data: '09000305070242fe0242fe06000430040120' };

// ---------------------------------------------------------------- SG side

const SG: M3uaConfig = { role: 'sg', name: 'stp', localPc: 100, remotePcs: [300], applicationServers: [{ routingContext: 1, trafficMode: 'override' }], heartbeat: false };
const UP: M3uaMessage[] = [{ type: 'ASPUP', aspId: 7 }];
const ACTIVE: M3uaMessage[] = [...UP, { type: 'ASPAC', trafficMode: 'override', routingContext: [1] }];

interface SgRow {
  name: string;
  from: M3uaMessage[];
  /** What the far ASP sends (bytes for malformed input), on stream 0 unless given. */
  input: M3uaMessage | Uint8Array | 'association down';
  stream?: number;
  cfg?: Partial<M3uaConfig>;
  replies: string[];
  asp: string | undefined;
  as?: string;
  /** Events the endpoint emitted, by name. */
  events?: string[];
}

const sgRows: SgRow[] = [
  // ASP-DOWN
  { name: 'ASP-DOWN + ASP Up: Ack, then NTFY of the AS state; ASP-INACTIVE, AS-INACTIVE', from: [], input: { type: 'ASPUP' }, replies: ['ASPUP_ACK', 'NTFY as-state-change/as-inactive'], asp: 'ASP-INACTIVE', as: 'AS-INACTIVE' },
  { name: 'ASP-DOWN + ASP Down: acked even though down', from: [], input: { type: 'ASPDN' }, replies: ['ASPDN_ACK'], asp: 'ASP-DOWN', as: 'AS-DOWN' },
  { name: 'ASP-DOWN + ASP Active: ERR Unexpected Message', from: [], input: { type: 'ASPAC', routingContext: [1] }, replies: ['ERR unexpected-message'], asp: 'ASP-DOWN', as: 'AS-DOWN' },
  { name: 'ASP-DOWN + ASP Inactive: ERR Unexpected Message', from: [], input: { type: 'ASPIA' }, replies: ['ERR unexpected-message'], asp: 'ASP-DOWN', as: 'AS-DOWN' },
  { name: 'ASP-DOWN + DATA: ERR Unexpected Message', from: [], input: { type: 'DATA', routingContext: [1], protocolData: PD }, stream: 1, replies: ['ERR unexpected-message'], asp: 'ASP-DOWN', events: [] },
  { name: 'ASP-DOWN + ASP Up without ASP Identifier where one is required: ERR', from: [], cfg: { requireAspId: true }, input: { type: 'ASPUP' }, replies: ['ERR asp-identifier-required'], asp: 'ASP-DOWN', as: 'AS-DOWN' },
  { name: 'ASP-DOWN + DAUD: ERR Unexpected Message', from: [], input: { type: 'DAUD', affectedPointCodes: [{ mask: 0, pc: 300 }] }, replies: ['ERR unexpected-message'], asp: 'ASP-DOWN' },
  // ASP-INACTIVE
  { name: 'ASP-INACTIVE + ASP Up: Ack, nothing else', from: UP, input: { type: 'ASPUP' }, replies: ['ASPUP_ACK'], asp: 'ASP-INACTIVE', as: 'AS-INACTIVE' },
  {
    name: 'ASP-INACTIVE + ASP Active (override, RC 1): Ack, NTFY AS-ACTIVE; ASP-ACTIVE, AS-ACTIVE',
    from: UP,
    input: { type: 'ASPAC', trafficMode: 'override', routingContext: [1] },
    replies: ['ASPAC_ACK', 'NTFY as-state-change/as-active'],
    asp: 'ASP-ACTIVE',
    as: 'AS-ACTIVE',
    events: ['active'],
  },
  { name: 'ASP-INACTIVE + ASP Active without RC: active in every AS', from: UP, input: { type: 'ASPAC' }, replies: ['ASPAC_ACK', 'NTFY as-state-change/as-active'], asp: 'ASP-ACTIVE', as: 'AS-ACTIVE' },
  { name: 'ASP-INACTIVE + ASP Active for an unknown RC: ERR Invalid Routing Context', from: UP, input: { type: 'ASPAC', routingContext: [99] }, replies: ['ERR invalid-routing-context'], asp: 'ASP-INACTIVE', as: 'AS-INACTIVE' },
  { name: 'ASP-INACTIVE + ASP Active, loadshare for an override AS: ERR Unsupported Traffic Mode Type', from: UP, input: { type: 'ASPAC', trafficMode: 'loadshare', routingContext: [1] }, replies: ['ERR unsupported-traffic-mode-type'], asp: 'ASP-INACTIVE', as: 'AS-INACTIVE' },
  { name: 'ASP-INACTIVE + ASP Active with traffic mode 7: ERR Unsupported Traffic Mode Type', from: UP, input: { type: 'ASPAC', trafficMode: 7, routingContext: [1] }, replies: ['ERR unsupported-traffic-mode-type'], asp: 'ASP-INACTIVE' },
  { name: 'ASP-INACTIVE + ASP Active with no AS configured: ERR No Configured AS for ASP', from: UP, cfg: { applicationServers: [] }, input: { type: 'ASPAC' }, replies: ['ERR no-configured-as-for-asp'], asp: 'ASP-INACTIVE' },
  { name: 'ASP-INACTIVE + ASP Inactive: Ack, stays', from: UP, input: { type: 'ASPIA', routingContext: [1] }, replies: ['ASPIA_ACK'], asp: 'ASP-INACTIVE', as: 'AS-INACTIVE' },
  { name: 'ASP-INACTIVE + ASP Down: Ack; ASP-DOWN, AS-DOWN', from: UP, input: { type: 'ASPDN' }, replies: ['ASPDN_ACK'], asp: 'ASP-DOWN', as: 'AS-DOWN' },
  { name: 'ASP-INACTIVE + DATA: ERR Unexpected Message, no transfer', from: UP, input: { type: 'DATA', routingContext: [1], protocolData: PD }, stream: 1, replies: ['ERR unexpected-message'], asp: 'ASP-INACTIVE', events: [] },
  { name: 'ASP-INACTIVE + association down: ASP-DOWN, AS-DOWN', from: UP, input: 'association down', replies: [], asp: undefined, as: 'AS-DOWN' },
  { name: 'ASP-INACTIVE + DAUD: DAVA for a configured destination, DUNA for the rest', from: UP, input: { type: 'DAUD', affectedPointCodes: [{ mask: 0, pc: 300 }, { mask: 0, pc: 301 }] }, replies: ['DAVA', 'DUNA'], asp: 'ASP-INACTIVE' },
  // ASP-ACTIVE
  {
    name: 'ASP-ACTIVE + ASP Up: Ack and ERR Unexpected Message, ASP-INACTIVE in its ASes (AS-PENDING)',
    from: ACTIVE,
    input: { type: 'ASPUP' },
    replies: ['ASPUP_ACK', 'ERR unexpected-message', 'NTFY as-state-change/as-pending'],
    asp: 'ASP-INACTIVE',
    as: 'AS-PENDING',
    events: ['inactive'],
  },
  { name: 'ASP-ACTIVE + ASP Inactive: Ack, NTFY AS-PENDING; ASP-INACTIVE', from: ACTIVE, input: { type: 'ASPIA', routingContext: [1] }, replies: ['ASPIA_ACK', 'NTFY as-state-change/as-pending'], asp: 'ASP-INACTIVE', as: 'AS-PENDING' },
  { name: 'ASP-ACTIVE + ASP Inactive for an unknown RC: ERR Invalid Routing Context', from: ACTIVE, input: { type: 'ASPIA', routingContext: [42] }, replies: ['ERR invalid-routing-context'], asp: 'ASP-ACTIVE', as: 'AS-ACTIVE' },
  { name: 'ASP-ACTIVE + ASP Down: Ack; ASP-DOWN, AS-PENDING (nobody left to notify)', from: ACTIVE, input: { type: 'ASPDN' }, replies: ['ASPDN_ACK'], asp: 'ASP-DOWN', as: 'AS-PENDING' },
  { name: 'ASP-ACTIVE + ASP Active again: Ack, stays', from: ACTIVE, input: { type: 'ASPAC', routingContext: [1] }, replies: ['ASPAC_ACK'], asp: 'ASP-ACTIVE', as: 'AS-ACTIVE' },
  { name: 'ASP-ACTIVE + DATA for RC 1: MTP-TRANSFER indication', from: ACTIVE, input: { type: 'DATA', routingContext: [1], protocolData: PD }, stream: 1, replies: [], asp: 'ASP-ACTIVE', events: ['transfer'] },
  { name: 'ASP-ACTIVE + DATA without RC: MTP-TRANSFER indication', from: ACTIVE, input: { type: 'DATA', protocolData: PD }, stream: 1, replies: [], asp: 'ASP-ACTIVE', events: ['transfer'] },
  { name: 'ASP-ACTIVE + DATA for an unknown RC: ERR Invalid Routing Context', from: ACTIVE, input: { type: 'DATA', routingContext: [9], protocolData: PD }, stream: 1, replies: ['ERR invalid-routing-context'], asp: 'ASP-ACTIVE', events: [] },
  { name: 'ASP-ACTIVE + association down: ASP-DOWN, AS-PENDING with T(r)', from: ACTIVE, input: 'association down', replies: [], asp: undefined, as: 'AS-PENDING', events: ['inactive'] },
  // any state
  { name: 'BEAT: BEAT Ack with the same data, in any state', from: [], input: { type: 'BEAT', heartbeatData: 'c0ffee' }, replies: ['BEAT_ACK'], asp: 'ASP-DOWN' },
  { name: 'NTFY towards an SG: ERR Unexpected Message', from: UP, input: { type: 'NTFY', status: { type: 'as-state-change', info: 'as-active' } }, replies: ['ERR unexpected-message'], asp: 'ASP-INACTIVE' },
  { name: 'ASP Up on stream 1: ERR Invalid Stream Identifier', from: [], input: { type: 'ASPUP' }, stream: 1, replies: ['ERR invalid-stream-identifier'], asp: 'ASP-DOWN' },
  { name: 'version 2: ERR Invalid Version', from: UP, input: Uint8Array.from([2, 0, 3, 1, 0, 0, 0, 8]), replies: ['ERR invalid-version'], asp: 'ASP-INACTIVE' },
  { name: 'unknown class: ERR Unsupported Message Class', from: UP, input: Uint8Array.from([1, 0, 5, 1, 0, 0, 0, 8]), replies: ['ERR unsupported-message-class'], asp: 'ASP-INACTIVE' },
  { name: 'unknown type of a known class: ERR Unsupported Message Type', from: UP, input: Uint8Array.from([1, 0, 3, 9, 0, 0, 0, 8]), replies: ['ERR unsupported-message-type'], asp: 'ASP-INACTIVE' },
  { name: 'a parameter of the wrong length: ERR Parameter Field Error', from: UP, input: Uint8Array.from([1, 0, 4, 1, 0, 0, 0, 16, 0, 6, 0, 6, 0, 1, 0, 0]), replies: ['ERR parameter-field-error'], asp: 'ASP-INACTIVE' },
  { name: 'a mandatory parameter missing: ERR Missing Parameter', from: UP, input: Uint8Array.from([1, 0, 2, 3, 0, 0, 0, 8]), replies: ['ERR missing-parameter'], asp: 'ASP-INACTIVE' },
  { name: 'a parameter this message does not have: ERR Unexpected Parameter', from: [], input: encode({ type: 'ASPUP', unknown: [{ tag: 0x0006, value: '00000001' }] }), replies: ['ERR unexpected-parameter'], asp: 'ASP-DOWN' },
  { name: 'DATA with another Network Appearance: ERR Invalid Network Appearance', from: ACTIVE, cfg: { networkAppearance: 5 }, input: { type: 'DATA', networkAppearance: 6, protocolData: PD }, stream: 1, replies: ['ERR invalid-network-appearance'], asp: 'ASP-ACTIVE', events: [] },
];

function sgRig(row: { cfg?: Partial<M3uaConfig>; from: M3uaMessage[] }): Rig {
  const r = rig({ ...SG, ...row.cfg });
  for (const m of row.from) r.send(m);
  r.take();
  r.events.length = 0;
  return r;
}

describe('SG side: the remote ASP and its AS, one transition at a time (RFC 4666 4.3)', () => {
  for (const row of sgRows) {
    it(row.name, () => {
      const r = sgRig(row);
      if (row.input === 'association down') r.far.abort('test');
      else r.send(row.input, row.stream ?? 0);
      expect(r.said()).toEqual(row.replies);
      const st = r.ep.status();
      expect(st.peers[0]?.asp).toBe(row.asp);
      if (row.as) expect(st.ases[0]!.state).toBe(row.as);
      if (row.events) expect(r.events.map(([e]) => e)).toEqual(row.events);
    });
  }

  it('ERR carries the offending RC and the first 40 octets of the offending message', () => {
    const r = sgRig({ from: UP });
    const bad: M3uaMessage = { type: 'ASPAC', routingContext: [99], infoString: 'x'.repeat(60) };
    r.send(bad);
    const [err] = r.take();
    expect(err).toEqual({ type: 'ERR', errorCode: 'invalid-routing-context', routingContext: [99], diagnosticInfo: Buffer.from(encode(bad).subarray(0, 40)).toString('hex'), stream: 0 });
  });

  it('the DATA indication carries the routing label and the user data', () => {
    const r = sgRig({ from: ACTIVE });
    r.send({ type: 'DATA', routingContext: [1], protocolData: PD, correlationId: 4 }, 1);
    const [[, t]] = r.events as [[string, any]];
    expect({ ...t, data: Buffer.from(t.data).toString('hex') }).toEqual({ ...PD, routingContext: 1, correlationId: 4 });
  });

  it('AS-PENDING: traffic queued for T(r), sent when an ASP is active again', () => {
    const r = sgRig({ from: ACTIVE });
    r.send({ type: 'ASPIA' });
    expect(r.ep.asState(1)).toBe('AS-PENDING');
    r.take();
    const data = Uint8Array.from([1, 2, 3]);
    r.ep.transfer({ opc: 100, dpc: 200, si: 3, ni: 2, mp: 0, sls: 1, data });
    r.ep.transfer({ opc: 100, dpc: 200, si: 3, ni: 2, mp: 0, sls: 2, data });
    r.net.pump();
    expect(r.said()).toEqual([]);
    expect(r.ep.status().ases[0]!.queued).toBe(2);
    r.advance(1000); // T(r) is 2 s
    r.send({ type: 'ASPAC', routingContext: [1] });
    const out = r.take();
    expect(out.map((m) => m.type)).toEqual(['ASPAC_ACK', 'NTFY', 'DATA', 'DATA']);
    expect(out.slice(2).map((m) => [m.stream, (m as any).protocolData.sls])).toEqual([
      [2, 1],
      [3, 2],
    ]);
  });

  it('AS-PENDING: T(r) expires, the queue is dropped, AS-INACTIVE (an ASP is still up) with NTFY', () => {
    const r = sgRig({ from: ACTIVE });
    r.send({ type: 'ASPIA' });
    r.take();
    r.ep.transfer({ opc: 100, dpc: 200, si: 3, ni: 2, mp: 0, sls: 1, data: new Uint8Array(4) });
    r.advance(2000);
    expect(r.ep.asState(1)).toBe('AS-INACTIVE');
    expect(r.said()).toEqual(['NTFY as-state-change/as-inactive']);
    expect(r.ep.status().counters.dropped).toBe(1);
    expect(() => r.ep.transfer({ opc: 100, dpc: 200, si: 3, ni: 2, mp: 0, sls: 1, data: new Uint8Array(4) })).toThrow(M3uaError);
  });

  it('AS-PENDING: T(r) expires with no ASP up: AS-DOWN', () => {
    const r = sgRig({ from: ACTIVE });
    r.far.abort('gone');
    expect(r.ep.asState(1)).toBe('AS-PENDING');
    r.advance(2000);
    expect(r.ep.asState(1)).toBe('AS-DOWN');
  });

  it('RKM: REG REQ answered per routing key, DEREG REQ per routing context', () => {
    const r = sgRig({ cfg: { applicationServers: [{ routingContext: 1, dpc: 200 }] }, from: UP });
    r.send({ type: 'REG_REQ', routingKeys: [{ localRkId: 1, dpc: { mask: 0, pc: 200 } }, { localRkId: 2, dpc: { mask: 0, pc: 999 } }] });
    expect(r.take()).toEqual([
      {
        type: 'REG_RSP',
        stream: 0,
        registrationResults: [
          { localRkId: 1, registrationStatus: 'successfully-registered', routingContext: [1] },
          { localRkId: 2, registrationStatus: 'error-routing-key-not-currently-provisioned', routingContext: [0] },
        ],
      },
    ]);
    r.send({ type: 'ASPAC', routingContext: [1] });
    r.take();
    r.send({ type: 'DEREG_REQ', routingContext: [1, 5] });
    expect(r.take()[0]).toMatchObject({
      type: 'DEREG_RSP',
      deregistrationResults: [
        { routingContext: [1], deregistrationStatus: 'error-asp-currently-active-for-routing-context' },
        { routingContext: [5], deregistrationStatus: 'error-invalid-routing-context' },
      ],
    });
  });
});

// ---------------------------------------------------------------- ASP side

const ASP: M3uaConfig = { role: 'asp', name: 'msc', localPc: 200, remotePcs: [100], routingContexts: [1], trafficMode: 'override', aspId: 7, heartbeat: false };

interface AspRow {
  name: string;
  /** Acks the far SG gives first to reach the starting state. */
  from: M3uaMessage[];
  /** A user request, an incoming message, a timer, or the association. */
  input: { rx: M3uaMessage; stream?: number } | { call: 'aspUp' | 'aspActive' | 'aspInactive' | 'aspDown' } | { advance: number } | 'association down';
  cfg?: Partial<M3uaConfig>;
  sent: string[];
  state: string;
  events?: string[];
}

const TO_INACTIVE: M3uaMessage[] = [{ type: 'ASPUP_ACK' }];
const TO_ACTIVE: M3uaMessage[] = [{ type: 'ASPUP_ACK' }, { type: 'ASPAC_ACK', trafficMode: 'override', routingContext: [1] }];

const aspRows: AspRow[] = [
  { name: 'ASP-DOWN, ASP Up sent + ASP Up Ack: ASP-INACTIVE, and ASP Active goes out (target active)', from: [], input: { rx: { type: 'ASPUP_ACK' } }, sent: ['ASPAC'], state: 'ASP-INACTIVE' },
  { name: 'ASP-DOWN + T(ack) expiry: ASP Up again', from: [], input: { advance: 2000 }, sent: ['ASPUP'], state: 'ASP-DOWN' },
  { name: 'ASP-DOWN + ASP Active Ack (not expected): discarded', from: [], input: { rx: { type: 'ASPAC_ACK' } }, sent: [], state: 'ASP-DOWN' },
  { name: 'ASP-DOWN + ASP Down Ack (not expected): discarded', from: [], input: { rx: { type: 'ASPDN_ACK' } }, sent: [], state: 'ASP-DOWN' },
  { name: 'ASP-DOWN + ERR ASP Identifier Required: no more retransmission', from: [], input: { rx: { type: 'ERR', errorCode: 'asp-identifier-required' } }, sent: [], state: 'ASP-DOWN', events: ['peer-error'] },
  { name: 'ASP-DOWN + DATA: silently discarded', from: [], input: { rx: { type: 'DATA', routingContext: [1], protocolData: PD }, stream: 1 }, sent: [], state: 'ASP-DOWN', events: [] },
  { name: 'ASP-INACTIVE, ASP Active sent + ASP Active Ack: ASP-ACTIVE', from: TO_INACTIVE, input: { rx: { type: 'ASPAC_ACK', routingContext: [1] } }, sent: [], state: 'ASP-ACTIVE', events: ['active'] },
  { name: 'ASP-INACTIVE + T(ack) expiry: ASP Active again', from: TO_INACTIVE, input: { advance: 2000 }, sent: ['ASPAC'], state: 'ASP-INACTIVE' },
  { name: 'ASP-INACTIVE + ERR Invalid Routing Context: refused, stays inactive, no retransmission', from: TO_INACTIVE, input: { rx: { type: 'ERR', errorCode: 'invalid-routing-context', routingContext: [1] } }, sent: [], state: 'ASP-INACTIVE', events: ['peer-error'] },
  { name: 'ASP-INACTIVE + ERR Unsupported Traffic Mode Type: refused', from: TO_INACTIVE, input: { rx: { type: 'ERR', errorCode: 'unsupported-traffic-mode-type' } }, sent: [], state: 'ASP-INACTIVE', events: ['peer-error'] },
  {
    name: 'ASP-INACTIVE (standby after Alternate ASP Active) + DATA: silently discarded (RFC 4666 3.8.1)',
    from: [...TO_ACTIVE, { type: 'NTFY', status: { type: 'other', info: 'alternate-asp-active' } }],
    input: { rx: { type: 'DATA', routingContext: [1], protocolData: PD }, stream: 1 },
    sent: [],
    state: 'ASP-INACTIVE',
    events: [],
  },
  {
    name: 'ASP-INACTIVE with ASP Active outstanding + DATA: accepted (it may overtake the Ack, which comes on stream 0)',
    from: TO_INACTIVE,
    input: { rx: { type: 'DATA', routingContext: [1], protocolData: PD }, stream: 1 },
    sent: [],
    state: 'ASP-INACTIVE',
    events: ['transfer'],
  },
  { name: 'ASP-INACTIVE + NTFY AS-INACTIVE: reported, no state change', from: TO_INACTIVE, input: { rx: { type: 'NTFY', status: { type: 'as-state-change', info: 'as-inactive' }, routingContext: [1] } }, sent: [], state: 'ASP-INACTIVE', events: ['notify'] },
  { name: 'ASP-INACTIVE + M-ASP_DOWN: ASP Down', from: TO_INACTIVE, input: { call: 'aspDown' }, sent: ['ASPDN'], state: 'ASP-INACTIVE' },
  { name: 'ASP-ACTIVE + M-ASP_INACTIVE: ASP Inactive', from: TO_ACTIVE, input: { call: 'aspInactive' }, sent: ['ASPIA'], state: 'ASP-ACTIVE' },
  { name: 'ASP-ACTIVE + M-ASP_DOWN: ASP Down', from: TO_ACTIVE, input: { call: 'aspDown' }, sent: ['ASPDN'], state: 'ASP-ACTIVE' },
  { name: 'ASP-ACTIVE + M-ASP_ACTIVE: nothing to do', from: TO_ACTIVE, input: { call: 'aspActive' }, sent: [], state: 'ASP-ACTIVE' },
  { name: 'ASP-ACTIVE + NTFY Alternate ASP Active: ASP-INACTIVE, stays standby', from: TO_ACTIVE, input: { rx: { type: 'NTFY', status: { type: 'other', info: 'alternate-asp-active' }, aspId: 8 } }, sent: [], state: 'ASP-INACTIVE', events: ['inactive', 'notify'] },
  { name: 'ASP-ACTIVE + NTFY AS-PENDING: reported only', from: TO_ACTIVE, input: { rx: { type: 'NTFY', status: { type: 'as-state-change', info: 'as-pending' } } }, sent: [], state: 'ASP-ACTIVE', events: ['notify'] },
  { name: 'ASP-ACTIVE + DATA for RC 1: MTP-TRANSFER indication', from: TO_ACTIVE, input: { rx: { type: 'DATA', routingContext: [1], protocolData: PD }, stream: 1 }, sent: [], state: 'ASP-ACTIVE', events: ['transfer'] },
  { name: 'ASP-ACTIVE + DATA for an unknown RC: ERR Invalid Routing Context', from: TO_ACTIVE, input: { rx: { type: 'DATA', routingContext: [3], protocolData: PD }, stream: 1 }, sent: ['ERR invalid-routing-context'], state: 'ASP-ACTIVE', events: [] },
  { name: 'ASP-ACTIVE + ASP Active Ack again: stays', from: TO_ACTIVE, input: { rx: { type: 'ASPAC_ACK' } }, sent: [], state: 'ASP-ACTIVE' },
  { name: 'ASP-ACTIVE + DUNA: MTP-PAUSE', from: TO_ACTIVE, input: { rx: { type: 'DUNA', affectedPointCodes: [{ mask: 0, pc: 100 }] } }, sent: [], state: 'ASP-ACTIVE', events: ['pause'] },
  { name: 'ASP-ACTIVE + SCON: MTP-STATUS', from: TO_ACTIVE, input: { rx: { type: 'SCON', affectedPointCodes: [{ mask: 0, pc: 100 }], congestionLevel: 2 } }, sent: [], state: 'ASP-ACTIVE', events: ['status'] },
  { name: 'ASP-ACTIVE + association down: ASP-DOWN', from: TO_ACTIVE, input: 'association down', sent: [], state: 'ASP-DOWN', events: ['inactive', 'down'] },
  { name: 'ASP-ACTIVE + ASP Up (an ASP does not take it): ERR Unexpected Message', from: TO_ACTIVE, input: { rx: { type: 'ASPUP' } }, sent: ['ERR unexpected-message'], state: 'ASP-ACTIVE' },
  { name: 'initiate false: nothing is sent until M-ASP_UP, then only ASP Up', from: [], cfg: { initiate: false }, input: { call: 'aspUp' }, sent: ['ASPUP'], state: 'ASP-DOWN' },
];

describe('ASP side: the local ASP, one transition at a time (RFC 4666 4.3)', () => {
  for (const row of aspRows) {
    it(row.name, () => {
      const r = rig({ ...ASP, ...row.cfg });
      const first = r.said();
      expect(first).toEqual(row.cfg?.initiate === false ? [] : ['ASPUP']);
      for (const m of row.from) r.send(m);
      r.take();
      r.events.length = 0;
      const i = row.input;
      if (i === 'association down') r.far.abort('test');
      else if ('rx' in i) r.send(i.rx, i.stream ?? 0);
      else if ('call' in i) {
        r.ep[i.call]();
        r.net.pump();
      } else r.advance(i.advance);
      expect(r.said()).toEqual(row.sent);
      expect(r.ep.aspState).toBe(row.state);
      if (row.events) expect(r.events.map(([e]) => e)).toEqual(row.events);
    });
  }

  it('acks complete the requests: ASP Inactive Ack to ASP-INACTIVE, ASP Down Ack to ASP-DOWN', () => {
    const r = rig(ASP);
    for (const m of TO_ACTIVE) r.send(m);
    r.ep.aspInactive();
    r.net.pump();
    r.send({ type: 'ASPIA_ACK', routingContext: [1] });
    expect(r.ep.aspState).toBe('ASP-INACTIVE');
    r.ep.aspDown();
    r.net.pump();
    r.send({ type: 'ASPDN_ACK' });
    expect(r.ep.aspState).toBe('ASP-DOWN');
    expect(r.said()).toEqual(['ASPUP', 'ASPAC', 'ASPIA', 'ASPDN']);
    expect(r.events.map(([e]) => e)).toEqual(['active', 'inactive', 'down']);
    r.advance(10_000); // no request outstanding: nothing retransmitted
    expect(r.said()).toEqual([]);
  });

  it('ASP Up carries the ASP Identifier, ASP Active the traffic mode and routing contexts', () => {
    const r = rig(ASP);
    r.send({ type: 'ASPUP_ACK' });
    const [up, ac] = [...r.net.wire.filter((w) => w.from === 'near')].map((w) => w.data);
    expect(up).toBeDefined();
    expect(r.ep.status().asp).toEqual({ state: 'ASP-INACTIVE', target: 'active', pending: 'ASPAC' });
    expect(Buffer.from(ac!).toString('hex')).toBe(Buffer.from(encode({ type: 'ASPAC', trafficMode: 'override', routingContext: [1] })).toString('hex'));
    expect(Buffer.from(up!).toString('hex')).toBe(Buffer.from(encode({ type: 'ASPUP', aspId: 7 })).toString('hex'));
  });

  it('MTP-TRANSFER request: refused unless ASP-ACTIVE, then DATA on the stream for the SLS', () => {
    const r = rig(ASP);
    const pd = { opc: 200, dpc: 100, si: 3, ni: 2, mp: 0, sls: 6, data: Uint8Array.from([9, 9]) };
    expect(() => r.ep.transfer(pd)).toThrow(expect.objectContaining({ name: 'M3uaError', code: 'not-active' }));
    for (const m of TO_ACTIVE) r.send(m);
    r.take();
    r.ep.transfer(pd);
    r.net.pump();
    const [d] = r.take();
    expect(d).toEqual({ type: 'DATA', routingContext: [1], protocolData: { ...pd, data: '0909' }, stream: 1 + (6 % 3) });
  });
});

// ---------------------------------------------------------------- the tables themselves

describe('the machines as tables', () => {
  it('describe() of every machine, with its timers, is as checked in', () => {
    const t = m3uaTimers();
    const text = [ASP_FSM, RASP_FSM, AS_FSM, BEAT_FSM].map((f) => f.describe(t, { seen: false })).join('\n') + '\n' + t.describe();
    expectGolden(text, path.join(GOLDEN, 'machines.ok'));
  });

  it('every state of every machine is reachable from its initial state', () => {
    for (const f of [ASP_FSM, RASP_FSM, AS_FSM, BEAT_FSM]) expect([...f.reachable()].sort()).toEqual(Object.keys(f.def.states).sort());
  });

  it('timers are configurable by name, and bad values are refused as config errors', () => {
    const r = rig({ ...ASP, timers: { 'T(ack)': '500ms' } });
    expect(r.said()).toEqual(['ASPUP']);
    r.advance(499);
    expect(r.said()).toEqual([]);
    r.advance(1);
    expect(r.said()).toEqual(['ASPUP']);
    expect(() => rig({ ...ASP, timers: { 'T(ack)': '2h' } })).toThrow(M3uaError);
    expect(() => rig({ ...ASP, timers: { 'T(x)': 1 } })).toThrow(/T\(x\) is not defined/);
  });

  it('a transition the table does not list is refused by the machine itself', () => {
    const r = rig({ ...SG, name: 'stp2' });
    r.send({ type: 'ASPUP' });
    const as = AS_FSM.instances().find((i) => i.id === 'stp2-rc1')!;
    expect(as.state).toBe('AS-INACTIVE');
    expect(() => (as as any).stateChg('AS-PENDING')).toThrow(FsmError);
  });
});
