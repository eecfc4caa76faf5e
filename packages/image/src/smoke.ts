import { spawn } from 'node:child_process';

/**
 * Resumes a freshly built blob just far enough to know that V8 can
 * deserialize it (the image's entry exits at once under SNAPTEL_SMOKE=1).
 * V8 on Node 20.20 dies with SIGSEGV deserializing some heaps (tens of MB of
 * ArrayBuffers, see stow.ts): such a blob must never become the image.
 * Resolves with a reason when it failed, undefined when it resumed.
 */
export function smokeTest(blobFile: string, execArgv: readonly string[], arrayBuffersMb: number | undefined, timeoutMs = 120_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, SNAPTEL_SMOKE: '1' };
    for (const k of ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'SNAPTEL_DAEMON_FD']) delete env[k];
    const child = spawn(process.execPath, [...execArgv, '--snapshot-blob', blobFile], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(t);
      resolve(`cannot run node: ${e.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(t);
      if (code === 0) return resolve(undefined);
      const why = signal ? `killed by ${signal}` : `exit code ${code}`;
      const hint =
        arrayBuffersMb !== undefined && arrayBuffersMb > 32
          ? ` — the heap held ${arrayBuffersMb} MB of ArrayBuffers (typed arrays): V8 crashes deserializing large ones; ` +
            'stow them with stow()/unstow() from @snaptel/image in aboutToSnapshot/returnedFromSnapshot'
          : '';
      resolve(`the new image does not resume (${why})${hint}${err.trim() ? `: ${err.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
    });
  });
}
