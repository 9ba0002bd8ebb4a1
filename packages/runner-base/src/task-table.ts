/**
 * The run's task table: one row per task of the host's graph — its id (the graph index, which is
 * also the task id every device record and export carries), kernel, label, core type and
 * dependencies — and the kernel table the `func_id` of device records indexes. `run.json` carries
 * both, so every other file of a run joins on them. Pure: graph in, table out.
 */
import type { HostTask } from '@npurun/collectors';
import type { KernelCoreType, TaskGraph } from './runtime-image/task-graph';

/** A task's core type in the table: a dependency-only task is `dummy`. */
export type RunTaskCoreType = 'cube' | 'vector' | 'mixed' | 'dummy';

/** One row of the task table. */
export interface RunTaskRow extends HostTask {
  /** Task id: the task's index in the graph. */
  readonly id: number;
  /** Kernel name (mixed: the distinct sub-kernel names joined with ` + `); `null` for a dependency-only task. */
  readonly kernel: string | null;
  /** Kernel-table indices (the `func_id` device records carry): one, three for a mixed task (cube, vector 0, vector 1), none for a dummy. */
  readonly funcIds: readonly number[];
  /** The task's label, when the graph gave one. */
  readonly label?: string;
  /** Which cores it runs on. */
  readonly coreType: RunTaskCoreType;
  /** Ids of the tasks it waits for. */
  readonly deps: readonly number[];
}

/** One row of the kernel table. */
export interface RunKernelRow {
  /** Kernel id: the index in the graph's kernel table (`func_id` in device records). */
  readonly id: number;
  /** Kernel name. */
  readonly name: string;
  /** Cores it is built for. */
  readonly coreType: KernelCoreType;
}

/** The task and kernel tables of a run. */
export interface RunTaskTable {
  /** Kernels, by id. */
  readonly kernels: readonly RunKernelRow[];
  /** Tasks, by id. */
  readonly tasks: readonly RunTaskRow[];
}

/** Builds the tables of a graph that already passed validation (the run encoded it). */
export function buildTaskTable(graph: TaskGraph): RunTaskTable {
  const kernels = graph.kernels.map((k, id): RunKernelRow => ({ id, name: k.name, coreType: k.coreType }));
  const tasks = graph.tasks.map((t, id): RunTaskRow => {
    const k = t.kernel;
    const funcIds = k === null || k === undefined ? [] : typeof k === 'number' ? [k] : [k.cube, k.vector0, k.vector1];
    const names = [...new Set(funcIds.map((f) => kernels[f]?.name ?? `func_${f}`))];
    const coreType: RunTaskCoreType = funcIds.length === 0 ? 'dummy' : funcIds.length === 3 ? 'mixed' : (kernels[funcIds[0]!]?.coreType ?? 'vector');
    return {
      id,
      kernel: names.length === 0 ? null : names.join(' + '),
      funcIds,
      ...(typeof t.label === 'string' ? { label: t.label } : {}),
      coreType,
      deps: [...(t.deps ?? [])],
    };
  });
  return { kernels, tasks };
}
