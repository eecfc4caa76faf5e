import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import { STATUS, STATUS_NAME, type Pdu } from './pdu';
import { SmppMappingError, mapUserData, type DefaultAlphabet, type MappedUserData } from './mapping';
import { EsmeLink, smBody, type BindMode, type DeliverMessage, type LinkOwner, type SmppLog, type SubmitAnswer } from './server';

/**
 * ESME client mode: the MSC binds to an external SMSC and hands it MO
 * messages (submit_sm); what the SMSC delivers (deliver_sm, data_sm) goes to
 * `onDeliver`. The link is the runtime's reconnecting TCP client: it comes
 * back after a loss and after resume, and binds again each time.
 */
export interface SmppClientConfig {
  /** Resource name; default 'smpp-client'. */
  name?: string;
  host?: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
  /** Default transceiver. */
  mode?: BindMode;
  enquireLinkMs?: number;
  responseTimeoutMs?: number;
  maxPduLength?: number;
  defaultAlphabet?: DefaultAlphabet;
}

export interface ConnectOptions {
  name: string;
  host?: string;
  port: number;
  onConnect?(socket: net.Socket): void;
  onDisconnect?(reason: string): void;
}

/** The runtime's package context fits; `standaloneContext()` too. */
export interface SmppClientContext {
  net: { connect(o: ConnectOptions): unknown };
  log: SmppLog;
  timers?: { every(name: string, periodMs: number, fn: () => void): { cancel(): void } };
}

/** A deliver_sm or data_sm the SMSC sent: the PDU, and its user data mapped (undefined when it does not map). */
export interface Delivered {
  pdu: Pdu;
  userData: MappedUserData | undefined;
}
/** Answers with a command_status (0: accepted). */
export type DeliveredHandler = (d: Delivered) => number | Promise<number>;

export type ClientSubmitResult = SubmitAnswer | 'no-link' | 'timeout' | 'link-lost';

export class SmppClient extends EventEmitter implements LinkOwner {
  readonly log: SmppLog;
  readonly enquireLinkMs: number;
  readonly responseTimeoutMs: number;
  readonly maxPduLength: number;
  private link: EsmeLink | undefined;
  private handler: DeliveredHandler | undefined;
  private readonly timer: { cancel(): void };
  readonly counters = { binds: 0, bindFailures: 0, submits: 0, delivered: 0 };

  constructor(
    readonly ctx: SmppClientContext,
    readonly config: SmppClientConfig,
  ) {
    super();
    this.log = ctx.log;
    this.enquireLinkMs = config.enquireLinkMs ?? 30_000;
    this.responseTimeoutMs = config.responseTimeoutMs ?? 10_000;
    this.maxPduLength = config.maxPduLength ?? 66_000;
    ctx.net.connect({ name: config.name ?? 'smpp-client', host: config.host, port: config.port, onConnect: (s) => this.connected(s) });
    const tickMs = Math.max(10, Math.min(1000, Math.floor(Math.min(this.enquireLinkMs, this.responseTimeoutMs) / 4)));
    const tick = () => this.link?.tick(Date.now());
    if (ctx.timers) this.timer = ctx.timers.every(`${config.name ?? 'smpp-client'}-link`, tickMs, tick);
    else {
      const t = setInterval(tick, tickMs);
      t.unref();
      this.timer = { cancel: () => clearInterval(t) };
    }
  }

  onDeliver(h: DeliveredHandler): this {
    this.handler = h;
    return this;
  }

  /** True when bound. */
  bound(): boolean {
    return !!this.link && this.link.state !== 'open' && !this.link.closed;
  }

  private connected(sock: net.Socket): void {
    const l = new EsmeLink(this, sock);
    this.link = l;
    const mode = this.config.mode ?? 'transceiver';
    void l
      .request({ command: `bind_${mode}`, body: { system_id: this.config.systemId, password: this.config.password, system_type: this.config.systemType ?? '', interface_version: 0x34 } })
      .then((r) => {
        if (typeof r !== 'string' && r.status === 0) {
          l.state = mode;
          l.systemId = String(r.body.system_id ?? '');
          this.counters.binds++;
          this.log.info({ peer: l.peer, smsc: l.systemId, mode }, 'smpp client: bound');
          this.emit('bind', { systemId: this.config.systemId, mode, peer: l.peer });
          return;
        }
        this.counters.bindFailures++;
        this.log.warn({ peer: l.peer, result: typeof r === 'string' ? r : (STATUS_NAME.get(r.status) ?? r.status) }, 'smpp client: bind refused; the link is closed and retried');
        l.close('bind refused');
      });
  }

  linkClosed(l: EsmeLink, reason: string): void {
    if (this.link === l) this.link = undefined;
    if (l.state !== 'open') {
      this.log.warn({ peer: l.peer, reason }, 'smpp client: unbound');
      this.emit('unbind', { systemId: this.config.systemId, mode: l.state, peer: l.peer, reason });
    }
  }

  handle(l: EsmeLink, pdu: Pdu): void {
    if (pdu.id & 0x80000000) return l.settle(pdu.seq, pdu);
    switch (pdu.command) {
      case 'enquire_link':
        return l.respond('enquire_link_resp', pdu.seq, 0);
      case 'unbind':
        l.respond('unbind_resp', pdu.seq, 0);
        return l.close('unbind by the SMSC', true);
      case 'deliver_sm':
      case 'data_sm':
        void this.delivered(l, pdu);
        return;
      default:
        return l.nack(pdu.seq, STATUS.ESME_RINVCMDID);
    }
  }

  private async delivered(l: EsmeLink, pdu: Pdu): Promise<void> {
    const resp = `${pdu.command}_resp`;
    if (l.state === 'open' || l.state === 'transmitter') return l.respond(resp, pdu.seq, STATUS.ESME_RINVBNDSTS);
    let userData: MappedUserData | undefined;
    try {
      const payload = (pdu.tlvs.message_payload as Buffer | undefined) ?? (pdu.body.short_message as Buffer | undefined) ?? Buffer.alloc(0);
      userData = mapUserData(payload, (pdu.body.data_coding as number) ?? 0, (pdu.body.esm_class as number) ?? 0, {}, this.config.defaultAlphabet);
    } catch (e) {
      if (!(e instanceof SmppMappingError)) throw e;
    }
    let status: number = STATUS.ESME_RX_T_APPN;
    try {
      if (this.handler) status = await this.handler({ pdu, userData });
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'smpp client: deliver handler threw');
    }
    this.counters.delivered++;
    l.respond(resp, pdu.seq, status, { message_id: '' });
  }

  /** submit_sm towards the SMSC. */
  async submit(msg: DeliverMessage): Promise<ClientSubmitResult> {
    const l = this.link;
    if (!l || (l.state !== 'transmitter' && l.state !== 'transceiver')) return 'no-link';
    const { body, tlvs } = smBody(msg, this.config.defaultAlphabet);
    this.counters.submits++;
    const r = await l.request({ command: 'submit_sm', body, tlvs });
    if (typeof r === 'string') return r;
    return r.status === 0 ? { messageId: String(r.body.message_id ?? '') } : { status: r.status };
  }

  /** Unbinds and closes the link and the timer (the TCP client resource belongs to the context). */
  close(): void {
    this.timer.cancel();
    const l = this.link;
    if (l && l.state !== 'open') l.send({ command: 'unbind', seq: 0x7fffffff });
    l?.close('client closing', true);
  }
}

/** The image runtime's package context is an SmppClientContext (checked by the compiler). */
export type ImageContextFitsClient = import('@snaptel/image').Context extends SmppClientContext ? true : never;
export const IMAGE_CONTEXT_FITS_CLIENT: ImageContextFitsClient = true;
