import { spawn } from 'node:child_process';
import { clock, refreshClock, refreshRandomness } from './clock';
import { ResourceError, ServiceError } from './errors';
import type { Context, ImageFacts, Phase } from './context';
import { Log, LogHub, type LogConfig } from './logger';
import type { PackageDefinition } from './package';
import type { Resource, ResourceHost, ResourceInfo } from './resources/resource';
import { Timer } from './resources/timer';
import { TcpClient, TcpServer } from './resources/tcp';
import { UdpSocket } from './resources/udp';
import { CustomResource } from './resources/custom';

/** A recipe after deploy has read it: per-package config and the log setup. */
export interface Recipe {
  /** Config handed to each package's start(), by package name. */
  packages: Record<string, unknown>;
  log: LogConfig;
}

export type Mode = ImageFacts['mode'];

const STOP_TIMEOUT_MS = 10_000;

/**
 * Hosts packages and the resources they own. The same object lives through
 * deploy (start, suspend), the snapshot, and every resume: it is in the image.
 */
export class Runtime implements ResourceHost {
  phase: Phase = 'idle';
  mode: Mode;
  readonly hub: LogHub;
  readonly log: Log;
  private readonly resources = new Set<Resource>();
  private readonly contexts = new Map<string, Context>();
  private overdueQueue: Array<{ id: number; deadline: number; fireOverdue(): void }> = [];
  private overdueScheduled = false;
  startedAt: Date | undefined;
  resumedAt: Date | undefined;
  imagePath: string | undefined;
  private signalsInstalled = false;
  /** A stop signal that came while starting or resuming: acted on once ready. */
  private stopRequested: string | undefined;
  private readonly pending = new Set<Promise<void>>();
  /** What each package's start() returned: its face for `remote eval`. */
  readonly instances = new Map<string, unknown>();
  /** Set by the builder; the manifest of the image written from this heap carries the same id. */
  buildId: string | undefined;
  /** 0 for a deployed image, +1 per live snapshot. */
  generation = 0;
  /** The service layer (daemon): runs before packages stop, and after. */
  service: { beforeStop?(reason: string): Promise<void>; afterStop?(): void } | undefined;

  constructor(
    readonly packages: readonly PackageDefinition[],
    readonly recipe: Recipe,
    mode: Mode,
  ) {
    this.mode = mode;
    this.hub = new LogHub(recipe.log);
    this.log = new Log(this.hub, { pkg: 'snaptel' });
  }

  get building(): boolean {
    return this.mode === 'build';
  }

  get live(): boolean {
    return this.phase === 'starting' || this.phase === 'running' || this.phase === 'resuming';
  }

  register(r: Resource): void {
    this.resources.add(r);
  }

  unregister(r: Resource): void {
    this.resources.delete(r);
  }

  overdue(t: { id: number; deadline: number; fireOverdue(): void }): void {
    this.overdueQueue.push(t);
    if (this.overdueScheduled) return;
    this.overdueScheduled = true;
    setImmediate(() => {
      this.overdueScheduled = false;
      const due = this.overdueQueue.sort((a, b) => a.deadline - b.deadline || a.id - b.id);
      this.overdueQueue = [];
      for (const t of due) t.fireOverdue();
    });
  }

  /** Every resource, in the order it was opened. */
  inspect(): ResourceInfo[] {
    return [...this.resources].map((r) => r.info());
  }

  context(pkg: PackageDefinition): Context {
    let ctx = this.contexts.get(pkg.name);
    if (ctx) return ctx;
    const rt = this;
    const owner = pkg.name;
    const add = <R extends Resource>(r: R): R => {
      if (r.kind !== 'timer')
        for (const other of rt.resources)
          if (other.owner === owner && other.name === r.name && other.kind === r.kind)
            throw new ResourceError('duplicate-resource', `${owner}.${r.name}`, `package '${owner}' already has a ${r.kind} named '${r.name}'`);
      rt.register(r);
      if (rt.live) {
        const p = r.activate();
        rt.pending.add(p);
        void p.finally(() => rt.pending.delete(p));
      }
      return r;
    };
    const image: ImageFacts = {
      get mode() {
        return rt.mode;
      },
      get phase() {
        return rt.phase;
      },
      get path() {
        return rt.imagePath;
      },
      get startedAt() {
        return rt.startedAt;
      },
      get resumedAt() {
        return rt.resumedAt;
      },
    };
    ctx = {
      name: owner,
      log: new Log(this.hub, { pkg: owner }),
      image,
      timers: {
        once: (name, delayMs, fn) => add(new Timer(rt, owner, name, { deadline: clock.now() + delayMs }, fn)),
        at: (name, when, fn) =>
          add(new Timer(rt, owner, name, { deadline: typeof when === 'number' ? when : when.getTime() }, fn)),
        every: (name, periodMs, fn, opts) =>
          add(new Timer(rt, owner, name, { deadline: clock.now() + (opts?.firstMs ?? periodMs), periodMs }, fn)),
      },
      net: {
        listen: (o) => add(new TcpServer(rt, owner, o)),
        connect: (o) => add(new TcpClient(rt, owner, o)),
        udp: (o) => add(new UdpSocket(rt, owner, o)),
      },
      resource: (o) => add(new CustomResource(rt, owner, o)),
      resources: () => rt.inspect().filter((r) => r.owner === owner),
      use: <T>(name: string): T => {
        if (!(pkg.requires ?? []).includes(name))
          throw new ServiceError('not-required', `package '${owner}' uses '${name}' but does not list it in requires`);
        if (!rt.instances.has(name)) throw new ServiceError('not-started', `package '${name}' has not started (or returned nothing from start)`);
        return rt.instances.get(name) as T;
      },
    };
    this.contexts.set(owner, ctx);
    return ctx;
  }

  /** Starts every package in dependency order (deploy or cold start). */
  async start(): Promise<void> {
    this.hub.open(this.mode === 'build' ? 'build' : 'run');
    this.phase = 'starting';
    if (this.mode !== 'build') this.installSignals();
    this.startedAt = new Date();
    for (const pkg of this.packages) {
      const config = this.recipe.packages[pkg.name] ?? {};
      this.log.info({ package: pkg.name, version: pkg.version }, 'starting package');
      const face = await pkg.start(this.context(pkg), config);
      if (face !== undefined) this.instances.set(pkg.name, face);
    }
    await this.settle();
    this.phase = 'running';
  }

  /**
   * Durable state of every package that declares it, taken synchronously: one
   * consistent point, between two event loop turns.
   */
  exportStates(): { packages: Record<string, { version: string; state: unknown }>; ms: number } {
    const t0 = performance.now();
    const packages: Record<string, { version: string; state: unknown }> = {};
    for (const pkg of this.packages) {
      if (!pkg.exportState) continue;
      const state = pkg.exportState(this.context(pkg));
      if (state && typeof (state as { then?: unknown }).then === 'function')
        throw new ServiceError('bad-state', `package '${pkg.name}': exportState returned a promise; it must return its state synchronously`);
      packages[pkg.name] = { version: pkg.version, state };
    }
    return { packages, ms: performance.now() - t0 };
  }

  /** In the builder of a live snapshot: hands each package its state, in start order. */
  async importStates(packages: Record<string, { version: string; state: unknown }>): Promise<string[]> {
    const imported: string[] = [];
    for (const name of Object.keys(packages))
      if (!this.packages.some((p) => p.name === name))
        this.log.warn({ package: name }, 'state for a package that is not in this image; ignored');
    for (const pkg of this.packages) {
      const entry = packages[pkg.name];
      if (!entry) continue;
      if (!pkg.importState) {
        this.log.warn({ package: pkg.name }, 'state exported but the package has no importState; ignored');
        continue;
      }
      await pkg.importState(this.context(pkg), entry.state);
      imported.push(pkg.name);
      this.log.info({ package: pkg.name, fromVersion: entry.version, version: pkg.version }, 'state imported');
    }
    await this.settle();
    return imported;
  }

  /** Waits until every resource opened so far is bound (or retrying in the background). */
  private async settle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /** Before the snapshot: packages' aboutToSnapshot, then every resource closed in reverse order. */
  async suspend(): Promise<void> {
    this.phase = 'suspending';
    for (const pkg of [...this.packages].reverse()) await pkg.aboutToSnapshot?.(this.context(pkg));
    for (const r of [...this.resources].reverse()) await r.suspend();
    this.phase = 'suspended';
    this.log.info({ resources: this.resources.size }, 'suspended for snapshot');
    this.hub.close();
  }

  /**
   * After the snapshot is loaded: refresh what belongs to the process, re-open
   * logs, re-bind sockets, re-arm timers (overdue ones fire once, in deadline
   * order), then the packages' returnedFromSnapshot, then ready.
   */
  async resume(imagePath: string | undefined): Promise<void> {
    this.phase = 'resuming';
    this.mode = 'image';
    this.imagePath = imagePath;
    this.resumedAt = new Date();
    const shift = refreshClock();
    refreshRandomness();
    this.installSignals();
    process.title = `snaptel ${this.packages.map((p) => p.name).join('+')}`;
    // The service layer may have opened it already (to log its own steps): keep what it wrote.
    if (this.hub.openedFor !== 'run') this.hub.open('run');
    this.log.info(
      { image: imagePath, startedAt: this.startedAt?.toISOString(), argv: process.argv.slice(1) },
      'resuming image',
    );
    if (shift) this.log.warn({ clockShiftMs: shift }, 'SNAPTEL_CLOCK_SHIFT_MS is set: timers see a shifted clock');
    if (clock.virtual !== undefined)
      this.log.warn({ virtualClock: new Date(clock.virtual).toISOString() }, 'SNAPTEL_VIRTUAL_CLOCK is set: time stands still until the control socket advances it');
    const all = [...this.resources];
    const timers = all.filter((r): r is Timer => r instanceof Timer).sort((a, b) => a.deadline - b.deadline);
    await Promise.all(all.filter((r) => !(r instanceof Timer) && r.state === 'suspended').map((r) => r.activate()));
    for (const t of timers) if (t.state === 'suspended') await t.activate();
    this.phase = 'running';
    for (const pkg of this.packages) await pkg.returnedFromSnapshot?.(this.context(pkg));
    this.ready();
  }

  /** After a cold start: the same readiness as a resumed image. */
  serveCold(): void {
    this.ready();
  }

  private ready(): void {
    const resources = this.inspect();
    const notReady = resources.filter((r) => r.state === 'retrying').map((r) => `${r.owner}.${r.name}`);
    this.log.info(
      {
        mode: this.mode,
        uptimeMs: Math.round(process.uptime() * 1000),
        packages: this.packages.map((p) => `${p.name}@${p.version}`),
        resources,
        logFile: this.hub.file ?? null,
        ...(notReady.length ? { retrying: notReady } : {}),
      },
      notReady.length ? `ready (still retrying: ${notReady.join(', ')})` : 'ready',
    );
    this.notifySystemd(`READY=1\nSTATUS=serving ${this.packages.map((p) => p.name).join(', ')}\nMAINPID=${process.pid}`);
    if (this.stopRequested) void this.stop(this.stopRequested);
  }

  /** Sends a message to systemd when run as a Type=notify service (needs NotifyAccess=all). */
  notifySystemd(message: string): void {
    const socket = process.env.NOTIFY_SOCKET;
    if (!socket) return;
    const args = ['--pid=' + process.pid, ...message.split('\n')];
    const child = spawn('systemd-notify', args, { stdio: 'ignore' });
    child.on('error', (err) => this.log.warn({ err }, 'could not run systemd-notify; systemd will not see READY=1'));
    child.on('exit', (code) => {
      if (code !== 0) this.log.warn({ code }, 'systemd-notify failed');
      else this.log.debug({ socket }, 'notified systemd');
    });
  }

  private installSignals(): void {
    if (this.signalsInstalled) return;
    this.signalsInstalled = true;
    const onStop = (sig: NodeJS.Signals) => {
      if (this.phase === 'stopping' || this.stopRequested) {
        this.log.warn({ signal: sig }, 'second signal while stopping; exiting now');
        this.hub.flush();
        process.exit(1);
      }
      if (this.phase === 'starting' || this.phase === 'resuming') {
        this.stopRequested = sig;
        this.log.info({ signal: sig }, 'stop requested while coming up; stopping once ready');
        return;
      }
      void this.stop(sig);
    };
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('SIGHUP', () => {
      this.hub.reopen();
      this.log.info('log file re-opened (SIGHUP)');
    });
    process.on('SIGUSR2', () => this.log.info({ resources: this.inspect() }, 'resources'));
  }

  /** Stops packages in reverse order, closes every resource, exits 0. */
  async stop(reason: string): Promise<never> {
    this.phase = 'stopping';
    this.log.info({ reason }, 'stopping');
    // The lines of a stop must reach the log in order, even the first one written asynchronously.
    await this.hub.drain();
    if (this.service?.beforeStop) {
      try {
        await this.service.beforeStop(reason);
      } catch (err) {
        this.log.error({ err }, 'before-stop step failed; stopping anyway');
      }
    }
    const guard = setTimeout(() => {
      this.log.error({ timeoutMs: STOP_TIMEOUT_MS }, 'packages did not stop in time; exiting');
      this.hub.flush();
      this.service?.afterStop?.();
      process.exit(1);
    }, STOP_TIMEOUT_MS);
    guard.unref();
    for (const pkg of [...this.packages].reverse()) {
      try {
        await pkg.stop?.(this.context(pkg));
      } catch (err) {
        this.log.error({ err, package: pkg.name }, 'stop hook threw');
      }
    }
    for (const r of [...this.resources].reverse()) await r.suspend();
    this.phase = 'stopped';
    this.service?.afterStop?.();
    this.log.info('stopped');
    // An async write still in flight would land after a synchronous flush: wait for it.
    await this.hub.drain();
    this.hub.close();
    process.exit(0);
  }
}
