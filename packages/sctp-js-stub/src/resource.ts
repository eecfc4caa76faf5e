import { Backoff as RuntimeBackoff, type BackoffOptions, type CustomResourceOptions } from '@snaptel/image';
import { sctpBackend, wiresSettled, type SctpBackendOptions } from './sctp';
import { createStubNetwork, type StubNetwork } from './stub';
import { AssociationError, type Association, type Backend, type BackendName, type Server } from './types';

/**
 * SCTP endpoints as resources of the snaptel image runtime: described once
 * (address, port, backend), opened at start and after every resume, closed
 * before a snapshot and at stop. A client re-establishes its association by
 * itself after any loss, with bounded exponential backoff.
 */

// ---- the runtime's generic resource API (packages/image ctx.resource) ----

export type { CustomResourceOptions };

export interface SctpResourceLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  error(o: object, msg: string): void;
  debug(o: object, msg: string): void;
}

/** The part of a package's context (@snaptel/image Context) these adapters use. */
export interface SctpResourceContext {
  readonly name: string;
  readonly log: SctpResourceLog;
  resource(o: CustomResourceOptions): { readonly state: string; close(): Promise<void> };
}

// ---- backends by configuration ----

/** A backend named in configuration (plain JSON, so it can sit in an image recipe). */
export interface BackendSpec extends Omit<SctpBackendOptions, 'rto'> {
  backend: BackendName;
}

let processStub: StubNetwork | undefined;
const sctpBackends = new Map<string, Backend>();

/** The stub network every 'stub' BackendSpec in this process shares (real timers). */
export function processStubNetwork(): StubNetwork {
  processStub ??= createStubNetwork({ seed: 1 });
  return processStub;
}

/** The backend a spec names: one shared stub network, one sctp backend per distinct option set. Loads nothing. */
export function backendFor(spec: BackendSpec | Backend): Backend {
  if (isBackend(spec)) return spec;
  if (!spec || typeof spec !== 'object') throw new AssociationError('bad-option', `backend spec must be an object like { backend: 'sctp', transport: 'raw' }`);
  if (spec.backend === 'stub') {
    if (spec.transport !== undefined) throw new AssociationError('bad-option', `backend 'stub' takes no transport (got ${JSON.stringify(spec.transport)})`);
    return processStubNetwork().backend;
  }
  if (spec.backend === 'sctp') {
    const o: SctpBackendOptions = {
      transport: spec.transport ?? 'raw',
      ...(spec.udpPort !== undefined ? { udpPort: spec.udpPort } : {}),
      ...(spec.udpPeerPort !== undefined ? { udpPeerPort: spec.udpPeerPort } : {}),
      ...(spec.heartbeatMs !== undefined ? { heartbeatMs: spec.heartbeatMs } : {}),
      ...(spec.maxSilenceMs !== undefined ? { maxSilenceMs: spec.maxSilenceMs } : {}),
      ...(spec.closeTimeoutMs !== undefined ? { closeTimeoutMs: spec.closeTimeoutMs } : {}),
    };
    const k = JSON.stringify(o);
    let b = sctpBackends.get(k);
    if (!b) {
      b = sctpBackend(o);
      sctpBackends.set(k, b);
    }
    return b;
  }
  throw new AssociationError('bad-option', `unknown SCTP backend ${JSON.stringify((spec as { backend?: unknown }).backend)}: want 'stub' or 'sctp'`);
}

function isBackend(x: unknown): x is Backend {
  return !!x && typeof x === 'object' && typeof (x as Backend).listen === 'function' && typeof (x as Backend).connect === 'function';
}

function udpPortOf(b: Backend): number | undefined {
  const o = (b as { options?: { transport?: string; udpPort?: number } }).options;
  return b.name === 'sctp' && o?.transport === 'udp' ? o.udpPort : undefined;
}

/** The UDP port a client's encapsulated packets go to (RFC 6951), for verify to play the peer there. */
function udpPeerPortOf(b: Backend): number | undefined {
  const o = (b as { options?: { transport?: string; udpPeerPort?: number } }).options;
  return b.name === 'sctp' && o?.transport === 'udp' ? o.udpPeerPort : undefined;
}

export type { BackoffOptions };

/** The runtime's bounded exponential backoff (250 ms doubling to 30 s by default); a bad option is an AssociationError here. */
class Backoff extends RuntimeBackoff {
  constructor(o: BackoffOptions = {}, what: string) {
    try {
      super(o);
    } catch (err) {
      throw new AssociationError('bad-option', `${what}: ${(err as Error).message}`);
    }
  }
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));
const errCode = (err: unknown) => (err instanceof AssociationError ? err.code : undefined);
/** Failures that waiting will not cure: reported, not retried. */
const FATAL = new Set(['bad-option', 'permission', 'unavailable']);

// ---- server ----

export interface SctpListenOptions {
  /** Resource name, unique within the package. */
  name: string;
  backend: Backend | BackendSpec;
  host: string;
  /** 0: a free port, picked at the first open and kept afterwards. */
  port: number;
  inStreams?: number;
  outStreams?: number;
  /** Each association that comes up; it is closed with the resource. */
  onAssociation(a: Association): void;
  backoff?: BackoffOptions;
}

export interface SctpListenHandle {
  /** Associations up now. */
  associations(): Association[];
  /** The live server, while open. */
  readonly server: Server | undefined;
  readonly resource: { readonly state: string };
  /** Closes for good (the runtime forgets the resource). */
  close(): Promise<void>;
}

/** An SCTP listener owned by the runtime: listening again after every resume, its associations closed before a snapshot. */
export function sctpListen(ctx: SctpResourceContext, o: SctpListenOptions): SctpListenHandle {
  const backend = backendFor(o.backend);
  const qname = `${ctx.name}.${o.name}`;
  let port = o.port;
  const udpPort = udpPortOf(backend);
  const backoff = new Backoff(o.backoff, `sctp-server ${qname}`);
  let server: Server | undefined;
  let retry: NodeJS.Timeout | undefined;
  let active = false;
  let lastError: string | undefined;
  let nextAttemptAt: number | undefined;
  let associationsSeen = 0;
  const live = new Set<Association>();
  const fields = (peer?: string) => ({
    resource: qname,
    ...(peer ? { peer } : { address: `${o.host}:${port}` }),
    backend: backend.name,
    transport: backend.transport ?? null,
  });

  const attach = (s: Server) => {
    s.on('association', (a: Association) => {
      const i = a.info();
      const peer = `${i.remoteAddress}:${i.remotePort}`;
      live.add(a);
      associationsSeen++;
      ctx.log.info({ ...fields(peer), inStreams: i.inStreams, outStreams: i.outStreams }, 'sctp association up');
      a.on('restart', () => ctx.log.warn(fields(peer), 'sctp peer restarted'));
      a.once('down', (reason: string) => {
        live.delete(a);
        ctx.log.info({ ...fields(peer), reason }, 'sctp association down');
      });
      try {
        o.onAssociation(a);
      } catch (err) {
        ctx.log.error({ ...fields(peer), error: errText(err) }, 'onAssociation threw');
      }
    });
  };

  const attempt = async (): Promise<void> => {
    retry = undefined;
    nextAttemptAt = undefined;
    try {
      const s = await backend.listen({ host: o.host, port, ...(o.inStreams ? { inStreams: o.inStreams } : {}), ...(o.outStreams ? { outStreams: o.outStreams } : {}) });
      if (!active) {
        await s.close();
        return;
      }
      server = s;
      port = s.address.port;
      lastError = undefined;
      backoff.reset();
      attach(s);
      ctx.log.info(fields(), 'sctp listening');
    } catch (err) {
      lastError = errText(err);
      if (FATAL.has(errCode(err) ?? '')) {
        ctx.log.error({ ...fields(), error: lastError }, 'sctp cannot listen');
        throw err;
      }
      if (!active) return;
      const delay = backoff.next();
      nextAttemptAt = Date.now() + delay;
      ctx.log[backoff.attempts === 1 ? 'error' : 'debug']({ ...fields(), error: lastError, attempt: backoff.attempts, retryInMs: delay }, 'sctp cannot listen; retrying');
      retry = setTimeout(() => void attempt().catch(() => undefined), delay);
    }
  };

  const res = ctx.resource({
    name: o.name,
    kind: 'sctp-server',
    describe: () => ({
      host: o.host,
      port,
      backend: backend.name,
      transport: backend.transport ?? null,
      ...(udpPort !== undefined ? { udpPort } : {}),
      ...(o.inStreams ? { inStreams: o.inStreams } : {}),
      ...(o.outStreams ? { outStreams: o.outStreams } : {}),
    }),
    status: () => ({
      up: server !== undefined,
      associations: live.size,
      associationsSeen,
      ...(lastError ? { lastError } : {}),
      ...(nextAttemptAt ? { nextAttemptAt: new Date(nextAttemptAt).toISOString() } : {}),
    }),
    open: async () => {
      active = true;
      backoff.reset();
      await attempt();
    },
    close: async () => {
      active = false;
      if (retry) clearTimeout(retry);
      retry = undefined;
      nextAttemptAt = undefined;
      const s = server;
      server = undefined;
      live.clear();
      if (s) await s.close();
      if (backend.name === 'sctp') await wiresSettled();
    },
  });

  return {
    associations: () => [...live],
    get server() {
      return server;
    },
    resource: res,
    close: () => res.close(),
  };
}

// ---- client ----

export interface SctpConnectOptions {
  /** Resource name, unique within the package. */
  name: string;
  backend: Backend | BackendSpec;
  /** The peer. */
  host: string;
  port: number;
  localHost?: string;
  /** A fixed local port lets the peer see a restart of ours (RFC 4960 5.2.2) instead of a second association. */
  localPort?: number;
  inStreams?: number;
  outStreams?: number;
  /** Per attempt (INIT unanswered); default 10 s. */
  timeoutMs?: number;
  /** Each time the association comes up (first time, after a loss, after a resume). */
  onUp(a: Association): void;
  /** Each time it goes down by itself (not when the resource closes). */
  onDown?(reason: string): void;
  /** Re-establishing: 250 ms doubling to 30 s by default. */
  backoff?: BackoffOptions;
}

export interface SctpConnectHandle {
  /** The association while up. */
  readonly association: Association | undefined;
  readonly resource: { readonly state: string };
  /** Closes for good (the runtime forgets the resource). */
  close(): Promise<void>;
}

/** An SCTP client link owned by the runtime: made at open, re-made after every loss and every resume. */
export function sctpConnect(ctx: SctpResourceContext, o: SctpConnectOptions): SctpConnectHandle {
  const backend = backendFor(o.backend);
  const qname = `${ctx.name}.${o.name}`;
  const peer = `${o.host}:${o.port}`;
  const udpPort = udpPortOf(backend);
  const backoff = new Backoff(o.backoff, `sctp-client ${qname}`);
  let assoc: Association | undefined;
  let active = false;
  let retry: NodeJS.Timeout | undefined;
  let inFlight: { cancel: AbortController; done: Promise<void> } | undefined;
  let lastError: string | undefined;
  let nextAttemptAt: number | undefined;
  let ups = 0;
  const fields = { resource: qname, peer, backend: backend.name, transport: backend.transport ?? null };

  const scheduleRetry = () => {
    if (!active || retry || inFlight) return;
    const delay = backoff.next();
    nextAttemptAt = Date.now() + delay;
    retry = setTimeout(() => {
      retry = undefined;
      attempt();
    }, delay);
    return delay;
  };

  const attempt = () => {
    if (!active || inFlight || assoc) return;
    nextAttemptAt = undefined;
    const cancel = new AbortController();
    const done = backend
      .connect({
        host: o.host,
        port: o.port,
        ...(o.localHost !== undefined ? { localHost: o.localHost } : {}),
        ...(o.localPort !== undefined ? { localPort: o.localPort } : {}),
        ...(o.inStreams ? { inStreams: o.inStreams } : {}),
        ...(o.outStreams ? { outStreams: o.outStreams } : {}),
        ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
        signal: cancel.signal,
      })
      .then(
        (a) => {
          inFlight = undefined;
          if (!active) {
            a.abort('resource closed');
            return;
          }
          up(a);
        },
        (err: unknown) => {
          inFlight = undefined;
          if (!active) return;
          lastError = errText(err);
          const fatal = errCode(err) === 'bad-option';
          if (fatal) {
            ctx.log.error({ ...fields, error: lastError }, 'sctp cannot connect; not retrying');
            return;
          }
          const delay = scheduleRetry();
          ctx.log[backoff.attempts === 1 ? 'warn' : 'debug']({ ...fields, error: lastError, attempt: backoff.attempts, retryInMs: delay }, 'sctp cannot connect; retrying');
        },
      );
    inFlight = { cancel, done };
  };

  const up = (a: Association) => {
    assoc = a;
    ups++;
    lastError = undefined;
    backoff.reset();
    const i = a.info();
    ctx.log.info({ ...fields, local: `${i.localAddress}:${i.localPort}`, inStreams: i.inStreams, outStreams: i.outStreams }, 'sctp association up');
    a.on('restart', () => ctx.log.warn(fields, 'sctp peer restarted'));
    a.once('down', (reason: string) => {
      if (assoc !== a) return;
      assoc = undefined;
      ctx.log.info({ ...fields, reason }, 'sctp association down');
      if (!active) return;
      lastError = reason;
      try {
        o.onDown?.(reason);
      } catch (err) {
        ctx.log.error({ ...fields, error: errText(err) }, 'onDown threw');
      }
      const delay = scheduleRetry();
      ctx.log.warn({ ...fields, reason, retryInMs: delay }, 'sctp association lost; re-establishing');
    });
    try {
      o.onUp(a);
    } catch (err) {
      ctx.log.error({ ...fields, error: errText(err) }, 'onUp threw');
    }
  };

  const res = ctx.resource({
    name: o.name,
    kind: 'sctp-client',
    describe: () => ({
      host: o.host,
      port: o.port,
      peer,
      backend: backend.name,
      transport: backend.transport ?? null,
      ...(udpPort !== undefined ? { udpPort } : {}),
      ...(udpPeerPortOf(backend) !== undefined ? { udpPeerPort: udpPeerPortOf(backend) } : {}),
      ...(o.localHost !== undefined ? { localHost: o.localHost } : {}),
      ...(o.localPort !== undefined ? { localPort: o.localPort } : {}),
    }),
    status: () => {
      const i = assoc?.info();
      return {
        up: assoc !== undefined && assoc.state === 'up',
        associations: assoc ? 1 : 0,
        ups,
        attempts: backoff.attempts,
        ...(i ? { local: `${i.localAddress}:${i.localPort}`, tx: i.tx, rx: i.rx } : {}),
        ...(lastError && !assoc ? { lastError } : {}),
        ...(nextAttemptAt && !assoc ? { nextAttemptAt: new Date(nextAttemptAt).toISOString() } : {}),
      };
    },
    open: async () => {
      active = true;
      backoff.reset();
      attempt();
    },
    close: async () => {
      active = false;
      if (retry) clearTimeout(retry);
      retry = undefined;
      nextAttemptAt = undefined;
      const pending = inFlight;
      if (pending) {
        pending.cancel.abort();
        await pending.done;
      }
      const a = assoc;
      assoc = undefined;
      if (a && a.state !== 'down') {
        ctx.log.info({ ...fields, reason: 'resource closed' }, 'sctp association down');
        await a.close();
      }
      if (backend.name === 'sctp') await wiresSettled();
    },
  });

  return {
    get association() {
      return assoc;
    },
    resource: res,
    close: () => res.close(),
  };
}
