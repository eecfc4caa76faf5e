/**
 * The media of one call on one osmo-mgw rtpbridge endpoint, as an MSC drives
 * it: leg A faces the caller's RAN (BSS), leg B the callee's. The first CRCX
 * goes to the wildcard `rtpbridge/*@mgw` and the gateway names the endpoint
 * it picked (Z:); the second CRCX goes to that endpoint. Each leg's gateway
 * address (`local`) is what the MSC puts in the BSSMAP Assignment Request;
 * the BSS's address from the Assignment Complete (AoIP Transport Layer
 * Address) comes back through setRemote, as an MDCX with SDP. connect()
 * switches both legs to sendrecv; teardown() deletes the call's connections
 * with one DLCX of the endpoint, once, whatever state the call is in.
 */
import { CallAgent, MgcpAgentError, rtpSdp, type RtpAddress } from './agent';
import type { ConnectionMode } from './tables';

export type Leg = 'A' | 'B';

export type MediaPhase = 'idle' | 'legA' | 'legs' | 'connected' | 'released';

/**
 * The steps and the phases each is allowed from, with the phase it leads to
 * on success (a failed step leaves the phase as it was). teardown is allowed
 * from every phase.
 */
export const MEDIA_STEPS: Readonly<Record<'setupLegA' | 'setupLegB' | 'setRemote' | 'connect', { from: readonly MediaPhase[]; to?: MediaPhase }>> = {
  setupLegA: { from: ['idle'], to: 'legA' },
  setupLegB: { from: ['legA'], to: 'legs' },
  setRemote: { from: ['legA', 'legs', 'connected'] },
  connect: { from: ['legs', 'connected'], to: 'connected' },
};

export interface LegState {
  leg: Leg;
  connId: string;
  /** The gateway's RTP address for this leg: goes to the BSS in the Assignment Request. */
  local?: RtpAddress;
  /** The BSS's (or other party's) RTP address, once known. */
  remote?: RtpAddress;
  mode: ConnectionMode;
}

export interface LegOptions {
  /** Codec for L: a: and the SDP; default the CallMedia's (AMR). */
  codec?: string;
  ptime?: number;
  /** The remote RTP address, when already known at CRCX time. */
  remote?: RtpAddress;
}

export interface CallMediaOptions {
  /** Endpoint for the first CRCX; default 'rtpbridge/*' (the agent adds @domain). */
  wildcard?: string;
  /** Default codec of both legs; default 'AMR'. */
  codec?: string;
  ptime?: number;
}

export interface CallMediaState {
  callId: string;
  endpoint: string | undefined;
  phase: MediaPhase;
  legs: Partial<Record<Leg, LegState>>;
}

/** The two legs of a call on one rtpbridge endpoint: leg A (RAN side of the caller) and leg B (callee). */
export class CallMedia {
  private phase: MediaPhase = 'idle';
  private ep: string | undefined;
  private readonly legs: Partial<Record<Leg, LegState>> = {};
  private queue: Promise<unknown> = Promise.resolve();
  private released: Promise<void> | undefined;
  private readonly wildcard: string;
  private readonly codec: string;
  private readonly ptime: number;

  constructor(
    readonly agent: CallAgent,
    readonly callId: string,
    opts: CallMediaOptions = {},
  ) {
    this.wildcard = opts.wildcard ?? 'rtpbridge/*';
    this.codec = opts.codec ?? 'AMR';
    this.ptime = opts.ptime ?? 20;
  }

  /** The specific endpoint, once leg A is set up. */
  get endpoint(): string | undefined {
    return this.ep;
  }

  state(): CallMediaState {
    const legs: Partial<Record<Leg, LegState>> = {};
    for (const l of ['A', 'B'] as const) if (this.legs[l]) legs[l] = { ...this.legs[l]! };
    return { callId: this.callId, endpoint: this.ep, phase: this.phase, legs };
  }

  /** CRCX on the wildcard endpoint: creates the endpoint and leg A (recvonly until connect). */
  setupLegA(opts: LegOptions = {}): Promise<LegState> {
    return this.step('setupLegA', () => this.createLeg('A', this.agent.qualify(this.wildcard), opts));
  }

  /** CRCX on the endpoint leg A got: leg B (recvonly until connect). */
  setupLegB(opts: LegOptions = {}): Promise<LegState> {
    return this.step('setupLegB', () => this.createLeg('B', this.ep!, opts));
  }

  /** MDCX with SDP: where the gateway sends this leg's RTP (the AoIP Transport Layer Address of the Assignment Complete). */
  setRemote(leg: Leg, remote: RtpAddress): Promise<LegState> {
    return this.step('setRemote', async () => {
      const l = this.legs[leg];
      if (!l) throw this.error('setRemote', `leg ${leg} is not set up`);
      const r = await this.agent.mdcx(this.ep!, l.connId, { callId: this.callId, sdp: rtpSdp(remote, { codec: this.codec, ptime: this.ptime }) });
      l.remote = { ip: remote.ip, port: remote.port };
      if (r.local) l.local = r.local;
      return { ...l };
    });
  }

  /** MDCX sendrecv on both legs: RTP flows A <-> B through the gateway. Needs both remote addresses. */
  connect(): Promise<void> {
    return this.step('connect', async () => {
      for (const leg of ['A', 'B'] as const)
        if (!this.legs[leg]!.remote) throw this.error('connect', `leg ${leg} has no remote RTP address yet (setRemote first)`);
      for (const leg of ['A', 'B'] as const) {
        const l = this.legs[leg]!;
        if (l.mode === 'sendrecv') continue;
        await this.agent.mdcx(this.ep!, l.connId, { callId: this.callId, mode: 'sendrecv' });
        l.mode = 'sendrecv';
      }
    });
  }

  /**
   * DLCX of the endpoint for this call (both legs at once). Idempotent: every
   * call returns the same promise. Runs after the steps asked for before it
   * (a CRCX in flight completes, then its connection is deleted); steps asked
   * for after it fail with 'state'. Resolves when the gateway deleted
   * the connections or says it has none (515/516); when no endpoint was ever
   * made, nothing is sent.
   */
  teardown(): Promise<void> {
    if (this.released) return this.released;
    const run = async (): Promise<void> => {
      this.phase = 'released';
      const ep = this.ep;
      if (!ep) return;
      try {
        await this.agent.dlcx(ep, { callId: this.callId });
      } catch (e) {
        if (!(e instanceof MgcpAgentError && e.code === 'error-response' && (e.responseCode === 515 || e.responseCode === 516))) throw e;
      }
    };
    this.released = this.queue.then(run, run);
    this.queue = this.released.catch(() => undefined);
    return this.released;
  }

  private async createLeg(leg: Leg, endpoint: string, opts: LegOptions): Promise<LegState> {
    const codec = opts.codec ?? this.codec;
    const ptime = opts.ptime ?? this.ptime;
    const r = await this.agent.crcx(endpoint, {
      callId: this.callId,
      mode: 'recvonly',
      codec,
      ptime,
      ...(opts.remote && { sdp: rtpSdp(opts.remote, { codec, ptime }) }),
    });
    if (leg === 'A') this.ep = r.endpoint;
    const l: LegState = { leg, connId: r.connId, mode: 'recvonly' };
    if (r.local) l.local = r.local;
    if (opts.remote) l.remote = { ip: opts.remote.ip, port: opts.remote.port };
    this.legs[leg] = l;
    return { ...l };
  }

  /** Runs a step after the ones before it, if the phase allows it when its turn comes. */
  private step<T>(name: keyof typeof MEDIA_STEPS, fn: () => Promise<T>): Promise<T> {
    const rule = MEDIA_STEPS[name];
    if (this.released) return Promise.reject(this.error(name, 'the call media is torn down'));
    const run = async (): Promise<T> => {
      if (!rule.from.includes(this.phase)) throw this.error(name, `not allowed in phase '${this.phase}'`);
      const out = await fn();
      if (rule.to && this.phase !== 'released') this.phase = rule.to;
      return out;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private error(step: string, detail: string): MgcpAgentError {
    return new MgcpAgentError('state', { verb: step, endpoint: this.ep ?? this.agent.qualify(this.wildcard) }, `call ${this.callId}: ${detail}`);
  }
}
