/**
 * Who a run is, for its files: its id, the workload and case it belongs to, its task and kernel
 * tables, and the trace process it appears as. `run.json` records all of it, so a reader joins every
 * other file of the run through it.
 */
import { InvalidArgumentError } from './errors';
import type { RunContext } from './run-context';
import type { RunTag } from './run-types';
import type { RunTaskTable } from './task-table';
import { traceProcessName, tracePid } from './trace-inputs';

/** The `run.json` fields naming the run. */
export interface RunIdentity {
  /** Random id, unique per run. */
  runId?: string;
  /** The workload and case. */
  tag?: RunTag;
  /** Tasks and kernels of the graph. */
  taskTable?: RunTaskTable;
  /** The trace process the run appears as. */
  trace?: { pid: number; processName: string };
}

/**
 * Checks a {@link RunTag}.
 *
 * @throws InvalidArgumentError unless both names are non-empty strings
 */
export function toRunTag(tag: unknown): RunTag {
  const t = tag as Partial<RunTag> | null;
  if (typeof t !== 'object' || t === null || typeof t.workload !== 'string' || t.workload === '' || typeof t.case !== 'string' || t.case === '') {
    throw new InvalidArgumentError('run', 'tag', tag, '{ workload, case } with non-empty names');
  }
  return { workload: t.workload, case: t.case };
}

/** The identity fields of a run with `settings`. */
export function runIdentity(arch: string, platform: string, deviceId: number, settings: RunContext['settings']): RunIdentity {
  return {
    ...(settings.runId !== undefined ? { runId: settings.runId, trace: { pid: tracePid(settings.runId), processName: traceProcessName(arch, platform, deviceId, settings.tag) } } : {}),
    ...(settings.tag !== undefined ? { tag: settings.tag } : {}),
    ...(settings.taskTable !== undefined ? { taskTable: settings.taskTable } : {}),
  };
}
