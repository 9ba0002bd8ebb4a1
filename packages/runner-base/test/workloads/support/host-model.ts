// A host model of a runner, for testing the workloads without a device: host memory, the real
// CallableRegistry and graph validation, and the task graph executed in TypeScript with kernel
// models. Tasks run in an adversarial order: among ready tasks, the last submitted goes first, so
// a dependency a graph forgot shows up as a wrong result instead of passing by submission order.
import type { Platform } from '@npurun/hal-native';
import { CallableRegistry, type Callable, type CallableId, type CallableStats } from '../../../src/callable-registry';
import type { RunOptions, RunResult } from '../../../src/run-types';
import type { KernelRef, TaskSpec } from '../../../src/runtime-image/task-graph';
import { validateGraph, type ResolvedTask } from '../../../src/runtime-image/validate-graph';
import { matmulTilesGolden, TILE_ELEMS } from '../../../src/workloads/alternating-matmul-add';
import { f32FromBits } from '../../../src/workloads/scalar-encoding';
import type { WorkloadKernelCompiler, WorkloadRunner } from '../../../src/workloads/types';

/** What a kernel model sees. */
export interface ModelCtx {
  blockIdx: number;
  blockNum: number;
  subBlockIdx: number;
  subBlockNum: number;
}

/** A kernel model: reads and writes host memory through `mem`. */
export type KernelModel = (mem: HostMemory, args: readonly bigint[], ctx: ModelCtx) => void;

/** Host memory with device-like addresses. */
export class HostMemory {
  private readonly blocks = new Map<bigint, Uint8Array>();
  private next = 0x10000n;

  alloc(size: number | bigint): bigint {
    const addr = this.next;
    this.blocks.set(addr, new Uint8Array(Number(size)));
    this.next += (BigInt(size) + 0xfffn) & ~0xfffn;
    this.next += 0x1000n; // a gap, so running off the end never lands in the next block
    return addr;
  }

  free(addr: bigint): void {
    if (!this.blocks.delete(addr)) throw new Error(`HostMemory.free: unknown address 0x${addr.toString(16)}`);
  }

  get live(): number {
    return this.blocks.size;
  }

  bytes(addr: bigint, size: number): Uint8Array {
    for (const [base, block] of this.blocks) {
      if (addr >= base && addr + BigInt(size) <= base + BigInt(block.byteLength)) {
        const off = Number(addr - base);
        return block.subarray(off, off + size);
      }
    }
    throw new Error(`HostMemory: [0x${addr.toString(16)}, +${size}) is not inside one allocation`);
  }

  f32(addr: bigint, n: number): Float32Array {
    const b = this.bytes(addr, n * 4);
    return new Float32Array(b.buffer, b.byteOffset, n);
  }

  copyToDevice(addr: bigint, view: ArrayBufferView): void {
    this.bytes(addr, view.byteLength).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  }

  copyFromDevice(view: ArrayBufferView, addr: bigint): void {
    new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(this.bytes(addr, view.byteLength));
  }
}

/** Models of every workload kernel, by kernel name. */
export const KERNEL_MODELS: Record<string, KernelModel> = {
  write_const: (m, a) => {
    m.f32(a[0]!, 1)[0] = 42;
  },
  copy_first: (m, a) => {
    m.f32(a[1]!, 1)[0] = m.f32(a[0]!, 1)[0]!;
  },
  matmul_tile128: (m, a) => {
    const n = Number(a[3]!) * TILE_ELEMS;
    m.f32(a[2]!, n).set(matmulTilesGolden(m.f32(a[0]!, n), m.f32(a[1]!, n)));
  },
  add_tile128: (m, a) => binary(m, a[0]!, a[1]!, a[2]!, Number(a[3]!) * TILE_ELEMS, (x, y) => x + y),
  vector_add: (m, a) => binary(m, a[0]!, a[1]!, a[2]!, Number(a[3]!), (x, y) => x + y),
  vector_mul: (m, a) => binary(m, a[0]!, a[1]!, a[2]!, Number(a[3]!), (x, y) => x * y),
  vector_add_scalar: (m, a) => {
    const n = Number(a[3]!);
    const s = f32FromBits(a[2]!);
    const x = m.f32(a[0]!, n);
    const out = m.f32(a[1]!, n);
    for (let i = 0; i < n; i++) out[i] = x[i]! + s;
  },
  spmd_read_aic: (m, a, c) => {
    m.f32(a[0]!, 48).set([c.blockIdx, c.blockNum], 0);
  },
  spmd_read_aiv: (m, a, c) => {
    m.f32(a[0]!, 48).set([c.blockIdx, c.blockNum, c.subBlockIdx], (1 + c.subBlockIdx) * 16);
  },
};

function binary(m: HostMemory, x: bigint, y: bigint, out: bigint, n: number, op: (a: number, b: number) => number): void {
  const xs = m.f32(x, n);
  const ys = m.f32(y, n);
  const os = m.f32(out, n);
  for (let i = 0; i < n; i++) os[i] = op(xs[i]!, ys[i]!);
}

/** Executes a validated graph on host memory; returns the order tasks ran in. */
export function executeGraph(mem: HostMemory, kernels: readonly KernelRef[], tasks: readonly TaskSpec[], models = KERNEL_MODELS): number[] {
  const v = validateGraph({ kernels, tasks });
  const waiting = v.tasks.map((t) => t.deps.length);
  const succ: number[][] = v.tasks.map(() => []);
  v.tasks.forEach((t, i) => t.deps.forEach((d) => succ[d]!.push(i)));
  const ready = v.tasks.flatMap((t, i) => (t.deps.length === 0 ? [i] : []));
  const order: number[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.pop()!; // the last submitted ready task first
    runTask(mem, kernels, v.tasks[i]!, models);
    order.push(i);
    for (const s of succ[i]!) if (--waiting[s]! === 0) ready.push(s);
  }
  return order;
}

function runTask(mem: HostMemory, kernels: readonly KernelRef[], t: ResolvedTask, models: Record<string, KernelModel>): void {
  const args = t.args.map((a) => a.value);
  const call = (k: number, ctx: ModelCtx): void => {
    const name = kernels[k]!.name;
    const model = models[name];
    if (model === undefined) throw new Error(`no model for kernel ${name}`);
    model(mem, args, ctx);
  };
  if (t.coreType === 'none') return;
  if (t.coreType === 'mixed') {
    call(t.kernels[0]!, { blockIdx: 0, blockNum: 1, subBlockIdx: 0, subBlockNum: 1 });
    call(t.kernels[1]!, { blockIdx: 0, blockNum: 1, subBlockIdx: 0, subBlockNum: 2 });
    call(t.kernels[2]!, { blockIdx: 0, blockNum: 1, subBlockIdx: 1, subBlockNum: 2 });
    return;
  }
  call(t.kernels[0]!, { blockIdx: 0, blockNum: 1, subBlockIdx: 0, subBlockNum: 1 });
}

/** A compiler that "builds" a kernel as the bytes of its source path: distinct per kernel, stable. */
export const fakeCompiler: WorkloadKernelCompiler = async (req) => new TextEncoder().encode(`image:${req.source}`);

/** What a HostModelRunner run records. */
export interface ModelRun {
  id: CallableId;
  blockDim: number;
  order: number[];
}

/** A WorkloadRunner over {@link HostMemory} and the real CallableRegistry. */
export class HostModelRunner implements WorkloadRunner {
  readonly platform: Platform = 'a2a3sim';
  readonly mem = new HostMemory();
  readonly registry = new CallableRegistry({
    alloc: (size: number | bigint) => this.mem.alloc(size),
    free: (addr: bigint) => this.mem.free(addr),
    copyToDevice: (addr: bigint, view: ArrayBufferView) => this.mem.copyToDevice(addr, view),
  });
  readonly tensors = new Set<bigint>();
  readonly modelRuns: ModelRun[] = [];

  constructor(private readonly models: Record<string, KernelModel> = KERNEL_MODELS) {}

  allocateTensor(bytes: number | bigint): bigint {
    const a = this.mem.alloc(bytes);
    this.tensors.add(a);
    return a;
  }

  freeTensor(addr: bigint): void {
    if (!this.tensors.delete(addr)) throw new Error(`freeTensor: 0x${addr.toString(16)} is not a tensor`);
    this.mem.free(addr);
  }

  copyToDevice(addr: bigint, view: ArrayBufferView): void {
    this.mem.copyToDevice(addr, view);
  }

  copyFromDevice(view: ArrayBufferView, addr: bigint): void {
    this.mem.copyFromDevice(view, addr);
  }

  prepareCallable<A>(id: CallableId, callable: Callable<A>): void {
    this.registry.prepare(id, callable as Callable<unknown>);
  }

  unregisterCallable(id: CallableId): void {
    this.registry.unregister(id);
  }

  hasCallable(id: CallableId): boolean {
    return this.registry.has(id);
  }

  callableStats(): CallableStats {
    return this.registry.stats();
  }

  async runPrepared<A>(id: CallableId, args: A, options: RunOptions = {}): Promise<RunResult> {
    const prepared = this.registry.get(id);
    const plan = prepared.callable.orchestrate(args);
    const order = executeGraph(this.mem, prepared.kernels, plan.tasks, this.models);
    for (const o of [...(plan.outputs ?? []), ...(options.outputs ?? [])]) this.mem.copyFromDevice(o.view, o.addr);
    const requested = options.blockDim ?? plan.blockDim ?? 0;
    const blockDim = requested === 0 ? 24 : requested;
    this.modelRuns.push({ id, blockDim, order });
    return {
      deviceWallNs: 1n,
      files: [],
      blockDim,
      aicpuThreads: 4,
      collectors: [],
      hostTimings: { totalMs: 0, initDiagnosticsMs: 0, launchAndWaitMs: 0, collectorsTeardownMs: 0 },
    };
  }
}
