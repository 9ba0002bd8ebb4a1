/**
 * The host-built task graph: what a run executes, before it is encoded into a runtime image.
 * Plain data, so graphs can be built by hand, by {@link TaskGraphBuilder}, or by a callable's
 * orchestration function, and validated without a device.
 */

/** Which AI Core cores a kernel is built for. */
export type KernelCoreType = 'cube' | 'vector';

/**
 * Which cores a task runs on: one cube core, one vector core, or a mixed (SPMD "mix") task that
 * runs one cube and two vector cores of the same block together.
 */
export type TaskCoreType = KernelCoreType | 'mixed';

/** One entry of the kernel table: a kernel image already resident in device memory. */
export interface KernelRef {
  /** Human-readable kernel name (swimlane and dump exports use it). */
  name: string;
  /** Symbol the AI Core worker resolves in the image (a C identifier, < 64 bytes). */
  entry: string;
  /** Device address of the kernel image (on the simulator, an ELF shared object). */
  imageAddr: bigint;
  /** Image size in bytes. */
  imageSize: bigint | number;
  /** The core type the kernel is built for. */
  coreType: KernelCoreType;
  /** Number of arguments the kernel takes; when given, every task using it must pass exactly this many. */
  argCount?: number;
}

/** The three kernels of a mixed task: one per sub-core of the block. */
export interface MixedKernelIds {
  /** Kernel run on the cube core. */
  cube: number;
  /** Kernel run on vector sub-core 0. */
  vector0: number;
  /** Kernel run on vector sub-core 1. */
  vector1: number;
}

/** Element type of a described tensor (the tensor dump's `DataType` names, lower-case). */
export type TensorDtype =
  | 'float32'
  | 'float16'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bfloat16'
  | 'int64'
  | 'uint64'
  | 'uint16'
  | 'uint32';

/** How a task uses a described tensor: reads it (`input`), writes it (`output`) or both (`inout`). */
export type TensorRole = 'input' | 'output' | 'inout';

/**
 * What an address argument points at: a contiguous row-major tensor. Optional; tools that look at
 * tensors (the tensor dump) see only described arguments.
 */
export interface TensorInfo {
  /** Bytes of the tensor; must equal the product of `shape` times the element size. */
  bytes: number | bigint;
  /** Element type. */
  dtype: TensorDtype;
  /** Extent of each dimension, outermost first; 0 to 5 dimensions (`[]` is one element). */
  shape: readonly number[];
  /** How the task uses it; default `inout` (a dump then copies it before and after the task). */
  role?: TensorRole;
}

/** A task argument: a device address (optionally a described tensor) or a 64-bit scalar. */
export type TaskArg =
  | {
      /** A device address. */
      kind: 'addr';
      /** The address. */
      value: bigint;
      /** What the address points at, when known. */
      tensor?: TensorInfo;
    }
  | {
      /** A scalar, passed as 64 bits (negative values in two's complement). */
      kind: 'scalar';
      /** The value: a safe integer `number`, or a `bigint` in [-2^63, 2^64). */
      value: bigint | number;
    };

/** One task of a graph. */
export interface TaskSpec {
  /**
   * Kernel-table index (a cube or vector task), the three indices of a mixed task, or
   * `null`/omitted for a dependency-only ("dummy") task, which orders its successors and never
   * runs a kernel or touches memory.
   */
  kernel?: number | MixedKernelIds | null;
  /**
   * Optional assertion of the task's core type; when omitted it is inferred (the kernel's core
   * type, or `mixed` for three kernels). Validation fails when it disagrees with the kernels.
   */
  coreType?: TaskCoreType;
  /** Arguments, passed to the task's kernel(s) in order. Dummy tasks may carry them for the record; they are never passed anywhere. */
  args?: readonly TaskArg[];
  /** Indices of the tasks this task waits for. */
  deps?: readonly number[];
  /** Optional label for logs and exports. */
  label?: string;
}

/** A host-built task graph: the kernel table and the tasks that use it. */
export interface TaskGraph {
  /** Kernel table; tasks refer to kernels by index. */
  kernels: readonly KernelRef[];
  /** Tasks; dependencies refer to tasks by index. */
  tasks: readonly TaskSpec[];
}

/** Shorthand for an address argument. */
export function addrArg(value: bigint): TaskArg {
  return { kind: 'addr', value };
}

/** Shorthand for an address argument that points at a described tensor. */
export function tensorArg(value: bigint, tensor: TensorInfo): TaskArg {
  return { kind: 'addr', value, tensor };
}

/** Shorthand for a scalar argument. */
export function scalarArg(value: bigint | number): TaskArg {
  return { kind: 'scalar', value };
}

/**
 * Builds a {@link TaskGraph} step by step; ids returned by `addKernel`/`addTask` are the indices
 * used in dependencies. Validation happens when the graph is encoded.
 */
export class TaskGraphBuilder {
  private readonly kernels: KernelRef[] = [];
  private readonly tasks: TaskSpec[] = [];

  /** Adds a kernel-table entry and returns its index. */
  addKernel(kernel: KernelRef): number {
    this.kernels.push(kernel);
    return this.kernels.length - 1;
  }

  /** Adds a cube, vector or mixed task and returns its index. */
  addTask(kernel: number | MixedKernelIds, args: readonly TaskArg[] = [], deps: readonly number[] = [], label?: string): number {
    this.tasks.push({ kernel, args, deps, ...(label !== undefined ? { label } : {}) });
    return this.tasks.length - 1;
  }

  /** Adds a dependency-only task and returns its index. */
  addDummy(deps: readonly number[] = [], label?: string): number {
    this.tasks.push({ kernel: null, deps, ...(label !== undefined ? { label } : {}) });
    return this.tasks.length - 1;
  }

  /** The graph built so far (a snapshot). */
  build(): TaskGraph {
    return { kernels: [...this.kernels], tasks: this.tasks.map((t) => ({ ...t })) };
  }
}
