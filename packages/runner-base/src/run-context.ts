/**
 * The state of one run, handed to the arch's hooks: the host KernelArgs bytes, the run's
 * collectors, and the temporary device buffers the run frees when it ends.
 */
import type { CollectorSummary, RunCollector } from '@npurun/collectors';
import type { RunUpload } from '@npurun/hal-native';
import type { DeviceAllocator } from './device-allocator';
import type { RuntimeImage } from './runtime-image/encode';
import type { DeviceReadback, DiagnosticsOptions, RunProgress, RunTag } from './run-types';
import type { RunTaskTable } from './task-table';

/** Where a collector is in its run lifecycle. */
export type CollectorPhase = 'initialized' | 'started' | 'stopped' | 'tornDown';

/** A collector registered for a run. */
export interface RunCollectorEntry {
  /** The collector. */
  readonly collector: RunCollector;
  /**
   * Shared collectors (l2 swimlane, dump, PMU, scope stats) are started and torn down by the
   * shared steps 5 and 8; the others (dep_gen) by the arch's steps 6 and 9.
   */
  readonly shared: boolean;
  /** Lifecycle phase. */
  phase: CollectorPhase;
}

/** Everything a run's hooks can see and change. */
export class RunContext {
  /**
   * The host KernelArgs struct (the arch's layout), zeroed when the run starts; the AI CPU kernels
   * get it by value. The runner hands every run the same bytes: the launch copies them, and runs
   * never overlap.
   */
  readonly kernelArgs: Uint8Array;
  /**
   * Device address of the device-resident KernelArgs copy: placed in the runner's run scratch
   * region in step 4, uploaded by the launch in step 7.
   */
  kernelArgsDeviceAddr: bigint | null = null;
  /** Device address of the runtime image copy: placed in the run scratch region in step 4, uploaded by the launch in step 7. */
  runtimeImageAddr: bigint | null = null;
  /**
   * Host-to-device copies the launch makes (step 7), in order, before anything starts: the runtime
   * image and, on the simulator, the dispatch block (step 4 adds them). They travel with the launch
   * in one call into the device layer instead of one call each.
   */
  readonly launchUploads: RunUpload[] = [];
  /** Collectors registered for this run, in registration order. */
  readonly collectors: RunCollectorEntry[] = [];
  /** Files written by the run. */
  readonly files: string[] = [];
  /** Collector summaries, in teardown order. */
  readonly summaries: CollectorSummary[] = [];
  /** Extra `run.json` fields the arch or collectors add (merged at the top level). */
  readonly runInfo: Record<string, unknown> = {};
  /** Device address of the simulator's dispatch block of this run (placed in step 4, uploaded by the launch). */
  simDispatchAddr: bigint | null = null;
  /** Whether the launches were submitted (step 7 reached the device). */
  launched = false;
  private readonly temps: bigint[] = [];

  /**
   * @param allocator the runner's allocator
   * @param kernelArgs bytes of `sizeof(KernelArgs)` of the arch, which the context zeroes and owns
   *   until the run ends
   * @param settings the run's resolved settings
   */
  constructor(
    private readonly allocator: DeviceAllocator,
    kernelArgs: Uint8Array,
    /** Resolved settings of the run. */
    readonly settings: {
      readonly blockDim: number;
      readonly aicpuThreads: number;
      readonly timeoutMs: number;
      readonly diagnostics: Readonly<DiagnosticsOptions>;
      readonly outputDir: string | undefined;
      readonly outputs: readonly DeviceReadback[];
      readonly image: RuntimeImage;
      /** Kernel names by kernel-table index (the func id device programs record). */
      readonly kernelNames: ReadonlyMap<number, string>;
      /** The run's id (random, unique per run): `run.json`'s `runId`, the trace's pid. */
      readonly runId?: string;
      /** The workload and case the run belongs to. */
      readonly tag?: RunTag;
      /** The task and kernel tables, when the run writes files. */
      readonly taskTable?: RunTaskTable;
      /** The caller's progress callback, if any. */
      readonly onProgress?: ((progress: RunProgress) => void) | undefined;
    },
  ) {
    this.kernelArgs = kernelArgs.fill(0);
  }

  /** The runner's device memory (what collectors allocate through). */
  get memory(): DeviceAllocator {
    return this.allocator;
  }

  /**
   * Registers a collector for this run (after its `init()`); the run's guard stops it on every
   * exit path.
   *
   * @param options `shared: false` for arch-only collectors (dep_gen), started in step 6
   */
  addCollector(collector: RunCollector, options: { shared?: boolean } = {}): void {
    this.collectors.push({ collector, shared: options.shared ?? collector.name !== 'depGen', phase: 'initialized' });
  }

  /** Allocates device memory that is freed when the run ends. */
  allocTemp(size: number | bigint, tag = 'run-temp'): bigint {
    const addr = this.allocator.alloc(size, tag);
    this.temps.push(addr);
    return addr;
  }

  /**
   * Frees the run's temporaries, each attempted; returns the errors met.
   * @internal called by the runner when the run ends
   */
  freeTemps(): unknown[] {
    const errors: unknown[] = [];
    while (this.temps.length > 0) {
      const addr = this.temps.pop()!;
      try {
        this.allocator.free(addr);
      } catch (e) {
        errors.push(e);
      }
    }
    return errors;
  }

  /** Temporaries still held. */
  get tempCount(): number {
    return this.temps.length;
  }
}
