/**
 * A capture file -> messages: readCapture (CaptureFile, then NetDissector for
 * link, IP, TCP/UDP/SCTP) feeds NetEvents to the demultiplexer, which hands
 * out decoded Messages. One pass, synchronous, bounded memory. The first
 * frame of the file is caught: relative times count from it, as tshark's
 * do, even when it carries no message.
 */
import { Demux, type DemuxOptions } from './demux';
import { readCapture, type NetOptions } from './net';
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
  const demux = new Demux(opts.onMessage, {
    ...opts.demux,
    onProblem: (p) => {
      problems++;
      opts.onProblem?.(p);
    },
  });
  let t0: FrameRef | undefined;
  const { frames } = readCapture(path, (ev) => demux.event(ev), {
    ...opts.net,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    onFirstFrame: (f) => {
      t0 = f;
      opts.onFirstFrame?.(f);
    },
  });
  demux.end();
  const r: DecodeCaptureResult = { frames, messages: demux.messages, problems };
  if (t0) r.t0 = t0;
  return r;
}
