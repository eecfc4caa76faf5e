import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecodeError, fromHex, toHex } from '@snaptel/codec';
import { GSM7_DEFAULT, GSM7_ESCAPE, GSM7_EXTENSION, decode, encode, gsm7Pack, gsm7Unpack, type Direction } from '../src';
import { VECTORS } from './vectors';

/** decode either returns or throws DecodeError; when it returns, encode gives back the same bytes. */
function check(bytes: Uint8Array, dir: Direction): 'ok' | 'error' {
  let msg;
  try {
    msg = decode(bytes, dir);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    expect(e.protocol).toBe('sms');
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(bytes.length);
    return 'error';
  }
  expect(toHex(encode(msg))).toBe(toHex(bytes));
  return 'ok';
}

const GSM_CHARS = [...GSM7_DEFAULT.filter((_, i) => i !== GSM7_ESCAPE), ...Object.values(GSM7_EXTENSION)];

describe('properties', () => {
  it('random bytes only ever decode or throw DecodeError, and what decodes re-encodes byte-exact', () => {
    const seen = { ok: 0, error: 0 };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom<Direction>('mo', 'mt'), (b, dir) => {
        seen[check(b, dir)]++;
      }),
      { numRuns: 20_000 },
    );
    // both outcomes occur, so the property exercised the success path too
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.error).toBeGreaterThan(0);
  }, 60_000);

  it('random bytes after a valid header (first octet of each type) behave the same', () => {
    fc.assert(
      fc.property(fc.constantFrom(0x00, 0x01, 0x02, 0x04, 0x11, 0x19, 0x41, 0x44, 0x51, 0x06), fc.uint8Array({ maxLength: 180 }), fc.constantFrom<Direction>('mo', 'mt'), (fo, rest, dir) => {
        check(Uint8Array.of(fo, ...rest), dir);
      }),
      { numRuns: 20_000 },
    );
  }, 60_000);

  it('every truncation of a valid TPDU throws DecodeError (DELIVER/SUBMIT: all fields mandatory) or decodes', () => {
    for (const v of VECTORS) {
      const b = fromHex(v.hex);
      for (let n = 0; n < b.length; n++) {
        const r = check(b.subarray(0, n), v.direction);
        if (/SMS-(DELIVER|SUBMIT) /.test(v.name)) expect(r, `${v.name} cut at ${n}`).toBe('error');
      }
    }
  });

  it('GSM 7-bit pack/unpack round-trips random strings from the alphabet, with any fill', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...GSM_CHARS), { maxLength: 200 }), fc.integer({ min: 0, max: 6 }), (chars, fill) => {
        const text = chars.join('');
        const { bytes, septets } = gsm7Pack(text, fill);
        expect(septets).toBe(chars.length + chars.filter((c) => Object.values(GSM7_EXTENSION).includes(c)).length);
        expect(bytes.length).toBe(Math.ceil((fill + 7 * septets) / 8));
        expect(gsm7Unpack(bytes, septets, fill)).toBe(text);
      }),
      { numRuns: 5_000 },
    );
  });

  it('SUBMITs built from random GSM text and concatenation headers decode back to the same fields', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...GSM_CHARS), { maxLength: 120 }),
        fc.option(fc.record({ ref: fc.integer({ min: 0, max: 255 }), total: fc.integer({ min: 1, max: 255 }), seq: fc.integer({ min: 1, max: 255 }) }), { nil: undefined }),
        (chars, concat) => {
          const text = chars.join('');
          const header = concat ? [{ type: 'concat8' as const, ...concat }] : undefined;
          const bytes = encode({ type: 'SMS-SUBMIT', mr: 1, da: { ton: 'international', npi: 1, digits: '15551234' }, pid: 0, dcs: { value: 0 }, ud: { header, text } });
          const m = decode(bytes, 'mo');
          expect(m).toMatchObject({ type: 'SMS-SUBMIT', ud: { text } });
          if (header) expect(m).toMatchObject({ ud: { header } });
        },
      ),
      { numRuns: 3_000 },
    );
  });
});
