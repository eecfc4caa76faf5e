import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyIndex, decodeDigits, digitKey, isDigitKey, tableSizeFor } from '../src';

describe('digit keys', () => {
  it('round-trip 1-15 digits with their leading zeros, and refuse anything else', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,15}$/), (s) => {
        const k = digitKey(s)!;
        expect(Number.isSafeInteger(k)).toBe(true);
        expect(isDigitKey(k)).toBe(true);
        expect(decodeDigits(k)).toBe(s);
      }),
    );
    expect(digitKey('001010000000001')).toBe(1001010000000001);
    for (const bad of ['', '0123456789012345', '12a', ' 1', '1.5', 1, null, undefined]) expect(digitKey(bad)).toBeUndefined();
    for (const k of [0, 9, 2, 20, 1.5, 2e15, -10]) expect(isDigitKey(k)).toBe(false);
  });
});

describe('KeyIndex', () => {
  it('sizes tables to twice the entries, powers of two from 32', () => {
    expect([0, 16, 17, 1000].map(tableSizeFor)).toEqual([32, 32, 64, 2048]);
  });

  it('agrees with a Map under random inserts, deletes, row moves and growth', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('add', 'del', 'move'), fc.integer({ min: 10, max: 400 })), { maxLength: 600 }),
        (ops) => {
          // A store: keys in rows 0..n-1; deleting a row moves the last one into it (relink).
          const keys = new Float64Array(1024);
          let n = 0;
          const idx = new KeyIndex(0);
          const model = new Map<number, number>();
          for (const [op, key] of ops) {
            if (op === 'add' && !model.has(key)) {
              keys[n] = key;
              idx.insert(keys, n);
              model.set(key, n++);
            } else if ((op === 'del' || op === 'move') && model.has(key)) {
              const row = model.get(key)!;
              idx.delete(keys, key);
              model.delete(key);
              const last = --n;
              if (row !== last) {
                idx.relink(keys[last]!, last, row);
                keys[row] = keys[last]!;
                model.set(keys[row]!, row);
              }
            }
            expect(idx.count).toBe(model.size);
          }
          for (let k = 10; k <= 400; k++) expect(idx.find(keys, k)).toBe(model.has(k) ? model.get(k) : -1);
          expect(idx.insertUnique(keys.fill(7, n, n + 1), n)).toBe(model.has(7) ? model.get(7) : -1);
        },
      ),
    );
  });
});
