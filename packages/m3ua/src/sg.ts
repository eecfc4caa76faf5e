import { Fsm, type FsmInstance } from '@snaptel/fsm';
import type { AspActiveMessage, AspInactiveMessage, AspUpMessage, M3uaMessage, TransferInfo } from './codec';
import type { ErrorCodeName, Status, TrafficModeName } from './params';

/**
 * The SGP (or answering IPSP) side of RFC 4666 §4.3: the state of each
 * remote ASP as this side keeps it (Figure 4 again, driven by what the ASP
 * sends), and the state of each Application Server (§4.3.2, Figure 5),
 * driven by its ASPs:
 *
 *   AS-DOWN --an ASP goes ASP-INACTIVE--> AS-INACTIVE
 *   AS-INACTIVE --an ASP goes ASP-ACTIVE (n of them, loadshare)--> AS-ACTIVE
 *   AS-ACTIVE --the last active ASP goes ASP-INACTIVE or ASP-DOWN--> AS-PENDING (T(r), traffic queued)
 *   AS-PENDING --an ASP goes ASP-ACTIVE--> AS-ACTIVE (queue sent)
 *   AS-PENDING --T(r) expires--> AS-INACTIVE (an ASP is still up) or AS-DOWN
 *   AS-INACTIVE --the last ASP goes ASP-DOWN--> AS-DOWN
 *
 * Every AS state change is notified (NTFY AS-INACTIVE/ACTIVE/PENDING) to the
 * ASPs of the AS that are up, and an ASP that comes up is told the current
 * AS state (§4.3.4.5). Override mode: an ASP going active takes over, the
 * one it replaces gets NTFY Alternate ASP Active and is ASP-INACTIVE for that
 * AS. Loadshare: traffic is spread over the active ASPs by SLS; broadcast:
 * every active ASP gets it.
 */

// ---- remote ASP ----

export type RaspState = 'ASP-DOWN' | 'ASP-INACTIVE' | 'ASP-ACTIVE';
export type RaspEvent = 'RX_ASPUP' | 'RX_ASPDN' | 'RX_ASPAC' | 'RX_ASPIA' | 'OVERRIDDEN' | 'ASSOC_DOWN';

/** What a received message event carries: the message and its bytes (for ERR diagnostics). */
export interface Rx<M extends M3uaMessage = M3uaMessage> {
  msg: M;
  raw: Uint8Array;
}

export interface SgHost {
  /** Every AS, in configuration order. */
  ases(): AsFsm[];
  asByRc(rc: number): AsFsm | undefined;
  send(rasp: RaspFsm, msg: M3uaMessage): void;
  /** Sends ERR with this code (and the routing contexts in question, and the offending message as diagnostic). */
  error(rasp: RaspFsm, code: ErrorCodeName, rx: Rx, routingContext?: number[]): void;
  requireAspId: boolean;
  /** Remote ASP state changes, for the endpoint's view. */
  raspEntered(rasp: RaspFsm, state: RaspState, prev: RaspState): void;
}

export interface RaspData {
  host: SgHost;
  /** The ASes in which this ASP is ASP-ACTIVE. */
  activeIn: Set<AsFsm>;
  /** ASP Identifier from its ASP Up. */
  aspId?: number;
}

export type RaspFsm = FsmInstance<RaspState, RaspEvent>;
const rd = (fi: RaspFsm) => fi.data as RaspData;

function goDown(fi: RaspFsm): void {
  const data = rd(fi);
  data.activeIn.clear();
  fi.stateChg('ASP-DOWN');
  for (const as of data.host.ases()) as.dispatch('ASP_DOWN', fi);
}

const MODES: ReadonlySet<unknown> = new Set(['override', 'loadshare', 'broadcast']);

function activate(fi: RaspFsm, rx: Rx<AspActiveMessage>): void {
  const data = rd(fi);
  const { host } = data;
  const m = rx.msg;
  if (m.trafficMode !== undefined && !MODES.has(m.trafficMode)) return host.error(fi, 'unsupported-traffic-mode-type', rx);
  let ases: AsFsm[];
  if (m.routingContext) {
    const { found, bad } = asesOf(host, m.routingContext);
    if (bad.length) return host.error(fi, 'invalid-routing-context', rx, bad);
    ases = found;
  } else {
    ases = host.ases();
    if (ases.length === 0) return host.error(fi, 'no-configured-as-for-asp', rx);
  }
  if (m.trafficMode !== undefined && ases.some((as) => (as.data as AsData).mode !== m.trafficMode)) return host.error(fi, 'unsupported-traffic-mode-type', rx);
  const ack: AspActiveMessage = { type: 'ASPAC_ACK' };
  if (m.trafficMode !== undefined) ack.trafficMode = m.trafficMode;
  if (m.routingContext) ack.routingContext = m.routingContext;
  host.send(fi, ack);
  const newly = ases.filter((as) => !data.activeIn.has(as));
  for (const as of newly) data.activeIn.add(as);
  if (fi.state !== 'ASP-ACTIVE') fi.stateChg('ASP-ACTIVE');
  for (const as of newly) as.dispatch('ASP_ACTIVE', fi);
}

/** The ASes of the routing contexts an ASP named, and the routing contexts nothing is configured for. */
function asesOf(host: SgHost, rcs: readonly number[]): { found: AsFsm[]; bad: number[] } {
  const found: AsFsm[] = [];
  const bad: number[] = [];
  for (const rc of rcs) {
    const as = host.asByRc(rc);
    if (as) found.push(as);
    else bad.push(rc);
  }
  return { found, bad };
}

function deactivate(fi: RaspFsm, rx: Rx<AspInactiveMessage>): void {
  const data = rd(fi);
  const { host } = data;
  const m = rx.msg;
  let ases: AsFsm[];
  if (m.routingContext) {
    const { found, bad } = asesOf(host, m.routingContext);
    if (bad.length) return host.error(fi, 'invalid-routing-context', rx, bad);
    ases = found;
  } else ases = [...data.activeIn];
  const ack: AspInactiveMessage = { type: 'ASPIA_ACK' };
  if (m.routingContext) ack.routingContext = m.routingContext;
  host.send(fi, ack);
  const left = ases.filter((as) => data.activeIn.delete(as));
  if (data.activeIn.size === 0 && fi.state === 'ASP-ACTIVE') fi.stateChg('ASP-INACTIVE');
  for (const as of left) as.dispatch('ASP_INACTIVE', fi);
}

function aspUpAck(fi: RaspFsm): void {
  rd(fi).host.send(fi, { type: 'ASPUP_ACK' });
}

const raspEnter = (fi: RaspFsm, prev: RaspState) => {
  if (prev !== fi.state) rd(fi).host.raspEntered(fi, fi.state, prev);
};

export const RASP_FSM = new Fsm<RaspState, RaspEvent>({
  name: 'M3UA-RASP',
  desc: 'RFC 4666 4.3.1: a remote ASP as the SGP (or answering IPSP) keeps it',
  initial: 'ASP-DOWN',
  events: ['RX_ASPUP', 'RX_ASPDN', 'RX_ASPAC', 'RX_ASPIA', 'OVERRIDDEN', 'ASSOC_DOWN'],
  allStateEvents: ['ASSOC_DOWN'],
  states: {
    'ASP-DOWN': {
      in: ['RX_ASPUP', 'RX_ASPDN'],
      out: ['ASP-INACTIVE', 'ASP-DOWN'],
      onEnter: raspEnter,
      action(fi, ev, data) {
        const rx = data as Rx<AspUpMessage>;
        const host = rd(fi).host;
        if (ev === 'RX_ASPDN') return host.send(fi, { type: 'ASPDN_ACK' }); // §4.3.4.2: acked even when already down
        if (host.requireAspId && rx.msg.aspId === undefined) return host.error(fi, 'asp-identifier-required', rx);
        rd(fi).aspId = rx.msg.aspId;
        aspUpAck(fi);
        fi.stateChg('ASP-INACTIVE');
        for (const as of host.ases()) as.dispatch('ASP_UP', fi);
      },
    },
    'ASP-INACTIVE': {
      in: ['RX_ASPUP', 'RX_ASPDN', 'RX_ASPAC', 'RX_ASPIA'],
      out: ['ASP-DOWN', 'ASP-ACTIVE', 'ASP-INACTIVE'],
      onEnter: raspEnter,
      action(fi, ev, data) {
        const rx = data as Rx;
        switch (ev) {
          case 'RX_ASPUP': // §4.3.4.1: already inactive: ack, nothing else
            return aspUpAck(fi);
          case 'RX_ASPDN':
            rd(fi).host.send(fi, { type: 'ASPDN_ACK' });
            return goDown(fi);
          case 'RX_ASPAC':
            return activate(fi, rx as Rx<AspActiveMessage>);
          case 'RX_ASPIA':
            return deactivate(fi, rx as Rx<AspInactiveMessage>);
        }
      },
    },
    'ASP-ACTIVE': {
      in: ['RX_ASPUP', 'RX_ASPDN', 'RX_ASPAC', 'RX_ASPIA', 'OVERRIDDEN'],
      out: ['ASP-DOWN', 'ASP-INACTIVE', 'ASP-ACTIVE'],
      onEnter: raspEnter,
      action(fi, ev, data) {
        const dd = rd(fi);
        switch (ev) {
          case 'RX_ASPUP': {
            // §4.3.4.1: ASP Up from an active ASP: ASP Up Ack and ERR Unexpected Message,
            // and the ASP is ASP-INACTIVE in all its ASes.
            aspUpAck(fi);
            dd.host.error(fi, 'unexpected-message', data as Rx);
            const left = [...dd.activeIn];
            dd.activeIn.clear();
            fi.stateChg('ASP-INACTIVE');
            for (const as of left) as.dispatch('ASP_INACTIVE', fi);
            return;
          }
          case 'RX_ASPDN':
            dd.host.send(fi, { type: 'ASPDN_ACK' });
            return goDown(fi);
          case 'RX_ASPAC':
            return activate(fi, data as Rx<AspActiveMessage>);
          case 'RX_ASPIA':
            return deactivate(fi, data as Rx<AspInactiveMessage>);
          case 'OVERRIDDEN':
            // The AS has already moved on; only our own view changes.
            dd.activeIn.delete(data as AsFsm);
            if (dd.activeIn.size === 0) fi.stateChg('ASP-INACTIVE');
            return;
        }
      },
    },
  },
  allStateAction(fi, ev) {
    if (ev === 'ASSOC_DOWN' && fi.state !== 'ASP-DOWN') goDown(fi);
  },
});

// ---- application server ----

export type AsState = 'AS-DOWN' | 'AS-INACTIVE' | 'AS-ACTIVE' | 'AS-PENDING';
export type AsEvent = 'ASP_UP' | 'ASP_ACTIVE' | 'ASP_INACTIVE' | 'ASP_DOWN';

export interface AsHost {
  ntfy(as: AsFsm, rasp: RaspFsm, status: Status, aspId?: number): void;
  /** AS state changes, for the endpoint's events. */
  asEntered(as: AsFsm, state: AsState, prev: AsState): void;
  /** Sends DATA queued while AS-PENDING. */
  flush(as: AsFsm, queued: TransferInfo[]): void;
  dropped(as: AsFsm, count: number): void;
}

export interface AsData {
  host: AsHost;
  routingContext: number;
  mode: TrafficModeName;
  /** Active ASPs needed for AS-ACTIVE (n of n+k loadsharing; 1 otherwise). */
  minActive: number;
  /** Point codes this AS serves (the DPC of its routing key): transfer() picks the AS by DPC. */
  dpcs: number[];
  /** ASPs of the AS that are ASP-INACTIVE or ASP-ACTIVE. */
  up: Set<RaspFsm>;
  /** Active ASPs in the order they became active (override: at most one). */
  active: RaspFsm[];
  queue: TransferInfo[];
  queueLimit: number;
}

export type AsFsm = FsmInstance<AsState, AsEvent>;
const ad = (fi: AsFsm) => fi.data as AsData;

const STATE_INFO: Record<AsState, Status['info']> = {
  'AS-DOWN': 'as-inactive',
  'AS-INACTIVE': 'as-inactive',
  'AS-ACTIVE': 'as-active',
  'AS-PENDING': 'as-pending',
};

function tell(fi: AsFsm, rasp: RaspFsm): void {
  ad(fi).host.ntfy(fi, rasp, { type: 'as-state-change', info: STATE_INFO[fi.state] });
}

function insufficient(fi: AsFsm): void {
  const d = ad(fi);
  for (const r of d.up) if (!d.active.includes(r)) d.host.ntfy(fi, r, { type: 'other', info: 'insufficient-asp-resources' });
}

function removeActive(d: AsData, rasp: RaspFsm): boolean {
  const i = d.active.indexOf(rasp);
  if (i < 0) return false;
  d.active.splice(i, 1);
  return true;
}

function asEnter(fi: AsFsm, prev: AsState): void {
  if (prev === fi.state) return;
  const d = ad(fi);
  // §4.3.4.5: every AS state change is notified to the ASPs of the AS that are up.
  if (fi.state !== 'AS-DOWN') for (const r of d.up) tell(fi, r);
  d.host.asEntered(fi, fi.state, prev);
  if (fi.state === 'AS-ACTIVE' && d.queue.length) {
    const q = d.queue;
    d.queue = [];
    d.host.flush(fi, q);
  }
}

function asAction(fi: AsFsm, ev: AsEvent, data: unknown): void {
  const d = ad(fi);
  const rasp = data as RaspFsm;
  switch (ev) {
    case 'ASP_UP':
      if (d.up.has(rasp)) return;
      d.up.add(rasp);
      if (fi.state === 'AS-DOWN') fi.stateChg('AS-INACTIVE');
      else tell(fi, rasp); // the current AS state, to the ASP that came up
      return;
    case 'ASP_ACTIVE': {
      d.up.add(rasp);
      if (d.active.includes(rasp)) return;
      if (fi.state === 'AS-ACTIVE' && d.mode === 'override') {
        const olds = d.active;
        d.active = [rasp];
        const newId = (rasp.data as RaspData).aspId;
        for (const old of olds) {
          d.host.ntfy(fi, old, { type: 'other', info: 'alternate-asp-active' }, newId);
          old.dispatch('OVERRIDDEN', fi);
        }
        tell(fi, rasp);
        return;
      }
      d.active.push(rasp);
      if (fi.state === 'AS-ACTIVE') return tell(fi, rasp);
      if (d.active.length >= d.minActive || fi.state === 'AS-PENDING') return fi.stateChg('AS-ACTIVE');
      insufficient(fi);
      return;
    }
    case 'ASP_INACTIVE':
    case 'ASP_DOWN': {
      const wasActive = removeActive(d, rasp);
      if (ev === 'ASP_DOWN') d.up.delete(rasp);
      if (fi.state === 'AS-ACTIVE' && wasActive) {
        if (d.active.length === 0) return fi.stateChg('AS-PENDING', { timer: 'T(r)' });
        if (d.mode === 'loadshare' && d.active.length < d.minActive) insufficient(fi);
        return;
      }
      if (fi.state === 'AS-INACTIVE' && d.up.size === 0) fi.stateChg('AS-DOWN');
      return;
    }
  }
}

const ALL: AsEvent[] = ['ASP_UP', 'ASP_ACTIVE', 'ASP_INACTIVE', 'ASP_DOWN'];

export const AS_FSM = new Fsm<AsState, AsEvent>({
  name: 'M3UA-AS',
  desc: 'RFC 4666 4.3.2: an Application Server as the SGP (or answering IPSP) keeps it',
  initial: 'AS-DOWN',
  events: ALL,
  states: {
    'AS-DOWN': { desc: 'no ASP of the AS is up', in: ALL, out: ['AS-INACTIVE', 'AS-ACTIVE'], onEnter: asEnter, action: asAction },
    'AS-INACTIVE': { desc: 'ASPs up, too few active', in: ALL, out: ['AS-DOWN', 'AS-ACTIVE'], onEnter: asEnter, action: asAction },
    'AS-ACTIVE': { desc: 'traffic flows to the active ASP(s)', in: ALL, out: ['AS-PENDING'], onEnter: asEnter, action: asAction },
    'AS-PENDING': {
      desc: 'the last active ASP went away: traffic queued for T(r)',
      timer: 'T(r)',
      in: ALL,
      out: ['AS-ACTIVE', 'AS-INACTIVE', 'AS-DOWN'],
      onEnter: asEnter,
      action: asAction,
      onTimeout(fi) {
        const d = ad(fi);
        if (d.queue.length) {
          d.host.dropped(fi, d.queue.length);
          d.queue = [];
        }
        fi.stateChg(d.up.size > 0 ? 'AS-INACTIVE' : 'AS-DOWN');
        return true;
      },
    },
  },
});
