import { Fsm, type FsmInstance } from '@snaptel/fsm';
import type { Dtap, DtapMessage } from '@snaptel/gsm48';
import type { BssmapMessage } from '@snaptel/bssap';

/**
 * Call control, network side (TS 24.008 §5): one CC machine per call leg
 * (transaction), N-states as the spec numbers them. A `Call` joins two legs:
 * A (the caller, mobile originated) and B (the callee, mobile terminated,
 * reached by paging), and the media: two MGCP connections on one rtpbridge
 * endpoint, each tied to its BSS by BSSMAP ASSIGNMENT.
 *
 * Release follows §5.4: the side that hangs up gets RELEASE (N19, T308) and
 * answers RELEASE COMPLETE; the other side gets DISCONNECT (N12, T305),
 * answers RELEASE, and gets RELEASE COMPLETE. Every timer expiry clears the
 * call with a cause (#102 recovery on timer expiry towards the leg that timed
 * out; #18/#19/#20 towards the other).
 */

export type CcState = 'N0' | 'N0_1' | 'N1' | 'N3' | 'N4' | 'N6' | 'N7' | 'N8' | 'N9' | 'N10' | 'N12' | 'N19' | 'N28';
export type CcEvent =
  | 'SETUP'
  | 'MM_READY'
  | 'CALL_CONF'
  | 'ALERTING'
  | 'CONNECT'
  | 'CONNECT_ACK'
  | 'DISCONNECT'
  | 'RELEASE'
  | 'RELEASE_COMPL'
  | 'PEER_ALERTING'
  | 'PEER_CONNECT'
  | 'PEER_RELEASE'
  | 'ASSIGNED'
  | 'ASSIGN_FAIL'
  | 'CONN_GONE'
  | 'PAGING_FAIL';

export type CcFsm = FsmInstance<CcState, CcEvent>;

/** CC causes used (TS 24.008 §10.5.4.11 table 10.5.123). */
export const CC_CAUSE = {
  UNASSIGNED_NUMBER: 1,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONDING: 18,
  NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20,
  NORMAL_UNSPECIFIED: 31,
  TEMPORARY_FAILURE: 41,
  RESOURCES_UNAVAILABLE: 47,
  RECOVERY_ON_TIMER_EXPIRY: 102,
} as const;

export interface RtpAddress {
  ip: string;
  port: number;
}

/** The media of a call (@snaptel/mgcp's CallMedia satisfies it). */
export interface CallMediaLike {
  setupLegA(opts?: { remote?: RtpAddress }): Promise<{ local?: RtpAddress }>;
  setupLegB(opts?: { remote?: RtpAddress }): Promise<{ local?: RtpAddress }>;
  setRemote(leg: 'A' | 'B', remote: RtpAddress): Promise<unknown>;
  connect(): Promise<void>;
  teardown(): Promise<void>;
}

/** What CC needs from a RAN connection. */
export interface CcConn {
  readonly name: string;
  sendDtap(dtap: Dtap): void;
  sendBssmap(type: BssmapMessage['type'], ies?: BssmapMessage['ies']): void;
}

export interface CcLegData {
  call: Call;
  leg: 'A' | 'B';
  conn?: CcConn;
  /** Transaction identifier (0..6). */
  ti?: number;
  /** TI flag in messages the network sends: 1 when the MS allocated the TI (MO), 0 when the network did (MT). */
  tiFlagOut?: number;
  imsi: string;
  msisdn?: string;
  /** RELEASE sent once already (T308 gives it one more try). */
  releaseRetried?: boolean;
  /** Cause of the clearing, towards this leg. */
  cause?: number;
}

/** What the Call needs from the MSC around it. */
export interface CallHost {
  /** Media for a new call, or undefined when no MGW is configured. */
  media(callId: string): CallMediaLike | undefined;
  /** Pages the callee; the leg gets MM_READY (with the connection) or PAGING_FAIL. */
  page(leg: CcFsm): void;
  /** The leg is done with its connection: release it if nothing else uses it. */
  legDone(leg: CcFsm): void;
  log(fields: Record<string, unknown>, msg: string): void;
  counters: Record<string, number>;
}

/** One call: two legs and their media. */
export class Call {
  a!: CcFsm;
  b: CcFsm | undefined;
  media: CallMediaLike | undefined;
  ended = false;
  /** Legs whose BSS RTP address the MGW has: both, and the endpoint is connected. */
  readonly assigned = new Set<'A' | 'B'>();

  constructor(
    readonly host: CallHost,
    /** Call reference, unique within its MSC. */
    readonly ref: number,
  ) {}

  get id(): string {
    return `call-${this.ref}`;
  }

  peer(fi: CcFsm): CcFsm | undefined {
    return fi === this.a ? this.b : this.a;
  }

  /** Both legs gone: the media goes too. */
  legTerminated(): void {
    if (this.ended) return;
    if (!this.a.terminated || (this.b && !this.b.terminated)) return;
    this.ended = true;
    this.host.counters['calls-ended'] = (this.host.counters['calls-ended'] ?? 0) + 1;
    void this.media?.teardown().catch((err: Error) => this.host.log({ call: this.id, err: err.message }, `${this.id}: media teardown failed`));
  }
}

const d = (fi: CcFsm) => fi.data as CcLegData;

function ccMsg(fi: CcFsm, type: string, ies: Record<string, unknown> = {}): DtapMessage {
  const x = d(fi);
  return { pd: 'cc', type, direction: 'mt', tiFlag: x.tiFlagOut ?? 1, ti: x.ti ?? 0, ies } as DtapMessage;
}

function causeIe(value: number) {
  // Coding standard GSM (3), location 1 (private network serving the local user), as osmo-msc sends.
  return { codingStandard: 3, location: 1, value };
}

function send(fi: CcFsm, type: string, ies: Record<string, unknown> = {}): void {
  d(fi).conn?.sendDtap(ccMsg(fi, type, ies));
}

/** Network-initiated clearing towards this leg (§5.4.2): DISCONNECT, N12, T305. */
function disconnect(fi: CcFsm, cause: number): void {
  if (fi.terminated || fi.state === 'N12' || fi.state === 'N19') return;
  d(fi).cause = cause;
  if (!d(fi).conn || fi.state === 'N0_1' || fi.state === 'N0') return fi.terminate('cleared');
  send(fi, 'Disconnect', { cause: causeIe(cause) });
  fi.stateChg('N12', { timer: 'T305' });
}

/** The MS cleared (DISCONNECT): RELEASE, N19, T308; the peer is told. */
function releaseRequest(fi: CcFsm, cause: number): void {
  send(fi, 'Release', { cause: causeIe(cause) });
  fi.stateChg('N19', { timer: 'T308' });
}

function tellPeer(fi: CcFsm, cause: number): void {
  const peer = d(fi).call.peer(fi);
  if (peer && !peer.terminated) peer.dispatch('PEER_RELEASE', cause);
}

function assign(fi: CcFsm, local: RtpAddress | undefined): void {
  d(fi).conn?.sendBssmap('ASSIGNMENT REQUEST', {
    // Speech, full rate TCH Bm preferred, GSM FR / EFR / FR AMR.
    channelType: { indicator: 1, rateType: 0x08, permittedSpeech: [0x01, 0x11, 0x21] },
    ...(local ? { aoipTransportLayerAddress: local } : {}),
  });
}

function startMedia(fi: CcFsm): void {
  const x = d(fi);
  const m = x.call.media;
  if (!m) return assign(fi, undefined);
  const setup = x.leg === 'A' ? m.setupLegA() : m.setupLegB();
  setup.then(
    (st) => {
      if (!fi.terminated) assign(fi, st.local);
    },
    (err: Error) => {
      if (fi.terminated) return;
      x.call.host.log({ call: x.call.id, leg: x.leg, err: err.message }, `${x.call.id}: MGW refused leg ${x.leg}: ${err.message}`);
      tellPeer(fi, CC_CAUSE.RESOURCES_UNAVAILABLE);
      disconnect(fi, CC_CAUSE.RESOURCES_UNAVAILABLE);
    },
  );
}

function count(fi: CcFsm, k: string): void {
  const c = d(fi).call.host.counters;
  c[k] = (c[k] ?? 0) + 1;
}

export const CC_FSM = new Fsm<CcState, CcEvent>({
  name: 'CC',
  desc: 'network-side call control of one call leg (TS 24.008 §5)',
  initial: 'N0',
  events: [
    'SETUP', 'MM_READY', 'CALL_CONF', 'ALERTING', 'CONNECT', 'CONNECT_ACK', 'DISCONNECT', 'RELEASE', 'RELEASE_COMPL',
    'PEER_ALERTING', 'PEER_CONNECT', 'PEER_RELEASE', 'ASSIGNED', 'ASSIGN_FAIL', 'CONN_GONE', 'PAGING_FAIL',
  ],
  allStateEvents: ['DISCONNECT', 'RELEASE', 'RELEASE_COMPL', 'PEER_RELEASE', 'CONN_GONE', 'ASSIGNED', 'ASSIGN_FAIL'],
  allStateAction(fi, e, data) {
    const x = d(fi);
    switch (e) {
      case 'ASSIGNED': {
        const addr = data as RtpAddress | undefined;
        const m = x.call.media;
        if (!m || !addr) return;
        void m
          .setRemote(x.leg, addr)
          .then(() => {
            x.call.assigned.add(x.leg);
            return x.call.assigned.size === 2 ? m.connect() : undefined;
          })
          .catch((err: Error) => x.call.host.log({ call: x.call.id, err: err.message }, `${x.call.id}: MGW: ${err.message}`));
        return;
      }
      case 'ASSIGN_FAIL':
        tellPeer(fi, CC_CAUSE.RESOURCES_UNAVAILABLE);
        return disconnect(fi, CC_CAUSE.RESOURCES_UNAVAILABLE);
      case 'CONN_GONE':
        count(fi, 'legs-lost');
        tellPeer(fi, CC_CAUSE.TEMPORARY_FAILURE);
        return fi.terminate('connection lost');
      case 'PEER_RELEASE':
        return disconnect(fi, data as number);
      case 'DISCONNECT': {
        // The MS clears: RELEASE towards it, DISCONNECT towards the peer.
        const cause = ((data as DtapMessage).ies.cause as { value?: number } | undefined)?.value ?? CC_CAUSE.NORMAL_CLEARING;
        if (fi.state === 'N12') {
          // Both sides cleared at once (§5.4.5): answer with RELEASE.
          return releaseRequest(fi, cause);
        }
        if (fi.state === 'N19') return;
        tellPeer(fi, cause);
        return releaseRequest(fi, cause);
      }
      case 'RELEASE': {
        const cause = ((data as DtapMessage).ies.cause as { value?: number } | undefined)?.value ?? CC_CAUSE.NORMAL_CLEARING;
        send(fi, 'Release Complete');
        if (fi.state !== 'N12' && fi.state !== 'N19') tellPeer(fi, cause);
        return fi.terminate('released');
      }
      case 'RELEASE_COMPL': {
        const cause = ((data as DtapMessage).ies.cause as { value?: number } | undefined)?.value ?? CC_CAUSE.NORMAL_CLEARING;
        if (fi.state !== 'N19' && fi.state !== 'N12') {
          if (fi.state === 'N6' && cause === CC_CAUSE.USER_BUSY) count(fi, 'busy');
          tellPeer(fi, cause);
        }
        return fi.terminate('released');
      }
    }
  },
  onTimeout(fi, timer) {
    const x = d(fi);
    count(fi, `timeout-${timer}`);
    x.call.host.log({ call: x.call.id, leg: x.leg, timer }, `${fi.name}{${fi.state}}: ${timer} expired`);
    switch (timer) {
      case 'T3113':
        tellPeer(fi, CC_CAUSE.SUBSCRIBER_ABSENT);
        fi.terminate('paging failed');
        return true;
      case 'T303':
      case 'T310':
        tellPeer(fi, CC_CAUSE.NO_USER_RESPONDING);
        disconnect(fi, CC_CAUSE.RECOVERY_ON_TIMER_EXPIRY);
        return true;
      case 'T301':
        tellPeer(fi, CC_CAUSE.NO_ANSWER);
        disconnect(fi, CC_CAUSE.RECOVERY_ON_TIMER_EXPIRY);
        return true;
      case 'T313':
        tellPeer(fi, CC_CAUSE.RECOVERY_ON_TIMER_EXPIRY);
        disconnect(fi, CC_CAUSE.RECOVERY_ON_TIMER_EXPIRY);
        return true;
      case 'T305':
        releaseRequest(fi, x.cause ?? CC_CAUSE.RECOVERY_ON_TIMER_EXPIRY);
        return true;
      case 'T308':
        if (!x.releaseRetried) {
          x.releaseRetried = true;
          send(fi, 'Release', { cause: causeIe(x.cause ?? CC_CAUSE.RECOVERY_ON_TIMER_EXPIRY) });
          fi.stateChg('N19', { timer: 'T308' });
          return true;
        }
        return false;
      default:
        return false;
    }
  },
  onTerminate(fi) {
    const x = d(fi);
    x.call.host.legDone(fi);
    x.call.legTerminated();
  },
  states: {
    N0: {
      desc: 'null',
      in: ['SETUP', 'PAGING_FAIL'],
      out: ['N0_1', 'N1', 'N3', 'N12', 'N19'],
      action(fi, e) {
        if (e === 'PAGING_FAIL') return fi.terminate('paging failed');
        // MO SETUP: CALL PROCEEDING, then media and assignment while the callee is found.
        fi.stateChg('N1');
        send(fi, 'Call Proceeding');
        fi.stateChg('N3');
        count(fi, 'mo-calls');
        startMedia(fi);
      },
    },
    N0_1: {
      desc: 'MT: MM connection pending (paging)',
      in: ['MM_READY', 'PAGING_FAIL'],
      out: ['N6', 'N12', 'N19'],
      timer: 'T3113',
      action(fi, e, data) {
        if (e === 'PAGING_FAIL') {
          tellPeer(fi, CC_CAUSE.SUBSCRIBER_ABSENT);
          return fi.terminate('paging failed');
        }
        const x = d(fi);
        x.conn = data as CcConn;
        const caller = d(x.call.a);
        send(fi, 'Setup', {
          bearerCapability1: { radioChannelRequirement: 1, codingStandard: 0, transferMode: 0, itc: 0, speechVersions: [0] },
          ...(caller.msisdn ? { callingPartyBcdNumber: { ton: 1, npi: 1, presentation: 0, screening: 3, digits: caller.msisdn } } : {}),
        });
        fi.stateChg('N6', { timer: 'T303' });
      },
    },
    N1: { desc: 'call initiated', in: [], out: ['N3'] },
    N3: {
      desc: 'MO call proceeding',
      in: ['PEER_ALERTING', 'PEER_CONNECT'],
      out: ['N4', 'N28', 'N12', 'N19'],
      action(fi, e) {
        if (e === 'PEER_ALERTING') {
          send(fi, 'Alerting');
          return fi.stateChg('N4');
        }
        send(fi, 'Connect');
        fi.stateChg('N28', { timer: 'T313' });
      },
    },
    N4: {
      desc: 'call delivered',
      in: ['PEER_CONNECT'],
      out: ['N28', 'N12', 'N19'],
      action(fi) {
        send(fi, 'Connect');
        fi.stateChg('N28', { timer: 'T313' });
      },
    },
    N28: {
      desc: 'connect indication',
      in: ['CONNECT_ACK'],
      out: ['N10', 'N12', 'N19'],
      timer: 'T313',
      action(fi) {
        count(fi, 'calls-answered');
        fi.stateChg('N10');
      },
    },
    N6: {
      desc: 'call present',
      in: ['CALL_CONF', 'ALERTING', 'CONNECT'],
      out: ['N7', 'N8', 'N9', 'N10', 'N12', 'N19'],
      timer: 'T303',
      action(fi, e, data) {
        if (e === 'CALL_CONF') {
          fi.stateChg('N9', { timer: 'T310' });
          return startMedia(fi);
        }
        // ALERTING or CONNECT without CALL CONFIRMED: take it as confirmed first.
        startMedia(fi);
        fi.stateChg('N9', { timer: 'T310' });
        fi.dispatch(e, data);
      },
    },
    N9: {
      desc: 'MT call confirmed',
      in: ['ALERTING', 'CONNECT'],
      out: ['N7', 'N8', 'N10', 'N12', 'N19'],
      timer: 'T310',
      action(fi, e) {
        const peer = d(fi).call.a;
        if (e === 'ALERTING') {
          fi.stateChg('N7', { timer: 'T301' });
          if (!peer.terminated) peer.dispatch('PEER_ALERTING');
          return;
        }
        connected(fi);
      },
    },
    N7: {
      desc: 'call received (alerting)',
      in: ['CONNECT'],
      out: ['N8', 'N10', 'N12', 'N19'],
      timer: 'T301',
      action(fi) {
        connected(fi);
      },
    },
    N8: { desc: 'connect request', in: [], out: ['N10', 'N12', 'N19'] },
    N10: { desc: 'active', in: [], out: ['N12', 'N19'] },
    N12: {
      desc: 'disconnect indication',
      in: [],
      out: ['N19'],
      timer: 'T305',
    },
    N19: {
      desc: 'release request',
      in: [],
      out: ['N19'],
      timer: 'T308',
    },
  },
});

/** MT CONNECT: CONNECT ACKNOWLEDGE, active, and the caller is connected. */
function connected(fi: CcFsm): void {
  fi.stateChg('N8');
  send(fi, 'Connect Acknowledge');
  fi.stateChg('N10');
  const peer = d(fi).call.a;
  if (!peer.terminated) peer.dispatch('PEER_CONNECT');
}

/** Which CC event a DTAP message from the MS is. */
export function ccEventFor(dtap: DtapMessage): CcEvent | undefined {
  switch (dtap.type) {
    case 'Setup':
      return 'SETUP';
    case 'Call Confirmed':
      return 'CALL_CONF';
    case 'Alerting':
      return 'ALERTING';
    case 'Connect':
      return 'CONNECT';
    case 'Connect Acknowledge':
      return 'CONNECT_ACK';
    case 'Disconnect':
      return 'DISCONNECT';
    case 'Release':
      return 'RELEASE';
    case 'Release Complete':
      return 'RELEASE_COMPL';
    default:
      return undefined;
  }
}
