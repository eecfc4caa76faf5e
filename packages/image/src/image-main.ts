import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import { SnaptelError } from './errors';
import { buildFinished, installRequireHook, unsnapshottableAttempts } from './guard';
import { HandleTracker, type StrayHandle } from './handles';
import { checkDefinition, type PackageDefinition } from './package';
import { Runtime, type Recipe } from './runtime';
import { serve } from './daemon';
import { decodeState } from './state';
import type { ResourceInfo } from './resources/resource';

/** What the builder tells `snaptel deploy` (written to SNAPTEL_BUILD_REPORT). */
export type BuildReport =
  | {
      ok: true;
      /** The builder's pid: logs of a resumed image must not carry it. */
      pid: number;
      node: string;
      execArgv: string[];
      startedAt: string;
      packages: Array<{ name: string; version: string }>;
      declared: ResourceInfo[];
      buildId: string;
      generation: number;
      /** Packages whose state was imported (live snapshots). */
      imported: string[];
      /** ArrayBuffer memory in the builder when it finished (garbage included): large values are why V8 may crash on resume. */
      arrayBuffersMb: number;
    }
  | {
      ok: false;
      error: { code: string; message: string; handles?: StrayHandle[]; modules?: string[]; stack?: string };
    };

const building = v8.startupSnapshot.isBuildingSnapshot();
installRequireHook(building);

function report(r: BuildReport): void {
  const file = process.env.SNAPTEL_BUILD_REPORT;
  if (file) fs.writeFileSync(file, JSON.stringify(r, null, 2));
}

function fail(code: string, message: string, extra: Record<string, unknown> = {}): never {
  report({ ok: false, error: { code, message, modules: [...new Set(unsnapshottableAttempts())], ...extra } });
  if (!process.env.SNAPTEL_BUILD_REPORT) process.stderr.write(`snaptel: ${message}\n`);
  process.exit(3);
}

function failFrom(err: unknown, during: string): never {
  const e = err as Error;
  const code = err instanceof SnaptelError ? err.code : 'start-failed';
  fail(code, `${during}: ${e?.message ?? String(err)}`, { stack: e?.stack });
}

/**
 * Entry of an image bundle (called by the code `snaptel deploy` generates).
 * Under `node --build-snapshot`: loads and starts the packages, suspends
 * them, checks that no stray handle keeps the loop alive, and registers the
 * resume function that V8 runs when the image is resumed.
 */
export interface PackageModule {
  /** Package name as deploy resolved it. */
  name: string;
  /** Module path, relative to where deploy ran. */
  module: string;
  load(): unknown;
}

export function imageMain(modules: PackageModule[], recipe: Recipe): void {
  if (!building) throw new Error('an image bundle runs only under node --build-snapshot (use snaptel deploy)');
  (Error as { stackTraceLimit?: number }).stackTraceLimit = 20;
  process.on('uncaughtException', (err) => failFrom(err, 'uncaught exception while building the image'));
  process.on('unhandledRejection', (err) => failFrom(err, 'unhandled rejection while building the image'));
  const tracker = new HandleTracker().enable();

  const defs: PackageDefinition[] = [];
  for (const m of modules) {
    try {
      const mod = m.load();
      const def = (mod as { default?: unknown })?.default ?? mod;
      checkDefinition(def, m.module);
      defs.push(def);
    } catch (err) {
      failFrom(err, `loading package '${m.name}' (${m.module})`);
    }
  }
  const rt = new Runtime(defs, recipe, 'build');
  rt.buildId = crypto.randomBytes(12).toString('hex');
  void (async () => {
    try {
      await rt.start();
    } catch (err) {
      failFrom(err, 'starting packages');
    }
    // A live snapshot: the running image's durable state, imported after start.
    let imported: string[] = [];
    const stateFile = process.env.SNAPTEL_IMPORT_STATE;
    if (stateFile) {
      try {
        const st = decodeState(fs.readFileSync(stateFile), stateFile);
        rt.generation = st.from.generation + 1;
        imported = await rt.importStates(st.packages);
      } catch (err) {
        failFrom(err, 'importing state');
      }
    }
    const declared = rt.inspect();
    try {
      await rt.suspend();
    } catch (err) {
      failFrom(err, 'suspending packages');
    }
    // Closed handles leave the loop on its next turns; give them a moment.
    let stray = tracker.stray();
    for (let i = 0; i < 50 && stray.length; i++) {
      await new Promise((r) => setTimeout(r, 10));
      stray = tracker.stray();
    }
    if (stray.length)
      fail(
        'stray-handles',
        `cannot snapshot: ${stray.length} handle(s) not owned through ctx keep the event loop alive: ` +
          stray.map((h) => h.what).join('; '),
        { handles: stray },
      );
    tracker.disable();
    process.removeAllListeners('uncaughtException');
    process.removeAllListeners('unhandledRejection');
    report({
      ok: true,
      pid: process.pid,
      node: process.version,
      execArgv: process.execArgv.filter((a, i, all) => !/^--(snapshot-blob|build-snapshot)/.test(a) && all[i - 1] !== '--snapshot-blob'),
      startedAt: rt.startedAt!.toISOString(),
      packages: defs.map((d) => ({ name: d.name, version: d.version })),
      declared,
      buildId: rt.buildId!,
      generation: rt.generation,
      imported,
      arrayBuffersMb: Math.round(Math.max(process.memoryUsage().arrayBuffers, v8.getHeapStatistics().external_memory) / 1e5) / 10,
    });
    buildFinished();
    delete (Error as { stackTraceLimit?: number }).stackTraceLimit;
    v8.startupSnapshot.setDeserializeMainFunction(() => resumeMain(rt));
  })();
}

function resumeMain(rt: Runtime): void {
  // Deploy's check that a new blob deserializes at all (V8 can crash doing so): stop right here.
  if (process.env.SNAPTEL_SMOKE === '1') process.exit(0);
  (Error as { stackTraceLimit?: number }).stackTraceLimit ??= 10;
  serve(rt, process.argv.slice(1));
}

/** `snaptel start`: the same packages, started in this process without a snapshot. */
export async function coldStart(defs: PackageDefinition[], recipe: Recipe): Promise<Runtime> {
  const rt = new Runtime(defs, recipe, 'cold');
  await rt.start();
  rt.serveCold();
  return rt;
}
