/**
 * The data `report.html` shows, built from a run's files (pure: `RunResults` in, plain JSON-able
 * object out). Bars are columns of numbers so a run of 100 k tasks stays a few megabytes and parses
 * fast in the page.
 */
import { combineArrows, dummyCompletionTimes, pairScopes, scopeSlices, type HostTask } from '@npurun/collectors';
import type { RunResults } from '../read-run';
import { tensorPreview, type TensorPreview } from './tensor-preview';

/** Lane kinds, top to bottom. */
export type LaneKind = 'orch' | 'sched' | 'scope' | 'dummy' | 'core';

/** A lane of the swimlane. */
export interface ReportLane {
  /** Name shown at its left. */
  name: string;
  /** What it holds. */
  kind: LaneKind;
  /** For a core lane: the core id. */
  core?: number;
}

/** Bar kinds. */
export const BarKind = { task: 0, phase: 1, scope: 2, dummy: 3 } as const;

/** Every bar of the swimlane, column by column, sorted by lane then start. */
export interface ReportBars {
  /** Lane index. */
  lane: number[];
  /** Start, µs. */
  start: number[];
  /** Duration, µs (0 for an instant). */
  dur: number[];
  /** Index into {@link ReportTimeline.names}. */
  name: number[];
  /** {@link BarKind}. */
  kind: number[];
  /** Task id, or -1. */
  task: number[];
}

/** Arrows between bars. */
export interface ReportArrows {
  /** Producer bar. */
  from: number[];
  /** Consumer bar. */
  to: number[];
  /** 0 both agree / host graph without dep_gen, 1 host graph only, 2 dep_gen only. */
  source: number[];
}

/** The swimlane. */
export interface ReportTimeline {
  /** Lanes. */
  lanes: ReportLane[];
  /** Bars. */
  bars: ReportBars;
  /** Bar names (deduplicated). */
  names: string[];
  /** Dependency arrows. */
  arrows: ReportArrows;
  /** Where the arrows come from, in words. */
  arrowsFrom: string;
  /** Last end, µs. */
  endUs: number;
}

/** PMU counters of one core lane. */
export interface ReportCounterTrack {
  /** Lane index of the core. */
  lane: number;
  /** Sample start, µs. */
  start: number[];
  /** Sample end, µs. */
  end: number[];
  /** Values: one array per counter name, one value per sample. */
  values: number[][];
}

/** PMU counter tracks. */
export interface ReportCounters {
  /** Counter names (`pmu_total_cycles` first). */
  names: string[];
  /** Event group. */
  group: string;
  /** One track per core with samples. */
  tracks: ReportCounterTrack[];
}

/** A scope's statistics. */
export interface ReportScope {
  /** Site. */
  site: string;
  /** Depth. */
  depth: number;
  /** Ring. */
  ring: number;
  /** First task submitted. */
  firstTask: number;
  /** Tasks submitted. */
  tasks: number;
  /** Heap bytes allocated in the scope. */
  heapBytes: number;
  /** Live tensor-map entries at its end. */
  tensormap: number;
  /** Start, µs (when the submits were timed). */
  startUs?: number;
  /** End, µs. */
  endUs?: number;
}

/** One dumped tensor. */
export interface ReportTensor {
  /** Role. */
  role: string;
  /** Stage. */
  stage: string;
  /** Argument index. */
  arg: number;
  /** Element type. */
  dtype: string;
  /** Shape. */
  shape: number[];
  /** Statistics and a preview, when the payload could be decoded. */
  preview?: TensorPreview;
  /** Why there is no preview. */
  note?: string;
}

/** The dumped tensors of one task. */
export interface ReportDumpTask {
  /** Task id. */
  task: number;
  /** Kernel. */
  kernel: string;
  /** Label. */
  label?: string;
  /** Its tensors. */
  tensors: ReportTensor[];
}

/** Everything the page shows. */
export interface ReportModel {
  /** Page title. */
  title: string;
  /** Run summary rows (label, value). */
  summary: Array<[string, string]>;
  /** Collector summaries. */
  collectors: Array<{ name: string; collected: number; dropped: number; total: number; clean: boolean; notes: string[] }>;
  /** The swimlane, when the l2 swimlane ran. */
  timeline?: ReportTimeline;
  /** PMU tracks, when PMU ran. */
  counters?: ReportCounters;
  /** Scope statistics, when scope stats ran. */
  scopes?: ReportScope[];
  /** Dumped tensors by task, when the tensor dump ran. */
  dumps?: ReportDumpTask[];
  /** Notes on what is missing and why. */
  notes: string[];
}

/** Microseconds rounded to the nanosecond: the files' resolution, and short in JSON. */
const ns = (us: number): number => Math.round(us * 1000) / 1000;

class Names {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  of(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(name);
      this.index.set(name, i);
    }
    return i;
  }
}

function coreLaneName(core: number, blockDim: number): string {
  return `${core < blockDim ? 'AIC' : 'AIV'}_${core}`;
}

/** Builds the model of `r`. */
export function buildReportModel(r: RunResults): ReportModel {
  const run = r.run;
  const notes: string[] = [];
  const title = `npurun ${run.arch} · ${run.platform}${run.workload !== undefined ? ` · ${run.workload}/${run.case ?? ''}` : ''}`;
  const wall = run.deviceWallNs === null ? '—' : `${(Number(run.deviceWallNs) / 1000).toFixed(1)} µs`;
  const summary: Array<[string, string]> = [
    ['status', run.status + (run.error !== undefined ? ` (${run.error.code}: ${run.error.message})` : '')],
    ['arch / platform', `${run.arch} / ${run.platform}${run.simulated ? ' (simulator)' : ''}`],
    ...(run.workload !== undefined ? [['workload / case', `${run.workload} / ${run.case ?? ''}`] as [string, string]] : []),
    ['device', String(run.deviceId)],
    ['blockDim / AI CPU threads', `${run.blockDim} / ${run.aicpuThreads}`],
    ['tasks / kernels', `${run.tasks.length || '?'} / ${run.kernels.length || '?'}`],
    ['device wall', wall],
    ['host total', run.hostTimings.totalMs === undefined ? '—' : `${run.hostTimings.totalMs.toFixed(2)} ms`],
    ['diagnostics', Object.entries(run.diagnostics).filter(([, v]) => v !== false && v !== 0).map(([k, v]) => (v === true ? k : `${k} ${String(v)}`)).join(', ') || 'none'],
    ...(run.runId !== undefined ? [['run id', run.runId] as [string, string]] : []),
    ['directory', r.dir],
  ];
  const model: ReportModel = { title, summary, collectors: run.collectors, notes };
  const tasksById = new Map(run.tasks.map((t) => [t.id, t]));
  const kernelName = new Map(run.kernels.map((k) => [k.id, k.name]));

  if (r.l2 !== undefined) model.timeline = buildTimeline(r, tasksById, kernelName, notes);
  else notes.push('No swimlane: the l2 swimlane was off (run with --swimlane 1..4).');
  if (r.pmu !== undefined && model.timeline !== undefined) model.counters = buildCounters(r, model.timeline);
  if (r.scopeStats !== undefined) model.scopes = buildScopes(r);
  if (r.tensorDump !== undefined) {
    const byTask = new Map<number, ReportDumpTask>();
    for (const t of r.tensorDump.tensors) {
      let entry = byTask.get(t.taskId);
      if (entry === undefined) {
        const task = tasksById.get(t.taskId);
        entry = { task: t.taskId, kernel: kernelName.get(t.funcId) ?? task?.kernel ?? `func_${t.funcId}`, ...(task?.label !== undefined ? { label: task.label } : {}), tensors: [] };
        byTask.set(t.taskId, entry);
      }
      const base = { role: t.role, stage: t.stage, arg: t.argIndex, dtype: t.dtype, shape: t.shape };
      if (t.data === undefined || t.data.length === 0) entry.tensors.push({ ...base, note: t.overwritten ? 'payload overwritten on the device' : 'no payload' });
      else entry.tensors.push({ ...base, preview: tensorPreview(t.data, t.shape), ...(t.truncated ? { note: 'truncated on the device' } : {}) });
    }
    model.dumps = [...byTask.values()].sort((a, b) => a.task - b.task);
  }
  return model;
}

function buildTimeline(r: RunResults, tasksById: Map<number, RunResults['run']['tasks'][number]>, kernelName: Map<number, string>, notes: string[]): ReportTimeline {
  const l2 = r.l2!;
  const names = new Names();
  const lanes: ReportLane[] = [];
  type Bar = { lane: number; start: number; dur: number; name: number; kind: number; task: number };
  const bars: Bar[] = [];
  // AI CPU lanes with phases.
  l2.orchestratorPhases?.forEach((phases, t) => {
    if (phases.length === 0) return;
    const lane = lanes.push({ name: `AICPU orch ${t}`, kind: 'orch' }) - 1;
    for (const p of phases) bars.push({ lane, start: p.startUs, dur: Math.max(0, p.endUs - p.startUs), name: names.of(p.phase), kind: BarKind.phase, task: p.taskId });
  });
  l2.schedulerPhases?.forEach((phases, t) => {
    if (phases.length === 0) return;
    const lane = lanes.push({ name: `AICPU sched ${t}`, kind: 'sched' }) - 1;
    for (const p of phases) bars.push({ lane, start: p.startUs, dur: Math.max(0, p.endUs - p.startUs), name: names.of(p.phase), kind: BarKind.phase, task: -1 });
  });
  // Scopes, where the submits were timed.
  if (r.scopeStats !== undefined) {
    const submits = new Map<number, { start: number; end: number }>();
    for (const th of l2.orchestratorPhases ?? []) for (const p of th) submits.set(p.taskId, { start: p.startUs, end: p.endUs });
    const slices = scopeSlices(pairScopes(r.scopeStats.records), submits);
    if (slices.length > 0) {
      const lane = lanes.push({ name: 'scopes', kind: 'scope' }) - 1;
      for (const s of slices) bars.push({ lane, start: s.start, dur: Math.max(0, s.finish - s.start), name: names.of(`scope ${s.begin.site}`), kind: BarKind.scope, task: -1 });
    }
  }
  // Tasks on the cores that ran something.
  const cores = [...new Set(l2.tasks.map((t) => t.coreId))].sort((a, b) => a - b);
  const dummyLaneAt = lanes.length;
  const coreLane = new Map<number, number>();
  const done = new Map<number, number>();
  const firstBar = new Map<number, number>();
  // Lanes are numbered after the (possible) dummy lane, fixed below.
  const taskBars: Bar[] = [];
  for (const t of l2.tasks) {
    const task = tasksById.get(t.taskId);
    const kernel = kernelName.get(t.funcId) ?? `func_${t.funcId}`;
    const label = task?.label;
    taskBars.push({ lane: t.coreId, start: t.startUs, dur: Math.max(0, t.endUs - t.startUs), name: names.of(label === undefined ? kernel : `${kernel} (${label})`), kind: BarKind.task, task: t.taskId });
    done.set(t.taskId, Math.max(done.get(t.taskId) ?? 0, t.endUs, t.finishUs));
  }
  const hostTasks: HostTask[] = r.run.tasks.map((t) => ({ id: t.id, kernel: t.kernel, deps: t.deps, ...(t.label !== undefined ? { label: t.label } : {}) }));
  const dummies = dummyCompletionTimes(hostTasks, (id) => done.get(id));
  if (dummies.size > 0) {
    lanes.push({ name: 'dependency-only tasks', kind: 'dummy' });
    for (const [id, ts] of dummies) bars.push({ lane: dummyLaneAt, start: ts, dur: 0, name: names.of(tasksById.get(id)?.label ?? `dependency-only task ${id}`), kind: BarKind.dummy, task: id });
  }
  for (const c of cores) coreLane.set(c, lanes.push({ name: coreLaneName(c, r.run.blockDim), kind: 'core', core: c }) - 1);
  for (const b of taskBars) bars.push({ ...b, lane: coreLane.get(b.lane)! });
  bars.sort((a, b) => a.lane - b.lane || a.start - b.start);
  const cols: ReportBars = { lane: [], start: [], dur: [], name: [], kind: [], task: [] };
  let endUs = 0;
  bars.forEach((b, i) => {
    cols.lane.push(b.lane);
    cols.start.push(ns(b.start));
    cols.dur.push(ns(b.dur));
    cols.name.push(b.name);
    cols.kind.push(b.kind);
    cols.task.push(b.task);
    endUs = Math.max(endUs, b.start + b.dur);
    if ((b.kind === BarKind.task || b.kind === BarKind.dummy) && !firstBar.has(b.task)) firstBar.set(b.task, i);
  });
  // Arrows: the host graph's edges with dep_gen's where it ran.
  const device = r.deps?.edges.map((e) => ({ pred: BigInt(e.pred), succ: BigInt(e.succ) }));
  const arrows: ReportArrows = { from: [], to: [], source: [] };
  for (const a of combineArrows(hostTasks, device)) {
    const from = firstBar.get(a.pred);
    const to = firstBar.get(a.succ);
    if (from === undefined || to === undefined) continue;
    arrows.from.push(from);
    arrows.to.push(to);
    arrows.source.push(device === undefined || a.source === 'both' ? 0 : a.source === 'host' ? 1 : 2);
  }
  const arrowsFrom =
    hostTasks.length === 0 && device === undefined
      ? 'no dependency information (run.json has no task table and dep_gen did not run)'
      : device === undefined
        ? "the host's task graph"
        : "the host's task graph, checked against dep_gen's capture";
  if (hostTasks.length === 0) notes.push('run.json has no task table: labels, dependency-only tasks and host-graph arrows are missing.');
  return { lanes, bars: cols, names: names.list, arrows, arrowsFrom, endUs };
}

function buildCounters(r: RunResults, timeline: ReportTimeline): ReportCounters {
  const pmu = r.pmu!;
  const l2 = r.l2!;
  const span = new Map<string, { start: number; end: number }>();
  for (const t of l2.tasks) span.set(`${t.taskId}:${t.coreId}`, { start: t.startUs, end: t.endUs });
  const laneOfCore = new Map<number, number>();
  timeline.lanes.forEach((l, i) => {
    if (l.kind === 'core' && l.core !== undefined) laneOfCore.set(l.core, i);
  });
  const names = ['pmu_total_cycles', ...pmu.counterNames];
  const tracks = new Map<number, ReportCounterTrack>();
  for (const row of pmu.rows) {
    const s = span.get(`${row.taskId}:${row.coreId}`);
    const lane = laneOfCore.get(row.coreId);
    if (s === undefined || lane === undefined) continue;
    let track = tracks.get(lane);
    if (track === undefined) {
      track = { lane, start: [], end: [], values: names.map(() => []) };
      tracks.set(lane, track);
    }
    track.start.push(ns(s.start));
    track.end.push(ns(s.end));
    track.values[0]!.push(Number(row.totalCycles));
    row.counters.forEach((v, k) => track!.values[k + 1]!.push(v));
  }
  return { names, group: pmu.rows[0]?.eventGroup ?? String(pmu.rows[0]?.eventType ?? ''), tracks: [...tracks.values()].sort((a, b) => a.lane - b.lane) };
}

function buildScopes(r: RunResults): ReportScope[] {
  const submits = new Map<number, { start: number; end: number }>();
  for (const th of r.l2?.orchestratorPhases ?? []) for (const p of th) submits.set(p.taskId, { start: p.startUs, end: p.endUs });
  const pairs = pairScopes(r.scopeStats!.records);
  const timed = new Map(scopeSlices(pairs, submits).map((s) => [s.begin, s]));
  const ordered = [...pairs].sort((a, b) => a.begin.taskWindowEnd - b.begin.taskWindowEnd || a.begin.depth - b.begin.depth);
  return ordered.map((p) => {
    const s = timed.get(p.begin);
    return {
      site: p.begin.site,
      depth: p.begin.depth,
      ring: p.begin.ring,
      firstTask: p.begin.taskWindowEnd,
      tasks: Math.max(0, p.end.taskWindowEnd - p.begin.taskWindowEnd),
      heapBytes: Number(p.end.heapEnd - p.begin.heapEnd),
      tensormap: p.end.tensormap,
      ...(s !== undefined ? { startUs: s.start, endUs: s.finish } : {}),
    };
  });
}
