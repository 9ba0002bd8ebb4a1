/**
 * `@npurun/runner-a5`: npurun for a5, and the one package a user installs. Besides `A5Runner`, its
 * KernelArgs layout and the `npurun-a5` command, it re-exports the whole public API of the packages
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
export { A5Runner, type A5RunnerOptions } from './a5-runner';
export { A5KernelArgs } from './kernel-args';
export { main as runCliMain, cliSpec } from './cli';
// The public API of the packages this one is built from (see above).
export * from '@npurun/runner-base';
export * from '@npurun/hal-native';
export * from '@npurun/collectors';
export * from '@npurun/results';
// Both collectors and results name a task-id formatter; a user formats the ids readRun returns.
export { hexTaskId } from '@npurun/results';
