import { TimerTable, type TimerDef } from '@snaptel/fsm';

/**
 * The named M3UA timers (RFC 4666 §4.3.4.1, §4.3.4.5, §4.3.4.6, §4.3.2), in
 * the osmo_tdef manner: one table, configurable per endpoint
 * (`timers: { 'T(beat)': '5s' }`), visible with describe().
 */
export const M3UA_TIMER_DEFS: readonly TimerDef[] = [
  { name: 'T(ack)', default: 2000, unit: 'ms', min: 0, max: 60_000, desc: 'ASP Up/Active/Inactive/Down retransmission while the ack is missing (RFC 4666 4.3.4.1)' },
  { name: 'T(beat)', default: 10, unit: 's', min: 0, max: 600, desc: 'heartbeat period; the peer is dead after beatMissLimit unanswered BEATs (RFC 4666 4.3.4.6)' },
  { name: 'T(r)', default: 2000, unit: 'ms', min: 0, max: 60_000, desc: 'AS-PENDING recovery: traffic is queued until an ASP becomes active again (RFC 4666 4.3.2)' },
];

export function m3uaTimers(values?: Record<string, number | string>): TimerTable {
  const t = new TimerTable(M3UA_TIMER_DEFS);
  if (values) t.configure(values);
  return t;
}
