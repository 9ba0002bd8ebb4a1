/**
 * `tensor_dump/tensor_dump.json`: the envelope of counts, then one
 * entry per dumped tensor. Pure formatting: {@link formatDumpManifestEntry} spells an entry out as
 * a string, {@link writeDumpManifest} prints the same text byte by byte from the spooled rows (no
 * string or object per entry), and the tests hold the two to the same bytes.
 */
import { ascii, ByteOut, type AsciiLiteral, type ByteSink } from '../export/byte-out';
import type { RecordSpool } from '../framework/spool';
import { TimeSlicer } from '../framework/slicer';
import { hexTaskId } from '../pmu/csv';
import { DUMP_DTYPE_NAMES, DUMP_MAX_DIMS } from './layout';

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

/** Byte offsets of an entry's fields in a spooled row: the device record's, then the host's. */
export interface DumpRowLayout {
  readonly ndims: number;
  readonly shapes: number;
  readonly strides: number;
  readonly taskId: number;
  readonly subtaskId: number;
  readonly funcId: number;
  readonly role: number;
  readonly stage: number;
  readonly argIndex: number;
  readonly dtype: number;
  readonly isContiguous: number;
  readonly startOffset: number;
  readonly truncated: number;
  /** The entry's offset in the .bin (u64). */
  readonly binOffset: number;
  /** The entry's bytes in the .bin (u64). */
  readonly binSize: number;
  /** Whether the payload was overwritten in the arena (u8). */
  readonly overwritten: number;
}

/** The entry the spooled row at byte `at` of `v` holds. */
export function decodeDumpRow(v: DataView, at: number, f: DumpRowLayout): DumpManifestEntry {
  const ndims = Math.min(v.getUint8(at + f.ndims), DUMP_MAX_DIMS);
  const shape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < ndims; i++) {
    shape.push(v.getUint32(at + f.shapes + 4 * i, true));
    strides.push(v.getUint32(at + f.strides + 4 * i, true));
  }
  return {
    taskId: v.getBigUint64(at + f.taskId, true),
    subtaskId: v.getUint8(at + f.subtaskId),
    funcId: v.getUint32(at + f.funcId, true),
    role: v.getUint8(at + f.role),
    stage: v.getUint8(at + f.stage),
    argIndex: v.getUint32(at + f.argIndex, true),
    dtype: v.getUint8(at + f.dtype),
    isContiguous: v.getUint8(at + f.isContiguous) !== 0,
    shape,
    strides,
    startOffset: v.getBigUint64(at + f.startOffset, true),
    binOffset: Number(v.getBigUint64(at + f.binOffset, true)),
    binSize: Number(v.getBigUint64(at + f.binSize, true)),
    truncated: v.getUint8(at + f.truncated) !== 0,
    overwritten: v.getUint8(at + f.overwritten) !== 0,
  };
}

// The text between an entry's values, prepared once (see formatDumpManifestEntry for the spelling).
const OPEN = ascii('\n    {"task_id": "');
const SUBTASK = ascii('", "subtask_id": ');
const FUNC = ascii(', "func_id": ');
const ROLE_THEN_STAGE = [...ROLES, 'unknown'].map((r) => ascii(`, "role": "${r}", "stage": "`));
const STAGE_THEN_ARG = [...STAGES, 'unknown'].map((st) => ascii(`${st}", "arg_index": `));
const DTYPE_THEN_CONTIGUOUS = [...DUMP_DTYPE_NAMES, 'UNKNOWN'].map((d) => ascii(`, "dtype": "${d}", "is_contiguous": `));
const SHAPE = ascii(', "shape": [');
const STRIDES = ascii('], "strides": [');
const START_OFFSET = ascii('], "start_offset": ');
const NUMEL = ascii(', "numel": ');
const BIN_OFFSET = ascii(', "bin_offset": ');
const BIN_SIZE = ascii(', "bin_size": ');
const TRUNCATED = ascii(', "truncated": ');
const OVERWRITTEN = ascii(', "overwritten": ');
const TRUE = ascii('true');
const FALSE = ascii('false');
const LIST_SEPARATOR = ascii(', ');
// More than one entry can take: about 330 bytes of text and 19 values of at most 24 bytes.
const ENTRY_BYTES_BOUND = 1024;
// Entries between pause checks.
const PACE_EVERY = 64;
const COMMA = 44;
const CLOSE = 125;

/** `lits[i]`, or the last (the spelling for an unknown value) when `i` is past the known ones. */
function pick(lits: readonly AsciiLiteral[], i: number): AsciiLiteral {
  return lits[Math.min(i, lits.length - 1)]!;
}

/** The unsigned 64-bit value at byte `at`, as the nearest double (what `Number(bigint)` gives). */
function u64AsNumber(v: DataView, at: number): number {
  return v.getUint32(at + 4, true) * 2 ** 32 + v.getUint32(at, true);
}

/** Prints the row's entry, as {@link formatDumpManifestEntry} spells it; the caller reserved the room. */
function writeEntry(w: ByteOut, v: DataView, at: number, f: DumpRowLayout): void {
  w.lit(OPEN);
  w.hex16(v.getUint32(at + f.taskId, true), v.getUint32(at + f.taskId + 4, true));
  w.lit(SUBTASK);
  w.u32(v.getUint8(at + f.subtaskId));
  w.lit(FUNC);
  w.u32(v.getUint32(at + f.funcId, true));
  w.lit(pick(ROLE_THEN_STAGE, v.getUint8(at + f.role)));
  w.lit(pick(STAGE_THEN_ARG, v.getUint8(at + f.stage)));
  w.u32(v.getUint32(at + f.argIndex, true));
  w.lit(pick(DTYPE_THEN_CONTIGUOUS, v.getUint8(at + f.dtype)));
  w.lit(v.getUint8(at + f.isContiguous) !== 0 ? TRUE : FALSE);
  const ndims = Math.min(v.getUint8(at + f.ndims), DUMP_MAX_DIMS);
  let numel = 1;
  w.lit(SHAPE);
  for (let i = 0; i < ndims; i++) {
    const dim = v.getUint32(at + f.shapes + 4 * i, true);
    if (i > 0) w.lit(LIST_SEPARATOR);
    w.u32(dim);
    numel *= dim;
  }
  w.lit(STRIDES);
  for (let i = 0; i < ndims; i++) {
    if (i > 0) w.lit(LIST_SEPARATOR);
    w.u32(v.getUint32(at + f.strides + 4 * i, true));
  }
  w.lit(START_OFFSET);
  w.u64(v.getUint32(at + f.startOffset, true), v.getUint32(at + f.startOffset + 4, true));
  w.lit(NUMEL);
  w.number(numel);
  w.lit(BIN_OFFSET);
  w.number(u64AsNumber(v, at + f.binOffset));
  w.lit(BIN_SIZE);
  w.number(u64AsNumber(v, at + f.binSize));
  w.lit(TRUNCATED);
  w.lit(v.getUint8(at + f.truncated) !== 0 ? TRUE : FALSE);
  w.lit(OVERWRITTEN);
  w.lit(v.getUint8(at + f.overwritten) !== 0 ? TRUE : FALSE);
  w.byte(CLOSE);
}

/**
 * Streams the manifest into `out`: `head` (see {@link formatDumpManifestHead}), one entry per
 * spooled row of `rowBytes` bytes laid out as `layout` says, then the tail; pausing for the event
 * loop whenever `slicer`'s slice is used up.
 */
export async function writeDumpManifest(
  out: ByteSink,
  head: string,
  spool: RecordSpool,
  rowBytes: number,
  layout: DumpRowLayout,
  slicer: TimeSlicer = new TimeSlicer(),
): Promise<void> {
  const w = new ByteOut(out);
  w.utf8(head);
  let n = 0;
  for (const chunk of spool.chunks()) {
    for (let r = 0; r < chunk.rows; r++) {
      w.reserve(ENTRY_BYTES_BOUND);
      if (n > 0) w.byte(COMMA);
      writeEntry(w, chunk.view, r * rowBytes, layout);
      if (++n % PACE_EVERY === 0) await w.pace(slicer);
    }
  }
  w.utf8(DUMP_MANIFEST_TAIL);
  await w.flush();
}
