import { FlowTable, newConversation, type FlowEntry } from './ip';
import type { Direction, FrameRef, NetEvent, Problem } from './types';

/**
 * TCP reassembly per connection and direction. Stream positions are kept as
 * plain numbers (bytes since the SYN, or since the first segment seen), and
 * 32-bit sequence numbers are turned into positions relative to the next
 * expected byte, which makes wrap-around free.
 */

export interface TcpOptions {
  /** Out-of-order bytes buffered per direction before the hole is given up as a gap (default 4 MiB). */
  maxTcpBuffer?: number;
  /** Seconds of capture time after which an idle connection is released (default 300). */
  tcpIdleTimeout?: number;
  /** Seconds a closed (FIN both ways, or RST) connection is kept for late retransmissions (default 10). */
  tcpClosedLinger?: number;
}

interface Seg {
  pos: number;
  data: Uint8Array;
}

interface Half {
  started: boolean;
  /** Sequence number of stream position 0. */
  base: number;
  /** Next stream position to deliver. */
  off: number;
  segs: Seg[];
  buffered: number;
  synSeen: boolean;
  finDone: boolean;
}

interface Conn extends FlowEntry {
  h: [Half, Half];
  closed: boolean;
}

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

function half(): Half {
  return { started: false, base: 0, off: 0, segs: [], buffered: 0, synSeen: false, finDone: false };
}

export class TcpLayer {
  private table = new FlowTable<Conn>();
  private next = 0;
  private readonly maxBuf: number;
  private readonly idle: number;
  private readonly linger: number;
  private lastSweep = 0;
  private ref: FrameRef = { n: 0, sec: 0, nsec: 0 };
  now = 0;

  constructor(
    private readonly emit: (ev: NetEvent) => void,
    private readonly problem: (p: Problem) => void,
    opts: TcpOptions = {},
  ) {
    this.maxBuf = opts.maxTcpBuffer ?? 4 << 20;
    this.idle = opts.tcpIdleTimeout ?? 300;
    this.linger = opts.tcpClosedLinger ?? 10;
  }

  /** Connections currently held. */
  get connections(): number {
    return this.table.size;
  }

  segment(ref: FrameRef, d: Uint8Array, src: number, dst: number, alen: number, start: number, end: number, missing: number): void {
    this.ref = ref;
    const avail = end - start;
    if (avail < 20) {
      this.problem({ frame: ref.n, layer: 'tcp', code: 'truncated', message: `TCP header truncated: ${avail} of 20 bytes` });
      return;
    }
    const hl = (d[start + 12]! >> 4) * 4;
    if (hl < 20 || hl > avail) {
      this.problem({ frame: ref.n, layer: 'tcp', code: hl < 20 ? 'bad-length' : 'truncated', message: `TCP header length ${hl} with ${avail} bytes of segment` });
      return;
    }
    const sp = (d[start]! << 8) | d[start + 1]!;
    const dp = (d[start + 2]! << 8) | d[start + 3]!;
    const seq = ((d[start + 4]! << 24) | (d[start + 5]! << 16) | (d[start + 6]! << 8) | d[start + 7]!) >>> 0;
    const ack = ((d[start + 8]! << 24) | (d[start + 9]! << 16) | (d[start + 10]! << 8) | d[start + 11]!) >>> 0;
    const flags = d[start + 13]!;
    const hash = FlowTable.hash(d, src, dst, alen, sp, dp);
    let c = this.table.find(hash, d, src, dst, alen, sp, dp);
    let dir: Direction = this.table.dir;
    const pureSyn = (flags & (SYN | ACK)) === SYN;
    if (c && c.closed && pureSyn) {
      this.release(c);
      c = undefined;
    }
    if (!c) {
      c = {
        conv: newConversation('tcp', this.next++, d, src, dst, alen, sp, dp, pureSyn ? 'syn' : 'first'),
        aIp: new Uint8Array(d.subarray(src, src + alen)),
        bIp: new Uint8Array(d.subarray(dst, dst + alen)),
        aPort: sp,
        bPort: dp,
        hash,
        last: this.now,
        h: [half(), half()],
        closed: false,
      };
      this.table.add(c);
      dir = 0;
    }
    c.last = this.now;
    const h = c.h[dir];
    let dseq = seq;
    if (flags & SYN) {
      dseq = (seq + 1) >>> 0;
      if (!h.synSeen) {
        h.synSeen = true;
        if (!h.started || h.off === 0) {
          h.started = true;
          h.base = dseq;
          h.off = 0;
        }
        this.emit({ kind: 'tcp-open', frame: ref, conv: c.conv, dir });
      }
    }
    if (!h.started) {
      h.started = true;
      h.base = seq;
      h.off = 0;
    }
    // The peer's ACK says which of our bytes it has: anything below it that we never saw was missed by the capture.
    if (flags & ACK) {
      const o = c.h[dir === 0 ? 1 : 0];
      if (o.started && !o.finDone) {
        const target = o.off + ((ack - o.base - o.off) | 0);
        if (target > o.off) this.forceUpTo(c, (dir === 0 ? 1 : 0) as Direction, target);
      }
    }
    const plen = end - start - hl;
    if (!h.finDone) {
      const pos = h.off + ((dseq - h.base - h.off) | 0);
      if (plen > 0 || missing > 0) this.insert(c, dir, pos, d.subarray(start + hl, end), missing);
      if (flags & FIN) {
        const finPos = pos + plen + missing;
        // a FIN after a hole: the capture missed those bytes
        if (finPos > h.off) this.forceUpTo(c, dir, finPos);
        h.finDone = true;
        this.emit({ kind: 'tcp-close', frame: ref, conv: c.conv, dir });
        if (c.h[0].finDone && c.h[1].finDone) c.closed = true;
      }
    }
    if (flags & RST) {
      if (!c.closed) {
        this.flush(c, 0);
        this.flush(c, 1);
        this.emit({ kind: 'tcp-reset', frame: ref, conv: c.conv, dir });
        c.closed = true;
      }
    }
    if (this.now - this.lastSweep >= 1) this.sweep();
  }

  private insert(c: Conn, dir: Direction, pos: number, data: Uint8Array, missing: number): void {
    const h = c.h[dir];
    const len = data.length;
    if (pos + len + missing <= h.off) return; // retransmission
    if (pos < h.off) {
      const cut = Math.min(len, h.off - pos);
      data = data.subarray(cut);
      missing -= h.off - pos - cut;
      pos = h.off;
    }
    if (pos === h.off) {
      if (data.length) {
        this.emit({ kind: 'tcp-data', frame: this.ref, conv: c.conv, dir, data, streamOffset: h.off });
        h.off += data.length;
      }
      if (missing > 0) {
        this.emit({ kind: 'tcp-gap', frame: this.ref, conv: c.conv, dir, missing, streamOffset: h.off });
        h.off += missing;
      }
      if (h.segs.length) this.drain(c, dir);
      return;
    }
    if (h.buffered + len > this.maxBuf) {
      this.problem({ frame: this.ref.n, layer: 'tcp', code: 'buffer-full', message: `TCP ${c.conv.index} direction ${dir}: ${h.buffered} out-of-order bytes buffered behind a hole at stream offset ${h.off}; hole given up` });
      this.forceUpTo(c, dir, pos);
      this.insert(c, dir, pos, data, missing);
      return;
    }
    // insert a copy, sorted by position; an exact duplicate is dropped
    const segs = h.segs;
    let i = segs.length;
    while (i > 0 && segs[i - 1]!.pos > pos) i--;
    if (i > 0 && segs[i - 1]!.pos === pos && segs[i - 1]!.data.length >= len) return;
    segs.splice(i, 0, { pos, data: new Uint8Array(data) });
    h.buffered += len;
  }

  /** Delivers buffered segments that have become in order. */
  private drain(c: Conn, dir: Direction): void {
    const h = c.h[dir];
    const segs = h.segs;
    let k = 0;
    while (k < segs.length && segs[k]!.pos <= h.off) {
      const s = segs[k++]!;
      h.buffered -= s.data.length;
      const e = s.pos + s.data.length;
      if (e > h.off) {
        const data = s.data.subarray(h.off - s.pos);
        this.emit({ kind: 'tcp-data', frame: this.ref, conv: c.conv, dir, data, streamOffset: h.off });
        h.off = e;
      }
    }
    if (k) segs.splice(0, k);
  }

  /** Moves delivery up to `target`, reporting holes as gaps. */
  private forceUpTo(c: Conn, dir: Direction, target: number): void {
    const h = c.h[dir];
    while (h.off < target) {
      if (h.segs.length && h.segs[0]!.pos <= h.off) {
        this.drain(c, dir);
        continue;
      }
      const gapEnd = h.segs.length ? Math.min(target, h.segs[0]!.pos) : target;
      this.emit({ kind: 'tcp-gap', frame: this.ref, conv: c.conv, dir, missing: gapEnd - h.off, streamOffset: h.off });
      h.off = gapEnd;
    }
    if (h.segs.length) this.drain(c, dir);
  }

  /** Reports and delivers whatever is buffered behind holes. */
  private flush(c: Conn, dir: Direction): void {
    const h = c.h[dir];
    if (!h.segs.length) return;
    const last = h.segs[h.segs.length - 1]!;
    this.forceUpTo(c, dir, last.pos + last.data.length);
  }

  private release(c: Conn): void {
    this.flush(c, 0);
    this.flush(c, 1);
    this.table.remove(c);
  }

  /** Releases closed and idle connections (capture time). */
  sweep(): void {
    this.lastSweep = this.now;
    const dead: Conn[] = [];
    for (const c of this.table.entries()) {
      const age = this.now - c.last;
      if ((c.closed && age > this.linger) || age > this.idle) dead.push(c);
    }
    for (const c of dead) this.release(c);
  }

  /** End of capture: every hole still open is reported as a gap. */
  end(ref: FrameRef): void {
    this.ref = ref;
    for (const c of [...this.table.entries()]) this.release(c);
  }
}
