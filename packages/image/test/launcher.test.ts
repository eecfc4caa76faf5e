/**
 * bin/snaptel, the POSIX sh launcher: `snaptel run IMAGE` checks the image
 * (trailer, size, Node version, sha256) before it execs node on it. A bad
 * image must never reach V8: exit status 2 and one line on stderr.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImage } from '../src/image-file';
import { fakeBlob, makeManifest, tempDir } from './helpers';

const LAUNCHER = path.resolve(__dirname, '../bin/snaptel');

let dir: string;
/** A stand-in for node: answers --version like this Node, and reports how it was exec'd. */
let fakeNode: string;

beforeAll(() => {
  dir = tempDir('snaptel-launcher-');
  fakeNode = path.join(dir, 'fake-node');
  fs.writeFileSync(
    fakeNode,
    `#!/bin/sh\n` +
      `if [ "$1" = --version ]; then echo '${process.version}'; exit 0; fi\n` +
      `printf 'EXEC %s\\n' "$*"\n` +
      `printf 'SNAPTEL_IMAGE=%s\\n' "$SNAPTEL_IMAGE"\n`,
    { mode: 0o755 },
  );
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
function fresh(name: string): string {
  return path.join(dir, `${name}-${++seq}.img`);
}

function validBytes(nodeVersion = process.version): Buffer {
  const file = fresh('valid');
  const blob = fakeBlob();
  writeImage(file, blob, makeManifest(blob, nodeVersion));
  return fs.readFileSync(file);
}

function rawFile(bytes: Uint8Array, name: string): string {
  const file = fresh(name);
  fs.writeFileSync(file, bytes);
  return file;
}

function launch(args: string[], node: string = process.execPath, cwd = dir) {
  // Full checks on every run: these tests rewrite files in place faster than the
  // file system's timestamp tick, which the "checked before" stamp keys on.
  const env: NodeJS.ProcessEnv = { ...process.env, SNAPTEL_NODE: node, SNAPTEL_VERIFY: 'always' };
  delete env.NOTIFY_SOCKET;
  const r = spawnSync(LAUNCHER, args, { cwd, env, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return r;
}

/** Text that would mean node/V8 was started on a bad blob, or that the shell itself failed. */
const CRASH = /FATAL|Check failed|Segmentation|Aborted|core dumped|Illegal|illegal|arithmetic|#\s+Fatal|node:internal|Error:/;

/** Runs the launcher on `file` with the real node and checks the refusal shape; returns the problem text. */
function refused(file: string): string {
  const r = launch(['run', file]);
  expect(r.signal).toBeNull();
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(CRASH);
  const lines = r.stderr.split('\n');
  expect(lines.length, `stderr: ${JSON.stringify(r.stderr)}`).toBe(2);
  expect(lines[1]).toBe('');
  expect(lines[0]!.startsWith(`snaptel: ${file}: `), `stderr: ${JSON.stringify(r.stderr)}`).toBe(true);
  expect(r.status).toBe(2);
  return lines[0]!.slice(`snaptel: ${file}: `.length);
}

describe('snaptel run refuses bad images before exec-ing node', () => {
  it('truncated (bytes missing before the trailer)', () => {
    const bytes = validBytes();
    const file = rawFile(Buffer.concat([bytes.subarray(0, 10), bytes.subarray(510)]), 'truncated');
    expect(refused(file)).toBe(`truncated or damaged image: ${bytes.length - 500} bytes, its trailer says ${bytes.length}`);
  });

  it('truncated at the end (trailer lost)', () => {
    const bytes = validBytes();
    const file = rawFile(bytes.subarray(0, bytes.length - 700), 'cut-end');
    expect(refused(file)).toBe('not a snaptel image (no SNAPTEL-IMAGE trailer)');
  });

  it('corrupt (one flipped byte in the blob)', () => {
    const bytes = Buffer.from(validBytes());
    bytes[100] ^= 0x04;
    const file = rawFile(bytes, 'corrupt');
    expect(refused(file)).toMatch(/^checksum mismatch, the image is corrupt \(sha256 [0-9a-f]{12}…, expected [0-9a-f]{12}…\)$/);
  });

  it('foreign-node (built by Node v18.0.0)', () => {
    const file = rawFile(validBytes('v18.0.0'), 'foreign');
    expect(refused(file)).toBe(
      `built for Node v18.0.0, but this is Node ${process.version}; V8 cannot resume it: deploy the image again with this Node`,
    );
  });

  it('not-an-image: random bytes', () => {
    const bytes = Buffer.alloc(5000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    const file = rawFile(bytes, 'random');
    expect(refused(file)).toBe('not a snaptel image (no SNAPTEL-IMAGE trailer)');
  });

  it('not-an-image: a text file', () => {
    const file = rawFile(Buffer.from('#!/bin/sh\necho this is a shell script, not an image\n'.repeat(10)), 'text');
    expect(refused(file)).toBe('not a snaptel image (no SNAPTEL-IMAGE trailer)');
  });

  it('not-an-image: shorter than a trailer', () => {
    const file = rawFile(Buffer.from('tiny\n'), 'tiny');
    expect(refused(file)).toBe('not a snaptel image (5 bytes)');
  });

  it('missing file', () => {
    const file = path.join(dir, 'no-such.img');
    expect(refused(file)).toBe('no such image file');
  });

  it('a directory', () => {
    const d = path.join(dir, 'a-dir.img');
    fs.mkdirSync(d);
    expect(refused(d)).toBe('cannot read (not a readable file)');
  });

  it('a trailer whose size field was damaged to a leading zero (e.g. 1089 -> 0089)', () => {
    // One flipped bit turns '1' (0x31) into '0' (0x30). The field is still all
    // digits, but shell arithmetic reads a leading 0 as octal, and 8 or 9 is
    // not an octal digit.
    const bytes = Buffer.from(validBytes());
    const tStart = bytes.length - 192;
    const trailer = bytes.subarray(tStart).toString('latin1');
    expect(trailer.startsWith('SNAPTEL-IMAGE 1 1089 ')).toBe(true);
    bytes[tStart + 'SNAPTEL-IMAGE 1 '.length] = 0x30;
    const file = rawFile(bytes, 'octal');
    expect(refused(file)).toMatch(/^(truncated or damaged image|damaged image trailer)/);
  });
});

describe('snaptel run on a good image', () => {
  it('execs node with --snapshot-blob on the image itself, passes the arguments, sets SNAPTEL_IMAGE', () => {
    const file = rawFile(validBytes(), 'good');
    const r = launch(['run', file, '--flag', 'two words'], fakeNode);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // `--` ends node's options: what follows is the image's argv.
    expect(r.stdout).toBe(`EXEC --snapshot-blob ${file} -- --flag two words\nSNAPTEL_IMAGE=${file}\n`);
  });

  it('makes SNAPTEL_IMAGE absolute for a relative path', () => {
    const file = rawFile(validBytes(), 'relative');
    const r = launch(['run', path.basename(file)], fakeNode, dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`EXEC --snapshot-blob ${path.basename(file)} --\nSNAPTEL_IMAGE=${file}\n`);
  });

  it('property: after any one-byte change, it refuses with one snaptel line, or execs only if the blob and manifest are intact', () => {
    const bytes = validBytes();
    const body = bytes.length - 192;
    const file = fresh('prop');
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: body, max: bytes.length - 1 })),
        fc.integer({ min: 1, max: 255 }),
        (at, xor) => {
          const bad = Buffer.from(bytes);
          bad[at] ^= xor;
          fs.writeFileSync(file, bad);
          const r = launch(['run', file], fakeNode);
          if (r.status === 0) {
            expect(at).toBeGreaterThanOrEqual(body); // only a trailer byte changed
            expect(r.stdout.startsWith(`EXEC --snapshot-blob ${file}`)).toBe(true);
            return;
          }
          expect(r.status).toBe(2);
          expect(r.stdout).toBe('');
          expect(r.stderr).not.toMatch(CRASH);
          expect(r.stderr.split('\n').length).toBe(2);
          expect(r.stderr.startsWith(`snaptel: ${file}: `)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
