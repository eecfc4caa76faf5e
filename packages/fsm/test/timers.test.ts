import { describe, expect, it } from 'vitest';
import { FsmError, TimerTable, convertTimerValue, formatDuration, type TimerDef } from '../src';

function fsmError(fn: () => unknown): FsmError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FsmError);
    return err as FsmError;
  }
  throw new Error('expected an FsmError, nothing was thrown');
}

const DEFS: TimerDef[] = [
  { name: 'T3250', default: 12, unit: 's', desc: 'TMSI reallocation', min: 1, max: 60 },
  { name: 'T303', default: 30, unit: 's', desc: 'call setup' },
  { name: 'X1', default: 500, unit: 'ms', desc: 'osmo-specific' },
  { name: 'T3212', default: 60, unit: 'min', desc: 'periodic LU', max: 1530 },
];

describe('TimerTable', () => {
  it('gives values in ms for every unit', () => {
    const t = new TimerTable(DEFS);
    expect(t.ms('T3250')).toBe(12_000);
    expect(t.ms('X1')).toBe(500);
    expect(t.ms('T3212')).toBe(3_600_000);
  });

  it('throws unknown-timer for a name it does not define, listing the ones it does', () => {
    const t = new TimerTable(DEFS);
    const e = fsmError(() => t.ms('T9999'));
    expect(e.code).toBe('unknown-timer');
    expect(e.timer).toBe('T9999');
    expect(e.message).toContain('T3250, T303, X1, T3212');
    expect(fsmError(() => t.set('T9999', 1)).code).toBe('unknown-timer');
    expect(fsmError(() => t.reset('T9999')).code).toBe('unknown-timer');
  });

  it('set() takes the timer unit by default, or converts from another unit rounding up', () => {
    const t = new TimerTable(DEFS);
    t.set('T303', 45);
    expect(t.ms('T303')).toBe(45_000);
    t.set('T303', 1100, 'ms');
    expect(t.ms('T303')).toBe(2000);
    t.set('X1', 2, 's');
    expect(t.ms('X1')).toBe(2000);
    t.set('T3212', 90, 's');
    expect(t.ms('T3212')).toBe(120_000);
  });

  it('set() checks min and max in the timer unit and keeps the old value on error', () => {
    const t = new TimerTable(DEFS);
    const e = fsmError(() => t.set('T3250', 61));
    expect(e.code).toBe('bad-timer-value');
    expect(e.message).toContain('61s is outside [1 .. 60]s');
    expect(fsmError(() => t.set('T3250', 0)).code).toBe('bad-timer-value');
    expect(fsmError(() => t.set('T3250', 61_000, 'ms')).message).toContain('61000ms = 61s');
    expect(fsmError(() => t.set('T3250', -1)).code).toBe('bad-timer-value');
    expect(fsmError(() => t.set('T3250', NaN)).code).toBe('bad-timer-value');
    expect(fsmError(() => t.set('T3250', 5, 'h' as never)).code).toBe('bad-timer-value');
    expect(t.ms('T3250')).toBe(12_000);
    t.set('T3250', 60);
    expect(t.ms('T3250')).toBe(60_000);
  });

  it('reset() restores one default or all of them', () => {
    const t = new TimerTable(DEFS);
    t.set('T303', 5);
    t.set('X1', 5);
    t.reset('T303');
    expect(t.ms('T303')).toBe(30_000);
    expect(t.ms('X1')).toBe(5);
    t.reset();
    expect(t.ms('X1')).toBe(500);
  });

  it('list() shows value, unit, default and description of every timer in table order', () => {
    const t = new TimerTable(DEFS);
    t.set('T303', 40);
    expect(t.list()).toEqual([
      { name: 'T3250', value: 12, unit: 's', default: 12, desc: 'TMSI reallocation', min: 1, max: 60 },
      { name: 'T303', value: 40, unit: 's', default: 30, desc: 'call setup' },
      { name: 'X1', value: 500, unit: 'ms', default: 500, desc: 'osmo-specific' },
      { name: 'T3212', value: 60, unit: 'min', default: 60, desc: 'periodic LU', max: 1530 },
    ]);
    expect(t.describe()).toContain('T303   = 40s (default 30s)  call setup');
    expect(t.describe()).toContain('T3250  = 12s  [1 .. 60]  TMSI reallocation');
  });

  it('configure() reads numbers in the timer unit and strings with units', () => {
    const t = new TimerTable(DEFS);
    t.configure({ T3250: 20, T303: '1min', X1: '1.5s', T3212: '6m' });
    expect(t.ms('T3250')).toBe(20_000);
    expect(t.ms('T303')).toBe(60_000);
    expect(t.ms('X1')).toBe(1500);
    expect(t.ms('T3212')).toBe(360_000);
    t.configure({ T303: '30s', X1: '250ms', T3250: ' 7 ' });
    expect([t.ms('T303'), t.ms('X1'), t.ms('T3250')]).toEqual([30_000, 250, 7000]);
  });

  it('configure() is all or nothing: an unknown name or a bad value changes no timer', () => {
    const t = new TimerTable(DEFS);
    expect(fsmError(() => t.configure({ T303: 40, T999: 1 })).code).toBe('unknown-timer');
    expect(fsmError(() => t.configure({ T303: 40, T3250: 99 })).code).toBe('bad-timer-value');
    expect(fsmError(() => t.configure({ T303: 40, X1: 'soon' })).message).toContain('cannot read "soon"');
    expect(fsmError(() => t.configure({ X1: '5 hours' })).code).toBe('bad-timer-value');
    expect(fsmError(() => t.configure({ X1: '-5s' })).code).toBe('bad-timer-value');
    expect(fsmError(() => t.configure(null as never)).code).toBe('bad-timer-value');
    expect(t.ms('T303')).toBe(30_000);
  });

  it('refuses bad definitions', () => {
    const bad = (defs: unknown, words: string) => {
      const e = fsmError(() => new TimerTable(defs as TimerDef[]));
      expect(e.code).toBe('bad-definition');
      expect(e.message).toContain(words);
    };
    bad([DEFS[0], DEFS[0]], 'defined twice');
    bad([{ name: 'T1', default: 1, unit: 'h', desc: '' }], "unit must be 'ms', 's' or 'min'");
    bad([{ name: 'T1', default: -1, unit: 's', desc: '' }], 'default must be a finite number >= 0');
    bad([{ name: 'T1', default: 5, unit: 's', desc: '', min: 10 }], 'default 5 is below min 10');
    bad([{ name: 'T1', default: 5, unit: 's', desc: '', max: 2 }], 'default 5 is above max 2');
    bad([{ name: 'T1', default: 5, unit: 's', desc: '', min: 9, max: 2 }], 'min 9 is above max 2');
    bad([{ name: '', default: 5, unit: 's', desc: '' }], 'name must be');
    bad([{ name: 'T1', default: 5, unit: 's' }], 'desc must be a string');
    bad('T1', 'must be an array');
  });

  it('formats durations as the state-change log line does', () => {
    expect(formatDuration(12_000)).toBe('12s');
    expect(formatDuration(500)).toBe('500ms');
    expect(formatDuration(1500)).toBe('1500ms');
    expect(convertTimerValue(0.7, 's', 'ms')).toBe(700);
  });
});

/**
 * Vectors from libosmocore's tests/tdef/tdef_test.c and tdef_test.ok
 * (osmo_tdef_get() of each timer in s, ms and m, values rounded up; then
 * osmo_tdef_set() with a range check). Osmocom's custom and us units have no
 * counterpart here and are left out; their unit 'm' is our 'min'.
 */
describe('osmo_tdef vectors (libosmocore tests/tdef/tdef_test.ok)', () => {
  const tdefs: TimerDef[] = [
    { name: 'T1', default: 100, unit: 's', desc: '100s' },
    { name: 'T2', default: 100, unit: 'ms', desc: '100ms' },
    { name: 'T3', default: 50, unit: 'min', desc: '50m' },
    { name: 'T7', default: 50, unit: 's', desc: 'Water Boiling Timeout', min: 20, max: 800 },
    { name: 'T8', default: 300, unit: 's', desc: 'Tea brewing' },
    { name: 'T9', default: 5, unit: 'min', desc: 'Let tea cool down before drinking' },
    { name: 'T10', default: 20, unit: 'min', desc: "Forgot to drink tea while it's warm" },
    { name: 'T1000', default: 2 * 1000, unit: 'ms', desc: 'two seconds from ms' },
    { name: 'T1001', default: 60 * 1000, unit: 'ms', desc: 'one minute from ms' },
    { name: 'T1004', default: 1, unit: 'ms', desc: 'one ms' },
    { name: 'T1005', default: 0, unit: 'ms', desc: 'zero ms' },
    { name: 'T1006', default: 0, unit: 's', desc: 'zero s' },
    { name: 'T1007', default: 0, unit: 'min', desc: 'zero m' },
    { name: 'T123', default: 1, unit: 's', desc: '' },
  ];
  // "osmo_tdef_get(N, s|ms|m) = v" lines of test_tdef_get(), transcribed.
  const expected: Record<string, [s: number, ms: number, m: number]> = {
    T1: [100, 100000, 2],
    T2: [1, 100, 1],
    T3: [3000, 3000000, 50],
    T7: [50, 50000, 1],
    T8: [300, 300000, 5],
    T9: [300, 300000, 5],
    T10: [1200, 1200000, 20],
    T1000: [2, 2000, 1],
    T1001: [60, 60000, 1],
    T1004: [1, 1, 1],
    T1005: [0, 0, 0],
    T1006: [0, 0, 0],
    T1007: [0, 0, 0],
    T123: [1, 1000, 1],
  };

  it('test_tdef_get: every timer in s, ms and m, rounded up, zero staying zero', () => {
    const t = new TimerTable(tdefs);
    for (const [name, [s, ms, m]] of Object.entries(expected)) {
      expect([name, t.get(name, 's'), t.get(name, 'ms'), t.get(name, 'min')]).toEqual([name, s, ms, m]);
    }
  });

  it('test_tdef_get_nonexisting: an undefined timer (T5) is an error here, not a fallback', () => {
    expect(fsmError(() => new TimerTable(tdefs).get('T5', 's')).code).toBe('unknown-timer');
  });

  it('test_tdef_set_and_get: T7 in [20 .. 800] s', () => {
    const t = new TimerTable(tdefs);
    const row = () => [t.get('T7', 'ms'), t.get('T7', 's'), t.get('T7', 'min')];
    // "setting 7 = 42": T7=42s(def=50), 42000 ms, 42 s, 1 m
    t.set('T7', 42);
    expect(t.list().find((x) => x.name === 'T7')).toMatchObject({ value: 42, default: 50 });
    expect(row()).toEqual([42000, 42, 1]);
    // "setting 7 = 420": 420000 ms, 420 s, 7 m
    t.set('T7', 420, 's');
    expect(row()).toEqual([420000, 420, 7]);
    // "setting 7 = 10 (ERANGE)" and "setting 7 = 900 (ERANGE)": unchanged
    expect(fsmError(() => t.set('T7', 10, 's')).code).toBe('bad-timer-value');
    expect(row()).toEqual([420000, 420, 7]);
    expect(fsmError(() => t.set('T7', 900, 's')).code).toBe('bad-timer-value');
    expect(row()).toEqual([420000, 420, 7]);
    // "setting 23 = 50 (EEXIST)"
    expect(fsmError(() => t.set('T23', 50, 's')).code).toBe('unknown-timer');
    // "resetting": T7=50s
    t.reset();
    expect(t.get('T7', 's')).toBe(50);
  });
});
