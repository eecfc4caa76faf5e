import { DecodeError } from '@snaptel/codec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../src';
import { ALL_VECTORS, bytes, text } from './vectors';

/** Decodes; anything thrown must be a DecodeError. Returns whether it decoded, and re-encodes byte-exact if so. */
function total(b: Uint8Array): boolean {
  const t0 = performance.now();
  try {
    const m = decode(b);
    expect(text(encode(m))).toBe(text(b));
    return true;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    expect(e.protocol).toBe('mgcp');
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(b.length);
    return false;
  } finally {
    expect(performance.now() - t0).toBeLessThan(250); // never hangs
  }
}

const valid = ALL_VECTORS.map((v) => bytes(v.text));

describe('decoder is total: only DecodeError, never a hang', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => void total(b)), { numRuns: 3000 });
  });

  it('random MGCP-ish text', () => {
    const ch = fc.constantFrom(...'CRXDLMI0123456789 :=\r\n.@/,aopvcmt-'.split(''));
    fc.assert(fc.property(fc.array(ch, { maxLength: 300 }), (cs) => void total(bytes(cs.join('')))), { numRuns: 3000 });
  });

  it('every truncation of every valid vector', () => {
    let decoded = 0;
    for (const v of valid) for (let n = 0; n <= v.length; n++) if (total(v.subarray(0, n))) decoded++;
    // most prefixes that end inside the first line are errors, most later ones are shorter valid messages
    expect(decoded).toBeGreaterThan(0);
  });

  it('single-byte mutations of valid vectors', () => {
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 }), (v, at, byte) => {
        const b = v.slice();
        b[at % b.length] = byte;
        total(b);
      }),
      { numRuns: 5000 },
    );
  });

  it('a NUL in the first line is rejected at its offset', () => {
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat(), (v, at) => {
        const nl = v.findIndex((x) => x === 13 || x === 10);
        const end = nl < 0 ? v.length : nl;
        const i = at % end;
        const b = v.slice();
        b[i] = 0;
        try {
          decode(b);
          expect.unreachable();
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          expect((e as DecodeError).offset).toBe(i);
        }
      }),
    );
  });
});
