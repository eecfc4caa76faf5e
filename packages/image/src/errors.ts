/**
 * Errors of the image runtime. Every error carries a stable `code` so that the
 * CLI, the builder report and tests can tell them apart without parsing text,
 * and a message that names the thing at fault (package, resource, file).
 */
export class SnaptelError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SnaptelError';
  }
}

/** A package named in a recipe or in `requires` cannot be found. */
export class MissingPackageError extends SnaptelError {
  constructor(
    readonly packageName: string,
    readonly requiredBy: string | undefined,
    detail?: string,
  ) {
    super(
      'missing-package',
      `package '${packageName}' not found` +
        (requiredBy ? ` (required by '${requiredBy}')` : '') +
        (detail ? `: ${detail}` : ''),
    );
  }
}

/** The `requires` graph has a cycle; `cycle` lists it, first name repeated last. */
export class DependencyCycleError extends SnaptelError {
  constructor(readonly cycle: string[]) {
    super('dependency-cycle', `dependency cycle between packages: ${cycle.join(' -> ')}`);
  }
}

/** A package definition that does not have the required shape. */
export class InvalidPackageError extends SnaptelError {
  constructor(where: string, problem: string) {
    super('invalid-package', `${where}: ${problem}`);
  }
}

/** An image file that must not be resumed. */
export class ImageError extends SnaptelError {
  constructor(
    code: 'not-an-image' | 'truncated' | 'corrupt' | 'foreign-node' | 'unreadable' | 'no-bundle',
    readonly file: string,
    message: string,
  ) {
    super(code, `${file}: ${message}`);
  }
}

/** A module that cannot be part of a V8 startup snapshot was used while building one. */
export class UnsnapshottableModuleError extends SnaptelError {
  constructor(readonly moduleName: string) {
    super(
      'unsnapshottable-module',
      `module '${moduleName}' cannot be loaded while building an image (V8 cannot snapshot it); ` +
        `load it after resume instead: const ${safeIdent(moduleName)} = lazyRequire('${moduleName}') ` +
        `from @snaptel/image, and use it only after resume (in returnedFromSnapshot or in callbacks)`,
    );
  }
}

export class NativeAddonWhileBuildingError extends SnaptelError {
  constructor(readonly addon: string) {
    super(
      'native-addon-while-building',
      `native addon '${addon}' cannot be loaded while building an image (V8 cannot snapshot a native module); ` +
        `load it after resume: require the module that uses it inside a resource's open() (ctx.resource) or in returnedFromSnapshot`,
    );
  }
}

function safeIdent(name: string): string {
  return name.replace(/^node:/, '').replace(/[^A-Za-z0-9_$]/g, '_');
}

/** A resource request a package made that cannot be honoured (duplicate name, timer already done). */
export class ResourceError extends SnaptelError {
  constructor(
    code: 'duplicate-resource' | 'resource-closed',
    readonly resource: string,
    message: string,
  ) {
    super(code, message);
  }
}

/** A running image's service layer: pidfile, control socket, live snapshot. */
export class ServiceError extends SnaptelError {}
