/**
 * What the Chrome trace gets besides the l2 swimlane's own records: the host's task graph, the
 * trace process (a pid unique per run and a descriptive name), the PMU samples and the scope
 * boundaries the other collectors of the run recorded. The runner gathers them after the other
 * collectors reconciled and hands them to the l2 swimlane export (`ExportOptions.trace`).
 */

/** One task of the host-built graph. The id is the task's index, which is also its device task id. */
export interface HostTask {
  /** Task id (graph index). */
  readonly id: number;
  /** Kernel name to show (mixed tasks: the sub-kernels joined with ` + `); `null` for a dependency-only task. */
  readonly kernel: string | null;
  /** The task's label, when the graph gave one. */
  readonly label?: string;
  /** Ids of the tasks it waits for. */
  readonly deps: readonly number[];
}

/** The trace's process: one per run, so traces of several runs open side by side without colliding. */
export interface TraceProcess {
  /** Process id (unique per run). */
  readonly pid: number;
  /** Process name (arch, platform, device, workload and case). */
  readonly name: string;
}

/** One PMU record: the counters of one task on one core. */
export interface PmuSample {
  /** Task id. */
  readonly taskId: bigint;
  /** Core the task ran on. */
  readonly coreId: number;
  /** Cycles the kernel ran, as counted by the PMU. */
  readonly totalCycles: bigint;
  /** Counter values, one per name of {@link PmuSamples.counterNames}. */
  readonly counters: readonly number[];
}

/** The PMU records of a run. */
export interface PmuSamples {
  /** Names of the counters in use (the `pmu.csv` columns). */
  readonly counterNames: readonly string[];
  /** True when the values are simulated. */
  readonly simulated: boolean;
  /** Streams the records in arrival order. */
  samples(): Iterable<PmuSample>;
}

/** One scope boundary (a `scope_stats.jsonl` record, decoded). */
export interface ScopeBoundary {
  /** `<file basename>:<line>` of the scope. */
  readonly site: string;
  /** Whether the scope begins or ends here. */
  readonly phase: 'begin' | 'end' | 'unknown';
  /** Nesting depth. */
  readonly depth: number;
  /** Ring the scope's tasks go to. */
  readonly ring: number;
  /** Oldest live task of the ring's window. */
  readonly taskWindowStart: number;
  /** Next task id of the ring's window (tasks submitted so far). */
  readonly taskWindowEnd: number;
  /** Heap reclaim offset, bytes. */
  readonly heapStart: bigint;
  /** Heap allocation offset, bytes. */
  readonly heapEnd: bigint;
  /** Live tensor-map entries. */
  readonly tensormap: number;
}

/** Everything the trace joins in from outside the l2 swimlane collector; each part optional. */
export interface TraceInputs {
  /** The trace's process; default pid = device id, name from arch and device. */
  readonly process?: TraceProcess;
  /** The host's task graph: dependency arrows, labels, dependency-only tasks. */
  readonly tasks?: readonly HostTask[];
  /** PMU records: counter tracks. */
  readonly pmu?: PmuSamples;
  /** Scope boundaries: scope slices where the orchestrator's submit times are known. */
  readonly scopes?: () => Iterable<ScopeBoundary>;
}
