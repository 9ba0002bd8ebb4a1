/**
 * The workload kernels: where their sources live, what they are called, which cores they run on
 * and how many arguments they take. Sources are in runner-base's `device/kernels/`; each is one
 * kernel image exporting one entry.
 */
import * as path from 'node:path';
import type { Platform } from '@npurun/hal-native';
import type { CallableKernel } from '../callable-registry';
import { compileKernel } from '../compile-kernel';
import { InvalidArgumentError } from '../errors';
import { simDeviceIncludeDir } from '../sim-executor';
import type { KernelCoreType } from '../runtime-image/task-graph';
import type { WorkloadKernelCompileRequest, WorkloadKernelCompiler } from './types';

/** Static facts about one workload kernel. */
export interface WorkloadKernelSpec {
  /** Kernel name (also its entry symbol and its source's base name). */
  name: string;
  /** Core type it is built for. */
  coreType: KernelCoreType;
  /** Argument count (every task using it passes exactly this many). */
  argCount: number;
  /** What the arguments are, in order (docs and errors). */
  args: readonly string[];
}

/** Every workload kernel, by name. */
export const WORKLOAD_KERNELS = {
  write_const: { name: 'write_const', coreType: 'cube', argCount: 1, args: ['out'] },
  copy_first: { name: 'copy_first', coreType: 'cube', argCount: 2, args: ['in', 'out'] },
  matmul_tile128: { name: 'matmul_tile128', coreType: 'cube', argCount: 4, args: ['A', 'B', 'C', 'tiles'] },
  add_tile128: { name: 'add_tile128', coreType: 'vector', argCount: 4, args: ['X', 'Y', 'Z', 'tiles'] },
  vector_add: { name: 'vector_add', coreType: 'vector', argCount: 4, args: ['x', 'y', 'out', 'n'] },
  vector_add_scalar: { name: 'vector_add_scalar', coreType: 'vector', argCount: 4, args: ['x', 'out', 'scalarBits', 'n'] },
  vector_mul: { name: 'vector_mul', coreType: 'vector', argCount: 4, args: ['x', 'y', 'out', 'n'] },
  spmd_read_aic: { name: 'spmd_read_aic', coreType: 'cube', argCount: 1, args: ['out'] },
  spmd_read_aiv: { name: 'spmd_read_aiv', coreType: 'vector', argCount: 1, args: ['out'] },
} as const satisfies Record<string, WorkloadKernelSpec>;

/** Name of a workload kernel. */
export type WorkloadKernelName = keyof typeof WORKLOAD_KERNELS;

// src/workloads and dist/workloads both sit two levels below the package root.
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

/** Directory holding the kernel sources (`<runner-base>/device/kernels`). */
export function workloadKernelsDir(): string {
  return path.join(PACKAGE_ROOT, 'device', 'kernels');
}

/** Absolute path of a kernel's source. */
export function workloadKernelSource(name: WorkloadKernelName): string {
  return path.join(workloadKernelsDir(), `${name}.cpp`);
}

/** The default compiler: runner-base's `compileKernel` (content-hash cached on disk). */
export const defaultWorkloadKernelCompiler: WorkloadKernelCompiler = (request: WorkloadKernelCompileRequest) =>
  compileKernel({ sources: [request.source], platform: request.platform, includeDirs: request.includeDirs });

/**
 * Compiles workload kernels for `platform` and returns them as callable kernels, in the order
 * given (the order tasks refer to them by index).
 *
 * @throws InvalidArgumentError for an unknown kernel name; the compiler's error when a build fails
 */
export async function loadWorkloadKernels(
  names: readonly WorkloadKernelName[],
  platform: Platform,
  compile: WorkloadKernelCompiler = defaultWorkloadKernelCompiler,
): Promise<CallableKernel[]> {
  const unique = [...new Set(names)];
  for (const n of unique) {
    if (!Object.prototype.hasOwnProperty.call(WORKLOAD_KERNELS, n)) {
      throw new InvalidArgumentError('loadWorkloadKernels', 'name', n, `one of ${Object.keys(WORKLOAD_KERNELS).join(', ')}`);
    }
  }
  const images = new Map<WorkloadKernelName, Uint8Array>();
  await Promise.all(
    unique.map(async (n) => {
      images.set(n, await compile({ source: workloadKernelSource(n), includeDirs: [simDeviceIncludeDir], platform }));
    }),
  );
  return names.map((n) => {
    const spec: WorkloadKernelSpec = WORKLOAD_KERNELS[n];
    return { name: spec.name, entry: spec.name, image: images.get(n)!, coreType: spec.coreType, argCount: spec.argCount };
  });
}
