/**
 * The arch package is the whole API: everything the packages below export at run time is exported
 * by the arch package too, as the very same object — so an error thrown anywhere inside is
 * `instanceof` the class the user imported from the arch package.
 */
import * as collectors from '@npurun/collectors';
import * as hal from '@npurun/hal-native';
import * as results from '@npurun/results';
import * as base from '@npurun/runner-base';

type ModuleExports = Record<string, unknown>;

/** Names exported by more than one package below, and the one the arch package settles on. */
const SETTLED: Readonly<Record<string, unknown>> = { hexTaskId: results.hexTaskId };

function isErrorClass(value: unknown): boolean {
  return typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof Error;
}

/**
 * @param arch - the arch package's module (its `src/index.ts`)
 * @param create - creates a runner of the arch with a platform of the other arch (must reject)
 */
export function describeArchApi(label: string, arch: ModuleExports, create: (platform: string) => Promise<unknown>, foreignPlatform: string): void {
  describe(`${label}: the public API`, () => {
    const below: [string, ModuleExports][] = [
      ['@npurun/runner-base', base as unknown as ModuleExports],
      ['@npurun/hal-native', hal as unknown as ModuleExports],
      ['@npurun/collectors', collectors as unknown as ModuleExports],
      ['@npurun/results', results as unknown as ModuleExports],
    ];

    test.each(below)('re-exports everything of %s as the same objects', (_name, mod) => {
      const missing: string[] = [];
      for (const [key, value] of Object.entries(mod)) {
        const expected = key in SETTLED ? SETTLED[key] : value;
        if (arch[key] !== expected) missing.push(key);
      }
      expect(missing).toEqual([]);
    });

    test('every error class of every package is there, with the same identity', () => {
      const classes = below.flatMap(([, mod]) => Object.entries(mod).filter(([, v]) => isErrorClass(v)));
      expect(classes.length).toBeGreaterThanOrEqual(15);
      for (const [key, value] of classes) expect([key, arch[key] === value]).toEqual([key, true]);
    });

    test('the user API by name: runner, compileKernel, graph and argument helpers, callables, workloads, results', () => {
      for (const name of ['compileKernel', 'tensorArg', 'scalarArg', 'addrArg', 'TaskGraphBuilder', 'CallableRegistry', 'workloads', 'runWorkload', 'readRun', 'writeReport', 'exportNpy', 'openDevice', 'struct', 'cleanNpurunCache']) {
        expect([name, typeof arch[name]]).not.toEqual([name, 'undefined']);
      }
    });

    test('an error from inside is instanceof the classes the arch package exports', async () => {
      const error = await create(foreignPlatform).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(arch['InvalidArgumentError'] as new () => Error);
      expect(error).toBeInstanceOf(arch['RunnerError'] as new () => Error);
      expect((error as { code?: string }).code).toBe('RUNNER_INVALID_ARGUMENT');
    });
  });
}
