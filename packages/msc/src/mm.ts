import { Fsm, type FsmInstance, type FsmLog, type TimerHost, type TimerTable } from '@snaptel/fsm';
import type { AuthInfo, HlrAccess, HlrFailure, LocationResult } from './hlr-access';
import type { Dtap, DtapMessage, MobileIdentity } from '@snaptel/gsm48';
import type { BssmapMessage } from '@snaptel/bssap';
import type { VlrStore } from '@snaptel/vlr';

/**
 * Mobility management, network side (TS 24.008 §4): one MM machine per RAN
 * connection. It identifies the subscriber (IDENTITY REQUEST when a TMSI is
 * unknown), authenticates (AUTHENTICATION REQUEST/RESPONSE against the HLR's
 * keys), starts ciphering (BSSMAP CIPHER MODE COMMAND), and then either
 * completes a location update (LU ACCEPT with a new TMSI, TMSI REALLOCATION
 * COMPLETE) or accepts a CM service request / paging response, after which
 * the connection carries the CC transactions. Every failure ends in a reject
 * with its cause and a clear of the connection.
 */

/** What MM needs from a RAN connection (RanConn satisfies it). */
export interface MmConn {
  readonly name: string;
  data: unknown;
  sendDtap(dtap: Dtap): void;
  sendBssmap(type: BssmapMessage['type'], ies?: BssmapMessage['ies']): void;
  clear(cause: number): void;
}

export interface MmConfig {
  mcc: string;
  mnc: string;
  /** Authenticate subscribers whose algorithm is not 'none' (default true). */
  authenticate: boolean;
  /** Start A5/1 ciphering after authentication (default true). */
  cipher: boolean;
  /** Give a new TMSI at every LU (default true). */
  reallocateTmsi: boolean;
  /** LU REJECT cause for an IMSI the HLR does not know (default 2, IMSI unknown in HLR). */
  unknownImsiCause: number;
}

export const MM_DEFAULTS: MmConfig = { mcc: '001', mnc: '01', authenticate: true, cipher: true, reallocateTmsi: true, unknownImsiCause: 2 };

/** TS 24.008 §10.5.3.6 reject causes used here. */
export const MM_CAUSE = {
  IMSI_UNKNOWN_IN_HLR: 2,
  ILLEGAL_MS: 3,
  IMSI_UNKNOWN_IN_VLR: 4,
  NETWORK_FAILURE: 17,
  PROTOCOL_ERROR: 111,
} as const;

/** TS 48.008 §3.2.2.5 causes for CLEAR COMMAND. */
export const CLEAR_CAUSE = { CALL_CONTROL: 0x09, RADIO_INTERFACE_FAILURE: 0x01, EQUIPMENT_FAILURE: 0x20 } as const;

export type MmPurpose = 'lu' | 'cm-service' | 'paging-response' | 'detach';

type S = 'NEW' | 'WAIT_IMSI' | 'WAIT_HLR_AUTH' | 'WAIT_AUTH' | 'WAIT_CIPH' | 'WAIT_HLR_UL' | 'WAIT_TMSI_ACK' | 'ACCEPTED' | 'RELEASING';
type E =
  | 'START'
  | 'HLR_AUTH_INFO'
  | 'HLR_UL_RESULT'
  | 'IDENTITY_RESP'
  | 'AUTH_RESP'
  | 'AUTH_FAIL'
  | 'CIPH_COMPL'
  | 'CIPH_REJ'
  | 'TMSI_REALLOC_COMPL'
  | 'CM_SERVICE_REQ'
  | 'RELEASE'
  | 'CONN_GONE';

export interface MmData {
  conn: MmConn;
  core: MmDeps;
  purpose: MmPurpose;
  l3: DtapMessage;
  imsi?: string;
  tmsi?: number;
  lac: number;
  /** VLR slot once registered. */
  slot?: number;
  expectSres?: string;
  kc?: Uint8Array;
  msisdn?: string;
  newTmsi?: number;
  /** Called when the connection is accepted for a service (CM service, paging response). */
  onAccepted?: (fi: MmFsm) => void;
  /** Called when MM ends, however it ends. */
  onEnd?: (fi: MmFsm, cause: string) => void;
}

export type MmFsm = FsmInstance<S, E>;

export interface MmDeps {
  host: TimerHost;
  timers: TimerTable;
  log: FsmLog;
  hlr: HlrAccess;
  vlr: VlrStore;
  cfg: MmConfig;
  /** Counters for status and benchmarks. */
  counters: Record<string, number>;
  /** A subscriber's location update was accepted (it is attached and reachable now). */
  attached?(imsi: string, msisdn: string | undefined): void;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const count = (d: MmData, k: string) => void (d.core.counters[k] = (d.core.counters[k] ?? 0) + 1);

function data(fi: MmFsm): MmData {
  return fi.data as MmData;
}

function mmMsg(type: string, ies: Record<string, unknown> = {}): DtapMessage {
  return { pd: 'mm', type, direction: 'mt', ies } as DtapMessage;
}

/** Ends MM with a LOCATION UPDATING REJECT (or CM SERVICE REJECT) and a clear. */
function reject(fi: MmFsm, cause: number, why: string): void {
  const d = data(fi);
  count(d, `${d.purpose}-rejected`);
  fi.log?.info({ fsm: 'MM', id: fi.id, cause, why }, `${fi.name}{${fi.state}}: reject (cause ${cause}): ${why}`);
  if (d.purpose === 'lu') d.conn.sendDtap(mmMsg('Location Updating Reject', { rejectCause: cause }));
  else if (d.purpose === 'cm-service') d.conn.sendDtap(mmMsg('CM Service Reject', { rejectCause: cause }));
  release(fi, `rejected: ${why}`);
}

function release(fi: MmFsm, why: string): void {
  const d = data(fi);
  if (fi.state === 'RELEASING') return;
  d.conn.clear(CLEAR_CAUSE.CALL_CONTROL);
  fi.stateChg('RELEASING');
  d.onEnd?.(fi, why);
}

/**
 * Asks the HLR. An answer given at once goes straight on; a promise makes MM
 * wait in `wait` (timer X3) until `event` brings the answer. An HLR that
 * throws or rejects is a failure of the network, not of the subscriber.
 */
function askHlr<T>(fi: MmFsm, ask: () => T | Promise<T>, wait: 'WAIT_HLR_AUTH' | 'WAIT_HLR_UL', event: 'HLR_AUTH_INFO' | 'HLR_UL_RESULT', go: (fi: MmFsm, answer: T | HlrFailure) => void): void {
  const failed = (err: unknown): HlrFailure => ({ kind: 'failed', why: `HLR: ${(err as Error)?.message ?? String(err)}` });
  let answer: T | Promise<T>;
  try {
    answer = ask();
  } catch (err) {
    return go(fi, failed(err));
  }
  if (!(answer instanceof Promise)) return go(fi, answer);
  fi.stateChg(wait);
  const deliver = (a: T | HlrFailure) => {
    if (!fi.terminated && fi.state === wait) fi.dispatch(event, a);
  };
  answer.then(deliver, (err: unknown) => deliver(failed(err)));
}

/** The reject for an HLR answer that is not a yes, or undefined for a yes. */
function hlrRefusal(fi: MmFsm, a: AuthInfo | LocationResult): void | true {
  const d = data(fi);
  if (a.kind === 'unknown') return void reject(fi, d.core.cfg.unknownImsiCause, 'IMSI unknown in HLR');
  if (a.kind === 'forbidden') return void reject(fi, d.core.cfg.unknownImsiCause, a.why);
  if (a.kind === 'failed') return void reject(fi, MM_CAUSE.NETWORK_FAILURE, a.why);
  return true;
}

/** After identification: the HLR is asked for a vector (at once, or MM waits in WAIT_HLR_AUTH). */
function identified(fi: MmFsm): void {
  const d = data(fi);
  if (fi.id !== `IMSI-${d.imsi}`) fi.updateId(`IMSI-${d.imsi}`);
  if (d.purpose !== 'lu' && d.core.vlr.slotOf(d.imsi!) < 0) return reject(fi, MM_CAUSE.IMSI_UNKNOWN_IN_VLR, 'not registered in this VLR');
  if (!d.core.cfg.authenticate) return authenticated(fi);
  askHlr<AuthInfo>(fi, () => d.core.hlr.authInfo(d.imsi!), 'WAIT_HLR_AUTH', 'HLR_AUTH_INFO', gotAuthInfo);
}

function gotAuthInfo(fi: MmFsm, info: AuthInfo | HlrFailure): void {
  const d = data(fi);
  if (info.kind === 'none') return authenticated(fi);
  if (info.kind !== 'vector') return void hlrRefusal(fi, info);
  // UMTS authentication (AUTN sent): the MS answers with RES, its first 4 octets in the SRES
  // field and the rest in the extended RES (TS 24.008 §9.2.3); GSM: SRES.
  d.expectSres = info.xres ?? info.sres;
  d.kc = Buffer.from(info.kc, 'hex');
  const ies: Record<string, unknown> = { cksn: 0, spareHalfOctet: 0, rand: info.rand };
  if (info.autn) ies.autn = info.autn;
  d.conn.sendDtap(mmMsg('Authentication Request', ies));
  fi.stateChg('WAIT_AUTH', { timer: 'T3260' });
}

function authenticated(fi: MmFsm): void {
  const d = data(fi);
  if (d.core.cfg.cipher && d.kc) {
    d.conn.sendBssmap('CIPHER MODE COMMAND', { encryptionInformation: { permitted: [1], key: hex(d.kc) } });
    fi.stateChg('WAIT_CIPH', { timer: 'X1' });
    return;
  }
  ciphered(fi);
}

function ciphered(fi: MmFsm): void {
  const d = data(fi);
  if (d.purpose === 'lu') return askHlr<LocationResult>(fi, () => d.core.hlr.updateLocation(d.imsi!), 'WAIT_HLR_UL', 'HLR_UL_RESULT', located);
  // CM service request or paging response: the connection now serves.
  const vlr = d.core.vlr;
  const slot = vlr.slotOf(d.imsi!);
  d.slot = slot;
  vlr.update(slot, { lastSeen: d.core.host.now(), ...(d.kc ? { kc: d.kc, cksn: 0 } : {}) });
  if (d.purpose === 'cm-service') d.conn.sendDtap(mmMsg('CM Service Accept'));
  count(d, `${d.purpose}-accepted`);
  fi.stateChg('ACCEPTED');
  d.onAccepted?.(fi);
}

/** The HLR took the location update: register in the VLR, LU ACCEPT (with a new TMSI). */
function located(fi: MmFsm, ul: LocationResult | HlrFailure): void {
  if (ul.kind !== 'ok') return void hlrRefusal(fi, ul);
  const d = data(fi);
  const now = d.core.host.now();
  const vlr = d.core.vlr;
  const slot = vlr.register(d.imsi!, {
    ...(ul.msisdn ? { msisdn: ul.msisdn } : {}),
    lac: d.lac,
    state: 'attached',
    lastSeen: now,
    luExpiry: now + d.core.timers.ms('T3212'),
    ...(d.kc ? { kc: d.kc, cksn: 0 } : {}),
  });
  d.slot = slot;
  const lai = { mcc: d.core.cfg.mcc, mnc: d.core.cfg.mnc, lac: d.lac };
  if (d.core.cfg.reallocateTmsi) {
    d.newTmsi = vlr.allocateTmsi(slot);
    d.conn.sendDtap(mmMsg('Location Updating Accept', { lai, mobileIdentity: { type: 'tmsi', tmsi: d.newTmsi } }));
    fi.stateChg('WAIT_TMSI_ACK', { timer: 'T3250' });
    return;
  }
  d.conn.sendDtap(mmMsg('Location Updating Accept', { lai }));
  luDone(fi);
}

function luDone(fi: MmFsm): void {
  const d = data(fi);
  count(d, 'lu-accepted');
  fi.log?.info({ fsm: 'MM', id: fi.id, tmsi: d.newTmsi }, `${fi.name}{${fi.state}}: location updating accepted`);
  release(fi, 'location updating done');
  if (d.slot !== undefined && d.slot >= 0) d.core.attached?.(d.imsi!, d.core.vlr.recordAt(d.slot).msisdn);
}

const TIMEOUT_CAUSE: Record<string, string> = {
  X3: 'no answer from the HLR',
  T3270: 'no IDENTITY RESPONSE',
  T3260: 'no AUTHENTICATION RESPONSE',
  X1: 'no CIPHER MODE COMPLETE',
};

export const MM_FSM = new Fsm<S, E>({
  name: 'MM',
  desc: 'network-side mobility management of one RAN connection (TS 24.008 §4)',
  initial: 'NEW',
  events: ['START', 'HLR_AUTH_INFO', 'HLR_UL_RESULT', 'IDENTITY_RESP', 'AUTH_RESP', 'AUTH_FAIL', 'CIPH_COMPL', 'CIPH_REJ', 'TMSI_REALLOC_COMPL', 'CM_SERVICE_REQ', 'RELEASE', 'CONN_GONE'],
  allStateEvents: ['CONN_GONE', 'RELEASE'],
  allStateAction(fi, event) {
    if (event === 'CONN_GONE') return fi.terminate('connection gone');
    if (event === 'RELEASE') release(fi, 'released by call control');
  },
  onTimeout(fi, timer) {
    const d = data(fi);
    count(d, `timeout-${timer}`);
    if (timer === 'T3250') {
      // TS 24.008 §4.3.1.5: without TMSI REALLOCATION COMPLETE, both TMSIs stay usable; the LU itself succeeded.
      fi.log?.info({ fsm: 'MM', id: fi.id }, `${fi.name}{${fi.state}}: no TMSI REALLOCATION COMPLETE; the new TMSI stays pending`);
      luDone(fi);
      return true;
    }
    if (timer === 'X2') return false;
    if (d.purpose === 'lu' || d.purpose === 'cm-service') reject(fi, MM_CAUSE.NETWORK_FAILURE, TIMEOUT_CAUSE[timer] ?? `${timer} expired`);
    else release(fi, `${timer} expired`);
    return true;
  },
  onTerminate(fi, cause) {
    const d = data(fi);
    if (fi.state !== 'RELEASING') d.onEnd?.(fi, String(cause));
  },
  states: {
    NEW: {
      in: ['START'],
      out: ['WAIT_IMSI', 'WAIT_HLR_AUTH', 'WAIT_AUTH', 'WAIT_CIPH', 'WAIT_HLR_UL', 'WAIT_TMSI_ACK', 'ACCEPTED', 'RELEASING'],
      action(fi) {
        const d = data(fi);
        const vlr = d.core.vlr;
        const mi = d.l3.ies.mobileIdentity as MobileIdentity;
        if (mi.type === 'imsi') d.imsi = mi.digits;
        else if (mi.type === 'tmsi') {
          d.tmsi = mi.tmsi;
          const slot = vlr.slotOfTmsi(mi.tmsi);
          if (slot >= 0) d.imsi = vlr.imsiAt(slot);
        } else return reject(fi, MM_CAUSE.PROTOCOL_ERROR, `mobile identity of type ${mi.type}`);
        if (d.purpose === 'detach') {
          const slot = d.imsi ? vlr.slotOf(d.imsi) : -1;
          if (slot >= 0) vlr.detach(slot);
          count(d, 'detach');
          fi.log?.info({ fsm: 'MM', id: fi.id, known: slot >= 0 }, `${fi.name}{${fi.state}}: IMSI detach`);
          return release(fi, 'IMSI detach');
        }
        if (d.imsi) return identified(fi);
        if (d.purpose !== 'lu') return reject(fi, MM_CAUSE.IMSI_UNKNOWN_IN_VLR, 'TMSI unknown in this VLR');
        d.conn.sendDtap(mmMsg('Identity Request', { identityType: 1, spareHalfOctet: 0 }));
        fi.stateChg('WAIT_IMSI', { timer: 'T3270' });
      },
    },
    WAIT_IMSI: {
      in: ['IDENTITY_RESP'],
      out: ['WAIT_HLR_AUTH', 'WAIT_AUTH', 'WAIT_CIPH', 'WAIT_HLR_UL', 'WAIT_TMSI_ACK', 'ACCEPTED', 'RELEASING'],
      timer: 'T3270',
      action(fi, _e, msg) {
        const mi = (msg as DtapMessage).ies.mobileIdentity as MobileIdentity;
        if (mi.type !== 'imsi') return reject(fi, MM_CAUSE.PROTOCOL_ERROR, `IDENTITY RESPONSE with ${mi.type} instead of IMSI`);
        data(fi).imsi = mi.digits;
        identified(fi);
      },
    },
    WAIT_HLR_AUTH: {
      desc: 'waiting for the HLR (SEND AUTH INFO)',
      in: ['HLR_AUTH_INFO'],
      out: ['WAIT_AUTH', 'WAIT_CIPH', 'WAIT_HLR_UL', 'WAIT_TMSI_ACK', 'ACCEPTED', 'RELEASING'],
      timer: 'X3',
      action(fi, _e, info) {
        gotAuthInfo(fi, info as AuthInfo | HlrFailure);
      },
    },
    WAIT_HLR_UL: {
      desc: 'waiting for the HLR (UPDATE LOCATION)',
      in: ['HLR_UL_RESULT'],
      out: ['WAIT_TMSI_ACK', 'RELEASING'],
      timer: 'X3',
      action(fi, _e, r) {
        located(fi, r as LocationResult | HlrFailure);
      },
    },
    WAIT_AUTH: {
      in: ['AUTH_RESP', 'AUTH_FAIL'],
      out: ['WAIT_CIPH', 'WAIT_HLR_UL', 'WAIT_TMSI_ACK', 'ACCEPTED', 'RELEASING'],
      timer: 'T3260',
      action(fi, e, msg) {
        const d = data(fi);
        const ies = e === 'AUTH_RESP' ? (msg as DtapMessage).ies : {};
        const sres = e === 'AUTH_RESP' ? `${String(ies.sres)}${ies.extendedRes ? String(ies.extendedRes) : ''}` : '';
        if (e === 'AUTH_FAIL' || sres.toLowerCase() !== d.expectSres) {
          count(d, 'auth-failed');
          fi.log?.info({ fsm: 'MM', id: fi.id }, `${fi.name}{${fi.state}}: authentication failed (${e === 'AUTH_FAIL' ? 'AUTHENTICATION FAILURE from the MS' : 'SRES mismatch'})`);
          d.conn.sendDtap(mmMsg('Authentication Reject'));
          return release(fi, 'authentication failed');
        }
        authenticated(fi);
      },
    },
    WAIT_CIPH: {
      in: ['CIPH_COMPL', 'CIPH_REJ'],
      out: ['WAIT_HLR_UL', 'WAIT_TMSI_ACK', 'ACCEPTED', 'RELEASING'],
      timer: 'X1',
      action(fi, e) {
        if (e === 'CIPH_REJ') return reject(fi, MM_CAUSE.NETWORK_FAILURE, 'CIPHER MODE REJECT');
        ciphered(fi);
      },
    },
    WAIT_TMSI_ACK: {
      in: ['TMSI_REALLOC_COMPL'],
      out: ['RELEASING'],
      timer: 'T3250',
      action(fi) {
        const d = data(fi);
        d.core.vlr.confirmTmsi(d.slot!);
        luDone(fi);
      },
    },
    ACCEPTED: {
      in: ['CM_SERVICE_REQ'],
      out: ['RELEASING'],
      action(fi) {
        // A further CM service request on a connection already accepted: accept at once.
        data(fi).conn.sendDtap(mmMsg('CM Service Accept'));
      },
    },
    RELEASING: {
      in: [],
      out: [],
      timer: 'X2',
    },
  },
});

/** DTAP and BSSMAP that MM consumes, as its events. */
export function mmEventFor(dtap: DtapMessage): E | undefined {
  switch (dtap.type) {
    case 'Identity Response':
      return 'IDENTITY_RESP';
    case 'Authentication Response':
      return 'AUTH_RESP';
    case 'Authentication Failure':
      return 'AUTH_FAIL';
    case 'TMSI Reallocation Complete':
      return 'TMSI_REALLOC_COMPL';
    case 'CM Service Request':
      return 'CM_SERVICE_REQ';
    default:
      return undefined;
  }
}
