import { FlowTable, newConversation, type FlowEntry } from './ip';
import type { Direction, FrameRef, NetEvent, Problem } from './types';

/**
 * SCTP (RFC 9260): common header and chunks. DATA (and I-DATA, RFC 8260)
 * fragments are reassembled per association and direction into user
 * messages; retransmitted TSNs are dropped. INIT / INIT ACK decide the
 * association (a new INIT with another initiate tag after data has flowed
 * starts a new one). Checksums are not verified.
 */

export interface SctpOptions {
  /** Fragment bytes kept per direction before they are given up (default 4 MiB). */
  maxSctpBuffer?: number;
  /** TSNs remembered per direction to drop retransmissions (default 4096). */
  sctpTsnMemory?: number;
  /** Seconds of capture time after which an idle association is released (default 300). */
  sctpIdleTimeout?: number;
}

interface Frag {
  flags: number;
  sid: number;
  ppid: number;
  data: Uint8Array;
}

interface IFrag {
  ppid: number;
  parts: Map<number, Uint8Array>;
  last: number;
  bytes: number;
}

interface SHalf {
  seen: Set<number>;
  ring: Int32Array;
  ringPos: number;
  frags: Map<number, Frag>;
  ifrags: Map<string, IFrag>;
  bytes: number;
}

interface Assoc extends FlowEntry {
  h: [SHalf, SHalf];
  /** Initiate tags of the INIT (a) and INIT ACK (b); -1 when not seen. */
  tagA: number;
  tagB: number;
  data: boolean;
}

const B = 2;
const E = 1;
const U = 4;

export class SctpLayer {
  private table = new FlowTable<Assoc>();
  private next = 0;
  private readonly maxBuf: number;
  private readonly tsnMem: number;
  private readonly idle: number;
  private lastSweep = 0;
  private ref: FrameRef = { n: 0, sec: 0, nsec: 0 };
  now = 0;

  constructor(
    private readonly emit: (ev: NetEvent) => void,
    private readonly problem: (p: Problem) => void,
    opts: SctpOptions = {},
  ) {
    this.maxBuf = opts.maxSctpBuffer ?? 4 << 20;
    this.tsnMem = opts.sctpTsnMemory ?? 4096;
    this.idle = opts.sctpIdleTimeout ?? 300;
  }

  private half(): SHalf {
    return { seen: new Set(), ring: new Int32Array(this.tsnMem), ringPos: 0, frags: new Map(), ifrags: new Map(), bytes: 0 };
  }

  private create(d: Uint8Array, src: number, dst: number, alen: number, sp: number, dp: number, hash: number, opener: 'syn' | 'first'): Assoc {
    const a: Assoc = {
      conv: newConversation('sctp', this.next++, d, src, dst, alen, sp, dp, opener),
      aIp: new Uint8Array(d.subarray(src, src + alen)),
      bIp: new Uint8Array(d.subarray(dst, dst + alen)),
      aPort: sp,
      bPort: dp,
      hash,
      last: this.now,
      h: [this.half(), this.half()],
      tagA: -1,
      tagB: -1,
      data: false,
    };
    this.table.add(a);
    return a;
  }

  packet(ref: FrameRef, d: Uint8Array, src: number, dst: number, alen: number, start: number, end: number, missing: number): void {
    this.ref = ref;
    if (end - start < 12) {
      this.problem({ frame: ref.n, layer: 'sctp', code: 'truncated', message: `SCTP common header truncated: ${end - start} of 12 bytes` });
      return;
    }
    const sp = (d[start]! << 8) | d[start + 1]!;
    const dp = (d[start + 2]! << 8) | d[start + 3]!;
    const hash = FlowTable.hash(d, src, dst, alen, sp, dp);
    let as = this.table.find(hash, d, src, dst, alen, sp, dp);
    let dir: Direction = as ? this.table.dir : 0;
    let o = start + 12;
    while (o + 4 <= end) {
      const type = d[o]!;
      const flags = d[o + 1]!;
      const clen = (d[o + 2]! << 8) | d[o + 3]!;
      if (clen < 4) {
        this.problem({ frame: ref.n, layer: 'sctp', code: 'bad-length', message: `SCTP chunk type ${type} at packet offset ${o - start}: length ${clen} below 4` });
        return;
      }
      if (o + clen > end) {
        this.problem({ frame: ref.n, layer: 'sctp', code: 'truncated', message: `SCTP chunk type ${type} at packet offset ${o - start}: length ${clen}, ${end - o} byte(s) ${missing ? 'captured' : 'in the packet'}` });
        return;
      }
      if (type === 1 && clen >= 20) {
        // INIT: the sender becomes `a`; another initiate tag after data means a new association
        const tag = ((d[o + 4]! << 24) | (d[o + 5]! << 16) | (d[o + 6]! << 8) | d[o + 7]!) >>> 0;
        if (as && as.data && (dir !== 0 || as.tagA !== tag)) {
          this.release(as);
          as = undefined;
        }
        if (!as) {
          as = this.create(d, src, dst, alen, sp, dp, hash, 'syn');
          dir = 0;
        }
        if (dir === 0) as.tagA = tag;
      } else {
        if (!as) {
          as = this.create(d, src, dst, alen, sp, dp, hash, 'first');
          dir = 0;
        }
        if (type === 2 && clen >= 20) {
          as.tagB = ((d[o + 4]! << 24) | (d[o + 5]! << 16) | (d[o + 6]! << 8) | d[o + 7]!) >>> 0;
        } else if (type === 0 && clen > 16) {
          this.data(as, dir, d, o, clen, flags);
        } else if (type === 64 && clen > 20) {
          this.idata(as, dir, d, o, clen, flags);
        }
      }
      o += (clen + 3) & ~3;
    }
    if (as) as.last = this.now;
    if (this.now - this.lastSweep >= 1) this.sweep();
  }

  /** False when the TSN was seen before (a retransmission). */
  private fresh(h: SHalf, tsn: number): boolean {
    const t = tsn | 0;
    if (h.seen.has(t)) return false;
    if (h.seen.size >= this.tsnMem) h.seen.delete(h.ring[h.ringPos]!);
    h.seen.add(t);
    h.ring[h.ringPos] = t;
    h.ringPos = (h.ringPos + 1) % this.tsnMem;
    return true;
  }

  private deliver(as: Assoc, dir: Direction, sid: number, ppid: number, unordered: boolean, data: Uint8Array): void {
    this.emit({ kind: 'sctp-data', frame: this.ref, conv: as.conv, dir, stream: sid, ppid, unordered, data });
  }

  private overflow(as: Assoc, dir: Direction, h: SHalf): void {
    this.problem({ frame: this.ref.n, layer: 'sctp', code: 'buffer-full', message: `SCTP association ${as.conv.index} direction ${dir}: ${h.bytes} bytes of fragments never completed; given up` });
    h.frags.clear();
    h.ifrags.clear();
    h.bytes = 0;
  }

  private data(as: Assoc, dir: Direction, d: Uint8Array, o: number, clen: number, flags: number): void {
    as.data = true;
    const h = as.h[dir];
    const tsn = ((d[o + 4]! << 24) | (d[o + 5]! << 16) | (d[o + 6]! << 8) | d[o + 7]!) >>> 0;
    if (!this.fresh(h, tsn)) return;
    const sid = (d[o + 8]! << 8) | d[o + 9]!;
    const ppid = ((d[o + 12]! << 24) | (d[o + 13]! << 16) | (d[o + 14]! << 8) | d[o + 15]!) >>> 0;
    const payload = d.subarray(o + 16, o + clen);
    if ((flags & (B | E)) === (B | E)) {
      this.deliver(as, dir, sid, ppid, (flags & U) !== 0, payload);
      return;
    }
    if (h.bytes + payload.length > this.maxBuf) this.overflow(as, dir, h);
    h.frags.set(tsn, { flags, sid, ppid, data: new Uint8Array(payload) });
    h.bytes += payload.length;
    // find the B fragment at or before, and the E fragment at or after, with no TSN missing between
    let first = tsn;
    let f = h.frags.get(first)!;
    while (!(f.flags & B)) {
      const p = h.frags.get((first - 1) >>> 0);
      if (!p || p.sid !== sid) return;
      first = (first - 1) >>> 0;
      f = p;
    }
    let last = tsn;
    let g = h.frags.get(last)!;
    while (!(g.flags & E)) {
      const nx = h.frags.get((last + 1) >>> 0);
      if (!nx || nx.sid !== sid || nx.flags & B) return;
      last = (last + 1) >>> 0;
      g = nx;
    }
    let total = 0;
    for (let t = first; ; t = (t + 1) >>> 0) {
      total += h.frags.get(t)!.data.length;
      if (t === last) break;
    }
    const out = new Uint8Array(total);
    let w = 0;
    for (let t = first; ; t = (t + 1) >>> 0) {
      const p = h.frags.get(t)!;
      out.set(p.data, w);
      w += p.data.length;
      h.frags.delete(t);
      if (t === last) break;
    }
    h.bytes -= total;
    this.deliver(as, dir, sid, f.ppid, (f.flags & U) !== 0, out);
  }

  private idata(as: Assoc, dir: Direction, d: Uint8Array, o: number, clen: number, flags: number): void {
    as.data = true;
    const h = as.h[dir];
    const tsn = ((d[o + 4]! << 24) | (d[o + 5]! << 16) | (d[o + 6]! << 8) | d[o + 7]!) >>> 0;
    if (!this.fresh(h, tsn)) return;
    const sid = (d[o + 8]! << 8) | d[o + 9]!;
    const mid = ((d[o + 12]! << 24) | (d[o + 13]! << 16) | (d[o + 14]! << 8) | d[o + 15]!) >>> 0;
    const v = ((d[o + 16]! << 24) | (d[o + 17]! << 16) | (d[o + 18]! << 8) | d[o + 19]!) >>> 0;
    const payload = d.subarray(o + 20, o + clen);
    const un = (flags & U) !== 0;
    if ((flags & (B | E)) === (B | E)) {
      this.deliver(as, dir, sid, v, un, payload);
      return;
    }
    const key = `${sid}|${un ? 1 : 0}|${mid}`;
    let m = h.ifrags.get(key);
    if (!m) {
      m = { ppid: 0, parts: new Map(), last: -1, bytes: 0 };
      h.ifrags.set(key, m);
    }
    const fsn = flags & B ? 0 : v;
    if (flags & B) m.ppid = v;
    if (flags & E) m.last = fsn;
    if (m.parts.has(fsn)) return;
    if (h.bytes + payload.length > this.maxBuf) {
      this.overflow(as, dir, h);
      return;
    }
    m.parts.set(fsn, new Uint8Array(payload));
    m.bytes += payload.length;
    h.bytes += payload.length;
    if (m.last < 0 || m.parts.size !== m.last + 1) return;
    const out = new Uint8Array(m.bytes);
    let w = 0;
    for (let i = 0; i <= m.last; i++) {
      const p = m.parts.get(i);
      if (!p) return;
      out.set(p, w);
      w += p.length;
    }
    h.ifrags.delete(key);
    h.bytes -= m.bytes;
    this.deliver(as, dir, sid, m.ppid, un, out);
  }

  private release(as: Assoc): void {
    for (const dir of [0, 1] as const) {
      const h = as.h[dir];
      const n = h.frags.size + [...h.ifrags.values()].reduce((s, m) => s + m.parts.size, 0);
      if (n) this.problem({ frame: this.ref.n, layer: 'sctp', code: 'incomplete', message: `SCTP association ${as.conv.index} direction ${dir}: ${n} fragment(s), ${h.bytes} byte(s) of user messages never completed` });
    }
    this.table.remove(as);
  }

  sweep(): void {
    this.lastSweep = this.now;
    const dead: Assoc[] = [];
    for (const as of this.table.entries()) if (this.now - as.last > this.idle) dead.push(as);
    for (const as of dead) this.release(as);
  }

  end(ref: FrameRef): void {
    this.ref = ref;
    for (const as of [...this.table.entries()]) this.release(as);
  }
}
