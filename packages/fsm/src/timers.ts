import { FsmError } from './errors';

/**
 * Named timers with defaults and units, in the manner of libosmocore's
 * osmo_tdef: every timer (3GPP `T3250`, `T303`, Osmocom-style `X1`) is listed
 * once with its default, unit and meaning, can be configured within its
 * min/max, and the machines ask the table for the current value by name.
 */

export type TimerUnit = 'ms' | 's' | 'min';

export interface TimerDef {
  /** 'T3250', 'T303', 'X1' */
  name: string;
  default: number;
  unit: TimerUnit;
  desc: string;
  /** Smallest value allowed by set()/configure(), in `unit`. */
  min?: number;
  /** Largest value allowed by set()/configure(), in `unit`. */
  max?: number;
}

export interface TimerInfo {
  name: string;
  /** Current value, in `unit`. */
  value: number;
  unit: TimerUnit;
  default: number;
  desc: string;
  min?: number;
  max?: number;
}

const FACTOR: Record<TimerUnit, number> = { ms: 1, s: 1000, min: 60_000 };
const UNIT_WORDS: Record<string, TimerUnit> = { ms: 'ms', s: 's', sec: 's', m: 'min', min: 'min' };

export function isTimerUnit(u: unknown): u is TimerUnit {
  return u === 'ms' || u === 's' || u === 'min';
}

/**
 * `value` in `from` expressed in `to`, rounded up to a whole number of `to`
 * (1100 ms in s is 2, 50 s in min is 1), 0 staying 0: osmo_tdef's rounding.
 */
export function convertTimerValue(value: number, from: TimerUnit, to: TimerUnit): number {
  if (value === 0) return 0;
  const exact = (value * FACTOR[from]) / FACTOR[to];
  // Guard against 0.7 * 1000 = 700.0000000000001 becoming 701.
  const r = Math.round(exact);
  return Math.abs(exact - r) < 1e-9 ? r : Math.ceil(exact);
}

/** A duration as the state-change log line shows it: whole seconds as `12s`, anything else as `500ms`. */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

interface Entry {
  readonly def: Readonly<TimerDef>;
  /** Current value in def.unit. */
  value: number;
}

export class TimerTable {
  private readonly entries = new Map<string, Entry>();

  constructor(defs: readonly TimerDef[]) {
    if (!Array.isArray(defs)) throw new FsmError('bad-definition', 'timer table: definitions must be an array');
    defs.forEach((d, i) => {
      const where = `timer table: entry ${i}${d && typeof d.name === 'string' ? ` (${d.name})` : ''}`;
      const bad = (why: string): never => {
        throw new FsmError('bad-definition', `${where}: ${why}`, { timer: d?.name });
      };
      if (!d || typeof d !== 'object') bad('not an object');
      if (typeof d.name !== 'string' || !/^[^\s]+$/.test(d.name)) bad('name must be a non-empty string without spaces');
      if (this.entries.has(d.name)) bad(`timer ${d.name} is defined twice`);
      if (!isTimerUnit(d.unit)) bad(`unit must be 'ms', 's' or 'min' (got ${JSON.stringify(d.unit)})`);
      if (typeof d.desc !== 'string') bad('desc must be a string');
      for (const k of ['default', 'min', 'max'] as const) {
        const v = d[k];
        if (k !== 'default' && v === undefined) continue;
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(`${k} must be a finite number >= 0 (got ${String(v)})`);
      }
      if (d.min !== undefined && d.max !== undefined && d.min > d.max) bad(`min ${d.min} is above max ${d.max}`);
      if (d.min !== undefined && d.default < d.min) bad(`default ${d.default} is below min ${d.min}`);
      if (d.max !== undefined && d.default > d.max) bad(`default ${d.default} is above max ${d.max}`);
      this.entries.set(d.name, { def: Object.freeze({ ...d }), value: d.default });
    });
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) {
      const known = [...this.entries.keys()].join(', ') || 'none';
      throw new FsmError('unknown-timer', `timer ${String(name)} is not defined (defined: ${known})`, { timer: String(name) });
    }
    return e;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The definition of a timer (throws 'unknown-timer'). */
  def(name: string): Readonly<TimerDef> {
    return this.entry(name).def;
  }

  /** Current value in milliseconds; throws FsmError('unknown-timer') for an unknown name. */
  ms(name: string): number {
    const e = this.entry(name);
    return e.value * FACTOR[e.def.unit];
  }

  /** Current value in `unit`, rounded up to a whole number of it (osmo_tdef_get). */
  get(name: string, unit: TimerUnit): number {
    const e = this.entry(name);
    if (!isTimerUnit(unit)) throw new FsmError('bad-timer-value', `timer ${name}: unknown unit ${JSON.stringify(unit)}`, { timer: name });
    return convertTimerValue(e.value, e.def.unit, unit);
  }

  /**
   * Sets a timer; `value` is in `unit` (default: the timer's own unit) and is
   * converted to the timer's unit rounding up (osmo_tdef_set), then checked
   * against min/max. FsmError('bad-timer-value') leaves the value as it was.
   */
  set(name: string, value: number, unit?: TimerUnit): void {
    const e = this.entry(name);
    e.value = this.check(e, value, unit);
  }

  private check(e: Entry, value: number, unit: TimerUnit | undefined): number {
    const d = e.def;
    const bad = (why: string): never => {
      throw new FsmError('bad-timer-value', `timer ${d.name}: ${why}`, { timer: d.name });
    };
    if (unit !== undefined && !isTimerUnit(unit)) bad(`unknown unit ${JSON.stringify(unit)}`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) bad(`value must be a finite number >= 0 (got ${String(value)})`);
    const v = convertTimerValue(value, unit ?? d.unit, d.unit);
    if ((d.min !== undefined && v < d.min) || (d.max !== undefined && v > d.max)) {
      const shown = unit && unit !== d.unit ? `${value}${unit} = ${v}${d.unit}` : `${v}${d.unit}`;
      bad(`${shown} is outside [${d.min ?? 0} .. ${d.max ?? 'inf'}]${d.unit}`);
    }
    return v;
  }

  /** Back to the default: one timer, or all of them. */
  reset(name?: string): void {
    if (name !== undefined) {
      const e = this.entry(name);
      e.value = e.def.default;
      return;
    }
    for (const e of this.entries.values()) e.value = e.def.default;
  }

  list(): TimerInfo[] {
    return [...this.entries.values()].map(({ def, value }) => {
      const info: TimerInfo = { name: def.name, value, unit: def.unit, default: def.default, desc: def.desc };
      if (def.min !== undefined) info.min = def.min;
      if (def.max !== undefined) info.max = def.max;
      return info;
    });
  }

  /**
   * Values from configuration: `{ T3250: 12, T303: '30s', X1: '500ms', T3212: '6min' }`.
   * A number is in the timer's own unit; a string may carry a unit (ms, s,
   * min or m). All or nothing: an unknown name or a bad value throws FsmError
   * and changes no timer.
   */
  configure(values: Record<string, number | string>): void {
    if (!values || typeof values !== 'object' || Array.isArray(values))
      throw new FsmError('bad-timer-value', 'timer configuration must be an object of name: value');
    const staged: Array<[Entry, number]> = [];
    for (const [name, raw] of Object.entries(values)) {
      const e = this.entry(name);
      if (typeof raw === 'number') {
        staged.push([e, this.check(e, raw, undefined)]);
        continue;
      }
      const m = typeof raw === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/.exec(raw) : null;
      const unit = m ? (m[2] === '' ? e.def.unit : UNIT_WORDS[m[2]!]) : undefined;
      if (!m || !unit)
        throw new FsmError('bad-timer-value', `timer ${name}: cannot read ${JSON.stringify(raw)} (expected a number, or e.g. '30s', '500ms', '6min')`, { timer: name });
      staged.push([e, this.check(e, Number(m[1]), unit)]);
    }
    for (const [e, v] of staged) e.value = v;
  }

  /** One line per timer: name, value (and default when it differs), range, description. */
  describe(): string {
    return (
      this.list()
        .map((t) => {
          const val = `${t.value}${t.unit}${t.value !== t.default ? ` (default ${t.default}${t.unit})` : ''}`;
          const range = t.min !== undefined || t.max !== undefined ? `  [${t.min ?? 0} .. ${t.max ?? 'inf'}]` : '';
          return `${t.name.padEnd(6)} = ${val}${range}  ${t.desc}`;
        })
        .join('\n') + '\n'
    );
  }
}
