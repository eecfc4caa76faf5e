import type * as net from 'node:net';
import { toHex } from '@snaptel/codec';
import { decode as ipaDecode, encode as ipaEncode, IpaDeframer, type IpaMessage } from '@snaptel/ipa';
import { RELEASE_CAUSE, SccpNode, type MtpRoute, sccpliteLower, sccpTimers, type SccpAddress, type SccpConnection, type SccpConnectionHandler, type SccpReleaseInfo } from '@snaptel/sccp';
import { decode as bssapDecode, encode as bssapEncode, type Bssap, type BssmapMessage } from '@snaptel/bssap';
import type { Dtap, DtapMessage } from '@snaptel/gsm48';
import type { TimerHost, TimerTable } from '@snaptel/fsm';
import { clock, type Context, type Timer } from '@snaptel/image';
import { M3uaEndpoint } from '@snaptel/m3ua';
import { sctpListen, type SctpListenHandle } from '@snaptel/sctp-js-stub';

/**
 * The A interface over SCCPlite: BSSAP over SCCP over IPA over TCP, the MSC
 * being the TCP server and each BSC an IPA client (osmo-bsc's "msc" link in
 * SCCPlite mode). One BscLink per TCP connection; one RanConn per SCCP
 * connection (class 2), i.e. per mobile station dialogue.
 */

export interface BscConfig {
  /** Name in logs and status. */
  name: string;
  /** SCCPlite: the peer address the BSC connects from (only configured BSCs are accepted). */
  host?: string;
  /** Location area the BSC serves. */
  lac: number;
  /** The BSC's point code (default 187, osmo-bsc's 0.23.3). */
  pc?: number;
  /** How it reaches the MSC: SCCPlite (IPA over TCP, the default) or AoIP (M3UA over SCTP). */
  transport?: RanTransport;
  /** AoIP: the M3UA routing context of the BSC's application server (default: its position in the list, from 1). */
  routingContext?: number;
}

/** The AoIP side: an M3UA signalling gateway on SCTP that BSCs (ASPs) connect to, as osmo-msc's cs7 instance listens for osmo-bsc. */
export interface M3uaAConfig {
  host: string;
  /** Default 2905 (IANA m3ua). */
  port: number;
  /** sctp-js-stub backend: 'sctp' (RFC 4960 on the wire, default) or 'stub' (in-process, tests). */
  backend: 'sctp' | 'stub';
  /** For the sctp backend: raw IP (needs root, no kernel SCTP; default) or UDP encapsulation (RFC 6951). */
  transport: 'raw' | 'udp';
  /** MTP3 network indicator in DATA (default 2, national: what Osmocom sends). */
  ni: number;
  /** M3UA timer values: { 'T(ack)': '2s', 'T(beat)': 30 }. */
  timers?: Record<string, number | string>;
}

export const M3UA_DEFAULTS: Omit<M3uaAConfig, 'host'> = { port: 2905, backend: 'sctp', transport: 'raw', ni: 2 };

export interface AConfig {
  host: string;
  port: number;
  /** The MSC's point code (default 185, 0.23.1). */
  pc: number;
  bscs: BscConfig[];
  /** IPA PING towards each BSC (0: never). */
  pingIntervalMs: number;
  /** No PONG within this: the link is dropped. */
  pongTimeoutMs: number;
  /** RESET is repeated this often until RESET ACKNOWLEDGE comes. */
  resetRepeatMs: number;
  /** AoIP (M3UA over SCTP), for the BSCs whose transport is 'm3ua'. */
  m3ua?: Partial<M3uaAConfig>;
  /** SCCP timer values (T(ias), T(iar), T(rel)...: see @snaptel/sccp). */
  sccpTimers?: Record<string, number | string>;
}

export const A_DEFAULTS: Omit<AConfig, 'bscs'> = {
  host: '127.0.0.1',
  port: 5000,
  pc: 185,
  pingIntervalMs: 20_000,
  pongTimeoutMs: 10_000,
  resetRepeatMs: 4_000,
};

/** What the MSC core does with what comes from the RAN. */
export interface RanHandler {
  /** A new SCCP connection with its first message: COMPLETE LAYER 3 INFORMATION. */
  onCompleteL3(conn: RanConn, l3: DtapMessage, complete: BssmapMessage): void;
  /** DTAP on an established connection. */
  onDtap(conn: RanConn, dtap: DtapMessage): void;
  /** DTAP that did not decode: true when the handler answered it (an SMS gets RP-ERROR or CP-ERROR). */
  onMalformedDtap?(conn: RanConn, l3: Uint8Array): boolean;
  /** BSSMAP on an established connection (CIPHER MODE COMPLETE, ASSIGNMENT COMPLETE, CLEAR REQUEST...). */
  onBssmap(conn: RanConn, msg: BssmapMessage): void;
  /** The connection is gone (released, refused, or its link dropped). */
  onReleased(conn: RanConn, why: string): void;
  /** RESET from the BSC: every connection of the link is gone; the handler forgets them. */
  onLinkReset?(link: RanPeer): void;
  onLinkUp?(link: RanPeer): void;
  onLinkDown?(link: RanPeer, why: string): void;
}

export type LinkState = 'ccm' | 'reset' | 'ready' | 'closed';
export type ConnState = 'wait-cc' | 'established' | 'clearing' | 'releasing' | 'released';

const BSSAP_SSN = 254;

let nextConnId = 1;

/** One SCCP connection: a mobile station's dialogue through a BSC. */
export class RanConn {
  readonly id = nextConnId++;
  state: ConnState = 'wait-cc';
  /** Owner's data (the MM/CC context). */
  data: unknown;
  releaseCause: string | undefined;

  constructor(
    readonly link: RanPeer,
    /** The shared SCCP connection (Q.714 state machine in @snaptel/sccp). */
    readonly sccp: SccpConnection,
  ) {}

  /** Ours (the SCCP local reference). */
  get localRef(): number {
    return this.sccp.localRef;
  }

  /** The BSC's local reference (its source reference in CR). */
  get remoteRef(): number {
    return this.sccp.remoteRef ?? 0;
  }

  get name(): string {
    return `conn-${this.id}(${this.link.bsc.name}, ref ${this.localRef})`;
  }

  /** Accepts the connection (SCCP CC); done implicitly by the first send. */
  confirm(): void {
    if (this.state !== 'wait-cc') return;
    this.sccp.accept();
    this.state = 'established';
  }

  /** Refuses it (SCCP CREF) instead of confirming. */
  refuse(cause = 0): void {
    if (this.state !== 'wait-cc') return;
    this.releaseCause = 'refused';
    this.sccp.refuse(cause);
  }

  sendDtap(dtap: Dtap): void {
    // SMS goes on SAPI 3 (TS 48.006 §9.3.2: DLCI bits 1-3 the SAPI), everything else on SAPI 0.
    const sapi3 = 'pd' in dtap && dtap.pd === 'sms';
    this.sendBssap({ discriminator: 'dtap', dlci: sapi3 ? 0x03 : 0, dtap });
  }

  sendBssmap(type: BssmapMessage['type'], ies: BssmapMessage['ies'] = {}): void {
    this.sendBssap({ discriminator: 'bssmap', type, ies });
  }

  sendBssap(b: Bssap): void {
    if (this.state === 'wait-cc') this.confirm();
    if (this.state === 'released' || this.state === 'releasing') return;
    this.link.count('tx');
    this.sccp.send(bssapEncode(b));
  }

  /** BSSMAP CLEAR COMMAND; the SCCP release follows CLEAR COMPLETE. */
  clear(cause: number): void {
    if (this.state === 'released' || this.state === 'releasing' || this.state === 'clearing') return;
    this.sendBssmap('CLEAR COMMAND', { cause });
    this.state = 'clearing';
  }

  /** SCCP RLSD (after CLEAR COMPLETE, or at once when the dialogue is beyond saving). */
  release(cause = 0): void {
    if (this.state === 'released' || this.state === 'releasing') return;
    if (this.state === 'wait-cc') return this.refuse(cause);
    this.sccp.release(cause);
    this.state = 'releasing';
  }
}

/** How the BSC is reached: SCCPlite (IPA over TCP) or AoIP (M3UA over SCTP). */
export type RanTransport = 'sccplite' | 'm3ua';

/**
 * One BSC as BSSAP sees it, whatever carries its SCCP: the BSSMAP RESET
 * procedure, connectionless BSSMAP (RESET, PAGING), and its SCCP connections
 * (COMPLETE LAYER 3 in the CR, BSSAP in DT1) on the shared SCCP node. The
 * transports (BscLink for SCCPlite, M3uaBsc for AoIP) bring it up and down.
 */
export abstract class RanPeer implements SccpConnectionHandler {
  state: LinkState = 'ccm';
  readonly conns = new Map<number, RanConn>();
  private resetTimer: Timer | undefined;
  private resetAcked = false;
  private resetsSent = 0;
  readonly connectedAt = Date.now();
  stats = { rx: 0, tx: 0, malformed: 0 };
  abstract readonly transport: RanTransport;
  /** The SCCP node this BSC's messages go through. */
  protected abstract readonly node: SccpNode;

  constructor(
    readonly a: AInterface,
    readonly bsc: BscConfig,
  ) {}

  get ctx(): Context {
    return this.a.ctx;
  }

  get pc(): number {
    return this.bsc.pc ?? 187;
  }

  count(k: 'rx' | 'tx' | 'malformed'): void {
    this.stats[k]++;
  }

  protected malformed(layer: string, bytes: Uint8Array, err: unknown): void {
    this.stats.malformed++;
    this.ctx.log.warn({ bsc: this.bsc.name, layer, hex: toHex(bytes).slice(0, 200), err: (err as Error).message }, 'malformed message from BSC; ignored');
  }

  /** The transport is up: BSSMAP RESET towards the BSC, repeated until acknowledged (the MSC's half of the handshake). */
  protected startReset(): void {
    this.state = 'reset';
    this.sendReset();
  }

  private sendReset(): void {
    this.resetsSent++;
    this.sendUdt({ discriminator: 'bssmap', type: 'RESET', ies: { cause: 0x20 } });
    this.resetTimer?.cancel();
    this.resetTimer = this.ctx.timers.once(`reset-${this.bsc.name}`, this.a.cfg.resetRepeatMs, () => {
      this.resetTimer = undefined;
      if (!this.resetAcked && this.state !== 'closed') this.sendReset();
    });
  }

  /** N-UNITDATA for SSN 254 from this BSC. */
  onUnitdata(data: Uint8Array): void {
    this.stats.rx++;
    let b: Bssap;
    try {
      b = bssapDecode(data, 'mo');
    } catch (err) {
      return this.malformed('BSSAP', data, err);
    }
    if (b.discriminator !== 'bssmap') return;
    if (b.type === 'RESET') {
      this.ctx.log.info({ bsc: this.bsc.name, cause: b.ies.cause }, 'BSSMAP RESET from BSC; acknowledging');
      for (const c of [...this.conns.values()]) {
        c.releaseCause = 'BSC reset';
        c.sccp.drop(RELEASE_CAUSE.SCCP_FAILURE);
      }
      this.a.handler.onLinkReset?.(this);
      this.sendUdt({ discriminator: 'bssmap', type: 'RESET ACKNOWLEDGE', ies: {} });
      this.markReady();
    } else if (b.type === 'RESET ACKNOWLEDGE') {
      this.resetAcked = true;
      this.resetTimer?.cancel();
      this.resetTimer = undefined;
      this.ctx.log.info({ bsc: this.bsc.name, resetsSent: this.resetsSent }, 'BSSMAP RESET ACKNOWLEDGE from BSC');
      this.markReady();
    } else this.ctx.log.info({ bsc: this.bsc.name, type: b.type }, 'connectionless BSSMAP not handled; ignored');
  }

  /** N-CONNECT indication (a CR) from this BSC: it must carry COMPLETE LAYER 3 INFORMATION. */
  onConnectIndication(sc: SccpConnection, data: Uint8Array | undefined): void {
    this.stats.rx++;
    let b: Bssap | undefined;
    try {
      b = data ? bssapDecode(data, 'mo') : undefined;
    } catch (err) {
      this.malformed('BSSAP', data!, err);
    }
    const l3 = b?.discriminator === 'bssmap' && b.type === 'COMPLETE LAYER 3 INFORMATION' ? (b.ies.layer3Information as Dtap | undefined) : undefined;
    if (!b || !l3 || 'raw' in l3) {
      this.ctx.log.warn({ bsc: this.bsc.name }, 'SCCP CR without COMPLETE LAYER 3 INFORMATION; refused');
      sc.refuse(0);
      return;
    }
    const conn = new RanConn(this, sc);
    sc.handler = this;
    sc.data = conn;
    this.conns.set(conn.localRef, conn);
    this.a.handler.onCompleteL3(conn, l3 as DtapMessage, b as BssmapMessage);
  }

  /** DT1 data of one of this BSC's connections. */
  onData(sc: SccpConnection, data: Uint8Array): void {
    const conn = sc.data as RanConn;
    this.stats.rx++;
    let b: Bssap;
    try {
      b = bssapDecode(data, 'mo');
    } catch (err) {
      // DTAP the codecs refuse (an SMS with a bad TPDU) may still deserve an answer (RP-ERROR, CP-ERROR).
      const l3 = data[0] === 0x01 && data.length >= 3 ? data.subarray(3, 3 + data[2]!) : undefined;
      if (l3 && this.a.handler.onMalformedDtap?.(conn, l3)) return;
      return this.malformed('BSSAP', data, err);
    }
    if (b.discriminator === 'dtap') {
      if ('raw' in b.dtap) this.ctx.log.warn({ conn: conn.name, raw: b.dtap.raw }, 'unknown DTAP; ignored');
      else this.a.handler.onDtap(conn, b.dtap);
    } else if (b.type === 'CLEAR COMPLETE') conn.release(0);
    else if (b.type !== 'unknown') this.a.handler.onBssmap(conn, b);
  }

  /** The SCCP connection ended (RLC, the BSC's RLSD, a timer, a drop). */
  onReleased(sc: SccpConnection, info: SccpReleaseInfo): void {
    const conn = sc.data as RanConn | undefined;
    if (!conn) return;
    const why =
      info.by === 'remote' && info.kind === 'release'
        ? 'released by the BSC'
        : info.by === 'remote'
          ? `${info.kind === 'refusal' ? 'refused' : 'error'} by the BSC: ${info.text}`
          : info.by === 'local'
            ? (conn.releaseCause ?? 'released')
            : (conn.releaseCause ?? `SCCP: ${info.text}`);
    this.drop(conn, why);
  }

  private markReady(): void {
    if (this.state === 'ready' || this.state === 'closed') return;
    this.state = 'ready';
    this.ctx.log.info({ bsc: this.bsc.name, lac: this.bsc.lac, transport: this.transport }, 'BSC link ready');
    this.a.handler.onLinkUp?.(this);
  }

  get resetAcknowledged(): boolean {
    return this.resetAcked;
  }

  sendUdt(b: Bssap): void {
    if (this.state === 'closed') return;
    const called: SccpAddress = { routing: 'ssn', pc: this.pc, ssn: BSSAP_SSN };
    const calling: SccpAddress = { routing: 'ssn', pc: this.a.cfg.pc, ssn: BSSAP_SSN };
    this.stats.tx++;
    this.node.sendUnitdata(called, calling, bssapEncode(b));
  }

  /** Forgets a connection and tells the handler. */
  drop(conn: RanConn, why: string): void {
    if (conn.state === 'released') return;
    conn.state = 'released';
    this.conns.delete(conn.localRef);
    this.a.handler.onReleased(conn, why);
  }

  /** The transport went away: every connection is gone (without a message), then the handler is told. */
  close(why: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.resetTimer?.cancel();
    this.closeTransport();
    for (const c of [...this.conns.values()]) {
      c.releaseCause = `link down: ${why}`;
      c.sccp.drop(RELEASE_CAUSE.MTP_FAILURE);
      this.drop(c, `link down: ${why}`);
    }
    this.a.linkClosed(this);
    this.ctx.log.warn({ bsc: this.bsc.name, why, transport: this.transport }, 'BSC link down');
    this.a.handler.onLinkDown?.(this, why);
  }

  /** Timers and handles of the transport itself. */
  protected abstract closeTransport(): void;
  /** Where the BSC is, in words: '127.0.0.1:41234' or 'PC 187 over M3UA'. */
  abstract peerName(): string;

  status(): Record<string, unknown> {
    return {
      bsc: this.bsc.name,
      lac: this.bsc.lac,
      transport: this.transport,
      peer: this.peerName(),
      state: this.state,
      resetAcknowledged: this.resetAcked,
      connections: this.conns.size,
      ...this.stats,
    };
  }
}

/**
 * One BSC's SCCPlite link: IPA over TCP, the BSC being the client. The link
 * has an SCCP node of its own (SCCPlite carries no point codes: the BSC's is
 * configured), which dies with the TCP connection.
 */
export class BscLink extends RanPeer {
  readonly transport = 'sccplite' as const;
  unitName: string | undefined;
  protected readonly node: SccpNode;
  private readonly deframer = new IpaDeframer();
  private pingTimer: Timer | undefined;
  private pongTimer: Timer | undefined;

  constructor(
    a: AInterface,
    bsc: BscConfig,
    readonly sock: net.Socket,
  ) {
    super(a, bsc);
    this.node = new SccpNode({
      pc: a.cfg.pc,
      remotePc: this.pc,
      name: `sccp-${bsc.name}`,
      lower: sccpliteLower((f) => this.write(f)),
      host: a.host,
      log: a.ctx.log,
      timers: a.sccpTimers,
      onMalformed: (err, bytes) => this.malformed('SCCP', bytes, err),
    });
    this.node.bind(BSSAP_SSN, this);
    sock.setNoDelay(true);
    sock.on('data', (d) => this.onData2(d));
    sock.on('close', () => this.close('peer closed the TCP connection'));
    sock.on('error', (err) => this.close(`socket error: ${err.message}`));
    this.sendIpa({ proto: 'CCM', ccm: { type: 'ID_GET', tags: [{ tag: 'UNITNAME' }] } });
  }

  private onData2(d: Buffer): void {
    let frames: Uint8Array[];
    try {
      frames = this.deframer.push(d);
    } catch (err) {
      this.ctx.log.error({ bsc: this.bsc.name, err: (err as Error).message }, 'IPA framing broken; dropping the link');
      this.sock.destroy();
      return;
    }
    for (const f of frames) {
      let m: IpaMessage;
      try {
        m = ipaDecode(f);
      } catch (err) {
        this.malformed('IPA', f, err);
        continue;
      }
      this.onIpa(m);
    }
  }

  private onIpa(m: IpaMessage): void {
    if (m.proto === 'CCM') {
      const c = m.ccm;
      if (c.type === 'PING') this.sendIpa({ proto: 'CCM', ccm: { type: 'PONG' } });
      else if (c.type === 'PONG') {
        this.pongTimer?.cancel();
        this.pongTimer = undefined;
      } else if (c.type === 'ID_RESP') {
        const name = c.entries.find((e) => e.tag === 'UNITNAME')?.value.replace(/\0+$/, '');
        this.unitName = name;
        this.sendIpa({ proto: 'CCM', ccm: { type: 'ID_ACK' } });
      } else if (c.type === 'ID_ACK') {
        if (this.state === 'ccm') this.ccmDone();
      } else if (c.type === 'ID_GET') {
        this.sendIpa({ proto: 'CCM', ccm: { type: 'ID_RESP', entries: [{ tag: 'UNITNAME', value: 'snaptel-msc\0' }] } });
      }
      return;
    }
    if (m.proto !== 'SCCP') {
      this.ctx.log.debug({ bsc: this.bsc.name, proto: m.proto }, 'IPA stream not used by the MSC; ignored');
      return;
    }
    // osmo-bsc may send SCCP before acknowledging our ID: treat SCCP as "CCM done".
    if (this.state === 'ccm') this.ccmDone();
    this.node.receive(Buffer.from(m.payload, 'hex'), { opc: this.pc, dpc: this.a.cfg.pc, sls: 0 });
  }

  private ccmDone(): void {
    this.ctx.log.info({ bsc: this.bsc.name, unit: this.unitName, peer: this.sock.remoteAddress }, 'BSC link: IPA identified');
    if (this.a.cfg.pingIntervalMs > 0)
      this.pingTimer = this.ctx.timers.every(`ping-${this.bsc.name}`, this.a.cfg.pingIntervalMs, () => this.ping());
    this.startReset();
  }

  private ping(): void {
    if (this.pongTimer) return;
    this.sendIpa({ proto: 'CCM', ccm: { type: 'PING' } });
    this.pongTimer = this.ctx.timers.once(`pong-${this.bsc.name}`, this.a.cfg.pongTimeoutMs, () => {
      this.pongTimer = undefined;
      this.ctx.log.warn({ bsc: this.bsc.name }, 'no IPA PONG; dropping the link');
      this.sock.destroy();
    });
  }

  private corked = false;

  private sendIpa(m: IpaMessage): void {
    this.write(ipaEncode(m));
  }

  /** Everything sent in one turn goes out in one write(2): cork now, uncork on the next tick. */
  private write(frame: Uint8Array): void {
    if (this.state === 'closed' || this.sock.destroyed) return;
    if (!this.corked) {
      this.corked = true;
      this.sock.cork();
      process.nextTick(() => {
        this.corked = false;
        this.sock.uncork();
      });
    }
    this.sock.write(frame);
  }

  protected closeTransport(): void {
    for (const t of [this.pingTimer, this.pongTimer]) t?.cancel();
    this.sock.destroy();
  }

  peerName(): string {
    return `${this.sock.remoteAddress}:${this.sock.remotePort}`;
  }

  override status(): Record<string, unknown> {
    return { ...super.status(), unit: this.unitName ?? null };
  }
}

/** The MSC's A interface: the listener, the BSC links, paging. */
export class AInterface {
  readonly links = new Set<RanPeer>();
  /** Where the SCCP nodes' timers run: the image runtime's. */
  readonly host: TimerHost;
  /** SCCP timers (T(ias), T(iar), T(rel)...), shared by every node. */
  readonly sccpTimers: TimerTable;
  /** AoIP, when a BSC is configured for it. */
  readonly aoip: Aoip | undefined;

  constructor(
    readonly ctx: Context,
    readonly cfg: AConfig,
    readonly handler: RanHandler,
  ) {
    this.host = { now: () => clock.now(), at: (name, deadline, fn) => ctx.timers.at(name, deadline, fn) };
    this.sccpTimers = sccpTimers(cfg.sccpTimers);
    const aoipBscs = cfg.bscs.filter((b) => b.transport === 'm3ua');
    this.aoip = aoipBscs.length ? new Aoip(this, { ...M3UA_DEFAULTS, host: cfg.host, ...cfg.m3ua }, aoipBscs) : undefined;
    ctx.net.listen({
      name: 'a-interface',
      host: cfg.host,
      port: cfg.port,
      onConnection: (sock) => this.accept(sock),
    });
  }

  private accept(sock: net.Socket): void {
    const peer = (sock.remoteAddress ?? '').replace(/^::ffff:/, '');
    const bsc = this.cfg.bscs.find((b) => b.host === peer && (b.transport ?? 'sccplite') === 'sccplite');
    if (!bsc) {
      this.ctx.log.warn({ peer, port: sock.remotePort }, 'connection from an address that is no configured BSC; closed');
      sock.destroy();
      return;
    }
    for (const l of this.links)
      if (l.bsc === bsc) {
        this.ctx.log.warn({ bsc: bsc.name }, 'BSC connected again: the old link is dropped');
        l.close('replaced by a new connection');
      }
    this.links.add(new BscLink(this, bsc, sock));
  }

  linkClosed(l: RanPeer): void {
    this.links.delete(l);
  }

  /** The ready link serving a LAC. */
  linkFor(lac: number): RanPeer | undefined {
    for (const l of this.links) if (l.bsc.lac === lac && l.state === 'ready') return l;
    return undefined;
  }

  /** BSSMAP PAGING to the BSC(s) of a LAC. Returns how many links it went to. */
  page(lac: number, imsi: string, tmsi?: number): number {
    let n = 0;
    for (const l of this.links) {
      if (l.bsc.lac !== lac || l.state !== 'ready') continue;
      l.sendUdt({
        discriminator: 'bssmap',
        type: 'PAGING',
        ies: {
          imsi: { type: 'imsi', digits: imsi },
          ...(tmsi !== undefined ? { tmsi } : {}),
          cellIdentifierList: { discriminator: 'lac', cells: [{ lac }] },
        },
      });
      n++;
    }
    return n;
  }

  status(): Array<Record<string, unknown>> {
    return [...this.links].map((l) => l.status());
  }
}

/**
 * AoIP: BSSAP over SCCP over M3UA over SCTP. The MSC is the signalling
 * gateway side of M3UA (RFC 4666): it listens, each BSC is an ASP of its own
 * application server (one routing context each, traffic mode override), and
 * one SCCP node with the MSC's point code serves them all, routing on the
 * BSC's point code. A BSC's link is up while its AS is active.
 */
export class Aoip {
  readonly endpoint: M3uaEndpoint;
  readonly node: SccpNode;
  readonly cfg: M3uaAConfig;
  /** The live link of each BSC, by point code. */
  private readonly up = new Map<number, M3uaBsc>();
  private readonly byRc = new Map<number, BscConfig>();
  private readonly listener: SctpListenHandle;

  constructor(
    readonly a: AInterface,
    cfg: M3uaAConfig,
    bscs: BscConfig[],
  ) {
    this.cfg = cfg;
    const ctx = a.ctx;
    bscs.forEach((b, i) => this.byRc.set(b.routingContext ?? i + 1, b));
    this.endpoint = new M3uaEndpoint(
      {
        role: 'sg',
        name: 'msc',
        localPc: a.cfg.pc,
        applicationServers: [...this.byRc].map(([rc, b]) => ({ routingContext: rc, dpc: b.pc ?? 187, trafficMode: 'override' })),
        ...(cfg.timers ? { timers: cfg.timers } : {}),
      },
      a.host,
      // Transitions and every message (DATA too) at debug; failures as warnings and errors.
      { info: (f, m) => ctx.log.debug(f, m), debug: (f, m) => ctx.log.debug(f, m), warn: (f, m) => ctx.log.warn(f, m), error: (f, m) => ctx.log.error(f, m) },
    );
    this.node = new SccpNode({
      pc: a.cfg.pc,
      name: 'sccp-aoip',
      lower: { send: (bytes, route) => this.send(bytes, route) },
      host: a.host,
      log: ctx.log,
      timers: a.sccpTimers,
    });
    this.node.bind(BSSAP_SSN, {
      onUnitdata: (data, _calling, _called, info) => {
        const peer = this.up.get(info.opc);
        if (peer) peer.onUnitdata(data);
        else ctx.log.warn({ opc: info.opc }, 'BSSAP unitdata from a point code with no active BSC link; ignored');
      },
      onConnectIndication: (sc, data) => {
        const peer = sc.remotePc !== undefined ? this.up.get(sc.remotePc) : undefined;
        if (peer) peer.onConnectIndication(sc, data);
        else {
          ctx.log.warn({ opc: sc.remotePc }, 'SCCP CR from a point code with no active BSC link; refused');
          sc.refuse(0);
        }
      },
    });
    this.endpoint.on('active', (e) => {
      for (const rc of e.routingContext) this.asActive(rc);
    });
    this.endpoint.on('inactive', (e) => {
      for (const rc of e.routingContext) this.asInactive(rc, e.reason);
    });
    this.endpoint.on('transfer', (pd) => {
      if (pd.si !== 3) {
        ctx.log.debug({ si: pd.si, opc: pd.opc }, 'M3UA DATA for a user part other than SCCP; ignored');
        return;
      }
      this.node.receive(pd.data, { opc: pd.opc, dpc: pd.dpc, sls: pd.sls });
    });
    this.listener = sctpListen(ctx, {
      name: 'm3ua',
      backend: { backend: cfg.backend, transport: cfg.transport },
      host: cfg.host,
      port: cfg.port,
      onAssociation: (assoc) => this.endpoint.attach(assoc),
    });
  }

  private send(bytes: Uint8Array, route: MtpRoute): void {
    try {
      this.endpoint.transfer({ opc: route.opc, dpc: route.dpc, si: 3, ni: this.cfg.ni, mp: 0, sls: route.sls, data: bytes });
    } catch (err) {
      this.a.ctx.log.warn({ dpc: route.dpc, err: (err as Error).message }, 'SCCP message not sent over M3UA');
    }
  }

  private asActive(rc: number): void {
    const bsc = this.byRc.get(rc);
    if (!bsc) return;
    const pc = bsc.pc ?? 187;
    if (this.up.has(pc)) return;
    const peer = new M3uaBsc(this.a, bsc, this, rc);
    this.up.set(pc, peer);
    this.a.links.add(peer);
    this.a.ctx.log.info({ bsc: bsc.name, pc, routingContext: rc }, 'BSC link: M3UA application server active');
    peer.begin();
  }

  private asInactive(rc: number, reason: string): void {
    const bsc = this.byRc.get(rc);
    const peer = bsc ? this.up.get(bsc.pc ?? 187) : undefined;
    peer?.close(`M3UA: ${reason}`);
  }

  /** @internal */
  forget(peer: M3uaBsc): void {
    if (this.up.get(peer.pc) === peer) this.up.delete(peer.pc);
  }

  status(): Record<string, unknown> {
    return { listen: `${this.cfg.host}:${this.cfg.port}`, backend: this.cfg.backend, transport: this.cfg.transport, associations: this.listener.associations().length, m3ua: this.endpoint.status(), sccp: this.node.status() };
  }
}

/** One BSC over AoIP, while its M3UA application server is active. */
export class M3uaBsc extends RanPeer {
  readonly transport = 'm3ua' as const;

  constructor(
    a: AInterface,
    bsc: BscConfig,
    private readonly aoip: Aoip,
    readonly routingContext: number,
  ) {
    super(a, bsc);
  }

  protected get node(): SccpNode {
    return this.aoip.node;
  }

  begin(): void {
    this.startReset();
  }

  protected closeTransport(): void {
    this.aoip.forget(this);
  }

  peerName(): string {
    return `PC ${this.pc} over M3UA (routing context ${this.routingContext})`;
  }
}
