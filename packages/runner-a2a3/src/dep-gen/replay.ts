/**
 * Replay of captured submits into `deps.json`. Pure: records in
 * device order in, the file's object and a list of problems out. The caller writes the file only
 * when there are no problems (and the capture reconciled clean).
 *
 * Each task is re-submitted, in order, against a host tensormap, the way the runtime computes a
 * task's fan-in:
 *
 * 1. explicit dependencies (`source: explicit`, `arg: -1`);
 * 2. unless the task is in a manual scope, for each tensor argument that is not OUTPUT: its
 *    creator (`owner_task_id`, when valid; `source: creator`), then, for INPUT and INOUT tensors
 *    not marked `manual_dep`, every live tensormap entry on the same buffer whose region it
 *    overlaps, newest producer first (`source: tensormap`, `overlap: covered|other`); an INOUT
 *    that covers an entry retires it;
 * 3. unless in a manual scope, INOUT and OUTPUT_EXISTING tensors not marked `manual_dep` become
 *    tensormap entries produced by this task.
 *
 * Edges are deduplicated per consumer by producer (the first source wins), as the runtime's fan-in
 * builder does. Dependency-only (dummy) tasks are submitted like any other task, so they are nodes
 * with their own edges: a consumer behind a dummy depends on the dummy, not on the dummy's
 * producers.
 *
 * The tensormap is keyed by buffer address only (versions are reported, not matched); it is not
 * the runtime's own code, so for hardware captures whose tensors carry directions the tensormap
 * edges follow these rules rather than being bit-identical to the runtime's.
 */
import { runToEnd, type DependencyEdge } from '@npurun/collectors';
import type { DepsArgType, DepsJson, DepsJsonArg, DepsJsonEdge, DepsJsonTensor } from './deps-json';
import { dtypeBytes, dtypeName } from './dtype';
import { DEP_GEN_INVALID_TASK_ID, DEP_GEN_MAX_TENSORS, DepGenArgType, DepGenFlag } from './layout';
import { regionOverlap } from './overlap';
import type { CapturedRecord, CapturedTask, CapturedTensor } from './records';
import { depsTensorId } from './tensor-id';

/** What {@link replayDeps} returns. */
export interface DepsReplay {
  /** The `deps.json` content. */
  readonly deps: DepsJson;
  /**
   * Why the capture cannot be trusted (an orphan overflow record, a task whose dependencies were
   * truncated, a duplicate task id...). Empty when the replay is sound.
   */
  readonly problems: readonly string[];
}

interface Submit {
  readonly task: CapturedTask;
  deps: bigint[];
  open: boolean; // waiting for overflow records
}

interface MapEntry {
  readonly producer: bigint;
  readonly tensor: CapturedTensor;
  live: boolean;
}

const ARG_TYPE_NAMES: Readonly<Record<number, DepsArgType>> = {
  [DepGenArgType.input]: 'INPUT',
  [DepGenArgType.output]: 'OUTPUT',
  [DepGenArgType.inout]: 'INOUT',
  [DepGenArgType.outputExisting]: 'OUTPUT_EXISTING',
};

/** The `deps.json` name of a `TensorArgType` code. */
export function argTypeName(code: number): DepsArgType {
  return ARG_TYPE_NAMES[code] ?? 'UNKNOWN';
}

// Records stitched between pause points: far below a slice, far above the cost of a pause check.
const STITCH_RECORDS_PER_STEP = 1024;

/**
 * Joins overflow records to their base records; reports what does not fit together. Yields every
 * {@link STITCH_RECORDS_PER_STEP} records or tasks looked at: a capture of a long run holds millions.
 */
function* stitchSteps(records: readonly CapturedRecord[], problems: string[]): Generator<void, Submit[], undefined> {
  const submits: Submit[] = [];
  let last: Submit | undefined;
  let looked = 0; // records, then tasks
  for (const r of records) {
    if (++looked % STITCH_RECORDS_PER_STEP === 0) yield;
    if (r.kind === 'task') {
      if (last?.open === true) problems.push(`task ${last.task.taskId}: overflow chain ended without its last record`);
      last = { task: r, deps: [...r.explicitDeps], open: (r.flags & DepGenFlag.hasOverflow) !== 0 };
      submits.push(last);
      continue;
    }
    if (last === undefined || !last.open || last.task.taskId !== r.taskId) {
      problems.push(`overflow record of task ${r.taskId} does not follow its base record`);
      continue;
    }
    last.deps.push(...r.deps);
    if ((r.flags & DepGenFlag.lastOverflow) !== 0) last.open = false;
  }
  if (last?.open === true) problems.push(`task ${last.task.taskId}: overflow chain ended without its last record`);
  for (const s of submits) {
    if (++looked % STITCH_RECORDS_PER_STEP === 0) yield;
    if (s.deps.length !== s.task.explicitDepCount) {
      problems.push(`task ${s.task.taskId}: ${s.task.explicitDepCount} explicit dependencies declared, ${s.deps.length} captured`);
    }
    if (s.task.tensorCount > DEP_GEN_MAX_TENSORS) {
      problems.push(`task ${s.task.taskId}: tensor_count ${s.task.tensorCount} exceeds ${DEP_GEN_MAX_TENSORS}`);
    }
  }
  return submits;
}

function numel(t: CapturedTensor): bigint {
  const bytes = dtypeBytes(t.dtype);
  return bytes === undefined ? 0n : t.bufferSize / BigInt(bytes);
}

/**
 * Replays captured records (in device order) into the `deps.json` content.
 *
 * @param records base and overflow records as the device produced them
 */
export function replayDeps(records: readonly CapturedRecord[]): DepsReplay {
  return runToEnd(replayDepsSteps(records));
}

/**
 * {@link replayDeps} as a generator that yields after each task, so a caller can pause between
 * tasks (see the collectors' `runSliced`) when a capture has many.
 */
export function* replayDepsSteps(records: readonly CapturedRecord[]): Generator<void, DepsReplay, undefined> {
  const problems: string[] = [];
  const submits = yield* stitchSteps(records, problems);
  const tasks: DepsJson['tasks'] = [];
  const tensors: DepsJsonTensor[] = [];
  const tensorIds = new Set<string>();
  const edges: DepsJsonEdge[] = [];
  const tensormap = new Map<bigint, MapEntry[]>(); // buffer address → entries, oldest first
  const taskIds = new Set<bigint>();

  for (const { task, deps } of submits) {
    if (taskIds.has(task.taskId)) problems.push(`task ${task.taskId} was submitted twice`);
    taskIds.add(task.taskId);
    const succ = task.taskId.toString();
    const manualScope = (task.flags & DepGenFlag.inManualScope) !== 0;
    const ids = task.tensors.map((t) => depsTensorId(t.bufferAddr, t.version).toString());

    const args: DepsJsonArg[] = task.tensors.map((t, idx) => {
      const type = argTypeName(task.argTypes[idx]!);
      if (task.argTypes[idx] === DepGenArgType.output) return { idx, type };
      if (!tensorIds.has(ids[idx]!)) {
        tensorIds.add(ids[idx]!);
        tensors.push({
          tensor_id: ids[idx]!,
          buffer_addr: t.bufferAddr.toString(),
          version: t.version,
          dtype: dtypeName(t.dtype),
          buffer_numel: numel(t).toString(),
        });
      }
      return { idx, type, tensor_id: ids[idx]!, dtype: dtypeName(t.dtype), shape: [...t.shapes], start_offset: t.startOffset.toString(), strides: [...t.strides] };
    });
    tasks.push({ task_id: succ, scope: manualScope ? 'manual' : 'auto', args });

    const seen = new Set<bigint>();
    const emit = (pred: bigint, edge: () => DepsJsonEdge): void => {
      if (seen.has(pred)) return;
      seen.add(pred);
      edges.push(edge());
    };
    for (const pred of deps) emit(pred, () => ({ pred: pred.toString(), succ, arg: -1, source: 'explicit' }));
    // A task in a manual scope has only its explicit dependencies; it still ends in a pause point.
    if (manualScope) {
      yield;
      continue;
    }

    task.tensors.forEach((t, idx) => {
      const type = task.argTypes[idx]!;
      if (type === DepGenArgType.output) return;
      const consumer = {
        tensor_id: ids[idx]!,
        consumer_dtype: dtypeName(t.dtype),
        consumer_shape: [...t.shapes],
        consumer_start_offset: t.startOffset.toString(),
        consumer_strides: [...t.strides],
      };
      if (t.ownerTaskId !== DEP_GEN_INVALID_TASK_ID) {
        emit(t.ownerTaskId, () => ({ pred: t.ownerTaskId.toString(), succ, arg: idx, source: 'creator', ...consumer }));
      }
      if ((type !== DepGenArgType.input && type !== DepGenArgType.inout) || t.manualDep) return;
      const entries = tensormap.get(t.bufferAddr) ?? [];
      let retired = 0;
      for (let e = entries.length - 1; e >= 0; e--) {
        const entry = entries[e]!;
        if (!entry.live) {
          retired++;
          continue;
        }
        const overlap = regionOverlap(t, entry.tensor);
        if (overlap === 'none') continue;
        emit(entry.producer, () => ({
          pred: entry.producer.toString(),
          succ,
          arg: idx,
          source: 'tensormap',
          ...consumer,
          overlap,
          producer_shape: [...entry.tensor.shapes],
          producer_start_offset: entry.tensor.startOffset.toString(),
          producer_strides: [...entry.tensor.strides],
        }));
        // A write that covers an earlier write supersedes it for every later reader.
        if (type === DepGenArgType.inout && overlap === 'covered') entry.live = false;
      }
      // Retired entries are never read again. A buffer written over and over (a loop's
      // accumulator) would otherwise make every later read scan all its past writes: once they are
      // half the list, drop them (each entry is dropped once, so the scans stay linear overall).
      if (2 * retired >= entries.length && retired > 0) {
        tensormap.set(
          t.bufferAddr,
          entries.filter((entry) => entry.live),
        );
      }
    });

    task.tensors.forEach((t, idx) => {
      const type = task.argTypes[idx]!;
      if ((type !== DepGenArgType.inout && type !== DepGenArgType.outputExisting) || t.manualDep) return;
      const list = tensormap.get(t.bufferAddr) ?? [];
      list.push({ producer: task.taskId, tensor: t, live: true });
      tensormap.set(t.bufferAddr, list);
    });
    yield;
  }
  return { deps: { tasks, tensors, edges }, problems };
}

/** The (pred, succ) pairs of a `deps.json`, as the swimlane trace's flow arrows take them. */
export function dependencyEdgesOf(deps: DepsJson): DependencyEdge[] {
  return deps.edges.map((e) => ({ pred: BigInt(e.pred), succ: BigInt(e.succ) }));
}
