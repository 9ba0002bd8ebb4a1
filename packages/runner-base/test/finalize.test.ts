import { RunnerFinalizedError, TeardownError, type TaskGraph } from '../src';
import { FakeHal } from './support/fake-hal';
import { makeRunner } from './support/test-runner';

const graph: TaskGraph = { kernels: [{ name: 'k', entry: 'k', imageAddr: 0x100n, imageSize: 64, coreType: 'cube' }], tasks: [{ kernel: 0 }] };

describe('finalize', () => {
  test('releases arenas, tensors, callables, mappings and streams, then resets and closes the device', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    runner.setupStaticArena(1024, 1024, 1024);
    runner.allocateTensor(100);
    runner.prepareCallable(0, { kernels: [{ name: 'k', image: new Uint8Array(10).fill(1), coreType: 'cube' }], orchestrate: () => ({ tasks: [{ kernel: 0 }] }) });
    await runner.runPrepared(0, undefined);
    expect(runner.aicoreRegistrations).toBe(1);
    const mark = fake.log.length;
    await runner.finalize();
    const log = fake.log.slice(mark);
    expect(fake.memory.size).toBe(0);
    expect(fake.calls.destroyStream).toBe(2);
    expect(fake.calls.reset).toBe(1);
    expect(fake.calls.close).toBe(1);
    expect(log.indexOf('destroyStream')).toBeLessThan(log.indexOf('free'));
    expect(log.lastIndexOf('free')).toBeLessThan(log.indexOf('reset'));
    expect(log.filter((op) => op === 'free')).toHaveLength(7); // 3 arenas, tensor, callable copy, device-wall slot, run scratch
    expect(runner.isFinalized).toBe(true);
    expect(runner.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
  });

  test('is idempotent: a second (or concurrent) call does nothing more and does not throw', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    runner.allocateTensor(8);
    await Promise.all([runner.finalize(), runner.finalize()]);
    await runner.finalize();
    expect(fake.calls.reset).toBe(1);
    expect(runner.finalizeArchCalls).toBe(1);
  });

  test('on a runner that never opened the device makes no device call', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    await runner.finalize();
    expect(fake.totalCalls).toBe(0);
    expect(runner.isFinalized).toBe(true);
  });

  test('every use after finalize throws RUNNER_FINALIZED naming the operation', async () => {
    const runner = makeRunner(new FakeHal());
    const t = runner.allocateTensor(8);
    await runner.finalize();
    const cases: [string, () => unknown][] = [
      ['allocateTensor', () => runner.allocateTensor(8)],
      ['freeTensor', () => runner.freeTensor(t)],
      ['copyToDevice', () => runner.copyToDevice(t, new Uint8Array(1))],
      ['copyFromDevice', () => runner.copyFromDevice(new Uint8Array(1), t)],
      ['setupStaticArena', () => runner.setupStaticArena(1, 1, 1)],
      ['acquirePooledGmSm', () => runner.acquirePooledGmSm()],
      ['acquirePooledRuntimeArena', () => runner.acquirePooledRuntimeArena()],
      ['prepareCallable', () => runner.prepareCallable(0, { kernels: [], orchestrate: () => ({ tasks: [] }) })],
      ['unregisterCallable', () => runner.unregisterCallable(0)],
      ['hasCallable', () => runner.hasCallable(0)],
      ['launchAicoreKernel', () => runner.launchAicoreKernel({ id: 1, alive: true, synchronize: async () => undefined, destroy: () => undefined }, 1n)],
      ['deviceProperties', () => runner.deviceProperties],
    ];
    for (const [op, call] of cases) {
      let err: unknown;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RunnerFinalizedError);
      expect((err as RunnerFinalizedError).code).toBe('RUNNER_FINALIZED');
      expect((err as Error).message).toBe(`${op}: the runner was finalized; create a new runner`);
    }
    await expect(runner.run({ graph })).rejects.toThrow(RunnerFinalizedError);
    await expect(runner.runPrepared(0, {})).rejects.toThrow(RunnerFinalizedError);
    expect(runner.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
  });

  test('every step is attempted when some fail; the failures are aggregated', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake, {}, { failFinalizeArch: true });
    runner.allocateTensor(8);
    runner.allocateTensor(8);
    fake.fail('destroyStream', { onCall: 1 });
    fake.fail('free', { onCall: 1 });
    let err: unknown;
    try {
      await runner.finalize();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TeardownError);
    const errors = (err as TeardownError).errors.map((e) => (e as Error).message);
    expect(errors).toEqual(expect.arrayContaining(['finalizeArch failed (injected)', 'destroyStream: injected failure']));
    expect(errors.some((m) => m.includes('freeAll'))).toBe(true);
    expect(fake.calls.destroyStream).toBe(2);
    expect(fake.calls.free).toBe(2);
    expect(fake.calls.reset).toBe(1);
    expect(fake.calls.close).toBe(1);
    expect(runner.isFinalized).toBe(true);
    await expect(runner.finalize()).resolves.toBeUndefined();
  });

  test('waits for an in-flight run before tearing down', async () => {
    const fake = new FakeHal({ onAicoreLaunch: () => ({ durationMs: 40 }) });
    const runner = makeRunner(fake);
    const run = runner.run({ graph });
    await Promise.resolve();
    const fin = runner.finalize();
    expect(runner.isFinalized).toBe(true);
    await expect(runner.run({ graph })).rejects.toThrow(RunnerFinalizedError);
    await expect(run).resolves.toBeDefined();
    await fin;
    expect(fake.log.indexOf('reset')).toBeGreaterThan(fake.log.lastIndexOf('synchronize'));
  });

  test('await using finalizes at the end of the scope', async () => {
    const fake = new FakeHal();
    {
      await using runner = makeRunner(fake);
      runner.allocateTensor(16);
    }
    expect(fake.calls.reset).toBe(1);
    expect(fake.memory.size).toBe(0);
  });
});
