// The workload drivers (compile → prepare → tensors → run → read back → verify → release), run on
// the host model of a runner: the real callable registry and graph validation, no device.
import { RunnerErrorCode } from '../../src/errors';
import type { Callable, CallableId } from '../../src/callable-registry';
import type { RunOptions, RunResult } from '../../src/run-types';
import { getWorkload, runWorkload, workloadNames, workloads, type WorkloadResult } from '../../src/workloads';
import { HostModelRunner, KERNEL_MODELS, fakeCompiler } from './support/host-model';

const allCases = workloadNames.flatMap((w) => workloads[w].cases.map((c) => [w, c.name] as const));

function expectClean(runner: HostModelRunner): void {
  expect(runner.tensors.size).toBe(0);
  expect(runner.callableStats()).toMatchObject({ liveBuffers: 0, liveCallables: 0 });
  expect(runner.mem.live).toBe(0);
}

describe.each(allCases)('%s / %s on the host model', (workload, caseName) => {
  test('verifies, and leaves no tensor or callable behind', async () => {
    const runner = new HostModelRunner();
    const result = await runWorkload(runner, workload, { case: caseName, compile: fakeCompiler });
    expect(result).toMatchObject({ workload, case: caseName, verified: true, mismatchCount: 0, mismatches: [] });
    expect(result.checks.filter((c) => !c.passed)).toEqual([]);
    expect(result.runs.length).toBeGreaterThan(0);
    expect(result.runs).toHaveLength(runner.modelRuns.length);
    expect(result.tasks).toBeGreaterThan(0);
    expectClean(runner);
  });
});

describe('prepared_callable cases', () => {
  async function run(caseName: string, runner = new HostModelRunner()): Promise<WorkloadResult> {
    return runWorkload(runner, 'prepared_callable', { case: caseName, compile: fakeCompiler });
  }

  test('prepare_once_run_5: five runs, one upload', async () => {
    const r = await run('prepare_once_run_5');
    expect(r.runs).toHaveLength(5);
    expect(r.checks).toContainEqual({ name: 'uploads delta after 5 runs', passed: true, detail: 'expected 1, got 1' });
  });

  test('two_ids_alternating: runs alternate between two ids, two uploads', async () => {
    const runner = new HostModelRunner();
    const r = await run('two_ids_alternating', runner);
    const ids = runner.modelRuns.map((m) => m.id);
    expect(ids).toHaveLength(4);
    expect(ids[0]).not.toBe(ids[1]);
    expect([ids[2], ids[3]]).toEqual([ids[0], ids[1]]);
    expect(r.checks.find((c) => c.name.startsWith('uploads'))).toMatchObject({ passed: true, detail: 'expected 2, got 2' });
  });

  test('dedup_shared_copy: one upload, one dedup hit, the second id runs after the first is gone', async () => {
    const runner = new HostModelRunner();
    const r = await run('dedup_shared_copy', runner);
    expect(r.verified).toBe(true);
    expect(runner.callableStats()).toMatchObject({ uploads: 1, dedupHits: 1 });
    expect(runner.modelRuns.map((m) => m.id)).toEqual([expect.stringMatching(/\/0$/), expect.stringMatching(/\/1$/), expect.stringMatching(/\/1$/)]);
  });

  test('a wrong kernel is reported as mismatches on every run, not thrown', async () => {
    const broken = new HostModelRunner({ ...KERNEL_MODELS, vector_add_scalar: () => undefined });
    const r = await runWorkload(broken, 'prepared_callable', { case: 'prepare_once_run_5', compile: fakeCompiler, maxMismatches: 3 });
    expect(r.verified).toBe(false);
    expect(r.mismatchCount).toBe(5 * 16384);
    expect(r.mismatches).toHaveLength(3);
    expect(r.mismatches[0]).toMatchObject({ tensor: 'f', index: 0, expected: 47, run: 0 });
    expectClean(broken);
  });

  test('a registry that accepts a double prepare fails the double_prepare_errors check', async () => {
    class Lenient extends HostModelRunner {
      override prepareCallable<A>(id: CallableId, callable: Callable<A>): void {
        if (!this.hasCallable(id)) super.prepareCallable(id, callable);
      }
    }
    const r = await run('double_prepare_errors', new Lenient());
    expect(r.verified).toBe(false);
    expect(r.checks[0]).toMatchObject({ passed: false, detail: 'expected an error, the second prepare succeeded' });
  });

  test('a registry that never shares fails the dedup checks', async () => {
    class NoDedup extends HostModelRunner {
      private salt = 0;
      override prepareCallable<A>(id: CallableId, callable: Callable<A>): void {
        const kernels = callable.kernels.map((k) => ({ ...k, image: Uint8Array.from([...k.image, this.salt++]) }));
        super.prepareCallable(id, { ...callable, kernels });
      }
    }
    const r = await run('dedup_shared_copy', new NoDedup());
    expect(r.verified).toBe(false);
    expect(r.checks.filter((c) => !c.passed).map((c) => c.name)).toContain('uploads delta after preparing two identical callables');
  });
});

describe('spmd_basic blockDim', () => {
  test.each([
    ['block_dim_24', undefined, 24],
    ['auto_block_dim', undefined, 24],
    ['auto_block_dim', 5, 5],
  ] as const)('%s with run.blockDim %s launches %s blocks', async (caseName, override, expected) => {
    const runner = new HostModelRunner();
    const r = await runWorkload(runner, 'spmd_basic', { case: caseName, compile: fakeCompiler, ...(override !== undefined ? { run: { blockDim: override } } : {}) });
    expect(r.verified).toBe(true);
    expect(runner.modelRuns[0]!.blockDim).toBe(expected);
  });
});

describe('errors and cleanup', () => {
  test('an unknown workload or case is a typed error naming the choices', async () => {
    const runner = new HostModelRunner();
    expect(() => getWorkload('nope')).toThrow(expect.objectContaining({ code: RunnerErrorCode.InvalidArgument, param: 'name' }));
    await expect(runWorkload(runner, 'spmd_basic', { case: 'nope', compile: fakeCompiler })).rejects.toMatchObject({
      code: RunnerErrorCode.InvalidArgument,
      param: 'case',
      message: expect.stringContaining('block_dim_24, auto_block_dim'),
    });
    await expect(runWorkload(runner, 'spmd_basic', { compile: fakeCompiler, maxMismatches: -1 })).rejects.toMatchObject({
      code: RunnerErrorCode.InvalidArgument,
      param: 'maxMismatches',
    });
    expectClean(runner);
  });

  test('a failing run propagates its error and still frees tensors and unregisters callables', async () => {
    class Failing extends HostModelRunner {
      override async runPrepared<A>(id: CallableId, args: A, options?: RunOptions): Promise<RunResult> {
        if (this.modelRuns.length === 2) throw new Error('device fell over');
        return super.runPrepared(id, args, options);
      }
    }
    const runner = new Failing();
    await expect(runWorkload(runner, 'prepared_callable', { case: 'prepare_once_run_5', compile: fakeCompiler })).rejects.toThrow('device fell over');
    expectClean(runner);
  });

  test('a compile failure propagates before any device state is made', async () => {
    const runner = new HostModelRunner();
    const compile = async (): Promise<Uint8Array> => {
      throw new Error('no compiler');
    };
    await expect(runWorkload(runner, 'dummy_task', { compile })).rejects.toThrow('no compiler');
    expect(runner.callableStats().prepares).toBe(0);
    expectClean(runner);
  });

  test('runner options reach every run', async () => {
    const seen: (RunOptions | undefined)[] = [];
    class Spy extends HostModelRunner {
      override runPrepared<A>(id: CallableId, args: A, options?: RunOptions): Promise<RunResult> {
        seen.push(options);
        return super.runPrepared(id, args, options);
      }
    }
    await runWorkload(new Spy(), 'prepared_callable', { case: 'unregister_reprepare', compile: fakeCompiler, run: { timeoutMs: 1234 } });
    expect(seen).toHaveLength(2);
    for (const o of seen) expect(o).toMatchObject({ timeoutMs: 1234 });
  });
});
