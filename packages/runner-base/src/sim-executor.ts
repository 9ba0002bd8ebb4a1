/**
 * The simulated runtime's executor programs (device/src): the AI CPU scheduler program and the AI
 * Core worker binary that a `*sim` runner loads. Their sources are shared by both arches; what
 * differs per arch is only the KernelArgs layout, handed in as a StructLayout and generated into
 * `npurun/kernel_args.h`. Builds go through hal-native's content-hash cached device compiler.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectorProducerSources, collectorsDeviceIncludeDir } from '@npurun/collectors';
import { compileDeviceProgram, emitCHeader, generatedHeadersCacheDir, type StructLayout } from '@npurun/hal-native';
import type { ExecutorBinaries } from './device-runner-base';
import { InvalidArgumentError } from './errors';
import { runtimeImageHeaderText } from './runtime-image/header';
import { SIM_DISPATCH_CONSTANTS, SimCoreSlot, SimDispatchHeader } from './sim-dispatch';

/** runner-base's hand-written device headers (`npurun/sim_kernel.h`): the kernel ABI of the simulated runtime. */
export const simDeviceIncludeDir: string = path.resolve(__dirname, '..', 'device', 'include');
const executorSourceDir = path.resolve(__dirname, '..', 'device', 'src');

/** Entry names of the simulated AI CPU executor program. */
export const SimAicpuKernel = { init: 'npurun_aicpu_init', run: 'npurun_aicpu_run' } as const;

/** The text of `npurun/sim_dispatch.h`. */
export function simDispatchHeaderText(): string {
  return emitCHeader({
    guard: 'NPURUN_SIM_DISPATCH_H',
    structs: [SimDispatchHeader, SimCoreSlot],
    constants: SIM_DISPATCH_CONSTANTS,
    comment: 'Simulated dispatch registers (KernelArgs.regs on the simulator). Generated from runner-base src/sim-dispatch.ts.',
  });
}

/** The text of `npurun/kernel_args.h` for an arch's KernelArgs layout (C name `npurun_kernel_args`). */
export function kernelArgsHeaderText(kernelArgs: StructLayout<unknown>, arch: string): string {
  return emitCHeader({
    guard: 'NPURUN_KERNEL_ARGS_H',
    structs: [kernelArgs],
    comment: `KernelArgs of ${arch}: the struct handed to every device kernel. Generated from its TypeScript layout.`,
  });
}

/**
 * Writes generated headers under a directory of npurun's cache (the user's own, see hal-native's
 * `generatedHeadersCacheDir`) named by their content hash, so processes that agree on the content
 * share it and a change can never be served stale; returns the directory.
 */
export function materializeHeaders(files: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(files).sort()) hash.update(name).update('\0').update(files[name] ?? '').update('\0');
  const dir = path.join(generatedHeadersCacheDir(), hash.digest('hex').slice(0, 16));
  for (const [name, text] of Object.entries(files)) {
    const target = path.join(dir, name);
    if (fs.existsSync(target) && fs.readFileSync(target, 'utf8') === text) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, target);
  }
  return dir;
}

/** The compiled executor programs of one arch. */
export interface SimExecutors {
  /** The AI CPU executor program (kernels `npurun_aicpu_init` and `npurun_aicpu_run`). */
  aicpuProgram: Uint8Array;
  /** The AI Core executor binary (`npurun_aicore_entry`). */
  aicoreBinary: Uint8Array;
}

/**
 * Compiles (or fetches from the cache) the simulated executors for an arch's KernelArgs layout.
 * The AI CPU program links the diagnostics (`device/src/diagnostics_aicpu.cc`) and the collectors'
 * producer library (`npurun/collector_producer.h`); both programs include the collectors' layout
 * headers of the arch (`npurun/collectors/layouts_<arch>.h`).
 *
 * @param extraIncludeDirs include directories an arch adds for its own device headers (a2a3:
 *   `npurun/dep_gen_layout.h`), searched after the shared ones
 */
export async function buildSimExecutors(arch: string, kernelArgs: StructLayout<unknown>, extraIncludeDirs: readonly string[] = []): Promise<SimExecutors> {
  const generated = materializeHeaders({
    'npurun/kernel_args.h': kernelArgsHeaderText(kernelArgs, arch),
    'npurun/runtime_image.h': runtimeImageHeaderText(),
    'npurun/sim_dispatch.h': simDispatchHeaderText(),
  });
  const includeDirs = [simDeviceIncludeDir, generated, executorSourceDir, collectorsDeviceIncludeDir(), ...extraIncludeDirs];
  const defines = { [`NPURUN_ARCH_${arch.toUpperCase()}`]: true } as const;
  const [aicpuProgram, aicoreBinary] = await Promise.all([
    compileDeviceProgram({
      sources: [path.join(executorSourceDir, 'aicpu_executor.cc'), path.join(executorSourceDir, 'diagnostics_aicpu.cc'), ...collectorProducerSources()],
      includeDirs,
      defines,
    }),
    compileDeviceProgram({ sources: [path.join(executorSourceDir, 'aicore_executor.cc')], includeDirs, defines }),
  ]);
  return { aicpuProgram, aicoreBinary };
}

const executorCache = new Map<string, Promise<SimExecutors>>();

/**
 * The executor programs a runner of `arch` loads on `platform`: the simulated executors on a
 * `*sim` platform (compiled once per process and layout), or the ones the caller supplies —
 * which hardware requires, since its executors are the runtime's own device programs.
 *
 * @param extraIncludeDirs passed to {@link buildSimExecutors} (part of the cache key)
 * @throws InvalidArgumentError on hardware without `supplied`
 */
export async function resolveExecutors(
  arch: string,
  kernelArgs: StructLayout<unknown>,
  platform: string,
  supplied: ExecutorBinaries | undefined,
  extraIncludeDirs: readonly string[] = [],
): Promise<ExecutorBinaries> {
  if (supplied !== undefined) return supplied;
  if (!platform.endsWith('sim')) {
    throw new InvalidArgumentError(
      `${arch} runner`,
      'executors',
      undefined,
      `the runtime's AI CPU and AI Core executor binaries on hardware platform '${platform}'`,
    );
  }
  const key = `${arch}:${extraIncludeDirs.join('\0')}:${kernelArgsHeaderText(kernelArgs, arch)}`;
  let pending = executorCache.get(key);
  if (pending === undefined) {
    pending = buildSimExecutors(arch, kernelArgs, extraIncludeDirs);
    executorCache.set(key, pending);
    pending.catch(() => executorCache.delete(key));
  }
  const built = await pending;
  return { aicore: built.aicoreBinary, aicpu: built.aicpuProgram, aicpuInitKernel: SimAicpuKernel.init, aicpuRunKernel: SimAicpuKernel.run };
}
