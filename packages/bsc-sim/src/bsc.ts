import { EventEmitter } from 'node:events';
import { decode as bssapDecode, encode as bssapEncode, type Bssap, type BssmapMessage } from '@snaptel/bssap';
import { toHex } from '@snaptel/codec';
import type { CcmMessage } from '@snaptel/ipa';
import { decode as sccpDecode, encode as sccpEncode, type SccpAddress, type SccpMessage } from '@snaptel/sccp';
import { defaultAuthenticate, type AuthenticateFn } from './auth';
import { Connection, type ConnectionHost } from './connection';
import { Deferred, withTimeout } from './deferred';
import { describeSccp, identity, messageName } from './describe';
import { BscSimError, LinkDownError } from './errors';
import { DOWN, Link, UP, type Direction } from './link';
import { M3uaLink } from './m3ua-link';
import type { FsmLog } from '@snaptel/fsm';
import type { Backend, BackendSpec } from '@snaptel/sctp-js-stub';
import { Ms, type MsOptions } from './ms';
import { cellListCovers, CODECS, type CodecName } from './radio';
import { resolveTimers, type TimerName, type TimerValues } from './timers';

/** SSN of BSSAP (Q.713 annex, TS 48.006). */
export const SSN_BSSAP = 254;

export interface BscSimOptions {
  /** The MSC's IPA/SCCPlite listener: "host:port" or an object. Default 127.0.0.1:5000. */
  msc?: string | { host?: string; port?: number };
  /** IPA CCM UNITNAME in ID_RESP (a NUL is appended). Default "bsc-sim-0". */
  unitName?: string;
  /** Point codes (14-bit ITU). Defaults MSC 185 (0.23.1), BSC 187 (0.23.3), as in fixtures/osmo-bsc-sccplite-reset. */
  mscPc?: number;
  bscPc?: number;
  /**
   * Cause of the BSSMAP RESET (TS 48.008 §3.2.2.5). Default 0x20 "Equipment
   * failure", which is what osmo-bsc 1.9 sends (fixtures/osmo-bsc-sccplite-reset.ok);
   * 0x07 is "O and M intervention".
   */
  resetCause?: number;
  /** Reconnect with backoff when the TCP link drops (default true). */
  reconnect?: boolean;
  /** IPA PING period in ms (0 = none; the X_PING timer). */
  pingIntervalMs?: number;
  /** Timer overrides by name (see TIMERS). */
  timers?: Partial<Record<TimerName, number>>;
  /** The cell: MCC, MNC, default LAC and CI for MSs that do not name their own. */
  mcc?: string;
  mnc?: string;
  lac?: number;
  ci?: number;
  /** Speech codecs the BSC supports, in preference order (default FR3, FR2, FR1). */
  codecs?: CodecName[];
  /** Send Codec List (BSS Supported) in COMPLETE LAYER 3 INFORMATION, as an AoIP BSC does (default true). */
  aoip?: boolean;
  /** The BSC side's RTP address in ASSIGNMENT COMPLETE: default 127.0.0.2, ports from rtpPortBase (default 4000) in steps of 2. */
  rtpIp?: string;
  rtpPortBase?: number;
  /** First SCCP local reference the BSC allocates (default 1); references count up and wrap at 2^24. */
  firstLocalRef?: number;
  /** A3/A8 / AKA on the MS side. Default: msAuthenticate of @snaptel/auth. */
  authenticate?: AuthenticateFn;
  /**
   * How the BSC reaches the MSC: 'ipa' (SCCPlite over TCP, default) or
   * 'm3ua' (AoIP: M3UA over SCTP, the BSC being an ASP; `msc` is then the
   * MSC's M3UA address, default port 2905).
   */
  transport?: 'ipa' | 'm3ua';
  /** AoIP details: sctp-js-stub backend (default real SCTP over raw IP), routing context (default 1), network indicator (default 2). */
  m3ua?: { backend?: Backend | BackendSpec; routingContext?: number; ni?: number; localHost?: string; timers?: Record<string, number | string>; log?: FsmLog };
  /** One line per message sent or received, and `#` notes (link up, silent MS, timers). */
  trace?: (line: string, event?: MessageEvent) => void;
  /** Also trace IPA CCM (ID_GET, ID_RESP, ID_ACK, PING, PONG). Default true. */
  traceCcm?: boolean;
}

/** One SCCP message sent or received (the 'message' event and the trace's second argument). */
export interface MessageEvent {
  dir: Direction;
  sccp: SccpMessage;
  bssap?: Bssap;
  /** BSSAP message name, or `SCCP <type>` for messages without data. */
  name: string;
  imsi?: string;
  localRef?: number;
  line: string;
}

export interface PagingEvent {
  imsi: string;
  tmsi?: number;
  /** The MS answers (it exists, its cell is in the list, it is idle, not silent). */
  delivered: boolean;
  reason: string;
}

export interface BscStats {
  linkUp: boolean;
  /** TCP connections made (reconnections add one each). */
  tcpConnections: number;
  /** RESET ACKNOWLEDGEs received. */
  resetsAcknowledged: number;
  openConnections: number;
  totalConnections: number;
  sent: Record<string, number>;
  received: Record<string, number>;
  messagesSent: number;
  messagesReceived: number;
}

function parseMsc(m: BscSimOptions['msc'], dflt: number): { host: string; port: number } {
  if (typeof m === 'string') {
    const i = m.lastIndexOf(':');
    const host = i > 0 ? m.slice(0, i) : m;
    const port = i > 0 ? Number(m.slice(i + 1)) : dflt;
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new RangeError(`msc: bad port in ${m}`);
    return { host: host.replace(/^\[|\]$/g, ''), port };
  }
  return { host: m?.host ?? '127.0.0.1', port: m?.port ?? dflt };
}

/**
 * A BSC on the A interface in SCCPlite mode (IPA over TCP, SCCP on stream
 * 0xFD, BSSAP on SSN 254) or AoIP mode (SCCP over M3UA over SCTP, as an
 * ASP), with simulated mobile stations behind it.
 *
 * Events: 'link-up' (), 'link-down' (reason), 'reset' (the MSC reset us),
 * 'paging' (PagingEvent), 'message' (MessageEvent), 'protocol-error' (Error),
 * 'note' (text).
 */
export class BscSim extends EventEmitter implements ConnectionHost {
  readonly timers: TimerValues;
  readonly msc: { host: string; port: number };
  readonly mscPc: number;
  readonly bscPc: number;
  readonly mcc: string;
  readonly mnc: string;
  readonly lac: number;
  readonly ci: number;
  readonly codecs: readonly CodecName[];
  readonly aoip: boolean;
  readonly rtpIp: string;
  readonly authenticate: AuthenticateFn;
  private readonly opts: BscSimOptions;
  private readonly link: Link | M3uaLink;
  readonly transport: 'ipa' | 'm3ua';
  private readonly conns = new Map<number, Connection>();
  private readonly byImsi = new Map<string, Ms>();
  private nextRef: number;
  private nextRtp = 0;
  private up = false;
  private stopped = false;
  private upWaiters: Deferred<void>[] = [];
  private resetTimer: NodeJS.Timeout | undefined;
  private readonly counts = { sent: {} as Record<string, number>, received: {} as Record<string, number>, messagesSent: 0, messagesReceived: 0, total: 0, resetsAcknowledged: 0 };
  private readonly mscAddr: SccpAddress;
  private readonly bscAddr: SccpAddress;

  constructor(opts: BscSimOptions = {}) {
    super();
    this.opts = opts;
    this.timers = resolveTimers({ ...(opts.pingIntervalMs !== undefined ? { X_PING: opts.pingIntervalMs } : {}), ...(opts.timers ?? {}) });
    this.transport = opts.transport ?? 'ipa';
    if (this.transport !== 'ipa' && this.transport !== 'm3ua') throw new RangeError(`transport: 'ipa' or 'm3ua', not '${String(this.transport)}'`);
    this.msc = parseMsc(opts.msc, this.transport === 'm3ua' ? 2905 : 5000);
    this.mscPc = opts.mscPc ?? 185;
    this.bscPc = opts.bscPc ?? 187;
    for (const [k, v] of [['mscPc', this.mscPc], ['bscPc', this.bscPc]] as const)
      if (!Number.isInteger(v) || v < 0 || v > 0x3fff) throw new RangeError(`${k}: ${v} is not a 14-bit point code`);
    this.mcc = opts.mcc ?? '001';
    this.mnc = opts.mnc ?? '01';
    this.lac = opts.lac ?? 1;
    this.ci = opts.ci ?? 1;
    this.codecs = opts.codecs ?? ['FR3', 'FR2', 'FR1'];
    for (const c of this.codecs) if (!(c in CODECS)) throw new RangeError(`unknown codec ${c} (known: ${Object.keys(CODECS).join(', ')})`);
    this.aoip = opts.aoip ?? true;
    this.rtpIp = opts.rtpIp ?? '127.0.0.2';
    this.nextRef = opts.firstLocalRef ?? 1;
    this.authenticate = opts.authenticate ?? defaultAuthenticate;
    this.mscAddr = { routing: 'ssn', pc: this.mscPc, ssn: SSN_BSSAP };
    this.bscAddr = { routing: 'ssn', pc: this.bscPc, ssn: SSN_BSSAP };
    this.link =
      this.transport === 'm3ua'
        ? new M3uaLink({
            ...this.msc,
            backend: opts.m3ua?.backend ?? { backend: 'sctp', transport: 'raw' },
            bscPc: this.bscPc,
            mscPc: this.mscPc,
            routingContext: opts.m3ua?.routingContext ?? 1,
            ni: opts.m3ua?.ni ?? 2,
            ...(opts.m3ua?.localHost ? { localHost: opts.m3ua.localHost } : {}),
            ...(opts.m3ua?.timers ? { m3uaTimers: opts.m3ua.timers } : {}),
            ...(opts.m3ua?.log ? { log: opts.m3ua.log } : {}),
            reconnect: opts.reconnect ?? true,
            timers: this.timers,
          })
        : new Link({ ...this.msc, unitName: opts.unitName ?? 'bsc-sim-0', reconnect: opts.reconnect ?? true, timers: this.timers });
    this.link.on('tcp-up', () =>
      this.note(this.transport === 'm3ua' ? `SCTP association up to ${this.msc.host}:${this.msc.port}; M3UA ASP Up, ASP Active (routing context ${opts.m3ua?.routingContext ?? 1})` : `TCP connected to ${this.msc.host}:${this.msc.port}`),
    );
    this.link.on('ccm', (dir: Direction, ccm: CcmMessage) => this.onCcm(dir, ccm));
    this.link.on('ready', (complete: boolean) => {
      if (this.transport === 'm3ua') this.note('M3UA ASP active');
      if (!complete) this.note(`X_CCM expired: the MSC did not complete ID_GET/ID_ACK; sending RESET anyway`);
      this.sendReset();
    });
    this.link.on('sccp', (payload: Uint8Array) => this.onSccp(payload));
    this.link.on('down', (reason: string) => this.onLinkDown(reason));
  }

  // ---------------------------------------------------------------- lifecycle

  /** Connects and resolves once the MSC acknowledged our RESET. Rejects with LinkDownError after `timeoutMs` (default 10 s) and stops. */
  async start(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.stopped) throw new LinkDownError('this BscSim was stopped; make a new one');
    this.link.connect();
    try {
      await this.waitLinkUp(opts.timeoutMs ?? 10_000);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** True while the link is up and our RESET was acknowledged. */
  get isUp(): boolean {
    return this.up;
  }

  /** The link is up (RESET acknowledged): resolves at once when it is, else when it next comes up. */
  get linkUp(): Promise<void> {
    return this.waitLinkUp();
  }

  /** Resolves when the link is (or next comes) up: RESET acknowledged. */
  waitLinkUp(timeoutMs = 0): Promise<void> {
    if (this.up) return Promise.resolve();
    const d = new Deferred<void>();
    this.upWaiters.push(d);
    return withTimeout(d.promise, timeoutMs, () => new LinkDownError(`no RESET ACKNOWLEDGE from ${this.msc.host}:${this.msc.port} within ${timeoutMs} ms (link ${this.link.state})`));
  }

  /** Closes the link and ends every connection and call; no reconnection afterwards. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.up = false;
    if (this.resetTimer) clearTimeout(this.resetTimer);
    for (const c of [...this.conns.values()]) c.gone('stop', 'BscSim.stop()');
    for (const w of this.upWaiters) w.reject(new LinkDownError('stopped'));
    this.upWaiters = [];
    for (const ms of this.byImsi.values()) ms.shutdown();
    await this.link.stop();
  }

  /** Drops the TCP link as a failure would (it comes back when `reconnect` is on). For tests. */
  dropLink(reason = 'dropped by BscSim.dropLink()'): void {
    this.link.drop(reason);
  }

  /** Sends BSSMAP RESET again (T4 repeats it) and resolves on the RESET ACKNOWLEDGE. */
  async reset(timeoutMs = 0): Promise<void> {
    if (!this.link.connected) throw new LinkDownError('not connected');
    this.up = false;
    for (const c of [...this.conns.values()]) c.gone('reset', 'BSC sent RESET');
    this.sendReset();
    await this.waitLinkUp(timeoutMs);
  }

  stats(): BscStats {
    return {
      linkUp: this.up,
      tcpConnections: this.link.connections,
      resetsAcknowledged: this.counts.resetsAcknowledged,
      openConnections: this.conns.size,
      totalConnections: this.counts.total,
      sent: { ...this.counts.sent },
      received: { ...this.counts.received },
      messagesSent: this.counts.messagesSent,
      messagesReceived: this.counts.messagesReceived,
    };
  }

  // ---------------------------------------------------------------- mobiles

  addMs(opts: MsOptions): Ms {
    if (this.byImsi.has(opts.imsi)) throw new RangeError(`an MS with IMSI ${opts.imsi} exists already`);
    const ms = new Ms(this, opts);
    this.byImsi.set(ms.imsi, ms);
    return ms;
  }

  getMs(imsi: string): Ms | undefined {
    return this.byImsi.get(imsi);
  }

  get mobiles(): Ms[] {
    return [...this.byImsi.values()];
  }

  removeMs(ms: Ms): void {
    ms.shutdown();
    this.byImsi.delete(ms.imsi);
  }

  // ---------------------------------------------------------------- used by Ms (internal)

  /** @internal Opens an SCCP connection whose CR carries `cl3` (COMPLETE LAYER 3 INFORMATION). */
  openConnection(imsi: string, procedure: string, cl3: BssmapMessage): Connection {
    if (!this.up) throw new LinkDownError(`${procedure}: link not up`);
    const ref = this.allocRef();
    const conn = new Connection(this, ref, imsi, procedure);
    this.conns.set(ref, conn);
    this.counts.total++;
    conn.connect(
      { type: 'CR', srcRef: ref, protocolClass: { class: 2, handling: 0 }, called: this.mscAddr, calling: this.bscAddr, data: toHex(bssapEncode(cl3)) },
      cl3,
    );
    return conn;
  }

  /** @internal An RTP port for the BSC side of a call. */
  allocRtpPort(): number {
    const base = this.opts.rtpPortBase ?? 4000;
    const port = base + 2 * (this.nextRtp++ % Math.max(1, Math.floor((65534 - base) / 2)));
    return port;
  }

  /** @internal */
  sendSccp(m: SccpMessage, bssap: Bssap | undefined, conn: Connection | undefined): void {
    const bytes = sccpEncode(m);
    if (!this.link.sendSccp(bytes)) {
      this.note(`link down: ${describeSccp(m, bssap)} not sent`);
      return;
    }
    this.record(UP, m, bssap, conn);
  }

  /** @internal */
  forget(conn: Connection): void {
    if (this.conns.get(conn.localRef) === conn) this.conns.delete(conn.localRef);
  }

  /** @internal A `#` line in the trace and a 'note' event. */
  note(text: string): void {
    this.emit('note', text);
    this.opts.trace?.(`# ${text}`);
  }

  /** @internal */
  protocolError(e: Error): void {
    this.note(`protocol error: ${e.message}`);
    this.emit('protocol-error', e);
  }

  /** @internal Encodes BSSAP for a DT1 (hex). */
  encode(b: Bssap): string {
    return toHex(bssapEncode(b));
  }

  // ---------------------------------------------------------------- link and SCCP

  private allocRef(): number {
    for (let i = 0; i < 0x1000000; i++) {
      const r = this.nextRef;
      this.nextRef = (this.nextRef + 1) & 0xffffff || 1;
      if (!this.conns.has(r)) return r;
    }
    throw new BscSimError('no-reference', 'all 2^24 SCCP local references are in use');
  }

  private sendUdt(b: Bssap): void {
    this.sendSccp({ type: 'UDT', protocolClass: { class: 0, handling: 0 }, called: this.mscAddr, calling: this.bscAddr, data: this.encode(b) }, b, undefined);
  }

  private sendReset(): void {
    if (this.resetTimer) clearTimeout(this.resetTimer);
    if (!this.link.connected || this.stopped) return;
    this.sendUdt({ discriminator: 'bssmap', type: 'RESET', ies: { cause: this.opts.resetCause ?? 0x20 } });
    this.resetTimer = setTimeout(() => {
      this.resetTimer = undefined;
      if (this.up || !this.link.connected) return;
      this.note(`T4 expired: no RESET ACKNOWLEDGE; sending RESET again`);
      this.sendReset();
    }, this.timers.T4);
  }

  private onLinkDown(reason: string): void {
    const wasUp = this.up;
    this.up = false;
    if (this.resetTimer) clearTimeout(this.resetTimer);
    this.note(`link down: ${reason}`);
    for (const c of [...this.conns.values()]) c.gone('link', reason);
    if (wasUp || !this.stopped) this.emit('link-down', reason);
  }

  private onCcm(dir: Direction, ccm: CcmMessage): void {
    if (this.opts.traceCcm === false || !this.opts.trace) return;
    let detail = '';
    if (ccm.type === 'ID_GET') detail = ` ${ccm.tags.map((t) => String(t.tag)).join(',')}`;
    else if (ccm.type === 'ID_RESP') detail = ` ${ccm.entries.map((e) => `${String(e.tag)}=${e.value.replace(/\u0000$/, '')}`).join(' ')}`;
    this.opts.trace(`${dir}  IPA CCM ${String(ccm.type)}${detail}`);
  }

  private record(dir: Direction, m: SccpMessage, b: Bssap | undefined, conn: Connection | undefined): void {
    const name = b ? messageName(b) : `SCCP ${m.type}`;
    const counter = dir === UP ? this.counts.sent : this.counts.received;
    counter[name] = (counter[name] ?? 0) + 1;
    if (dir === UP) this.counts.messagesSent++;
    else this.counts.messagesReceived++;
    if (!this.opts.trace && this.listenerCount('message') === 0) return;
    const ev: MessageEvent = { dir, sccp: m, name, line: `${dir}  ${describeSccp(m, b)}` };
    if (b) ev.bssap = b;
    if (conn) {
      if (conn.imsi) ev.imsi = conn.imsi;
      ev.localRef = conn.localRef;
    }
    this.opts.trace?.(ev.line, ev);
    this.emit('message', ev);
  }

  private onSccp(payload: Uint8Array): void {
    let m: SccpMessage;
    try {
      m = sccpDecode(payload);
    } catch (e) {
      this.protocolError(e as Error);
      return;
    }
    switch (m.type) {
      case 'UDT':
        return this.onUdt(m);
      case 'CC':
      case 'CREF':
      case 'DT1':
      case 'RLSD':
      case 'RLC': {
        const conn = this.conns.get(m.dstRef);
        let b: Bssap | undefined;
        if (m.type === 'DT1' || ((m.type === 'CC' || m.type === 'CREF') && m.data)) {
          try {
            b = bssapDecode(Buffer.from(m.data!, 'hex'), 'mt');
          } catch (e) {
            this.record(DOWN, m, undefined, conn);
            this.protocolError(e as Error);
            return;
          }
        }
        this.record(DOWN, m, b, conn);
        if (!conn) {
          // A late message for a connection already gone; an RLSD still gets its RLC.
          if (m.type === 'RLSD') this.sendSccp({ type: 'RLC', dstRef: m.srcRef, srcRef: m.dstRef }, undefined, undefined);
          else if (m.type === 'CC') {
            // A CC after X_CONN gave up: release it, so that the MSC does not keep a connection nobody uses.
            this.note(`CC for local reference ${m.dstRef}, given up already: RLSD`);
            this.sendSccp({ type: 'RLSD', dstRef: m.srcRef, srcRef: m.dstRef, releaseCause: 0 }, undefined, undefined);
          } else this.note(`${m.type} for unknown local reference ${m.dstRef}: ignored`);
          return;
        }
        if (m.type === 'CC') conn.onCc(m.srcRef);
        else if (m.type === 'CREF') conn.onCref(m.refusalCause);
        else if (m.type === 'RLSD') {
          this.sendSccp({ type: 'RLC', dstRef: m.srcRef, srcRef: m.dstRef }, undefined, conn);
          conn.onRlsd();
        } else if (m.type === 'RLC') conn.onRlc();
        else {
          const name = messageName(b!);
          const ms = conn.imsi ? this.byImsi.get(conn.imsi) : undefined;
          conn.onBssap(b!, name, ms?.isSilent(name) ?? false, () => {
            const cc: Bssap = { discriminator: 'bssmap', type: 'CLEAR COMPLETE', ies: {} };
            return [cc, this.encode(cc)];
          });
        }
        return;
      }
      default:
        this.record(DOWN, m, undefined, undefined);
        this.note(`SCCP ${m.type} ignored`);
    }
  }

  private onUdt(m: SccpMessage & { type: 'UDT' }): void {
    let b: Bssap;
    try {
      b = bssapDecode(Buffer.from(m.data, 'hex'), 'mt');
    } catch (e) {
      this.record(DOWN, m, undefined, undefined);
      this.protocolError(e as Error);
      return;
    }
    this.record(DOWN, m, b, undefined);
    if (b.discriminator !== 'bssmap' || b.type === 'unknown') {
      this.note(`UDT with ${messageName(b)} ignored`);
      return;
    }
    switch (b.type) {
      case 'RESET ACKNOWLEDGE':
        if (this.resetTimer) clearTimeout(this.resetTimer);
        this.resetTimer = undefined;
        this.counts.resetsAcknowledged++;
        if (!this.up) {
          this.up = true;
          this.note('link up: RESET acknowledged');
          const ws = this.upWaiters;
          this.upWaiters = [];
          for (const w of ws) w.resolve();
          this.emit('link-up');
        }
        return;
      case 'RESET':
        // TS 48.008 §3.1.4.1.2: the BSS releases every connection and acknowledges.
        for (const c of [...this.conns.values()]) c.gone('reset', 'MSC sent RESET');
        this.sendUdt({ discriminator: 'bssmap', type: 'RESET ACKNOWLEDGE', ies: {} });
        this.emit('reset');
        return;
      case 'PAGING':
        return this.onPaging(b);
      default:
        this.note(`UDT with BSSMAP ${b.type} ignored`);
    }
  }

  private onPaging(b: BssmapMessage): void {
    const ies = b.ies as Record<string, any>;
    const imsi: string | undefined = ies.imsi?.type === 'imsi' ? ies.imsi.digits : undefined;
    const ev: PagingEvent = { imsi: imsi ?? identity(ies.imsi), delivered: false, reason: '' };
    if (typeof ies.tmsi === 'number') ev.tmsi = ies.tmsi;
    const ms = imsi ? this.byImsi.get(imsi) : undefined;
    if (!ms) ev.reason = 'no such MS';
    else if (!cellListCovers(ies.cellIdentifierList, ms.cell)) ev.reason = `LAC ${ms.lac} not in the cell list`;
    else ev.reason = ms.paged(ev.tmsi);
    ev.delivered = ev.reason === 'answering';
    if (!ev.delivered) this.note(`PAGING for ${ev.imsi} not answered: ${ev.reason}`);
    this.emit('paging', ev);
  }
}
