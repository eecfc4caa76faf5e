import * as dgram from 'node:dgram';
import { Bindable } from './bindable';
import { checkPort } from './tcp';
import type { ResourceHost } from './resource';

export interface UdpOptions {
  name: string;
  host?: string;
  /** 0 picks a free port on first bind and keeps it across resumes. */
  port: number;
  /** Defaults from the host address: udp6 for an IPv6 literal. */
  type?: 'udp4' | 'udp6';
  onMessage(msg: Buffer, rinfo: dgram.RemoteInfo, sock: UdpSocket): void;
}

/** A bound UDP socket, re-bound to the same address after resume. */
export class UdpSocket extends Bindable {
  readonly kind = 'udp' as const;
  readonly hostAddr: string;
  port: number;
  readonly type: 'udp4' | 'udp6';
  private socket: dgram.Socket | undefined;
  received = 0;

  constructor(
    host: ResourceHost,
    owner: string,
    private readonly opts: UdpOptions,
  ) {
    super(host, owner, opts.name);
    this.hostAddr = opts.host ?? '127.0.0.1';
    this.type = opts.type ?? (this.hostAddr.includes(':') ? 'udp6' : 'udp4');
    this.port = opts.port;
    checkPort(opts.port, `udp ${owner}.${opts.name}`);
  }

  describe(): Record<string, unknown> {
    return { host: this.hostAddr, port: this.port, type: this.type };
  }

  status(): Record<string, unknown> {
    let bound: string | null = null;
    try {
      if (this.socket && this.state === 'open') {
        const a = this.socket.address();
        bound = `${a.address}:${a.port}`;
      }
    } catch {
      bound = null;
    }
    return { bound, received: this.received, ...this.retryStatus() };
  }

  protected where(): string {
    return `${this.hostAddr}:${this.port}`;
  }

  /** Sends a datagram; false (nothing sent) while the socket is not bound. */
  send(msg: string | Uint8Array, port: number, address: string): boolean {
    if (this.state !== 'open' || !this.socket) return false;
    this.socket.send(msg, port, address, (err) => {
      if (err) this.host.log.warn({ resource: this.qualifiedName, err }, 'udp send failed');
    });
    return true;
  }

  protected bindOnce(): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = dgram.createSocket({ type: this.type, reuseAddr: false });
      const onError = (err: Error) => {
        sock.close();
        reject(err);
      };
      sock.once('error', onError);
      sock.on('message', (msg, rinfo) => {
        this.received++;
        try {
          this.opts.onMessage(msg, rinfo, this);
        } catch (err) {
          this.host.log.error({ err, resource: this.qualifiedName }, 'message handler threw');
        }
      });
      sock.bind({ address: this.hostAddr, port: this.port, exclusive: true }, () => {
        sock.off('error', onError);
        sock.on('error', (err) => this.host.log.error({ err, resource: this.qualifiedName }, 'udp socket error'));
        this.socket = sock;
        this.port = sock.address().port;
        resolve();
      });
    });
  }

  protected async unbind(): Promise<void> {
    const sock = this.socket;
    this.socket = undefined;
    if (sock) await new Promise<void>((r) => sock.close(() => r()));
  }
}
