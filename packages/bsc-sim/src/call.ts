import { EventEmitter } from 'node:events';
import type { IeValues } from '@snaptel/codec';
import type { DtapMessage } from '@snaptel/gsm48';
import { Deferred } from './deferred';
import { CallFailedError } from './errors';
import type { CodecName } from './radio';
import { NamedTimers, type TimerName } from './timers';
import type { Ms } from './ms';
import type { Session } from './session';

/**
 * Call control on the mobile side (TS 24.008 §5), one transaction per Call,
 * written as tables: the states the MS goes through, and for each message
 * from the network the states it is accepted in and what the MS does.
 */

export type CcState = 'U0' | 'U1' | 'U3' | 'U4' | 'U6' | 'U7' | 'U8' | 'U9' | 'U10' | 'U11' | 'U12' | 'U19';

/** TS 24.008 §5.1.1.2: the MS's call states and their values in the Call State IE (§10.5.4.6). */
export const CC_STATES: Record<CcState, { value: number; name: string }> = {
  U0: { value: 0, name: 'null' },
  U1: { value: 1, name: 'call initiated' },
  U3: { value: 3, name: 'mobile originating call proceeding' },
  U4: { value: 4, name: 'call delivered' },
  U6: { value: 6, name: 'call present' },
  U7: { value: 7, name: 'call received' },
  U8: { value: 8, name: 'connect request' },
  U9: { value: 9, name: 'mobile terminating call confirmed' },
  U10: { value: 10, name: 'active' },
  U11: { value: 11, name: 'disconnect request' },
  U12: { value: 12, name: 'disconnect indication' },
  U19: { value: 19, name: 'release request' },
};

/** CC cause values used here (TS 24.008 table 10.5.123). */
export const CC_CAUSE = {
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  CALL_REJECTED: 21,
  RESPONSE_TO_STATUS_ENQUIRY: 30,
  INVALID_TI: 81,
  MESSAGE_NOT_COMPATIBLE_WITH_STATE: 98,
  RECOVERY_ON_TIMER_EXPIRY: 102,
} as const;

/** A cause IE as the MS codes it: GSM coding standard, location "user". */
export function msCause(value: number): IeValues[string] {
  return { codingStandard: 3, location: 0, value };
}

function causeValue(ies: IeValues): number | undefined {
  const c = ies.cause as { value?: number } | undefined;
  return typeof c?.value === 'number' ? c.value : undefined;
}

type Action = (c: Call, m: DtapMessage) => void;
const ALL_BUT_NULL: CcState[] = ['U1', 'U3', 'U4', 'U6', 'U7', 'U8', 'U9', 'U10', 'U11', 'U12', 'U19'];

/**
 * Network -> MS messages: `in` the states that accept it, `ignore` the states
 * where it is dropped silently; anywhere else the MS answers STATUS with cause
 * 98 (TS 24.008 §8.4).
 */
const CC_IN: Record<string, { in: readonly CcState[]; ignore?: readonly CcState[]; run: Action }> = {
  'Call Proceeding': {
    in: ['U1'],
    run: (c) => {
      c.stopTimer('T303');
      c.startTimer('T310');
      c.to('U3');
      c.d.proceeding.resolve();
    },
  },
  Alerting: {
    in: ['U1', 'U3'],
    run: (c) => {
      c.stopTimer('T303');
      c.stopTimer('T310');
      c.to('U4');
      c.d.proceeding.resolve();
      c.d.alerting.resolve();
      c.timing.alertingMs = c.sinceStart();
    },
  },
  Connect: {
    in: ['U1', 'U3', 'U4'],
    run: (c) => {
      c.stopTimer('T303');
      c.stopTimer('T310');
      c.send('Connect Acknowledge');
      c.to('U10');
      c.d.proceeding.resolve();
      c.d.alerting.resolve();
      c.timing.connectedMs = c.sinceStart();
      c.d.connected.resolve();
    },
  },
  'Connect Acknowledge': {
    in: ['U8'],
    run: (c) => {
      c.stopTimer('T313');
      c.to('U10');
      c.timing.connectedMs = c.sinceStart();
      c.d.connected.resolve();
    },
  },
  Progress: { in: ['U1', 'U3', 'U4', 'U7', 'U8', 'U9', 'U10'], run: () => {} },
  // §5.4.4.1: DISCONNECT from the network -> RELEASE, T308. In U11 it is the clearing collision of §5.4.5.
  Disconnect: {
    in: ['U1', 'U3', 'U4', 'U6', 'U7', 'U8', 'U9', 'U10', 'U11'],
    ignore: ['U12', 'U19'],
    run: (c, m) => {
      c.stopAll();
      c.networkCause ??= causeValue(m.ies);
      c.releasedBy ??= 'network';
      c.to('U12');
      c.send('Release');
      c.startTimer('T308');
      c.to('U19');
    },
  },
  // §5.4.3.4 / §5.4.4.1.2: RELEASE -> RELEASE COMPLETE; in U19 both sides sent RELEASE (§5.4.5): no answer.
  Release: {
    in: ALL_BUT_NULL,
    run: (c, m) => {
      c.stopAll();
      c.networkCause ??= causeValue(m.ies);
      if (c.state !== 'U19') c.send('Release Complete');
      c.end(c.releasedBy ?? 'network', c.releaseCause, 'RELEASE from the network');
    },
  },
  'Release Complete': {
    in: ALL_BUT_NULL,
    run: (c, m) => {
      c.stopAll();
      c.networkCause ??= causeValue(m.ies);
      c.end(c.releasedBy ?? 'network', c.releaseCause, 'RELEASE COMPLETE from the network');
    },
  },
  'Status Enquiry': {
    in: ALL_BUT_NULL,
    run: (c) => c.send('Status', { cause: msCause(CC_CAUSE.RESPONSE_TO_STATUS_ENQUIRY), callState: 0xc0 | CC_STATES[c.state].value }),
  },
  // §5.5.3.2.2: a STATUS saying the network's side is null clears the call locally.
  Status: {
    in: ALL_BUT_NULL,
    run: (c, m) => {
      if (typeof m.ies.callState === 'number' && (m.ies.callState & 0x3f) === 0) {
        c.stopAll();
        c.end('network', causeValue(m.ies), 'STATUS with call state null');
      }
    },
  },
  'Start DTMF Acknowledge': { in: ['U10'], run: () => {} },
  'Start DTMF Reject': { in: ['U10'], run: () => {} },
  'Stop DTMF Acknowledge': { in: ['U10'], run: () => {} },
};

export interface CallRelease {
  /** Who cleared: the network, the MS (hangup, reject, timer), or nobody (connection lost: 'local'). */
  by: 'network' | 'ms' | 'local';
  cause: number | undefined;
  detail: string;
  /** From the start of the call to the end. */
  durationMs: number;
}

export interface Assignment {
  /** The MSC's (MGW's) RTP address from ASSIGNMENT REQUEST. */
  mgw?: { ip: string; port: number };
  /** The BSC side's RTP address sent in ASSIGNMENT COMPLETE. */
  bsc?: { ip: string; port: number };
  codec: CodecName;
  callIdentifier?: number;
}

export interface CallTiming {
  /** Milliseconds from the start of the call (ms.call() / SETUP received) to each event. */
  alertingMs?: number;
  connectedMs?: number;
  releasedMs?: number;
}

let callSeq = 0;

/**
 * One call of an MS. MO: `ms.call(msisdn)`; MT: `ms.onIncomingCall(cb)`.
 * The promises reject with CallFailedError when the call ends first.
 *
 * Events: 'state' (CcState), 'released' (CallRelease).
 */
export class Call extends EventEmitter {
  readonly id: string;
  state: CcState = 'U0';
  session: Session | undefined;
  /** Transaction identifier value (0..6); the MS allocates it for MO calls, the network for MT. */
  ti = -1;
  /** Calling party number of an MT call (when the network sent one). */
  calling: string | undefined;
  readonly timing: CallTiming = {};
  /** @internal */
  readonly d = {
    proceeding: new Deferred<void>(),
    alerting: new Deferred<void>(),
    connected: new Deferred<void>(),
    assigned: new Deferred<Assignment>(),
    released: new Deferred<CallRelease>(),
  };
  /** @internal */
  networkCause: number | undefined;
  /** @internal */
  releasedBy: CallRelease['by'] | undefined;
  private timers: NamedTimers;
  /** @internal The cause of the clearing: the network's when it cleared, else the MS's own. */
  get releaseCause(): number | undefined {
    return this.releasedBy === 'ms' ? (this.ourCause ?? this.networkCause) : (this.networkCause ?? this.ourCause);
  }
  private readonly startedAt = performance.now();
  private t308Once = false;
  private ourCause: number | undefined;

  constructor(
    readonly ms: Ms,
    readonly direction: 'mo' | 'mt',
    /** Called number (MO) or calling number (MT, may be empty). */
    readonly peer: string,
  ) {
    super();
    this.id = `${ms.imsi}/${direction}/${++callSeq}`;
    this.timers = new NamedTimers(ms.timers);
  }

  /** MO: CALL PROCEEDING came (or ALERTING / CONNECT, which imply it). MT: resolved at once. */
  get proceeding(): Promise<void> {
    return this.d.proceeding.promise;
  }
  /** MO: ALERTING came (or CONNECT, which implies it). MT: the MS sent ALERTING. */
  get alerting(): Promise<void> {
    return this.d.alerting.promise;
  }
  /** MO: CONNECT came (and CONNECT ACKNOWLEDGE went). MT: CONNECT ACKNOWLEDGE came. */
  get connected(): Promise<void> {
    return this.d.connected.promise;
  }
  /** The BSC answered ASSIGNMENT REQUEST for this call's connection. */
  get assigned(): Promise<Assignment> {
    return this.d.assigned.promise;
  }
  /** The call reached the null state, whoever cleared it (never rejects). */
  get released(): Promise<CallRelease> {
    return this.d.released.promise;
  }

  /** True once the call reached the null state for good. */
  get ended(): boolean {
    return this.d.released.settled;
  }

  /** MT: answer (CONNECT). For `answerCalls: 'manual'`, or earlier than a configured delay. */
  answer(): void {
    if (this.direction !== 'mt' || (this.state !== 'U7' && this.state !== 'U9')) return;
    this.send('Connect');
    this.startTimer('T313');
    this.to('U8');
  }

  /**
   * Clears the call from the MS side (§5.4.3): DISCONNECT, then RELEASE from
   * the network, RELEASE COMPLETE back. Resolves when the call is null.
   */
  hangup(cause: number = CC_CAUSE.NORMAL_CLEARING): Promise<CallRelease> {
    switch (this.state) {
      case 'U0':
        if (!this.session && !this.d.released.settled) {
          // Not started yet (CM service pending): end it where it is.
          this.releasedBy = 'ms';
          this.end('ms', cause, 'hung up before SETUP');
        }
        break;
      case 'U11':
      case 'U12':
      case 'U19':
        break;
      default:
        this.disconnect(cause);
    }
    return this.released;
  }

  /** MT, before answering: reject (DISCONNECT with cause 21 "call rejected" by default). */
  reject(cause: number = CC_CAUSE.CALL_REJECTED): Promise<CallRelease> {
    return this.hangup(cause);
  }

  // ---------------------------------------------------------------- internal

  /** @internal MO: after CM service acceptance. */
  startMo(session: Session, ti: number, setupIes: IeValues): void {
    this.session = session;
    this.ti = ti;
    this.send('Setup', setupIes);
    this.startTimer('T303');
    this.to('U1');
  }

  /** @internal MT: SETUP came on `session` with transaction `ti`. */
  startMt(session: Session, ti: number): void {
    this.session = session;
    this.ti = ti;
    this.to('U6');
    this.d.proceeding.resolve(); // (an MO notion: settled so that it never fails an MT call)
  }

  /** @internal */
  onMessage(m: DtapMessage): void {
    const rule = CC_IN[m.type];
    if (rule && rule.in.includes(this.state)) {
      rule.run(this, m);
      return;
    }
    if (rule?.ignore?.includes(this.state)) return;
    this.ms.note(`CC ${m.type.toUpperCase()} not allowed in state ${this.state} (${CC_STATES[this.state].name}): STATUS cause 98`);
    this.send('Status', { cause: msCause(CC_CAUSE.MESSAGE_NOT_COMPATIBLE_WITH_STATE), callState: 0xc0 | CC_STATES[this.state].value });
  }

  /** @internal The connection under the call is gone (cleared, link lost, RESET): null at once. */
  connectionLost(detail: string): void {
    if (this.d.released.settled) return;
    this.stopAll();
    this.end(this.releasedBy ?? 'local', this.releaseCause, detail);
  }

  /** @internal The CM service request for an MO call failed. */
  failBeforeSetup(e: Error): void {
    if (this.d.released.settled) return;
    const cause = (e as { cause?: number }).cause;
    const err = e instanceof CallFailedError ? e : new CallFailedError('SETUP', e.message, cause, this.ms.imsi);
    for (const d of [this.d.proceeding, this.d.alerting, this.d.connected, this.d.assigned]) d.reject(err);
    this.timing.releasedMs = this.sinceStart();
    this.d.released.resolve({ by: this.releasedBy ?? 'network', cause, detail: e.message, durationMs: this.timing.releasedMs });
    this.emit('released', this.d.released.value);
  }

  /** @internal */
  send(type: string, ies: IeValues = {}): void {
    this.session?.sendDtap({ pd: 'cc', type, direction: 'mo', tiFlag: this.direction === 'mo' ? 0 : 1, ti: this.ti, ies });
  }

  /** @internal */
  to(s: CcState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  /** @internal */
  sinceStart(): number {
    return performance.now() - this.startedAt;
  }

  /** @internal */
  startTimer(name: TimerName): void {
    this.timers.start(name, () => this.expired(name));
  }

  /** @internal */
  stopTimer(name: TimerName): void {
    this.timers.stop(name);
  }

  /** @internal */
  stopAll(): void {
    this.timers.stopAll();
  }

  /** @internal Null state: settle everything, leave the session. */
  end(by: CallRelease['by'], cause: number | undefined, detail: string): void {
    if (this.d.released.settled) return;
    this.stopAll();
    this.to('U0');
    this.timing.releasedMs = this.sinceStart();
    const pending = [this.d.proceeding, this.d.alerting, this.d.connected, this.d.assigned].filter((d) => !d.settled);
    if (pending.length) {
      const phase = !this.d.alerting.settled ? 'ALERTING' : 'CONNECT';
      const err = new CallFailedError(phase, `${detail} in ${this.direction.toUpperCase()} call ${this.id}`, cause, this.ms.imsi);
      for (const d of pending) d.reject(err);
    }
    const rel: CallRelease = { by, cause, detail, durationMs: this.timing.releasedMs };
    this.d.released.resolve(rel);
    this.session?.callEnded(this);
    this.emit('released', rel);
  }

  private disconnect(cause: number): void {
    this.stopAll();
    this.ourCause = cause;
    this.releasedBy ??= 'ms';
    this.send('Disconnect', { cause: msCause(cause) });
    this.startTimer('T305');
    this.to('U11');
  }

  private expired(name: TimerName): void {
    this.ms.note(`${name} expired in call ${this.id} (state ${this.state})`);
    switch (name) {
      case 'T303':
      case 'T310':
      case 'T313':
        this.disconnect(CC_CAUSE.RECOVERY_ON_TIMER_EXPIRY);
        return;
      case 'T305':
        // §5.4.3.5: no RELEASE after our DISCONNECT: RELEASE, T308.
        this.send('Release', { cause: msCause(this.ourCause ?? CC_CAUSE.NORMAL_CLEARING) });
        this.startTimer('T308');
        this.to('U19');
        return;
      case 'T308':
        // §5.4.4.1.3 (and 5.4.3.5): RELEASE once more; on the second expiry, null locally.
        if (!this.t308Once) {
          this.t308Once = true;
          this.send('Release', { cause: msCause(this.ourCause ?? CC_CAUSE.RECOVERY_ON_TIMER_EXPIRY) });
          this.startTimer('T308');
          return;
        }
        this.end(this.releasedBy ?? 'ms', this.releaseCause, 'T308 expired twice');
        return;
    }
  }
}
