import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { SnaptelError } from './errors';
import type { BuildReport } from './image-main';
import type { StrayHandle } from './handles';

/** Variables of the service around us that a child (builder, smoke resume) must not act on. */
const SERVICE_ENV = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'SNAPTEL_DAEMON_FD', 'LISTEN_FDS', 'LISTEN_PID'];

/** This process's environment plus `extra`, without the service's variables. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of SERVICE_ENV) delete env[k];
  return env;
}

export type OkReport = Extract<BuildReport, { ok: true }>;

/** A build that did not give a usable blob; `handles` when stray handles were the reason. */
export class BuildFailed extends SnaptelError {
  constructor(
    code: string,
    message: string,
    readonly handles?: StrayHandle[],
  ) {
    super(code, message);
  }
}

export interface BuildOptions {
  /** Node arguments: flags, then --snapshot-blob BLOB --build-snapshot BUNDLE. */
  args: string[];
  blobFile: string;
  reportFile: string;
  /** Extra environment (SNAPTEL_IMPORT_STATE for a live snapshot). */
  env?: Record<string, string>;
  cwd?: string;
  /** The builder's output as it comes (its log lines). */
  onOutput?: (chunk: Buffer) => void;
  /** The child, as soon as it runs (to kill it on an interruption). */
  onSpawn?: (child: ChildProcess | undefined) => void;
  /** Node flags the image resumes with (for the smoke resume). */
  execArgv: readonly string[];
}

/**
 * Runs `node --build-snapshot` on a bundle (deploy and live snapshots alike),
 * reads the builder's report, and resumes the blob once (smoke test) so that
 * a blob V8 cannot deserialize never becomes an image. Throws BuildFailed.
 */
export async function buildBlob(o: BuildOptions): Promise<OkReport> {
  const { code, signal, stderr } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, o.args, { cwd: o.cwd, env: childEnv({ ...o.env, SNAPTEL_BUILD_REPORT: o.reportFile }), stdio: ['ignore', 'pipe', 'pipe'] });
    o.onSpawn?.(child);
    let tail = '';
    child.stdout.on('data', (c: Buffer) => o.onOutput?.(c));
    child.stderr.on('data', (c: Buffer) => {
      tail += c.toString();
      if (tail.length > 65536) tail = tail.slice(-32768);
      o.onOutput?.(c);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      o.onSpawn?.(undefined);
      resolve({ code, signal, stderr: tail });
    });
  });
  let report: BuildReport | undefined;
  try {
    report = JSON.parse(await fs.promises.readFile(o.reportFile, 'utf8')) as BuildReport;
  } catch {
    report = undefined;
  }
  if (report && !report.ok) throw new BuildFailed(report.error.code, report.error.message, report.error.handles);
  if (code !== 0 || !fs.existsSync(o.blobFile)) {
    const tail = stderr.trim().split('\n').slice(-6).join('\n');
    const why = signal ? `killed by ${signal}` : `exit code ${code}`;
    const ext = /Unknown external reference/.test(stderr)
      ? " (V8 met a native object it cannot snapshot: a module such as tls loaded outside the runtime's require)"
      : '';
    throw new BuildFailed('builder-crashed', `the snapshot builder failed (${why})${ext}:\n${tail}`);
  }
  if (!report?.ok) throw new BuildFailed('builder-crashed', 'the snapshot builder wrote no report');
  const smoke = await smokeTest(o.blobFile, o.execArgv, report.arrayBuffersMb);
  if (smoke) throw new BuildFailed('does-not-resume', smoke);
  return report;
}

/**
 * Resumes a freshly built blob just far enough to know that V8 can
 * deserialize it (the image's entry exits at once under SNAPTEL_SMOKE=1).
 * V8 on Node 20.20 dies with SIGSEGV deserializing some heaps (tens of MB of
 * ArrayBuffers, see stow.ts): such a blob must never become the image.
 * Resolves with a reason when it failed, undefined when it resumed.
 */
export function smokeTest(blobFile: string, execArgv: readonly string[], arrayBuffersMb: number | undefined, timeoutMs = 120_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...execArgv, '--snapshot-blob', blobFile], { env: childEnv({ SNAPTEL_SMOKE: '1' }), stdio: ['ignore', 'ignore', 'pipe'] });
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
