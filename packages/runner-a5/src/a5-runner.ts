/**
 * `A5Runner`: npurun for Ascend A5. Everything shared lives in `DeviceRunnerBase`; this class holds
 * only what a5 does differently: its KernelArgs layout, when the KernelArgs copy is uploaded (after
 * the AI CPU launches, just before the AI Core launch), its diagnostics wiring (shadow copies — a5
 * has no host mapping — and the per-core ring tables) and its finalize (collectors only stopped;
 * `finalizeCommon`'s allocator sweep frees their device buffers).
 */
import * as path from 'node:path';
import { hostPrebuiltTag, registerPrebuiltDevicePrograms } from '@npurun/hal-native';
import {
  DeviceRunnerBase,
  checkRunnerOptions,
  resolveArchSpec,
  SharedCollectorWiring,
  type ArchSpec,
  type DeviceRunnerOptions,
  type ExecutorBinaries,
  type RunContext,
} from '@npurun/runner-base';
import { A5KernelArgs } from './kernel-args';
import { A5_COLLECTOR_WIRING } from './diagnostics';

// The executors and workload kernels this package ships prebuilt (scripts/prebuild-device.cjs at
// build time): with them, the simulator and the bundled workloads need no compiler.
registerPrebuiltDevicePrograms(path.resolve(__dirname, '..', 'prebuilt', hostPrebuiltTag()));

/** What a5 is, as data. */
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

/** Runs prepared runtimes on one a5 device. */
export class A5Runner extends DeviceRunnerBase {
  private readonly collectorWiring = new SharedCollectorWiring(A5_COLLECTOR_WIRING);

  private constructor(spec: ArchSpec, options: A5RunnerOptions) {
    super(spec, options);
  }

  /**
   * Creates a runner. The device opens on first use.
   *
   * @throws InvalidArgumentError for a platform of another arch, any bad option, or an unknown
   *   option key (named, with the nearest known one)
   */
  static async create(options?: A5RunnerOptions): Promise<A5Runner> {
    const opts = checkRunnerOptions<A5RunnerOptions>('A5Runner.create', options);
    return new A5Runner(await resolveArchSpec(A5_ARCH, opts), opts);
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
