/**
 * `@npurun/runner-a2a3`: npurun for a2a3, and the one package a user installs. Besides `A2A3Runner`, its
 * KernelArgs layout and the `npurun-a2a3` command, it re-exports the whole public API of the packages
 * it is built from, so everything comes from here (one copy of each class, so `instanceof` holds):
 *
 * - the runner base: `compileKernel`, the task-graph and argument helpers (`tensorArg`,
 *   `scalarArg`, …), callables, static arenas, the bundled workloads, every runner error class;
 * - the HAL (`@npurun/hal-native`): `HalError`, `DeviceCompileError`, the platform types, the
 *   struct-layout helper, the device-program compiler and its cache;
 * - the collectors (`@npurun/collectors`): their options, record layouts and output-file types;
 * - the results (`@npurun/results`): `readRun`, `writeReport`, `exportNpy` and the typed files of a run.
 *
 * @packageDocumentation
 */
export { A2A3Runner, type A2A3RunnerOptions } from './a2a3-runner';
export { A2A3KernelArgs } from './kernel-args';
export { main as runCliMain, cliSpec } from './cli';
// dep_gen: a2a3's dependency capture and its deps.json replay
export { DepGenCollector, DEPS_JSON_FILE, type DepGenCollectorOptions } from './dep-gen/collector';
export { replayDeps, dependencyEdgesOf, type DepsReplay } from './dep-gen/replay';
export type { CapturedRecord, CapturedTask, CapturedOverflow, CapturedTensor } from './dep-gen/records';
export type { DepsJson, DepsJsonArg, DepsJsonTask, DepsJsonTensor, DepsJsonEdge, DepsEdgeSource, DepsArgType } from './dep-gen/deps-json';
// The public API of the packages this one is built from (see above).
export * from '@npurun/runner-base';
export * from '@npurun/hal-native';
export * from '@npurun/collectors';
export * from '@npurun/results';
// Both collectors and results name a task-id formatter; a user formats the ids readRun returns.
export { hexTaskId } from '@npurun/results';
