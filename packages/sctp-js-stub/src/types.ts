/**
 * The one SCTP association interface every backend implements. Users (M3UA,
 * tests, pcap replay) see only this; the backend is chosen by configuration.
 *
 * Model (RFC 4960, RFC 6458 terms, one-to-one style): an Association is one
 * SCTP association between a local and a remote transport address, carrying
 * messages (never a byte stream: boundaries are kept) on numbered streams,
 * each with a payload protocol identifier (PPID; 3 = M3UA).
 */

export type BackendName = 'stub' | 'sctp';

/** How the `sctp` backend reaches the wire. */
export type SctpTransport = 'raw' | 'udp';

export interface SctpMessage {
  data: Uint8Array;
  /** Stream identifier, 0..outStreams-1. */
  stream: number;
  /** Payload protocol identifier (3: M3UA). */
  ppid: number;
  /** Unordered delivery (U bit). */
  unordered?: boolean;
}

export interface SendOptions {
  stream?: number;
  ppid?: number;
  unordered?: boolean;
}

export type AssociationState = 'connecting' | 'up' | 'closing' | 'down';

export interface AssociationInfo {
  state: AssociationState;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Negotiated stream counts (min of what each side offered). */
  inStreams: number;
  outStreams: number;
  /** Which backend carries it, and for `sctp` which transport. */
  backend: BackendName;
  transport?: SctpTransport;
  /** Messages and bytes each way since the association came up. */
  tx: { messages: number; bytes: number };
  rx: { messages: number; bytes: number };
}

/**
 * Events:
 * - 'up' (): the association is established (COOKIE-ACK seen / sent).
 * - 'message' (m: SctpMessage): one user message, boundaries kept.
 * - 'down' (reason: string): the association is gone (ABORT, SHUTDOWN
 *   complete, retransmission limit, local close). Emitted once; the object is
 *   then dead (a client endpoint makes a new Association to reconnect).
 * - 'restart' (): the peer restarted (RFC 4960 5.2.2, a new INIT on an
 *   existing association); the association stays up, but the peer lost state.
 * - 'error' is never emitted: failures end in 'down' with the reason.
 */
export interface Association {
  readonly id: number;
  readonly state: AssociationState;
  info(): AssociationInfo;
  /** Queues a message; throws AssociationError when not up or the stream is out of range. */
  send(data: Uint8Array, opts?: SendOptions): void;
  /** Graceful SHUTDOWN; resolves when the association is down. */
  close(): Promise<void>;
  /** ABORT at once. */
  abort(reason?: string): void;
  on(event: 'up' | 'restart', fn: () => void): this;
  on(event: 'message', fn: (m: SctpMessage) => void): this;
  on(event: 'down', fn: (reason: string) => void): this;
  once(event: 'up' | 'restart', fn: () => void): this;
  once(event: 'message', fn: (m: SctpMessage) => void): this;
  once(event: 'down', fn: (reason: string) => void): this;
  off(event: string, fn: (...a: any[]) => void): this;
}

export interface ListenOptions {
  host: string;
  port: number;
  /** Streams we offer (OS, MIS); default 16 each. */
  outStreams?: number;
  inStreams?: number;
}

export interface ConnectOptions {
  host: string;
  port: number;
  localHost?: string;
  /** 0 or absent: an ephemeral port. */
  localPort?: number;
  outStreams?: number;
  inStreams?: number;
  /**
   * Gives up with AssociationError 'timeout' when the association is not up
   * after this long (INIT or COOKIE ECHO unanswered). Default 10 s.
   */
  timeoutMs?: number;
  /** Cancels a connect in progress: it rejects with AssociationError 'aborted' and leaves nothing behind. */
  signal?: AbortSignal;
}

/** A listening endpoint: emits 'association' (a: Association) for each peer that comes up. */
export interface Server {
  readonly address: { host: string; port: number };
  on(event: 'association', fn: (a: Association) => void): this;
  off(event: string, fn: (...a: any[]) => void): this;
  /** Stops listening and aborts its associations. */
  close(): Promise<void>;
}

/** One backend: how associations are made. */
export interface Backend {
  readonly name: BackendName;
  readonly transport?: SctpTransport;
  listen(o: ListenOptions): Promise<Server>;
  /** Resolves once the association is up; rejects with AssociationError when it cannot be made. */
  connect(o: ConnectOptions): Promise<Association>;
}

export type AssociationErrorCode =
  | 'not-up'
  | 'bad-stream'
  | 'refused'
  | 'timeout'
  | 'aborted'
  | 'permission'
  | 'unavailable'
  | 'address-in-use'
  /** Added: a message SCTP cannot carry (empty, too long, PPID not a 32-bit unsigned integer). */
  | 'bad-message'
  /** Added: a bad address, port, stream count or option in listen/connect/backend options. */
  | 'bad-option';

export class AssociationError extends Error {
  override readonly name = 'AssociationError';
  constructor(
    readonly code: AssociationErrorCode,
    message: string,
  ) {
    super(message);
  }
}
