import * as fs from 'node:fs';
import { PcapError } from './errors';
import type { Frame, Problem } from './types';

/**
 * A synchronous pull reader for libpcap and pcapng files.
 *
 * One window buffer is read through with fs.readSync and reused: memory stays
 * bounded whatever the size of the file. A frame's `data` is a view into that
 * window, valid until the next call to next(). It is a plain Uint8Array (not
 * a Buffer), so `data.slice()` makes a copy, as a consumer that keeps bytes must.
 */

export interface CaptureFileOptions {
  /** Size of the read window in bytes (default 1 MiB). */
  chunkSize?: number;
  /** Records larger than this are reported and skipped (default 256 KiB). */
  maxRecord?: number;
  onProblem?: (p: Problem) => void;
}

const PCAP_US_LE = 0xa1b2c3d4;
const PCAP_NS_LE = 0xa1b23c4d;
const PCAP_US_BE = 0xd4c3b2a1;
const PCAP_NS_BE = 0x4d3cb2a1;
const SHB = 0x0a0d0d0a;
const BOM = 0x1a2b3c4d;

/** pcapng block types that are known and carry no packet: skipped silently. */
const QUIET_BLOCKS = new Set([
  4, // NRB
  5, // ISB
  7, // IRIG timestamp
  8, // ARINC 653 / AFDX
  9, // systemd journal export
  0x0a, // DSB decryption secrets
  0x0b, // compression (obsolete draft)
  0x0c, // encryption (obsolete draft)
  0x0d, // fixed-length (obsolete draft)
  0x0e, // directory (obsolete draft)
  0x0f, // event/security (obsolete draft)
  0x101, 0x102, 0x103, 0x104, 0x105, 0x106, 0x107, // Hone project
  0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207, 0x208, 0x209, 0x210, 0x211, 0x212, 0x213, // sysdig
  0xbad, 0x40000bad, // custom blocks
]);

interface Iface {
  linktype: number;
  snaplen: number;
  /** Units per second is 10^dec when pow2 is false, else 2^dec. */
  dec: number;
  pow2: boolean;
  /** 10^(9 - dec) when the resolution is 10^-dec with dec <= 9 (the fast path). */
  mul: number;
  tsoffset: number;
}

export class CaptureFile {
  readonly format: 'pcap' | 'pcapng';
  readonly size: number | undefined;
  /** File offset just past the last byte consumed. */
  bytesRead = 0;

  private fd: number;
  private buf: Uint8Array;
  private dv: DataView;
  /** File offset of buf[0] and number of valid bytes in buf. */
  private base = 0;
  private fill = 0;
  private eof = false;
  private n = 0;
  private le = true;
  private ended = false;
  private readonly maxRecord: number;
  private readonly chunk: number;
  private readonly onProblem: (p: Problem) => void;
  // pcap
  private linktype = 0;
  private nanos = false;

  // pcapng
  private ifaces: Iface[] = [];

  private constructor(fd: number, size: number | undefined, opts: CaptureFileOptions, private readonly path: string) {
    this.fd = fd;
    this.size = size;
    this.chunk = Math.max(4096, opts.chunkSize ?? 1 << 20);
    this.maxRecord = opts.maxRecord ?? 256 * 1024;
    this.onProblem = opts.onProblem ?? (() => {});
    this.buf = new Uint8Array(this.chunk);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    if (!this.ensure(0, 12)) {
      this.close();
      throw new PcapError('not-a-capture', 0, 0, `${path}: not a capture file: ${this.fill} byte(s), too short for a pcap or pcapng header`);
    }
    const m = this.dv.getUint32(0, true);
    if (m === PCAP_US_LE || m === PCAP_NS_LE || m === PCAP_US_BE || m === PCAP_NS_BE) {
      this.format = 'pcap';
      this.le = m === PCAP_US_LE || m === PCAP_NS_LE;
      this.nanos = m === PCAP_NS_LE || m === PCAP_NS_BE;
      if (!this.ensure(0, 24)) {
        this.close();
        throw new PcapError('not-a-capture', 0, 0, `${path}: pcap file header: truncated at ${this.fill} of 24 bytes`);
      }

      this.linktype = this.dv.getUint32(20, this.le) & 0xffff;
      this.bytesRead = 24;
    } else if (m === SHB) {
      this.format = 'pcapng';
      // The section header is read by the block loop.
    } else {
      this.close();
      throw new PcapError('not-a-capture', 0, 0, `${path}: not a capture file: magic 0x${m.toString(16).padStart(8, '0')} at offset 0 is neither pcap (a1b2c3d4/a1b23c4d) nor pcapng (0a0d0d0a)`);
    }
  }

  static open(path: string, opts: CaptureFileOptions = {}): CaptureFile {
    let fd: number;
    let size: number | undefined;
    try {
      fd = fs.openSync(path, 'r');
      const st = fs.fstatSync(fd);
      size = st.isFile() ? st.size : undefined;
    } catch (e) {
      throw new PcapError('io', 0, 0, `${path}: cannot open: ${(e as Error).message}`);
    }
    return new CaptureFile(fd, size, opts, path);
  }

  close(): void {
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = -1;
    }
    this.ended = true;
  }

  /** The next frame, or undefined at the end of the file (or after a truncated last record). */
  next(): Frame | undefined {
    if (this.ended) return undefined;
    return this.format === 'pcap' ? this.nextPcap() : this.nextPcapng();
  }

  // ---- window -------------------------------------------------------------

  /** Makes bytes [off, off+n) of the file available in the window; false at end of file. */
  private ensure(off: number, n: number): boolean {
    const rel = off - this.base;
    if (rel >= 0 && rel + n <= this.fill) return true;
    if (this.fd < 0) return false;
    if (rel >= 0 && rel < this.fill) {
      this.buf.copyWithin(0, rel, this.fill);
      this.fill -= rel;
    } else {
      this.fill = 0;
    }
    this.base = off;
    if (n > this.buf.length) {
      let len = this.buf.length;
      while (len < n) len *= 2;
      const nb = new Uint8Array(len);
      nb.set(this.buf.subarray(0, this.fill));
      this.buf = nb;
      this.dv = new DataView(nb.buffer, nb.byteOffset, nb.byteLength);
    } else if (this.buf.length > this.chunk && n <= this.chunk && this.fill <= this.chunk) {
      // Shrink back after a big record.
      const nb = new Uint8Array(this.chunk);
      nb.set(this.buf.subarray(0, this.fill));
      this.buf = nb;
      this.dv = new DataView(nb.buffer, nb.byteOffset, nb.byteLength);
    }
    if (this.eof) return this.fill >= n;
    while (this.fill < n) {
      let got: number;
      try {
        got = fs.readSync(this.fd, this.buf, this.fill, this.buf.length - this.fill, this.base + this.fill);
      } catch (e) {
        throw new PcapError('io', this.base + this.fill, this.n, `${this.path}: read error at offset ${this.base + this.fill}: ${(e as Error).message}`);
      }
      if (got === 0) {
        this.eof = true;
        return false;
      }
      this.fill += got;
    }
    return true;
  }

  private problem(code: string, fileOffset: number, message: string, frame = this.n): void {
    this.onProblem({ frame, layer: 'file', code, message: `${this.format}: ${message}`, fileOffset });
  }

  private truncated(off: number, what: string, need: number): undefined {
    const have = Math.max(0, (this.size ?? this.base + this.fill) - off);
    this.problem('truncated', off, `${what} at offset ${off} truncated: ${need} byte(s) needed, ${have} in the file`, this.n + 1);
    this.bytesRead = this.size ?? this.base + this.fill;
    this.close();
    return undefined;
  }

  // ---- pcap ---------------------------------------------------------------

  private nextPcap(): Frame | undefined {
    for (;;) {
      const off = this.bytesRead;
      if (!this.ensure(off, 16)) {
        if (off - this.base >= this.fill) return this.finish();
        return this.truncated(off, `record ${this.n + 1} header`, 16);
      }
      const dv = this.dv;
      const p = off - this.base;
      const le = this.le;
      const sec = dv.getUint32(p, le);
      const frac = dv.getUint32(p + 4, le);
      const incl = dv.getUint32(p + 8, le);
      const orig = dv.getUint32(p + 12, le);
      if (incl > this.maxRecord) {
        if (incl > 0x7fffffff || (this.size !== undefined && off + 16 + incl > this.size)) {
          throw new PcapError('bad-record', off + 8, this.n, `pcap: record ${this.n + 1} at offset ${off}: incl_len ${incl} at offset ${off + 8} is beyond the file (${this.size ?? '?'} bytes)`);
        }
        this.n++;
        this.problem('too-big', off, `record ${this.n} at offset ${off}: incl_len ${incl} exceeds the ${this.maxRecord}-byte limit; skipped`);
        this.bytesRead = off + 16 + incl;
        continue;
      }
      if (!this.ensure(off + 16, incl)) return this.truncated(off, `record ${this.n + 1} (incl_len ${incl})`, 16 + incl);
      const q = off + 16 - this.base;
      this.bytesRead = off + 16 + incl;
      this.n++;
      let s = sec;
      let ns = this.nanos ? frac : frac * 1000;
      if (ns >= 1e9) {
        s += Math.floor(ns / 1e9);
        ns %= 1e9;
      }
      return {
        n: this.n,
        sec: s,
        nsec: ns,
        linktype: this.linktype,
        iface: 0,
        origLen: orig,
        data: this.buf.subarray(q, q + incl),
        fileOffset: off,
      };
    }
  }

  private finish(): undefined {
    this.close();
    return undefined;
  }

  // ---- pcapng -------------------------------------------------------------

  private nextPcapng(): Frame | undefined {
    for (;;) {
      const off = this.bytesRead;
      if (!this.ensure(off, 8)) {
        if (off - this.base >= this.fill) return this.finish();
        return this.truncated(off, `block header`, 8);
      }
      let p = off - this.base;
      const type = this.dv.getUint32(p, this.le);
      if (type === SHB) {
        if (!this.ensure(off, 12)) return this.truncated(off, 'section header block', 12);
        p = off - this.base;
        const bom = this.dv.getUint32(p + 8, true);
        if (bom === BOM) this.le = true;
        else if (bom === 0x4d3c2b1a) this.le = false;
        else throw new PcapError('not-a-capture', off + 8, this.n, `pcapng: section header block at offset ${off}: byte-order magic 0x${bom.toString(16)} at offset ${off + 8} is not 1a2b3c4d`);
        this.ifaces = [];
      }
      const len = this.dv.getUint32(p + 4, this.le);
      if (len < 12 || len % 4 !== 0) {
        throw new PcapError('bad-block-length', off + 4, this.n, `pcapng: block type 0x${type.toString(16)} at offset ${off}: block total length ${len} at offset ${off + 4} is not a multiple of 4 of at least 12`);
      }
      if (len > this.maxRecord + 64) {
        if (this.size !== undefined && off + len > this.size) return this.truncated(off, `block type 0x${type.toString(16)} (length ${len})`, len);
        this.bytesRead = off + len;
        if (type === 6 || type === 2 || type === 3) {
          this.n++;
          this.problem('too-big', off, `block type 0x${type.toString(16)} at offset ${off}: length ${len} exceeds the ${this.maxRecord}-byte limit; packet ${this.n} skipped`);
        } else {
          this.problem('too-big', off, `block type 0x${type.toString(16)} at offset ${off}: length ${len} exceeds the limit; skipped`);
        }
        continue;
      }
      if (!this.ensure(off, len)) return this.truncated(off, `block type 0x${type.toString(16)} (length ${len})`, len);
      p = off - this.base;
      const dv = this.dv;
      const le = this.le;
      if (dv.getUint32(p + len - 4, le) !== len) {
        throw new PcapError('bad-block-length', off + len - 4, this.n, `pcapng: block type 0x${type.toString(16)} at offset ${off}: trailing length ${dv.getUint32(p + len - 4, le)} at offset ${off + len - 4} differs from ${len}`);
      }
      this.bytesRead = off + len;
      switch (type) {
        case 6: // EPB
        case 2: {
          // OPB: iface is 16 bits followed by a drops count
          if (len < 32) throw new PcapError('bad-block-length', off + 4, this.n, `pcapng: ${type === 6 ? 'enhanced' : 'obsolete'} packet block at offset ${off}: length ${len} below 32`);
          const ifi = type === 6 ? dv.getUint32(p + 8, le) : dv.getUint16(p + 8, le);
          const hi = dv.getUint32(p + 12, le);
          const lo = dv.getUint32(p + 16, le);
          const cap = dv.getUint32(p + 20, le);
          const orig = dv.getUint32(p + 24, le);
          if (cap > len - 32) {
            throw new PcapError('bad-record', off + 20, this.n, `pcapng: packet block at offset ${off}: captured length ${cap} at offset ${off + 20} exceeds the block (${len - 32} bytes of data)`);
          }
          const ifc = this.ifaces[ifi];
          if (!ifc) throw new PcapError('bad-record', off + 8, this.n, `pcapng: packet block at offset ${off}: interface ${ifi} at offset ${off + 8} was not described by an IDB`);
          this.n++;
          return this.frame(ifc, ifi, hi, lo, orig, p + 28, cap, off);
        }
        case 3: {
          // SPB: always interface 0, no timestamp
          const ifc = this.ifaces[0];
          if (!ifc) throw new PcapError('bad-record', off, this.n, `pcapng: simple packet block at offset ${off} before any IDB`);
          const orig = dv.getUint32(p + 8, le);
          let cap = Math.min(orig, len - 16);
          if (ifc.snaplen > 0) cap = Math.min(cap, ifc.snaplen);
          this.n++;
          return { n: this.n, sec: 0, nsec: 0, linktype: ifc.linktype, iface: 0, origLen: orig, data: this.buf.subarray(p + 12, p + 12 + cap), fileOffset: off };
        }
        case 1:
          this.idb(p, len, off);
          break;
        case SHB:
          break;
        case 9: // systemd journal export
        case 0xbad: // custom blocks
        case 0x40000bad:
        case 0x204: // sysdig events
        case 0x208:
          // No packet for us, but tshark gives these records a frame number: keep the numbering aligned.
          this.n++;
          break;
        default:
          if (!QUIET_BLOCKS.has(type) && (type & 0x80000000) === 0) {
            this.problem('unknown-block', off, `unknown block type 0x${type.toString(16).padStart(8, '0')} (${len} bytes) at offset ${off}; skipped`, this.n);
          }
      }
    }
  }

  private idb(p: number, len: number, off: number): void {
    const dv = this.dv;
    const le = this.le;
    if (len < 20) throw new PcapError('bad-block-length', off + 4, this.n, `pcapng: interface description block at offset ${off}: length ${len} below 20`);
    const ifc: Iface = { linktype: dv.getUint16(p + 8, le), snaplen: dv.getUint32(p + 12, le), dec: 6, pow2: false, mul: 1000, tsoffset: 0 };
    let o = p + 16;
    const end = p + len - 4;
    while (o + 4 <= end) {
      const code = dv.getUint16(o, le);
      const olen = dv.getUint16(o + 2, le);
      if (code === 0) break;
      if (o + 4 + olen > end) {
        this.problem('bad-option', off + (o - p), `interface description block at offset ${off}: option ${code} length ${olen} runs past the block`);
        break;
      }
      if (code === 9 && olen >= 1) {
        const v = this.buf[o + 4]!;
        ifc.pow2 = (v & 0x80) !== 0;
        ifc.dec = v & 0x7f;
      } else if (code === 14 && olen >= 8) {
        const hi = dv.getInt32(o + 4 + (le ? 4 : 0), le);
        const lo = dv.getUint32(o + 4 + (le ? 0 : 4), le);
        ifc.tsoffset = hi * 4294967296 + lo;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    ifc.mul = !ifc.pow2 && ifc.dec <= 9 ? 10 ** (9 - ifc.dec) : 0;
    this.ifaces.push(ifc);
  }

  private frame(ifc: Iface, ifi: number, hi: number, lo: number, orig: number, q: number, cap: number, off: number): Frame {
    let sec: number;
    let nsec: number;
    if (ifc.mul !== 0) {
      // ts = hi * 2^32 + lo in units of 10^-dec s: long division by D in 16-bit steps, exact in doubles.
      const D = 10 ** ifc.dec;
      if (hi === 0) {
        sec = Math.floor(lo / D);
        nsec = (lo - sec * D) * ifc.mul;
      } else {
        const qh = Math.floor(hi / D);
        let r = hi - qh * D;
        let t = r * 65536 + (lo >>> 16);
        const q1 = Math.floor(t / D);
        r = t - q1 * D;
        t = r * 65536 + (lo & 0xffff);
        const q2 = Math.floor(t / D);
        r = t - q2 * D;
        sec = qh * 4294967296 + q1 * 65536 + q2;
        nsec = r * ifc.mul;
      }
    } else {
      const ts = (BigInt(hi) << 32n) | BigInt(lo);
      const D = ifc.pow2 ? 1n << BigInt(ifc.dec) : 10n ** BigInt(ifc.dec);
      sec = Number(ts / D);
      nsec = Number(((ts % D) * 1_000_000_000n) / D);
    }
    sec += ifc.tsoffset;
    return { n: this.n, sec, nsec, linktype: ifc.linktype, iface: ifi, origLen: orig, data: this.buf.subarray(q, q + cap), fileOffset: off };
  }
}
