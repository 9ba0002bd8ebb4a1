import { ArenaError, DeviceAllocator, InvalidArgumentError, RunnerErrorCode, RunnerFinalizedError, StaticArenas } from '../src';
import { FakeHal } from './support/fake-hal';
import { makeRunner } from './support/test-runner';

const MiB = 1024 * 1024;

function setup(): { fake: FakeHal; runner: ReturnType<typeof makeRunner> } {
  const fake = new FakeHal();
  const runner = makeRunner(fake);
  runner.init();
  return { fake, runner };
}

function mallocAndFree(fake: FakeHal): { malloc: number; free: number } {
  return { malloc: fake.calls.malloc, free: fake.calls.free };
}

describe('setupStaticArena', () => {
  test('commits three separate allocations and exposes their bases', () => {
    const { fake, runner } = setup();
    runner.setupStaticArena(4 * MiB, 2 * MiB, 1 * MiB);
    const heap = runner.acquirePooledGmHeap();
    const sm = runner.acquirePooledGmSm();
    const rt = runner.acquirePooledRuntimeArena();
    expect(heap).not.toBeNull();
    expect(sm).not.toBeNull();
    expect(rt).not.toBeNull();
    expect(new Set([heap, sm, rt]).size).toBe(3);
    expect(fake.calls.malloc).toBe(3);
    expect(fake.memory.get(heap!)?.byteLength).toBe(4 * MiB);
    expect(fake.memory.get(sm!)?.byteLength).toBe(2 * MiB);
    expect(fake.memory.get(rt!)?.byteLength).toBe(1 * MiB);
    expect(runner.memoryStats().liveBytes).toBe(BigInt(7 * MiB));
    expect(runner.memoryStats().liveAllocations).toBe(3);
  });

  test('acquire* return null before any setup', () => {
    const { runner } = setup();
    expect(runner.acquirePooledGmHeap()).toBeNull();
    expect(runner.acquirePooledGmSm()).toBeNull();
    expect(runner.acquirePooledRuntimeArena()).toBeNull();
  });

  test('same or smaller sizes make zero device calls', () => {
    const { fake, runner } = setup();
    runner.setupStaticArena(4 * MiB, 2 * MiB, 1 * MiB);
    const bases = [runner.acquirePooledGmHeap(), runner.acquirePooledGmSm(), runner.acquirePooledRuntimeArena()];
    const before = fake.totalCalls;
    for (let i = 0; i < 10; i++) runner.setupStaticArena(4 * MiB, 2 * MiB, 1 * MiB);
    runner.setupStaticArena(1 * MiB, 1, 512); // smaller everywhere
    runner.setupStaticArena(4n * BigInt(MiB), 2n * BigInt(MiB), 1n * BigInt(MiB)); // bigint sizes
    expect(fake.totalCalls).toBe(before);
    expect([runner.acquirePooledGmHeap(), runner.acquirePooledGmSm(), runner.acquirePooledRuntimeArena()]).toEqual(bases);
  });

  test('growing one region re-commits that region only', () => {
    const { fake, runner } = setup();
    runner.setupStaticArena(4 * MiB, 2 * MiB, 1 * MiB);
    const heap = runner.acquirePooledGmHeap();
    const rt = runner.acquirePooledRuntimeArena();
    const oldSm = runner.acquirePooledGmSm()!;
    const before = mallocAndFree(fake);
    runner.setupStaticArena(4 * MiB, 3 * MiB, 1 * MiB);
    expect(mallocAndFree(fake)).toEqual({ malloc: before.malloc + 1, free: before.free + 1 });
    expect(fake.memory.has(oldSm)).toBe(false);
    expect(runner.acquirePooledGmHeap()).toBe(heap);
    expect(runner.acquirePooledRuntimeArena()).toBe(rt);
    expect(fake.memory.get(runner.acquirePooledGmSm()!)?.byteLength).toBe(3 * MiB);
    // and the grown size is now the cached one: asking for it again is free
    const calls = fake.totalCalls;
    runner.setupStaticArena(4 * MiB, 3 * MiB, 1 * MiB);
    expect(fake.totalCalls).toBe(calls);
  });

  test('runtimeArenaSize 0 releases the runtime arena and keeps it uncommitted', () => {
    const { fake, runner } = setup();
    runner.setupStaticArena(MiB, MiB, MiB);
    const rt = runner.acquirePooledRuntimeArena()!;
    runner.setupStaticArena(MiB, MiB, 0);
    expect(runner.acquirePooledRuntimeArena()).toBeNull();
    expect(fake.memory.has(rt)).toBe(false);
    expect(runner.memoryStats().liveAllocations).toBe(2);
    const calls = fake.totalCalls;
    runner.setupStaticArena(MiB, MiB, 0);
    expect(fake.totalCalls).toBe(calls);
    // and a later non-zero request commits it again
    runner.setupStaticArena(MiB, MiB, 2 * MiB);
    expect(runner.acquirePooledRuntimeArena()).not.toBeNull();
  });

  test('heap/sm of 0 on an uncommitted region commit nothing', () => {
    const { fake, runner } = setup();
    runner.setupStaticArena(0, 0, 0);
    expect(fake.calls.malloc).toBe(0);
    expect(runner.acquirePooledGmHeap()).toBeNull();
    expect(runner.acquirePooledGmSm()).toBeNull();
  });

  test.each([
    ['gmHeap', 1],
    ['gmSm', 2],
    ['runtimeArena', 3],
  ] as const)('a failure committing %s (malloc #%i) releases all three and zeroes the sizes', (region, mallocNo) => {
    const { fake, runner } = setup();
    fake.fail('malloc', { onCall: mallocNo });
    let err: unknown;
    try {
      runner.setupStaticArena(MiB, MiB, MiB);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ArenaError);
    const arenaErr = err as ArenaError;
    expect(arenaErr.code).toBe(RunnerErrorCode.ArenaFailed);
    expect(arenaErr.region).toBe(region);
    expect(arenaErr.message).toContain(region);
    expect(arenaErr.releaseErrors).toEqual([]);
    expect(fake.memory.size).toBe(0);
    expect(runner.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
    expect(runner.acquirePooledGmHeap()).toBeNull();
    expect(runner.acquirePooledGmSm()).toBeNull();
    expect(runner.acquirePooledRuntimeArena()).toBeNull();
    // every region committed before the failure was freed
    expect(fake.calls.free).toBe(mallocNo - 1);
  });

  test('a failure releases regions committed by earlier successful calls too', () => {
    const { fake, runner } = setup();
    runner.setupStaticArena(MiB, MiB, MiB);
    fake.fail('malloc'); // the next commit: gmSm grows
    expect(() => runner.setupStaticArena(MiB, 2 * MiB, MiB)).toThrow(ArenaError);
    expect(fake.memory.size).toBe(0);
    expect(runner.acquirePooledGmHeap()).toBeNull();
    expect(runner.acquirePooledRuntimeArena()).toBeNull();
  });

  test('cached sizes are 0 after a failure: the same sizes commit again on retry', () => {
    const { fake, runner } = setup();
    runner.setupStaticArena(MiB, MiB, MiB);
    fake.fail('malloc');
    expect(() => runner.setupStaticArena(2 * MiB, MiB, MiB)).toThrow(ArenaError);
    const mallocs = fake.calls.malloc;
    runner.setupStaticArena(MiB, MiB, MiB); // would be free if the old sizes were still cached
    expect(fake.calls.malloc).toBe(mallocs + 3);
    expect(runner.memoryStats().liveAllocations).toBe(3);
  });

  test('retry with a smaller layout succeeds after running out of memory', () => {
    const fake = new FakeHal({ properties: { memoryBytes: BigInt(8 * MiB) } });
    const runner = makeRunner(fake);
    expect(() => runner.setupStaticArena(4 * MiB, 4 * MiB, 4 * MiB)).toThrow(ArenaError);
    expect(fake.memory.size).toBe(0);
    runner.setupStaticArena(2 * MiB, 2 * MiB, 2 * MiB);
    expect(runner.acquirePooledRuntimeArena()).not.toBeNull();
    expect(runner.memoryStats().liveBytes).toBe(BigInt(6 * MiB));
  });

  test('every release is attempted during rollback and failures are aggregated', () => {
    const { fake, runner } = setup();
    runner.setupStaticArena(MiB, MiB, MiB);
    const heap = runner.acquirePooledGmHeap()!;
    const rt = runner.acquirePooledRuntimeArena()!;
    // gmSm grows: its old region is released (free #1), the new commit fails; rollback then frees
    // gmHeap (free #2, fails) and runtimeArena (free #3, must still be attempted).
    fake.fail('malloc');
    fake.fail('free', { onCall: 2, error: new Error('heap free refused') });
    let err: ArenaError | undefined;
    try {
      runner.setupStaticArena(MiB, 2 * MiB, MiB);
    } catch (e) {
      err = e as ArenaError;
    }
    expect(err).toBeInstanceOf(ArenaError);
    expect(err!.region).toBe('gmSm');
    expect(err!.releaseErrors).toHaveLength(1);
    expect((err!.releaseErrors[0] as Error).message).toBe('heap free refused');
    expect(err!.message).toContain('heap free refused');
    expect(fake.calls.free).toBe(3);
    expect(fake.memory.has(rt)).toBe(false);
    expect(fake.memory.has(heap)).toBe(true); // the refused one is still live ...
    expect(runner.memoryStats().liveAllocations).toBe(1); // ... and still counted, for finalize's sweep
    expect(runner.acquirePooledGmHeap()).toBeNull();
    // the runner stays usable
    runner.setupStaticArena(MiB, MiB, 0);
    expect(runner.acquirePooledGmHeap()).not.toBeNull();
  });

  test.each<[unknown, string]>([
    [-1, 'negative'],
    [Number.NaN, 'NaN'],
    [1.5, 'non-integer'],
    ['1024', 'string'],
    [2 ** 53, 'unsafe number'],
    [-1n, 'negative bigint'],
    [1n << 64n, 'bigint beyond u64'],
    [undefined, 'undefined'],
  ])('rejects %p (%s) before any device call', (bad, _kind) => {
    const { fake, runner } = setup();
    runner.setupStaticArena(MiB, MiB, MiB);
    const calls = fake.totalCalls;
    for (const args of [
      [bad, MiB, MiB],
      [MiB, bad, MiB],
      [MiB, MiB, bad],
    ]) {
      let err: unknown;
      try {
        (runner.setupStaticArena as (...a: unknown[]) => void)(...args);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).code).toBe('RUNNER_INVALID_ARGUMENT');
      expect((err as Error).message).toMatch(/setupStaticArena: (gmHeapSize|gmSmSize|runtimeArenaSize) must be/);
    }
    expect(fake.totalCalls).toBe(calls);
    expect(runner.acquirePooledGmHeap()).not.toBeNull();
  });

  test('finalize releases the arenas and resets the cached sizes', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    runner.setupStaticArena(MiB, MiB, MiB);
    await runner.finalize();
    expect(fake.memory.size).toBe(0);
    expect(fake.calls.free).toBe(3);
    expect(fake.calls.reset).toBe(1);
    expect(runner.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
    expect(() => runner.setupStaticArena(MiB, MiB, MiB)).toThrow(RunnerFinalizedError);
    expect(() => runner.acquirePooledGmHeap()).toThrow(RunnerFinalizedError);
  });

  test('releaseAll (what finalizeCommon calls) releases every region and zeroes the cached sizes', () => {
    const fake = new FakeHal();
    const arenas = new StaticArenas(new DeviceAllocator(fake), fake.properties.allocationAlignment);
    arenas.setup(MiB, 2 * MiB, 3 * MiB);
    expect(arenas.sizes()).toEqual({ gmHeap: BigInt(MiB), gmSm: BigInt(2 * MiB), runtimeArena: BigInt(3 * MiB) });
    arenas.releaseAll();
    expect(arenas.sizes()).toEqual({ gmHeap: 0n, gmSm: 0n, runtimeArena: 0n });
    expect(fake.memory.size).toBe(0);
    const mallocs = fake.calls.malloc;
    arenas.setup(MiB, 2 * MiB, 3 * MiB);
    expect(fake.calls.malloc).toBe(mallocs + 3);
  });
});
