import * as v8 from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VlrError, VlrStore, packNumbers, packedBytes, unpackNumbers, type VlrState } from '../src';
import { stow, unstow } from '@snaptel/image';

/** A store with a bit of everything, holes from purges included. */
function sample(n = 50): VlrStore {
  const store = new VlrStore({ random: () => Math.random(), now: () => 1_700_000_000_000 });
  for (let i = 0; i < n; i++) {
    const slot = store.register('26201' + String(i * 37).padStart(10, '0'), {
      msisdn: i % 4 ? '49171' + i : undefined,
      lac: 1 + (i % 3),
      cellId: i % 5 ? i : undefined,
      lastSeen: 1_700_000_000_000 - i * 1000,
      kc: i % 2 ? 'a0a1a2a3a4a5a6a7' : undefined,
      cksn: i % 2 ? i % 7 : undefined,
      imeisv: i % 3 ? '35209900' + String(176148 + i).padStart(6, '0') + '23' : undefined,
      classmark2: i % 6 ? '33185f' : undefined,
      authenticated: i % 2 === 1,
      ciphering: i % 4 === 1,
      hlrConfirmed: true,
      state: i % 10 === 0 ? 'detached' : 'attached',
    });
    store.allocateTmsi(slot);
    if (i % 3) store.confirmTmsi(slot);
    if (i % 2) store.pushTriplets(slot, [{ rand: String(i % 10).repeat(32), sres: 'abcdef01', kc: '0f'.repeat(8) }]);
  }
  for (let i = 3; i < n; i += 7) store.remove(store.slotOf('26201' + String(i * 37).padStart(10, '0')));
  return store;
}

function stateError(state: unknown): VlrError {
  try {
    VlrStore.fromState(state);
  } catch (e) {
    if (e instanceof VlrError) return e;
    throw e;
  }
  throw new Error('fromState accepted the state');
}

describe('exportState / fromState / importState', () => {
  it('round-trips, slots and holes included, auth vectors only when asked', () => {
    const store = sample();
    const full = VlrStore.fromState(store.exportState({ authVectors: true }));
    expect(full.list()).toEqual(store.list());
    expect(full.size).toBe(store.size);
    for (const r of store.list()) expect(full.popTriplet(r.slot)).toEqual(store.popTriplet(r.slot));

    const store2 = sample();
    const plain = VlrStore.fromState(store2.exportState());
    expect(plain.list()).toEqual(store2.list().map((r) => ({ ...r, authVectors: 0 })));
    expect(store2.list().some((r) => r.authVectors > 0)).toBe(true);
    // The holes left by purges are reused after an import, lowest first.
    const hole = store2.list().findIndex((r, i) => r.slot !== i);
    expect(plain.register('1')).toBe(hole);
  });

  it('goes through v8.serialize, and the copies do not change with the store', () => {
    const store = sample();
    const state = store.exportState({ authVectors: true });
    const bytes = v8.serialize(state);
    const list = store.list();
    store.register('777', { lac: 9 });
    store.remove(store.list()[0]!.slot);
    const back = VlrStore.fromState(v8.deserialize(bytes));
    expect(back.list()).toEqual(list);
    expect(VlrStore.fromState(state).list()).toEqual(list);
  });

  it('round-trips an empty store, and a state of slots far apart', () => {
    const empty = VlrStore.fromState(new VlrStore().exportState());
    expect(empty.size).toBe(0);
    expect(empty.register('1')).toBe(0);
    const store = new VlrStore();
    for (let i = 0; i < 1000; i++) store.register(String(i + 1));
    for (let i = 1; i < 999; i++) store.remove(i);
    const back = VlrStore.fromState(v8.deserialize(v8.serialize(store.exportState())));
    expect(back.list().map((r) => [r.slot, r.imsi])).toEqual([
      [0, '1'],
      [999, '1000'],
    ]);
  });

  it('importState replaces everything, leaves the store frozen, and the first call thaws it', () => {
    const store = new VlrStore();
    store.register('5');
    const source = sample();
    store.importState(v8.deserialize(v8.serialize(source.exportState())));
    expect(store.frozen).toBe(true);
    expect(store.size).toBe(source.size);
    expect(store.capacity).toBe(0);
    expect(store.get('5')).toBeUndefined();
    expect(store.frozen).toBe(false);
    expect(store.list()).toEqual(source.list().map((r) => ({ ...r, authVectors: 0 })));
  });
});

describe('the frozen form', () => {
  it('gives back exactly what it was given, holes, triplets and pending TMSIs included', () => {
    const store = sample(500);
    const before = store.exportState({ authVectors: true });
    const live = store.allocatedBytes();
    store.freeze();
    store.freeze(); // twice is once
    expect(store.frozen).toBe(true);
    expect(store.allocatedBytes()).toBeLessThan(live / 2);
    expect(Object.keys(store.packing())).toContain('luExpiry');
    store.thaw();
    expect(store.exportState({ authVectors: true })).toEqual(before);
    // and everything works on it afterwards
    const slot = store.register('4242', { lac: 3 });
    expect(store.slotOf('4242')).toBe(slot);
    expect(store.slotOfTmsi(store.allocateTmsi(slot))).toBe(slot);
  });

  it('packs a VLR-like population tightly: const, narrow offsets, dictionaries, differences', () => {
    const store = new VlrStore({ random: () => Math.random(), now: () => 1_767_225_600_000 });
    for (let i = 0; i < 20_000; i++) {
      const slot = store.register('00101' + String((i * 2654435761) % 1e10).padStart(10, '0'), {
        lac: 0x1000 + (i % 20),
        lastSeen: 1_767_225_600_000 - ((i * 7919) % 3_600_000),
        cellId: i % 1500,
        imeisv: String(35_000_000 + (i % 40) * 104_729) + String(i % 1_000_000).padStart(6, '0') + '01',
      });
      store.allocateTmsi(slot);
      store.confirmTmsi(slot);
    }
    store.freeze();
    expect(store.packing()).toMatchObject({
      imsi: 'split(for u8)',
      tmsiNew: 'const',
      lac: 'for u8',
      cellId: 'for u16',
      lastSeen: 'for u32',
      luExpiry: 'const (- lastSeen)',
      kcHi: 'const',
      imeiHi: 'dict',
      triplets: 'none',
    });
    expect(store.bytesPerSubscriber()).toBeLessThan(24);
  });
});

describe('column packing (pack.ts)', () => {
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect([i, b[i]]).toEqual([i, a[i]]);
  };

  it('is exact for any column of numbers, in any form it picks', () => {
    const value = fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: -70_000, max: 70_000 }),
      fc.nat(),
      fc.maxSafeNat(),
      fc.constantFrom(0, -0, 1e15, 2 ** 53 - 1, 4294967295, 4294967296),
      fc.double({ noNaN: true }),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 400 }), fc.boolean(), (xs, scatter) => {
        const p = packNumbers(Float64Array.from(xs));
        const out = new Float64Array(scatter ? 2 * xs.length : xs.length);
        const at = scatter ? Int32Array.from(xs, (_, i) => 2 * i + 1) : null;
        unpackNumbers(p, xs.length, out, at);
        same(xs, at ? Array.from(at, (j) => out[j]!) : out);
        // round trip through stow/unstow (the string an image holds)
        const { blob, shape } = stow(p);
        const back = unstow({ shape, blob }) as typeof p;
        const out2 = new Float64Array(xs.length);
        unpackNumbers(back, xs.length, out2, null);
        same(xs, out2);
      }),
      { numRuns: 400 },
    );
  });

  it('picks the smallest exact form', () => {
    const n = 1000;
    const cases: [number[], string, number][] = [
      [Array(n).fill(42), 'const', 0],
      [Array.from({ length: n }, (_, i) => 1000 + (i % 200)), 'for', n],
      [Array.from({ length: n }, (_, i) => 1e9 + i * 6000), 'for', 4 * n],
      [Array.from({ length: n }, (_, i) => 1e9 + i * 60), 'for', 2 * n],
      [Array.from({ length: n }, (_, i) => [7, 1e12, -3.5][i % 3]!), 'dict', n + 24],
      [Array.from({ length: n }, (_, i) => 1_001_010_000_000_000 + i * 9_999_991), 'split', 4 * n + n],
      [Array.from({ length: n }, (_, i) => i + 0.5), 'f64', 8 * n],
    ];
    for (const [xs, kind, bytes] of cases) {
      const p = packNumbers(xs);
      expect([p.k, packedBytes(p)]).toEqual([kind, bytes]);
    }
  });
});

describe('corrupt states are refused with VlrError invalid-state', () => {
  const good = () => sample(20).exportState({ authVectors: true });
  const cases: [string, (s: VlrState & Record<string, unknown>) => unknown, RegExp][] = [
    ['not an object', () => 'state', /^vlr: state must be an object with format 'snaptel-vlr' \(got 'state'\)$/],
    ['a typed array', () => new Uint8Array(3), /got a Uint8Array/],
    ['format', (s) => ({ ...s, format: 'snaptel-hlr' }), /^vlr: state.format must be 'snaptel-vlr' \(got 'snaptel-hlr'\)$/],
    ['version', (s) => ({ ...s, version: 2 }), /^vlr: state.version 2 is not supported \(this vlr reads version 1\)$/],
    ['count', (s) => ({ ...s, count: -1 }), /^vlr: state.count -1 must be an integer/],
    ['a missing column', (s) => ({ ...s, lastSeen: undefined }), /^vlr: state.lastSeen must be a Float64Array \(got undefined\)$/],
    ['a column of the wrong type', (s) => ({ ...s, tmsi: Float64Array.from(s.tmsi) }), /^vlr: state.tmsi must be a Uint32Array \(got a Float64Array\)$/],
    ['a truncated column', (s) => ({ ...s, lac: s.lac.slice(1) }), /^vlr: state.lac has 16 elements, expected count = 17 \(count 17\)$/],
    ['truncated triplets', (s) => ({ ...s, triplets: s.triplets!.slice(56) }), /^vlr: state.triplets has \d+ elements, expected 56 \* count/],
    ['slots out of order', (s) => ({ ...s, slot: Int32Array.from(s.slot).reverse() }), /^vlr: state.slot\[1\]: \d+ does not follow \d+ \(slots must increase\)$/],
    ['a negative slot', (s) => ({ ...s, slot: Int32Array.from(s.slot, (x, i) => (i === 0 ? -5 : x)) }), /^vlr: state.slot\[0\]: -5 is not a slot/],
    ['a bad IMSI', (s) => ({ ...s, imsi: Float64Array.from(s.imsi, (x, i) => (i === 3 ? 12345.5 : x)) }), /^vlr: state.imsi\[3\] \(slot 4\): 12345.5 does not encode an IMSI of 1-15 digits$/],
    ['an IMSI without its leading 1', (s) => ({ ...s, imsi: Float64Array.from(s.imsi, (x, i) => (i === 2 ? 99 : x)) }), /state.imsi\[2\]/],
    ['a duplicate IMSI', (s) => ({ ...s, imsi: Float64Array.from(s.imsi, (x, i) => (i === 4 ? s.imsi[1]! : x)) }), /^vlr: state.imsi\[4\] \(slot 5\): duplicate of slot 1 \(imsi '262010000000037'\)$/],
    ['a bad MSISDN', (s) => ({ ...s, msisdn: Float64Array.from(s.msisdn, (x, i) => (i === 1 ? -7 : x)) }), /^vlr: state.msisdn\[1\] \(slot 1\): -7 does not encode/],
    ['a TMSI held twice', (s) => ({ ...s, tmsi: Uint32Array.from(s.tmsi, (x, i) => (i === 5 ? s.tmsi[1]! : x)) }), /^vlr: state.tmsi\[5\] \(slot 6\): TMSI 0x[0-9A-F]{8} is also held by slot 1$/],
    ['a pending TMSI equal to the TMSI', (s) => ({ ...s, tmsiNew: Uint32Array.from(s.tmsiNew, (x, i) => (i === 1 ? s.tmsi[1]! : x)) }), /^vlr: state.tmsiNew\[1\] \(slot 1\): equals the tmsi/],
    ['unknown flags', (s) => ({ ...s, flags: Uint8Array.from(s.flags, (x, i) => (i === 0 ? x | 128 : x)) }), /^vlr: state.flags\[0\] \(slot 0\): \d+ has bits other than 127$/],
    ['a cell without its flag', (s) => ({ ...s, cellId: Uint16Array.from(s.cellId, (x, i) => (i === 0 ? 9 : x)) }), /^vlr: state.cellId\[0\] \(slot 0\): set but flags say no cell$/],
    ['a non-finite time', (s) => ({ ...s, lastSeen: Float64Array.from(s.lastSeen, (x, i) => (i === 2 ? Infinity : x)) }), /^vlr: state.lastSeen\[2\] \(slot 2\): Infinity is not a finite number >= 0$/],
    ['a negative deadline', (s) => ({ ...s, luExpiry: Float64Array.from(s.luExpiry, (x, i) => (i === 2 ? -1 : x)) }), /state.luExpiry\[2\]/],
    ['a Kc without a CKSN', (s) => ({ ...s, kcLo: Uint32Array.from(s.kcLo, (x, i) => (i === 0 ? 1 : x)) }), /^vlr: state.kcHi\[0\] \(slot 0\): kc set but cksn is 7 \(no key\)$/],
    ['an IMEISV half too big', (s) => ({ ...s, imeiLo: Uint32Array.from(s.imeiLo, (x, i) => (i === 1 ? 1e8 : x)) }), /^vlr: state.imeiHi\[1\] \(slot 1\): an IMEISV half is not below 10\^8$/],
    ['a classmark over 3 bytes', (s) => ({ ...s, classmark2: Uint32Array.from(s.classmark2, (x, i) => (i === 1 ? 2 ** 24 : x)) }), /more than 3 bytes/],
    ['sec bits', (s) => ({ ...s, sec: Uint8Array.from(s.sec, (x, i) => (i === 0 ? x | 0x80 : x)) }), /^vlr: state.sec\[0\] \(slot 0\): \d+ has bits other than cksn/],
    ['three triplets', (s) => ({ ...s, sec: Uint8Array.from(s.sec, (x, i) => (i === 0 ? (x & 7) | 0x18 : x)) }), /triplet count 3 is more than 2/],
    ['triplet bytes beyond the count', (s) => ({ ...s, triplets: Uint8Array.from(s.triplets!, (x, i) => (i === 55 ? 1 : x)) }), /^vlr: state.triplets\[0\] \(slot 0\): bytes set beyond the 0 triplet\(s\) that sec counts$/],
    ['a triplet count without triplets', (s) => ({ ...s, triplets: undefined }), /^vlr: state.sec\[\d+\] \(slot \d+\): counts 1 triplet\(s\) but the state has no triplets$/],
  ];
  for (const [what, corrupt, message] of cases)
    it(`refuses ${what}`, () => {
      const e = stateError(corrupt(good() as VlrState & Record<string, unknown>));
      expect(e.code).toBe('invalid-state');
      expect(e.message).toMatch(message);
    });

  it('names the record index in the error', () => {
    const s = good();
    const e = stateError({ ...s, lastSeen: Float64Array.from(s.lastSeen, (x, i) => (i === 6 ? NaN : x)) });
    expect([e.field, e.index]).toEqual(['state.lastSeen', 6]);
  });

  it('importState leaves the store unchanged when the state is bad', () => {
    const store = sample();
    const list = store.list();
    const s = store.exportState();
    expect(() => store.importState({ ...s, imsi: s.imsi.slice(1) })).toThrow(VlrError);
    expect(store.frozen).toBe(false);
    expect(store.list()).toEqual(list);
  });

  it('ignores extra properties', () => {
    const s = good();
    expect(VlrStore.fromState({ ...s, note: 'from an older export' }).size).toBe(s.count);
  });
});
