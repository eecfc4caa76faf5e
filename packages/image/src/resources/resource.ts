import type { Log } from '../logger';

/** The runtime's own kinds, or a package's own (ctx.resource): 'sctp-server', 'sctp-client'. */
export type ResourceKind = 'tcp-server' | 'tcp-client' | 'udp' | 'timer' | (string & {});

/**
 * new: described, never opened. open: live handle. retrying: wants to be open,
 * waiting for the next attempt (port in use, peer down). suspended: handle
 * closed for a snapshot, to be re-opened on resume. closed: closed for good by
 * its owner (or a one-shot timer that fired); not re-opened.
 */
export type ResourceState = 'new' | 'opening' | 'open' | 'retrying' | 'suspended' | 'closed';

/** What the runtime tells a resource about the world it lives in. */
export interface ResourceHost {
  readonly log: Log;
  /** In the snapshot builder: timers are armed only after resume, never fire there. */
  readonly building?: boolean;
  register(r: Resource): void;
  unregister(r: Resource): void;
  /** Queue a timer whose deadline has passed; fired in deadline order. */
  overdue(t: { id: number; deadline: number; fireOverdue(): void }): void;
}

/** Inspection record: description (what it is) plus live status. Plain JSON. */
export interface ResourceInfo {
  id: number;
  kind: ResourceKind;
  name: string;
  owner: string;
  state: ResourceState;
  [key: string]: unknown;
}

let nextId = 1;

/**
 * A handle owned through `ctx`. It keeps what it is (address, port, deadline)
 * apart from the live handle, so the runtime can close the handle before a
 * snapshot and bring it back after.
 */
export abstract class Resource {
  readonly id = nextId++;
  state: ResourceState = 'new';
  abstract readonly kind: ResourceKind;

  constructor(
    protected readonly host: ResourceHost,
    readonly owner: string,
    readonly name: string,
  ) {}

  /** What the resource is: survives the snapshot unchanged. */
  abstract describe(): Record<string, unknown>;
  /** What the live handle is doing now. */
  abstract status(): Record<string, unknown>;
  /** Create the live handle from the description. Resolves once it is usable or retrying. */
  abstract activate(): Promise<void>;
  /** Close the live handle, keep the description. */
  protected abstract deactivate(): Promise<void>;

  get qualifiedName(): string {
    return `${this.owner}.${this.name}`;
  }

  info(): ResourceInfo {
    return {
      id: this.id,
      kind: this.kind,
      name: this.name,
      owner: this.owner,
      state: this.state,
      ...this.describe(),
      ...this.status(),
    };
  }

  /** Close for a snapshot (runtime only). */
  async suspend(): Promise<void> {
    if (this.state === 'closed') return;
    await this.deactivate();
    this.state = 'suspended';
  }

  /** Close for good; the runtime forgets it and will not re-open it. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasLive = this.state !== 'new' && this.state !== 'suspended';
    this.state = 'closed';
    if (wasLive) await this.deactivate();
    this.host.unregister(this);
  }
}

export interface BackoffOptions {
  /** First retry delay (ms). */
  initialMs?: number;
  /** Upper bound of the delay (ms). */
  maxMs?: number;
  factor?: number;
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Bounded exponential backoff: initial, initial*factor, ... capped at max. */
export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  attempts = 0;

  constructor(o: BackoffOptions = {}) {
    this.initialMs = o.initialMs ?? 250;
    this.maxMs = o.maxMs ?? 30_000;
    this.factor = o.factor ?? 2;
    // setTimeout holds at most 2^31-1 ms; a longer delay would fire after 1 ms.
    if (!(this.initialMs > 0 && this.maxMs >= this.initialMs && this.maxMs <= MAX_TIMEOUT_MS && this.factor >= 1))
      throw new RangeError(`invalid backoff ${JSON.stringify(o)}: want 0 < initialMs <= maxMs <= ${MAX_TIMEOUT_MS}, factor >= 1`);
  }

  /** Delay before the next attempt; counts the attempt. */
  next(): number {
    const d = Math.min(this.maxMs, this.initialMs * this.factor ** this.attempts);
    this.attempts++;
    return Math.round(d);
  }

  reset(): void {
    this.attempts = 0;
  }
}

/** Formats a Node system error as "EADDRINUSE (address already in use)". */
export function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && e.code) {
    const plain: Record<string, string> = {
      EADDRINUSE: 'address already in use',
      EACCES: 'permission denied',
      EADDRNOTAVAIL: 'address not available on this host',
      ECONNREFUSED: 'connection refused',
      ECONNRESET: 'connection reset by peer',
      ETIMEDOUT: 'timed out',
      EHOSTUNREACH: 'host unreachable',
      ENETUNREACH: 'network unreachable',
      EPIPE: 'broken pipe',
    };
    return plain[e.code] ? `${e.code} (${plain[e.code]})` : `${e.code}: ${e.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}
