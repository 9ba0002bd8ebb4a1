/**
 * a2a3's host-side join of AI CPU task records with AI Core timing records, per core, keyed by the
 * dispatch token (`reg_task_id`). Both streams arrive in roughly task order, so matched pairs leave
 * the maps at once and the pending sets stay around a buffer's worth per core; only records whose
 * partner was dropped linger until the end, where they are counted as unmatched.
 */
import type { L2TaskRow } from './task-store';

/** The AI CPU half of a task, waiting for its timing. */
export type PendingTask = Omit<L2TaskRow, 'start' | 'end'>;

interface CoreJoin {
  readonly tasks: Map<number, PendingTask>;
  readonly timings: Map<number, readonly [bigint, bigint]>;
}

/** Streaming per-core join. */
export class AicoreJoin {
  private readonly cores: CoreJoin[];
  /** Task records that never met their timing (evicted or left at the end). */
  unmatchedTasks = 0;
  /** Timing records that never met their task record. */
  unmatchedTimings = 0;

  constructor(
    numCores: number,
    private readonly emit: (row: L2TaskRow) => void,
  ) {
    this.cores = Array.from({ length: numCores }, () => ({ tasks: new Map(), timings: new Map() }));
  }

  /** An AI CPU task record arrived. */
  addTask(core: number, regTaskId: number, task: PendingTask): void {
    const c = this.cores[core]!;
    const timing = c.timings.get(regTaskId);
    if (timing !== undefined) {
      c.timings.delete(regTaskId);
      this.emit({ ...task, start: timing[0], end: timing[1] });
      return;
    }
    if (c.tasks.has(regTaskId)) this.unmatchedTasks++; // a reused token: the older one lost its timing
    c.tasks.set(regTaskId, task);
  }

  /** An AI Core timing record arrived. */
  addTiming(core: number, regTaskId: number, start: bigint, end: bigint): void {
    const c = this.cores[core]!;
    const task = c.tasks.get(regTaskId);
    if (task !== undefined) {
      c.tasks.delete(regTaskId);
      this.emit({ ...task, start, end });
      return;
    }
    if (c.timings.has(regTaskId)) this.unmatchedTimings++;
    c.timings.set(regTaskId, [start, end]);
  }

  /** Ends the join: whatever is still pending is unmatched. */
  finish(): void {
    for (const c of this.cores) {
      this.unmatchedTasks += c.tasks.size;
      this.unmatchedTimings += c.timings.size;
      c.tasks.clear();
      c.timings.clear();
    }
  }

  /** Entries pending across all cores (for tests and memory checks). */
  get pending(): number {
    return this.cores.reduce((s, c) => s + c.tasks.size + c.timings.size, 0);
  }
}
