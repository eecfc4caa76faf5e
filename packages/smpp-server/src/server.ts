import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import { EncodeError } from '@snaptel/codec';
import { COMMAND_BY_NAME, HEADER_LENGTH, STATUS, STATUS_NAME, SmppDecodeError, decodePdu, encodePdu, type Pdu, type PduInput, type Value } from './pdu';
import { SmppMappingError, encodeText, mapUserData, receiptText, smppTime, MESSAGE_STATE, type DefaultAlphabet, type MappedUserData, type Receipt } from './mapping';

/** How an ESME is bound (SMPP 3.4 §2.2). */
export type BindMode = 'transmitter' | 'receiver' | 'transceiver';

export interface EsmeConfig {
  systemId: string;
  password: string;
  /** When set, the bind's system_type must equal it. */
  systemType?: string;
  /** Bind modes allowed; default all three. */
  mode?: BindMode[];
  /** Token bucket for submit_sm/data_sm: rate per second (burst = max(1, rate)); default unlimited. */
  throughputPerSecond?: number;
  /** Outstanding requests per link: deliver_sm towards the ESME, and its submits awaiting the MSC. Default 10. */
  windowSize?: number;
}

export interface SmppServerConfig {
  /** Listener resource name; default 'smpp'. */
  name?: string;
  host?: string;
  port: number;
  /** The system_id this SMSC answers binds with; default 'snaptel'. */
  systemId?: string;
  esmes: EsmeConfig[];
  /** An idle link gets an enquire_link after this long, and is closed when a further period passes without a word. Default 30 000. */
  enquireLinkMs?: number;
  /** deliver_sm unanswered this long resolves 'timeout'. Default 10 000. */
  responseTimeoutMs?: number;
  /** Largest PDU accepted (command_length); default 66 000 (a 64 KiB message_payload fits). */
  maxPduLength?: number;
  /** What data_coding 0 means in short_message: unpacked GSM septets (default) or Latin-1. */
  defaultAlphabet?: DefaultAlphabet;
}

/** The pino-style logger the server writes to. */
export interface SmppLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ListenOptions {
  name: string;
  host?: string;
  port: number;
  onConnection(socket: net.Socket): void;
}

/**
 * What the server needs from its host: the image runtime's package context
 * fits (ctx.net.listen, ctx.log, ctx.timers); `standaloneContext()` gives one
 * on plain node:net for tests and tools.
 */
export interface SmppContext {
  net: { listen(o: ListenOptions): unknown };
  log: SmppLog;
  timers?: { every(name: string, periodMs: number, fn: () => void): { cancel(): void } };
}

export interface SmppAddress {
  ton: number;
  npi: number;
  addr: string;
}

/** A submit_sm or data_sm, checked and mapped, handed to the MSC. */
export interface SubmitRequest {
  systemId: string;
  command: 'submit_sm' | 'data_sm';
  serviceType: string;
  source: SmppAddress;
  destination: SmppAddress;
  esmClass: number;
  /** esm_class bits 1-0: 0 default, 1 datagram, 2 forward (transaction), 3 store and forward. */
  messagingMode: number;
  /** esm_class bit 7: TP-RP. */
  replyPath: boolean;
  protocolId: number;
  priority: number;
  /** schedule_delivery_time as wall-clock ms (undefined: now). */
  scheduledAt?: number;
  /** validity_period as wall-clock ms (undefined: the SMSC default). */
  validUntil?: number;
  registeredDelivery: number;
  /** registered_delivery bits 1-0: which SMSC delivery receipt is wanted. */
  receipt: 'none' | 'final' | 'failure';
  replaceIfPresent: boolean;
  dataCoding: number;
  /** short_message or message_payload as received. */
  payload: Buffer;
  /** TP-DCS, TP-UDHI, the user data for @snaptel/sms, TP-UDL, concatenation. */
  userData: MappedUserData;
  /** Every optional parameter received (sar_*, source_port...). */
  tlvs: Record<string, Value>;
  receivedAt: number;
}

export type SubmitAnswer = { messageId: string } | { status: number };
export type SubmitHandler = (sm: SubmitRequest) => Promise<SubmitAnswer> | SubmitAnswer;

/** A deliver_sm towards an ESME: a mobile-originated message or a delivery receipt. */
export interface DeliverMessage {
  source: SmppAddress;
  destination: SmppAddress;
  serviceType?: string;
  /** Text: GSM unpacked (data_coding 0) when it fits the GSM alphabet, else UCS2 (8). */
  text?: string;
  /** Raw octets with their data_coding instead of `text`. */
  shortMessage?: Buffer;
  dataCoding?: number;
  /** The UDH (UDHL included), put before the text; sets esm_class UDHI. */
  udh?: Buffer;
  esmClass?: number;
  protocolId?: number;
  registeredDelivery?: number;
  /** A delivery receipt (Appendix B text, esm_class 0x04, receipted_message_id and message_state TLVs). */
  receipt?: Receipt;
  tlvs?: Record<string, Value>;
}

/** 'ok', or why not: no bound receiver, no answer in time, link gone, or the ESME's command_status. */
export type DeliverResult = 'ok' | 'no-link' | 'timeout' | 'link-lost' | number;

export interface BindEvent {
  systemId: string;
  mode: BindMode;
  peer: string;
}
export interface UnbindEvent extends BindEvent {
  reason: string;
}

const BIND_MODES: Record<string, BindMode> = { bind_transmitter: 'transmitter', bind_receiver: 'receiver', bind_transceiver: 'transceiver' };
const VALID_NPI = new Set([0, 1, 3, 4, 6, 8, 9, 10, 14, 18]);

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    private readonly burst = Math.max(1, rate),
  ) {
    this.tokens = this.burst;
    this.last = Date.now();
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface Pending {
  resolve(r: Pdu | 'timeout' | 'link-lost'): void;
  deadline: number;
}

/** What a link needs from the side that owns it (the server, or the client mode). */
export interface LinkOwner {
  readonly log: SmppLog;
  readonly maxPduLength: number;
  readonly responseTimeoutMs: number;
  readonly enquireLinkMs: number;
  handle(l: EsmeLink, pdu: Pdu): void;
  linkClosed(l: EsmeLink, reason: string): void;
}

/** One SMPP connection: framing, sequence numbers, the request window, enquire_link. */
export class EsmeLink {
  state: 'open' | BindMode = 'open';
  esme: EsmeConfig | undefined;
  systemId = '';
  readonly peer: string;
  readonly since = Date.now();
  private buf: Buffer = Buffer.alloc(0);
  private nextSeq = 0;
  lastRx = Date.now();
  enquireSentAt: number | undefined;
  readonly pending = new Map<number, Pending>();
  readonly queue: { input: PduInput; p: Pending }[] = [];
  inflightSubmits = 0;
  bucket: TokenBucket | undefined;
  closed = false;
  counters = { rx: 0, tx: 0, nacks: 0, submits: 0, delivers: 0, throttled: 0 };

  constructor(
    readonly server: LinkOwner,
    readonly sock: net.Socket,
  ) {
    this.peer = `${(sock.remoteAddress ?? '').replace(/^::ffff:/, '')}:${sock.remotePort}`;
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('error', (err) => server.log.debug({ peer: this.peer, err: err.message }, 'smpp socket error'));
    sock.once('close', () => this.onClose());
  }

  get window(): number {
    return this.esme?.windowSize ?? 10;
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 4 && !this.closed) {
      const len = this.buf.readUInt32BE(0);
      if (len < HEADER_LENGTH || len > this.server.maxPduLength) {
        // The framing is lost: nack and drop what is buffered (the next chunk starts afresh).
        const seq = this.buf.length >= 16 ? this.buf.readUInt32BE(12) : 0;
        this.server.log.warn({ peer: this.peer, systemId: this.systemId || undefined, commandLength: len }, 'smpp: invalid command_length; generic_nack, buffered octets dropped');
        this.nack(seq, STATUS.ESME_RINVCMDLEN);
        this.buf = Buffer.alloc(0);
        return;
      }
      if (this.buf.length < len) return;
      const frame = this.buf.subarray(0, len);
      this.buf = this.buf.subarray(len);
      this.counters.rx++;
      this.lastRx = Date.now();
      this.enquireSentAt = undefined;
      try {
        this.onFrame(frame);
      } catch (err) {
        this.server.log.error({ peer: this.peer, err: (err as Error).message }, 'smpp: PDU handler failed');
      }
    }
  }

  private onFrame(frame: Buffer): void {
    let pdu: Pdu;
    const id = frame.readUInt32BE(4);
    const seq = frame.readUInt32BE(12);
    try {
      pdu = decodePdu(frame);
    } catch (err) {
      if (!(err instanceof SmppDecodeError)) throw err;
      if (id & 0x80000000) {
        this.server.log.warn({ peer: this.peer, err: err.message }, 'smpp: undecodable response ignored');
        this.settle(seq, { command: 'generic_nack', id, status: frame.readUInt32BE(8) || STATUS.ESME_RSYSERR, seq, body: {}, tlvs: {} });
        return;
      }
      const resp = err.messageType ? COMMAND_BY_NAME.get(`${err.messageType}_resp`) : undefined;
      this.server.log.warn({ peer: this.peer, systemId: this.systemId || undefined, err: err.message, status: STATUS_NAME.get(err.status) }, resp ? 'smpp: bad PDU answered with an error status' : 'smpp: bad PDU; generic_nack');
      if (resp) this.respond(resp.name, seq, err.status);
      else this.nack(seq, err.status);
      return;
    }
    this.server.handle(this, pdu);
  }

  send(input: PduInput): boolean {
    if (this.closed || !this.sock.writable) return false;
    let bytes: Buffer;
    try {
      bytes = encodePdu(input);
    } catch (err) {
      if (!(err instanceof EncodeError)) throw err;
      this.server.log.error({ peer: this.peer, err: err.message }, 'smpp: cannot encode');
      return false;
    }
    this.counters.tx++;
    this.sock.write(bytes);
    return true;
  }

  respond(command: string, seq: number, status: number, body?: Record<string, Value | undefined>, tlvs?: Record<string, Value | undefined>): void {
    this.send({ command, seq, status, body: status === 0 ? (body ?? {}) : undefined, tlvs: status === 0 ? tlvs : undefined });
  }

  nack(seq: number, status: number): void {
    this.counters.nacks++;
    this.send({ command: 'generic_nack', seq, status });
  }

  /** Sends a request; resolves with the response PDU, 'timeout' or 'link-lost'. Queues beyond the window. */
  request(input: Omit<PduInput, 'seq'>): Promise<Pdu | 'timeout' | 'link-lost'> {
    return new Promise((resolve) => {
      const p: Pending = { resolve, deadline: 0 };
      const full = { ...input, seq: 0 };
      if (this.pending.size >= this.window) this.queue.push({ input: full, p });
      else this.launch(full, p);
    });
  }

  private launch(input: PduInput, p: Pending): void {
    this.nextSeq = this.nextSeq >= 0x7fffffff ? 1 : this.nextSeq + 1;
    input.seq = this.nextSeq;
    p.deadline = Date.now() + this.server.responseTimeoutMs;
    this.pending.set(input.seq, p);
    if (!this.send(input)) {
      this.pending.delete(input.seq);
      p.resolve('link-lost');
    }
  }

  settle(seq: number, r: Pdu | 'timeout'): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    p.resolve(r);
    while (this.queue.length && this.pending.size < this.window) {
      const q = this.queue.shift()!;
      this.launch(q.input, q.p);
    }
  }

  /** Periodic: idle check and response deadlines. */
  tick(now: number): void {
    for (const [seq, p] of this.pending) if (p.deadline <= now) this.settle(seq, 'timeout');
    const idle = this.server.enquireLinkMs;
    if (now - this.lastRx < idle) return;
    if (this.enquireSentAt === undefined) {
      this.enquireSentAt = now;
      void this.request({ command: 'enquire_link' });
    } else if (now - this.enquireSentAt >= idle) {
      this.server.log.warn({ peer: this.peer, systemId: this.systemId || undefined, idleMs: now - this.lastRx }, 'smpp: link idle, enquire_link unanswered; closed');
      this.close('idle');
    }
  }

  close(reason: string, gracefully = false): void {
    if (this.closed) return;
    this.closeReason = reason;
    if (gracefully) this.sock.end();
    else this.sock.destroy();
    this.closed = true;
  }

  closeReason: string | undefined;

  private onClose(): void {
    this.closed = true;
    for (const p of this.pending.values()) p.resolve('link-lost');
    this.pending.clear();
    for (const q of this.queue) q.p.resolve('link-lost');
    this.queue.length = 0;
    this.server.linkClosed(this, this.closeReason ?? 'connection closed');
  }
}


/** The mandatory parameters and TLVs of a deliver_sm or submit_sm carrying `msg`. */
export function smBody(msg: DeliverMessage, defaultAlphabet?: DefaultAlphabet): { body: Record<string, Value>; tlvs: Record<string, Value | undefined> } {
  let dataCoding = msg.dataCoding ?? 0;
  let sm: Buffer;
  let esmClass = msg.esmClass ?? 0;
  const tlvs: Record<string, Value | undefined> = { ...msg.tlvs };
  if (msg.receipt) {
    esmClass = (esmClass & ~0x3c) | 0x04;
    sm = Buffer.from(receiptText(msg.receipt), 'latin1');
    dataCoding = msg.dataCoding ?? 0;
    tlvs.receipted_message_id = msg.receipt.messageId;
    tlvs.message_state = MESSAGE_STATE[msg.receipt.state];
    if (msg.receipt.err) {
      const e = Buffer.alloc(3);
      e[0] = 3; // GSM
      e.writeUInt16BE(msg.receipt.err & 0xffff, 1);
      tlvs.network_error_code = e;
    }
  } else if (msg.shortMessage) sm = msg.shortMessage;
  else {
    const t = encodeText(msg.text ?? '', defaultAlphabet);
    dataCoding = t.dataCoding;
    sm = t.bytes;
  }
  if (msg.udh) {
    sm = Buffer.concat([msg.udh, sm]);
    esmClass |= 0x40;
  }
  const body: Record<string, Value> = {
    service_type: msg.serviceType ?? '',
    source_addr_ton: msg.source.ton,
    source_addr_npi: msg.source.npi,
    source_addr: msg.source.addr,
    dest_addr_ton: msg.destination.ton,
    dest_addr_npi: msg.destination.npi,
    destination_addr: msg.destination.addr,
    esm_class: esmClass,
    protocol_id: msg.protocolId ?? 0,
    registered_delivery: msg.registeredDelivery ?? 0,
    data_coding: dataCoding,
  };
  if (sm.length > 254) tlvs.message_payload = sm;
  else body.short_message = sm;
  return { body, tlvs };
}

/**
 * SMPP 3.4 server: the MSC as SMSC towards its ESMEs. Emits 'bind'
 * (BindEvent) and 'unbind' (UnbindEvent).
 */
export class SmppServer extends EventEmitter implements LinkOwner {
  readonly log: SmppLog;
  readonly enquireLinkMs: number;
  readonly responseTimeoutMs: number;
  readonly maxPduLength: number;
  readonly listener: unknown;
  private readonly links = new Set<EsmeLink>();
  private readonly timer: { cancel(): void };
  private rr = 0;
  private handler: SubmitHandler | undefined;
  private closed = false;
  readonly counters = { connections: 0, binds: 0, bindFailures: 0, submits: 0, submitErrors: 0, delivers: 0, deliverErrors: 0, nacks: 0, throttled: 0 };

  constructor(
    readonly ctx: SmppContext,
    readonly config: SmppServerConfig,
  ) {
    super();
    this.log = ctx.log;
    this.enquireLinkMs = config.enquireLinkMs ?? 30_000;
    this.responseTimeoutMs = config.responseTimeoutMs ?? 10_000;
    this.maxPduLength = config.maxPduLength ?? 66_000;
    const ids = new Set<string>();
    for (const e of config.esmes) {
      if (ids.has(e.systemId)) throw new RangeError(`smpp: ESME ${e.systemId} configured twice`);
      if (e.systemId.length > 15 || e.password.length > 8) throw new RangeError(`smpp: ESME ${e.systemId}: system_id at most 15 and password at most 8 characters (SMPP 3.4 §5.2)`);
      ids.add(e.systemId);
    }
    this.listener = ctx.net.listen({ name: config.name ?? 'smpp', host: config.host, port: config.port, onConnection: (s) => this.accept(s) });
    const tickMs = Math.max(10, Math.min(1000, Math.floor(Math.min(this.enquireLinkMs, this.responseTimeoutMs) / 4)));
    const tick = () => {
      const now = Date.now();
      for (const l of this.links) l.tick(now);
    };
    if (ctx.timers) this.timer = ctx.timers.every('smpp-links', tickMs, tick);
    else {
      const t = setInterval(tick, tickMs);
      t.unref();
      this.timer = { cancel: () => clearInterval(t) };
    }
  }

  /** Sets the MSC's handler for submit_sm and data_sm. */
  onSubmit(h: SubmitHandler): this {
    this.handler = h;
    return this;
  }

  private accept(sock: net.Socket): void {
    if (this.closed) {
      // The listener belongs to the context and may outlive close(): no new links without the link timer.
      this.log.info({ peer: `${(sock.remoteAddress ?? '').replace(/^::ffff:/, '')}:${sock.remotePort}` }, 'smpp: connection refused: server closed');
      sock.destroy();
      return;
    }
    this.counters.connections++;
    const l = new EsmeLink(this, sock);
    this.links.add(l);
    this.log.info({ peer: l.peer }, 'smpp: ESME connected');
  }

  linkClosed(l: EsmeLink, reason: string): void {
    this.links.delete(l);
    if (l.state !== 'open') {
      this.log.info({ peer: l.peer, systemId: l.systemId, mode: l.state, reason }, 'smpp: ESME unbound');
      this.emit('unbind', { systemId: l.systemId, mode: l.state, peer: l.peer, reason } satisfies UnbindEvent);
    } else this.log.info({ peer: l.peer, reason }, 'smpp: connection closed');
  }

  /** True when `systemId` has a link bound as receiver or transceiver (deliver_sm can go). */
  bound(systemId: string, mode?: BindMode): boolean {
    for (const l of this.links) if (l.systemId === systemId && l.state !== 'open' && (mode ? l.state === mode : l.state !== 'transmitter')) return true;
    return false;
  }

  status(): {
    links: { peer: string; systemId: string | undefined; mode: string; since: string; pending: number; queued: number; inflightSubmits: number; counters: EsmeLink['counters'] }[];
    counters: SmppServer['counters'];
  } {
    return {
      links: [...this.links].map((l) => ({
        peer: l.peer,
        systemId: l.systemId || undefined,
        mode: l.state,
        since: new Date(l.since).toISOString(),
        pending: l.pending.size,
        queued: l.queue.length,
        inflightSubmits: l.inflightSubmits,
        counters: { ...l.counters },
      })),
      counters: { ...this.counters },
    };
  }

  /** Closes every link (unbind sent first) and the link timer; later connections are refused. The listener belongs to the context. */
  close(): void {
    this.closed = true;
    this.timer.cancel();
    for (const l of this.links) {
      if (l.state !== 'open') l.send({ command: 'unbind', seq: 0x7fffffff });
      l.close('server closing', true);
    }
  }

  /** deliver_sm towards a bound receiver or transceiver of `systemId`. */
  async deliver(systemId: string, msg: DeliverMessage): Promise<DeliverResult> {
    const candidates = [...this.links].filter((l) => l.systemId === systemId && (l.state === 'receiver' || l.state === 'transceiver') && !l.closed);
    if (!candidates.length) return 'no-link';
    const l = candidates[this.rr++ % candidates.length]!;
    const { body, tlvs } = smBody(msg, this.config.defaultAlphabet);
    this.counters.delivers++;
    l.counters.delivers++;
    const r = await l.request({ command: 'deliver_sm', body, tlvs });
    const result: DeliverResult = typeof r === 'string' ? r : r.status === 0 ? 'ok' : r.status;
    if (result !== 'ok') {
      this.counters.deliverErrors++;
      this.log.warn({ systemId, peer: l.peer, result: typeof result === 'number' ? (STATUS_NAME.get(result) ?? result) : result }, 'smpp: deliver_sm not accepted');
    } else this.log.debug({ systemId, peer: l.peer, receipt: !!msg.receipt }, 'smpp: deliver_sm accepted');
    return result;
  }

  /** One decoded PDU from a link. */
  handle(l: EsmeLink, pdu: Pdu): void {
    if (pdu.id & 0x80000000) {
      l.settle(pdu.seq, pdu);
      return;
    }
    const mode = BIND_MODES[pdu.command];
    if (mode) return this.bind(l, pdu, mode);
    switch (pdu.command) {
      case 'enquire_link':
        return l.respond('enquire_link_resp', pdu.seq, 0);
      case 'unbind':
        if (l.state === 'open') return l.respond('unbind_resp', pdu.seq, STATUS.ESME_RINVBNDSTS);
        l.respond('unbind_resp', pdu.seq, 0);
        return l.close('unbind', true);
      case 'submit_sm':
      case 'data_sm':
        void this.submit(l, pdu);
        return;
      case 'query_sm':
        return l.respond('query_sm_resp', pdu.seq, l.state === 'open' ? STATUS.ESME_RINVBNDSTS : 0x67 /* ESME_RQUERYFAIL */);
      case 'cancel_sm':
        return l.respond('cancel_sm_resp', pdu.seq, l.state === 'open' ? STATUS.ESME_RINVBNDSTS : 0x11 /* ESME_RCANCELFAIL */);
      case 'replace_sm':
        return l.respond('replace_sm_resp', pdu.seq, l.state === 'open' ? STATUS.ESME_RINVBNDSTS : 0x13 /* ESME_RREPLACEFAIL */);
      default:
        // deliver_sm, outbind, alert_notification: not for an SMSC to receive.
        this.counters.nacks++;
        this.log.warn({ peer: l.peer, command: pdu.command }, 'smpp: command not accepted from an ESME; generic_nack');
        return l.nack(pdu.seq, STATUS.ESME_RINVCMDID);
    }
  }

  private bind(l: EsmeLink, pdu: Pdu, mode: BindMode): void {
    const resp = `${pdu.command}_resp`;
    const systemId = String(pdu.body.system_id);
    const fail = (status: number, why: string) => {
      this.counters.bindFailures++;
      this.log.warn({ peer: l.peer, systemId, mode, status: STATUS_NAME.get(status) }, `smpp: bind refused: ${why}`);
      l.respond(resp, pdu.seq, status);
    };
    if (l.state !== 'open') return fail(STATUS.ESME_RALYBND, `already bound as ${l.state}`);
    const esme = this.config.esmes.find((e) => e.systemId === systemId);
    if (!esme) return fail(STATUS.ESME_RINVSYSID, 'unknown system_id');
    if (esme.password !== pdu.body.password) return fail(STATUS.ESME_RINVPASWD, 'wrong password');
    if (esme.systemType !== undefined && esme.systemType !== pdu.body.system_type) return fail(STATUS.ESME_RINVSYSTYP, `system_type "${String(pdu.body.system_type)}"`);
    if (esme.mode && !esme.mode.includes(mode)) return fail(STATUS.ESME_RBINDFAIL, `bind as ${mode} not allowed`);
    l.state = mode;
    l.esme = esme;
    l.systemId = systemId;
    l.bucket = esme.throughputPerSecond ? new TokenBucket(esme.throughputPerSecond) : undefined;
    this.counters.binds++;
    l.respond(resp, pdu.seq, 0, { system_id: this.config.systemId ?? 'snaptel' }, { sc_interface_version: 0x34 });
    this.log.info({ peer: l.peer, systemId, mode, interfaceVersion: pdu.body.interface_version }, 'smpp: ESME bound');
    this.emit('bind', { systemId, mode, peer: l.peer } satisfies BindEvent);
  }

  private async submit(l: EsmeLink, pdu: Pdu): Promise<void> {
    const resp = `${pdu.command}_resp`;
    const refuse = (status: number, why: string) => {
      this.counters.submitErrors++;
      this.log.warn({ peer: l.peer, systemId: l.systemId || undefined, command: pdu.command, seq: pdu.seq, status: STATUS_NAME.get(status) ?? status }, `smpp: ${pdu.command} refused: ${why}`);
      l.respond(resp, pdu.seq, status);
    };
    if (l.state !== 'transmitter' && l.state !== 'transceiver') return refuse(STATUS.ESME_RINVBNDSTS, `link is ${l.state === 'open' ? 'not bound' : `bound as ${l.state}`}`);
    const now = Date.now();
    if (l.bucket && !l.bucket.take(now)) {
      this.counters.throttled++;
      l.counters.throttled++;
      return refuse(STATUS.ESME_RTHROTTLED, `over ${l.esme!.throughputPerSecond}/s`);
    }
    if (l.inflightSubmits >= l.window) return refuse(STATUS.ESME_RMSGQFUL, `${l.inflightSubmits} submits already waiting for the MSC`);
    let sm: SubmitRequest;
    try {
      sm = this.mapSubmit(l, pdu, now);
    } catch (err) {
      if (err instanceof SmppMappingError) return refuse(err.status, err.message);
      throw err;
    }
    if (!this.handler) return refuse(STATUS.ESME_RSYSERR, 'no submit handler');
    l.inflightSubmits++;
    l.counters.submits++;
    this.counters.submits++;
    let answer: SubmitAnswer;
    try {
      answer = await this.handler(sm);
    } catch (err) {
      answer = { status: STATUS.ESME_RSYSERR };
      this.log.error({ systemId: l.systemId, err: (err as Error).message }, 'smpp: submit handler threw');
    } finally {
      l.inflightSubmits--;
    }
    if ('messageId' in answer) {
      l.respond(resp, pdu.seq, 0, { message_id: answer.messageId });
      this.log.debug({ systemId: l.systemId, messageId: answer.messageId, to: sm.destination.addr }, `smpp: ${pdu.command} accepted`);
    } else refuse(answer.status || STATUS.ESME_RSYSERR, 'the MSC refused it');
  }

  private mapSubmit(l: EsmeLink, pdu: Pdu, now: number): SubmitRequest {
    const b = pdu.body;
    const num = (k: string) => (b[k] as number | undefined) ?? 0;
    const str = (k: string) => (b[k] as string | undefined) ?? '';
    const isData = pdu.command === 'data_sm';
    const source = { ton: num('source_addr_ton'), npi: num('source_addr_npi'), addr: str('source_addr') };
    const destination = { ton: num('dest_addr_ton'), npi: num('dest_addr_npi'), addr: str('destination_addr') };
    const bad = (status: number, field: string, why: string): never => {
      throw new SmppMappingError(status, field, why);
    };
    if (destination.ton > 6) bad(STATUS.ESME_RINVDSTTON, 'dest_addr_ton', `${destination.ton}`);
    if (!VALID_NPI.has(destination.npi)) bad(STATUS.ESME_RINVDSTNPI, 'dest_addr_npi', `${destination.npi}`);
    if (!/^\+?[0-9*#]{1,20}$/.test(destination.addr)) bad(STATUS.ESME_RINVDSTADR, 'destination_addr', `"${destination.addr}" is not a number`);
    if (source.ton > 6) bad(STATUS.ESME_RINVSRCTON, 'source_addr_ton', `${source.ton}`);
    if (!VALID_NPI.has(source.npi)) bad(STATUS.ESME_RINVSRCNPI, 'source_addr_npi', `${source.npi}`);
    if (source.ton === 5 ? source.addr.length > 11 : !/^(\+?[0-9*#]{1,20})?$/.test(source.addr)) bad(STATUS.ESME_RINVSRCADR, 'source_addr', `"${source.addr}"`);
    const esmClass = num('esm_class');
    const type = esmClass & 0x3c;
    if (type !== 0 && type !== 0x08 && type !== 0x10) bad(STATUS.ESME_RINVESMCLASS, 'esm_class', `message type 0x${type.toString(16)} in a submit`);
    const priority = num('priority_flag');
    if (priority > 3) bad(STATUS.ESME_RINVPRTFLG, 'priority_flag', `${priority}`);
    const replace = num('replace_if_present_flag');
    if (replace > 1) bad(STATUS.ESME_RINVREPFLAG, 'replace_if_present_flag', `${replace}`);
    const scheduledAt = smppTime(str('schedule_delivery_time'), now, STATUS.ESME_RINVSCHED, 'schedule_delivery_time');
    const validUntil = smppTime(str('validity_period'), now, STATUS.ESME_RINVEXPIRY, 'validity_period');
    if (validUntil !== undefined && validUntil <= now) bad(STATUS.ESME_RINVEXPIRY, 'validity_period', 'already past');
    const short = (b.short_message as Buffer | undefined) ?? Buffer.alloc(0);
    const mp = pdu.tlvs.message_payload as Buffer | undefined;
    if (mp && short.length) bad(STATUS.ESME_RINVTLVVAL, 'message_payload', 'both short_message and message_payload');
    const payload = mp ?? short;
    const rd = num('registered_delivery');
    const sar = { ref: pdu.tlvs.sar_msg_ref_num as number | undefined, total: pdu.tlvs.sar_total_segments as number | undefined, seq: pdu.tlvs.sar_segment_seqnum as number | undefined };
    const userData = mapUserData(payload, num('data_coding'), esmClass, sar, this.config.defaultAlphabet);
    const sm: SubmitRequest = {
      systemId: l.systemId,
      command: isData ? 'data_sm' : 'submit_sm',
      serviceType: str('service_type'),
      source,
      destination,
      esmClass,
      messagingMode: esmClass & 3,
      replyPath: (esmClass & 0x80) !== 0,
      protocolId: num('protocol_id'),
      priority,
      registeredDelivery: rd,
      receipt: (['none', 'final', 'failure', 'none'] as const)[rd & 3]!,
      replaceIfPresent: replace === 1,
      dataCoding: num('data_coding'),
      payload,
      userData,
      tlvs: { ...pdu.tlvs },
      receivedAt: now,
    };
    if (scheduledAt !== undefined) sm.scheduledAt = scheduledAt;
    if (validUntil !== undefined) sm.validUntil = validUntil;
    return sm;
  }
}

/** The image runtime's package context is an SmppContext (checked by the compiler, no runtime import). */
export type ImageContextFits = import('@snaptel/image').Context extends SmppContext ? true : never;
export const IMAGE_CONTEXT_FITS: ImageContextFits = true;
