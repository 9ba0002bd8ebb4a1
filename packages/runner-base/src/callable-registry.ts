/**
 * The callable registry: callables are uploaded once and run many times; callables whose
 * device bytes are identical share one reference-counted device copy.
 */
import type { DeviceAllocator } from './device-allocator';
import { CallableError, GraphError, InvalidArgumentError, RunnerErrorCode, TeardownError, describeValue } from './errors';
import { fnv1a64 } from './fnv1a';
import type { KernelCoreType, KernelRef, TaskSpec } from './runtime-image/task-graph';
import type { DeviceReadback } from './run-types';

/** Kernel images in a callable buffer start at multiples of this (the hardware's code alignment). */
export const CALLABLE_ALIGN = 64;

/** A callable's kernel: its binary and how to call it. */
export interface CallableKernel {
  /** Kernel name (logs, exports). */
  name: string;
  /** The kernel image: on the simulator, an ELF shared object (see `compileKernel`). */
  image: Uint8Array;
  /** Entry symbol in the image; default: `name`. */
  entry?: string;
  /** Core type the kernel is built for. */
  coreType: KernelCoreType;
  /** Argument count, checked against every task that uses the kernel. */
  argCount?: number;
}

/** What a callable's orchestration produces for one run. */
export interface CallableRunPlan {
  /** Tasks; kernel indices refer to the callable's `kernels`. */
  tasks: readonly TaskSpec[];
  /** Device ranges copied back to host views after the run. */
  outputs?: readonly DeviceReadback[];
  /** `blockDim` for this run (default: the run options', else the arch's maximum). */
  blockDim?: number;
  /** AI CPU threads for the run's `run` kernel (default: the arch's launch count). */
  aicpuThreads?: number;
}

/**
 * A callable: kernel binaries (uploaded once, at prepare) plus a host orchestration function that
 * builds each run's task graph from the run's arguments.
 *
 * @typeParam A the argument type `runPrepared` passes to `orchestrate`
 */
export interface Callable<A = unknown> {
  /** The kernels, in the order tasks refer to them. */
  kernels: readonly CallableKernel[];
  /** Builds one run's tasks. */
  orchestrate(args: A): CallableRunPlan;
}

/** A callable id: a non-negative integer or a non-empty string. */
export type CallableId = number | string;

/** Counters of the registry. Monotonic except the `live*` ones. */
export interface CallableStats {
  /** Successful `prepare` calls. */
  prepares: number;
  /** Device copies uploaded (content seen for the first time while no live copy had it). */
  uploads: number;
  /** Prepares that reused a live device copy with identical bytes. */
  dedupHits: number;
  /** Device copies currently held. */
  liveBuffers: number;
  /** Callables currently prepared. */
  liveCallables: number;
}

/** The state a prepared callable holds. */
export interface PreparedCallable {
  /** Its id. */
  readonly id: CallableId;
  /** The callable as given. */
  readonly callable: Callable<unknown>;
  /** Kernel table entries pointing into the (shared) device copy. */
  readonly kernels: readonly KernelRef[];
  /** FNV-1a 64 of the device bytes. */
  readonly hash: bigint;
  /** Device address of the (shared) copy. */
  readonly bufferAddr: bigint;
}

interface SharedBuffer {
  hash: bigint;
  addr: bigint;
  bytes: Uint8Array;
  refs: number;
}

/** The part of the device allocator a {@link CallableRegistry} uses. */
export type RegistryMemory = Pick<DeviceAllocator, 'alloc' | 'free' | 'copyToDevice'>;

/** Packs the kernel images at {@link CALLABLE_ALIGN}-aligned offsets. */
export function packCallableImages(kernels: readonly CallableKernel[]): { bytes: Uint8Array; offsets: number[] } {
  const offsets: number[] = [];
  let size = 0;
  for (const k of kernels) {
    offsets.push(size);
    size = Math.ceil((size + k.image.byteLength) / CALLABLE_ALIGN) * CALLABLE_ALIGN;
  }
  const bytes = new Uint8Array(size);
  kernels.forEach((k, i) => bytes.set(k.image, offsets[i]));
  return { bytes, offsets };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/** Validates a callable id. */
export function toCallableId(op: string, id: unknown): CallableId {
  if ((typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) || (typeof id === 'string' && id.length > 0)) return id;
  throw new InvalidArgumentError(op, 'id', id, 'a non-negative integer or a non-empty string');
}

function checkCallable(op: string, id: CallableId, callable: Callable<unknown>): void {
  if (typeof callable !== 'object' || callable === null || typeof callable.orchestrate !== 'function' || !Array.isArray(callable.kernels)) {
    throw new InvalidArgumentError(op, 'callable', callable, 'an object with kernels[] and orchestrate()');
  }
  if (callable.kernels.length === 0) throw new InvalidArgumentError(op, 'callable.kernels', callable.kernels, 'at least one kernel');
  callable.kernels.forEach((k, i) => {
    if (typeof k !== 'object' || k === null || typeof k.name !== 'string' || k.name === '') {
      throw new InvalidArgumentError(op, `callable.kernels[${i}].name`, k?.name, 'a non-empty string');
    }
    if (!(k.image instanceof Uint8Array) || k.image.byteLength === 0) {
      throw new GraphError('kernelImage', `callable ${describeValue(id)}: kernel ${i} (${JSON.stringify(k.name)}) has an empty or missing image`);
    }
  });
}

/**
 * Prepared callables by id, and the shared device copies they point into. Device memory comes from
 * the runner's allocator, so copies show in `memoryStats()` and are swept by finalize.
 */
export class CallableRegistry {
  private readonly byId = new Map<CallableId, { prepared: PreparedCallable; buffer: SharedBuffer }>();
  private readonly buffers = new Map<bigint, SharedBuffer[]>(); // hash -> copies (collisions kept apart)
  private counters = { prepares: 0, uploads: 0, dedupHits: 0 };

  /** @param memory the runner's allocator */
  constructor(private readonly memory: RegistryMemory) {}

  /**
   * Uploads a callable's kernels (or shares an identical live copy) and registers it under `id`.
   * All-or-nothing: on failure nothing is registered and nothing stays allocated.
   *
   * @throws CallableError `CALLABLE_ALREADY_PREPARED` when `id` is taken; InvalidArgumentError /
   *   GraphError for a malformed callable; the allocator's or HAL's error when the upload fails
   */
  prepare(id: CallableId, callable: Callable<unknown>): PreparedCallable {
    const key = toCallableId('prepareCallable', id);
    if (this.byId.has(key)) {
      throw new CallableError(RunnerErrorCode.CallableExists, 'prepareCallable', key, `callable ${describeValue(key)} is already prepared; unregister it first`);
    }
    checkCallable('prepareCallable', key, callable);
    const { bytes, offsets } = packCallableImages(callable.kernels);
    const hash = fnv1a64(bytes);
    let buffer = this.buffers.get(hash)?.find((b) => sameBytes(b.bytes, bytes));
    if (buffer === undefined) {
      const addr = this.memory.alloc(bytes.byteLength, 'callable');
      try {
        this.memory.copyToDevice(addr, bytes);
      } catch (e) {
        this.memory.free(addr);
        throw e;
      }
      buffer = { hash, addr, bytes, refs: 0 };
      const list = this.buffers.get(hash) ?? [];
      list.push(buffer);
      this.buffers.set(hash, list);
      this.counters.uploads++;
    } else {
      this.counters.dedupHits++;
    }
    buffer.refs++;
    const base = buffer.addr;
    const kernels: KernelRef[] = callable.kernels.map((k, i) => ({
      name: k.name,
      entry: k.entry ?? k.name,
      imageAddr: base + BigInt(offsets[i]!),
      imageSize: k.image.byteLength,
      coreType: k.coreType,
      ...(k.argCount !== undefined ? { argCount: k.argCount } : {}),
    }));
    const prepared: PreparedCallable = { id: key, callable, kernels, hash, bufferAddr: base };
    this.byId.set(key, { prepared, buffer });
    this.counters.prepares++;
    return prepared;
  }

  /**
   * The prepared state of `id`.
   *
   * @throws CallableError `CALLABLE_UNKNOWN` when `id` was never prepared (or was unregistered)
   */
  get(id: CallableId, op = 'runPrepared'): PreparedCallable {
    const entry = this.byId.get(toCallableId(op, id));
    if (entry === undefined) {
      throw new CallableError(RunnerErrorCode.CallableUnknown, op, id, `callable ${describeValue(id)} was never prepared (or was unregistered)`);
    }
    return entry.prepared;
  }

  /** Whether `id` is prepared. */
  has(id: CallableId): boolean {
    return this.byId.has(id);
  }

  /**
   * Drops `id`; frees its device copy when no other prepared callable shares it.
   *
   * @throws CallableError `CALLABLE_UNKNOWN` when `id` is not prepared
   */
  unregister(id: CallableId): void {
    const key = toCallableId('unregisterCallable', id);
    const entry = this.byId.get(key);
    if (entry === undefined) {
      throw new CallableError(RunnerErrorCode.CallableUnknown, 'unregisterCallable', key, `callable ${describeValue(key)} is not prepared`);
    }
    const { buffer } = entry;
    if (buffer.refs === 1) {
      // Free first: if the device refuses, the callable stays registered and the caller can retry.
      this.memory.free(buffer.addr);
      this.dropBuffer(buffer);
    }
    buffer.refs--;
    this.byId.delete(key);
  }

  /** Counters (see {@link CallableStats}). */
  stats(): CallableStats {
    let liveBuffers = 0;
    for (const list of this.buffers.values()) liveBuffers += list.length;
    return { ...this.counters, liveBuffers, liveCallables: this.byId.size };
  }

  /**
   * Unregisters everything, freeing every device copy (each free attempted). Counters are kept.
   *
   * @throws TeardownError with every failed free
   */
  clear(): void {
    const errors: unknown[] = [];
    for (const list of this.buffers.values()) {
      for (const b of list) {
        try {
          this.memory.free(b.addr);
        } catch (e) {
          errors.push(e);
        }
      }
    }
    this.buffers.clear();
    this.byId.clear();
    if (errors.length > 0) throw new TeardownError('clearCallables', errors);
  }

  /** Forgets everything without device calls (the memory was swept elsewhere). */
  forgetAll(): void {
    this.buffers.clear();
    this.byId.clear();
  }

  private dropBuffer(buffer: SharedBuffer): void {
    const list = this.buffers.get(buffer.hash) ?? [];
    const rest = list.filter((b) => b !== buffer);
    if (rest.length === 0) this.buffers.delete(buffer.hash);
    else this.buffers.set(buffer.hash, rest);
  }
}
