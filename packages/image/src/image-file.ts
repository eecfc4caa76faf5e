import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageError } from './errors';
import type { ResourceInfo } from './resources/resource';

/**
 * Image file layout:
 *
 *     [V8 startup snapshot blob][manifest JSON + "\n"][bundle][trailer: 192 bytes]
 *
 * The middle section ("manifest bytes" in the trailer) is the manifest on one
 * line, then the gzipped CommonJS bundle the image was built from (described
 * by `manifest.bundle`), which a running image needs to build a live snapshot
 * of itself without the source tree.
 *
 * The trailer is one ASCII line, padded with spaces:
 *
 *     SNAPTEL-IMAGE 1 <blob bytes> <manifest bytes> <sha256 of blob+manifest> <node version>
 *
 * Node reads the blob with `--snapshot-blob` and ignores what follows it, so
 * the launcher (bin/snaptel, a POSIX shell script) can check size, Node
 * version and checksum with coreutils and then exec node on the file itself:
 * one Node process, nothing copied.
 */
export const TRAILER_BYTES = 192;
export const MAGIC = 'SNAPTEL-IMAGE';
export const FORMAT_VERSION = 1;

export interface Manifest {
  format: 'snaptel-image';
  formatVersion: number;
  /** Image name (the recipe's base name). */
  name: string;
  createdAt: string;
  /** When the packages were started inside the builder. */
  startedAt: string;
  packages: Array<{ name: string; version: string }>;
  node: { version: string; v8: string; arch: string; platform: string; execArgv: string[] };
  recipe: { path: string | null; sha256: string; config: Record<string, unknown> };
  log: { file: string | null; level: string };
  /** Resources open when the packages had started: what resume must bring back. */
  resources: ResourceInfo[];
  blob: { bytes: number; sha256: string };
  builder: { pid: number; hostname: string };
  /** The command that rebuilds this image. */
  deployCommand: string[];
  /** Set in the heap by the builder: a running image knows which file it came from. */
  buildId?: string;
  /** The gzipped bundle after the manifest line (absent in images from before live snapshots). */
  bundle?: { bytes: number; sha256: string; encoding: 'gzip' };
  /** 0 for a deployed image, +1 for each live snapshot taken from it. */
  generation?: number;
  /** Durable state imported by the builder (live snapshots only). */
  state?: {
    takenAt: string;
    /** Serialized state bytes per package. */
    packages: Record<string, number>;
    /** The image the running daemon had resumed from. */
    from: { buildId: string | null; generation: number };
    /** How long exporting the state held the event loop, in the running image. */
    exportMs: number;
  };
}

export interface Trailer {
  formatVersion: number;
  blobBytes: number;
  manifestBytes: number;
  sha256: string;
  node: string;
}

export function formatTrailer(t: Trailer): Buffer {
  const line = `${MAGIC} ${t.formatVersion} ${t.blobBytes} ${t.manifestBytes} ${t.sha256} ${t.node}`;
  if (line.length > TRAILER_BYTES - 1) throw new Error('trailer too long');
  return Buffer.from(line.padEnd(TRAILER_BYTES - 1, ' ') + '\n', 'ascii');
}

export function parseTrailer(buf: Buffer, file: string): Trailer {
  const text = buf.toString('latin1');
  const fields = text.trim().split(/ +/);
  if (buf.length !== TRAILER_BYTES || fields[0] !== MAGIC || !text.endsWith('\n'))
    throw new ImageError('not-an-image', file, 'not a snaptel image (no SNAPTEL-IMAGE trailer)');
  const [, ver, blob, man, sum, node] = fields;
  if (ver !== String(FORMAT_VERSION))
    throw new ImageError('not-an-image', file, `image format ${ver} is not supported (this snaptel reads ${FORMAT_VERSION})`);
  const formatVersion = FORMAT_VERSION;
  // Sizes: plain decimal, no leading zero, at most 15 digits (the launcher's shell arithmetic reads the same).
  const SIZE = /^(0|[1-9]\d{0,14})$/;
  if (!SIZE.test(blob ?? '') || !SIZE.test(man ?? '') || !/^[0-9a-f]{64}$/.test(sum ?? '') || !/^v\d/.test(node ?? ''))
    throw new ImageError('corrupt', file, 'damaged image trailer');
  return { formatVersion, blobBytes: Number(blob), manifestBytes: Number(man), sha256: sum!, node: node! };
}

export function sha256(...parts: Uint8Array[]): string {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** Writes `parts` to `file` atomically: temp file in the same directory, fsync, rename, fsync directory. */
export function writeFileAtomic(file: string, parts: Uint8Array[]): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}`);
  const fd = fs.openSync(tmp, 'wx', 0o644);
  try {
    for (const p of parts) {
      let off = 0;
      while (off < p.length) off += fs.writeSync(fd, p, off, p.length - off);
    }
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  const dfd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}

/** Assembles and writes an image file. Returns its size. */
export function writeImage(file: string, blob: Buffer, manifest: Manifest, bundle?: Buffer): number {
  const man = manifestSection(manifest, bundle);
  const trailer = formatTrailer({
    formatVersion: FORMAT_VERSION,
    blobBytes: blob.length,
    manifestBytes: man.length,
    sha256: sha256(blob, man),
    node: manifest.node.version,
  });
  writeFileAtomic(file, [blob, man, trailer]);
  return blob.length + man.length + trailer.length;
}

/** The manifest line, then the gzipped bundle it describes (if any). */
export function manifestSection(manifest: Manifest, bundle?: Buffer): Buffer {
  const line = Buffer.from(JSON.stringify(manifest) + '\n', 'utf8');
  if (bundle && manifest.bundle?.bytes !== bundle.length) throw new Error('manifest.bundle does not describe the bundle');
  return bundle ? Buffer.concat([line, bundle]) : line;
}

/**
 * The asynchronous writer a running daemon uses for live snapshots: streams
 * the builder's blob file, so hashing and writing a large image never hold
 * the event loop for long. Same atomic steps as writeFileAtomic. `tmpDir`
 * must be on the image's file system (rename).
 */
export async function writeImageAsync(file: string, blobFile: string, manifest: Manifest, bundle: Buffer, tmpDir: string): Promise<number> {
  const man = manifestSection(manifest, bundle);
  const h = crypto.createHash('sha256');
  const tmp = path.join(tmpDir, `image.tmp`);
  const out = await fs.promises.open(tmp, 'w', 0o644);
  let blobBytes = 0;
  try {
    const src = await fs.promises.open(blobFile, 'r');
    try {
      const chunk = Buffer.alloc(1 << 20);
      for (;;) {
        const { bytesRead } = await src.read(chunk, 0, chunk.length, blobBytes);
        if (bytesRead <= 0) break;
        const part = chunk.subarray(0, bytesRead);
        h.update(part);
        await out.write(part);
        blobBytes += bytesRead;
      }
    } finally {
      await src.close();
    }
    h.update(man);
    await out.write(man);
    const trailer = formatTrailer({ formatVersion: FORMAT_VERSION, blobBytes, manifestBytes: man.length, sha256: h.digest('hex'), node: manifest.node.version });
    await out.write(trailer);
    await out.sync();
  } finally {
    await out.close();
  }
  await fs.promises.rename(tmp, file);
  const dir = await fs.promises.open(path.dirname(path.resolve(file)), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return blobBytes + man.length + TRAILER_BYTES;
}

/** Reads the gzipped bundle that follows the manifest line, and checks its sha256. */
export async function readBundle(img: OpenedImage): Promise<Buffer> {
  const b = img.manifest.bundle;
  if (!b)
    throw new ImageError('no-bundle', img.file, 'this image carries no bundle (deployed by an older snaptel), so it cannot be snapshotted live: deploy it again');
  const fh = await fs.promises.open(img.file, 'r');
  try {
    const buf = Buffer.alloc(b.bytes);
    const { bytesRead } = await fh.read(buf, 0, b.bytes, img.trailer.blobBytes + img.manifestLineBytes);
    if (bytesRead !== b.bytes || sha256(buf) !== b.sha256) throw new ImageError('corrupt', img.file, 'the bundle inside the image does not match its manifest');
    return buf;
  } finally {
    await fh.close();
  }
}

export interface OpenedImage {
  file: string;
  size: number;
  trailer: Trailer;
  manifest: Manifest;
  /** Bytes of the manifest line (with its newline); the bundle follows. */
  manifestLineBytes: number;
}

export interface CheckOptions {
  /** Compare the whole file against its sha256 (default true). */
  checksum?: boolean;
  /** Refuse an image built by another Node version (default: this process's). Pass null to skip. */
  node?: string | null;
}

/**
 * Reads an image's trailer and manifest and checks it the way the launcher
 * does: structure, size, Node version, checksum. Throws ImageError with a
 * one-line message.
 */
export function openImage(file: string, opts: CheckOptions = {}): OpenedImage {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ImageError('unreadable', file, e.code === 'ENOENT' ? 'no such image file' : `cannot read (${e.code})`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ImageError('unreadable', file, 'cannot read (not a readable file)');
    const size = st.size;
    if (size < TRAILER_BYTES) throw new ImageError('not-an-image', file, `not a snaptel image (${size} bytes)`);
    const tbuf = Buffer.alloc(TRAILER_BYTES);
    fs.readSync(fd, tbuf, 0, TRAILER_BYTES, size - TRAILER_BYTES);
    const trailer = parseTrailer(tbuf, file);
    const expected = trailer.blobBytes + trailer.manifestBytes + TRAILER_BYTES;
    if (size !== expected)
      throw new ImageError('truncated', file, `truncated or damaged image: ${size} bytes, its trailer says ${expected}`);
    const node = opts.node === undefined ? process.version : opts.node;
    if (node !== null && trailer.node !== node)
      throw new ImageError(
        'foreign-node',
        file,
        `built for Node ${trailer.node}, but this is Node ${node}; V8 cannot resume it: deploy the image again with this Node`,
      );
    if (opts.checksum !== false) {
      const h = crypto.createHash('sha256');
      const chunk = Buffer.alloc(1 << 20);
      let pos = 0;
      const end = trailer.blobBytes + trailer.manifestBytes;
      while (pos < end) {
        const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, end - pos), pos);
        if (n <= 0) break;
        h.update(n === chunk.length ? chunk : chunk.subarray(0, n));
        pos += n;
      }
      const got = h.digest('hex');
      if (got !== trailer.sha256)
        throw new ImageError('corrupt', file, `checksum mismatch, the image is corrupt (sha256 ${got.slice(0, 12)}…, expected ${trailer.sha256.slice(0, 12)}…)`);
    }
    const mbuf = Buffer.alloc(trailer.manifestBytes);
    fs.readSync(fd, mbuf, 0, mbuf.length, trailer.blobBytes);
    let manifest: Manifest;
    const nl = mbuf.indexOf(0x0a);
    const manifestLineBytes = nl < 0 ? mbuf.length : nl + 1;
    try {
      manifest = JSON.parse(mbuf.subarray(0, manifestLineBytes).toString('utf8')) as Manifest;
    } catch {
      throw new ImageError('corrupt', file, 'manifest is not valid JSON');
    }
    if (manifest?.format !== 'snaptel-image') throw new ImageError('corrupt', file, 'manifest is not a snaptel manifest');
    if (manifest.bundle && manifestLineBytes + manifest.bundle.bytes !== mbuf.length)
      throw new ImageError('corrupt', file, 'manifest section does not hold the bundle its manifest describes');
    return { file, size, trailer, manifest, manifestLineBytes };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The launcher's "checked before" stamp: `.<image>.verified` beside the image,
 * holding the key `stat -L --printf '%d:%i:%s:%.9Y:%.9Z '` prints for the
 * image and the node binary. When the key still matches, the launcher skips
 * the full sha256 (the file and the node binary have not changed since a full
 * check). Deploy writes it right after writing and checking the image.
 */
export function stampPath(image: string): string {
  const abs = path.resolve(image);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.verified`);
}

export function verifiedKey(image: string, nodeBinary: string): string {
  return [image, nodeBinary]
    .map((f) => {
      const st = fs.statSync(f, { bigint: true });
      const ts = (ns: bigint) => `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;
      return `${st.dev}:${st.ino}:${st.size}:${ts(st.mtimeNs)}:${ts(st.ctimeNs)}`;
    })
    .join(' ');
}

/** Best effort: a folder we cannot write to only means full checks at every run. */
export function writeVerifiedStamp(image: string, nodeBinary: string): boolean {
  try {
    writeFileAtomic(stampPath(image), [Buffer.from(verifiedKey(image, nodeBinary) + '\n')]);
    return true;
  } catch {
    return false;
  }
}

/** writeVerifiedStamp for a running daemon: the same stamp, written without blocking (temp in `tmpDir`). */
export async function writeVerifiedStampAsync(image: string, nodeBinary: string, tmpDir: string): Promise<boolean> {
  try {
    const tmp = path.join(tmpDir, 'stamp.tmp');
    await fs.promises.writeFile(tmp, verifiedKey(image, nodeBinary) + '\n');
    const fh = await fs.promises.open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, stampPath(image));
    return true;
  } catch {
    return false;
  }
}
