/**
 * `swimlane.trace.json`: the run as Chrome trace events (`{"traceEvents": [...]}`), which Perfetto
 * UI and chrome://tracing open directly.
 *
 * One process per device. Every AI Core core and every AI CPU thread gets its own thread, named by
 * a metadata event before any other event (so every thread is named, even an idle one). Each task
 * is a complete ("X") event on its core; phases are complete events on their AI CPU thread; each
 * dependency edge becomes a flow pair ("s" on the producer's slice start, "f" with `bp: "e"` on
 * the consumer's), anchored at slice starts so reverse-time edges still render (the reference's
 * #1394). Timestamps are µs relative to the run's first timestamp.
 */
import type { Arch } from '@npurun/hal-native';
import type { DependencyEdge } from '../collector';
import type { TextFileWriter } from '../export/text-writer';
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

/** What the trace needs besides the spools. */
export interface TraceMeta {
  /** Architecture (names). */
  readonly arch: Arch;
  /** Device id: the trace's pid. */
  readonly deviceId: number;
  /** Cores of the run (`blockDim × 3`; the first third are cube cores). */
  readonly numCores: number;
  /** Device clock, Hz. */
  readonly timestampHz: number;
  /** Kernel names by func id (default `func_<id>`). */
  readonly kernelNames?: ReadonlyMap<number, string>;
  /** Dependency edges for flow arrows. */
  readonly edges?: Iterable<DependencyEdge>;
  /** The run failed part-way (recorded in the process name and `otherData`). */
  readonly incomplete: boolean;
}

function num(x: number): string {
  // Three decimals (ns resolution in µs); trims nothing so the output stays cheap to produce.
  return x.toFixed(3);
}

function meta(pid: number, tid: number | undefined, name: string, value: string | number, key = 'name'): string {
  const t = tid === undefined ? '' : `, "tid": ${tid}`;
  return `{"ph": "M", "pid": ${pid}${t}, "name": "${name}", "args": {"${key}": ${JSON.stringify(value)}}}`;
}

/** Streams the trace into `out`. */
export async function writeSwimlaneTrace(out: TextFileWriter, store: L2TaskStore, m: TraceMeta): Promise<void> {
  const pid = m.deviceId;
  const hz = m.timestampHz;
  const base = store.base;
  const cubes = Math.floor(m.numCores / 3);
  const events: string[] = [];
  const procName = `npurun device ${m.deviceId} (${m.arch})${m.incomplete ? ' [incomplete run]' : ''}`;
  events.push(meta(pid, undefined, 'process_name', procName));
  for (let c = 0; c < m.numCores; c++) {
    events.push(meta(pid, coreTid(c), 'thread_name', `${c < cubes ? 'AIC' : 'AIV'}_${c}`));
    events.push(meta(pid, coreTid(c), 'thread_sort_index', 1000 + c, 'sort_index'));
  }
  for (let t = 0; t < store.threads; t++) {
    events.push(meta(pid, aicpuTid(t, 'sched'), 'thread_name', `AICPU sched ${t}`));
    events.push(meta(pid, aicpuTid(t, 'sched'), 'thread_sort_index', t, 'sort_index'));
    events.push(meta(pid, aicpuTid(t, 'orch'), 'thread_name', `AICPU orch ${t}`));
    events.push(meta(pid, aicpuTid(t, 'orch'), 'thread_sort_index', 100 + t, 'sort_index'));
  }
  await out.write(`{"displayTimeUnit": "ns", "otherData": {"incomplete": ${m.incomplete}, "arch": "${m.arch}"},\n"traceEvents": [\n`);
  await out.write(events.join(',\n'));

  // Flow endpoints: only tasks named by an edge are remembered.
  const edges = m.edges === undefined ? [] : Array.from(m.edges);
  const wanted = new Map<bigint, { tid: number; ts: number } | null>();
  for (const e of edges) {
    wanted.set(e.pred, null);
    wanted.set(e.succ, null);
  }

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
      const name = names?.get(funcId) ?? `func_${funcId}`;
      const coreType = v.getInt32(at + TASK_ROW.coreType, true) === 0 ? 'aic' : 'aiv';
      parts.push(
        `,\n{"ph": "X", "cat": "task", "name": ${JSON.stringify(name)}, "pid": ${pid}, "tid": ${coreTid(core)}, ` +
          `"ts": ${num(ts)}, "dur": ${num(Math.max(0, end - ts))}, ` +
          `"args": {"task_id": "${taskId}", "func_id": ${funcId}, "core_type": "${coreType}"}}`,
      );
      if (wanted.has(taskId)) wanted.set(taskId, { tid: coreTid(core), ts });
    }
    await out.write(parts.join(''));
  }

  for (let t = 0; t < store.threads; t++) {
    for (const cls of ['sched', 'orch'] as const) {
      const spool = store.phaseSpool(t, cls);
      if (spool === undefined) continue;
      for (const chunk of spool.chunks()) {
        const v = chunk.view;
        const parts: string[] = [];
        for (let r = 0; r < chunk.rows; r++) {
          const at = r * AicpuPhaseRecord.size;
          const ts = relativeMicros(v.getBigUint64(at + AicpuPhaseRecord.offsetOf('startTime'), true), base, hz);
          const end = relativeMicros(v.getBigUint64(at + AicpuPhaseRecord.offsetOf('endTime'), true), base, hz);
          const id = v.getUint32(at + AicpuPhaseRecord.offsetOf('phaseId'), true);
          const n = v.getBigUint64(at + AicpuPhaseRecord.offsetOf('taskId'), true);
          const args = cls === 'sched' ? `{"tasks_processed": ${n}}` : `{"task_id": "${n}"}`;
          parts.push(
            `,\n{"ph": "X", "cat": "phase", "name": "${phaseName(m.arch, id)}", "pid": ${pid}, "tid": ${aicpuTid(t, cls)}, ` +
              `"ts": ${num(ts)}, "dur": ${num(Math.max(0, end - ts))}, "args": ${args}}`,
          );
        }
        await out.write(parts.join(''));
      }
    }
  }

  let flowId = 0;
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const e of edges) {
    const key = `${e.pred}>${e.succ}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const from = wanted.get(e.pred);
    const to = wanted.get(e.succ);
    if (from == null || to == null) continue;
    const id = flowId++;
    parts.push(
      `,\n{"ph": "s", "cat": "flow", "name": "dependency", "id": ${id}, "pid": ${pid}, "tid": ${from.tid}, "ts": ${num(from.ts)}}` +
        `,\n{"ph": "f", "bp": "e", "cat": "flow", "name": "dependency", "id": ${id}, "pid": ${pid}, "tid": ${to.tid}, "ts": ${num(to.ts)}}`,
    );
    if (parts.length >= 1024) await out.write(parts.splice(0).join(''));
  }
  await out.write(parts.join(''));
  await out.write('\n]}\n');
}
