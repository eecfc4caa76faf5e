import type { TimerDef } from '@snaptel/fsm';

/**
 * Every timer of the MSC, by its 3GPP name, with default and unit: one table
 * (osmo_tdef style), configurable from the recipe (`timers: { T3260: 6 }`) and
 * shown by `remote eval msc.timers()`.
 *
 * Sources of the defaults:
 * - MM (TS 24.008 table 11.2, network side): T3250, T3260, T3270 12 s; T3212
 *   is the subscriber expiry in the VLR (osmo-msc: 60 min).
 * - CC (TS 24.008 table 11.4, network side; libosmocore gsm_04_08.h): T301
 *   180 s, T303 30 s, T305 30 s, T306 30 s, T308 10 s, T310 30 s, T313 30 s.
 * - T3113 (paging): osmo-msc keeps a paging request 10 s.
 * - SMS (TS 24.011 table 10.1/10.2, libosmocore gsm_04_11.h): TC1* is
 *   libosmocore's TC1A (30 s) spread over the first CP-DATA and its two
 *   repeats, 10 s each; TR1N 40 s and TR2N 15 s as libosmocore's TR1M/TR2M
 *   (spec ranges 35-45 s and 12-20 s). TRAM is the MS side's only.
 * - X timers (osmo's negative numbers): ours, named X1..; X1 is osmo-msc's
 *   "Complete Layer 3, Authentication and Ciphering timeout" (5 s) used here
 *   for CIPHER MODE COMPLETE; X2 its release sanity timeout (30 s); X4 keeps an
 *   SMS connection a moment after its last transaction, since the phone sends
 *   the next part of a long message (or a new CM SERVICE REQUEST) right after
 *   its CP-ACK, and a CLEAR COMMAND crossing it would lose that message.
 */
export const MSC_TIMERS: readonly TimerDef[] = [
  { name: 'T3212', default: 60, unit: 'min', desc: 'subscriber expiry: purged from the VLR when no LU comes for this long', min: 1 },
  { name: 'T3250', default: 12, unit: 's', desc: 'TMSI reallocation: LU ACCEPT with a new TMSI until TMSI REALLOCATION COMPLETE', min: 1 },
  { name: 'T3260', default: 12, unit: 's', desc: 'authentication: AUTHENTICATION REQUEST until RESPONSE', min: 1 },
  { name: 'T3270', default: 12, unit: 's', desc: 'identification: IDENTITY REQUEST until RESPONSE', min: 1 },
  { name: 'T3113', default: 10, unit: 's', desc: 'paging: PAGING until PAGING RESPONSE', min: 1 },
  { name: 'T301', default: 180, unit: 's', desc: 'alerting: ALERTING received until CONNECT', min: 1 },
  { name: 'T303', default: 30, unit: 's', desc: 'MT SETUP sent until CALL CONFIRMED (or RELEASE COMPLETE)', min: 1 },
  { name: 'T305', default: 30, unit: 's', desc: 'DISCONNECT sent until RELEASE or DISCONNECT', min: 1 },
  { name: 'T306', default: 30, unit: 's', desc: 'DISCONNECT with in-band tones sent until RELEASE or DISCONNECT', min: 1 },
  { name: 'T308', default: 10, unit: 's', desc: 'RELEASE sent until RELEASE COMPLETE or RELEASE', min: 1 },
  { name: 'T310', default: 30, unit: 's', desc: 'CALL CONFIRMED received until ALERTING, CONNECT or DISCONNECT', min: 1 },
  { name: 'T313', default: 30, unit: 's', desc: 'CONNECT sent until CONNECT ACKNOWLEDGE', min: 1 },
  { name: 'TC1*', default: 10, unit: 's', desc: 'SMS CP-DATA sent until CP-ACK (repeated twice, then given up)', min: 1 },
  { name: 'TR1N', default: 40, unit: 's', desc: 'MT SMS: RP-DATA acknowledged by CP-ACK until RP-ACK or RP-ERROR', min: 1 },
  { name: 'TR2N', default: 15, unit: 's', desc: 'MO SMS: RP-DATA received until the router answers (RP-ACK or RP-ERROR sent)', min: 1 },
  { name: 'X1', default: 5, unit: 's', desc: 'CIPHER MODE COMMAND until CIPHER MODE COMPLETE', min: 1 },
  { name: 'X2', default: 30, unit: 's', desc: 'CLEAR COMMAND until the connection is released (sanity)', min: 1 },
  { name: 'X3', default: 5, unit: 's', desc: 'a GSUP request to the HLR until its answer', min: 1 },
  { name: 'X4', default: 1000, unit: 'ms', desc: 'SMS: the connection is kept this long after its last SMS transaction, for the next part or CM SERVICE REQUEST', min: 0 },
];
