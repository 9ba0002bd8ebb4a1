/**
 * `run.json`: what ran — status, arch, platform, device, diagnostics, timings, collector summaries,
 * the workload and case, and the task and kernel tables every other file joins on. Fields this
 * reader does not know (later versions add some) are kept in `raw` and never rejected.
 */
import type { Fields } from './check';
import { parseJson, Reader } from './check';
import { parseTaskId } from '../task-id';

/** A row of `run.json`'s kernel table. */
export interface KernelInfo {
  /** Kernel id: `func_id` in device records. */
  id: number;
  /** Kernel name. */
  name: string;
  /** `cube` or `vector`. */
  coreType: string;
}

/** A row of `run.json`'s task table. */
export interface TaskInfo {
  /** Task id: the same number in every file of the run. */
  id: number;
  /** Kernel name (mixed: sub-kernels joined with ` + `); `null` for a dependency-only task. */
  kernel: string | null;
  /** Kernel ids (`func_id`s) the task runs. */
  funcIds: number[];
  /** The task's label, if any. */
  label?: string;
  /** `cube`, `vector`, `mixed` or `dummy`. */
  coreType: string;
  /** Tasks it waits for. */
  deps: number[];
}

/** A collector's summary. */
export interface CollectorInfo {
  /** The diagnostic. */
  name: string;
  /** Records collected. */
  collected: number;
  /** Records the device dropped. */
  dropped: number;
  /** Records the device produced. */
  total: number;
  /** Whether the counts reconciled. */
  clean: boolean;
  /** Notes. */
  notes: string[];
}

/** `run.json`, typed. */
export interface RunInfo {
  /** `ok` or `failed`. */
  status: string;
  /** The error of a failed run. */
  error?: { code: string; message: string };
  /** Random id of the run (absent in runs written before it existed). */
  runId?: string;
  /** `a2a3` or `a5`. */
  arch: string;
  /** Platform, e.g. `a2a3sim`. */
  platform: string;
  /** True on the simulator. */
  simulated: boolean;
  /** Device id. */
  deviceId: number;
  /** Blocks launched. */
  blockDim: number;
  /** AI CPU threads. */
  aicpuThreads: number;
  /** Device wall time in ns, when read. */
  deviceWallNs: bigint | null;
  /** Host timings in ms. */
  hostTimings: Record<string, number>;
  /** Diagnostics requested. */
  diagnostics: Record<string, unknown>;
  /** Collector summaries. */
  collectors: CollectorInfo[];
  /** Workload name, when the run came from a workload. */
  workload?: string;
  /** Case name, when the run came from a workload. */
  case?: string;
  /** The trace process the run appears as. */
  trace?: { pid: number; processName: string };
  /** Kernel table (empty when the run recorded none). */
  kernels: KernelInfo[];
  /** Task table (empty when the run recorded none). */
  tasks: TaskInfo[];
  /** The whole file as parsed, unknown fields included. */
  raw: Fields;
}

/** Parses `run.json`. */
export function parseRunJson(text: string, file = 'run.json'): RunInfo {
  const r = Reader.of(parseJson(text, file), file, 'run');
  const wall = r.fields.deviceWallNs;
  const kernels = r.has('kernels')
    ? r.arr('kernels').map((k, i) => {
        const kr = Reader.of(k, file, `kernels[${i}]`);
        return { id: kr.num('id'), name: kr.str('name'), coreType: kr.str('coreType') };
      })
    : [];
  const tasks = r.has('tasks')
    ? r.arr('tasks').map((t, i): TaskInfo => {
        const tr = Reader.of(t, file, `tasks[${i}]`);
        const kernel = tr.fields.kernel === null ? null : tr.str('kernel');
        return {
          id: parseTaskId(tr.fields.id, file, `tasks[${i}].id`),
          kernel,
          funcIds: tr.has('funcIds') ? tr.nums('funcIds') : [],
          ...(tr.has('label') ? { label: tr.str('label') } : {}),
          coreType: tr.str('coreType'),
          deps: tr.has('deps') ? tr.nums('deps') : [],
        };
      })
    : [];
  const collectors = (r.has('collectors') ? r.arr('collectors') : []).map((c, i): CollectorInfo => {
    const cr = Reader.of(c, file, `collectors[${i}]`);
    return { name: cr.str('name'), collected: cr.num('collected'), dropped: cr.num('dropped'), total: cr.num('total'), clean: cr.bool('clean'), notes: cr.arr('notes').map(String) };
  });
  const info: RunInfo = {
    status: r.str('status'),
    arch: r.str('arch'),
    platform: r.str('platform'),
    simulated: r.bool('simulated'),
    deviceId: r.num('deviceId'),
    blockDim: r.num('blockDim'),
    aicpuThreads: r.num('aicpuThreads'),
    deviceWallNs: wall === null || wall === undefined ? null : r.u64('deviceWallNs'),
    hostTimings: (r.has('hostTimings') ? r.obj('hostTimings').fields : {}) as Record<string, number>,
    diagnostics: r.has('diagnostics') ? r.obj('diagnostics').fields : {},
    collectors,
    kernels,
    tasks,
    raw: r.fields,
  };
  if (r.has('error')) {
    const e = r.obj('error');
    info.error = { code: e.str('code'), message: e.str('message') };
  }
  if (r.has('runId')) info.runId = r.str('runId');
  if (r.has('workload')) info.workload = r.str('workload');
  if (r.has('case')) info.case = r.str('case');
  if (r.has('trace')) {
    const t = r.obj('trace');
    info.trace = { pid: t.num('pid'), processName: t.str('processName') };
  }
  return info;
}

/** `run.json`'s text for `info` (its `raw` fields, as npurun writes them). */
export function formatRunJson(info: RunInfo): string {
  return `${JSON.stringify(info.raw, null, 2)}\n`;
}
