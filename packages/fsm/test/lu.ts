/**
 * A small example machine for the tests: a simplified MSC-side location
 * updating procedure (TS 24.008 §4.4) with authentication (T3260), an
 * Update Location towards the HLR run by a child machine (X1), and TMSI
 * reallocation (T3250). The 12 s defaults of T3250 and T3260 are those of
 * TS 24.008 Table 11.2 (network-side MM timers).
 */
import { Fsm, TimerTable, type ChildTermData, type FsmInstance } from '../src';

export const LU_TIMERS = [
  { name: 'T3260', default: 12, unit: 's', desc: 'Authentication Request sent, waiting for the Response', min: 1, max: 60 },
  { name: 'T3250', default: 12, unit: 's', desc: 'TMSI Reallocation Command sent, waiting for the Complete', min: 1, max: 60 },
  { name: 'X1', default: 5000, unit: 'ms', desc: 'Update Location sent to the HLR, waiting for the result', min: 100 },
] as const;

export const luTimers = () => new TimerTable(LU_TIMERS);

export type UlState = 'NULL' | 'WAIT_RESULT';
export type UlEvent = 'START' | 'UL_ACK' | 'UL_NACK';

/** The child: one Update Location transaction towards the HLR. */
export const UL = new Fsm<UlState, UlEvent>({
  name: 'UL',
  initial: 'NULL',
  events: ['START', 'UL_ACK', 'UL_NACK'],
  states: {
    NULL: {
      in: ['START'],
      out: ['WAIT_RESULT'],
      action: (fi) => fi.stateChg('WAIT_RESULT', { timer: 'X1' }),
    },
    WAIT_RESULT: {
      timer: 'X1',
      in: ['UL_ACK', 'UL_NACK'],
      action: (fi, ev) => fi.terminate(ev === 'UL_ACK' ? 'regular' : 'error'),
    },
  },
});

export type LuState = 'NULL' | 'WAIT_AUTH' | 'WAIT_HLR' | 'WAIT_TMSI_CNF' | 'ACCEPTED';
export type LuEvent = 'LU_REQ' | 'AUTH_RESP' | 'AUTH_FAIL' | 'UL_DONE' | 'TMSI_REALL_CMPL' | 'ABORT';

/** What the tests look at besides the log: every hook call, in order. */
export interface LuData {
  calls: string[];
}

const note = (fi: FsmInstance<any, any>, s: string) => (fi.data as LuData | undefined)?.calls.push(s);

export const LU = new Fsm<LuState, LuEvent>({
  name: 'LU',
  initial: 'NULL',
  events: ['LU_REQ', 'AUTH_RESP', 'AUTH_FAIL', 'UL_DONE', 'TMSI_REALL_CMPL', 'ABORT'],
  allStateEvents: ['ABORT'],
  allStateAction: (fi, _ev, data) => fi.terminate((data as { cause?: string } | undefined)?.cause ?? 'error'),
  states: {
    NULL: {
      in: ['LU_REQ'],
      out: ['WAIT_AUTH'],
      action: (fi) => fi.stateChg('WAIT_AUTH', { timer: 'T3260' }),
    },
    WAIT_AUTH: {
      timer: 'T3260',
      in: ['AUTH_RESP', 'AUTH_FAIL'],
      out: ['WAIT_HLR'],
      onLeave: (fi, next) => note(fi, `leave WAIT_AUTH -> ${next}`),
      action: (fi, ev) => {
        if (ev === 'AUTH_FAIL') return fi.terminate('error');
        fi.stateChg('WAIT_HLR');
        const ul = UL.create({ id: fi.id, host: fi.host, timers: fi.timers, log: fi.log, parent: fi, parentTermEvent: 'UL_DONE' });
        ul.dispatch('START');
      },
    },
    WAIT_HLR: {
      in: ['UL_DONE'],
      out: ['WAIT_TMSI_CNF'],
      onEnter: (fi, prev) => note(fi, `enter WAIT_HLR from ${prev}`),
      action: (fi, _ev, data) => {
        const { cause } = data as ChildTermData;
        if (cause === 'regular') fi.stateChg('WAIT_TMSI_CNF');
        else fi.terminate('error');
      },
    },
    WAIT_TMSI_CNF: {
      // The state's own timer: entered without options, T3250 starts.
      timer: 'T3250',
      in: ['TMSI_REALL_CMPL'],
      out: ['ACCEPTED'],
      action: (fi) => fi.stateChg('ACCEPTED'),
      // No TMSI Reallocation Complete: the location update stands, the old identity stays in use.
      onTimeout: (fi) => {
        fi.stateChg('ACCEPTED');
        return true;
      },
    },
    ACCEPTED: {
      onEnter: (fi) => fi.terminate('regular'),
    },
  },
  onTerminate: (fi, cause) => note(fi, `terminate ${cause}`),
});
