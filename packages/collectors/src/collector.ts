/**
 * The collector lifecycle, as the runner drives it.
 *
 * A collector owns device buffers for one diagnostic. The arch runner creates it, calls
 * {@link RunCollector.init} (allocate and publish; the returned addresses go into the arch's
 * KernelArgs fields), then the shared run steps call {@link RunCollector.start} before the launch and
 * {@link RunCollector.stop}, {@link RunCollector.reconcile} and {@link RunCollector.exportFiles}
 * after it. {@link RunCollector.finalize} frees (and unmaps) exactly once.
 */
import type { ByteSize, HostMapping } from '@npurun/hal-native';
import type { TraceInputs } from './trace/inputs';

/** The names of the diagnostics. */
export type DiagnosticName = 'tensorDump' | 'l2Swimlane' | 'pmu' | 'depGen' | 'scopeStats';

/** `enableProfilingFlag` bits. */
export const DiagnosticFlagBit: Readonly<Record<DiagnosticName, number>> = {
  tensorDump: 0,
  l2Swimlane: 1,
  pmu: 2,
  depGen: 3,
  scopeStats: 4,
};

/**
 * Device memory as a collector may use it. The runner implements this over its allocator, so
 * every collector buffer is counted in `memoryStats()` and swept by finalize.
 */
export interface CollectorDeviceMemory {
  /** Allocates device memory through the runner's allocator. */
  alloc(size: ByteSize): bigint;
  /** Frees an allocation made by {@link alloc}. */
  free(addr: bigint): void;
  /** Host → device copy of the whole view. */
  copyToDevice(dst: bigint, src: ArrayBufferView): void;
  /** Device → host copy filling the whole view. */
  copyFromDevice(dst: ArrayBufferView, src: bigint): void;
  /** Zero-copy host view (a2a3); throws `HAL_UNSUPPORTED` on a5. */
  mapToHost(addr: bigint, size: ByteSize): HostMapping;
  /** Removes a mapping made by {@link mapToHost}. */
  unmapFromHost(addr: bigint): void;
}

/** What {@link RunCollector.init} publishes for the arch runner to write into KernelArgs. */
export interface CollectorAddresses {
  /** The collector's `*DataBase` field value (its shared-memory header). */
  dataBase: bigint;
  /**
   * Per-core ring addresses (a5: the `aicoreL2PerfRingAddrs` / `aicorePmuRingAddrs` table
   * contents, one per core), when the collector has per-core rings.
   */
  perCoreRings?: readonly bigint[];
  /**
   * Device address of the per-core ring table the arch publishes in KernelArgs: a2a3
   * `aicoreRingAddr` (allocated by the host, zeroed, filled by the AI CPU); a5
   * `aicoreL2PerfRingAddrs` / `aicorePmuRingAddrs` (filled by the host with {@link perCoreRings}).
   * See docs/wiring.md.
   */
  ringTable?: bigint;
}

/** A dependency edge for the trace's flow arrows (from dep_gen's `deps.json`). */
export interface DependencyEdge {
  /** Producer task id. */
  pred: bigint;
  /** Consumer task id. */
  succ: bigint;
}

/** Options of {@link RunCollector.reconcile}. */
export interface ReconcileOptions {
  /**
   * The run failed part-way. Records left in buffers the device never flushed are then recovered
   * (counted as collected) rather than only reported; after a clean run they are only reported,
   * because recovering them would hide a flush bug.
   */
  incomplete?: boolean;
}

/** Options of {@link RunCollector.exportFiles}. */
export interface ExportOptions {
  /** The run failed part-way: files are still written and flagged as incomplete. */
  incomplete: boolean;
  /** l2 swimlane: dependency edges to draw as flow arrows in `swimlane.trace.json`. */
  dependencyEdges?: Iterable<DependencyEdge>;
  /** l2 swimlane: kernel names by func id for the trace (default `func_<id>`). */
  kernelNames?: ReadonlyMap<number, string>;
  /**
   * l2 swimlane: what the trace joins in besides its own records — the host's task graph, the
   * trace process, the PMU samples and scope boundaries of the run's other collectors.
   */
  trace?: TraceInputs;
  /**
   * Aborting it stops the export: files not yet complete are not written (their temporaries are
   * removed), files of this export already in place are removed, and the signal's reason is thrown.
   */
  signal?: AbortSignal;
}

/** Counts a collector reports after reconcile; they go into `run.json`. */
export interface CollectorSummary {
  /** The diagnostic. */
  name: DiagnosticName;
  /** Records the host collected. */
  collected: number;
  /** Records the device reported dropped. */
  dropped: number;
  /** Records the device produced (collected + dropped when clean). */
  total: number;
  /** True when `collected + dropped == total` and nothing was left over. */
  clean: boolean;
  /** Human-readable notes: leftovers, mismatches, an incomplete run. */
  notes: string[];
}

/** One diagnostic's collector for one run. */
export interface RunCollector {
  /** The diagnostic. */
  readonly name: DiagnosticName;
  /** Allocates and initializes device buffers; all-or-nothing (rolls back on failure). */
  init(): CollectorAddresses;
  /**
   * {@link init} without holding the event loop: it pauses between buffer allocations. Runners
   * use it when a collector offers it.
   */
  initAsync?(): Promise<CollectorAddresses>;
  /** Starts draining device buffers while the device runs. */
  start(): void;
  /** Stops draining (after the streams finished or failed). */
  stop(): Promise<void>;
  /** Drains what is left and checks the counts. */
  reconcile(options?: ReconcileOptions): Promise<CollectorSummary>;
  /**
   * Writes the collector's files under `outputDir` and returns their paths. `incomplete` marks a
   * run that failed part-way (files are still written, flagged as such). Each file appears under
   * its name only when complete, and a failed export leaves none of its files behind.
   */
  exportFiles(outputDir: string, options: ExportOptions): Promise<string[]>;
  /** Frees (and unmaps) every device buffer; safe to call more than once. */
  finalize(): void;
  /**
   * {@link finalize} without holding the event loop: it pauses between buffer releases. Runners
   * use it at the end of a run when a collector offers it.
   */
  finalizeAsync?(): Promise<void>;
}
