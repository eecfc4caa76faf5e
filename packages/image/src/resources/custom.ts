import { Resource, type ResourceHost } from './resource';

/**
 * A resource whose live handle the runtime does not know how to make: an
 * SCTP association (through sctp-js-stub), a device. The package describes
 * it and says how to open and close it; the runtime calls open() at start
 * and after every resume, and close() before a snapshot and at stop, exactly
 * as for its own sockets.
 */
export interface CustomResourceOptions {
  /** Unique within the package for this kind. */
  name: string;
  /** What it is, for status and verify: 'sctp-server', 'sctp-client'. */
  kind: string;
  /** What it is (address, port, peer, backend): plain JSON, the same before and after a snapshot. */
  describe(): Record<string, unknown>;
  /** What the live handle is doing now. */
  status?(): Record<string, unknown>;
  /**
   * Makes the live handles. Called at start and after every resume, never
   * while an image is being built (a native addon cannot be in a snapshot).
   * Trouble with a peer is not a failure: keep retrying inside.
   */
  open(): Promise<void>;
  /** Closes every live handle (sockets, timers): before a snapshot and at stop. */
  close(): Promise<void>;
}

/** What ctx.resource() returns. */
export interface CustomResourceHandle {
  readonly state: string;
  readonly kind: string;
  readonly name: string;
  /** Closes it for good; the runtime forgets it. */
  close(): Promise<void>;
}

export class CustomResource extends Resource implements CustomResourceHandle {
  readonly kind: string;
  lastError: string | undefined;

  constructor(
    host: ResourceHost,
    owner: string,
    private readonly opts: CustomResourceOptions,
  ) {
    super(host, owner, opts.name);
    this.kind = opts.kind;
    if (!/^[a-z][a-z0-9-]*$/.test(opts.kind) || ['tcp-server', 'tcp-client', 'udp', 'timer'].includes(opts.kind))
      throw new RangeError(`custom resource ${owner}.${opts.name}: kind '${opts.kind}' must be a lowercase word of its own (not tcp-server, tcp-client, udp or timer)`);
  }

  describe(): Record<string, unknown> {
    return this.opts.describe();
  }

  status(): Record<string, unknown> {
    return { ...(this.opts.status?.() ?? {}), ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  async activate(): Promise<void> {
    // In the builder nothing is opened: the handle is made after resume.
    if (this.host.building) {
      this.state = 'suspended';
      return;
    }
    this.state = 'opening';
    try {
      await this.opts.open();
      this.lastError = undefined;
      if (this.state === 'opening') this.state = 'open';
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.host.log.error({ resource: this.qualifiedName, kind: this.kind, error: this.lastError }, `cannot open ${this.kind} ${this.qualifiedName}: ${this.lastError}`);
      if (this.state === 'opening') this.state = 'retrying';
    }
  }

  protected async deactivate(): Promise<void> {
    await this.opts.close();
  }
}
