import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { InvalidPackageError, MissingPackageError, SnaptelError } from './errors';
import type { Plugin } from 'esbuild';
import { nativeAddonStub, wrapBundle } from './guard';
import { openImage, sha256, writeImage, writeVerifiedStamp, type Manifest } from './image-file';
import { checkDefinition, resolveOrder, type PackageDefinition } from './package';
import { buildBlob, BuildFailed, type OkReport } from './builder';
import type { Recipe } from './runtime';

/** A recipe file (images/<name>.json) as a user writes it. */
export interface RecipeFile {
  /** Root package(s), when the command line does not name them. */
  package?: string | string[];
  /** Config for each package's start(), by package name. */
  packages?: Record<string, unknown>;
  log?: { file?: string; level?: string };
  description?: string;
}

const RECIPE_KEYS = new Set(['package', 'packages', 'log', 'description', '$schema']);
const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

export class DeployError extends SnaptelError {}

export interface LoadedRecipe {
  path: string | null;
  roots: string[] | undefined;
  recipe: Recipe;
  sha256: string;
  raw: RecipeFile;
}

/** Reads and checks a recipe. Relative log paths are taken from the recipe's folder. */
export function loadRecipe(file: string | undefined): LoadedRecipe {
  if (!file) return { path: null, roots: undefined, recipe: { packages: {}, log: {} }, sha256: sha256(Buffer.from('{}')), raw: {} };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new DeployError('bad-recipe', `${file}: cannot read recipe (${(err as NodeJS.ErrnoException).code})`);
  }
  let raw: RecipeFile;
  try {
    raw = JSON.parse(text) as RecipeFile;
  } catch (err) {
    throw new DeployError('bad-recipe', `${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new DeployError('bad-recipe', `${file}: a recipe is a JSON object`);
  for (const k of Object.keys(raw))
    if (!RECIPE_KEYS.has(k))
      throw new DeployError('bad-recipe', `${file}: unknown key '${k}' (known: package, packages, log, description)`);
  if (raw.packages !== undefined && (typeof raw.packages !== 'object' || raw.packages === null || Array.isArray(raw.packages)))
    throw new DeployError('bad-recipe', `${file}: 'packages' maps package names to their config`);
  if (raw.package !== undefined && !(typeof raw.package === 'string' || (Array.isArray(raw.package) && raw.package.length > 0 && raw.package.every((p) => typeof p === 'string'))))
    throw new DeployError('bad-recipe', `${file}: 'package' is a package name or a list of them`);
  const level = raw.log?.level ?? 'info';
  if (!LEVELS.has(level)) throw new DeployError('bad-recipe', `${file}: log.level '${level}' is not a pino level`);
  const logFile = raw.log?.file ? path.resolve(path.dirname(path.resolve(file)), raw.log.file) : undefined;
  return {
    path: path.resolve(file),
    roots: raw.package === undefined ? undefined : Array.isArray(raw.package) ? raw.package : [raw.package],
    raw,
    sha256: sha256(Buffer.from(canonicalJson(raw))),
    recipe: { packages: raw.packages ?? {}, log: { level, file: logFile } },
  };
}

/** JSON with sorted keys, so that the digest does not depend on formatting. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export interface ResolvedPackage {
  def: PackageDefinition;
  /** Absolute path of the module whose export is the definition. */
  module: string;
}

/**
 * Finds a package by name: a path (./x, /x); else `<dir>/<name>` for each
 * folder in SNAPTEL_PATH (colon-separated, like NODE_PATH), then
 * `@snaptel/<name>`, then `<name>`, resolved from `cwd` as Node would.
 * Loads the module to read its definition.
 */
export function findPackage(name: string, cwd: string, requiredBy?: string): ResolvedPackage | undefined {
  const isPath = name.startsWith('.') || path.isAbsolute(name);
  const searchDirs = (process.env.SNAPTEL_PATH ?? '').split(':').filter(Boolean);
  const candidates = isPath
    ? [path.resolve(cwd, name)]
    : [...searchDirs.map((d) => path.resolve(cwd, d, name)).filter((p) => fs.existsSync(p)), `@snaptel/${name}`, name];
  let lastErr: Error | undefined;
  for (const c of candidates) {
    let file: string;
    try {
      file = require.resolve(c, { paths: [cwd] });
    } catch (err) {
      lastErr = err as Error;
      continue;
    }
    let mod: unknown;
    try {
      mod = require(file);
    } catch (err) {
      throw new MissingPackageError(name, requiredBy, `${file} failed to load: ${(err as Error).message}`);
    }
    const def = (mod as { default?: unknown })?.default ?? mod;
    checkDefinition(def, file);
    const short = isPath ? def.name : name.replace(/^@snaptel\//, '');
    if (def.name !== short)
      throw new InvalidPackageError(file, `asked for package '${short}' but its definition is named '${def.name}'`);
    return { def, module: fs.realpathSync(file) };
  }
  if (lastErr && !/Cannot find module/.test(lastErr.message)) throw lastErr;
  return undefined;
}

/** Resolves root packages and everything they require, in start order. */
export function resolvePackages(roots: string | readonly string[], cwd: string): ResolvedPackage[] {
  const found = new Map<string, ResolvedPackage>();
  const byDef = new Map<PackageDefinition, ResolvedPackage>();
  const order = resolveOrder(typeof roots === 'string' ? [roots] : roots, (name, requiredBy) => {
    const r = found.get(name) ?? findPackage(name, cwd, requiredBy);
    if (!r) return undefined;
    found.set(name, r);
    found.set(r.def.name, r);
    byDef.set(r.def, r);
    return r.def;
  });
  return order.map((d) => byDef.get(d)!);
}

export interface DeployOptions {
  /** Root package(s); default: the recipe's `package`. */
  packageName?: string | string[];
  configPath?: string;
  out: string;
  cwd?: string;
  /** Where the builder's log lines go (default: this process's stderr). */
  onOutput?: (chunk: Buffer) => void;
  /** Keep the build folder (bundle, report) for inspection. */
  keepBuild?: boolean;
}

export interface DeployResult {
  out: string;
  bytes: number;
  manifest: Manifest;
  ms: number;
}

const RUNTIME_ENTRY = path.join(__dirname, 'image-main.js');

/**
 * deploy: bundle the packages into one CommonJS entry (esbuild), run it under
 * `node --build-snapshot` (which starts and suspends every package), and
 * write the blob with its manifest as an image, atomically.
 */
export async function deploy(o: DeployOptions): Promise<DeployResult> {
  const t0 = Date.now();
  const cwd = o.cwd ?? process.cwd();
  const loaded = loadRecipe(o.configPath && path.resolve(cwd, o.configPath));
  const roots = o.packageName === undefined || (Array.isArray(o.packageName) && o.packageName.length === 0) ? loaded.roots : typeof o.packageName === 'string' ? [o.packageName] : o.packageName;
  const root = roots?.join('+');
  if (!roots || !root) throw new DeployError('usage', 'no package to deploy: name one, or set "package" in the recipe');
  const pkgs = resolvePackages(roots, cwd);
  for (const name of Object.keys(loaded.recipe.packages))
    if (!pkgs.some((p) => p.def.name === name))
      throw new DeployError('bad-recipe', `recipe configures package '${name}', which is not part of this image (${pkgs.map((p) => p.def.name).join(', ')})`);

  const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-build-'));
  // Interrupted deploy: stop the builder, leave no build folder behind.
  const onSignal = (sig: NodeJS.Signals) => {
    builder?.kill('SIGKILL');
    fs.rmSync(buildDir, { recursive: true, force: true });
    process.stderr.write(`snaptel: deploy interrupted (${sig}); no image written\n`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const bundleFile = path.join(buildDir, 'bundle.cjs');
    const entryFile = path.join(buildDir, 'entry.cjs');
    fs.writeFileSync(
      entryFile,
      `const { imageMain } = require(${JSON.stringify(fs.realpathSync(RUNTIME_ENTRY))});\n` +
        `imageMain([\n${pkgs
          .map((p) => `  { name: ${JSON.stringify(p.def.name)}, module: ${JSON.stringify(path.relative(cwd, p.module))}, load: () => require(${JSON.stringify(p.module)}) },`)
          .join('\n')}\n], ${JSON.stringify(loaded.recipe)});\n`,
    );
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      entryPoints: [entryFile],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: `node${process.versions.node.split('.')[0]}`,
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
      absWorkingDir: cwd,
      plugins: [nativeAddons],
    });
    const bundle = wrapBundle(result.outputFiles[0]!.text);
    fs.writeFileSync(bundleFile, bundle);

    const blobFile = path.join(buildDir, 'image.blob');
    const reportFile = path.join(buildDir, 'report.json');
    let report: OkReport;
    try {
      report = await buildBlob({
        args: ['--snapshot-blob', blobFile, '--build-snapshot', bundleFile],
        blobFile,
        reportFile,
        cwd,
        onOutput: o.onOutput ?? ((c) => process.stderr.write(c)),
        onSpawn: (child) => (builder = child),
        execArgv: [],
      });
    } catch (err) {
      if (!(err instanceof BuildFailed)) throw err;
      let msg = err.message;
      if (err.handles?.length)
        msg += '\n' + err.handles.map((h) => `  - ${h.what}\n${h.stack.map((f) => `      ${sourceOf(f, bundle, bundleFile)}`).join('\n')}`).join('\n');
      if (err.code === 'does-not-resume') msg += '; no image written';
      throw new DeployError(err.code, msg);
    }
    const blob = fs.readFileSync(blobFile);
    const bundleGz = zlib.gzipSync(bundle, { level: 9 });
    const manifest: Manifest = {
      format: 'snaptel-image',
      formatVersion: 1,
      name: loaded.path ? path.basename(loaded.path, '.json') : root,
      createdAt: new Date().toISOString(),
      startedAt: report.startedAt,
      packages: report.packages,
      node: { version: report.node, v8: process.versions.v8, arch: process.arch, platform: process.platform, execArgv: report.execArgv },
      recipe: { path: loaded.path && path.relative(cwd, loaded.path), sha256: loaded.sha256, config: loaded.recipe.packages as Record<string, unknown> },
      log: { file: loaded.recipe.log.file ?? null, level: loaded.recipe.log.level ?? 'info' },
      resources: report.declared,
      blob: { bytes: blob.length, sha256: sha256(blob) },
      builder: { pid: report.pid, hostname: os.hostname() },
      deployCommand: ['snaptel', 'deploy', ...roots, ...(o.configPath ? ['--config', o.configPath] : []), '--out', o.out],
      buildId: report.buildId,
      generation: 0,
      bundle: { bytes: bundleGz.length, sha256: sha256(bundleGz), encoding: 'gzip' },
    };
    const out = path.resolve(cwd, o.out);
    const bytes = writeImage(out, blob, manifest, bundleGz);
    // Read it back as the launcher will, then let the launcher's first run skip the full hash.
    openImage(out);
    writeVerifiedStamp(out, process.execPath);
    return { out, bytes, manifest, ms: Date.now() - t0 };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!o.keepBuild) fs.rmSync(buildDir, { recursive: true, force: true });
  }
}

let builder: ChildProcess | undefined;

/**
 * Native addons (`.node` files, e.g. raw-socket under the npm sctp package)
 * cannot be bundled or snapshotted: each becomes a small module that loads the
 * file from its absolute path with process.dlopen on first require, which the
 * runtime refuses while building and allows after resume.
 */
const nativeAddons: Plugin = {
  name: 'snaptel-native-addons',
  setup(build) {
    build.onResolve({ filter: /\.node$/ }, (args) => {
      const file = path.resolve(args.resolveDir, args.path);
      if (!fs.existsSync(file)) return { errors: [{ text: `native addon ${args.path} not found at ${file} (was it built? npm rebuild)` }] };
      return { path: fs.realpathSync(file), namespace: 'snaptel-native' };
    });
    build.onLoad({ filter: /.*/, namespace: 'snaptel-native' }, (args) => ({ contents: nativeAddonStub(args.path), loader: 'js' }));
  },
};

/**
 * Maps a stack frame in the bundle ("at f (/tmp/.../bundle.cjs:120:7)") to the
 * module it came from, using the `// path` comments esbuild writes at the top
 * of each module.
 */
export function sourceOf(frame: string, bundle: string, bundleFile: string): string {
  const m = frame.match(/^(.*?)\(?([^()\s]+):(\d+):(\d+)\)?$/);
  if (!m || path.resolve(m[2]!) !== path.resolve(bundleFile)) return frame;
  const lineNo = Number(m[3]);
  const lines = bundle.split('\n');
  for (let i = Math.min(lineNo, lines.length) - 1; i >= 0; i--) {
    const c = lines[i]!.match(/^\s*\/\/ (\S+\.(?:[cm]?js|ts))$/);
    if (c) return `${m[1]!.trim()} ${c[1]} (bundle line ${lineNo})`.trim();
  }
  return frame;
}
