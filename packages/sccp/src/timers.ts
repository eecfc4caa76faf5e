import { TimerTable, type TimerDef } from '@snaptel/fsm';

/**
 * The SCCP timers (Q.714 Annex C.4), one table in osmo_tdef style.
 *
 * Defaults and where they come from:
 * - T(conn_est) 60 s, T(ias) 7 min, T(iar) 15 min, T(rel) 10 s,
 *   T(repeat_rel) 10 s, T(int) 60 s, T(reassembly) 10 s: libosmo-sigtran's
 *   osmo_sccp_timer_defaults (src/sccp_scoc.c, later sccp_instance.c), each
 *   inside the range Q.714 Annex C.4 gives (quoted in `desc`). T(ias) and
 *   T(iar) follow RFC 3868 §8 there, as in libosmo-sigtran.
 * - X(freeze) 10 s is ours: Q.714 §3.3 asks that a released local reference
 *   be frozen for a while before it is used again, without naming a value;
 *   libosmo-sigtran does not freeze at all.
 *
 * T(guard) (restart) and T(reset) (class 3) are not implemented, so they are
 * not listed. A value of 0 switches a timer off (no IT sent for T(ias) = 0).
 */
export const SCCP_TIMERS: readonly TimerDef[] = [
  { name: 'T(conn_est)', default: 60, unit: 's', desc: 'CR sent, waiting for CC (Q.714: 1 to 2 minutes)' },
  { name: 'T(ias)', default: 420, unit: 's', desc: 'nothing sent on an active connection for this long: send IT (Q.714: 5 to 10 minutes)' },
  { name: 'T(iar)', default: 900, unit: 's', desc: 'nothing received on an active connection for this long: release it (Q.714: 11 to 21 minutes)' },
  { name: 'T(rel)', default: 10, unit: 's', desc: 'RLSD sent, waiting for RLC (Q.714: 10 to 20 seconds)' },
  { name: 'T(repeat_rel)', default: 10, unit: 's', desc: 'RLSD repeated this often after T(rel) expired (Q.714: 10 to 20 seconds)' },
  { name: 'T(int)', default: 60, unit: 's', desc: 'started when T(rel) expires: give up waiting for RLC, free the reference (Q.714: extending to 1 minute)' },
  { name: 'T(reassembly)', default: 10, unit: 's', desc: 'first XUDT segment received, waiting for the rest (Q.714: 10 to 20 seconds)' },
  { name: 'X(freeze)', default: 10, unit: 's', desc: 'a released local reference is not given out again for this long (ours; Q.714 §3.3 names no value)' },
];

/** libosmo-sigtran's VTY names (`sccp-timer ias 420`), accepted by sccpTimers() as well. */
const OSMO_NAMES: Record<string, string> = {
  conn_est: 'T(conn_est)',
  ias: 'T(ias)',
  iar: 'T(iar)',
  rel: 'T(rel)',
  repeat_rel: 'T(repeat_rel)',
  int: 'T(int)',
  reassembly: 'T(reassembly)',
};

/**
 * A fresh table of the SCCP timers, optionally configured:
 * `sccpTimers({ 'T(ias)': 30, iar: '90s' })` (our names or libosmo-sigtran's
 * VTY names; numbers in the timer's unit). All or nothing, as TimerTable.configure().
 */
export function sccpTimers(values?: Record<string, number | string>): TimerTable {
  const t = new TimerTable(SCCP_TIMERS);
  if (values) {
    const mapped: Record<string, number | string> = {};
    for (const [k, v] of Object.entries(values)) mapped[OSMO_NAMES[k] ?? k] = v;
    t.configure(mapped);
  }
  return t;
}
