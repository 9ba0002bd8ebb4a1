/**
 * The string-building `swimlane.trace.json` writer this package used before the byte formatter
 * (one template string per event). Kept only as the oracle the byte-formatted writer must match
 * byte for byte.
 */
import type { TextFileWriter } from '../../src/export/text-writer';
import { arrowName, combineArrows } from '../../src/trace/arrows';
import { dummyCompletionTimes } from '../../src/trace/dummies';
import type { HostTask, TraceInputs } from '../../src/trace/inputs';
import { pairScopes, scopeSlices } from '../../src/trace/scope-slices';
import { AicpuPhaseRecord } from '../../src/l2-swimlane/layout';
import { phaseName } from '../../src/l2-swimlane/phases';
import { TASK_ROW, type L2TaskStore, type PhaseClass } from '../../src/l2-swimlane/task-store';
import { relativeMicros } from '../../src/l2-swimlane/time';
import { aicpuTid, coreLaneName, coreTid, DUMMY_TID, SCOPE_TID, type TraceMeta } from '../../src/l2-swimlane/export-trace';

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
export async function writeSwimlaneTraceText(out: TextFileWriter, store: L2TaskStore, m: TraceMeta): Promise<void> {
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
