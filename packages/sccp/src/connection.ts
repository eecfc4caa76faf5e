import { Fsm, type FsmInstance, type FsmLog, type TimerHandle, type TimerHost, type TimerTable } from '@snaptel/fsm';
import type { SccpAddress } from './address';
import { causeText, ERROR_CAUSE, REFUSAL_CAUSE, RELEASE_CAUSE } from './causes';
import { SccpError } from './errors';
import type { SccpMessage, SccpMessageOf } from './sccp';

/**
 * SCCP connection-oriented control (SCOC), protocol class 2 (Q.714 §3 and
 * the state diagrams of Annex C.2/C.3), as one table on @snaptel/fsm: every
 * state with the events it takes and the states it may go to.
 *
 * The machine's own timer (one per state, named in the table) is T(conn_est)
 * while a CR waits for its CC, and T(rel) then T(repeat_rel) while an RLSD
 * waits for its RLC. Three timers run beside it, because they overlap the
 * state timer: T(ias) and T(iar) while the connection is active, T(int) from
 * the first expiry of T(rel). T(ias)/T(iar) are re-armed lazily: sending or
 * receiving only notes the time, and a timer that fires early re-arms itself
 * for the rest, so data costs no timer operations.
 */

export type ConnState = 'IDLE' | 'CONN_PEND_OUT' | 'CONN_PEND_IN' | 'ACTIVE' | 'DISCONN_PEND' | 'WAIT_CONN_CONF';

export type ScocEvent =
  // primitives from the user (Q.711 N-CONNECT, N-DISCONNECT, N-DATA)
  | 'N-CONNECT-req'
  | 'N-CONNECT-resp'
  | 'N-DISCONNECT-req'
  | 'N-DATA-req'
  // messages from the peer, after routing and the reference checks of Table B.2/Q.714
  | 'RX-CR'
  | 'RX-CC'
  | 'RX-CREF'
  | 'RX-RLSD'
  | 'RX-RLC'
  | 'RX-DT1'
  | 'RX-IT'
  | 'RX-ERR'
  /** DT2, AK, ED, EA, RSR, RSC: protocol class 3 messages on a class 2 connection. */
  | 'RX-OTHER'
  // the timers that run beside the state timer
  | 'T-IAS-EXP'
  | 'T-IAR-EXP'
  | 'T-INT-EXP';

/** How a connection ended, handed to onReleased. */
export interface SccpReleaseInfo {
  /** Who ended it: the peer (RLSD, CREF, ERR), this side's user (release(), refuse()), or this SCCP (a timer, a protocol check). */
  by: 'remote' | 'local' | 'sccp';
  /** Which cause table `cause` is from (Q.713 §3.11 release, §3.15 refusal, §3.14 error). */
  kind: 'release' | 'refusal' | 'error';
  cause: number;
  /** The cause in words: 'expiration of receive inactivity timer'. */
  text: string;
  /** User data the peer sent with its RLSD or CREF. */
  data?: Uint8Array;
  /** For a release this side asked for: true when the peer confirmed (RLC, or its own RLSD), false when T(int) or T(conn_est) gave up. */
  confirmed?: boolean;
}

export interface SccpConnectionHandler {
  /** An outgoing connection is established (CC received); `data` is what the CC carried. */
  onConnected?(conn: SccpConnection, data: Uint8Array | undefined): void;
  /** One complete N-DATA (DT1 segments with the M bit are put together first). */
  onData?(conn: SccpConnection, data: Uint8Array): void;
  /**
   * Called exactly once per connection. For a release this side asked for
   * (release()), once the peer confirms with RLC or T(int) gives up; for
   * refuse(), at once; for anything else (the peer's RLSD, CREF or ERR,
   * T(conn_est), T(iar), an inconsistent IT, dropAll()), at once, when the
   * connection stops carrying data.
   */
  onReleased?(conn: SccpConnection, info: SccpReleaseInfo): void;
}

/** @internal What a connection needs from its node. */
export interface ScocOwner {
  readonly name: string;
  readonly host: TimerHost;
  readonly timers: TimerTable;
  readonly fsmLog: FsmLog | undefined;
  readonly maxDt1Data: number;
  readonly maxReassembly: number;
  /** Encodes and sends towards the connection's remote PC on its SLS. */
  sendCo(conn: SccpConnection, msg: SccpMessage): void;
  /** The connection is over: forget it and freeze its reference. */
  connectionFreed(conn: SccpConnection): void;
  count(key: string): void;
  /** Runs a user callback; an exception is logged and counted, never thrown into the SCCP. */
  guard(what: string, fn: () => void): boolean;
  warn(fields: Record<string, unknown>, msg: string): void;
}

/** Q.713 §4.2-4.5: data in CR, CC, CREF and RLSD is 3-130 octets with its two header octets. */
export const MAX_OPTIONAL_DATA = 128;

type Fi = FsmInstance<ConnState, ScocEvent>;
const conn = (fi: Fi) => fi.data as SccpConnection;
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const CLASS2 = { class: 2, handling: 0 } as const;

/** A received message with the MTP label it came with. */
export interface Rx<T extends SccpMessage = SccpMessage> {
  msg: T;
  opc: number;
  /** IT only: its source reference did not match (Table B.2/Q.714): release. */
  inconsistent?: boolean;
}

interface ConnectReq {
  called: SccpAddress;
  calling?: SccpAddress;
  data?: Uint8Array;
}

interface DisconnectReq {
  cause: number;
  data?: Uint8Array;
}

// ---- the table ----

export const SCOC = new Fsm<ConnState, ScocEvent>({
  name: 'SCOC',
  desc: 'SCCP connection, protocol class 2 (Q.714 §3, Annex C.2/C.3)',
  initial: 'IDLE',
  events: [
    'N-CONNECT-req', 'N-CONNECT-resp', 'N-DISCONNECT-req', 'N-DATA-req',
    'RX-CR', 'RX-CC', 'RX-CREF', 'RX-RLSD', 'RX-RLC', 'RX-DT1', 'RX-IT', 'RX-ERR', 'RX-OTHER',
    'T-IAS-EXP', 'T-IAR-EXP', 'T-INT-EXP',
  ],
  states: {
    IDLE: {
      desc: 'a reference allocated, nothing sent or received yet',
      in: ['N-CONNECT-req', 'RX-CR'],
      out: ['CONN_PEND_OUT', 'CONN_PEND_IN'],
      action: idle,
    },
    CONN_PEND_OUT: {
      desc: 'CR sent, waiting for CC',
      timer: 'T(conn_est)',
      in: ['N-DISCONNECT-req', 'N-DATA-req', 'RX-CC', 'RX-CREF', 'RX-RLSD', 'RX-ERR'],
      out: ['ACTIVE', 'WAIT_CONN_CONF'],
      action: connPendOut,
      onTimeout: (fi) => conn(fi).setEnd({ by: 'sccp', kind: 'refusal', cause: REFUSAL_CAUSE.EXPIRATION_OF_CONNECTION_ESTABLISHMENT_TIMER }),
    },
    WAIT_CONN_CONF: {
      desc: 'the user released while the CR was pending: a CC is answered with RLSD',
      keepTimer: true,
      in: ['RX-CC', 'RX-CREF', 'RX-RLSD', 'RX-ERR'],
      out: ['DISCONN_PEND'],
      action: waitConnConf,
    },
    CONN_PEND_IN: {
      desc: 'CR received and given to the user, waiting for accept() or refuse()',
      in: ['N-CONNECT-resp', 'N-DISCONNECT-req'],
      out: ['ACTIVE'],
      action: connPendIn,
    },
    ACTIVE: {
      desc: 'data transfer; T(ias) sends IT, T(iar) releases',
      in: ['N-DATA-req', 'N-DISCONNECT-req', 'RX-DT1', 'RX-IT', 'RX-RLSD', 'RX-ERR', 'RX-OTHER', 'T-IAS-EXP', 'T-IAR-EXP'],
      out: ['DISCONN_PEND'],
      action: active,
      onEnter: (fi) => startInactivity(conn(fi)),
      onLeave: (fi) => stopInactivity(conn(fi)),
    },
    DISCONN_PEND: {
      desc: 'RLSD sent, waiting for RLC; T(rel), then RLSD again every T(repeat_rel) until T(int)',
      timer: 'T(rel)',
      in: ['RX-RLC', 'RX-RLSD', 'T-INT-EXP'],
      out: ['DISCONN_PEND'],
      action: disconnPend,
      onTimeout: relTimeout,
    },
  },
  onTerminate: (fi) => conn(fi).finished(),
});

// ---- state actions ----

function idle(fi: Fi, event: ScocEvent, data: unknown): void {
  const c = conn(fi);
  if (event === 'N-CONNECT-req') {
    const r = data as ConnectReq;
    const m: Record<string, unknown> = { type: 'CR', srcRef: c.localRef, protocolClass: CLASS2, called: r.called };
    if (r.calling) m.calling = r.calling;
    if (r.data && r.data.length > 0) {
      // Too long for the CR: sent as DT1 once the CC is in (as libosmo-sigtran does).
      if (r.data.length <= MAX_OPTIONAL_DATA) m.data = hex(r.data);
      else c.pendingOut.push(r.data);
    }
    fi.stateChg('CONN_PEND_OUT');
    c.owner.sendCo(c, m as unknown as SccpMessage);
    return;
  }
  // RX-CR: the node has checked the called SSN and asks the user once we are in CONN_PEND_IN.
  const { msg, opc } = data as Rx<SccpMessageOf<'CR'>>;
  c.remoteRef = msg.srcRef;
  c.peerOpc = opc;
  // Q.714 §3.1.6.1: the originating node is the PC of the calling address, else the OPC (the node sets remotePc after this).
  c.remotePc = msg.calling?.pc ?? opc;
  fi.stateChg('CONN_PEND_IN');
}

function connPendIn(fi: Fi, event: ScocEvent, data: unknown): void {
  const c = conn(fi);
  if (event === 'N-CONNECT-resp') {
    const d = data as Uint8Array | undefined;
    const m: Record<string, unknown> = { type: 'CC', dstRef: c.remoteRef, srcRef: c.localRef, protocolClass: CLASS2 };
    if (d && d.length > 0) {
      if (d.length <= MAX_OPTIONAL_DATA) m.data = hex(d);
      else c.pendingOut.unshift(d);
    }
    fi.stateChg('ACTIVE');
    c.owner.sendCo(c, m as unknown as SccpMessage);
    flushPending(c);
    return;
  }
  // N-DISCONNECT-req: refuse.
  const r = data as DisconnectReq;
  c.setEnd({ by: 'local', kind: 'refusal', cause: r.cause });
  const m: Record<string, unknown> = { type: 'CREF', dstRef: c.remoteRef, refusalCause: r.cause };
  if (r.data && r.data.length > 0) {
    if (r.data.length <= MAX_OPTIONAL_DATA) m.data = hex(r.data);
    else {
      // Q.714 Figure C.3: no DT1 before or after a CREF, so data that does not fit is lost.
      c.owner.count('cref-data-dropped');
      c.owner.warn({ conn: fi.name, bytes: r.data.length }, `${fi.name}: ${r.data.length} bytes of CREF data do not fit (max ${MAX_OPTIONAL_DATA}); sent without`);
    }
  }
  fi.terminate('normal');
  c.owner.sendCo(c, m as unknown as SccpMessage);
}

function connPendOut(fi: Fi, event: ScocEvent, data: unknown): void {
  const c = conn(fi);
  switch (event) {
    case 'N-DATA-req':
      c.pendingOut.push(data as Uint8Array);
      return;
    case 'N-DISCONNECT-req': {
      const r = data as DisconnectReq;
      c.releaseCause = r.cause;
      c.releaseData = r.data;
      c.pendingOut.length = 0;
      c.setEnd({ by: 'local', kind: 'release', cause: r.cause, confirmed: false });
      fi.stateChg('WAIT_CONN_CONF');
      return;
    }
    case 'RX-CC': {
      const { msg, opc } = data as Rx<SccpMessageOf<'CC'>>;
      c.remoteRef = msg.srcRef;
      // Q.714 §3.1.4.2: the node that sent the CC is the peer from now on.
      c.remotePc = opc;
      c.peerOpc = opc;
      fi.stateChg('ACTIVE');
      flushPending(c);
      if (!fi.terminated) c.owner.guard('onConnected', () => c.handler.onConnected?.(c, msg.data ? bytes(msg.data) : undefined));
      return;
    }
    case 'RX-CREF': {
      const { msg } = data as Rx<SccpMessageOf<'CREF'>>;
      c.setEnd({ by: 'remote', kind: 'refusal', cause: msg.refusalCause, data: msg.data ? bytes(msg.data) : undefined });
      fi.terminate('normal');
      return;
    }
    case 'RX-RLSD': {
      const { msg } = data as Rx<SccpMessageOf<'RLSD'>>;
      c.remoteRef = msg.srcRef;
      c.setEnd({ by: 'remote', kind: 'release', cause: msg.releaseCause, data: msg.data ? bytes(msg.data) : undefined });
      fi.terminate('normal');
      sendRlc(c);
      return;
    }
    case 'RX-ERR': {
      const { msg } = data as Rx<SccpMessageOf<'ERR'>>;
      c.setEnd({ by: 'remote', kind: 'error', cause: msg.errorCause });
      fi.terminate('normal');
      return;
    }
  }
}

function waitConnConf(fi: Fi, event: ScocEvent, data: unknown): void {
  const c = conn(fi);
  switch (event) {
    case 'RX-CC': {
      const { msg, opc } = data as Rx<SccpMessageOf<'CC'>>;
      c.remoteRef = msg.srcRef;
      c.remotePc = opc;
      c.peerOpc = opc;
      fi.stateChg('DISCONN_PEND');
      sendRlsd(c, c.releaseCause, c.releaseData);
      return;
    }
    case 'RX-RLSD':
      c.remoteRef = (data as Rx<SccpMessageOf<'RLSD'>>).msg.srcRef;
      c.confirm();
      fi.terminate('normal');
      sendRlc(c);
      return;
    default: // RX-CREF, RX-ERR: the connection never came up; our release is done.
      c.confirm();
      fi.terminate('normal');
  }
}

function active(fi: Fi, event: ScocEvent, data: unknown): void {
  const c = conn(fi);
  switch (event) {
    case 'N-DATA-req':
      sendDt1(c, data as Uint8Array);
      return;
    case 'N-DISCONNECT-req': {
      const r = data as DisconnectReq;
      c.setEnd({ by: 'local', kind: 'release', cause: r.cause, confirmed: false });
      let d = r.data;
      if (d && d.length > MAX_OPTIONAL_DATA) {
        // Too long for the RLSD: a DT1 ahead of it (libosmo-sigtran does the same).
        sendDt1(c, d);
        d = undefined;
        if (fi.terminated) return;
      }
      c.releaseCause = r.cause;
      c.releaseData = d;
      fi.stateChg('DISCONN_PEND');
      sendRlsd(c, r.cause, d);
      return;
    }
    case 'RX-DT1':
      receiveDt1(c, (data as Rx<SccpMessageOf<'DT1'>>).msg);
      return;
    case 'RX-IT': {
      const { msg, inconsistent } = data as Rx<SccpMessageOf<'IT'>>;
      // Q.714 §3.4: the IT's protocol class must be the connection's (credit and sequencing count in class 3 only).
      if (inconsistent || msg.protocolClass.class !== c.protocolClass) sccpRelease(c, RELEASE_CAUSE.INCONSISTENT_CONNECTION_DATA);
      return;
    }
    case 'RX-RLSD': {
      const { msg } = data as Rx<SccpMessageOf<'RLSD'>>;
      c.setEnd({ by: 'remote', kind: 'release', cause: msg.releaseCause, data: msg.data ? bytes(msg.data) : undefined });
      fi.terminate('normal');
      sendRlc(c);
      return;
    }
    case 'RX-ERR': {
      const { msg } = data as Rx<SccpMessageOf<'ERR'>>;
      c.notify({ by: 'remote', kind: 'error', cause: msg.errorCause });
      if (msg.errorCause === ERROR_CAUSE.SERVICE_CLASS_MISMATCH) {
        // Q.714 §3.10: a service class mismatch starts the release procedure; other errors release locally.
        c.releaseCause = RELEASE_CAUSE.INCONSISTENT_CONNECTION_DATA;
        fi.stateChg('DISCONN_PEND');
        sendRlsd(c, c.releaseCause);
      } else fi.terminate('normal');
      return;
    }
    case 'RX-OTHER':
      // A class 3 message on a class 2 connection: ERR, and the peer releases.
      c.notify({ by: 'sccp', kind: 'error', cause: ERROR_CAUSE.SERVICE_CLASS_MISMATCH });
      fi.terminate('normal');
      c.owner.sendCo(c, { type: 'ERR', dstRef: c.remoteRef!, errorCause: ERROR_CAUSE.SERVICE_CLASS_MISMATCH });
      return;
    case 'T-IAS-EXP':
      sendIt(c);
      return;
    case 'T-IAR-EXP':
      sccpRelease(c, RELEASE_CAUSE.EXPIRATION_OF_RECEIVE_INACTIVITY_TIMER);
      return;
  }
}

function disconnPend(fi: Fi, event: ScocEvent): void {
  const c = conn(fi);
  if (event === 'T-INT-EXP') {
    // Q.714: release the resources, freeze the reference and alert maintenance.
    c.owner.count('release-gave-up');
    c.owner.warn({ conn: fi.name, remoteRef: c.remoteRef }, `${fi.name}: no RLC before T(int) expired; reference freed`);
    fi.terminate('timeout');
    return;
  }
  // RX-RLC, or RX-RLSD crossing ours: the release is complete.
  c.confirm();
  fi.terminate('normal');
}

function relTimeout(fi: Fi, timer: string): boolean {
  const c = conn(fi);
  if (timer === 'T(rel)') {
    const ms = c.owner.timers.ms('T(int)');
    if (ms > 0) c.intTimer = c.owner.host.at(`${fi.name}.T(int)`, c.owner.host.now() + ms, () => {
      c.intTimer = undefined;
      if (!fi.terminated) fi.dispatch('T-INT-EXP');
    });
  }
  fi.stateChg('DISCONN_PEND', { timer: 'T(repeat_rel)' });
  sendRlsd(c, c.releaseCause, c.releaseData);
  return true;
}

// ---- helpers ----

/** This SCCP ends an active connection (T(iar), an inconsistent IT): tell the user now, then RLSD. */
function sccpRelease(c: SccpConnection, cause: number): void {
  c.notify({ by: 'sccp', kind: 'release', cause });
  c.releaseCause = cause;
  c.releaseData = undefined;
  c.fi.stateChg('DISCONN_PEND');
  sendRlsd(c, cause);
}

function sendRlsd(c: SccpConnection, cause: number, data?: Uint8Array): void {
  const m: Record<string, unknown> = { type: 'RLSD', dstRef: c.remoteRef, srcRef: c.localRef, releaseCause: cause };
  if (data && data.length > 0) m.data = hex(data);
  c.owner.sendCo(c, m as unknown as SccpMessage);
}

function sendRlc(c: SccpConnection): void {
  c.owner.sendCo(c, { type: 'RLC', dstRef: c.remoteRef!, srcRef: c.localRef });
}

function sendIt(c: SccpConnection): void {
  c.owner.sendCo(c, {
    type: 'IT',
    dstRef: c.remoteRef!,
    srcRef: c.localRef,
    protocolClass: CLASS2,
    sequencing: { sendSeq: 0, recvSeq: 0, more: false },
    credit: 0,
  });
}

/** N-DATA as DT1s of at most maxDt1Data octets, the M bit set on all but the last (Q.714 §3.5.2). */
function sendDt1(c: SccpConnection, d: Uint8Array): void {
  const max = c.owner.maxDt1Data;
  for (let at = 0; at < d.length; at += max) {
    if (c.fi.terminated || c.fi.state !== 'ACTIVE') return;
    const end = Math.min(at + max, d.length);
    c.owner.sendCo(c, { type: 'DT1', dstRef: c.remoteRef!, segmentingReassembling: end < d.length ? 1 : 0, data: hex(d.subarray(at, end)) });
  }
}

function flushPending(c: SccpConnection): void {
  while (c.pendingOut.length > 0 && !c.fi.terminated && c.fi.state === 'ACTIVE') sendDt1(c, c.pendingOut.shift()!);
}

function receiveDt1(c: SccpConnection, msg: SccpMessageOf<'DT1'>): void {
  const d = bytes(msg.data);
  const more = (msg.segmentingReassembling & 1) === 1;
  if (c.rxLen + d.length > c.owner.maxReassembly) {
    c.owner.count('reassembly-overflow');
    c.owner.warn({ conn: c.fi.name, bytes: c.rxLen + d.length }, `${c.fi.name}: DT1 segments exceed ${c.owner.maxReassembly} bytes; releasing`);
    c.rxParts = [];
    c.rxLen = 0;
    sccpRelease(c, RELEASE_CAUSE.REMOTE_PROCEDURE_ERROR);
    return;
  }
  if (!more && c.rxParts.length === 0) {
    c.owner.guard('onData', () => c.handler.onData?.(c, d));
    return;
  }
  c.rxParts.push(d);
  c.rxLen += d.length;
  if (more) return;
  const whole = Buffer.concat(c.rxParts);
  c.rxParts = [];
  c.rxLen = 0;
  c.owner.guard('onData', () => c.handler.onData?.(c, Uint8Array.from(whole)));
}

function startInactivity(c: SccpConnection): void {
  const now = c.owner.host.now();
  c.lastTx = now;
  c.lastRx = now;
  armIas(c);
  armIar(c);
}

function stopInactivity(c: SccpConnection): void {
  c.iasTimer?.cancel();
  c.iarTimer?.cancel();
  c.iasTimer = c.iarTimer = undefined;
}

function armIas(c: SccpConnection): void {
  const ms = c.owner.timers.ms('T(ias)');
  if (ms <= 0) return;
  c.iasTimer = c.owner.host.at(`${c.fi.name}.T(ias)`, c.lastTx + ms, () => {
    c.iasTimer = undefined;
    if (c.fi.terminated || c.fi.state !== 'ACTIVE') return;
    if (c.owner.host.now() < c.lastTx + ms) return armIas(c); // something was sent since: wait for the rest
    c.fi.dispatch('T-IAS-EXP');
    if (!c.fi.terminated && c.fi.state === 'ACTIVE' && !c.iasTimer) armIas(c);
  });
}

function armIar(c: SccpConnection): void {
  const ms = c.owner.timers.ms('T(iar)');
  if (ms <= 0) return;
  c.iarTimer = c.owner.host.at(`${c.fi.name}.T(iar)`, c.lastRx + ms, () => {
    c.iarTimer = undefined;
    if (c.fi.terminated || c.fi.state !== 'ACTIVE') return;
    if (c.owner.host.now() < c.lastRx + ms) return armIar(c);
    c.fi.dispatch('T-IAR-EXP');
  });
}

const hex6 = (n: number) => n.toString(16).padStart(6, '0');

// ---- the connection as the user sees it ----

/**
 * One SCCP connection section, class 2. Made by node.connect() (outgoing)
 * or handed to the bound user's onConnectIndication() (incoming).
 */
export class SccpConnection {
  /** Owner's data. */
  data: unknown;
  /** Where onConnected/onData/onReleased go: the handler given to connect() or accept(), else the bound user. */
  handler: SccpConnectionHandler;
  /** The peer's local reference, once known (CR received, or CC received). */
  remoteRef: number | undefined;
  /** The point code this connection's messages go to. */
  remotePc: number | undefined;
  /** The protocol class in use (always 2: a CR asking for 3 is answered with class 2, Q.714 §3.1.3). */
  readonly protocolClass = 2;

  /** @internal */ readonly fi: Fi;
  /** @internal the OPC its messages must come from (Table B.2/Q.714) */ peerOpc: number | undefined;
  /** @internal */ lastTx = 0;
  /** @internal */ lastRx = 0;
  /** @internal */ iasTimer: TimerHandle | undefined;
  /** @internal */ iarTimer: TimerHandle | undefined;
  /** @internal */ intTimer: TimerHandle | undefined;
  /** @internal data waiting for the connection to become active */ pendingOut: Uint8Array[] = [];
  /** @internal DT1 segments received with the M bit */ rxParts: Uint8Array[] = [];
  /** @internal */ rxLen = 0;
  /** @internal cause and data of the RLSD to send (and repeat) */ releaseCause: number = RELEASE_CAUSE.END_USER_ORIGINATED;
  /** @internal */ releaseData: Uint8Array | undefined;
  private end: SccpReleaseInfo | undefined;
  private notified = false;

  /** @internal */
  constructor(
    /** @internal */ readonly owner: ScocOwner,
    /** Our local reference (24 bits). */
    readonly localRef: number,
    /** True for a connection the peer asked for (CR received). */
    readonly incoming: boolean,
    /** The SLS of every message of this connection (Q.714 §1.1.2.3: one SLS per connection keeps them in sequence). */
    readonly sls: number,
    /** Called address of the CR. */
    readonly called: SccpAddress,
    /** Calling address of the CR, if it had one. */
    readonly calling: SccpAddress | undefined,
    handler: SccpConnectionHandler,
  ) {
    this.handler = handler;
    this.fi = SCOC.create({ id: `${owner.name}-${hex6(localRef)}`, host: owner.host, timers: owner.timers, log: owner.fsmLog, data: this });
  }

  /** 'IDLE' ... 'DISCONN_PEND', or 'RELEASED' once the reference is freed. */
  get state(): ConnState | 'RELEASED' {
    return this.fi.terminated ? 'RELEASED' : this.fi.state;
  }

  /** The FSM instance name, e.g. 'SCOC(msc-000001)'. */
  get name(): string {
    return this.fi.name;
  }

  /** Accepts an incoming connection (N-CONNECT response: CC, with `data` if given). */
  accept(data?: Uint8Array, handler?: SccpConnectionHandler): void {
    if (handler) this.handler = handler;
    this.primitive('N-CONNECT-resp', data, 'accept()');
  }

  /** Refuses an incoming connection (CREF with this refusal cause, Q.713 §3.15). */
  refuse(cause: number = REFUSAL_CAUSE.END_USER_ORIGINATED, data?: Uint8Array): void {
    checkCause(cause);
    this.primitive('N-DISCONNECT-req', { cause, data } satisfies DisconnectReq, 'refuse()');
  }

  /**
   * N-DATA: sent as DT1 (segmented with the M bit above 255 octets); queued
   * while an outgoing connection waits for its CC. Returns false (and sends
   * nothing) once the connection is being released or gone. Throws
   * SccpError('bad-state') on an incoming connection not yet accepted.
   */
  send(data: Uint8Array): boolean {
    if (!(data instanceof Uint8Array) || data.length === 0) throw new SccpError('bad-length', `${this.name}: send() needs at least one octet (Q.713 §4.6)`);
    if (this.fi.terminated || this.fi.state === 'DISCONN_PEND' || this.fi.state === 'WAIT_CONN_CONF') {
      this.owner.count('data-after-release');
      return false;
    }
    this.primitive('N-DATA-req', data, 'send()');
    return true;
  }

  /**
   * Releases the connection (RLSD with this release cause, Q.713 §3.11);
   * refuses it when it is incoming and not yet accepted. Nothing happens
   * when it is already being released or gone.
   */
  release(cause: number = RELEASE_CAUSE.END_USER_ORIGINATED, data?: Uint8Array): void {
    checkCause(cause);
    if (this.fi.terminated || this.fi.state === 'DISCONN_PEND' || this.fi.state === 'WAIT_CONN_CONF') return;
    this.fi.dispatch('N-DISCONNECT-req', { cause, data } satisfies DisconnectReq);
  }

  private primitive(event: ScocEvent, data: unknown, what: string): void {
    if (!this.fi.permits(event)) throw new SccpError('bad-state', `${this.name}: ${what} is not possible in state ${this.state}`);
    this.fi.dispatch(event, data);
  }

  /** @internal how the connection ends, without telling the user yet */
  setEnd(info: Omit<SccpReleaseInfo, 'text'>): void {
    const end: SccpReleaseInfo = { by: info.by, kind: info.kind, cause: info.cause, text: causeText(info.kind, info.cause) };
    if (info.data !== undefined) end.data = info.data;
    if (info.confirmed !== undefined) end.confirmed = info.confirmed;
    this.end = end;
  }

  /** @internal a release this side asked for got its answer */
  confirm(): void {
    if (this.end && this.end.by === 'local' && this.end.kind === 'release') this.end.confirmed = true;
  }

  /** @internal tells the user now (once) */
  notify(info: Omit<SccpReleaseInfo, 'text'>): void {
    if (this.notified) return;
    this.setEnd(info);
    this.notified = true;
    const end = this.end!;
    this.owner.guard('onReleased', () => this.handler.onReleased?.(this, end));
  }

  /** @internal onTerminate: timers off, reference freed, the user told if not yet. */
  finished(): void {
    stopInactivity(this);
    this.intTimer?.cancel();
    this.intTimer = undefined;
    this.pendingOut = [];
    this.rxParts = [];
    this.owner.connectionFreed(this);
    if (!this.notified) this.notify(this.end ?? { by: 'sccp', kind: 'release', cause: RELEASE_CAUSE.UNQUALIFIED });
  }

  /** @internal drops the connection without a message (the link is gone, a reset): the user is told `cause`. */
  drop(cause: number): void {
    if (this.fi.terminated) return;
    this.notify({ by: 'sccp', kind: 'release', cause });
    this.fi.terminate('dropped');
  }
}

function checkCause(cause: number): void {
  if (!Number.isInteger(cause) || cause < 0 || cause > 255) throw new SccpError('bad-argument', `cause ${String(cause)} is not an integer 0..255`);
}
