/**
 * What `snaptel pcap decode` shows, wherever the messages come from: summary
 * lines or JSON on stdout; problems, a progress bar (on a terminal) and the
 * final tally on stderr, problems after the lines of the messages before
 * them.
 */
import * as fs from 'node:fs';
import { messageJson, SummaryWriter } from './summary';
import type { FrameRef, Message, Problem } from './types';

/** Output batched into large writes; a closed pipe (EPIPE) stops the run quietly. */
export class Output {
  private buf = '';
  closed = false;
  private readonly fd: number | undefined;

  constructor(private readonly stream: NodeJS.WritableStream) {
    const fd = (stream as { fd?: unknown }).fd;
    this.fd = typeof fd === 'number' ? fd : undefined;
    stream.on?.('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') this.closed = true;
    });
  }

  line(s: string): void {
    this.buf += s;
    this.buf += '\n';
    if (this.buf.length >= 65536) this.flush();
  }

  flush(): void {
    if (this.buf === '' || this.closed) {
      this.buf = '';
      return;
    }
    const s = this.buf;
    this.buf = '';
    if (this.fd === undefined) {
      this.stream.write(s);
      return;
    }
    this.writeFd(Buffer.from(s));
  }

  /** Bytes (valid during the call only) after what is buffered. */
  bytes(b: Buffer): void {
    this.flush();
    if (this.closed) return;
    if (this.fd === undefined) this.stream.write(Buffer.from(b));
    else this.writeFd(b);
  }

  // Straight to the descriptor: a reader that went away is seen at once (EPIPE), not after the whole file.
  private writeFd(b: Buffer): void {
    let off = 0;
    while (off < b.length) {
      try {
        off += fs.writeSync(this.fd!, b, off, b.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
          continue;
        }
        if (code === 'EPIPE') {
          this.closed = true;
          return;
        }
        throw e;
      }
    }
  }
}

/** Thrown out of the decode loop when stdout went away. */
export class Stop extends Error {}

export interface PresenterOptions {
  json: boolean;
  /** Draw a progress bar on stderr. */
  bar: boolean;
  /** File size, for the bar. */
  size: number;
  /** Whether some messages are filtered out (the tally says how many were shown). */
  filtered: boolean;
}

const MAX_PROBLEM_LINES = 1000;

export class Presenter {
  private readonly started = Date.now();
  private shown = 0;
  private lastDraw = 0;
  private barOn = false;
  private problemLines = 0;
  t0: FrameRef | undefined;
  readonly out: Output;
  private readonly lines: SummaryWriter;

  constructor(
    out: NodeJS.WritableStream,
    private readonly err: (s: string) => void,
    private readonly o: PresenterOptions,
  ) {
    this.out = new Output(out);
    this.lines = new SummaryWriter((b) => {
      this.out.bytes(b);
      if (this.out.closed) throw new Stop();
    });
  }

  message(m: Message): void {
    this.shown++;
    const t0 = (this.t0 ??= m.frame);
    if (this.o.json) {
      this.out.line(JSON.stringify(messageJson(m, t0)));
      if (this.out.closed) throw new Stop();
    } else this.lines.line(m, t0);
  }

  problem(p: Problem): void {
    if (++this.problemLines > MAX_PROBLEM_LINES) return;
    this.flush(); // problems after the messages that came before them
    this.clearBar();
    this.err(`snaptel pcap: ${p.frame ? `frame ${p.frame}: ` : ''}${p.layer}: ${p.message}\n`);
    if (this.problemLines === MAX_PROBLEM_LINES) this.err(`snaptel pcap: more problems are counted, not shown\n`);
  }

  progress(done: number, total: number | undefined): void {
    if (!this.o.bar) return;
    const now = Date.now();
    if (now - this.lastDraw < 200) return;
    this.lastDraw = now;
    const mbs = done / 1e6 / Math.max((now - this.started) / 1000, 1e-3);
    this.err(`\r\x1b[K${((100 * done) / Math.max(total || this.o.size, 1)).toFixed(0).padStart(3)}% ${mbs.toFixed(1)} MB/s ${this.shown} messages`);
    this.barOn = true;
  }

  /** Everything buffered out; swallows a Stop (stdout gone). */
  flush(): void {
    try {
      this.lines.drain();
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
    this.out.flush();
  }

  clearBar(): void {
    if (this.barOn) this.err('\r\x1b[K');
    this.barOn = false;
  }

  /** After the last message: the lines out, the bar gone, the tally (or the error that ended the read). */
  finish(r: { frames: number; messages: number; problems: number } | { error: string }): void {
    this.flush();
    this.clearBar();
    if ('error' in r) this.err(r.error);
    else this.err(`${r.frames} frames, ${r.messages} messages${this.o.filtered ? ` (${this.shown} shown)` : ''}, ${r.problems} problems\n`);
  }
}
