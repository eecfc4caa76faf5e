/**
 * An in-process media gateway that answers MGCP the way osmo-mgw 1.10 does
 * on its rtpbridge endpoints (behaviour probed against the real one on this
 * machine, see README): for unit tests and benches of call agents where
 * starting osmo-mgw is not wanted. No RTP is moved; ports are only numbers.
 *
 * Modelled: wildcard CRCX picks the first free endpoint and names it in Z:,
 * the gateway chooses connection ids (a CRCX with I: gets 523), two
 * connections per endpoint (540 beyond), one call per endpoint (400 for
 * another call id), the response codes below, and osmo-mgw's retransmission
 * check: a command whose transaction id equals the endpoint's last one gets
 * the stored last response again (even for a wildcard CRCX, where the check
 * runs against the free endpoint it picked).
 */
import { decode, encode, getParam, type MgcpCommand, type MgcpParam, type MgcpResponse, type Sdp } from './codec';
import { PAYLOAD_TYPES, sdpAddress, type RtpAddress } from './agent';
import { MODES } from './tables';

/** The codes osmo-mgw 1.10 gives, per situation (as probed). */
export const FAKE_MGW_CODES = {
  unknownEndpoint: 500,
  wildcardNotAllowed: 507,
  connectionIdGiven: 523,
  badConnectionId: 515,
  noConnections: 515,
  badCallId: 516,
  missingCallId: 516,
  badMode: 517,
  missingMode: 517,
  noRemote: 527,
  endpointFull: 540,
  otherCall: 400,
} as const;

export interface FakeMgwOptions {
  /** Number of rtpbridge endpoints; default 32. */
  endpoints?: number;
  domain?: string;
  /** The address in the SDP the gateway returns; default 127.0.0.1. */
  ip?: string;
  /** First RTP port handed out (even); default 4002 (osmo-mgw's default range start). */
  rtpBase?: number;
  /** Seed of the connection id sequence (ids are 8 hex digits). */
  connIdSeed?: number;
}

interface FakeConn {
  connId: string;
  callId: string;
  mode: string;
  port: number;
  pt: number;
  codec: string | undefined;
  remote: RtpAddress | undefined;
}

interface FakeEndpoint {
  name: string;
  callId: string | undefined;
  conns: Map<string, FakeConn>;
  lastTrans: string | undefined;
  lastResponse: Uint8Array | undefined;
}

export class FakeMgw {
  readonly domain: string;
  readonly ip: string;
  private readonly eps: FakeEndpoint[];
  private readonly byName = new Map<string, FakeEndpoint>();
  private nextPort: number;
  private readonly rtpBase: number;
  private idState: number;
  /** Commands handled, by verb. */
  readonly handled: Record<string, number> = {};

  constructor(opts: FakeMgwOptions = {}) {
    this.domain = opts.domain ?? 'mgw';
    this.ip = opts.ip ?? '127.0.0.1';
    this.rtpBase = opts.rtpBase ?? 4002;
    this.nextPort = this.rtpBase;
    this.idState = (opts.connIdSeed ?? 0x5eed) >>> 0 || 1;
    const n = opts.endpoints ?? 32;
    this.eps = Array.from({ length: n }, (_, i) => ({
      name: `rtpbridge/${(i + 1).toString(16)}@${this.domain}`,
      callId: undefined,
      conns: new Map(),
      lastTrans: undefined,
      lastResponse: undefined,
    }));
    for (const e of this.eps) this.byName.set(e.name, e);
  }

  /** Endpoints with connections, as `show mgcp` would list them. */
  endpointsInUse(): Array<{ endpoint: string; connections: Array<{ connId: string; callId: string; mode: string; port: number; remote?: string }> }> {
    return this.eps
      .filter((e) => e.conns.size > 0)
      .map((e) => ({
        endpoint: e.name,
        connections: [...e.conns.values()].map((c) => ({
          connId: c.connId,
          callId: c.callId,
          mode: c.mode,
          port: c.port,
          ...(c.remote && { remote: `${c.remote.ip}:${c.remote.port}` }),
        })),
      }));
  }

  /** One datagram in, the answer out (undefined: osmo-mgw stays silent, e.g. unknown verbs, responses, undecodable input). */
  handle(bytes: Uint8Array): Uint8Array | undefined {
    let m;
    try {
      m = decode(bytes);
    } catch {
      return undefined;
    }
    if (m.type !== 'command') return undefined;
    const verb = m.verb.toUpperCase();
    this.handled[verb] = (this.handled[verb] ?? 0) + 1;
    const tid = m.transactionId;
    const at = m.endpoint.lastIndexOf('@');
    const local = m.endpoint.slice(0, at);
    const domain = m.endpoint.slice(at + 1);
    const wildcard = local === 'rtpbridge/*';
    let ep: FakeEndpoint | undefined;
    if (domain === this.domain) {
      if (wildcard) ep = verb === 'CRCX' ? this.eps.find((e) => e.conns.size === 0) : undefined;
      else ep = this.byName.get(m.endpoint.toLowerCase());
    }
    if (ep && ep.lastTrans === tid && ep.lastResponse) return ep.lastResponse;
    if (!ep && !(wildcard && domain === this.domain)) return this.fail(undefined, FAKE_MGW_CODES.unknownEndpoint, tid);
    switch (verb) {
      case 'CRCX':
        if (!ep) return this.fail(undefined, FAKE_MGW_CODES.unknownEndpoint, tid); // no free endpoint
        return this.crcx(ep, m, wildcard);
      case 'MDCX':
        if (!ep) return this.fail(undefined, FAKE_MGW_CODES.wildcardNotAllowed, tid);
        return this.mdcx(ep, m);
      case 'DLCX':
        if (!ep) {
          for (const e of this.eps) this.release(e);
          return this.respond(undefined, 200, tid);
        }
        return this.dlcx(ep, m);
      case 'AUEP':
      case 'RQNT':
        return this.respond(ep, 200, tid);
      default:
        return undefined;
    }
  }

  private crcx(ep: FakeEndpoint, m: MgcpCommand, wildcard: boolean): Uint8Array {
    const tid = m.transactionId;
    const callId = getParam(m, 'C');
    const mode = getParam(m, 'M');
    if (!callId) return this.fail(ep, FAKE_MGW_CODES.missingCallId, tid);
    if (!mode) return this.fail(ep, FAKE_MGW_CODES.missingMode, tid);
    if (!(MODES as readonly string[]).includes(mode)) return this.fail(ep, FAKE_MGW_CODES.badMode, tid);
    if (getParam(m, 'I') !== undefined) return this.fail(ep, FAKE_MGW_CODES.connectionIdGiven, tid);
    const remote = sdpAddress(m.sdp);
    if ((mode === 'sendrecv' || mode === 'sendonly' || mode === 'confrnce') && !remote) return this.fail(ep, FAKE_MGW_CODES.noRemote, tid);
    if (ep.conns.size >= 2) return this.fail(ep, FAKE_MGW_CODES.endpointFull, tid);
    if (ep.callId !== undefined && ep.callId !== callId) return this.fail(ep, FAKE_MGW_CODES.otherCall, tid);
    const codec = this.codecOf(m);
    const c: FakeConn = { connId: this.newConnId(), callId, mode, port: this.allocPort(), pt: codec.pt, codec: codec.name, remote };
    ep.callId = callId;
    ep.conns.set(c.connId, c);
    const params: MgcpParam[] = [];
    if (wildcard) params.push({ name: 'Z', value: ep.name });
    params.push({ name: 'I', value: c.connId });
    return this.respond(ep, 200, tid, params, this.sdp(c));
  }

  private mdcx(ep: FakeEndpoint, m: MgcpCommand): Uint8Array {
    const tid = m.transactionId;
    if (ep.conns.size === 0) return this.fail(ep, FAKE_MGW_CODES.noConnections, tid);
    const callId = getParam(m, 'C');
    if (callId !== undefined && callId !== ep.callId) return this.fail(ep, FAKE_MGW_CODES.badCallId, tid);
    const id = getParam(m, 'I');
    const c = id === undefined ? undefined : ep.conns.get(id);
    if (!c) return this.fail(ep, FAKE_MGW_CODES.badConnectionId, tid);
    const mode = getParam(m, 'M');
    if (mode !== undefined && !(MODES as readonly string[]).includes(mode)) return this.fail(ep, FAKE_MGW_CODES.badMode, tid);
    const remote = sdpAddress(m.sdp) ?? c.remote;
    const next = mode ?? c.mode;
    if ((next === 'sendrecv' || next === 'sendonly' || next === 'confrnce') && !remote) return this.fail(ep, FAKE_MGW_CODES.noRemote, tid);
    c.mode = next;
    c.remote = remote;
    if (m.sdp) {
      const codec = this.codecOf(m);
      c.pt = codec.pt;
      c.codec = codec.name;
    }
    return this.respond(ep, 200, tid, [], this.sdp(c));
  }

  private dlcx(ep: FakeEndpoint, m: MgcpCommand): Uint8Array {
    const tid = m.transactionId;
    if (ep.conns.size === 0) return this.fail(ep, FAKE_MGW_CODES.noConnections, tid);
    const callId = getParam(m, 'C');
    if (callId !== undefined && callId !== ep.callId) return this.fail(ep, FAKE_MGW_CODES.badCallId, tid);
    const id = getParam(m, 'I');
    if (id !== undefined) {
      if (!ep.conns.delete(id)) return this.fail(ep, FAKE_MGW_CODES.badConnectionId, tid);
      if (ep.conns.size === 0) ep.callId = undefined;
      return this.respond(ep, 250, tid, [{ name: 'P', value: 'PS=0, OS=0, PR=0, OR=0, PL=0, JI=0' }]);
    }
    this.release(ep);
    return this.respond(ep, 200, tid);
  }

  private release(ep: FakeEndpoint): void {
    ep.conns.clear();
    ep.callId = undefined;
  }

  private codecOf(m: MgcpCommand): { pt: number; name: string | undefined } {
    const rtpmap = m.sdp?.lines.find((l) => l.rtpmap)?.rtpmap;
    if (rtpmap) return { pt: rtpmap.payloadType, name: rtpmap.encoding };
    const a = /(?:^|,\s*)a:([^,\s]+)/.exec(getParam(m, 'L') ?? '')?.[1];
    const known = a ? PAYLOAD_TYPES[a] : undefined;
    return known ? { pt: known.pt, name: a } : { pt: 0, name: undefined };
  }

  private newConnId(): string {
    // xorshift32: deterministic, looks like osmo-mgw's random 8-hex-digit ids
    let x = this.idState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.idState = x >>> 0 || 1;
    return this.idState.toString(16).toUpperCase().padStart(8, '0');
  }

  private allocPort(): number {
    const p = this.nextPort;
    this.nextPort += 2;
    if (this.nextPort > 65534) this.nextPort = this.rtpBase;
    return p;
  }

  private sdp(c: FakeConn): Sdp {
    const conn = { netType: 'IN', addrType: 'IP4', address: this.ip };
    const lines: Sdp['lines'] = [
      { type: 'v', version: 0 },
      { type: 'o', origin: { username: '-', sessionId: c.connId, sessionVersion: '23', ...conn } },
      { type: 's', sessionName: '-' },
      { type: 'c', connection: conn },
      { type: 't', timing: { start: '0', stop: '0' } },
      { type: 'm', media: { media: 'audio', port: c.port, proto: 'RTP/AVP', formats: [String(c.pt)] } },
    ];
    if (c.codec) lines.push({ type: 'a', rtpmap: { payloadType: c.pt, encoding: c.codec, clockRate: 8000 } });
    lines.push({ type: 'a', ptime: 20 });
    return { lines };
  }

  private fail(ep: FakeEndpoint | undefined, code: number, tid: string): Uint8Array {
    return this.respond(ep, code, tid);
  }

  private respond(ep: FakeEndpoint | undefined, code: number, tid: string, params: MgcpParam[] = [], sdp?: Sdp): Uint8Array {
    const r: MgcpResponse = { type: 'response', code, transactionId: tid, comment: code < 300 ? 'OK' : 'FAIL', params };
    if (sdp) r.sdp = sdp;
    const bytes = encode(r);
    if (ep) {
      ep.lastTrans = tid;
      ep.lastResponse = bytes;
    }
    return bytes;
  }
}
