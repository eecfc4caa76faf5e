import { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import {
  AssociationError,
  type Association,
  type AssociationInfo,
  type AssociationState,
  type BackendName,
  type SctpMessage,
  type SctpTransport,
  type SendOptions,
} from './types';

/** The largest user message any backend takes (SCTP allows more; M3UA needs a few hundred bytes). */
export const MAX_MESSAGE = 65_536;
/** Messages kept for an association that has no 'message' listener yet; beyond this they are dropped and counted. */
export const MAX_HELD = 4096;
/** Stream counts we offer when the caller says nothing (OS and MIS). */
export const DEFAULT_STREAMS = 16;

/** One association as every backend shows it: state, counters, events, message holding. */
export abstract class AssociationBase extends EventEmitter implements Association {
  protected _state: AssociationState = 'connecting';
  protected readonly txc = { messages: 0, bytes: 0 };
  protected readonly rxc = { messages: 0, bytes: 0 };
  /** Messages that arrived before anyone listened for them (a client's first messages race its connect promise). */
  private held: SctpMessage[] = [];
  private flushQueued = false;
  /** Messages dropped because nobody listened and MAX_HELD were already held. */
  droppedUnheard = 0;
  private downReason: string | undefined;

  constructor(readonly id: number) {
    super();
  }

  get state(): AssociationState {
    return this._state;
  }

  /** Why it went down, once it has. */
  get reason(): string | undefined {
    return this.downReason;
  }

  abstract info(): AssociationInfo;
  abstract send(data: Uint8Array, opts?: SendOptions): void;
  abstract close(): Promise<void>;
  abstract abort(reason?: string): void;

  override on(event: string | symbol, fn: (...a: any[]) => void): this {
    super.on(event, fn);
    if (event === 'message' && this.held.length > 0) this.queueFlush();
    return this;
  }

  override once(event: string | symbol, fn: (...a: any[]) => void): this {
    super.once(event, fn);
    if (event === 'message' && this.held.length > 0) this.queueFlush();
    return this;
  }

  override addListener(event: string | symbol, fn: (...a: any[]) => void): this {
    return this.on(event, fn);
  }

  /** Hands one received message to the user, or holds it until a 'message' listener exists. */
  protected deliver(m: SctpMessage): void {
    this.rxc.messages++;
    this.rxc.bytes += m.data.length;
    if (this.held.length === 0 && this.listenerCount('message') > 0) {
      this.emit('message', m);
      return;
    }
    if (this.held.length >= MAX_HELD) {
      this.droppedUnheard++;
      return;
    }
    this.held.push(m);
    if (this.listenerCount('message') > 0) this.queueFlush();
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      while (this.held.length > 0 && this.listenerCount('message') > 0) this.emit('message', this.held.shift()!);
    });
  }

  protected countTx(bytes: number): void {
    this.txc.messages++;
    this.txc.bytes += bytes;
  }

  protected markUp(): void {
    if (this._state !== 'connecting') return;
    this._state = 'up';
    this.emit('up');
  }

  /** Goes down once: state, 'down' event with the reason. Later calls do nothing. */
  protected markDown(reason: string): boolean {
    if (this._state === 'down') return false;
    this._state = 'down';
    this.downReason = reason;
    this.emit('down', reason);
    return true;
  }

  protected baseInfo(
    backend: BackendName,
    transport: SctpTransport | undefined,
    addr: { localAddress: string; localPort: number; remoteAddress: string; remotePort: number; inStreams: number; outStreams: number },
  ): AssociationInfo {
    return {
      state: this._state,
      ...addr,
      backend,
      ...(transport ? { transport } : {}),
      tx: { ...this.txc },
      rx: { ...this.rxc },
    };
  }
}

/** Checks a send against the association's state and negotiated streams; returns the message to carry. */
export function checkSend(
  a: { id: number; state: AssociationState },
  peer: string,
  outStreams: number,
  data: Uint8Array,
  opts: SendOptions | undefined,
): SctpMessage {
  if (a.state !== 'up') throw new AssociationError('not-up', `association ${a.id} to ${peer} is ${a.state}: cannot send`);
  if (!(data instanceof Uint8Array)) throw new AssociationError('bad-message', `association ${a.id} to ${peer}: data must be a Uint8Array`);
  if (data.length === 0) throw new AssociationError('bad-message', `association ${a.id} to ${peer}: empty message (SCTP DATA must carry user data, RFC 4960 6.2)`);
  if (data.length > MAX_MESSAGE) throw new AssociationError('bad-message', `association ${a.id} to ${peer}: message of ${data.length} bytes exceeds ${MAX_MESSAGE}`);
  const stream = opts?.stream ?? 0;
  if (!Number.isInteger(stream) || stream < 0 || stream >= outStreams)
    throw new AssociationError('bad-stream', `association ${a.id} to ${peer}: stream ${stream} out of range 0..${outStreams - 1} (min of our outbound streams and the peer's inbound streams)`);
  const ppid = opts?.ppid ?? 0;
  if (!Number.isInteger(ppid) || ppid < 0 || ppid > 0xffffffff)
    throw new AssociationError('bad-message', `association ${a.id} to ${peer}: PPID ${ppid} is not a 32-bit unsigned integer`);
  return { data, stream, ppid, ...(opts?.unordered ? { unordered: true } : {}) };
}

export function checkPort(port: unknown, what: string, zeroOk: boolean): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < (zeroOk ? 0 : 1) || port > 65535)
    throw new AssociationError('bad-option', `${what}: port ${String(port)} is not an integer in ${zeroOk ? 0 : 1}..65535`);
  return port;
}

export function checkHost(host: unknown, what: string): string {
  if (typeof host !== 'string' || !isIPv4(host)) throw new AssociationError('bad-option', `${what}: host ${JSON.stringify(host)} is not an IPv4 address`);
  return host;
}

export function checkStreams(n: unknown, what: string): number {
  if (n === undefined) return DEFAULT_STREAMS;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535)
    throw new AssociationError('bad-option', `${what}: stream count ${String(n)} is not an integer in 1..65535`);
  return n;
}

export function checkTimeout(ms: unknown, what: string, dflt: number): number {
  if (ms === undefined) return dflt;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > 2 ** 31 - 1)
    throw new AssociationError('bad-option', `${what}: timeoutMs ${String(ms)} must be a positive number of milliseconds`);
  return ms;
}

export const WILDCARD = '0.0.0.0';
