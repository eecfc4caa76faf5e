import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, fromHex, toHex } from '@snaptel/codec';
import { decode, encode, type Direction } from '../src';
import { CASES } from './cases';

/**
 * Property tests: whatever bytes come in, decode either returns a message
 * that re-encodes to exactly those bytes, or throws DecodeError; it never
 * throws anything else and never hangs (each run is bounded by vitest's
 * timeout, and every loop in the decoder advances through the buffer).
 */
function check(bytes: Uint8Array, direction: Direction): 'ok' | 'error' {
  let m;
  try {
    m = decode(bytes, direction);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return 'error';
  }
  expect(toHex(encode(JSON.parse(JSON.stringify(m))))).toBe(toHex(bytes));
  return 'ok';
}

const headers = [...new Set(CASES.map((c) => c.hex.replace(/\s/g, '').slice(0, 4)))].map(fromHex);
const dir = fc.constantFrom<Direction>('mo', 'mt');

describe('properties', () => {
  it('every truncation of every vector throws DecodeError or round-trips', () => {
    let errors = 0;
    for (const c of CASES) {
      const b = fromHex(c.hex);
      for (let n = 0; n < b.length; n++) if (check(b.subarray(0, n), c.direction) === 'error') errors++;
    }
    // most truncations cut a mandatory part: the typed error must have been seen
    expect(errors).toBeGreaterThan(CASES.length);
  });

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), dir, (b, d) => void check(b, d)), { numRuns: 3000 });
  });

  it('known headers followed by random bytes', () => {
    let ok = 0;
    fc.assert(
      fc.property(fc.constantFrom(...headers), fc.uint8Array({ maxLength: 48 }), dir, (h, tail, d) => {
        const b = new Uint8Array(h.length + tail.length);
        b.set(h);
        b.set(tail, h.length);
        if (check(b, d) === 'ok') ok++;
      }),
      { numRuns: 5000 },
    );
    expect(ok).toBeGreaterThan(0);
  });

  it('vectors with one byte changed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CASES), fc.nat(), fc.integer({ min: 0, max: 255 }), (c, at, v) => {
        const b = fromHex(c.hex);
        b[at % b.length] = v;
        check(b, c.direction);
      }),
      { numRuns: 5000 },
    );
  });
});
