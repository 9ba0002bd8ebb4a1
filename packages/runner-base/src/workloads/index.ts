/**
 * The four smoke workloads, shared by both arches: `dummy_task`,
 * `alternating_matmul_add`, `prepared_callable`, `spmd_basic`. Each compiles its kernels, runs
 * through a prepared callable, and verifies its outputs against a golden computed in TypeScript.
 */
import { InvalidArgumentError } from '../errors';
import { alternatingMatmulAdd } from './alternating-matmul-add';
import { dummyTask } from './dummy-task';
import { preparedCallable } from './prepared-callable';
import { spmdBasic } from './spmd-basic';
import type { Workload, WorkloadResult, WorkloadRunner, WorkloadRunOptions } from './types';

export * from './types';
export * from './kernels';
export * from './scalar-encoding';
export * from './prng';
export * from './verify';
export { ComputePool, workloadComputePool } from './compute-pool';
export { runComputeJob, type ComputeJob, type ComputeResults } from './compute-jobs';
export { WorkloadSession, withSession, resolveCase, checkWorkloadRunOptions, WORKLOAD_RUN_OPTION_KEYS } from './session';
export * from './dummy-task';
export * from './alternating-matmul-add';
export * from './prepared-callable';
export * from './spmd-basic';

/** Names of the bundled workloads. */
export type WorkloadName = 'dummy_task' | 'alternating_matmul_add' | 'prepared_callable' | 'spmd_basic';

/** The bundled workloads, by name. */
export const workloads: Readonly<Record<WorkloadName, Workload>> = Object.freeze({
  dummy_task: dummyTask,
  alternating_matmul_add: alternatingMatmulAdd,
  prepared_callable: preparedCallable,
  spmd_basic: spmdBasic,
});

/** Names of the bundled workloads, in the order the CLI lists them. */
export const workloadNames: readonly WorkloadName[] = Object.freeze(Object.keys(workloads) as WorkloadName[]);

/**
 * Looks a workload up by name.
 *
 * @throws InvalidArgumentError `RUNNER_INVALID_ARGUMENT` naming the bundled workloads
 */
export function getWorkload(name: string): Workload {
  if (!Object.prototype.hasOwnProperty.call(workloads, name)) {
    throw new InvalidArgumentError('runWorkload', 'name', name, `one of ${workloadNames.join(', ')}`);
  }
  return workloads[name as WorkloadName];
}

/**
 * Runs one case (default: the workload's `defaultCase`) of a bundled workload on `runner`.
 *
 * @example
 * ```ts
 * const result = await runWorkload(runner, 'spmd_basic', { case: 'auto_block_dim' });
 * if (!result.verified) console.error(result.mismatches);
 * ```
 * @throws InvalidArgumentError for an unknown workload or case; whatever the runner or the kernel
 *   compiler throws. A wrong result is reported as `verified: false`, not thrown.
 */
export async function runWorkload(runner: WorkloadRunner, name: string, options?: WorkloadRunOptions): Promise<WorkloadResult> {
  return getWorkload(name).run(runner, options);
}
