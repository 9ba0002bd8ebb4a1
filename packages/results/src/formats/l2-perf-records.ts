/**
 * `l2_perf_records.json` (the upstream format): swimlane level, one record per task execution on
 * a core (µs relative to the run's first timestamp), the AI CPU scheduler and orchestrator phases per
 * thread, and the core → thread map. npurun adds `incomplete`.
 */
import { parseJson, Reader } from './check';
import { parseTaskId } from '../task-id';

/** A task execution on one core. */
export interface L2Task {
  /** Task id. */
  taskId: number;
  /** Kernel id. */
  funcId: number;
  /** Core. */
  coreId: number;
  /** `aic` or `aiv`. */
  coreType: string;
  /** Ring (`task_id >> 32`). */
  ringId: number;
  /** AI Core start, µs. */
  startUs: number;
  /** AI Core end, µs. */
  endUs: number;
  /** End − start, µs. */
  durationUs: number;
  /** AI CPU dispatch, µs (0 below level 2). */
  dispatchUs: number;
  /** AI CPU finish, µs (0 below level 2). */
  finishUs: number;
  /** a5 at level ≥ 2: successors the device recorded. */
  fanout?: number[];
}

/** A scheduler phase of one AI CPU thread. */
export interface SchedulerPhase {
  /** Start, µs. */
  startUs: number;
  /** End, µs. */
  endUs: number;
  /** Phase name (`complete`, `dispatch`, …). */
  phase: string;
  /** Scheduler loop iteration. */
  loopIter: number;
  /** Tasks the phase handled. */
  tasksProcessed: number;
  /** Dispatch phases: ready-queue pops that found a task. */
  popHit?: number;
  /** Dispatch phases: pops that found none. */
  popMiss?: number;
}

/** An orchestrator phase. */
export interface OrchestratorPhase {
  /** Phase name (`orch_submit`, …). */
  phase: string;
  /** Start, µs. */
  startUs: number;
  /** End, µs. */
  endUs: number;
  /** Index of the submit. */
  submitIdx: number;
  /** Task submitted. */
  taskId: number;
}

/** The whole file. */
export interface L2PerfRecords {
  /** Swimlane level 1–4. */
  level: number;
  /** The run failed part-way (npurun addition). */
  incomplete?: boolean;
  /** Task executions. */
  tasks: L2Task[];
  /** Scheduler phases per AI CPU thread (level ≥ 3). */
  schedulerPhases?: SchedulerPhase[][];
  /** Orchestrator phases per AI CPU thread (level 4). */
  orchestratorPhases?: OrchestratorPhase[][];
  /** AI CPU thread of each core. */
  coreToThread?: number[];
}

/** Parses the file. */
export function parseL2PerfRecords(text: string, file = 'l2_perf_records.json'): L2PerfRecords {
  const r = Reader.of(parseJson(text, file), file, 'l2');
  const out: L2PerfRecords = {
    level: r.num('l2_perf_level'),
    tasks: r.arr('tasks').map((t, i): L2Task => {
      const w = `tasks[${i}]`;
      const x = Reader.of(t, file, w);
      const task: L2Task = {
        taskId: parseTaskId(x.fields.task_id, file, `${w}.task_id`),
        funcId: x.num('func_id'),
        coreId: x.num('core_id'),
        coreType: x.str('core_type'),
        ringId: x.num('ring_id'),
        startUs: x.num('start_time_us'),
        endUs: x.num('end_time_us'),
        durationUs: x.num('duration_us'),
        dispatchUs: x.num('dispatch_time_us'),
        finishUs: x.num('finish_time_us'),
      };
      if (x.has('fanout')) task.fanout = x.arr('fanout').map((f, k) => parseTaskId(f, file, `${w}.fanout[${k}]`));
      return task;
    }),
  };
  if (r.has('incomplete')) out.incomplete = r.bool('incomplete');
  if (r.has('aicpu_scheduler_phases')) {
    out.schedulerPhases = r.arr('aicpu_scheduler_phases').map((thread, t) =>
      Reader.of({ a: thread }, file, `aicpu_scheduler_phases[${t}]`).arr('a').map((p, i): SchedulerPhase => {
        const x = Reader.of(p, file, `aicpu_scheduler_phases[${t}][${i}]`);
        const phase: SchedulerPhase = { startUs: x.num('start_time_us'), endUs: x.num('end_time_us'), phase: x.str('phase'), loopIter: x.num('loop_iter'), tasksProcessed: x.num('tasks_processed') };
        if (x.has('pop_hit')) phase.popHit = x.num('pop_hit');
        if (x.has('pop_miss')) phase.popMiss = x.num('pop_miss');
        return phase;
      }),
    );
  }
  if (r.has('aicpu_orchestrator_phases')) {
    out.orchestratorPhases = r.arr('aicpu_orchestrator_phases').map((thread, t) =>
      Reader.of({ a: thread }, file, `aicpu_orchestrator_phases[${t}]`).arr('a').map((p, i): OrchestratorPhase => {
        const w = `aicpu_orchestrator_phases[${t}][${i}]`;
        const x = Reader.of(p, file, w);
        return { phase: x.str('phase'), startUs: x.num('start_time_us'), endUs: x.num('end_time_us'), submitIdx: x.num('submit_idx'), taskId: parseTaskId(x.fields.task_id, file, `${w}.task_id`) };
      }),
    );
  }
  if (r.has('core_to_thread')) out.coreToThread = r.nums('core_to_thread');
  return out;
}

const us = (x: number): string => x.toFixed(3);

/** The file's text for `l2` (the layout npurun writes). */
export function formatL2PerfRecords(l2: L2PerfRecords): string {
  const parts: string[] = [`{\n  "l2_perf_level": ${l2.level},`];
  if (l2.incomplete !== undefined) parts.push(`\n  "incomplete": ${l2.incomplete},`);
  const tasks = l2.tasks.map(
    (t) =>
      `\n    {"task_id": ${t.taskId}, "func_id": ${t.funcId}, "core_id": ${t.coreId}, "core_type": "${t.coreType}", "ring_id": ${t.ringId}, ` +
      `"start_time_us": ${us(t.startUs)}, "end_time_us": ${us(t.endUs)}, "duration_us": ${us(t.durationUs)}, ` +
      `"dispatch_time_us": ${us(t.dispatchUs)}, "finish_time_us": ${us(t.finishUs)}` +
      `${t.fanout === undefined ? '' : `, "fanout": [${t.fanout.join(', ')}], "fanout_count": ${t.fanout.length}`}}`,
  );
  parts.push(`\n  "tasks": [${tasks.join(',')}${tasks.length > 0 ? '\n  ' : ''}]`);
  const threads = <T>(xs: T[][], f: (x: T) => string): string =>
    xs.map((th) => `\n    [${th.map((x) => `\n      ${f(x)}`).join(',')}${th.length > 0 ? '\n    ' : ''}]`).join(',') + '\n  ';
  if (l2.schedulerPhases !== undefined) {
    parts.push(
      `,\n  "aicpu_scheduler_phases": [${threads(l2.schedulerPhases, (p) =>
        `{"start_time_us": ${us(p.startUs)}, "end_time_us": ${us(p.endUs)}, "phase": "${p.phase}", "loop_iter": ${p.loopIter}, "tasks_processed": ${p.tasksProcessed}` +
        `${p.popHit === undefined ? '' : `, "pop_hit": ${p.popHit}`}${p.popMiss === undefined ? '' : `, "pop_miss": ${p.popMiss}`}}`,
      )}]`,
    );
  }
  if (l2.orchestratorPhases !== undefined) {
    parts.push(
      `,\n  "aicpu_orchestrator_phases": [${threads(l2.orchestratorPhases, (p) =>
        `{"phase": "${p.phase}", "start_time_us": ${us(p.startUs)}, "end_time_us": ${us(p.endUs)}, "submit_idx": ${p.submitIdx}, "task_id": ${p.taskId}}`,
      )}]`,
    );
  }
  if (l2.coreToThread !== undefined) parts.push(`,\n  "core_to_thread": [${l2.coreToThread.join(', ')}]`);
  parts.push('\n}\n');
  return parts.join('');
}
