import type { FsmLog, TimerHost, TimerTable } from '@snaptel/fsm';
import { decode, describeDcs, encode, gsm7Septets, type Address, type Tpdu, type TypeOfNumber, TYPE_OF_NUMBER, type UdhElement, type UserData } from '@snaptel/sms';
import { SmsStore, type Destination, type SmsAddress, type SmsInput, type SmsReport, type StoredMessage } from '@snaptel/sms-store';
import { STATUS, type DeliverMessage, type DeliverResult, type SubmitAnswer, type SubmitRequest } from '@snaptel/smpp-server';
import { toHex } from '@snaptel/codec';
import { RP_CAUSE, statusReport, timestampOf, type MtResult, type MtSms, type SmsParty, type SmsRouter, type SmsSubmission, type SubmitResult } from './sms';

/**
 * The MSC's SMSC function: store and forward. Every short message the MSC
 * accepts (a phone's SMS-SUBMIT, an ESME's submit_sm or data_sm) goes into
 * the `SmsStore` first and is acknowledged only then (RP-ACK,
 * submit_sm_resp), so that an accepted message is never lost: the store is
 * the MSC's durable state across snapshots, resumes and crashes.
 *
 * Delivery: to a phone by MSISDN (paging, CP/RP through `deliverSms`), one
 * message at a time per phone, in submission order; to an ESME by system id
 * as deliver_sm, up to `esmeWindow` at a time. A destination is tried when
 * the store says its messages are due (at once, after a retry delay, after
 * an import), when the phone attaches (location update), when it has memory
 * again (RP-SMMA), when an ESME binds, and after each success.
 *
 * Reports: when the submitter asked for one, the outcome (delivered,
 * expired, failed) goes back as a message of its own through the same store:
 * an SMS-STATUS-REPORT to the phone, a delivery receipt (deliver_sm, esm_class
 * 0x04) to the ESME. So reports survive snapshots as messages do.
 */

/** Where mobile-originated SMS to numbers no subscriber has go: the longest matching prefix wins; '' matches every number. */
export interface SmsRoute {
  prefix: string;
  esme: string;
}

export interface SmscConfig {
  /** The SC address put in RP-OA of mobile-terminated SMS (default '0'). */
  scAddress?: string;
  routes?: SmsRoute[];
  /** deliver_sm outstanding per ESME (default 10). */
  esmeWindow?: number;
  /** A message fails for good after this many temporary failures (0: only its validity period ends it). */
  maxAttempts?: number;
}

/** What the SMSC needs from the MSC core. */
export interface SmscCore {
  lookupMsisdn(msisdn: string): { imsi: string; msisdn?: string; attached: boolean } | undefined;
  deliverSms(to: { imsi: string } | { msisdn: string }, sms: MtSms): Promise<MtResult>;
}

/** What the SMSC needs from the SMPP server (an `SmppServer`). */
export interface EsmeGateway {
  bound(systemId: string): boolean;
  deliver(systemId: string, msg: DeliverMessage): Promise<DeliverResult>;
}

export interface SmscDeps {
  core: SmscCore;
  host: TimerHost;
  /** A table holding SMS_STORE_TIMERS (the MSC's own). */
  timers: TimerTable;
  log: FsmLog;
  /** The IMSI's MSISDN (from the VLR or HLR), to find the phone an SMMA or attach is about. */
  msisdnOf(imsi: string): string | undefined;
}

/** TP-ST values (TS 23.040 §9.2.3.15) a report carries. */
export const REPORT_STATUS = { DELIVERED: 0x00, NOT_OBTAINABLE: 0x43, VALIDITY_EXPIRED: 0x46, REMOTE_PROCEDURE_ERROR: 0x40 } as const;

/** ESME_RX_P_APPNACK: the ESME refuses the message for good (SMPP 3.4 §5.1.3). */
const ESME_RX_P_APPNACK = 0x65;

/** The body of a report record in the store. */
interface ReportBody {
  /** delivered | expired | failed */
  o: SmsReport['outcome'];
  /** when it ended */
  at: number;
  /** when the reported message was submitted */
  sub: number;
  /** the cause of the failure, if any */
  c: number | null;
  /** the recipient the reported message was for (TP-RA) */
  ra: string;
  /** TP-MR of the reported SMS-SUBMIT (to a phone) */
  mr?: number;
  /** the SMPP message id (to an ESME) */
  id?: string;
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();
const keyOf = (d: Destination) => (d.kind === 'ms' ? `ms:${d.msisdn}` : `esme:${d.systemId}`);

/** TS 23.040 address from TON/NPI/digits (alphanumeric: TON 5 and text). */
function tpAddress(a: SmsAddress): Address {
  const ton = (TYPE_OF_NUMBER[a.ton] ?? 'unknown') as TypeOfNumber;
  if (ton === 'alphanumeric') return { ton, npi: a.npi, text: a.address };
  return { ton, npi: a.npi, digits: a.address.replace(/^\+/, '') };
}

function tpTon(a: Address | undefined): number {
  const i = a ? TYPE_OF_NUMBER.indexOf(a.ton) : 0;
  return i < 0 ? 0 : i;
}

/**
 * The TP-UD octets and TP-UDL for user data given as header + text/body:
 * encoded through an SMS-DELIVER with the codec, so 7-bit packing and the
 * fill bits after a header are the codec's.
 */
export function tpUserData(dcs: number, udhi: boolean, ud: UserData): { ud: Uint8Array; udl: number } {
  const bytes = encode({ type: 'SMS-DELIVER', mms: true, rp: false, udhi, sri: false, oa: { ton: 'unknown', npi: 1, digits: '0' }, pid: 0, dcs: { value: dcs }, scts: timestampOf(0), ud } as Tpdu);
  const back = decode(bytes, 'mt') as Tpdu;
  return { ud: Buffer.from(back.ud?.raw ?? '', 'hex'), udl: back.ud?.length ?? 0 };
}

/** Septets, or octets, one part of a concatenated message holds: 160 / 140 less the 6-octet concatenation header. */
const PART = { gsm7: 153, ucs2: 134, '8bit': 134 } as const;

/**
 * User data too long for one SMS, cut into parts of a concatenated message
 * (TS 23.040 §9.2.3.24.1, 8-bit reference): GSM 7-bit text by septets (an
 * escaped character stays whole), UCS2 by code units (a surrogate pair
 * stays whole), 8-bit data by octets. Undefined when it cannot be cut (a
 * header of its own already, or more than 255 parts).
 */
export function splitUserData(alphabet: 'gsm7' | 'ucs2' | '8bit', ud: UserData, ref: number): UserData[] | undefined {
  if (ud.header?.length) return undefined;
  const chunks: string[] = [];
  if (alphabet === '8bit') {
    const hex = ud.body ?? '';
    for (let i = 0; i < hex.length; i += PART['8bit'] * 2) chunks.push(hex.slice(i, i + PART['8bit'] * 2));
  } else {
    const text = ud.text ?? '';
    let cur = '';
    let size = 0;
    for (const ch of text) {
      const n = alphabet === 'gsm7' ? gsm7Septets(ch).length : ch.length * 2;
      if (size + n > PART[alphabet]) {
        chunks.push(cur);
        cur = '';
        size = 0;
      }
      cur += ch;
      size += n;
    }
    if (cur) chunks.push(cur);
  }
  if (chunks.length < 2 || chunks.length > 255) return undefined;
  return chunks.map((c, i) => {
    const header: UdhElement[] = [{ type: 'concat8', ref, total: chunks.length, seq: i + 1 } as UdhElement];
    return alphabet === '8bit' ? { header, body: c } : { header, text: c };
  });
}

/** The SMS-DELIVER for a stored message. */
export function deliverTpdu(m: StoredMessage): Tpdu {
  return {
    type: 'SMS-DELIVER',
    mms: true,
    rp: false,
    udhi: m.udhi,
    sri: m.statusReportRequested,
    oa: tpAddress(m.source),
    pid: m.pid,
    dcs: { value: m.dcs },
    scts: timestampOf(m.submittedAt),
    ud: { length: m.udl, raw: toHex(m.ud) },
  } as Tpdu;
}

/**
 * A stored message as deliver_sm: GSM 7-bit text as SMPP's unpacked default
 * alphabet (data_coding 0, or UCS2 when it holds characters SMPP's table
 * lacks: the server picks), UCS2 and 8-bit octets as they are (data_coding 8
 * and 4), the user data header as the UDH with esm_class UDHI.
 */
export function deliverSm(m: StoredMessage): DeliverMessage {
  const recipient = m.recipient ?? { ton: 0, npi: 0, address: '' };
  const out: DeliverMessage = {
    source: { ton: m.source.ton, npi: m.source.npi, addr: m.source.address },
    destination: { ton: recipient.ton, npi: recipient.npi, addr: recipient.address },
    protocolId: m.pid,
  };
  const headerLen = m.udhi && m.ud.length ? m.ud[0]! + 1 : 0;
  if (headerLen) out.udh = Buffer.from(m.ud.subarray(0, headerLen));
  const alphabet = describeDcs(m.dcs).alphabet;
  if (alphabet === 'gsm7') {
    const t = decode(encode(deliverTpdu(m)), 'mt') as Tpdu;
    out.text = t.ud?.text ?? '';
  } else {
    out.shortMessage = Buffer.from(m.ud.subarray(headerLen));
    out.dataCoding = alphabet === 'ucs2' ? 8 : 4;
  }
  return out;
}

/** Seconds of a TP-VP (relative, enhanced) or the time it names (absolute), as a wall-clock deadline. */
function validUntilOf(tpdu: Tpdu, now: number): number | undefined {
  const vp = tpdu.vp;
  if (!vp) return undefined;
  if (vp.format === 'relative') return now + (vp.seconds ?? 0) * 1000;
  if (vp.format === 'enhanced') return vp.seconds ? now + vp.seconds * 1000 : undefined;
  const t = vp.time;
  const at = Date.UTC(2000 + t.year, t.month - 1, t.day, t.hour, t.minute, t.second) - (t.tz ?? 0) * 15 * 60_000;
  return Number.isFinite(at) ? at : undefined;
}

export interface SmscStatus {
  stored: number;
  waiting: number;
  inFlight: number;
  destinations: number;
  bytes: number;
  memoryFull: string[];
  counters: Record<string, number>;
}

export class Smsc implements SmsRouter {
  readonly store: SmsStore;
  private esmes: EsmeGateway | undefined;
  /** Deliveries under way per destination key. */
  private readonly busy = new Map<string, number>();
  /** Phones (MSISDN) that answered RP-ERROR 22, until RP-SMMA or their next attach. */
  private readonly memoryFull = new Set<string>();
  private readonly routes: SmsRoute[];
  private readonly esmeWindow: number;
  readonly counters = { moAccepted: 0, moRefused: 0, smppAccepted: 0, smppRefused: 0, mtDelivered: 0, mtFailed: 0, esmeDelivered: 0, esmeFailed: 0, reports: 0 };
  /** Bumped when deliveries under way belong to an earlier life (resume): their outcomes are ignored. */
  private generation = 0;
  /** Concatenation reference of the next message the SMSC splits. */
  private concatRef = 0;

  constructor(
    private readonly deps: SmscDeps,
    private readonly cfg: SmscConfig = {},
  ) {
    this.routes = [...(cfg.routes ?? [])].sort((a, b) => b.prefix.length - a.prefix.length);
    this.esmeWindow = Math.max(1, cfg.esmeWindow ?? 10);
    this.store = new SmsStore({
      host: deps.host,
      timers: deps.timers,
      ...(cfg.maxAttempts ? { maxAttempts: cfg.maxAttempts } : {}),
      onDue: (messages) => {
        const seen = new Set<string>();
        for (const m of messages) {
          const k = keyOf(m.destination);
          if (seen.has(k)) continue;
          seen.add(k);
          this.kick(m.destination);
        }
      },
      onReport: (r) => this.report(r),
      onError: (err) => deps.log.error?.({ err: (err as Error).message }, 'SMSC: error in a store callback'),
    });
  }

  /** Deliver to ESMEs through this gateway (the SMPP server) from now on. */
  setEsmeGateway(g: EsmeGateway | undefined): void {
    this.esmes = g;
  }

  private routeFor(digits: string): string | undefined {
    return this.routes.find((r) => digits.startsWith(r.prefix))?.esme;
  }

  /** Where a number goes: a subscriber of this MSC, an ESME by route, or nowhere. */
  private destinationOf(digits: string): Destination | undefined {
    if (digits && this.deps.core.lookupMsisdn(digits)) return { kind: 'ms', msisdn: digits };
    const esme = this.routeFor(digits);
    return esme ? { kind: 'esme', systemId: esme } : undefined;
  }

  // ---- in: a phone's SMS-SUBMIT ----

  submit(from: SmsParty, sms: SmsSubmission): SubmitResult {
    const t = sms.tpdu;
    const da = t.da?.digits ?? '';
    const dest = this.destinationOf(da);
    if (!dest) {
      this.counters.moRefused++;
      this.deps.log.info({ da, imsi: from.imsi }, `SMS from IMSI-${from.imsi}: ${da || '(no number)'} is no subscriber and no route; RP cause 1`);
      return { ok: false, rpCause: RP_CAUSE.UNASSIGNED_NUMBER };
    }
    if (!from.msisdn) {
      this.counters.moRefused++;
      this.deps.log.info({ imsi: from.imsi }, `SMS from IMSI-${from.imsi}: the sender has no MSISDN; RP cause 50`);
      return { ok: false, rpCause: RP_CAUSE.FACILITY_NOT_SUBSCRIBED };
    }
    const now = this.deps.host.now();
    const validUntil = validUntilOf(t, now);
    const input: SmsInput = {
      destination: dest,
      source: { ton: 1, npi: 1, address: from.msisdn },
      recipient: { ton: tpTon(t.da), npi: t.da?.npi ?? 1, address: da },
      origin: { kind: 'ms', imsi: from.imsi, mr: t.mr ?? 0 },
      dcs: t.dcs?.value ?? 0,
      pid: t.pid ?? 0,
      udhi: t.udhi ?? false,
      ud: Buffer.from(t.ud?.raw ?? '', 'hex'),
      udl: t.ud?.length ?? 0,
      statusReportRequested: t.srr ?? false,
      ...(validUntil !== undefined && validUntil > now ? { validUntil } : {}),
    };
    let id: number;
    try {
      id = this.store.add(input);
    } catch (err) {
      this.counters.moRefused++;
      this.deps.log.warn?.({ imsi: from.imsi, err: (err as Error).message }, `SMS from IMSI-${from.imsi} not stored; RP cause 41`);
      return { ok: false, rpCause: RP_CAUSE.TEMPORARY_FAILURE };
    }
    this.counters.moAccepted++;
    this.deps.log.debug?.({ id, from: from.msisdn, to: da, dest: keyOf(dest) }, `SMS ${id} stored: ${from.msisdn} -> ${da}`);
    this.kick(dest);
    return { ok: true, ref: id };
  }

  // ---- in: an ESME's submit_sm / data_sm ----

  submitSmpp(sm: SubmitRequest): SubmitAnswer {
    const refuse = (status: number, why: string): SubmitAnswer => {
      this.counters.smppRefused++;
      this.deps.log.info({ systemId: sm.systemId, to: sm.destination.addr, status }, `SMPP ${sm.command} from ${sm.systemId} refused: ${why}`);
      return { status };
    };
    const to = sm.destination.addr.replace(/^\+/, '');
    const dest = this.destinationOf(to);
    if (!dest) return refuse(STATUS.ESME_RINVDSTADR, `${to || '(empty)'} is no subscriber and no route`);
    if (dest.kind === 'esme' && dest.systemId === sm.systemId) return refuse(STATUS.ESME_RINVDSTADR, `${to} routes back to ${sm.systemId}`);
    if (sm.scheduledAt !== undefined && sm.scheduledAt > this.deps.host.now()) return refuse(STATUS.ESME_RINVSCHED, 'scheduled delivery is not supported');
    const u = sm.userData;
    // What goes to the phone: one TP-UD, or the parts of a concatenated message. The
    // sar_* TLVs of an ESME that split the message itself become the UDH phones read.
    let parts: Array<{ udhi: boolean; ud: UserData }>;
    if (u.concat?.from === 'sar') {
      const c = u.concat;
      const header = [...(u.ud.header ?? []), { type: c.ref > 255 ? 'concat16' : 'concat8', ref: c.ref, total: c.total, seq: c.seq } as UdhElement];
      parts = [{ udhi: true, ud: { ...u.ud, header } }];
    } else if (u.fitsOne) parts = [{ udhi: u.udhi, ud: u.ud }];
    else {
      const split = u.udhi ? undefined : splitUserData(u.alphabet, u.ud, (this.concatRef = (this.concatRef + 1) & 0xff));
      if (!split) return refuse(STATUS.ESME_RINVMSGLEN, `the message needs ${u.udl} ${u.alphabet === 'gsm7' ? 'septets' : 'octets'}${u.udhi ? ' with a header of its own' : ''}: too long to split into at most 255 parts`);
      parts = split.map((ud) => ({ udhi: true, ud }));
    }
    const tps: Array<{ ud: Uint8Array; udl: number; udhi: boolean }> = [];
    for (const p of parts) {
      let tp: { ud: Uint8Array; udl: number };
      try {
        tp = tpUserData(u.dcs, p.udhi, p.ud);
      } catch (err) {
        return refuse(STATUS.ESME_RINVMSGLEN, `user data does not make a TPDU: ${(err as Error).message}`);
      }
      if (tp.ud.length > 140) return refuse(STATUS.ESME_RINVMSGLEN, `${tp.ud.length} octets of user data: more than one SMS holds`);
      tps.push({ ...tp, udhi: p.udhi });
    }
    const messageId = String(this.store.nextId);
    const src = sm.source.addr || '0';
    for (const [i, tp] of tps.entries()) {
      try {
        this.store.add({
          destination: dest,
          source: { ton: sm.source.ton & 7, npi: sm.source.npi & 15, address: src },
          recipient: { ton: sm.destination.ton & 7, npi: sm.destination.npi & 15, address: to || '0' },
          origin: { kind: 'esme', systemId: sm.systemId, messageId },
          dcs: u.dcs,
          pid: sm.protocolId,
          udhi: tp.udhi,
          ud: tp.ud,
          udl: tp.udl,
          // One receipt for a split message: with its last part (parts go to a phone in order).
          statusReportRequested: sm.receipt !== 'none' && i === tps.length - 1,
          ...(sm.validUntil !== undefined ? { validUntil: sm.validUntil } : {}),
        });
      } catch (err) {
        // Checked the same way for every part: only the first can fail here.
        const e = err as Error & { field?: string };
        if (e.field === 'validUntil') return refuse(STATUS.ESME_RINVEXPIRY, e.message);
        if (e.field?.startsWith('source')) return refuse(STATUS.ESME_RINVSRCADR, e.message);
        return refuse(STATUS.ESME_RSUBMITFAIL, e.message);
      }
    }
    this.counters.smppAccepted++;
    this.deps.log.debug?.({ id: messageId, systemId: sm.systemId, to, dest: keyOf(dest), parts: tps.length }, `SMS ${messageId} stored: ${sm.systemId} -> ${to}${tps.length > 1 ? ` in ${tps.length} parts` : ''}`);
    this.kick(dest);
    return { messageId };
  }

  // ---- reachability ----

  onAttach(imsi: string, msisdn: string | undefined): void {
    if (!msisdn) return;
    this.memoryFull.delete(msisdn);
    const n = this.store.ready({ kind: 'ms', msisdn });
    if (n) this.deps.log.info({ imsi, msisdn, waiting: n }, `SMS: ${msisdn} attached; ${n} stored message${n === 1 ? '' : 's'} due`);
  }

  onSmma(imsi: string): void {
    const msisdn = this.deps.msisdnOf(imsi);
    if (!msisdn) return;
    this.memoryFull.delete(msisdn);
    const n = this.store.ready({ kind: 'ms', msisdn });
    this.deps.log.info({ imsi, msisdn, waiting: n }, `SMS: ${msisdn} has memory again (RP-SMMA); ${n} stored message${n === 1 ? '' : 's'} due`);
  }

  /** An ESME bound as receiver or transceiver. */
  onBind(systemId: string): void {
    const n = this.store.ready({ kind: 'esme', systemId });
    if (n) this.deps.log.info({ systemId, waiting: n }, `SMPP: ${systemId} bound; ${n} stored message${n === 1 ? '' : 's'} due`);
  }

  // ---- out ----

  /** Starts deliveries for a destination, as many as its window allows, if it is reachable. */
  private kick(d: Destination): void {
    const key = keyOf(d);
    const busy = this.busy.get(key) ?? 0;
    const limit = d.kind === 'ms' ? 1 : this.esmeWindow;
    if (busy >= limit) return;
    if (d.kind === 'ms') {
      if (this.memoryFull.has(d.msisdn)) return;
      if (!this.deps.core.lookupMsisdn(d.msisdn)?.attached) return;
    } else if (!this.esmes?.bound(d.systemId)) return;
    for (const m of this.store.pendingFor(d, limit - busy)) {
      let taken: StoredMessage;
      try {
        taken = this.store.take(m.id);
      } catch {
        continue; // expired just now (reported by the store)
      }
      this.busy.set(key, (this.busy.get(key) ?? 0) + 1);
      const gen = this.generation;
      const attempt = d.kind === 'ms' ? this.toPhone(taken, d.msisdn, gen) : this.toEsme(taken, d.systemId, gen);
      void attempt.then((r) => {
        if (r === 'stale') return; // an earlier life's delivery: restart() put it back and reset `busy`
        const left = (this.busy.get(key) ?? 1) - 1;
        if (left > 0) this.busy.set(key, left);
        else this.busy.delete(key);
        if (r === 'ok') this.kick(d);
      });
    }
  }

  /** One delivery to a phone and its outcome in the store; 'stale' when restart() came in between. */
  private async toPhone(m: StoredMessage, msisdn: string, gen: number): Promise<'ok' | 'failed' | 'stale'> {
    let r: MtResult;
    try {
      r = await this.deps.core.deliverSms({ msisdn }, { tpdu: m.report ? this.statusReportTpdu(m) : deliverTpdu(m), scAddress: this.cfg.scAddress ?? '0' });
    } catch (err) {
      r = { ok: false, reason: 'timeout' };
      this.deps.log.error?.({ id: m.id, err: (err as Error).message }, `SMS ${m.id}: delivery threw`);
    }
    if (gen !== this.generation) return 'stale';
    if (r.ok) {
      this.counters.mtDelivered++;
      this.store.delivered(m.id);
      this.deps.log.debug?.({ id: m.id, msisdn }, `SMS ${m.id} delivered to ${msisdn}`);
      return 'ok';
    }
    this.counters.mtFailed++;
    const permanent = r.reason === 'unknown' || (r.reason === 'rp-error' && r.rpCause !== RP_CAUSE.MEMORY_CAPACITY_EXCEEDED && r.rpCause !== undefined && r.rpCause < 41);
    if (r.reason === 'rp-error' && r.rpCause === RP_CAUSE.MEMORY_CAPACITY_EXCEEDED) this.memoryFull.add(msisdn);
    const cause = r.rpCause ?? (r.reason === 'unknown' ? RP_CAUSE.UNKNOWN_SUBSCRIBER : RP_CAUSE.DESTINATION_OUT_OF_ORDER);
    this.store.failed(m.id, { temporary: !permanent, cause });
    this.deps.log.info({ id: m.id, msisdn, reason: r.reason, rpCause: r.rpCause, attempts: m.attempts }, `SMS ${m.id} to ${msisdn} not delivered (${r.reason}${r.rpCause !== undefined ? ` ${r.rpCause}` : ''}); ${permanent ? 'failed' : 'will retry'}`);
    return 'failed';
  }

  private async toEsme(m: StoredMessage, systemId: string, gen: number): Promise<'ok' | 'failed' | 'stale'> {
    let r: DeliverResult;
    try {
      r = this.esmes ? await this.esmes.deliver(systemId, m.report ? this.receiptSm(m) : deliverSm(m)) : 'no-link';
    } catch (err) {
      r = 'link-lost';
      this.deps.log.error?.({ id: m.id, err: (err as Error).message }, `SMS ${m.id}: deliver_sm threw`);
    }
    if (gen !== this.generation) return 'stale';
    if (r === 'ok') {
      this.counters.esmeDelivered++;
      this.store.delivered(m.id);
      return 'ok';
    }
    this.counters.esmeFailed++;
    const permanent = r === ESME_RX_P_APPNACK;
    this.store.failed(m.id, { temporary: !permanent, cause: typeof r === 'number' ? r : 0 });
    this.deps.log.info({ id: m.id, systemId, result: r, attempts: m.attempts }, `SMS ${m.id} to ${systemId} not delivered (${typeof r === 'number' ? `status 0x${r.toString(16)}` : r}); ${permanent ? 'failed' : 'will retry'}`);
    return 'failed';
  }

  // ---- reports ----

  /** The store ended a message whose submitter wants a report: the report becomes a message of its own. */
  private report(r: SmsReport): void {
    const ra = r.recipient?.address ?? (r.destination.kind === 'ms' ? r.destination.msisdn : r.destination.systemId);
    const body: ReportBody = { o: r.outcome, at: r.at, sub: r.submittedAt, c: r.cause, ra };
    let dest: Destination;
    if (r.origin.kind === 'ms') {
      body.mr = r.origin.mr;
      dest = { kind: 'ms', msisdn: r.source.address };
    } else {
      body.id = r.origin.messageId;
      dest = { kind: 'esme', systemId: r.origin.systemId };
    }
    try {
      this.store.add({
        destination: dest,
        source: r.source,
        recipient: { ton: 1, npi: 1, address: ra || '0' },
        origin: r.origin,
        dcs: 0,
        pid: 0,
        udhi: false,
        ud: utf8.encode(JSON.stringify(body)),
        report: true,
      });
      this.counters.reports++;
      this.deps.log.info({ id: r.id, outcome: r.outcome, to: keyOf(dest) }, `SMS ${r.id} ${r.outcome}: report queued for ${keyOf(dest)}`);
      queueMicrotask(() => this.kick(dest));
    } catch (err) {
      this.deps.log.warn?.({ id: r.id, err: (err as Error).message }, `SMS ${r.id}: its report could not be queued`);
    }
  }

  private body(m: StoredMessage): ReportBody {
    return JSON.parse(utf8d.decode(m.ud)) as ReportBody;
  }

  private statusReportTpdu(m: StoredMessage): Tpdu {
    const b = this.body(m);
    const st = b.o === 'delivered' ? REPORT_STATUS.DELIVERED : b.o === 'expired' ? REPORT_STATUS.VALIDITY_EXPIRED : b.c === RP_CAUSE.UNKNOWN_SUBSCRIBER || b.c === RP_CAUSE.UNASSIGNED_NUMBER ? REPORT_STATUS.NOT_OBTAINABLE : REPORT_STATUS.REMOTE_PROCEDURE_ERROR;
    // What the report needs of the SMS-SUBMIT it is about: TP-MR and TP-DA.
    const submit = { type: 'SMS-SUBMIT', mr: b.mr ?? 0, da: { ton: 'international', npi: 1, digits: b.ra } } as Tpdu;
    return statusReport(submit, b.sub, b.at, st);
  }

  private receiptSm(m: StoredMessage): DeliverMessage {
    const b = this.body(m);
    const recipient = m.recipient ?? { ton: 1, npi: 1, address: b.ra };
    return {
      // A receipt goes from the recipient back to the submitter.
      source: { ton: recipient.ton, npi: recipient.npi, addr: recipient.address },
      destination: { ton: m.source.ton, npi: m.source.npi, addr: m.source.address },
      receipt: {
        messageId: b.id ?? String(m.id),
        state: b.o === 'delivered' ? 'DELIVERED' : b.o === 'expired' ? 'EXPIRED' : 'UNDELIVERABLE',
        submitted: b.sub,
        done: b.at,
        sub: 1,
        dlvrd: b.o === 'delivered' ? 1 : 0,
        ...(b.c ? { err: b.c } : {}),
      },
    };
  }

  // ---- life cycle ----

  /**
   * A new process (resume, import): deliveries an earlier life had under
   * way will never answer. They go back to waiting (delivered again: at
   * least once) and every destination is tried afresh.
   */
  restart(): void {
    this.generation++;
    this.busy.clear();
    this.memoryFull.clear();
    const n = this.store.requeueInFlight();
    if (n) this.deps.log.info({ requeued: n }, `SMSC: ${n} message${n === 1 ? '' : 's'} in flight before the restart will be delivered again`);
  }

  status(): SmscStatus {
    const s = this.store.stats();
    return { stored: s.stored, waiting: s.waiting, inFlight: s.inFlight, destinations: s.destinations, bytes: s.bytes, memoryFull: [...this.memoryFull], counters: { ...this.counters, ...s.counters } };
  }
}
