/**
 * `tensor_dump/tensor_dump.json`: the envelope of counts, then one
 * entry per dumped tensor. Pure formatting; the collector streams the entries.
 */
import { hexTaskId } from '../pmu/csv';
import { DUMP_DTYPE_NAMES } from './layout';

/** The counts at the top of the manifest. */
export interface DumpManifestCounts {
  /** Tensors listed. */
  total: number;
  /** Entries at stage before_dispatch. */
  beforeDispatch: number;
  /** Entries at stage after_completion. */
  afterCompletion: number;
  /** Input entries. */
  input: number;
  /** Output entries. */
  output: number;
  /** In-out entries. */
  inout: number;
  /** Entries whose payload was truncated on the device. */
  truncated: number;
  /** Records the device dropped. */
  droppedRecords: number;
  /** Entries whose payload was overwritten in the arena before the host copied it. */
  droppedOverwrite: number;
}

/** A manifest entry. */
export interface DumpManifestEntry {
  /** Task id. */
  taskId: bigint;
  /** Sub-task (0 AIC, 1 AIV0, 2 AIV1). */
  subtaskId: number;
  /** Kernel function id. */
  funcId: number;
  /** Role enum (0 input, 1 output, 2 inout). */
  role: number;
  /** Stage enum (0 before dispatch, 1 after completion). */
  stage: number;
  /** Payload tensor index. */
  argIndex: number;
  /** DataType enum. */
  dtype: number;
  /** Row-major contiguous on the device. */
  isContiguous: boolean;
  /** Shape (ndims values). */
  shape: number[];
  /** Strides (ndims values). */
  strides: number[];
  /** Element offset of the view origin. */
  startOffset: bigint;
  /** Offset in the .bin. */
  binOffset: number;
  /** Bytes in the .bin. */
  binSize: number;
  /** Payload truncated on the device. */
  truncated: boolean;
  /** Payload lost to an arena overwrite. */
  overwritten: boolean;
}

const ROLES = ['input', 'output', 'inout'];
const STAGES = ['before_dispatch', 'after_completion'];

/** The manifest up to and including `"tensors": [` (no entries). */
export function formatDumpManifestHead(c: DumpManifestCounts, incomplete: boolean): string {
  return (
    '{\n' +
    `  "run_dir": "tensor_dump",\n` +
    `  "bin_format": {"type": "logical_contiguous", "byte_order": "little_endian"},\n` +
    `  "total_tensors": ${c.total}, "before_dispatch": ${c.beforeDispatch}, "after_completion": ${c.afterCompletion},\n` +
    `  "input_tensors": ${c.input}, "output_tensors": ${c.output}, "inout_tensors": ${c.inout},\n` +
    `  "truncated_tensors": ${c.truncated}, "dropped_records": ${c.droppedRecords}, "dropped_overwrite": ${c.droppedOverwrite},\n` +
    `  "incomplete": ${incomplete},\n` +
    `  "bin_file": "tensor_dump.bin",\n` +
    `  "tensors": [`
  );
}

/** The manifest's closing text. */
export const DUMP_MANIFEST_TAIL = '\n  ]\n}\n';

/** One entry (no separator). */
export function formatDumpManifestEntry(e: DumpManifestEntry): string {
  const numel = e.shape.reduce((a, b) => a * b, 1);
  return (
    `\n    {"task_id": "${hexTaskId(e.taskId)}", "subtask_id": ${e.subtaskId}, "func_id": ${e.funcId}, ` +
    `"role": "${ROLES[e.role] ?? 'unknown'}", "stage": "${STAGES[e.stage] ?? 'unknown'}", "arg_index": ${e.argIndex}, ` +
    `"dtype": "${DUMP_DTYPE_NAMES[e.dtype] ?? 'UNKNOWN'}", "is_contiguous": ${e.isContiguous}, ` +
    `"shape": [${e.shape.join(', ')}], "strides": [${e.strides.join(', ')}], "start_offset": ${e.startOffset}, ` +
    `"numel": ${numel}, "bin_offset": ${e.binOffset}, "bin_size": ${e.binSize}, ` +
    `"truncated": ${e.truncated}, "overwritten": ${e.overwritten}}`
  );
}
