/**
 * `A5Runner`: npurun for Ascend A5. Everything shared lives in `DeviceRunnerBase`; this class holds
 * only what a5 does differently: its KernelArgs layout, when the KernelArgs copy is uploaded (after
 * the AI CPU launches, just before the AI Core launch), its diagnostics wiring (shadow copies — a5
 * has no host mapping — and the per-core ring tables) and its finalize (collectors only stopped;
 * `finalizeCommon`'s allocator sweep frees their device buffers).
 */
import {
  DeviceRunnerBase,
  resolveArchSpec,
  SharedCollectorWiring,
  type ArchSpec,
  type DeviceRunnerOptions,
  type ExecutorBinaries,
  type RunContext,
} from '@npurun/runner-base';
import { A5KernelArgs } from './kernel-args';
import { A5_COLLECTOR_WIRING } from './diagnostics';

/** What a5 is, as data (SPEC §0, §8, §9). */
const A5_ARCH: Omit<ArchSpec, 'executors'> = {
  arch: 'a5',
  kernelArgs: A5KernelArgs,
  kernelArgsUpload: 'beforeAicoreLaunch',
  diagnostics: ['l2Swimlane', 'tensorDump', 'pmu', 'scopeStats'],
};

/** Options of {@link A5Runner.create}. */
export interface A5RunnerOptions extends DeviceRunnerOptions {
  /** `'a5sim'` (default) or `'a5'`. */
  platform?: 'a5sim' | 'a5';
  /**
   * The runtime's executor programs. Default on `a5sim`: npurun's simulated runtime. Required on
   * `a5`, where the executors are the runtime's own device binaries.
   */
  executors?: ExecutorBinaries;
}

/** Runs prepared runtimes on one a5 device (SPEC §6, §13). */
export class A5Runner extends DeviceRunnerBase {
  private readonly collectorWiring = new SharedCollectorWiring(A5_COLLECTOR_WIRING);

  private constructor(spec: ArchSpec, options: A5RunnerOptions) {
    super(spec, options);
  }

  /**
   * Creates a runner. The device opens on first use.
   *
   * @throws InvalidArgumentError for a platform of another arch or any bad option
   */
  static async create(options: A5RunnerOptions = {}): Promise<A5Runner> {
    return new A5Runner(await resolveArchSpec(A5_ARCH, options), options);
  }

  protected override async initDiagnostics(ctx: RunContext): Promise<void> {
    await this.collectorWiring.initRun(ctx, { memory: this.deviceMemory, properties: this.deviceProperties, deviceId: this.deviceId });
  }

  /**
   * a5 finalize: collectors a timed-out run left behind are only stopped; `finalizeCommon`'s
   * allocator sweep frees their device memory (nothing is host-mapped on a5).
   */
  protected override async finalizeArch(): Promise<void> {
    await this.collectorWiring.finalizeRunner();
  }
}
