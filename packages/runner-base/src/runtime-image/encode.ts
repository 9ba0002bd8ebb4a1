/**
 * Encodes a task graph into a runtime image: the bytes a run copies to device memory and hands to
 * the AI CPU scheduler through `KernelArgs.runtimeArgs`. Pure: graph in, bytes out.
 */
import {
  KERNEL_ENTRY_BYTES,
  RT_NONE,
  RUNTIME_IMAGE_MAGIC,
  RUNTIME_IMAGE_VERSION,
  RT_TENSOR_MAX_DIMS,
  RtArgKind,
  RtCoreType,
  RtDtype,
  RtTaskFlag,
  RtTensorRole,
  RuntimeImageHeader,
  RuntimeImageKernel,
  RuntimeImageTask,
  RuntimeImageTensor,
  SECTION_ALIGN,
} from './layout';
import { runToEnd } from '@npurun/collectors';
import type { TaskGraph } from './task-graph';
import { GRAPH_TASKS_PER_STEP, validateGraphSteps } from './validate-graph';

/** An encoded runtime image and a summary of what is in it. */
export interface RuntimeImage {
  /** The image bytes (little-endian), ready to copy to device memory. */
  bytes: Uint8Array;
  /** Number of tasks. */
  taskCount: number;
  /** Number of kernel-table entries. */
  kernelCount: number;
  /** Number of dependency edges. */
  edgeCount: number;
  /** Number of dependency-only tasks. */
  dummyCount: number;
  /** Number of described tensor arguments. */
  tensorCount: number;
}

// Image offsets stay far below 2^53 (counts are below 2^32 and entries are small), so plain
// number arithmetic is exact here.
function sectionEnd(start: number, bytes: number): number {
  return Math.ceil((start + bytes) / SECTION_ALIGN) * SECTION_ALIGN;
}

/** The NUL-padded entry-symbol bytes (validated ASCII, shorter than the field). */
function entryBytes(entry: string): Uint8Array {
  const out = new Uint8Array(KERNEL_ENTRY_BYTES);
  for (let c = 0; c < entry.length; c++) out[c] = entry.charCodeAt(c);
  return out;
}

/**
 * Validates `graph` and encodes it (format: `docs/runtime-image.md`).
 *
 * @throws GraphError when the graph is malformed (nothing is encoded then)
 */
export function encodeRuntimeImage(graph: TaskGraph): RuntimeImage {
  return runToEnd(encodeRuntimeImageSteps(graph));
}

/**
 * {@link encodeRuntimeImage} as a generator that yields every few hundred tasks (validating and
 * encoding a graph of tens of thousands of tasks takes tens of milliseconds), so a caller can
 * pause between them (see the collectors' `runSliced`).
 *
 * @throws GraphError as {@link encodeRuntimeImage}
 */
export function* encodeRuntimeImageSteps(graph: TaskGraph): Generator<void, RuntimeImage, undefined> {
  const { kernels, tasks } = yield* validateGraphSteps(graph);
  // A graph smaller than one step gets no pause point: checking whether to pause would cost more.
  if (tasks.length >= GRAPH_TASKS_PER_STEP) yield;

  const successors: number[][] = tasks.map(() => []);
  tasks.forEach((t, i) => t.deps.forEach((d) => successors[d]!.push(i)));
  const argCount = tasks.reduce((n, t) => n + t.args.length, 0);
  const edgeCount = tasks.reduce((n, t) => n + t.deps.length, 0);
  const tensorCount = tasks.reduce((n, t) => n + t.args.filter((a) => a.tensor !== undefined).length, 0);

  const tasksOffset = RuntimeImageHeader.size;
  const kernelsOffset = sectionEnd(tasksOffset, tasks.length * RuntimeImageTask.size);
  const argsOffset = sectionEnd(kernelsOffset, kernels.length * RuntimeImageKernel.size);
  const argKindsOffset = sectionEnd(argsOffset, argCount * 8);
  const successorsOffset = sectionEnd(argKindsOffset, argCount);
  const argTensorsOffset = sectionEnd(successorsOffset, edgeCount * 4);
  const tensorsOffset = sectionEnd(argTensorsOffset, argCount * 4);
  const totalSize = sectionEnd(tensorsOffset, tensorCount * RuntimeImageTensor.size);

  // Fresh, zeroed, and dropped if anything below throws: the structs go straight into it.
  const bytes = new Uint8Array(totalSize);
  const view = new DataView(bytes.buffer);

  RuntimeImageHeader.encodeIntoZeroed(
    {
      magic: RUNTIME_IMAGE_MAGIC,
      version: RUNTIME_IMAGE_VERSION,
      taskCount: tasks.length,
      kernelCount: kernels.length,
      argCount,
      successorCount: edgeCount,
      rootCount: tasks.filter((t) => t.deps.length === 0).length,
      tensorCount,
      tasksOffset,
      kernelsOffset,
      argsOffset,
      argKindsOffset,
      successorsOffset,
      argTensorsOffset,
      tensorsOffset,
      totalSize,
    },
    view,
    0,
  );

  let argCursor = 0;
  let succCursor = 0;
  let tensorCursor = 0;
  let dummyCount = 0;
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i]!;
    if (i > 0 && i % GRAPH_TASKS_PER_STEP === 0) yield;
    const ids = [t.kernels[0] ?? RT_NONE, t.kernels[1] ?? RT_NONE, t.kernels[2] ?? RT_NONE];
    const dummy = t.coreType === 'none';
    if (dummy) dummyCount++;
    RuntimeImageTask.encodeIntoZeroed(
      {
        kernelIds: ids,
        coreType: RtCoreType[t.coreType],
        flags: dummy ? RtTaskFlag.dummy : 0,
        argOffset: argCursor,
        argCount: t.args.length,
        predCount: t.deps.length,
        successorOffset: succCursor,
        successorCount: successors[i]!.length,
        pending: t.deps.length,
        state: 0,
      },
      view,
      tasksOffset + i * RuntimeImageTask.size,
    );
    for (const arg of t.args) {
      view.setBigUint64(argsOffset + argCursor * 8, arg.value, true);
      view.setUint8(argKindsOffset + argCursor, RtArgKind[arg.kind]);
      if (arg.tensor === undefined) {
        view.setUint32(argTensorsOffset + argCursor * 4, RT_NONE, true);
      } else {
        const shape = new Array<number>(RT_TENSOR_MAX_DIMS).fill(0);
        arg.tensor.shape.forEach((d, k) => (shape[k] = d));
        RuntimeImageTensor.encodeIntoZeroed(
          { bytes: arg.tensor.bytes, dtype: RtDtype[arg.tensor.dtype], role: RtTensorRole[arg.tensor.role], ndims: arg.tensor.shape.length, shape },
          view,
          tensorsOffset + tensorCursor * RuntimeImageTensor.size,
        );
        view.setUint32(argTensorsOffset + argCursor * 4, tensorCursor, true);
        tensorCursor++;
      }
      argCursor++;
    }
    for (const s of successors[i]!) {
      view.setUint32(successorsOffset + succCursor * 4, s, true);
      succCursor++;
    }
  }

  kernels.forEach((k, i) => {
    RuntimeImageKernel.encodeIntoZeroed(
      {
        imageAddr: k.imageAddr,
        imageSize: k.imageSize,
        coreType: RtCoreType[k.coreType],
        argCount: k.argCount ?? RT_NONE,
        entry: entryBytes(k.entry),
      },
      view,
      kernelsOffset + i * RuntimeImageKernel.size,
    );
  });

  return { bytes, taskCount: tasks.length, kernelCount: kernels.length, edgeCount, dummyCount, tensorCount };
}
