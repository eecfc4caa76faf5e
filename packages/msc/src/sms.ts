import { Fsm, type FsmInstance, type FsmLog, type TimerHost, type TimerTable } from '@snaptel/fsm';
import type { Dtap, DtapMessage, RpMessage, UnknownRp } from '@snaptel/gsm48';
import type { Address, Timestamp, Tpdu } from '@snaptel/sms';

/**
 * Short messages on the network side of TS 24.011: per transaction (TI) one
 * SMC machine (CM sublayer: CP-DATA / CP-ACK / CP-ERROR, TC1* with two
 * repeats) and one SMR machine (relay: RP-DATA / RP-ACK / RP-ERROR /
 * RP-SMMA, TR1N and TR2N). Mobile originated: the SMS-SUBMIT goes to an
 * `SmsRouter`, its answer back as RP-ACK or RP-ERROR. Mobile terminated:
 * `MscCore.deliverSms` pages when needed and resolves with the outcome.
 *
 * Both machines of a transaction share one `SmsTrans`; the SMR talks to the
 * SMC through events (MNSMS primitives), the SMC to the connection.
 */

/** RP causes, TS 24.011 §8.2.5.4 table 8.4. */
export const RP_CAUSE = {
  UNASSIGNED_NUMBER: 1,
  OPERATOR_DETERMINED_BARRING: 8,
  CALL_BARRED: 10,
  SM_TRANSFER_REJECTED: 21,
  MEMORY_CAPACITY_EXCEEDED: 22,
  DESTINATION_OUT_OF_ORDER: 27,
  UNIDENTIFIED_SUBSCRIBER: 28,
  FACILITY_REJECTED: 29,
  UNKNOWN_SUBSCRIBER: 30,
  NETWORK_OUT_OF_ORDER: 38,
  TEMPORARY_FAILURE: 41,
  CONGESTION: 42,
  RESOURCES_UNAVAILABLE: 47,
  FACILITY_NOT_SUBSCRIBED: 50,
  FACILITY_NOT_IMPLEMENTED: 69,
  INVALID_SM_TRANSFER_REF: 81,
  SEMANTICALLY_INCORRECT: 95,
  INVALID_MANDATORY_INFO: 96,
  MSG_TYPE_NONEXISTENT: 97,
  MSG_NOT_COMPATIBLE: 98,
  IE_NONEXISTENT: 99,
  PROTOCOL_ERROR: 111,
  INTERWORKING: 127,
} as const;

/** CP causes, TS 24.011 §8.1.4.2 table 8.2. */
export const CP_CAUSE = {
  NETWORK_FAILURE: 17,
  CONGESTION: 22,
  INVALID_TI: 81,
  SEMANTICALLY_INCORRECT: 95,
  INVALID_MANDATORY_INFO: 96,
  MSG_TYPE_NONEXISTENT: 97,
  MSG_NOT_COMPATIBLE: 98,
  IE_NONEXISTENT: 99,
  PROTOCOL_ERROR: 111,
} as const;

/** The subscriber an SMS comes from. */
export interface SmsParty {
  imsi: string;
  msisdn?: string;
}

/** What a router gets for a mobile-originated SMS. */
export interface SmsSubmission {
  /** The decoded SMS-SUBMIT (DA, MR, PID, DCS, VP, UDHI, SRR, user data with `raw`). */
  tpdu: Tpdu;
  /** RP destination address: the service centre the phone addressed. */
  scAddress?: string;
  /** RP message reference. */
  rpMr: number;
  /** When the MSC got it (ms since the epoch). */
  receivedAt: number;
}

export type SubmitResult = { ok: true; ref?: string | number } | { ok: false; rpCause: number };

/** Where mobile-originated SMS go (the local router, a store-and-forward queue, an SMPP link). */
export interface SmsRouter {
  submit(from: SmsParty, sms: SmsSubmission): SubmitResult | Promise<SubmitResult>;
  /** RP-SMMA: the phone has memory again. */
  onSmma?(imsi: string): void;
  /** A location update was accepted: the subscriber is reachable (again). */
  onAttach?(imsi: string, msisdn: string | undefined): void;
}

/** A mobile-terminated SMS: an SMS-DELIVER or SMS-STATUS-REPORT TPDU, and the SC address for RP-OA. */
export interface MtSms {
  tpdu: Tpdu;
  /** RP originator address (digits); default the router's or '0'. */
  scAddress?: string;
}

export type MtFailure = 'unknown' | 'detached' | 'no-paging-response' | 'rp-error' | 'cp-error' | 'timeout' | 'connection-lost' | 'no-ti';
export type MtResult = { ok: true } | { ok: false; reason: MtFailure; rpCause?: number; cpCause?: number };

/** What an SMS transaction needs from a RAN connection. */
export interface SmsConn {
  readonly name: string;
  sendDtap(dtap: Dtap): void;
}

/** What the transactions need from the core. */
export interface SmsHost {
  now(): number;
  router(): SmsRouter | undefined;
  /** Page for an MT transaction; it gets MM_READY or PAGING_FAIL. */
  page(t: SmsTrans): void;
  /** The transaction ended: it leaves its connection (released when idle). */
  done(t: SmsTrans): void;
  log: FsmLog;
  counters: Record<string, number>;
}

type SmcState = 'IDLE' | 'MM_CONN_PENDING' | 'WAIT_CP_ACK' | 'MM_CONN_ESTABLISHED';
type SmcEvent = 'CP_DATA' | 'CP_ACK' | 'CP_ERROR' | 'EST_REQ' | 'MM_READY' | 'PAGING_FAIL' | 'DATA_REQ' | 'REL_REQ' | 'ABORT_REQ' | 'CONN_GONE';
type SmrState = 'IDLE' | 'WAIT_CONN' | 'WAIT_FOR_RP_ACK' | 'WAIT_TO_TX_RP_ACK';
type SmrEvent = 'RP_IN' | 'MT_DATA' | 'SENT' | 'SUBMIT_RESULT' | 'ERROR_IND';

export type SmcFsm = FsmInstance<SmcState, SmcEvent>;
export type SmrFsm = FsmInstance<SmrState, SmrEvent>;

/** One SMS transaction: both machines, its TI and connection, and the MT outcome. */
export interface SmsTrans {
  host: SmsHost;
  imsi: string;
  msisdn?: string;
  /** 'ms' when the phone allocated the TI (MO), 'net' when the MSC did (MT). */
  origin: 'ms' | 'net';
  ti: number;
  conn?: SmsConn;
  smc: SmcFsm;
  smr: SmrFsm;
  /** The RP message the SMC sends or repeats. */
  cpData?: RpMessage;
  repeats: number;
  /** REL_REQ came while a CP-ACK was awaited. */
  releasePending?: boolean;
  /** MT: RP-DATA to send, and where the outcome goes. */
  mt?: { rp: RpMessage; resolve(r: MtResult): void; settled: boolean };
  /** MO: the RP-MR of the RP-DATA being answered. */
  moMr?: number;
}

const smcT = (fi: SmcFsm) => fi.data as SmsTrans;
const smrT = (fi: SmrFsm) => fi.data as SmsTrans;
const count = (t: SmsTrans, k: string) => void (t.host.counters[k] = (t.host.counters[k] ?? 0) + 1);

function cp(t: SmsTrans, type: 'CP-DATA' | 'CP-ACK' | 'CP-ERROR', ies: Record<string, unknown> = {}): DtapMessage {
  // The TI flag of what the network sends is 1 when the phone allocated the TI.
  return { pd: 'sms', type, direction: 'mt', tiFlag: t.origin === 'ms' ? 1 : 0, ti: t.ti, ies } as DtapMessage;
}

function sendCp(t: SmsTrans, type: 'CP-DATA' | 'CP-ACK' | 'CP-ERROR', ies: Record<string, unknown> = {}): void {
  t.conn?.sendDtap(cp(t, type, ies));
}

export function rpAck(mr: number): RpMessage {
  return { type: 'RP-ACK', direction: 'mt', mr };
}

export function rpError(mr: number, cause: number): RpMessage {
  return { type: 'RP-ERROR', direction: 'mt', mr, cause: { value: cause } };
}

function settle(t: SmsTrans, r: MtResult): void {
  if (!t.mt || t.mt.settled) return;
  t.mt.settled = true;
  t.smr.log?.info({ fsm: 'SMR', id: t.smr.id, ...r }, `${t.smr.name}{${t.smr.state}}: MT SMS ${r.ok ? 'delivered' : `not delivered (${r.reason}${r.rpCause !== undefined ? `, RP cause ${r.rpCause}` : ''}${r.cpCause !== undefined ? `, CP cause ${r.cpCause}` : ''})`}`);
  count(t, r.ok ? 'sms-mt-delivered' : `sms-mt-failed-${r.reason}`);
  t.mt.resolve(r);
}

function cpSend(fi: SmcFsm, rp: RpMessage): void {
  const t = smcT(fi);
  t.cpData = rp;
  t.repeats = 0;
  sendCp(t, 'CP-DATA', { rpdu: rp });
  fi.stateChg('WAIT_CP_ACK', { timer: 'TC1*' });
}

/** The SMC is done: its SMR too, and the transaction leaves the connection. */
function smcRelease(fi: SmcFsm, why: string): void {
  fi.terminate(why);
}

export const SMC_FSM = new Fsm<SmcState, SmcEvent>({
  name: 'SMC',
  desc: 'network-side SMS CM sublayer of one transaction (TS 24.011 §5)',
  initial: 'IDLE',
  events: ['CP_DATA', 'CP_ACK', 'CP_ERROR', 'EST_REQ', 'MM_READY', 'PAGING_FAIL', 'DATA_REQ', 'REL_REQ', 'ABORT_REQ', 'CONN_GONE'],
  allStateEvents: ['CP_ERROR', 'ABORT_REQ', 'CONN_GONE', 'REL_REQ'],
  allStateAction(fi, e, data) {
    const t = smcT(fi);
    switch (e) {
      case 'CP_ERROR': {
        const cause = Number((data as DtapMessage).ies.cpCause);
        if (!t.smr.terminated) t.smr.dispatch('ERROR_IND', { reason: 'cp-error', cpCause: cause });
        return smcRelease(fi, `CP-ERROR ${cause} from the MS`);
      }
      case 'ABORT_REQ':
        sendCp(t, 'CP-ERROR', { cpCause: data as number });
        return smcRelease(fi, `aborted (CP cause ${data as number})`);
      case 'CONN_GONE':
        if (!t.smr.terminated) t.smr.dispatch('ERROR_IND', { reason: 'connection-lost' });
        return smcRelease(fi, 'connection lost');
      case 'REL_REQ':
        if (fi.state === 'WAIT_CP_ACK') {
          t.releasePending = true;
          return;
        }
        return smcRelease(fi, 'released');
    }
  },
  onTimeout(fi, timer) {
    const t = smcT(fi);
    count(t, `timeout-${timer}`);
    if (timer === 'TC1*') {
      if (t.repeats < 2 && t.cpData) {
        t.repeats++;
        fi.log?.info({ fsm: 'SMC', id: fi.id, repeat: t.repeats }, `${fi.name}{${fi.state}}: TC1* expired; CP-DATA repeated (${t.repeats} of 2)`);
        sendCp(t, 'CP-DATA', { rpdu: t.cpData });
        fi.stateChg('WAIT_CP_ACK', { timer: 'TC1*' });
        return true;
      }
      // §5.3.2.1: after the last repeat the MM connection is given up, and the SMR told.
      fi.log?.info({ fsm: 'SMC', id: fi.id }, `${fi.name}{${fi.state}}: no CP-ACK after 2 repeats; given up`);
      if (!t.smr.terminated) t.smr.dispatch('ERROR_IND', { reason: 'timeout' });
      smcRelease(fi, 'no CP-ACK');
      return true;
    }
    if (timer === 'T3113') {
      if (!t.smr.terminated) t.smr.dispatch('ERROR_IND', { reason: 'no-paging-response' });
      smcRelease(fi, 'paging failed');
      return true;
    }
    return false;
  },
  onTerminate(fi) {
    const t = smcT(fi);
    if (!t.smr.terminated) t.smr.terminate('SMC released');
    t.host.done(t);
  },
  states: {
    IDLE: {
      desc: 'MM connection not established',
      in: ['CP_DATA', 'EST_REQ'],
      out: ['MM_CONN_PENDING', 'MM_CONN_ESTABLISHED', 'WAIT_CP_ACK'],
      action(fi, e, data) {
        const t = smcT(fi);
        if (e === 'CP_DATA') {
          // MO: the CP-DATA establishes the transaction.
          sendCp(t, 'CP-ACK');
          fi.stateChg('MM_CONN_ESTABLISHED');
          return t.smr.dispatch('RP_IN', (data as DtapMessage).ies.rpdu);
        }
        // MT: MNSMS-EST-REQ with the RP-DATA.
        t.cpData = data as RpMessage;
        if (t.conn) return mmReady(fi);
        fi.stateChg('MM_CONN_PENDING', { timer: 'T3113' });
        t.host.page(t);
      },
    },
    MM_CONN_PENDING: {
      desc: 'MT: paging the subscriber',
      in: ['MM_READY', 'PAGING_FAIL'],
      out: ['WAIT_CP_ACK'],
      timer: 'T3113',
      action(fi, e, data) {
        const t = smcT(fi);
        if (e === 'PAGING_FAIL') {
          if (!t.smr.terminated) t.smr.dispatch('ERROR_IND', { reason: 'no-paging-response' });
          return smcRelease(fi, 'paging failed');
        }
        t.conn = data as SmsConn;
        mmReady(fi);
      },
    },
    WAIT_CP_ACK: {
      desc: 'CP-DATA sent, TC1* running',
      in: ['CP_ACK', 'CP_DATA'],
      out: ['WAIT_CP_ACK', 'MM_CONN_ESTABLISHED'],
      timer: 'TC1*',
      action(fi, e, data) {
        const t = smcT(fi);
        t.cpData = undefined;
        fi.stateChg('MM_CONN_ESTABLISHED');
        if (e === 'CP_DATA') {
          // §5.3.2.1: a CP-DATA in this state also acknowledges ours.
          fi.log?.info({ fsm: 'SMC', id: fi.id }, `${fi.name}{${fi.state}}: CP-DATA taken as CP-ACK`);
          sendCp(t, 'CP-ACK');
          if (!t.smr.terminated) t.smr.dispatch('RP_IN', (data as DtapMessage).ies.rpdu);
          return;
        }
        if (t.releasePending) return smcRelease(fi, 'released');
        if (!t.smr.terminated && t.smr.state === 'WAIT_CONN') t.smr.dispatch('SENT');
      },
    },
    MM_CONN_ESTABLISHED: {
      desc: 'MM connection established',
      in: ['CP_DATA', 'DATA_REQ', 'CP_ACK'],
      out: ['WAIT_CP_ACK'],
      action(fi, e, data) {
        const t = smcT(fi);
        if (e === 'CP_ACK') return; // a repeated one: nothing to do
        if (e === 'DATA_REQ') return cpSend(fi, data as RpMessage);
        sendCp(t, 'CP-ACK');
        if (!t.smr.terminated) t.smr.dispatch('RP_IN', (data as DtapMessage).ies.rpdu);
      },
    },
  },
});

function mmReady(fi: SmcFsm): void {
  const t = smcT(fi);
  const rp = t.cpData!;
  cpSend(fi, rp);
}

const TPDU_OK = (rp: RpMessage): { tpdu?: Tpdu; cause?: number } => {
  const u = rp.userData;
  if (!u || u.type === 'reserved') return { cause: RP_CAUSE.INVALID_MANDATORY_INFO };
  if (u.type === 'SMS-COMMAND') return { cause: RP_CAUSE.FACILITY_NOT_IMPLEMENTED };
  if (u.type !== 'SMS-SUBMIT') return { cause: RP_CAUSE.SEMANTICALLY_INCORRECT };
  if (!u.da || (!u.da.digits && u.da.ton !== 'alphanumeric')) return { cause: RP_CAUSE.INVALID_MANDATORY_INFO };
  return { tpdu: u };
};

/** Answers an RP message the SMR cannot take, and releases. */
function rpRefuse(fi: SmrFsm, mr: number, cause: number, why: string): void {
  const t = smrT(fi);
  count(t, `sms-rp-error-${cause}`);
  fi.log?.info({ fsm: 'SMR', id: fi.id, cause, why }, `${fi.name}{${fi.state}}: RP-ERROR cause ${cause}: ${why}`);
  t.smc.dispatch('DATA_REQ', rpError(mr, cause));
}

export const SMR_FSM = new Fsm<SmrState, SmrEvent>({
  name: 'SMR',
  desc: 'network-side short message relay of one transaction (TS 24.011 §6)',
  initial: 'IDLE',
  events: ['RP_IN', 'MT_DATA', 'SENT', 'SUBMIT_RESULT', 'ERROR_IND'],
  allStateEvents: ['ERROR_IND'],
  allStateAction(fi, _e, data) {
    const t = smrT(fi);
    const err = data as { reason: MtFailure; cpCause?: number };
    settle(t, { ok: false, reason: err.reason, ...(err.cpCause !== undefined ? { cpCause: err.cpCause } : {}) });
    fi.terminate(err.reason);
  },
  onTimeout(fi, timer) {
    const t = smrT(fi);
    count(t, `timeout-${timer}`);
    if (timer === 'TR1N') {
      // §6.2.2: no RP-ACK: the SM-TL is told, the SMC aborts.
      settle(t, { ok: false, reason: 'timeout' });
      if (!t.smc.terminated) t.smc.dispatch('ABORT_REQ', CP_CAUSE.PROTOCOL_ERROR);
      return false;
    }
    if (timer === 'TR2N') {
      // No answer from the router in time: a temporary failure the phone may retry.
      fi.log?.info({ fsm: 'SMR', id: fi.id }, `${fi.name}{${fi.state}}: no answer from the router; RP-ERROR 41`);
      if (!t.smc.terminated) {
        t.smc.dispatch('DATA_REQ', rpError(t.moMr ?? 0, RP_CAUSE.TEMPORARY_FAILURE));
        t.smc.dispatch('REL_REQ');
      }
      return false;
    }
    return false;
  },
  states: {
    IDLE: {
      in: ['RP_IN', 'MT_DATA'],
      out: ['WAIT_CONN', 'WAIT_TO_TX_RP_ACK'],
      action(fi, e, data) {
        const t = smrT(fi);
        if (e === 'MT_DATA') {
          fi.stateChg('WAIT_CONN');
          return t.smc.dispatch('EST_REQ', data);
        }
        const rp = data as RpMessage | UnknownRp;
        if (rp.type === 'unknown') {
          const raw = Buffer.from(rp.raw, 'hex');
          rpRefuse(fi, raw[1] ?? 0, RP_CAUSE.MSG_TYPE_NONEXISTENT, 'RP-MTI not defined');
          return t.smc.dispatch('REL_REQ');
        }
        if (rp.direction !== 'mo') {
          rpRefuse(fi, rp.mr, RP_CAUSE.MSG_TYPE_NONEXISTENT, `${rp.type} in the network-to-MS direction`);
          return t.smc.dispatch('REL_REQ');
        }
        if (rp.type === 'RP-SMMA') {
          count(t, 'sms-smma');
          fi.log?.info({ fsm: 'SMR', id: fi.id }, `${fi.name}{${fi.state}}: RP-SMMA: IMSI-${t.imsi} has memory again`);
          t.host.router()?.onSmma?.(t.imsi);
          t.smc.dispatch('DATA_REQ', rpAck(rp.mr));
          return t.smc.dispatch('REL_REQ');
        }
        if (rp.type !== 'RP-DATA') {
          rpRefuse(fi, rp.mr, RP_CAUSE.MSG_NOT_COMPATIBLE, `${rp.type} with no RP-DATA outstanding`);
          return t.smc.dispatch('REL_REQ');
        }
        const check = TPDU_OK(rp);
        if (!check.tpdu) {
          const what = rp.userData?.type ?? 'no TPDU';
          rpRefuse(fi, rp.mr, check.cause!, `RP-DATA carrying ${what}`);
          return t.smc.dispatch('REL_REQ');
        }
        const router = t.host.router();
        if (!router) {
          rpRefuse(fi, rp.mr, RP_CAUSE.NETWORK_OUT_OF_ORDER, 'no SMS router');
          return t.smc.dispatch('REL_REQ');
        }
        t.moMr = rp.mr;
        count(t, 'sms-mo');
        fi.stateChg('WAIT_TO_TX_RP_ACK', { timer: 'TR2N' });
        const sc = rp.destination && 'digits' in rp.destination ? rp.destination.digits : undefined;
        const sub: SmsSubmission = { tpdu: check.tpdu, rpMr: rp.mr, receivedAt: t.host.now(), ...(sc ? { scAddress: sc } : {}) };
        const from: SmsParty = { imsi: t.imsi, ...(t.msisdn ? { msisdn: t.msisdn } : {}) };
        const deliver = (r: SubmitResult) => {
          if (!fi.terminated && fi.state === 'WAIT_TO_TX_RP_ACK') fi.dispatch('SUBMIT_RESULT', r);
        };
        let r: SubmitResult | Promise<SubmitResult>;
        try {
          r = router.submit(from, sub);
        } catch {
          r = { ok: false, rpCause: RP_CAUSE.NETWORK_OUT_OF_ORDER };
        }
        if (r instanceof Promise) r.then(deliver, () => deliver({ ok: false, rpCause: RP_CAUSE.NETWORK_OUT_OF_ORDER }));
        else deliver(r);
      },
    },
    WAIT_CONN: {
      desc: 'MT: RP-DATA given to the SMC, not yet acknowledged by CP-ACK',
      in: ['SENT', 'RP_IN'],
      out: ['WAIT_FOR_RP_ACK'],
      action(fi, e, data) {
        fi.stateChg('WAIT_FOR_RP_ACK', { timer: 'TR1N' });
        if (e === 'RP_IN') fi.dispatch('RP_IN', data);
      },
    },
    WAIT_FOR_RP_ACK: {
      desc: 'MT: RP-DATA sent, TR1N running',
      in: ['RP_IN'],
      out: [],
      timer: 'TR1N',
      action(fi, _e, data) {
        const t = smrT(fi);
        const rp = data as RpMessage | UnknownRp;
        const mr = t.mt!.rp.mr;
        if (rp.type === 'unknown' || rp.direction !== 'mo' || (rp.type !== 'RP-ACK' && rp.type !== 'RP-ERROR')) {
          // Not an answer: refused, TR1N keeps running.
          const m = rp.type === 'unknown' ? (Buffer.from(rp.raw, 'hex')[1] ?? 0) : rp.mr;
          return rpRefuse(fi, m, rp.type === 'unknown' || rp.direction !== 'mo' ? RP_CAUSE.MSG_TYPE_NONEXISTENT : RP_CAUSE.MSG_NOT_COMPATIBLE, `${rp.type} while an RP-ACK is awaited`);
        }
        if (rp.mr !== mr) return rpRefuse(fi, rp.mr, RP_CAUSE.INVALID_SM_TRANSFER_REF, `${rp.type} for RP-MR ${rp.mr}, not ${mr}`);
        if (rp.type === 'RP-ACK') settle(t, { ok: true });
        else {
          const cause = rp.cause?.value ?? RP_CAUSE.PROTOCOL_ERROR;
          fi.log?.info({ fsm: 'SMR', id: fi.id, cause }, `${fi.name}{${fi.state}}: RP-ERROR cause ${cause} from the MS`);
          settle(t, { ok: false, reason: 'rp-error', rpCause: cause });
        }
        fi.terminate('done');
        if (!t.smc.terminated) t.smc.dispatch('REL_REQ');
      },
    },
    WAIT_TO_TX_RP_ACK: {
      desc: 'MO: RP-DATA given to the router, TR2N running',
      in: ['SUBMIT_RESULT'],
      out: [],
      timer: 'TR2N',
      action(fi, _e, data) {
        const t = smrT(fi);
        const r = data as SubmitResult;
        const mr = t.moMr ?? 0;
        if (r.ok) {
          count(t, 'sms-mo-accepted');
          t.smc.dispatch('DATA_REQ', rpAck(mr));
        } else rpRefuse(fi, mr, r.rpCause, 'refused by the router');
        fi.terminate('done');
        if (!t.smc.terminated) t.smc.dispatch('REL_REQ');
      },
    },
  },
});

/** A new transaction's two machines. */
export function newTrans(opts: {
  host: SmsHost;
  fsmHost: TimerHost;
  timers: TimerTable;
  log?: FsmLog;
  id: string;
  imsi: string;
  msisdn?: string;
  origin: 'ms' | 'net';
  ti: number;
  conn?: SmsConn;
}): SmsTrans {
  const t = { host: opts.host, imsi: opts.imsi, origin: opts.origin, ti: opts.ti, repeats: 0 } as SmsTrans;
  if (opts.msisdn) t.msisdn = opts.msisdn;
  if (opts.conn) t.conn = opts.conn;
  const base = { host: opts.fsmHost, timers: opts.timers, ...(opts.log ? { log: opts.log } : {}), data: t };
  t.smc = SMC_FSM.create({ id: opts.id, ...base });
  t.smr = SMR_FSM.create({ id: opts.id, ...base });
  return t;
}

/** The SMC event for a CP message from the phone. */
export function smcEventFor(dtap: DtapMessage): SmcEvent | undefined {
  return dtap.type === 'CP-DATA' ? 'CP_DATA' : dtap.type === 'CP-ACK' ? 'CP_ACK' : dtap.type === 'CP-ERROR' ? 'CP_ERROR' : undefined;
}

// ---- TPDU mapping ----

/** TP-SCTS / TP-DT for a wall-clock time, in UTC (time zone 0). */
export function timestampOf(ms: number): Timestamp {
  const d = new Date(ms);
  return { year: d.getUTCFullYear() % 100, month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), tz: 0 };
}

function numberAddress(digits: string): Address {
  return { ton: 'international', npi: 1, digits };
}

/**
 * SMS-SUBMIT to SMS-DELIVER (TS 23.040 §9.2.2.1/2): the originator from the
 * sender's MSISDN, SCTS the time the MSC took it; TP-PID, TP-DCS, TP-UDHI
 * and the user data octets unchanged (so 7-bit, UCS2, 8-bit and
 * concatenation headers pass as they came); status report indication as
 * TP-SRR asked.
 */
export function submitToDeliver(submit: Tpdu, originator: string, scts: number): Tpdu {
  const out: Tpdu = {
    type: 'SMS-DELIVER',
    mms: true,
    rp: false,
    udhi: submit.udhi ?? false,
    sri: submit.srr ?? false,
    oa: numberAddress(originator),
    pid: submit.pid ?? 0,
    dcs: submit.dcs ?? { value: 0 },
    scts: timestampOf(scts),
    ud: submit.ud ?? { length: 0, raw: '' },
  };
  return out;
}

/** TP-ST values used (TS 23.040 §9.2.3.15). */
export const TP_STATUS = { RECEIVED: 0x00, REMOTE_PROCEDURE_ERROR: 0x40, NO_RESPONSE_FROM_SME: 0x62, ERROR_IN_SME: 0x65 } as const;

/** The SMS-STATUS-REPORT for a submit whose delivery ended with `status`. */
export function statusReport(submit: Tpdu, scts: number, discharge: number, status: number): Tpdu {
  return {
    type: 'SMS-STATUS-REPORT',
    mms: true,
    srq: false,
    udhi: false,
    mr: submit.mr ?? 0,
    ra: submit.da ?? numberAddress(''),
    scts: timestampOf(scts),
    dt: timestampOf(discharge),
    st: status,
  };
}

/** What the local router needs from the core. */
export interface LocalRouterHost {
  lookupMsisdn(msisdn: string): { imsi: string; msisdn?: string; attached: boolean } | undefined;
  deliverSms(to: { imsi: string } | { msisdn: string }, sms: MtSms): Promise<MtResult>;
  readonly deps: { host: TimerHost; log: FsmLog };
}

/**
 * The built-in router: an SMS to a subscriber of this MSC is delivered at
 * once (no store-and-forward): RP-ACK to the sender when the recipient is
 * attached, RP-ERROR 1 for a number no subscriber has, 27 (destination out
 * of order) for one not attached. A status report goes back when asked.
 */
export class LocalSmsRouter implements SmsRouter {
  private seq = 0;
  /** Outcomes of the MT deliveries started, by ref (tests and status). */
  readonly outcomes = new Map<number, Promise<MtResult>>();
  smma: string[] = [];

  constructor(
    private readonly core: LocalRouterHost,
    private readonly opts: { scAddress?: string } = {},
  ) {}

  submit(from: SmsParty, sms: SmsSubmission): SubmitResult {
    const da = sms.tpdu.da?.digits ?? '';
    const dest = da ? this.core.lookupMsisdn(da) : undefined;
    if (!dest) {
      this.core.deps.log.info({ da }, `SMS: ${da || '(no number)'} is no subscriber; RP cause 1`);
      return { ok: false, rpCause: RP_CAUSE.UNASSIGNED_NUMBER };
    }
    if (!dest.attached) {
      this.core.deps.log.info({ da }, `SMS: ${da} is not attached; RP cause 27`);
      return { ok: false, rpCause: RP_CAUSE.DESTINATION_OUT_OF_ORDER };
    }
    const ref = ++this.seq;
    const sc = this.opts.scAddress ?? '0';
    const deliver = submitToDeliver(sms.tpdu, from.msisdn ?? from.imsi, sms.receivedAt);
    const p = this.core.deliverSms({ imsi: dest.imsi }, { tpdu: deliver, scAddress: sc });
    this.outcomes.set(ref, p);
    if (sms.tpdu.srr) {
      void p.then((r) => {
        const st = r.ok ? TP_STATUS.RECEIVED : r.reason === 'rp-error' ? TP_STATUS.ERROR_IN_SME : TP_STATUS.NO_RESPONSE_FROM_SME;
        this.core.deps.log.info({ ref, st }, `SMS ${ref}: status report to ${from.msisdn ?? from.imsi} (TP-ST 0x${st.toString(16).padStart(2, '0')})`);
        return this.core.deliverSms({ imsi: from.imsi }, { tpdu: statusReport(sms.tpdu, sms.receivedAt, this.core.deps.host.now(), st), scAddress: sc });
      });
    }
    return { ok: true, ref };
  }

  onSmma(imsi: string): void {
    this.smma.push(imsi);
  }
}
