/**
 * Transport payloads -> signalling messages. A TCP conversation is IPA or
 * SMPP (by port, else by the first bytes), framed per direction across
 * segment boundaries; a UDP datagram is MGCP (by port or by its first line);
 * an SCTP user message with PPID 3 (or on port 2905) is M3UA. Each message
 * goes down the stack (stack.ts) and out to the sink as a Message.
 */
import { DecodeError } from '@snaptel/codec';
import { Summarizer } from './quick';
import { decodeStack } from './stack';
import type { AppProtocol, Conversation, Direction, Endpoint, FrameRef, Message, NetEvent, Problem } from './types';

export interface DemuxOptions {
  /** TCP ports that carry IPA (either side). Default 5000 (A/SCCPlite), 4222 (GSUP), 3002/3003 (Abis), 4249/4250 (CTRL). */
  ipaPorts?: number[];
  /** TCP ports that carry SMPP. Default 2775. */
  smppPorts?: number[];
  /** UDP ports that carry MGCP. Default 2427, 2727. */
  mgcpPorts?: number[];
  /** Recognise IPA, SMPP and MGCP on other ports by their first bytes. Default true. */
  heuristics?: boolean;
  onProblem?: (p: Problem) => void;
  /**
   * Layers and info only, for summary lines (quick.ts): each kind of message
   * is decoded in full once. Messages then have no tree, their `layers` are
   * shared (read-only) and their `bytes` are a view valid only during the
   * sink call. Default false.
   */
  summaryOnly?: boolean;
}

export const DEFAULT_IPA_PORTS: readonly number[] = [5000, 4222, 3002, 3003, 4249, 4250];
export const DEFAULT_SMPP_PORTS: readonly number[] = [2775];
export const DEFAULT_MGCP_PORTS: readonly number[] = [2427, 2727];
export const M3UA_PORT = 2905;
export const M3UA_PPID = 3;

// ------------------------------------------------------------------ framing, as data

/** How a TCP protocol cuts its byte stream into messages. */
interface Framing {
  proto: AppProtocol;
  /** Bytes needed before the header can be judged. */
  header: number;
  /** Whole message length from a header at b[i] (header bytes available), or -1 when it is not a plausible header. */
  length(b: Uint8Array, i: number): number;
  /**
   * The same check made strict for resynchronisation inside a broken stream
   * (b[i..end)): 1 when a header at i is plausible and so is the one after
   * its message (or its message ends exactly at `end`, as segments usually
   * do), 0 when not, -1 when more bytes are needed to tell.
   */
  strict(b: Uint8Array, i: number, end: number): -1 | 0 | 1;
  /** A header alone looks right (first bytes of a stream, header after a candidate). */
  plausible(b: Uint8Array, i: number): boolean;
  /** Why a header is not plausible (for the typed error). */
  why(b: Uint8Array, i: number): string;
  /** Largest message accepted (bounds the per-direction buffer). */
  max: number;
}

/** IPA protocol bytes seen on Osmocom links: RSL, OSMO, MGCP (old), SCCP, CCM, OML. */
const IPA_PROTOS = new Set([0x00, 0xee, 0xfc, 0xfd, 0xfe, 0xff]);
const IPA_CCM_TYPES = new Set([0x00, 0x01, 0x04, 0x05, 0x06]);
/** SMPP 3.4 command_ids. */
const SMPP_IDS = new Set([
  0x80000000, 0x00000001, 0x80000001, 0x00000002, 0x80000002, 0x00000003, 0x80000003, 0x00000004, 0x80000004, 0x00000005, 0x80000005, 0x00000006,
  0x80000006, 0x00000007, 0x80000007, 0x00000008, 0x80000008, 0x00000009, 0x80000009, 0x0000000b, 0x00000015, 0x80000015, 0x00000102, 0x00000103,
  0x80000103, 0x00000021, 0x80000021,
]);
const u32 = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

const FRAMINGS: Record<'ipa' | 'smpp', Framing> = {
  ipa: {
    proto: 'ipa',
    header: 3,
    max: 3 + 0xffff,
    length: (b, i) => (IPA_PROTOS.has(b[i + 2]!) ? 3 + ((b[i]! << 8) | b[i + 1]!) : -1),
    plausible: (b, i) => {
      const len = (b[i]! << 8) | b[i + 1]!;
      const p = b[i + 2]!;
      if (len === 0 || len > 8192 || !IPA_PROTOS.has(p)) return false;
      if (p === 0xfe) return len < 64 && (i + 3 >= b.length || IPA_CCM_TYPES.has(b[i + 3]!));
      return true;
    },
    strict: (b, i, end) => chained(FRAMINGS.ipa, b, i, end, 3 + ((b[i]! << 8) | b[i + 1]!)),
    why: (b, i) => `protocol byte 0x${b[i + 2]!.toString(16).padStart(2, '0')} is not one IPA carries`,
  },
  smpp: {
    proto: 'smpp',
    header: 8,
    max: 0x10000,
    length: (b, i) => {
      const len = u32(b, i);
      return len >= 16 && len <= 0x10000 && SMPP_IDS.has(u32(b, i + 4)) ? len : -1;
    },
    plausible: (b, i) => {
      const len = u32(b, i);
      return len >= 16 && len <= 4096 && SMPP_IDS.has(u32(b, i + 4));
    },
    strict: (b, i, end) => chained(FRAMINGS.smpp, b, i, end, u32(b, i)),
    why: (b, i) => {
      const len = u32(b, i);
      return len < 16 || len > 0x10000 ? `command_length ${len} not in 16..65536` : `unknown command_id 0x${u32(b, i + 4).toString(16).padStart(8, '0')}`;
    },
  },
};

/** A plausible header whose message ends at `end` or is followed by another plausible header. */
function chained(f: Framing, b: Uint8Array, i: number, end: number, len: number): -1 | 0 | 1 {
  if (!f.plausible(b, i)) return 0;
  const next = i + len;
  if (next === end) return 1;
  if (next + f.header > end) return -1;
  return f.plausible(b, next) ? 1 : 0;
}

/** First bytes of a TCP stream: IPA, SMPP, or neither (undefined: not enough bytes yet). */
function sniffTcp(b: Uint8Array, n: number): 'ipa' | 'smpp' | null | undefined {
  if (n >= 8 && FRAMINGS.smpp.plausible(b, 0)) return FRAMINGS.smpp.strict(b, 0, n) ? 'smpp' : null;
  if (n >= 4 && FRAMINGS.ipa.plausible(b, 0)) return FRAMINGS.ipa.strict(b, 0, n) ? 'ipa' : null;
  return n >= 8 ? null : undefined;
}

/** MGCP: a 4-letter verb and a space, or a 3-digit response code and a space. */
function looksMgcp(b: Uint8Array): boolean {
  if (b.length < 5) return false;
  const up = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  const dig = (c: number): boolean => c >= 0x30 && c <= 0x39;
  if (up(b[0]!) && up(b[1]!) && up(b[2]!) && up(b[3]!) && b[4] === 0x20) return true;
  return dig(b[0]!) && dig(b[1]!) && dig(b[2]!) && b[3] === 0x20;
}

// ------------------------------------------------------------------ state

/** One direction of a TCP conversation. */
class Side {
  /** Bytes of an incomplete message (owned copy); buf[0..len). */
  buf: Uint8Array = EMPTY;
  len = 0;
  /** After a gap or a bad header: drop bytes until a plausible header. */
  syncing = false;
  /** Bytes dropped while syncing (reported when sync comes back). */
  dropped = 0;
  /** Stream offset of buf[0]. */
  offset = 0;
  closed = false;

  keep(data: Uint8Array, from: number): void {
    const n = data.length - from;
    if (this.len + n > this.buf.length) {
      const nb = new Uint8Array(Math.max(this.len + n, this.buf.length * 2, 256));
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
    this.buf.set(data.subarray(from), this.len);
    this.len += n;
  }
}
const EMPTY = new Uint8Array(0);

/** An owned copy (Buffer#slice would be a view). */
function copy(b: Uint8Array, s: number, e: number): Uint8Array {
  const out = new Uint8Array(e - s);
  out.set(b.subarray(s, e));
  return out;
}

interface ConvState {
  conv: Conversation;
  /** undefined: not decided yet; null: not signalling we know. */
  proto: AppProtocol | null | undefined;
  /** The direction that flows from the network side (DTAP 'mt'), when known. */
  downDir: Direction | undefined;
  sides: [Side, Side];
}

function endpointText(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

export class Demux {
  private readonly ipaPorts: Set<number>;
  private readonly smppPorts: Set<number>;
  private readonly mgcpPorts: Set<number>;
  private readonly heuristics: boolean;
  private readonly onProblem: (p: Problem) => void;
  private readonly convs = new Map<Conversation, ConvState>();
  /** Messages handed to the sink so far. */
  messages = 0;
  private datagramConvs = 0;
  private readonly summarizer: Summarizer | undefined;

  constructor(
    private readonly sink: (m: Message) => void,
    opts: DemuxOptions = {},
  ) {
    this.ipaPorts = new Set(opts.ipaPorts ?? DEFAULT_IPA_PORTS);
    this.smppPorts = new Set(opts.smppPorts ?? DEFAULT_SMPP_PORTS);
    this.mgcpPorts = new Set(opts.mgcpPorts ?? DEFAULT_MGCP_PORTS);
    this.heuristics = opts.heuristics ?? true;
    this.onProblem = opts.onProblem ?? (() => undefined);
    this.summarizer = opts.summaryOnly ? new Summarizer() : undefined;
  }

  /** bytes[s..e) for a message: a copy, or a view in summaryOnly mode (the sink does not keep it). */
  private take(b: Uint8Array, s: number, e: number): Uint8Array {
    return this.summarizer ? b.subarray(s, e) : copy(b, s, e);
  }

  event(ev: NetEvent): void {
    switch (ev.kind) {
      case 'tcp-data':
        return this.tcpData(ev.frame, ev.conv, ev.dir, ev.data);
      case 'tcp-gap':
        return this.tcpGap(ev.frame, ev.conv, ev.dir, ev.missing);
      case 'tcp-close':
      case 'tcp-reset':
        return this.tcpClose(ev.frame, ev.conv, ev.dir, ev.kind === 'tcp-reset');
      case 'tcp-open':
        return;
      case 'udp': {
        const st = this.state(ev.conv);
        if (st.proto === undefined) st.proto = this.mgcpPorts.has(ev.conv.a.port) || this.mgcpPorts.has(ev.conv.b.port) ? 'mgcp' : null;
        if (st.proto === 'mgcp' || (this.heuristics && looksMgcp(ev.data))) this.emit(st, 'mgcp', ev.frame, ev.dir, this.take(ev.data, 0, ev.data.length));
        return;
      }
      case 'sctp-data': {
        if (ev.ppid === M3UA_PPID || ((ev.ppid === 0 || ev.ppid === undefined) && (ev.conv.a.port === M3UA_PORT || ev.conv.b.port === M3UA_PORT))) {
          const st = this.state(ev.conv);
          st.proto = 'm3ua';
          this.emit(st, 'm3ua', ev.frame, ev.dir, this.take(ev.data, 0, ev.data.length), { stream: ev.stream, ppid: ev.ppid });
        }
        return;
      }
      case 'problem':
        return this.onProblem(ev.problem);
    }
  }

  /** End of the capture: what is still waiting for the rest of a message is reported. */
  end(): void {
    for (const st of this.convs.values()) {
      for (const d of [0, 1] as const) this.leftover(st, d, { n: 0, sec: 0, nsec: 0 });
    }
    this.convs.clear();
  }

  // ---------------------------------------------------------------- conversations

  private state(conv: Conversation): ConvState {
    // Conversation objects are the net layer's, one per conversation: the key as they are.
    const key = conv;
    let st = this.convs.get(key);
    if (!st) {
      st = { conv, proto: undefined, downDir: this.networkSide(conv), sides: [new Side(), new Side()] };
      if (conv.transport !== 'tcp') {
        // UDP and SCTP state is only a cache (what the ports say): bounded, dropped wholesale when full.
        if (++this.datagramConvs > 50_000) {
          for (const [k, v] of this.convs) if (v.conv.transport !== 'tcp') this.convs.delete(k);
          this.datagramConvs = 1;
        }
      }
      this.convs.set(key, st);
    }
    return st;
  }

  /**
   * The network side (MSC, HLR, STP, MGW, SMSC) is the server: b when the
   * capture saw the opening SYN/INIT, else the side on a well-known port.
   * Undefined when neither says (then BSSMAP Complete Layer 3 decides).
   */
  private networkSide(conv: Conversation): Direction | undefined {
    if (conv.opener === 'syn') return 1;
    const known = (p: number): boolean => this.ipaPorts.has(p) || this.smppPorts.has(p) || this.mgcpPorts.has(p) || p === M3UA_PORT;
    if (known(conv.b.port) && !known(conv.a.port)) return 1;
    if (known(conv.a.port) && !known(conv.b.port)) return 0;
    if (known(conv.b.port)) return conv.b.port <= conv.a.port ? 1 : 0;
    return undefined;
  }

  private problem(frame: FrameRef, layer: string, code: string, message: string): void {
    this.onProblem({ frame: frame.n, layer, code, message });
  }

  private flow(st: ConvState, dir: Direction): string {
    const [s, d] = dir === 0 ? [st.conv.a, st.conv.b] : [st.conv.b, st.conv.a];
    return `${endpointText(s)} -> ${endpointText(d)}`;
  }

  // ---------------------------------------------------------------- TCP

  private tcpData(frame: FrameRef, conv: Conversation, dir: Direction, data: Uint8Array): void {
    const st = this.state(conv);
    if (st.proto === null) return;
    const side = st.sides[dir];
    if (st.proto === undefined) {
      const p = conv.a.port;
      const q = conv.b.port;
      if (this.ipaPorts.has(p) || this.ipaPorts.has(q)) st.proto = 'ipa';
      else if (this.smppPorts.has(p) || this.smppPorts.has(q)) st.proto = 'smpp';
      else if (!this.heuristics) {
        st.proto = null;
        return;
      } else {
        side.keep(data, 0);
        if (side.len > 64 * 1024) side.len = 0;
        const s = sniffTcp(side.buf, side.len);
        if (s === undefined) return;
        st.proto = s;
        if (s === null) {
          st.sides[0].buf = st.sides[1].buf = EMPTY;
          st.sides[0].len = st.sides[1].len = 0;
          return;
        }
        // Both directions' held bytes go through the framer now.
        for (const d of [0, 1] as const) {
          const sd = st.sides[d];
          if (sd.len === 0) continue;
          const held = sd.buf.subarray(0, sd.len);
          sd.buf = EMPTY;
          sd.len = 0;
          this.frame(st, d, frame, held);
        }
        return;
      }
    }
    this.frame(st, dir, frame, data);
  }

  /** Cuts whole messages out of held bytes + `data`; keeps the rest (copied). */
  private frame(st: ConvState, dir: Direction, frame: FrameRef, data: Uint8Array): void {
    const f = FRAMINGS[st.proto as 'ipa' | 'smpp'];
    const side = st.sides[dir];
    let b: Uint8Array;
    let end: number;
    if (side.len === 0) {
      b = data;
      end = data.length;
    } else {
      side.keep(data, 0);
      b = side.buf;
      end = side.len;
    }
    let i = 0;
    while (end - i >= f.header) {
      if (side.syncing) {
        // The first position that is surely a header; positions that need more bytes to tell are kept for later.
        let j = i;
        let wait = -1;
        for (; end - j >= f.header; j++) {
          const v = f.strict(b, j, end);
          if (v === 1) break;
          if (v === -1 && wait < 0) wait = j;
        }
        if (end - j < f.header) {
          const keepFrom = wait >= 0 ? wait : j;
          side.dropped += keepFrom - i;
          i = keepFrom;
          break;
        }
        side.dropped += j - i;
        i = j;
        side.syncing = false;
        this.problem(frame, f.proto, 'resync', `${f.proto.toUpperCase()} stream ${this.flow(st, dir)} in step again after ${side.dropped} byte(s) dropped`);
        side.dropped = 0;
      }
      const len = f.length(b, i);
      if (len < 0 || len > f.max) {
        const err = new DecodeError(f.proto.toUpperCase(), undefined, 'header', side.offset + i, f.why(b, i));
        this.problem(frame, f.proto, 'bad-frame', `${err.message} in ${this.flow(st, dir)}; looking for the next plausible header`);
        side.syncing = true;
        continue;
      }
      if (end - i < len) break;
      this.emit(st, f.proto, frame, dir, this.take(b, i, i + len));
      i += len;
    }
    if (side.syncing && end - i < f.header) {
      // Too short to judge: keep, it may be the start of a header.
    }
    side.offset += i;
    if (b === data) {
      if (i < end) side.keep(data, i);
    } else if (i > 0) {
      side.buf.copyWithin(0, i, end);
      side.len = end - i;
      if (side.len === 0 && side.buf.length > 4096) side.buf = EMPTY;
    }
  }

  private tcpGap(frame: FrameRef, conv: Conversation, dir: Direction, missing: number): void {
    const st = this.state(conv);
    const side = st.sides[dir];
    if (st.proto === null) return;
    this.problem(frame, 'tcp', 'gap', `gap of ${missing} byte(s) in ${this.flow(st, dir)}${side.len ? `, ${side.len} byte(s) of a message before it dropped` : ''}`);
    side.offset += side.len + missing;
    side.len = 0;
    if (st.proto !== undefined) side.syncing = true;
  }

  private tcpClose(frame: FrameRef, conv: Conversation, dir: Direction, reset: boolean): void {
    const st = this.state(conv);
    if (reset) {
      this.leftover(st, 0, frame);
      this.leftover(st, 1, frame);
      st.sides[0].closed = st.sides[1].closed = true;
    } else {
      this.leftover(st, dir, frame);
      st.sides[dir].closed = true;
    }
    if (st.sides[0].closed && st.sides[1].closed) this.convs.delete(conv);
  }

  private leftover(st: ConvState, dir: Direction, frame: FrameRef): void {
    const side = st.sides[dir];
    if (side.len > 0 && st.proto) {
      this.problem(frame, st.proto, 'truncated', `${side.len} byte(s) of an incomplete ${st.proto.toUpperCase()} message at the end of ${this.flow(st, dir)}`);
    }
    side.len = 0;
    side.buf = EMPTY;
  }

  // ---------------------------------------------------------------- messages

  private emit(st: ConvState, proto: AppProtocol, frame: FrameRef, dir: Direction, bytes: Uint8Array, sctp?: Message['sctp']): void {
    if (st.downDir === undefined && (proto === 'ipa' || proto === 'm3ua')) {
      const guess = completeL3(proto, bytes);
      if (guess) st.downDir = (1 - dir) as Direction;
    }
    const downlink = dir === (st.downDir ?? 1);
    const r = this.summarizer ? this.summarizer.summary(proto, bytes, downlink) : decodeStack(proto, bytes, downlink);
    const conv = st.conv;
    const m: Message = {
      frame,
      conv,
      dir,
      src: dir === 0 ? conv.a : conv.b,
      dst: dir === 0 ? conv.b : conv.a,
      proto,
      bytes,
      tree: (r as { tree?: unknown }).tree,
      layers: r.layers,
      info: r.info,
    };
    if (r.error !== undefined) m.error = r.error;
    if (sctp) m.sctp = sctp;
    this.messages++;
    this.sink(m);
  }
}

/**
 * A BSSMAP Complete Layer 3 Information (0x57) flows from the BSC, i.e.
 * uplink: found by a look at the bytes (IPA SCCP CR carrying BSSMAP 0x57)
 * without decoding.
 */
function completeL3(proto: AppProtocol, b: Uint8Array): boolean {
  if (proto !== 'ipa' || b.length < 8 || b[2] !== 0xfd || b[3] !== 0x01) return false;
  // SCCP CR: type, srcRef(3), class(1), ptr called, ptr optional; BSSMAP is in the data parameter.
  for (let i = 8; i + 2 < b.length; i++) if (b[i] === 0x00 && b[i + 2] === 0x57 && b[i - 2] === 0x0f) return true;
  return false;
}
