import { BinaryError, InvalidArgumentError, RunnerErrorCode, type TaskGraph } from '../src';
import { FakeHal, fakeFactory } from './support/fake-hal';
import { TestRunner, makeRunner } from './support/test-runner';

const kernel = { name: 'k', entry: 'k', imageAddr: 0x100n, imageSize: 64, coreType: 'vector' as const };
const graph: TaskGraph = { kernels: [kernel], tasks: [{ kernel: 0 }] };

describe('AI Core executor registration', () => {
  test('registers once on the first launch and never again over many runs', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    expect(runner.aicoreRegistrations).toBe(0);
    runner.init();
    expect(fake.calls.registerAicoreBinary).toBe(0); // lazy: not at device init
    for (let i = 0; i < 8; i++) await runner.run({ graph });
    expect(fake.calls.registerAicoreBinary).toBe(1);
    expect(fake.calls.launchAicore).toBe(8);
    expect(runner.aicoreRegistrations).toBe(1);
    expect(new Set(fake.aicoreLaunches.map((l) => l.binary)).size).toBe(1);
  });

  test('a failed registration caches nothing; the next launch registers', () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    const args = runner.allocateTensor(160);
    fake.fail('registerAicoreBinary');
    expect(() => runner.launchAicoreKernel(runner.aicoreStream, args)).toThrow(expect.objectContaining({ code: 'HAL_INTERNAL' }));
    expect(fake.calls.launchAicore).toBe(0);
    runner.launchAicoreKernel(runner.aicoreStream, args);
    runner.launchAicoreKernel(runner.aicoreStream, args);
    expect(fake.calls.registerAicoreBinary).toBe(2);
    expect(fake.calls.launchAicore).toBe(2);
  });

  test('an empty AI Core binary fails before any device call of the launch', () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake, {}, { aicore: new Uint8Array(0) });
    runner.init();
    const calls = fake.totalCalls;
    let err: unknown;
    try {
      runner.launchAicoreKernel(runner.aicoreStream, 0x1000n);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BinaryError);
    expect((err as BinaryError).code).toBe(RunnerErrorCode.InvalidBinary);
    expect((err as Error).message).toMatch(/launchAicoreKernel: .*empty/);
    expect(fake.totalCalls).toBe(calls);
  });

  test('an empty AI CPU program fails before the device is opened', () => {
    const factory = fakeFactory(new FakeHal());
    const runner = new TestRunner({ halFactory: factory }, { aicpu: new Uint8Array(0) });
    expect(() => runner.init()).toThrow(BinaryError);
    expect(factory.opened).toHaveLength(0);
  });

  test('an AI CPU program without the init/run kernels is rejected and the init rolled back', () => {
    const factory = fakeFactory(() => new FakeHal({ aicpuKernels: ['npurun_aicpu_init'] }));
    const runner = new TestRunner({ halFactory: factory });
    expect(() => runner.init()).toThrow(/no kernel named "npurun_aicpu_run"/);
    const fake = factory.devices[0]!;
    expect(fake.calls.destroyStream).toBe(2);
    expect(fake.calls.close).toBe(1);
    expect(runner.memoryStats().liveAllocations).toBe(0);
  });

  test('device init failure rolls back; a retry opens a fresh device', () => {
    let n = 0;
    const factory = fakeFactory(() => {
      const f = new FakeHal();
      if (n++ === 0) f.fail('createStream', { onCall: 2 });
      return f;
    });
    const runner = new TestRunner({ halFactory: factory });
    expect(() => runner.init()).toThrow(expect.objectContaining({ code: 'HAL_INTERNAL' }));
    expect(factory.devices[0]!.calls.destroyStream).toBe(1);
    expect(factory.devices[0]!.isOpen).toBe(false);
    runner.init();
    expect(factory.devices).toHaveLength(2);
    expect(factory.devices[1]!.calls.createStream).toBe(2);
    expect(factory.devices[1]!.calls.loadAicpuProgram).toBe(1);
  });

  test('ensureDeviceInitialized opens once, creates two streams, loads the AI CPU program once', async () => {
    const factory = fakeFactory(new FakeHal());
    const runner = new TestRunner({ halFactory: factory, deviceId: 3, sim: { memoryBytes: 1 << 20 } });
    runner.init();
    runner.init();
    await runner.run({ graph });
    await runner.run({ graph });
    expect(factory.opened).toEqual([{ platform: 'a2a3sim', deviceId: 3, sim: { memoryBytes: 1 << 20 } }]);
    const fake = factory.devices[0]!;
    expect(fake.calls.createStream).toBe(2);
    expect(fake.calls.loadAicpuProgram).toBe(1);
    expect(runner.aicpuStream.id).not.toBe(runner.aicoreStream.id);
  });
});

describe('blockDim and AI CPU threads', () => {
  test('0 or omitted means the arch maximum; explicit values are used', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    expect((await runner.run({ graph })).blockDim).toBe(24);
    expect((await runner.run({ graph, blockDim: 0 })).blockDim).toBe(24);
    expect((await runner.run({ graph, blockDim: 3, aicpuThreads: 2 })).blockDim).toBe(3);
    expect(fake.aicoreLaunches.map((l) => l.blockDim)).toEqual([24, 24, 3]);
    const runLaunches = fake.aicpuLaunches.filter((l) => l.kernelName === 'npurun_aicpu_run');
    expect(runLaunches.map((l) => l.threads)).toEqual([6, 6, 2]);
    expect(fake.aicpuLaunches.filter((l) => l.kernelName === 'npurun_aicpu_init').map((l) => l.threads)).toEqual([1, 1, 1]);
  });

  test('the maximum is bounded by the core counts too', async () => {
    const fake = new FakeHal({ properties: { maxBlockDim: 24, cubeCores: 20, vectorCores: 30 } });
    const runner = makeRunner(fake);
    expect((await runner.run({ graph })).blockDim).toBe(15);
  });

  test.each([25, -1, 1.5, '4', Number.NaN])('blockDim %p is rejected before any launch', async (bad) => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    await expect(runner.run({ graph, blockDim: bad as number })).rejects.toThrow(InvalidArgumentError);
    await expect(runner.run({ graph, blockDim: bad as number })).rejects.toThrow(/run: blockDim must be 0 \(all\) or an integer in \[1, 24\]/);
    expect(fake.calls.launchAicpu + fake.calls.launchAicore + fake.calls.malloc).toBe(0);
  });

  test.each([0, 7, 2.5])('aicpuThreads %p is rejected', async (bad) => {
    const runner = makeRunner(new FakeHal());
    await expect(runner.run({ graph, aicpuThreads: bad })).rejects.toThrow(/aicpuThreads must be an integer in \[1, 6\]/);
  });

  test('launchAicpuKernel passes the KernelArgs by value', () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    const args = new Uint8Array(160).fill(7);
    runner.launchAicpuKernel(runner.aicpuStream, args, 'npurun_aicpu_init', 1);
    args.fill(0);
    expect(fake.aicpuLaunches[0]!.args.every((b) => b === 7)).toBe(true);
  });
});
