/**
 * Wall clock used for timer deadlines. The monotonic clock starts again in
 * every process, so deadlines that must survive a snapshot are wall-clock
 * milliseconds. `shiftMs` lets a harness resume an image "as if later"
 * (SNAPTEL_CLOCK_SHIFT_MS); it is zero in normal operation and logged when not.
 */
export const clock = {
  shiftMs: 0,
  now(): number {
    return Date.now() + clock.shiftMs;
  },
};

/** Reads SNAPTEL_CLOCK_SHIFT_MS; returns the shift applied. */
export function refreshClock(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SNAPTEL_CLOCK_SHIFT_MS;
  const n = raw === undefined || raw === '' ? 0 : Number(raw);
  clock.shiftMs = Number.isFinite(n) ? Math.trunc(n) : 0;
  return clock.shiftMs;
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
