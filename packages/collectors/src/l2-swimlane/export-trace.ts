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
 *
 * The per-record events (tasks, phases, PMU counters, arrows) are formatted into bytes
 * (`export/byte-out.ts`) and every loop over records pauses for the event loop when its slice is
 * used up, so a large trace neither builds strings per event nor stalls the caller.
 */
import type { Arch } from '@npurun/hal-native';
import type { DependencyEdge } from '../collector';
import { ascii, ByteOut, type ByteSink } from '../export/byte-out';
import { runSliced, TimeSlicer } from '../framework/slicer';
import { arrowName, combineArrows } from '../trace/arrows';
import { dummyCompletionTimes } from '../trace/dummies';
import type { HostTask, TraceInputs } from '../trace/inputs';
import { pairScopesSteps, scopeSlicesSteps, type ScopeSlice } from '../trace/scope-slices';
import { AicpuPhaseRecord } from './layout';
import { phaseName } from './phases';
import { TASK_ROW, type L2TaskStore, type PhaseClass } from './task-store';
import { relativeMicrosAt, timeBaseWords } from './time';

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


/** {@link taskCoreKey} of a task id given as two 32-bit halves. */
function taskCoreKeyOfWords(low: number, high: number, core: number): number | string {
  return high < 4096 ? (high * 4294967296 + low) * 256 + core : taskCoreKey((BigInt(high) << 32n) | BigInt(low), core);
}

// An event's text without its names and labels stays under 400 bytes.
const EVENT_BOUND = 1024;
// Records between pause checks (see export-json.ts).
const PACE_EVERY = 64;
const MAX_SAFE_HIGH = 2097152; // task ids with a high word below this are safe integers

const X_TASK = ascii(',\n{"ph": "X", "cat": "task", "name": ');
const X_PHASE = ascii(',\n{"ph": "X", "cat": "phase", "name": "');
const E_PID = ascii(', "pid": ');
const E_PID_AFTER_NAME = ascii('", "pid": ');
const E_TID = ascii(', "tid": ');
const E_TS = ascii(', "ts": ');
const E_DUR = ascii(', "dur": ');
const T_ARGS = ascii(', "args": {"task_id": ');
const T_KERNEL = ascii(', "kernel": ');
const T_FUNC = ascii(', "func_id": ');
const T_AIC = ascii(', "core_type": "aic"');
const T_AIV = ascii(', "core_type": "aiv"');
const T_LABEL = ascii(', "label": ');
const CLOSE2 = ascii('}}');
const P_SCHED_ARGS = ascii(', "args": {"tasks_processed": ');
const P_ORCH_ARGS = ascii(', "args": {"task_id": ');
const C_COUNTER = ascii(',\n{"ph": "C", "name": ');
const C_ARGS = ascii(', "args": {');
const C_ZERO_ARGS = ascii(', "args": ');
const CLOSE3 = ascii('}}');
const F_START = ascii(',\n{"ph": "s", "cat": "flow", "name": "');
const F_END = ascii(',\n{"ph": "f", "bp": "e", "cat": "flow", "name": "');
const F_ID = ascii('", "id": ');
const F_PRED = ascii(', "args": {"pred": ');
const F_SUCC = ascii(', "succ": ');
const F_SOURCE = ascii(', "source": "');
const F_SOURCE_END = ascii('"}}');

/**
 * Streams the trace into `out` (a `TextFileWriter`, or any byte sink), pausing for the event loop
 * whenever `slicer`'s slice is used up.
 */
export async function writeSwimlaneTrace(out: ByteSink, store: L2TaskStore, m: TraceMeta, slicer: TimeSlicer = new TimeSlicer()): Promise<void> {
  const inputs = m.inputs ?? {};
  const pid = inputs.process?.pid ?? m.deviceId;
  const hz = m.timestampHz;
  const { low: baseLow, high: baseHigh } = timeBaseWords(store.base);
  const hostTasks: readonly HostTask[] = inputs.tasks ?? [];
  const hostById = new Map<number, HostTask>();
  for (const t of hostTasks) hostById.set(t.id, t);
  const deviceEdges = m.edges === undefined ? undefined : Array.from(m.edges);
  const arrows = combineArrows(inputs.tasks, deviceEdges);
  const pmu = inputs.pmu;
  let paced = 0;
  const w = new ByteOut(out);
  // Whether this record is one at which to look at the slice (every 64th): awaiting at every record
  // would cost a turn of the microtask queue each, about a fifth of a trace export's time.
  const paceDue = (): boolean => ++paced % PACE_EVERY === 0;

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
      // Paced before anything else: a pass that only collects the cores is as long as any other.
      if (paceDue()) await w.pace(slicer);
      if (!wantAnchors && pmu === undefined) continue;
      const idLow = v.getUint32(at + TASK_ROW.taskId, true);
      const idHigh = v.getUint32(at + TASK_ROW.taskId + 4, true);
      const ts = relativeMicrosAt(v, at + TASK_ROW.start, baseLow, baseHigh, hz);
      const end = relativeMicrosAt(v, at + TASK_ROW.end, baseLow, baseHigh, hz);
      if (pmu !== undefined) spans.set(taskCoreKeyOfWords(idLow, idHigh, core), { ts, end });
      if (wantAnchors && idHigh < MAX_SAFE_HIGH) {
        const finish = relativeMicrosAt(v, at + TASK_ROW.finish, baseLow, baseHigh, hz);
        const done = Math.max(end, finish);
        const id = idHigh * 4294967296 + idLow;
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
        const v = chunk.view;
        for (let r = 0; r < chunk.rows; r++) {
          const at = r * AicpuPhaseRecord.size;
          if (paceDue()) await w.pace(slicer);
          const idHigh = v.getUint32(at + P_TASK + 4, true);
          if (idHigh >= MAX_SAFE_HIGH) continue;
          submits.set(idHigh * 4294967296 + v.getUint32(at + P_TASK, true), {
            start: relativeMicrosAt(v, at + P_START, baseLow, baseHigh, hz),
            end: relativeMicrosAt(v, at + P_END, baseLow, baseHigh, hz),
          });
        }
      }
    }
  }
  let scopes: ScopeSlice[] = [];
  if (inputs.scopes !== undefined) {
    // Pairing and placing scopes is proportional to the records and to the tasks they span.
    const pairs = await runSliced(pairScopesSteps(inputs.scopes()), slicer);
    scopes = await runSliced(scopeSlicesSteps(pairs, submits), slicer);
  }

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
  w.utf8(`{"displayTimeUnit": "ns", "otherData": ${JSON.stringify(other)},\n"traceEvents": [\n`);
  w.utf8(events.join(',\n'));

  // Tasks. Names are encoded once per kernel; a label makes a task's name its own.
  const names = m.kernelNames;
  const kernelJson = new Map<number, { kernel: string; json: Uint8Array }>();
  const kernelOf = (funcId: number): { kernel: string; json: Uint8Array } => {
    let k = kernelJson.get(funcId);
    if (k === undefined) {
      const kernel = names?.get(funcId) ?? `func_${funcId}`;
      k = { kernel, json: Buffer.from(JSON.stringify(kernel), 'utf8') };
      kernelJson.set(funcId, k);
    }
    return k;
  };
  for (const chunk of store.tasks.chunks()) {
    const v = chunk.view;
    for (let r = 0; r < chunk.rows; r++) {
      const at = r * TASK_ROW.bytes;
      const idLow = v.getUint32(at + TASK_ROW.taskId, true);
      const idHigh = v.getUint32(at + TASK_ROW.taskId + 4, true);
      const funcId = v.getUint32(at + TASK_ROW.funcId, true);
      const core = v.getUint32(at + TASK_ROW.coreId, true);
      const ts = relativeMicrosAt(v, at + TASK_ROW.start, baseLow, baseHigh, hz);
      const end = relativeMicrosAt(v, at + TASK_ROW.end, baseLow, baseHigh, hz);
      const kernel = kernelOf(funcId);
      const label = idHigh < MAX_SAFE_HIGH && hostById.size > 0 ? hostById.get(idHigh * 4294967296 + idLow)?.label : undefined;
      w.reserve(EVENT_BOUND);
      w.lit(X_TASK);
      if (label === undefined) w.raw(kernel.json);
      else w.jsonString(`${kernel.kernel} (${label})`);
      w.reserve(EVENT_BOUND);
      w.lit(E_PID);
      w.number(pid);
      w.lit(E_TID);
      w.u32(coreTid(core));
      w.lit(E_TS);
      w.fixed3(ts);
      w.lit(E_DUR);
      w.fixed3(Math.max(0, end - ts));
      w.lit(T_ARGS);
      w.u64(idLow, idHigh);
      w.lit(T_KERNEL);
      w.raw(kernel.json);
      w.reserve(EVENT_BOUND);
      w.lit(T_FUNC);
      w.u32(funcId);
      w.lit(v.getInt32(at + TASK_ROW.coreType, true) === 0 ? T_AIC : T_AIV);
      if (label !== undefined) {
        w.lit(T_LABEL);
        w.jsonString(label);
        w.reserve(EVENT_BOUND);
      }
      w.lit(CLOSE2);
      if (paceDue()) await w.pace(slicer);
    }
  }

  // AI CPU phases.
  for (const { t, cls } of phaseLanes) {
    const tid = aicpuTid(t, cls);
    for (const chunk of store.phaseSpool(t, cls)!.chunks()) {
      const v = chunk.view;
      for (let r = 0; r < chunk.rows; r++) {
        const at = r * AicpuPhaseRecord.size;
        const ts = relativeMicrosAt(v, at + P_START, baseLow, baseHigh, hz);
        const end = relativeMicrosAt(v, at + P_END, baseLow, baseHigh, hz);
        w.reserve(EVENT_BOUND);
        w.lit(X_PHASE);
        w.latin1(phaseName(m.arch, v.getUint32(at + P_ID, true)));
        w.reserve(EVENT_BOUND);
        w.lit(E_PID_AFTER_NAME);
        w.number(pid);
        w.lit(E_TID);
        w.u32(tid);
        w.lit(E_TS);
        w.fixed3(ts);
        w.lit(E_DUR);
        w.fixed3(Math.max(0, end - ts));
        w.lit(cls === 'sched' ? P_SCHED_ARGS : P_ORCH_ARGS);
        w.u64(v.getUint32(at + P_TASK, true), v.getUint32(at + P_TASK + 4, true));
        w.lit(CLOSE2);
        if (paceDue()) await w.pace(slicer);
      }
    }
  }

  // Dependency-only tasks and scopes (one event per graph node or scope: plain strings suffice).
  for (const [id, ts] of dummyTimes) {
    const label = hostById.get(id)?.label;
    w.utf8(
      `,\n{"ph": "i", "s": "t", "cat": "dependency-only", "name": ${JSON.stringify(label ?? `dependency-only task ${id}`)}, "pid": ${pid}, ` +
        `"tid": ${DUMMY_TID}, "ts": ${ts.toFixed(3)}, "args": {"task_id": ${id}${label === undefined ? '' : `, "label": ${JSON.stringify(label)}`}}}`,
    );
    if (paceDue()) await w.pace(slicer);
  }
  for (const s of scopes) {
    w.utf8(
      `,\n{"ph": "X", "cat": "scope", "name": ${JSON.stringify(`scope ${s.begin.site}`)}, "pid": ${pid}, "tid": ${SCOPE_TID}, ` +
        `"ts": ${s.start.toFixed(3)}, "dur": ${Math.max(0, s.finish - s.start).toFixed(3)}, "args": {"depth": ${s.begin.depth}, "ring": ${s.begin.ring}, ` +
        `"first_task": ${s.firstTask}, "tasks": ${s.endTask - s.firstTask}, "heap_bytes": ${s.end.heapEnd - s.begin.heapEnd}, ` +
        `"tensormap_at_end": ${s.end.tensormap}}}`,
    );
    if (paceDue()) await w.pace(slicer);
  }

  // PMU counter tracks: each core's counters while a task runs, zero after it.
  if (pmu !== undefined) {
    const keys = ['pmu_total_cycles', ...pmu.counterNames];
    const keyJson = keys.map((k, i) => Buffer.from(`${i === 0 ? '' : ', '}${JSON.stringify(k)}: `, 'utf8'));
    const zero = Buffer.from(`{${keys.map((k) => `${JSON.stringify(k)}: 0`).join(', ')}}`, 'utf8');
    const trackName = new Map<number, Uint8Array>();
    for (const s of pmu.samples()) {
      // Paced first: samples of tasks the swimlane did not record are skipped, and may be many.
      if (paceDue()) await w.pace(slicer);
      const span = spans.get(taskCoreKey(s.taskId, s.coreId));
      if (span === undefined) continue;
      let name = trackName.get(s.coreId);
      if (name === undefined) {
        name = Buffer.from(JSON.stringify(`PMU ${coreLaneName(s.coreId, m.numCores)}`), 'utf8');
        trackName.set(s.coreId, name);
      }
      w.reserve(EVENT_BOUND);
      w.lit(C_COUNTER);
      w.raw(name);
      w.reserve(EVENT_BOUND);
      w.lit(E_PID);
      w.number(pid);
      w.lit(E_TS);
      w.fixed3(span.ts);
      w.lit(C_ARGS);
      w.raw(keyJson[0]!);
      w.reserve(EVENT_BOUND);
      w.bigint(s.totalCycles);
      for (let i = 1; i < keys.length; i++) {
        w.raw(keyJson[i]!);
        const value = s.counters[i - 1];
        if (value === undefined) w.latin1('undefined');
        else w.number(value);
      }
      w.reserve(EVENT_BOUND);
      w.lit(CLOSE3);
      w.lit(C_COUNTER);
      w.raw(name);
      w.reserve(EVENT_BOUND);
      w.lit(E_PID);
      w.number(pid);
      w.lit(E_TS);
      w.fixed3(Math.max(span.ts, span.end));
      w.lit(C_ZERO_ARGS);
      w.raw(zero);
      w.reserve(EVENT_BOUND);
      w.byte(125);
    }
  }

  // Dependency arrows.
  let flowId = 0;
  const depGenRan = deviceEdges !== undefined;
  for (const a of arrows) {
    // Paced first: arrows between tasks the swimlane did not record are skipped, and may be many.
    if (paceDue()) await w.pace(slicer);
    const from = anchors.get(a.pred);
    const to = anchors.get(a.succ);
    if (from === undefined || to === undefined) continue;
    const id = flowId++;
    const name = arrowName(a.source, depGenRan);
    w.reserve(EVENT_BOUND);
    w.lit(F_START);
    w.latin1(name);
    w.reserve(EVENT_BOUND);
    w.lit(F_ID);
    w.uint(id);
    w.lit(E_PID);
    w.number(pid);
    w.lit(E_TID);
    w.number(from.tid);
    w.lit(E_TS);
    w.fixed3(from.ts);
    w.lit(F_PRED);
    w.number(a.pred);
    w.lit(F_SUCC);
    w.number(a.succ);
    w.lit(F_SOURCE);
    w.latin1(a.source);
    w.reserve(EVENT_BOUND);
    w.lit(F_SOURCE_END);
    w.lit(F_END);
    w.latin1(name);
    w.reserve(EVENT_BOUND);
    w.lit(F_ID);
    w.uint(id);
    w.lit(E_PID);
    w.number(pid);
    w.lit(E_TID);
    w.number(to.tid);
    w.lit(E_TS);
    w.fixed3(to.ts);
    w.byte(125);
  }
  w.latin1('\n]}\n');
  await w.flush();
}
