/**
 * One line per message, the way tshark prints its default summary:
 *
 *     7   6.000000 127.0.0.2:49152 → 127.0.0.1:5000 BSSMAP 25 BSSMAP Reset
 *
 * frame number, time relative to the first frame, source and destination
 * (ip:port), the protocol column (innermost layer), the message length and
 * the info column. `messageJson` is the same as one JSON object (--json).
 */
import type { Endpoint, FrameRef, Message } from './types';

/** Seconds from t0 to f with 6 decimals, computed in integers (no float drift on long captures). */
export function relativeTime(f: FrameRef, t0: FrameRef): string {
  let sec = f.sec - t0.sec;
  let nsec = f.nsec - t0.nsec;
  if (nsec < 0) {
    sec -= 1;
    nsec += 1e9;
  }
  let us = Math.round(nsec / 1000);
  if (us === 1e6) {
    sec += 1;
    us = 0;
  }
  if (sec < 0) {
    // Out of order timestamps: show the negative difference.
    const total = sec * 1e6 + us;
    const a = -total;
    return `-${Math.floor(a / 1e6)}.${String(a % 1e6).padStart(6, '0')}`;
  }
  return `${sec}.${String(us).padStart(6, '0')}`;
}

/** Absolute capture time as seconds with 9 decimals. */
export function absoluteTime(f: FrameRef): string {
  return `${f.sec}.${String(f.nsec).padStart(9, '0')}`;
}

const TEXT = new WeakMap<Endpoint, string>();
/** 'ip:port' ('[ip]:port' for IPv6); remembered per endpoint object (conversations share theirs). */
export function endpoint(e: Endpoint): string {
  let t = TEXT.get(e);
  if (t === undefined) {
    t = e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
    TEXT.set(e, t);
  }
  return t;
}

/** The protocol column: the innermost layer (IPA, SCCP, BSSMAP, MM, SMS, GSUP, MGCP, SMPP, M3UA). */
export function protocolColumn(m: Message): string {
  return m.layers.length ? m.layers[m.layers.length - 1]! : m.proto.toUpperCase();
}

export function formatSummary(m: Message, t0: FrameRef): string {
  const n = String(m.frame.n);
  const t = relativeTime(m.frame, t0);
  return `${n.length < 5 ? ' '.repeat(5 - n.length) + n : n} ${t.length < 11 ? ' '.repeat(11 - t.length) + t : t} ${endpoint(m.src)} → ${endpoint(m.dst)} ${protocolColumn(m)} ${m.bytes.length} ${m.info}`;
}

export interface MessageJson {
  frame: number;
  /** Absolute capture time, seconds with 9 decimals (a string: a double would lose the nanoseconds). */
  time: string;
  relative: string;
  src: string;
  dst: string;
  transport: string;
  /** Conversation index (tcp.stream / udp.stream / sctp.assoc_index). */
  stream: number;
  layers: string[];
  info: string;
  tree: unknown;
  hex: string;
  error?: string;
}

export function messageJson(m: Message, t0: FrameRef): MessageJson {
  const j: MessageJson = {
    frame: m.frame.n,
    time: absoluteTime(m.frame),
    relative: relativeTime(m.frame, t0),
    src: endpoint(m.src),
    dst: endpoint(m.dst),
    transport: m.conv.transport,
    stream: m.conv.index,
    layers: m.layers,
    info: m.info,
    tree: m.tree,
    hex: Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength).toString('hex'),
  };
  if (m.error !== undefined) j.error = m.error;
  return j;
}
