/**
 * Decoding of dep_gen record slots into compact host values. Pure:
 * bytes in, values out. Only the used part of a slot is read (a slot is 2624 bytes, most of it
 * unused tensor and dependency room).
 */
import {
  DEP_GEN_MAX_DIMS,
  DEP_GEN_MAX_EXPLICIT_DEPS,
  DEP_GEN_MAX_TENSORS,
  DEP_GEN_OVERFLOW_DEPS,
  DepGenFlag,
  DepGenOverflowRecord,
  DepGenRecord,
  DepGenTensor,
} from './layout';

/** A runtime `Tensor` as captured at submit. */
export interface CapturedTensor {
  /** Device address of the underlying buffer. */
  readonly bufferAddr: bigint;
  /** Bytes of the underlying buffer. */
  readonly bufferSize: bigint;
  /** Task that created the tensor, or all ones for none. */
  readonly ownerTaskId: bigint;
  /** Elements from the buffer start. */
  readonly startOffset: bigint;
  /** Version (i32). */
  readonly version: number;
  /** DataType code (0 FLOAT32 … 8 UINT64; anything else unknown). */
  readonly dtype: number;
  /** Excluded from tensormap tracking. */
  readonly manualDep: boolean;
  /** Contiguous in memory. */
  readonly isContiguous: boolean;
  /** Shape, `ndims` entries (at most 5), in elements. */
  readonly shapes: readonly number[];
  /** Strides, `ndims` entries, in elements. */
  readonly strides: readonly number[];
  /** `ndims` as recorded (may exceed 5 in a corrupt record; {@link shapes} is capped). */
  readonly ndims: number;
}

/** A base record: one submitted task. */
export interface CapturedTask {
  /** Discriminant. */
  readonly kind: 'task';
  /** Task id (raw 64 bits: ring << 32 | local). */
  readonly taskId: bigint;
  /** `flags` bits ({@link DepGenFlag}). */
  readonly flags: number;
  /** Explicit deps the task declared (may exceed what this record holds: see overflow records). */
  readonly explicitDepCount: number;
  /** The explicit deps this record holds (at most 64). */
  readonly explicitDeps: readonly bigint[];
  /** `tensor_count` as recorded (may exceed 16 in a corrupt record). */
  readonly tensorCount: number;
  /** `TensorArgType` per tensor. */
  readonly argTypes: readonly number[];
  /** The tensors, `min(tensorCount, 16)` of them. */
  readonly tensors: readonly CapturedTensor[];
}

/** An overflow record: more explicit deps of the preceding base record of the same task. */
export interface CapturedOverflow {
  /** Discriminant. */
  readonly kind: 'overflow';
  /** Task id of the base record it continues. */
  readonly taskId: bigint;
  /** `flags` bits. */
  readonly flags: number;
  /** The deps it holds. */
  readonly deps: readonly bigint[];
}

/** One decoded record slot. */
export type CapturedRecord = CapturedTask | CapturedOverflow;

const R_TASK = DepGenRecord.offsetOf('taskId');
const R_FLAGS = DepGenRecord.offsetOf('flags');
const R_TENSORS_N = DepGenRecord.offsetOf('tensorCount');
const R_DEPS_N = DepGenRecord.offsetOf('explicitDepCount');
const R_DEPS = DepGenRecord.offsetOf('explicitDeps');
const R_TYPES = DepGenRecord.offsetOf('argTypes');
const R_TENSORS = DepGenRecord.offsetOf('tensors');
const O_COUNT = DepGenOverflowRecord.offsetOf('depCount');
const O_DEPS = DepGenOverflowRecord.offsetOf('deps');
const T = {
  addr: DepGenTensor.offsetOf('bufferAddr'),
  size: DepGenTensor.offsetOf('bufferSize'),
  owner: DepGenTensor.offsetOf('ownerTaskId'),
  start: DepGenTensor.offsetOf('startOffset'),
  version: DepGenTensor.offsetOf('version'),
  ndims: DepGenTensor.offsetOf('ndims'),
  dtype: DepGenTensor.offsetOf('dtype'),
  manual: DepGenTensor.offsetOf('manualDep'),
  contiguous: DepGenTensor.offsetOf('isContiguous'),
  shapes: DepGenTensor.offsetOf('shapes'),
  strides: DepGenTensor.offsetOf('strides'),
};

/** Decodes the tensor blob at byte `at` of `view`. */
export function decodeTensor(view: DataView, at: number): CapturedTensor {
  const ndims = view.getUint32(at + T.ndims, true);
  const dims = Math.min(ndims, DEP_GEN_MAX_DIMS);
  const shapes: number[] = [];
  const strides: number[] = [];
  for (let d = 0; d < dims; d++) {
    shapes.push(view.getUint32(at + T.shapes + 4 * d, true));
    strides.push(view.getUint32(at + T.strides + 4 * d, true));
  }
  return {
    bufferAddr: view.getBigUint64(at + T.addr, true),
    bufferSize: view.getBigUint64(at + T.size, true),
    ownerTaskId: view.getBigUint64(at + T.owner, true),
    startOffset: view.getBigUint64(at + T.start, true),
    version: view.getInt32(at + T.version, true),
    dtype: view.getUint8(at + T.dtype),
    manualDep: view.getUint8(at + T.manual) !== 0,
    isContiguous: view.getUint8(at + T.contiguous) !== 0,
    shapes,
    strides,
    ndims,
  };
}

/** Decodes the record slot at byte `at` of `view` (a base record or an overflow record, by its flags). */
export function decodeRecord(view: DataView, at: number): CapturedRecord {
  const taskId = view.getBigUint64(at + R_TASK, true);
  const flags = view.getUint32(at + R_FLAGS, true);
  if ((flags & DepGenFlag.overflow) !== 0) {
    const n = Math.min(view.getUint16(at + O_COUNT, true), DEP_GEN_OVERFLOW_DEPS);
    const deps: bigint[] = [];
    for (let i = 0; i < n; i++) deps.push(view.getBigUint64(at + O_DEPS + 8 * i, true));
    return { kind: 'overflow', taskId, flags, deps };
  }
  const explicitDepCount = view.getUint16(at + R_DEPS_N, true);
  const explicitDeps: bigint[] = [];
  for (let i = 0; i < Math.min(explicitDepCount, DEP_GEN_MAX_EXPLICIT_DEPS); i++) explicitDeps.push(view.getBigUint64(at + R_DEPS + 8 * i, true));
  const tensorCount = view.getUint16(at + R_TENSORS_N, true);
  const argTypes: number[] = [];
  const tensors: CapturedTensor[] = [];
  for (let i = 0; i < Math.min(tensorCount, DEP_GEN_MAX_TENSORS); i++) {
    argTypes.push(view.getUint8(at + R_TYPES + i));
    tensors.push(decodeTensor(view, at + R_TENSORS + i * DepGenTensor.size));
  }
  return { kind: 'task', taskId, flags, explicitDepCount, explicitDeps, tensorCount, argTypes, tensors };
}

/** Decodes `count` consecutive record slots starting at byte 0 of `view`. */
export function decodeRecords(view: DataView, count: number): CapturedRecord[] {
  const out: CapturedRecord[] = [];
  for (let i = 0; i < count; i++) out.push(decodeRecord(view, i * DepGenRecord.size));
  return out;
}
