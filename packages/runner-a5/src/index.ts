/**
 * `@npurun/runner-a5`: npurun for a5 — `A5Runner`, its KernelArgs layout, the bundled smoke
 * workloads and the `npurun-a5` command.
 *
 * @packageDocumentation
 */
export { A5Runner, type A5RunnerOptions } from './a5-runner';
export { A5KernelArgs } from './kernel-args';
export { workloads, workloadNames, runWorkload, type Workload, type WorkloadResult, type WorkloadName } from '@npurun/runner-base';
export { DeviceRunnerBase } from '@npurun/runner-base';
// a run's files after the run: typed reader, offline report, .npy export (`@npurun/results`)
export { readRun, writeReport, exportNpy, ResultsError, ResultsErrorCode, type RunResults, type NpyExport } from '@npurun/runner-base';
// the error family and cancellation (see runner-base's docs/outputs-and-cancellation.md)
export {
  isNpurunError,
  npurunErrorCode,
  RunnerError,
  RunnerErrorCode,
  RunAbortedError,
  InvalidArgumentError,
  OutputDirectoryError,
  MAX_RUN_TIMEOUT_MS,
  type NpurunError,
  type RunOptions,
  type RunProgress,
  type RunStatus,
} from '@npurun/runner-base';
export { CollectorError, OutputWriteError } from '@npurun/runner-base';
export { HalError } from '@npurun/hal-native';
export { main as runCliMain, cliSpec } from './cli';
