/**
 * The `deps.json` schema: tasks,
 * tensors and dependency edges. Every u64 is a decimal string; the file is one line with no
 * whitespace.
 */
import { TimeSlicer, type TextFileWriter } from '@npurun/collectors';

/** Arg type names; any other code is `UNKNOWN` (the simulated orchestrator's `NO_DEP` tensors included). */
export type DepsArgType = 'INPUT' | 'OUTPUT' | 'INOUT' | 'OUTPUT_EXISTING' | 'UNKNOWN';

/** One tensor argument of a task. OUTPUT arguments carry only `idx` and `type`. */
export interface DepsJsonArg {
  /** Index among the task's tensor arguments. */
  idx: number;
  /** Its `TensorArgType`. */
  type: DepsArgType;
  /** FNV-1a-64 of (buffer address, version). */
  tensor_id?: string;
  /** Element type name, e.g. `FLOAT32`, or `UNKNOWN`. */
  dtype?: string;
  /** Shape in elements. */
  shape?: number[];
  /** Elements from the buffer start. */
  start_offset?: string;
  /** Strides in elements. */
  strides?: number[];
}

/** One submitted task. */
export interface DepsJsonTask {
  /** Task id. */
  task_id: string;
  /** `manual` when submitted inside a manual-dependency scope, else `auto`. */
  scope: 'auto' | 'manual';
  /** Its tensor arguments. */
  args: DepsJsonArg[];
}

/** One distinct tensor (by `tensor_id`), in first-use order. */
export interface DepsJsonTensor {
  /** FNV-1a-64 of (buffer address, version). */
  tensor_id: string;
  /** Device address of the buffer. */
  buffer_addr: string;
  /** Version. */
  version: number;
  /** Element type name. */
  dtype: string;
  /** Elements in the buffer (its bytes over the element size; 0 when the element type is unknown). */
  buffer_numel: string;
}

/** Where an edge comes from. */
export type DepsEdgeSource = 'explicit' | 'creator' | 'tensormap';

/** One dependency edge, producer → consumer, at most one per (pred, succ). */
export interface DepsJsonEdge {
  /** Producer task id. */
  pred: string;
  /** Consumer task id. */
  succ: string;
  /** The consumer's tensor argument that carried it; -1 for an explicit dependency. */
  arg: number;
  /** What produced the edge. */
  source: DepsEdgeSource;
  /** creator / tensormap: the consumer's tensor. */
  tensor_id?: string;
  /** creator / tensormap: the consumer's element type. */
  consumer_dtype?: string;
  /** creator / tensormap: the consumer's shape. */
  consumer_shape?: number[];
  /** creator / tensormap: the consumer's start offset. */
  consumer_start_offset?: string;
  /** creator / tensormap: the consumer's strides. */
  consumer_strides?: number[];
  /** tensormap: whether the consumer's region covers the producer's (`covered`) or only overlaps it. */
  overlap?: 'covered' | 'other';
  /** tensormap: the producer's shape. */
  producer_shape?: number[];
  /** tensormap: the producer's start offset. */
  producer_start_offset?: string;
  /** tensormap: the producer's strides. */
  producer_strides?: number[];
}

/** The whole file. */
export interface DepsJson {
  /** Every submitted task, in submit order (dependency-only tasks included). */
  tasks: DepsJsonTask[];
  /** Every distinct tensor. */
  tensors: DepsJsonTensor[];
  /** Every edge. */
  edges: DepsJsonEdge[];
}

/** The file's text: one line, no whitespace, newline-terminated. */
export function serializeDepsJson(deps: DepsJson): string {
  return `${JSON.stringify(deps)}\n`;
}

// Elements stringified between pause checks.
const PACE_EVERY = 16;

/**
 * Writes {@link serializeDepsJson}'s text to `out` (a text file writer, or anything with its
 * `write`) one element at a time, pausing for the event loop whenever `slicer`'s slice is used up:
 * the same text (an array's JSON is its elements' JSON joined by commas), without one long
 * `JSON.stringify` of a large capture, and without the whole text ever in one string (joining and
 * encoding megabytes at once would hold the loop as long).
 */
export async function writeDepsJsonSliced(deps: DepsJson, out: Pick<TextFileWriter, 'write'>, slicer: TimeSlicer = new TimeSlicer()): Promise<void> {
  let n = 0;
  for (const key of ['tasks', 'tensors', 'edges'] as const) {
    await out.write(key === 'tasks' ? '{"tasks":[' : `],${JSON.stringify(key)}:[`);
    const items: readonly unknown[] = deps[key];
    for (let i = 0; i < items.length; i++) {
      const wait = out.write(i === 0 ? JSON.stringify(items[i]) : `,${JSON.stringify(items[i])}`);
      if (wait !== undefined) await wait; // most writes only buffer: no microtask for them
      if (++n % PACE_EVERY === 0) await slicer.pauseIfDue();
    }
  }
  await out.write(']}\n');
}
