import { EventEmitter } from 'node:events';
import { setTimeoutHost, type TimerHandle, type TimerHost } from '@snaptel/fsm';
import { AssociationBase, WILDCARD, checkHost, checkPort, checkSend, checkStreams, checkTimeout } from './base';
import { Prng } from './prng';
import {
  AssociationError,
  type Association,
  type AssociationErrorCode,
  type AssociationInfo,
  type Backend,
  type ConnectOptions,
  type ListenOptions,
  type SctpMessage,
  type SendOptions,
  type Server,
} from './types';

/**
 * The `stub` backend: associations inside one process, on a simulated network
 * whose time is a TimerHost (fsm's VirtualClock makes every run of a test the
 * same), with faults injected on purpose.
 *
 * The model, in SCTP terms:
 * - connect is INIT, INIT ACK, COOKIE ECHO, COOKIE ACK, each taking one
 *   one-way delay: the server side is up after 3 delays, the client after 4.
 *   Nothing listening: ABORT after 2 delays ('refused').
 * - a DATA chunk takes delayMs plus a uniform jitter in [0, jitterMs); with
 *   probability `loss` it is lost once and arrives rtoMs later (T3-rtx).
 * - without `reorder` messages arrive in the order they were sent, all streams
 *   together; with it, only each stream keeps its order, so a late message on
 *   one stream does not hold back the others (no head-of-line blocking).
 *   Unordered messages (U bit) never wait for anything. reorder with
 *   jitterMs 0 uses a 1 ms jitter, so that it has an effect.
 * - partition(): every chunk that falls due is held; heal() sends them
 *   rtoMs later (retransmissions), in order. Associations do not time out
 *   by themselves during a partition: abort() them to model that.
 * - close() is SHUTDOWN: our queued data is delivered first, then the peer's.
 * - a new association from the address and port of a live one is a restart
 *   of that peer (RFC 4960 5.2.2): the server's association emits 'restart'
 *   and stays up; the old client association goes down.
 */

export interface StubFaults {
  /** Probability (0..1) that a DATA chunk is lost once and retransmitted after rtoMs, as SCTP would. */
  loss?: number;
  /** One-way delay of every chunk (ms). */
  delayMs?: number;
  /** Extra one-way delay, uniform in [0, jitterMs). */
  jitterMs?: number;
  /** Let streams overtake each other; within a stream order is kept unless a message was sent unordered. */
  reorder?: boolean;
  /** Retransmission delay after a loss or a healed partition (ms). */
  rtoMs?: number;
}

export interface StubCounters {
  /** connect() calls. */
  connects: number;
  /** connects that found nothing listening, or a closed server. */
  refused: number;
  /** connects that timed out (partition). */
  timeouts: number;
  /** Associations that came up (pairs). */
  established: number;
  /** Association ends up now (two per pair). */
  up: number;
  /** Messages accepted by send(). */
  sent: number;
  /** Messages handed to the receiving end. */
  delivered: number;
  /** Bytes handed to the receiving end. */
  bytes: number;
  /** DATA chunks lost once and retransmitted (loss, partition). */
  retransmitted: number;
  /** Messages thrown away in flight (abort, restart, peer gone). */
  dropped: number;
  /** Association ends that went down by ABORT (user, server close, injected). */
  aborts: number;
  /** Restarts seen (injected, or a new INIT from a live association's peer). */
  restarts: number;
  /** Associations ended by SHUTDOWN (pairs). */
  shutdowns: number;
}

export interface StubNetwork {
  /** The backend to hand to users: name 'stub'. */
  readonly backend: Backend;
  /** The time source; a VirtualClock makes the network deterministic. */
  readonly host: TimerHost;
  /** Changes faults from now on (fields not given keep their value). */
  setFaults(f: StubFaults): void;
  faults(): Required<StubFaults>;
  /** ABORTs one association (both ends see 'down' at once), or every association; returns how many pairs. */
  abort(target?: Association, reason?: string): number;
  /** The peer of `a` restarts: `a` emits 'restart' and stays up; data in flight either way is lost. */
  restart(a: Association): void;
  /** Cuts the network: chunks are held until heal(). */
  partition(): void;
  heal(): void;
  readonly partitioned: boolean;
  counters(): StubCounters;
  /** Live association ends (connecting ones excluded). */
  associations(): Association[];
  /** Listening addresses. */
  listeners(): Array<{ host: string; port: number }>;
  /** Aborts everything, closes every server, cancels every timer. */
  destroy(): void;
}

const DEFAULT_FAULTS: Required<StubFaults> = { loss: 0, delayMs: 0, jitterMs: 0, reorder: false, rtoMs: 200 };
const EPHEMERAL_FIRST = 49152;
const CONNECT_TIMEOUT_MS = 10_000;

interface InFlight {
  m: SctpMessage;
  deadline: number;
  seq: number;
}

const key = (host: string, port: number) => `${host}:${port}`;

class StubAssociation extends AssociationBase {
  peer: StubAssociation | undefined;
  server: StubServer | undefined;
  /** Chunks on their way to the peer, by (deadline, seq). */
  flight: InFlight[] = [];
  head = 0;
  timer: TimerHandle | undefined;
  lastByStream = new Map<number, number>();
  lastAll = -Infinity;
  /** We asked for SHUTDOWN; sent once our flight is empty. */
  shutdownWanted = false;
  /** The peer's SHUTDOWN arrived; we answer once our flight is empty. */
  shutdownReceived = false;
  shutdownSent = false;

  constructor(
    private readonly net: StubNet,
    id: number,
    readonly local: { host: string; port: number },
    readonly remote: { host: string; port: number },
    public outStreams: number,
    public inStreams: number,
  ) {
    super(id);
  }

  get peerName(): string {
    return key(this.remote.host, this.remote.port);
  }

  info(): AssociationInfo {
    return this.baseInfo('stub', undefined, {
      localAddress: this.local.host,
      localPort: this.local.port,
      remoteAddress: this.remote.host,
      remotePort: this.remote.port,
      inStreams: this.inStreams,
      outStreams: this.outStreams,
    });
  }

  send(data: Uint8Array, opts?: SendOptions): void {
    const m = checkSend(this, this.peerName, this.outStreams, data, opts);
    // A copy: the caller may reuse its buffer, as with a real socket.
    this.net.transmit(this, { ...m, data: Uint8Array.prototype.slice.call(data) });
    this.countTx(data.length);
  }

  close(): Promise<void> {
    if (this._state === 'down') return Promise.resolve();
    const done = new Promise<void>((resolve) => this.once('down', () => resolve()));
    if (this._state === 'up') {
      this._state = 'closing';
      this.shutdownWanted = true;
      this.net.progressShutdown(this);
    }
    return done;
  }

  abort(reason?: string): void {
    this.net.userAbort(this, reason);
  }

  receive(m: SctpMessage): void {
    this.deliver(m);
  }

  up(): void {
    this.markUp();
  }

  down(reason: string): boolean {
    return this.markDown(reason);
  }

  restarted(): void {
    this.emit('restart');
  }

  setClosing(): void {
    if (this._state === 'up') this._state = 'closing';
  }

  get inFlight(): number {
    return this.flight.length - this.head;
  }
}

class StubServer extends EventEmitter implements Server {
  closed = false;
  readonly assocs = new Set<StubAssociation>();

  constructor(
    private readonly net: StubNet,
    readonly address: { host: string; port: number },
    readonly outStreams: number,
    readonly inStreams: number,
  ) {
    super();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.net.unlisten(this);
    for (const a of [...this.assocs]) this.net.userAbort(a, 'server closed');
    this.assocs.clear();
  }
}

class StubNet implements StubNetwork {
  readonly host: TimerHost;
  readonly backend: Backend;
  private readonly rng: Prng;
  private f: Required<StubFaults> = { ...DEFAULT_FAULTS };
  private readonly servers = new Map<string, StubServer>();
  private readonly live = new Set<StubAssociation>();
  private readonly pending = new Set<{ fail(code: AssociationErrorCode, msg: string): void }>();
  private readonly controls = new Set<TimerHandle>();
  private heldData: Array<{ a: StubAssociation; f: InFlight }> = [];
  private heldControl: Array<() => void> = [];
  private nextId = 1;
  private seq = 0;
  private nextEphemeral = EPHEMERAL_FIRST;
  private cut = false;
  private readonly c: StubCounters = {
    connects: 0,
    refused: 0,
    timeouts: 0,
    established: 0,
    up: 0,
    sent: 0,
    delivered: 0,
    bytes: 0,
    retransmitted: 0,
    dropped: 0,
    aborts: 0,
    restarts: 0,
    shutdowns: 0,
  };

  constructor(opts: { seed?: number; host?: TimerHost }) {
    this.host = opts.host ?? setTimeoutHost();
    this.rng = new Prng(opts.seed ?? 1);
    const net = this;
    this.backend = {
      name: 'stub',
      listen: (o) => net.listen(o),
      connect: (o) => net.connect(o),
    };
  }

  // ---- faults ----

  setFaults(f: StubFaults): void {
    const next = { ...this.f, ...Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) } as Required<StubFaults>;
    if (!(typeof next.loss === 'number' && next.loss >= 0 && next.loss <= 1))
      throw new AssociationError('bad-option', `stub faults: loss ${String(next.loss)} must be a probability in 0..1`);
    for (const k of ['delayMs', 'jitterMs', 'rtoMs'] as const)
      if (!(typeof next[k] === 'number' && Number.isFinite(next[k]) && next[k] >= 0))
        throw new AssociationError('bad-option', `stub faults: ${k} ${String(next[k])} must be a number of milliseconds >= 0`);
    if (typeof next.reorder !== 'boolean') throw new AssociationError('bad-option', `stub faults: reorder must be a boolean`);
    this.f = next;
  }

  faults(): Required<StubFaults> {
    return { ...this.f };
  }

  counters(): StubCounters {
    return { ...this.c, up: this.live.size };
  }

  get partitioned(): boolean {
    return this.cut;
  }

  associations(): Association[] {
    return [...this.live];
  }

  listeners(): Array<{ host: string; port: number }> {
    return [...this.servers.values()].map((s) => ({ ...s.address }));
  }

  // ---- control chunks: one one-way delay, held during a partition ----

  private control(name: string, delay: number, fn: () => void): void {
    const h = this.host.at(`sctp-stub.${name}`, this.host.now() + delay, () => {
      this.controls.delete(h);
      if (this.cut) this.heldControl.push(fn);
      else fn();
    });
    this.controls.add(h);
  }

  partition(): void {
    this.cut = true;
  }

  heal(): void {
    if (!this.cut) return;
    this.cut = false;
    const data = this.heldData;
    const ctl = this.heldControl;
    this.heldData = [];
    this.heldControl = [];
    const at = this.host.now() + this.f.rtoMs;
    for (const { a, f } of data) {
      if (a.state === 'down') continue;
      this.c.retransmitted++;
      this.insert(a, { m: f.m, deadline: at, seq: this.seq++ });
    }
    for (const fn of ctl) this.control('retransmit', this.f.rtoMs, fn);
  }

  // ---- listen / connect ----

  private lookup(host: string, port: number): StubServer | undefined {
    return this.servers.get(key(host, port)) ?? this.servers.get(key(WILDCARD, port));
  }

  async listen(o: ListenOptions): Promise<Server> {
    const host = checkHost(o.host, 'stub listen');
    const port = checkPort(o.port, `stub listen ${host}`, true) || this.ephemeral(host);
    const outStreams = checkStreams(o.outStreams, 'stub listen');
    const inStreams = checkStreams(o.inStreams, 'stub listen');
    const clash = [...this.servers.values()].find(
      (s) => s.address.port === port && (s.address.host === host || s.address.host === WILDCARD || host === WILDCARD),
    );
    if (clash) throw new AssociationError('address-in-use', `stub listen ${key(host, port)}: address in use (listening at ${key(clash.address.host, port)})`);
    const s = new StubServer(this, { host, port }, outStreams, inStreams);
    this.servers.set(key(host, port), s);
    return s;
  }

  unlisten(s: StubServer): void {
    if (this.servers.get(key(s.address.host, s.address.port)) === s) this.servers.delete(key(s.address.host, s.address.port));
  }

  private ephemeral(host: string): number {
    for (let i = 0; i <= 65535 - EPHEMERAL_FIRST; i++) {
      const p = this.nextEphemeral;
      this.nextEphemeral = p >= 65535 ? EPHEMERAL_FIRST : p + 1;
      const used =
        this.lookup(host, p) !== undefined ||
        [...this.live].some((a) => a.local.port === p && (a.local.host === host || host === WILDCARD));
      if (!used) return p;
    }
    throw new AssociationError('address-in-use', `stub: no ephemeral port left on ${host}`);
  }

  connect(o: ConnectOptions): Promise<Association> {
    try {
      const host = checkHost(o.host, 'stub connect');
      const port = checkPort(o.port, `stub connect ${host}`, false);
      const localHost = o.localHost === undefined ? '127.0.0.1' : checkHost(o.localHost, 'stub connect localHost');
      const explicitPort = checkPort(o.localPort ?? 0, `stub connect from ${localHost}`, true);
      const os = checkStreams(o.outStreams, 'stub connect');
      const mis = checkStreams(o.inStreams, 'stub connect');
      const timeoutMs = checkTimeout(o.timeoutMs, 'stub connect', CONNECT_TIMEOUT_MS);
      if (explicitPort && this.lookup(localHost, explicitPort))
        throw new AssociationError('address-in-use', `stub connect from ${key(localHost, explicitPort)}: address in use by a listener`);
      const localPort = explicitPort || this.ephemeral(localHost);
      if (o.signal?.aborted) throw new AssociationError('aborted', `stub connect to ${key(host, port)}: cancelled`);
      return this.handshake({ host, port }, { host: localHost, port: localPort }, os, mis, timeoutMs, o.signal);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private handshake(
    remote: { host: string; port: number },
    local: { host: string; port: number },
    os: number,
    mis: number,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Association> {
    this.c.connects++;
    const d = this.f.delayMs;
    const where = key(remote.host, remote.port);
    return new Promise<Association>((resolve, reject) => {
      let done = false;
      const attempt = {
        fail: (code: AssociationErrorCode, msg: string) => {
          if (done) return;
          done = true;
          timer.cancel();
          signal?.removeEventListener('abort', onAbort);
          this.pending.delete(attempt);
          reject(new AssociationError(code, msg));
        },
      };
      const onAbort = () => attempt.fail('aborted', `stub connect to ${where}: cancelled`);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.add(attempt);
      const timer = this.host.at('sctp-stub.connect-timeout', this.host.now() + timeoutMs, () => {
        this.c.timeouts++;
        attempt.fail('timeout', `stub connect to ${where}: no answer within ${timeoutMs} ms (network partitioned)`);
      });
      const refuse = (why: string) =>
        this.control('abort', d, () => {
          this.c.refused++;
          attempt.fail('refused', `stub connect to ${where}: refused (${why})`);
        });
      // INIT
      this.control('init', d, () => {
        if (done) return;
        const srv = this.lookup(remote.host, remote.port);
        if (!srv || srv.closed) return refuse('nothing listens there on the stub network');
        // INIT ACK, then COOKIE ECHO
        this.control('init-ack', d, () =>
          this.control('cookie-echo', d, () => {
            if (done) return;
            if (srv.closed) return refuse('the server closed');
            const client = new StubAssociation(this, this.nextId++, local, remote, Math.min(os, srv.inStreams), Math.min(mis, srv.outStreams));
            const existing = [...srv.assocs].find(
              (a) => a.state !== 'down' && a.remote.host === local.host && a.remote.port === local.port,
            );
            let serverEnd: StubAssociation;
            if (existing) {
              // RFC 4960 5.2.2: a new INIT from the peer of a live association is a restart of that peer.
              serverEnd = existing;
              const old = existing.peer;
              if (old) {
                old.peer = undefined;
                this.dropFlight(old);
                if (old.down('replaced: the peer saw a new association from this address and port (restart)')) this.live.delete(old);
              }
              this.dropFlight(existing);
              existing.lastByStream.clear();
              existing.lastAll = -Infinity;
              existing.outStreams = client.inStreams;
              existing.inStreams = client.outStreams;
              existing.peer = client;
              client.peer = existing;
              this.c.restarts++;
              existing.restarted();
            } else {
              serverEnd = new StubAssociation(this, this.nextId++, { host: srv.address.host === WILDCARD ? remote.host : srv.address.host, port: srv.address.port }, local, client.inStreams, client.outStreams);
              serverEnd.server = srv;
              serverEnd.peer = client;
              client.peer = serverEnd;
              srv.assocs.add(serverEnd);
              this.live.add(serverEnd);
              this.c.established++;
              serverEnd.up();
              srv.emit('association', serverEnd);
            }
            // COOKIE ACK
            this.control('cookie-ack', d, () => {
              if (done || serverEnd.peer !== client || serverEnd.state === 'down') {
                // We gave up meanwhile (timeout): the server's end meets an ABORT.
                if (serverEnd.peer === client && serverEnd.state !== 'down') {
                  serverEnd.peer = undefined;
                  this.c.aborts++;
                  this.end(serverEnd, 'ABORT from peer: the connecting side gave up');
                }
                attempt.fail('refused', `stub connect to ${where}: the association was aborted during setup`);
                return;
              }
              done = true;
              timer.cancel();
              signal?.removeEventListener('abort', onAbort);
              this.pending.delete(attempt);
              this.live.add(client);
              client.up();
              resolve(client);
            });
          }),
        );
      });
    });
  }

  // ---- data ----

  transmit(a: StubAssociation, m: SctpMessage): void {
    this.c.sent++;
    const now = this.host.now();
    const jitter = this.f.jitterMs > 0 ? this.f.jitterMs : this.f.reorder ? 1 : 0;
    let t = now + this.f.delayMs + (jitter > 0 ? this.rng.next() * jitter : 0);
    if (this.f.loss > 0 && this.rng.next() < this.f.loss) {
      t += this.f.rtoMs;
      this.c.retransmitted++;
    }
    if (!m.unordered) {
      if (!this.f.reorder) t = Math.max(t, a.lastAll);
      t = Math.max(t, a.lastByStream.get(m.stream) ?? -Infinity);
      a.lastByStream.set(m.stream, t);
      a.lastAll = Math.max(a.lastAll, t);
    }
    this.insert(a, { m, deadline: t, seq: this.seq++ });
  }

  private insert(a: StubAssociation, f: InFlight): void {
    const q = a.flight;
    const before = (x: InFlight, y: InFlight) => x.deadline < y.deadline || (x.deadline === y.deadline && x.seq < y.seq);
    if (q.length === a.head || !before(f, q[q.length - 1]!)) q.push(f);
    else {
      let lo = a.head;
      let hi = q.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (before(q[mid]!, f)) lo = mid + 1;
        else hi = mid;
      }
      q.splice(lo, 0, f);
    }
    this.arm(a);
  }

  private arm(a: StubAssociation): void {
    const first = a.flight[a.head];
    if (!first) {
      a.timer?.cancel();
      a.timer = undefined;
      return;
    }
    if (a.timer && a.timer.deadline <= first.deadline) return;
    a.timer?.cancel();
    a.timer = this.host.at('sctp-stub.data', first.deadline, () => this.flush(a));
  }

  private flush(a: StubAssociation): void {
    a.timer = undefined;
    const now = this.host.now();
    const q = a.flight;
    while (a.head < q.length && q[a.head]!.deadline <= now) {
      const f = q[a.head]!;
      q[a.head++] = undefined as unknown as InFlight;
      if (this.cut) {
        this.heldData.push({ a, f });
        continue;
      }
      const r = a.peer;
      // A client end still 'connecting' takes data that crossed its COOKIE ACK (it holds it for its user).
      if (a.state === 'down' || !r || r.state === 'down') {
        this.c.dropped++;
        continue;
      }
      this.c.delivered++;
      this.c.bytes += f.m.data.length;
      r.receive(f.m);
    }
    if (a.head === q.length) {
      a.flight = [];
      a.head = 0;
    } else if (a.head > 1024 && a.head * 2 > q.length) {
      a.flight = q.slice(a.head);
      a.head = 0;
    }
    this.arm(a);
    this.progressShutdown(a);
  }

  private dropFlight(a: StubAssociation): void {
    this.c.dropped += a.inFlight;
    a.flight = [];
    a.head = 0;
    a.timer?.cancel();
    a.timer = undefined;
    const held = this.heldData.filter((h) => h.a === a).length;
    if (held > 0) {
      this.c.dropped += held;
      this.heldData = this.heldData.filter((h) => h.a !== a);
    }
  }

  // ---- ends ----

  /** SHUTDOWN once our data is out; SHUTDOWN ACK once the peer's is. */
  progressShutdown(a: StubAssociation): void {
    if (a.state === 'down' || a.inFlight > 0 || this.heldData.some((h) => h.a === a)) return;
    const p = a.peer;
    if (a.shutdownWanted && !a.shutdownSent) {
      a.shutdownSent = true;
      this.control('shutdown', this.f.delayMs, () => {
        if (!p || p.state === 'down' || p.peer !== a) return;
        p.setClosing();
        p.shutdownReceived = true;
        this.progressShutdown(p);
      });
    } else if (a.shutdownReceived && !a.shutdownSent) {
      a.shutdownSent = true;
      this.control('shutdown-ack', this.f.delayMs, () => {
        if (!p || p.peer !== a) return;
        this.c.shutdowns++;
        this.end(p, 'shutdown');
        this.end(a, 'shutdown by peer');
      });
    }
  }

  private end(a: StubAssociation, reason: string): void {
    this.dropFlight(a);
    a.server?.assocs.delete(a);
    this.live.delete(a);
    a.down(reason);
  }

  /** ABORT of a pair: both ends go down at once. */
  private abortPair(a: StubAssociation, reasonA: string, reasonPeer: string): void {
    const p = a.peer;
    if (a.state !== 'down') {
      this.c.aborts++;
      this.end(a, reasonA);
    }
    if (p && p.peer === a && p.state !== 'down') {
      this.c.aborts++;
      this.end(p, reasonPeer);
    }
  }

  /** The user's ABORT: we are down now, the peer when the ABORT reaches it. */
  userAbort(a: StubAssociation, reason?: string): void {
    if (a.state === 'down') return;
    const p = a.peer;
    const why = reason ? `: ${reason}` : '';
    this.c.aborts++;
    this.end(a, `aborted locally${why}`);
    if (p && p.peer === a && p.state !== 'down')
      this.control('abort', this.f.delayMs, () => {
        if (p.peer !== a || p.state === 'down') return;
        this.c.aborts++;
        this.end(p, `ABORT from peer${why}`);
      });
  }

  private own(target: Association, what: string): StubAssociation {
    if (!(target instanceof StubAssociation) || !this.live.has(target))
      throw new AssociationError('not-up', `stub ${what}: association ${target?.id} is not a live association of this stub network`);
    return target;
  }

  abort(target?: Association, reason?: string): number {
    const why = `aborted by the stub network: ${reason ?? 'injected fault'}`;
    const ends = target ? [this.own(target, 'abort')] : [...this.live];
    let pairs = 0;
    for (const a of ends) {
      if (a.state === 'down') continue;
      pairs++;
      this.abortPair(a, why, why);
    }
    return pairs;
  }

  restart(target: Association): void {
    const a = this.own(target, 'restart');
    const p = a.peer;
    this.dropFlight(a);
    if (p) {
      this.dropFlight(p);
      p.lastByStream.clear();
      p.lastAll = -Infinity;
    }
    a.lastByStream.clear();
    a.lastAll = -Infinity;
    this.c.restarts++;
    a.restarted();
  }

  destroy(): void {
    for (const p of [...this.pending]) p.fail('aborted', 'stub network destroyed');
    for (const s of [...this.servers.values()]) {
      s.closed = true;
      this.unlisten(s);
    }
    for (const a of [...this.live]) this.abortPair(a, 'stub network destroyed', 'stub network destroyed');
    for (const h of this.controls) h.cancel();
    this.controls.clear();
    this.heldData = [];
    this.heldControl = [];
  }
}

/** A fresh in-process SCTP network; see the model above. Same seed, same host time: same run. */
export function createStubNetwork(opts: { seed?: number; host?: TimerHost } = {}): StubNetwork {
  return new StubNet(opts);
}

/** True for associations made by a stub network. */
export function isStubAssociation(a: Association): boolean {
  return a instanceof StubAssociation;
}
