import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backoff, describeError } from '../src/resources/resource';

function take(b: Backoff, n: number): number[] {
  return Array.from({ length: n }, () => b.next());
}

/** setTimeout's largest delay: anything above is silently replaced by 1 ms. */
const SET_TIMEOUT_MAX = 2 ** 31 - 1;

describe('Backoff', () => {
  it('defaults to 250 ms doubling, capped at 30 s', () => {
    const b = new Backoff();
    expect(take(b, 10)).toEqual([250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(b.attempts).toBe(10);
  });

  it('caps at maxMs', () => {
    expect(take(new Backoff({ initialMs: 100, maxMs: 1000 }), 6)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(take(new Backoff({ initialMs: 100, maxMs: 350, factor: 3 }), 4)).toEqual([100, 300, 350, 350]);
  });

  it('allows maxMs equal to initialMs and factor 1 (constant delay)', () => {
    expect(take(new Backoff({ initialMs: 40, maxMs: 40 }), 3)).toEqual([40, 40, 40]);
    expect(take(new Backoff({ initialMs: 40, factor: 1 }), 3)).toEqual([40, 40, 40]);
  });

  it('rounds fractional delays to whole milliseconds', () => {
    // 10, 15, 22.5, 33.75
    expect(take(new Backoff({ initialMs: 10, factor: 1.5 }), 4)).toEqual([10, 15, 23, 34]);
  });

  it('reset() starts the sequence again', () => {
    const b = new Backoff();
    take(b, 4);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(take(b, 3)).toEqual([250, 500, 1000]);
  });

  it.each([
    ['initialMs 0', { initialMs: 0 }],
    ['negative initialMs', { initialMs: -5 }],
    ['NaN initialMs', { initialMs: NaN }],
    ['maxMs below initialMs', { initialMs: 500, maxMs: 100 }],
    ['initialMs above the default max', { initialMs: 60_000 }],
    ['factor below 1', { factor: 0.5 }],
    ['factor 0', { factor: 0 }],
    ['NaN factor', { factor: NaN }],
    ['NaN maxMs', { maxMs: NaN }],
  ])('rejects %s with RangeError naming the options', (_what, opts) => {
    let err: unknown;
    try {
      new Backoff(opts);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(/^invalid backoff /);
  });

  it('never hands setTimeout a delay it cannot represent (a delay above 2^31-1 ms becomes a 1 ms busy retry)', () => {
    // For any options, either the constructor refuses them (RangeError), or
    // every delay it produces is a finite whole number of ms within setTimeout's range.
    fc.assert(
      fc.property(
        fc.record({
          initialMs: fc.oneof(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0.5, max: 1e4, noNaN: true })),
          maxMs: fc.oneof(
            fc.integer({ min: 1, max: 60_000 }),
            fc.constantFrom(SET_TIMEOUT_MAX, SET_TIMEOUT_MAX + 1, 1e10, 1e15, Number.MAX_VALUE, Infinity),
          ),
          factor: fc.oneof(fc.constant(2), fc.double({ min: 1, max: 10, noNaN: true })),
        }),
        (opts) => {
          let b: Backoff;
          try {
            b = new Backoff(opts);
          } catch (e) {
            expect(e).toBeInstanceOf(RangeError);
            return;
          }
          for (let i = 0; i < 80; i++) {
            const d = b.next();
            expect(Number.isInteger(d)).toBe(true);
            expect(d).toBeGreaterThanOrEqual(0);
            expect(d).toBeLessThanOrEqual(SET_TIMEOUT_MAX);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('describeError', () => {
  it('spells out common socket errors', () => {
    const e = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:80'), { code: 'EADDRINUSE' });
    expect(describeError(e)).toBe('EADDRINUSE (address already in use)');
    const r = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeError(r)).toBe('ECONNREFUSED (connection refused)');
  });

  it('keeps the code and message of other errors, and the message of plain ones', () => {
    const e = Object.assign(new Error('weird thing'), { code: 'EWEIRD' });
    expect(describeError(e)).toBe('EWEIRD: weird thing');
    expect(describeError(new Error('plain'))).toBe('plain');
    expect(describeError('text')).toBe('text');
  });
});
