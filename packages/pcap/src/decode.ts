/**
 * A capture file -> messages: the reader (CaptureFile, then NetDissector for
 * link, IP, TCP/UDP/SCTP) feeds NetEvents to the demultiplexer, which hands
 * out decoded Messages. One pass, synchronous, bounded memory.
 *
 * This is readCapture's loop with one addition: the first frame of the file
 * is caught (relative times count from it, as tshark's do, even when it
 * carries no message).
 */
import { Demux, type DemuxOptions } from './demux';
import { CaptureFile } from './file';
import { NetDissector, type NetOptions } from './net';
import type { FrameRef, Message, Problem } from './types';

export interface DecodeCaptureOptions {
  onMessage: (m: Message) => void;
  onProblem?: (p: Problem) => void;
  /** Called every few thousand frames and at the end with the bytes of the file read so far and its size. */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Called once, with the first frame of the file, before any message. */
  onFirstFrame?: (t0: FrameRef) => void;
  demux?: DemuxOptions;
  net?: NetOptions;
}

export interface DecodeCaptureResult {
  frames: number;
  messages: number;
  problems: number;
  /** The first frame of the file (absent for a capture without frames). */
  t0?: FrameRef;
}

/** Reads `path` and decodes every signalling message in it. Throws PcapError when the file cannot be read at all. */
export function decodeCapture(path: string, opts: DecodeCaptureOptions): DecodeCaptureResult {
  let problems = 0;
  const onProblem = (p: Problem): void => {
    problems++;
    opts.onProblem?.(p);
  };
  const demux = new Demux(opts.onMessage, { ...opts.demux, onProblem });
  const sink = (ev: Parameters<Demux['event']>[0]): void => demux.event(ev);
  const cf = CaptureFile.open(path, { onProblem });
  const net = new NetDissector(sink, opts.net);
  let frames = 0;
  let t0: FrameRef | undefined;
  const progress = opts.onProgress;
  try {
    let f = cf.next();
    if (f) {
      t0 = { n: f.n, sec: f.sec, nsec: f.nsec };
      opts.onFirstFrame?.(t0);
    }
    for (; f !== undefined; f = cf.next()) {
      frames++;
      net.frame(f);
      if (progress && (frames & 4095) === 0) progress(cf.bytesRead, cf.size);
    }
    net.end();
  } finally {
    cf.close();
  }
  demux.end();
  if (progress) progress(cf.bytesRead, cf.size);
  const r: DecodeCaptureResult = { frames, messages: demux.messages, problems };
  if (t0) r.t0 = t0;
  return r;
}
