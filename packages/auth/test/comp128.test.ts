import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '@snaptel/codec';
import { AuthError, comp128v1 } from '../src';
import { COMP128_TABLES } from '../src/comp128';
import { COMP128V1 } from './vectors';

describe('COMP128v1', () => {
  it('tables have the published shape: table n has 2^(9-n) entries, each value below 2^(8-n) exactly twice', () => {
    expect(COMP128_TABLES.map((t) => t.length)).toEqual([512, 256, 128, 64, 32]);
    COMP128_TABLES.forEach((t, n) => {
      const counts = new Array(256 >> n).fill(0);
      for (const v of t) counts[v]++; // a value >= 2^(8-n) would land outside and be counted as NaN
      expect(counts.every((c) => c === 2), `table ${n}`).toBe(true);
    });
    // the first entries as printed in the 1998 publication
    expect([...COMP128_TABLES[0]!.subarray(0, 4)]).toEqual([102, 177, 186, 162]);
    expect([...COMP128_TABLES[4]!.subarray(0, 4)]).toEqual([15, 12, 10, 4]);
  });

  for (const v of COMP128V1) {
    it(`${v.src}: Ki ${v.ki} RAND ${v.rand}`, () => {
      const r = comp128v1(fromHex(v.ki), fromHex(v.rand));
      expect(toHex(r.sres)).toBe(v.sres);
      expect(toHex(r.kc)).toBe(v.kc);
    });
  }

  it('Kc always ends in ten zero bits (COMP128v1 gives a 54-bit key)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (ki, rand) => {
        const { sres, kc } = comp128v1(ki, rand);
        expect(sres.length).toBe(4);
        expect(kc.length).toBe(8);
        expect(kc[7]).toBe(0);
        expect(kc[6]! & 0x03).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('does not modify its inputs', () => {
    const ki = fromHex(COMP128V1[0].ki);
    const rand = fromHex(COMP128V1[0].rand);
    comp128v1(ki, rand);
    expect(toHex(ki)).toBe(COMP128V1[0].ki);
    expect(toHex(rand)).toBe(COMP128V1[0].rand);
  });

  it('bad lengths are an AuthError naming the parameter', () => {
    expect(() => comp128v1(new Uint8Array(15), new Uint8Array(16))).toThrow(/comp128v1, ki: ki must be 16 bytes, got 15/);
    try {
      comp128v1(new Uint8Array(16), new Uint8Array(17));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AuthError);
      expect((e as AuthError).code).toBe('bad-length');
      expect((e as AuthError).param).toBe('rand');
    }
  });
});
