import { Fsm, type FsmInstance } from '@snaptel/fsm';
import type { ErrMessage, NtfyMessage } from './codec';
import type { ErrorCodeName } from './params';

/**
 * The ASP side of RFC 4666 §4.3.1 (Figure 4): the local ASP's own state as
 * it drives it towards an SGP or a peer IPSP.
 *
 *   ASP-DOWN --ASP Up / ASP Up Ack--> ASP-INACTIVE --ASP Active / Ack--> ASP-ACTIVE
 *   ASP-ACTIVE --ASP Inactive / Ack, or NTFY Alternate ASP Active--> ASP-INACTIVE
 *   any --ASP Down / Ack, or the association going down--> ASP-DOWN
 *
 * The user (layer management) says where the ASP should be (`target`:
 * down, inactive or active: the M-ASP_UP/ACTIVE/INACTIVE/DOWN requests);
 * the machine sends one request at a time towards it, retransmitting it on
 * T(ack) until the ack comes. After the association is lost the ASP is
 * ASP-DOWN with its target kept, so a new association brings it back up and
 * active by itself. An ERR refusing the request (invalid routing context,
 * no AS for the ASP, unsupported traffic mode, management blocking, ASP
 * identifier) stops the retransmission and lowers the target to where the
 * ASP is, so it does not loop.
 */

export type AspState = 'ASP-DOWN' | 'ASP-INACTIVE' | 'ASP-ACTIVE';
export type AspEvent =
  | 'ASSOC_UP'
  | 'ASSOC_DOWN'
  | 'M_ASP_UP'
  | 'M_ASP_ACTIVE'
  | 'M_ASP_INACTIVE'
  | 'M_ASP_DOWN'
  | 'RX_ASPUP_ACK'
  | 'RX_ASPDN_ACK'
  | 'RX_ASPAC_ACK'
  | 'RX_ASPIA_ACK'
  | 'RX_NTFY'
  | 'RX_ERR';
export type AspTarget = 'down' | 'inactive' | 'active';
type Request = 'ASPUP' | 'ASPAC' | 'ASPIA' | 'ASPDN';

/** What the machine needs from its endpoint. */
export interface AspHost {
  /** True while an association is up. */
  connected(): boolean;
  /** Builds and sends one of the four requests. */
  sendRequest(req: Request): void;
  /** State entered (the endpoint emits its events, starts or stops the heartbeat). */
  entered(state: AspState, prev: AspState, why: string): void;
  /** A NTFY for the user (after the machine has acted on it). */
  notified(m: NtfyMessage): void;
  /** An ERR from the peer. */
  refused(m: ErrMessage): void;
}

export interface AspData {
  host: AspHost;
  target: AspTarget;
  /** The request sent and not yet acknowledged. */
  pending?: Request;
  /** Why the next state change happens (for the events). */
  why?: string;
}

export type AspFsm = FsmInstance<AspState, AspEvent>;

const ACK_OF: Record<string, Request> = { RX_ASPUP_ACK: 'ASPUP', RX_ASPAC_ACK: 'ASPAC', RX_ASPIA_ACK: 'ASPIA', RX_ASPDN_ACK: 'ASPDN' };
const RANK: Record<AspTarget, number> = { down: 0, inactive: 1, active: 2 };
const STATE_TARGET: Record<AspState, AspTarget> = { 'ASP-DOWN': 'down', 'ASP-INACTIVE': 'inactive', 'ASP-ACTIVE': 'active' };

/** Error codes with which a peer refuses ASP Up or ASP Active for good (RFC 4666 §3.8.1, §4.3.4). */
const REFUSALS: ReadonlySet<ErrorCodeName | number> = new Set<ErrorCodeName | number>([
  'invalid-routing-context',
  'no-configured-as-for-asp',
  'unsupported-traffic-mode-type',
  'refused-management-blocking',
  'asp-identifier-required',
  'invalid-asp-identifier',
  'invalid-network-appearance',
]);

const d = (fi: AspFsm) => fi.data as AspData;

/** The request that moves the ASP from where it is towards its target, if any. */
function nextRequest(fi: AspFsm): Request | undefined {
  const data = d(fi);
  const here = RANK[STATE_TARGET[fi.state]];
  const want = RANK[data.target];
  if (fi.state === 'ASP-DOWN') return want > 0 ? 'ASPUP' : undefined;
  if (want === 0) return 'ASPDN';
  if (want > here) return 'ASPAC';
  if (want < here) return 'ASPIA';
  return undefined;
}

/** Sends the next request towards the target, if none is outstanding. */
function drive(fi: AspFsm): void {
  const data = d(fi);
  if (data.pending || !data.host.connected()) return;
  const req = nextRequest(fi);
  if (!req) return;
  data.pending = req;
  data.host.sendRequest(req);
  // (sending may have lost the association, which clears `pending`)
  if (data.pending === req && !fi.terminated) fi.stateChg(fi.state, { timer: 'T(ack)' });
}

/** The ack of the pending request: change state (stopping T(ack)) and go on towards the target. */
function acked(fi: AspFsm, event: AspEvent, next: AspState): void {
  const data = d(fi);
  if (data.pending !== ACK_OF[event]) {
    fi.log?.info({ fsm: fi.fsm.name, id: fi.id, event }, `${fi.name}{${fi.state}}: ${event} without a pending ${ACK_OF[event]}: ignored`);
    return;
  }
  data.pending = undefined;
  data.why = event;
  fi.stateChg(next);
  drive(fi);
}

function setTarget(fi: AspFsm, t: AspTarget): void {
  const data = d(fi);
  data.target = t;
  if (data.pending && data.pending !== nextRequest(fi)) {
    // the outstanding request no longer leads where the user wants: give it up (a late ack is ignored)
    data.pending = undefined;
    fi.stateChg(fi.state); // stops T(ack)
  }
  drive(fi);
}

const enter = (fi: AspFsm, prev: AspState) => {
  const data = d(fi);
  if (prev !== fi.state) data.host.entered(fi.state, prev, data.why ?? '');
  data.why = undefined;
};

export const ASP_FSM = new Fsm<AspState, AspEvent>({
  name: 'M3UA-ASP',
  desc: 'RFC 4666 4.3.1: the local ASP towards its SGP or peer IPSP',
  initial: 'ASP-DOWN',
  events: ['ASSOC_UP', 'ASSOC_DOWN', 'M_ASP_UP', 'M_ASP_ACTIVE', 'M_ASP_INACTIVE', 'M_ASP_DOWN', 'RX_ASPUP_ACK', 'RX_ASPDN_ACK', 'RX_ASPAC_ACK', 'RX_ASPIA_ACK', 'RX_NTFY', 'RX_ERR'],
  allStateEvents: ['ASSOC_DOWN', 'M_ASP_UP', 'M_ASP_ACTIVE', 'M_ASP_INACTIVE', 'M_ASP_DOWN', 'RX_NTFY', 'RX_ERR'],
  states: {
    'ASP-DOWN': {
      desc: 'no association, or ASP Up sent and not yet acknowledged',
      in: ['ASSOC_UP', 'RX_ASPUP_ACK'],
      out: ['ASP-DOWN', 'ASP-INACTIVE'],
      onEnter: enter,
      action(fi, ev) {
        if (ev === 'ASSOC_UP') drive(fi);
        else acked(fi, ev, 'ASP-INACTIVE');
      },
    },
    'ASP-INACTIVE': {
      desc: 'up at the peer, not carrying traffic',
      in: ['RX_ASPAC_ACK', 'RX_ASPIA_ACK', 'RX_ASPDN_ACK'],
      out: ['ASP-DOWN', 'ASP-INACTIVE', 'ASP-ACTIVE'],
      onEnter: enter,
      action(fi, ev) {
        // An ASP Inactive Ack here answers an ASP Inactive sent before an Alternate ASP Active took us down already.
        acked(fi, ev, ev === 'RX_ASPAC_ACK' ? 'ASP-ACTIVE' : ev === 'RX_ASPDN_ACK' ? 'ASP-DOWN' : 'ASP-INACTIVE');
      },
    },
    'ASP-ACTIVE': {
      desc: 'carrying traffic for its routing contexts',
      in: ['RX_ASPIA_ACK', 'RX_ASPDN_ACK', 'RX_ASPAC_ACK'],
      out: ['ASP-DOWN', 'ASP-INACTIVE', 'ASP-ACTIVE'],
      onEnter: enter,
      action(fi, ev) {
        acked(fi, ev, ev === 'RX_ASPIA_ACK' ? 'ASP-INACTIVE' : ev === 'RX_ASPDN_ACK' ? 'ASP-DOWN' : 'ASP-ACTIVE');
      },
    },
  },
  allStateAction(fi, ev, data) {
    const dd = d(fi);
    switch (ev) {
      case 'M_ASP_UP':
        return setTarget(fi, RANK[dd.target] > 0 ? dd.target : 'inactive');
      case 'M_ASP_ACTIVE':
        return setTarget(fi, 'active');
      case 'M_ASP_INACTIVE':
        return setTarget(fi, 'inactive');
      case 'M_ASP_DOWN':
        return setTarget(fi, 'down');
      case 'ASSOC_DOWN':
        dd.pending = undefined;
        dd.why = (data as string | undefined) ?? 'association down';
        fi.stateChg('ASP-DOWN'); // also stops T(ack)
        return;
      case 'RX_NTFY': {
        const m = data as NtfyMessage;
        if (m.status.type === 'other' && m.status.info === 'alternate-asp-active' && fi.state === 'ASP-ACTIVE') {
          // Another ASP took over (override): we are standby now; stay so until told otherwise.
          dd.target = 'inactive';
          if (dd.pending === 'ASPIA') dd.pending = undefined;
          dd.why = 'alternate-asp-active';
          fi.stateChg('ASP-INACTIVE');
        }
        dd.host.notified(m);
        return;
      }
      case 'RX_ERR': {
        const m = data as ErrMessage;
        if (dd.pending && REFUSALS.has(m.errorCode)) {
          fi.log?.info({ fsm: fi.fsm.name, id: fi.id, errorCode: m.errorCode }, `${fi.name}{${fi.state}}: ${dd.pending} refused (${m.errorCode}): not retrying`);
          dd.pending = undefined;
          dd.target = STATE_TARGET[fi.state];
          fi.stateChg(fi.state); // stops T(ack)
        }
        dd.host.refused(m);
        return;
      }
    }
  },
  onTimeout(fi, timer) {
    const dd = d(fi);
    const req = dd.pending;
    if (timer === 'T(ack)' && req) {
      if (dd.host.connected()) dd.host.sendRequest(req);
      if (dd.pending === req && !fi.terminated) fi.stateChg(fi.state, { timer: 'T(ack)' });
    }
    return true;
  },
});

// ---- heartbeat ----

/**
 * BEAT / BEAT Ack (RFC 4666 §4.3.4.6), one per association: every T(beat)
 * a BEAT goes out with a sequence number as Heartbeat Data; an ack with a
 * sequence number still outstanding clears the count. When `missLimit`
 * BEATs in a row go unanswered the peer is dead (the endpoint aborts the
 * association, and recovery starts from there).
 */
export type BeatState = 'BEAT-OFF' | 'BEAT-ON';
export type BeatEvent = 'START' | 'STOP' | 'RX_BEAT_ACK';

export interface BeatData {
  send(seq: number): void;
  dead(missed: number): void;
  missLimit: number;
  seq: number;
  /** Sequence numbers sent and not yet acknowledged. */
  outstanding: number[];
}

export type BeatFsm = FsmInstance<BeatState, BeatEvent>;

export const BEAT_FSM = new Fsm<BeatState, BeatEvent>({
  name: 'M3UA-BEAT',
  desc: 'RFC 4666 4.3.4.6: BEAT every T(beat), the peer declared dead after N unanswered',
  initial: 'BEAT-OFF',
  events: ['START', 'STOP', 'RX_BEAT_ACK'],
  states: {
    'BEAT-OFF': {
      in: ['START', 'RX_BEAT_ACK'],
      out: ['BEAT-ON'],
      action(fi, ev) {
        if (ev === 'START') {
          (fi.data as BeatData).outstanding = [];
          fi.stateChg('BEAT-ON', { timer: 'T(beat)' });
        }
      },
    },
    'BEAT-ON': {
      in: ['STOP', 'RX_BEAT_ACK'],
      out: ['BEAT-OFF', 'BEAT-ON'],
      action(fi, ev, data) {
        const bd = fi.data as BeatData;
        if (ev === 'STOP') return fi.stateChg('BEAT-OFF');
        const seq = data as number | undefined;
        if (seq !== undefined && bd.outstanding.includes(seq)) bd.outstanding = [];
      },
      onTimeout(fi) {
        const bd = fi.data as BeatData;
        if (bd.outstanding.length >= bd.missLimit) {
          const missed = bd.outstanding.length;
          fi.stateChg('BEAT-OFF');
          bd.dead(missed);
          return true;
        }
        const seq = (bd.seq = (bd.seq + 1) >>> 0);
        bd.outstanding.push(seq);
        bd.send(seq);
        if (!fi.terminated && fi.state === 'BEAT-ON') fi.stateChg('BEAT-ON', { timer: 'T(beat)' });
        return true;
      },
    },
  },
});

