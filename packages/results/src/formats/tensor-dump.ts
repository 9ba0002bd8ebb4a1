/**
 * `tensor_dump/tensor_dump.json` + `tensor_dump.bin` (the upstream format): a manifest of every
 * dumped tensor — task id (`0x` + 16 hex digits), sub-task, kernel id, role, stage, argument index,
 * element type, shape, strides — and where its payload sits in the headerless `.bin` (each payload
 * the tensor's logical view, row-major, little-endian). npurun adds `incomplete`.
 */
import { dtypeInfo, type TensorArray } from '../dtype';
import { badFile } from '../errors';
import { hexTaskId, parseTaskId } from '../task-id';
import { parseJson, Reader } from './check';

/** The manifest's counters. */
export interface DumpCounts {
  /** Tensors listed. */
  totalTensors: number;
  /** Entries dumped before dispatch. */
  beforeDispatch: number;
  /** Entries dumped after completion. */
  afterCompletion: number;
  /** Input entries. */
  inputTensors: number;
  /** Output entries. */
  outputTensors: number;
  /** In-out entries. */
  inoutTensors: number;
  /** Entries truncated on the device. */
  truncatedTensors: number;
  /** Records the device dropped. */
  droppedRecords: number;
  /** Payloads lost to an arena overwrite. */
  droppedOverwrite: number;
}

/** One manifest entry. */
export interface DumpEntry {
  /** Task id. */
  taskId: number;
  /** Sub-task (0 AIC, 1 AIV0, 2 AIV1). */
  subtaskId: number;
  /** Kernel id. */
  funcId: number;
  /** `input`, `output` or `inout`. */
  role: string;
  /** `before_dispatch` or `after_completion`. */
  stage: string;
  /** Payload tensor index of the task. */
  argIndex: number;
  /** Element type name (upper case). */
  dtype: string;
  /** Contiguous on the device. */
  isContiguous: boolean;
  /** Shape. */
  shape: number[];
  /** Strides, elements. */
  strides: number[];
  /** Element offset of the view's origin. */
  startOffset: number;
  /** Elements. */
  numel: number;
  /** Payload offset in the .bin. */
  binOffset: number;
  /** Payload bytes. */
  binSize: number;
  /** Truncated on the device. */
  truncated: boolean;
  /** Overwritten before the host copied it. */
  overwritten: boolean;
}

/** The manifest. */
export interface DumpManifest {
  /** `tensor_dump`. */
  runDir: string;
  /** Payload layout (`logical_contiguous`, `little_endian`). */
  binFormat: { type: string; byteOrder: string };
  /** Counters. */
  counts: DumpCounts;
  /** The run failed part-way (npurun addition). */
  incomplete?: boolean;
  /** Payload file name, relative to the manifest. */
  binFile: string;
  /** Entries. */
  tensors: DumpEntry[];
}

/** Parses the manifest. */
export function parseDumpManifest(text: string, file = 'tensor_dump.json'): DumpManifest {
  const r = Reader.of(parseJson(text, file), file, 'manifest');
  const bf = r.obj('bin_format');
  const m: DumpManifest = {
    runDir: r.str('run_dir'),
    binFormat: { type: bf.str('type'), byteOrder: bf.str('byte_order') },
    counts: {
      totalTensors: r.num('total_tensors'),
      beforeDispatch: r.num('before_dispatch'),
      afterCompletion: r.num('after_completion'),
      inputTensors: r.num('input_tensors'),
      outputTensors: r.num('output_tensors'),
      inoutTensors: r.num('inout_tensors'),
      truncatedTensors: r.num('truncated_tensors'),
      droppedRecords: r.num('dropped_records'),
      droppedOverwrite: r.num('dropped_overwrite'),
    },
    binFile: r.str('bin_file'),
    tensors: r.arr('tensors').map((t, i): DumpEntry => {
      const w = `tensors[${i}]`;
      const x = Reader.of(t, file, w);
      return {
        taskId: parseTaskId(x.fields.task_id, file, `${w}.task_id`),
        subtaskId: x.num('subtask_id'),
        funcId: x.num('func_id'),
        role: x.str('role'),
        stage: x.str('stage'),
        argIndex: x.num('arg_index'),
        dtype: x.str('dtype').toUpperCase(),
        isContiguous: x.bool('is_contiguous'),
        shape: x.nums('shape'),
        strides: x.nums('strides'),
        startOffset: x.num('start_offset'),
        numel: x.num('numel'),
        binOffset: x.num('bin_offset'),
        binSize: x.num('bin_size'),
        truncated: x.bool('truncated'),
        overwritten: x.bool('overwritten'),
      };
    }),
  };
  if (r.has('incomplete')) m.incomplete = r.bool('incomplete');
  return m;
}

/** The manifest's text for `m` (the layout npurun writes). */
export function formatDumpManifest(m: DumpManifest): string {
  const c = m.counts;
  const entries = m.tensors.map(
    (e) =>
      `\n    {"task_id": "${hexTaskId(e.taskId)}", "subtask_id": ${e.subtaskId}, "func_id": ${e.funcId}, "role": "${e.role}", "stage": "${e.stage}", ` +
      `"arg_index": ${e.argIndex}, "dtype": "${e.dtype}", "is_contiguous": ${e.isContiguous}, "shape": [${e.shape.join(', ')}], ` +
      `"strides": [${e.strides.join(', ')}], "start_offset": ${e.startOffset}, "numel": ${e.numel}, "bin_offset": ${e.binOffset}, ` +
      `"bin_size": ${e.binSize}, "truncated": ${e.truncated}, "overwritten": ${e.overwritten}}`,
  );
  return (
    '{\n' +
    `  "run_dir": ${JSON.stringify(m.runDir)},\n` +
    `  "bin_format": {"type": ${JSON.stringify(m.binFormat.type)}, "byte_order": ${JSON.stringify(m.binFormat.byteOrder)}},\n` +
    `  "total_tensors": ${c.totalTensors}, "before_dispatch": ${c.beforeDispatch}, "after_completion": ${c.afterCompletion},\n` +
    `  "input_tensors": ${c.inputTensors}, "output_tensors": ${c.outputTensors}, "inout_tensors": ${c.inoutTensors},\n` +
    `  "truncated_tensors": ${c.truncatedTensors}, "dropped_records": ${c.droppedRecords}, "dropped_overwrite": ${c.droppedOverwrite},\n` +
    (m.incomplete === undefined ? '' : `  "incomplete": ${m.incomplete},\n`) +
    `  "bin_file": ${JSON.stringify(m.binFile)},\n` +
    `  "tensors": [${entries.join(',')}${entries.length > 0 ? '\n  ' : ''}]\n}\n`
  );
}

/** A dumped tensor: its manifest entry and its elements. */
export interface DumpedTensor extends DumpEntry {
  /** The payload bytes as in the .bin (empty when overwritten). */
  raw: Uint8Array;
  /** The elements (half types widened to Float32Array); `undefined` for an unknown element type. */
  data: TensorArray | undefined;
}

/**
 * The payloads of every entry of `m`, cut from `bin`.
 *
 * @throws ResultsError `RESULTS_BAD_FILE` when an entry points outside the .bin
 */
export function dumpedTensors(m: DumpManifest, bin: Uint8Array, binFile = 'tensor_dump.bin'): DumpedTensor[] {
  return m.tensors.map((e, i) => {
    if (e.binOffset < 0 || e.binOffset + e.binSize > bin.byteLength) {
      throw badFile(binFile, `tensors[${i}] (task ${e.taskId}) needs bytes ${e.binOffset}..${e.binOffset + e.binSize}, the file has ${bin.byteLength}`);
    }
    const raw = bin.subarray(e.binOffset, e.binOffset + e.binSize);
    return { ...e, raw, data: dtypeInfo(e.dtype)?.decode(raw) };
  });
}
