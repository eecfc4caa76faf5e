import { NativeAddonWhileBuildingError, UnsnapshottableModuleError } from './errors';

/**
 * Built-in modules that cannot be in a V8 startup snapshot on Node 20/22:
 * requiring them while building crashes the builder ("Unknown external
 * reference") or throws deep inside Node. Measured on Node 20.20.
 */
export const UNSNAPSHOTTABLE: ReadonlySet<string> = new Set(['tls', 'https', 'http2', 'http', '_tls_wrap', '_tls_common']);

type Req = (id: string) => unknown;

interface GuardState {
  building: boolean;
  attempted: string[];
  req: Req | undefined;
}

/** Name of the global through which the bundle's wrapper asks before each require. */
export const REQUIRE_HOOK = '__snaptelRequireHook';

const state: GuardState = { building: false, attempted: [], req: undefined };

function bare(id: string): string {
  return id.startsWith('node:') ? id.slice(5) : id;
}

function refuse(id: string): never {
  state.attempted.push(bare(id));
  throw new UnsnapshottableModuleError(bare(id));
}

/**
 * Installs the hook that the image bundle's wrapper calls for every
 * `require` of a built-in module. While the image is being built, asking for
 * an unsnapshottable module throws an error that names it, instead of
 * crashing the builder; after resume every module loads as usual.
 */
export function installRequireHook(building: boolean): void {
  state.building = building;
  installNativeHook();
  (globalThis as Record<string, unknown>)[REQUIRE_HOOK] = (id: string, req: Req) => {
    state.req ??= req;
    if (state.building && UNSNAPSHOTTABLE.has(bare(id))) refuse(id);
    return req(id);
  };
}

/** Name of the global through which the bundle loads a native addon (a `.node` file). */
export const NATIVE_HOOK = '__snaptelNativeAddon';

/**
 * Native addons are not bundled: the bundle loads each from the absolute path
 * it had at deploy time, with process.dlopen, when first required. While the
 * image is being built that is refused with an error naming the addon (V8
 * cannot snapshot a native module); after resume it loads as usual.
 */
function installNativeHook(): void {
  (globalThis as Record<string, unknown>)[NATIVE_HOOK] = (file: string) => {
    if (state.building) {
      state.attempted.push(file);
      throw new NativeAddonWhileBuildingError(file);
    }
    const m = { exports: {} as unknown };
    process.dlopen(m as { exports: unknown }, file);
    return m.exports;
  };
}

/** Modules that code tried to load while the image was being built. */
export function unsnapshottableAttempts(): readonly string[] {
  return state.attempted;
}

/** Marks the end of the build: from now on every module may load. */
export function buildFinished(): void {
  state.building = false;
}

/**
 * Loads a module on first use. For modules that cannot live in a snapshot
 * (tls, https, http): keep the returned object in the heap and use it only
 * after resume. Using it while the image is being built throws, naming it.
 */
export function lazyRequire<T = any>(id: string): T {
  let mod: object | undefined;
  const load = (): any => {
    if (mod) return mod;
    if (state.building && UNSNAPSHOTTABLE.has(bare(id))) refuse(id);
    mod = (state.req ?? require)(id) as object;
    return mod;
  };
  return new Proxy({} as object, {
    get: (_t, key) => load()[key],
    has: (_t, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_t, key) => {
      const d = Reflect.getOwnPropertyDescriptor(load(), key);
      return d && { ...d, configurable: true };
    },
  }) as T;
}

/**
 * The module that stands in the bundle for a native addon: loads it through
 * the runtime's hook (refused while building), or with process.dlopen when
 * the bundle runs outside an image.
 */
export function nativeAddonStub(file: string): string {
  const f = JSON.stringify(file);
  return (
    `var h = globalThis.${NATIVE_HOOK};\n` +
    `if (h) module.exports = h(${f});\n` +
    `else { var m = { exports: {} }; process.dlopen(m, ${f}); module.exports = m.exports; }\n`
  );
}

/** The wrapper put around the esbuild bundle: routes `require` through the hook. */
export function wrapBundle(bundle: string): string {
  return (
    '"use strict";\n' +
    // Node warns for several built-ins that they are "not yet fully verified" in
    // the builder; they are, for what the runtime does with them. Keep other warnings.
    'process.removeAllListeners("warning"); process.on("warning", function (w) { if (!/not yet fully verified/.test(w.message)) process.stderr.write(w.name + ": " + w.message + "\\n"); });\n' +
    '(function (require) {\n' +
    bundle +
    `\n})((function (req) {\n  var g = function (id) { var h = globalThis.${REQUIRE_HOOK}; return h ? h(id, req) : req(id); };\n` +
    '  g.resolve = req.resolve; g.cache = req.cache; return g;\n})(require));\n'
  );
}
