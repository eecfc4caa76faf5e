import type * as net from 'node:net';
import { toHex } from '@snaptel/codec';
import { decode as ipaDecode, encode as ipaEncode, IpaDeframer, type IpaMessage } from '@snaptel/ipa';
import { decode as sccpDecode, encode as sccpEncode, type SccpAddress, type SccpMessage } from '@snaptel/sccp';
import { decode as bssapDecode, encode as bssapEncode, type Bssap, type BssmapMessage } from '@snaptel/bssap';
import type { Dtap, DtapMessage } from '@snaptel/gsm48';
import type { Context, Timer } from '@snaptel/image';

/**
 * The A interface over SCCPlite: BSSAP over SCCP over IPA over TCP, the MSC
 * being the TCP server and each BSC an IPA client (osmo-bsc's "msc" link in
 * SCCPlite mode). One BscLink per TCP connection; one RanConn per SCCP
 * connection (class 2), i.e. per mobile station dialogue.
 */

export interface BscConfig {
  /** Name in logs and status. */
  name: string;
  /** Peer address the BSC connects from: only configured BSCs are accepted. */
  host: string;
  /** Location area the BSC serves. */
  lac: number;
  /** The BSC's point code (default 187, osmo-bsc's 0.23.3). */
  pc?: number;
}

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
  /** BSSMAP on an established connection (CIPHER MODE COMPLETE, ASSIGNMENT COMPLETE, CLEAR REQUEST...). */
  onBssmap(conn: RanConn, msg: BssmapMessage): void;
  /** The connection is gone (released, refused, or its link dropped). */
  onReleased(conn: RanConn, why: string): void;
  /** RESET from the BSC: every connection of the link is gone; the handler forgets them. */
  onLinkReset?(link: BscLink): void;
  onLinkUp?(link: BscLink): void;
  onLinkDown?(link: BscLink, why: string): void;
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
    readonly link: BscLink,
    /** The BSC's local reference (its source reference in CR). */
    readonly remoteRef: number,
    /** Ours. */
    readonly localRef: number,
  ) {}

  get name(): string {
    return `conn-${this.id}(${this.link.bsc.name}, ref ${this.localRef})`;
  }

  /** Accepts the connection (SCCP CC); done implicitly by the first send. */
  confirm(): void {
    if (this.state !== 'wait-cc') return;
    this.link.sendSccp({ type: 'CC', dstRef: this.remoteRef, srcRef: this.localRef, protocolClass: { class: 2, handling: 0 } } as SccpMessage);
    this.state = 'established';
  }

  /** Refuses it (SCCP CREF) instead of confirming. */
  refuse(cause = 0): void {
    if (this.state !== 'wait-cc') return;
    this.link.sendSccp({ type: 'CREF', dstRef: this.remoteRef, refusalCause: cause } as SccpMessage);
    this.link.drop(this, 'refused');
  }

  sendDtap(dtap: Dtap): void {
    this.sendBssap({ discriminator: 'dtap', dlci: 0, dtap });
  }

  sendBssmap(type: BssmapMessage['type'], ies: BssmapMessage['ies'] = {}): void {
    this.sendBssap({ discriminator: 'bssmap', type, ies });
  }

  sendBssap(b: Bssap): void {
    if (this.state === 'wait-cc') this.confirm();
    if (this.state === 'released' || this.state === 'releasing') return;
    this.link.sendSccp({ type: 'DT1', dstRef: this.remoteRef, segmentingReassembling: 0, data: toHex(bssapEncode(b)) } as SccpMessage);
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
    this.link.sendSccp({ type: 'RLSD', dstRef: this.remoteRef, srcRef: this.localRef, releaseCause: cause } as SccpMessage);
    this.state = 'releasing';
  }
}

/** One BSC's TCP connection. */
export class BscLink {
  state: LinkState = 'ccm';
  unitName: string | undefined;
  readonly conns = new Map<number, RanConn>();
  private readonly byRemote = new Map<number, RanConn>();
  private readonly deframer = new IpaDeframer();
  private pingTimer: Timer | undefined;
  private pongTimer: Timer | undefined;
  private resetTimer: Timer | undefined;
  private resetAcked = false;
  private resetsSent = 0;
  readonly connectedAt = Date.now();
  stats = { rx: 0, tx: 0, malformed: 0 };

  constructor(
    readonly a: AInterface,
    readonly bsc: BscConfig,
    readonly sock: net.Socket,
  ) {
    sock.setNoDelay(true);
    sock.on('data', (d) => this.onData(d));
    sock.on('close', () => this.close('peer closed the TCP connection'));
    sock.on('error', (err) => this.close(`socket error: ${err.message}`));
    this.sendIpa({ proto: 'CCM', ccm: { type: 'ID_GET', tags: [{ tag: 'UNITNAME' }] } });
  }

  get ctx(): Context {
    return this.a.ctx;
  }

  private onData(d: Buffer): void {
    let frames: Uint8Array[];
    try {
      frames = this.deframer.push(d);
    } catch (err) {
      this.ctx.log.error({ bsc: this.bsc.name, err: (err as Error).message }, 'IPA framing broken; dropping the link');
      this.sock.destroy();
      return;
    }
    for (const f of frames) {
      this.stats.rx++;
      let m: IpaMessage;
      try {
        m = ipaDecode(f);
      } catch (err) {
        this.malformed('IPA', f, err);
        continue;
      }
      try {
        this.onIpa(m);
      } catch (err) {
        this.malformed('SCCP/BSSAP', f, err);
      }
    }
  }

  private malformed(layer: string, bytes: Uint8Array, err: unknown): void {
    this.stats.malformed++;
    this.ctx.log.warn({ bsc: this.bsc.name, layer, hex: toHex(bytes).slice(0, 200), err: (err as Error).message }, 'malformed message from BSC; ignored');
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
    this.onSccp(sccpDecode(Buffer.from(m.payload, 'hex')));
  }

  private ccmDone(): void {
    this.state = 'reset';
    this.ctx.log.info({ bsc: this.bsc.name, unit: this.unitName, peer: this.sock.remoteAddress }, 'BSC link: IPA identified');
    if (this.a.cfg.pingIntervalMs > 0)
      this.pingTimer = this.ctx.timers.every(`ping-${this.bsc.name}`, this.a.cfg.pingIntervalMs, () => this.ping());
    this.sendReset();
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

  /** BSSMAP RESET towards the BSC, repeated until acknowledged (the MSC's half of the handshake). */
  private sendReset(): void {
    this.resetsSent++;
    this.sendUdt({ discriminator: 'bssmap', type: 'RESET', ies: { cause: 0x20 } });
    this.resetTimer?.cancel();
    this.resetTimer = this.ctx.timers.once(`reset-${this.bsc.name}`, this.a.cfg.resetRepeatMs, () => {
      this.resetTimer = undefined;
      if (!this.resetAcked && this.state !== 'closed') this.sendReset();
    });
  }

  private onSccp(s: SccpMessage): void {
    switch (s.type) {
      case 'UDT':
        return this.onUdt(bssapDecode(Buffer.from(s.data, 'hex'), 'mo'));
      case 'CR': {
        const data = s.data ? bssapDecode(Buffer.from(s.data, 'hex'), 'mo') : undefined;
        if (!data || data.discriminator !== 'bssmap' || data.type !== 'COMPLETE LAYER 3 INFORMATION') {
          this.ctx.log.warn({ bsc: this.bsc.name }, 'SCCP CR without COMPLETE LAYER 3 INFORMATION; refused');
          this.sendSccp({ type: 'CREF', dstRef: s.srcRef, refusalCause: 0 } as SccpMessage);
          return;
        }
        const l3 = data.ies.layer3Information as Dtap;
        if (!l3 || 'raw' in l3) {
          this.sendSccp({ type: 'CREF', dstRef: s.srcRef, refusalCause: 0 } as SccpMessage);
          return;
        }
        const conn = new RanConn(this, s.srcRef, this.a.allocRef());
        this.conns.set(conn.localRef, conn);
        this.byRemote.set(conn.remoteRef, conn);
        this.a.handler.onCompleteL3(conn, l3 as DtapMessage, data);
        return;
      }
      case 'DT1': {
        const conn = this.conns.get(s.dstRef);
        if (!conn) {
          this.ctx.log.warn({ bsc: this.bsc.name, ref: s.dstRef }, 'DT1 for an unknown connection; ignored');
          return;
        }
        const b = bssapDecode(Buffer.from(s.data, 'hex'), 'mo');
        if (b.discriminator === 'dtap') {
          if ('raw' in b.dtap) this.ctx.log.warn({ conn: conn.name, raw: b.dtap.raw }, 'unknown DTAP; ignored');
          else this.a.handler.onDtap(conn, b.dtap);
        } else if (b.type === 'CLEAR COMPLETE') conn.release(0);
        else if (b.type !== 'unknown') this.a.handler.onBssmap(conn, b);
        return;
      }
      case 'RLSD': {
        const conn = this.conns.get(s.dstRef);
        this.sendSccp({ type: 'RLC', dstRef: s.srcRef, srcRef: s.dstRef } as SccpMessage);
        if (conn) this.drop(conn, 'released by the BSC');
        return;
      }
      case 'RLC': {
        const conn = this.conns.get(s.dstRef);
        if (conn) this.drop(conn, conn.releaseCause ?? 'released');
        return;
      }
      case 'IT':
        return; // inactivity test from the BSC: the connection is alive; nothing to answer in class 2
      default:
        this.ctx.log.warn({ bsc: this.bsc.name, type: s.type }, 'SCCP message type not handled; ignored');
    }
  }

  private onUdt(b: Bssap): void {
    if (b.discriminator !== 'bssmap') return;
    if (b.type === 'RESET') {
      this.ctx.log.info({ bsc: this.bsc.name, cause: b.ies.cause }, 'BSSMAP RESET from BSC; acknowledging');
      for (const c of [...this.conns.values()]) this.drop(c, 'BSC reset');
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

  private markReady(): void {
    if (this.state === 'ready' || this.state === 'closed') return;
    this.state = 'ready';
    this.ctx.log.info({ bsc: this.bsc.name, lac: this.bsc.lac }, 'BSC link ready');
    this.a.handler.onLinkUp?.(this);
  }

  get resetAcknowledged(): boolean {
    return this.resetAcked;
  }

  sendUdt(b: Bssap): void {
    const called: SccpAddress = { routing: 'ssn', pc: this.bsc.pc ?? 187, ssn: BSSAP_SSN };
    const calling: SccpAddress = { routing: 'ssn', pc: this.a.cfg.pc, ssn: BSSAP_SSN };
    this.sendSccp({ type: 'UDT', protocolClass: { class: 0, handling: 0 }, called, calling, data: toHex(bssapEncode(b)) } as SccpMessage);
  }

  sendSccp(s: SccpMessage): void {
    this.sendIpa({ proto: 'SCCP', payload: toHex(sccpEncode(s)) });
  }

  private corked = false;

  private sendIpa(m: IpaMessage): void {
    if (this.state === 'closed' || this.sock.destroyed) return;
    this.stats.tx++;
    // Everything sent in one turn goes out in one write(2): cork now, uncork on the next tick.
    if (!this.corked) {
      this.corked = true;
      this.sock.cork();
      process.nextTick(() => {
        this.corked = false;
        this.sock.uncork();
      });
    }
    this.sock.write(ipaEncode(m));
  }

  /** Forgets a connection and tells the handler. */
  drop(conn: RanConn, why: string): void {
    if (conn.state === 'released') return;
    conn.state = 'released';
    this.conns.delete(conn.localRef);
    this.byRemote.delete(conn.remoteRef);
    this.a.handler.onReleased(conn, why);
  }

  close(why: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const t of [this.pingTimer, this.pongTimer, this.resetTimer]) t?.cancel();
    for (const c of [...this.conns.values()]) this.drop(c, `link down: ${why}`);
    this.sock.destroy();
    this.a.linkClosed(this);
    this.ctx.log.warn({ bsc: this.bsc.name, why }, 'BSC link down');
    this.a.handler.onLinkDown?.(this, why);
  }

  status(): Record<string, unknown> {
    return {
      bsc: this.bsc.name,
      lac: this.bsc.lac,
      peer: `${this.sock.remoteAddress}:${this.sock.remotePort}`,
      unit: this.unitName ?? null,
      state: this.state,
      resetAcknowledged: this.resetAcked,
      connections: this.conns.size,
      ...this.stats,
    };
  }
}

/** The MSC's A interface: the listener, the BSC links, paging. */
export class AInterface {
  readonly links = new Set<BscLink>();
  private nextRef = 1;

  constructor(
    readonly ctx: Context,
    readonly cfg: AConfig,
    readonly handler: RanHandler,
  ) {
    ctx.net.listen({
      name: 'a-interface',
      host: cfg.host,
      port: cfg.port,
      onConnection: (sock) => this.accept(sock),
    });
  }

  private accept(sock: net.Socket): void {
    const peer = (sock.remoteAddress ?? '').replace(/^::ffff:/, '');
    const bsc = this.cfg.bscs.find((b) => b.host === peer);
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

  linkClosed(l: BscLink): void {
    this.links.delete(l);
  }

  /** A 24-bit local reference not in use on any link. */
  allocRef(): number {
    for (let i = 0; i < 0xffffff; i++) {
      const r = this.nextRef;
      this.nextRef = this.nextRef >= 0xfffffe ? 1 : this.nextRef + 1;
      if (![...this.links].some((l) => l.conns.has(r))) return r;
    }
    throw new Error('no free SCCP local reference');
  }

  /** The ready link serving a LAC. */
  linkFor(lac: number): BscLink | undefined {
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
