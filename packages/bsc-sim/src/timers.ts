/**
 * Every timer of the simulator, named once with its default, in the manner
 * of libosmocore's osmo_tdef: the T-names are those of the specs (mobile
 * station side of TS 24.008 §11.2, BSS side of TS 48.008 §3.2.3), the X-names
 * are the simulator's own. `timers: { T3210: 500 }` in the options overrides
 * any of them; `describeTimers()` lists them.
 */
export interface TimerDef {
  /** Default in milliseconds (0 disables the X_PING timer). */
  readonly ms: number;
  readonly what: string;
}

export const TIMERS = {
  // ---- link: IPA, SCCPlite, BSSMAP RESET ----
  X_CCM: { ms: 2000, what: 'IPA CCM: wait this long for the MSC to finish ID_GET/ID_ACK, then send RESET anyway' },
  T4: { ms: 5000, what: 'BSSMAP RESET sent: repeat it until RESET ACKNOWLEDGE comes (TS 48.008 T4; osmo-bsc repeats every 5 s)' },
  X_PING: { ms: 0, what: 'interval of IPA CCM PING to the MSC (0: none sent)' },
  X_PONG: { ms: 5000, what: 'PING sent: the link is dead when no PONG comes within this' },
  X_RECONNECT_MIN: { ms: 250, what: 'first delay before reconnecting a lost TCP link (doubles up to X_RECONNECT_MAX)' },
  X_RECONNECT_MAX: { ms: 5000, what: 'longest delay between reconnection attempts' },
  // ---- SCCP connections and BSSMAP clearing ----
  X_CONN: { ms: 5000, what: 'SCCP CR sent: CC or CREF must come within this' },
  X_CLEAR: { ms: 10_000, what: 'BSSMAP CLEAR REQUEST sent: CLEAR COMMAND must come, else the BSC releases the SCCP connection itself' },
  X_RLSD: { ms: 5000, what: 'CLEAR COMPLETE sent: the MSC must release the SCCP connection (RLSD), else the BSC does' },
  X_RLC: { ms: 5000, what: 'SCCP RLSD sent: RLC must come, else the reference is freed anyway' },
  // ---- mobility management, MS side (TS 24.008 table 11.1) ----
  T3210: { ms: 20_000, what: 'LOCATION UPDATING REQUEST sent: ACCEPT or REJECT must come' },
  T3220: { ms: 5000, what: 'IMSI DETACH INDICATION sent: the network must release, else the MS aborts the RR connection' },
  T3230: { ms: 15_000, what: 'CM SERVICE REQUEST sent: ACCEPT, REJECT or ciphering must come' },
  T3240: { ms: 10_000, what: 'MM idle on a connection: the network must release it, else the MS aborts the RR connection (CLEAR REQUEST)' },
  // ---- call control, MS side (TS 24.008 table 11.3) ----
  T303: { ms: 30_000, what: 'SETUP sent: CALL PROCEEDING, ALERTING, CONNECT or RELEASE COMPLETE must come' },
  T305: { ms: 30_000, what: 'DISCONNECT sent: RELEASE or DISCONNECT must come' },
  T308: { ms: 30_000, what: 'RELEASE sent: RELEASE COMPLETE must come (RELEASE is sent once more, then the call is released locally)' },
  T310: { ms: 30_000, what: 'CALL PROCEEDING received: ALERTING, CONNECT or DISCONNECT must come' },
  T313: { ms: 30_000, what: 'CONNECT sent: CONNECT ACKNOWLEDGE must come' },
  // ---- short message service, MS side (TS 24.011 §10, table 10.1) ----
  TC1M: { ms: 7000, what: 'CP-DATA sent: CP-ACK (or CP-DATA) must come, else CP-DATA is sent again (MsOptions.smsRetransmissions times; libosmocore: 20 s over 2 retransmissions + 1)' },
  TR1M: { ms: 40_000, what: 'RP-DATA / RP-SMMA sent: RP-ACK or RP-ERROR must come (35-45 s)' },
  TR2M: { ms: 15_000, what: 'MT RP-DATA received: the MS must have sent RP-ACK or RP-ERROR within this (12-20 s); the simulator answers at once' },
} as const satisfies Record<string, TimerDef>;

export type TimerName = keyof typeof TIMERS;
export type TimerValues = Record<TimerName, number>;

/** Defaults with the given overrides; unknown names or negative values are refused. */
export function resolveTimers(overrides: Partial<Record<string, number>> = {}): TimerValues {
  const out = {} as TimerValues;
  for (const k of Object.keys(TIMERS) as TimerName[]) out[k] = TIMERS[k].ms;
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in TIMERS)) throw new RangeError(`unknown timer ${k} (known: ${Object.keys(TIMERS).join(', ')})`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`timer ${k}: ${String(v)} is not a duration in ms`);
    out[k as TimerName] = v;
  }
  return out;
}

/** One line per timer: name, value, meaning (for --help and READMEs). */
export function describeTimers(values: TimerValues = resolveTimers()): string {
  return (Object.keys(TIMERS) as TimerName[]).map((k) => `${k.padEnd(16)} ${String(values[k]).padStart(6)} ms  ${TIMERS[k].what}`).join('\n');
}

/**
 * The named timers of one owner (a link, a connection, a call): starting one
 * that runs restarts it; `stopAll` when the owner goes away.
 */
export class NamedTimers {
  private running = new Map<TimerName, NodeJS.Timeout>();

  constructor(private readonly values: TimerValues) {}

  start(name: TimerName, fire: () => void, ms = this.values[name]): void {
    this.stop(name);
    const t = setTimeout(() => {
      this.running.delete(name);
      fire();
    }, ms);
    this.running.set(name, t);
  }

  stop(name: TimerName): void {
    const t = this.running.get(name);
    if (t) {
      clearTimeout(t);
      this.running.delete(name);
    }
  }

  has(name: TimerName): boolean {
    return this.running.has(name);
  }

  ms(name: TimerName): number {
    return this.values[name];
  }

  stopAll(): void {
    for (const t of this.running.values()) clearTimeout(t);
    this.running.clear();
  }
}
