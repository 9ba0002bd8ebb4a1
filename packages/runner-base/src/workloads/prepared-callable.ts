/**
 * `prepared_callable`: the callable registry over the vector example graph
 * c = a + b; d = c + 1; e = c + 2; g = d·e; f = g + c on float32[16384] (a = 2, b = 3, so
 * f = 47 everywhere). Each case checks the registry's counters as well as f on every run.
 *
 * Upload counts assume no other callable with the same kernel bytes is prepared on the runner
 * while a case runs (such a callable would be shared, as the registry promises).
 */
import type { Callable, CallableKernel, CallableStats } from '../callable-registry';
import { CallableError, InvalidArgumentError, RunnerErrorCode, describeValue, errorMessage } from '../errors';
import { scalarArg, type TaskSpec } from '../runtime-image/task-graph';
import { f32Arg } from './tensors';
import { loadWorkloadKernels, type WorkloadKernelName } from './kernels';
import { f32Bits } from './scalar-encoding';
import { checkWorkloadRunOptions, resolveCase, withSession, type WorkloadSession } from './session';
import type { Workload, WorkloadCase, WorkloadResult, WorkloadRunner, WorkloadRunOptions } from './types';
import { EXACT } from './verify';

/** Elements of every tensor of the graph. */
export const VECTOR_EXAMPLE_ELEMS = 16384;
/** The value a is filled with. */
export const VECTOR_EXAMPLE_A = 2.0;
/** The value b is filled with. */
export const VECTOR_EXAMPLE_B = 3.0;

/** Where each kernel sits in a callable's kernel table. */
export interface VectorExampleKernelIds {
  /** `vector_add`. */
  add: number;
  /** `vector_add_scalar`. */
  addScalar: number;
  /** `vector_mul`. */
  mul: number;
}

/**
 * Two kernel-table orders of the same three kernels. The order changes the callable's device
 * bytes, so the two make distinct callables (distinct uploads); two callables in the same order
 * have identical bytes and share one device copy.
 */
export const VECTOR_EXAMPLE_ORDERS: Readonly<Record<'primary' | 'reordered', readonly WorkloadKernelName[]>> = {
  primary: ['vector_add', 'vector_add_scalar', 'vector_mul'],
  reordered: ['vector_mul', 'vector_add', 'vector_add_scalar'],
};

/** Device addresses of the graph's tensors. */
export interface VectorExampleTensors {
  /** Input a, float32[n]. */
  a: bigint;
  /** Input b, float32[n]. */
  b: bigint;
  /** Output f, float32[n]. */
  f: bigint;
  /** Intermediates c, d, e, g, one after another: float32[4n]. */
  scratch: bigint;
}

/** Kernel-table indices of a kernel order. */
export function vectorExampleKernelIds(order: readonly WorkloadKernelName[]): VectorExampleKernelIds {
  const find = (name: WorkloadKernelName): number => {
    const i = order.indexOf(name);
    if (i < 0) throw new InvalidArgumentError('vectorExampleKernelIds', 'order', order, `a kernel order that includes ${name}`);
    return i;
  };
  return { add: find('vector_add'), addScalar: find('vector_add_scalar'), mul: find('vector_mul') };
}

/**
 * The five tasks, with the dependencies their data implies (each task waits for the producers
 * of what it reads): add(a,b→c); add_scalar(c,1→d) and add_scalar(c,2→e) after it; mul(d,e→g)
 * after both; add(g,c→f) after mul and the first add.
 */
export function vectorExampleGraph(ids: VectorExampleKernelIds, t: VectorExampleTensors, n: number): TaskSpec[] {
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('vectorExampleGraph', 'n', n, 'a positive integer');
  const slice = (k: number): bigint => t.scratch + BigInt(k * n * 4);
  const [c, d, e, g] = [slice(0), slice(1), slice(2), slice(3)];
  const i = (addr: bigint) => f32Arg(addr, [n], 'input');
  const o = (addr: bigint) => f32Arg(addr, [n], 'output');
  return [
    { kernel: ids.add, args: [i(t.a), i(t.b), o(c), scalarArg(n)], label: 'c = a + b' },
    { kernel: ids.addScalar, args: [i(c), o(d), scalarArg(f32Bits(1)), scalarArg(n)], deps: [0], label: 'd = c + 1' },
    { kernel: ids.addScalar, args: [i(c), o(e), scalarArg(f32Bits(2)), scalarArg(n)], deps: [0], label: 'e = c + 2' },
    { kernel: ids.mul, args: [i(d), i(e), o(g), scalarArg(n)], deps: [1, 2], label: 'g = d * e' },
    { kernel: ids.add, args: [i(g), i(c), o(t.f), scalarArg(n)], deps: [0, 3], label: 'f = g + c' },
  ];
}

/** Golden f, element by element, each step rounded to float32 as the device does. */
export function vectorExampleGolden(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new InvalidArgumentError('vectorExampleGolden', 'b', b.length, `as long as a (${a.length} elements)`);
  const f = new Float32Array(a.length);
  const r = Math.fround;
  for (let i = 0; i < a.length; i++) {
    const c = r(a[i]! + b[i]!);
    f[i] = r(r(r(c + 1) * r(c + 2)) + c);
  }
  return f;
}

/** The callable's run arguments. */
export interface VectorExampleArgs {
  /** Device tensors. */
  tensors: VectorExampleTensors;
  /** Elements per tensor. */
  n: number;
  /** Host view f is read into after the run. */
  readback: Float32Array;
}

/** The vector example callable over `kernels` in `order`. */
export function vectorExampleCallable(kernels: readonly CallableKernel[], order: readonly WorkloadKernelName[]): Callable<VectorExampleArgs> {
  const ids = vectorExampleKernelIds(order);
  return {
    kernels,
    orchestrate: (args) => ({
      tasks: vectorExampleGraph(ids, args.tensors, args.n),
      outputs: [{ addr: args.tensors.f, view: args.readback }],
      blockDim: 3, // the upstream runner's configuration
    }),
  };
}

/** What each case does. */
export type PreparedCallableScenario = 'runRepeatedly' | 'alternateIds' | 'doublePrepare' | 'unregisterReprepare' | 'sharedCopy';

/** A case of `prepared_callable`. */
export interface PreparedCallableCase extends WorkloadCase {
  /** Its scenario. */
  scenario: PreparedCallableScenario;
}

/** The cases. */
export const PREPARED_CALLABLE_CASES: readonly PreparedCallableCase[] = [
  { name: 'prepare_once_run_5', description: 'prepare once, run 5 times: one upload', scenario: 'runRepeatedly' },
  { name: 'two_ids_alternating', description: 'two distinct callables, runs alternating between their ids: two uploads', scenario: 'alternateIds' },
  { name: 'double_prepare_errors', description: 'preparing a taken id fails with CALLABLE_ALREADY_PREPARED and changes nothing', scenario: 'doublePrepare' },
  { name: 'unregister_reprepare', description: 'prepare, run, unregister, prepare, run: two uploads', scenario: 'unregisterReprepare' },
  { name: 'dedup_shared_copy', description: 'two ids with identical bytes share one device copy and unregister independently', scenario: 'sharedCopy' },
];

type StatKey = keyof CallableStats;

/** The per-case helpers over one session. */
class Scenario {
  private readonly base: CallableStats;

  constructor(
    readonly s: WorkloadSession,
    readonly callables: Record<keyof typeof VECTOR_EXAMPLE_ORDERS, () => Callable<VectorExampleArgs>>,
    readonly args: VectorExampleArgs,
    readonly golden: Float32Array,
  ) {
    this.base = s.stats();
  }

  /** Checks that counter `key` moved by `delta` since the case began. */
  delta(key: StatKey, delta: number, when: string): void {
    const now = this.s.stats()[key];
    this.s.checkEqual(`${key} delta ${when}`, now - this.base[key], delta);
  }

  /** Runs `id` with f reset, and compares f with the golden. */
  async runAndVerify(id: string): Promise<void> {
    // A run that never writes f must not pass on the previous run's result.
    this.s.runner.copyToDevice(this.args.tensors.f, new Float32Array(this.args.n));
    this.args.readback.fill(0);
    await this.s.run(id, this.args);
    await this.s.verify('f', this.golden, this.args.readback, EXACT, this.s.runs.length - 1);
  }
}

async function runScenario(sc: Scenario, scenario: PreparedCallableScenario): Promise<void> {
  const { s } = sc;
  const [id0, id1] = [s.id('0'), s.id('1')];
  switch (scenario) {
    case 'runRepeatedly':
      s.prepare(id0, sc.callables.primary());
      for (let i = 0; i < 5; i++) await sc.runAndVerify(id0);
      sc.delta('uploads', 1, 'after 5 runs');
      sc.delta('prepares', 1, 'after 5 runs');
      return;
    case 'alternateIds':
      s.prepare(id0, sc.callables.primary());
      s.prepare(id1, sc.callables.reordered());
      for (const id of [id0, id1, id0, id1]) await sc.runAndVerify(id);
      sc.delta('uploads', 2, 'after alternating runs');
      sc.delta('dedupHits', 0, 'after alternating runs');
      return;
    case 'doublePrepare': {
      s.prepare(id0, sc.callables.primary());
      let error: unknown = undefined;
      try {
        s.prepare(id0, sc.callables.primary());
      } catch (e) {
        error = e;
      }
      const code = (error as { code?: unknown } | undefined)?.code;
      s.check(
        'second prepare fails with CALLABLE_ALREADY_PREPARED',
        error instanceof CallableError && code === RunnerErrorCode.CallableExists,
        error === undefined ? 'expected an error, the second prepare succeeded' : `got ${String(code)}: ${errorMessage(error)}`,
      );
      sc.delta('uploads', 1, 'after the failed prepare');
      sc.delta('liveCallables', 1, 'after the failed prepare');
      await sc.runAndVerify(id0); // the first registration is intact
      return;
    }
    case 'unregisterReprepare':
      s.prepare(id0, sc.callables.primary());
      await sc.runAndVerify(id0);
      s.unregister(id0);
      sc.delta('uploads', 1, 'after unregister');
      sc.delta('liveBuffers', 0, 'after unregister');
      s.check('id is gone after unregister', !s.runner.hasCallable(id0), `hasCallable(${id0}) = ${s.runner.hasCallable(id0)}`);
      s.prepare(id0, sc.callables.primary());
      await sc.runAndVerify(id0);
      sc.delta('uploads', 2, 'after re-prepare');
      return;
    case 'sharedCopy':
      s.prepare(id0, sc.callables.primary());
      s.prepare(id1, sc.callables.primary());
      sc.delta('uploads', 1, 'after preparing two identical callables');
      sc.delta('dedupHits', 1, 'after preparing two identical callables');
      sc.delta('liveBuffers', 1, 'after preparing two identical callables');
      await sc.runAndVerify(id0);
      await sc.runAndVerify(id1);
      s.unregister(id0);
      sc.delta('liveBuffers', 1, 'after unregistering the first id');
      await sc.runAndVerify(id1); // still runs on the shared copy
      s.unregister(id1);
      sc.delta('liveBuffers', 0, 'after unregistering both ids');
      return;
  }
}

async function runPreparedCallable(runner: WorkloadRunner, options?: WorkloadRunOptions): Promise<WorkloadResult> {
  options = checkWorkloadRunOptions(preparedCallable, options);
  const c = resolveCase(preparedCallable, options.case);
  const primary = await loadWorkloadKernels(VECTOR_EXAMPLE_ORDERS.primary, runner.platform, options.compile);
  const byName = new Map(primary.map((k) => [k.name, k]));
  const reordered = VECTOR_EXAMPLE_ORDERS.reordered.map((name) => byName.get(name)!);
  return withSession(runner, preparedCallable.name, c.name, options, async (s) => {
    const n = VECTOR_EXAMPLE_ELEMS;
    const a = new Float32Array(n).fill(VECTOR_EXAMPLE_A);
    const b = new Float32Array(n).fill(VECTOR_EXAMPLE_B);
    const tensors: VectorExampleTensors = { a: await s.tensor(a), b: await s.tensor(b), f: await s.zeros(n * 4), scratch: await s.zeros(4 * n * 4) };
    const args: VectorExampleArgs = { tensors, n, readback: new Float32Array(n) };
    // A fresh callable object per prepare, as separate users would make them: sharing must come
    // from identical bytes, not from object identity.
    const callables = {
      primary: () => vectorExampleCallable(primary, VECTOR_EXAMPLE_ORDERS.primary),
      reordered: () => vectorExampleCallable(reordered, VECTOR_EXAMPLE_ORDERS.reordered),
    };
    const sc = new Scenario(s, callables, args, vectorExampleGolden(a, b));
    await runScenario(sc, c.scenario);
    return s.result(vectorExampleGraph(vectorExampleKernelIds(VECTOR_EXAMPLE_ORDERS.primary), tensors, n).length);
  });
}

/** The `prepared_callable` workload. */
export const preparedCallable: Workload<PreparedCallableCase> = {
  name: 'prepared_callable',
  description: 'the callable registry: upload once, run many times, share identical bytes, unregister',
  cases: PREPARED_CALLABLE_CASES,
  defaultCase: 'prepare_once_run_5',
  run: runPreparedCallable,
};
