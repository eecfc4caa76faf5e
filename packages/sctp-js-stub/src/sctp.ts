import { EventEmitter } from 'node:events';
import { AssociationBase, WILDCARD, checkHost, checkPort, checkSend, checkStreams, checkTimeout } from './base';
import { rawWireOpen, sctpLib, udpWireOpen, UdpWire, type LibAssociation, type LibEndpoint, type LibPacket, type Wire } from './sctp-wire';
import {
  AssociationError,
  type Association,
  type AssociationErrorCode,
  type AssociationInfo,
  type Backend,
  type ConnectOptions,
  type ListenOptions,
  type SctpTransport,
  type SendOptions,
  type Server,
} from './types';

/**
 * The `sctp` backend: real RFC 4960 on the wire through the npm `sctp`
 * package (latysheff/node-sctp, plain JavaScript), over raw IP (root, no
 * kernel SCTP) or over UDP encapsulation (RFC 6951).
 *
 * We use the package's Endpoint and Association (the RFC 4960 machine:
 * handshake with cookies, DATA/SACK, congestion control, fragmentation and
 * reassembly, heartbeats, SHUTDOWN, ABORT) and not its net-like Socket, which
 * has one stream and one PPID per writer. Around them we add what a
 * signalling link needs and the package lacks: a send queue that puts each
 * message on its own stream with its own PPID without overrunning cwnd,
 * dead-peer detection (the package never gives up on a silent peer), a
 * restart of the peer (a new INIT from the address of a live association,
 * RFC 4960 5.2.2), SHUTDOWN only once our data is acknowledged, timeouts on
 * connect and on close, and wires we can close (sctp-wire.ts).
 *
 * Nothing of the package is loaded before the first listen or connect.
 */

export interface SctpBackendOptions {
  /** 'raw' (default): SCTP directly over IPv4, needs root; 'udp': RFC 6951 encapsulation. */
  transport?: SctpTransport;
  /** Local UDP encapsulation port (udp only); default 9899 (IANA sctp-tunneling). 0: any. */
  udpPort?: number;
  /** The peer's UDP encapsulation port for connect (udp only); default 9899. Replies follow the port the peer sends from. */
  udpPeerPort?: number;
  /** HEARTBEAT interval (ms); default 30 000 (RFC 4960 HB.interval). */
  heartbeatMs?: number;
  /** A peer heard from for this long is declared unreachable and the association aborted; default 4 heartbeats. */
  maxSilenceMs?: number;
  /** SHUTDOWN that does not complete within this (ms) becomes an ABORT; also bounds a peer's restart handshake. Default 3000. */
  closeTimeoutMs?: number;
  /** RTO bounds (ms); defaults RFC 4960: initial 3000, min 1000, max 60 000. */
  rto?: { initialMs?: number; minMs?: number; maxMs?: number };
}

export interface SctpBackend extends Backend {
  readonly name: 'sctp';
  readonly transport: SctpTransport;
  readonly options: Readonly<ResolvedOptions>;
}

interface ResolvedOptions {
  transport: SctpTransport;
  udpPort: number;
  udpPeerPort: number;
  heartbeatMs: number;
  maxSilenceMs: number;
  closeTimeoutMs: number;
  rtoInitialMs: number;
  rtoMinMs: number;
  rtoMaxMs: number;
}

const CONNECT_TIMEOUT_MS = 10_000;
/** Chunk types whose arrival shows the peer is alive (after the verification tag check). */
const RX_EVENTS = ['data', 'sack', 'heartbeat', 'heartbeat_ack', 'cookie_ack', 'shutdown', 'shutdown_ack', 'error'];
/** A DATA chunk carries at most this much user data with the package's 1500-byte PMTU. */
const FRAGMENT = 1448;

let nextId = 1;

function ms(v: unknown, what: string, dflt: number, zeroOk = false): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < (zeroOk ? 0 : 1) || v > 2 ** 31 - 1)
    throw new AssociationError('bad-option', `sctp backend: ${what} ${String(v)} must be a positive number of milliseconds`);
  return v;
}

function resolve(o: SctpBackendOptions): ResolvedOptions {
  const transport = o.transport ?? 'raw';
  if (transport !== 'raw' && transport !== 'udp') throw new AssociationError('bad-option', `sctp backend: transport ${JSON.stringify(transport)} is neither 'raw' nor 'udp'`);
  const heartbeatMs = ms(o.heartbeatMs, 'heartbeatMs', 30_000);
  const r = {
    transport,
    udpPort: checkPort(o.udpPort ?? 9899, 'sctp backend udpPort', true),
    udpPeerPort: checkPort(o.udpPeerPort ?? 9899, 'sctp backend udpPeerPort', false),
    heartbeatMs,
    maxSilenceMs: ms(o.maxSilenceMs, 'maxSilenceMs', 4 * heartbeatMs),
    closeTimeoutMs: ms(o.closeTimeoutMs, 'closeTimeoutMs', 3000),
    rtoInitialMs: ms(o.rto?.initialMs, 'rto.initialMs', 3000),
    rtoMinMs: ms(o.rto?.minMs, 'rto.minMs', 1000),
    rtoMaxMs: ms(o.rto?.maxMs, 'rto.maxMs', 60_000),
  };
  if (!(r.rtoMinMs <= r.rtoInitialMs && r.rtoInitialMs <= r.rtoMaxMs))
    throw new AssociationError('bad-option', `sctp backend: want rto.minMs <= rto.initialMs <= rto.maxMs (got ${r.rtoMinMs}, ${r.rtoInitialMs}, ${r.rtoMaxMs})`);
  return r;
}

/** Why the package said COMMUNICATION LOST, in words. */
function lostReason(ev: unknown, causes: unknown): string {
  if (ev === 'abort') {
    const list = Array.isArray(causes) ? causes : [];
    const words = list.map((c: { cause?: string; cause_code?: number; abort_reason?: string }) => {
      if (c.cause === 'USER_INITIATED_ABORT') {
        // The package's decoder keeps the padding after the reason: cut control characters off the end.
        const r = (c.abort_reason ?? '').replace(/[\x00-\x1f]+$/, '');
        return r ? `User-Initiated Abort: ${r}` : 'User-Initiated Abort';
      }
      return String(c.cause ?? `cause ${c.cause_code}`);
    });
    return `ABORT from peer${words.length ? ` (${words.join(', ')})` : ''}`;
  }
  return 'communication lost (ICMP, or the endpoint closed)';
}

/** DATA chunks sent and not yet acknowledged. */
function outstanding(la: LibAssociation): number {
  return Object.keys((la as unknown as { sent?: object }).sent ?? {}).length;
}

interface Queued {
  buf: Buffer;
  stream: number;
  ppid: number;
  unordered: boolean;
}

class SctpAssociation extends AssociationBase {
  private la: LibAssociation | undefined;
  private queue: Queued[] = [];
  private qHead = 0;
  private batchSeq = 0;
  private waiting = 0;
  private pumping = false;
  private lastRx = Date.now();
  private watchdog: NodeJS.Timeout | undefined;
  private guard: NodeJS.Timeout | undefined;
  private stall: NodeJS.Timeout | undefined;
  private closingByUs = false;
  private shutdownSent = false;
  private shutdownAcked = false;
  private restarting = false;
  private peerOS: number | undefined;
  inStreams = 0;
  outStreams = 0;
  /** Why a connect failed, when it did. */
  failCode: AssociationErrorCode | undefined;
  readonly stats = { restarts: 0, sendErrors: 0, dropped: 0, batches: 0 };

  constructor(
    private readonly be: SctpBackendImpl,
    readonly role: 'client' | 'server',
    readonly ep: LibEndpoint,
    readonly wire: Wire,
    readonly local: { host: string; port: number },
    readonly remote: { host: string; port: number },
    private readonly hooks: { announce?(a: SctpAssociation): void; gone(a: SctpAssociation): void; expectRestart?(key: string, a: SctpAssociation): void },
  ) {
    super(nextId++);
  }

  get peerName(): string {
    return `${this.remote.host}:${this.remote.port}`;
  }

  info(): AssociationInfo {
    return this.baseInfo('sctp', this.be.transport, {
      localAddress: this.local.host,
      localPort: this.local.port,
      remoteAddress: this.remote.host,
      remotePort: this.remote.port,
      inStreams: this.inStreams,
      outStreams: this.outStreams,
    });
  }

  /** Takes a package association: our tunables, our listeners. */
  bind(la: LibAssociation): void {
    const o = this.be.options;
    la.hb_interval = o.heartbeatMs;
    la.rto_initial = o.rtoInitialMs;
    la.rto_min = o.rtoMinMs;
    la.rto_max = o.rtoMaxMs;
    la.RTO = o.rtoInitialMs;
    // The peer's outbound stream count is in its INIT / INIT ACK, which the package reads only here.
    const update = la._updatePeer.bind(la);
    la._updatePeer = (chunk: { outbound_streams?: number }) => {
      this.peerOS = chunk.outbound_streams;
      update(chunk);
    };
    this.la = la;
    const mine = () => this.la === la;
    const touch = () => {
      if (mine()) this.lastRx = Date.now();
    };
    for (const ev of RX_EVENTS) la.on(ev, touch);
    la.on('COMMUNICATION UP', () => mine() && this.onUp(la));
    la.on('DATA ARRIVE', (sid: number) => {
      const b = la.RECEIVE();
      if (!b || !mine() || this._state === 'down') return;
      this.deliver({ data: new Uint8Array(b.buffer, b.byteOffset, b.length), stream: sid, ppid: (b.ppid ?? 0) >>> 0 });
    });
    la.on('COMMUNICATION LOST', (ev: unknown, causes: unknown) => {
      if (!mine()) return;
      if (this._state === 'connecting') this.failCode = 'refused';
      this.gone(lostReason(ev, causes));
    });
    la.on('SHUTDOWN COMPLETE', () => mine() && this.gone(this.closingByUs ? 'shutdown' : 'shutdown by peer'));
    la.on('shutdown', (chunk: { c_tsn_ack?: number }) => {
      if (!mine()) return;
      if (this._state === 'up') {
        // The peer's SHUTDOWN: no new data from our user (SHUTDOWN-RECEIVED).
        this._state = 'closing';
        this.armGuard(`SHUTDOWN from peer did not complete within ${o.closeTimeoutMs} ms: aborted`);
      }
      if (la.state !== 'SHUTDOWN-RECEIVED') return;
      // The package has answered (or is answering) with SHUTDOWN ACK when its flightsize was 0.
      if (la.flightsize === 0) {
        this.shutdownAcked = true;
        return;
      }
      // Its Cumulative TSN Ack acknowledges our data as a SACK would (RFC 4960 9.2); the package ignores it.
      if (typeof chunk?.c_tsn_ack === 'number') la.emit('sack', { c_tsn_ack: chunk.c_tsn_ack, a_rwnd: la.peer_rwnd });
      this.ackShutdown(la);
    });
    // Slow start (RFC 4960 7.2.1): the package's test for growing cwnd looks at flightsize after the SACK has
    // emptied it, so cwnd stays at its initial 4380 bytes. We grow it here, from what the SACK acknowledged.
    let flightBefore = 0;
    (la as unknown as { prependListener(ev: string, fn: () => void): void }).prependListener('sack', () => {
      flightBefore = la.flightsize;
    });
    la.on('sack', () => {
      if (!mine()) return;
      const acked = flightBefore - la.flightsize;
      const l = la as unknown as { cwnd: number; ssthresh: number; PMTU: number; fastRecovery: boolean };
      if (acked > 0 && !l.fastRecovery && flightBefore >= l.cwnd - l.PMTU) {
        if (l.cwnd <= l.ssthresh) l.cwnd += Math.min(acked, l.PMTU);
        else l.cwnd += Math.max(1, Math.floor((l.PMTU * Math.min(acked, l.PMTU)) / l.cwnd));
      }
      this.pump();
      this.checkDrained();
      this.ackShutdown(la);
    });
    if (this.role === 'server') {
      // The package answers an unexpected INIT with nothing (or an ABORT): we take it as the peer's restart.
      la.removeAllListeners('init');
      la.on('init', (chunk: unknown, src: string, header: LibPacket) => mine() && this.onPeerInit(la, chunk, src, header));
    }
  }

  private onUp(la: LibAssociation): void {
    this.outStreams = la.OS;
    this.inStreams = Math.min(la.MIS, this.peerOS ?? la.MIS);
    this.lastRx = Date.now();
    this.startWatchdog();
    if (this.restarting) {
      this.restarting = false;
      this.clearGuard();
      this.stats.restarts++;
      this.emit('restart');
    } else {
      this.markUp();
      this.hooks.announce?.(this);
    }
    this.pump();
  }

  /** RFC 4960 5.2.2: an INIT from the peer of a live association: the peer restarted. */
  private onPeerInit(la: LibAssociation, chunk: unknown, src: string, header: LibPacket): void {
    if (this._state === 'closing') {
      this.gone('the peer restarted during SHUTDOWN');
      this.ep.onInit(chunk, src, undefined, header);
      return;
    }
    if (this._state !== 'up') return;
    // Forget the old association without an ABORT (the peer has no state for it) and answer the INIT as new.
    this.la = undefined;
    this.waiting = 0;
    la._destroy();
    this.restarting = true;
    this.hooks.expectRestart?.(`${src}:${header.src_port}`, this);
    this.armGuard(`the peer restarted (new INIT) but did not complete the handshake within ${this.be.options.closeTimeoutMs} ms`);
    this.ep.onInit(chunk, src, undefined, header);
  }

  send(data: Uint8Array, opts?: SendOptions): void {
    const m = checkSend(this, this.peerName, this.outStreams, data, opts);
    this.queue.push({ buf: Buffer.from(data), stream: m.stream, ppid: m.ppid, unordered: m.unordered === true });
    this.countTx(data.length);
    this.pump();
  }

  /**
   * Hands queued messages to the package, as many as cwnd and the peer's
   * window take, then waits for the package to say they are out (its send
   * callback) or for a SACK. The package's own net.Socket writes one message
   * at a time; its SEND fails outright when flightsize reaches cwnd.
   */
  private pump(): void {
    const la = this.la;
    if (!la || la.state !== 'ESTABLISHED' || this.waiting !== 0 || this.qHead === this.queue.length) return;
    let budget = Math.min(la.cwnd, la.peer_rwnd) - la.flightsize;
    if (budget <= 0) {
      // Normally a SACK comes; if nothing is in flight, look again shortly.
      if (la.flightsize <= 0 && !this.stall) this.stall = setTimeout(() => ((this.stall = undefined), this.pump()), 20);
      return;
    }
    const batch = ++this.batchSeq;
    this.waiting = batch;
    this.pumping = true;
    try {
      // While below cwnd, one more message may go even if it crosses cwnd (RFC 4960 6.1 B allows up to PMTU-1 over):
      // the package grows cwnd only when a SACK finds it fully used.
      while (this.qHead < this.queue.length) {
        const m = this.queue[this.qHead]!;
        const cost = m.buf.length + 16 * Math.ceil(m.buf.length / FRAGMENT);
        this.queue[this.qHead++] = undefined as unknown as Queued;
        budget -= cost;
        la.SEND(m.buf, { stream_id: m.stream, ppid: m.ppid, unordered: m.unordered }, (err?: Error) => this.sent(batch, err));
        if (budget <= 0 || this.la !== la) break;
      }
    } finally {
      this.pumping = false;
    }
    if (this.qHead === this.queue.length) {
      this.queue = [];
      this.qHead = 0;
    } else if (this.qHead > 1024 && this.qHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.qHead);
      this.qHead = 0;
    }
    this.stats.batches++;
    // The package answered (an error) before returning: go on from a clean stack.
    if (this.waiting === 0) queueMicrotask(() => this.pump());
  }

  private sent(batch: number, err?: Error): void {
    if (err) this.stats.sendErrors++;
    if (this.waiting !== batch) return;
    this.waiting = 0;
    if (this.pumping) return;
    this.pump();
    this.checkDrained();
  }

  close(): Promise<void> {
    if (this._state === 'down') return Promise.resolve();
    const done = new Promise<void>((resolve) => this.once('down', () => resolve()));
    if (this._state === 'connecting') {
      this.abort('closed while connecting');
      return done;
    }
    if (!this.closingByUs) {
      this.closingByUs = true;
      this._state = 'closing';
      this.armGuard(`SHUTDOWN did not complete within ${this.be.options.closeTimeoutMs} ms: aborted`);
      this.checkDrained();
    }
    return done;
  }

  /** Our SHUTDOWN goes once everything we queued is sent and acknowledged (RFC 4960 9.2, SHUTDOWN-PENDING). */
  private checkDrained(): void {
    const la = this.la;
    if (!this.closingByUs || this.shutdownSent || !la) return;
    if (this.qHead < this.queue.length || this.waiting !== 0 || outstanding(la) > 0) return;
    this.shutdownSent = true;
    la.SHUTDOWN();
    // Not ESTABLISHED (the peer's SHUTDOWN crossed ours): the package just drops it.
    if (la.state === 'CLOSED') this.gone('shutdown');
  }

  /**
   * SHUTDOWN-RECEIVED with all our data acknowledged: send SHUTDOWN ACK (RFC
   * 4960 9.2). The package does so only if nothing was outstanding when the
   * SHUTDOWN came, so a SHUTDOWN that overtook a SACK would hang.
   */
  private ackShutdown(la: LibAssociation): void {
    if (this.shutdownAcked || la.state !== 'SHUTDOWN-RECEIVED' || outstanding(la) > 0) return;
    this.shutdownAcked = true;
    const l = la as unknown as { _sendChunk(t: string, o: object, d: unknown, cb: () => void): void; _startT2(): void };
    la.state = 'SHUTDOWN-ACK-SENT';
    l._sendChunk('shutdown_ack', {}, undefined, () => undefined);
    l._startT2();
  }

  abort(reason?: string): void {
    if (this._state === 'down') return;
    const la = this.la;
    if (la && la.state !== 'CLOSED') {
      if (la.state === 'COOKIE-WAIT') la._destroy();
      else la.ABORT(reason);
    }
    this.gone(`aborted locally${reason ? `: ${reason}` : ''}`);
  }

  /** Gives up a connect: code for the rejection. */
  fail(code: AssociationErrorCode, reason: string): void {
    this.failCode = code;
    const la = this.la;
    if (la && la.state === 'COOKIE-ECHOED') la.ABORT(reason);
    this.gone(reason);
  }

  private armGuard(reason: string): void {
    this.clearGuard();
    this.guard = setTimeout(() => {
      this.guard = undefined;
      const la = this.la;
      if (la && la.state !== 'CLOSED') la.ABORT('timeout');
      this.gone(reason);
    }, this.be.options.closeTimeoutMs);
  }

  private clearGuard(): void {
    if (this.guard) clearTimeout(this.guard);
    this.guard = undefined;
  }

  private startWatchdog(): void {
    const { heartbeatMs, maxSilenceMs } = this.be.options;
    const every = Math.max(10, Math.min(heartbeatMs, maxSilenceMs) / 2);
    const tick = () => {
      this.watchdog = undefined;
      if (this._state === 'down') return;
      const silent = Date.now() - this.lastRx;
      if (silent > maxSilenceMs) {
        const la = this.la;
        if (la && la.state !== 'CLOSED') la.ABORT('peer unreachable');
        this.gone(`peer unreachable: nothing heard for ${silent} ms (HEARTBEAT every ${heartbeatMs} ms)`);
        return;
      }
      this.watchdog = setTimeout(tick, every);
    };
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = setTimeout(tick, every);
  }

  /** Down for good: every timer cleared, the package's association destroyed, the endpoint released. */
  private gone(reason: string): void {
    if (this._state === 'down') return;
    this.clearGuard();
    if (this.watchdog) clearTimeout(this.watchdog);
    if (this.stall) clearTimeout(this.stall);
    this.watchdog = this.stall = undefined;
    const la = this.la;
    this.la = undefined;
    if (la?.endpoint) la._destroy();
    this.stats.dropped += this.queue.length - this.qHead;
    this.queue = [];
    this.qHead = 0;
    this.waiting = 0;
    this.markDown(reason);
    this.hooks.gone(this);
  }
}

class SctpServer extends EventEmitter implements Server {
  readonly assocs = new Set<SctpAssociation>();
  private readonly restarting = new Map<string, SctpAssociation>();
  private closed = false;

  constructor(
    private readonly be: SctpBackendImpl,
    readonly ep: LibEndpoint,
    readonly wire: Wire,
    readonly address: { host: string; port: number },
  ) {
    super();
    ep.on('association', (la: LibAssociation) => this.onAssociation(la));
  }

  private onAssociation(la: LibAssociation): void {
    const key = `${la.remoteAddress}:${la.remotePort}`;
    const w = this.restarting.get(key);
    if (w) {
      this.restarting.delete(key);
      if (w.state !== 'down') {
        w.bind(la);
        return;
      }
    }
    const local = { host: this.address.host === WILDCARD ? '0.0.0.0' : this.address.host, port: this.address.port };
    const a = new SctpAssociation(this.be, 'server', this.ep, this.wire, local, { host: la.remoteAddress, port: la.remotePort }, {
      announce: (x) => {
        this.assocs.add(x);
        this.emit('association', x);
      },
      gone: (x) => {
        this.assocs.delete(x);
        for (const [k, v] of this.restarting) if (v === x) this.restarting.delete(k);
      },
      expectRestart: (k, x) => this.restarting.set(k, x),
    });
    a.bind(la);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const a of [...this.assocs]) a.abort('server closed');
    this.assocs.clear();
    this.restarting.clear();
    this.ep._destroy();
  }
}

class SctpBackendImpl implements SctpBackend {
  readonly name = 'sctp' as const;
  readonly transport: SctpTransport;
  readonly options: Readonly<ResolvedOptions>;

  constructor(o: SctpBackendOptions) {
    this.options = Object.freeze(resolve(o));
    this.transport = this.options.transport;
  }

  private async wire(role: 'server' | 'client', addr: string | undefined): Promise<Wire> {
    sctpLib();
    if (this.transport === 'raw') return rawWireOpen();
    return udpWireOpen(addr, this.options.udpPort, role);
  }

  private endpoint(wire: Wire, addr: string | undefined, port: number, streams: { OS: number; MIS: number }): LibEndpoint {
    const { Endpoint } = sctpLib();
    const ep = new Endpoint({ localPort: port, localAddress: addr ? [addr] : undefined, ...streams });
    try {
      wire.attach(ep, addr, port);
    } catch (err) {
      clearInterval(ep._cookieInterval);
      wire.releaseIfIdle();
      throw err;
    }
    return ep;
  }

  async listen(o: ListenOptions): Promise<Server> {
    const host = checkHost(o.host, 'sctp listen');
    const port = checkPort(o.port, `sctp listen ${host}`, true);
    const OS = checkStreams(o.outStreams, 'sctp listen outStreams');
    const MIS = checkStreams(o.inStreams, 'sctp listen inStreams');
    const addr = host === WILDCARD ? undefined : host;
    const wire = await this.wire('server', addr);
    const ep = this.endpoint(wire, addr, port, { OS, MIS });
    return new SctpServer(this, ep, wire, { host, port: ep.localPort });
  }

  async connect(o: ConnectOptions): Promise<Association> {
    const host = checkHost(o.host, 'sctp connect');
    const port = checkPort(o.port, `sctp connect ${host}`, false);
    const localHost = o.localHost === undefined ? undefined : checkHost(o.localHost, 'sctp connect localHost');
    const localPort = checkPort(o.localPort ?? 0, 'sctp connect localPort', true);
    const OS = checkStreams(o.outStreams, 'sctp connect outStreams');
    const MIS = checkStreams(o.inStreams, 'sctp connect inStreams');
    const timeoutMs = checkTimeout(o.timeoutMs, 'sctp connect', CONNECT_TIMEOUT_MS);
    const signal = o.signal;
    if (signal?.aborted) throw new AssociationError('aborted', `SCTP connect to ${host}:${port}: cancelled`);
    const wire = await this.wire('client', localHost);
    const ep = this.endpoint(wire, localHost, localPort, { OS, MIS });
    if (wire instanceof UdpWire) wire.setPeerPort(host, port, this.options.udpPeerPort);
    const { Association: LibAssoc } = sctpLib();
    const la = new LibAssoc(ep, { remoteAddress: host, remotePort: port, OS, MIS });
    const a = new SctpAssociation(this, 'client', ep, wire, { host: localHost ?? '0.0.0.0', port: ep.localPort }, { host, port }, { gone: () => ep._destroy() });
    a.bind(la);
    const where = `SCTP connect to ${host}:${port} over ${wire.label}`;
    return new Promise<Association>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          a.fail(
            'timeout',
            `no association within ${timeoutMs} ms (nothing listening at ${host}:${port}, or unreachable: over ${this.transport === 'raw' ? 'raw IP' : 'UDP'} an absent listener does not answer)`,
          ),
        timeoutMs,
      );
      const onCancel = () => a.fail('aborted', 'cancelled');
      signal?.addEventListener('abort', onCancel, { once: true });
      const onUp = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onCancel);
        a.off('down', onDown);
        resolve(a);
      };
      const onDown = (reason: string) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onCancel);
        a.off('up', onUp);
        reject(new AssociationError(a.failCode ?? 'aborted', `${where}: ${reason}`));
      };
      a.once('up', onUp);
      a.once('down', onDown);
      if (signal?.aborted) return onCancel();
      try {
        la.init();
      } catch (err) {
        a.fail('unavailable', (err as Error).message);
      }
    });
  }
}

/** The `sctp` backend; see SctpBackendOptions. Nothing is loaded or opened until listen/connect. */
export function sctpBackend(opts: SctpBackendOptions = {}): SctpBackend {
  return new SctpBackendImpl(opts);
}

export { openWires, wiresSettled } from './sctp-wire';
