import type { Bssap, BssmapMessage, EncryptionInformation, SpeechCodecListValue, TransportAddress } from '@snaptel/bssap';
import { fromHex, toHex, Writer, type IeValues } from '@snaptel/codec';
import { mobileIdentity as miCodec, type DtapMessage, type MobileIdentity } from '@snaptel/gsm48';
import type { AuthResult } from './auth';
import { CC_CAUSE, msCause, type Assignment, type Call } from './call';
import type { Connection, ConnectionHandler, ReleaseInfo } from './connection';
import { Deferred } from './deferred';
import { BscSimError, KcMismatchError, MsStateError, ReleasedError, TimeoutError, UnexpectedMessageError } from './errors';
import type { Ms } from './ms';
import { bssSupportedList, chooseA5, chooseCodec } from './radio';
import type { SmsTransaction } from './sms';
import { NamedTimers, type TimerName } from './timers';

/**
 * A scripted dialogue on one MS's connection, for what the simulator does
 * not run by itself (SMS, USSD, odd sequences): send DTAP as the MS, wait for
 * what the MSC sends. What the MS answers by itself (identity, authentication,
 * ciphering, assignment, TMSI reallocation) is still answered.
 */
export interface Dialogue {
  readonly imsi: string;
  /** The BSC's SCCP local reference of the connection. */
  readonly localRef: number;
  /** Sends DTAP from the MS (N(SD) is filled in for MM, CC and SS); DLCI 0 (SAPI 0) unless given (0x03 for SMS on SAPI 3). */
  sendDtap(m: Omit<DtapMessage, 'direction'> & { direction?: 'mo' | 'mt' }, dlci?: number): void;
  /** Sends a BSSMAP message from the BSC on this connection. */
  sendBssmap(type: BssmapMessage['type'], ies?: IeValues): void;
  /** The next message from the MSC with one of these names (messages that came unasked are looked at first). */
  expect(names: string | readonly string[], timeoutMs?: number): Promise<Bssap>;
  /** The MS no longer needs the connection: T3240 runs until the MSC releases it. */
  done(): void;
  /** BSSMAP CLEAR REQUEST (default cause 0x01, radio interface failure); resolves when released. */
  clear(cause?: number): Promise<ReleaseInfo>;
  readonly released: Promise<ReleaseInfo>;
}

interface Expectation {
  procedure: string;
  names: Set<string>;
  d: Deferred<Bssap>;
  timer: TimerName | 'expect';
  /** Runs in the same turn as the message (so that an answer leaves before anything the MSC sent next). */
  sync: ((b: Bssap, name: string) => void) | undefined;
  t: NodeJS.Timeout | undefined;
}

/** What an automatic handler says: 'consumed' keeps the message from the waiting procedure. */
type Handled = void | 'consumed' | Promise<void>;
type Auto = (s: Session, b: Bssap) => Handled;

const ies = (b: Bssap): Record<string, any> => (b.discriminator === 'dtap' ? ((b.dtap as DtapMessage).ies ?? {}) : b.type === 'unknown' ? {} : b.ies);

/**
 * Network -> MS/BSC messages that are answered whatever procedure runs
 * (TS 24.008 MM common procedures, TS 48.008 ciphering and assignment).
 */
const AUTO: Record<string, Auto> = {
  'IDENTITY REQUEST': (s, b) => s.sendMm('Identity Response', { mobileIdentity: s.ms.identityFor(ies(b).identityType) }),
  'AUTHENTICATION REQUEST': (s, b) => s.authenticate(b),
  'AUTHENTICATION REJECT': (s) => s.ms.authenticationRejected(),
  'TMSI REALLOCATION COMMAND': (s, b) => {
    const mi = ies(b).mobileIdentity as MobileIdentity;
    if (mi.type === 'tmsi') s.ms.setTmsi(mi.tmsi);
    else if (mi.type === 'imsi') s.ms.setTmsi(undefined);
    s.sendMm('TMSI Reallocation Complete', {});
  },
  'MM INFORMATION': (s, b) => void s.ms.emit('mm-information', ies(b)),
  'MM STATUS': (s, b) => s.ms.note(`MM STATUS from the network, cause ${ies(b).rejectCause}`),
  'CIPHER MODE COMMAND': (s, b) => s.cipherMode(b as BssmapMessage),
  'ASSIGNMENT REQUEST': (s, b) => s.assign(b as BssmapMessage),
  'COMMON ID': () => {},
};

const INBOX_MAX = 64;

/**
 * One MS's connection: the MS side of MM and CC on it, and the BSC's radio
 * side (ciphering, assignment) for it. Counts N(SD), routes CC by
 * transaction identifier, runs T3240 when the MS has nothing left to do.
 */
export class Session implements ConnectionHandler, Dialogue {
  readonly conn: Connection;
  /** CC transactions by 'mo<ti>' / 'mt<ti>'. */
  readonly calls = new Map<string, Call>();
  /** SM-CP transactions by 'mo<ti>' / 'mt<ti>' (TIs of SMS are apart from those of CC). */
  readonly sms = new Map<string, SmsTransaction>();
  /** Reasons the MS still needs the connection (a procedure, a dialogue): T3240 waits until there are none. */
  readonly holds = new Set<string>();
  /** The A5 algorithm chosen in CIPHER MODE COMPLETE. */
  a5: number | undefined;
  /** CM service accepted (explicitly, or implicitly by ciphering). */
  cmAccepted = false;
  assignment: Assignment | undefined;
  private nsd = 0;
  private readonly nsdMod: number;
  private expectation: Expectation | undefined;
  private inbox: [Bssap, string][] = [];
  private queued: [Bssap, string][] | undefined;
  private readonly timers: NamedTimers;
  private ended = false;

  constructor(
    readonly ms: Ms,
    readonly procedure: string,
    l3: DtapMessage,
  ) {
    // TS 24.007 §11.2.3.2.3: N(SD) modulo 4 for R99 or later mobiles, modulo 2 before.
    this.nsdMod = ms.revision >= 2 ? 4 : 2;
    this.timers = new NamedTimers(ms.timers);
    const bsc = ms.bsc;
    const cl3: BssmapMessage = {
      discriminator: 'bssmap',
      type: 'COMPLETE LAYER 3 INFORMATION',
      ies: { cellIdentifier: { discriminator: 'lac_ci', lac: ms.lac, ci: ms.ci }, layer3Information: this.stamp(l3) },
    };
    if (bsc.aoip) cl3.ies.speechCodecList = { codecs: bssSupportedList(bsc.codecs) };
    this.conn = bsc.openConnection(ms.imsi, procedure, cl3);
    this.conn.handler = this;
  }

  get imsi(): string {
    return this.ms.imsi;
  }

  get localRef(): number {
    return this.conn.localRef;
  }

  get released(): Promise<ReleaseInfo> {
    return this.conn.released.promise;
  }

  // ---------------------------------------------------------------- sending

  /** Sets N(SD) on MM, CC and SS messages from the MS. */
  private stamp(m: DtapMessage): DtapMessage {
    if (m.pd === 'mm' || m.pd === 'cc' || m.pd === 'ss') {
      m.seq = this.nsd;
      this.nsd = (this.nsd + 1) % this.nsdMod;
    }
    return m;
  }

  sendDtap(m: Omit<DtapMessage, 'direction'> & { direction?: 'mo' | 'mt' }, dlci = 0): void {
    const msg = this.stamp({ ...m, direction: 'mo' } as DtapMessage);
    const b: Bssap = { discriminator: 'dtap', dlci, dtap: msg };
    if (!this.conn.send(b, this.ms.bsc.encode(b))) this.ms.note(`${msg.type.toUpperCase()} not sent: connection ${this.conn.state}`);
  }

  sendMm(type: string, values: IeValues): void {
    this.sendDtap({ pd: 'mm', type, skip: 0, ies: values });
  }

  sendBssmap(type: BssmapMessage['type'], values: IeValues = {}): void {
    const b: Bssap = { discriminator: 'bssmap', type, ies: values } as BssmapMessage;
    if (!this.conn.send(b, this.ms.bsc.encode(b))) this.ms.note(`BSSMAP ${type} not sent: connection ${this.conn.state}`);
  }

  // ---------------------------------------------------------------- waiting

  /**
   * Waits for one of `names` within the named timer (or `timeoutMs`). One
   * expectation at a time; what else comes meanwhile and is not answered
   * automatically fails it with UnexpectedMessageError.
   */
  expectFor(procedure: string, names: readonly string[], timer: TimerName | number, sync?: (b: Bssap, name: string) => void): Promise<Bssap> {
    if (this.expectation) throw new MsStateError(`${procedure}: already waiting for ${[...this.expectation.names].join(' or ')} (${this.expectation.procedure})`, this.imsi);
    const d = new Deferred<Bssap>();
    if (this.ended) {
      d.reject(new ReleasedError(procedure, names, 'bsc', 'connection already released', this.imsi));
      return d.promise;
    }
    const hit = this.inbox.findIndex(([, n]) => names.includes(n));
    if (hit >= 0) {
      const [b, n] = this.inbox.splice(hit, 1)[0]!;
      sync?.(b, n);
      d.resolve(b);
      return d.promise;
    }
    const e: Expectation = { procedure, names: new Set(names), d, timer: typeof timer === 'number' ? 'expect' : timer, sync, t: undefined };
    const ms = typeof timer === 'number' ? timer : this.ms.timers[timer];
    if (ms > 0) {
      e.t = setTimeout(() => {
        if (this.expectation !== e) return;
        this.expectation = undefined;
        this.ms.note(`${e.timer} expired: ${procedure} got no ${names.join(' or ')}`);
        d.reject(new TimeoutError(procedure, e.timer, ms, names, this.conn.lastReceived, this.imsi));
        this.idleCheck();
      }, ms);
    }
    this.expectation = e;
    this.idleCheck();
    return d.promise;
  }

  expect(names: string | readonly string[], timeoutMs = 10_000): Promise<Bssap> {
    return this.expectFor('DIALOGUE', typeof names === 'string' ? [names] : names, timeoutMs);
  }

  done(): void {
    this.holds.delete('dialogue');
    this.idleCheck();
  }

  clear(cause = 0x01): Promise<ReleaseInfo> {
    this.abort('CLEAR REQUEST by the test', cause);
    return this.released;
  }

  private settle(e: Expectation): void {
    if (e.t) clearTimeout(e.t);
    if (this.expectation === e) this.expectation = undefined;
  }

  private failExpectation(err: Error): void {
    const e = this.expectation;
    if (!e) return;
    this.settle(e);
    e.d.reject(err);
  }

  // ---------------------------------------------------------------- ConnectionHandler

  onBssap(b: Bssap, name: string): void {
    // Messages wait while an asynchronous answer (authentication) is computed: answers keep their order.
    if (this.queued) {
      this.queued.push([b, name]);
      return;
    }
    const r = this.handle(b, name);
    if (r) {
      this.queued = [];
      void r.finally(() => {
        const q = this.queued ?? [];
        this.queued = undefined;
        for (const [qb, qn] of q) this.onBssap(qb, qn);
      });
    }
  }

  onClearCommand(cause: unknown): void {
    const c = typeof cause === 'number' ? cause : JSON.stringify(cause);
    if (this.expectation) this.failExpectation(new ReleasedError(this.expectation?.procedure ?? this.procedure, [...(this.expectation?.names ?? [])], 'msc', `CLEAR COMMAND cause ${c}`, this.imsi));
    for (const call of [...this.calls.values()]) call.connectionLost(`CLEAR COMMAND cause ${c}`);
    this.smsLost(`CLEAR COMMAND cause ${c}`, 'msc');
    this.timers.stopAll();
  }

  onReleased(info: ReleaseInfo): void {
    this.ended = true;
    this.timers.stopAll();
    if (this.expectation) this.failExpectation(new ReleasedError(this.expectation.procedure, [...this.expectation.names], info.by, info.detail, this.imsi));
    for (const call of [...this.calls.values()]) call.connectionLost(`connection released (${info.by}: ${info.detail})`);
    this.smsLost(`connection released (${info.by}: ${info.detail})`, info.by);
    this.ms.sessionEnded(this, info);
  }

  private handle(b: Bssap, name: string): Promise<void> | undefined {
    if (b.discriminator === 'dtap' && b.dtap.type !== 'unknown' && (b.dtap as DtapMessage).pd === 'sms' && this.smsRouted(b.dtap as DtapMessage)) {
      this.onSms(b.dtap as DtapMessage);
      this.idleCheck();
      return undefined;
    }
    if (b.discriminator === 'dtap' && b.dtap.type !== 'unknown' && (b.dtap as DtapMessage).pd === 'cc') {
      this.onCc(b.dtap as DtapMessage);
      this.idleCheck();
      return undefined;
    }
    const auto = AUTO[name];
    let r: Handled;
    try {
      r = auto ? auto(this, b) : undefined;
    } catch (e) {
      this.autoFailed(name, e as Error);
      r = 'consumed';
    }
    const after = (res: void | 'consumed') => {
      const e = this.expectation;
      if (res !== 'consumed' && e && e.names.has(name)) {
        this.settle(e);
        try {
          e.sync?.(b, name);
          e.d.resolve(b);
        } catch (err) {
          e.d.reject(err as Error);
        }
      } else if (!auto && !(name === 'CM SERVICE ACCEPT' && this.cmAccepted)) {
        // (After ciphering, the implicit acceptance, an MSC may still send CM SERVICE ACCEPT: nothing to do.)
        this.unexpected(b, name);
      }
      this.idleCheck();
    };
    if (r instanceof Promise) {
      return r.then(
        () => after(undefined),
        (e: Error) => {
          this.autoFailed(name, e);
          after('consumed');
        },
      );
    }
    after(r);
    return undefined;
  }

  private autoFailed(name: string, e: Error): void {
    const err = e instanceof BscSimError ? e : new BscSimError('answer-failed', `answering ${name}: ${e.message}`, this.imsi);
    this.failExpectation(err);
    this.ms.protocolError(err);
  }

  private unexpected(b: Bssap, name: string): void {
    const e = this.expectation;
    if (e) {
      this.settle(e);
      e.d.reject(new UnexpectedMessageError(e.procedure, [...e.names], name, this.imsi));
    } else {
      this.inbox.push([b, name]);
      if (this.inbox.length > INBOX_MAX) this.inbox.shift();
    }
    if (b.discriminator === 'dtap' && b.dtap.type !== 'unknown' && (b.dtap as DtapMessage).pd === 'mm') {
      // TS 24.008 §8.4: a message not compatible with the protocol state -> MM STATUS cause 98.
      this.ms.protocolError(new UnexpectedMessageError(e?.procedure ?? this.procedure, e ? [...e.names] : ['no MM message in this state'], name, this.imsi));
      this.sendMm('MM Status', { rejectCause: 98 });
    } else if (b.discriminator === 'bssmap') this.ms.note(`BSSMAP ${name} not handled`);
  }

  // ---------------------------------------------------------------- idle: T3240

  /** Starts T3240 when the MS has nothing left on the connection, stops it otherwise. */
  idleCheck(): void {
    if (this.conn.state !== 'active') {
      this.timers.stop('T3240');
      return;
    }
    const idle = !this.expectation && this.holds.size === 0 && this.calls.size === 0 && this.sms.size === 0 && !this.queued;
    if (!idle) this.timers.stop('T3240');
    else if (!this.timers.has('T3240'))
      this.timers.start('T3240', () => {
        this.ms.note(`T3240 expired: the network did not release the connection`);
        this.abort('T3240 expired');
      });
  }

  /** Starts a named timer that aborts the RR connection when it expires (T3220 for IMSI detach). */
  abortAfter(timer: TimerName): void {
    this.timers.start(timer, () => {
      this.ms.note(`${timer} expired: the network did not release the connection`);
      this.abort(`${timer} expired`);
    });
  }

  /**
   * The MS leaves the radio channel (T3240, T3220, T3210, radio link
   * failure): calls end at once, and the BSC asks the MSC to clear (BSSMAP
   * CLEAR REQUEST, default cause 0x01 radio interface failure).
   */
  abort(detail: string, cause = 0x01): void {
    this.timers.stopAll();
    for (const call of [...this.calls.values()]) call.connectionLost(detail);
    this.smsLost(detail, 'bsc');
    if (this.expectation) this.failExpectation(new ReleasedError(this.expectation?.procedure ?? this.procedure, [...(this.expectation?.names ?? [])], 'bsc', detail, this.imsi));
    if (this.conn.state === 'active') {
      const b: Bssap = { discriminator: 'bssmap', type: 'CLEAR REQUEST', ies: { cause } };
      this.conn.clearRequest(b, this.ms.bsc.encode(b));
    } else if (this.conn.state === 'connecting') this.conn.releaseSccp(detail);
  }

  // ---------------------------------------------------------------- call control

  /** A free TI for an MO transaction (0..6), or -1. */
  allocTi(): number {
    for (let ti = 0; ti < 7; ti++) if (!this.calls.has(`mo${ti}`)) return ti;
    return -1;
  }

  addCall(call: Call, origin: 'mo' | 'mt', ti: number): void {
    this.calls.set(`${origin}${ti}`, call);
    this.idleCheck();
  }

  callEnded(call: Call): void {
    for (const [k, c] of this.calls) if (c === call) this.calls.delete(k);
    this.idleCheck();
  }

  // ---------------------------------------------------------------- short messages

  /** A free TI for an MO SMS transaction (0..6), or -1. */
  allocSmsTi(): number {
    for (let ti = 0; ti < 7; ti++) if (!this.sms.has(`mo${ti}`)) return ti;
    return -1;
  }

  addSms(t: SmsTransaction): void {
    this.sms.set(t.key, t);
    this.idleCheck();
  }

  smsEnded(t: SmsTransaction): void {
    if (this.sms.get(t.key) === t) this.sms.delete(t.key);
    this.idleCheck();
  }

  private smsLost(detail: string, by: ReleasedError['by']): void {
    for (const t of [...this.sms.values()]) t.fail(new ReleasedError(t.procedure, ['CP-ACK', 'CP-DATA'], by, detail, this.imsi));
  }

  /** SMS goes to the SM-CP layer, unless a hand-run dialogue holds the connection and no transaction of ours has that TI. */
  private smsRouted(m: DtapMessage): boolean {
    return !this.holds.has('dialogue') || this.sms.has(`${m.tiFlag ? 'mo' : 'mt'}${m.ti ?? 0}`);
  }

  private onSms(m: DtapMessage): void {
    const origin = m.tiFlag ? 'mo' : 'mt';
    const ti = m.ti ?? 0;
    const t = this.sms.get(`${origin}${ti}`);
    if (t) {
      t.onMessage(m);
      return;
    }
    if (origin === 'mt' && m.type === 'CP-DATA') {
      this.ms.incomingSms(this, m, ti);
      return;
    }
    // TS 24.011 §9.3.4: a CP message for a transaction that does not exist -> CP-ERROR cause 81 (not for CP-ERROR, not for a late CP-ACK).
    if (m.type === 'CP-ERROR' || m.type === 'CP-ACK') return;
    this.ms.note(`SMS ${m.type} for unknown transaction ${origin} ${ti}: CP-ERROR cause 81`);
    this.sendDtap({ pd: 'sms', type: 'CP-ERROR', tiFlag: m.tiFlag ? 0 : 1, ti, ies: { cpCause: 81 } } as Omit<DtapMessage, 'direction'>, 0x03);
  }

  private onCc(m: DtapMessage): void {
    // TI flag 1 from the network: the transaction was allocated by the MS (MO), 0: by the network (MT).
    const origin = m.tiFlag ? 'mo' : 'mt';
    const ti = m.ti ?? 0;
    const call = this.calls.get(`${origin}${ti}`);
    if (call) {
      call.onMessage(m);
      return;
    }
    if (origin === 'mt' && m.type === 'Setup') {
      this.ms.incomingSetup(this, m, ti);
      return;
    }
    // §8.3.3: a message for a transaction the MS does not know -> RELEASE COMPLETE cause 81 (unless it is one).
    if (m.type === 'Release Complete') return;
    this.ms.note(`CC ${m.type.toUpperCase()} for unknown transaction ${origin} ${ti}: RELEASE COMPLETE cause 81`);
    this.sendDtap({ pd: 'cc', type: 'Release Complete', tiFlag: m.tiFlag ? 0 : 1, ti, ies: { cause: msCause(CC_CAUSE.INVALID_TI) } });
  }

  // ---------------------------------------------------------------- MM and RR answers

  /** AUTHENTICATION REQUEST: the SIM computes SRES (and RES for UMTS AKA), stores Kc under the CKSN given. */
  authenticate(b: Bssap): Promise<void> | void {
    const v = ies(b);
    const rand = fromHex(v.rand as string);
    const autn = typeof v.autn === 'string' ? fromHex(v.autn) : undefined;
    const r = this.ms.bsc.authenticate(this.ms.sim, rand, autn);
    const answer = (res: AuthResult): void => {
      if (autn && res.macOk === false) {
        // TS 24.008 §4.3.2.5.1: AUTN does not verify -> AUTHENTICATION FAILURE, cause 20 "MAC failure".
        this.ms.note('AUTN does not verify: AUTHENTICATION FAILURE cause 20 (MAC failure)');
        this.sendMm('Authentication Failure', { rejectCause: 20 });
        return;
      }
      if (autn && res.sqnOk === false && res.auts) {
        // SQN out of range -> cause 21 "synch failure" with AUTS, for the network to resynchronise.
        this.ms.note('SQN in AUTN out of range: AUTHENTICATION FAILURE cause 21 (synch failure) with AUTS');
        this.sendMm('Authentication Failure', { rejectCause: 21, failureParameter: toHex(res.auts) });
        return;
      }
      if (autn && res.sqn && res.sqn.length === 6 && this.ms.sim.sqnMs !== undefined) {
        let v = 0;
        for (const x of res.sqn) v = v * 256 + x;
        this.ms.sim.sqnMs = v;
      }
      let sres: Uint8Array;
      let ext: Uint8Array | undefined;
      if (autn && res.res) {
        // §9.2.3: the 4 most significant octets of RES, the rest in the extension.
        sres = res.res.subarray(0, 4);
        if (res.res.length > 4) ext = res.res.subarray(4);
      } else sres = res.sres;
      if (sres.length !== 4) throw new BscSimError('auth-result', `authenticate returned an SRES of ${sres.length} bytes`, this.imsi);
      if (this.ms.wrongSres) sres = sres.map((x) => x ^ 0xff);
      this.ms.keyAgreed(v.cksn as number, res.kc);
      const values: IeValues = { sres: toHex(sres) };
      if (ext) values.extendedRes = toHex(ext);
      this.sendMm('Authentication Response', values);
    };
    if (r && typeof (r as Promise<AuthResult>).then === 'function') return (r as Promise<AuthResult>).then(answer);
    answer(r as AuthResult);
  }

  /**
   * CIPHER MODE COMMAND: the BSC picks A5/1 if permitted, else the first
   * permitted one the MS can do; the MS's RR Ciphering Mode Complete rides in
   * Layer 3 Message Contents (with the IMEISV when the Cipher Response Mode
   * asks for it). A Kc other than the SIM's means the MS cannot decipher: the
   * radio link fails (CLEAR REQUEST) and the waiting procedure fails with
   * KcMismatchError.
   */
  cipherMode(b: BssmapMessage): Handled {
    const v = b.ies as Record<string, any>;
    const ei = v.encryptionInformation as EncryptionInformation | undefined;
    const permitted = ei?.permitted ?? [];
    const a5 = chooseA5(permitted);
    if (a5 === undefined) {
      this.ms.note(`CIPHER MODE COMMAND permits A5/${permitted.join(',') || '-'}: none the MS can do; CIPHER MODE REJECT`);
      this.sendBssmap('CIPHER MODE REJECT', { cause: 0x40 });
      return 'consumed';
    }
    const kc = this.ms.kc;
    if (a5 > 0 && kc && typeof ei?.key === 'string' && ei.key.length === 16 && ei.key.toLowerCase() !== toHex(kc)) {
      const err = new KcMismatchError(toHex(kc), ei.key.toLowerCase(), this.imsi);
      this.failExpectation(err);
      this.ms.protocolError(err);
      this.abort('Kc mismatch: the MS cannot decipher');
      return 'consumed';
    }
    this.a5 = a5;
    const l3 = new Writer().u8(0x06).u8(0x32); // RR, Ciphering Mode Complete (TS 44.018 §9.1.10)
    if (typeof v.cipherResponseMode === 'number' && v.cipherResponseMode & 1) {
      const mi = new Writer();
      miCodec.encode({ type: 'imeisv', digits: this.ms.imeisv }, mi);
      l3.u8(0x17).u8(mi.length).bytes(mi.finish()); // Mobile Equipment Identity, TLV
    }
    this.sendBssmap('CIPHER MODE COMPLETE', { layer3MessageContents: toHex(l3.finish()), chosenEncryptionAlgorithm: { a5 } });
    this.cmAccepted = true;
  }

  /**
   * ASSIGNMENT REQUEST: a codec from the MSC's list that the BSC supports, a
   * BSC-side RTP address (rtpIp, a port per assignment), ASSIGNMENT COMPLETE;
   * ASSIGNMENT FAILURE (cause 0x35 with a codec list, 0x33 without) when no
   * codec fits.
   */
  assign(b: BssmapMessage): Handled {
    const v = b.ies as Record<string, any>;
    const bsc = this.ms.bsc;
    const ct = v.channelType as { indicator?: number; permittedSpeech?: number[] } | undefined;
    const list = (v.speechCodecList as SpeechCodecListValue | undefined)?.codecs;
    if (ct && ct.indicator !== undefined && ct.indicator !== 1 && ct.indicator !== 4) {
      // Signalling or data: no codec; a channel of the kind asked for.
      this.sendBssmap('ASSIGNMENT COMPLETE', { chosenChannel: { mode: ct.indicator === 3 ? 8 : 0, channel: 8 } });
      return;
    }
    const choice = chooseCodec(bsc.codecs, list, ct?.permittedSpeech);
    if (!choice) {
      this.ms.note('ASSIGNMENT REQUEST: no codec the BSC supports; ASSIGNMENT FAILURE');
      this.sendBssmap('ASSIGNMENT FAILURE', { cause: list ? 0x35 : 0x33 });
      return 'consumed';
    }
    const mgw = v.aoipTransportLayerAddress as TransportAddress | undefined;
    const out: IeValues = { chosenChannel: { mode: 9, channel: choice.def.channel } };
    if (this.a5 !== undefined) out.chosenEncryptionAlgorithm = { a5: this.a5 };
    out.speechVersion = choice.def.speechVersion;
    const a: Assignment = { codec: choice.name };
    if (mgw) {
      a.mgw = { ip: mgw.ip, port: mgw.port };
      a.bsc = { ip: bsc.rtpIp, port: bsc.allocRtpPort() };
      out.aoipTransportLayerAddress = a.bsc;
      out.speechCodec = choice.chosen;
    }
    if (typeof v.callIdentifier === 'number') a.callIdentifier = v.callIdentifier;
    this.sendBssmap('ASSIGNMENT COMPLETE', out);
    this.assignment = a;
    for (const call of this.calls.values()) call.d.assigned.resolve(a);
  }
}
