import { CAUSE, CN_DOMAIN, MESSAGE_TYPE, decode as gsupDecode, encodeIpa, type AuthTuple, type GsupIes, type GsupMessage } from '@snaptel/gsup';
import { IpaDeframer, OSMO_EXT, PROTO, decode as ipaDecode, encode as ipaEncode, unframe, type IdRespEntry } from '@snaptel/ipa';

/**
 * A GSUP client towards an external HLR (osmo-hlr) over IPA, as osmo-msc's
 * VLR uses libosmo-gsup-client: one TCP link (made and re-made by whoever
 * passes `connect`, normally `ctx.net.connect`), the IPA CCM identity
 * exchange and keepalive, and three request/answer procedures:
 * SEND_AUTH_INFO, UPDATE_LOCATION (with the INSERT_SUBSCRIBER_DATA osmo-hlr
 * sends in its middle) and PURGE_MS.
 *
 * GSUP has no transaction id: an answer belongs to the oldest request of its
 * procedure for its IMSI (osmo-hlr answers in order on one link), so any
 * number of IMSIs, and repeated requests for one IMSI, may be in flight.
 * Every request has a deadline on the injected timers; a lost link rejects
 * what is in flight. Anything the HLR sends that cannot be understood is
 * logged and dropped; nothing from the wire throws.
 */

/** A timer as the MSC's TimerHost (and the image runtime's timers) gives it. */
export interface GsupTimerHandle {
  cancel(): void;
  readonly deadline: number;
}

/** The link as `ctx.net.connect(...)` returns it (a reconnecting TCP client). */
export interface GsupLink {
  write(b: Uint8Array): boolean;
  readonly connected: boolean;
}

export interface GsupClientOptions {
  host: string;
  /** osmo-hlr listens for GSUP on 4222. */
  port: number;
  /** IPA UNITNAME (and SERNR, which osmo-hlr takes as the VLR's name). Default 'MSC-00-00-00-00-00-00'. */
  unitName?: string;
  timers: { now(): number; at(name: string, deadline: number, fn: () => void): GsupTimerHandle };
  log?: { info(f: object, m: string): void; warn(f: object, m: string): void };
  /** Opens the link: the MSC passes `(o) => ctx.net.connect({ name: 'gsup', ...o })`. */
  connect(opts: { host: string; port: number; onConnect(): void; onData(b: Buffer): void; onDisconnect(): void }): GsupLink;
  /** Deadline of each request (default 5000 ms). */
  requestTimeoutMs?: number;
  /**
   * How long to wait after the TCP connect for osmo-hlr's CCM ID_GET before
   * sending requests anyway (default 2000 ms). osmo-hlr always asks first.
   */
  identifyTimeoutMs?: number;
  /**
   * An INSERT_SUBSCRIBER_DATA outside an UPDATE_LOCATION (osmo-hlr sends one
   * when a subscriber's data changes). Returning false answers it with an
   * error (IMSI unknown); otherwise it is answered with a result.
   */
  onInsertData?(imsi: string, data: { msisdn?: string }): boolean | void;
  /** A LOCATION_CANCEL from the HLR: the subscriber moved to another VLR. It is answered with a result. */
  onLocationCancel?(imsi: string, cancelType: number | undefined): void;
}

export type GsupErrorCode = 'error-result' | 'timeout' | 'link-down' | 'bad-request' | 'bad-result';

/**
 * Why a GSUP request failed: the HLR answered with an *_ERROR (`cause` is
 * its GSUP/GMM cause, 2 = IMSI unknown), no answer before the deadline, the
 * link went down (or was down), the request could not be encoded (bad IMSI),
 * or the answer was unusable.
 */
export class GsupError extends Error {
  override readonly name = 'GsupError';
  /** The GMM cause of an *_ERROR answer (TS 24.008 §10.5.5.14), for code 'error-result'. */
  override readonly cause: number | undefined;
  constructor(
    readonly code: GsupErrorCode,
    message: string,
    cause?: number,
  ) {
    super(message);
    this.cause = cause;
  }
}

/** One authentication vector as the HLR gives it (hex). 3G vectors add IK, CK, AUTN and RES. */
export interface GsupAuthTuple {
  rand: string;
  sres: string;
  kc: string;
  ik?: string;
  ck?: string;
  autn?: string;
  res?: string;
}

/** AUTS resynchronisation (TS 33.102 §6.3.5): the RAND of the failed challenge and the MS's AUTS. */
export interface GsupResync {
  rand: string;
  auts: string;
}

/** The procedures, as data: request, answers, and the timer that guards them. */
const PROCEDURES = {
  SendAuthInfo: { request: 'SendAuthInfoRequest', result: 'SendAuthInfoResult', error: 'SendAuthInfoError' },
  UpdateLocation: { request: 'UpdateLocationRequest', result: 'UpdateLocationResult', error: 'UpdateLocationError' },
  PurgeMs: { request: 'PurgeMsRequest', result: 'PurgeMsResult', error: 'PurgeMsError' },
} as const;
type Proc = keyof typeof PROCEDURES;
const ANSWER: ReadonlyMap<string, { proc: Proc; ok: boolean }> = new Map(
  (Object.keys(PROCEDURES) as Proc[]).flatMap((p): Array<[string, { proc: Proc; ok: boolean }]> => [
    [PROCEDURES[p].result, { proc: p, ok: true }],
    [PROCEDURES[p].error, { proc: p, ok: false }],
  ]),
);

interface Pending {
  proc: Proc;
  imsi: string;
  frame: Uint8Array;
  /** Link generation the request was written on; 0 while queued. */
  sentOn: number;
  timer: GsupTimerHandle | undefined;
  /** MSISDN from the INSERT_SUBSCRIBER_DATA of an UPDATE_LOCATION. */
  msisdn?: string;
  n?: number;
  resolve(v: unknown): void;
  reject(e: GsupError): void;
}

const IMSI_RE = /^\d{5,15}$/;
const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

export class GsupHlrClient {
  readonly unitName: string;
  private readonly link: GsupLink;
  private readonly timeoutMs: number;
  private readonly identifyMs: number;
  private deframer = new IpaDeframer();
  /** Link generation: incremented at every TCP connect. */
  private gen = 0;
  /** Requests may be written (the CCM identity was given, or the wait for ID_GET ended). */
  private ready = false;
  private identifyTimer: GsupTimerHandle | undefined;
  /** In flight (or queued) by `${proc}:${imsi}`, oldest first. */
  private readonly pending = new Map<string, Pending[]>();
  private inFlight = 0;
  readonly counters = {
    connects: 0,
    disconnects: 0,
    requests: 0,
    results: 0,
    errors: 0,
    timeouts: 0,
    linkDown: 0,
    malformed: 0,
    unexpected: 0,
    pings: 0,
    insertData: 0,
    locationCancel: 0,
  };
  private lastError: string | undefined;

  constructor(private readonly opts: GsupClientOptions) {
    this.unitName = opts.unitName ?? 'MSC-00-00-00-00-00-00';
    this.timeoutMs = opts.requestTimeoutMs ?? 5000;
    this.identifyMs = opts.identifyTimeoutMs ?? 2000;
    if (!(this.timeoutMs > 0)) throw new RangeError(`gsup client: requestTimeoutMs must be > 0 (got ${opts.requestTimeoutMs})`);
    if (!/^[\x20-\x7e]{1,64}$/.test(this.unitName)) throw new RangeError(`gsup client: unitName must be 1..64 printable ASCII characters`);
    this.link = opts.connect({
      host: opts.host,
      port: opts.port,
      onConnect: () => this.onConnect(),
      onData: (b) => this.onData(b),
      onDisconnect: () => this.onDisconnect(),
    });
  }

  /** The link is up and identified: requests go out at once. */
  get connected(): boolean {
    return this.ready && this.link.connected;
  }

  status(): Record<string, unknown> {
    return {
      peer: `${this.opts.host}:${this.opts.port}`,
      unitName: this.unitName,
      tcp: this.link.connected,
      connected: this.connected,
      inFlight: this.inFlight,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      counters: { ...this.counters },
    };
  }

  /**
   * SEND_AUTH_INFO (CS domain): up to `n` authentication vectors for `imsi`
   * (osmo-hlr gives 5 unless asked for fewer). With `resync`, the AUTS and
   * RAND of a failed UMTS challenge, the HLR re-synchronises its SQN first.
   */
  sendAuthInfo(imsi: string, n?: number, resync?: GsupResync): Promise<GsupAuthTuple[]> {
    if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 5))
      return Promise.reject(new GsupError('bad-request', `GSUP SendAuthInfoRequest: n must be 1..5 (got ${n})`));
    if (resync && !(HEX_RE.test(resync.rand) && resync.rand.length === 32 && HEX_RE.test(resync.auts) && resync.auts.length === 28))
      return Promise.reject(new GsupError('bad-request', 'GSUP SendAuthInfoRequest: resync needs a 16-byte RAND and a 14-byte AUTS (hex)'));
    const ies: GsupIes = { cnDomain: CN_DOMAIN.CS };
    if (n !== undefined) ies.numVectorsReq = n;
    if (resync) {
      ies.auts = resync.auts.toLowerCase();
      ies.rand = resync.rand.toLowerCase();
    }
    return this.request('SendAuthInfo', imsi, ies, n) as Promise<GsupAuthTuple[]>;
  }

  /**
   * UPDATE_LOCATION (CS domain). osmo-hlr sends INSERT_SUBSCRIBER_DATA in
   * between, which is answered here; resolves with its MSISDN once the
   * UPDATE_LOCATION_RESULT arrives.
   */
  updateLocation(imsi: string): Promise<{ msisdn?: string }> {
    return this.request('UpdateLocation', imsi, { cnDomain: CN_DOMAIN.CS }) as Promise<{ msisdn?: string }>;
  }

  /** PURGE_MS (CS domain): the subscriber left this VLR (IMSI detach kept for good, or T3212 expiry). */
  purgeMs(imsi: string): Promise<void> {
    return this.request('PurgeMs', imsi, { cnDomain: CN_DOMAIN.CS }) as Promise<void>;
  }

  // ---- requests ----

  private request(proc: Proc, imsi: string, ies: GsupIes, n?: number): Promise<unknown> {
    const name = PROCEDURES[proc].request;
    if (typeof imsi !== 'string' || !IMSI_RE.test(imsi)) return Promise.reject(new GsupError('bad-request', `GSUP ${name}: IMSI must be 5..15 digits (got ${JSON.stringify(imsi)})`));
    if (!this.link.connected) {
      this.counters.linkDown++;
      return Promise.reject(new GsupError('link-down', `GSUP ${name} for ${imsi}: no link to the HLR at ${this.opts.host}:${this.opts.port}`));
    }
    let frame: Uint8Array;
    try {
      frame = encodeIpa({ type: name, imsi, ...ies } as GsupMessage);
    } catch (e) {
      return Promise.reject(new GsupError('bad-request', `GSUP ${name} for ${imsi}: ${(e as Error).message}`));
    }
    return new Promise((resolve, reject) => {
      const p: Pending = { proc, imsi, frame, sentOn: 0, timer: undefined, resolve, reject };
      if (n !== undefined) p.n = n;
      const key = `${proc}:${imsi}`;
      const q = this.pending.get(key);
      if (q) q.push(p);
      else this.pending.set(key, [p]);
      this.inFlight++;
      this.counters.requests++;
      p.timer = this.opts.timers.at(`gsup.${proc}`, this.opts.timers.now() + this.timeoutMs, () => {
        p.timer = undefined;
        if (!this.remove(p)) return;
        this.counters.timeouts++;
        this.opts.log?.warn({ gsup: name, imsi, timeoutMs: this.timeoutMs }, `GSUP ${name} for ${imsi}: no answer from the HLR within ${this.timeoutMs} ms`);
        p.reject(new GsupError('timeout', `GSUP ${name} for ${imsi}: no answer within ${this.timeoutMs} ms`));
      });
      if (this.ready) this.transmit(p);
    });
  }

  private transmit(p: Pending): void {
    p.sentOn = this.gen;
    if (this.link.write(p.frame)) return;
    this.fail(p, 'link-down', `GSUP ${PROCEDURES[p.proc].request} for ${p.imsi}: the link to the HLR is down`);
  }

  /** Takes `p` out of the pending table; false when it was not there (already answered or failed). */
  private remove(p: Pending): boolean {
    const key = `${p.proc}:${p.imsi}`;
    const q = this.pending.get(key);
    const i = q ? q.indexOf(p) : -1;
    if (!q || i < 0) return false;
    q.splice(i, 1);
    if (!q.length) this.pending.delete(key);
    this.inFlight--;
    p.timer?.cancel();
    p.timer = undefined;
    return true;
  }

  private fail(p: Pending, code: GsupErrorCode, msg: string, cause?: number): void {
    if (!this.remove(p)) return;
    if (code === 'link-down') this.counters.linkDown++;
    p.reject(new GsupError(code, msg, cause));
  }

  private all(): Pending[] {
    return [...this.pending.values()].flat();
  }

  // ---- link ----

  private onConnect(): void {
    this.gen++;
    this.counters.connects++;
    this.deframer = new IpaDeframer();
    this.ready = false;
    this.opts.log?.info({ peer: `${this.opts.host}:${this.opts.port}` }, 'GSUP: connected to the HLR; waiting for its CCM ID_GET');
    // A request written on an earlier link will never be answered on this one
    // (the runtime drops the link across a snapshot without onDisconnect).
    for (const p of this.all()) if (p.sentOn !== 0 && p.sentOn !== this.gen) this.fail(p, 'link-down', `GSUP ${PROCEDURES[p.proc].request} for ${p.imsi}: the link to the HLR was re-made before the answer`);
    this.identifyTimer?.cancel();
    const gen = this.gen;
    this.identifyTimer = this.opts.timers.at('gsup.identify', this.opts.timers.now() + this.identifyMs, () => {
      this.identifyTimer = undefined;
      if (this.gen !== gen || this.ready || !this.link.connected) return;
      this.opts.log?.warn({ waitedMs: this.identifyMs }, 'GSUP: the HLR did not ask for our identity (CCM ID_GET); sending requests anyway');
      this.becomeReady();
    });
  }

  private onDisconnect(): void {
    this.counters.disconnects++;
    this.ready = false;
    this.identifyTimer?.cancel();
    this.identifyTimer = undefined;
    const lost = this.all();
    this.opts.log?.warn({ peer: `${this.opts.host}:${this.opts.port}`, inFlight: lost.length }, 'GSUP: link to the HLR lost; requests in flight fail');
    for (const p of lost) this.fail(p, 'link-down', `GSUP ${PROCEDURES[p.proc].request} for ${p.imsi}: the link to the HLR went down`);
  }

  private becomeReady(): void {
    this.ready = true;
    this.identifyTimer?.cancel();
    this.identifyTimer = undefined;
    for (const p of this.all()) if (p.sentOn === 0) this.transmit(p);
  }

  private send(m: GsupMessage): void {
    this.link.write(encodeIpa(m));
  }

  private onData(b: Buffer): void {
    let frames: Uint8Array[];
    try {
      frames = this.deframer.push(b);
    } catch (e) {
      // A length beyond any GSUP message: the stream is out of step. Start over with the next chunk.
      this.counters.malformed++;
      this.lastError = (e as Error).message;
      this.opts.log?.warn({ error: (e as Error).message }, 'GSUP: bad IPA length from the HLR; buffered bytes dropped');
      this.deframer = new IpaDeframer();
      return;
    }
    for (const f of frames) {
      try {
        this.onFrame(f);
      } catch (e) {
        this.counters.malformed++;
        this.lastError = (e as Error).message;
        this.opts.log?.warn({ error: (e as Error).message, frame: Buffer.from(f).toString('hex').slice(0, 200) }, 'GSUP: frame from the HLR dropped');
      }
    }
  }

  private onFrame(f: Uint8Array): void {
    const raw = unframe(f);
    if (raw.proto === PROTO.CCM) return this.onCcm(f);
    if (raw.proto !== PROTO.OSMO || raw.ext !== OSMO_EXT.GSUP) {
      this.counters.unexpected++;
      this.opts.log?.warn({ proto: raw.proto, ext: raw.ext }, 'GSUP: IPA frame that is not GSUP nor CCM; dropped');
      return;
    }
    this.onGsup(gsupDecode(raw.payload));
  }

  private onCcm(f: Uint8Array): void {
    const m = ipaDecode(f);
    if (m.proto !== 'CCM') return;
    const c = m.ccm;
    switch (c.type) {
      case 'PING':
        this.counters.pings++;
        this.link.write(ipaEncode({ proto: 'CCM', ccm: { type: 'PONG' } }));
        return;
      case 'PONG':
      case 'ID_ACK':
        return;
      case 'ID_GET': {
        const name = `${this.unitName}\u0000`;
        const entries: IdRespEntry[] = c.tags.map((t) => ({ tag: t.tag, value: t.tag === 'UNITNAME' || t.tag === 'SERNR' ? name : '\u0000' }));
        this.link.write(ipaEncode({ proto: 'CCM', ccm: { type: 'ID_RESP', entries } }));
        this.opts.log?.info({ unitName: this.unitName, tags: c.tags.map((t) => t.tag) }, 'GSUP: identified to the HLR (CCM ID_RESP)');
        this.becomeReady();
        return;
      }
      default:
        this.counters.unexpected++;
        this.opts.log?.warn({ ccm: c.type }, 'GSUP: unexpected CCM message; dropped');
    }
  }

  private onGsup(m: GsupMessage): void {
    if (typeof m.type === 'number') {
      this.counters.unexpected++;
      this.opts.log?.warn({ type: m.type }, `GSUP: unknown message type 0x${m.type.toString(16)}; dropped`);
      return;
    }
    const imsi = (m as GsupIes).imsi!;
    const ans = ANSWER.get(m.type);
    if (ans) return this.onAnswer(m as GsupIes & { type: string }, imsi, ans.proc, ans.ok);
    switch (m.type) {
      case 'InsertDataRequest':
        return this.onInsertData(m, imsi);
      case 'LocationCancelRequest':
        this.counters.locationCancel++;
        this.send({ type: 'LocationCancelResult', imsi });
        this.opts.log?.info({ imsi }, `GSUP: location of ${imsi} cancelled by the HLR`);
        this.opts.onLocationCancel?.(imsi, m.cancelType);
        return;
    }
    this.counters.unexpected++;
    const err = m.type.endsWith('Request') ? m.type.replace(/Request$/, 'Error') : undefined;
    if (err && MESSAGE_TYPE[err] !== undefined) {
      // A request we do not serve: say so, as osmo-msc does, so the HLR does not wait.
      this.send({ type: err as GsupMessage['type'], imsi, cause: CAUSE.MSGT_NOTEXIST_NOTIMPL } as GsupMessage);
      this.opts.log?.warn({ gsup: m.type, imsi }, `GSUP: ${m.type} not served; answered ${err}`);
    } else this.opts.log?.warn({ gsup: m.type, imsi }, `GSUP: unexpected ${m.type}; dropped`);
  }

  private onInsertData(m: GsupIes, imsi: string): void {
    this.counters.insertData++;
    // osmo-hlr sends an MSISDN IE with no digits for a subscriber without one.
    const msisdn = m.msisdn?.digits || undefined;
    const ul = this.pending.get(`UpdateLocation:${imsi}`)?.find((p) => p.sentOn === this.gen);
    if (ul) {
      if (msisdn !== undefined) ul.msisdn = msisdn;
      this.send({ type: 'InsertDataResult', imsi });
      return;
    }
    let ok: boolean | void = true;
    try {
      ok = this.opts.onInsertData?.(imsi, msisdn !== undefined ? { msisdn } : {});
    } catch (e) {
      this.opts.log?.warn({ imsi, error: (e as Error).message }, 'GSUP: onInsertData threw');
    }
    if (ok === false) this.send({ type: 'InsertDataError', imsi, cause: CAUSE.IMSI_UNKNOWN });
    else this.send({ type: 'InsertDataResult', imsi });
  }

  private onAnswer(m: GsupIes & { type: string }, imsi: string, proc: Proc, ok: boolean): void {
    const q = this.pending.get(`${proc}:${imsi}`);
    const p = q?.find((x) => x.sentOn === this.gen);
    if (!p) {
      this.counters.unexpected++;
      this.opts.log?.warn({ gsup: m.type, imsi }, `GSUP: ${m.type} for ${imsi} matches no request; dropped`);
      return;
    }
    if (!ok) {
      this.counters.errors++;
      const cause = m.cause;
      this.fail(p, 'error-result', `GSUP ${m.type} for ${imsi}: cause ${cause}${cause === CAUSE.IMSI_UNKNOWN ? ' (IMSI unknown)' : ''}`, cause);
      return;
    }
    if (proc === 'SendAuthInfo') {
      const tuples = usableTuples(m.authTuples ?? []);
      if (!tuples.length) {
        this.counters.malformed++;
        this.opts.log?.warn({ gsup: m.type, imsi, tuples: m.authTuples?.length ?? 0 }, `GSUP: ${m.type} for ${imsi} without a usable auth tuple`);
        this.fail(p, 'bad-result', `GSUP ${m.type} for ${imsi}: no auth tuple with RAND, SRES and Kc`);
        return;
      }
      this.counters.results++;
      this.remove(p);
      p.resolve(p.n !== undefined ? tuples.slice(0, p.n) : tuples);
      return;
    }
    this.counters.results++;
    this.remove(p);
    if (proc === 'UpdateLocation') {
      const msisdn = m.msisdn?.digits || p.msisdn;
      p.resolve(msisdn !== undefined ? { msisdn } : {});
    } else p.resolve(undefined);
  }
}

/** Tuples a GSM (SRES/Kc) or UMTS (RES/AUTN) challenge can use; others dropped. */
function usableTuples(ts: AuthTuple[]): GsupAuthTuple[] {
  const out: GsupAuthTuple[] = [];
  for (const t of ts) {
    if (!t.rand || !t.sres || !t.kc) continue;
    const g: GsupAuthTuple = { rand: t.rand, sres: t.sres, kc: t.kc };
    if (t.ik) g.ik = t.ik;
    if (t.ck) g.ck = t.ck;
    if (t.autn) g.autn = t.autn;
    if (t.res) g.res = t.res;
    out.push(g);
  }
  return out;
}
