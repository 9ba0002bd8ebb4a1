/**
 * `deps.json` (the upstream format, a2a3 dep_gen): the tasks the device orchestrator submitted
 * with their tensor arguments, the distinct tensors, and the dependency edges it derived. The file
 * prints every u64 as a decimal string; here task ids are numbers (the run's task ids) and the other
 * u64 values bigints.
 */
import type { Fields } from './check';
import { parseJson, Reader } from './check';
import { parseTaskId } from '../task-id';

/** A tensor argument of a submitted task. */
export interface DepsArg {
  /** Index among the task's tensor arguments. */
  idx: number;
  /** `INPUT`, `OUTPUT`, `INOUT`, `OUTPUT_EXISTING` or `UNKNOWN`. */
  type: string;
  /** Tensor id (FNV-1a-64 of buffer address and version). */
  tensorId?: bigint;
  /** Element type name. */
  dtype?: string;
  /** Shape. */
  shape?: number[];
  /** Start offset, elements. */
  startOffset?: bigint;
  /** Strides, elements. */
  strides?: number[];
}

/** A submitted task. */
export interface DepsTask {
  /** Task id. */
  taskId: number;
  /** `auto` or `manual`. */
  scope: string;
  /** Its tensor arguments. */
  args: DepsArg[];
}

/** A distinct tensor. */
export interface DepsTensor {
  /** Tensor id. */
  tensorId: bigint;
  /** Buffer address. */
  bufferAddr: bigint;
  /** Version. */
  version: number;
  /** Element type name. */
  dtype: string;
  /** Elements in the buffer. */
  bufferNumel: bigint;
}

/** A region of a tensor (shape, start offset, strides). */
export interface DepsRegion {
  /** Shape. */
  shape: number[];
  /** Start offset, elements. */
  startOffset: bigint;
  /** Strides, elements. */
  strides: number[];
}

/** A dependency edge. */
export interface DepsEdge {
  /** Producer task id. */
  pred: number;
  /** Consumer task id. */
  succ: number;
  /** Consumer argument that carried it; -1 for an explicit dependency. */
  arg: number;
  /** `explicit`, `creator` or `tensormap`. */
  source: string;
  /** The consumer's tensor (creator, tensormap). */
  tensorId?: bigint;
  /** The consumer's element type (creator, tensormap). */
  consumerDtype?: string;
  /** The consumer's region (creator, tensormap). */
  consumer?: DepsRegion;
  /** `covered` or `other` (tensormap). */
  overlap?: string;
  /** The producer's region (tensormap). */
  producer?: DepsRegion;
}

/** The whole file. */
export interface DepsFile {
  /** Submitted tasks. */
  tasks: DepsTask[];
  /** Distinct tensors. */
  tensors: DepsTensor[];
  /** Edges. */
  edges: DepsEdge[];
}

/** Parses the file. */
export function parseDepsJson(text: string, file = 'deps.json'): DepsFile {
  const r = Reader.of(parseJson(text, file), file, 'deps');
  const region = (x: Reader, prefix: string): DepsRegion => ({ shape: x.nums(`${prefix}_shape`), startOffset: x.u64(`${prefix}_start_offset`), strides: x.nums(`${prefix}_strides`) });
  return {
    tasks: r.arr('tasks').map((t, i): DepsTask => {
      const x = Reader.of(t, file, `tasks[${i}]`);
      return {
        taskId: parseTaskId(x.fields.task_id, file, `tasks[${i}].task_id`),
        scope: x.str('scope'),
        args: x.arr('args').map((a, k): DepsArg => {
          const y = Reader.of(a, file, `tasks[${i}].args[${k}]`);
          const arg: DepsArg = { idx: y.num('idx'), type: y.str('type') };
          if (y.has('tensor_id')) arg.tensorId = y.u64('tensor_id');
          if (y.has('dtype')) arg.dtype = y.str('dtype');
          if (y.has('shape')) arg.shape = y.nums('shape');
          if (y.has('start_offset')) arg.startOffset = y.u64('start_offset');
          if (y.has('strides')) arg.strides = y.nums('strides');
          return arg;
        }),
      };
    }),
    tensors: r.arr('tensors').map((t, i): DepsTensor => {
      const x = Reader.of(t, file, `tensors[${i}]`);
      return { tensorId: x.u64('tensor_id'), bufferAddr: x.u64('buffer_addr'), version: x.num('version'), dtype: x.str('dtype'), bufferNumel: x.u64('buffer_numel') };
    }),
    edges: r.arr('edges').map((e, i): DepsEdge => {
      const x = Reader.of(e, file, `edges[${i}]`);
      const edge: DepsEdge = {
        pred: parseTaskId(x.fields.pred, file, `edges[${i}].pred`),
        succ: parseTaskId(x.fields.succ, file, `edges[${i}].succ`),
        arg: x.num('arg'),
        source: x.str('source'),
      };
      if (x.has('tensor_id')) edge.tensorId = x.u64('tensor_id');
      if (x.has('consumer_dtype')) edge.consumerDtype = x.str('consumer_dtype');
      if (x.has('consumer_shape')) edge.consumer = region(x, 'consumer');
      if (x.has('overlap')) edge.overlap = x.str('overlap');
      if (x.has('producer_shape')) edge.producer = region(x, 'producer');
      return edge;
    }),
  };
}

function regionFields(prefix: string, r: DepsRegion | undefined): Fields {
  return r === undefined ? {} : { [`${prefix}_shape`]: r.shape, [`${prefix}_start_offset`]: r.startOffset.toString(), [`${prefix}_strides`]: r.strides };
}

/** The file's text for `deps` (one line, u64 values as decimal strings). */
export function formatDepsJson(deps: DepsFile): string {
  const opt = <T>(key: string, v: T | undefined, f: (x: T) => unknown = (x) => x): Fields => (v === undefined ? {} : { [key]: f(v) });
  const doc = {
    tasks: deps.tasks.map((t) => ({
      task_id: String(t.taskId),
      scope: t.scope,
      args: t.args.map((a) => ({
        idx: a.idx,
        type: a.type,
        ...opt('tensor_id', a.tensorId, String),
        ...opt('dtype', a.dtype),
        ...opt('shape', a.shape),
        ...opt('start_offset', a.startOffset, String),
        ...opt('strides', a.strides),
      })),
    })),
    tensors: deps.tensors.map((t) => ({ tensor_id: String(t.tensorId), buffer_addr: String(t.bufferAddr), version: t.version, dtype: t.dtype, buffer_numel: String(t.bufferNumel) })),
    edges: deps.edges.map((e) => ({
      pred: String(e.pred),
      succ: String(e.succ),
      arg: e.arg,
      source: e.source,
      ...opt('tensor_id', e.tensorId, String),
      ...opt('consumer_dtype', e.consumerDtype),
      ...regionFields('consumer', e.consumer),
      ...opt('overlap', e.overlap),
      ...regionFields('producer', e.producer),
    })),
  };
  return `${JSON.stringify(doc)}\n`;
}
