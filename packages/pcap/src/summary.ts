/**
 * One line per message, the way tshark prints its default summary:
 *
 *     7   6.000000 127.0.0.2:49152 → 127.0.0.1:5000 BSSMAP 25 BSSMAP Reset
 *
 * frame number, time relative to the first frame, source and destination
 * (ip:port), the protocol column (innermost layer), the message length and
 * the info column. `messageJson` is the same as one JSON object (--json).
 */
import type { Conversation, Endpoint, FrameRef, Message } from './types';

/** The time from t0 to (sec, nsec) as whole seconds and microseconds, in REL_SEC and REL_US (no object per call). */
let REL_SEC = 0;
let REL_US = 0;
function relative(fsec: number, fnsec: number, t0: FrameRef): void {
  let sec = fsec - t0.sec;
  let nsec = fnsec - t0.nsec;
  if (nsec < 0) {
    sec -= 1;
    nsec += 1e9;
  }
  let us = Math.round(nsec / 1000);
  if (us === 1e6) {
    sec += 1;
    us = 0;
  }
  REL_SEC = sec;
  REL_US = us;
}

/** Seconds from t0 to f with 6 decimals, computed in integers (no float drift on long captures). */
export function relativeTime(f: FrameRef, t0: FrameRef): string {
  relative(f.sec, f.nsec, t0);
  const sec = REL_SEC;
  const us = REL_US;
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

/**
 * formatSummary's lines written straight into a byte buffer, for long
 * captures: digits are put in place without intermediate strings, endpoint
 * texts are encoded once per endpoint, info texts once per distinct string
 * (summary mode shares them between messages of a kind). Same bytes as
 * `formatSummary(m, t0) + '\n'` in UTF-8 (tested).
 */
export class SummaryWriter {
  private buf = Buffer.allocUnsafe(1 << 18);
  private pos = 0;
  private texts = new Map<string, Buffer>();

  /** `flush` gets the filled part of the buffer (valid only during the call). */
  constructor(private readonly flush: (b: Buffer) => void) {}

  line(m: Message, t0: FrameRef): void {
    const flow = this.flow(m);
    const kind = this.kind(m);
    const need = 40 + flow.length + kind.head.length + kind.tail.length;
    if (this.pos + need > this.buf.length) {
      this.drain();
      if (need > this.buf.length) this.buf = Buffer.allocUnsafe(2 * need);
    }
    const b = this.buf;
    let p = this.pos;
    const n = m.frame.n;
    for (let i = decimalLength(n); i < 5; i++) b[p++] = 0x20;
    p = digits(b, p, n);
    b[p++] = 0x20;
    p = this.time(b, p, m.frame.sec, m.frame.nsec, t0);
    b[p++] = 0x20;
    p = put(b, p, flow);
    p = put(b, p, kind.head);
    p = digits(b, p, m.bytes.length);
    p = put(b, p, kind.tail);
    this.pos = p;
  }

  /** Hands out what is buffered. */
  drain(): void {
    if (this.pos === 0) return;
    const n = this.pos;
    this.pos = 0;
    this.flush(this.buf.subarray(0, n));
  }

  /** 'src → dst ' in bytes, kept on the conversation for each direction (src and dst are its ends by direction). */
  private flow(m: Message): Buffer {
    const c = m.conv as Conversation & { [FLOW]?: [Buffer | undefined, Buffer | undefined] };
    const f = (c[FLOW] ??= [undefined, undefined]);
    return (f[m.dir] ??= Buffer.from(`${endpoint(m.src)} → ${endpoint(m.dst)} `));
  }

  /** 'PROTO ' and ' info\n' in bytes, kept on the layers array (summary mode shares it between messages of a kind). */
  private kind(m: Message): Kind {
    const l = m.layers as string[] & { [KIND]?: Kind };
    const k = l[KIND];
    if (k !== undefined && k.info === m.info) return k;
    return (l[KIND] = { info: m.info, head: this.text(`${protocolColumn(m)} `), tail: this.text(` ${m.info}\n`) });
  }

  private text(s: string): Buffer {
    let b = this.texts.get(s);
    if (b === undefined) {
      b = Buffer.from(s);
      if (this.texts.size >= 10_000) this.texts = new Map();
      this.texts.set(s, b);
    }
    return b;
  }

  /** relativeTime, right-aligned in 11 columns; falls back to the string for out-of-order times. */
  private time(b: Buffer, p: number, fsec: number, fnsec: number, t0: FrameRef): number {
    relative(fsec, fnsec, t0);
    const sec = REL_SEC;
    let us = REL_US;
    if (sec < 0) {
      const t = relativeTime({ n: 0, sec: fsec, nsec: fnsec }, t0);
      for (let i = t.length; i < 11; i++) b[p++] = 0x20;
      return p + b.write(t, p, 'latin1');
    }
    for (let i = decimalLength(sec) + 7; i < 11; i++) b[p++] = 0x20;
    p = digits(b, p, sec);
    b[p++] = 0x2e;
    for (let i = 5; i >= 0; i--) {
      const q = (us / 10) | 0;
      b[p + i] = 0x30 + us - q * 10;
      us = q;
    }
    return p + 6;
  }
}

const FLOW = Symbol('summary flow bytes');
const KIND = Symbol('summary kind bytes');
interface Kind {
  info: string;
  head: Buffer;
  tail: Buffer;
}

function put(b: Buffer, p: number, s: Uint8Array): number {
  b.set(s, p);
  return p + s.length;
}

function decimalLength(n: number): number {
  if (n < 1e5) return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 1e4 ? 4 : 5;
  let len = 6;
  for (let x = 1e6; n >= x && len < 22; x *= 10) len++;
  return len;
}

function digits(b: Buffer, p: number, n: number): number {
  const len = decimalLength(n);
  if (n < 2 ** 31) {
    for (let i = len - 1; i >= 0; i--) {
      const q = (n / 10) | 0;
      b[p + i] = 0x30 + n - q * 10;
      n = q;
    }
  } else {
    for (let i = len - 1; i >= 0; i--) {
      b[p + i] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    }
  }
  return p + len;
}
