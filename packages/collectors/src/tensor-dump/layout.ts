/**
 * Tensor-dump shared memory: a header with per-thread ready queues
 * and the arena size, one state block per dump thread (free queue, arena base and monotonic write
 * cursor), and metadata buffers of 128-byte records. Payloads live in a separate arena per thread.
 */
import type { Arch } from '@npurun/hal-native';
import { array, pad, ptr, struct, u32, u64, u8 } from '@npurun/hal-native';
import { archConstants } from '../arch';
import { freeQueueLayout, ReadyQueueEntry } from '../layout/common';

/** `"DUMP"`: the header's magic. */
export const DUMP_MAGIC = 0x44554d50;

/** Dimensions a dump record holds (shapes and strides beyond them are not recorded). */
export const DUMP_MAX_DIMS = archConstants('a2a3').dump.maxDims;

/** One dumped tensor's metadata. */
export const TensorDumpRecord = struct(
  'npurun_tensor_dump_record',
  {
    taskId: { type: u64, offset: 0 },
    subtaskId: { type: u8, offset: 8, doc: '0 AIC, 1 AIV0, 2 AIV1' },
    role: { type: u8, offset: 9, doc: '0 input, 1 output, 2 inout' },
    stage: { type: u8, offset: 10, doc: '0 before dispatch, 1 after completion' },
    ndims: { type: u8, offset: 11 },
    funcId: { type: u32, offset: 12 },
    argIndex: { type: u32, offset: 16 },
    dtype: { type: u8, offset: 20 },
    truncated: { type: u8, offset: 21 },
    isContiguous: { type: u8, offset: 22 },
    reserved0: pad(1),
    payloadOffset: { type: u64, offset: 24, doc: 'monotonic arena offset of the payload' },
    payloadSize: { type: u64, offset: 32, doc: 'bytes copied into the arena' },
    reserved1: pad(24),
    startOffset: { type: u64, offset: 64, doc: 'element offset of the view origin' },
    strides: { type: array(u32, DUMP_MAX_DIMS), offset: 72 },
    shapes: { type: array(u32, DUMP_MAX_DIMS), offset: 92 },
    reserved2: pad(16),
  },
  { size: 128, align: 64 },
);

/** A metadata buffer. */
export const DumpMetaBuffer = struct(
  'npurun_dump_meta_buffer',
  { records: array(TensorDumpRecord, archConstants('a2a3').dump.recordsPerBuffer), count: u32 },
  { size: 32832, align: 64 },
);

/** One dump thread's state. */
export const DumpBufferState = struct(
  'npurun_dump_buffer_state',
  {
    freeQueue: { type: freeQueueLayout(4), offset: 0 },
    currentBufPtr: { type: ptr, offset: 128 },
    currentBufSeq: { type: u32, offset: 136 },
    reserved0: pad(4),
    arenaBase: { type: ptr, offset: 144 },
    arenaSize: { type: u64, offset: 152 },
    arenaWriteOffset: { type: u64, offset: 160, doc: 'monotonic byte cursor (AI CPU writes)' },
    droppedRecordCount: { type: u32, offset: 168, doc: 'saturating' },
    reserved1: pad(84),
  },
  { size: 256, align: 64 },
);

function header(arch: Arch) {
  const c = archConstants(arch);
  const t = c.maxAicpuThreads;
  return struct(
    `npurun_dump_header_${arch}`,
    {
      queues: array(array(ReadyQueueEntry, c.dump.readyQueueSize), t),
      queueHeads: array(u32, t),
      queueTails: array(u32, t),
      numDumpThreads: u32,
      recordsPerBuffer: u32,
      arenaSizePerThread: u64,
      magic: u32,
    },
    { align: 64, size: arch === 'a2a3' ? 8256 : 25216 },
  );
}

/** The header of each arch. */
export const DumpHeader = { a2a3: header('a2a3'), a5: header('a5') } as const;

/** DataType names by enum value; anything else is `UNKNOWN`. */
export const DUMP_DTYPE_NAMES: readonly string[] = [
  'FLOAT32',
  'FLOAT16',
  'INT32',
  'INT16',
  'INT8',
  'UINT8',
  'BFLOAT16',
  'INT64',
  'UINT64',
  'UINT16',
  'UINT32',
];
