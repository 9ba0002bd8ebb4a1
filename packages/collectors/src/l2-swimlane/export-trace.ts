/**
 * `swimlane.trace.json`: the run as Chrome trace events (`{"traceEvents": [...]}`), which Perfetto
 * UI and chrome://tracing open directly. It carries what the host knows besides the device records:
 *
 * - one process per run: its pid is unique per run (so several runs' traces open together without
 *   colliding) and its name says arch, platform, device, workload and case;
 * - a thread per lane that ran something: each AI Core core with a task, each AI CPU scheduler or
 *   orchestrator thread with a phase, plus `dependency-only tasks` and `scopes` lanes when used;
 * - each task a complete ("X") event on its core, named by kernel and label, with the task id,
 *   kernel id, label and core type in `args`;
 * - dependency arrows: flow pairs ("s" on the producer, "f" with `bp: "e"` on the consumer,
 *   anchored at event starts so reverse-time edges still render) for every edge of the host's
 *   graph, combined with dep_gen's capture where it ran (see `trace/arrows.ts`);
 * - dependency-only tasks as instant events at the time their last predecessor completed
 *   (`trace/dummies.ts`), so edges through them are drawn;
 * - PMU values as counter tracks (`ph: "C"`), one per core: the task's counters while it runs, 0
 *   between tasks;
 * - scope statistics as slices where the orchestrator's submits were timed (`trace/scope-slices.ts`).
 *
 * Timestamps are µs relative to the run's first timestamp.
 */
import type { Arch } from '@npurun/hal-native';
import type { DependencyEdge } from '../collector';
import type { TextFileWriter } from '../export/text-writer';
import { arrowName, combineArrows } from '../trace/arrows';
import { dummyCompletionTimes } from '../trace/dummies';
import type { HostTask, TraceInputs } from '../trace/inputs';
import { pairScopes, scopeSlices } from '../trace/scope-slices';
import { AicpuPhaseRecord } from './layout';
import { phaseName } from './phases';
import { TASK_ROW, type L2TaskStore, type PhaseClass } from './task-store';
import { relativeMicros } from './time';

/** Thread id of AI Core core `core`. */
export function coreTid(core: number): number {
  return 1000 + core;
}

/** Thread id of AI CPU thread `t`'s scheduler (sched) or orchestrator (orch) lane. */
export function aicpuTid(t: number, cls: PhaseClass): number {
  return (cls === 'sched' ? 100 : 200) + t;
}

/** Thread id of the lane of dependency-only tasks. */
export const DUMMY_TID = 300;
/** Thread id of the scope lane. */
export const SCOPE_TID = 301;

/** The lane name of core `core` among `numCores` (the first third are cube cores). */
export function coreLaneName(core: number, numCores: number): string {
  return `${core < Math.floor(numCores / 3) ? 'AIC' : 'AIV'}_${core}`;
}

/** What the trace needs besides the spools. */
export interface TraceMeta {
  /** Architecture (names). */
  readonly arch: Arch;
  /** Device id: the pid when no {@link TraceInputs.process} is given. */
  readonly deviceId: number;
  /** Cores of the run (`blockDim × 3`; the first third are cube cores). */
  readonly numCores: number;
  /** Device clock, Hz. */
  readonly timestampHz: number;
  /** Kernel names by func id (default `func_<id>`). */
  readonly kernelNames?: ReadonlyMap<number, string>;
  /** Dependency edges the device captured (dep_gen), when its capture was sound. */
  readonly edges?: Iterable<DependencyEdge>;
  /** The run failed part-way (recorded in the process name and `otherData`). */
  readonly incomplete: boolean;
  /** The host's graph, the process, PMU samples and scopes. */
  readonly inputs?: TraceInputs;
}

function num(x: number): string {
  // Three decimals (ns resolution in µs); trims nothing so the output stays cheap to produce.
  return x.toFixed(3);
}

function meta(pid: number, tid: number | undefined, name: string, value: string | number, key = 'name'): string {
  const t = tid === undefined ? '' : `, "tid": ${tid}`;
  return `{"ph": "M", "pid": ${pid}${t}, "name": "${name}", "args": {"${key}": ${JSON.stringify(value)}}}`;
}

/** Where a task was drawn: the anchor of its arrows. */
interface Anchor {
  tid: number;
  ts: number;
  /** When the AI CPU saw it complete (its finish time, else its end), the latest over its cores. */
  done: number;
}

const P_START = AicpuPhaseRecord.offsetOf('startTime');
const P_END = AicpuPhaseRecord.offsetOf('endTime');
const P_ID = AicpuPhaseRecord.offsetOf('phaseId');
const P_TASK = AicpuPhaseRecord.offsetOf('taskId');

/** A key for (task, core) that stays a number for task ids below 2^44. */
function taskCoreKey(taskId: bigint, core: number): number | string {
  return taskId < 1n << 44n ? Number(taskId) * 256 + core : `${taskId}:${core}`;
}

/** Streams the trace into `out`. */
export async function writeSwimlaneTrace(out: TextFileWriter, store: L2TaskStore, m: TraceMeta): Promise<void> {
  const inputs = m.inputs ?? {};
  const pid = inputs.process?.pid ?? m.deviceId;
  const hz = m.timestampHz;
  const base = store.base;
  const hostTasks: readonly HostTask[] = inputs.tasks ?? [];
  const hostById = new Map<number, HostTask>();
  for (const t of hostTasks) hostById.set(t.id, t);
  const deviceEdges = m.edges === undefined ? undefined : Array.from(m.edges);
  const arrows = combineArrows(inputs.tasks, deviceEdges);
  const pmu = inputs.pmu;

  // Pass 1 over the tasks: which cores ran something, where each task is drawn (for arrows and
  // dependency-only tasks), and each (task, core)'s span (for PMU counters).
  const usedCores = new Set<number>();
  const anchors = new Map<number, Anchor>();
  const spans = new Map<number | string, { ts: number; end: number }>();
  const wantAnchors = arrows.length > 0 || hostTasks.length > 0;
  for (const chunk of store.tasks.chunks()) {
    const v = chunk.view;
    for (let r = 0; r < chunk.rows; r++) {
      const at = r * TASK_ROW.bytes;
      const core = v.getUint32(at + TASK_ROW.coreId, true);
      usedCores.add(core);
      if (!wantAnchors && pmu === undefined) continue;
      const taskId = v.getBigUint64(at + TASK_ROW.taskId, true);
      const ts = relativeMicros(v.getBigUint64(at + TASK_ROW.start, true), base, hz);
      const end = relativeMicros(v.getBigUint64(at + TASK_ROW.end, true), base, hz);
      if (pmu !== undefined) spans.set(taskCoreKey(taskId, core), { ts, end });
      if (wantAnchors && taskId <= BigInt(Number.MAX_SAFE_INTEGER)) {
        const finish = relativeMicros(v.getBigUint64(at + TASK_ROW.finish, true), base, hz);
        const done = Math.max(end, finish);
        const id = Number(taskId);
        const a = anchors.get(id);
        if (a === undefined) anchors.set(id, { tid: coreTid(core), ts, done });
        else a.done = Math.max(a.done, done);
      }
    }
  }

  // Dependency-only tasks, placed at their last predecessor's completion.
  const dummyTimes = dummyCompletionTimes(hostTasks, (id) => anchors.get(id)?.done);
  for (const [id, ts] of dummyTimes) anchors.set(id, { tid: DUMMY_TID, ts, done: ts });

  // Orchestrator submit times by task id (scope slices), and which AI CPU lanes have phases.
  const submits = new Map<number, { start: number; end: number }>();
  const phaseLanes: Array<{ t: number; cls: PhaseClass }> = [];
  for (let t = 0; t < store.threads; t++) {
    for (const cls of ['sched', 'orch'] as const) {
      const spool = store.phaseSpool(t, cls);
      if (spool === undefined || spool.count === 0) continue;
      phaseLanes.push({ t, cls });
      if (cls !== 'orch' || inputs.scopes === undefined) continue;
      for (const chunk of spool.chunks()) {
        for (let r = 0; r < chunk.rows; r++) {
          const at = r * AicpuPhaseRecord.size;
          const id = chunk.view.getBigUint64(at + P_TASK, true);
          if (id > BigInt(Number.MAX_SAFE_INTEGER)) continue;
          submits.set(Number(id), {
            start: relativeMicros(chunk.view.getBigUint64(at + P_START, true), base, hz),
            end: relativeMicros(chunk.view.getBigUint64(at + P_END, true), base, hz),
          });
        }
      }
    }
  }
  const scopes = inputs.scopes === undefined ? [] : scopeSlices(pairScopes(inputs.scopes()), submits);

  // Metadata: the process, then only the lanes that have events.
  const events: string[] = [];
  const procName = `${inputs.process?.name ?? `npurun device ${m.deviceId} (${m.arch})`}${m.incomplete ? ' [incomplete run]' : ''}`;
  events.push(meta(pid, undefined, 'process_name', procName));
  const lane = (tid: number, name: string, sort: number): void => {
    events.push(meta(pid, tid, 'thread_name', name));
    events.push(meta(pid, tid, 'thread_sort_index', sort, 'sort_index'));
  };
  for (const { t, cls } of phaseLanes) lane(aicpuTid(t, cls), `AICPU ${cls} ${t}`, cls === 'orch' ? t : 100 + t);
  if (scopes.length > 0) lane(SCOPE_TID, 'scopes', 300);
  if (dummyTimes.size > 0) lane(DUMMY_TID, 'dependency-only tasks', 301);
  for (const c of [...usedCores].sort((a, b) => a - b)) lane(coreTid(c), coreLaneName(c, m.numCores), 1000 + c);
  const other = { incomplete: m.incomplete, arch: m.arch, ...(inputs.process !== undefined ? { process: inputs.process.name } : {}) };
  await out.write(`{"displayTimeUnit": "ns", "otherData": ${JSON.stringify(other)},\n"traceEvents": [\n`);
  await out.write(events.join(',\n'));

  // Tasks.
  const names = m.kernelNames;
  for (const chunk of store.tasks.chunks()) {
    const v = chunk.view;
    const parts: string[] = [];
    for (let r = 0; r < chunk.rows; r++) {
      const at = r * TASK_ROW.bytes;
      const taskId = v.getBigUint64(at + TASK_ROW.taskId, true);
      const funcId = v.getUint32(at + TASK_ROW.funcId, true);
      const core = v.getUint32(at + TASK_ROW.coreId, true);
      const ts = relativeMicros(v.getBigUint64(at + TASK_ROW.start, true), base, hz);
      const end = relativeMicros(v.getBigUint64(at + TASK_ROW.end, true), base, hz);
      const kernel = names?.get(funcId) ?? `func_${funcId}`;
      const label = taskId <= BigInt(Number.MAX_SAFE_INTEGER) ? hostById.get(Number(taskId))?.label : undefined;
      const name = label === undefined ? kernel : `${kernel} (${label})`;
      const coreType = v.getInt32(at + TASK_ROW.coreType, true) === 0 ? 'aic' : 'aiv';
      parts.push(
        `,\n{"ph": "X", "cat": "task", "name": ${JSON.stringify(name)}, "pid": ${pid}, "tid": ${coreTid(core)}, ` +
          `"ts": ${num(ts)}, "dur": ${num(Math.max(0, end - ts))}, ` +
          `"args": {"task_id": ${taskId}, "kernel": ${JSON.stringify(kernel)}, "func_id": ${funcId}, "core_type": "${coreType}"` +
          `${label === undefined ? '' : `, "label": ${JSON.stringify(label)}`}}}`,
      );
    }
    await out.write(parts.join(''));
  }

  // AI CPU phases.
  for (const { t, cls } of phaseLanes) {
    for (const chunk of store.phaseSpool(t, cls)!.chunks()) {
      const v = chunk.view;
      const parts: string[] = [];
      for (let r = 0; r < chunk.rows; r++) {
        const at = r * AicpuPhaseRecord.size;
        const ts = relativeMicros(v.getBigUint64(at + P_START, true), base, hz);
        const end = relativeMicros(v.getBigUint64(at + P_END, true), base, hz);
        const id = v.getUint32(at + P_ID, true);
        const n = v.getBigUint64(at + P_TASK, true);
        const args = cls === 'sched' ? `{"tasks_processed": ${n}}` : `{"task_id": ${n}}`;
        parts.push(
          `,\n{"ph": "X", "cat": "phase", "name": "${phaseName(m.arch, id)}", "pid": ${pid}, "tid": ${aicpuTid(t, cls)}, ` +
            `"ts": ${num(ts)}, "dur": ${num(Math.max(0, end - ts))}, "args": ${args}}`,
        );
      }
      await out.write(parts.join(''));
    }
  }

  // Dependency-only tasks and scopes.
  const extra: string[] = [];
  for (const [id, ts] of dummyTimes) {
    const label = hostById.get(id)?.label;
    extra.push(
      `,\n{"ph": "i", "s": "t", "cat": "dependency-only", "name": ${JSON.stringify(label ?? `dependency-only task ${id}`)}, "pid": ${pid}, ` +
        `"tid": ${DUMMY_TID}, "ts": ${num(ts)}, "args": {"task_id": ${id}${label === undefined ? '' : `, "label": ${JSON.stringify(label)}`}}}`,
    );
  }
  for (const s of scopes) {
    extra.push(
      `,\n{"ph": "X", "cat": "scope", "name": ${JSON.stringify(`scope ${s.begin.site}`)}, "pid": ${pid}, "tid": ${SCOPE_TID}, ` +
        `"ts": ${num(s.start)}, "dur": ${num(Math.max(0, s.finish - s.start))}, "args": {"depth": ${s.begin.depth}, "ring": ${s.begin.ring}, ` +
        `"first_task": ${s.firstTask}, "tasks": ${s.endTask - s.firstTask}, "heap_bytes": ${s.end.heapEnd - s.begin.heapEnd}, ` +
        `"tensormap_at_end": ${s.end.tensormap}}}`,
    );
    if (extra.length >= 1024) await out.write(extra.splice(0).join(''));
  }
  await out.write(extra.join(''));

  // PMU counter tracks: each core's counters while a task runs, zero after it.
  if (pmu !== undefined) {
    const keys = ['pmu_total_cycles', ...pmu.counterNames];
    const zero = `{${keys.map((k) => `${JSON.stringify(k)}: 0`).join(', ')}}`;
    const parts: string[] = [];
    for (const s of pmu.samples()) {
      const span = spans.get(taskCoreKey(s.taskId, s.coreId));
      if (span === undefined) continue;
      const name = JSON.stringify(`PMU ${coreLaneName(s.coreId, m.numCores)}`);
      const values = [s.totalCycles.toString(), ...s.counters.map(String)];
      parts.push(
        `,\n{"ph": "C", "name": ${name}, "pid": ${pid}, "ts": ${num(span.ts)}, "args": {${keys.map((k, i) => `${JSON.stringify(k)}: ${values[i]}`).join(', ')}}}` +
          `,\n{"ph": "C", "name": ${name}, "pid": ${pid}, "ts": ${num(Math.max(span.ts, span.end))}, "args": ${zero}}`,
      );
      if (parts.length >= 1024) await out.write(parts.splice(0).join(''));
    }
    await out.write(parts.join(''));
  }

  // Dependency arrows.
  let flowId = 0;
  const depGenRan = deviceEdges !== undefined;
  const parts: string[] = [];
  for (const a of arrows) {
    const from = anchors.get(a.pred);
    const to = anchors.get(a.succ);
    if (from === undefined || to === undefined) continue;
    const id = flowId++;
    const name = arrowName(a.source, depGenRan);
    parts.push(
      `,\n{"ph": "s", "cat": "flow", "name": "${name}", "id": ${id}, "pid": ${pid}, "tid": ${from.tid}, "ts": ${num(from.ts)}, ` +
        `"args": {"pred": ${a.pred}, "succ": ${a.succ}, "source": "${a.source}"}}` +
        `,\n{"ph": "f", "bp": "e", "cat": "flow", "name": "${name}", "id": ${id}, "pid": ${pid}, "tid": ${to.tid}, "ts": ${num(to.ts)}}`,
    );
    if (parts.length >= 1024) await out.write(parts.splice(0).join(''));
  }
  await out.write(parts.join(''));
  await out.write('\n]}\n');
}
