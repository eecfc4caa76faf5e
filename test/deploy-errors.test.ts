import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openImage, writeImage } from '../packages/image/src/tooling';
import { deployImage, freePorts, Running, snaptel, tmpDir } from './helpers';

/** One line on stderr, starting with "snaptel: ", no V8 or Node crash text. */
function expectOneCleanLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^snaptel: /);
  expect(stderr).not.toMatch(/Fatal error|Check failed|Assertion failed|Native stack|Segmentation/);
  return lines[0]!;
}

describe('deploy refuses what cannot be an image, and says why', () => {
  const dir = tmpDir('deploy-errors');
  const out = path.join(dir, 'x.img');

  it('names a stray setInterval and the module that made it', () => {
    const r = snaptel(['deploy', 'leaky', '--out', out, '-q']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('setInterval every 1000 ms');
    expect(r.stderr).toContain('test/packages/leaky/index.js');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('names a TCP server opened outside ctx, even though listen() binds on a later tick', () => {
    const r = snaptel(['deploy', 'leaky-server', '--out', out, '-q']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('TCP server (net.createServer().listen) not opened through ctx.net.listen');
    expect(r.stderr).toContain('test/packages/leaky-server/index.js');
  });

  it("names a module that V8 cannot snapshot (tls loaded at require time), without crashing the builder", () => {
    const r = snaptel(['deploy', 'tls-at-load', '--out', out, '-q']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/loading package 'tls-at-load' .*module 'tls' cannot be loaded while building an image/);
    expect(r.stderr).toContain("lazyRequire('tls')");
    expect(r.stderr).not.toMatch(/Unknown external reference|Fatal error/);
  });

  it('refuses a native addon loaded while building, naming it, without crashing the builder', () => {
    const r = snaptel(['deploy', 'native-at-start', '--out', out, '-q']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/native addon '[^']*raw-socket[^']*raw\.node' cannot be loaded while building an image/);
    expect(r.stderr).toContain("inside a resource's open()");
    expect(r.stderr).not.toMatch(/Unknown external reference|Fatal error|Segmentation/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('names the packages of a dependency cycle', () => {
    const r = snaptel(['deploy', 'cycle-a', '--out', out]);
    expect(r.status).toBe(2);
    expect(expectOneCleanLine(r.stderr)).toBe('snaptel: dependency cycle between packages: cycle-a -> cycle-b -> cycle-a');
  });

  it('names a missing package and who requires it', () => {
    const r = snaptel(['deploy', 'needs-missing', '--out', out]);
    expect(r.status).toBe(2);
    expect(expectOneCleanLine(r.stderr)).toBe("snaptel: package 'no-such-package' not found (required by 'needs-missing')");
  });

  it('refuses a recipe with an unknown key or config for a package not in the image', () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ package: 'demo', pakages: {} }));
    expect(expectOneCleanLine(snaptel(['deploy', '--config', bad, '--out', out]).stderr)).toContain("unknown key 'pakages'");
    fs.writeFileSync(bad, JSON.stringify({ package: 'demo', packages: { hlr: {} } }));
    expect(expectOneCleanLine(snaptel(['deploy', '--config', bad, '--out', out]).stderr)).toContain(
      "recipe configures package 'hlr', which is not part of this image (demo)",
    );
  });
});

describe('run refuses a damaged or foreign image with one clear line', () => {
  const dir = tmpDir('run-errors');
  let good: string;

  it('deploys a real demo image to damage', async () => {
    const [port] = await freePorts(1);
    good = deployImage(dir, 'demo', { packages: { demo: { tcpPort: port, udpPort: port } } });
    expect(snaptel(['info', good]).status).toBe(0);
    // Deploy leaves the launcher's "checked before" stamp, keyed as coreutils stat prints it.
    const key = spawnSync('stat', ['-L', '--printf', '%d:%i:%s:%.9Y:%.9Z ', '--', good, process.execPath], { encoding: 'utf8' }).stdout;
    expect(fs.readFileSync(path.join(dir, '.demo.img.verified'), 'utf8')).toBe(key.trimEnd() + '\n');
  });

  it('a flipped byte deep in the blob (where V8 checks nothing)', () => {
    const bytes = fs.readFileSync(good);
    const img = openImage(good);
    bytes[Math.floor(img.trailer.blobBytes * 0.75)]! ^= 0x55;
    const bad = path.join(dir, 'flipped.img');
    fs.writeFileSync(bad, bytes);
    const r = snaptel(['run', bad], {}, 20_000);
    expect(r.status).toBe(2);
    expect(expectOneCleanLine(r.stderr)).toMatch(/flipped\.img: checksum mismatch, the image is corrupt/);
    expect(snaptel(['info', bad]).stderr).toMatch(/checksum mismatch/);
  });

  it('a torn write (truncated file)', () => {
    const bytes = fs.readFileSync(good);
    const bad = path.join(dir, 'torn.img');
    fs.writeFileSync(bad, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = snaptel(['run', bad], {}, 20_000);
    expect(r.status).toBe(2);
    expect(expectOneCleanLine(r.stderr)).toMatch(/torn\.img: not a snaptel image/);
    // Torn at the end: the trailer survives elsewhere only if the file was appended to; cut just the last byte.
    fs.writeFileSync(bad, Buffer.concat([bytes.subarray(0, 1000), bytes.subarray(bytes.length - 192)]));
    expect(expectOneCleanLine(snaptel(['run', bad]).stderr)).toMatch(/truncated or damaged image: \d+ bytes, its trailer says \d+/);
  });

  it('a file that is not an image at all', () => {
    const bad = path.join(dir, 'foreign.img');
    fs.writeFileSync(bad, 'GIF89a'.padEnd(4096, '\0'));
    const r = snaptel(['run', bad]);
    expect(r.status).toBe(2);
    expect(expectOneCleanLine(r.stderr)).toMatch(/foreign\.img: not a snaptel image/);
  });

  it('an image built by another Node version (real blob, rewritten manifest and checksum)', () => {
    const img = openImage(good);
    const blob = fs.readFileSync(good).subarray(0, img.trailer.blobBytes);
    const other = path.join(dir, 'node18.img');
    writeImage(other, blob, { ...img.manifest, bundle: undefined, node: { ...img.manifest.node, version: 'v18.20.4' } });
    const r = snaptel(['run', other]);
    expect(r.status).toBe(2);
    expect(expectOneCleanLine(r.stderr)).toBe(
      `snaptel: ${other}: built for Node v18.20.4, but this is Node ${process.version}; V8 cannot resume it: deploy the image again with this Node`,
    );
    const info = snaptel(['info', other]);
    expect(info.status).toBe(0);
    expect(info.stdout).toContain(`NOT runnable with this Node ${process.version}`);
  });

  it('checks in full again after the file changed in place, even when a stamp says it passed before', async () => {
    const img = path.join(dir, 'stamped.img');
    fs.copyFileSync(good, img);
    const p = new Running(['run', img, '--verbose', 'x']);
    try {
      const ready = await p.ready();
      expect(ready.pid).toBe(p.proc.pid);
      // Arguments after the image reach the image, not node.
      const resuming = p.lines.find((l) => l.msg === 'resuming image')!;
      expect(resuming.argv).toEqual(['--verbose', 'x']);
    } finally {
      await p.stop();
    }
    const stamp = path.join(dir, '.stamped.img.verified');
    expect(fs.existsSync(stamp)).toBe(true);
    // Same size, one byte different, written in place (same inode).
    const fd = fs.openSync(img, 'r+');
    const b = Buffer.alloc(1);
    const at = Math.floor(openImage(good).trailer.blobBytes * 0.6);
    fs.readSync(fd, b, 0, 1, at);
    b[0]! ^= 0x0f;
    fs.writeSync(fd, b, 0, 1, at);
    fs.closeSync(fd);
    const r = snaptel(['run', img]);
    expect(r.status).toBe(2);
    expect(expectOneCleanLine(r.stderr)).toMatch(/stamped\.img: checksum mismatch/);
  });

  it('a missing file', () => {
    const r = snaptel(['run', path.join(dir, 'nope.img')]);
    expect(r.status).toBe(2);
    expect(expectOneCleanLine(r.stderr)).toMatch(/nope\.img: no such image file/);
  });
});
