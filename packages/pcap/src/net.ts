import { CaptureFile } from './file';
import { FlowTable, IpLayer, newConversation, type FlowEntry, type IpOptions } from './ip';
import { ipOffset, LINK_TRUNCATED } from './link';
import { SctpLayer, type SctpOptions } from './sctp';
import { TcpLayer, type TcpOptions } from './tcp';
import type { Frame, FrameRef, NetEvent, Problem } from './types';

/**
 * Frames in, NetEvents out: link layer, IP (with fragment reassembly), then
 * TCP streams, UDP datagrams and SCTP user messages.
 *
 * The `data` of tcp-data, udp and sctp-data events may be a view into the
 * capture reader's window: it is valid only during the sink call. A consumer
 * that keeps bytes must copy them.
 */

export interface NetOptions extends IpOptions, TcpOptions, SctpOptions {
  /** Seconds of capture time after which an idle UDP address pair is forgotten (default 300). */
  udpIdleTimeout?: number;
}

const TCP = 6;
const UDP = 17;
const SCTP = 132;

export class NetDissector {
  private readonly ip: IpLayer;
  private readonly tcp: TcpLayer;
  private readonly sctp: SctpLayer;
  private readonly udp = new FlowTable<FlowEntry>();
  private udpNext = 0;
  private readonly udpIdle: number;
  private udpSweep = 0;
  private ref: FrameRef = { n: 0, sec: 0, nsec: 0 };
  private now = 0;
  private ended = false;
  /** Problems reported so far. */
  problems = 0;

  constructor(
    private readonly sink: (ev: NetEvent) => void,
    opts: NetOptions = {},
  ) {
    const problem = (p: Problem) => {
      this.problems++;
      this.sink({ kind: 'problem', problem: p });
    };
    this.ip = new IpLayer((proto, d, src, dst, alen, start, end, missing) => this.transport(proto, d, src, dst, alen, start, end, missing), problem, opts);
    this.tcp = new TcpLayer(sink, problem, opts);
    this.sctp = new SctpLayer(sink, problem, opts);
    this.udpIdle = opts.udpIdleTimeout ?? 300;
  }

  private report(layer: string, code: string, message: string): void {
    this.problems++;
    this.sink({ kind: 'problem', problem: { frame: this.ref.n, layer, code, message } });
  }

  frame(f: Frame): void {
    const d = f.data;
    this.ref = { n: f.n, sec: f.sec, nsec: f.nsec };
    const now = f.sec + f.nsec / 1e9;
    if (now > this.now) this.now = now;
    this.ip.frame = f.n;
    this.ip.now = this.now;
    this.tcp.now = this.now;
    this.sctp.now = this.now;
    const o = ipOffset(f.linktype, d);
    if (o < 0) {
      if (o === LINK_TRUNCATED) this.report('link', 'truncated', `frame ${f.n}: ${d.length} byte(s) captured, too short for the link header of link type ${f.linktype}`);
      return;
    }
    this.ip.packet(d, o, f.origLen > d.length ? f.origLen - d.length : 0);
    if (this.now - this.udpSweep >= 1) this.sweepUdp();
  }

  private transport(proto: number, d: Uint8Array, src: number, dst: number, alen: number, start: number, end: number, missing: number): void {
    if (proto === TCP) this.tcp.segment(this.ref, d, src, dst, alen, start, end, missing);
    else if (proto === UDP) this.udpDatagram(d, src, dst, alen, start, end);
    else if (proto === SCTP) this.sctp.packet(this.ref, d, src, dst, alen, start, end, missing);
  }

  private udpDatagram(d: Uint8Array, src: number, dst: number, alen: number, start: number, end: number): void {
    if (end - start < 8) {
      this.report('udp', 'truncated', `UDP header truncated: ${end - start} of 8 bytes`);
      return;
    }
    const sp = (d[start]! << 8) | d[start + 1]!;
    const dp = (d[start + 2]! << 8) | d[start + 3]!;
    let len = (d[start + 4]! << 8) | d[start + 5]!;
    // length 0 is used by jumbograms; then the IP length rules
    if (len === 0 && alen === 16) len = end - start;
    if (len < 8) {
      this.report('udp', 'bad-length', `UDP length ${len} below 8`);
      return;
    }
    if (start + len > end) {
      this.report('udp', 'truncated', `UDP length ${len}, ${end - start} byte(s) captured; datagram dropped`);
      return;
    }
    const hash = FlowTable.hash(d, src, dst, alen, sp, dp);
    let e = this.udp.find(hash, d, src, dst, alen, sp, dp);
    let dir: 0 | 1 = this.udp.dir;
    if (!e) {
      e = { conv: newConversation('udp', this.udpNext++, d, src, dst, alen, sp, dp, 'first'), aIp: new Uint8Array(d.subarray(src, src + alen)), bIp: new Uint8Array(d.subarray(dst, dst + alen)), aPort: sp, bPort: dp, hash, last: this.now };
      this.udp.add(e);
      dir = 0;
    }
    e.last = this.now;
    this.sink({ kind: 'udp', frame: this.ref, conv: e.conv, dir, data: d.subarray(start + 8, start + len) });
  }

  private sweepUdp(): void {
    this.udpSweep = this.now;
    this.ip.expire();
    if (this.udp.size === 0) return;
    const dead: FlowEntry[] = [];
    for (const e of this.udp.entries()) if (this.now - e.last > this.udpIdle) dead.push(e);
    for (const e of dead) this.udp.remove(e);
  }

  /** End of capture: unfinished TCP holes become gaps, incomplete fragments and SCTP messages are reported. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.ip.end();
    this.tcp.end(this.ref);
    this.sctp.end(this.ref);
  }
}

export interface ReadCaptureOptions extends NetOptions {
  onProgress?: (bytesRead: number, size: number | undefined) => void;
  /** Read window of the CaptureFile (default 1 MiB). */
  chunkSize?: number;
  /** Called once, with the first frame of the file, before its events. */
  onFirstFrame?: (f: FrameRef) => void;
}

/**
 * Reads a capture file through CaptureFile and NetDissector. Problems of the
 * file reader go to the sink as {kind:'problem'} too. Event data may be views
 * into the read window: copy what you keep.
 */
export function readCapture(path: string, sink: (ev: NetEvent) => void, opts: ReadCaptureOptions = {}): { frames: number; bytes: number; problems: number } {
  let fileProblems = 0;
  const cf = CaptureFile.open(path, {
    chunkSize: opts.chunkSize,
    onProblem: (p) => {
      fileProblems++;
      sink({ kind: 'problem', problem: p });
    },
  });
  const net = new NetDissector(sink, opts);
  let frames = 0;
  const progress = opts.onProgress;
  try {
    let f = cf.next();
    if (f && opts.onFirstFrame) opts.onFirstFrame({ n: f.n, sec: f.sec, nsec: f.nsec });
    for (; f !== undefined; f = cf.next()) {
      frames++;
      net.frame(f);
      if (progress && (frames & 4095) === 0) progress(cf.bytesRead, cf.size);
    }
    net.end();
  } finally {
    cf.close();
  }
  if (progress) progress(cf.bytesRead, cf.size);
  return { frames, bytes: cf.bytesRead, problems: fileProblems + net.problems };
}
