import type { Log } from './logger';
import type { ResourceInfo } from './resources/resource';
import type { Timer, TimerCallback } from './resources/timer';
import type { TcpClient, TcpClientOptions, TcpServer, TcpServerOptions } from './resources/tcp';
import type { UdpOptions, UdpSocket } from './resources/udp';
import type { CustomResourceHandle, CustomResourceOptions } from './resources/custom';

export type Phase = 'idle' | 'starting' | 'running' | 'suspending' | 'suspended' | 'resuming' | 'stopping' | 'stopped';

export interface Timers {
  /** Fires once, `delayMs` from now. */
  once(name: string, delayMs: number, fn: TimerCallback): Timer;
  /** Fires at a wall-clock time. */
  at(name: string, when: Date | number, fn: TimerCallback): Timer;
  /** Fires every `periodMs`, first after `firstMs` (default: one period). */
  every(name: string, periodMs: number, fn: TimerCallback, opts?: { firstMs?: number }): Timer;
}

export interface Net {
  listen(opts: TcpServerOptions): TcpServer;
  connect(opts: TcpClientOptions): TcpClient;
  udp(opts: UdpOptions): UdpSocket;
}

export interface ImageFacts {
  /** How this process got here: a resumed image, a cold start, or the deploy builder. */
  readonly mode: 'image' | 'cold' | 'build';
  readonly phase: Phase;
  /** Path of the image file when resumed from one. */
  readonly path: string | undefined;
  /** When the packages were started (deploy time for an image). */
  readonly startedAt: Date | undefined;
  /** When this process resumed the image. */
  readonly resumedAt: Date | undefined;
}

/** Everything a package may use to own handles. Nothing else survives a snapshot. */
export interface Context {
  /** The package's name. */
  readonly name: string;
  readonly log: Log;
  readonly timers: Timers;
  readonly net: Net;
  readonly image: ImageFacts;
  /**
   * A resource of the package's own kind (an SCTP association through
   * sctp-js-stub): the runtime opens it at start and after every resume and
   * closes it before a snapshot and at stop, like its own sockets.
   */
  resource(o: CustomResourceOptions): CustomResourceHandle;
  /** This package's resources, described and with their live state. */
  resources(): ResourceInfo[];
  /**
   * The face (what start() returned) of a package this one requires: how an
   * MSC reaches its embedded HLR. Throws for a package not in `requires` or
   * not started yet.
   */
  use<T = unknown>(pkg: string): T;
}
