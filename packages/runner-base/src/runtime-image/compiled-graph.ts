/**
 * A task graph checked and encoded once, for runs that execute the same graph again and again.
 * `run()` validates and encodes a plain graph on every call — microseconds for a few tasks, tens of
 * milliseconds for tens of thousands — while a {@link CompiledGraph} carries its runtime image.
 * Pure: no device is involved, and one compiled graph may be run by any runner of either arch.
 */
import { runSliced } from '@npurun/collectors';
import { InvalidArgumentError } from '../errors';
import { encodeRuntimeImageSteps, type RuntimeImage } from './encode';
import type { TaskGraph } from './task-graph';

/**
 * A task graph validated and encoded by {@link compileGraph}. Pass it as `graph` to `run()` in
 * place of the plain graph: the run skips validation and encoding. It holds its own copy of the
 * graph, so changing the source graph afterwards does not change it. A run checks that the graph's
 * address arguments lie in live allocations of its runner whenever that runner allocated or freed
 * anything since they last passed there.
 */
export interface CompiledGraph {
  /** Tells a compiled graph from a plain one. */
  readonly kind: 'compiledGraph';
  /** Number of tasks. */
  readonly taskCount: number;
  /** Number of kernel-table entries. */
  readonly kernelCount: number;
  /** Number of dependency edges. */
  readonly edgeCount: number;
}

/** What a run needs of a compiled graph, kept where nothing outside this module can change it. */
export interface CompiledParts {
  /** The private copy of the graph the image was encoded from (addresses, names, labels). */
  readonly graph: TaskGraph;
  /** Its runtime image. */
  readonly image: RuntimeImage;
}

const compiled = new WeakMap<CompiledGraph, CompiledParts>();

/**
 * Validates and encodes `graph` once, in slices (a large graph does not hold the event loop), for
 * runs that execute it many times.
 *
 * @throws GraphError when the graph is malformed, as `run()` would; InvalidArgumentError when it
 *   holds something that is not plain data (a function, say) and so cannot be copied
 */
export async function compileGraph(graph: TaskGraph): Promise<CompiledGraph> {
  let copy: TaskGraph;
  try {
    copy = structuredClone(graph);
  } catch (error) {
    throw new InvalidArgumentError('compileGraph', 'graph', graph, `plain data that can be copied (${error instanceof Error ? error.message : String(error)})`);
  }
  const image = await runSliced(encodeRuntimeImageSteps(copy));
  const result: CompiledGraph = Object.freeze({ kind: 'compiledGraph', taskCount: image.taskCount, kernelCount: image.kernelCount, edgeCount: image.edgeCount });
  compiled.set(result, { graph: copy, image });
  return result;
}

/**
 * The copy and image behind a graph made by {@link compileGraph}; `undefined` for anything else
 * that does not claim to be one.
 *
 * @throws InvalidArgumentError for an object that says it is a compiled graph but was not made by
 *   {@link compileGraph} (copied or built by hand)
 */
export function compiledPartsOf(op: string, graph: unknown): CompiledParts | undefined {
  if (typeof graph !== 'object' || graph === null || (graph as { kind?: unknown }).kind !== 'compiledGraph') return undefined;
  const p = compiled.get(graph as CompiledGraph);
  if (p === undefined) throw new InvalidArgumentError(op, 'graph', graph, 'a task graph, or a compiled graph made by compileGraph()');
  return p;
}
