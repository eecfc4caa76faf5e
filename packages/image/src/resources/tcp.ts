import * as net from 'node:net';
import { Bindable } from './bindable';
import { Backoff, type BackoffOptions, describeError, Resource, type ResourceHost } from './resource';

export interface TcpServerOptions {
  /** Resource name, unique within the package: `echo`, `ipa`. */
  name: string;
  host?: string;
  /** 0 picks a free port on first bind and keeps it across resumes. */
  port: number;
  onConnection(socket: net.Socket): void;
}

/**
 * A TCP listener. Accepted connections belong to it: they cannot cross a
 * snapshot and are destroyed when the image is suspended or stopped.
 */
export class TcpServer extends Bindable {
  readonly kind = 'tcp-server' as const;
  readonly hostAddr: string;
  port: number;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  accepted = 0;

  constructor(
    host: ResourceHost,
    owner: string,
    private readonly opts: TcpServerOptions,
  ) {
    super(host, owner, opts.name);
    this.hostAddr = opts.host ?? '127.0.0.1';
    this.port = opts.port;
    checkPort(opts.port, `tcp-server ${owner}.${opts.name}`);
  }

  describe(): Record<string, unknown> {
    return { host: this.hostAddr, port: this.port };
  }

  status(): Record<string, unknown> {
    const a = this.server?.listening ? (this.server.address() as net.AddressInfo) : undefined;
    return {
      bound: a ? `${a.address}:${a.port}` : null,
      connections: this.sockets.size,
      accepted: this.accepted,
      ...this.retryStatus(),
    };
  }

  protected where(): string {
    return `${this.hostAddr}:${this.port}`;
  }

  /** Live connections accepted by this listener. */
  connections(): ReadonlySet<net.Socket> {
    return this.sockets;
  }

  protected bindOnce(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((sock) => {
        this.accepted++;
        this.sockets.add(sock);
        sock.once('close', () => this.sockets.delete(sock));
        sock.on('error', (err) =>
          this.host.log.debug({ resource: this.qualifiedName, error: describeError(err) }, 'connection error'),
        );
        try {
          this.opts.onConnection(sock);
        } catch (err) {
          this.host.log.error({ err, resource: this.qualifiedName }, 'connection handler threw; connection closed');
          sock.destroy();
        }
      });
      const onError = (err: Error) => {
        server.close();
        reject(err);
      };
      server.once('error', onError);
      server.listen({ host: this.hostAddr, port: this.port, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.host.log.error({ err, resource: this.qualifiedName }, 'listener error'));
        this.server = server;
        this.port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  protected async unbind(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}

export interface TcpClientOptions {
  /** Resource name, unique within the package: `hlr`, `peer`. */
  name: string;
  host?: string;
  port: number;
  /** Reconnect delays; default 250 ms doubling up to 30 s. */
  backoff?: BackoffOptions;
  onConnect?(socket: net.Socket): void;
  onData?(data: Buffer): void;
  /** The link went down (it will be retried). */
  onDisconnect?(reason: string): void;
}

/**
 * A TCP client link that stays up: on failure or loss it reconnects with
 * bounded exponential backoff, for as long as the resource is open. Across a
 * snapshot the connection is dropped and made again on resume.
 */
export class TcpClient extends Resource {
  readonly kind = 'tcp-client' as const;
  readonly hostAddr: string;
  readonly port: number;
  private socket: net.Socket | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  connects = 0;
  lastError: string | undefined;
  nextAttemptAt: number | undefined;

  constructor(
    host: ResourceHost,
    owner: string,
    private readonly opts: TcpClientOptions,
  ) {
    super(host, owner, opts.name);
    this.hostAddr = opts.host ?? '127.0.0.1';
    this.port = opts.port;
    checkPort(opts.port, `tcp-client ${owner}.${opts.name}`, false);
    this.backoff = new Backoff(opts.backoff);
  }

  describe(): Record<string, unknown> {
    return { peer: `${this.hostAddr}:${this.port}`, host: this.hostAddr, port: this.port };
  }

  status(): Record<string, unknown> {
    const s = this.socket;
    return {
      connected: this.state === 'open',
      local: this.state === 'open' && s ? `${s.localAddress}:${s.localPort}` : null,
      connects: this.connects,
      attempts: this.backoff.attempts,
      ...(this.state === 'retrying'
        ? { lastError: this.lastError, nextAttemptAt: this.nextAttemptAt && new Date(this.nextAttemptAt).toISOString() }
        : {}),
    };
  }

  get connected(): boolean {
    return this.state === 'open';
  }

  /** Writes to the peer; false (and nothing sent) while the link is down. */
  write(data: string | Uint8Array): boolean {
    if (this.state !== 'open' || !this.socket) return false;
    this.socket.write(data);
    return true;
  }

  async activate(): Promise<void> {
    this.connect();
  }

  private connect(): void {
    this.state = 'opening';
    const sock = net.connect({ host: this.hostAddr, port: this.port });
    this.socket = sock;
    let failure: string | undefined;
    sock.once('connect', () => {
      if (this.socket !== sock) return;
      this.state = 'open';
      this.connects++;
      this.backoff.reset();
      this.lastError = undefined;
      this.nextAttemptAt = undefined;
      this.host.log.info({ resource: this.qualifiedName, peer: `${this.hostAddr}:${this.port}` }, 'connected');
      try {
        this.opts.onConnect?.(sock);
      } catch (err) {
        this.host.log.error({ err, resource: this.qualifiedName }, 'onConnect threw');
      }
    });
    sock.on('data', (d) => {
      try {
        this.opts.onData?.(d);
      } catch (err) {
        this.host.log.error({ err, resource: this.qualifiedName }, 'onData threw');
      }
    });
    sock.on('error', (err) => {
      failure = describeError(err);
    });
    sock.once('close', () => {
      if (this.socket !== sock) return;
      this.socket = undefined;
      if (this.state !== 'open' && this.state !== 'opening') return; // suspended or closed by us
      const wasUp = this.state === 'open';
      const reason = failure ?? (wasUp ? 'closed by peer' : 'connection failed');
      this.lastError = reason;
      this.scheduleRetry(wasUp, reason);
      if (wasUp) {
        try {
          this.opts.onDisconnect?.(reason);
        } catch (err) {
          this.host.log.error({ err, resource: this.qualifiedName }, 'onDisconnect threw');
        }
      }
    });
  }

  private scheduleRetry(wasUp: boolean, reason: string): void {
    const delay = this.backoff.next();
    this.state = 'retrying';
    this.nextAttemptAt = Date.now() + delay;
    const fields = {
      resource: this.qualifiedName,
      peer: `${this.hostAddr}:${this.port}`,
      error: reason,
      attempt: this.backoff.attempts,
      retryInMs: delay,
    };
    if (wasUp) this.host.log.warn(fields, 'link lost; reconnecting');
    else if (this.backoff.attempts === 1) this.host.log.warn(fields, 'cannot connect; retrying');
    else this.host.log.debug(fields, 'cannot connect; retrying');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state === 'retrying') this.connect();
    }, delay);
  }

  protected async deactivate(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.nextAttemptAt = undefined;
    this.backoff.reset();
    const sock = this.socket;
    this.socket = undefined;
    if (sock && !sock.destroyed) {
      await new Promise<void>((r) => {
        sock.once('close', () => r());
        sock.destroy();
      });
    }
  }
}

export function checkPort(port: number, what: string, zeroOk = true): void {
  if (!Number.isInteger(port) || port < (zeroOk ? 0 : 1) || port > 65535)
    throw new RangeError(`${what}: port must be an integer ${zeroOk ? 0 : 1}..65535 (got ${port})`);
}
