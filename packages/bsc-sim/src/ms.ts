import { EventEmitter } from 'node:events';
import type { Bssap } from '@snaptel/bssap';
import { fromHex } from '@snaptel/codec';
import type { IeValues } from '@snaptel/codec';
import type { BearerCapability, DtapMessage, Lai, MobileIdentity, RpMessage } from '@snaptel/gsm48';
import type { Tpdu } from '@snaptel/sms';
import type { SimCredentials } from './auth';
import type { BscSim } from './bsc';
import { Call, CC_CAUSE, msCause } from './call';
import type { ReleaseInfo } from './connection';
import { Deferred, withTimeout } from './deferred';
import { hex32 } from './describe';
import { CallFailedError, ConnectionRefusedError, MsStateError, ReleasedError, TimeoutError, type ReleasedBy } from './errors';
import {
  buildSubmits,
  partKey,
  partOf,
  planSms,
  Reassembler,
  rpAddress,
  SmsTransaction,
  statusReportOf,
  type ReceivedPart,
  type ReceivedSms,
  type SendSmsOptions,
  type SmsContent,
  type SmsPartResult,
  type SmsResult,
  type StatusReport,
} from './sms';
import { classmark1, classmark2, CODECS, luhnDigit, type CellOfMs } from './radio';
import { Session, type Dialogue } from './session';
import type { TimerValues } from './timers';

export interface MsOptions {
  imsi: string;
  /** For display and as the calling number of its calls. */
  msisdn?: string;
  /** SIM: Ki (16 bytes, hex or bytes; may be left out with algo 'none'), OPc for Milenage, algorithm (default comp128v1). */
  ki?: string | Uint8Array;
  opc?: string | Uint8Array;
  algo?: SimCredentials['algo'];
  /** MILENAGE: the USIM's highest accepted SQN; set it to have AUTN's SQN range-checked (synch failure with AUTS otherwise). */
  sqn?: number;
  /** A TMSI the SIM holds from an earlier registration. */
  tmsi?: number;
  /** CKSN and Kc the SIM holds (default CKSN 7: no key). */
  cksn?: number;
  kc?: string | Uint8Array;
  /** The MS's cell (defaults: the BSC's LAC and CI). */
  lac?: number;
  ci?: number;
  /** IMEI (15 digits) and IMEISV (16); made up from the IMSI when not given. */
  imei?: string;
  imeisv?: string;
  /** Classmark revision level: 2 = R99 or later (default; N(SD) modulo 4), 1 = phase 2 (modulo 2). */
  revision?: number;
  /** MT calls: 'auto' answers at once (default), a number answers after that many ms, 'manual' waits for call.answer(), 'never' lets it ring. */
  answerCalls?: 'auto' | 'manual' | 'never' | number;
  /** Answer PAGING (default true). */
  respondToPaging?: boolean;
  /**
   * Fault injection: messages from the MSC the MS (or the BSC on its
   * connection) leaves unanswered, by name: 'AUTHENTICATION REQUEST',
   * 'IDENTITY REQUEST', 'TMSI REALLOCATION COMMAND' (also the reallocation in
   * LOCATION UPDATING ACCEPT: the TMSI is not taken, nothing is sent),
   * 'PAGING', 'SETUP', 'CIPHER MODE COMMAND', 'ASSIGNMENT REQUEST',
   * 'CLEAR COMMAND', 'CONNECT ACKNOWLEDGE', 'RELEASE', ...
   */
  silent?: Iterable<string>;
  /** Answer authentication with a wrong SRES (every bit flipped). */
  wrongSres?: boolean;
  /** Answer MT SETUP with RELEASE COMPLETE cause 17 (user busy). */
  busy?: boolean;
  /** Never answer MT calls (same as answerCalls: 'never'). */
  noAnswer?: boolean;
  /** SMS: the service centre address put in RP-DATA's RP-DA ('+' for international; default '+0000'). */
  smsc?: string;
  /** SMS: the MS's message store is full: MT SMS-DELIVER gets RP-ERROR cause 22 (memory capacity exceeded). */
  memoryFull?: boolean;
  /** SMS: CP-DATA retransmissions after TC1M expiries before giving up (default 2, as libosmocore's SMC). */
  smsRetransmissions?: number;
  /** SMS: inbox bound (oldest dropped first; default 1000). */
  inboxMax?: number;
}

export interface SmmaResult {
  accepted: boolean;
  rpCause?: number;
  cmCause?: number;
  durationMs: number;
}

/** RP-Cause values of TS 24.011 §8.2.5.4 the MS sends. */
export const RP_CAUSE = { MEMORY_CAPACITY_EXCEEDED: 22, MESSAGE_TYPE_NON_EXISTENT: 97, PROTOCOL_ERROR: 111 } as const;

export type LuType = 'normal' | 'periodic' | 'imsi-attach';

export interface LuOptions {
  /** Default: 'imsi-attach' until the MS is attached, then 'normal'. */
  type?: LuType;
  /** Wait until the MSC released the connection before resolving (default true). */
  waitRelease?: boolean;
}

export interface LuResult {
  accepted: boolean;
  /** The TMSI the MS holds afterwards (new one, or the old one kept). */
  tmsi?: number;
  /** LOCATION UPDATING REJECT cause (TS 24.008 §10.5.3.6). */
  cause?: number;
  /** AUTHENTICATION REJECT came instead. */
  authRejected?: boolean;
  /** LOCATION UPDATING REQUEST sent -> ACCEPT / REJECT received. */
  durationMs: number;
  /** Who released the connection (when waitRelease), and the time to that. */
  releasedBy?: ReleasedBy;
  releaseDetail?: string;
  totalMs?: number;
}

export interface DetachResult {
  durationMs: number;
  releasedBy: ReleasedBy;
  releaseDetail: string;
  /** The MSC answered the CR with CREF. */
  refused?: boolean;
}

export type ServiceType = 'call' | 'emergency' | 'sms' | 'ss';
/** CM service type (TS 24.008 §10.5.3.3). */
export const CM_SERVICE_TYPE: Record<ServiceType, number> = { call: 1, emergency: 2, sms: 4, ss: 8 };

export interface ServiceResult {
  accepted: boolean;
  /** CM SERVICE REJECT cause. */
  cause?: number;
  authRejected?: boolean;
  /** Accepted by CIPHER MODE COMMAND (implicitly) rather than CM SERVICE ACCEPT. */
  byCiphering?: boolean;
  durationMs: number;
  /** The connection, to go on by hand (SMS, USSD); call dialogue.done() when finished. */
  dialogue?: Dialogue;
}

const LU_ANSWERS = ['LOCATION UPDATING ACCEPT', 'LOCATION UPDATING REJECT', 'AUTHENTICATION REJECT'];
const CM_ANSWERS = ['CM SERVICE ACCEPT', 'CM SERVICE REJECT', 'AUTHENTICATION REJECT', 'CIPHER MODE COMMAND'];
/** LU reject causes after which the MS deletes its TMSI and CKSN (TS 24.008 §4.4.4.7): 2, 3, 6, 11, 12, 13. */
const LU_REJECT_DELETES_TMSI = new Set([2, 3, 6, 11, 12, 13]);

function bytes(v: string | Uint8Array, what: string, len?: number): Uint8Array {
  const b = typeof v === 'string' ? fromHex(v) : v;
  if (len !== undefined && b.length !== len) throw new RangeError(`${what}: ${b.length} bytes, expected ${len}`);
  return b;
}

function mm(type: string, ies: IeValues): DtapMessage {
  return { pd: 'mm', type, direction: 'mo', skip: 0, ies };
}

/**
 * A mobile station behind the BSC: a SIM, a TMSI, and the mobile side of
 * TS 24.008 MM and CC, minimal but in the order the spec gives.
 *
 * Events: 'location-updated' (LuResult), 'paged' ({ tmsi? }), 'incoming-call'
 * (Call), 'call-rejected' ({ ti, cause }), 'tmsi' (number | undefined),
 * 'mm-information' (IEs), 'released' (ReleaseInfo), 'protocol-error' (Error),
 * 'sms' (ReceivedSms, when the last part of a message came), 'sms-part'
 * (ReceivedPart), 'sms-rejected' ({ part, rpCause }: memory full),
 * 'status-report' (StatusReport).
 */
export class Ms extends EventEmitter {
  readonly imsi: string;
  readonly msisdn: string | undefined;
  readonly sim: SimCredentials;
  tmsi: number | undefined;
  cksn: number;
  kc: Uint8Array | undefined;
  lac: number;
  ci: number;
  attached = false;
  /** AUTHENTICATION REJECT came (the SIM is invalid until the MS is switched off; the simulator lets it try again). */
  authRejected = false;
  readonly imei: string;
  readonly imeisv: string;
  readonly revision: number;
  answerCalls: 'auto' | 'manual' | 'never' | number;
  respondToPaging: boolean;
  readonly silent: Set<string>;
  wrongSres: boolean;
  busy: boolean;
  /** The MS's connection, when it has one. */
  session: Session | undefined;
  /** LAI of the last successful registration (sent as the old LAI in LOCATION UPDATING REQUEST). */
  private storedLai: Lai | undefined;
  private readonly incoming: ((call: Call) => void)[] = [];
  private idleWaiters: Deferred<void>[] = [];
  private answerTimers = new Set<NodeJS.Timeout>();
  private readonly liveCalls = new Set<Call>();
  /** SMS: the SC address of MO RP-DATA. */
  smsc: string;
  /** SMS: the store is full (MT SMS-DELIVER -> RP-ERROR cause 22); memoryAvailable() clears it. */
  memoryFull: boolean;
  /** TS 23.040 §10.3 memory capacity exceeded notification flag: set when an SMS was refused for memory. */
  memoryCapacityExceeded = false;
  readonly smsRetransmissions: number;
  /** Complete received messages, oldest first (bounded by inboxMax). */
  readonly inbox: ReceivedSms[] = [];
  /** Every SMS-DELIVER part handed to the transfer layer, in arrival order (a CP-DATA repeated on one transaction counts once). */
  readonly smsParts: ReceivedPart[] = [];
  /** CP-DATA repeated by the network on a transaction and acknowledged again without being handed up. */
  smsDuplicates = 0;
  readonly statusReports: StatusReport[] = [];
  private readonly inboxMax: number;
  private readonly reassembler = new Reassembler();
  private tpMr = 0;
  private rpMr = 0;
  private concatRef = 0;
  private holdSeq = 0;

  constructor(
    readonly bsc: BscSim,
    opts: MsOptions,
  ) {
    super();
    if (!/^\d{6,15}$/.test(opts.imsi)) throw new RangeError(`IMSI ${opts.imsi}: 6 to 15 digits`);
    this.imsi = opts.imsi;
    this.msisdn = opts.msisdn;
    const algo = opts.algo ?? 'comp128v1';
    if (opts.ki === undefined && algo !== 'none') throw new RangeError(`MS ${opts.imsi}: ki is needed for ${algo}`);
    this.sim = { algo, ki: bytes(opts.ki ?? new Uint8Array(16), 'ki', 16) };
    if (opts.opc !== undefined) this.sim.opc = bytes(opts.opc, 'opc', 16);
    if (opts.sqn !== undefined) this.sim.sqnMs = opts.sqn;
    if (algo === 'milenage' && !this.sim.opc) throw new RangeError('milenage needs opc');
    this.tmsi = opts.tmsi;
    this.cksn = opts.cksn ?? 7;
    this.kc = opts.kc !== undefined ? bytes(opts.kc, 'kc', 8) : undefined;
    this.lac = opts.lac ?? bsc.lac;
    this.ci = opts.ci ?? bsc.ci;
    const tacSnr = opts.imei?.slice(0, 14) ?? `35${this.imsi.padStart(15, '0').slice(-12)}`;
    this.imei = opts.imei ?? `${tacSnr}${luhnDigit(tacSnr)}`;
    this.imeisv = opts.imeisv ?? `${tacSnr}00`;
    if (!/^\d{15}$/.test(this.imei) || !/^\d{16}$/.test(this.imeisv)) throw new RangeError('imei: 15 digits, imeisv: 16 digits');
    this.revision = opts.revision ?? 2;
    this.answerCalls = opts.noAnswer ? 'never' : (opts.answerCalls ?? 'auto');
    this.respondToPaging = opts.respondToPaging ?? true;
    this.silent = new Set([...(opts.silent ?? [])].map((s) => s.toUpperCase()));
    this.wrongSres = opts.wrongSres ?? false;
    this.busy = opts.busy ?? false;
    this.smsc = opts.smsc ?? '+0000';
    rpAddress(this.smsc);
    this.memoryFull = opts.memoryFull ?? false;
    this.smsRetransmissions = opts.smsRetransmissions ?? 2;
    if (!Number.isInteger(this.smsRetransmissions) || this.smsRetransmissions < 0 || this.smsRetransmissions > 10) throw new RangeError('smsRetransmissions: 0 to 10');
    this.inboxMax = opts.inboxMax ?? 1000;
  }

  get timers(): TimerValues {
    return this.bsc.timers;
  }

  get cell(): CellOfMs {
    return { mcc: this.bsc.mcc, mnc: this.bsc.mnc, lac: this.lac, ci: this.ci };
  }

  get lai(): Lai {
    return { mcc: this.bsc.mcc, mnc: this.bsc.mnc, lac: this.lac };
  }

  /** Calls that have not ended. */
  get calls(): Call[] {
    return [...this.liveCalls];
  }

  isSilent(name: string): boolean {
    if (this.silent.size === 0) return false;
    return this.silent.has(name) || (name === 'PAGING' && this.silent.has('PAGING REQUEST'));
  }

  /** The identity the MS presents: TMSI when it has one, else IMSI. */
  mobileIdentity(): MobileIdentity {
    return this.tmsi !== undefined ? { type: 'tmsi', tmsi: this.tmsi } : { type: 'imsi', digits: this.imsi };
  }

  /** IDENTITY RESPONSE contents for identity type 1..4 (TS 24.008 §10.5.3.4). */
  identityFor(type: number): MobileIdentity {
    switch (type) {
      case 1:
        return { type: 'imsi', digits: this.imsi };
      case 2:
        return { type: 'imei', digits: this.imei };
      case 3:
        return { type: 'imeisv', digits: this.imeisv };
      case 4:
        return this.tmsi !== undefined ? { type: 'tmsi', tmsi: this.tmsi } : { type: 'none' };
      default:
        return { type: 'none' };
    }
  }

  onIncomingCall(cb: (call: Call) => void): () => void {
    this.incoming.push(cb);
    return () => {
      const i = this.incoming.indexOf(cb);
      if (i >= 0) this.incoming.splice(i, 1);
    };
  }

  /** Resolves when the MS has no connection (at once if it has none). */
  idle(timeoutMs = 0): Promise<void> {
    if (!this.session) return Promise.resolve();
    const d = new Deferred<void>();
    this.idleWaiters.push(d);
    return withTimeout(d.promise, timeoutMs, () => new MsStateError(`still has a connection after ${timeoutMs} ms`, this.imsi));
  }

  // ---------------------------------------------------------------- procedures

  /**
   * Location updating (TS 24.008 §4.4): LOCATION UPDATING REQUEST in a CR;
   * identity, authentication, ciphering and TMSI reallocation are answered
   * as they come; ACCEPT (the new TMSI is stored and TMSI REALLOCATION
   * COMPLETE sent) or REJECT ends it, T3210 bounds it. Then the MS waits for
   * the MSC to release the connection (T3240).
   */
  async locationUpdate(opts: LuOptions = {}): Promise<LuResult> {
    this.assertNoConnection('LOCATION UPDATING');
    const type = opts.type ?? (this.attached ? 'normal' : 'imsi-attach');
    const l3 = mm('Location Updating Request', {
      locationUpdatingType: { type, followOnRequest: false },
      cksn: this.cksn,
      lai: this.storedLai ?? this.lai,
      classmark1: classmark1(this.revision),
      mobileIdentity: this.mobileIdentity(),
      ...(this.revision >= 2 ? { classmarkForUmts: classmark2(this.revision) } : {}),
    });
    const t0 = performance.now();
    const s = this.openSession('LOCATION UPDATING', l3);
    const res: LuResult = { accepted: false, durationMs: 0 };
    const reply = s.expectFor('LOCATION UPDATING', LU_ANSWERS, 'T3210', (b, name) => {
      // In the message's own turn: TMSI REALLOCATION COMPLETE leaves before anything the MSC sends next.
      res.durationMs = performance.now() - t0;
      const v = (b as { dtap: DtapMessage }).dtap.ies as Record<string, any>;
      if (name === 'LOCATION UPDATING ACCEPT') {
        res.accepted = true;
        this.attached = true;
        this.authRejected = false;
        this.storedLai = v.lai as Lai;
        const mi = v.mobileIdentity as MobileIdentity | undefined;
        if (mi?.type === 'tmsi') {
          if (this.isSilent('TMSI REALLOCATION COMMAND') || this.isSilent('TMSI REALLOCATION COMPLETE'))
            this.note(`silent: TMSI ${hex32(mi.tmsi)} in LOCATION UPDATING ACCEPT not taken, no TMSI REALLOCATION COMPLETE`);
          else {
            this.setTmsi(mi.tmsi);
            s.sendMm('TMSI Reallocation Complete', {});
          }
        } else if (mi?.type === 'imsi') this.setTmsi(undefined);
      } else if (name === 'LOCATION UPDATING REJECT') {
        res.cause = v.rejectCause as number;
        if (LU_REJECT_DELETES_TMSI.has(res.cause)) {
          this.setTmsi(undefined);
          this.cksn = 7;
          this.storedLai = undefined;
        }
        if ([2, 3, 6].includes(res.cause)) this.attached = false;
      } else res.authRejected = true;
      if (this.tmsi !== undefined) res.tmsi = this.tmsi;
    });
    await this.established(s, reply);
    try {
      await reply;
    } catch (e) {
      if (e instanceof TimeoutError) s.abort(`${e.timer} expired`);
      throw e;
    }
    this.emit('location-updated', res);
    if (opts.waitRelease !== false) {
      const rel = await s.released;
      res.releasedBy = rel.by;
      res.releaseDetail = rel.detail;
      res.totalMs = performance.now() - t0;
    }
    return res;
  }

  /**
   * IMSI detach (TS 24.008 §4.3.4): IMSI DETACH INDICATION in its own CR;
   * the MSC releases the connection, or the MS aborts it after T3220.
   */
  async imsiDetach(): Promise<DetachResult> {
    this.assertNoConnection('IMSI DETACH');
    const l3 = mm('IMSI Detach Indication', { classmark1: classmark1(this.revision), mobileIdentity: this.mobileIdentity() });
    const t0 = performance.now();
    const s = this.openSession('IMSI DETACH', l3);
    s.holds.add('detach');
    s.abortAfter('T3220');
    this.attached = false;
    try {
      await s.conn.established.promise;
    } catch (e) {
      if (e instanceof ConnectionRefusedError) return { durationMs: performance.now() - t0, releasedBy: 'msc', releaseDetail: e.message, refused: true };
      throw e;
    }
    const rel = await s.released;
    return { durationMs: performance.now() - t0, releasedBy: rel.by, releaseDetail: rel.detail };
  }

  /**
   * CM service request (TS 24.008 §4.5.1.1) of the given type, for SMS or SS
   * run by hand through the returned dialogue. Calls use `call()`.
   */
  async serviceRequest(type: ServiceType = 'sms'): Promise<ServiceResult> {
    let dialogue: Session | undefined;
    const r = await this.cmService(CM_SERVICE_TYPE[type], `CM SERVICE (${type})`, (s) => {
      s.holds.add('dialogue');
      dialogue = s;
    });
    if (dialogue) r.dialogue = dialogue;
    return r;
  }

  /**
   * An MO call (TS 24.008 §5.2.1): CM SERVICE REQUEST (call), SETUP with the
   * called number and a speech bearer, then CALL PROCEEDING, assignment,
   * ALERTING, CONNECT -> CONNECT ACKNOWLEDGE as the MSC sends them.
   */
  call(msisdn: string): Call {
    if (!/^\+?[0-9*#abc]{1,40}$/.test(msisdn)) throw new RangeError(`called number ${msisdn}: digits 0-9 * # a b c`);
    const call = new Call(this, 'mo', msisdn);
    this.track(call);
    const international = msisdn.startsWith('+');
    const setup: IeValues = {
      bearerCapability1: this.bearerCapability(),
      calledPartyBcdNumber: { ton: international ? 1 : 0, npi: 1, digits: international ? msisdn.slice(1) : msisdn },
    };
    this.cmService(CM_SERVICE_TYPE.call, 'MO CALL', (s) => {
      if (call.ended) return; // hung up while waiting
      const ti = s.allocTi();
      if (ti < 0) throw new MsStateError('MO CALL: no free transaction identifier (7 calls)', this.imsi);
      s.addCall(call, 'mo', ti);
      call.startMo(s, ti, setup);
    }).then(
      (r) => {
        if (!r.accepted)
          call.failBeforeSetup(new CallFailedError('SETUP', r.authRejected ? 'AUTHENTICATION REJECT' : 'CM SERVICE REJECT', r.cause, this.imsi));
      },
      (e: Error) => call.failBeforeSetup(e),
    );
    return call;
  }

  /**
   * MO short message (TS 24.011 §5 and §6, TS 23.040): CM SERVICE REQUEST
   * (SMS; on the MS's connection when it has one), then per part
   * CP-DATA(RP-DATA(SMS-SUBMIT)) on SAPI 3, CP-ACK expected (TC1M repeats
   * the CP-DATA up to smsRetransmissions times), CP-DATA(RP-ACK or
   * RP-ERROR) answered with CP-ACK (TR1M bounds it). Long text goes as
   * concatenated parts (8-bit reference UDH, IEI 0x00), one TP-MR each, one
   * after the other on the same connection; an RP-ERROR stops the rest.
   * Rejects with TimeoutError (TC1M, TR1M, T3230), SmsFailedError
   * (CP-ERROR) or ReleasedError.
   */
  async sendSms(to: string, content: SmsContent, opts: SendSmsOptions = {}): Promise<SmsResult> {
    const plan = planSms(content, opts.concatenate ?? true);
    const ref = plan.chunks.length > 1 ? (this.concatRef = (this.concatRef + 1) & 0xff) : 0;
    const tpdus: Tpdu[] =
      opts.rawTpdu !== undefined
        ? // As it is; TP-MR (octet 1 of an SMS-SUBMIT) only for the result.
          [{ type: 'reserved', raw: opts.rawTpdu, mr: Buffer.from(opts.rawTpdu, 'hex')[1] ?? 0 } as unknown as Tpdu]
        : buildSubmits(
            to,
            plan,
            opts,
            () => {
              const mr = this.tpMr;
              this.tpMr = (mr + 1) & 0xff;
              return mr;
            },
            ref,
          );
    const t0 = performance.now();
    const hold = `sms-mo-${++this.holdSeq}`;
    let session: Session | undefined;
    const r = await this.cmService(CM_SERVICE_TYPE.sms, 'MO SMS', (s) => {
      s.holds.add(hold);
      session = s;
    });
    const res: SmsResult = { accepted: false, messageRef: tpdus[0]!.mr!, parts: [], partsPlanned: tpdus.length, alphabet: plan.alphabet, durationMs: 0 };
    if (!r.accepted || !session) {
      if (r.cause !== undefined) res.cmCause = r.cause;
      if (r.authRejected) res.authRejected = true;
      res.durationMs = performance.now() - t0;
      return res;
    }
    const s: Session = session;
    try {
      for (const tpdu of tpdus) {
        const p = await this.submitPart(s, tpdu);
        res.parts.push(p);
        if (!p.accepted) {
          if (p.rpCause !== undefined) res.rpCause = p.rpCause;
          break;
        }
      }
    } finally {
      s.holds.delete(hold);
      s.idleCheck();
    }
    res.accepted = res.parts.length === tpdus.length && res.parts.every((p) => p.accepted);
    res.durationMs = performance.now() - t0;
    return res;
  }

  /**
   * Memory available again (TS 24.011 §6.3.3 / TS 23.040 §10.3): clears
   * memoryFull and sends RP-SMMA in CP-DATA after CM SERVICE REQUEST (SMS);
   * RP-ACK clears the memory capacity exceeded flag.
   */
  async memoryAvailable(): Promise<SmmaResult> {
    this.memoryFull = false;
    const t0 = performance.now();
    const hold = `sms-smma-${++this.holdSeq}`;
    let session: Session | undefined;
    const r = await this.cmService(CM_SERVICE_TYPE.sms, 'RP-SMMA', (s) => {
      s.holds.add(hold);
      session = s;
    });
    if (!r.accepted || !session) {
      const out: SmmaResult = { accepted: false, durationMs: performance.now() - t0 };
      if (r.cause !== undefined) out.cmCause = r.cause;
      return out;
    }
    const s: Session = session;
    try {
      const ans = await this.relayMo(s, 'RP-SMMA', { type: 'RP-SMMA', direction: 'mo', mr: this.nextRpMr() });
      const out: SmmaResult = { accepted: ans.rp.type === 'RP-ACK', durationMs: performance.now() - t0 };
      if (ans.rp.type === 'RP-ERROR' && ans.rp.cause) out.rpCause = ans.rp.cause.value;
      if (out.accepted) this.memoryCapacityExceeded = false;
      return out;
    } finally {
      s.holds.delete(hold);
      s.idleCheck();
    }
  }

  /** Parts received more than once (same sender, SC time stamp, concatenation and content): should be empty. */
  duplicateParts(): ReceivedPart[] {
    const seen = new Set<string>();
    const out: ReceivedPart[] = [];
    for (const p of this.smsParts) {
      const k = partKey(p);
      if (seen.has(k)) out.push(p);
      else seen.add(k);
    }
    return out;
  }

  /**
   * A radio link failure: the MS is gone from the channel, its calls end at
   * once, the BSC sends CLEAR REQUEST (default cause 0x01 radio interface
   * failure). Resolves when the connection is released.
   */
  radioLinkFailure(cause = 0x01): Promise<ReleaseInfo> {
    const s = this.session;
    if (!s) throw new MsStateError('radio link failure: the MS has no connection', this.imsi);
    this.note('radio link failure');
    s.abort('radio link failure', cause);
    return s.released;
  }

  // ---------------------------------------------------------------- internal

  /** @internal PAGING for this MS came: answers with PAGING RESPONSE in a new CR. Returns why it does not, or 'answering'. */
  paged(tmsi: number | undefined): string {
    if (this.isSilent('PAGING')) return 'silent';
    if (!this.respondToPaging) return 'respondToPaging is off';
    if (this.session) return 'the MS has a connection already';
    if (!this.bsc.isUp) return 'link down';
    const l3: DtapMessage = {
      pd: 'rr',
      type: 'Paging Response',
      direction: 'mo',
      skip: 0,
      ies: { cksn: this.cksn, spareHalfOctet: 0, classmark2: classmark2(this.revision), mobileIdentity: this.mobileIdentity() },
    };
    const s = this.openSession('PAGING RESPONSE', l3);
    s.conn.established.promise.then(
      () => s.idleCheck(),
      (e: Error) => this.note(`PAGING RESPONSE: ${e.message}`),
    );
    this.emit('paged', tmsi !== undefined ? { tmsi } : {});
    return 'answering';
  }

  /** @internal SETUP from the network on `s` (TS 24.008 §5.2.2). */
  incomingSetup(s: Session, m: DtapMessage, ti: number): void {
    const v = m.ies as Record<string, any>;
    if (this.busy || [...this.liveCalls].some((c) => !c.ended && c.state !== 'U0')) {
      // §5.2.2.3.1: user busy -> RELEASE COMPLETE, cause 17.
      s.sendDtap({ pd: 'cc', type: 'Release Complete', tiFlag: 1, ti, ies: { cause: msCause(CC_CAUSE.USER_BUSY) } });
      this.emit('call-rejected', { ti, cause: CC_CAUSE.USER_BUSY });
      return;
    }
    const call = new Call(this, 'mt', v.callingPartyBcdNumber?.digits ?? '');
    if (v.callingPartyBcdNumber?.digits) call.calling = v.callingPartyBcdNumber.digits;
    this.track(call);
    s.addCall(call, 'mt', ti);
    call.startMt(s, ti);
    call.send('Call Confirmed', v.bearerCapability1 ? { bearerCapability1: this.bearerCapability() } : {});
    call.to('U9');
    call.send('Alerting');
    call.to('U7');
    call.d.alerting.resolve();
    call.timing.alertingMs = call.sinceStart();
    this.emit('incoming-call', call);
    for (const cb of [...this.incoming]) cb(call);
    const policy = this.answerCalls;
    if (policy === 'auto') call.answer();
    else if (typeof policy === 'number') {
      const t = setTimeout(() => {
        this.answerTimers.delete(t);
        call.answer();
      }, policy);
      this.answerTimers.add(t);
      void call.released.then(() => {
        clearTimeout(t);
        this.answerTimers.delete(t);
      });
    }
  }

  /** @internal A CP-DATA opening an MT SMS transaction (TS 24.011 §5.2.2): CP-ACK, then RP-ACK or RP-ERROR. */
  incomingSms(s: Session, m: DtapMessage, ti: number): void {
    const t = new SmsTransaction(s, 'mt', ti, 'MT SMS', this.smsRetransmissions);
    t.onFail = (e) => this.note(`MT SMS: ${e.message}`);
    t.onRp = (rp) => this.relayMt(t, rp);
    t.onMessage(m);
  }

  private nextRpMr(): number {
    const mr = this.rpMr;
    this.rpMr = (mr + 1) & 0xff;
    return mr;
  }

  private async submitPart(s: Session, tpdu: Tpdu): Promise<SmsPartResult> {
    const rpMr = this.nextRpMr();
    const t0 = performance.now();
    const rp: RpMessage = { type: 'RP-DATA', direction: 'mo', mr: rpMr, originator: null, destination: rpAddress(this.smsc), userData: tpdu };
    const ans = await this.relayMo(s, 'MO SMS', rp);
    const p: SmsPartResult = { messageRef: tpdu.mr!, rpMr, accepted: ans.rp.type === 'RP-ACK', retransmissions: ans.retransmissions, durationMs: performance.now() - t0 };
    if (ans.rp.type === 'RP-ERROR') {
      if (ans.rp.cause) p.rpCause = ans.rp.cause.value;
      const ud = ans.rp.userData as Tpdu | undefined;
      if (ud && ud.fcs !== undefined) p.tpFcs = ud.fcs;
    }
    return p;
  }

  /** One MO relay transaction: RP-DATA or RP-SMMA in CP-DATA, RP-ACK / RP-ERROR back within TR1M. */
  private relayMo(s: Session, procedure: string, rp: RpMessage): Promise<{ rp: RpMessage; retransmissions: number }> {
    const ti = s.allocSmsTi();
    if (ti < 0) return Promise.reject(new MsStateError(`${procedure}: no free SMS transaction identifier`, this.imsi));
    const t = new SmsTransaction(s, 'mo', ti, procedure, this.smsRetransmissions);
    const d = new Deferred<{ rp: RpMessage; retransmissions: number }>();
    t.onFail = (e) => d.reject(e);
    t.onRp = (ans) => {
      if ((ans.type === 'RP-ACK' || ans.type === 'RP-ERROR') && ans.direction === 'mt') {
        if (ans.mr !== rp.mr) this.note(`${procedure}: ${ans.type} with RP-MR ${ans.mr}, sent ${rp.mr}`);
        t.stopRelayTimer('TR1M');
        t.release();
        d.resolve({ rp: ans, retransmissions: t.retransmissions });
      } else this.note(`${procedure}: ${ans.type} while waiting for RP-ACK or RP-ERROR: ignored`);
    };
    t.relayTimer('TR1M', () => t.fail(new TimeoutError(procedure, 'TR1M', t.timerMs('TR1M'), ['RP-ACK', 'RP-ERROR'], s.conn.lastReceived, this.imsi)));
    t.sendData(rp);
    return d.promise;
  }

  /** The relay layer of an MT transaction: SMS-DELIVER or SMS-STATUS-REPORT in RP-DATA -> RP-ACK, or RP-ERROR. */
  private relayMt(t: SmsTransaction, rp: RpMessage): void {
    t.closeWhenAcked = true;
    const answer = (m: Omit<RpMessage, 'direction' | 'mr'>) => t.sendData({ ...m, direction: 'mo', mr: rp.mr } as RpMessage);
    if (rp.type !== 'RP-DATA' || rp.direction !== 'mt') {
      this.note(`MT SMS: ${rp.type} opens no MT transaction: RP-ERROR cause 97`);
      answer({ type: 'RP-ERROR', cause: { value: RP_CAUSE.MESSAGE_TYPE_NON_EXISTENT } });
      return;
    }
    const tpdu = rp.userData as Tpdu | undefined;
    if (tpdu?.type === 'SMS-STATUS-REPORT') {
      const r = statusReportOf(tpdu);
      this.statusReports.push(r);
      if (this.statusReports.length > this.inboxMax) this.statusReports.shift();
      answer({ type: 'RP-ACK' });
      this.emit('status-report', r);
      return;
    }
    if (tpdu?.type !== 'SMS-DELIVER') {
      this.note(`MT SMS: RP-DATA carries ${tpdu?.type ?? 'no TPDU'}: RP-ERROR cause 97`);
      answer({ type: 'RP-ERROR', cause: { value: RP_CAUSE.MESSAGE_TYPE_NON_EXISTENT } });
      return;
    }
    const part = partOf(tpdu, rp.mr);
    if (this.memoryFull) {
      // TS 24.011 §8.2.5.4 cause 22; TS 23.040 §9.2.3.22 TP-FCS 0xD3 (memory capacity exceeded) in the SMS-DELIVER-REPORT.
      this.memoryCapacityExceeded = true;
      answer({ type: 'RP-ERROR', cause: { value: RP_CAUSE.MEMORY_CAPACITY_EXCEEDED }, userData: { type: 'SMS-DELIVER-REPORT', fcs: 0xd3, pi: 0 } });
      this.emit('sms-rejected', { part, rpCause: RP_CAUSE.MEMORY_CAPACITY_EXCEEDED });
      return;
    }
    this.smsParts.push(part);
    if (this.smsParts.length > this.inboxMax * 4) this.smsParts.shift();
    // RP-ACK with an SMS-DELIVER-REPORT (TP-PI 0), as in osmo-msc's MT SMS test (msc_vlr_test_gsm_authen.c).
    answer({ type: 'RP-ACK', userData: { type: 'SMS-DELIVER-REPORT', pi: 0 } });
    this.emit('sms-part', part);
    const whole = this.reassembler.add(part);
    if (whole) {
      this.inbox.push(whole);
      if (this.inbox.length > this.inboxMax) this.inbox.shift();
      this.emit('sms', whole);
    }
  }

  /** @internal */
  sessionEnded(s: Session, info: ReleaseInfo): void {
    if (this.session !== s) return;
    this.session = undefined;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w.resolve();
    this.emit('released', info);
  }

  /** @internal */
  setTmsi(tmsi: number | undefined): void {
    if (this.tmsi === tmsi) return;
    this.tmsi = tmsi;
    this.emit('tmsi', tmsi);
  }

  /** @internal Authentication gave this Kc under this CKSN. */
  keyAgreed(cksn: number, kc: Uint8Array): void {
    this.cksn = cksn;
    this.kc = kc;
  }

  /** @internal TS 24.008 §4.3.2.5: AUTHENTICATION REJECT deletes TMSI, LAI and CKSN. */
  authenticationRejected(): void {
    this.authRejected = true;
    this.attached = false;
    this.setTmsi(undefined);
    this.cksn = 7;
    this.kc = undefined;
    this.storedLai = undefined;
  }

  /** @internal */
  note(text: string): void {
    this.bsc.note(`MS ${this.imsi}: ${text}`);
  }

  /** @internal */
  protocolError(e: Error): void {
    this.bsc.protocolError(e);
    if (this.listenerCount('protocol-error')) this.emit('protocol-error', e);
  }

  /** @internal The BSC stops: nothing more is scheduled. */
  shutdown(): void {
    for (const t of this.answerTimers) clearTimeout(t);
    this.answerTimers.clear();
  }

  private track(call: Call): void {
    this.liveCalls.add(call);
    void call.released.then(() => this.liveCalls.delete(call));
  }

  private assertNoConnection(procedure: string): void {
    if (this.session) throw new MsStateError(`${procedure}: the MS has a connection (${this.session.procedure}, ${this.session.conn.state}); wait for ms.idle()`, this.imsi);
  }

  private openSession(procedure: string, l3: DtapMessage): Session {
    const s = new Session(this, procedure, l3);
    this.session = s;
    return s;
  }

  /** Waits for CC; a CREF or X_CONN rejects (the expectation registered before fails with it, quietly). */
  private async established(s: Session, reply: Promise<Bssap>): Promise<void> {
    void reply.catch(() => {});
    await s.conn.established.promise;
    s.idleCheck();
  }

  private bearerCapability(): BearerCapability {
    const codecs = this.bsc.codecs;
    const half = codecs.some((c) => CODECS[c].channel === 9);
    const full = codecs.some((c) => CODECS[c].channel === 8);
    // Radio channel requirement: 1 full rate only, 3 dual rate with full rate preferred, 2 dual with half preferred.
    return {
      radioChannelRequirement: half && full ? 3 : half ? 2 : 1,
      codingStandard: 0,
      transferMode: 0,
      itc: 0,
      speechVersions: codecs.map((c) => CODECS[c].bcVersion),
    };
  }

  /**
   * CM SERVICE REQUEST in a new CR, or in a DT1 on the MS's connection when
   * it has one; T3230 bounds it. `onAccept` runs in the accepting message's
   * own turn (so SETUP leaves before anything the MSC sends next).
   */
  private async cmService(serviceType: number, procedure: string, onAccept: (s: Session) => void, again = false): Promise<ServiceResult> {
    const l3 = mm('CM Service Request', { cmServiceType: serviceType, cksn: this.cksn, classmark2: classmark2(this.revision), mobileIdentity: this.mobileIdentity() });
    let existing = this.session;
    if (existing && existing.conn.state === 'clearing') {
      // The network is clearing the connection (CLEAR COMMAND came): wait for it to go, then ask on a new one.
      await this.idle(5_000);
      existing = this.session;
    }
    if (existing && existing.conn.state !== 'active') throw new MsStateError(`${procedure}: the MS's connection is ${existing.conn.state}`, this.imsi);
    const t0 = performance.now();
    const s = existing ?? this.openSession(procedure, l3);
    const res: ServiceResult = { accepted: false, durationMs: 0 };
    const reply = s.expectFor(procedure, CM_ANSWERS, 'T3230', (b, name) => {
      res.durationMs = performance.now() - t0;
      if (name === 'CM SERVICE ACCEPT' || name === 'CIPHER MODE COMMAND') {
        res.accepted = true;
        if (name === 'CIPHER MODE COMMAND') res.byCiphering = true;
        s.cmAccepted = true;
        onAccept(s);
      } else if (name === 'CM SERVICE REJECT') res.cause = ((b as { dtap: DtapMessage }).dtap.ies as Record<string, number>).rejectCause;
      else res.authRejected = true;
    });
    if (existing) existing.sendDtap(l3);
    else await this.established(s, reply);
    try {
      await reply;
    } catch (e) {
      if (e instanceof TimeoutError && !existing) s.abort(`${e.timer} expired`);
      // Our CM SERVICE REQUEST crossed the network's CLEAR COMMAND on a connection it
      // was done with: ask once more, on a new connection, as a phone does when its RR
      // connection goes before the answer (TS 24.008 §4.5.1.1).
      if (e instanceof ReleasedError && e.by === 'msc' && existing && !again) {
        this.note(`${procedure}: connection cleared under the CM SERVICE REQUEST; asking again on a new connection`);
        await this.idle(5_000);
        return this.cmService(serviceType, procedure, onAccept, true);
      }
      throw e;
    }
    return res;
  }
}
