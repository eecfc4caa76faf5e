import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageError } from '../src/errors';
import {
  formatTrailer,
  openImage,
  parseTrailer,
  TRAILER_BYTES,
  writeFileAtomic,
  writeImage,
  type CheckOptions,
} from '../src/image-file';
import { fakeBlob, makeManifest, tempDir } from './helpers';

let dir: string;
beforeAll(() => {
  dir = tempDir('snaptel-image-file-');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
function fresh(name = 'img'): string {
  return path.join(dir, `${name}-${++seq}.img`);
}

/** Runs `fn`, expects it to throw an ImageError, returns it. */
function imageError(fn: () => unknown): ImageError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (err === undefined) throw new Error('expected an ImageError, nothing was thrown');
  if (!(err instanceof ImageError)) throw new Error(`expected an ImageError, got ${String(err)}`);
  return err;
}

/** A valid image on disk: its path and bytes. */
function validImage(blob = fakeBlob(), nodeVersion = process.version): { file: string; bytes: Buffer } {
  const file = fresh('valid');
  writeImage(file, blob, makeManifest(blob, nodeVersion));
  return { file, bytes: fs.readFileSync(file) };
}

/** Writes raw bytes to a fresh file (not atomically: the bytes are what matters). */
function rawFile(bytes: Uint8Array, name = 'raw'): string {
  const file = fresh(name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** openImage either returns or throws ImageError; any other throw fails the test. */
function openOrImageError(file: string, opts?: CheckOptions): 'ok' | ImageError {
  try {
    openImage(file, opts);
    return 'ok';
  } catch (e) {
    if (e instanceof ImageError) return e;
    throw new Error(`openImage threw ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)} (not an ImageError)`);
  }
}

describe('trailer', () => {
  const sum = '0123456789abcdef'.repeat(4);

  it('is one 192-byte ASCII line, space padded', () => {
    const t = formatTrailer({ formatVersion: 1, blobBytes: 10, manifestBytes: 20, sha256: sum, node: 'v20.0.0' });
    const line = `SNAPTEL-IMAGE 1 10 20 ${sum} v20.0.0`;
    expect(t.length).toBe(192);
    expect(t.toString('ascii')).toBe(line + ' '.repeat(191 - line.length) + '\n');
  });

  it('parses back to the same fields', () => {
    const t = formatTrailer({ formatVersion: 1, blobBytes: 10, manifestBytes: 20, sha256: sum, node: 'v20.0.0' });
    expect(parseTrailer(t, 'x.img')).toEqual({ formatVersion: 1, blobBytes: 10, manifestBytes: 20, sha256: sum, node: 'v20.0.0' });
  });

  /** A 192-byte trailer made from the given text. */
  function trailerOf(text: string): Buffer {
    return Buffer.from(text.padEnd(191, ' ') + '\n', 'latin1');
  }

  it.each([
    ['no magic', `SNAPTEL-IMAGX 1 10 20 ${sum} v20.0.0`, 'not-an-image'],
    ['format 2', `SNAPTEL-IMAGE 2 10 20 ${sum} v20.0.0`, 'not-an-image'],
    ['a non-numeric size', `SNAPTEL-IMAGE 1 1O 20 ${sum} v20.0.0`, 'corrupt'],
    ['a negative size', `SNAPTEL-IMAGE 1 -10 20 ${sum} v20.0.0`, 'corrupt'],
    ['a short checksum', `SNAPTEL-IMAGE 1 10 20 ${sum.slice(1)} v20.0.0`, 'corrupt'],
    ['an upper-case checksum', `SNAPTEL-IMAGE 1 10 20 ${sum.toUpperCase()} v20.0.0`, 'corrupt'],
    ['no node version', `SNAPTEL-IMAGE 1 10 20 ${sum}`, 'corrupt'],
    ['a node version without v', `SNAPTEL-IMAGE 1 10 20 ${sum} 20.0.0`, 'corrupt'],
  ])('refuses a trailer with %s', (_what, text, code) => {
    const e = imageError(() => parseTrailer(trailerOf(text), 'bad.img'));
    expect(e.code).toBe(code);
    expect(e.file).toBe('bad.img');
    expect(e.message.startsWith('bad.img: ')).toBe(true);
  });

  it('refuses a trailer of the wrong length or without the final newline', () => {
    const good = formatTrailer({ formatVersion: 1, blobBytes: 10, manifestBytes: 20, sha256: sum, node: 'v20.0.0' });
    expect(imageError(() => parseTrailer(good.subarray(1), 'f')).code).toBe('not-an-image');
    expect(imageError(() => parseTrailer(Buffer.concat([good, Buffer.from(' ')]), 'f')).code).toBe('not-an-image');
    const noNewline = Buffer.from(good);
    noNewline[191] = 0x20;
    expect(imageError(() => parseTrailer(noNewline, 'f')).code).toBe('not-an-image');
  });

  it('refuses every spelling of the format field but "1", as the launcher does', () => {
    // bin/snaptel compares the field as a string: [ "$format" = 1 ].
    const accepted = ['01', '1.0', '0x1', '+1', '1e0'].filter((format) => {
      try {
        parseTrailer(trailerOf(`SNAPTEL-IMAGE ${format} 10 20 ${sum} v20.0.0`), 'f.img');
        return true;
      } catch (e) {
        expect(e).toBeInstanceOf(ImageError);
        expect((e as ImageError).code).toBe('not-an-image');
        return false;
      }
    });
    expect(accepted).toEqual([]);
  });

  it('fuzz: random 192-byte buffers give a trailer or an ImageError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 192, maxLength: 192 }), (bytes) => {
        const buf = Buffer.from(bytes);
        try {
          parseTrailer(buf, 'fuzz.img');
        } catch (e) {
          expect(e).toBeInstanceOf(ImageError);
          expect((e as ImageError).file).toBe('fuzz.img');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('fuzz: trailer-shaped buffers (magic, then random fields) give a well-formed trailer or an ImageError', () => {
    const field = fc.oneof(
      fc.stringMatching(/^[0-9]{1,25}$/),
      fc.stringMatching(/^[0-9a-f]{60,68}$/),
      fc.stringMatching(/^v[0-9.]{1,12}$/),
      fc.string({ maxLength: 20 }),
      fc.constantFrom('', '1', '-1', 'NaN', 'Infinity', '\n', '\t', '\u0000'),
    );
    fc.assert(
      fc.property(fc.array(field, { maxLength: 8 }), fc.nat(12), (fields, pad) => {
        const text = ['SNAPTEL-IMAGE', ...fields].join(' '.repeat(1 + (pad % 3)));
        const buf = Buffer.alloc(192, 0x20);
        buf.write(text.slice(0, 191), 0, 'latin1');
        buf[191] = 0x0a;
        let t;
        try {
          t = parseTrailer(buf, 'fuzz.img');
        } catch (e) {
          expect(e).toBeInstanceOf(ImageError);
          return;
        }
        expect(t.formatVersion).toBe(1);
        expect(Number.isInteger(t.blobBytes) && t.blobBytes >= 0).toBe(true);
        expect(Number.isInteger(t.manifestBytes) && t.manifestBytes >= 0).toBe(true);
        expect(t.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(t.node).toMatch(/^v\d/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('writeFileAtomic', () => {
  it('writes the parts in order and leaves no temporary file', () => {
    const d = tempDir('snaptel-atomic-');
    try {
      const file = path.join(d, 'out.img');
      writeFileAtomic(file, [Buffer.from('abc'), new Uint8Array([0x44, 0x45]), Buffer.alloc(0), Buffer.from('f')]);
      expect(fs.readFileSync(file, 'latin1')).toBe('abcDEf');
      expect(fs.readdirSync(d)).toEqual(['out.img']);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('creates missing directories', () => {
    const d = tempDir('snaptel-atomic-');
    try {
      const file = path.join(d, 'a', 'b', 'out.img');
      writeFileAtomic(file, [Buffer.from('x')]);
      expect(fs.readFileSync(file, 'latin1')).toBe('x');
      expect(fs.readdirSync(path.join(d, 'a', 'b'))).toEqual(['out.img']);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('replaces an existing file by rename: a reader of the old file keeps the old bytes', () => {
    const d = tempDir('snaptel-atomic-');
    try {
      const file = path.join(d, 'out.img');
      writeFileAtomic(file, [Buffer.from('old contents')]);
      const oldInode = fs.statSync(file).ino;
      const fd = fs.openSync(file, 'r');
      try {
        writeFileAtomic(file, [Buffer.from('new')]);
        // The old file was not truncated or rewritten in place.
        const buf = Buffer.alloc(64);
        const n = fs.readSync(fd, buf, 0, buf.length, 0);
        expect(buf.subarray(0, n).toString('latin1')).toBe('old contents');
      } finally {
        fs.closeSync(fd);
      }
      expect(fs.readFileSync(file, 'latin1')).toBe('new');
      expect(fs.statSync(file).ino).not.toBe(oldInode);
      expect(fs.readdirSync(d)).toEqual(['out.img']);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('on a failed write leaves the old file untouched and no temporary file', () => {
    const d = tempDir('snaptel-atomic-');
    try {
      const file = path.join(d, 'out.img');
      fs.writeFileSync(file, 'keep me');
      const notBytes = { length: 3 } as unknown as Uint8Array;
      expect(() => writeFileAtomic(file, [Buffer.from('partial'), notBytes])).toThrow();
      expect(fs.readFileSync(file, 'latin1')).toBe('keep me');
      expect(fs.readdirSync(d)).toEqual(['out.img']);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('on a failed rename (target is a non-empty directory) leaves no temporary file', () => {
    const d = tempDir('snaptel-atomic-');
    try {
      const target = path.join(d, 'out.img');
      fs.mkdirSync(target);
      fs.writeFileSync(path.join(target, 'inside'), 'x');
      expect(() => writeFileAtomic(target, [Buffer.from('data')])).toThrow();
      expect(fs.readdirSync(d)).toEqual(['out.img']);
      expect(fs.readdirSync(target)).toEqual(['inside']);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('writeImage + openImage', () => {
  it('round-trips blob and manifest', () => {
    const blob = fakeBlob();
    const manifest = makeManifest(blob);
    const file = fresh('roundtrip');
    const written = writeImage(file, blob, manifest);

    const manifestBytes = Buffer.byteLength(JSON.stringify(manifest) + '\n');
    const bytes = fs.readFileSync(file);
    expect(written).toBe(blob.length + manifestBytes + 192);
    expect(bytes.length).toBe(written);
    // Node reads the blob from the start of the file.
    expect(bytes.subarray(0, blob.length).equals(blob)).toBe(true);
    const trailerText = bytes.subarray(bytes.length - 192).toString('latin1');
    const wantSum = crypto.createHash('sha256').update(bytes.subarray(0, bytes.length - 192)).digest('hex');
    expect(trailerText.trimEnd()).toBe(`SNAPTEL-IMAGE 1 ${blob.length} ${manifestBytes} ${wantSum} ${process.version}`);

    const img = openImage(file);
    expect(img.file).toBe(file);
    expect(img.size).toBe(bytes.length);
    expect(img.trailer).toEqual({
      formatVersion: 1,
      blobBytes: blob.length,
      manifestBytes,
      sha256: wantSum,
      node: process.version,
    });
    expect(img.manifest).toEqual(manifest);
    expect(fs.readdirSync(path.dirname(file)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('round-trips an empty blob and a manifest with non-ASCII text', () => {
    const blob = Buffer.alloc(0);
    const manifest = makeManifest(blob);
    manifest.name = 'démo-ñ-東京';
    const file = fresh('empty');
    writeImage(file, blob, manifest);
    expect(openImage(file).manifest).toEqual(manifest);
  });

  it('overwrites an older image atomically', () => {
    const file = fresh('overwrite');
    const a = fakeBlob(500, 1);
    const b = fakeBlob(700, 2);
    writeImage(file, a, makeManifest(a));
    writeImage(file, b, makeManifest(b));
    const img = openImage(file);
    expect(img.trailer.blobBytes).toBe(700);
    expect(fs.readFileSync(file).subarray(0, 700).equals(b)).toBe(true);
  });
});

describe('openImage refuses bad images with a typed error naming the file', () => {
  it('truncated: bytes missing before an intact trailer', () => {
    const { bytes } = validImage();
    const cut = Buffer.concat([bytes.subarray(0, 100), bytes.subarray(400)]);
    const file = rawFile(cut, 'truncated');
    const e = imageError(() => openImage(file));
    expect(e.code).toBe('truncated');
    expect(e.file).toBe(file);
    expect(e.message).toBe(`${file}: truncated or damaged image: ${bytes.length - 300} bytes, its trailer says ${bytes.length}`);
  });

  it('truncated: extra bytes before the trailer', () => {
    const { bytes } = validImage();
    const tail = bytes.length - 192;
    const grown = Buffer.concat([bytes.subarray(0, tail), Buffer.from('garbage'), bytes.subarray(tail)]);
    const e = imageError(() => openImage(rawFile(grown)));
    expect(e.code).toBe('truncated');
  });

  it('truncated at the end (the trailer is gone): refused', () => {
    const { bytes } = validImage();
    const file = rawFile(bytes.subarray(0, bytes.length - 1000), 'cut-end');
    const e = imageError(() => openImage(file));
    expect(['truncated', 'not-an-image']).toContain(e.code);
    expect(e.message.startsWith(`${file}: `)).toBe(true);
  });

  it('corrupt: one flipped byte in the blob fails the checksum', () => {
    const { bytes } = validImage();
    const bad = Buffer.from(bytes);
    bad[17] ^= 0x01;
    const file = rawFile(bad, 'corrupt');
    const e = imageError(() => openImage(file));
    expect(e.code).toBe('corrupt');
    expect(e.file).toBe(file);
    expect(e.message).toMatch(new RegExp(`^${escape(file)}: checksum mismatch, the image is corrupt`));
  });

  it('corrupt: one flipped byte in the manifest fails the checksum', () => {
    const blob = fakeBlob();
    const { bytes } = validImage(blob);
    const bad = Buffer.from(bytes);
    bad[blob.length + 5] ^= 0x20;
    const e = imageError(() => openImage(rawFile(bad)));
    expect(e.code).toBe('corrupt');
    expect(e.message).toContain('checksum mismatch');
  });

  it('a flipped byte is not noticed when the checksum is skipped (checksum: false)', () => {
    const { bytes } = validImage();
    const bad = Buffer.from(bytes);
    bad[17] ^= 0x01;
    expect(openImage(rawFile(bad), { checksum: false }).trailer.blobBytes).toBe(fakeBlob().length);
  });

  it('corrupt: a manifest that is not JSON, even with a matching checksum', () => {
    const blob = fakeBlob(64);
    const man = Buffer.from('{not json\n');
    const sum = crypto.createHash('sha256').update(blob).update(man).digest('hex');
    const trailer = Buffer.from(
      `SNAPTEL-IMAGE 1 64 ${man.length} ${sum} ${process.version}`.padEnd(191, ' ') + '\n',
      'latin1',
    );
    const file = rawFile(Buffer.concat([blob, man, trailer]));
    const e = imageError(() => openImage(file));
    expect(e.code).toBe('corrupt');
    expect(e.message).toBe(`${file}: manifest is not valid JSON`);
  });

  it('corrupt: JSON that is not a snaptel manifest', () => {
    for (const text of ['null\n', '42\n', '{"format":"other"}\n']) {
      const man = Buffer.from(text);
      const sum = crypto.createHash('sha256').update(man).digest('hex');
      const trailer = Buffer.from(
        `SNAPTEL-IMAGE 1 0 ${man.length} ${sum} ${process.version}`.padEnd(191, ' ') + '\n',
        'latin1',
      );
      const e = imageError(() => openImage(rawFile(Buffer.concat([man, trailer]))));
      expect(e.code).toBe('corrupt');
      expect(e.message).toContain('not a snaptel manifest');
    }
  });

  it('not-an-image: random bytes', () => {
    // Deterministic pseudo-random bytes (no chance of a stray trailer).
    const bytes = crypto.createHash('sha512').update('seed').digest();
    const big = Buffer.concat(Array.from({ length: 64 }, (_, i) => crypto.createHash('sha512').update(bytes).update(String(i)).digest()));
    const file = rawFile(big, 'random');
    const e = imageError(() => openImage(file));
    expect(e.code).toBe('not-an-image');
    expect(e.file).toBe(file);
    expect(e.message).toBe(`${file}: not a snaptel image (no SNAPTEL-IMAGE trailer)`);
  });

  it('not-an-image: a text file', () => {
    const file = rawFile(Buffer.from('[Unit]\nDescription=not an image\n'.repeat(20)), 'text');
    const e = imageError(() => openImage(file));
    expect(e.code).toBe('not-an-image');
    expect(e.message).toBe(`${file}: not a snaptel image (no SNAPTEL-IMAGE trailer)`);
  });

  it('not-an-image: a file shorter than a trailer, and an empty file', () => {
    const small = rawFile(Buffer.from('hello'), 'small');
    expect(imageError(() => openImage(small)).message).toBe(`${small}: not a snaptel image (5 bytes)`);
    const empty = rawFile(Buffer.alloc(0), 'empty');
    const e = imageError(() => openImage(empty));
    expect(e.code).toBe('not-an-image');
    expect(e.message).toBe(`${empty}: not a snaptel image (0 bytes)`);
  });

  it('foreign-node: an image built by another Node version', () => {
    const { file } = validImage(fakeBlob(), 'v18.0.0');
    const e = imageError(() => openImage(file));
    expect(e.code).toBe('foreign-node');
    expect(e.file).toBe(file);
    expect(e.message).toBe(
      `${file}: built for Node v18.0.0, but this is Node ${process.version}; V8 cannot resume it: deploy the image again with this Node`,
    );
    // The check can be skipped, or made against another version.
    expect(openImage(file, { node: null }).trailer.node).toBe('v18.0.0');
    expect(openImage(file, { node: 'v18.0.0' }).manifest.node.version).toBe('v18.0.0');
  });

  it('unreadable: a missing file', () => {
    const file = path.join(dir, 'does-not-exist.img');
    const e = imageError(() => openImage(file));
    expect(e.code).toBe('unreadable');
    expect(e.file).toBe(file);
    expect(e.message).toBe(`${file}: no such image file`);
  });

  it('unreadable: a directory (the launcher says "cannot read (not a readable file)")', () => {
    const d = path.join(dir, `a-directory-${++seq}.img`);
    fs.mkdirSync(d);
    // Enough entries that the directory's size is at least a trailer on any file system.
    for (let i = 0; i < 32; i++) fs.writeFileSync(path.join(d, `entry-with-a-long-name-${i}`), '');
    expect(fs.statSync(d).size).toBeGreaterThanOrEqual(TRAILER_BYTES);
    const e = imageError(() => openImage(d));
    expect(e.code).toBe('unreadable');
    expect(e.message.startsWith(`${d}: `)).toBe(true);
  });
});

describe('openImage properties', () => {
  it('random byte arrays: returns or throws ImageError, never another error', () => {
    const file = fresh('prop-random');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        fs.writeFileSync(file, bytes);
        const r = openOrImageError(file);
        if (r !== 'ok') expect(r.file).toBe(file);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes followed by a trailer with random fields: returns or throws ImageError', () => {
    const file = fresh('prop-trailer');
    const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.oneof(fc.nat(700), fc.constantFrom(0, 2 ** 40, Number.MAX_SAFE_INTEGER)),
        fc.oneof(fc.nat(700), fc.constantFrom(0, 2 ** 40, Number.MAX_SAFE_INTEGER)),
        hex64,
        fc.constantFrom(process.version, 'v18.0.0'),
        (body, blobBytes, manifestBytes, sum, node) => {
          const t = formatTrailer({ formatVersion: 1, blobBytes, manifestBytes, sha256: sum, node });
          fs.writeFileSync(file, Buffer.concat([body, t]));
          openOrImageError(file);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('every truncation of a valid image is refused with an ImageError', () => {
    const { bytes } = validImage(fakeBlob(300));
    const file = fresh('prop-trunc');
    for (let n = 0; n < bytes.length; n++) {
      fs.writeFileSync(file, bytes.subarray(0, n));
      const r = openOrImageError(file);
      if (r === 'ok') throw new Error(`a valid image cut to ${n} of ${bytes.length} bytes was accepted`);
      expect(r.file).toBe(file);
    }
  });

  it('every truncation, with the checksum and Node checks off, is still refused with an ImageError', () => {
    const { bytes } = validImage(fakeBlob(300));
    const file = fresh('prop-trunc-nocheck');
    for (let n = 0; n < bytes.length; n++) {
      fs.writeFileSync(file, bytes.subarray(0, n));
      const r = openOrImageError(file, { checksum: false, node: null });
      if (r === 'ok') throw new Error(`a valid image cut to ${n} of ${bytes.length} bytes was accepted`);
    }
  });

  it('removing any range of bytes before the trailer gives "truncated"', () => {
    const { bytes } = validImage(fakeBlob(300));
    const body = bytes.length - 192;
    const file = fresh('prop-hole');
    fc.assert(
      fc.property(fc.nat(body - 1), fc.integer({ min: 1, max: body }), (start, len) => {
        const end = Math.min(body, start + len);
        fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, start), bytes.subarray(end)]));
        const r = openOrImageError(file);
        expect(r).not.toBe('ok');
        expect((r as ImageError).code).toBe('truncated');
      }),
      { numRuns: 200 },
    );
  });

  it('changing any byte before the trailer gives "corrupt"', () => {
    const { bytes } = validImage(fakeBlob(300));
    const body = bytes.length - 192;
    const file = fresh('prop-flip');
    fc.assert(
      fc.property(fc.nat(body - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const bad = Buffer.from(bytes);
        bad[at] ^= xor;
        fs.writeFileSync(file, bad);
        const r = openOrImageError(file);
        expect(r).not.toBe('ok');
        expect((r as ImageError).code).toBe('corrupt');
      }),
      { numRuns: 300 },
    );
  });

  it('changing any byte of the trailer: returns or throws ImageError', () => {
    const { bytes } = validImage(fakeBlob(300));
    const file = fresh('prop-trailer-flip');
    fc.assert(
      fc.property(fc.integer({ min: bytes.length - 192, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const bad = Buffer.from(bytes);
        bad[at] ^= xor;
        fs.writeFileSync(file, bad);
        openOrImageError(file);
      }),
      { numRuns: 300 },
    );
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
