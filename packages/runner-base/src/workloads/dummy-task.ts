/**
 * `dummy_task`: dependency-only tasks must order their successors and never touch
 * memory. A cube producer writes 42.0 into X[0]; dummies sit between it and a cube consumer that
 * copies X[0] into Y[0]. Y (and X, W) start at −1.0, so a dummy that fails to order shows up as
 * Y[0] = −1.0, and one that touches memory as any other element changing.
 */
import type { Callable } from '../callable-registry';
import { InvalidArgumentError } from '../errors';
import type { TaskSpec } from '../runtime-image/task-graph';
import { f32Arg } from './tensors';
import { loadWorkloadKernels } from './kernels';
import { checkWorkloadRunOptions, resolveCase, withSession } from './session';
import type { Workload, WorkloadCase, WorkloadResult, WorkloadRunner, WorkloadRunOptions } from './types';
import { EXACT } from './verify';

/** Elements of X, Y and W. */
export const DUMMY_TASK_ELEMS = 16;
/** What the producer writes. */
export const DUMMY_TASK_VALUE = 42.0;
/** What X, Y and W start as. */
export const DUMMY_TASK_FILL = -1.0;

/** The three shapes of the workload (the upstream runner's cases 1–3). */
export type DummyTaskShape = 'single' | 'chain' | 'barrier';

/** A case of `dummy_task`. */
export interface DummyTaskCase extends WorkloadCase {
  /** Graph shape. */
  shape: DummyTaskShape;
  /** Dummies between producer and consumer (`chain`: the chain's length; otherwise 1). */
  dummies: number;
}

/** The cases: 1 `single_dummy`, 2 `long_dummy_chain`, 3 `dummy_barrier`. */
export const DUMMY_TASK_CASES: readonly DummyTaskCase[] = [
  { name: 'single_dummy', description: 'write X → dummy(X in-out) → copy X[0] to Y[0]', shape: 'single', dummies: 1 },
  { name: 'long_dummy_chain', description: 'write X → 16 chained dummies → copy X[0] to Y[0]', shape: 'chain', dummies: 16 },
  {
    name: 'dummy_barrier',
    description: 'write X and write W, independent → one dummy depending on both → copy X[0] to Y[0]',
    shape: 'barrier',
    dummies: 1,
  },
];

/** Kernel-table indices of the workload's callable. */
export const DUMMY_TASK_KERNELS = { writeConst: 0, copyFirst: 1 } as const;

/** Device addresses of X, Y and W. */
export interface DummyTaskTensors {
  /** X: written by the producer, read by the consumer. */
  x: bigint;
  /** Y: written by the consumer. */
  y: bigint;
  /** W: written by the second producer (`barrier` only). */
  w: bigint;
}

/**
 * The task graph of a case. Dummies carry the tensors they stand for as arguments, for the record
 * (the runtime never passes them anywhere).
 */
export function dummyTaskGraph(shape: DummyTaskShape, dummies: number, t: DummyTaskTensors): TaskSpec[] {
  const { writeConst, copyFirst } = DUMMY_TASK_KERNELS;
  // write_const and copy_first write element 0 only, so what they write to is in-out: the rest of
  // the tensor passes through.
  const v = (addr: bigint, role: 'input' | 'inout') => f32Arg(addr, [DUMMY_TASK_ELEMS], role);
  const tasks: TaskSpec[] = [{ kernel: writeConst, args: [v(t.x, 'inout')], label: 'write X' }];
  if (shape === 'barrier') {
    tasks.push({ kernel: writeConst, args: [v(t.w, 'inout')], label: 'write W' });
    tasks.push({ kernel: null, args: [v(t.x, 'inout'), v(t.w, 'inout')], deps: [0, 1], label: 'barrier' });
  } else {
    const count = shape === 'single' ? 1 : dummies;
    if (!Number.isSafeInteger(count) || count < 1) throw new InvalidArgumentError('dummyTaskGraph', 'dummies', count, 'a positive integer');
    for (let i = 0; i < count; i++) {
      tasks.push({ kernel: null, args: [v(t.x, 'inout')], deps: [tasks.length - 1], label: `dummy ${i}` });
    }
  }
  tasks.push({ kernel: copyFirst, args: [v(t.x, 'input'), v(t.y, 'inout')], deps: [tasks.length - 1], label: 'copy X[0] → Y[0]' });
  return tasks;
}

/** Golden X, Y, W of a case: X[0] = Y[0] = 42 (and W[0] = 42 for `barrier`), everything else −1. */
export function dummyTaskGolden(shape: DummyTaskShape): { x: Float32Array; y: Float32Array; w: Float32Array } {
  const filled = (): Float32Array => new Float32Array(DUMMY_TASK_ELEMS).fill(DUMMY_TASK_FILL);
  const x = filled();
  const y = filled();
  const w = filled();
  x[0] = DUMMY_TASK_VALUE;
  y[0] = DUMMY_TASK_VALUE;
  if (shape === 'barrier') w[0] = DUMMY_TASK_VALUE;
  return { x, y, w };
}

/** The callable's run arguments: the case, the tensors, and host views the outputs are read into. */
export interface DummyTaskArgs {
  /** The case. */
  case: DummyTaskCase;
  /** Device tensors. */
  tensors: DummyTaskTensors;
  /** Host views filled after the run. */
  readback: { x: Float32Array; y: Float32Array; w: Float32Array };
}

/** The callable: write_const and copy_first, orchestrated per case. */
export function dummyTaskCallable(kernels: Callable['kernels']): Callable<DummyTaskArgs> {
  return {
    kernels,
    orchestrate: (args) => ({
      tasks: dummyTaskGraph(args.case.shape, args.case.dummies, args.tensors),
      outputs: (['x', 'y', 'w'] as const).map((k) => ({ addr: args.tensors[k], view: args.readback[k] })),
      blockDim: 1, // the upstream runner runs it on one block: ordering, not parallelism, is under test
    }),
  };
}

async function runDummyTask(runner: WorkloadRunner, options?: WorkloadRunOptions): Promise<WorkloadResult> {
  options = checkWorkloadRunOptions(dummyTask, options);
  const c = resolveCase(dummyTask, options.case);
  const kernels = await loadWorkloadKernels(['write_const', 'copy_first'], runner.platform, options.compile);
  return withSession(runner, dummyTask.name, c.name, options, async (s) => {
    const init = new Float32Array(DUMMY_TASK_ELEMS).fill(DUMMY_TASK_FILL);
    const tensors = { x: await s.tensor(init), y: await s.tensor(init), w: await s.tensor(init) };
    const readback = { x: new Float32Array(DUMMY_TASK_ELEMS), y: new Float32Array(DUMMY_TASK_ELEMS), w: new Float32Array(DUMMY_TASK_ELEMS) };
    const id = s.id('callable');
    s.prepare(id, dummyTaskCallable(kernels));
    const args: DummyTaskArgs = { case: c, tensors, readback };
    await s.run(id, args);
    const golden = dummyTaskGolden(c.shape);
    for (const k of ['x', 'y', 'w'] as const) await s.verify(k, golden[k], readback[k], EXACT);
    return s.result(dummyTaskGraph(c.shape, c.dummies, tensors).length);
  });
}

/** The `dummy_task` workload. */
export const dummyTask: Workload<DummyTaskCase> = {
  name: 'dummy_task',
  description: 'dependency-only tasks order their successors and never touch memory',
  cases: DUMMY_TASK_CASES,
  defaultCase: 'single_dummy',
  run: runDummyTask,
};
