import { DependencyCycleError, InvalidPackageError, MissingPackageError } from './errors';
import type { Context } from './context';

/**
 * A snaptel package: the unit that is loaded, started, snapshotted and resumed.
 * The hooks may be async; the runtime awaits each before the next.
 */
export interface PackageDefinition<Config = any, Api = any> {
  /** Short name, unique within an image: `demo`, `msc`, `hlr`. */
  readonly name: string;
  readonly version: string;
  /** Names of packages that must be started before this one. */
  readonly requires?: readonly string[];
  /**
   * Build state and open resources through `ctx`. Runs once, at deploy (or cold start).
   * What it returns is the package's face: other tools (`snaptel remote eval`) see it
   * under the package's name.
   */
  start(ctx: Context, config: Config): Api | void | Promise<Api | void>;
  /**
   * Durable state, for live snapshots: called synchronously, for every package at the
   * same point, in a running image. Return a value `v8.serialize` accepts (plain
   * objects, arrays, typed arrays, Maps, Dates...) that you will not mutate afterwards.
   */
  exportState?(ctx: Context): unknown;
  /**
   * In the builder of a live snapshot: after start(), takes what exportState returned
   * in the running image (of this package's version, possibly an older one) and
   * restores it, re-arming any timers it implies.
   */
  importState?(ctx: Context, state: unknown): void | Promise<void>;
  /** Called before the image is written; resources are still open. */
  aboutToSnapshot?(ctx: Context): void | Promise<void>;
  /** Called after resume, once every socket is bound again and every timer re-armed. */
  returnedFromSnapshot?(ctx: Context): void | Promise<void>;
  /** Called on SIGTERM/SIGINT, in reverse dependency order, before resources close. */
  stop?(ctx: Context): void | Promise<void>;
}

const NAME_RE = /^[a-z][a-z0-9-]*$/;

/** Declares a package. Checks its shape at load time so mistakes surface at deploy. */
export function definePackage<Config = any, Api = any>(def: PackageDefinition<Config, Api>): PackageDefinition<Config, Api> {
  checkDefinition(def, 'definePackage');
  return def;
}

export function checkDefinition(def: unknown, where: string): asserts def is PackageDefinition {
  if (typeof def !== 'object' || def === null) throw new InvalidPackageError(where, 'not a package definition object');
  const d = def as Record<string, unknown>;
  if (typeof d.name !== 'string' || !NAME_RE.test(d.name))
    throw new InvalidPackageError(where, `name must match ${NAME_RE} (got ${JSON.stringify(d.name)})`);
  if (typeof d.version !== 'string' || d.version === '')
    throw new InvalidPackageError(where, `package '${d.name}' has no version`);
  if (typeof d.start !== 'function') throw new InvalidPackageError(where, `package '${d.name}' has no start(ctx, config)`);
  if (d.requires !== undefined && (!Array.isArray(d.requires) || d.requires.some((r) => typeof r !== 'string')))
    throw new InvalidPackageError(where, `package '${d.name}': requires must be a list of package names`);
  for (const hook of ['aboutToSnapshot', 'returnedFromSnapshot', 'stop', 'exportState', 'importState'])
    if (d[hook] !== undefined && typeof d[hook] !== 'function')
      throw new InvalidPackageError(where, `package '${d.name}': ${hook} must be a function`);
}

/**
 * Orders packages so that each comes after everything it requires (depth-first,
 * roots in the order given). `lookup` returns a definition or undefined.
 * Throws MissingPackageError or DependencyCycleError naming the packages.
 */
export function resolveOrder(
  roots: readonly string[],
  lookup: (name: string, requiredBy: string | undefined) => PackageDefinition | undefined,
): PackageDefinition[] {
  const order: PackageDefinition[] = [];
  const done = new Set<string>();
  const path: string[] = [];

  const visit = (name: string, requiredBy: string | undefined): void => {
    const def = lookup(name, requiredBy);
    if (!def) throw new MissingPackageError(name, requiredBy);
    if (done.has(def.name)) return;
    const at = path.indexOf(def.name);
    if (at >= 0) throw new DependencyCycleError([...path.slice(at), def.name]);
    path.push(def.name);
    for (const dep of def.requires ?? []) visit(dep, def.name);
    path.pop();
    done.add(def.name);
    order.push(def);
  };
  for (const root of roots) visit(root, undefined);
  return order;
}
