import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CKSN_NONE, TMSI_NONE, VlrError, VlrStore, type VlrFields } from '../src';

const IMSI = '001010000000001';

function error(f: () => unknown): VlrError {
  try {
    f();
  } catch (e) {
    if (e instanceof VlrError) return e;
    throw e;
  }
  throw new Error('no VlrError thrown');
}

describe('registration', () => {
  it('registers with LU defaults and returns plain records', () => {
    const store = new VlrStore({ now: () => 1_000_000, periodicLuMs: 60_000 });
    const slot = store.register(IMSI, { lac: 0x1234, cellId: 7, classmark2: '33185F', imeisv: '3520990017614823' });
    expect(store.size).toBe(1);
    expect(store.get(IMSI)).toEqual({
      slot,
      imsi: IMSI,
      tmsi: TMSI_NONE,
      tmsiNew: TMSI_NONE,
      lac: 0x1234,
      cellId: 7,
      state: 'attached',
      lastSeen: 1_000_000,
      luExpiry: 1_060_000,
      cksn: CKSN_NONE,
      imeisv: '3520990017614823',
      classmark2: '33185f',
      authenticated: false,
      ciphering: false,
      hlrConfirmed: false,
      authVectors: 0,
    });
    expect(store.get(IMSI)).not.toBe(store.get(IMSI)); // fresh each call
    expect(store.get('001010000000002')).toBeUndefined();
  });

  it('updates in place on a second registration (same slot), keeping what is not given', () => {
    let now = 5_000;
    const store = new VlrStore({ now: () => now, periodicLuMs: 1000 });
    const slot = store.register(IMSI, { msisdn: '4915', lac: 1, state: 'detached', luExpiry: 0 });
    expect(store.recordAt(slot)).toMatchObject({ state: 'detached', luExpiry: 0, lastSeen: 5000 });
    now = 9_000;
    expect(store.register(IMSI, { lac: 2 })).toBe(slot);
    expect(store.recordAt(slot)).toMatchObject({ msisdn: '4915', lac: 2, state: 'attached', lastSeen: 9000, luExpiry: 10_000 });
    store.update(slot, { lastSeen: 9_500, msisdn: null }); // update is not a location update: luExpiry stays
    expect(store.recordAt(slot)).toMatchObject({ lastSeen: 9500, luExpiry: 10_000 });
    expect(store.recordAt(slot).msisdn).toBeUndefined();
  });

  it('keeps leading zeros: 001, 01 and 1 are three subscribers', () => {
    const store = new VlrStore();
    const slots = ['001', '01', '1', '000000000000001'].map((imsi) => store.register(imsi, { msisdn: '0' + imsi.slice(-14) }));
    expect(new Set(slots).size).toBe(4);
    expect(store.list().map((r) => [r.imsi, r.msisdn])).toEqual([
      ['001', '0001'],
      ['01', '001'],
      ['1', '01'],
      ['000000000000001', '000000000000001'],
    ]);
    expect(store.slotOf('0001')).toBe(-1);
  });

  it('pairs Kc and CKSN: cksn 7 alone drops the key, kc null alone sets cksn 7, a lone half is refused', () => {
    const store = new VlrStore();
    const slot = store.register(IMSI);
    store.update(slot, { kc: '0123456789ABCDEF', cksn: 3 });
    expect(store.recordAt(slot)).toMatchObject({ kc: '0123456789abcdef', cksn: 3 });
    store.update(slot, { cksn: 4 }); // a new sequence number for the same key is allowed
    store.update(slot, { cksn: 7 });
    expect(store.recordAt(slot).kc).toBeUndefined();
    store.update(slot, { kc: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), cksn: 0 });
    store.update(slot, { kc: null });
    expect(store.recordAt(slot)).toMatchObject({ cksn: 7 });
    expect(error(() => store.update(slot, { kc: '0123456789abcdef' })).message).toBe('vlr: kc needs a cksn 0..6 (cksn 7 means no key is available)');
    expect(error(() => store.update(slot, { cksn: 2 })).message).toBe('vlr: cksn 2 needs a kc (or cksn 7: no key is available)');
    expect(error(() => store.update(slot, { kc: null, cksn: 1 })).field).toBe('cksn');
  });

  it('detach keeps the record; remove purges it and leaves no key material behind', () => {
    const store = new VlrStore({ random: () => 0.5 });
    const slot = store.register(IMSI, { kc: 'ffffffffffffffff', cksn: 1, msisdn: '49' });
    store.pushTriplets(slot, [{ rand: 'aa'.repeat(16), sres: 'bb'.repeat(4), kc: 'cc'.repeat(8) }]);
    const tmsi = store.allocateTmsi(slot);
    store.detach(slot);
    expect(store.recordAt(slot)).toMatchObject({ state: 'detached', kc: 'ffffffffffffffff', authVectors: 1 });
    expect(store.slotOfTmsi(tmsi)).toBe(slot);
    store.remove(slot);
    expect(store.size).toBe(0);
    expect(store.get(IMSI)).toBeUndefined();
    expect(store.slotOfTmsi(tmsi)).toBe(-1);
    expect(() => store.recordAt(slot)).toThrow(/slot 0 holds no registered subscriber/);
    const internals = store as unknown as { c: Record<string, ArrayLike<number>>; trip: Uint8Array };
    for (const col of ['kcHi', 'kcLo', 'msisdn', 'tmsiNew', 'sec']) expect(internals.c[col]![slot]).toBe(0);
    expect(internals.trip.subarray(0, 56).every((b) => b === 0)).toBe(true);
    // The freed slot is the next one given out.
    expect(store.register('999')).toBe(slot);
    expect(store.recordAt(slot)).toMatchObject({ imsi: '999', tmsi: TMSI_NONE, cksn: 7, authVectors: 0 });
  });

  it('says what is wrong, naming the field, and changes nothing', () => {
    const store = new VlrStore();
    const slot = store.register(IMSI, { lac: 5 });
    const before = store.recordAt(slot);
    const cases: [() => unknown, string, string][] = [
      [() => store.register('12ab'), 'imsi', "vlr: imsi '12ab' must be 1-15 digits"],
      [() => store.register('1234567890123456'), 'imsi', "vlr: imsi '1234567890123456' must be 1-15 digits"],
      [() => store.register(IMSI, { lac: 65536 }), 'lac', 'vlr: lac 65536 must be an integer 0..65535'],
      [() => store.update(slot, { msisdn: '+49' }), 'msisdn', "vlr: msisdn '+49' must be 1-15 digits"],
      [() => store.update(slot, { tmsi: 2 ** 32 }), 'tmsi', 'vlr: tmsi 4294967296 must be an integer 0..0xffffffff (0xffffffff or null = none)'],
      [() => store.update(slot, { cellId: -1 }), 'cellId', 'vlr: cellId -1 must be an integer 0..65535'],
      [() => store.update(slot, { state: 'gone' as never }), 'state', "vlr: state 'gone' must be 'attached' or 'detached'"],
      [() => store.update(slot, { lastSeen: NaN }), 'lastSeen', 'vlr: lastSeen NaN must be a finite number >= 0 (ms since the epoch)'],
      [() => store.update(slot, { luExpiry: -1 }), 'luExpiry', 'vlr: luExpiry -1 must be a finite number >= 0 (ms since the epoch)'],
      [() => store.update(slot, { kc: '0123' }), 'kc', 'vlr: kc must be 16 hex digits or a Uint8Array of 8 bytes (got 4 characters)'],
      [() => store.update(slot, { cksn: 8 }), 'cksn', 'vlr: cksn 8 must be an integer 0..7 (7 = no key)'],
      [() => store.update(slot, { imeisv: '35209900176148' }), 'imeisv', "vlr: imeisv '35209900176148' must be 16 digits"],
      [() => store.update(slot, { classmark2: 'zzzzzz' }), 'classmark2', 'vlr: classmark2 must be 6 hex digits or a Uint8Array of 3 bytes (got 6 characters, not all hex)'],
      [() => store.update(slot, { authenticated: 1 as never }), 'authenticated', 'vlr: authenticated 1 must be true or false'],
      [() => store.update(slot, { lacc: 1 } as Partial<VlrFields>), 'lacc', "vlr: fields has an unknown field 'lacc'"],
      [() => store.update(slot, { toString: 1 } as never), 'toString', "vlr: fields has an unknown field 'toString'"],
      [() => store.update(slot, null as never), 'fields', 'vlr: fields must be an object (got null)'],
      [() => store.update(1.5, {}), 'slot', 'vlr: slot 1.5 must be an integer >= 0'],
      [() => store.pushTriplets(slot, [{ rand: '00', sres: '00000000', kc: '0000000000000000' }]), 'triplets[0].rand', 'vlr: triplets[0].rand must be 32 hex digits or a Uint8Array of 16 bytes (got 2 characters)'],
      [() => store.expired(NaN), 'now', 'vlr: now NaN must be a number (ms since the epoch)'],
      [() => new VlrStore({ initialCapacity: -1 }), 'initialCapacity', 'vlr: initialCapacity -1 must be an integer 0..268435456'],
    ];
    for (const [f, field, message] of cases) {
      const e = error(f);
      expect([e.code, e.field, e.message]).toEqual(['invalid-input', field, message]);
    }
    expect(store.recordAt(slot)).toEqual(before);
    expect(store.size).toBe(1);
    // A register that fails on a later field does not half-register a new IMSI.
    expect(() => store.register('002', { lac: 1, cksn: 3 })).toThrow(VlrError);
    expect(store.slotOf('002')).toBe(-1);
    // Key material is never echoed.
    expect(error(() => store.update(slot, { kc: '0123456789abcdeX' })).message).not.toContain('0123456789abcde');
  });
});

describe('periodic location update expiry', () => {
  it('lists the IMSIs past their deadline in slot order, bounded, never those without one', () => {
    const store = new VlrStore({ periodicLuMs: 0 });
    store.register('1', { luExpiry: 100 });
    store.register('2', { luExpiry: 300 });
    store.register('3'); // periodicLuMs 0: no deadline
    store.register('4', { luExpiry: 50, state: 'detached' });
    store.register('5', { luExpiry: 200 });
    expect(store.recordAt(store.slotOf('3')).luExpiry).toBe(0);
    expect(store.expired(50)).toEqual([]);
    expect(store.expired(101)).toEqual(['1', '4']);
    expect(store.expired(1e15)).toEqual(['1', '2', '4', '5']);
    expect(store.expired(1e15, 2)).toEqual(['1', '2']);
    expect(store.expired(1e15, 0)).toEqual([]);
    // The purge loop: remove what expired, ask again.
    for (const imsi of store.expired(250)) store.remove(store.slotOf(imsi));
    expect(store.list().map((r) => r.imsi)).toEqual(['2', '3']);
    // A new location update pushes the deadline on.
    const lu = new VlrStore({ now: () => 1000, periodicLuMs: 500 });
    lu.register('7');
    expect(lu.expired(1501)).toEqual(['7']);
    expect(lu.expired(1500)).toEqual([]);
  });
});

describe('memory', () => {
  it('stays within 256 bytes per registered subscriber, worst case just past a growth step included', () => {
    const store = new VlrStore({ random: () => Math.random() });
    let worst = 0;
    let growths = 0;
    let cap = store.capacity;
    for (let i = 0; i < 200_000; i++) {
      const slot = store.register('00101' + String(i).padStart(10, '0'), { msisdn: String(49_000_000 + i), kc: '0011223344556677', cksn: 1 });
      store.allocateTmsi(slot);
      store.confirmTmsi(slot);
      store.pushTriplets(slot, [
        { rand: '00'.repeat(16), sres: '11223344', kc: '00'.repeat(8) },
        { rand: '01'.repeat(16), sres: '11223344', kc: '00'.repeat(8) },
      ]);
      if (store.capacity !== cap) {
        cap = store.capacity;
        growths++;
      }
      if (i > 1000) worst = Math.max(worst, store.bytesPerSubscriber());
    }
    expect(growths).toBeGreaterThan(20);
    expect(worst).toBeLessThanOrEqual(256);
    // Frozen, as an image carries it: a small fraction.
    const frozen = VlrStore.fromState(store.exportState());
    frozen.freeze();
    expect(frozen.bytesPerSubscriber()).toBeLessThan(0.3 * store.bytesPerSubscriber());
  });

  it('holds the same number of heap objects for 10^3 and 10^5 subscribers (heap snapshots, in a fresh node)', () => {
    const dist = path.join(__dirname, '../dist/index.js');
    const script = `
      const v8 = require('v8');
      const { VlrStore } = require(${JSON.stringify(dist)});
      /** node_count of a heap snapshot (V8 collects garbage before taking one). */
      const nodes = () => new Promise((resolve) => {
        const stream = v8.getHeapSnapshot();
        let head = '';
        stream.on('data', (c) => { head += c; const m = /"node_count":(\\d+)/.exec(head); if (m) { stream.destroy(); resolve(Number(m[1])); } });
      });
      const build = (n) => {
        const s = new VlrStore({ random: Math.random });
        for (let i = 0; i < n; i++) { const slot = s.register(String(1e9 + i), { msisdn: String(i + 1), kc: '0011223344556677', cksn: 0 }); s.allocateTmsi(slot); s.confirmTmsi(slot); }
        return s;
      };
      const frozenOf = (s) => { const f = VlrStore.fromState(s.exportState()); f.freeze(); return f; };
      (async () => {
        // warm-up (twice): compiled code, type feedback and caches are not data
        for (const n of [2000, 100000]) { frozenOf(build(n)).get('1000000001'); await nodes(); }
        const out = {};
        for (const n of [1000, 100000]) {
          const base = await nodes();
          globalThis.keep = build(n);
          const live = await nodes();
          globalThis.keep = frozenOf(globalThis.keep);
          const frozen = await nodes();
          globalThis.keep = undefined;
          out[n] = { live: live - base, frozen: frozen - base };
        }
        process.stdout.write(JSON.stringify(out));
      })();
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, { live: number; frozen: number }>;
    // Objects per subscriber would add 10^5 nodes or more; the store adds a few dozen whatever the count.
    // Heap snapshot node counts wander from one snapshot to the next (caches, code, feedback): by up to
    // about 1.5k seen here, so the bound is 10^4, a tenth of one object per subscriber.
    for (const form of ['live', 'frozen'] as const) {
      expect(Math.abs(out[100000]![form] - out[1000]![form])).toBeLessThan(10_000);
      expect(out[100000]![form]).toBeLessThan(10_000);
    }
  });
});
