/**
 * An MGCP call agent (RFC 3435): the side of MGCP an MSC plays towards a
 * media gateway such as osmo-mgw. It owns transactions (ids, retransmission,
 * matching of responses, response acknowledgements) and keeps a book of the
 * endpoints and connections it created. It owns no handle: the datagram
 * transport and the timers are handed in, so the same object runs under
 * `ctx.net.udp` / `ctx.timers` in an image, over a plain dgram socket, or
 * against a virtual clock in tests.
 */
import { DecodeError } from '@snaptel/codec';
import { decode, encode, getParam, sdpConnection, sdpMedia, type MgcpCommand, type MgcpMessage, type MgcpParam, type MgcpResponse, type Sdp } from './codec';
import type { ConnectionMode } from './tables';

// ---------------------------------------------------------------- what the host provides

/** A one-shot timer as `ctx.timers.at` returns it. */
export interface AgentTimer {
  cancel(): void;
  readonly deadline: number;
}

/** Clock and one-shot timers; in an image: `{ now: Date.now, at: (n, d, f) => ctx.timers.at(n, d, f) }`. */
export interface AgentTimerHost {
  now(): number;
  at(name: string, deadline: number, fn: () => void): AgentTimer;
}

/**
 * setTimeout-backed timers for tools, tests and benches outside an image.
 * Inside an image use `ctx.timers.at`, which survives a snapshot.
 */
export const systemTimers: AgentTimerHost = {
  now: () => Date.now(),
  at(_name, deadline, fn) {
    const h = setTimeout(fn, Math.max(0, deadline - Date.now()));
    return { deadline, cancel: () => clearTimeout(h) };
  },
};

/** Where commands go: the MSC wires this to a `ctx.net.udp` socket aimed at the MGW (UDP 2427). */
export interface AgentTransport {
  send(bytes: Uint8Array): void;
}

/** pino's shape (`ctx.log` fits). */
export interface AgentLog {
  info(f: object, m: string): void;
  warn(f: object, m: string): void;
  debug?(f: object, m: string): void;
}

// ---------------------------------------------------------------- named timers and limits

/**
 * Every timer and limit of the agent, with its default, in one table (in the
 * manner of osmo_tdef). The retransmission schedule is RFC 3435's: the same
 * transaction id is sent again after firstMs, then after twice that, doubling
 * up to maxMs, and the transaction fails after maxTries transmissions.
 */
export const AGENT_TIMERS = {
  firstMs: { default: 200, unit: 'ms', doc: 'first retransmission timeout (RFC 3435 initial retransmission timer, 200 ms)' },
  maxMs: { default: 4000, unit: 'ms', doc: 'ceiling of the doubling (RFC 3435 RTO-MAX, 4 s); also the wait after a provisional 1xx' },
  maxTries: { default: 6, unit: 'transmissions', doc: 'the first plus 5 retransmissions (RFC 3435 Max1 = 5); a silent gateway fails a command after 200+400+800+1600+3200+4000 = 10.2 s' },
  historyMs: { default: 60_000, unit: 'ms', doc: 'finished transaction ids are remembered this long: duplicate and late responses are recognised, and the id is not reused (RFC 3435 T-HIST is 30 s)' },
  maxHistory: { default: 100_000, unit: 'transactions', doc: 'bound on remembered finished transactions' },
} as const;

/** RFC 3435 3.2.1.2: transaction ids are 1 to 999,999,999. */
export const MAX_TID = 999_999_999;

// ---------------------------------------------------------------- errors

export type MgcpAgentErrorCode =
  /** No final response after maxTries transmissions. */
  | 'timeout'
  /** The gateway answered with a code outside 2xx; `response` holds it. */
  | 'error-response'
  /** The gateway answered something unusable: undecodable, or a success without what the command needs (I:, Z:). */
  | 'bad-response'
  /** The command could not be encoded (bad endpoint name, bad parameter, bad SDP text). */
  | 'bad-request'
  /** The agent was closed while the transaction was pending, or before it started. */
  | 'closed'
  /** CallMedia: a step out of order (leg B before leg A, connect before both remote addresses, anything after teardown). */
  | 'state';

/** A failed transaction, naming verb, endpoint and transaction id. */
export class MgcpAgentError extends Error {
  readonly code: MgcpAgentErrorCode;
  readonly verb: string;
  readonly endpoint: string;
  readonly tid: number | undefined;
  /** The gateway's final response, for 'error-response' and 'bad-response' when there was one. */
  readonly response: MgcpResponse | undefined;

  constructor(
    code: MgcpAgentErrorCode,
    at: { verb: string; endpoint: string; tid?: number | undefined },
    detail: string,
    extra: { response?: MgcpResponse; cause?: unknown } = {},
  ) {
    super(`mgcp ${at.verb} ${at.endpoint}${at.tid !== undefined ? ` (tid ${at.tid})` : ''}: ${code}: ${detail}`, extra.cause !== undefined ? { cause: extra.cause } : undefined);
    this.name = 'MgcpAgentError';
    this.code = code;
    this.verb = at.verb;
    this.endpoint = at.endpoint;
    this.tid = at.tid;
    this.response = extra.response;
  }

  /** The response code, when the gateway gave one. */
  get responseCode(): number | undefined {
    return this.response?.code;
  }
}

// ---------------------------------------------------------------- SDP helpers

/** An RTP address: structurally the `TransportAddress` that @snaptel/bssap decodes from an AoIP Transport Layer Address. */
export interface RtpAddress {
  ip: string;
  port: number;
}

/**
 * Payload types for the codecs an MSC offers: static ones from RFC 3551, the
 * dynamic ones as osmo-msc/osmo-mgw number them by default.
 */
export const PAYLOAD_TYPES: Readonly<Record<string, { pt: number; clockRate: number }>> = {
  PCMU: { pt: 0, clockRate: 8000 },
  GSM: { pt: 3, clockRate: 8000 },
  PCMA: { pt: 8, clockRate: 8000 },
  'GSM-EFR': { pt: 110, clockRate: 8000 },
  'GSM-HR-08': { pt: 111, clockRate: 8000 },
  AMR: { pt: 112, clockRate: 8000 },
};

export interface RtpSdpOptions {
  /** Codec name (a key of PAYLOAD_TYPES, or any name with `payloadType`); default AMR. */
  codec?: string;
  payloadType?: number;
  /** Packetisation time; default 20 ms. */
  ptime?: number;
  /** o= session id; default '1'. */
  sessionId?: string;
}

/** A one-stream audio SDP body pointing at `addr` (what an MDCX or CRCX carries as the remote side). */
export function rtpSdp(addr: RtpAddress, opts: RtpSdpOptions = {}): Sdp {
  const codec = opts.codec ?? 'AMR';
  const known = PAYLOAD_TYPES[codec];
  const pt = opts.payloadType ?? known?.pt;
  if (pt === undefined) throw new MgcpAgentError('bad-request', { verb: 'SDP', endpoint: '-' }, `no payload type known for codec ${JSON.stringify(codec)}; pass payloadType`);
  const addrType = addr.ip.includes(':') ? 'IP6' : 'IP4';
  const conn = { netType: 'IN', addrType, address: addr.ip };
  return {
    lines: [
      { type: 'v', version: 0 },
      { type: 'o', origin: { username: '-', sessionId: opts.sessionId ?? '1', sessionVersion: '1', ...conn } },
      { type: 's', sessionName: '-' },
      { type: 'c', connection: conn },
      { type: 't', timing: { start: '0', stop: '0' } },
      { type: 'm', media: { media: 'audio', port: addr.port, proto: 'RTP/AVP', formats: [String(pt)] } },
      { type: 'a', rtpmap: { payloadType: pt, encoding: codec, clockRate: known?.clockRate ?? 8000 } },
      { type: 'a', ptime: opts.ptime ?? 20 },
    ],
  };
}

function asMessage(sdp: Sdp): MgcpMessage {
  return { type: 'response', code: 200, transactionId: '0', params: [], sdp };
}

/** The RTP address of an SDP body: c= address and the first m= port. */
export function sdpAddress(sdp: Sdp | undefined): RtpAddress | undefined {
  if (!sdp) return undefined;
  const m = asMessage(sdp);
  const c = sdpConnection(m);
  const media = sdpMedia(m);
  return c && media ? { ip: c.address, port: media.port } : undefined;
}

const SDP_PREFIX = '200 1\r\n\r\n';

/** SDP text (CRLF or LF lines) to the codec's Sdp, re-encoded with CRLF. Throws DecodeError with offsets into `text`. */
export function parseSdp(text: string): Sdp {
  let m: MgcpMessage;
  try {
    m = decode(new Uint8Array(Buffer.from(SDP_PREFIX + text, 'latin1')));
  } catch (e) {
    if (e instanceof DecodeError) throw new DecodeError('mgcp', 'SDP', e.ie, Math.max(0, e.offset - SDP_PREFIX.length), e.reason);
    throw e;
  }
  if (m.piggyback) throw new DecodeError('mgcp', 'SDP', 'SDP', 0, "a '.' line inside SDP text");
  const sdp = m.sdp ?? { lines: [] };
  return { lines: sdp.lines.map(({ eol: _eol, ...l }) => l) };
}

function toSdp(s: Sdp | string | undefined, at: { verb: string; endpoint: string }): Sdp | undefined {
  if (s === undefined) return undefined;
  if (typeof s !== 'string') return s;
  try {
    return parseSdp(s);
  } catch (e) {
    throw new MgcpAgentError('bad-request', at, `SDP text does not parse: ${(e as Error).message}`, { cause: e });
  }
}

const fmtAddr = (a: RtpAddress | undefined): string | undefined => (a ? (a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`) : undefined);

// ---------------------------------------------------------------- the agent

/** A command as request() takes it: the codec's command without transaction id; type and version may be left out. */
export type AgentCommand = Omit<MgcpCommand, 'transactionId' | 'type' | 'version'> & { type?: 'command'; version?: string };

export interface RetransmitOptions {
  firstMs?: number;
  maxMs?: number;
  maxTries?: number;
}

export interface CallAgentOptions {
  transport: AgentTransport;
  timers: AgentTimerHost;
  log?: AgentLog;
  /** Domain appended to endpoint names given without '@'; default 'mgw' (osmo-mgw's default). */
  domain?: string;
  retransmit?: RetransmitOptions;
  /**
   * The first transaction id. Default: derived from the clock at the first
   * request (1 + (now / 10 ms) mod 999,999,999), so that an image resumed
   * twice does not send the ids its previous run sent: osmo-mgw answers a
   * command whose id equals the endpoint's last one with its stored response.
   */
  firstTid?: number;
  historyMs?: number;
  maxHistory?: number;
  /**
   * Release connections the gateway made for a CRCX nobody waits for any more
   * (a late 200 after a timeout; osmo-mgw executes a retransmitted wildcard
   * CRCX again, on another endpoint): a DLCX is sent for each. Default true.
   */
  releaseOrphans?: boolean;
  /** Commands from the gateway (RSIP, NTFY): return the response code; default 200 for RSIP and NTFY, 504 otherwise. */
  onCommand?(cmd: MgcpCommand): number | void;
}

export interface CrcxOptions {
  callId: string;
  mode: ConnectionMode;
  /** The remote side, as codec Sdp or SDP text. */
  sdp?: Sdp | string;
  /** L: a:<codec> (with p:<ptime>); osmo-msc sends 'AMR', 'GSM', 'GSM-EFR'... */
  codec?: string;
  /** L: p:<ms>; default 20 when codec is given. */
  ptime?: number;
}

export interface CrcxResult {
  /** The specific endpoint (the Z: answer when a wildcard like rtpbridge/*@mgw was given). */
  endpoint: string;
  connId: string;
  /** The gateway's side of the connection. */
  sdp?: Sdp;
  /** c= address and m= port of `sdp`: where the other party must send RTP. */
  local?: RtpAddress;
}

export interface MdcxOptions {
  callId: string;
  mode?: ConnectionMode;
  sdp?: Sdp | string;
}

export interface ConnectionInfo {
  connId: string;
  callId: string;
  mode: string;
  /** The gateway's RTP address for this connection ('ip:port'). */
  local?: string;
  /** Where the gateway sends this connection's RTP ('ip:port'), once known. */
  remote?: string;
}

export interface EndpointInfo {
  endpoint: string;
  connections: ConnectionInfo[];
}

export interface PendingInfo {
  tid: number;
  verb: string;
  endpoint: string;
  /** Transmissions so far. */
  tries: number;
  /** When the next retransmission (or the timeout) is due. */
  deadline: number;
}

export interface AgentStats {
  transactions: number;
  retransmissions: number;
  timeouts: number;
  errorResponses: number;
  provisional: number;
  duplicates: number;
  lateResponses: number;
  acksSent: number;
  orphansReleased: number;
  badInput: number;
  unknownResponses: number;
  commandsReceived: number;
}

interface Tx {
  tid: number;
  cmd: MgcpCommand;
  bytes: Uint8Array;
  sent: number;
  /** Transmissions left before giving up. */
  left: number;
  provisional: boolean;
  timer: AgentTimer | undefined;
  resolve(r: MgcpResponse): void;
  reject(e: Error): void;
}

type Outcome = 'answered' | 'timeout' | 'closed' | 'bad-response';

interface Done {
  verb: string;
  endpoint: string;
  callId: string | undefined;
  outcome: Outcome;
  at: number;
  /** For an answered CRCX: the connection it made, to tell a duplicate from an orphan. */
  made?: { endpoint: string; connId: string };
  /** Connections already released as orphans (keys endpoint|connId). */
  released?: Set<string>;
}

interface Conn {
  connId: string;
  callId: string;
  mode: string;
  local?: RtpAddress;
  remote?: RtpAddress;
}

const isWildcard = (endpoint: string): boolean => {
  const at = endpoint.lastIndexOf('@');
  const local = at < 0 ? endpoint : endpoint.slice(0, at);
  return local.includes('*') || local.includes('$');
};

/** osmo-mgw's wildcard DLCX ('rtpbridge/*@mgw') matches every endpoint with the same prefix and domain. */
function wildcardMatches(pattern: string, endpoint: string): boolean {
  const at = pattern.lastIndexOf('@');
  const local = pattern.slice(0, at);
  const domain = pattern.slice(at);
  const star = local.search(/[*$]/);
  return endpoint.endsWith(domain) && endpoint.startsWith(local.slice(0, star));
}

const EMPTY_STATS = (): AgentStats => ({
  transactions: 0,
  retransmissions: 0,
  timeouts: 0,
  errorResponses: 0,
  provisional: 0,
  duplicates: 0,
  lateResponses: 0,
  acksSent: 0,
  orphansReleased: 0,
  badInput: 0,
  unknownResponses: 0,
  commandsReceived: 0,
});

/**
 * An MGCP call agent: transactions with retransmission over an injected
 * transport and timers, and the book of endpoints and connections.
 */
export class CallAgent {
  readonly domain: string;
  private readonly transport: AgentTransport;
  private readonly timers: AgentTimerHost;
  private readonly log: AgentLog | undefined;
  private readonly firstMs: number;
  private readonly maxMs: number;
  private readonly maxTries: number;
  private readonly historyMs: number;
  private readonly maxHistory: number;
  private readonly releaseOrphans: boolean;
  private readonly onCommandHook: ((cmd: MgcpCommand) => number | void) | undefined;
  private nextTid: number | undefined;
  private readonly txs = new Map<number, Tx>();
  private readonly history = new Map<number, Done>();
  private readonly book = new Map<string, Map<string, Conn>>();
  private closed = false;
  private readonly counters: AgentStats = EMPTY_STATS();

  constructor(opts: CallAgentOptions) {
    this.transport = opts.transport;
    this.timers = opts.timers;
    this.log = opts.log;
    this.domain = opts.domain ?? 'mgw';
    const r = opts.retransmit ?? {};
    this.firstMs = positive(r.firstMs ?? AGENT_TIMERS.firstMs.default, 'retransmit.firstMs');
    this.maxMs = positive(r.maxMs ?? AGENT_TIMERS.maxMs.default, 'retransmit.maxMs');
    this.maxTries = positive(r.maxTries ?? AGENT_TIMERS.maxTries.default, 'retransmit.maxTries');
    if (!Number.isInteger(this.maxTries)) throw new RangeError(`mgcp agent: retransmit.maxTries must be an integer (got ${this.maxTries})`);
    if (this.maxMs < this.firstMs) throw new RangeError(`mgcp agent: retransmit.maxMs (${this.maxMs}) is below firstMs (${this.firstMs})`);
    this.historyMs = opts.historyMs ?? AGENT_TIMERS.historyMs.default;
    this.maxHistory = opts.maxHistory ?? AGENT_TIMERS.maxHistory.default;
    this.releaseOrphans = opts.releaseOrphans ?? true;
    this.onCommandHook = opts.onCommand;
    if (opts.firstTid !== undefined) this.resetTransactionIds(opts.firstTid);
  }

  /**
   * Sets the next transaction id (1..999,999,999), or with no argument lets
   * the next request derive it from the clock. Call it from
   * `returnedFromSnapshot` when the image was snapshotted after it had sent
   * commands, so a resumed image does not repeat the ids of its previous run.
   */
  resetTransactionIds(firstTid?: number): void {
    if (firstTid !== undefined && (!Number.isInteger(firstTid) || firstTid < 1 || firstTid > MAX_TID))
      throw new RangeError(`mgcp agent: transaction id must be 1..${MAX_TID} (got ${firstTid})`);
    this.nextTid = firstTid;
  }

  // ---------------------------------------------------------------- transactions

  /**
   * One transaction: allocates a transaction id, sends, retransmits with
   * backoff (same id, doubling from firstMs to maxMs, maxTries transmissions),
   * matches the final response (provisional 1xx wait on, repeated responses
   * are dropped, an empty K: is acknowledged with '000'). Resolves with a 2xx
   * response; rejects with MgcpAgentError otherwise.
   */
  request(cmd: AgentCommand): Promise<MgcpResponse> {
    const at = { verb: String(cmd.verb), endpoint: String(cmd.endpoint) };
    if (this.closed) return Promise.reject(new MgcpAgentError('closed', at, 'the agent is closed'));
    this.prune();
    const tid = this.allocTid();
    const full: MgcpCommand = { ...cmd, type: 'command', version: cmd.version ?? 'MGCP 1.0', transactionId: String(tid) };
    let bytes: Uint8Array;
    try {
      bytes = encode(full);
    } catch (e) {
      return Promise.reject(new MgcpAgentError('bad-request', { ...at, tid }, (e as Error).message, { cause: e }));
    }
    this.counters.transactions++;
    return new Promise<MgcpResponse>((resolve, reject) => {
      const tx: Tx = { tid, cmd: full, bytes, sent: 0, left: this.maxTries, provisional: false, timer: undefined, resolve, reject };
      this.txs.set(tid, tx);
      try {
        this.transmit(tx);
      } catch (e) {
        // The timer host refused (closed runtime): nothing is pending then.
        tx.timer?.cancel();
        this.txs.delete(tid);
        reject(e);
      }
    });
  }

  private allocTid(): number {
    let t = this.nextTid ?? 1 + (Math.floor(this.timers.now() / 10) % MAX_TID);
    // Bounded: at most every pending and remembered id is skipped once.
    for (let i = 0; i <= this.txs.size + this.history.size; i++) {
      const next = t >= MAX_TID ? 1 : t + 1;
      if (!this.txs.has(t) && !this.history.has(t)) {
        this.nextTid = next;
        return t;
      }
      t = next;
    }
    throw new Error('mgcp agent: no free transaction id'); // unreachable: ids outnumber pending + remembered
  }

  private transmit(tx: Tx): void {
    tx.sent++;
    tx.left--;
    if (tx.sent > 1) this.counters.retransmissions++;
    try {
      this.transport.send(tx.bytes);
    } catch (e) {
      // The socket may be down (an image between snapshot and re-bind): the next retransmission tries again.
      this.log?.warn({ tid: tx.tid, verb: tx.cmd.verb, endpoint: tx.cmd.endpoint, err: (e as Error).message }, 'mgcp send failed');
    }
    const interval = tx.provisional ? this.maxMs : Math.min(this.firstMs * 2 ** (tx.sent - 1), this.maxMs);
    this.arm(tx, this.timers.now() + interval);
    if (tx.sent > 1) this.log?.info({ tid: tx.tid, verb: tx.cmd.verb, endpoint: tx.cmd.endpoint, tries: tx.sent }, 'mgcp retransmission');
    else this.log?.debug?.({ tid: tx.tid, verb: tx.cmd.verb, endpoint: tx.cmd.endpoint }, 'mgcp command sent');
  }

  private arm(tx: Tx, deadline: number): void {
    tx.timer?.cancel();
    tx.timer = this.timers.at(`mgcp-tx-${tx.tid}`, deadline, () => this.expire(tx));
  }

  private expire(tx: Tx): void {
    if (this.txs.get(tx.tid) !== tx) return;
    tx.timer = undefined;
    if (tx.left > 0) {
      this.transmit(tx);
      return;
    }
    this.counters.timeouts++;
    this.finish(tx, 'timeout');
    this.log?.warn({ tid: tx.tid, verb: tx.cmd.verb, endpoint: tx.cmd.endpoint, tries: tx.sent }, 'mgcp transaction timed out');
    tx.reject(new MgcpAgentError('timeout', this.where(tx), `no final response after ${tx.sent} transmission${tx.sent === 1 ? '' : 's'}`));
  }

  private where(tx: Tx): { verb: string; endpoint: string; tid: number } {
    return { verb: tx.cmd.verb, endpoint: tx.cmd.endpoint, tid: tx.tid };
  }

  /** Moves a transaction from pending to history. */
  private finish(tx: Tx, outcome: Outcome, made?: Done['made']): void {
    tx.timer?.cancel();
    tx.timer = undefined;
    this.txs.delete(tx.tid);
    const d: Done = { verb: tx.cmd.verb, endpoint: tx.cmd.endpoint, callId: getParam(tx.cmd, 'C'), outcome, at: this.timers.now() };
    if (made) d.made = made;
    this.history.set(tx.tid, d);
  }

  private prune(): void {
    const cutoff = this.timers.now() - this.historyMs;
    for (const [tid, d] of this.history) {
      if (d.at >= cutoff && this.history.size <= this.maxHistory) break;
      this.history.delete(tid);
    }
  }

  // ---------------------------------------------------------------- receiving

  /** Feed every datagram received from the MGW. Bad input is logged and dropped (never throws). */
  receive(bytes: Uint8Array): void {
    try {
      this.prune();
      let msg: MgcpMessage;
      try {
        msg = decode(bytes);
      } catch (e) {
        this.badInput(bytes, e);
        return;
      }
      const all = [msg, ...(msg.piggyback ?? [])];
      for (const m of all) {
        if (m.type === 'response') this.onResponse(m);
        else this.onCommand(m);
      }
    } catch (e) {
      this.log?.warn({ err: (e as Error).message }, 'mgcp agent: error while handling a datagram');
    }
  }

  private badInput(bytes: Uint8Array, e: unknown): void {
    this.counters.badInput++;
    const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 64)).toString('latin1');
    const m = /^([0-9]{3})[ \t]+([0-9]{1,9})(?=[ \t\r\n]|$)/.exec(head);
    const tx = m ? this.txs.get(Number(m[2])) : undefined;
    const err = e instanceof Error ? e.message : String(e);
    if (tx && Number(m![1]) >= 200) {
      // A final answer we cannot read: retransmitting would get the same bytes back.
      this.finish(tx, 'bad-response');
      this.log?.warn({ tid: tx.tid, verb: tx.cmd.verb, endpoint: tx.cmd.endpoint, err }, 'mgcp response does not decode');
      tx.reject(new MgcpAgentError('bad-response', this.where(tx), `response does not decode: ${err}`, { cause: e }));
      return;
    }
    this.log?.warn({ err, head: JSON.stringify(head) }, 'mgcp datagram dropped: does not decode');
  }

  private onResponse(r: MgcpResponse): void {
    const tid = Number(r.transactionId);
    if (r.code === 0) {
      this.log?.debug?.({ tid }, 'mgcp response acknowledgement ignored');
      return;
    }
    const tx = this.txs.get(tid);
    if (!tx) {
      this.afterTheFact(tid, r);
      return;
    }
    if (r.code >= 100 && r.code < 200) {
      // In progress: the gateway has the command. Wait on, retransmitting only at maxMs.
      this.counters.provisional++;
      tx.provisional = true;
      this.arm(tx, this.timers.now() + this.maxMs);
      this.log?.debug?.({ tid, code: r.code, verb: tx.cmd.verb, endpoint: tx.cmd.endpoint }, 'mgcp provisional response');
      return;
    }
    this.ack(r);
    const ok = r.code >= 200 && r.code < 300;
    let made: Done['made'];
    if (ok && tx.cmd.verb.toUpperCase() === 'CRCX') {
      const connId = getParam(r, 'I');
      const endpoint = getParam(r, 'Z') ?? tx.cmd.endpoint;
      if (connId) made = { endpoint, connId };
    }
    this.finish(tx, 'answered', made);
    this.track(tx.cmd, r);
    if (ok) {
      this.log?.debug?.({ tid, code: r.code, verb: tx.cmd.verb, endpoint: tx.cmd.endpoint }, 'mgcp response');
      tx.resolve(r);
    } else {
      this.counters.errorResponses++;
      this.log?.info({ tid, code: r.code, comment: r.comment, verb: tx.cmd.verb, endpoint: tx.cmd.endpoint }, 'mgcp error response');
      tx.reject(new MgcpAgentError('error-response', this.where(tx), `${r.code}${r.comment ? ` ${r.comment}` : ''}`, { response: r }));
    }
  }

  /** A response for a transaction that is not pending: a duplicate, a late one, or unknown. */
  private afterTheFact(tid: number, r: MgcpResponse): void {
    const d = this.history.get(tid);
    if (!d) {
      this.counters.unknownResponses++;
      this.log?.warn({ tid, code: r.code }, 'mgcp response to an unknown transaction dropped');
      return;
    }
    if (r.code >= 200) this.ack(r);
    if (d.outcome === 'answered') this.counters.duplicates++;
    else this.counters.lateResponses++;
    // Did the gateway make a connection nobody holds? (a late CRCX answer, or a
    // retransmitted wildcard CRCX that osmo-mgw executed again elsewhere)
    const connId = getParam(r, 'I');
    if (r.code >= 200 && r.code < 300 && d.verb.toUpperCase() === 'CRCX' && connId) {
      const endpoint = getParam(r, 'Z') ?? d.endpoint;
      const same = d.made && d.made.endpoint === endpoint && d.made.connId === connId;
      const key = `${endpoint}|${connId}`;
      if (!same && !isWildcard(endpoint) && !d.released?.has(key)) {
        (d.released ??= new Set()).add(key);
        this.log?.warn({ tid, endpoint, connId, outcome: d.outcome }, 'mgcp CRCX answer after the fact made a connection nobody holds');
        if (this.releaseOrphans && !this.closed) {
          this.counters.orphansReleased++;
          const params: MgcpParam[] = [];
          if (d.callId !== undefined) params.push({ name: 'C', value: d.callId });
          params.push({ name: 'I', value: connId });
          this.request({ verb: 'DLCX', endpoint, params }).catch((e: Error) =>
            this.log?.warn({ endpoint, connId, err: e.message }, 'mgcp release of an orphan connection failed'),
          );
        }
        return;
      }
    }
    this.log?.debug?.({ tid, code: r.code, outcome: d.outcome }, d.outcome === 'answered' ? 'mgcp duplicate response dropped' : 'mgcp late response dropped');
  }

  /** RFC 3435: a final response with an empty ResponseAck (K:) asks for a '000' acknowledgement. */
  private ack(r: MgcpResponse): void {
    const k = getParam(r, 'K');
    if (k === undefined || k.trim() !== '') return;
    this.counters.acksSent++;
    try {
      this.transport.send(encode({ type: 'response', code: 0, transactionId: r.transactionId, params: [] }));
    } catch (e) {
      this.log?.warn({ tid: r.transactionId, err: (e as Error).message }, 'mgcp response acknowledgement not sent');
    }
  }

  private onCommand(c: MgcpCommand): void {
    this.counters.commandsReceived++;
    const verb = c.verb.toUpperCase();
    let code = this.onCommandHook?.(c);
    if (typeof code !== 'number') code = verb === 'RSIP' || verb === 'NTFY' ? 200 : 504;
    this.log?.info({ tid: c.transactionId, verb: c.verb, endpoint: c.endpoint, code }, 'mgcp command from the gateway');
    try {
      this.transport.send(encode({ type: 'response', code, transactionId: c.transactionId, params: [], comment: code < 300 ? 'OK' : 'FAIL' }));
    } catch (e) {
      this.log?.warn({ tid: c.transactionId, err: (e as Error).message }, 'mgcp response to a gateway command not sent');
    }
  }

  // ---------------------------------------------------------------- the book of endpoints

  private track(cmd: MgcpCommand, r: MgcpResponse): void {
    const verb = cmd.verb.toUpperCase();
    const ok = r.code >= 200 && r.code < 300;
    const connId = getParam(cmd, 'I');
    const callId = getParam(cmd, 'C');
    if (verb === 'CRCX' && ok) {
      const endpoint = getParam(r, 'Z') ?? cmd.endpoint;
      const id = getParam(r, 'I');
      if (isWildcard(endpoint) || !id) return;
      let conns = this.book.get(endpoint);
      if (!conns) this.book.set(endpoint, (conns = new Map()));
      const c: Conn = { connId: id, callId: callId ?? '', mode: getParam(cmd, 'M') ?? '' };
      const local = sdpAddress(r.sdp);
      const remote = sdpAddress(cmd.sdp);
      if (local) c.local = local;
      if (remote) c.remote = remote;
      conns.set(id, c);
    } else if (verb === 'MDCX' && ok && connId) {
      const c = this.book.get(cmd.endpoint)?.get(connId);
      if (!c) return;
      const mode = getParam(cmd, 'M');
      if (mode) c.mode = mode;
      const local = sdpAddress(r.sdp);
      const remote = sdpAddress(cmd.sdp);
      if (local) c.local = local;
      if (remote) c.remote = remote;
    } else if (verb === 'DLCX' && (ok || r.code === 515 || r.code === 516)) {
      // 515/516: the gateway has no such connection or call there; forget it too.
      const targets = isWildcard(cmd.endpoint) ? [...this.book.keys()].filter((e) => wildcardMatches(cmd.endpoint, e)) : [cmd.endpoint];
      for (const ep of targets) {
        const conns = this.book.get(ep);
        if (!conns) continue;
        for (const [id, c] of conns) if ((connId === undefined || id === connId) && (callId === undefined || c.callId === callId)) conns.delete(id);
        if (conns.size === 0) this.book.delete(ep);
      }
    }
  }

  /** Endpoints in use with their connections (call id, conn id, mode, local and remote RTP address). */
  endpoints(): EndpointInfo[] {
    return [...this.book].map(([endpoint, conns]) => ({
      endpoint,
      connections: [...conns.values()].map((c) => {
        const o: ConnectionInfo = { connId: c.connId, callId: c.callId, mode: c.mode };
        const local = fmtAddr(c.local);
        const remote = fmtAddr(c.remote);
        if (local) o.local = local;
        if (remote) o.remote = remote;
        return o;
      }),
    }));
  }

  /** Transactions in flight (tid, verb, endpoint, transmissions so far, next retransmission or timeout). */
  pending(): PendingInfo[] {
    return [...this.txs.values()].map((t) => ({ tid: t.tid, verb: t.cmd.verb, endpoint: t.cmd.endpoint, tries: t.sent, deadline: t.timer?.deadline ?? this.timers.now() }));
  }

  /** Counters since construction. */
  stats(): AgentStats {
    return { ...this.counters };
  }

  /** Rejects every pending transaction (MgcpAgentError 'closed') and cancels its timers; later requests reject at once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const txs = [...this.txs.values()];
    for (const tx of txs) this.finish(tx, 'closed');
    for (const tx of txs) tx.reject(new MgcpAgentError('closed', this.where(tx), 'the agent was closed'));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ---------------------------------------------------------------- verbs

  /** `rtpbridge/*` → `rtpbridge/*@mgw`; names with a domain pass unchanged. */
  qualify(endpoint: string): string {
    return endpoint.includes('@') ? endpoint : `${endpoint}@${this.domain}`;
  }

  /** CreateConnection. On a wildcard endpoint (rtpbridge/*@mgw) the result names the specific endpoint the gateway chose (Z:). */
  async crcx(endpoint: string, opts: CrcxOptions): Promise<CrcxResult> {
    const ep = this.qualify(endpoint);
    const sdp = toSdp(opts.sdp, { verb: 'CRCX', endpoint: ep });
    const params: MgcpParam[] = [{ name: 'C', value: opts.callId }];
    if (opts.codec !== undefined || opts.ptime !== undefined) {
      const options = [{ key: 'p', value: String(opts.ptime ?? 20) }];
      if (opts.codec !== undefined) options.push({ key: 'a', value: opts.codec });
      params.push({ name: 'L', options });
    }
    params.push({ name: 'M', mode: opts.mode });
    const r = await this.request(sdp ? { verb: 'CRCX', endpoint: ep, params, sdp } : { verb: 'CRCX', endpoint: ep, params });
    const at = { verb: 'CRCX', endpoint: ep, tid: Number(r.transactionId) };
    const connId = getParam(r, 'I');
    if (!connId) throw new MgcpAgentError('bad-response', at, `${r.code} without a connection id (I:)`, { response: r });
    const specific = getParam(r, 'Z') ?? ep;
    if (isWildcard(specific)) throw new MgcpAgentError('bad-response', at, `${r.code} to a wildcard CRCX without the specific endpoint (Z:)`, { response: r });
    const out: CrcxResult = { endpoint: specific, connId };
    if (r.sdp) out.sdp = r.sdp;
    const local = sdpAddress(r.sdp);
    if (local) out.local = local;
    return out;
  }

  /** ModifyConnection: mode and/or the remote side (SDP). */
  async mdcx(endpoint: string, connId: string, opts: MdcxOptions): Promise<{ sdp?: Sdp; local?: RtpAddress }> {
    const ep = this.qualify(endpoint);
    const sdp = toSdp(opts.sdp, { verb: 'MDCX', endpoint: ep });
    const params: MgcpParam[] = [
      { name: 'C', value: opts.callId },
      { name: 'I', value: connId },
    ];
    if (opts.mode !== undefined) params.push({ name: 'M', mode: opts.mode });
    const r = await this.request(sdp ? { verb: 'MDCX', endpoint: ep, params, sdp } : { verb: 'MDCX', endpoint: ep, params });
    const out: { sdp?: Sdp; local?: RtpAddress } = {};
    if (r.sdp) out.sdp = r.sdp;
    const local = sdpAddress(r.sdp);
    if (local) out.local = local;
    return out;
  }

  /** DeleteConnection: one connection (connId), a call's connections (callId), or the whole endpoint. */
  async dlcx(endpoint: string, opts: { callId?: string; connId?: string } = {}): Promise<void> {
    const params: MgcpParam[] = [];
    if (opts.callId !== undefined) params.push({ name: 'C', value: opts.callId });
    if (opts.connId !== undefined) params.push({ name: 'I', value: opts.connId });
    await this.request({ verb: 'DLCX', endpoint: this.qualify(endpoint), params });
  }

  /**
   * DLCX on a wildcard endpoint: osmo-mgw then deletes every connection on
   * the trunk ('rtpbridge/*@mgw'), and the book forgets them. For an MSC that
   * starts or resumes while the gateway may still hold connections of its
   * previous run. On a gateway shared with other call agents it deletes
   * their calls too.
   */
  resetEndpoints(wildcard = 'rtpbridge/*'): Promise<void> {
    return this.dlcx(wildcard);
  }

  /** AuditEndpoint. (osmo-mgw answers 200 for any endpoint it has and 500 otherwise; it lists nothing.) */
  auep(endpoint: string): Promise<MgcpResponse> {
    return this.request({ verb: 'AUEP', endpoint: this.qualify(endpoint), params: [] });
  }
}

function positive(v: number, what: string): number {
  if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new RangeError(`mgcp agent: ${what} must be a positive number (got ${v})`);
  return v;
}
