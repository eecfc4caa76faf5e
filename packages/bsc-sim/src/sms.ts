import { fromHex } from '@snaptel/codec';
import type { BcdNumber, DtapMessage, RpMessage } from '@snaptel/gsm48';
import { gsm7Septets, isGsm7, relativeSeconds, type Address, type Dcs, type Timestamp, type Tpdu, type UdhElement, type ValidityPeriod } from '@snaptel/sms';
import { SmsFailedError, TimeoutError } from './errors';
import type { Session } from './session';
import { NamedTimers } from './timers';

/**
 * The mobile side of the short message service: the SM-CP layer
 * (TS 24.011 §5: CP-DATA / CP-ACK / CP-ERROR, TC1M retransmission) as one
 * transaction object per transaction identifier, and the TS 23.040 pieces
 * a phone needs (choosing the alphabet, splitting long text into
 * concatenated parts, reassembling them). The relay layer (RP-DATA,
 * RP-ACK, RP-ERROR, RP-SMMA) is run by Ms on top of it.
 */

/** What to send: text (GSM 7-bit when every character is in the default alphabet or its extension table, else UCS2), forced UCS2, or 8-bit data. */
export type SmsContent = string | { text: string; ucs2?: boolean } | { ucs2: string } | { data: string | Uint8Array };

export interface SendSmsOptions {
  /** TP-SRR: ask the SC for a status report (it comes as an SMS-STATUS-REPORT into ms.statusReports). */
  statusReport?: boolean;
  /** TP-VP: seconds (relative format, rounded up to the next step of §9.2.3.12.1), or a TP-VP as @snaptel/sms writes it. */
  validity?: number | ValidityPeriod;
  /** Split text longer than one message into concatenated parts (8-bit reference UDH, IEI 0x00). Default true; false makes an over-long message a RangeError. */
  concatenate?: boolean;
  /** TP-PID (default 0). */
  pid?: number;
  /** TP-RD: reject duplicates at the SC. */
  rejectDuplicates?: boolean;
  /**
   * Send these TPDU octets (hex) in the RP-DATA as they are, instead of the
   * SMS-SUBMIT built from the content: to see how the network answers a bad
   * TPDU (TS 24.011 §8.2.5.4: RP-ERROR with cause 96, 95...).
   */
  rawTpdu?: string;
}

export interface SmsPartResult {
  /** TP-MR of this part. */
  messageRef: number;
  /** RP-MR of its RP-DATA. */
  rpMr: number;
  accepted: boolean;
  /** RP-Cause of an RP-ERROR (TS 24.011 §8.2.5.4). */
  rpCause?: number;
  /** TP-FCS of the SMS-SUBMIT-REPORT in the RP-ERROR, when there was one. */
  tpFcs?: number;
  /** CP-DATA sent again after TC1M expired. */
  retransmissions: number;
  /** RP-DATA sent -> RP-ACK / RP-ERROR received. */
  durationMs: number;
}

export interface SmsResult {
  /** Every part got RP-ACK. */
  accepted: boolean;
  /** RP-Cause of the first RP-ERROR. */
  rpCause?: number;
  /** TP-MR of the first part. */
  messageRef: number;
  /** One per part sent (sending stops at the first RP-ERROR). */
  parts: SmsPartResult[];
  /** How many parts the message was split into. */
  partsPlanned: number;
  alphabet: 'gsm7' | 'ucs2' | '8bit';
  /** CM SERVICE REJECT cause when the MSC refused the service. */
  cmCause?: number;
  authRejected?: boolean;
  /** CM SERVICE REQUEST (or the first RP-DATA, on an existing connection) -> last RP-ACK / RP-ERROR. */
  durationMs: number;
}

/** One SMS-DELIVER the MS took (duplicates of a retransmitted CP-DATA are not counted twice). */
export interface ReceivedPart {
  sender: string;
  scts: Timestamp | undefined;
  dcs: Dcs | undefined;
  /** Concatenation (8- or 16-bit reference), when the part has one. */
  concat?: { ref: number; total: number; seq: number };
  /** Text (7-bit, UCS2) or hex body (8-bit). */
  text?: string;
  body?: string;
  rpMr: number;
  tpdu: Tpdu;
  receivedAt: number;
}

/** A short message in the inbox: one part, or all the parts of a concatenated one. */
export interface ReceivedSms {
  sender: string;
  /** Text of all parts in order (7-bit or UCS2); for 8-bit data, `data` (hex) instead. */
  text: string;
  data?: string;
  dcs: Dcs | undefined;
  alphabet: 'gsm7' | 'ucs2' | '8bit';
  /** TP-SCTS of each part, in part order. */
  timestamps: (Timestamp | undefined)[];
  /** The parts, in part order. */
  parts: ReceivedPart[];
  /** Concatenation reference, when there were parts. */
  concatRef?: number;
}

export interface StatusReport {
  /** TP-MR of the SMS-SUBMIT it reports on. */
  messageRef: number;
  recipient: string;
  /** TP-ST (0 = received by the SME). */
  status: number;
  scts: Timestamp | undefined;
  dischargeTime: Timestamp | undefined;
  tpdu: Tpdu;
}

// ---------------------------------------------------------------- TPDU planning

const GSM7_SINGLE = 160;
/** 153 septets: 160 minus the 6-octet concatenation UDH (7 septets with the fill bit). */
const GSM7_PART = 153;
const OCTETS_SINGLE = 140;
/** 134 octets: 140 minus the 6-octet UDH. */
const OCTETS_PART = 134;

/** TP-VP relative octet for at least `seconds` (the largest, 63 weeks, when longer). */
export function relativeVp(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`validity ${seconds}: not a duration in seconds`);
  for (let v = 0; v <= 255; v++) if (relativeSeconds(v) >= seconds) return v;
  return 255;
}

export interface PlannedSms {
  alphabet: 'gsm7' | 'ucs2' | '8bit';
  /** User data per part: text (7-bit, UCS2) or bytes (8-bit). */
  chunks: (string | Uint8Array)[];
}

/** Splits a 7-bit text into chunks of at most `n` septets, never between ESC and its character. */
function splitGsm7(text: string, n: number): string[] {
  const out: string[] = [];
  let cur = '';
  let used = 0;
  for (const c of text) {
    const w = gsm7Septets(c).length;
    if (used + w > n) {
      out.push(cur);
      cur = '';
      used = 0;
    }
    cur += c;
    used += w;
  }
  out.push(cur);
  return out;
}

/** Splits UCS2 text into chunks of at most `n` UTF-16 units, never inside a surrogate pair. */
function splitUcs2(text: string, n: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const c of text) {
    if (cur.length + c.length > n) {
      out.push(cur);
      cur = '';
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

/** The alphabet and the user data of each part (TS 23.040 §9.2.3.24.1 concatenation; TS 23.038 alphabets). */
export function planSms(content: SmsContent, concatenate = true): PlannedSms {
  let alphabet: PlannedSms['alphabet'];
  let chunks: (string | Uint8Array)[];
  if (typeof content === 'string' || 'text' in content) {
    const text = typeof content === 'string' ? content : content.text;
    const ucs2 = typeof content !== 'string' && content.ucs2 === true;
    if (!ucs2 && isGsm7(text)) {
      alphabet = 'gsm7';
      const septets = gsm7Septets(text).length;
      chunks = septets <= GSM7_SINGLE ? [text] : splitGsm7(text, GSM7_PART);
    } else {
      alphabet = 'ucs2';
      chunks = text.length <= OCTETS_SINGLE / 2 ? [text] : splitUcs2(text, OCTETS_PART / 2);
    }
  } else if ('ucs2' in content) {
    alphabet = 'ucs2';
    chunks = content.ucs2.length <= OCTETS_SINGLE / 2 ? [content.ucs2] : splitUcs2(content.ucs2, OCTETS_PART / 2);
  } else {
    alphabet = '8bit';
    const b = typeof content.data === 'string' ? fromHex(content.data) : content.data;
    chunks = [];
    if (b.length <= OCTETS_SINGLE) chunks.push(b);
    else for (let i = 0; i < b.length; i += OCTETS_PART) chunks.push(b.subarray(i, i + OCTETS_PART));
  }
  if (chunks.length > 1 && !concatenate) throw new RangeError(`message needs ${chunks.length} parts and concatenate is false`);
  if (chunks.length > 255) throw new RangeError(`message needs ${chunks.length} parts; at most 255 can be concatenated`);
  return { alphabet, chunks };
}

const DCS_OF = { gsm7: 0x00, '8bit': 0x04, ucs2: 0x08 } as const;

/** A called number as TP-DA / RP address: '+' for international. */
export function address(number: string): { ton: number; digits: string } {
  if (!/^\+?[0-9*#abc]{1,20}$/.test(number)) throw new RangeError(`number ${number}: 1 to 20 digits 0-9 * # a b c, '+' for international`);
  return number.startsWith('+') ? { ton: 1, digits: number.slice(1) } : { ton: 0, digits: number };
}

/** The SMS-SUBMITs of a planned message: TP-MR from `nextMr`, one concatenation reference for all parts. */
export function buildSubmits(to: string, plan: PlannedSms, opts: SendSmsOptions, nextMr: () => number, concatRef: number): Tpdu[] {
  const da = address(to);
  const dcs: Dcs = { value: DCS_OF[plan.alphabet] };
  const vp: ValidityPeriod | undefined =
    opts.validity === undefined ? undefined : typeof opts.validity === 'number' ? { format: 'relative', value: relativeVp(opts.validity) } : opts.validity;
  const total = plan.chunks.length;
  return plan.chunks.map((chunk, i) => {
    const header: UdhElement[] | undefined = total > 1 ? [{ type: 'concat8', ref: concatRef & 0xff, total, seq: i + 1 }] : undefined;
    const t: Tpdu = {
      type: 'SMS-SUBMIT',
      rd: opts.rejectDuplicates ?? false,
      srr: opts.statusReport ?? false,
      udhi: header !== undefined,
      rp: false,
      mr: nextMr(),
      da: { ton: da.ton === 1 ? 'international' : 'unknown', npi: 1, digits: da.digits } as Address,
      pid: opts.pid ?? 0,
      dcs,
      ud: typeof chunk === 'string' ? { text: chunk } : { body: Buffer.from(chunk).toString('hex') },
    };
    if (header) t.ud!.header = header;
    if (vp) t.vp = vp;
    return t;
  });
}

// ---------------------------------------------------------------- reassembly

function concatOf(t: Tpdu): ReceivedPart['concat'] {
  for (const h of t.ud?.header ?? []) if (h.type === 'concat8' || h.type === 'concat16') return { ref: h.ref, total: h.total, seq: h.seq };
  return undefined;
}

function addressText(a: Address | undefined): string {
  if (!a) return '';
  if (a.text !== undefined) return a.text;
  return (a.ton === 'international' ? '+' : '') + (a.digits ?? '');
}

/** Parts of a received SMS-DELIVER, as the inbox records them. */
export function partOf(t: Tpdu, rpMr: number): ReceivedPart {
  const p: ReceivedPart = { sender: addressText(t.oa), scts: t.scts, dcs: t.dcs, rpMr, tpdu: t, receivedAt: Date.now() };
  const c = concatOf(t);
  if (c) p.concat = c;
  if (t.ud?.text !== undefined) p.text = t.ud.text;
  if (t.ud?.body !== undefined) p.body = t.ud.body;
  return p;
}

export function statusReportOf(t: Tpdu): StatusReport {
  return { messageRef: t.mr ?? 0, recipient: addressText(t.ra), status: t.st ?? 0, scts: t.scts, dischargeTime: t.dt, tpdu: t };
}

/** Identity of a part for duplicate detection: sender, SC time stamp, concatenation, content. */
export function partKey(p: ReceivedPart): string {
  return JSON.stringify([p.sender, p.scts, p.concat, p.text ?? p.body]);
}

/**
 * Collects the parts of concatenated messages (key: sender and reference);
 * a message is complete when every sequence number 1..total is there.
 * Partial messages older than `maxAgeMs` are dropped at the next add.
 */
export class Reassembler {
  private readonly pending = new Map<string, { parts: Map<number, ReceivedPart>; total: number; first: number }>();

  constructor(private readonly maxAgeMs = 10 * 60_000) {}

  get incomplete(): number {
    return this.pending.size;
  }

  add(p: ReceivedPart): ReceivedSms | undefined {
    const now = Date.now();
    for (const [k, v] of this.pending) if (now - v.first > this.maxAgeMs) this.pending.delete(k);
    const c = p.concat;
    if (!c || c.total <= 1) return assemble([p], undefined);
    const key = `${p.sender}/${c.ref}/${c.total}`;
    let e = this.pending.get(key);
    if (!e) this.pending.set(key, (e = { parts: new Map(), total: c.total, first: now }));
    e.parts.set(c.seq, p);
    if (e.parts.size < e.total) return undefined;
    for (let i = 1; i <= e.total; i++) if (!e.parts.has(i)) return undefined;
    this.pending.delete(key);
    return assemble(
      Array.from({ length: e.total }, (_, i) => e!.parts.get(i + 1)!),
      c.ref,
    );
  }
}

function assemble(parts: ReceivedPart[], ref: number | undefined): ReceivedSms {
  const first = parts[0]!;
  const alphabet = first.dcs?.alphabet ?? 'gsm7';
  const sms: ReceivedSms = {
    sender: first.sender,
    text: parts.map((p) => p.text ?? '').join(''),
    dcs: first.dcs,
    alphabet,
    timestamps: parts.map((p) => p.scts),
    parts,
  };
  if (alphabet === '8bit') sms.data = parts.map((p) => p.body ?? '').join('');
  if (ref !== undefined) sms.concatRef = ref;
  return sms;
}

// ---------------------------------------------------------------- SM-CP transaction

export type CpState = 'idle' | 'wait-cp-ack' | 'established' | 'released';

/**
 * One SM-CP transaction of the MS (TS 24.011 §5.2, the MS side of the
 * SMC): CP-DATA is sent and repeated on TC1M until CP-ACK (or a CP-DATA,
 * which implies it) comes; a CP-DATA from the network is acknowledged with
 * CP-ACK and its RPDU handed up, a repeated one only acknowledged again.
 * The owner (MO or MT relay procedure) says when the transaction is over.
 */
export class SmsTransaction {
  state: CpState = 'idle';
  retransmissions = 0;
  private readonly timers: NamedTimers;
  private lastSent: RpMessage | undefined;
  private lastReceived: string | undefined;
  /** The relay layer's handler of RPDUs from the network. */
  onRp: (rp: RpMessage) => void = () => {};
  /** The transaction failed below RL (CP-ERROR, TC1M exhausted, connection lost). */
  onFail: (e: Error) => void = () => {};
  /** CP-ACK came for the last CP-DATA sent. */
  onAcked: () => void = () => {};
  /** Close after the CP-ACK that acknowledges our last CP-DATA (MT: after RP-ACK/RP-ERROR; MO: after RP-SMMA's answer nothing more is sent). */
  closeWhenAcked = false;

  constructor(
    readonly s: Session,
    readonly origin: 'mo' | 'mt',
    readonly ti: number,
    readonly procedure: string,
    private readonly maxRetransmissions: number,
  ) {
    this.timers = new NamedTimers(s.ms.timers);
    s.addSms(this);
  }

  get key(): string {
    return `${this.origin}${this.ti}`;
  }

  private send(type: 'CP-DATA' | 'CP-ACK' | 'CP-ERROR', ies: Record<string, unknown>): void {
    // TI flag: 0 from the side that allocated the TI (the MS for MO), 1 from the other.
    const m = { pd: 'sms', type, tiFlag: this.origin === 'mo' ? 0 : 1, ti: this.ti, ies } as Omit<DtapMessage, 'direction'>;
    this.s.sendDtap(m, 0x03);
  }

  /** CP-DATA with this RPDU; TC1M runs until CP-ACK. */
  sendData(rp: RpMessage): void {
    this.lastSent = rp;
    this.retransmissions = 0;
    this.transmit();
  }

  private transmit(): void {
    this.send('CP-DATA', { rpdu: this.lastSent });
    this.state = 'wait-cp-ack';
    this.timers.start('TC1M', () => {
      if (this.retransmissions >= this.maxRetransmissions) {
        this.s.ms.note(`TC1M expired ${this.retransmissions + 1} times: ${this.procedure} gives up`);
        this.fail(new TimeoutError(this.procedure, 'TC1M', this.timers.ms('TC1M'), ['CP-ACK'], this.lastReceived, this.s.imsi));
        return;
      }
      this.retransmissions++;
      this.s.ms.note(`TC1M expired: CP-DATA sent again (${this.retransmissions})`);
      this.transmit();
    });
  }

  /** Runs `timer` for the relay layer's answer; `fire` when it expires. */
  relayTimer(timer: 'TR1M' | 'TR2M', fire: () => void): void {
    this.timers.start(timer, fire);
  }

  stopRelayTimer(timer: 'TR1M' | 'TR2M'): void {
    this.timers.stop(timer);
  }

  timerMs(timer: 'TR1M' | 'TR2M' | 'TC1M'): number {
    return this.timers.ms(timer);
  }

  /** A CP message of this transaction from the network. */
  onMessage(m: DtapMessage): void {
    this.lastReceived = m.type;
    switch (m.type) {
      case 'CP-ACK':
        if (this.state !== 'wait-cp-ack') return; // TS 24.011 §9.2: ignored in other states
        this.acked();
        return;
      case 'CP-DATA': {
        const rp = (m.ies as { rpdu?: RpMessage | { type: 'unknown' } }).rpdu;
        const sig = JSON.stringify(rp);
        if (sig === this.lastReceivedRp) {
          // The network repeats its CP-DATA: our CP-ACK was lost. Acknowledge again, hand nothing up.
          this.s.ms.note(`${this.procedure}: repeated CP-DATA: acknowledged again, not handed up`);
          this.s.ms.smsDuplicates++;
          this.send('CP-ACK', {});
          return;
        }
        if (this.state === 'wait-cp-ack') this.acked(); // §5.4: a new CP-DATA implies the CP-ACK
        if (this.state === 'released') return;
        this.send('CP-ACK', {});
        if (!rp || rp.type === 'unknown') {
          this.s.ms.note(`${this.procedure}: CP-DATA with an RPDU of unknown type`);
          return;
        }
        this.lastReceivedRp = sig;
        this.onRp(rp as RpMessage);
        return;
      }
      case 'CP-ERROR': {
        const cause = (m.ies as { cpCause?: number }).cpCause;
        this.fail(new SmsFailedError(this.procedure, 'CP-ERROR from the network', cause, this.s.imsi));
        return;
      }
      default:
        return;
    }
  }

  private lastReceivedRp: string | undefined;

  private acked(): void {
    this.timers.stop('TC1M');
    this.state = 'established';
    this.onAcked();
    if (this.closeWhenAcked) this.release();
  }

  /** CP-ERROR to the network (e.g. cause 81, invalid transaction identifier) and release. */
  error(cause: number): void {
    this.send('CP-ERROR', { cpCause: cause });
    this.release();
  }

  fail(e: Error): void {
    if (this.state === 'released') return;
    this.release();
    this.onFail(e);
  }

  release(): void {
    if (this.state === 'released') return;
    this.state = 'released';
    this.timers.stopAll();
    this.s.smsEnded(this);
  }
}

/** The RP address of the SC ('+' international). */
export function rpAddress(number: string): BcdNumber {
  const a = address(number);
  return { ton: a.ton, npi: 1, digits: a.digits } as BcdNumber;
}
