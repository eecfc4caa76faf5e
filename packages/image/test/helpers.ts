/**
 * Shared test helpers (not a test file itself: vitest only picks up *.test.ts).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Manifest } from '../src/image-file';

/** A fresh temporary directory; remove it with `fs.rmSync(dir, { recursive: true, force: true })`. */
export function tempDir(prefix = 'snaptel-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A fake "V8 snapshot blob": deterministic bytes. The default length, 1089,
 * is chosen so that the trailer's blob-size field is "1089": a leading '1'
 * that one flipped bit turns into '0', and digits 8 and 9 that are not octal.
 */
export function fakeBlob(length = 1089, seed = 7): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed * 17 + (i >> 3)) & 0xff;
  return b;
}

/** A plain Manifest object, as deploy would write it. */
export function makeManifest(blob: Buffer, nodeVersion: string = process.version): Manifest {
  return {
    format: 'snaptel-image',
    formatVersion: 1,
    name: 'demo',
    createdAt: '2024-05-01T10:00:00.000Z',
    startedAt: '2024-05-01T09:59:59.000Z',
    packages: [{ name: 'demo', version: '1.2.3' }],
    node: { version: nodeVersion, v8: '11.3.244.8', arch: 'x64', platform: 'linux', execArgv: [] },
    recipe: { path: null, sha256: 'ab'.repeat(32), config: { demo: { port: 7000 } } },
    log: { file: null, level: 'info' },
    resources: [
      { id: 1, kind: 'tcp-server', name: 'echo', owner: 'demo', state: 'suspended', host: '127.0.0.1', port: 7000 },
      { id: 2, kind: 'timer', name: 'tick', owner: 'demo', state: 'suspended', periodic: true, periodMs: 1000 },
    ],
    blob: { bytes: blob.length, sha256: 'cd'.repeat(32) },
    builder: { pid: 4242, hostname: 'builder' },
    deployCommand: ['snaptel', 'deploy', 'demo', '--out', 'images/demo.img'],
  };
}

/** Polls `cond` every `everyMs` until it is true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000, everyMs = 10): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A TCP server on 127.0.0.1 (port 0 = any), resolved once listening. */
export function listen(port = 0, onConnection: (s: net.Socket) => void = () => {}): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(onConnection);
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

/** Closes a server and destroys the sockets it accepted. */
export function closeServer(server: net.Server | undefined, sockets: Iterable<net.Socket> = []): Promise<void> {
  for (const s of sockets) s.destroy();
  if (!server || !server.listening) return Promise.resolve();
  return new Promise((r) => server.close(() => r()));
}

/** A port that was free a moment ago (bound on 0, then released). */
export async function freePort(): Promise<number> {
  const s = await listen(0);
  const port = portOf(s);
  await closeServer(s);
  return port;
}

/** Result of one TCP connection attempt: the first bytes received, or the error code. */
export function tryConnect(port: number, timeoutMs = 5000): Promise<{ ok: true; data: string } | { ok: false; code: string }> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, code: 'TIMEOUT' });
    }, timeoutMs);
    sock.on('data', (d) => (data += d.toString()));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, code: err.code ?? err.message });
    });
    sock.on('end', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true, data });
    });
  });
}
