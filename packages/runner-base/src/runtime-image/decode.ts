/**
 * Decodes a runtime image back into plain objects: for tests, debugging dumps, and tools that
 * inspect what a run executed. The inverse of `encodeRuntimeImage` (scheduler scratch included).
 */
import { GraphError } from '../errors';
import {
  RT_NONE,
  RUNTIME_IMAGE_MAGIC,
  RUNTIME_IMAGE_VERSION,
  RuntimeImageHeader,
  RuntimeImageKernel,
  RuntimeImageTask,
  RuntimeImageTensor,
  RtDtype,
  RtTensorRole,
} from './layout';
import type { TensorDtype, TensorRole } from './task-graph';
import type { InferStruct } from '@npurun/hal-native';

/** A decoded task, as stored. */
export type DecodedTask = InferStruct<typeof RuntimeImageTask> & {
  /** Arguments (u64 values) of the task. */
  args: bigint[];
  /** Argument kinds (`NPURUN_RT_ARG_*`). */
  argKinds: number[];
  /** Successor task ids. */
  successors: number[];
  /** Tensor description of each argument (`undefined` where there is none). */
  tensors: (DecodedTensor | undefined)[];
};

/** A decoded tensor description. */
export interface DecodedTensor {
  /** Bytes. */
  bytes: bigint;
  /** Element type. */
  dtype: TensorDtype;
  /** Role. */
  role: TensorRole;
  /** Shape. */
  shape: number[];
}

function nameOf<T extends string>(table: Readonly<Record<T, number>>, code: number, what: string): T {
  const hit = (Object.keys(table) as T[]).find((k) => table[k] === code);
  if (hit === undefined) throw new GraphError('limit', `decodeRuntimeImage: unknown ${what} code ${code}`);
  return hit;
}

/** A decoded kernel-table entry. */
export interface DecodedKernel {
  /** Device address of the image. */
  imageAddr: bigint;
  /** Image size. */
  imageSize: bigint;
  /** `NPURUN_RT_CORE_*`. */
  coreType: number;
  /** Declared argument count, or `undefined` when not declared. */
  argCount: number | undefined;
  /** Entry symbol. */
  entry: string;
}

/** A decoded runtime image. */
export interface DecodedRuntimeImage {
  /** The header fields. */
  header: InferStruct<typeof RuntimeImageHeader>;
  /** Tasks in id order. */
  tasks: DecodedTask[];
  /** Kernel table. */
  kernels: DecodedKernel[];
}

/**
 * Decodes an image.
 *
 * @throws GraphError (`reason: 'limit'`) when the bytes are not a runtime image of this version or
 *   are truncated
 */
export function decodeRuntimeImage(bytes: Uint8Array): DecodedRuntimeImage {
  if (bytes.byteLength < RuntimeImageHeader.size) throw new GraphError('limit', `decodeRuntimeImage: ${bytes.byteLength} bytes is shorter than the header`);
  const header = RuntimeImageHeader.decode(bytes, 0);
  if (header.magic !== RUNTIME_IMAGE_MAGIC || header.version !== RUNTIME_IMAGE_VERSION) {
    throw new GraphError('limit', `decodeRuntimeImage: bad magic 0x${header.magic.toString(16)} or version ${header.version}`);
  }
  if (header.totalSize > BigInt(bytes.byteLength)) {
    throw new GraphError('limit', `decodeRuntimeImage: image says ${header.totalSize} bytes, got ${bytes.byteLength}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const argsAt = Number(header.argsOffset);
  const kindsAt = Number(header.argKindsOffset);
  const succAt = Number(header.successorsOffset);
  const argTensorsAt = Number(header.argTensorsOffset);
  const tensorsAt = Number(header.tensorsOffset);
  const tasks: DecodedTask[] = [];
  for (let i = 0; i < header.taskCount; i++) {
    const t = RuntimeImageTask.decode(bytes, Number(header.tasksOffset) + i * RuntimeImageTask.size);
    const args: bigint[] = [];
    const argKinds: number[] = [];
    const tensors: (DecodedTensor | undefined)[] = [];
    for (let a = 0; a < t.argCount; a++) {
      args.push(view.getBigUint64(argsAt + (t.argOffset + a) * 8, true));
      argKinds.push(view.getUint8(kindsAt + t.argOffset + a));
      const ti = view.getUint32(argTensorsAt + (t.argOffset + a) * 4, true);
      if (ti === RT_NONE) {
        tensors.push(undefined);
      } else {
        if (ti >= header.tensorCount) throw new GraphError('limit', `decodeRuntimeImage: task ${i} argument ${a} names tensor ${ti} of ${header.tensorCount}`);
        const d = RuntimeImageTensor.decode(bytes, tensorsAt + ti * RuntimeImageTensor.size);
        tensors.push({
          bytes: d.bytes,
          dtype: nameOf(RtDtype, d.dtype, 'dtype'),
          role: nameOf(RtTensorRole, d.role, 'role'),
          shape: d.shape.slice(0, d.ndims),
        });
      }
    }
    const successors: number[] = [];
    for (let s = 0; s < t.successorCount; s++) successors.push(view.getUint32(succAt + (t.successorOffset + s) * 4, true));
    tasks.push({ ...t, args, argKinds, successors, tensors });
  }
  const kernels: DecodedKernel[] = [];
  for (let i = 0; i < header.kernelCount; i++) {
    const k = RuntimeImageKernel.decode(bytes, Number(header.kernelsOffset) + i * RuntimeImageKernel.size);
    const nul = k.entry.indexOf(0);
    kernels.push({
      imageAddr: k.imageAddr,
      imageSize: k.imageSize,
      coreType: k.coreType,
      argCount: k.argCount === RT_NONE ? undefined : k.argCount,
      entry: String.fromCharCode(...k.entry.slice(0, nul < 0 ? k.entry.length : nul)),
    });
  }
  return { header, tasks, kernels };
}
