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
