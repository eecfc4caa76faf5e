import type { FsmLog, TimerHandle, TimerHost, TimerTable } from '@snaptel/fsm';
import type { BssmapMessage } from '@snaptel/bssap';
import type { DtapMessage } from '@snaptel/gsm48';
import type { VlrStore } from '@snaptel/vlr';
import { MM_FSM, mmEventFor, type MmConfig, type MmConn, type MmData, type MmDeps, type MmFsm, type MmPurpose } from './mm';
import type { HlrAccess } from './hlr-access';
import { Call, CC_CAUSE, CC_FSM, ccEventFor, type CallHost, type CallMediaLike, type CcFsm, type CcLegData } from './cc';
import { CP_CAUSE, newTrans, smcEventFor, type MtResult, type MtSms, type SmsHost, type SmsRouter, type SmsTrans } from './sms';

/** A RAN connection as the core sees it (RanConn from the A interface satisfies it; tests use fakes). */
export interface CoreConn extends MmConn {
  readonly id: number;
}

/** Per-connection state the core keeps in `conn.data`. */
interface ConnState {
  mm: MmFsm;
  lac: number;
  /** CC transactions on this connection, by `${origin}:${ti}` (origin 'ms' for MS-allocated TIs). */
  cc: Map<string, CcFsm>;
  /** The transaction whose BSSMAP ASSIGNMENT is outstanding. */
  assigning?: CcFsm;
  /** SMS transactions on this connection, by `${origin}:${ti}`. */
  sms: Map<string, SmsTrans>;
  /** X4: the release waiting after the last SMS transaction. */
  smsIdle?: TimerHandle;
}

export interface CoreDeps {
  host: TimerHost;
  timers: TimerTable;
  log: FsmLog;
  hlr: HlrAccess;
  vlr: VlrStore;
  mm: MmConfig;
  /** BSSMAP PAGING towards the BSC(s) of a LAC; returns how many links it went to. */
  page?(lac: number, imsi: string, tmsi?: number): number;
  /** Media for a call (MGCP), when a media gateway is configured. */
  media?(callId: string): CallMediaLike | undefined;
  /**
   * Where the machines' transition lines go (one per event and state change):
   * undefined skips building them at all, which is what a busy MSC wants
   * (the image passes its logger at debug level, or nothing). Default: `log`.
   */
  trace?(): FsmLog | undefined;
  /** Where mobile-originated SMS go (see sms.ts); settable later with `setSmsRouter`. */
  smsRouter?: SmsRouter;
}

const PURPOSE: Record<string, MmPurpose | undefined> = {
  'Location Updating Request': 'lu',
  'CM Service Request': 'cm-service',
  'Paging Response': 'paging-response',
  'IMSI Detach Indication': 'detach',
};

/**
 * The MSC's core: what comes from the RAN goes to the connection's MM
 * machine (and, once accepted, to call control). The A interface feeds it;
 * scenario tests feed it directly with a virtual clock.
 */
export class MscCore {
  readonly counters: Record<string, number> = {};
  private readonly mmDeps: MmDeps;
  readonly conns = new Set<CoreConn>();
  /** MT legs waiting for their paging response, by IMSI. */
  private readonly paging = new Map<string, CcFsm>();
  readonly calls = new Set<Call>();
  private callSeq = 0;
  private readonly callHost: CallHost;
  /** MT SMS transactions waiting for their paging response, by IMSI. */
  private readonly smsPaging = new Map<string, SmsTrans[]>();
  private smsRouter: SmsRouter | undefined;
  private readonly smsHost: SmsHost;

  constructor(readonly deps: CoreDeps) {
    this.mmDeps = { ...deps, cfg: deps.mm, counters: this.counters, attached: (imsi, msisdn) => this.smsRouter?.onAttach?.(imsi, msisdn) };
    this.callHost = {
      media: (id) => deps.media?.(id),
      page: (leg) => this.pageLeg(leg),
      legDone: (leg) => this.legDone(leg),
      log: (fields, msg) => deps.log.info(fields, msg),
      counters: this.counters,
    };
    this.smsRouter = deps.smsRouter;
    this.smsHost = {
      now: () => deps.host.now(),
      router: () => this.smsRouter,
      page: (t) => this.pageSms(t),
      done: (t) => this.smsDone(t),
      log: deps.log,
      counters: this.counters,
    };
  }

  /** The transition log for a new machine (see CoreDeps.trace). */
  private get trace(): FsmLog | undefined {
    return this.deps.trace ? this.deps.trace() : this.deps.log;
  }

  private state(conn: CoreConn): ConnState | undefined {
    return conn.data as ConnState | undefined;
  }

  onCompleteL3(conn: CoreConn, l3: DtapMessage, complete: BssmapMessage): void {
    const purpose = PURPOSE[l3.type];
    const cell = complete.ies.cellIdentifier as { lac?: number } | undefined;
    const lac = (l3.ies.lai as { lac?: number } | undefined)?.lac ?? cell?.lac ?? 0;
    if (!purpose) {
      this.deps.log.warn?.({ conn: conn.name, type: l3.type }, `${conn.name}: COMPLETE LAYER 3 with ${l3.type}: not served; cleared`);
      conn.clear(0x09);
      return;
    }
    this.conns.add(conn);
    const mi = l3.ies.mobileIdentity as { type: string; digits?: string; tmsi?: number } | undefined;
    const id = mi?.type === 'imsi' ? `IMSI-${mi.digits}` : mi?.type === 'tmsi' ? `TMSI-0x${(mi.tmsi ?? 0).toString(16).padStart(8, '0').toUpperCase()}` : `conn-${conn.id}`;
    const data: MmData = {
      conn,
      core: this.mmDeps,
      purpose,
      l3,
      lac,
      onEnd: () => undefined,
      onAccepted: (fi) => this.accepted(conn, fi),
    };
    const trace = this.trace;
    const mm = MM_FSM.create({ id, host: this.deps.host, timers: this.deps.timers, ...(trace ? { log: trace } : {}), data });
    conn.data = { mm, lac, cc: new Map(), sms: new Map() } satisfies ConnState;
    this.counters[`${purpose}-requests`] = (this.counters[`${purpose}-requests`] ?? 0) + 1;
    trace?.info({ fsm: 'MM', id: mm.id, purpose, lac }, `${mm.name}{${mm.state}}: ${l3.type} (${purpose}) in LAC ${lac}`);
    mm.dispatch('START');
  }

  onDtap(conn: CoreConn, dtap: DtapMessage): void {
    const st = this.state(conn);
    if (!st || st.mm.terminated) return;
    if (dtap.pd === 'cc') return this.onCc(conn, st, dtap);
    if (dtap.pd === 'sms') return this.onSms(conn, st, dtap);
    const ev = mmEventFor(dtap);
    if (ev && st.mm.permits(ev)) return st.mm.dispatch(ev, dtap);
    this.deps.log.warn?.({ fsm: 'MM', id: st.mm.id, type: dtap.type, state: st.mm.state }, `${st.mm.name}{${st.mm.state}}: ${dtap.type} not expected here; ignored`);
  }

  onBssmap(conn: CoreConn, msg: BssmapMessage): void {
    const st = this.state(conn);
    if (!st || st.mm.terminated) return;
    if (msg.type === 'CIPHER MODE COMPLETE' && st.mm.state === 'WAIT_CIPH') return st.mm.dispatch('CIPH_COMPL', msg);
    if (msg.type === 'CIPHER MODE REJECT' && st.mm.state === 'WAIT_CIPH') return st.mm.dispatch('CIPH_REJ', msg);
    if (msg.type === 'ASSIGNMENT COMPLETE' || msg.type === 'ASSIGNMENT FAILURE') {
      const leg = st.assigning;
      st.assigning = undefined;
      if (!leg || leg.terminated) return;
      if (msg.type === 'ASSIGNMENT COMPLETE') leg.dispatch('ASSIGNED', msg.ies.aoipTransportLayerAddress);
      else leg.dispatch('ASSIGN_FAIL', msg.ies.cause);
      return;
    }
    if (msg.type === 'CLEAR REQUEST') {
      this.deps.log.info({ fsm: 'MM', id: st.mm.id, cause: msg.ies.cause }, `${st.mm.name}{${st.mm.state}}: CLEAR REQUEST from the BSC`);
      conn.clear(0x09);
      return;
    }
    this.deps.log.warn?.({ fsm: 'MM', id: st.mm.id, type: msg.type }, `${st.mm.name}{${st.mm.state}}: BSSMAP ${msg.type} not handled; ignored`);
  }

  onReleased(conn: CoreConn, why: string): void {
    const st = this.state(conn);
    this.conns.delete(conn);
    if (!st) return;
    this.trace?.info({ fsm: 'MM', id: st.mm.id, why }, `${st.mm.name}{${st.mm.state}}: connection released (${why})`);
    for (const leg of [...st.cc.values()]) if (!leg.terminated) leg.dispatch('CONN_GONE');
    for (const t of [...st.sms.values()]) if (!t.smc.terminated) t.smc.dispatch('CONN_GONE');
    if (!st.mm.terminated) st.mm.terminate('regular');
  }

  // ---- call control ----

  /** The connection passed MM for a service: an MT leg waiting for this subscriber gets it. */
  private accepted(conn: CoreConn, mm: MmFsm): void {
    const d = mm.data as MmData;
    if (d.purpose === 'cm-service' && d.imsi && this.smsPaging.has(d.imsi)) {
      // Paged for SMS but came with a service request of its own: the SMS take this connection.
      const waiting = this.smsPaging.get(d.imsi)!.filter((t) => !t.smc.terminated);
      this.smsPaging.delete(d.imsi);
      this.smsReady(conn, waiting);
      return;
    }
    if (d.purpose !== 'paging-response' || !d.imsi) return;
    const leg = this.paging.get(d.imsi);
    const sms = (this.smsPaging.get(d.imsi) ?? []).filter((t) => !t.smc.terminated);
    this.smsPaging.delete(d.imsi);
    if (sms.length) this.smsReady(conn, sms);
    if (!leg || leg.terminated) {
      if (sms.length) return;
      this.deps.log.info({ fsm: 'MM', id: mm.id }, `${mm.name}{${mm.state}}: paging response for no pending call; released`);
      mm.dispatch('RELEASE');
      return;
    }
    this.paging.delete(d.imsi);
    const st = this.state(conn)!;
    // The network allocates the TI of an MT transaction: the lowest free one.
    let ti = 0;
    while (st.cc.has(`net:${ti}`) && ti < 6) ti++;
    const x = leg.data as CcLegData;
    x.ti = ti;
    x.tiFlagOut = 0;
    st.cc.set(`net:${ti}`, leg);
    st.assigning = leg;
    leg.dispatch('MM_READY', conn);
  }

  private onCc(conn: CoreConn, st: ConnState, dtap: DtapMessage): void {
    const ev = ccEventFor(dtap);
    const key = `${dtap.tiFlag ? 'net' : 'ms'}:${dtap.ti ?? 0}`;
    let leg = st.cc.get(key);
    if (!leg && ev === 'SETUP' && st.mm.state === 'ACCEPTED') leg = this.moSetup(conn, st, dtap, key);
    if (!leg || leg.terminated || !ev) {
      this.deps.log.warn?.({ fsm: 'CC', conn: conn.name, type: dtap.type, key }, `${conn.name}: CC ${dtap.type} for no transaction (${key}); ignored`);
      return;
    }
    if (!leg.permits(ev)) {
      this.deps.log.warn?.({ fsm: 'CC', id: leg.id, type: dtap.type, state: leg.state }, `${leg.name}{${leg.state}}: ${dtap.type} not expected here; ignored`);
      return;
    }
    leg.dispatch(ev, dtap);
  }

  /** MO SETUP: the A leg; the callee found by MSISDN; the B leg waits for paging. */
  private moSetup(conn: CoreConn, st: ConnState, setup: DtapMessage, key: string): CcFsm {
    const mmd = st.mm.data as MmData;
    const imsi = mmd.imsi!;
    const msisdn = this.deps.vlr.get(imsi)?.msisdn;
    const call = new Call(this.callHost, ++this.callSeq);
    this.calls.add(call);
    const a = CC_FSM.create({
      id: `${st.mm.id}-TI${setup.ti ?? 0}`,
      host: this.deps.host,
      timers: this.deps.timers,
      ...(this.trace ? { log: this.trace } : {}),
      data: { call, leg: 'A', conn, ti: setup.ti ?? 0, tiFlagOut: 1, imsi, ...(msisdn ? { msisdn } : {}) } satisfies CcLegData,
    });
    call.a = a;
    st.cc.set(key, a);
    st.assigning = a;
    const called = (setup.ies.calledPartyBcdNumber as { digits?: string } | undefined)?.digits ?? '';
    const callee = called ? this.hlrByMsisdn(called) : undefined;
    const slot = callee ? this.deps.vlr.slotOf(callee.imsi) : -1;
    const rec = slot >= 0 ? this.deps.vlr.recordAt(slot) : undefined;
    // SETUP first (CALL PROCEEDING, media), then the callee.
    queueMicrotask(() => {
      if (a.terminated) return;
      if (!callee) {
        this.deps.log.info({ call: call.id, called }, `${call.id}: ${called || '(no number)'} is no subscriber; cleared (cause 1)`);
        return a.dispatch('PEER_RELEASE', CC_CAUSE.UNASSIGNED_NUMBER);
      }
      if (!rec || rec.state !== 'attached') {
        this.deps.log.info({ call: call.id, called }, `${call.id}: ${called} is not attached; cleared (cause 20)`);
        return a.dispatch('PEER_RELEASE', CC_CAUSE.SUBSCRIBER_ABSENT);
      }
      const b = CC_FSM.create({
        id: `IMSI-${callee.imsi}-MT${call.ref}`,
        host: this.deps.host,
        timers: this.deps.timers,
        ...(this.trace ? { log: this.trace } : {}),
        data: { call, leg: 'B', imsi: callee.imsi, ...(callee.msisdn ? { msisdn: callee.msisdn } : {}) } satisfies CcLegData,
      });
      call.b = b;
      b.stateChg('N0_1');
      this.pageLeg(b);
    });
    this.counters['setups'] = (this.counters['setups'] ?? 0) + 1;
    // The media must exist before the A leg's assignment: create it now, the B leg joins it.
    call.media = called ? this.callHost.media(call.id) : undefined;
    return a;
  }

  /** The callee: by the HLR when it can tell (embedded), else among the VLR's subscribers. */
  private hlrByMsisdn(msisdn: string): { imsi: string; msisdn?: string } | undefined {
    const h = this.deps.hlr.byMsisdn?.(msisdn);
    if (h) return h;
    let found: { imsi: string; msisdn?: string } | undefined;
    this.deps.vlr.forEachSlot((slot) => {
      if (found) return;
      const r = this.deps.vlr.recordAt(slot);
      if (r.msisdn === msisdn) found = { imsi: r.imsi, msisdn };
    });
    return found;
  }

  private pageLeg(leg: CcFsm): void {
    const x = leg.data as CcLegData;
    const slot = this.deps.vlr.slotOf(x.imsi);
    if (slot < 0) return leg.dispatch('PAGING_FAIL');
    const rec = this.deps.vlr.recordAt(slot);
    this.paging.set(x.imsi, leg);
    const n = this.deps.page?.(rec.lac, x.imsi, rec.tmsi === 0xffffffff ? undefined : rec.tmsi) ?? 0;
    this.trace?.info({ fsm: 'CC', id: leg.id, lac: rec.lac, links: n }, `${leg.name}{${leg.state}}: paging IMSI-${x.imsi} in LAC ${rec.lac} (${n} BSC link${n === 1 ? '' : 's'})`);
    this.counters.paged = (this.counters.paged ?? 0) + 1;
  }

  /** A leg is done: its transaction leaves the connection; an idle connection is released. */
  private legDone(leg: CcFsm): void {
    const x = leg.data as CcLegData;
    if (this.paging.get(x.imsi) === leg) this.paging.delete(x.imsi);
    for (const conn of this.conns) {
      const st = this.state(conn);
      if (!st) continue;
      for (const [k, v] of st.cc) if (v === leg) st.cc.delete(k);
      if (st.assigning === leg) st.assigning = undefined;
      if (x.conn === conn) this.releaseIfIdle(st);
    }
    if (x.call.a.terminated && (!x.call.b || x.call.b.terminated)) this.calls.delete(x.call);
  }

  private releaseIfIdle(st: ConnState): void {
    if (st.cc.size === 0 && st.sms.size === 0 && !st.mm.terminated && st.mm.state === 'ACCEPTED') st.mm.dispatch('RELEASE');
  }

  // ---- short messages (TS 24.011) ----

  /** Where mobile-originated SMS go from now on (undefined: refused with RP cause 38). */
  setSmsRouter(router: SmsRouter | undefined): void {
    this.smsRouter = router;
  }

  /** A subscriber by MSISDN (HLR, else VLR), and whether it is attached to this MSC. */
  lookupMsisdn(msisdn: string): { imsi: string; msisdn?: string; attached: boolean } | undefined {
    const s = this.hlrByMsisdn(msisdn);
    if (!s) return undefined;
    const slot = this.deps.vlr.slotOf(s.imsi);
    return { ...s, attached: slot >= 0 && this.deps.vlr.recordAt(slot).state === 'attached' };
  }

  /** The accepted connection of a subscriber, if one is up. */
  private connOf(imsi: string): CoreConn | undefined {
    for (const conn of this.conns) {
      const st = this.state(conn);
      if (st && !st.mm.terminated && st.mm.state === 'ACCEPTED' && (st.mm.data as MmData).imsi === imsi) return conn;
    }
    return undefined;
  }

  /** The lowest TI the network may allocate on a connection, or -1 (TS 24.007 §11.2.3.1.3: 0..6). */
  private freeSmsTi(st: ConnState): number {
    for (let ti = 0; ti < 7; ti++) if (!st.sms.has(`net:${ti}`)) return ti;
    return -1;
  }

  /**
   * Mobile-terminated SMS: to a subscriber of this VLR, paged when it has no
   * connection, then CP-DATA(RP-DATA(tpdu)). Resolves with the outcome:
   * RP-ACK (ok), RP-ERROR (with its cause), or why it never got there.
   */
  deliverSms(to: { imsi: string } | { msisdn: string }, sms: MtSms): Promise<MtResult> {
    const sub = 'imsi' in to ? { imsi: to.imsi } : this.hlrByMsisdn(to.msisdn);
    if (!sub) return Promise.resolve({ ok: false, reason: 'unknown' });
    const slot = this.deps.vlr.slotOf(sub.imsi);
    const rec = slot >= 0 ? this.deps.vlr.recordAt(slot) : undefined;
    if (!rec || rec.state !== 'attached') return Promise.resolve({ ok: false, reason: 'detached' });
    const conn = this.connOf(sub.imsi);
    const st = conn ? this.state(conn) : undefined;
    const ti = st ? this.freeSmsTi(st) : 0;
    if (ti < 0) return Promise.resolve({ ok: false, reason: 'no-ti' });
    const t = newTrans({
      host: this.smsHost,
      fsmHost: this.deps.host,
      timers: this.deps.timers,
      ...(this.trace ? { log: this.trace } : {}),
      id: `IMSI-${sub.imsi}-SMS${++this.smsSeq}`,
      imsi: sub.imsi,
      ...(rec.msisdn ? { msisdn: rec.msisdn } : {}),
      origin: 'net',
      ti,
      ...(conn ? { conn } : {}),
    });
    if (st) st.sms.set(`net:${ti}`, t);
    const rp = { type: 'RP-DATA' as const, direction: 'mt' as const, mr: this.nextRpMr(), originator: { ton: 1, npi: 1, digits: sms.scAddress ?? '0' }, destination: null, userData: sms.tpdu };
    return new Promise<MtResult>((resolve) => {
      t.mt = { rp, resolve, settled: false };
      t.smr.dispatch('MT_DATA', rp);
    });
  }

  private smsSeq = 0;
  private rpMr = 0;
  private nextRpMr(): number {
    this.rpMr = (this.rpMr + 1) & 0xff;
    return this.rpMr;
  }

  private pageSms(t: SmsTrans): void {
    const slot = this.deps.vlr.slotOf(t.imsi);
    if (slot < 0) return t.smc.dispatch('PAGING_FAIL');
    const rec = this.deps.vlr.recordAt(slot);
    const waiting = this.smsPaging.get(t.imsi);
    if (waiting) {
      waiting.push(t);
      return;
    }
    this.smsPaging.set(t.imsi, [t]);
    // A call paging the same subscriber already: its paging response serves both.
    const leg = this.paging.get(t.imsi);
    if (leg && !leg.terminated) return;
    const n = this.deps.page?.(rec.lac, t.imsi, rec.tmsi === 0xffffffff ? undefined : rec.tmsi) ?? 0;
    this.trace?.info({ fsm: 'SMC', id: t.smc.id, lac: rec.lac, links: n }, `${t.smc.name}{${t.smc.state}}: paging IMSI-${t.imsi} in LAC ${rec.lac} (${n} BSC link${n === 1 ? '' : 's'})`);
    this.counters.paged = (this.counters.paged ?? 0) + 1;
  }

  /** The paged subscriber answered: its MT SMS transactions get TIs on the connection. */
  private smsReady(conn: CoreConn, list: SmsTrans[]): void {
    const st = this.state(conn)!;
    for (const t of list) {
      const ti = this.freeSmsTi(st);
      if (ti < 0) {
        t.smc.dispatch('PAGING_FAIL');
        continue;
      }
      t.ti = ti;
      st.sms.set(`net:${ti}`, t);
      t.smc.dispatch('MM_READY', conn);
    }
  }

  private smsDone(t: SmsTrans): void {
    const q = this.smsPaging.get(t.imsi);
    if (q) {
      const i = q.indexOf(t);
      if (i >= 0) q.splice(i, 1);
      if (!q.length) this.smsPaging.delete(t.imsi);
    }
    for (const conn of this.conns) {
      const st = this.state(conn);
      if (!st) continue;
      let had = false;
      for (const [k, v] of st.sms) if (v === t) (st.sms.delete(k), (had = true));
      if (had) this.releaseAfterSms(st);
    }
  }

  /** The last SMS transaction ended: release X4 later, unless something new runs on the connection by then. */
  private releaseAfterSms(st: ConnState): void {
    st.smsIdle?.cancel();
    const ms = this.deps.timers.ms('X4');
    if (ms <= 0) return this.releaseIfIdle(st);
    st.smsIdle = this.deps.host.at('X4', this.deps.host.now() + ms, () => {
      st.smsIdle = undefined;
      this.releaseIfIdle(st);
    });
  }

  /**
   * An SMS message from the phone that the codecs refused (say, a TPDU cut
   * short inside a well-formed RP-DATA). The CP and RP headers are read by
   * hand so the phone still gets an answer (TS 24.011 §9): an RP-DATA gets
   * CP-ACK and RP-ERROR 96 (invalid mandatory information), an RP-ACK or
   * RP-ERROR whose TPDU is bad still counts for its MR, and a CP message
   * that cannot be read gets CP-ERROR 96. Other protocols: false (not ours).
   * The A interface calls it with the L3 octets of a DTAP it could not decode.
   */
  onMalformedDtap(conn: CoreConn, l3: Uint8Array): boolean {
    if (l3.length < 2 || (l3[0]! & 0x0f) !== 9) return false;
    const st = this.state(conn);
    if (!st || st.mm.terminated) return true;
    const tiFlag = l3[0]! >> 7;
    const ti = (l3[0]! >> 4) & 7;
    const type = l3[1]!;
    const base = { pd: 'sms', direction: 'mo', tiFlag, ti } as const;
    const rpLen = l3[2] ?? 0;
    if (type === 0x01 && l3.length >= 5 && rpLen >= 2 && rpLen <= l3.length - 3) {
      const mti = l3[3]! & 7;
      const mr = l3[4]!;
      const rp =
        mti === 0
          ? { type: 'RP-DATA', direction: 'mo', mr, originator: null, destination: null }
          : mti === 2
            ? { type: 'RP-ACK', direction: 'mo', mr }
            : mti === 4 && rpLen >= 4
              ? { type: 'RP-ERROR', direction: 'mo', mr, cause: { value: l3[6]! } }
              : undefined;
      if (rp) {
        this.deps.log.info({ fsm: 'SMC', conn: conn.name, ti }, `${conn.name}: ${rp.type} with an undecodable TPDU (TI ${tiFlag}-${ti})`);
        this.onSms(conn, st, { ...base, type: 'CP-DATA', ies: { rpdu: rp } } as unknown as DtapMessage);
        return true;
      }
    }
    this.onSms(conn, st, { ...base, type: 'undecodable CP message', ies: {} } as unknown as DtapMessage, CP_CAUSE.INVALID_MANDATORY_INFO);
    return true;
  }

  private onSms(conn: CoreConn, st: ConnState, dtap: DtapMessage, malformed?: number): void {
    const mmd = st.mm.data as MmData;
    if (st.mm.state !== 'ACCEPTED' || !mmd.imsi) {
      this.deps.log.warn?.({ fsm: 'SMC', conn: conn.name, type: dtap.type }, `${conn.name}: ${dtap.type} before the connection was accepted; ignored`);
      return;
    }
    const ti = dtap.ti ?? 0;
    const key = `${dtap.tiFlag ? 'net' : 'ms'}:${ti}`;
    const cpError = (cause: number, why: string) => {
      this.deps.log.info({ fsm: 'SMC', conn: conn.name, key, cause }, `${conn.name}: ${dtap.type} (${key}): ${why}; CP-ERROR ${cause}`);
      this.counters[`sms-cp-error-${cause}`] = (this.counters[`sms-cp-error-${cause}`] ?? 0) + 1;
      conn.sendDtap({ pd: 'sms', type: 'CP-ERROR', direction: 'mt', tiFlag: dtap.tiFlag ? 0 : 1, ti, ies: { cpCause: cause } } as DtapMessage);
    };
    const ev = smcEventFor(dtap);
    let t = st.sms.get(key);
    if (malformed) return cpError(malformed, 'undecodable');
    if (!ev) return cpError(CP_CAUSE.MSG_TYPE_NONEXISTENT, 'not a CP message');
    if (ti === 7 || dtap.tiExt !== undefined) {
      // TS 24.007 §11.2.3.1.3: TI 7 is the extension escape, which SMS does not use: ignored, not answered.
      this.deps.log.warn?.({ fsm: 'SMC', conn: conn.name, type: dtap.type }, `${conn.name}: ${dtap.type} with TI 7; ignored`);
      return;
    }
    if (!t) {
      // Only a CP-DATA from the phone opens a transaction (its TI, flag 0).
      if (ev === 'CP_ERROR') return; // §5.3.? : never answer a CP-ERROR with one
      if (dtap.tiFlag || ev !== 'CP_DATA') return cpError(CP_CAUSE.INVALID_TI, 'no such transaction');
      t = newTrans({
        host: this.smsHost,
        fsmHost: this.deps.host,
        timers: this.deps.timers,
        ...(this.trace ? { log: this.trace } : {}),
        id: `${st.mm.id}-SMS-TI${ti}`,
        imsi: mmd.imsi,
        ...(this.deps.vlr.get(mmd.imsi)?.msisdn ? { msisdn: this.deps.vlr.get(mmd.imsi)!.msisdn! } : {}),
        origin: 'ms',
        ti,
        conn,
      });
      st.sms.set(key, t);
    }
    if (!t.smc.permits(ev)) {
      if (ev === 'CP_ERROR') return;
      return cpError(CP_CAUSE.MSG_NOT_COMPATIBLE, `not expected in ${t.smc.state}`);
    }
    t.smc.dispatch(ev, dtap);
  }

  /** The periodic-LU purge: subscribers whose T3212 ran out leave the VLR. */
  purgeExpired(limit = 10_000): string[] {
    const gone = this.deps.vlr.expired(this.deps.host.now(), limit);
    for (const imsi of gone) {
      const slot = this.deps.vlr.slotOf(imsi);
      if (slot >= 0) this.deps.vlr.remove(slot);
      this.deps.log.info({ imsi }, `VLR: IMSI-${imsi} purged (no location update within T3212)`);
    }
    this.counters.purged = (this.counters.purged ?? 0) + gone.length;
    return gone;
  }
}
