/**
 * `A2A3Runner`: npurun for Ascend A2/A3. Everything shared lives in `DeviceRunnerBase`; this class
 * holds only what a2a3 does differently: its KernelArgs layout, when the KernelArgs copy is
 * uploaded (before the AI CPU launches, after `fftsBaseAddr` is filled), its diagnostics wiring
 * (host-mapped buffers, the `aicoreRingAddr` table, dep_gen) and its finalize (collectors fully
 * finalized: unmapped and freed, then `finalizeCommon`).
 */
import * as path from 'node:path';
import type { ExportOptions } from '@npurun/collectors';
import { hostPrebuiltTag, registerPrebuiltDevicePrograms } from '@npurun/hal-native';
import {
  DeviceRunnerBase,
  checkRunnerOptions,
  resolveArchSpec,
  resolveExecutors,
  SharedCollectorWiring,
  type ArchSpec,
  type DeviceRunnerOptions,
  type ExecutorBinaries,
  type RunCollectorEntry,
  type RunContext,
} from '@npurun/runner-base';
import { A2A3KernelArgs } from './kernel-args';
import { A2A3_COLLECTOR_WIRING } from './diagnostics';
import { depGenIncludeDir } from './dep-gen/header';
import { depGenExportOptions, initDepGen, settleDepGen } from './dep-gen/wiring';

// The executors and workload kernels this package ships prebuilt (scripts/prebuild-device.cjs at
// build time): with them, the simulator and the bundled workloads need no compiler.
registerPrebuiltDevicePrograms(path.resolve(__dirname, '..', 'prebuilt', hostPrebuiltTag()));

/** What a2a3 is, as data. */
const A2A3_ARCH: Omit<ArchSpec, 'executors'> = {
  arch: 'a2a3',
  kernelArgs: A2A3KernelArgs,
  kernelArgsUpload: 'beforeAicpuLaunch',
  diagnostics: ['l2Swimlane', 'tensorDump', 'pmu', 'scopeStats', 'depGen'],
};

/** Options of {@link A2A3Runner.create}. */
export interface A2A3RunnerOptions extends DeviceRunnerOptions {
  /** `'a2a3sim'` (default) or `'a2a3'`. */
  platform?: 'a2a3sim' | 'a2a3';
  /**
   * The runtime's executor programs. Default on `a2a3sim`: npurun's simulated runtime. Required on
   * `a2a3`, where the executors are the runtime's own device binaries.
   */
  executors?: ExecutorBinaries;
}

/** Runs prepared runtimes on one a2a3 device. */
export class A2A3Runner extends DeviceRunnerBase {
  private readonly collectorWiring = new SharedCollectorWiring(A2A3_COLLECTOR_WIRING);

  private constructor(spec: ArchSpec, options: A2A3RunnerOptions) {
    super(spec, options);
  }

  /**
   * Creates a runner. The device opens on first use.
   *
   * @throws InvalidArgumentError for a platform of another arch, any bad option, or an unknown
   *   option key (named, with the nearest known one)
   */
  static async create(options?: A2A3RunnerOptions): Promise<A2A3Runner> {
    options = checkRunnerOptions<A2A3RunnerOptions>('A2A3Runner.create', options);
    // The simulated orchestrator captures dep_gen records, so its build needs the dep_gen layout header.
    const executors =
      options.executors ?? ((options.platform ?? 'a2a3sim') === 'a2a3sim' ? await resolveExecutors('a2a3', A2A3KernelArgs, 'a2a3sim', undefined, [depGenIncludeDir()]) : undefined);
    return new A2A3Runner(await resolveArchSpec(A2A3_ARCH, { ...options, executors }), options);
  }

  protected override async initDiagnostics(ctx: RunContext): Promise<void> {
    await this.collectorWiring.initRun(ctx, { memory: this.deviceMemory, properties: this.deviceProperties, deviceId: this.deviceId });
    await initDepGen(ctx, this.deviceMemory, this.deviceProperties, this.deviceId);
  }

  protected override async teardownSharedCollectorsAfterRun(ctx: RunContext): Promise<void> {
    await settleDepGen(ctx); // its edges feed the swimlane export of step 8
    await super.teardownSharedCollectorsAfterRun(ctx);
  }

  protected override collectorExportOptions(ctx: RunContext, entry: RunCollectorEntry): Partial<ExportOptions> {
    return depGenExportOptions(ctx, entry);
  }

  /** a2a3 finalize: collectors a timed-out run left behind (dep_gen included) are unmapped and freed. */
  protected override async finalizeArch(): Promise<void> {
    await this.collectorWiring.finalizeRunner();
  }

  protected override beforeKernelArgsUpload(ctx: RunContext): void {
    A2A3KernelArgs.writeField(ctx.kernelArgs, 'fftsBaseAddr', this.deviceProperties.fftsBaseAddr);
  }
}
