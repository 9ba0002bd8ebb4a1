/**
 * `@npurun/runner-base`: `DeviceRunnerBase` and what it owns — the device-memory allocator,
 * `DeviceArena` and the static arenas, executor registration and launch, the callable registry,
 * the runtime image (task graph encoding and its C header), the shared run steps, finalize, the
 * kernel compiler front end and the logger. The arch packages (`@npurun/runner-a2a3`,
 * `@npurun/runner-a5`) build on it.
 *
 * @packageDocumentation
 */
export * from './errors';
export { isNpurunError, npurunErrorCode, type NpurunError } from './npurun-error';
// the other two error classes of the family, so one import serves them all
export { CollectorError, OutputWriteError } from '@npurun/collectors';
export { checkOptions, closestName, toAbortSignal } from './options';
export { toByteSize, toDeviceAddress, alignUp } from './validate';
export * from './logger';
export { DeviceAllocator, type MemoryStats, type AllocationInfo } from './device-allocator';
export { DeviceArena, type ArenaAllocator } from './device-arena';
export { StaticArenas, ARENA_REGIONS, type StaticArenaSizes } from './static-arenas';
export { AicoreExecutor } from './aicore-executor';
export { resolveBlockDim, resolveAicpuThreads } from './block-dim';
export { fnv1a64, Fnv1a64 } from './fnv1a';
export * from './callable-registry';
export * from './runtime-image/task-graph';
export * from './runtime-image/layout';
export { validateGraph, type ValidatedGraph, type ResolvedTask, type ResolvedTensor } from './runtime-image/validate-graph';
export { encodeRuntimeImage, type RuntimeImage } from './runtime-image/encode';
export { compileGraph, type CompiledGraph } from './runtime-image/compiled-graph';
export { decodeRuntimeImage, type DecodedRuntimeImage, type DecodedTask, type DecodedKernel, type DecodedTensor } from './runtime-image/decode';
export { runtimeImageHeaderText, writeRuntimeImageHeader, runtimeImageIncludeDir } from './runtime-image/header';
export * from './run-types';
export { buildTaskTable, type RunTaskTable, type RunTaskRow, type RunKernelRow, type RunTaskCoreType } from './task-table';
export { runIdentity, toRunTag, type RunIdentity } from './run-identity';
export { tracePid, traceProcessName, traceExportOptions } from './trace-inputs';
export { RunContext, type RunCollectorEntry, type CollectorPhase } from './run-context';
export * from './collector-wiring';
export { copyToDeviceSliced, copyFromDeviceSliced, zeroDeviceSliced, readOutputsSliced, COPY_PIECE_BYTES, type CopyTarget } from './sliced-copy';
export { normalizeDiagnostics, enabledDiagnostics } from './diagnostics';
export {
  buildRunJson,
  stringifyRunJson,
  writeRunJson,
  npurunVersion,
  RUN_JSON_SCHEMA_VERSION,
  RUN_JSON_FILE,
  type RunJsonInput,
  type RunStatus,
  type RunFileEntry,
} from './run-json';
export { checkOutputDirWritable, removePreviousRun, parseRunManifest, describeOutputFiles } from './output-dir';
export { compileKernel, findVendorKernelCompiler, type CompileKernelOptions } from './compile-kernel';
export {
  DeviceRunnerBase,
  DEFAULT_RUN_TIMEOUT_MS,
  MAX_RUN_TIMEOUT_MS,
  RUNNER_OPTION_KEYS,
  checkRunnerOptions,
  resolvePlatform,
  resolveArchSpec,
  type ArchSpec,
  type CommonKernelArgs,
  type DeviceRunnerOptions,
  type ExecutorBinaries,
  type HalFactory,
  type KernelArgsUploadPoint,
} from './device-runner-base';
// the simulated runtime: dispatch registers and executor programs shared by both arches
export * from './sim-dispatch';
export * from './sim-executor';
// the four smoke workloads
export * from './workloads';
// the CLI skeleton of npurun-a2a3 / npurun-a5
export * from './cli';
export { KERNEL_ARGS_FRONT } from './kernel-args-front';
// reading a run's files, its report and .npy export (the CLI's `view` / `export-npy`)
export { readRun, writeReport, exportNpy, ResultsError, ResultsErrorCode, type RunResults, type NpyExport } from '@npurun/results';
