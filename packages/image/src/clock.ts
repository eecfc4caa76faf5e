/**
 * Wall clock used for timer deadlines. The monotonic clock starts again in
 * every process, so deadlines that must survive a snapshot are wall-clock
 * milliseconds. `shiftMs` lets a harness resume an image "as if later"
 * (SNAPTEL_CLOCK_SHIFT_MS); it is zero in normal operation and logged when not.
 */
export const clock = {
  shiftMs: 0,
  /**
   * The virtual time (ms since the epoch) when the clock is virtual
   * (SNAPTEL_VIRTUAL_CLOCK): it stands still until advanceClock() moves it,
   * and the runtime's timers fire only then. Used by `snaptel pcap replay`
   * to run an image on a capture's time line, reproducibly and faster than
   * real time. Undefined in normal operation.
   */
  virtual: undefined as number | undefined,
  now(): number {
    return clock.virtual ?? Date.now() + clock.shiftMs;
  },
};

/**
 * Reads SNAPTEL_CLOCK_SHIFT_MS and SNAPTEL_VIRTUAL_CLOCK ('now', or ms since
 * the epoch to start the virtual clock at); returns the shift applied.
 */
export function refreshClock(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SNAPTEL_CLOCK_SHIFT_MS;
  const n = raw === undefined || raw === '' ? 0 : Number(raw);
  clock.shiftMs = Number.isFinite(n) ? Math.trunc(n) : 0;
  const v = env.SNAPTEL_VIRTUAL_CLOCK;
  if (v === undefined || v === '') clock.virtual = undefined;
  else if (v === 'now') clock.virtual = Date.now();
  else {
    const t = Number(v);
    if (!Number.isFinite(t) || t < 0) throw new RangeError(`SNAPTEL_VIRTUAL_CLOCK wants 'now' or ms since the epoch, got '${v}'`);
    clock.virtual = Math.trunc(t);
  }
  return clock.shiftMs;
}

/** A timer waiting on the virtual clock. */
export interface VirtualWaiter {
  readonly id: number;
  readonly deadline: number;
  /** Called when the virtual clock reaches the deadline. */
  onTimeout(): void;
}

const waiting = new Set<VirtualWaiter>();

/** Arms `w` on the virtual clock (instead of setTimeout). */
export function virtualArm(w: VirtualWaiter): void {
  waiting.add(w);
}

export function virtualDisarm(w: VirtualWaiter): void {
  waiting.delete(w);
}

/** The timers waiting on the virtual clock, soonest first. */
export function virtualPending(): Array<{ id: number; deadline: number }> {
  return [...waiting].map((w) => ({ id: w.id, deadline: w.deadline })).sort((a, b) => a.deadline - b.deadline || a.id - b.id);
}

/** At most this many firings per advance: a timer that re-arms itself at "now" must not spin for ever. */
const MAX_FIRINGS = 100_000;

/**
 * Moves the virtual clock forward to `to`, firing every timer due on the
 * way in deadline order, each at its own deadline, and letting the event
 * loop run after each (so what a timer starts, sends and arms happens before
 * the next one fires, as it would in real time).
 */
export async function advanceClock(to: number): Promise<{ now: number; fired: number }> {
  if (clock.virtual === undefined) throw new RangeError('the clock is not virtual (start the image with SNAPTEL_VIRTUAL_CLOCK)');
  if (!Number.isFinite(to)) throw new RangeError(`advance to what? got ${to}`);
  let fired = 0;
  for (;;) {
    let next: VirtualWaiter | undefined;
    for (const w of waiting) if (w.deadline <= to && (!next || w.deadline < next.deadline || (w.deadline === next.deadline && w.id < next.id))) next = w;
    if (!next) break;
    if (++fired > MAX_FIRINGS) throw new RangeError(`more than ${MAX_FIRINGS} timer firings before ${new Date(to).toISOString()}: a timer re-arms itself without moving on`);
    waiting.delete(next);
    if (next.deadline > clock.virtual) clock.virtual = next.deadline;
    next.onTimeout();
    await new Promise((r) => setImmediate(r));
  }
  if (to > clock.virtual) clock.virtual = to;
  return { now: clock.virtual, fired };
}

/**
 * crypto.randomUUID() serves UUIDs from a cache of 128 filled at random in
 * advance; a cache filled before the snapshot is in the image, so every
 * resume of it would hand out the same UUIDs (seen on Node 20.20), and
 * crypto.randomInt has such a cache as well. After resume, both draw
 * straight from the system's random source instead.
 * (Math.random and crypto.randomBytes are re-seeded by Node and V8.)
 */
export function refreshRandomness(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const crypto = require('node:crypto') as typeof import('node:crypto') & { __snaptelUuid?: boolean };
  if (crypto.__snaptelUuid) return;
  const original = crypto.randomUUID;
  const fresh = (opts?: { disableEntropyCache?: boolean }) => original.call(crypto, { ...opts, disableEntropyCache: true });
  Object.defineProperty(crypto, 'randomUUID', { value: fresh, writable: true, configurable: true, enumerable: true });
  // crypto.randomInt keeps a cache of random bytes too: serve it from the system source as well.
  const freshInt = (a: number, b?: number | ((e: Error | null, n?: number) => void), cb?: (e: Error | null, n?: number) => void): number | undefined => {
    let min = 0;
    let max = a;
    let done = cb;
    if (typeof b === 'number') {
      min = a;
      max = b;
    } else if (typeof b === 'function') done = b;
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min || max - min > 2 ** 48)
      throw new RangeError(`randomInt: need safe integers min < max, max - min <= 2^48 (got ${min}, ${max})`);
    const range = max - min;
    const limit = 2 ** 48 - (2 ** 48 % range);
    const buf = Buffer.alloc(6);
    let x: number;
    do {
      crypto.randomFillSync(buf);
      x = buf.readUIntBE(0, 6);
    } while (x >= limit);
    const n = min + (x % range);
    if (done) {
      process.nextTick(done, null, n);
      return undefined;
    }
    return n;
  };
  Object.defineProperty(crypto, 'randomInt', { value: freshInt, writable: true, configurable: true, enumerable: true });
  Object.defineProperty(crypto, '__snaptelUuid', { value: true });
  const web = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (web && typeof web.randomUUID === 'function') {
    try {
      Object.defineProperty(web, 'randomUUID', { value: () => fresh(), writable: true, configurable: true });
    } catch {
      /* a frozen webcrypto: leave it */
    }
  }
}
