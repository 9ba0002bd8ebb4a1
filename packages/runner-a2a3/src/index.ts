/**
 * `@npurun/runner-a2a3`: npurun for a2a3 — `A2A3Runner`, its KernelArgs layout, the bundled smoke
 * workloads and the `npurun-a2a3` command.
 *
 * @packageDocumentation
 */
export { A2A3Runner, type A2A3RunnerOptions } from './a2a3-runner';
export { A2A3KernelArgs } from './kernel-args';
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
// dep_gen: a2a3's dependency capture and its deps.json replay
export { DepGenCollector, DEPS_JSON_FILE, type DepGenCollectorOptions } from './dep-gen/collector';
export { replayDeps, dependencyEdgesOf, type DepsReplay } from './dep-gen/replay';
export type { DepsJson, DepsJsonArg, DepsJsonTask, DepsJsonTensor, DepsJsonEdge, DepsEdgeSource, DepsArgType } from './dep-gen/deps-json';
