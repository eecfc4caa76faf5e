import { DecodeError } from '@snaptel/codec';
import { PROTOCOL } from './ipa';

/** A frame's length field above the de-framer's limit: the stream cannot be trusted any more. */
export class IpaLengthError extends DecodeError {
  constructor(
    readonly length: number,
    readonly limit: number,
    offset: number,
  ) {
    super(PROTOCOL, undefined, 'header', offset, `frame length ${length} exceeds limit ${limit}`);
    this.name = 'IpaLengthError';
  }
}

export interface DeframerOptions {
  /**
   * Largest payload accepted (length field value). libosmocore refuses
   * frames above its 1200-byte buffer; the default here is 8192 so that a
   * long GSUP SM-RP-UI fits. Up to 65535.
   */
  maxLength?: number;
}

/**
 * Turns a TCP byte stream, cut anywhere, into whole IPA frames (header
 * included). `push` returns the frames completed by that chunk; partial
 * data is kept. After a length error the stream is out of sync and every
 * later push throws the same error.
 */
export class IpaDeframer {
  readonly maxLength: number;
  private buf = new Uint8Array(0);
  private start = 0;
  private end = 0;
  /** Bytes consumed from the stream so far (for error offsets). */
  private consumed = 0;
  private broken: IpaLengthError | undefined;

  constructor(opts: DeframerOptions = {}) {
    this.maxLength = Math.min(opts.maxLength ?? 8192, 0xffff);
  }

  /** Bytes held waiting for the rest of a frame. */
  get pending(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.broken) throw this.broken;
    const out: Uint8Array[] = [];
    let data: Uint8Array;
    let pos: number;
    let end: number;
    if (this.end === this.start) {
      // Nothing held: frame straight out of the chunk (no copy of whole frames).
      data = chunk;
      pos = 0;
      end = chunk.length;
    } else {
      this.append(chunk);
      data = this.buf;
      pos = this.start;
      end = this.end;
    }
    while (end - pos >= 3) {
      const len = (data[pos]! << 8) | data[pos + 1]!;
      if (len > this.maxLength) {
        this.broken = new IpaLengthError(len, this.maxLength, this.consumed);
        this.start = this.end = 0;
        throw this.broken;
      }
      if (end - pos < 3 + len) break;
      out.push(data.slice(pos, pos + 3 + len));
      pos += 3 + len;
      this.consumed += 3 + len;
    }
    if (data === chunk) {
      if (pos < end) {
        this.start = 0;
        this.end = 0;
        this.append(chunk.subarray(pos));
      }
    } else {
      this.start = pos;
      if (this.start === this.end) this.start = this.end = 0;
    }
    return out;
  }

  /** Iterates the frames completed by `chunk`. */
  *frames(chunk: Uint8Array): Generator<Uint8Array> {
    yield* this.push(chunk);
  }

  private append(chunk: Uint8Array): void {
    const have = this.end - this.start;
    if (this.end + chunk.length > this.buf.length) {
      const size = Math.max(have + chunk.length, this.buf.length * 2, 256);
      const b = new Uint8Array(size);
      b.set(this.buf.subarray(this.start, this.end));
      this.buf = b;
      this.start = 0;
      this.end = have;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }
}
