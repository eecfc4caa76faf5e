import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, toHex } from '@snaptel/codec';
import { decode, encode } from '../src';
import { hexBytes, VECTORS } from './vectors';

/** Decodes; returns false for a DecodeError, rethrows anything else; checks the byte-exact re-encoding of what decodes. */
function check(b: Uint8Array, dir: 'mo' | 'mt'): boolean {
  let m;
  try {
    m = decode(b, dir);
  } catch (e) {
    if (e instanceof DecodeError) return false;
    throw e;
  }
  expect(toHex(encode(m))).toBe(toHex(b));
  return true;
}

const withHeader = (disc: number, body: Uint8Array): Uint8Array =>
  disc === 0 ? new Uint8Array([0, body.length & 0xff, ...body]) : new Uint8Array([1, 0, body.length & 0xff, ...body]);

const MESSAGE_TYPES = [0x01, 0x02, 0x03, 0x20, 0x21, 0x22, 0x30, 0x31, 0x52, 0x53, 0x54, 0x55, 0x57, 0x59, 0x2f];

describe('properties', () => {
  it('random bytes only ever throw DecodeError, and what decodes re-encodes byte-exact', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (b, mo) => {
        check(b, mo ? 'mo' : 'mt');
      }),
      { numRuns: 20000 },
    );
  });

  it('random IE sequences behind a valid header and known message type', () => {
    let decoded = 0;
    fc.assert(
      fc.property(fc.constantFrom(...MESSAGE_TYPES), fc.uint8Array({ maxLength: 60 }), (t, body) => {
        if (check(withHeader(0, new Uint8Array([t, ...body])), 'mt')) decoded++;
      }),
      { numRuns: 20000 },
    );
    expect(decoded).toBeGreaterThan(0);
  });

  it('random DTAP behind a valid DTAP header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.boolean(), (body, mo) => {
        check(withHeader(1, body), mo ? 'mo' : 'mt');
      }),
      { numRuns: 10000 },
    );
  });

  it('every truncation of every vector throws only DecodeError (with an offset inside the buffer)', () => {
    for (const v of VECTORS) {
      const b = hexBytes(v.hex);
      for (let n = 0; n < b.length; n++) {
        const cut = b.subarray(0, n);
        try {
          decode(cut, v.direction);
          throw new Error(`${v.name}: truncation to ${n} decoded`);
        } catch (e) {
          expect(e, `${v.name} cut at ${n}`).toBeInstanceOf(DecodeError);
          expect((e as DecodeError).offset).toBeLessThanOrEqual(n);
        }
        // with the length octet fixed up, the truncated body is either decoded byte-exact or a DecodeError
        if (n >= 3) {
          const fixed = new Uint8Array(cut);
          fixed[b[0] === 0 ? 1 : 2] = n - (b[0] === 0 ? 2 : 3);
          check(fixed, v.direction);
        }
      }
    }
  });

  it('single-byte mutations of the vectors only ever throw DecodeError', () => {
    const vs = VECTORS.map((v) => [hexBytes(v.hex), v.direction] as const);
    fc.assert(
      fc.property(fc.constantFrom(...vs), fc.nat(), fc.integer({ min: 0, max: 255 }), ([b, dir], i, x) => {
        const m = new Uint8Array(b);
        m[i % m.length] = x;
        check(m, dir);
      }),
      { numRuns: 20000 },
    );
  });
});
