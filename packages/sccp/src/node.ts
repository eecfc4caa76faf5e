import { DecodeError } from '@snaptel/codec';
import { isValidId, sanitizeId, type FsmLog, type TimerHandle, type TimerHost, type TimerTable } from '@snaptel/fsm';
import { addressToBytes, type SccpAddress } from './address';
import { causeText, ERROR_CAUSE, REFUSAL_CAUSE, RELEASE_CAUSE, refusalForReturn, RETURN_CAUSE } from './causes';
import { SccpConnection, type ConnState, type Rx, type ScocEvent, type ScocOwner, type SccpConnectionHandler } from './connection';
import { SccpError } from './errors';
import type { MtpRoute, SccpLower } from './lower';
import { decode, encode, MESSAGES, type SccpMessage, type SccpMessageOf } from './sccp';
import { sccpTimers } from './timers';

/**
 * A transport-agnostic SCCP node (Q.714): routing control (SCRC) on point
 * code and SSN, connectionless control (SCLC: UDT, XUDT with segmentation,
 * UDTS/XUDTS) and connection-oriented control (SCOC, class 2, in
 * connection.ts). Below it an SccpLower (M3UA or SCCPlite); above it the
 * users bound by SSN.
 */

/** What a subsystem bound with node.bind() may handle. */
export interface SccpUser extends SccpConnectionHandler {
  /**
   * A CR for this SSN (N-CONNECT indication). Answer with conn.accept(data?, handler?)
   * or conn.refuse(cause), now or later. Without this method, CRs are refused
   * (unequipped user); if it throws, the CR is refused (end user failure).
   */
  onConnectIndication?(conn: SccpConnection, data: Uint8Array | undefined, calling: SccpAddress | undefined, called: SccpAddress): void;
  /** A UDT or XUDT (reassembled when segmented) for this SSN (N-UNITDATA indication). */
  onUnitdata?(data: Uint8Array, calling: SccpAddress, called: SccpAddress, info: UnitdataInfo): void;
  /** A UDTS or XUDTS: something this subsystem sent came back (N-NOTICE indication). */
  onNotice?(notice: SccpNotice): void;
}

export interface UnitdataInfo {
  type: 'UDT' | 'XUDT';
  /** 0 or 1 (for a segmented XUDT: the class the sender asked for, from the segmentation parameter). */
  protocolClass: number;
  returnOnError: boolean;
  opc: number;
  sls: number;
  hopCounter?: number;
  importance?: number;
  /** How many XUDT segments it came in, when more than one. */
  segments?: number;
}

export interface SccpNotice {
  type: 'UDTS' | 'XUDTS';
  returnCause: number;
  /** The cause in words (Q.713 §3.12). */
  text: string;
  /** The called address of the message that came back (the UDTS's calling address). */
  called: SccpAddress;
  /** Its calling address (the UDTS's called address). */
  calling: SccpAddress;
  data: Uint8Array;
  opc: number;
}

export interface UnitdataOptions {
  /** 0 (default) or 1 (in sequence: one SLS per called/calling pair, Q.714 §1.1.2.2). */
  protocolClass?: 0 | 1;
  /** Message handling "return message on error" (UDTS/XUDTS comes back as onNotice). */
  returnOnError?: boolean;
  /** Send XUDT even when a UDT would do. Also implied by hopCounter or importance. */
  xudt?: boolean;
  /** XUDT hop counter (1..15), default the node's (15). */
  hopCounter?: number;
  /** XUDT importance (0..7, Q.713 §3.19). */
  importance?: number;
  /** A fixed SLS instead of the node's choice. */
  sls?: number;
}

export interface ConnectOptions {
  /** Calling address for the CR (none by default, as osmo-bsc sends it). */
  calling?: SccpAddress;
}

export interface SccpBinding {
  readonly ssn: number;
  /** Frees the SSN; it is then "prohibited": UDTs get return cause subsystem failure, CRs refusal cause subsystem failure. */
  unbind(): void;
}

export interface SccpNodeOptions {
  /** Our signalling point code (14-bit ITU). */
  pc: number;
  lower: SccpLower;
  /** Where timers run: the image runtime's (`{ now, at }` over ctx.timers), or a VirtualClock in tests. */
  host: TimerHost;
  /** In logs and connection names (`SCOC(msc-000001)`); default 'sccp'. */
  name?: string;
  /** Where messages go whose called address has no point code (SCCPlite: the peer's PC). */
  remotePc?: number;
  /** Default: sccpTimers(). */
  timers?: TimerTable;
  /** Node events: malformed input (warn), routing failures, errors in user callbacks (error). pino fits. */
  log?: FsmLog;
  /** Told of each message receive() dropped as malformed (after counting and logging it), e.g. for a per-link counter. */
  onMalformed?(err: unknown, data: Uint8Array, route: MtpRoute): void;
  /** One osmo-style line per connection step (State change, Received Event...); default none. */
  fsmLog?: FsmLog;
  /** Hop counter of the XUDT/XUDTS this node originates (Q.713 §3.18: 1..15); default 15. */
  hopCounter?: number;
  /**
   * Longest SCCP message this node sends as one UDT or XUDT: 268 by default
   * (an MTP3 SIF of 272 octets less the 4-octet routing label, Q.704); longer
   * connectionless data goes as XUDT segments.
   */
  maxMessageLength?: number;
  /** Longest DT1 data (default 255, the one-octet length); longer N-DATA is segmented with the M bit. */
  maxDt1Data?: number;
  /** Largest reassembled message (DT1 M bit, XUDT segments) accepted; default 65535. */
  maxReassembly?: number;
  /** Accept messages whose DPC is not ours (default false: they are counted and dropped; this node relays nothing). */
  acceptAnyDpc?: boolean;
  /**
   * Where replies to a peer go: 'calling' (default, Q.714 §3.1.6.1) uses the
   * PC of the calling address of a CR or UDT when it has one, else the OPC;
   * 'opc' always uses the OPC (for SCCPlite links whose peers put a PC in
   * the calling address that the link is not configured with).
   */
  peerPcFrom?: 'calling' | 'opc';
  /** First local reference to give out (default 1); for tests of the wrap-around. */
  firstRef?: number;
}

export interface SccpNodeStatus {
  name: string;
  pc: number;
  remotePc: number | undefined;
  subsystems: Array<{ ssn: number; state: 'bound' | 'prohibited' }>;
  connections: number;
  states: Partial<Record<ConnState, number>>;
  frozenRefs: number;
  reassembling: number;
  counters: Record<string, number>;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const MAX_REF = 0xfffffe; // all ones is reserved (Q.713 §3.3)
const MAX_SEGMENTS = 16; // the remaining-segments field has 4 bits (Q.713 §3.17)
const MAX_PENDING_REASSEMBLIES = 1024;
/** Counter keys per message type, made once ('rx.CR', 'tx.CR'). */
const RX_KEY: Record<string, string> = Object.fromEntries(['RAW', ...MESSAGES.map((m) => m.type)].map((t) => [t, `rx.${t}`]));
const TX_KEY: Record<string, string> = Object.fromEntries(['RAW', ...MESSAGES.map((m) => m.type)].map((t) => [t, `tx.${t}`]));

/** The SCOC event each connection-oriented message type becomes. */
const CO_EVENT: Record<string, ScocEvent> = {
  CC: 'RX-CC',
  CREF: 'RX-CREF',
  RLSD: 'RX-RLSD',
  RLC: 'RX-RLC',
  DT1: 'RX-DT1',
  IT: 'RX-IT',
  ERR: 'RX-ERR',
  DT2: 'RX-OTHER',
  AK: 'RX-OTHER',
  ED: 'RX-OTHER',
  EA: 'RX-OTHER',
  RSR: 'RX-OTHER',
  RSC: 'RX-OTHER',
};

type CoMessage = SccpMessage & { dstRef: number; srcRef?: number };
type Unitdata = SccpMessageOf<'UDT'> | SccpMessageOf<'XUDT'>;

interface Reassembly {
  parts: Uint8Array[];
  len: number;
  remaining: number;
  first: SccpMessageOf<'XUDT'>;
  route: MtpRoute;
  segments: number;
  timer: TimerHandle | undefined;
  /** Failed and returned already: later segments are dropped quietly. */
  failed: boolean;
}

/** One SCCP signalling point. */
export class SccpNode implements ScocOwner {
  readonly name: string;
  readonly pc: number;
  readonly remotePc: number | undefined;
  readonly host: TimerHost;
  readonly timers: TimerTable;
  readonly fsmLog: FsmLog | undefined;
  readonly maxDt1Data: number;
  readonly maxReassembly: number;
  private readonly onMalformed: SccpNodeOptions['onMalformed'];
  private readonly counters = new Map<string, number>();
  private readonly lower: SccpLower;
  private readonly log: FsmLog | undefined;
  private readonly hopCounter: number;
  private readonly maxMessageLength: number;
  private readonly acceptAnyDpc: boolean;
  private readonly pcFromCalling: boolean;
  private readonly users = new Map<number, SccpUser>();
  private readonly prohibited = new Set<number>();
  private readonly conns = new Map<number, SccpConnection>();
  private readonly frozen = new Map<number, number>();
  private frozenQ: number[] = [];
  private frozenHead = 0;
  private nextRef: number;
  private segRef = 0;
  private rr = 0;
  private readonly reassemblies = new Map<string, Reassembly>();

  constructor(opts: SccpNodeOptions) {
    this.onMalformed = opts.onMalformed;
    const bad = (why: string): never => {
      throw new SccpError('bad-argument', `SccpNode: ${why}`);
    };
    if (!opts || typeof opts !== 'object') bad('needs options');
    if (!isPc(opts.pc)) bad(`pc ${String(opts.pc)} is not a 14-bit point code`);
    if (opts.remotePc !== undefined && !isPc(opts.remotePc)) bad(`remotePc ${String(opts.remotePc)} is not a 14-bit point code`);
    if (!opts.lower || typeof opts.lower.send !== 'function') bad('lower must have send(bytes, route)');
    if (!opts.host || typeof opts.host.now !== 'function' || typeof opts.host.at !== 'function') bad('host must have now() and at()');
    const hop = opts.hopCounter ?? 15;
    if (!Number.isInteger(hop) || hop < 1 || hop > 15) bad(`hopCounter ${hop} is not 1..15`);
    const mml = opts.maxMessageLength ?? 268;
    if (!Number.isInteger(mml) || mml < 32 || mml > 4096) bad(`maxMessageLength ${mml} is not 32..4096`);
    const dt1 = opts.maxDt1Data ?? 255;
    if (!Number.isInteger(dt1) || dt1 < 1 || dt1 > 255) bad(`maxDt1Data ${dt1} is not 1..255`);
    this.name = opts.name === undefined ? 'sccp' : isValidId(opts.name) ? opts.name : sanitizeId(opts.name);
    this.pc = opts.pc;
    this.remotePc = opts.remotePc;
    this.lower = opts.lower;
    this.host = opts.host;
    this.timers = opts.timers ?? sccpTimers();
    this.log = opts.log;
    this.fsmLog = opts.fsmLog;
    this.hopCounter = hop;
    this.maxMessageLength = mml;
    this.maxDt1Data = dt1;
    this.maxReassembly = opts.maxReassembly ?? 65535;
    this.acceptAnyDpc = opts.acceptAnyDpc === true;
    if (opts.peerPcFrom !== undefined && opts.peerPcFrom !== 'calling' && opts.peerPcFrom !== 'opc') bad(`peerPcFrom must be 'calling' or 'opc'`);
    this.pcFromCalling = opts.peerPcFrom !== 'opc';
    this.nextRef = opts.firstRef ?? 1;
    if (!Number.isInteger(this.nextRef) || this.nextRef < 0 || this.nextRef > MAX_REF) bad(`firstRef ${this.nextRef} is not 0..0xfffffe`);
  }

  // ---- users ----

  /** Binds a local subsystem (route on SSN). SccpError('bad-ssn') when taken or outside 1..255. */
  bind(ssn: number, user: SccpUser): SccpBinding {
    if (!Number.isInteger(ssn) || ssn < 1 || ssn > 255) throw new SccpError('bad-ssn', `${this.name}: SSN ${String(ssn)} is not 1..255`);
    if (this.users.has(ssn)) throw new SccpError('bad-ssn', `${this.name}: SSN ${ssn} is already bound`);
    if (!user || typeof user !== 'object') throw new SccpError('bad-argument', `${this.name}: bind(${ssn}) needs a user object`);
    this.users.set(ssn, user);
    this.prohibited.delete(ssn);
    let bound = true;
    return {
      ssn,
      unbind: () => {
        if (!bound) return;
        bound = false;
        this.users.delete(ssn);
        this.prohibited.add(ssn);
      },
    };
  }

  // ---- connection-oriented ----

  /**
   * N-CONNECT request: allocates a local reference and sends a CR (class 2)
   * to the called address's PC (or remotePc). `data` up to 128 octets rides
   * in the CR, longer data follows as DT1 once the CC is in. The handler
   * gets onConnected, onData, onReleased. With a lower that delivers
   * synchronously, these may run before connect() returns.
   */
  connect(called: SccpAddress, data: Uint8Array | undefined, handler: SccpConnectionHandler, opts: ConnectOptions = {}): SccpConnection {
    checkAddress(called, 'called');
    if (opts.calling !== undefined) checkAddress(opts.calling, 'calling');
    if (data !== undefined && !(data instanceof Uint8Array)) throw new SccpError('bad-argument', `${this.name}: connect() data must be a Uint8Array`);
    const dpc = this.route(called);
    const ref = this.allocRef();
    const c = new SccpConnection(this, ref, false, connSls(ref), called, opts.calling, handler ?? {});
    c.remotePc = dpc;
    this.conns.set(ref, c);
    this.count('connect');
    c.fi.dispatch('N-CONNECT-req', { called, calling: opts.calling, data });
    return c;
  }

  /** The live connection with this local reference. */
  connection(localRef: number): SccpConnection | undefined {
    return this.conns.get(localRef);
  }

  /** Every live connection, oldest first. */
  connections(): SccpConnection[] {
    return [...this.conns.values()];
  }

  /**
   * Ends connections at once without sending anything (the link under
   * SCCPlite went down, the peer was reset): every connection, or only those
   * whose remotePc is `remotePc`. Each user gets onReleased with `cause`
   * (default MTP failure); the references are frozen. Returns how many ended.
   */
  dropAll(cause: number = RELEASE_CAUSE.MTP_FAILURE, remotePc?: number): number {
    const all = [...this.conns.values()].filter((c) => remotePc === undefined || c.remotePc === remotePc);
    for (const c of all) c.drop(cause);
    return all.length;
  }

  // ---- connectionless ----

  /**
   * N-UNITDATA request. A UDT when it fits maxMessageLength and no XUDT
   * feature is asked for, else one XUDT, else XUDT segments (up to 16, all
   * on one SLS as class 1, the segmentation parameter carrying the class
   * asked for: Q.714 §4.1.1.2). SccpError: 'no-route', 'bad-length', 'bad-argument'.
   */
  sendUnitdata(called: SccpAddress, calling: SccpAddress, data: Uint8Array, opts: UnitdataOptions = {}): void {
    checkAddress(called, 'called');
    checkAddress(calling, 'calling');
    if (!(data instanceof Uint8Array) || data.length === 0) throw new SccpError('bad-length', `${this.name}: unitdata needs at least one octet of data (Q.713 §4.10)`);
    const cls = opts.protocolClass ?? 0;
    if (cls !== 0 && cls !== 1) throw new SccpError('bad-argument', `${this.name}: connectionless protocol class ${String(cls)} is not 0 or 1`);
    const hop = opts.hopCounter ?? this.hopCounter;
    if (!Number.isInteger(hop) || hop < 1 || hop > 15) throw new SccpError('bad-argument', `${this.name}: hop counter ${hop} is not 1..15`);
    if (opts.importance !== undefined && (!Number.isInteger(opts.importance) || opts.importance < 0 || opts.importance > 7))
      throw new SccpError('bad-argument', `${this.name}: importance ${opts.importance} is not 0..7`);
    if (opts.sls !== undefined && (!Number.isInteger(opts.sls) || opts.sls < 0 || opts.sls > 15)) throw new SccpError('bad-argument', `${this.name}: sls ${opts.sls} is not 0..15`);
    const dpc = this.route(called);
    const handling = opts.returnOnError ? 8 : 0;
    const sls = opts.sls ?? (cls === 1 ? flowSls(called, calling) : this.rr++ & 15);
    const wantsXudt = opts.xudt === true || opts.hopCounter !== undefined || opts.importance !== undefined;
    if (!wantsXudt && data.length <= 255) {
      const b = encode({ type: 'UDT', protocolClass: { class: cls, handling }, called, calling, data: hex(data) });
      if (b.length <= this.maxMessageLength) return this.emit(b, 'UDT', dpc, sls);
    }
    const xudt: Record<string, unknown> = { type: 'XUDT', protocolClass: { class: cls, handling }, hopCounter: hop, called, calling, data: '' };
    if (opts.importance !== undefined) xudt.importance = opts.importance;
    if (data.length <= 255) {
      const b = encode({ ...xudt, data: hex(data) } as unknown as SccpMessage);
      if (b.length <= this.maxMessageLength) return this.emit(b, 'XUDT', dpc, sls);
    }
    // Segmentation: as many octets per XUDT as fit beside the addresses and the segmentation parameter.
    const segRef = (this.segRef = (this.segRef + 1) & 0xffffff);
    const overhead = encode({ ...xudt, data: '00', segmentation: { first: true, class: cls, remaining: 0, ref: segRef } } as unknown as SccpMessage).length - 1;
    const room = Math.min(255, this.maxMessageLength - overhead);
    const n = room > 0 ? Math.ceil(data.length / room) : Infinity;
    if (n > MAX_SEGMENTS)
      throw new SccpError('bad-length', `${this.name}: ${data.length} octets need ${n} XUDT segments of ${room} (at most ${MAX_SEGMENTS})`);
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const part = data.subarray(i * room, Math.min((i + 1) * room, data.length));
      const seg = { ...xudt, protocolClass: { class: 1, handling }, data: hex(part), segmentation: { first: i === 0, class: cls, remaining: n - 1 - i, ref: segRef } };
      out.push(encode(seg as unknown as SccpMessage));
    }
    this.count('segmented');
    for (const b of out) this.emit(b, 'XUDT', dpc, sls);
  }

  // ---- from the lower layer ----

  /**
   * One SCCP message from the lower layer, with its routing label. Never
   * throws: malformed input is counted ('malformed') and logged with the
   * codec's DecodeError (message, parameter, offset); anything else that
   * goes wrong is counted ('internal-errors') and logged.
   */
  receive(data: Uint8Array, route: MtpRoute): void {
    this.count('rx');
    if (!(data instanceof Uint8Array) || !route || typeof route !== 'object' || !isPc(route.opc) || !isPc(route.dpc)) {
      this.count('bad-input');
      this.warn({ route }, `${this.name}: receive() needs bytes and a route { opc, dpc, sls } with 14-bit point codes`);
      return;
    }
    let msg: SccpMessage;
    try {
      msg = decode(data);
    } catch (err) {
      this.count('malformed');
      if (err instanceof DecodeError) {
        this.warn(
          { opc: route.opc, messageType: err.messageType, ie: err.ie, offset: err.offset, reason: err.reason, hex: hex(data).slice(0, 200) },
          `${this.name}: malformed SCCP from PC ${route.opc}: ${err.message}`,
        );
      } else this.error({ opc: route.opc, err: String(err) }, `${this.name}: decoding failed`);
      const tell = this.onMalformed;
      if (tell) this.guard('onMalformed', () => tell(err, data, route));
      return;
    }
    this.count(RX_KEY[msg.type]!);
    if (route.dpc !== this.pc && !this.acceptAnyDpc) {
      this.count('wrong-dpc');
      this.warn({ opc: route.opc, dpc: route.dpc, type: msg.type }, `${this.name}: ${msg.type} for DPC ${route.dpc}, not ours (${this.pc}); dropped`);
      return;
    }
    try {
      this.dispatch(msg, { opc: route.opc, dpc: route.dpc, sls: Number.isInteger(route.sls) ? route.sls & 0xff : 0 });
    } catch (err) {
      this.count('internal-errors');
      this.error({ opc: route.opc, type: msg.type, err: (err as Error)?.message ?? String(err) }, `${this.name}: handling ${msg.type} failed`);
    }
  }

  private dispatch(msg: SccpMessage, route: MtpRoute): void {
    switch (msg.type) {
      case 'UDT':
      case 'XUDT':
        return this.rxUnitdata(msg, route);
      case 'UDTS':
      case 'XUDTS':
        return this.rxNotice(msg, route);
      case 'CR':
        return this.rxCr(msg, route);
      case 'RAW':
        this.count('unsupported');
        this.debug({ opc: route.opc, code: msg.code }, `${this.name}: SCCP message type 0x${msg.code.toString(16)} not supported; dropped`);
        return;
      default:
        return this.rxCo(msg as CoMessage, route);
    }
  }

  // ---- routing on SSN ----

  /** The DPC for a called address: its PC, else remotePc. */
  private route(called: SccpAddress): number {
    const dpc = called.pc ?? this.remotePc;
    if (dpc === undefined) throw new SccpError('no-route', `${this.name}: the called address has no point code and no remotePc is configured`);
    return dpc;
  }

  /** Where replies to the sender of a CR, UDT or XUDT go. */
  private peerPc(calling: SccpAddress | undefined, route: MtpRoute): number {
    return (this.pcFromCalling ? calling?.pc : undefined) ?? route.opc;
  }

  /** The local user for an incoming called address, or the return cause why there is none. */
  private lookup(called: SccpAddress): { user: SccpUser } | { cause: number } {
    const ssn = called.ssn;
    // No SSN to route on, and this node translates no global titles.
    if (ssn === undefined || ssn === 0) return { cause: RETURN_CAUSE.NO_TRANSLATION_FOR_NATURE };
    const user = this.users.get(ssn);
    if (user) return { user };
    return { cause: this.prohibited.has(ssn) ? RETURN_CAUSE.SUBSYSTEM_FAILURE : RETURN_CAUSE.UNEQUIPPED_USER };
  }

  // ---- connectionless control ----

  private rxUnitdata(msg: Unitdata, route: MtpRoute): void {
    if (msg.type === 'XUDT' && msg.hopCounter === 0) return this.returnUnitdata(msg, route, RETURN_CAUSE.HOP_COUNTER_VIOLATION);
    const to = this.lookup(msg.called);
    if ('cause' in to) return this.returnUnitdata(msg, route, to.cause);
    const info: UnitdataInfo = { type: msg.type, protocolClass: msg.protocolClass.class, returnOnError: (msg.protocolClass.handling & 8) !== 0, opc: route.opc, sls: route.sls };
    if (msg.type === 'XUDT') {
      info.hopCounter = msg.hopCounter;
      if (msg.importance !== undefined) info.importance = msg.importance;
      if (msg.segmentation) return this.rxSegment(msg, route, to.user, info);
    }
    this.deliverUnitdata(to.user, bytes(msg.data), msg, info);
  }

  private deliverUnitdata(user: SccpUser, data: Uint8Array, msg: Unitdata, info: UnitdataInfo): void {
    if (!user.onUnitdata) {
      this.count('unitdata-unhandled');
      return;
    }
    this.count('unitdata');
    this.guard('onUnitdata', () => user.onUnitdata!(data, msg.calling, msg.called, info));
  }

  /** UDTS/XUDTS back to the sender when it asked for it (return option), else the message is dropped. */
  private returnUnitdata(msg: Unitdata, route: MtpRoute, cause: number): void {
    this.count(`routing-failure.${cause}`);
    if ((msg.protocolClass.handling & 8) === 0) {
      this.count('discarded');
      this.debug({ opc: route.opc, cause }, `${this.name}: ${msg.type} not delivered (${causeText('return', cause)}); no return option, dropped`);
      return;
    }
    const back: Record<string, unknown> =
      msg.type === 'UDT'
        ? { type: 'UDTS', returnCause: cause, called: msg.calling, calling: msg.called, data: msg.data }
        : { type: 'XUDTS', returnCause: cause, hopCounter: this.hopCounter, called: msg.calling, calling: msg.called, data: msg.data };
    if (msg.type === 'XUDT' && msg.segmentation) back.segmentation = msg.segmentation;
    this.count('returned');
    this.info({ opc: route.opc, cause }, `${this.name}: ${msg.type} from PC ${route.opc} returned: ${causeText('return', cause)}`);
    this.send(back as unknown as SccpMessage, this.peerPc(msg.calling, route), route.sls);
  }

  private rxNotice(msg: SccpMessageOf<'UDTS'> | SccpMessageOf<'XUDTS'>, route: MtpRoute): void {
    // The UDTS is addressed to the original sender: its called address is ours. Never answered (Q.714 §4.2).
    const to = this.lookup(msg.called);
    if ('cause' in to || !to.user.onNotice) {
      this.count('notice-unhandled');
      return;
    }
    const user = to.user;
    const notice: SccpNotice = {
      type: msg.type,
      returnCause: msg.returnCause,
      text: causeText('return', msg.returnCause),
      called: msg.calling,
      calling: msg.called,
      data: bytes(msg.data),
      opc: route.opc,
    };
    this.count('notice');
    this.guard('onNotice', () => user.onNotice!(notice));
  }

  /**
   * One XUDT segment (Q.714 §4.1.1.2.3): put together by OPC, calling
   * address and segmentation reference, under T(reassembly). A failure
   * (a segment missing or out of order, too long, the timer) returns one
   * XUDTS segmentation failure when the sender asked for returns; the
   * remaining segments of that message are then dropped quietly until its
   * last segment or T(reassembly).
   */
  private rxSegment(msg: SccpMessageOf<'XUDT'>, route: MtpRoute, user: SccpUser, info: UnitdataInfo): void {
    const seg = msg.segmentation!;
    const key = `${route.opc}|${JSON.stringify(msg.calling)}|${seg.ref}`;
    let r = this.reassemblies.get(key);
    if (r && r.failed && !seg.first) {
      this.count('segment-dropped');
      if (seg.remaining === 0) this.dropReassembly(key, r);
      return;
    }
    const fail = (why: string) => {
      this.count('reassembly-failed');
      this.warn({ opc: route.opc, ref: seg.ref, why }, `${this.name}: XUDT reassembly failed: ${why}`);
      if (r) {
        r.failed = true;
        r.parts = [];
        if (seg.remaining === 0) this.dropReassembly(key, r);
      } else if (seg.remaining > 0 && this.reassemblies.size < MAX_PENDING_REASSEMBLIES) this.startReassembly(key, msg, route, true);
      this.returnUnitdata(msg, route, RETURN_CAUSE.SEGMENTATION_FAILURE);
    };
    if (seg.first) {
      if (r) {
        this.count('reassembly-failed');
        this.dropReassembly(key, r);
        r = undefined;
      }
      if (seg.remaining === 0) {
        info.protocolClass = seg.class;
        return this.deliverUnitdata(user, bytes(msg.data), msg, info);
      }
      if (this.reassemblies.size >= MAX_PENDING_REASSEMBLIES) return fail(`more than ${MAX_PENDING_REASSEMBLIES} reassemblies pending`);
      this.startReassembly(key, msg, route, false);
      return;
    }
    if (!r) return fail('a segment without its first segment');
    if (seg.remaining !== r.remaining - 1) return fail(`segment with ${seg.remaining} remaining after ${r.remaining}`);
    const d = bytes(msg.data);
    if (r.len + d.length > this.maxReassembly) return fail(`longer than ${this.maxReassembly} octets`);
    r.parts.push(d);
    r.len += d.length;
    r.remaining = seg.remaining;
    r.segments++;
    if (seg.remaining > 0) return;
    this.dropReassembly(key, r);
    const firstSeg = r.first.segmentation!;
    const whole = Uint8Array.from(Buffer.concat(r.parts));
    const i: UnitdataInfo = { ...info, protocolClass: firstSeg.class, returnOnError: (r.first.protocolClass.handling & 8) !== 0, segments: r.segments };
    this.deliverUnitdata(user, whole, r.first, i);
  }

  private startReassembly(key: string, msg: SccpMessageOf<'XUDT'>, route: MtpRoute, failed: boolean): void {
    const d = bytes(msg.data);
    const entry: Reassembly = { parts: failed ? [] : [d], len: d.length, remaining: msg.segmentation!.remaining, first: msg, route, segments: 1, timer: undefined, failed };
    const ms = this.timers.ms('T(reassembly)');
    if (ms > 0)
      entry.timer = this.host.at(`${this.name}.T(reassembly)`, this.host.now() + ms, () => {
        entry.timer = undefined;
        if (this.reassemblies.get(key) !== entry) return;
        this.reassemblies.delete(key);
        if (entry.failed) return; // already returned
        this.count('reassembly-timeout');
        this.warn({ opc: route.opc, ref: msg.segmentation!.ref }, `${this.name}: T(reassembly) expired, ${entry.remaining} XUDT segment(s) missing`);
        this.returnUnitdata(entry.first, entry.route, RETURN_CAUSE.SEGMENTATION_FAILURE);
      });
    this.reassemblies.set(key, entry);
  }

  private dropReassembly(key: string, r: Reassembly): void {
    r.timer?.cancel();
    r.timer = undefined;
    this.reassemblies.delete(key);
  }

  // ---- connection-oriented routing ----

  private rxCr(msg: SccpMessageOf<'CR'>, route: MtpRoute): void {
    const cref = (cause: number) => {
      this.count('refused');
      this.info({ opc: route.opc, cause }, `${this.name}: CR from PC ${route.opc} refused: ${causeText('refusal', cause)}`);
      this.send({ type: 'CREF', dstRef: msg.srcRef, refusalCause: cause }, this.peerPc(msg.calling, route), route.sls);
    };
    // Class 2 is what this node does; a CR asking for class 3 gets class 2 in the CC (Q.714 §3.1.3).
    if (msg.protocolClass.class !== 2 && msg.protocolClass.class !== 3) return cref(REFUSAL_CAUSE.UNQUALIFIED);
    const to = this.lookup(msg.called);
    if ('cause' in to) return cref(refusalForReturn(to.cause));
    const user = to.user;
    if (!user.onConnectIndication) return cref(REFUSAL_CAUSE.UNEQUIPPED_USER);
    let ref: number;
    try {
      ref = this.allocRef();
    } catch (err) {
      if (!(err instanceof SccpError)) throw err;
      return cref(REFUSAL_CAUSE.SCCP_FAILURE);
    }
    const c = new SccpConnection(this, ref, true, connSls(ref), msg.called, msg.calling, user);
    this.conns.set(ref, c);
    this.count('connect-indication');
    c.fi.dispatch('RX-CR', { msg, opc: route.opc } satisfies Rx);
    c.remotePc = this.peerPc(msg.calling, route);
    const data = msg.data ? bytes(msg.data) : undefined;
    const ok = this.guard('onConnectIndication', () => user.onConnectIndication!(c, data, msg.calling, msg.called));
    if (!ok && c.state === 'CONN_PEND_IN') c.refuse(REFUSAL_CAUSE.END_USER_FAILURE);
  }

  private rxCo(msg: CoMessage, route: MtpRoute): void {
    const c = this.conns.get(msg.dstRef);
    if (!c) return this.unassigned(msg, route);
    const type = msg.type;
    // Table B.2/Q.714: a source reference that is not the peer's.
    const src = msg.srcRef;
    let inconsistent = false;
    if (src !== undefined && type !== 'CC' && c.remoteRef !== undefined && src !== c.remoteRef) {
      this.count('inconsistent-ref');
      if (type === 'RLSD' || type === 'RSR' || type === 'RSC') return this.send({ type: 'ERR', dstRef: src, errorCause: ERROR_CAUSE.INCONSISTENT_SOURCE_LRN }, route.opc, route.sls);
      if (type !== 'IT') return; // RLC: discarded
      // IT: release towards both (libosmo-sigtran does the same): the stranger now, our connection below.
      this.send({ type: 'RLSD', dstRef: src, srcRef: msg.dstRef, releaseCause: RELEASE_CAUSE.INCONSISTENT_CONNECTION_DATA }, route.opc, route.sls);
      inconsistent = true;
    }
    // Table B.2/Q.714: a message from another point code than the connection's peer.
    if (c.peerOpc !== undefined && route.opc !== c.peerOpc && type !== 'CC' && type !== 'CREF') {
      this.count('pc-mismatch');
      if (type === 'RLSD' || type === 'RSR' || type === 'RSC') this.send({ type: 'ERR', dstRef: src!, errorCause: ERROR_CAUSE.POINT_CODE_MISMATCH }, route.opc, route.sls);
      return;
    }
    const ev = CO_EVENT[type]!;
    c.lastRx = this.host.now();
    if (!c.fi.permits(ev)) {
      this.count('unexpected');
      this.debug({ conn: c.name, type, state: c.state }, `${c.name}: ${type} not expected in state ${c.state}; dropped`);
      return;
    }
    c.fi.dispatch(ev, { msg, opc: route.opc, inconsistent } satisfies Rx);
  }

  /** A message for a local reference not in use (Table B.2/Q.714). */
  private unassigned(msg: CoMessage, route: MtpRoute): void {
    this.count('unknown-ref');
    const type = msg.type;
    if (type === 'RLSD') return this.send({ type: 'RLC', dstRef: msg.srcRef!, srcRef: msg.dstRef }, route.opc, route.sls);
    if (type === 'CC' || type === 'IT' || type === 'RSR' || type === 'RSC')
      return this.send({ type: 'ERR', dstRef: msg.srcRef!, errorCause: ERROR_CAUSE.UNASSIGNED_DESTINATION_LRN }, route.opc, route.sls);
    this.debug({ opc: route.opc, type, ref: msg.dstRef }, `${this.name}: ${type} for unassigned reference ${msg.dstRef}; dropped`);
  }

  // ---- local references ----

  /** A 24-bit reference neither in use nor frozen. */
  private allocRef(): number {
    this.thaw();
    for (let i = 0; i <= MAX_REF; i++) {
      const r = this.nextRef;
      this.nextRef = r >= MAX_REF ? 0 : r + 1;
      if (!this.conns.has(r) && !this.frozen.has(r)) return r;
    }
    throw new SccpError('no-reference', `${this.name}: every local reference is in use or frozen`);
  }

  private thaw(): void {
    const now = this.host.now();
    const q = this.frozenQ;
    while (this.frozenHead < q.length) {
      const r = q[this.frozenHead]!;
      const until = this.frozen.get(r);
      if (until !== undefined && until > now) break;
      this.frozen.delete(r);
      this.frozenHead++;
    }
    if (this.frozenHead > 1024 && this.frozenHead * 2 > q.length) {
      this.frozenQ = q.slice(this.frozenHead);
      this.frozenHead = 0;
    }
  }

  /** Whether a local reference is frozen now (released recently, not yet given out again). */
  isFrozen(ref: number): boolean {
    const until = this.frozen.get(ref);
    return until !== undefined && until > this.host.now();
  }

  // ---- ScocOwner ----

  /** @internal */
  sendCo(c: SccpConnection, msg: SccpMessage): void {
    c.lastTx = this.host.now();
    this.send(msg, c.remotePc ?? this.remotePc ?? this.pc, c.sls);
  }

  /** @internal */
  connectionFreed(c: SccpConnection): void {
    if (this.conns.get(c.localRef) !== c) return;
    this.conns.delete(c.localRef);
    const ms = this.timers.ms('X(freeze)');
    if (ms > 0) {
      this.frozen.set(c.localRef, this.host.now() + ms);
      this.frozenQ.push(c.localRef);
    }
  }

  /** @internal */
  count(key: string): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }

  /** @internal */
  guard(what: string, fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      this.count('user-errors');
      this.error({ callback: what, err: (err as Error)?.message ?? String(err) }, `${this.name}: the user's ${what} threw: ${(err as Error)?.message ?? String(err)}`);
      return false;
    }
  }

  /** @internal */
  warn(fields: Record<string, unknown>, msg: string): void {
    const l = this.log;
    if (!l) return;
    if (l.warn) l.warn(fields, msg);
    else l.info(fields, msg);
  }

  private error(fields: Record<string, unknown>, msg: string): void {
    const l = this.log;
    if (!l) return;
    if (l.error) l.error(fields, msg);
    else this.warn(fields, msg);
  }

  private info(fields: Record<string, unknown>, msg: string): void {
    this.log?.info(fields, msg);
  }

  private debug(fields: Record<string, unknown>, msg: string): void {
    this.log?.debug?.(fields, msg);
  }

  private send(msg: SccpMessage, dpc: number, sls: number): void {
    this.emit(encode(msg), msg.type, dpc, sls);
  }

  private emit(b: Uint8Array, type: string, dpc: number, sls: number): void {
    this.count('tx');
    this.count(TX_KEY[type] ?? `tx.${type}`);
    this.lower.send(b, { opc: this.pc, dpc, sls });
  }

  // ---- status ----

  status(): SccpNodeStatus {
    this.thaw();
    const states: Partial<Record<ConnState, number>> = {};
    for (const c of this.conns.values()) {
      const s = c.state as ConnState;
      states[s] = (states[s] ?? 0) + 1;
    }
    const subsystems: SccpNodeStatus['subsystems'] = [];
    for (const ssn of this.users.keys()) subsystems.push({ ssn, state: 'bound' });
    for (const ssn of this.prohibited) subsystems.push({ ssn, state: 'prohibited' });
    subsystems.sort((a, b) => a.ssn - b.ssn);
    return {
      name: this.name,
      pc: this.pc,
      remotePc: this.remotePc,
      subsystems,
      connections: this.conns.size,
      states,
      frozenRefs: this.frozen.size,
      reassembling: this.reassemblies.size,
      counters: Object.fromEntries(this.counters),
    };
  }
}

function isPc(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0x3fff;
}

function checkAddress(a: unknown, what: string): asserts a is SccpAddress {
  if (!a || typeof a !== 'object' || ((a as SccpAddress).routing !== 'ssn' && (a as SccpAddress).routing !== 'gt'))
    throw new SccpError('bad-argument', `${what} address must be an SccpAddress ({ routing: 'ssn' | 'gt', pc?, ssn?, gt? })`);
}

/** The SLS of a connection, folded from its local reference to 4 bits (as libosmo-sigtran derives it from its id). */
function connSls(ref: number): number {
  const b = (ref ^ (ref >> 8) ^ (ref >> 16)) & 0xff;
  return ((b >> 4) ^ b) & 0x0f;
}

/** Class 1: one SLS per called/calling pair (FNV-1a of both encodings folded to 4 bits), so that a flow stays in sequence. */
function flowSls(called: SccpAddress, calling: SccpAddress): number {
  let h = 0x811c9dc5;
  for (const b of [addressToBytes(called), addressToBytes(calling)])
    for (const x of b) {
      h ^= x;
      h = Math.imul(h, 0x01000193);
    }
  h ^= h >>> 16;
  h ^= h >>> 8;
  return (h ^ (h >>> 4)) & 0x0f;
}
