/**
 * The shapes a run takes and gives back: requests, options, results.
 */
import type { CollectorSummary } from '@npurun/collectors';
import type { CompiledGraph } from './runtime-image/compiled-graph';
import type { TaskGraph } from './runtime-image/task-graph';

/** A device range copied back into a host view after a run. */
export interface DeviceReadback {
  /** Device address to read from. */
  addr: bigint;
  /** Host view to fill (its whole byte length is read). */
  view: ArrayBufferView;
}

/** Diagnostics to enable. */
export interface DiagnosticsOptions {
  /** L2 swimlane level 0–4 (0 = off). */
  l2Swimlane?: number;
  /** Tensor dump. */
  tensorDump?: boolean;
  /** PMU event group (0 = off). */
  pmu?: number;
  /** Scope stats. */
  scopeStats?: boolean;
  /** Dependency capture (a2a3 only). */
  depGen?: boolean;
}

/** What made a run, for its exports: the trace's process name and `run.json` carry it. */
export interface RunTag {
  /** Workload name. */
  workload: string;
  /** Case name. */
  case: string;
}

/** How far a run is, as {@link RunOptions.onProgress} reports it. */
export interface RunProgress {
  /** Tasks finished so far (dependency-only tasks included). */
  completedTasks: number;
  /** Tasks of the run's graph. */
  totalTasks: number;
}

/** Per-run settings shared by `run` and `runPrepared`. */
export interface RunOptions {
  /** Blocks to launch (1 cube + 2 vector cores each); 0 or omitted = the arch's maximum. */
  blockDim?: number;
  /** AI CPU threads for the `run` kernel; omitted = the arch's launch count. */
  aicpuThreads?: number;
  /** Run timeout in ms; default: the runner's `runTimeoutMs`. */
  timeoutMs?: number;
  /** Diagnostics for this run; default: the runner's. */
  diagnostics?: DiagnosticsOptions;
  /** Output directory for this run; default: the runner's `outputDir`. */
  outputDir?: string;
  /** Device ranges copied back after the run. */
  outputs?: readonly DeviceReadback[];
  /** The workload and case this run belongs to (the bundled workloads set it). */
  tag?: RunTag;
  /**
   * Cancels the run. Aborting it stops the device work (the stop flag device code polls), tears the
   * run down, writes `run.json` with status `interrupted` (when the run has an output directory)
   * and rejects with a `RunAbortedError` (`name` `AbortError`, `code` `ABORT_ERR`). A signal
   * already aborted rejects at once, before anything is touched; so does an abort that arrives
   * before the run has removed the previous run's files from its output directory (the directory
   * is then left as it was, with no new `run.json`). From that point on, an aborted run always
   * leaves a `run.json` that says `interrupted`.
   */
  signal?: AbortSignal;
  /**
   * Called with the run's progress: when it launches, about every 100 ms while the device works
   * (on the simulator, which counts finished tasks; on hardware only the start and the end), and
   * when the device finished. A callback that throws is ignored.
   */
  onProgress?: (progress: RunProgress) => void;
}

/** The option names of {@link RunOptions}: the only keys `runPrepared` accepts. */
export const RUN_OPTION_KEYS: readonly (keyof RunOptions)[] = ['blockDim', 'aicpuThreads', 'timeoutMs', 'diagnostics', 'outputDir', 'outputs', 'signal', 'onProgress', 'tag'];

/** The keys `run` accepts: {@link RUN_OPTION_KEYS} and `graph`. */
export const RUN_REQUEST_KEYS: readonly (keyof RunRequest)[] = ['graph', ...RUN_OPTION_KEYS];

/** What `run` executes: a task graph plus per-run settings. */
export interface RunRequest extends RunOptions {
  /**
   * The task graph (kernel table with device-resident images, and tasks), or the same compiled
   * once by `compileGraph` for a graph run many times.
   */
  graph: TaskGraph | CompiledGraph;
}

/** Host-side durations of one run, in milliseconds. */
export interface HostTimings {
  /** Whole run, from entry to result. */
  totalMs: number;
  /** Diagnostics initialization (step 3). */
  initDiagnosticsMs: number;
  /** Launch to both streams finished (step 7). */
  launchAndWaitMs: number;
  /** Collector teardown (steps 8–9). */
  collectorsTeardownMs: number;
}

/** The result of a run. */
export interface RunResult {
  /** Wall time of the run as measured on the device (written by the AI CPU), in ns. */
  deviceWallNs: bigint;
  /** Paths of every file the run wrote (collector exports and `run.json`, which lists the others). */
  files: string[];
  /** The `blockDim` used. */
  blockDim: number;
  /** AI CPU threads of the `run` kernel. */
  aicpuThreads: number;
  /** One summary per collector that ran. */
  collectors: CollectorSummary[];
  /** Host-side durations. */
  hostTimings: HostTimings;
}
