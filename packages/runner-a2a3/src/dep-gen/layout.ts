/**
 * dep_gen shared memory on a2a3, declared once: the TypeScript
 * decoders and the C header the simulated orchestrator includes (`npurun/dep_gen_layout.h`) both
 * come from these declarations.
 *
 * One producer instance (the orchestrator); its full buffers go to the orchestrator thread's ready
 * queue. The queue shapes are those of every collector (`npurun_ready_entry` entries, a 4-slot free
 * queue with free-running head/tail); they are spelled out flat here rather than nested, so this
 * header can sit next to `npurun/collectors/layouts_a2a3.h` in one translation unit without two
 * definitions of the same struct. A test checks the offsets against the collectors' shapes.
 */
import { archConstants } from '@npurun/collectors';
import { array, i32, pad, ptr, struct, u16, u32, u64, u8 } from '@npurun/hal-native';

/** Records per buffer (`DEP_GEN_RECORDS_PER_BUFFER`). */
export const DEP_GEN_RECORDS_PER_BUFFER = 32;
/** Slots of the free queue. */
export const DEP_GEN_SLOT_COUNT = 4;
/** Buffers allocated at init (all of them start in the free queue). */
export const DEP_GEN_BUFFERS = 4;
/** Entries of each per-thread ready queue (one always kept empty). */
export const DEP_GEN_READY_QUEUE_SIZE = 8;
/** Rows of ready queues: one per possible AI CPU thread. */
export const DEP_GEN_MAX_AICPU_THREADS = archConstants('a2a3').maxAicpuThreads;
/** Explicit dependencies a base record holds; more go into overflow records. */
export const DEP_GEN_MAX_EXPLICIT_DEPS = 64;
/** Tensor arguments a record holds. */
export const DEP_GEN_MAX_TENSORS = 16;
/** Bytes of one captured runtime `Tensor`. */
export const DEP_GEN_TENSOR_BYTES = 128;
/** Dependencies one overflow record holds. */
export const DEP_GEN_OVERFLOW_DEPS = 326;
/** Dimensions of a captured tensor's shape and strides. */
export const DEP_GEN_MAX_DIMS = 5;
/** `owner_task_id` of a tensor no task created (the runtime's invalid task id). */
export const DEP_GEN_INVALID_TASK_ID = 0xffffffffffffffffn;

/** `flags` bits of a record. */
export const DepGenFlag = {
  /** The task was submitted inside a manual-dependency scope (no tensormap tracking). */
  inManualScope: 1 << 0,
  /** A base record whose dependencies continue in overflow records. */
  hasOverflow: 1 << 1,
  /** An overflow record. */
  overflow: 1 << 2,
  /** The last overflow record of a chain. */
  lastOverflow: 1 << 3,
} as const;

/** `arg_types[i]` values (the runtime's `TensorArgType`). */
export const DepGenArgType = { input: 0, output: 1, inout: 2, outputExisting: 3, noDep: 4 } as const;

/**
 * The runtime's `Tensor` as the orchestrator captured it (a2a3 tensormap_and_ringbuffer, 128 bytes).
 * `start_offset`, `shapes` and `strides` are in elements; `buffer_size` in bytes.
 */
export const DepGenTensor = struct(
  'npurun_dep_gen_tensor',
  {
    bufferAddr: { type: ptr, offset: 0 },
    bufferSize: { type: u64, offset: 8, doc: 'bytes of the underlying buffer' },
    ownerTaskId: { type: u64, offset: 16, doc: 'task that created the tensor, or all ones for none' },
    startOffset: { type: u64, offset: 24, doc: 'elements from the buffer start' },
    version: { type: i32, offset: 32 },
    ndims: { type: u32, offset: 36 },
    dtype: { type: u8, offset: 40, doc: 'DataType: 0 FLOAT32 ... 8 UINT64; anything else is unknown' },
    manualDep: { type: u8, offset: 41, doc: 'bool: excluded from tensormap tracking' },
    isContiguous: { type: u8, offset: 42, doc: 'bool' },
    reserved0: pad(1),
    shapes: { type: array(u32, DEP_GEN_MAX_DIMS), offset: 44 },
    extentElemCache: { type: u64, offset: 64 },
    strides: { type: array(u32, DEP_GEN_MAX_DIMS), offset: 72 },
    reserved1: pad(36),
  },
  { size: DEP_GEN_TENSOR_BYTES, doc: 'A runtime Tensor as captured at submit (OUTPUT slots are zero).' },
);

/** One submitted task. */
export const DepGenRecord = struct(
  'npurun_dep_gen_record',
  {
    taskId: { type: u64, offset: 0 },
    flags: { type: u32, offset: 8, doc: 'NPURUN_DEP_GEN_FLAG_* bits' },
    tensorCount: { type: u16, offset: 12 },
    explicitDepCount: { type: u16, offset: 14, doc: 'all explicit deps of the task; beyond 64 they continue in overflow records' },
    explicitDeps: { type: array(u64, DEP_GEN_MAX_EXPLICIT_DEPS), offset: 16 },
    argTypes: { type: array(u8, DEP_GEN_MAX_TENSORS), offset: 528, doc: 'NPURUN_DEP_GEN_ARG_* per tensor' },
    reserved: pad(32),
    tensors: { type: array(DepGenTensor, DEP_GEN_MAX_TENSORS), offset: 576 },
  },
  { size: 2624, doc: 'One task as the orchestrator submitted it.' },
);

/** An overflow record: more explicit deps of the base record with the same task id. */
export const DepGenOverflowRecord = struct(
  'npurun_dep_gen_overflow_record',
  {
    taskId: { type: u64, offset: 0 },
    flags: { type: u32, offset: 8 },
    depCount: { type: u16, offset: 12, doc: 'deps in this record' },
    reserved: { type: u16, offset: 14 },
    deps: { type: array(u64, DEP_GEN_OVERFLOW_DEPS), offset: 16 },
  },
  { size: 2624, doc: 'Continuation of a base record whose explicit deps did not fit.' },
);

/** A buffer: the count first (padded to 64 bytes), then the records. */
export const DepGenBuffer = struct(
  'npurun_dep_gen_buffer',
  {
    count: { type: u32, offset: 0 },
    reserved: pad(60),
    records: { type: array(DepGenRecord, DEP_GEN_RECORDS_PER_BUFFER), offset: 64 },
  },
  { size: 84032, align: 64 },
);

/** The producer's state block: its free queue, current buffer and counters. */
export const DepGenBufferState = struct(
  'npurun_dep_gen_buffer_state',
  {
    freeQueueBufferPtrs: { type: array(ptr, DEP_GEN_SLOT_COUNT), offset: 0, doc: 'free queue: slot = counter % 4' },
    freeQueueHead: { type: u32, offset: 32, doc: 'free queue pops (AI CPU; free-running)' },
    freeQueueTail: { type: u32, offset: 36, doc: 'free queue pushes (host; free-running)' },
    freeQueueReserved: pad(88),
    currentBufPtr: { type: ptr, offset: 128 },
    currentBufSeq: { type: u32, offset: 136 },
    droppedRecordCount: { type: u32, offset: 140, doc: 'record slots dropped' },
    totalRecordCount: { type: u32, offset: 144, doc: 'one per submit' },
    totalOverflowRecordCount: { type: u32, offset: 148, doc: 'overflow slots written or dropped' },
    reserved: pad(40),
  },
  { size: 192, align: 64 },
);

/** The header: per-thread ready queues and the instance count. */
export const DepGenHeader = struct(
  'npurun_dep_gen_header',
  {
    queues: {
      type: array(array(array(u8, 32), DEP_GEN_READY_QUEUE_SIZE), DEP_GEN_MAX_AICPU_THREADS),
      offset: 0,
      doc: 'queues[thread][slot]: npurun_ready_entry bytes (index, kind, buffer_ptr, buffer_seq)',
    },
    queueHeads: { type: array(u32, DEP_GEN_MAX_AICPU_THREADS), offset: 1024, doc: 'host writes' },
    queueTails: { type: array(u32, DEP_GEN_MAX_AICPU_THREADS), offset: 1040, doc: 'AI CPU writes' },
    numInstances: { type: u32, offset: 1056 },
    reserved: pad(28),
  },
  { size: 1088, align: 64 },
);

/** Offset of the state block in the shared region. */
export const DEP_GEN_STATE_OFFSET = DepGenHeader.size;
/** Bytes of the shared region (header plus the one state block). */
export const DEP_GEN_SHARED_BYTES = DEP_GEN_STATE_OFFSET + DepGenBufferState.size;

/** Constants the generated header defines, by C name. */
export const DEP_GEN_CONSTANTS: Readonly<Record<string, number>> = {
  NPURUN_DEP_GEN_RECORDS_PER_BUFFER: DEP_GEN_RECORDS_PER_BUFFER,
  NPURUN_DEP_GEN_SLOT_COUNT: DEP_GEN_SLOT_COUNT,
  NPURUN_DEP_GEN_READY_QUEUE_SIZE: DEP_GEN_READY_QUEUE_SIZE,
  NPURUN_DEP_GEN_MAX_AICPU_THREADS: DEP_GEN_MAX_AICPU_THREADS,
  NPURUN_DEP_GEN_MAX_EXPLICIT_DEPS: DEP_GEN_MAX_EXPLICIT_DEPS,
  NPURUN_DEP_GEN_MAX_TENSORS: DEP_GEN_MAX_TENSORS,
  NPURUN_DEP_GEN_OVERFLOW_DEPS: DEP_GEN_OVERFLOW_DEPS,
  NPURUN_DEP_GEN_MAX_DIMS: DEP_GEN_MAX_DIMS,
  NPURUN_DEP_GEN_FLAG_IN_MANUAL_SCOPE: DepGenFlag.inManualScope,
  NPURUN_DEP_GEN_FLAG_HAS_OVERFLOW: DepGenFlag.hasOverflow,
  NPURUN_DEP_GEN_FLAG_OVERFLOW: DepGenFlag.overflow,
  NPURUN_DEP_GEN_FLAG_LAST_OVERFLOW: DepGenFlag.lastOverflow,
  NPURUN_DEP_GEN_ARG_INPUT: DepGenArgType.input,
  NPURUN_DEP_GEN_ARG_OUTPUT: DepGenArgType.output,
  NPURUN_DEP_GEN_ARG_INOUT: DepGenArgType.inout,
  NPURUN_DEP_GEN_ARG_OUTPUT_EXISTING: DepGenArgType.outputExisting,
  NPURUN_DEP_GEN_ARG_NO_DEP: DepGenArgType.noDep,
  NPURUN_DEP_GEN_DTYPE_UNKNOWN: 0xff,
};
