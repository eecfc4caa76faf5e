/**
 * How the npm `sctp` package's endpoints reach the wire, in our hands: one raw
 * IPv4 socket for protocol 132 per process (root), or one UDP socket per local
 * address and encapsulation port (RFC 6951). Both are the small duck-typed
 * transport the package's Endpoint calls (`sendPacket`, `unallocate`), and
 * both are opened when the first endpoint needs them and closed when the last
 * one is gone, so that nothing keeps the process alive or blocks a snapshot.
 *
 * Written here rather than using the package's own transports because those
 * keep a process-wide raw socket, an ICMP raw socket and an SCTP discard
 * service open forever, hand endpoints slices of a receive buffer that the
 * next packet overwrites, accept packets whose CRC32c is wrong, and in UDP
 * mode talk to one fixed peer without knowing its address (so no restart
 * detection, no heartbeats).
 *
 * Nothing here is loaded before a listen or connect: `raw-socket` is a native
 * addon and the `sctp` package must not be in a V8 startup snapshot.
 */
import * as dgram from 'node:dgram';
import { AssociationError, type SctpTransport } from './types';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The parts of the npm `sctp` package we use (lib/endpoint, lib/association, lib/packet). */
export interface SctpLib {
  Endpoint: new (o: { localPort: number; localAddress?: string[]; MIS: number; OS: number }) => LibEndpoint;
  Association: new (ep: LibEndpoint, o: { remoteAddress: string; remotePort: number; OS: number; MIS: number }) => LibAssociation;
  Packet: { fromBuffer(b: Buffer): LibPacket | false };
}

export interface LibPacket {
  src_port: number;
  dst_port: number;
  v_tag: number;
  chunks?: Buffer[];
  checksum_error?: boolean;
  length_error?: boolean;
  toBuffer(): Buffer;
}

export interface LibEndpoint {
  localPort: number;
  localAddress?: string[];
  transport: WireFacade;
  _cookieInterval: NodeJS.Timeout;
  associations_lookup: Record<string, LibAssociation>;
  on(ev: string, fn: (...a: any[]) => void): unknown;
  emit(ev: string, ...a: any[]): boolean;
  removeAllListeners(ev?: string): unknown;
  onInit(chunk: any, src: string, dst: string | undefined, header: LibPacket): void;
  _destroy(): void;
}

export interface LibAssociation {
  state: string;
  OS: number;
  MIS: number;
  my_tag: number;
  peer_tag: number;
  flightsize: number;
  cwnd: number;
  peer_rwnd: number;
  remoteAddress: string;
  remotePort: number;
  RTO: number;
  rto_initial: number;
  rto_min: number;
  rto_max: number;
  hb_interval: number;
  endpoint?: LibEndpoint;
  on(ev: string, fn: (...a: any[]) => void): unknown;
  once(ev: string, fn: (...a: any[]) => void): unknown;
  removeAllListeners(ev?: string): unknown;
  removeListener(ev: string, fn: (...a: any[]) => void): unknown;
  emit(ev: string, ...a: any[]): boolean;
  init(): void;
  SEND(buf: Buffer, o: { stream_id: number; ppid: number; unordered?: boolean }, cb: (err?: Error) => void): unknown;
  SHUTDOWN(cb?: () => void): void;
  ABORT(reason?: string): void;
  RECEIVE(): (Buffer & { ppid?: number }) | undefined;
  _updatePeer(chunk: any): void;
  _destroy(): void;
}

let lib: SctpLib | undefined;

/** Loads the npm `sctp` package (its lib modules), once, at first use. */
export function sctpLib(): SctpLib {
  if (lib) return lib;
  try {
    lib = {
      Endpoint: require('sctp/lib/endpoint'),
      Association: require('sctp/lib/association'),
      Packet: require('sctp/lib/packet'),
    };
  } catch (err) {
    throw new AssociationError('unavailable', `the npm package 'sctp' cannot be loaded (${(err as Error).message}); install it: npm install sctp`);
  }
  return lib;
}

/** What an Endpoint sees as its transport. */
export interface WireFacade {
  sendPacket(src: string | undefined, dst: string, packet: LibPacket, cb?: (err?: Error | null) => void): boolean;
  unallocate(port: number): void;
}

export interface WireStats {
  packetsIn: number;
  packetsOut: number;
  /** Dropped on receipt: too short, bad CRC32c, bad length, nobody bound to the port. */
  badChecksum: number;
  malformed: number;
  unclaimed: number;
  sendErrors: number;
}

interface Bound {
  ep: LibEndpoint;
  /** undefined: every local address. */
  addr: string | undefined;
  port: number;
}

const EPHEMERAL_FIRST = 49152;
const EPHEMERAL_COUNT = 65536 - EPHEMERAL_FIRST;

/** Common to both wires: which endpoint has which local address and port; the socket's life. */
export abstract class Wire {
  abstract readonly transport: SctpTransport;
  /** A name for messages: "raw IP" or "UDP 127.0.0.2:9899". */
  abstract readonly label: string;
  protected readonly bound = new Map<number, Bound[]>();
  private pendingSends = 0;
  private closeWhenIdle = false;
  protected open = false;
  readonly stats: WireStats = { packetsIn: 0, packetsOut: 0, badChecksum: 0, malformed: 0, unclaimed: 0, sendErrors: 0 };

  get isOpen(): boolean {
    return this.open;
  }

  get endpoints(): number {
    let n = 0;
    for (const b of this.bound.values()) n += b.length;
    return n;
  }

  /** Binds an endpoint to (addr, port); port 0 picks a free ephemeral one. Throws 'address-in-use'. */
  attach(ep: LibEndpoint, addr: string | undefined, port: number): number {
    if (!this.open) throw new AssociationError('unavailable', `SCTP over ${this.label}: the socket was closed meanwhile; try again`);
    if (port === 0) port = this.ephemeral(addr);
    const clash = (this.bound.get(port) ?? []).find((b) => b.addr === undefined || addr === undefined || b.addr === addr);
    if (clash)
      throw new AssociationError('address-in-use', `SCTP ${addr ?? '0.0.0.0'}:${port} over ${this.label}: address in use in this process (bound at ${clash.addr ?? '0.0.0.0'}:${port})`);
    const b: Bound = { ep, addr, port };
    this.bound.set(port, [...(this.bound.get(port) ?? []), b]);
    ep.localPort = port;
    let detached = false;
    ep.transport = {
      sendPacket: (src, dst, packet, cb) => {
        this.send(src, dst, packet, cb);
        return true;
      },
      unallocate: () => {
        if (detached) return;
        detached = true;
        this.detach(b);
      },
    };
    this.closeWhenIdle = false;
    return port;
  }

  /** Closes the socket if no endpoint uses it (after a failed attach). */
  releaseIfIdle(): void {
    if (this.endpoints === 0) {
      this.closeWhenIdle = true;
      this.maybeClose();
    }
  }

  private detach(b: Bound): void {
    const list = (this.bound.get(b.port) ?? []).filter((x) => x !== b);
    if (list.length) this.bound.set(b.port, list);
    else this.bound.delete(b.port);
    if (this.endpoints === 0) {
      this.closeWhenIdle = true;
      this.maybeClose();
    }
  }

  private ephemeral(addr: string | undefined): number {
    // Random, not sequential: over raw IP every process on the host sees every SCTP packet, and only ports tell them apart.
    const start = Math.floor(Math.random() * EPHEMERAL_COUNT);
    for (let i = 0; i < EPHEMERAL_COUNT; i++) {
      const port = EPHEMERAL_FIRST + ((start + i) % EPHEMERAL_COUNT);
      if (!(this.bound.get(port) ?? []).some((b) => b.addr === undefined || addr === undefined || b.addr === addr)) return port;
    }
    throw new AssociationError('address-in-use', `SCTP over ${this.label}: no free ephemeral port`);
  }

  /** Hands a received SCTP packet to the endpoint bound to its destination. */
  protected dispatch(payload: Buffer, src: string, dst: string | undefined, learn?: (p: LibPacket) => void): void {
    this.stats.packetsIn++;
    if (payload.length < 12) {
      this.stats.malformed++;
      return;
    }
    let packet: LibPacket | false;
    try {
      packet = sctpLib().Packet.fromBuffer(payload);
    } catch {
      this.stats.malformed++;
      return;
    }
    if (!packet || packet.length_error) {
      this.stats.malformed++;
      return;
    }
    // RFC 4960 6.8: a packet with an invalid checksum is discarded silently.
    if (packet.checksum_error) {
      this.stats.badChecksum++;
      return;
    }
    const list = this.bound.get(packet.dst_port);
    const b = list?.find((x) => x.addr === undefined || dst === undefined || x.addr === dst);
    if (!b) {
      // Over raw IP another process on this host may own the port: never answer for it.
      this.stats.unclaimed++;
      return;
    }
    learn?.(packet);
    try {
      b.ep.emit('packet', packet, src, dst);
    } catch {
      // The package threw on a packet it could not handle: count it, keep the process.
      this.stats.malformed++;
    }
  }

  private send(src: string | undefined, dst: string, packet: LibPacket, cb?: (err?: Error | null) => void): void {
    if (!this.open) {
      cb?.(new Error(`${this.label} is closed`));
      return;
    }
    let payload: Buffer;
    try {
      payload = packet.toBuffer();
    } catch (err) {
      cb?.(err as Error);
      return;
    }
    this.pendingSends++;
    this.stats.packetsOut++;
    this.sendRaw(src, dst, payload, packet.dst_port, (err) => {
      this.pendingSends--;
      if (err) this.stats.sendErrors++;
      try {
        cb?.(err);
      } finally {
        this.maybeClose();
      }
    });
  }

  private maybeClose(): void {
    if (this.closeWhenIdle && this.pendingSends === 0 && this.endpoints === 0 && this.open) {
      this.closeWhenIdle = false;
      this.open = false;
      this.closeSocket();
    }
  }

  /** Puts one encoded SCTP packet (for SCTP port `dstPort` at `dst`) on the wire. */
  protected abstract sendRaw(src: string | undefined, dst: string, payload: Buffer, dstPort: number, cb: (err?: Error | null) => void): void;
  protected abstract closeSocket(): void;
}

// ---- raw IP ----

const IPPROTO_SCTP = 132;

function ipBytes(a: string, b: Buffer, at: number): void {
  const p = a.split('.');
  for (let i = 0; i < 4; i++) b[at + i] = Number(p[i]);
}

/** Protocol 132 over a raw IPv4 socket; we write the IP header (IP_HDRINCL) to choose the source address. */
export class RawWire extends Wire {
  readonly transport = 'raw' as const;
  readonly label = 'raw IP';
  private sock: any;
  private raw: any;
  private onClosed: (() => void) | undefined;

  /** Opens the raw socket if it is not open. Throws 'permission' without CAP_NET_RAW. */
  ensureOpen(): void {
    if (this.open) return;
    let raw: any;
    try {
      raw = require('raw-socket');
    } catch (err) {
      throw new AssociationError('unavailable', `the native addon 'raw-socket' cannot be loaded (${(err as Error).message}); SCTP over raw IP needs it (npm rebuild raw-socket)`);
    }
    let sock: any;
    try {
      sock = raw.createSocket({ addressFamily: raw.AddressFamily.IPv4, protocol: IPPROTO_SCTP, bufferSize: 65535 });
      sock.setOption(raw.SocketLevel.IPPROTO_IP, raw.SocketOption.IP_HDRINCL, 1);
    } catch (err) {
      const m = (err as Error).message;
      if (/not permitted|EPERM|EACCES|permission/i.test(m))
        throw new AssociationError('permission', `SCTP over raw IP needs root (CAP_NET_RAW): cannot open a raw socket for IP protocol 132 (${m}); run as root, or use transport 'udp' (RFC 6951)`);
      throw new AssociationError('unavailable', `cannot open a raw socket for IP protocol 132: ${m}`);
    }
    sock.on('message', (buf: Buffer, source: string) => this.onMessage(buf, source));
    sock.on('error', () => {
      // raw-socket closes itself after an error; the next endpoint opens a new one.
      this.stats.sendErrors++;
    });
    sock.on('close', () => {
      if (this.sock === sock) {
        this.sock = undefined;
        this.open = false;
      }
      this.onClosed?.();
    });
    this.raw = raw;
    this.sock = sock;
    this.open = true;
  }

  private onMessage(buf: Buffer, source: string): void {
    if (buf.length < 20 || buf[0]! >> 4 !== 4 || buf[9] !== IPPROTO_SCTP) return;
    const ihl = (buf[0]! & 0x0f) * 4;
    const total = buf.readUInt16BE(2);
    if (total > buf.length || total < ihl) {
      this.stats.malformed++;
      return;
    }
    const dst = `${buf[16]}.${buf[17]}.${buf[18]}.${buf[19]}`;
    // A copy: raw-socket hands out a view of one receive buffer that the next packet overwrites.
    this.dispatch(Buffer.from(buf.subarray(ihl, total)), source, dst);
  }

  protected sendRaw(src: string | undefined, dst: string, payload: Buffer, _dstPort: number, cb: (err?: Error | null) => void): void {
    const h = Buffer.alloc(20);
    h[0] = 0x45; // IPv4, 20-byte header
    h.writeUInt16BE(20 + payload.length, 2);
    h.writeUInt16BE(0x4000, 6); // DF: SCTP does its own PMTU
    h[8] = 64; // TTL
    h[9] = IPPROTO_SCTP;
    if (src && src !== '0.0.0.0') ipBytes(src, h, 12); // 0.0.0.0: the kernel fills in the source
    ipBytes(dst, h, 16);
    this.raw.writeChecksum(h, 10, this.raw.createChecksum(h));
    const b = Buffer.concat([h, payload]);
    this.sock.send(b, 0, b.length, dst, (err: Error | null) => cb(err));
  }

  protected closeSocket(): void {
    const s = this.sock;
    this.sock = undefined;
    try {
      s?.close();
    } catch {
      // already closed
    }
  }
}

let rawWire: RawWire | undefined;

/** The process's raw IP wire (one raw socket for every endpoint), opened if needed. */
export function rawWireOpen(): RawWire {
  rawWire ??= new RawWire();
  rawWire.ensureOpen();
  return rawWire;
}

// ---- UDP encapsulation (RFC 6951) ----

/** SCTP packets as UDP payload; the remote encapsulation port of each peer is learnt from what it sends (RFC 6951 5.4). */
export class UdpWire extends Wire {
  readonly transport = 'udp' as const;
  readonly label: string;
  private sock: dgram.Socket | undefined;
  /** `${ip}:${sctpPort}` -> the peer's UDP encapsulation port. */
  private readonly peerPorts = new Map<string, number>();
  closed: Promise<void> = Promise.resolve();

  constructor(
    readonly bindAddr: string,
    public udpPort: number,
    readonly onGone: (w: UdpWire) => void,
  ) {
    super();
    this.label = `UDP ${bindAddr}:${udpPort}`;
  }

  get localUdpPort(): number {
    return this.udpPort;
  }

  /** Binds the UDP socket; EADDRINUSE is 'address-in-use'. */
  async bind(): Promise<void> {
    const sock = dgram.createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      const onErr = (err: NodeJS.ErrnoException) => {
        sock.close();
        reject(
          err.code === 'EADDRINUSE'
            ? new AssociationError('address-in-use', `UDP encapsulation port ${this.bindAddr}:${this.udpPort} is in use (${err.code})`)
            : err.code === 'EADDRNOTAVAIL'
              ? new AssociationError('bad-option', `UDP encapsulation on ${this.bindAddr}: address not available on this host`)
              : new AssociationError('unavailable', `UDP encapsulation on ${this.bindAddr}:${this.udpPort}: ${err.message}`),
        );
      };
      sock.once('error', onErr);
      sock.bind({ address: this.bindAddr, port: this.udpPort, exclusive: true }, () => {
        sock.off('error', onErr);
        resolve();
      });
    });
    this.udpPort = sock.address().port;
    (this as { label: string }).label = `UDP ${this.bindAddr}:${this.udpPort}`;
    sock.on('error', () => {
      this.stats.sendErrors++;
    });
    sock.on('message', (b, rinfo) => {
      const dst = this.bindAddr === '0.0.0.0' ? undefined : this.bindAddr;
      this.dispatch(b, rinfo.address, dst, (p) => this.peerPorts.set(`${rinfo.address}:${p.src_port}`, rinfo.port));
    });
    this.sock = sock;
    this.open = true;
  }

  /** Where to send SCTP packets for (ip, sctpPort) until the peer tells us otherwise. */
  setPeerPort(ip: string, sctpPort: number, udpPort: number): void {
    this.peerPorts.set(`${ip}:${sctpPort}`, udpPort);
  }

  defaultPeerPort = 9899;

  protected sendRaw(_src: string | undefined, dst: string, payload: Buffer, dstPort: number, cb: (err?: Error | null) => void): void {
    const port = this.peerPorts.get(`${dst}:${dstPort}`) ?? this.defaultPeerPort;
    this.sock!.send(payload, port, dst, (err) => cb(err));
  }

  protected closeSocket(): void {
    const s = this.sock;
    this.sock = undefined;
    // dgram's close callback runs before libuv has let go of the handle: wait one more turn of the loop.
    if (s) this.closed = new Promise((resolve) => s.close(() => setTimeout(resolve, 0)));
    this.onGone(this);
  }
}

const udpWires = new Map<string, UdpWire>();
/** Wires being closed, by `${addr}:${port}`: a new bind on the same port waits for the old socket to go. */
const udpClosing = new Map<string, Promise<void>>();

/**
 * The UDP wire for a local address and encapsulation port, bound if needed.
 * A client without a local address reuses any wire already on that port; a
 * client whose port is taken by another process falls back to an ephemeral
 * UDP port (the peer learns it from our packets).
 */
export async function udpWireOpen(addr: string | undefined, udpPort: number, role: 'server' | 'client'): Promise<UdpWire> {
  const bindAddr = addr ?? '0.0.0.0';
  const exact = udpWires.get(`${bindAddr}:${udpPort}`);
  if (exact) return exact;
  // Port 0 (any): a wire already on this address will do.
  if (udpPort === 0) for (const w of udpWires.values()) if (w.bindAddr === bindAddr) return w;
  if (role === 'client' && addr === undefined) {
    for (const w of udpWires.values()) if (w.localUdpPort === udpPort || udpPort === 0) return w;
  }
  if (role === 'client' && addr !== undefined) {
    // A listener's wire on the same address serves our client associations too.
    for (const w of udpWires.values()) if (w.bindAddr === addr && (w.localUdpPort === udpPort || udpPort === 0)) return w;
  }
  const make = async (port: number) => {
    const w = new UdpWire(bindAddr, port, (gone) => {
      for (const [k, v] of udpWires)
        if (v === gone) {
          udpWires.delete(k);
          const done = gone.closed.then(() => {
            if (udpClosing.get(k) === done) udpClosing.delete(k);
          });
          udpClosing.set(k, done);
        }
    });
    await udpClosing.get(`${bindAddr}:${port}`);
    await w.bind();
    udpWires.set(`${bindAddr}:${w.localUdpPort}`, w);
    return w;
  };
  try {
    return await make(udpPort);
  } catch (err) {
    if (role === 'client' && err instanceof AssociationError && err.code === 'address-in-use' && udpPort !== 0) return make(0);
    throw err;
  }
}

/** Wires open now (for tests and status). */
export function openWires(): Array<{ transport: SctpTransport; label: string; endpoints: number; stats: WireStats }> {
  const out: Array<{ transport: SctpTransport; label: string; endpoints: number; stats: WireStats }> = [];
  if (rawWire && rawWire.endpoints > 0) out.push({ transport: 'raw', label: rawWire.label, endpoints: rawWire.endpoints, stats: { ...rawWire.stats } });
  for (const w of udpWires.values()) out.push({ transport: 'udp', label: w.label, endpoints: w.endpoints, stats: { ...w.stats } });
  return out;
}

/**
 * Resolves once every wire that has no endpoint left is really closed (its
 * last packets sent, its UDP socket's close callback run): what a snapshot or
 * a process exit waits for after closing associations and servers.
 */
export async function wiresSettled(timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await Promise.all([...udpClosing.values()]);
    const busy = (rawWire !== undefined && rawWire.endpoints === 0 && rawWire.isOpen) || [...udpWires.values()].some((w) => w.endpoints === 0 && w.isOpen);
    if ((!busy && udpClosing.size === 0) || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}
