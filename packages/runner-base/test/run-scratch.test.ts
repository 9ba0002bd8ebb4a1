/**
 * The run scratch region: its layout and sizing as pure functions, the region's life against a
 * fake device (grow, shrink, release, a failed allocation), and what a runner does with it.
 */
import { HalError, HalErrorCode } from '@npurun/hal-native';
import { DeviceAllocator, type TaskGraph } from '../src';
import { RunScratch, SCRATCH_MIN_BYTES, SCRATCH_SHRINK_FACTOR, scratchCapacity, scratchLayout } from '../src/run-scratch';
import { FakeHal } from './support/fake-hal';
import { TestKernelArgs, makeRunner } from './support/test-runner';

const kernel = { name: 'add', entry: 'kernel_add', imageAddr: 0x100n, imageSize: 64, coreType: 'vector' as const };
const chain = (tasks: number): TaskGraph => ({ kernels: [kernel], tasks: Array.from({ length: tasks }, (_, i) => ({ kernel: 0, deps: i > 0 ? [i - 1] : [] })) });

describe('scratchLayout', () => {
  test('puts the KernelArgs copy first, then the dispatch block and the image, each on a 64-byte boundary', () => {
    expect(scratchLayout({ kernelArgs: 160, dispatch: 100, image: 312 })).toEqual({ kernelArgs: 0, dispatch: 192, image: 320, bytes: 632 });
  });

  test('an empty dispatch block (hardware) takes no room', () => {
    expect(scratchLayout({ kernelArgs: 128, dispatch: 0, image: 10 })).toEqual({ kernelArgs: 0, dispatch: 128, image: 128, bytes: 138 });
  });
});

describe('scratchCapacity', () => {
  test('starts at the minimum and grows to the next power of two', () => {
    expect(scratchCapacity(1, 0)).toBe(SCRATCH_MIN_BYTES);
    expect(scratchCapacity(SCRATCH_MIN_BYTES, 0)).toBe(SCRATCH_MIN_BYTES);
    expect(scratchCapacity(SCRATCH_MIN_BYTES + 1, SCRATCH_MIN_BYTES)).toBe(2 * SCRATCH_MIN_BYTES);
    expect(scratchCapacity(100_000, 4096)).toBe(131_072);
  });

  test('keeps the current region while the need fits and is not far smaller', () => {
    expect(scratchCapacity(70_000, 131_072)).toBe(131_072);
    expect(scratchCapacity(131_072 / SCRATCH_SHRINK_FACTOR, 131_072)).toBe(131_072);
    expect(scratchCapacity(100, SCRATCH_MIN_BYTES)).toBe(SCRATCH_MIN_BYTES);
  });

  test('gives back a region far larger than the need', () => {
    expect(scratchCapacity(131_072 / SCRATCH_SHRINK_FACTOR - 1, 131_072)).toBe(16_384);
    expect(scratchCapacity(100, 1 << 20)).toBe(SCRATCH_MIN_BYTES);
  });
});

describe('RunScratch', () => {
  function setup(): { fake: FakeHal; allocator: DeviceAllocator; scratch: RunScratch } {
    const fake = new FakeHal();
    const allocator = new DeviceAllocator(fake);
    return { fake, allocator, scratch: new RunScratch(allocator) };
  }

  test('allocates once while the parts fit, and the same parts get the same addresses', () => {
    const { fake, allocator, scratch } = setup();
    const a = scratch.place({ kernelArgs: 160, dispatch: 64, image: 300 });
    const b = scratch.place({ kernelArgs: 160, dispatch: 64, image: 1000 });
    expect(fake.calls.malloc).toBe(1);
    expect(b.kernelArgsAddr).toBe(a.kernelArgsAddr);
    expect(a.imageAddr - a.kernelArgsAddr).toBe(256n);
    expect(a.dispatchAddr - a.kernelArgsAddr).toBe(192n);
    expect(scratch.bytes).toBe(SCRATCH_MIN_BYTES);
    expect(allocator.allocations()).toEqual([{ addr: a.kernelArgsAddr, size: BigInt(SCRATCH_MIN_BYTES), tag: 'runScratch' }]);
  });

  test('a bigger image replaces the region: the old one is freed before the new one is taken', () => {
    const { fake, allocator, scratch } = setup();
    scratch.place({ kernelArgs: 160, dispatch: 0, image: 100 });
    const mark = fake.log.length;
    const big = scratch.place({ kernelArgs: 160, dispatch: 0, image: 50_000 });
    expect(fake.log.slice(mark)).toEqual(['free', 'malloc']);
    expect(scratch.bytes).toBe(65_536);
    expect(allocator.memoryStats()).toEqual({ liveBytes: 65_536n, liveAllocations: 1 });
    // Small again: a region 16 times too large is given back.
    scratch.place({ kernelArgs: 160, dispatch: 0, image: 100 });
    expect(scratch.bytes).toBe(SCRATCH_MIN_BYTES);
    expect(big.imageAddr).not.toBe(0n);
  });

  test('a failed allocation leaves no region and no accounting behind; the next place() tries again', () => {
    const { fake, allocator, scratch } = setup();
    scratch.place({ kernelArgs: 160, dispatch: 0, image: 100 });
    fake.fail('malloc');
    expect(() => scratch.place({ kernelArgs: 160, dispatch: 0, image: 50_000 })).toThrow(HalError);
    expect(scratch.bytes).toBe(0);
    expect(allocator.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
    scratch.place({ kernelArgs: 160, dispatch: 0, image: 50_000 });
    expect(allocator.memoryStats()).toEqual({ liveBytes: 65_536n, liveAllocations: 1 });
  });

  test('release frees the region once', () => {
    const { fake, allocator, scratch } = setup();
    scratch.place({ kernelArgs: 160, dispatch: 0, image: 100 });
    scratch.release();
    scratch.release();
    expect(fake.calls.free).toBe(1);
    expect(allocator.memoryStats().liveAllocations).toBe(0);
  });
});

describe('a runner and its scratch region', () => {
  test('the KernelArgs name the image and dispatch block inside the region, and the AI Core gets the copy at its start', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    await runner.run({ graph: chain(3) });
    // The fake's allocations: the device-wall slot (8 bytes) and the region.
    const regions = [...fake.memory].filter(([, bytes]) => bytes.byteLength === runner.runScratchBytes);
    expect(regions).toHaveLength(1);
    const [base, bytes] = regions[0]!;
    const args = fake.aicpuLaunches[0]!.args;
    const layout = scratchLayout({ kernelArgs: TestKernelArgs.size, dispatch: 0, image: 0 });
    expect(fake.aicoreLaunches[0]!.kernelArgsAddr).toBe(base);
    expect(TestKernelArgs.readField(args, 'regs')).toBe(base + BigInt(layout.dispatch));
    const image = TestKernelArgs.readField(args, 'runtimeArgs');
    expect(image).toBeGreaterThan(base + BigInt(layout.dispatch));
    expect(image).toBeLessThan(base + BigInt(bytes.byteLength));
    // What the AI Core reads there is the struct the AI CPU got by value.
    expect(Buffer.from(fake.read(base, TestKernelArgs.size))).toEqual(Buffer.from(args));
  });

  test('no room for the region: the run fails with the HAL error before anything launches, and the next run works', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    await runner.run({ graph: chain(3) });
    fake.fail('malloc');
    const err = await runner.run({ graph: chain(2000) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HalError);
    expect(err).toMatchObject({ code: HalErrorCode.OutOfMemory });
    expect(fake.calls.launchAicpu).toBe(2); // the first run's two launches only
    expect(runner.isFaulted).toBe(false);
    expect(runner.memoryStats().liveAllocations).toBe(1); // the device-wall slot: the old region went first
    await runner.run({ graph: chain(2000) });
    expect(runner.memoryStats().liveAllocations).toBe(2);
  });

  test('finalize frees the region with the rest', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    await runner.run({ graph: chain(3) });
    expect(runner.runScratchBytes).toBeGreaterThan(0);
    await runner.finalize();
    expect(runner.runScratchBytes).toBe(0);
    expect(fake.memory.size).toBe(0);
  });
});
