import { clock, definePackage, type Context } from '@snaptel/image';
import { invalid, show } from './encoding';
import { VlrError } from './errors';
import { VlrStore, type VlrFields, type VlrRecord, type VlrState } from './store';

export { VlrError, type VlrErrorCode } from './errors';
export {
  VlrStore,
  COLUMNS,
  COLUMN_BYTES,
  STATE_FORMAT,
  STATE_VERSION,
  TMSI_NONE,
  TMSI_SGSN_MASK,
  CKSN_NONE,
  MAX_TRIPLETS,
  MAX_SLOTS,
  FLAG_ATTACHED,
  FLAG_AUTHENTICATED,
  FLAG_CIPHERING,
  FLAG_HLR_CONFIRMED,
  FLAG_CELL,
  FLAG_IMEISV,
  FLAG_CLASSMARK2,
  type AttachState,
  type ExportOptions,
  type StoreOptions,
  type Triplet,
  type TripletInput,
  type VlrFields,
  type VlrRecord,
  type VlrState,
} from './store';
export { decodeDigits } from './encoding';
export { packNumbers, unpackNumbers, packedBytes, type Packed } from './pack';

export interface VlrConfig {
  /**
   * Periodic location update expiry (the VLR's T3212) in minutes: a
   * registration not renewed within it is purged. Default 60, osmo-msc's
   * default (T3212 "Subscriber expiration timeout" in msc_tdefs_vlr,
   * src/libvlr/vlr.c). 0 = registrations never expire.
   */
  periodicLuMinutes?: number;
  /**
   * How often the expiry purge runs, in seconds. Default 60, osmo-msc's
   * VLR_SUBSCRIBER_LU_EXPIRATION_INTERVAL; 0 = no purge timer.
   */
  purgeIntervalSeconds?: number;
}

/**
 * What start() returns: the package's face, as an operator sees it through
 * `snaptel remote eval` (`vlr.get('001010000000001')`, `vlr.expired()`...).
 * Subscribers are named by IMSI here; the MSC uses the VlrStore (`vlr.store`)
 * and its slots directly.
 */
export interface VlrApi {
  /** Registered subscribers (also count()). */
  readonly size: number;
  count(): number;
  get(imsi: string): VlrRecord | undefined;
  /** The subscriber holding this TMSI (or pending new TMSI). */
  byTmsi(tmsi: number): VlrRecord | undefined;
  /** Slot order; all by default. */
  list(offset?: number, limit?: number): VlrRecord[];
  /** IMSIs whose periodic LU deadline passed (default: now), at most `limit` (default 1000). */
  expired(now?: number, limit?: number): string[];
  /** Removes every subscriber whose periodic LU deadline passed; returns how many. */
  purge(now?: number): number;
  /** A location update (see VlrStore.register); returns the registration. */
  register(imsi: string, fields?: Partial<VlrFields>): VlrRecord;
  update(imsi: string, fields: Partial<VlrFields>): VlrRecord;
  /** IMSI detach; returns the registration. */
  detach(imsi: string): VlrRecord;
  /** Purges one subscriber; false when it was not registered. */
  remove(imsi: string): boolean;
  stats(): VlrStats;
  /** The store itself. */
  readonly store: VlrStore;
  /** JSON.stringify(vlr) gives a summary, not the columns. */
  toJSON(): { size: number; capacity: number; bytes: number; frozen: boolean };
}

export interface VlrStats {
  size: number;
  capacity: number;
  bytes: number;
  bytesPerSubscriber: number;
  frozen: boolean;
  periodicLuMinutes: number;
}

const CONFIG_FIELDS = new Set(['periodicLuMinutes', 'purgeIntervalSeconds']);
const DEFAULT_PERIODIC_LU_MINUTES = 60;
const DEFAULT_PURGE_INTERVAL_S = 60;

interface Started {
  store: VlrStore;
  periodicLuMinutes: number;
}

/** One store per start(): a second start (another runtime, a test) begins empty. */
const started = new WeakMap<Context, Started>();

function startedOf(ctx: Context): Started {
  const s = started.get(ctx);
  if (!s) throw new VlrError('not-started', `package '${ctx.name}' was not started with this context`);
  return s;
}

function minutesArg(field: string, v: unknown, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(`config.${field}`, `config.${field} ${show(v)} must be a number >= 0`);
  return v;
}

function checkConfig(config: unknown): { periodicLuMinutes: number; purgeIntervalSeconds: number } {
  if (config === undefined || config === null) return { periodicLuMinutes: DEFAULT_PERIODIC_LU_MINUTES, purgeIntervalSeconds: DEFAULT_PURGE_INTERVAL_S };
  if (typeof config !== 'object' || Array.isArray(config))
    throw invalid('config', 'config must be an object { periodicLuMinutes?, purgeIntervalSeconds? }');
  const o = config as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!CONFIG_FIELDS.has(k)) throw invalid(`config.${k}`, `config has an unknown field '${k}'`);
  return {
    periodicLuMinutes: minutesArg('periodicLuMinutes', o.periodicLuMinutes, DEFAULT_PERIODIC_LU_MINUTES),
    purgeIntervalSeconds: minutesArg('purgeIntervalSeconds', o.purgeIntervalSeconds, DEFAULT_PURGE_INTERVAL_S),
  };
}

/** Removes the expired registrations in batches; returns how many. */
function purgeExpired(store: VlrStore, now: number): number {
  let removed = 0;
  for (;;) {
    const batch = store.expired(now, 1000);
    for (const imsi of batch) {
      store.remove(store.slotOf(imsi));
      removed++;
    }
    if (batch.length < 1000) return removed;
  }
}

/** The operator face over `store`; logs changes at debug through `log` when given. */
export function vlrApi(store: VlrStore, periodicLuMinutes: number, log?: Context['log']): VlrApi {
  const debug = (obj: Record<string, unknown>, msg: string) => {
    if (log?.isLevelEnabled('debug')) log.debug(obj, msg);
  };
  const mustFind = (imsi: string): number => {
    const slot = store.slotOf(imsi);
    if (slot < 0) throw new VlrError('not-found', `imsi '${imsi}' is not registered`, 'imsi');
    return slot;
  };
  return {
    get size() {
      return store.size;
    },
    count: () => store.size,
    get: (imsi) => store.get(imsi),
    byTmsi(tmsi) {
      const slot = store.slotOfTmsi(tmsi);
      return slot < 0 ? undefined : store.recordAt(slot);
    },
    list: (offset, limit) => store.list(offset, limit),
    expired: (now = clock.now(), limit) => store.expired(now, limit),
    purge(now = clock.now()) {
      const n = purgeExpired(store, now);
      if (n > 0) log?.info({ purged: n, subscribers: store.size }, `vlr purged ${n} expired subscriber${n === 1 ? '' : 's'}`);
      return n;
    },
    register(imsi, fields = {}) {
      const slot = store.register(imsi, fields);
      debug({ imsi, slot }, 'subscriber registered');
      return store.recordAt(slot);
    },
    update(imsi, fields) {
      const slot = mustFind(imsi);
      store.update(slot, fields);
      debug({ imsi, fields: Object.keys(fields) }, 'subscriber updated');
      return store.recordAt(slot);
    },
    detach(imsi) {
      const slot = mustFind(imsi);
      store.detach(slot);
      debug({ imsi }, 'subscriber detached');
      return store.recordAt(slot);
    },
    remove(imsi) {
      const slot = store.slotOf(imsi);
      if (slot < 0) return false;
      store.remove(slot);
      debug({ imsi }, 'subscriber removed');
      return true;
    },
    stats: () => ({
      size: store.size,
      capacity: store.capacity,
      bytes: store.allocatedBytes(),
      bytesPerSubscriber: store.bytesPerSubscriber(),
      frozen: store.frozen,
      periodicLuMinutes,
    }),
    store,
    toJSON: () => store.toJSON(),
  };
}

export default definePackage<VlrConfig, VlrApi>({
  name: 'vlr',
  version: '0.1.0',

  start(ctx: Context, config: VlrConfig) {
    const cfg = checkConfig(config);
    const store = new VlrStore({ periodicLuMs: cfg.periodicLuMinutes * 60_000, now: clock.now });
    started.set(ctx, { store, periodicLuMinutes: cfg.periodicLuMinutes });
    const api = vlrApi(store, cfg.periodicLuMinutes, ctx.log);
    if (cfg.purgeIntervalSeconds > 0 && cfg.periodicLuMinutes > 0) ctx.timers.every('lu-expiry', cfg.purgeIntervalSeconds * 1000, () => api.purge());
    ctx.log.info({ periodicLuMinutes: cfg.periodicLuMinutes, purgeIntervalSeconds: cfg.purgeIntervalSeconds }, 'vlr started');
    return api;
  },

  aboutToSnapshot(ctx: Context) {
    // An image may be resumed many times: never carry auth vectors into one (see ExportOptions).
    const { store } = startedOf(ctx);
    store.clearAllTriplets();
    store.freeze();
  },

  returnedFromSnapshot(ctx: Context) {
    const { store } = startedOf(ctx);
    const n = store.size;
    ctx.log.info({ subscribers: n }, `vlr resumed with ${n} subscriber${n === 1 ? '' : 's'}`);
    // Thaw right after `ready` rather than in the first request (which would wait for it anyway).
    if (store.frozen)
      setImmediate(() => {
        if (!store.frozen) return; // a request came first
        const t0 = performance.now();
        store.thaw();
        ctx.log.info({ subscribers: store.size, ms: Math.round(performance.now() - t0) }, `vlr thawed ${store.size} subscriber${store.size === 1 ? '' : 's'}`);
      });
  },

  exportState(ctx: Context): VlrState {
    return startedOf(ctx).store.exportState();
  },

  importState(ctx: Context, state: unknown) {
    const { store } = startedOf(ctx);
    const before = store.size;
    store.importState(state);
    ctx.log.info({ subscribers: store.size, replaced: before }, `vlr imported ${store.size} subscriber${store.size === 1 ? '' : 's'}`);
  },
});
