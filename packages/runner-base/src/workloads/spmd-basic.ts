/**
 * `spmd_basic`: one mixed task runs one block's cube core and both its vector cores
 * together; each sub-core writes where it runs (block index, block count and, for vector cores,
 * sub-block index) into its own 64-byte line of a float32[48] output.
 */
import type { Callable } from '../callable-registry';
import type { TaskSpec } from '../runtime-image/task-graph';
import { f32Arg } from './tensors';
import { loadWorkloadKernels } from './kernels';
import { checkWorkloadRunOptions, resolveCase, withSession } from './session';
import type { Workload, WorkloadCase, WorkloadResult, WorkloadRunner, WorkloadRunOptions } from './types';
import { EXACT } from './verify';

/** Elements of the output: three 64-byte lines of 16 floats. */
export const SPMD_OUTPUT_ELEMS = 48;
/** Floats per line (one line per sub-core). */
export const SPMD_LINE_ELEMS = 16;

/** A case of `spmd_basic`. */
export interface SpmdCase extends WorkloadCase {
  /** The launch's `blockDim` (0 = the arch's maximum). The task itself always spans one block. */
  blockDim: number;
}

/** The cases: the upstream runner's fixed `blockDim` 24, and auto (0). Both must give the same output. */
export const SPMD_CASES: readonly SpmdCase[] = [
  { name: 'block_dim_24', description: 'one mixed task, launched with blockDim 24', blockDim: 24 },
  { name: 'auto_block_dim', description: 'one mixed task, launched with blockDim 0 (the arch maximum)', blockDim: 0 },
];

/** Kernel-table indices: the cube kernel, and the vector kernel both vector sub-cores run. */
export const SPMD_KERNELS = { cube: 0, vector: 1 } as const;

/** The graph: one mixed task over the output. */
export function spmdGraph(out: bigint): TaskSpec[] {
  const { cube, vector } = SPMD_KERNELS;
  // Each sub-core writes a few elements of its own line and leaves the rest: in-out.
  return [{ kernel: { cube, vector0: vector, vector1: vector }, args: [f32Arg(out, [3, SPMD_LINE_ELEMS], 'inout')], label: 'spmd_read' }];
}

/**
 * Golden output: line 0 (cube) `[0, 1]`, line 1 (vector 0) `[0, 1, 0]`, line 2 (vector 1)
 * `[0, 1, 1]`, everything else 0 — block 0 of 1 for every sub-core.
 */
export function spmdGolden(): Float32Array {
  const out = new Float32Array(SPMD_OUTPUT_ELEMS);
  out.set([0, 1], 0);
  out.set([0, 1, 0], SPMD_LINE_ELEMS);
  out.set([0, 1, 1], 2 * SPMD_LINE_ELEMS);
  return out;
}

/** The callable's run arguments. */
export interface SpmdArgs {
  /** Device address of the output. */
  out: bigint;
  /** Host view it is read into. */
  readback: Float32Array;
  /** Launch `blockDim`. */
  blockDim: number;
}

/** The callable: spmd_read_aic and spmd_read_aiv. */
export function spmdCallable(kernels: Callable['kernels']): Callable<SpmdArgs> {
  return {
    kernels,
    orchestrate: (args) => ({ tasks: spmdGraph(args.out), outputs: [{ addr: args.out, view: args.readback }], blockDim: args.blockDim }),
  };
}

async function runSpmd(runner: WorkloadRunner, options?: WorkloadRunOptions): Promise<WorkloadResult> {
  options = checkWorkloadRunOptions(spmdBasic, options);
  const c = resolveCase(spmdBasic, options.case);
  const kernels = await loadWorkloadKernels(['spmd_read_aic', 'spmd_read_aiv'], runner.platform, options.compile);
  return withSession(runner, spmdBasic.name, c.name, options, async (s) => {
    const out = await s.zeros(SPMD_OUTPUT_ELEMS * 4);
    const readback = new Float32Array(SPMD_OUTPUT_ELEMS);
    const id = s.id('callable');
    s.prepare(id, spmdCallable(kernels));
    // blockDim goes in the plan, not the run options, so a caller's `run.blockDim` still overrides it.
    await s.run(id, { out, readback, blockDim: c.blockDim } satisfies SpmdArgs);
    await s.verify('out', spmdGolden(), readback, EXACT);
    return s.result(1);
  });
}

/** The `spmd_basic` workload. */
export const spmdBasic: Workload<SpmdCase> = {
  name: 'spmd_basic',
  description: 'one mixed task: each sub-core of one block reports its block and sub-block index',
  cases: SPMD_CASES,
  defaultCase: 'block_dim_24',
  run: runSpmd,
};
