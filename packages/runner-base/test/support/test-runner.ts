/**
 * A minimal arch runner over DeviceRunnerBase for tests: an a2a3-shaped KernelArgs layout, fake
 * collectors for enabled diagnostics, and knobs to fail arch steps.
 */
import { DiagnosticFlagBit, type DiagnosticName } from '@npurun/collectors';
import { ptr, struct, u32, u64, array } from '@npurun/hal-native';
import { DeviceRunnerBase, type DeviceRunnerOptions, type KernelArgsUploadPoint, type RunContext } from '../../src';
import { FakeCollector, type CollectorMethod } from './fake-collector';
import { FakeHal, fakeFactory, type FakeHalOptions } from './fake-hal';

/** a2a3's KernelArgs, declared with the layout helper, under the C name the executors include. */
export const TestKernelArgs = struct(
  'npurun_kernel_args',
  {
    unused: { type: array(u64, 5), offset: 0 },
    deviceArgs: { type: ptr, offset: 40 },
    runtimeArgs: { type: ptr, offset: 48 },
    regs: { type: ptr, offset: 56 },
    fftsBaseAddr: { type: u64, offset: 64 },
    dumpDataBase: { type: ptr, offset: 72 },
    l2PerfDataBase: { type: ptr, offset: 80 },
    pmuDataBase: { type: ptr, offset: 88 },
    pmuRegAddrs: { type: ptr, offset: 96 },
    depGenDataBase: { type: ptr, offset: 104 },
    scopeStatsDataBase: { type: ptr, offset: 112 },
    aicoreRingAddr: { type: ptr, offset: 120 },
    logLevel: { type: u32, offset: 128 },
    logInfoV: { type: u32, offset: 132 },
    enableProfilingFlag: { type: u32, offset: 136 },
    pad0: { type: u32, offset: 140 },
    deviceWallDataBase: { type: ptr, offset: 144 },
    deviceId: { type: u32, offset: 152 },
    pad1: { type: u32, offset: 156 },
  },
  { size: 160 },
);

const FIELD: Record<DiagnosticName, 'dumpDataBase' | 'l2PerfDataBase' | 'pmuDataBase' | 'depGenDataBase' | 'scopeStatsDataBase'> = {
  tensorDump: 'dumpDataBase',
  l2Swimlane: 'l2PerfDataBase',
  pmu: 'pmuDataBase',
  depGen: 'depGenDataBase',
  scopeStats: 'scopeStatsDataBase',
};

/** Knobs of {@link TestRunner}. */
export interface TestRunnerKnobs {
  aicore?: Uint8Array;
  aicpu?: Uint8Array;
  upload?: KernelArgsUploadPoint;
  /** Collector methods to fail, per diagnostic. */
  failCollector?: Partial<Record<DiagnosticName, CollectorMethod[]>>;
  /** Throw from initDiagnostics after registering this many collectors. */
  failInitDiagnosticsAfter?: number;
  /** Throw from finalizeArch. */
  failFinalizeArch?: boolean;
  /** Bytes beforeKernelArgsUpload allocates with `ctx.allocTemp`, as an arch hook may. */
  hookTempBytes?: number;
}

export class TestRunner extends DeviceRunnerBase {
  readonly journal: string[] = [];
  readonly collectors: FakeCollector[] = [];
  /** Snapshot of the host KernelArgs at each upload hook call. */
  readonly uploads: Uint8Array[] = [];
  /** What beforeKernelArgsUpload allocated with `ctx.allocTemp` (knob `hookTempBytes`). */
  readonly hookTemps: bigint[] = [];
  finalizeArchCalls = 0;

  constructor(
    options: DeviceRunnerOptions,
    private readonly knobs: TestRunnerKnobs = {},
  ) {
    super(
      {
        arch: 'a2a3',
        kernelArgs: TestKernelArgs,
        executors: { aicore: knobs.aicore ?? new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]), aicpu: knobs.aicpu ?? new Uint8Array([0x7f, 0x45, 0x4c, 0x46]) },
        kernelArgsUpload: knobs.upload ?? 'beforeAicpuLaunch',
        diagnostics: ['tensorDump', 'l2Swimlane', 'pmu', 'depGen', 'scopeStats'],
      },
      options,
    );
  }

  protected override initDiagnostics(ctx: RunContext): void {
    this.journal.push('initDiagnostics');
    const d = ctx.settings.diagnostics;
    const on: DiagnosticName[] = [];
    if (d.tensorDump === true) on.push('tensorDump');
    if ((d.l2Swimlane ?? 0) > 0) on.push('l2Swimlane');
    if ((d.pmu ?? 0) > 0) on.push('pmu');
    if (d.depGen === true) on.push('depGen');
    if (d.scopeStats === true) on.push('scopeStats');
    let flags = 0;
    on.forEach((name, i) => {
      if (this.knobs.failInitDiagnosticsAfter === i) throw new Error('initDiagnostics failed (injected)');
      const c = new FakeCollector(name, ctx.memory, this.journal);
      for (const m of this.knobs.failCollector?.[name] ?? []) c.failing.add(m);
      const addrs = c.init();
      TestKernelArgs.writeField(ctx.kernelArgs, FIELD[name], addrs.dataBase);
      flags |= 1 << DiagnosticFlagBit[name];
      ctx.addCollector(c);
      this.collectors.push(c);
    });
    if (this.knobs.failInitDiagnosticsAfter !== undefined && this.knobs.failInitDiagnosticsAfter >= on.length) {
      throw new Error('initDiagnostics failed (injected)');
    }
    TestKernelArgs.writeField(ctx.kernelArgs, 'enableProfilingFlag', flags);
  }

  protected override beforeKernelArgsUpload(ctx: RunContext): void {
    this.journal.push('beforeKernelArgsUpload');
    TestKernelArgs.writeField(ctx.kernelArgs, 'fftsBaseAddr', 0xf0f0n);
    if (this.knobs.hookTempBytes !== undefined) this.hookTemps.push(ctx.allocTemp(this.knobs.hookTempBytes, 'hookTemp'));
    this.uploads.push(ctx.kernelArgs.slice());
  }

  protected override finalizeArch(): void {
    this.finalizeArchCalls++;
    this.journal.push('finalizeArch');
    if (this.knobs.failFinalizeArch === true) throw new Error('finalizeArch failed (injected)');
  }

  /** Exposes the protected finalizeCommon for tests. */
  callFinalizeCommon(): void {
    this.finalizeCommon();
  }

  /** Exposes ensureDeviceInitialized for tests. */
  init(): void {
    this.ensureDeviceInitialized();
  }
}

/**
 * AI CPU behaviour like the simulator's executor: the run kernel writes `wallNs` into the
 * device-wall slot whose address it finds in the by-value KernelArgs.
 */
export function wallWritingHal(wallNs: bigint, extra: FakeHalOptions = {}): FakeHal {
  return new FakeHal({
    ...extra,
    onAicpuLaunch: (launch, fake) => {
      if (launch.kernelName === 'npurun_aicpu_run') {
        const addr = TestKernelArgs.readField(launch.args, 'deviceWallDataBase');
        const out = new Uint8Array(8);
        new DataView(out.buffer).setBigUint64(0, wallNs, true);
        fake.write(addr, out);
      }
      return extra.onAicpuLaunch?.(launch, fake);
    },
  });
}

/** A runner over a fake device. */
export function makeRunner(fake: FakeHal = new FakeHal(), options: DeviceRunnerOptions = {}, knobs: TestRunnerKnobs = {}): TestRunner {
  return new TestRunner({ halFactory: fakeFactory(fake), ...options }, knobs);
}
