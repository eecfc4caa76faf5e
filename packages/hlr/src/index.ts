import { definePackage, stow, unstow, type Context, type Stowed } from '@snaptel/image';
import { HlrError } from './errors';
import { SubscriberStore, type HlrState, type Subscriber, type SubscriberInput, type SubscriberPatch } from './store';

export { HlrError, type HlrErrorCode } from './errors';
export {
  SubscriberStore,
  ALGOS,
  STATE_FORMAT,
  STATE_VERSION,
  FLAG_CS,
  FLAG_PS,
  FLAG_KI,
  FLAG_OPC,
  decodeDigits,
  type Algo,
  type HlrState,
  type StoreOptions,
  type Subscriber,
  type SubscriberInput,
  type SubscriberPatch,
} from './store';

export interface HlrConfig {
  /** Provisioned at start, in order; the first bad entry stops the start with an HlrError naming its index. */
  subscribers?: SubscriberInput[];
}

/**
 * What start() returns: the package's face, as an operator sees it through
 * `snaptel remote eval` (`hlr.add({...})`, `hlr.get('001010000000001')`...).
 * Every method validates its arguments and throws HlrError.
 */
export interface HlrApi {
  /** Provisions a subscriber and returns it as stored. */
  add(input: SubscriberInput): Subscriber;
  /** Changes fields (null clears msisdn/ki/opc) and returns the subscriber as stored. */
  update(imsi: string, patch: SubscriberPatch): Subscriber;
  /** Removes a subscriber; false when it was not there. */
  remove(imsi: string): boolean;
  get(imsi: string): Subscriber | undefined;
  byMsisdn(msisdn: string): Subscriber | undefined;
  has(imsi: string): boolean;
  /** Storage order; all by default. */
  list(offset?: number, limit?: number): Subscriber[];
  /** Increments the SQN (mod 2^48) and returns it. */
  nextSqn(imsi: string): number;
  /** Number of subscribers (also count()). */
  readonly size: number;
  count(): number;
  /** Size, capacity and bytes of the store. */
  stats(): { size: number; capacity: number; bytes: number; bytesPerSubscriber: number };
  /** The store itself, for packages built on the HLR (GSUP, authentication). */
  readonly store: SubscriberStore;
  /** JSON.stringify(hlr) gives stats(), not the columns. */
  toJSON(): { size: number; capacity: number; bytes: number };
}

const CONFIG_FIELDS = new Set(['subscribers']);

/** Stores by context: one per start(), so a second start (another runtime, a test) begins empty. */
const stores = new WeakMap<Context, SubscriberStore>();
const stowed = new WeakMap<Context, Stowed>();

function storeOf(ctx: Context): SubscriberStore {
  const store = stores.get(ctx);
  if (!store) throw new HlrError('not-started', `package '${ctx.name}' was not started with this context`);
  return store;
}

/** The API object over `store`, logging each change at debug through `log` when given. */
export function hlrApi(store: SubscriberStore, log?: Context['log']): HlrApi {
  const debug = (obj: Record<string, unknown>, msg: string) => {
    if (log?.isLevelEnabled('debug')) log.debug(obj, msg);
  };
  return {
    add(input) {
      store.add(input);
      debug({ imsi: input.imsi, msisdn: input.msisdn ?? undefined }, 'subscriber added');
      return store.get(input.imsi)!;
    },
    update(imsi, patch) {
      store.update(imsi, patch);
      debug({ imsi, fields: Object.keys(patch) }, 'subscriber updated');
      return store.get(imsi)!;
    },
    remove(imsi) {
      const removed = store.remove(imsi);
      if (removed) debug({ imsi }, 'subscriber removed');
      return removed;
    },
    get: (imsi) => store.get(imsi),
    byMsisdn: (msisdn) => store.byMsisdn(msisdn),
    has: (imsi) => store.has(imsi),
    list: (offset, limit) => store.list(offset, limit),
    nextSqn: (imsi) => store.nextSqn(imsi),
    get size() {
      return store.size;
    },
    count: () => store.size,
    stats: () => ({
      size: store.size,
      capacity: store.capacity,
      bytes: store.allocatedBytes(),
      bytesPerSubscriber: store.bytesPerSubscriber(),
    }),
    store,
    toJSON: () => store.toJSON(),
  };
}

function provision(store: SubscriberStore, log: Context['log'], config: HlrConfig | undefined): number {
  if (config === undefined || config === null) return 0;
  if (typeof config !== 'object' || Array.isArray(config))
    throw new HlrError('invalid-input', 'config must be an object { subscribers?: [...] }', 'config');
  for (const k of Object.keys(config))
    if (!CONFIG_FIELDS.has(k)) throw new HlrError('invalid-input', `config has an unknown field '${k}'`, `config.${k}`);
  const subs = config.subscribers;
  if (subs === undefined) return 0;
  if (!Array.isArray(subs)) throw new HlrError('invalid-input', 'config.subscribers must be an array', 'config.subscribers');
  const debug = log.isLevelEnabled('debug');
  for (let i = 0; i < subs.length; i++) {
    const input = subs[i]!;
    try {
      store.add(input);
    } catch (e) {
      if (e instanceof HlrError)
        throw new HlrError(e.code, `config.subscribers[${i}]: ${e.message.replace(/^hlr: /, '')}`, e.field && `config.subscribers[${i}].${e.field}`, i);
      throw e;
    }
    if (debug) log.debug({ imsi: input.imsi, msisdn: input.msisdn ?? undefined }, 'subscriber added');
  }
  return store.size;
}

export default definePackage<HlrConfig, HlrApi>({
  name: 'hlr',
  version: '0.1.0',

  start(ctx: Context, config: HlrConfig) {
    const store = new SubscriberStore();
    stores.set(ctx, store);
    const count = provision(store, ctx.log, config);
    ctx.log.info({ subscribers: count, bytes: store.allocatedBytes() }, `hlr started with ${count} subscriber${count === 1 ? '' : 's'}`);
    return hlrApi(store, ctx.log);
  },

  // V8 (Node 20.20) crashes resuming a heap with tens of MB of ArrayBuffers: the
  // store crosses the snapshot as one string (stow) and is rebuilt on resume.
  aboutToSnapshot(ctx: Context) {
    const store = storeOf(ctx);
    stowed.set(ctx, stow(store.exportState()));
    store.clear();
  },

  returnedFromSnapshot(ctx: Context) {
    const s = stowed.get(ctx);
    if (s) {
      storeOf(ctx).importState(unstow(s));
      stowed.delete(ctx);
    }
    const n = storeOf(ctx).size;
    ctx.log.info({ subscribers: n }, `hlr resumed with ${n} subscriber${n === 1 ? '' : 's'}`);
  },

  exportState(ctx: Context): HlrState {
    return storeOf(ctx).exportState();
  },

  importState(ctx: Context, state: unknown) {
    const store = storeOf(ctx);
    const before = store.size;
    store.importState(state);
    ctx.log.info({ subscribers: store.size, replaced: before }, `hlr imported ${store.size} subscriber${store.size === 1 ? '' : 's'}`);
  },
});
