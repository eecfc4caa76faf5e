import type { Conversation, Problem } from './types';

/**
 * IPv4 and IPv6: header walk, extension headers, fragment reassembly with a
 * bounded table, and the flow table that the transports share (address text
 * made once per flow, lookups without allocation).
 */

/** Dotted IPv4 or RFC 5952 IPv6 text of the `alen` bytes at d[off]. */
export function addrText(d: Uint8Array, off: number, alen: number): string {
  if (alen === 4) return `${d[off]}.${d[off + 1]}.${d[off + 2]}.${d[off + 3]}`;
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((d[off + 2 * i]! << 8) | d[off + 2 * i + 1]!);
  // IPv4-mapped
  if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff) {
    return `::ffff:${d[off + 12]}.${d[off + 13]}.${d[off + 14]}.${d[off + 15]}`;
  }
  // longest run of zero words (length >= 2, first one wins)
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number, b: number) => w.slice(a, b).map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(0, 8);
  return `${hex(0, best)}::${hex(best + bestLen, 8)}`;
}

/** Receives one transport payload: addresses are d[src..src+alen) and d[dst..dst+alen); payload is d[start..end). */
export type TransportSink = (proto: number, d: Uint8Array, src: number, dst: number, alen: number, start: number, end: number, missing: number) => void;

export interface IpOptions {
  /** Fragmented datagrams kept at once (default 1024). */
  maxFragments?: number;
  /** Seconds of capture time before an incomplete datagram is given up (default 30). */
  fragmentTimeout?: number;
  /** Largest reassembled datagram (default 65535 + 8). */
  maxDatagram?: number;
}

interface Frags {
  key: string;
  pieces: { off: number; data: Uint8Array }[];
  /** Total payload length, known once the last fragment is in. */
  total: number;
  first: number;
  frame: number;
  proto: number;
  addrs: Uint8Array;
  alen: number;
  bytes: number;
}

export class IpLayer {
  private frags = new Map<string, Frags>();
  private readonly maxFrags: number;
  private readonly timeout: number;
  private readonly maxDatagram: number;
  /** Current frame number and capture time (seconds), set by the caller. */
  frame = 0;
  now = 0;

  constructor(
    private readonly sink: TransportSink,
    private readonly problem: (p: Problem) => void,
    opts: IpOptions = {},
  ) {
    this.maxFrags = opts.maxFragments ?? 1024;
    this.timeout = opts.fragmentTimeout ?? 30;
    this.maxDatagram = opts.maxDatagram ?? 65535 + 8;
  }

  private report(layer: string, code: string, message: string): void {
    this.problem({ frame: this.frame, layer, code, message });
  }

  /** An IP packet at d[o..]; `linkEnd` is d.length. `origMissing` is how many bytes the snap length cut off the frame. */
  packet(d: Uint8Array, o: number, origMissing: number): void {
    const v = d[o]! >> 4;
    if (v === 4) this.v4(d, o, origMissing);
    else if (v === 6) this.v6(d, o, origMissing);
  }

  private v4(d: Uint8Array, o: number, origMissing: number): void {
    const avail = d.length - o;
    if (avail < 20) {
      this.report('ip', 'truncated', `IPv4 header truncated: ${avail} of 20 bytes captured`);
      return;
    }
    const ihl = (d[o]! & 15) * 4;
    const total = (d[o + 2]! << 8) | d[o + 3]!;
    if (ihl < 20 || total < ihl) {
      this.report('ip', 'bad-length', `IPv4: header length ${ihl} / total length ${total} inconsistent`);
      return;
    }
    if (avail < ihl) {
      this.report('ip', 'truncated', `IPv4 header with options truncated: ${avail} of ${ihl} bytes captured`);
      return;
    }
    let end = o + total;
    let missing = 0;
    if (end > d.length) {
      missing = end - d.length;
      end = d.length;
      this.report('ip', 'truncated', origMissing > 0 ? `IPv4 packet cut by the snap length: ${missing} of ${total} bytes not captured` : `IPv4 total length ${total} exceeds the ${avail} bytes of the frame`);
    }
    const proto = d[o + 9]!;
    const ff = (d[o + 6]! << 8) | d[o + 7]!;
    const mf = (ff & 0x2000) !== 0;
    const fo = (ff & 0x1fff) * 8;
    if (mf || fo !== 0) {
      if (missing) return; // a cut fragment cannot be reassembled
      const id = (d[o + 4]! << 8) | d[o + 5]!;
      const key = `4|${d[o + 12]}.${d[o + 13]}.${d[o + 14]}.${d[o + 15]}|${d[o + 16]}.${d[o + 17]}.${d[o + 18]}.${d[o + 19]}|${id}|${proto}`;
      this.fragment(key, proto, d, o + 12, 4, fo, !mf, o + ihl, end);
      return;
    }
    this.sink(proto, d, o + 12, o + 16, 4, o + ihl, end, missing);
  }

  private v6(d: Uint8Array, o: number, origMissing: number): void {
    const avail = d.length - o;
    if (avail < 40) {
      this.report('ip', 'truncated', `IPv6 header truncated: ${avail} of 40 bytes captured`);
      return;
    }
    const plen = (d[o + 4]! << 8) | d[o + 5]!;
    let end = o + 40 + plen;
    let missing = 0;
    if (end > d.length) {
      missing = end - d.length;
      end = d.length;
      this.report('ip', 'truncated', origMissing > 0 ? `IPv6 packet cut by the snap length: ${missing} of ${plen + 40} bytes not captured` : `IPv6 payload length ${plen} exceeds the ${avail - 40} bytes of the frame`);
    }
    let nh = d[o + 6]!;
    let p = o + 40;
    for (;;) {
      if (nh === 0 || nh === 43 || nh === 60) {
        if (p + 8 > end) return this.report('ip', 'truncated', `IPv6 extension header ${nh} truncated`);
        const next = d[p]!;
        p += (d[p + 1]! + 1) * 8;
        nh = next;
      } else if (nh === 51) {
        if (p + 8 > end) return this.report('ip', 'truncated', `IPv6 authentication header truncated`);
        const next = d[p]!;
        p += (d[p + 1]! + 2) * 4;
        nh = next;
      } else if (nh === 44) {
        if (p + 8 > end) return this.report('ip', 'truncated', `IPv6 fragment header truncated`);
        if (missing) return;
        const next = d[p]!;
        const fo = ((d[p + 2]! << 8) | d[p + 3]!) & 0xfff8;
        const last = (d[p + 3]! & 1) === 0;
        const id = ((d[p + 4]! << 24) | (d[p + 5]! << 16) | (d[p + 6]! << 8) | d[p + 7]!) >>> 0;
        if (fo === 0 && last) {
          // atomic fragment
          p += 8;
          nh = next;
          continue;
        }
        const key = `6|${addrText(d, o + 8, 16)}|${addrText(d, o + 24, 16)}|${id}`;
        this.fragment(key, next, d, o + 8, 16, fo, last, p + 8, end);
        return;
      } else if (nh === 59) {
        return;
      } else {
        break;
      }
      if (p > end) return this.report('ip', 'bad-length', `IPv6 extension headers run past the payload`);
    }
    this.sink(nh, d, o + 8, o + 24, 16, p, end, missing);
  }

  private fragment(key: string, proto: number, d: Uint8Array, addrs: number, alen: number, off: number, last: boolean, start: number, end: number): void {
    let f = this.frags.get(key);
    if (!f) {
      this.expire();
      if (this.frags.size >= this.maxFrags) {
        const oldest = this.frags.values().next().value as Frags;
        this.giveUp(oldest, `fragment table full (${this.maxFrags} datagrams)`);
      }
      f = { key, pieces: [], total: -1, first: this.now, frame: this.frame, proto, addrs: new Uint8Array(d.subarray(addrs, addrs + 2 * alen)), alen, bytes: 0 };
      this.frags.set(key, f);
    }
    const len = end - start;
    if (off + len > this.maxDatagram) {
      this.giveUp(f, `fragment at offset ${off} makes the datagram larger than ${this.maxDatagram} bytes`);
      return;
    }
    if (off === 0) f.proto = proto;
    if (last) f.total = off + len;
    f.pieces.push({ off, data: new Uint8Array(d.subarray(start, end)) });
    f.bytes += len;
    if (f.total < 0) return;
    // Covered from 0 to total?
    const sorted = f.pieces.slice().sort((a, b) => a.off - b.off);
    let reach = 0;
    for (const p of sorted) {
      if (p.off > reach) return;
      reach = Math.max(reach, p.off + p.data.length);
    }
    if (reach < f.total) return;
    this.frags.delete(key);
    const out = new Uint8Array(2 * f.alen + f.total);
    out.set(f.addrs, 0);
    const b = 2 * f.alen;
    // Later copies first, so that the first copy of overlapping bytes wins.
    for (let i = f.pieces.length - 1; i >= 0; i--) {
      const p = f.pieces[i]!;
      const n = Math.min(p.data.length, f.total - p.off);
      if (n > 0) out.set(p.data.subarray(0, n), b + p.off);
    }
    this.sink(f.proto, out, 0, f.alen, f.alen, b, b + f.total, 0);
  }

  private giveUp(f: Frags, why: string): void {
    this.frags.delete(f.key);
    this.problem({ frame: this.frame, layer: 'ip', code: 'incomplete-fragments', message: `IPv${f.alen === 4 ? 4 : 6} datagram ${addrText(f.addrs, 0, f.alen)} -> ${addrText(f.addrs, f.alen, f.alen)} first seen in frame ${f.frame}: ${f.bytes} byte(s) in ${f.pieces.length} fragment(s) never completed (${why})` });
  }

  /** Gives up datagrams older than the timeout. */
  expire(): void {
    if (this.frags.size === 0) return;
    for (const f of this.frags.values()) {
      if (this.now - f.first <= this.timeout) break; // insertion order is age order
      this.giveUp(f, `timeout ${this.timeout} s`);
    }
  }

  /** End of capture: every incomplete datagram is reported. */
  end(): void {
    for (const f of [...this.frags.values()]) this.giveUp(f, 'end of capture');
  }
}

/** A conversation's entry in a FlowTable. */
export interface FlowEntry {
  conv: Conversation;
  aIp: Uint8Array;
  bIp: Uint8Array;
  aPort: number;
  bPort: number;
  hash: number;
  /** Capture time (s) the flow was last seen. */
  last: number;
}

function fold(d: Uint8Array, o: number, alen: number): number {
  let h = ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) | 0;
  for (let i = 4; i < alen; i += 4) h = Math.imul(h ^ ((d[o + i]! << 24) | (d[o + i + 1]! << 16) | (d[o + i + 2]! << 8) | d[o + i + 3]!), 0x01000193);
  return h;
}

function same(d: Uint8Array, o: number, ip: Uint8Array): boolean {
  for (let i = 0; i < ip.length; i++) if (d[o + i] !== ip[i]) return false;
  return true;
}

/**
 * Conversations of one transport keyed by address and port pair, either way
 * round, without allocating per lookup.
 */
export class FlowTable<E extends FlowEntry> {
  private map = new Map<number, E[]>();
  size = 0;
  /** Direction of the last successful lookup. */
  dir: 0 | 1 = 0;

  static hash(d: Uint8Array, src: number, dst: number, alen: number, sp: number, dp: number): number {
    return (((fold(d, src, alen) + fold(d, dst, alen)) | 0) ^ Math.imul(sp + dp + alen, 0x9e3779b1)) | 0;
  }

  find(hash: number, d: Uint8Array, src: number, dst: number, alen: number, sp: number, dp: number): E | undefined {
    const list = this.map.get(hash);
    if (!list) return undefined;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (e.aIp.length !== alen) continue;
      if (e.aPort === sp && e.bPort === dp && same(d, src, e.aIp) && same(d, dst, e.bIp)) {
        this.dir = 0;
        return e;
      }
      if (e.aPort === dp && e.bPort === sp && same(d, dst, e.aIp) && same(d, src, e.bIp)) {
        this.dir = 1;
        return e;
      }
    }
    return undefined;
  }

  add(e: E): void {
    const list = this.map.get(e.hash);
    if (list) list.push(e);
    else this.map.set(e.hash, [e]);
    this.size++;
  }

  remove(e: E): void {
    const list = this.map.get(e.hash);
    if (!list) return;
    const i = list.indexOf(e);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.map.delete(e.hash);
    this.size--;
  }

  *entries(): IterableIterator<E> {
    for (const list of this.map.values()) yield* list;
  }
}

/** Makes the Conversation of a new flow: addresses as text, once. */
export function newConversation(transport: Conversation['transport'], index: number, d: Uint8Array, src: number, dst: number, alen: number, sp: number, dp: number, opener: Conversation['opener']): Conversation {
  return { transport, index, a: { ip: addrText(d, src, alen), port: sp }, b: { ip: addrText(d, dst, alen), port: dp }, opener };
}
