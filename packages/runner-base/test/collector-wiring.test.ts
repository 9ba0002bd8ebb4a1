/**
 * SharedCollectorWiring (step 3 for the shared diagnostics): all-or-nothing init, field
 * publishing, flag bits, registration and the arch finalize modes — with fake collectors over a
 * real simulated device's memory.
 */
import { openDevice, ptr, struct, u32, type HalDevice } from '@npurun/hal-native';
import type { SharedCollectorSpec } from '@npurun/collectors';
import {
  DeviceAllocator,
  InvalidArgumentError,
  RunContext,
  SharedCollectorWiring,
  TeardownError,
  sharedCollectorSpecs,
  type CollectorWiringSpec,
  type DiagnosticsOptions,
  type RuntimeImage,
} from '../src';
import { FakeCollector } from './support/fake-collector';

const TestKernelArgs = struct('test_kernel_args', {
  runtimeArgs: ptr,
  regs: ptr,
  dumpDataBase: ptr,
  l2PerfDataBase: ptr,
  l2Table: ptr,
  pmuDataBase: ptr,
  scopeStatsDataBase: ptr,
  deviceWallDataBase: ptr,
  logLevel: u32,
  logInfoV: u32,
  enableProfilingFlag: u32,
  deviceId: u32,
});
type K = ReturnType<typeof TestKernelArgs.decode>;

const FIELDS: CollectorWiringSpec<K>['fields'] = {
  dataBase: { tensorDump: 'dumpDataBase', l2Swimlane: 'l2PerfDataBase', pmu: 'pmuDataBase', scopeStats: 'scopeStatsDataBase' },
  ringTable: {},
};

const ALL: DiagnosticsOptions = { l2Swimlane: 3, tensorDump: true, pmu: 2, scopeStats: true };

describe('SharedCollectorWiring', () => {
  let device: HalDevice;
  let allocator: DeviceAllocator;
  beforeAll(() => {
    device = openDevice({ platform: 'a2a3sim' });
    allocator = new DeviceAllocator(device);
  });
  afterAll(() => {
    allocator.freeAll();
    device.close();
  });

  function context(diagnostics: DiagnosticsOptions): RunContext {
    const image = { bytes: new Uint8Array(8), taskCount: 1, kernelCount: 1, edgeCount: 0, dummyCount: 0, tensorCount: 0 } as RuntimeImage;
    return new RunContext(allocator, new Uint8Array(TestKernelArgs.size), { blockDim: 2, aicpuThreads: 6, timeoutMs: 1000, diagnostics, outputDir: '/tmp', outputs: [], image, kernelNames: new Map() });
  }

  function wiring(journal: string[], made: FakeCollector[], fail?: string, fields = FIELDS, mode: 'finalize' | 'stop' = 'finalize') {
    return new SharedCollectorWiring<K>({ arch: 'a2a3', kernelArgs: TestKernelArgs, fields, finalizeMode: mode }, (_ctx, spec: SharedCollectorSpec) => {
      const c = new FakeCollector(spec.name, allocator, journal);
      if (spec.name === fail) c.failing.add('init');
      made.push(c);
      return c;
    });
  }

  const device_ = () => ({ memory: allocator, properties: device.properties, deviceId: 0 });

  test('the specs follow the options, in creation order', () => {
    expect(sharedCollectorSpecs(ALL)).toEqual([{ name: 'tensorDump' }, { name: 'pmu', eventGroup: 2 }, { name: 'scopeStats' }, { name: 'l2Swimlane', level: 3 }]);
    expect(sharedCollectorSpecs({ depGen: true })).toEqual([]);
  });

  test('publishes every address, sets the flag bits and registers each collector', async () => {
    const journal: string[] = [];
    const made: FakeCollector[] = [];
    const ctx = context(ALL);
    const got = await wiring(journal, made).initRun(ctx, device_());
    expect(got).toHaveLength(4);
    const k = TestKernelArgs.decode(ctx.kernelArgs);
    const byName = new Map(made.map((c) => [c.name, c.published]));
    expect(k).toMatchObject({
      dumpDataBase: byName.get('tensorDump'),
      l2PerfDataBase: byName.get('l2Swimlane'),
      pmuDataBase: byName.get('pmu'),
      scopeStatsDataBase: byName.get('scopeStats'),
      enableProfilingFlag: 0b10111,
    });
    expect(ctx.collectors.map((e) => [e.collector.name, e.shared, e.phase])).toEqual([
      ['tensorDump', true, 'initialized'],
      ['pmu', true, 'initialized'],
      ['scopeStats', true, 'initialized'],
      ['l2Swimlane', true, 'initialized'],
    ]);
    expect(ctx.runInfo.diagnosticsWiring).toMatchObject({ collectors: ['tensorDump', 'pmu', 'scopeStats', 'l2Swimlane'] });
    for (const c of made) c.finalize();
  });

  test('a failing init finalizes the collectors already initialized and leaves the run untouched', async () => {
    const journal: string[] = [];
    const made: FakeCollector[] = [];
    const ctx = context(ALL);
    const before = allocator.memoryStats();
    await expect(wiring(journal, made, 'scopeStats').initRun(ctx, device_())).rejects.toThrow('scopeStats.init failed (injected)');
    expect(journal).toEqual(['tensorDump.init', 'pmu.init', 'scopeStats.init', 'pmu.finalize', 'tensorDump.finalize']);
    expect(allocator.memoryStats()).toEqual(before);
    expect(ctx.collectors).toEqual([]);
    expect(Array.from(ctx.kernelArgs)).toEqual(new Array(TestKernelArgs.size).fill(0));
  });

  test('a field map that does not fit the addresses is an error, rolled back like a failed init', async () => {
    const journal: string[] = [];
    const made: FakeCollector[] = [];
    const ctx = context({ l2Swimlane: 1 });
    const fields = { ...FIELDS, ringTable: { l2Swimlane: 'l2Table' as const } };
    const err = await wiring(journal, made, undefined, fields)
      .initRun(ctx, device_())
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err).toMatchObject({ code: 'RUNNER_INVALID_ARGUMENT', param: 'fields.ringTable.l2Swimlane' });
    expect(journal).toEqual(['l2Swimlane.init', 'l2Swimlane.finalize']);
    expect(ctx.collectors).toEqual([]);
  });

  test.each([
    ['finalize', 'l2Swimlane.finalize'],
    ['stop', 'l2Swimlane.stop'],
  ] as const)('finalizeRunner in %s mode deals with the latest run once', async (mode, step) => {
    const journal: string[] = [];
    const made: FakeCollector[] = [];
    const w = wiring(journal, made, undefined, FIELDS, mode);
    await w.initRun(context({ l2Swimlane: 2 }), device_());
    journal.length = 0;
    await w.finalizeRunner();
    await w.finalizeRunner();
    expect(journal).toEqual([step]);
    made[0]!.finalize();
  });

  test('finalizeRunner reports every failure', async () => {
    const journal: string[] = [];
    const made: FakeCollector[] = [];
    const w = wiring(journal, made);
    await w.initRun(context({ l2Swimlane: 2, pmu: 2 }), device_());
    made[0]!.failing.add('finalize');
    await expect(w.finalizeRunner()).rejects.toBeInstanceOf(TeardownError);
    expect(journal.filter((j) => j.endsWith('finalize'))).toEqual(['pmu.finalize', 'l2Swimlane.finalize']);
    made[0]!.failing.clear();
    made[0]!.finalize();
  });
});
