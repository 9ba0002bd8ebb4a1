/**
 * Task-graph validation: everything that would make a device scheduler misbehave is rejected on
 * the host, with a {@link GraphError} naming the task and value, before any device call.
 */
import { runToEnd } from '@npurun/collectors';
import { GraphError, describeValue } from '../errors';
import { KERNEL_ENTRY_BYTES, RT_DTYPE_BYTES, RT_TENSOR_MAX_DIMS, RtDtype, RtTensorRole } from './layout';
import type { KernelCoreType, KernelRef, MixedKernelIds, TaskCoreType, TaskGraph, TaskSpec, TensorDtype, TensorRole } from './task-graph';

/** A tensor description after validation. */
export interface ResolvedTensor {
  /** Bytes (product of the shape times the element size). */
  bytes: bigint;
  /** Element type. */
  dtype: TensorDtype;
  /** Role (`inout` when the graph left it out). */
  role: TensorRole;
  /** Shape, outermost first. */
  shape: number[];
}

/** A task after validation: core type resolved, kernels as a list. */
export interface ResolvedTask {
  /** Resolved core type, or `'none'` for a dependency-only task. */
  coreType: TaskCoreType | 'none';
  /** Kernel indices: one (cube/vector), three (mixed: cube, vector0, vector1), or none (dummy). */
  kernels: number[];
  /** Arguments as u64 values (scalars in two's complement), their kinds, and tensor descriptions. */
  args: { value: bigint; kind: 'addr' | 'scalar'; tensor?: ResolvedTensor }[];
  /** Predecessors. */
  deps: number[];
}

/** A validated graph, ready to encode. */
export interface ValidatedGraph {
  /** Kernel table (validated). */
  kernels: readonly KernelRef[];
  /** Tasks, in the graph's order. */
  tasks: ResolvedTask[];
}

const U32_LIMIT = 0xffffffff; // RT_NONE is reserved, so counts and indices stay below it
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const ENTRY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Tasks validated (or encoded) between pause points of the step generators. */
export const GRAPH_TASKS_PER_STEP = 256;

/**
 * Validates a task graph.
 *
 * @throws GraphError with a `reason` of: `empty`, `unknownKernel`, `kernelCoreType`,
 *   `kernelEntry`, `kernelImage`, `danglingDependency`, `selfDependency`, `duplicateDependency`,
 *   `cycle`, `argumentCount`, `argumentValue`, `limit`
 */
export function validateGraph(graph: TaskGraph): ValidatedGraph {
  return runToEnd(validateGraphSteps(graph));
}

/**
 * {@link validateGraph} as a generator that yields every {@link GRAPH_TASKS_PER_STEP} tasks, so a
 * caller can pause between them (see the collectors' `runSliced`) when a graph is large.
 *
 * @throws GraphError as {@link validateGraph}
 */
export function* validateGraphSteps(graph: TaskGraph): Generator<void, ValidatedGraph, undefined> {
  if (typeof graph !== 'object' || graph === null || !Array.isArray(graph.kernels) || !Array.isArray(graph.tasks)) {
    throw new GraphError('empty', `expected { kernels: KernelRef[], tasks: TaskSpec[] }, got ${describeValue(graph)}`);
  }
  if (graph.tasks.length === 0) throw new GraphError('empty', 'the graph has no tasks');
  if (graph.tasks.length >= U32_LIMIT || graph.kernels.length >= U32_LIMIT) {
    throw new GraphError('limit', `too many tasks (${graph.tasks.length}) or kernels (${graph.kernels.length})`);
  }
  graph.kernels.forEach(validateKernel);
  const tasks: ResolvedTask[] = [];
  for (let i = 0; i < graph.tasks.length; i++) {
    tasks.push(resolveTask(graph, graph.tasks[i]!, i));
    if ((i + 1) % GRAPH_TASKS_PER_STEP === 0) yield;
  }
  let argTotal = 0;
  for (const t of tasks) argTotal += t.args.length;
  if (argTotal >= U32_LIMIT) throw new GraphError('limit', `too many arguments in total (${argTotal})`);
  checkAcyclic(tasks);
  return { kernels: graph.kernels, tasks };
}

function validateKernel(kernel: KernelRef, k: number): void {
  if (typeof kernel !== 'object' || kernel === null) throw new GraphError('unknownKernel', `kernel ${k} is ${describeValue(kernel)}, not a KernelRef`);
  const label = `kernel ${k} (${describeValue(kernel.name)})`;
  if (typeof kernel.entry !== 'string' || !ENTRY_RE.test(kernel.entry) || kernel.entry.length >= KERNEL_ENTRY_BYTES) {
    throw new GraphError('kernelEntry', `${label}: entry must be a C identifier shorter than ${KERNEL_ENTRY_BYTES} bytes, got ${describeValue(kernel.entry)}`);
  }
  if (typeof kernel.imageAddr !== 'bigint' || kernel.imageAddr <= 0n || kernel.imageAddr > U64_MAX) {
    throw new GraphError('kernelImage', `${label}: imageAddr must be a non-zero device address (bigint), got ${describeValue(kernel.imageAddr)}`);
  }
  const size = kernel.imageSize;
  const sizeOk = (typeof size === 'bigint' && size > 0n && size <= U64_MAX) || (typeof size === 'number' && Number.isSafeInteger(size) && size > 0);
  if (!sizeOk) throw new GraphError('kernelImage', `${label}: imageSize must be a positive integer, got ${describeValue(size)}`);
  if (kernel.coreType !== 'cube' && kernel.coreType !== 'vector') {
    throw new GraphError('kernelCoreType', `${label}: coreType must be 'cube' or 'vector', got ${describeValue(kernel.coreType)}`);
  }
  if (kernel.argCount !== undefined && (!Number.isSafeInteger(kernel.argCount) || kernel.argCount < 0 || kernel.argCount >= U32_LIMIT)) {
    throw new GraphError('argumentCount', `${label}: argCount must be a non-negative integer, got ${describeValue(kernel.argCount)}`);
  }
}

function kernelIndex(graph: TaskGraph, value: unknown, task: number, role: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= graph.kernels.length) {
    throw new GraphError('unknownKernel', `task ${task}: ${role} kernel ${describeValue(value)} is not in the kernel table (${graph.kernels.length} kernels)`, task);
  }
  return value;
}

function expectCoreType(graph: TaskGraph, k: number, want: KernelCoreType, task: number, role: string): void {
  const got = graph.kernels[k]?.coreType;
  if (got !== want) {
    throw new GraphError('kernelCoreType', `task ${task}: ${role} kernel ${k} (${describeValue(graph.kernels[k]?.name)}) is a ${String(got)} kernel, expected ${want}`, task);
  }
}

function resolveTask(graph: TaskGraph, task: TaskSpec, i: number): ResolvedTask {
  if (typeof task !== 'object' || task === null) throw new GraphError('unknownKernel', `task ${i} is ${describeValue(task)}, not a TaskSpec`, i);
  let coreType: ResolvedTask['coreType'];
  let kernels: number[];
  const kernel = task.kernel;
  if (kernel === null || kernel === undefined) {
    coreType = 'none';
    kernels = [];
    if (task.coreType !== undefined) {
      throw new GraphError('kernelCoreType', `task ${i}: a dependency-only task has no core type, got ${describeValue(task.coreType)}`, i);
    }
  } else if (typeof kernel === 'object') {
    const mixed = kernel as MixedKernelIds;
    kernels = [kernelIndex(graph, mixed.cube, i, 'cube'), kernelIndex(graph, mixed.vector0, i, 'vector0'), kernelIndex(graph, mixed.vector1, i, 'vector1')];
    expectCoreType(graph, kernels[0]!, 'cube', i, 'cube');
    expectCoreType(graph, kernels[1]!, 'vector', i, 'vector0');
    expectCoreType(graph, kernels[2]!, 'vector', i, 'vector1');
    coreType = 'mixed';
    if (task.coreType !== undefined && task.coreType !== 'mixed') {
      throw new GraphError('kernelCoreType', `task ${i}: three kernels make a mixed task, but coreType says ${describeValue(task.coreType)}`, i);
    }
  } else {
    const k = kernelIndex(graph, kernel, i, 'its');
    kernels = [k];
    coreType = graph.kernels[k]!.coreType;
    if (task.coreType !== undefined && task.coreType !== coreType) {
      throw new GraphError('kernelCoreType', `task ${i}: kernel ${k} is a ${coreType} kernel, but coreType says ${describeValue(task.coreType)}`, i);
    }
  }

  const rawArgs = task.args ?? [];
  if (!Array.isArray(rawArgs)) throw new GraphError('argumentValue', `task ${i}: args must be an array, got ${describeValue(rawArgs)}`, i);
  const args = rawArgs.map((arg, a) => resolveArg(arg, i, a));
  for (const k of kernels) {
    const declared = graph.kernels[k]!.argCount;
    if (declared !== undefined && declared !== args.length) {
      throw new GraphError('argumentCount', `task ${i}: kernel ${k} (${describeValue(graph.kernels[k]!.name)}) takes ${declared} argument(s), the task passes ${args.length}`, i);
    }
  }

  const rawDeps = task.deps ?? [];
  if (!Array.isArray(rawDeps)) throw new GraphError('danglingDependency', `task ${i}: deps must be an array, got ${describeValue(rawDeps)}`, i);
  const seen = new Set<number>();
  for (const d of rawDeps) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d >= graph.tasks.length) {
      throw new GraphError('danglingDependency', `task ${i}: dependency ${describeValue(d)} is not a task of the graph (${graph.tasks.length} tasks)`, i);
    }
    if (d === i) throw new GraphError('selfDependency', `task ${i} depends on itself`, i);
    if (seen.has(d)) throw new GraphError('duplicateDependency', `task ${i} lists dependency ${d} twice`, i);
    seen.add(d);
  }
  return { coreType, kernels, args, deps: [...rawDeps] };
}

function resolveArg(arg: unknown, task: number, index: number): ResolvedTask['args'][number] {
  const where = `task ${task}: argument ${index}`;
  if (typeof arg !== 'object' || arg === null) throw new GraphError('argumentValue', `${where} must be { kind, value }, got ${describeValue(arg)}`, task);
  const { kind, value } = arg as { kind?: unknown; value?: unknown };
  if (kind === 'addr') {
    if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
      throw new GraphError('argumentValue', `${where}: an address must be a bigint in [0, 2^64), got ${describeValue(value)}`, task);
    }
    const tensor = (arg as { tensor?: unknown }).tensor;
    return tensor === undefined ? { kind, value } : { kind, value, tensor: resolveTensor(tensor, where, task) };
  }
  if ((arg as { tensor?: unknown }).tensor !== undefined) {
    throw new GraphError('argumentValue', `${where}: only an address argument can describe a tensor`, task);
  }
  if (kind === 'scalar') {
    let v: bigint;
    if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
    else if (typeof value === 'bigint' && value >= I64_MIN && value <= U64_MAX) v = value;
    else throw new GraphError('argumentValue', `${where}: a scalar must be a safe integer or a bigint in [-2^63, 2^64), got ${describeValue(value)}`, task);
    return { kind, value: BigInt.asUintN(64, v) };
  }
  throw new GraphError('argumentValue', `${where}: kind must be 'addr' or 'scalar', got ${describeValue(kind)}`, task);
}

function resolveTensor(raw: unknown, where: string, task: number): ResolvedTensor {
  const bad = (what: string, v: unknown): never => {
    throw new GraphError('argumentValue', `${where}: tensor ${what}, got ${describeValue(v)}`, task);
  };
  if (typeof raw !== 'object' || raw === null) bad('must be { bytes, dtype, shape, role? }', raw);
  const t = raw as { bytes?: unknown; dtype?: unknown; shape?: unknown; role?: unknown };
  if (typeof t.dtype !== 'string' || !Object.prototype.hasOwnProperty.call(RtDtype, t.dtype)) {
    bad(`dtype must be one of ${Object.keys(RtDtype).join(', ')}`, t.dtype);
  }
  const dtype = t.dtype as TensorDtype;
  const role = t.role ?? 'inout';
  if (typeof role !== 'string' || !Object.prototype.hasOwnProperty.call(RtTensorRole, role)) bad("role must be 'input', 'output' or 'inout'", t.role);
  if (!Array.isArray(t.shape) || t.shape.length > RT_TENSOR_MAX_DIMS) bad(`shape must be an array of at most ${RT_TENSOR_MAX_DIMS} extents`, t.shape);
  const shape = t.shape as unknown[];
  let numel = 1n;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d >= U32_LIMIT) bad('extents must be positive integers below 2^32', shape);
    numel *= BigInt(d as number);
  }
  const bytes = t.bytes;
  const okBytes = (typeof bytes === 'number' && Number.isSafeInteger(bytes) && bytes > 0) || (typeof bytes === 'bigint' && bytes > 0n && bytes <= U64_MAX);
  if (!okBytes) bad('bytes must be a positive integer', bytes);
  const expected = numel * BigInt(RT_DTYPE_BYTES[dtype]);
  if (BigInt(bytes as number | bigint) !== expected) {
    bad(`bytes must equal the shape's ${numel} element(s) × ${RT_DTYPE_BYTES[dtype]} bytes of ${dtype} = ${expected}`, bytes);
  }
  return { bytes: expected, dtype, role: role as TensorRole, shape: shape as number[] };
}

/** Kahn's algorithm; on a cycle, names one task that lies on it. */
function checkAcyclic(tasks: ResolvedTask[]): void {
  const pending = tasks.map((t) => t.deps.length);
  const successors: number[][] = tasks.map(() => []);
  tasks.forEach((t, i) => t.deps.forEach((d) => successors[d]!.push(i)));
  const queue: number[] = [];
  pending.forEach((p, i) => {
    if (p === 0) queue.push(i);
  });
  let done = 0;
  while (queue.length > 0) {
    const t = queue.pop()!;
    done++;
    for (const s of successors[t]!) if (--pending[s]! === 0) queue.push(s);
  }
  if (done === tasks.length) return;
  // Every unfinished task either lies on a cycle or waits on one; walking back through unfinished
  // predecessors from any of them must revisit a task, and that task is on a cycle.
  let t = pending.findIndex((p) => p > 0);
  const visited = new Set<number>();
  while (!visited.has(t)) {
    visited.add(t);
    t = tasks[t]!.deps.find((d) => pending[d]! > 0)!;
  }
  const cycle = [t];
  for (let u = tasks[t]!.deps.find((d) => pending[d]! > 0)!; u !== t; u = tasks[u]!.deps.find((d) => pending[d]! > 0)!) cycle.push(u);
  const order = cycle.reverse(); // execution order: each task waits for the one before it
  throw new GraphError('cycle', `the dependencies form a cycle: ${order.join(' -> ')} -> ${order[0]!}`, t);
}
