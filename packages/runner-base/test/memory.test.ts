import { HalError, type HalDevice } from '@npurun/hal-native';
import { ArenaError, DeviceAllocator, DeviceArena, DeviceMemoryError, InvalidArgumentError, RunnerErrorCode, toByteSize } from '../src';
import { FakeHal } from './support/fake-hal';
import { makeRunner } from './support/test-runner';

describe('toByteSize', () => {
  test('accepts safe non-negative numbers and u64 bigints', () => {
    expect(toByteSize('op', 'size', 0)).toBe(0n);
    expect(toByteSize('op', 'size', Number.MAX_SAFE_INTEGER)).toBe(BigInt(Number.MAX_SAFE_INTEGER));
    expect(toByteSize('op', 'size', (1n << 64n) - 1n)).toBe((1n << 64n) - 1n);
  });

  test.each([-1, -0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '8', null, {}, -1n, 1n << 64n])('rejects %p naming op, param and value', (bad) => {
    let err: unknown;
    try {
      toByteSize('allocateTensor', 'bytes', bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).code).toBe(RunnerErrorCode.InvalidArgument);
    expect((err as InvalidArgumentError).param).toBe('bytes');
    expect((err as Error).message).toMatch(/^allocateTensor: bytes must be/);
  });
});

describe('DeviceAllocator', () => {
  test('tracks live bytes and counts; frees through the device', () => {
    const fake = new FakeHal();
    const a = new DeviceAllocator(fake);
    const x = a.alloc(100);
    const y = a.alloc(28n, 'tensor');
    expect(a.memoryStats()).toEqual({ liveBytes: 128n, liveAllocations: 2 });
    expect(a.info(y)?.tag).toBe('tensor');
    a.free(x);
    expect(a.memoryStats()).toEqual({ liveBytes: 28n, liveAllocations: 1 });
    expect(fake.memory.has(x)).toBe(false);
  });

  test('freeing an unknown or already freed address is a typed error with no device call', () => {
    const fake = new FakeHal();
    const a = new DeviceAllocator(fake);
    const x = a.alloc(64);
    a.free(x);
    const frees = fake.calls.free;
    expect(() => a.free(x)).toThrow(DeviceMemoryError);
    try {
      a.free(0xdead0000n);
    } catch (e) {
      expect((e as DeviceMemoryError).code).toBe(RunnerErrorCode.UnknownAllocation);
      expect((e as Error).message).toContain('0xdead0000');
    }
    expect(fake.calls.free).toBe(frees);
  });

  test('a failing device free keeps the allocation tracked', () => {
    const fake = new FakeHal();
    const a = new DeviceAllocator(fake);
    const x = a.alloc(64);
    fake.fail('free');
    expect(() => a.free(x)).toThrow(HalError);
    expect(a.memoryStats().liveAllocations).toBe(1);
    a.free(x);
    expect(a.memoryStats().liveAllocations).toBe(0);
  });

  test('map/unmap bookkeeping: no free while mapped, freeAll unmaps first', () => {
    const fake = new FakeHal();
    const a = new DeviceAllocator(fake);
    const x = a.alloc(4096);
    const y = a.alloc(4096);
    const m = a.mapToHost(x + 1024n, 1024);
    expect(m.bytes.byteLength).toBe(1024);
    expect(a.mappedAddresses()).toEqual([x + 1024n]);
    expect(() => a.free(x)).toThrow(expect.objectContaining({ code: RunnerErrorCode.StillMapped }));
    expect(() => a.mapToHost(x + 1024n, 16)).toThrow(expect.objectContaining({ code: RunnerErrorCode.MappingState }));
    expect(() => a.mapToHost(0x10n, 16)).toThrow(expect.objectContaining({ code: RunnerErrorCode.UnknownAllocation }));
    expect(() => a.unmapFromHost(y)).toThrow(expect.objectContaining({ code: RunnerErrorCode.MappingState }));
    a.mapToHost(y, 4096);
    a.freeAll();
    expect(fake.calls.unmapFromHost).toBe(2);
    expect(fake.log.lastIndexOf('unmapFromHost')).toBeLessThan(fake.log.indexOf('free'));
    expect(fake.memory.size).toBe(0);
    expect(a.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
  });

  test('freeAll attempts every free and aggregates the failures', () => {
    const fake = new FakeHal();
    const a = new DeviceAllocator(fake);
    for (let i = 0; i < 4; i++) a.alloc(64);
    fake.fail('free', { onCall: 1 });
    fake.fail('free', { onCall: 3 });
    let err: unknown;
    try {
      a.freeAll();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeviceMemoryError);
    expect((err as DeviceMemoryError).code).toBe(RunnerErrorCode.SweepFailed);
    expect((err as DeviceMemoryError).errors).toHaveLength(2);
    expect(fake.calls.free).toBe(4);
    expect(fake.memory.size).toBe(2);
  });

  test.each([5, -1n, 1n << 64n, '0x10000000', undefined, null])('free(%p) is an InvalidArgumentError with no device call', (bad) => {
    const fake = new FakeHal();
    const a = new DeviceAllocator(fake);
    a.alloc(64);
    let err: unknown;
    try {
      a.free(bad as bigint);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).param).toBe('addr');
    expect((err as Error).message).toMatch(/^free: addr must be a device address/);
    expect(fake.calls.free).toBe(0);
    expect(a.memoryStats()).toEqual({ liveBytes: 64n, liveAllocations: 1 });
  });

  test('free of a live address given as a number is an InvalidArgumentError, not a free', () => {
    const fake = new FakeHal();
    const a = new DeviceAllocator(fake);
    const x = a.alloc(64);
    expect(() => a.free(Number(x) as unknown as bigint)).toThrow(InvalidArgumentError);
    expect(fake.calls.free).toBe(0);
    expect(a.has(x)).toBe(true);
  });

  test.each([-1, 1.5, Number.NaN, 2 ** 53, '8', null, -1n, 1n << 64n])('alloc(%p) is an InvalidArgumentError with no device call', (bad) => {
    const fake = new FakeHal();
    const a = new DeviceAllocator(fake);
    let err: unknown;
    try {
      a.alloc(bad as number);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).param).toBe('size');
    expect((err as Error).message).toMatch(/^alloc: size must be/);
    expect(fake.calls.malloc).toBe(0);
    expect(a.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
  });

  test('number and bigint sizes are both recorded as bigints', () => {
    const fake = new FakeHal();
    const a = new DeviceAllocator(fake);
    const x = a.alloc(100, 'n');
    const y = a.alloc(28n, 'b');
    expect(a.allocations()).toEqual([
      { addr: x, size: 100n, tag: 'n' },
      { addr: y, size: 28n, tag: 'b' },
    ]);
    expect(fake.memory.get(x)!.byteLength).toBe(100);
    expect(fake.memory.get(y)!.byteLength).toBe(28);
  });

  test('the books are the same whichever allocation is freed first; every alloc/free is one device call', () => {
    const fake = new FakeHal();
    const a = new DeviceAllocator(fake);
    const x = a.alloc(10, 'x');
    const y = a.alloc(20, 'y');
    const z = a.alloc(30, 'z');
    expect(a.allocations().map((i) => i.addr)).toEqual([x, y, z]);
    expect([a.has(x), a.has(y), a.has(z)]).toEqual([true, true, true]);
    expect(a.info(z)).toEqual({ addr: z, size: 30n, tag: 'z' });
    expect(a.memoryStats()).toEqual({ liveBytes: 60n, liveAllocations: 3 });
    a.free(y); // a middle one
    expect(a.allocations().map((i) => i.addr)).toEqual([x, z]);
    expect(a.memoryStats()).toEqual({ liveBytes: 40n, liveAllocations: 2 });
    a.free(z); // the newest
    expect(a.has(z)).toBe(false);
    expect(a.info(z)).toBeUndefined();
    expect(a.memoryStats()).toEqual({ liveBytes: 10n, liveAllocations: 1 });
    expect(() => a.free(z)).toThrow(expect.objectContaining({ code: RunnerErrorCode.UnknownAllocation }));
    const w = a.alloc(40, 'w');
    expect(a.allocations().map((i) => i.addr)).toEqual([x, w]);
    a.free(x); // the oldest, while a newer one is live
    expect(a.allocations()).toEqual([{ addr: w, size: 40n, tag: 'w' }]);
    expect(a.memoryStats()).toEqual({ liveBytes: 40n, liveAllocations: 1 });
    for (let i = 0; i < 10; i++) a.free(a.alloc(64));
    a.free(w);
    expect(a.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
    expect(a.allocations()).toEqual([]);
    expect(fake.calls.malloc).toBe(14);
    expect(fake.calls.free).toBe(14);
    expect(fake.memory.size).toBe(0);
  });

  test('memoryStats stays exact beyond 2^53 bytes', () => {
    let next = 0x1000n;
    const device = {
      malloc: () => (next += 0x1000n),
      free: () => undefined,
    } as unknown as HalDevice;
    const a = new DeviceAllocator(device);
    const big = 1n << 60n;
    const x = a.alloc(big);
    const y = a.alloc(big + 1n);
    const z = a.alloc(Number.MAX_SAFE_INTEGER);
    expect(a.memoryStats()).toEqual({ liveBytes: 2n * big + 1n + BigInt(Number.MAX_SAFE_INTEGER), liveAllocations: 3 });
    a.free(z);
    expect(a.memoryStats()).toEqual({ liveBytes: 2n * big + 1n, liveAllocations: 2 });
    a.free(x);
    expect(a.memoryStats()).toEqual({ liveBytes: big + 1n, liveAllocations: 1 });
    a.alloc(3);
    a.free(y);
    expect(a.memoryStats()).toEqual({ liveBytes: 3n, liveAllocations: 1 });
  });

  test('the newest allocation: still mapped, failing free, mapping inside it', () => {
    const fake = new FakeHal();
    const a = new DeviceAllocator(fake);
    const x = a.alloc(4096);
    a.mapToHost(x + 16n, 64);
    expect(() => a.free(x)).toThrow(expect.objectContaining({ code: RunnerErrorCode.StillMapped }));
    a.unmapFromHost(x + 16n);
    fake.fail('free');
    expect(() => a.free(x)).toThrow(HalError);
    expect(a.has(x)).toBe(true);
    expect(a.memoryStats()).toEqual({ liveBytes: 4096n, liveAllocations: 1 });
    a.free(x);
    expect(a.has(x)).toBe(false);
    expect(fake.memory.size).toBe(0);
  });

  test('generation changes with every change to the live allocations, abandonAll included, and never repeats', () => {
    let next = 0x1000n;
    const device = { malloc: () => (next += 0x1000n), free: () => undefined } as unknown as HalDevice;
    const a = new DeviceAllocator(device);
    const b = new DeviceAllocator(device);
    const seen = [a.generation, b.generation];
    const step = (allocator: DeviceAllocator, change: () => void): void => {
      const before = allocator.generation;
      allocator.memoryStats(); // reading changes nothing
      expect(allocator.generation).toBe(before);
      change();
      seen.push(allocator.generation);
    };
    const x = a.alloc(1);
    seen.push(a.generation);
    step(a, () => a.alloc(2));
    step(b, () => b.alloc(3));
    step(a, () => a.free(x));
    step(a, () => a.freeAll());
    step(b, () => b.abandonAll());
    expect(new Set(seen).size).toBe(seen.length);
  });

  test('freeAll frees oldest first, the newest included; abandonAll forgets the newest too', () => {
    let next = 0x1000n;
    const freed: bigint[] = [];
    const device = {
      malloc: () => (next += 0x1000n),
      free: (addr: bigint) => void freed.push(addr),
    } as unknown as HalDevice;
    const a = new DeviceAllocator(device);
    const addrs = [a.alloc(1), a.alloc(2), a.alloc(3)];
    a.freeAll();
    expect(freed).toEqual(addrs);
    expect(a.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
    const b = a.alloc(8);
    a.alloc(9);
    a.abandonAll();
    expect(a.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
    expect(a.allocations()).toEqual([]);
    expect(a.has(b)).toBe(false);
    expect(() => a.free(b)).toThrow(expect.objectContaining({ code: RunnerErrorCode.UnknownAllocation }));
  });

  test('mapToHost on an arch without host mapping passes the HAL error through, unrecorded', () => {
    const fake = new FakeHal({ properties: { hostMapping: false, arch: 'a5', platform: 'a5sim' } });
    const a = new DeviceAllocator(fake);
    const x = a.alloc(64);
    expect(() => a.mapToHost(x, 64)).toThrow(expect.objectContaining({ code: 'HAL_UNSUPPORTED' }));
    expect(a.mappedAddresses()).toEqual([]);
  });
});

describe('DeviceArena', () => {
  test('reserve makes no device call; commit makes one allocation; commit is idempotent', () => {
    const fake = new FakeHal();
    const arena = new DeviceArena(new DeviceAllocator(fake), 512);
    arena.reserve(1000);
    expect(fake.totalCalls).toBe(0);
    expect(arena.isCommitted).toBe(false);
    expect(arena.base).toBeNull();
    expect(arena.size).toBe(1000n);
    const base = arena.commit();
    expect(arena.commit()).toBe(base);
    expect(fake.calls.malloc).toBe(1);
    expect(arena.isCommitted).toBe(true);
    expect(arena.size).toBe(1000n);
  });

  test('alignment above the device granularity pads by align-1 and aligns the base forward', () => {
    const fake = new FakeHal();
    const arena = new DeviceArena(new DeviceAllocator(fake), 512);
    arena.reserve(1000);
    const base = arena.commit(4096);
    expect(base % 4096n).toBe(0n);
    const [raw] = [...fake.memory.keys()];
    expect(fake.memory.get(raw!)!.byteLength).toBe(1000 + 4095);
    expect(base).toBeGreaterThanOrEqual(raw!);
    expect(base + 1000n).toBeLessThanOrEqual(raw! + BigInt(1000 + 4095));
  });

  test('alignment at or below the device granularity needs no padding', () => {
    const fake = new FakeHal();
    const arena = new DeviceArena(new DeviceAllocator(fake), 512);
    arena.reserve(1000, 256);
    arena.commit(512);
    expect([...fake.memory.values()][0]!.byteLength).toBe(1000);
  });

  test('release is idempotent and safe on a never-committed arena', () => {
    const fake = new FakeHal();
    const arena = new DeviceArena(new DeviceAllocator(fake));
    arena.release();
    arena.release();
    expect(fake.totalCalls).toBe(0);
    arena.reserve(64);
    arena.commit();
    arena.release();
    arena.release();
    expect(fake.calls.free).toBe(1);
    expect(arena.base).toBeNull();
    // can commit again after release
    arena.commit();
    expect(arena.isCommitted).toBe(true);
  });

  test('commit without a reservation, or reserve while committed, are state errors', () => {
    const fake = new FakeHal();
    const arena = new DeviceArena(new DeviceAllocator(fake));
    expect(() => arena.commit()).toThrow(expect.objectContaining({ code: RunnerErrorCode.ArenaState }));
    arena.reserve(64);
    arena.commit();
    expect(() => arena.reserve(128)).toThrow(expect.objectContaining({ code: RunnerErrorCode.ArenaState }));
  });

  test('a failing allocation leaves the arena uncommitted', () => {
    const fake = new FakeHal();
    const arena = new DeviceArena(new DeviceAllocator(fake));
    arena.reserve(64);
    fake.fail('malloc');
    expect(() => arena.commit()).toThrow(ArenaError);
    expect(arena.isCommitted).toBe(false);
    expect(arena.commit()).not.toBeNull();
  });

  test.each([0, 3, 1.5, -8, 2 ** 31])('rejects alignment %p', (align) => {
    const arena = new DeviceArena(new DeviceAllocator(new FakeHal()));
    expect(() => arena.reserve(64, align)).toThrow(InvalidArgumentError);
  });
});

describe('runner memory API', () => {
  test('allocateTensor / copy / freeTensor and memoryStats', () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    expect(runner.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
    const t = runner.allocateTensor(64);
    runner.copyToDevice(t, new Float32Array(16).fill(2.5));
    const back = new Float32Array(16);
    runner.copyFromDevice(back, t);
    expect([...back]).toEqual(new Array(16).fill(2.5));
    expect(runner.memoryStats()).toEqual({ liveBytes: 64n, liveAllocations: 1 });
    runner.freeTensor(t);
    expect(runner.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
  });

  test('freeTensor refuses arena regions and unknown addresses', () => {
    const runner = makeRunner(new FakeHal());
    runner.setupStaticArena(1024, 1024, 0);
    const heap = runner.acquirePooledGmHeap()!;
    expect(() => runner.freeTensor(heap)).toThrow(expect.objectContaining({ code: RunnerErrorCode.UnknownAllocation }));
    expect(() => runner.freeTensor(42n)).toThrow(expect.objectContaining({ code: RunnerErrorCode.UnknownAllocation }));
    expect(() => runner.freeTensor(42 as unknown as bigint)).toThrow(InvalidArgumentError);
    expect(runner.acquirePooledGmHeap()).toBe(heap);
  });

  test.each([-1, 1.5, Number.NaN, '64', 2 ** 53])('allocateTensor rejects %p before opening the device', (bad) => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    expect(() => runner.allocateTensor(bad as number)).toThrow(/allocateTensor: bytes must be/);
    expect(fake.totalCalls).toBe(0);
  });
});
