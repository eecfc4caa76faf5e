import { createHash } from 'node:crypto';
import { TimerTable, type TimerDef, type TimerHandle, type TimerHost } from '@snaptel/fsm';
import { SmsStoreError } from './errors';

/**
 * The store-and-forward queue of the SMSC function: every message accepted
 * stays here until it is delivered, fails permanently or runs out of its
 * validity period, and each of those ends can produce a report.
 *
 * Storage: no object per message. A message is a slot `i` in typed-array
 * columns (id, destination, times, attempts, state) plus one record in a byte
 * arena (TPDU fields, addresses, origin, user data). Per destination the
 * slots form a doubly linked list in submission order; an indexed binary heap
 * keyed by each slot's next wake-up time (retry, validity, in-flight guard)
 * drives ONE host timer, armed for the earliest of them. An id -> slot hash
 * (open addressing, Int32Array) finds a message by id.
 *
 * Durability comes from the image runtime: exportState() gives a plain object
 * of strings and numbers (records packed into one latin1 string, with a
 * SHA-256 over everything), importState() takes it back; freeze()/thaw()
 * pack the live store into the same form for a deploy-time image, so that no
 * large ArrayBuffer crosses a V8 snapshot.
 */

// ---------------------------------------------------------------------------
// Public types

export type Destination = { kind: 'ms'; msisdn: string } | { kind: 'esme'; systemId: string };

/** Who submitted the message: a phone (IMSI and the TP-MR of its SMS-SUBMIT) or an ESME (system id, and the SMPP message_id given back in submit_sm_resp). */
export type Origin = { kind: 'ms'; imsi: string; mr: number } | { kind: 'esme'; systemId: string; messageId: string };

/** TP-OA / SMPP source_addr: type of number (0..7), numbering plan (0..15), the address (digits, or text for alphanumeric TON 5). */
export interface SmsAddress {
  ton: number;
  npi: number;
  address: string;
}

export type MessageState = 'waiting' | 'in-flight' | 'delivered' | 'expired' | 'failed';

export interface SmsInput {
  destination: Destination;
  source: SmsAddress;
  origin: Origin;
  /** TP-DCS, 0..255. */
  dcs: number;
  /** TP-PID, 0..255. */
  pid: number;
  /** TP-UDHI: `ud` starts with a user data header. */
  udhi: boolean;
  /** TP-UD octets exactly as they go into the TPDU (UDH included when udhi; GSM 7-bit packed). At most 65535 octets. */
  ud: Uint8Array;
  /** TP-UDL (septets for GSM 7-bit, else octets), 0..65535; default ud.length. */
  udl?: number;
  /** TP-SRR / SMPP registered_delivery: a report is wanted when the message is delivered, expires or fails. */
  statusReportRequested?: boolean;
  /**
   * The message is a report (SMS-STATUS-REPORT, SMPP delivery receipt) to be
   * delivered like any message; `ud` then holds the report in whatever form
   * the caller chose. Default false.
   */
  report?: boolean;
  /**
   * The address the submitter sent it to (TP-DA, SMPP destination_addr),
   * kept when `destination` alone does not say it (an ESME serving many
   * numbers). Optional.
   */
  recipient?: SmsAddress;
  /** Wall-clock ms after which the message expires; default now + SMS-VALIDITY. Must lie in the future. */
  validUntil?: number;
}

export interface StoredMessage {
  /** Monotonic, never reused (also across snapshots and imports). */
  id: number;
  destination: Destination;
  source: SmsAddress;
  origin: Origin;
  dcs: number;
  pid: number;
  udhi: boolean;
  udl: number;
  /** A copy. */
  ud: Uint8Array;
  statusReportRequested: boolean;
  /** A report rather than a short message (see SmsInput.report). */
  report: boolean;
  /** As given to add(), when given. */
  recipient?: SmsAddress;
  /** Wall-clock ms when add() accepted it (TP-SCTS). */
  submittedAt: number;
  validUntil: number;
  /** How many times it was taken for delivery. A value above 1 means an earlier attempt may have reached the destination. */
  attempts: number;
  /** Waiting: when it is (or was) due. In flight: null. */
  nextAttemptAt: number | null;
  /** In flight: when the store gives up waiting for an outcome (SMS-INFLIGHT) and treats it as a temporary failure. */
  inFlightUntil: number | null;
  state: MessageState;
  /** Cause of the last failure (RP-Cause, SMPP command_status...), null when none. */
  lastCause: number | null;
}

/** What a status report (SMS-STATUS-REPORT, or an SMPP delivery receipt) needs. */
export interface SmsReport {
  id: number;
  outcome: 'delivered' | 'expired' | 'failed';
  /** Wall-clock ms of the outcome (TP-DT, done date). */
  at: number;
  destination: Destination;
  source: SmsAddress;
  /** Where the report goes: origin.imsi with TP-MR origin.mr, or origin.systemId with receipted message id origin.messageId. */
  origin: Origin;
  /** The reported message's recipient (TP-RA), when it was stored with one. */
  recipient?: SmsAddress;
  submittedAt: number;
  attempts: number;
  /** The failure cause (failed), or the last one seen (expired); null otherwise. */
  cause: number | null;
}

export interface SmsStoreOptions {
  host: TimerHost;
  /** A table holding SMS_STORE_TIMERS (the MSC may merge them into its own); default a fresh one. */
  timers?: TimerTable;
  /** Called (after the store is consistent) with waiting messages that fell due, in submission order. */
  onDue?: (messages: StoredMessage[]) => void;
  /** Called for every delivered/expired/failed message that asked for a report. */
  onReport?: (report: SmsReport) => void;
  /** A temporary failure at this many attempts ends the message as failed; 0 (default): only validity ends it. */
  maxAttempts?: number;
  /** Name of the one host timer (default 'sms-store'). */
  timerName?: string;
  /** Errors thrown by onDue/onReport; default: rethrown once the store is consistent. */
  onError?: (err: unknown) => void;
}

export const SMS_STORE_TIMERS: readonly TimerDef[] = [
  { name: 'SMS-RETRY', default: 30, unit: 's', min: 1, desc: 'first retry after a temporary delivery failure; doubles each attempt' },
  { name: 'SMS-RETRY-MAX', default: 60, unit: 'min', min: 1, desc: 'longest interval between retries' },
  { name: 'SMS-INFLIGHT', default: 5, unit: 'min', min: 1, desc: 'taken without an outcome this long: counted as a temporary failure' },
  { name: 'SMS-VALIDITY', default: 2880, unit: 'min', min: 1, desc: 'validity period when the submitter gave none' },
];

export const STATE_FORMAT = 'snaptel-sms-store';
export const STATE_VERSION = 1;

/**
 * The durable state: plain JSON (strings and numbers only). `blob` holds one
 * record per message in id order, each byte one latin1 character; `checksum`
 * is the SHA-256 (hex) of every other field, so that a torn or edited state
 * is refused.
 */
export interface SmsStoreState {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  count: number;
  nextId: number;
  /** Destination keys ('ms:<msisdn>', 'esme:<system id>') the records refer to by index. */
  destinations: string[];
  counters: SmsCounters;
  blob: string;
  checksum: string;
}

export interface SmsCounters {
  added: number;
  delivered: number;
  expired: number;
  failed: number;
  /** Temporary failures (including in-flight guard timeouts). */
  retried: number;
  /** In-flight messages put back to waiting by importState or requeueInFlight. */
  requeued: number;
}

export interface SmsStoreStats {
  stored: number;
  waiting: number;
  inFlight: number;
  destinations: number;
  nextId: number;
  /** Always false: stats() thaws (see SmsStore.frozen). */
  frozen: boolean;
  /** Bytes held by the columns, indexes and arena (capacity included). */
  bytes: number;
  counters: SmsCounters;
}

// ---------------------------------------------------------------------------
// Internals

const S_FREE = 0;
const S_WAITING = 1;
const S_INFLIGHT = 2;

const F_UDHI = 1;
const F_SRR = 2;
const F_ORIGIN_ESME = 4;
/** Waiting and already handed to onDue (or ready): only validity wakes it now. */
const F_ANNOUNCED = 8;
/** The record is a status report or delivery receipt (its body is the report, in the caller's form). */
const F_REPORT = 16;
/** The record carries the address the message was sent to (TP-DA, destination_addr). */
const F_RECIPIENT = 32;
const F_KNOWN = F_UDHI | F_SRR | F_ORIGIN_ESME | F_ANNOUNCED | F_REPORT | F_RECIPIENT;

const NO_CAUSE = 0xffffffff;
const MIN_CAPACITY = 16;
const MAX_CAPACITY = 2 ** 28;
const MAX_UD = 65535;
const REC_FIXED = 48;
const MAX_ID = Number.MAX_SAFE_INTEGER;

const DIGITS = /^[0-9]+$/;
const PRINTABLE = /^[\x21-\x7e]+$/;
const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 40) + '...' : v}'`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'function') return 'a function';
  return String(v);
}

function invalid(field: string, message: string): SmsStoreError {
  return new SmsStoreError('invalid-input', message, field);
}

function intIn(v: unknown, lo: number, hi: number, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw invalid(field, `${field} must be an integer ${lo}..${hi} (got ${show(v)})`);
  return v;
}

function strIn(v: unknown, re: RegExp, min: number, max: number, field: string, what: string): string {
  if (typeof v !== 'string' || v.length < min || v.length > max || !re.test(v))
    throw invalid(field, `${field} must be ${min}..${max} ${what} (got ${show(v)})`);
  return v;
}

function destKey(d: unknown, field = 'destination'): string {
  if (!d || typeof d !== 'object') throw invalid(field, `${field} must be { kind: 'ms', msisdn } or { kind: 'esme', systemId } (got ${show(d)})`);
  const o = d as Record<string, unknown>;
  if (o.kind === 'ms') return 'ms:' + strIn(o.msisdn, DIGITS, 1, 20, `${field}.msisdn`, 'digits');
  if (o.kind === 'esme') return 'esme:' + strIn(o.systemId, PRINTABLE, 1, 16, `${field}.systemId`, 'printable ASCII characters');
  throw invalid(`${field}.kind`, `${field}.kind must be 'ms' or 'esme' (got ${show(o.kind)})`);
}

function destOf(key: string): Destination {
  return key.startsWith('ms:') ? { kind: 'ms', msisdn: key.slice(3) } : { kind: 'esme', systemId: key.slice(5) };
}

const KEY_RE = /^(ms:[0-9]{1,20}|esme:[\x21-\x7e]{1,16})$/;

/** Scratch space for encoding one record (the largest: 7 + 255 + 83 + 65535 bytes). */
const scratch = new Uint8Array(7 + 255 + 2 + 16 + 65 + 3 + 255 + MAX_UD);

/** Writes an ASCII string (already checked) at `at`; returns the position after it. */
function putAscii(b: Uint8Array, at: number, str: string): number {
  for (let i = 0; i < str.length; i++) b[at + i] = str.charCodeAt(i);
  return at + str.length;
}

/** The variable part of a message, as encoded into the arena (a view of `scratch`, valid until the next call). */
/** A checked address: TON, NPI, and the address as bytes (null: ASCII, written as is) and its length. */
function addressOf(a: unknown, field: string): { ton: number; npi: number; address: string; bytes: Uint8Array | null; len: number } {
  if (!a || typeof a !== 'object') throw invalid(field, `${field} must be { ton, npi, address } (got ${show(a)})`);
  const src = a as SmsAddress;
  const ton = intIn(src.ton, 0, 7, `${field}.ton`);
  const npi = intIn(src.npi, 0, 15, `${field}.npi`);
  if (typeof src.address !== 'string' || src.address.length === 0) throw invalid(`${field}.address`, `${field}.address must be a non-empty string (got ${show(src.address)})`);
  const ascii = /^[\x00-\x7f]*$/.test(src.address);
  const bytes = ascii ? null : utf8.encode(src.address);
  const len = bytes ? bytes.length : src.address.length;
  if (len > 255) throw invalid(`${field}.address`, `${field}.address is ${len} bytes (at most 255)`);
  return { ton, npi, address: src.address, bytes, len };
}

function encodeVar(m: SmsInput): { bytes: Uint8Array; flags: number } {
  const source = addressOf(m.source, 'source');
  const { ton, npi, bytes: addr, len: addrLen } = source;
  const recipient = m.recipient === undefined ? undefined : addressOf(m.recipient, 'recipient');
  const dcs = intIn(m.dcs, 0, 255, 'dcs');
  const pid = intIn(m.pid, 0, 255, 'pid');
  if (typeof m.udhi !== 'boolean') throw invalid('udhi', `udhi must be a boolean (got ${show(m.udhi)})`);
  if (!(m.ud instanceof Uint8Array)) throw invalid('ud', `ud must be a Uint8Array (got ${show(m.ud)})`);
  if (m.ud.length > MAX_UD) throw invalid('ud', `ud is ${m.ud.length} octets (at most ${MAX_UD})`);
  if (m.udhi && m.ud.length === 0) throw invalid('ud', 'udhi is set but ud is empty (no room for a user data header)');
  const udl = m.udl === undefined ? m.ud.length : intIn(m.udl, 0, 65535, 'udl');
  if (m.statusReportRequested !== undefined && typeof m.statusReportRequested !== 'boolean')
    throw invalid('statusReportRequested', `statusReportRequested must be a boolean (got ${show(m.statusReportRequested)})`);
  if (m.report !== undefined && typeof m.report !== 'boolean') throw invalid('report', `report must be a boolean (got ${show(m.report)})`);
  const o = m.origin as unknown;
  if (!o || typeof o !== 'object') throw invalid('origin', `origin must be { kind: 'ms', imsi, mr } or { kind: 'esme', systemId, messageId } (got ${show(o)})`);
  const oo = o as Record<string, unknown>;
  let flags = (m.udhi ? F_UDHI : 0) | (m.statusReportRequested ? F_SRR : 0) | (m.report ? F_REPORT : 0) | (recipient ? F_RECIPIENT : 0);
  // dcs pid udl(2) ton npi addrLen addr origin [rton rnpi rlen raddr] ud
  const b = scratch;
  b[0] = dcs;
  b[1] = pid;
  b[2] = udl & 0xff;
  b[3] = udl >> 8;
  b[4] = ton;
  b[5] = npi;
  b[6] = addrLen;
  let p = 7;
  if (addr) {
    b.set(addr, p);
    p += addr.length;
  } else p = putAscii(b, p, source.address);
  if (oo.kind === 'ms') {
    const imsi = strIn(oo.imsi, DIGITS, 5, 15, 'origin.imsi', 'digits');
    b[p] = intIn(oo.mr, 0, 255, 'origin.mr');
    b[p + 1] = imsi.length;
    p = putAscii(b, p + 2, imsi);
  } else if (oo.kind === 'esme') {
    const sys = strIn(oo.systemId, PRINTABLE, 1, 16, 'origin.systemId', 'printable ASCII characters');
    const mid = strIn(oo.messageId, PRINTABLE, 1, 65, 'origin.messageId', 'printable ASCII characters');
    b[p] = sys.length;
    p = putAscii(b, p + 1, sys);
    b[p] = mid.length;
    p = putAscii(b, p + 1, mid);
    flags |= F_ORIGIN_ESME;
  } else throw invalid('origin.kind', `origin.kind must be 'ms' or 'esme' (got ${show(oo.kind)})`);
  if (recipient) {
    b[p] = recipient.ton;
    b[p + 1] = recipient.npi;
    b[p + 2] = recipient.len;
    p += 3;
    if (recipient.bytes) {
      b.set(recipient.bytes, p);
      p += recipient.len;
    } else p = putAscii(b, p, recipient.address);
  }
  b.set(m.ud, p);
  p += m.ud.length;
  return { bytes: b.subarray(0, p), flags };
}

/** A short string from the arena: ASCII directly, anything else through UTF-8. */
function text(b: Uint8Array, from: number, to: number): string {
  for (let i = from; i < to; i++) if (b[i]! >= 0x80) return utf8d.decode(b.subarray(from, to));
  return String.fromCharCode.apply(null, b.subarray(from, to) as unknown as number[]);
}

interface VarFields {
  dcs: number;
  pid: number;
  udl: number;
  source: SmsAddress;
  origin: Origin;
  recipient?: SmsAddress;
  udAt: number;
}

/** Reads a variable record at b[at..at+len); returns undefined when it does not hold together. */
function decodeVar(b: Uint8Array, at: number, len: number, flags: number): VarFields | undefined {
  const esme = (flags & F_ORIGIN_ESME) !== 0;
  const end = at + len;
  if (len < 7) return undefined;
  let p = at + 7;
  const alen = b[at + 6]!;
  if (alen === 0 || p + alen > end) return undefined;
  const address = text(b, p, p + alen);
  p += alen;
  let origin: Origin;
  if (!esme) {
    if (p + 2 > end) return undefined;
    const mr = b[p]!;
    const il = b[p + 1]!;
    if (il < 5 || il > 15 || p + 2 + il > end) return undefined;
    const imsi = text(b, p + 2, p + 2 + il);
    if (!DIGITS.test(imsi)) return undefined;
    origin = { kind: 'ms', imsi, mr };
    p += 2 + il;
  } else {
    if (p + 1 > end) return undefined;
    const sl = b[p]!;
    if (sl < 1 || sl > 16 || p + 1 + sl + 1 > end) return undefined;
    const systemId = text(b, p + 1, p + 1 + sl);
    const ml = b[p + 1 + sl]!;
    if (ml < 1 || ml > 65 || p + 2 + sl + ml > end) return undefined;
    const messageId = text(b, p + 2 + sl, p + 2 + sl + ml);
    if (!PRINTABLE.test(systemId) || !PRINTABLE.test(messageId)) return undefined;
    origin = { kind: 'esme', systemId, messageId };
    p += 2 + sl + ml;
  }
  let recipient: SmsAddress | undefined;
  if (flags & F_RECIPIENT) {
    if (p + 3 > end) return undefined;
    const rl = b[p + 2]!;
    if (rl === 0 || b[p]! > 7 || b[p + 1]! > 15 || p + 3 + rl > end) return undefined;
    recipient = { ton: b[p]!, npi: b[p + 1]!, address: text(b, p + 3, p + 3 + rl) };
    p += 3 + rl;
  }
  if (end - p > MAX_UD) return undefined;
  const out: VarFields = { dcs: b[at]!, pid: b[at + 1]!, udl: b[at + 2]! | (b[at + 3]! << 8), source: { ton: b[at + 4]!, npi: b[at + 5]!, address }, origin, udAt: p };
  if (recipient) out.recipient = recipient;
  return out;
}

function emptyCounters(): SmsCounters {
  return { added: 0, delivered: 0, expired: 0, failed: 0, retried: 0, requeued: 0 };
}

function checksumOf(s: Omit<SmsStoreState, 'checksum'>): string {
  const h = createHash('sha256');
  h.update(`${s.format}\n${s.version}\n${s.count}\n${s.nextId}\n${JSON.stringify(s.destinations)}\n${JSON.stringify(s.counters)}\n`);
  h.update(s.blob, 'latin1');
  return h.digest('hex');
}

interface Frozen {
  state: SmsStoreState;
  /** In-flight messages go back to waiting on thaw, and every waiting one is announced again (after importState). */
  requeue: boolean;
  /** The time importState ran, which requeued messages are due at. */
  at: number;
}

const stateError = (message: string, field: string, index?: number) => new SmsStoreError('invalid-state', message, field, index);

// ---------------------------------------------------------------------------

export class SmsStore {
  readonly host: TimerHost;
  readonly timers: TimerTable;
  onDue: ((messages: StoredMessage[]) => void) | undefined;
  onReport: ((report: SmsReport) => void) | undefined;
  private readonly onError: ((err: unknown) => void) | undefined;
  private readonly maxAttempts: number;
  private readonly timerName: string;

  // columns, one position per slot
  private cap = 0;
  private idCol = new Float64Array(0);
  private submitted = new Float64Array(0);
  private validUntilCol = new Float64Array(0);
  /** Waiting: next attempt time. In flight: the guard deadline. */
  private nextAt = new Float64Array(0);
  private wake = new Float64Array(0);
  private dest = new Int32Array(0);
  private nextS = new Int32Array(0);
  private prevS = new Int32Array(0);
  private hpos = new Int32Array(0);
  private recOff = new Uint32Array(0);
  private recLen = new Uint32Array(0);
  private cause = new Uint32Array(0);
  private attemptsCol = new Uint16Array(0);
  private stateCol = new Uint8Array(0);
  private flags = new Uint8Array(0);
  /** The deadline heap: slots, ordered by wake. */
  private heap = new Int32Array(0);
  private hn = 0;
  /** id -> slot + 1, linear probing. */
  private tbl = new Int32Array(0);
  private tblMask = 0;
  private freeHead = -1;
  private hw = 0;
  private n = 0;
  private inflight = 0;
  // arena
  private arena = new Uint8Array(0);
  private arenaUsed = 0;
  private arenaGarbage = 0;
  // destinations
  private destIndex = new Map<string, number>();
  private dKey: string[] = [];
  private dHead = new Int32Array(0);
  private dTail = new Int32Array(0);
  private dCount = new Int32Array(0);
  private dFree: number[] = [];

  private nextIdV = 1;
  private counters: SmsCounters = emptyCounters();
  private frozenForm: Frozen | null = null;
  private armed: TimerHandle | null = null;
  private armedAt = Infinity;
  private ticking = false;

  constructor(opts: SmsStoreOptions) {
    if (!opts || typeof opts !== 'object' || !opts.host || typeof opts.host.now !== 'function' || typeof opts.host.at !== 'function')
      throw invalid('host', 'options.host must be a TimerHost { now(), at(name, deadline, fn) }');
    this.host = opts.host;
    this.timers = opts.timers ?? new TimerTable(SMS_STORE_TIMERS);
    for (const d of SMS_STORE_TIMERS) if (!this.timers.has(d.name)) throw invalid('timers', `options.timers lacks timer ${d.name} (merge SMS_STORE_TIMERS into it)`);
    this.onDue = opts.onDue;
    this.onReport = opts.onReport;
    this.onError = opts.onError;
    this.maxAttempts = opts.maxAttempts === undefined ? 0 : intIn(opts.maxAttempts, 0, 65535, 'maxAttempts');
    this.timerName = opts.timerName ?? 'sms-store';
    this.grow(MIN_CAPACITY);
  }

  // -------------------------------------------------------------------------
  // Capacity

  private grow(cap: number): void {
    const g = <T extends Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array>(a: T, fill?: number): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a.subarray(0, Math.min(a.length, cap)) as never);
      if (fill !== undefined) b.fill(fill, a.length);
      return b;
    };
    this.idCol = g(this.idCol);
    this.submitted = g(this.submitted);
    this.validUntilCol = g(this.validUntilCol);
    this.nextAt = g(this.nextAt);
    this.wake = g(this.wake);
    this.dest = g(this.dest);
    this.nextS = g(this.nextS);
    this.prevS = g(this.prevS);
    this.hpos = g(this.hpos, -1);
    this.recOff = g(this.recOff);
    this.recLen = g(this.recLen);
    this.cause = g(this.cause);
    this.attemptsCol = g(this.attemptsCol);
    this.stateCol = g(this.stateCol);
    this.flags = g(this.flags);
    this.heap = g(this.heap);
    this.cap = cap;
    this.rehash(cap);
  }

  private rehash(cap: number): void {
    let size = 16;
    while (size < cap * 2) size *= 2;
    this.tbl = new Int32Array(size);
    this.tblMask = size - 1;
    for (let i = 0; i < this.hw; i++) if (this.stateCol[i] !== S_FREE) this.hashInsert(i);
  }

  private hashOf(id: number): number {
    return Math.imul((id >>> 0) ^ Math.floor(id / 4294967296), 0x9e3779b1) >>> 0;
  }

  private hashInsert(slot: number): void {
    let p = this.hashOf(this.idCol[slot]!) & this.tblMask;
    while (this.tbl[p] !== 0) p = (p + 1) & this.tblMask;
    this.tbl[p] = slot + 1;
  }

  private slotOf(id: number): number {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1) return -1;
    let p = this.hashOf(id) & this.tblMask;
    for (;;) {
      const e = this.tbl[p]!;
      if (e === 0) return -1;
      if (this.idCol[e - 1] === id) return e - 1;
      p = (p + 1) & this.tblMask;
    }
  }

  private hashDelete(id: number): void {
    const mask = this.tblMask;
    let p = this.hashOf(id) & mask;
    while (this.tbl[p] !== 0 && this.idCol[this.tbl[p]! - 1] !== id) p = (p + 1) & mask;
    if (this.tbl[p] === 0) return;
    // backward-shift deletion
    let hole = p;
    let q = (p + 1) & mask;
    while (this.tbl[q] !== 0) {
      const home = this.hashOf(this.idCol[this.tbl[q]! - 1]!) & mask;
      // move q into the hole when its home is not in (hole, q]
      if (((q - home) & mask) >= ((q - hole) & mask)) {
        this.tbl[hole] = this.tbl[q]!;
        hole = q;
      }
      q = (q + 1) & mask;
    }
    this.tbl[hole] = 0;
  }

  // -------------------------------------------------------------------------
  // Deadline heap

  private less(a: number, b: number): boolean {
    const wa = this.wake[a]!;
    const wb = this.wake[b]!;
    return wa < wb || (wa === wb && this.idCol[a]! < this.idCol[b]!);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    const s = h[i]!;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.less(s, h[up]!)) break;
      h[i] = h[up]!;
      this.hpos[h[i]!] = i;
      i = up;
    }
    h[i] = s;
    this.hpos[s] = i;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const s = h[i]!;
    const n = this.hn;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r]!, h[l]!) ? r : l;
      if (!this.less(h[c]!, s)) break;
      h[i] = h[c]!;
      this.hpos[h[i]!] = i;
      i = c;
    }
    h[i] = s;
    this.hpos[s] = i;
  }

  private heapSet(slot: number, wake: number): void {
    const old = this.wake[slot]!;
    this.wake[slot] = wake;
    const p = this.hpos[slot]!;
    if (p < 0) {
      this.heap[this.hn] = slot;
      this.hpos[slot] = this.hn++;
      this.siftUp(this.hn - 1);
    } else if (wake < old) this.siftUp(p);
    else this.siftDown(p);
  }

  private heapRemove(slot: number): void {
    const p = this.hpos[slot]!;
    if (p < 0) return;
    this.hpos[slot] = -1;
    const last = this.heap[--this.hn]!;
    if (p === this.hn) return;
    this.heap[p] = last;
    this.hpos[last] = p;
    this.siftUp(p);
    this.siftDown(this.hpos[last]!);
  }

  /** When the store must next look at a slot, from its state and columns. */
  private wakeOf(slot: number): number {
    if (this.stateCol[slot] === S_INFLIGHT) return this.nextAt[slot]!;
    const v = this.validUntilCol[slot]!;
    if (this.flags[slot]! & F_ANNOUNCED) return v;
    return Math.min(v, this.nextAt[slot]!);
  }

  private rearm(): void {
    const next = this.hn > 0 ? this.wake[this.heap[0]!]! : Infinity;
    if (next >= this.armedAt && this.armed) return; // the armed timer comes first; it re-arms when it fires
    this.arm(next);
  }

  private arm(at: number): void {
    if (this.armed) this.armed.cancel();
    this.armed = null;
    this.armedAt = Infinity;
    if (at === Infinity) return;
    this.armedAt = at;
    this.armed = this.host.at(this.timerName, at, () => {
      this.armed = null;
      this.armedAt = Infinity;
      this.tick();
    });
  }

  // -------------------------------------------------------------------------
  // Slots, destinations, arena

  private allocSlot(): number {
    if (this.freeHead >= 0) {
      const s = this.freeHead;
      this.freeHead = this.nextS[s]!;
      return s;
    }
    if (this.hw === this.cap) {
      if (this.cap >= MAX_CAPACITY) throw new SmsStoreError('full', `the store holds ${this.n} messages, its limit`);
      this.grow(Math.min(MAX_CAPACITY, this.cap * 2));
    }
    return this.hw++;
  }

  private destFor(key: string): number {
    let d = this.destIndex.get(key);
    if (d !== undefined) return d;
    d = this.dFree.length > 0 ? this.dFree.pop()! : this.dKey.length;
    if (d >= this.dHead.length) {
      const size = Math.max(16, this.dHead.length * 2);
      const g = (a: Int32Array) => {
        const b = new Int32Array(size);
        b.set(a);
        return b;
      };
      this.dHead = g(this.dHead);
      this.dTail = g(this.dTail);
      this.dCount = g(this.dCount);
    }
    this.dKey[d] = key;
    this.dHead[d] = -1;
    this.dTail[d] = -1;
    this.dCount[d] = 0;
    this.destIndex.set(key, d);
    return d;
  }

  private link(slot: number, d: number): void {
    this.dest[slot] = d;
    const t = this.dTail[d]!;
    this.prevS[slot] = t;
    this.nextS[slot] = -1;
    if (t >= 0) this.nextS[t] = slot;
    else this.dHead[d] = slot;
    this.dTail[d] = slot;
    this.dCount[d]!++;
  }

  private unlink(slot: number): void {
    const d = this.dest[slot]!;
    const p = this.prevS[slot]!;
    const nx = this.nextS[slot]!;
    if (p >= 0) this.nextS[p] = nx;
    else this.dHead[d] = nx;
    if (nx >= 0) this.prevS[nx] = p;
    else this.dTail[d] = p;
    if (--this.dCount[d]! === 0) {
      this.destIndex.delete(this.dKey[d]!);
      this.dKey[d] = '';
      this.dFree.push(d);
    }
  }

  private arenaPut(bytes: Uint8Array): number {
    if (this.arenaUsed + bytes.length > this.arena.length) {
      const live = this.arenaUsed - this.arenaGarbage;
      if (this.arenaGarbage > 65536 && this.arenaGarbage * 2 > this.arenaUsed) this.compact(Math.max(this.arena.length, (live + bytes.length) * 2));
      // grow by half: the arena is most of the store's memory
      if (this.arenaUsed + bytes.length > this.arena.length) this.compact(Math.max(4096, Math.ceil((live + bytes.length) * 1.5)));
    }
    const at = this.arenaUsed;
    this.arena.set(bytes, at);
    this.arenaUsed += bytes.length;
    return at;
  }

  /** Copies the live records into a fresh arena of `size` bytes. */
  private compact(size: number): void {
    const a = new Uint8Array(size);
    let p = 0;
    for (let i = 0; i < this.hw; i++) {
      if (this.stateCol[i] === S_FREE) continue;
      const len = this.recLen[i]!;
      a.set(this.arena.subarray(this.recOff[i]!, this.recOff[i]! + len), p);
      this.recOff[i] = p;
      p += len;
    }
    this.arena = a;
    this.arenaUsed = p;
    this.arenaGarbage = 0;
  }

  private freeSlot(slot: number): void {
    this.heapRemove(slot);
    this.unlink(slot);
    this.hashDelete(this.idCol[slot]!);
    if (this.stateCol[slot] === S_INFLIGHT) this.inflight--;
    this.stateCol[slot] = S_FREE;
    this.arenaGarbage += this.recLen[slot]!;
    this.nextS[slot] = this.freeHead;
    this.freeHead = slot;
    this.n--;
    if (this.n === 0) {
      // nothing left: start the arena afresh
      this.arenaUsed = 0;
      this.arenaGarbage = 0;
    }
  }

  private view(slot: number, state?: MessageState): StoredMessage {
    const f = this.flags[slot]!;
    const off = this.recOff[slot]!;
    const len = this.recLen[slot]!;
    const v = decodeVar(this.arena, off, len, f)!;
    const st = this.stateCol[slot] === S_INFLIGHT ? 'in-flight' : 'waiting';
    const c = this.cause[slot]!;
    return {
      id: this.idCol[slot]!,
      destination: destOf(this.dKey[this.dest[slot]!]!),
      source: v.source,
      origin: v.origin,
      dcs: v.dcs,
      pid: v.pid,
      udhi: (f & F_UDHI) !== 0,
      udl: v.udl,
      ud: this.arena.slice(v.udAt, off + len),
      statusReportRequested: (f & F_SRR) !== 0,
      report: (f & F_REPORT) !== 0,
      ...(v.recipient ? { recipient: v.recipient } : {}),
      submittedAt: this.submitted[slot]!,
      validUntil: this.validUntilCol[slot]!,
      attempts: this.attemptsCol[slot]!,
      nextAttemptAt: st === 'waiting' ? this.nextAt[slot]! : null,
      inFlightUntil: st === 'in-flight' ? this.nextAt[slot]! : null,
      state: state ?? st,
      lastCause: c === NO_CAUSE ? null : c,
    };
  }

  private reportOf(slot: number, outcome: SmsReport['outcome'], at: number): SmsReport {
    const m = this.view(slot);
    return {
      id: m.id,
      outcome,
      at,
      destination: m.destination,
      source: m.source,
      origin: m.origin,
      submittedAt: m.submittedAt,
      attempts: m.attempts,
      cause: outcome === 'delivered' ? null : m.lastCause,
      ...(m.recipient ? { recipient: m.recipient } : {}),
    };
  }

  /** Ends a message: removes it, counts it, and returns its report when one was requested. */
  private end(slot: number, outcome: SmsReport['outcome'], at: number): SmsReport | null {
    const report = this.flags[slot]! & F_SRR ? this.reportOf(slot, outcome, at) : null;
    this.counters[outcome]++;
    this.freeSlot(slot);
    return report;
  }

  private backoff(attempts: number): number {
    const first = this.timers.ms('SMS-RETRY');
    const max = this.timers.ms('SMS-RETRY-MAX');
    const k = Math.max(0, Math.min(attempts - 1, 40));
    return Math.min(max, first * 2 ** k);
  }

  /** A temporary failure of `slot` at `now`: back to waiting with a retry time, or the end (maxAttempts). Returns a report when it ended. */
  private retryLater(slot: number, now: number): { ended: boolean; report: SmsReport | null } {
    if (this.stateCol[slot] === S_INFLIGHT) {
      this.stateCol[slot] = S_WAITING;
      this.inflight--;
    }
    this.counters.retried++;
    const a = this.attemptsCol[slot]!;
    if (this.maxAttempts > 0 && a >= this.maxAttempts) return { ended: true, report: this.end(slot, 'failed', now) };
    // a retry due after the validity period never comes: the slot wakes at validUntil and expires
    this.nextAt[slot] = now + this.backoff(a);
    this.flags[slot] = this.flags[slot]! & ~F_ANNOUNCED;
    this.heapSet(slot, this.wakeOf(slot));
    return { ended: false, report: null };
  }

  private emit(due: StoredMessage[], reports: SmsReport[]): void {
    let first: { err: unknown } | null = null;
    const call = (f: () => void) => {
      try {
        f();
      } catch (err) {
        if (this.onError) this.onError(err);
        else if (!first) first = { err };
      }
    };
    if (due.length > 0 && this.onDue) {
      const h = this.onDue;
      call(() => h(due));
    }
    if (this.onReport) for (const r of reports) call(() => this.onReport!(r));
    if (first) throw (first as { err: unknown }).err;
  }

  /** The host timer: expiries, retries falling due, in-flight guards. */
  private tick(): void {
    if (this.ticking) return;
    this.ensure();
    const now = this.host.now();
    const due: number[] = [];
    const reports: SmsReport[] = [];
    this.ticking = true;
    try {
      while (this.hn > 0) {
        const s = this.heap[0]!;
        if (this.wake[s]! > now) break;
        if (this.stateCol[s] === S_INFLIGHT) {
          // no outcome within SMS-INFLIGHT: a temporary failure
          const r = this.retryLater(s, now);
          if (r.report) reports.push(r.report);
        } else if (this.validUntilCol[s]! <= now) {
          const r = this.end(s, 'expired', now);
          if (r) reports.push(r);
        } else {
          this.flags[s] = this.flags[s]! | F_ANNOUNCED;
          this.heapSet(s, this.wakeOf(s));
          due.push(s);
        }
      }
    } finally {
      this.ticking = false;
    }
    this.rearm();
    due.sort((a, b) => this.idCol[a]! - this.idCol[b]!);
    this.emit(
      due.map((s) => this.view(s)),
      reports,
    );
  }

  // -------------------------------------------------------------------------
  // API

  /** Stored messages (waiting or in flight). */
  get size(): number {
    return this.frozenForm ? this.frozenForm.state.count : this.n;
  }

  /** The id the next add() will return. */
  get nextId(): number {
    return this.frozenForm ? this.frozenForm.state.nextId : this.nextIdV;
  }

  get frozen(): boolean {
    return this.frozenForm !== null;
  }

  /**
   * Stores a message and returns its id: when add() returns, the message is
   * in the store. It is due at once (onDue on the next timer turn unless
   * taken before). Throws SmsStoreError('invalid-input') naming the field;
   * the store is unchanged then.
   */
  add(m: SmsInput): number {
    this.ensure();
    if (!m || typeof m !== 'object') throw invalid('message', `message must be an object (got ${show(m)})`);
    const key = destKey(m.destination);
    const { bytes, flags } = encodeVar(m);
    const now = this.host.now();
    let validUntil: number;
    if (m.validUntil === undefined) validUntil = now + this.timers.ms('SMS-VALIDITY');
    else {
      if (typeof m.validUntil !== 'number' || !Number.isFinite(m.validUntil)) throw invalid('validUntil', `validUntil must be a finite wall-clock time in ms (got ${show(m.validUntil)})`);
      if (m.validUntil <= now) throw invalid('validUntil', `validUntil ${new Date(m.validUntil).toISOString()} is not in the future (now ${new Date(now).toISOString()})`);
      validUntil = m.validUntil;
    }
    if (this.nextIdV > MAX_ID) throw new SmsStoreError('full', 'message ids are exhausted');
    if (this.n >= MAX_CAPACITY) throw new SmsStoreError('full', `the store holds ${this.n} messages, its limit`);
    const slot = this.allocSlot();
    // the arena may compact here: the new slot is still free, so it is not copied
    const off = this.arenaPut(bytes);
    const id = this.nextIdV++;
    this.idCol[slot] = id;
    this.submitted[slot] = now;
    this.validUntilCol[slot] = validUntil;
    this.nextAt[slot] = now;
    this.attemptsCol[slot] = 0;
    this.stateCol[slot] = S_WAITING;
    this.flags[slot] = flags;
    this.cause[slot] = NO_CAUSE;
    this.hpos[slot] = -1;
    this.recLen[slot] = bytes.length;
    this.recOff[slot] = off;
    this.link(slot, this.destFor(key));
    this.hashInsert(slot);
    this.n++;
    this.counters.added++;
    this.heapSet(slot, this.wakeOf(slot));
    this.rearm();
    return id;
  }

  /** A stored message by id (a copy), or undefined when none is stored under it. */
  get(id: number): StoredMessage | undefined {
    this.ensure();
    const s = this.slotOf(id);
    return s < 0 ? undefined : this.view(s);
  }

  has(id: number): boolean {
    this.ensure();
    return this.slotOf(id) >= 0;
  }

  /** Waiting messages for a destination, in submission order (at most `limit`). In-flight ones are left out. */
  pendingFor(destination: Destination, limit = Infinity): StoredMessage[] {
    this.ensure();
    const d = this.destIndex.get(destKey(destination));
    const out: StoredMessage[] = [];
    if (d === undefined) return out;
    for (let s = this.dHead[d]!; s >= 0 && out.length < limit; s = this.nextS[s]!) if (this.stateCol[s] === S_WAITING) out.push(this.view(s));
    return out;
  }

  /** How many messages (waiting and in flight) are stored for a destination. */
  countFor(destination: Destination): number {
    this.ensure();
    const d = this.destIndex.get(destKey(destination));
    return d === undefined ? 0 : this.dCount[d]!;
  }

  /** Destinations that have stored messages, with their counts. */
  destinations(): Array<{ destination: Destination; count: number }> {
    this.ensure();
    return [...this.destIndex].map(([k, d]) => ({ destination: destOf(k), count: this.dCount[d]! }));
  }

  /**
   * The destination is reachable now (the phone attached, the ESME bound):
   * its waiting messages become due at once, retry backoff forgotten; onDue
   * hands them over on the next timer turn. Returns how many.
   */
  ready(destination: Destination): number {
    this.ensure();
    const d = this.destIndex.get(destKey(destination));
    if (d === undefined) return 0;
    const now = this.host.now();
    let k = 0;
    for (let s = this.dHead[d]!; s >= 0; s = this.nextS[s]!) {
      if (this.stateCol[s] !== S_WAITING) continue;
      this.nextAt[s] = now;
      this.flags[s] = this.flags[s]! & ~F_ANNOUNCED;
      this.heapSet(s, this.wakeOf(s));
      k++;
    }
    this.rearm();
    return k;
  }

  /**
   * Takes a waiting message for delivery: it is in flight until delivered()
   * or failed() (or SMS-INFLIGHT passes), and its attempt counter goes up.
   * Throws 'not-found', 'in-flight', or 'expired' (the validity period ran
   * out: the message has just been expired and reported).
   */
  take(id: number): StoredMessage {
    this.ensure();
    const s = this.mustFind(id);
    if (this.stateCol[s] === S_INFLIGHT) throw new SmsStoreError('in-flight', `message ${id} is in flight already (attempt ${this.attemptsCol[s]})`, 'id');
    const now = this.host.now();
    const validUntil = this.validUntilCol[s]!;
    if (validUntil <= now) {
      const r = this.end(s, 'expired', now);
      this.rearm();
      this.emit([], r ? [r] : []);
      throw new SmsStoreError('expired', `message ${id} expired at ${new Date(validUntil).toISOString()}`, 'id');
    }
    this.stateCol[s] = S_INFLIGHT;
    this.inflight++;
    if (this.attemptsCol[s]! < 65535) this.attemptsCol[s]!++;
    this.nextAt[s] = now + this.timers.ms('SMS-INFLIGHT');
    this.flags[s] = this.flags[s]! & ~F_ANNOUNCED;
    this.heapSet(s, this.wakeOf(s));
    this.rearm();
    return this.view(s);
  }

  /**
   * The message reached its destination: it leaves the store. Returns the
   * report when one was requested (the same object onReport receives), else
   * null. Accepted for a waiting message too (a late acknowledgement after
   * SMS-INFLIGHT or a snapshot put it back). Throws 'not-found'.
   */
  delivered(id: number): SmsReport | null {
    this.ensure();
    const s = this.mustFind(id);
    const r = this.end(s, 'delivered', this.host.now());
    this.rearm();
    this.emit([], r ? [r] : []);
    return r;
  }

  /**
   * A delivery attempt failed. Temporary: the message waits for its next
   * attempt (SMS-RETRY doubling per attempt, at most SMS-RETRY-MAX, or
   * ready()), until its validity runs out or maxAttempts. Permanent: it ends
   * as failed (with a report when requested). Returns the report when the
   * message ended and one was requested, else null. Throws 'not-found'.
   */
  failed(id: number, how: { temporary: boolean; cause?: number }): SmsReport | null {
    this.ensure();
    if (!how || typeof how !== 'object' || typeof how.temporary !== 'boolean') throw invalid('temporary', `failed(id, { temporary, cause }): temporary must be a boolean (got ${show(how?.temporary)})`);
    const cause = how.cause === undefined ? NO_CAUSE : intIn(how.cause, 0, 0xfffffffe, 'cause');
    const s = this.mustFind(id);
    const now = this.host.now();
    this.cause[s] = cause;
    let report: SmsReport | null;
    if (how.temporary) report = this.retryLater(s, now).report;
    else report = this.end(s, 'failed', now);
    this.rearm();
    this.emit([], report ? [report] : []);
    return report;
  }

  /**
   * Puts every in-flight message back to waiting, due at once (its attempt
   * counter kept): for when the links that carried them are gone. Returns how many.
   */
  requeueInFlight(): number {
    this.ensure();
    const now = this.host.now();
    let k = 0;
    for (let s = 0; s < this.hw; s++) {
      if (this.stateCol[s] !== S_INFLIGHT) continue;
      this.stateCol[s] = S_WAITING;
      this.inflight--;
      this.nextAt[s] = now;
      this.flags[s] = this.flags[s]! & ~F_ANNOUNCED;
      this.heapSet(s, this.wakeOf(s));
      k++;
    }
    this.counters.requeued += k;
    this.rearm();
    return k;
  }

  /** Every stored message, in id (submission) order. */
  list(): StoredMessage[] {
    this.ensure();
    return this.slotsById().map((s) => this.view(s));
  }

  /** Counts and sizes (thaws a frozen store, as any call does). */
  stats(): SmsStoreStats {
    this.ensure();
    return {
      stored: this.n,
      waiting: this.n - this.inflight,
      inFlight: this.inflight,
      destinations: this.destIndex.size,
      nextId: this.nextIdV,
      frozen: false,
      bytes: this.allocatedBytes(),
      counters: { ...this.counters },
    };
  }

  /** Bytes of typed arrays the live store holds (columns at capacity, heap, hash, arena). */
  allocatedBytes(): number {
    const cols = [this.idCol, this.submitted, this.validUntilCol, this.nextAt, this.wake, this.dest, this.nextS, this.prevS, this.hpos, this.recOff, this.recLen, this.cause, this.attemptsCol, this.stateCol, this.flags, this.heap, this.tbl];
    return cols.reduce((a, c) => a + c.byteLength, 0) + this.arena.byteLength + this.dHead.byteLength * 3;
  }

  private mustFind(id: number): number {
    const s = this.slotOf(id);
    if (s < 0) {
      const why = typeof id === 'number' && Number.isInteger(id) && id >= 1 && id < this.nextIdV ? 'is no longer stored (delivered, expired or failed)' : 'was never issued';
      throw new SmsStoreError('not-found', `message ${show(id)} ${why}`, 'id');
    }
    return s;
  }

  private slotsById(): number[] {
    const slots: number[] = [];
    for (let s = 0; s < this.hw; s++) if (this.stateCol[s] !== S_FREE) slots.push(s);
    // ids grow with time; slots are reused, so sort
    return slots.sort((a, b) => this.idCol[a]! - this.idCol[b]!);
  }

  // -------------------------------------------------------------------------
  // State

  /**
   * The durable state: a plain object of strings and numbers (JSON and
   * v8.serialize both keep it), safe to keep while the store changes. Every
   * message is in it, in-flight ones marked so (importState puts them back
   * to waiting).
   */
  exportState(): SmsStoreState {
    if (this.frozenForm) return this.frozenForm.state; // immutable: share it
    const slots = this.slotsById();
    const destinations: string[] = [];
    const dmap = new Map<number, number>();
    let size = 0;
    for (const s of slots) size += REC_FIXED + this.recLen[s]!;
    const buf = Buffer.alloc(size);
    let p = 0;
    for (const s of slots) {
      const d = this.dest[s]!;
      let di = dmap.get(d);
      if (di === undefined) {
        di = destinations.length;
        destinations.push(this.dKey[d]!);
        dmap.set(d, di);
      }
      buf.writeDoubleLE(this.idCol[s]!, p);
      buf.writeDoubleLE(this.submitted[s]!, p + 8);
      buf.writeDoubleLE(this.validUntilCol[s]!, p + 16);
      buf.writeDoubleLE(this.nextAt[s]!, p + 24);
      buf.writeUInt32LE(di, p + 32);
      buf.writeUInt32LE(this.cause[s]!, p + 36);
      buf.writeUInt16LE(this.attemptsCol[s]!, p + 40);
      buf[p + 42] = this.stateCol[s]!;
      buf[p + 43] = this.flags[s]!;
      const len = this.recLen[s]!;
      buf.writeUInt32LE(len, p + 44);
      buf.set(this.arena.subarray(this.recOff[s]!, this.recOff[s]! + len), p + REC_FIXED);
      p += REC_FIXED + len;
    }
    const body = {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      count: slots.length,
      nextId: this.nextIdV,
      destinations,
      counters: { ...this.counters },
      blob: buf.toString('latin1'),
    } as const;
    return { ...body, checksum: checksumOf(body) };
  }

  /**
   * Replaces the whole content with `state`, all or nothing: a state that is
   * not one (foreign format, other version, bad checksum, a record that does
   * not hold together) throws SmsStoreError('invalid-state') naming the
   * field and record, and the store is unchanged. Messages in flight in the
   * state go back to waiting, due at once (they will be delivered again: the
   * MSC must call delivered() as soon as a delivery is acknowledged), and
   * every waiting message is handed to onDue again when it is due. The store
   * is left frozen (importState runs in the builder of a live snapshot); the
   * one timer is armed for the earliest deadline.
   */
  importState(state: unknown): void {
    const v = checkState(state);
    const now = this.host.now();
    this.frozenForm = { state: v.state, requeue: true, at: now };
    this.resetLive();
    this.arm(v.minWake(now));
  }

  /** A fresh store holding `state` (see importState), thawed. */
  static fromState(state: unknown, opts: SmsStoreOptions): SmsStore {
    const s = new SmsStore(opts);
    s.importState(state);
    s.thaw();
    return s;
  }

  /**
   * Packs the live store into its exported form (one string, no
   * ArrayBuffers) for an image: call it in aboutToSnapshot. Nothing changes
   * otherwise (in-flight messages stay in flight); any other call thaws it.
   */
  freeze(): void {
    if (this.frozenForm) return;
    const state = this.exportState();
    this.frozenForm = { state, requeue: false, at: this.host.now() };
    this.resetLive();
  }

  /** Rebuilds the live columns of a frozen store (any other method does it when needed). */
  thaw(): void {
    const f = this.frozenForm;
    if (!f) return;
    const st = f.state;
    const buf = Buffer.from(st.blob, 'latin1');
    let cap = MIN_CAPACITY;
    while (cap < st.count + (st.count >> 3)) cap *= 2;
    this.resetLive(cap);
    this.arena = new Uint8Array(Math.max(4096, buf.length - st.count * REC_FIXED + 4096));
    const dIdx: number[] = st.destinations.map((k) => this.destFor(k));
    let p = 0;
    for (let j = 0; j < st.count; j++) {
      const s = j;
      this.hw = j + 1;
      this.idCol[s] = buf.readDoubleLE(p);
      this.submitted[s] = buf.readDoubleLE(p + 8);
      this.validUntilCol[s] = buf.readDoubleLE(p + 16);
      this.nextAt[s] = buf.readDoubleLE(p + 24);
      const d = dIdx[buf.readUInt32LE(p + 32)]!;
      this.cause[s] = buf.readUInt32LE(p + 36);
      this.attemptsCol[s] = buf.readUInt16LE(p + 40);
      this.stateCol[s] = buf[p + 42]!;
      this.flags[s] = buf[p + 43]!;
      const len = buf.readUInt32LE(p + 44);
      this.recLen[s] = len;
      this.recOff[s] = this.arenaUsed;
      this.arena.set(buf.subarray(p + REC_FIXED, p + REC_FIXED + len), this.arenaUsed);
      this.arenaUsed += len;
      p += REC_FIXED + len;
      if (f.requeue) {
        if (this.stateCol[s] === S_INFLIGHT) {
          this.stateCol[s] = S_WAITING;
          this.nextAt[s] = f.at;
          this.counters.requeued++;
        }
        this.flags[s] = this.flags[s]! & ~F_ANNOUNCED;
      }
      if (this.stateCol[s] === S_INFLIGHT) this.inflight++;
      this.hpos[s] = -1;
      this.link(s, d);
      this.hashInsert(s);
      this.n++;
      this.heapSet(s, this.wakeOf(s));
    }
    this.nextIdV = st.nextId;
    this.counters = { ...st.counters, requeued: this.counters.requeued + st.counters.requeued };
    this.frozenForm = null;
    // the armed timer (if any) stays; make sure it is not later than the earliest wake
    this.rearm();
  }

  private ensure(): void {
    if (this.frozenForm) this.thaw();
  }

  /** Empties the live structures (the frozen form, if any, is kept). */
  private resetLive(cap = 0): void {
    const z = <T extends Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array>(a: T): T => new (a.constructor as new (n: number) => T)(0);
    this.idCol = z(this.idCol);
    this.submitted = z(this.submitted);
    this.validUntilCol = z(this.validUntilCol);
    this.nextAt = z(this.nextAt);
    this.wake = z(this.wake);
    this.dest = z(this.dest);
    this.nextS = z(this.nextS);
    this.prevS = z(this.prevS);
    this.hpos = z(this.hpos);
    this.recOff = z(this.recOff);
    this.recLen = z(this.recLen);
    this.cause = z(this.cause);
    this.attemptsCol = z(this.attemptsCol);
    this.stateCol = z(this.stateCol);
    this.flags = z(this.flags);
    this.heap = z(this.heap);
    this.cap = 0;
    this.hw = 0;
    this.n = 0;
    this.hn = 0;
    this.inflight = 0;
    this.freeHead = -1;
    this.arena = new Uint8Array(0);
    this.arenaUsed = 0;
    this.arenaGarbage = 0;
    this.destIndex = new Map();
    this.dKey = [];
    this.dHead = new Int32Array(0);
    this.dTail = new Int32Array(0);
    this.dCount = new Int32Array(0);
    this.dFree = [];
    this.counters = emptyCounters();
    this.tbl = new Int32Array(16);
    this.tblMask = 15;
    if (cap > 0) this.grow(cap);
  }
}

// ---------------------------------------------------------------------------
// State checking

interface CheckedState {
  state: SmsStoreState;
  /** The earliest wake time once imported at `now` (in-flight -> waiting due at now, announcements cleared). */
  minWake(now: number): number;
}

function checkState(state: unknown): CheckedState {
  if (!state || typeof state !== 'object' || Array.isArray(state)) throw stateError(`state must be an object (got ${show(state)})`, 'state');
  const s = state as Record<string, unknown>;
  if (s.format !== STATE_FORMAT) throw stateError(`state.format ${show(s.format)} is not '${STATE_FORMAT}' (not an sms-store state)`, 'state.format');
  if (s.version !== STATE_VERSION) throw stateError(`state.version ${show(s.version)} is not supported (this sms-store reads version ${STATE_VERSION})`, 'state.version');
  if (typeof s.count !== 'number' || !Number.isSafeInteger(s.count) || s.count < 0 || s.count > MAX_CAPACITY) throw stateError(`state.count ${show(s.count)} is not a message count`, 'state.count');
  if (typeof s.nextId !== 'number' || !Number.isSafeInteger(s.nextId) || s.nextId < 1) throw stateError(`state.nextId ${show(s.nextId)} is not an id`, 'state.nextId');
  if (!Array.isArray(s.destinations)) throw stateError('state.destinations must be an array', 'state.destinations');
  s.destinations.forEach((k, i) => {
    if (typeof k !== 'string' || !KEY_RE.test(k)) throw stateError(`state.destinations[${i}] ${show(k)} is not a destination key`, 'state.destinations', i);
  });
  if (new Set(s.destinations).size !== s.destinations.length) throw stateError('state.destinations lists a destination twice', 'state.destinations');
  const c = s.counters as Record<string, unknown> | undefined;
  if (!c || typeof c !== 'object') throw stateError('state.counters must be an object', 'state.counters');
  for (const k of Object.keys(emptyCounters()))
    if (typeof c[k] !== 'number' || !Number.isSafeInteger(c[k]) || (c[k] as number) < 0) throw stateError(`state.counters.${k} ${show(c[k])} is not a count`, `state.counters.${k}`);
  if (typeof s.blob !== 'string') throw stateError('state.blob must be a string', 'state.blob');
  if (typeof s.checksum !== 'string') throw stateError('state.checksum must be a string', 'state.checksum');
  const body = {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    count: s.count,
    nextId: s.nextId,
    destinations: s.destinations as string[],
    counters: Object.fromEntries(Object.keys(emptyCounters()).map((k) => [k, c[k]])) as unknown as SmsCounters,
    blob: s.blob,
  } as const;
  // a latin1 blob has no character above 0xff
  if (/[^\x00-\xff]/.test(s.blob)) throw stateError('state.blob has characters above U+00FF (not a latin1 byte string: re-encoded?)', 'state.blob');
  if (checksumOf(body) !== s.checksum) throw stateError('state.checksum does not match its content (torn or edited state)', 'state.checksum');
  const buf = Buffer.from(s.blob, 'latin1');
  const count = s.count;
  const nextId = s.nextId;
  let p = 0;
  let lastId = 0;
  const used = new Uint8Array(body.destinations.length);
  const wakes = new Float64Array(count);
  const inflight = new Uint8Array(count);
  for (let j = 0; j < count; j++) {
    const rec = (why: string, field = 'state.blob'): SmsStoreError => stateError(`state.blob: record ${j}${lastId ? ` (after id ${lastId})` : ''}: ${why}`, field, j);
    if (p + REC_FIXED > buf.length) throw rec(`truncated: ${buf.length - p} bytes left, a record needs at least ${REC_FIXED}`);
    const id = buf.readDoubleLE(p);
    if (!Number.isSafeInteger(id) || id <= lastId || id >= nextId) throw rec(`id ${id} is not above ${lastId} and below nextId ${nextId}`);
    const submittedAt = buf.readDoubleLE(p + 8);
    const validUntil = buf.readDoubleLE(p + 16);
    const nextAt = buf.readDoubleLE(p + 24);
    for (const [name, t] of [['submittedAt', submittedAt], ['validUntil', validUntil], ['nextAttemptAt', nextAt]] as const)
      if (!Number.isFinite(t) || t < 0) throw rec(`id ${id}: ${name} ${t} is not a time`);
    const di = buf.readUInt32LE(p + 32);
    if (di >= body.destinations.length) throw rec(`id ${id}: destination index ${di} is beyond the ${body.destinations.length} destinations`);
    used[di] = 1;
    const st = buf[p + 42]!;
    if (st !== S_WAITING && st !== S_INFLIGHT) throw rec(`id ${id}: state ${st} is neither waiting (${S_WAITING}) nor in flight (${S_INFLIGHT})`);
    const fl = buf[p + 43]!;
    if (fl & ~F_KNOWN) throw rec(`id ${id}: flags 0x${fl.toString(16)} has unknown bits`);
    const len = buf.readUInt32LE(p + 44);
    if (p + REC_FIXED + len > buf.length) throw rec(`id ${id}: its ${len}-byte body runs past the end of the blob`);
    if (!decodeVar(buf, p + REC_FIXED, len, fl)) throw rec(`id ${id}: its body does not hold together (source, origin or user data)`);
    wakes[j] = st === S_INFLIGHT ? -1 : Math.min(validUntil, nextAt);
    inflight[j] = st === S_INFLIGHT ? 1 : 0;
    lastId = id;
    p += REC_FIXED + len;
  }
  if (p !== buf.length) throw stateError(`state.blob has ${buf.length - p} bytes after its ${count} records`, 'state.blob');
  const unused = used.indexOf(0);
  if (unused >= 0) throw stateError(`state.destinations[${unused}] has no message`, 'state.destinations', unused);
  return {
    state: { ...body, checksum: s.checksum },
    minWake(now: number): number {
      let m = Infinity;
      for (let j = 0; j < count; j++) m = Math.min(m, inflight[j] ? now : wakes[j]!);
      return m;
    },
  };
}
