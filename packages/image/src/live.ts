import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as zlib from 'node:zlib';
import { ServiceError } from './errors';
import { openImage, readBundle, sha256, writeImageAsync, writeVerifiedStampAsync, type Manifest } from './image-file';
import type { Runtime } from './runtime';
import { encodeState, type StateFile } from './state';
import { buildBlob, BuildFailed, type OkReport } from './builder';

export interface SnapshotResult {
  file: string;
  bytes: number;
  generation: number;
  buildId: string;
  /** Whole live snapshot, request to rename. */
  ms: number;
  /** The synchronous export of every package's state: the consistent point, one event loop turn. */
  exportMs: number;
  /** Longest event loop delay seen in this process while the snapshot ran. */
  maxLoopDelayMs: number;
  stateBytes: number;
  statePackages: Record<string, number>;
  takenAt: string;
  reason: string;
}

const LOOP_RESOLUTION_MS = 1;

/** `.<image>.snapshot-<pid>`: the work folder beside the image (same file system, for the rename). */
function workDirFor(image: string, pid: number): string {
  return path.join(path.dirname(image), `.${path.basename(image)}.snapshot-${pid}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes work folders left by snapshots whose process died (kill -9, power
 * cut). Returns what it removed. Never touches the image itself: an image is
 * only ever replaced by rename, so it is always a complete one.
 */
export function cleanStaleWork(image: string): string[] {
  const dir = path.dirname(image);
  const prefix = `.${path.basename(image)}.snapshot-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const pid = Number(n.slice(prefix.length));
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    fs.rmSync(path.join(dir, n), { recursive: true, force: true });
    removed.push(n);
  }
  return removed;
}

/**
 * Live snapshots of a running image. The packages' durable state is exported
 * synchronously (one consistent point, one event loop turn), then a builder
 * process starts the same bundle, imports that state and writes a V8 blob,
 * and this process assembles the new image asynchronously (streamed hash,
 * temp file, fsync, rename, fsync of the folder) while it keeps serving.
 * Snapshots run one at a time; a request during one waits for it.
 */
export class LiveSnapshots {
  private chain: Promise<unknown> = Promise.resolve();
  running = false;
  last: SnapshotResult | { error: string; at: string; reason: string } | undefined;
  count = 0;
  private builder: ChildProcess | undefined;

  constructor(
    private readonly rt: Runtime,
    /** The image this process resumed from (absolute path). */
    readonly image: string,
  ) {}

  take(reason: string, out?: string): Promise<SnapshotResult> {
    const p = this.chain.then(() => this.once(reason, out ? path.resolve(out) : this.image));
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Kills a builder still running (the daemon is going down without waiting). */
  abort(): void {
    this.builder?.kill('SIGKILL');
  }

  private async once(reason: string, out: string): Promise<SnapshotResult> {
    const rt = this.rt;
    const t0 = performance.now();
    this.running = true;
    const delay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    delay.enable();
    const work = workDirFor(out, process.pid);
    try {
      cleanStaleWork(out);
      // The code comes from the image this heap was built from: refuse a file that
      // was replaced by another deploy since (its bundle would not be ours).
      const src = openImage(this.image, { checksum: false });
      if (rt.buildId && src.manifest.buildId !== rt.buildId)
        throw new ServiceError(
          'image-changed',
          `${this.image} is no longer the image this process runs (another deploy replaced it); ` +
            `restart the daemon from it, or snapshot with --out to another file`,
        );
      const bundleGz = await readBundle(src);

      // The consistent point: every package's state, in one turn.
      const tExport = performance.now();
      const exported = rt.exportStates();
      const takenAt = new Date().toISOString();
      const file: StateFile = {
        format: 'snaptel-state',
        version: 1,
        takenAt,
        from: { buildId: rt.buildId ?? null, generation: rt.generation },
        exportMs: exported.ms,
        packages: exported.packages,
      };
      const exportMs = performance.now() - tExport;
      const { bytes: stateBytes, perPackage } = await encodeState(file);

      fs.rmSync(work, { recursive: true, force: true });
      await fs.promises.mkdir(work, { recursive: true, mode: 0o700 });
      const stateFile = path.join(work, 'state.bin');
      const bundleFile = path.join(work, 'bundle.cjs');
      const blobFile = path.join(work, 'image.blob');
      const reportFile = path.join(work, 'report.json');
      await fs.promises.writeFile(stateFile, stateBytes, { mode: 0o600 });
      await fs.promises.writeFile(bundleFile, await new Promise<Buffer>((res, rej) => zlib.gunzip(bundleGz, (e, b) => (e ? rej(e) : res(b)))));

      let report: OkReport;
      try {
        report = await buildBlob({
          args: [...src.manifest.node.execArgv, '--snapshot-blob', blobFile, '--build-snapshot', bundleFile],
          blobFile,
          reportFile,
          env: { SNAPTEL_IMPORT_STATE: stateFile },
          onSpawn: (child) => (this.builder = child),
          execArgv: src.manifest.node.execArgv,
        });
      } catch (err) {
        if (!(err instanceof BuildFailed)) throw err;
        if (err.code === 'does-not-resume') throw new ServiceError(err.code, `${err.message}; the image on disk is left as it was`);
        throw new ServiceError(err.code, `snapshot builder: ${err.message}`);
      }
      const manifest: Manifest = {
        ...src.manifest,
        createdAt: new Date().toISOString(),
        startedAt: report.startedAt,
        packages: report.packages,
        resources: report.declared,
        builder: { pid: report.pid, hostname: os.hostname() },
        buildId: report.buildId,
        generation: report.generation,
        bundle: { bytes: bundleGz.length, sha256: sha256(bundleGz), encoding: 'gzip' },
        state: { takenAt, packages: perPackage, from: file.from, exportMs: exported.ms },
      };
      const bytes = await writeImageAsync(out, blobFile, manifest, bundleGz, work);
      if (out === this.image) {
        rt.buildId = report.buildId;
        rt.generation = report.generation;
      }
      await writeVerifiedStampAsync(out, process.execPath, work);
      delay.disable();
      const result: SnapshotResult = {
        file: out,
        bytes,
        generation: report.generation,
        buildId: report.buildId,
        ms: Math.round(performance.now() - t0),
        exportMs: Math.round(exportMs * 100) / 100,
        // The histogram records whole sampling intervals: what exceeds one is the stall.
        maxLoopDelayMs: Math.round(Math.max(0, delay.max / 1e6 - LOOP_RESOLUTION_MS) * 100) / 100,
        stateBytes: stateBytes.length,
        statePackages: perPackage,
        takenAt,
        reason,
      };
      this.last = result;
      this.count++;
      rt.log.info({ snapshot: result }, `live snapshot written: ${out} (generation ${result.generation}, ${result.ms} ms)`);
      return result;
    } catch (err) {
      const e = err instanceof ServiceError ? err : new ServiceError('snapshot-failed', (err as Error)?.message ?? String(err));
      this.last = { error: e.message, at: new Date().toISOString(), reason };
      rt.log.error({ code: e.code, reason }, `live snapshot failed: ${e.message}`);
      throw e;
    } finally {
      delay.disable();
      this.running = false;
      await fs.promises.rm(work, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}
