import { describe, expect, it } from 'vitest';
import { DependencyCycleError, InvalidPackageError, MissingPackageError, SnaptelError } from '../src/errors';
import { checkDefinition, definePackage, resolveOrder, type PackageDefinition } from '../src/package';

const start = () => {};

function pkg(name: string, requires?: string[]): PackageDefinition {
  return { name, version: '1.0.0', ...(requires ? { requires } : {}), start };
}

/** A registry lookup over `defs` that records every call. */
function registry(...defs: PackageDefinition[]) {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const calls: Array<[string, string | undefined]> = [];
  const lookup = (name: string, requiredBy: string | undefined) => {
    calls.push([name, requiredBy]);
    return byName.get(name);
  };
  return { lookup, calls };
}

function names(order: PackageDefinition[]): string[] {
  return order.map((d) => d.name);
}

/** Runs `fn`, returns what it threw (fails the test if it did not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, nothing was thrown');
}

describe('resolveOrder', () => {
  it('orders a diamond so every package comes after what it requires, each once', () => {
    //      app
    //     /   \
    //   msc   hlr
    //     \   /
    //      sccp
    const { lookup, calls } = registry(
      pkg('app', ['msc', 'hlr']),
      pkg('msc', ['sccp']),
      pkg('hlr', ['sccp']),
      pkg('sccp'),
    );
    expect(names(resolveOrder(['app'], lookup))).toEqual(['sccp', 'msc', 'hlr', 'app']);
    // Each lookup is told who requires the package.
    expect(calls).toContainEqual(['app', undefined]);
    expect(calls).toContainEqual(['msc', 'app']);
    expect(calls).toContainEqual(['hlr', 'app']);
    expect(calls).toContainEqual(['sccp', 'msc']);
  });

  it('treats two names that resolve to the same definition as one package', () => {
    const sccp = pkg('sccp');
    const defs = new Map<string, PackageDefinition>([
      ['app', pkg('app', ['@snaptel/sccp', 'sccp'])],
      ['sccp', sccp],
      ['@snaptel/sccp', sccp],
    ]);
    expect(names(resolveOrder(['app'], (n) => defs.get(n)))).toEqual(['sccp', 'app']);
  });

  it('keeps the roots in the order given and does not repeat a shared dependency', () => {
    const { lookup } = registry(pkg('b', ['c']), pkg('a', ['c']), pkg('c'));
    expect(names(resolveOrder(['b', 'a'], lookup))).toEqual(['c', 'b', 'a']);
    expect(names(resolveOrder(['a', 'b', 'a'], lookup))).toEqual(['c', 'a', 'b']);
  });

  it('returns nothing for no roots', () => {
    expect(resolveOrder([], () => undefined)).toEqual([]);
  });

  it('reports a cycle a -> b -> c -> a with DependencyCycleError naming the packages', () => {
    const { lookup } = registry(pkg('a', ['b']), pkg('b', ['c']), pkg('c', ['a']));
    const err = thrown(() => resolveOrder(['a'], lookup));
    expect(err).toBeInstanceOf(DependencyCycleError);
    expect(err).toBeInstanceOf(SnaptelError);
    const e = err as DependencyCycleError;
    expect(e.code).toBe('dependency-cycle');
    expect(e.cycle).toEqual(['a', 'b', 'c', 'a']);
    expect(e.message).toContain('a -> b -> c -> a');
  });

  it('reports only the packages in the cycle, not the path that led to it', () => {
    const { lookup } = registry(pkg('root', ['x']), pkg('x', ['y']), pkg('y', ['z']), pkg('z', ['y']));
    const e = thrown(() => resolveOrder(['root'], lookup)) as DependencyCycleError;
    expect(e).toBeInstanceOf(DependencyCycleError);
    expect(e.cycle).toEqual(['y', 'z', 'y']);
    expect(e.message).toContain('y -> z -> y');
    expect(e.message).not.toContain('root');
  });

  it('reports a package that requires itself', () => {
    const { lookup } = registry(pkg('selfish', ['selfish']));
    const e = thrown(() => resolveOrder(['selfish'], lookup)) as DependencyCycleError;
    expect(e).toBeInstanceOf(DependencyCycleError);
    expect(e.cycle).toEqual(['selfish', 'selfish']);
  });

  it('reports a missing dependency with MissingPackageError naming it and who requires it', () => {
    const { lookup } = registry(pkg('app', ['msc']), pkg('msc', ['map']));
    const e = thrown(() => resolveOrder(['app'], lookup)) as MissingPackageError;
    expect(e).toBeInstanceOf(MissingPackageError);
    expect(e.code).toBe('missing-package');
    expect(e.packageName).toBe('map');
    expect(e.requiredBy).toBe('msc');
    expect(e.message).toBe("package 'map' not found (required by 'msc')");
  });

  it('reports a missing root without a "required by"', () => {
    const e = thrown(() => resolveOrder(['ghost'], () => undefined)) as MissingPackageError;
    expect(e).toBeInstanceOf(MissingPackageError);
    expect(e.packageName).toBe('ghost');
    expect(e.requiredBy).toBeUndefined();
    expect(e.message).toBe("package 'ghost' not found");
  });
});

describe('definePackage / checkDefinition', () => {
  it('accepts a well-formed definition and returns it unchanged', () => {
    const def = { name: 'hlr-2', version: '0.1.0', requires: ['sccp'], start, stop: () => {} };
    expect(definePackage(def)).toBe(def);
    expect(() => checkDefinition({ name: 'a', version: '1', start }, 'test')).not.toThrow();
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['null', null, /not a package definition object/],
    ['a number', 42, /not a package definition object/],
    ['a string', 'demo', /not a package definition object/],
    ['an upper-case name', { name: 'Demo', version: '1', start }, /name must match .*"Demo"/],
    ['a name starting with a digit', { name: '1demo', version: '1', start }, /name must match .*"1demo"/],
    ['a name with an underscore', { name: 'de_mo', version: '1', start }, /name must match/],
    ['a name with a space', { name: 'de mo', version: '1', start }, /name must match/],
    ['an empty name', { name: '', version: '1', start }, /name must match .*""/],
    ['no name', { version: '1', start }, /name must match/],
    ['a numeric name', { name: 7, version: '1', start }, /name must match .*7/],
    ['no version', { name: 'demo', start }, /package 'demo' has no version/],
    ['an empty version', { name: 'demo', version: '', start }, /package 'demo' has no version/],
    ['a numeric version', { name: 'demo', version: 1, start }, /package 'demo' has no version/],
    ['no start', { name: 'demo', version: '1' }, /package 'demo' has no start\(ctx, config\)/],
    ['start not a function', { name: 'demo', version: '1', start: 'go' }, /package 'demo' has no start/],
    ['requires a string', { name: 'demo', version: '1', start, requires: 'sccp' }, /requires must be a list of package names/],
    ['requires an object', { name: 'demo', version: '1', start, requires: { sccp: true } }, /requires must be a list/],
    ['requires with a number', { name: 'demo', version: '1', start, requires: ['sccp', 3] }, /requires must be a list/],
    ['a stop hook that is not a function', { name: 'demo', version: '1', start, stop: true }, /stop must be a function/],
    [
      'an aboutToSnapshot hook that is not a function',
      { name: 'demo', version: '1', start, aboutToSnapshot: {} },
      /aboutToSnapshot must be a function/,
    ],
    [
      'a returnedFromSnapshot hook that is not a function',
      { name: 'demo', version: '1', start, returnedFromSnapshot: 1 },
      /returnedFromSnapshot must be a function/,
    ],
  ];

  it.each(bad)('rejects %s with InvalidPackageError', (_what, def, problem) => {
    const e = thrown(() => definePackage(def as PackageDefinition)) as InvalidPackageError;
    expect(e).toBeInstanceOf(InvalidPackageError);
    expect(e.code).toBe('invalid-package');
    expect(e.message.startsWith('definePackage: ')).toBe(true);
    expect(e.message).toMatch(problem);
  });

  it('names the place that loaded the definition', () => {
    const e = thrown(() => checkDefinition({ name: 'demo' }, 'packages/demo/dist/index.js')) as InvalidPackageError;
    expect(e).toBeInstanceOf(InvalidPackageError);
    expect(e.message).toBe("packages/demo/dist/index.js: package 'demo' has no version");
  });
});
