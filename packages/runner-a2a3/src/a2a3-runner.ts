/**
 * `A2A3Runner`: npurun for Ascend A2/A3. Everything shared lives in `DeviceRunnerBase`; this class
 * holds only what a2a3 does differently: its KernelArgs layout, when the KernelArgs copy is
 * uploaded (before the AI CPU launches, after `fftsBaseAddr` is filled), its diagnostics wiring
 * (host-mapped buffers, the `aicoreRingAddr` table, dep_gen) and its finalize (collectors fully
 * finalized: unmapped and freed, then `finalizeCommon`).
 */
import {
  DeviceRunnerBase,
  resolveArchSpec,
  type ArchSpec,
  type DeviceRunnerOptions,
  type ExecutorBinaries,
  type RunContext,
} from '@npurun/runner-base';
import { A2A3KernelArgs } from './kernel-args';
import { initA2A3Diagnostics } from './diagnostics';

/** What a2a3 is, as data (SPEC §0, §8, §9). */
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

/** Runs prepared runtimes on one a2a3 device (SPEC §6, §13). */
export class A2A3Runner extends DeviceRunnerBase {
  private constructor(spec: ArchSpec, options: A2A3RunnerOptions) {
    super(spec, options);
  }

  /**
   * Creates a runner. The device opens on first use.
   *
   * @throws InvalidArgumentError for a platform of another arch or any bad option
   */
  static async create(options: A2A3RunnerOptions = {}): Promise<A2A3Runner> {
    return new A2A3Runner(await resolveArchSpec(A2A3_ARCH, options), options);
  }

  protected override initDiagnostics(ctx: RunContext): void {
    initA2A3Diagnostics(ctx, this.deviceMemory, this.deviceProperties);
  }

  protected override beforeKernelArgsUpload(ctx: RunContext): void {
    A2A3KernelArgs.writeField(ctx.kernelArgs, 'fftsBaseAddr', this.deviceProperties.fftsBaseAddr);
  }
}
