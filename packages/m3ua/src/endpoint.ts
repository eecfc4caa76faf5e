import { EventEmitter } from 'node:events';
import { toHex } from '@snaptel/codec';
import { isValidId, type FsmLog, type TimerHost, type TimerTable } from '@snaptel/fsm';
import { ASP_FSM, BEAT_FSM, type AspData, type AspFsm, type AspHost, type AspState, type BeatData, type BeatFsm } from './asp';
import {
  decode,
  decodeTransfer,
  encode,
  encodeTransfer,
  isKnownClass,
  MESSAGES,
  PPID,
  type DeregRspMessage,
  type DupuMessage,
  type ErrMessage,
  type M3uaMessage,
  type NtfyMessage,
  type RegReqMessage,
  type RegRspMessage,
  type SconMessage,
  type SsnmMessage,
  type TransferInfo,
  type TransferPdu,
} from './codec';
import { M3uaDecodeError, M3uaError } from './errors';
import type { DeregistrationResult, ErrorCodeName, MaskedPc, RegistrationResult, RoutingKey, Status, TrafficModeName } from './params';
import { AS_FSM, RASP_FSM, type AsData, type AsFsm, type AsHost, type AsState, type RaspData, type RaspFsm, type RaspState, type Rx, type SgHost } from './sg';
import { m3uaTimers } from './timers';

/**
 * What the endpoint needs of an SCTP association: the Association of
 * @snaptel/sctp-js-stub satisfies it (either backend), and so does a small
 * in-memory pair in tests.
 */
export interface M3uaAssociation {
  readonly id?: number;
  readonly state: string;
  send(data: Uint8Array, opts?: { stream?: number; ppid?: number; unordered?: boolean }): void;
  abort(reason?: string): void;
  info?(): { outStreams: number };
  on(event: 'up' | 'restart', fn: () => void): unknown;
  on(event: 'message', fn: (m: { data: Uint8Array; stream: number; ppid: number }) => void): unknown;
  on(event: 'down', fn: (reason: string) => void): unknown;
  off(event: string, fn: (...a: any[]) => void): unknown;
}

export type M3uaRole = 'asp' | 'sg' | 'ipsp';

/** One Application Server as the SG (or answering IPSP) serves it. */
export interface AsConfig {
  /** 0 means "no Routing Context parameter" (a single AS, as osmocom configures it). */
  routingContext: number;
  /** Default: the endpoint's trafficMode. */
  trafficMode?: TrafficModeName;
  /** Active ASPs needed for AS-ACTIVE (n of n+k loadsharing). Default 1. */
  minActive?: number;
  /** Destination point codes this AS serves: transfer() picks the AS by the DPC. */
  dpc?: number | number[];
}

export interface M3uaConfig {
  role: M3uaRole;
  /** Instance name in logs (a valid identifier). Default: the role. */
  name?: string;
  localPc: number;
  /** ASP: destinations reachable through the SG (available until a DUNA says otherwise). SG: destinations it reports on (DAUD, setDestination). */
  remotePcs?: number[];
  /** ASP/IPSP: the routing contexts to activate (ASP Active) and to put in DATA. SG: shorthand for one AS per routing context. */
  routingContexts?: number[];
  /** SG/IPSP: the Application Servers (default: one per routing context, or one with routing context 0). */
  applicationServers?: AsConfig[];
  networkAppearance?: number;
  /** Default 'override'. */
  trafficMode?: TrafficModeName;
  /** Sent in ASP Up. */
  aspId?: number;
  /** ASP/IPSP: bring the ASP up and active by itself, also after the association is replaced. Default true. */
  initiate?: boolean;
  /** BEAT every T(beat) while the ASP is up; default true. */
  heartbeat?: boolean;
  /** Unanswered BEATs after which the peer is dead. Default 3. */
  beatMissLimit?: number;
  /** SG: refuse ASP Up without an ASP Identifier. */
  requireAspId?: boolean;
  /** SG: DATA queued per AS while AS-PENDING. Default 1024. */
  queueLimit?: number;
  /** Timer values: { 'T(ack)': '1s', 'T(beat)': 5, 'T(r)': '500ms' }. */
  timers?: Record<string, number | string>;
}

/** MTP-PAUSE / MTP-RESUME: one destination (a mask other than 0 covers 2^mask point codes). */
export interface DestinationEvent {
  pc: number;
  mask: number;
  routingContext?: number[];
}

export interface M3uaEvents {
  /** ASP: this ASP is ASP-ACTIVE. SG: an AS is AS-ACTIVE. IPSP: either. */
  active: (e: { routingContext: number[] }) => void;
  /** Left the active state (reason: the ack, 'alternate-asp-active', 'association down: ...'). */
  inactive: (e: { routingContext: number[]; reason: string }) => void;
  /** ASP: the ASP is ASP-DOWN (association lost, heartbeat lost, ASP Down Ack). */
  down: (e: { reason: string }) => void;
  /** MTP-TRANSFER indication. `data` is a view into the received message. */
  transfer: (pd: TransferInfo) => void;
  /** MTP-PAUSE (DUNA). */
  pause: (e: DestinationEvent) => void;
  /** MTP-RESUME (DAVA). */
  resume: (e: DestinationEvent) => void;
  /** MTP-STATUS: SCON, DUPU, DRST as received. */
  status: (m: SconMessage | DupuMessage | SsnmMessage) => void;
  /** NTFY as received (after the ASP machine has acted on it). */
  notify: (m: NtfyMessage) => void;
  /** ERR from the peer. */
  'peer-error': (m: ErrMessage) => void;
  registered: (m: RegRspMessage) => void;
  deregistered: (m: DeregRspMessage) => void;
}

interface Peer {
  readonly n: number;
  readonly name: string;
  readonly assoc: M3uaAssociation;
  up: boolean;
  gone: boolean;
  outStreams: number;
  rasp?: RaspFsm;
  beat?: BeatFsm;
  readonly on: { up: () => void; restart: () => void; message: (m: { data: Uint8Array; stream: number; ppid: number }) => void; down: (r: string) => void };
}

export interface M3uaStatus {
  role: M3uaRole;
  asp?: { state: AspState; target: string; pending?: string };
  peers: Array<{ name: string; up: boolean; asp?: RaspState; aspId?: number; activeIn: number[] }>;
  ases: Array<{ routingContext: number; state: AsState; mode: TrafficModeName; up: string[]; active: string[]; queued: number }>;
  counters: Record<string, number>;
}

const INFO_CLASS = new Set([0, 3]); // MGMT and ASPSM go on stream 0 (RFC 4666 §1.4.7.1 / §4.3)

function summary(m: M3uaMessage): string {
  const parts: string[] = [m.type === 'UNKNOWN' ? `UNKNOWN(class ${m.msgClass} type ${m.msgType})` : m.type];
  const r = m as unknown as Record<string, unknown>;
  if (r.errorCode !== undefined) parts.push(`${r.errorCode}`);
  if (r.status) parts.push(`${(r.status as Status).type}/${(r.status as Status).info}`);
  if (r.trafficMode !== undefined) parts.push(`mode=${r.trafficMode}`);
  if (r.routingContext) parts.push(`rc=${(r.routingContext as number[]).join(',')}`);
  if (r.aspId !== undefined) parts.push(`aspId=${r.aspId}`);
  if (r.affectedPointCodes) parts.push(`pc=${(r.affectedPointCodes as MaskedPc[]).map((a) => (a.mask ? `${a.pc}/${a.mask}` : a.pc)).join(',')}`);
  if (r.heartbeatData !== undefined) parts.push(`data=${r.heartbeatData}`);
  return parts.join(' ');
}

/**
 * One M3UA endpoint: an ASP (towards an SGP), an SGP (serving ASPs), or an
 * IPSP (both at once towards one peer). It owns the state machines and
 * speaks through associations given with attach(); it never opens one
 * itself. See README.md for the events and the choices made.
 */
export class M3uaEndpoint extends EventEmitter {
  readonly role: M3uaRole;
  readonly name: string;
  readonly timers: TimerTable;
  readonly counters: Record<string, number> = {};
  private readonly cfg: M3uaConfig;
  private readonly asp: AspFsm | undefined;
  private readonly ases: AsFsm[] = [];
  private readonly asByRc = new Map<number, AsFsm>();
  private readonly peers = new Set<Peer>();
  private readonly raspPeer = new Map<RaspFsm, Peer>();
  /** ASP/IPSP: the association the local ASP uses. */
  private current: Peer | undefined;
  private peerSeq = 0;
  /** Destination availability: SG what it reports, ASP what DUNA/DAVA said. */
  private readonly destinations = new Map<number, boolean>();
  private closed = false;

  constructor(
    cfg: M3uaConfig,
    readonly host: TimerHost,
    readonly log?: FsmLog,
  ) {
    super();
    if (!cfg || (cfg.role !== 'asp' && cfg.role !== 'sg' && cfg.role !== 'ipsp')) throw new M3uaError('bad-config', `role must be 'asp', 'sg' or 'ipsp'`);
    if (!Number.isInteger(cfg.localPc) || cfg.localPc < 0 || cfg.localPc > 0xffffff) throw new M3uaError('bad-config', `localPc ${String(cfg.localPc)} is not a point code`);
    for (const rc of cfg.routingContexts ?? []) if (!Number.isInteger(rc) || rc < 0 || rc > 0xffffffff) throw new M3uaError('bad-config', `routing context ${rc} is not a 32-bit number`);
    if (cfg.trafficMode !== undefined && !['override', 'loadshare', 'broadcast'].includes(cfg.trafficMode)) throw new M3uaError('bad-config', `trafficMode ${String(cfg.trafficMode)}`);
    this.cfg = cfg;
    this.role = cfg.role;
    this.name = cfg.name ?? cfg.role;
    if (!isValidId(this.name)) throw new M3uaError('bad-config', `name ${JSON.stringify(this.name)} is not a valid identifier (letters, digits, - _ :)`);
    try {
      this.timers = m3uaTimers(cfg.timers);
    } catch (e) {
      throw new M3uaError('bad-config', (e as Error).message);
    }
    for (const pc of cfg.remotePcs ?? []) this.destinations.set(pc, true);
    if (this.role !== 'sg') {
      const data: AspData = { host: this.aspHost(), target: cfg.initiate === false ? 'down' : 'active' };
      this.asp = ASP_FSM.create({ id: this.name, host, timers: this.timers, log, data });
    }
    if (this.role !== 'asp') {
      const list: AsConfig[] = cfg.applicationServers ?? (cfg.routingContexts?.length ? cfg.routingContexts.map((rc) => ({ routingContext: rc })) : [{ routingContext: 0 }]);
      for (const a of list) {
        if (this.asByRc.has(a.routingContext)) throw new M3uaError('bad-config', `routing context ${a.routingContext} is configured twice`);
        const mode = a.trafficMode ?? cfg.trafficMode ?? 'override';
        const data: AsData = {
          host: this.asHost(),
          routingContext: a.routingContext,
          mode,
          minActive: a.minActive ?? 1,
          dpcs: a.dpc === undefined ? [] : Array.isArray(a.dpc) ? a.dpc : [a.dpc],
          up: new Set(),
          active: [],
          queue: [],
          queueLimit: cfg.queueLimit ?? 1024,
        };
        const as = AS_FSM.create({ id: `${this.name}-rc${a.routingContext}`, host, timers: this.timers, log, data });
        this.ases.push(as);
        this.asByRc.set(a.routingContext, as);
      }
    }
  }

  override on<K extends keyof M3uaEvents>(event: K, fn: M3uaEvents[K]): this {
    return super.on(event, fn);
  }
  override once<K extends keyof M3uaEvents>(event: K, fn: M3uaEvents[K]): this {
    return super.once(event, fn);
  }
  override emit<K extends keyof M3uaEvents>(event: K, ...args: Parameters<M3uaEvents[K]>): boolean {
    return super.emit(event, ...args);
  }

  // ---- associations ----

  /**
   * Hands the endpoint an association (up or still connecting). ASP and
   * IPSP: it replaces the one before (after a loss, this is how the ASP comes
   * back: ASP Up and ASP Active follow by themselves). SG: one more ASP.
   */
  attach(assoc: M3uaAssociation): void {
    if (this.closed) throw new M3uaError('bad-config', 'endpoint closed');
    if (this.role !== 'sg' && this.current) this.teardown(this.current, 'replaced by a new association');
    const n = ++this.peerSeq;
    const peer: Peer = {
      n,
      name: `${this.name}-assoc${n}`,
      assoc,
      up: false,
      gone: false,
      outStreams: 2,
      on: {
        up: () => this.assocUp(peer),
        restart: () => this.assocRestart(peer),
        message: (m) => this.receive(peer, m.data, m.stream, m.ppid),
        down: (reason) => this.teardown(peer, reason),
      },
    };
    this.peers.add(peer);
    if (this.role !== 'sg') this.current = peer;
    assoc.on('up', peer.on.up);
    assoc.on('restart', peer.on.restart);
    assoc.on('message', peer.on.message);
    assoc.on('down', peer.on.down);
    this.say(peer, `attached (association ${assoc.state})`);
    if (assoc.state === 'up') this.assocUp(peer);
  }

  private assocUp(peer: Peer): void {
    if (peer.gone || peer.up) return;
    peer.up = true;
    try {
      const os = peer.assoc.info?.().outStreams;
      peer.outStreams = typeof os === 'number' && os > 0 ? os : 2;
    } catch {
      peer.outStreams = 2;
    }
    const beatData: BeatData = {
      missLimit: this.cfg.beatMissLimit ?? 3,
      seq: 0,
      outstanding: [],
      send: (seq) => this.send(peer, { type: 'BEAT', heartbeatData: seq.toString(16).padStart(8, '0') }),
      dead: (missed) => this.peerDead(peer, missed),
    };
    peer.beat = BEAT_FSM.create({ id: `${peer.name}`, host: this.host, timers: this.timers, log: this.log, data: beatData });
    if (this.role !== 'asp') {
      const data: RaspData = { host: this.sgHost(), activeIn: new Set() };
      peer.rasp = RASP_FSM.create({ id: `${peer.name}`, host: this.host, timers: this.timers, log: this.log, data });
      this.raspPeer.set(peer.rasp, peer);
    }
    if (this.asp && peer === this.current) this.asp.dispatch('ASSOC_UP');
  }

  private assocRestart(peer: Peer): void {
    if (peer.gone) return;
    this.say(peer, 'peer restarted (SCTP restart): its M3UA state is lost');
    this.stopBeat(peer);
    peer.rasp?.dispatch('ASSOC_DOWN');
    if (this.asp && peer === this.current) {
      this.asp.dispatch('ASSOC_DOWN', 'association restart');
      this.asp.dispatch('ASSOC_UP');
    }
  }

  private teardown(peer: Peer, reason: string): void {
    if (peer.gone) return;
    peer.gone = true;
    peer.up = false;
    this.peers.delete(peer);
    const a = peer.assoc;
    a.off('up', peer.on.up);
    a.off('restart', peer.on.restart);
    a.off('message', peer.on.message);
    a.off('down', peer.on.down);
    this.say(peer, `association gone: ${reason}`);
    peer.beat?.terminate();
    if (peer.rasp) {
      peer.rasp.dispatch('ASSOC_DOWN');
      this.raspPeer.delete(peer.rasp);
      peer.rasp.terminate();
    }
    if (peer === this.current) {
      this.current = undefined;
      if (this.asp && !this.asp.terminated) this.asp.dispatch('ASSOC_DOWN', `association down: ${reason}`);
    }
  }

  private peerDead(peer: Peer, missed: number): void {
    this.count('heartbeat-lost');
    this.say(peer, `heartbeat lost (${missed} BEATs unanswered): aborting the association`, 'error');
    try {
      peer.assoc.abort('M3UA heartbeat lost');
    } catch {
      /* already gone */
    }
    this.teardown(peer, 'heartbeat lost');
  }

  private startBeat(peer: Peer | undefined): void {
    if (peer?.beat && this.cfg.heartbeat !== false && peer.beat.state === 'BEAT-OFF') peer.beat.dispatch('START');
  }

  private stopBeat(peer: Peer | undefined): void {
    if (peer?.beat && !peer.beat.terminated && peer.beat.state === 'BEAT-ON') peer.beat.dispatch('STOP');
  }

  // ---- sending ----

  private count(k: string, n = 1): void {
    this.counters[k] = (this.counters[k] ?? 0) + n;
  }

  private say(peer: Peer | undefined, msg: string, level: 'info' | 'debug' | 'error' = 'info'): void {
    const log = this.log;
    if (!log) return;
    const line = `${peer ? peer.name : this.name}: ${msg}`;
    const fields = { m3ua: this.name, peer: peer?.name };
    if (level === 'debug') log.debug?.(fields, line);
    else if (level === 'error') (log.error ?? log.warn ?? log.info).call(log, fields, line);
    else log.info(fields, line);
  }

  private send(peer: Peer, msg: M3uaMessage): boolean {
    if (!peer.up || peer.gone) return false;
    const bytes = encode(msg);
    this.say(peer, `Tx ${summary(msg)}`, msg.type === 'BEAT' || msg.type === 'BEAT_ACK' ? 'debug' : 'info');
    try {
      peer.assoc.send(bytes, { stream: 0, ppid: PPID });
    } catch (e) {
      this.say(peer, `send failed: ${(e as Error).message}`, 'error');
      return false;
    }
    this.count(`tx-${msg.type}`);
    return true;
  }

  private sendErr(peer: Peer, code: ErrorCodeName, raw: Uint8Array | undefined, routingContext?: number[]): void {
    const m: ErrMessage = { type: 'ERR', errorCode: code };
    if (routingContext?.length) m.routingContext = routingContext;
    if (code === 'invalid-network-appearance' && this.cfg.networkAppearance !== undefined) m.networkAppearance = this.cfg.networkAppearance;
    if (raw && raw.length) m.diagnosticInfo = toHex(raw.subarray(0, 40));
    this.count(`err-${code}`);
    this.send(peer, m);
  }

  private streamFor(peer: Peer, sls: number): number {
    return peer.outStreams > 1 ? 1 + (sls % (peer.outStreams - 1)) : 0;
  }

  private sendData(peer: Peer, pd: TransferPdu, rc: number | undefined, corr?: number): void {
    const opts: { routingContext?: number; networkAppearance?: number; correlationId?: number } = {};
    if (rc !== undefined && rc !== 0) opts.routingContext = rc;
    if (this.cfg.networkAppearance !== undefined) opts.networkAppearance = this.cfg.networkAppearance;
    if (corr !== undefined) opts.correlationId = corr;
    const bytes = encodeTransfer(pd, opts);
    const stream = this.streamFor(peer, pd.sls);
    if (this.log?.debug) this.say(peer, `Tx DATA opc=${pd.opc} dpc=${pd.dpc} si=${pd.si} sls=${pd.sls} len=${pd.data.length} stream=${stream}`, 'debug');
    peer.assoc.send(bytes, { stream, ppid: PPID });
    this.count('tx-DATA');
  }

  /**
   * MTP-TRANSFER request. ASP: DATA to the SGP (routing context: `opts`, else
   * the first configured). SG: DATA to the AS serving `pd.dpc` (or the one
   * named, or the only one), to its active ASP (override), the ASP chosen by
   * SLS (loadshare) or all (broadcast); while AS-PENDING it is queued for
   * T(r). Throws M3uaError 'not-active' / 'no-association' / 'no-route', and
   * EncodeError for values out of range.
   */
  transfer(pd: TransferPdu, opts: { routingContext?: number } = {}): void {
    if (this.closed) throw new M3uaError('not-active', 'endpoint closed');
    if (!pd || !(pd.data instanceof Uint8Array)) throw new M3uaError('bad-pdu', `${this.name}: transfer() needs { opc, dpc, si, ni, mp, sls, data: Uint8Array }`);
    if (this.asp && this.asp.state === 'ASP-ACTIVE') {
      const peer = this.current;
      if (!peer || !peer.up) throw new M3uaError('no-association', `${this.name}: no association`);
      return this.sendData(peer, pd, opts.routingContext ?? this.cfg.routingContexts?.[0]);
    }
    if (this.role === 'asp') throw new M3uaError('not-active', `${this.name}: ASP is ${this.asp!.state}, not ASP-ACTIVE`);
    const as = this.route(pd, opts.routingContext);
    const d = as.data as AsData;
    if (as.state === 'AS-ACTIVE') {
      const targets = d.mode === 'broadcast' ? d.active : [d.active[d.mode === 'loadshare' ? pd.sls % d.active.length : 0]!];
      for (const r of targets) this.sendData(this.raspPeer.get(r)!, pd, d.routingContext);
      return;
    }
    if (as.state === 'AS-PENDING') {
      if (d.queue.length >= d.queueLimit) throw new M3uaError('not-active', `${as.name}: AS-PENDING and its queue is full (${d.queueLimit})`);
      d.queue.push({ ...pd, data: pd.data.slice() });
      this.count('queued');
      return;
    }
    throw new M3uaError('not-active', `${as.name} is ${as.state}`);
  }

  private route(pd: TransferPdu, rc: number | undefined): AsFsm {
    if (rc !== undefined) {
      const as = this.asByRc.get(rc);
      if (!as) throw new M3uaError('no-route', `${this.name}: no AS with routing context ${rc}`);
      return as;
    }
    for (const as of this.ases) if ((as.data as AsData).dpcs.includes(pd.dpc)) return as;
    if (this.ases.length === 1) return this.ases[0]!;
    const active = this.ases.filter((a) => a.state === 'AS-ACTIVE');
    if (active.length === 1) return active[0]!;
    throw new M3uaError('no-route', `${this.name}: no AS for DPC ${pd.dpc}`);
  }

  // ---- management requests (ASP / IPSP) ----

  private needAsp(what: string): AspFsm {
    if (!this.asp) throw new M3uaError('bad-config', `${what}: an ${this.role} has no local ASP`);
    return this.asp;
  }
  /** M-ASP_UP request. */
  aspUp(): void {
    this.needAsp('aspUp').dispatch('M_ASP_UP');
  }
  /** M-ASP_ACTIVE request (also: take over again after an Alternate ASP Active). */
  aspActive(): void {
    this.needAsp('aspActive').dispatch('M_ASP_ACTIVE');
  }
  /** M-ASP_INACTIVE request. */
  aspInactive(): void {
    this.needAsp('aspInactive').dispatch('M_ASP_INACTIVE');
  }
  /** M-ASP_DOWN request. */
  aspDown(): void {
    this.needAsp('aspDown').dispatch('M_ASP_DOWN');
  }

  /** The local ASP's state (ASP / IPSP). */
  get aspState(): AspState | undefined {
    return this.asp?.state;
  }

  /** State of the AS with this routing context (SG / IPSP). */
  asState(rc: number): AsState | undefined {
    return this.asByRc.get(rc)?.state;
  }

  /** Whether a destination is available (ASP: as DUNA/DAVA said; SG: as configured). */
  available(pc: number): boolean {
    return this.destinations.get(pc) ?? false;
  }

  /** ASP: DAUD for these destinations (answers arrive as 'pause' / 'resume'). */
  audit(pcs: Array<number | MaskedPc>): void {
    const peer = this.current;
    if (!peer?.up) throw new M3uaError('no-association', `${this.name}: no association`);
    const m: SsnmMessage = { type: 'DAUD', affectedPointCodes: pcs.map((p) => (typeof p === 'number' ? { mask: 0, pc: p } : p)) };
    if (this.cfg.routingContexts?.length) m.routingContext = this.cfg.routingContexts;
    this.send(peer, m);
  }

  /** ASP: REG REQ with these routing keys (the answer comes as 'registered'). */
  register(routingKeys: RoutingKey[]): void {
    const peer = this.current;
    if (!peer?.up) throw new M3uaError('no-association', `${this.name}: no association`);
    this.send(peer, { type: 'REG_REQ', routingKeys } as RegReqMessage);
  }

  /** SG: a destination became (un)available: DAVA / DUNA to the active ASPs of every AS. */
  setDestination(pc: number, available: boolean): void {
    if (this.destinations.get(pc) === available) return;
    this.destinations.set(pc, available);
    for (const as of this.ases) {
      const d = as.data as AsData;
      for (const r of d.active) {
        const m: SsnmMessage = { type: available ? 'DAVA' : 'DUNA', affectedPointCodes: [{ mask: 0, pc }] };
        if (d.routingContext !== 0) m.routingContext = [d.routingContext];
        this.send(this.raspPeer.get(r)!, m);
      }
    }
  }

  status(): M3uaStatus {
    const asp = this.asp ? { state: this.asp.state, target: (this.asp.data as AspData).target, pending: (this.asp.data as AspData).pending } : undefined;
    return {
      role: this.role,
      asp,
      peers: [...this.peers].map((p) => ({
        name: p.name,
        up: p.up,
        asp: p.rasp?.state,
        aspId: (p.rasp?.data as RaspData | undefined)?.aspId,
        activeIn: p.rasp ? [...(p.rasp.data as RaspData).activeIn].map((a) => (a.data as AsData).routingContext) : [],
      })),
      ases: this.ases.map((as) => {
        const d = as.data as AsData;
        return {
          routingContext: d.routingContext,
          state: as.state,
          mode: d.mode,
          up: [...d.up].map((r) => this.raspPeer.get(r)?.name ?? r.id),
          active: d.active.map((r) => this.raspPeer.get(r)?.name ?? r.id),
          queued: d.queue.length,
        };
      }),
      counters: { ...this.counters },
    };
  }

  /** Stops every machine and timer and lets go of the associations (which stay open: they are the caller's). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.peers]) this.teardown(p, 'endpoint closed');
    this.asp?.terminate();
    for (const as of this.ases) as.terminate();
  }

  // ---- receiving ----

  private receive(peer: Peer, data: Uint8Array, stream: number, ppid: number): void {
    if (peer.gone) return;
    if (ppid !== PPID) {
      this.count('rx-not-m3ua');
      this.say(peer, `Rx PPID ${ppid} on stream ${stream}: not M3UA, ignored`);
      return;
    }
    if (data.length >= 4 && data[2] === 1 && data[3] === 1) return this.receiveData(peer, data);
    let m: M3uaMessage;
    try {
      m = decode(data);
    } catch (e) {
      if (!(e instanceof M3uaDecodeError)) throw e;
      this.say(peer, `Rx undecodable message: ${e.message}`, 'error');
      return this.sendErr(peer, e.errorCode, data);
    }
    this.count(`rx-${m.type}`);
    this.say(peer, `Rx ${summary(m)}`, m.type === 'BEAT' || m.type === 'BEAT_ACK' ? 'debug' : 'info');
    if (m.type === 'UNKNOWN') return this.sendErr(peer, isKnownClass(m.msgClass) ? 'unsupported-message-type' : 'unsupported-message-class', data);
    if (stream !== 0 && INFO_CLASS.has(MESSAGES[m.type].cls)) return this.sendErr(peer, 'invalid-stream-identifier', data);
    if (m.unknown?.some((u) => u.name !== undefined && u.tag !== 0x0004)) return this.sendErr(peer, 'unexpected-parameter', data);
    const rx: Rx = { msg: m, raw: data };
    const na = (m as { networkAppearance?: number }).networkAppearance;
    if (na !== undefined && this.cfg.networkAppearance !== undefined && na !== this.cfg.networkAppearance) return this.sendErr(peer, 'invalid-network-appearance', data);
    switch (m.type) {
      case 'ERR':
        this.say(peer, `peer refused: ${m.errorCode}`, 'error');
        if (this.asp && peer === this.current) this.asp.dispatch('RX_ERR', m);
        else this.emit('peer-error', m);
        return;
      case 'NTFY':
        if (this.asp && peer === this.current) return this.asp.dispatch('RX_NTFY', m);
        return this.sendErr(peer, 'unexpected-message', data);
      case 'BEAT': {
        const ack: M3uaMessage = { type: 'BEAT_ACK' };
        if (m.heartbeatData !== undefined) ack.heartbeatData = m.heartbeatData;
        this.send(peer, ack);
        return;
      }
      case 'BEAT_ACK': {
        const seq = m.heartbeatData !== undefined && /^[0-9a-f]{8}$/.test(m.heartbeatData) ? parseInt(m.heartbeatData, 16) : undefined;
        if (peer.beat && !peer.beat.terminated) peer.beat.dispatch('RX_BEAT_ACK', seq);
        return;
      }
      case 'ASPUP':
      case 'ASPDN':
      case 'ASPAC':
      case 'ASPIA': {
        const ev = `RX_${m.type}` as const;
        if (!peer.rasp || !peer.rasp.permits(ev)) return this.sendErr(peer, 'unexpected-message', data);
        peer.rasp.dispatch(ev, rx);
        return;
      }
      case 'ASPUP_ACK':
      case 'ASPDN_ACK':
      case 'ASPAC_ACK':
      case 'ASPIA_ACK': {
        const ev = `RX_${m.type}` as const;
        if (!this.asp || peer !== this.current) return this.sendErr(peer, 'unexpected-message', data);
        if (!this.asp.permits(ev)) {
          // RFC 4666 §3.8.1: an ASP may discard what it does not expect
          this.count('rx-unexpected');
          this.say(peer, `${m.type} not expected in ${this.asp.state}: discarded`);
          return;
        }
        this.asp.dispatch(ev, m);
        return;
      }
      case 'DUNA':
      case 'DAVA':
        for (const a of m.affectedPointCodes) {
          if (a.mask === 0) this.destinations.set(a.pc, m.type === 'DAVA');
          const e: DestinationEvent = { pc: a.pc, mask: a.mask };
          if (m.routingContext) e.routingContext = m.routingContext;
          this.emit(m.type === 'DUNA' ? 'pause' : 'resume', e);
        }
        return;
      case 'SCON':
      case 'DUPU':
      case 'DRST':
        this.emit('status', m);
        return;
      case 'DAUD':
        if (!peer.rasp || peer.rasp.state === 'ASP-DOWN') return this.sendErr(peer, 'unexpected-message', data);
        return this.answerAudit(peer, m);
      case 'REG_REQ':
        if (!peer.rasp || peer.rasp.state === 'ASP-DOWN') return this.sendErr(peer, 'unexpected-message', data);
        return this.answerRegistration(peer, m);
      case 'DEREG_REQ':
        if (!peer.rasp || peer.rasp.state === 'ASP-DOWN') return this.sendErr(peer, 'unexpected-message', data);
        return this.answerDeregistration(peer, m.routingContext);
      case 'REG_RSP':
        this.emit('registered', m);
        return;
      case 'DEREG_RSP':
        this.emit('deregistered', m);
        return;
      case 'DATA':
        return; // not reached: DATA goes through receiveData()
    }
  }

  private receiveData(peer: Peer, data: Uint8Array): void {
    let t: TransferInfo;
    try {
      t = decodeTransfer(data);
    } catch (e) {
      if (!(e instanceof M3uaDecodeError)) throw e;
      this.say(peer, `Rx undecodable DATA: ${e.message}`, 'error');
      return this.sendErr(peer, e.errorCode, data);
    }
    this.count('rx-DATA');
    // DATA may overtake the ASP Active Ack (it travels on another stream): accept it once ASP Active is out.
    const localActive =
      this.asp !== undefined &&
      peer === this.current &&
      (this.asp.state === 'ASP-ACTIVE' || (this.asp.state === 'ASP-INACTIVE' && (this.asp.data as AspData).pending === 'ASPAC'));
    const remoteActive = peer.rasp?.state === 'ASP-ACTIVE';
    if (!localActive && !remoteActive) {
      if (this.role === 'asp') {
        // RFC 4666 §3.8.1: an ASP in ASP-INACTIVE silently discards DATA
        this.count('rx-DATA-discarded');
        this.say(peer, `Rx DATA while ${this.asp!.state}: discarded`, 'debug');
        return;
      }
      this.say(peer, `Rx DATA from an ASP in ${peer.rasp?.state ?? 'ASP-DOWN'}`, 'error');
      return this.sendErr(peer, 'unexpected-message', data);
    }
    if (t.networkAppearance !== undefined && this.cfg.networkAppearance !== undefined && t.networkAppearance !== this.cfg.networkAppearance)
      return this.sendErr(peer, 'invalid-network-appearance', data);
    const rc = t.routingContext;
    if (rc !== undefined) {
      const mine = this.cfg.routingContexts ?? [];
      const okLocal = localActive && (mine.length === 0 || mine.includes(rc));
      const as = this.asByRc.get(rc);
      const okRemote = remoteActive && as !== undefined && (peer.rasp!.data as RaspData).activeIn.has(as);
      if (!okLocal && !okRemote) {
        this.say(peer, `Rx DATA for routing context ${rc}, which is not active here`, 'error');
        return this.sendErr(peer, 'invalid-routing-context', data, [rc]);
      }
    }
    if (this.log?.debug) this.say(peer, `Rx DATA opc=${t.opc} dpc=${t.dpc} si=${t.si} sls=${t.sls} len=${t.data.length}`, 'debug');
    this.emit('transfer', t);
  }

  private answerAudit(peer: Peer, m: SsnmMessage): void {
    const avail: MaskedPc[] = [];
    const unavail: MaskedPc[] = [];
    for (const a of m.affectedPointCodes) {
      const matches = [...this.destinations.keys(), this.cfg.localPc].filter((pc) => pc >>> a.mask === a.pc >>> a.mask);
      if (matches.length === 0) unavail.push(a);
      for (const pc of new Set(matches)) (pc === this.cfg.localPc || this.destinations.get(pc) ? avail : unavail).push({ mask: 0, pc });
    }
    for (const [type, list] of [['DAVA', avail], ['DUNA', unavail]] as const) {
      if (!list.length) continue;
      const r: SsnmMessage = { type, affectedPointCodes: list };
      if (m.routingContext) r.routingContext = m.routingContext;
      this.send(peer, r);
    }
  }

  private answerRegistration(peer: Peer, m: RegReqMessage): void {
    const results: RegistrationResult[] = m.routingKeys.map((rk) => {
      const byRc = rk.routingContext?.length ? this.asByRc.get(rk.routingContext[0]!) : undefined;
      const as = byRc ?? this.ases.find((a) => (a.data as AsData).dpcs.includes(rk.dpc.pc));
      if (!as) return { localRkId: rk.localRkId, registrationStatus: 'error-routing-key-not-currently-provisioned', routingContext: [0] };
      if (rk.trafficMode !== undefined && rk.trafficMode !== (as.data as AsData).mode)
        return { localRkId: rk.localRkId, registrationStatus: 'error-unsupported-traffic-handling-mode', routingContext: [0] };
      return { localRkId: rk.localRkId, registrationStatus: 'successfully-registered', routingContext: [(as.data as AsData).routingContext] };
    });
    this.send(peer, { type: 'REG_RSP', registrationResults: results });
  }

  private answerDeregistration(peer: Peer, rcs: number[]): void {
    const active = (peer.rasp!.data as RaspData).activeIn;
    const results: DeregistrationResult[] = rcs.map((rc) => {
      const as = this.asByRc.get(rc);
      if (!as) return { routingContext: [rc], deregistrationStatus: 'error-invalid-routing-context' };
      if (active.has(as)) return { routingContext: [rc], deregistrationStatus: 'error-asp-currently-active-for-routing-context' };
      return { routingContext: [rc], deregistrationStatus: 'successfully-deregistered' };
    });
    this.send(peer, { type: 'DEREG_RSP', deregistrationResults: results });
  }

  // ---- what the machines see of the endpoint ----

  private aspHost(): AspHost {
    return {
      connected: () => this.current?.up === true,
      sendRequest: (req) => {
        const peer = this.current;
        if (!peer) return;
        const rcs = this.cfg.routingContexts?.length ? this.cfg.routingContexts : undefined;
        switch (req) {
          case 'ASPUP':
            this.send(peer, this.cfg.aspId !== undefined ? { type: 'ASPUP', aspId: this.cfg.aspId } : { type: 'ASPUP' });
            return;
          case 'ASPDN':
            this.send(peer, { type: 'ASPDN' });
            return;
          case 'ASPAC': {
            const m: M3uaMessage = { type: 'ASPAC', trafficMode: this.cfg.trafficMode ?? 'override' };
            if (rcs) m.routingContext = rcs;
            this.send(peer, m);
            return;
          }
          case 'ASPIA':
            this.send(peer, rcs ? { type: 'ASPIA', routingContext: rcs } : { type: 'ASPIA' });
            return;
        }
      },
      entered: (state, prev, why) => {
        const rcs = this.cfg.routingContexts ?? [];
        if (state === 'ASP-DOWN') this.stopBeat(this.current);
        else if (prev === 'ASP-DOWN') this.startBeat(this.current);
        if (prev === 'ASP-ACTIVE') this.emit('inactive', { routingContext: rcs, reason: why });
        if (state === 'ASP-ACTIVE') this.emit('active', { routingContext: rcs });
        if (state === 'ASP-DOWN') this.emit('down', { reason: why });
      },
      notified: (m) => this.emit('notify', m),
      refused: (m) => this.emit('peer-error', m),
    };
  }

  private sgHost(): SgHost {
    return {
      ases: () => this.ases,
      asByRc: (rc) => this.asByRc.get(rc),
      send: (rasp, msg) => {
        const p = this.raspPeer.get(rasp);
        if (p) this.send(p, msg);
      },
      error: (rasp, code, rx, rc) => {
        const p = this.raspPeer.get(rasp);
        if (p) this.sendErr(p, code, rx.raw, rc);
      },
      requireAspId: this.cfg.requireAspId === true,
      raspEntered: (rasp, state, prev) => {
        const p = this.raspPeer.get(rasp);
        if (state === 'ASP-DOWN') this.stopBeat(p);
        else if (prev === 'ASP-DOWN') this.startBeat(p);
      },
    };
  }

  private asHost(): AsHost {
    return {
      ntfy: (as, rasp, status, aspId) => {
        const p = this.raspPeer.get(rasp);
        if (!p) return;
        const rc = (as.data as AsData).routingContext;
        const m: NtfyMessage = { type: 'NTFY', status };
        if (aspId !== undefined) m.aspId = aspId;
        if (rc !== 0) m.routingContext = [rc];
        this.send(p, m);
      },
      asEntered: (as, state, prev) => {
        const rc = [(as.data as AsData).routingContext];
        if (state === 'AS-ACTIVE') this.emit('active', { routingContext: rc });
        if (prev === 'AS-ACTIVE') this.emit('inactive', { routingContext: rc, reason: `${as.name} ${state}` });
      },
      flush: (as, queued) => {
        for (const t of queued) {
          try {
            this.transfer(t, { routingContext: (as.data as AsData).routingContext });
          } catch (e) {
            this.say(undefined, `queued DATA not sent: ${(e as Error).message}`, 'error');
          }
        }
      },
      dropped: (as, n) => {
        this.count('dropped', n);
        this.say(undefined, `${as.name}: T(r) expired, ${n} queued DATA dropped`, 'error');
      },
    };
  }
}
