import { HalError, HalErrorCode } from '../src/errors';
import { openDevice } from '../src/device';
import type { HalDevice } from '../src/types';

function expectHalError(fn: () => unknown, code: string, op: string, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(HalError);
  const err = caught as HalError;
  expect(err.code).toBe(code);
  expect(err.op).toBe(op);
  if (message) expect(err.message).toMatch(message);
}

describe.each(['a2a3sim', 'a5sim'] as const)('memory on %s', (platform) => {
  let device: HalDevice;
  beforeEach(() => {
    device = openDevice({ platform, sim: { memoryBytes: 64 * 1024 * 1024 } });
  });
  afterEach(() => device.close());

  test('allocations are aligned, distinct and accounted for', () => {
    const align = BigInt(device.properties.allocationAlignment);
    const addrs = [1, 100, 513, 4096].map((n) => device.malloc(n));
    for (const a of addrs) expect(a % align).toBe(0n);
    expect(new Set(addrs).size).toBe(4);
    expect(device.memoryUsage()).toEqual({ liveBytes: 1n + 100n + 513n + 4096n, liveAllocations: 4 });
    for (const a of addrs) device.free(a);
    expect(device.memoryUsage()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
  });

  test('copies round-trip any ArrayBufferView', () => {
    const addr = device.malloc(64);
    device.copyToDevice(addr, new Float64Array([1.5, -2, 3.25, 4, 5, 6, 7, 8]));
    const back = new Float64Array(8);
    device.copyFromDevice(back, addr);
    expect(Array.from(back)).toEqual([1.5, -2, 3.25, 4, 5, 6, 7, 8]);
    // a view into the middle of a larger buffer
    const big = new Uint8Array(100);
    const window = new DataView(big.buffer, 10, 16);
    device.copyFromDevice(window, addr + 8n);
    expect(new Float64Array(big.buffer.slice(10, 26))[0]).toBe(-2);
    device.copyToDevice(addr, Buffer.from([9, 9, 9]));
    const head = new Uint8Array(3);
    device.copyFromDevice(head, addr);
    expect(Array.from(head)).toEqual([9, 9, 9]);
  });

  test('memset sets exactly the range', () => {
    const addr = device.malloc(16);
    device.memset(addr, 0, 16);
    device.memset(addr + 4n, 0xab, 8);
    const back = new Uint8Array(16);
    device.copyFromDevice(back, addr);
    expect(Array.from(back)).toEqual([0, 0, 0, 0, ...Array(8).fill(0xab), 0, 0, 0, 0]);
  });

  test('sizes accept bigint', () => {
    const addr = device.malloc(32n);
    device.memset(addr, 1, 32n);
    device.free(addr);
  });

  test.each([
    ['negative', -1, /non-negative/],
    ['NaN', NaN, /integer/],
    ['fractional', 1.5, /integer/],
    ['a string', '16', /size in bytes/],
    ['above 2^53 as a number', 2 ** 53 + 2, /2\^53-1/],
    ['zero', 0, /at least 1 byte/],
  ])('malloc rejects a size that is %s', (_, size, message) => {
    expectHalError(() => device.malloc(size as number), HalErrorCode.InvalidArgument, 'malloc', message);
    expect(device.memoryUsage().liveAllocations).toBe(0);
  });

  test('an address must be a bigint', () => {
    expectHalError(() => device.free(123 as unknown as bigint), HalErrorCode.InvalidArgument, 'free', /bigint/);
  });

  test('capacity can be exhausted, and memory is usable again after frees', () => {
    const big = device.malloc(48 * 1024 * 1024);
    expectHalError(() => device.malloc(32 * 1024 * 1024), HalErrorCode.OutOfMemory, 'malloc', /out of device memory/);
    expectHalError(() => device.malloc(128 * 1024 * 1024), HalErrorCode.OutOfMemory, 'malloc', /capacity/);
    device.free(big);
    device.free(device.malloc(60 * 1024 * 1024));
    expect(device.memoryUsage().liveAllocations).toBe(0);
  });

  // Large frees are handed back to the host kernel on a thread of the device's own; the range is
  // unusable until then. A malloc that needs it waits for it, and nothing written after the
  // reallocation is lost to the late hand-back.
  test('a large freed range can be allocated again at once, and keeps what is written to it', async () => {
    const size = 40 * 1024 * 1024; // of 64 MiB: the second allocation only fits where the first was
    const first = device.malloc(size);
    device.memset(first, 0xab, size); // resident pages: handing them back takes milliseconds
    device.free(first);
    const second = device.malloc(size);
    device.memset(second, 0x5a, size);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const back = new Uint8Array(size);
    device.copyFromDevice(back, second);
    expect(back.every((b) => b === 0x5a)).toBe(true);
    device.free(second);
  });

  // A freed range is free at once; its hand-back is only queued. Allocated again before the
  // reclaimer reached it, the range's hand-back is called off, so nothing written to it is lost.
  test('a large freed range allocated again before its hand-back keeps what is written to it', async () => {
    const MiB = 1024 * 1024;
    const low = device.malloc(8 * MiB);
    const high = device.malloc(48 * MiB);
    device.memset(low, 0xab, 8 * MiB);
    device.memset(high, 0xab, 48 * MiB); // resident pages: handing them back takes milliseconds
    device.free(high);
    await new Promise((resolve) => setTimeout(resolve, 1)); // the reclaimer is busy with it now
    device.free(low); // queued behind it
    const again = device.malloc(8 * MiB); // the first fit: the low range, not handed back yet
    device.memset(again, 0x5a, 8 * MiB);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const back = new Uint8Array(8 * MiB);
    device.copyFromDevice(back, again);
    expect(back.every((b) => b === 0x5a)).toBe(true);
    device.free(again);
  });

  // Placement must not depend on how far the hand-back got. Placed around the freed half while it
  // is still on its way back, the first third goes into the upper half and the second into the
  // lower one, leaving two gaps of about 11 MiB: the last third no longer fits.
  test('allocations right after a large free are placed as if it had completed at once', () => {
    const half = 32 * 1024 * 1024; // of 64 MiB
    const third = 21 * 1024 * 1024; // three fit end to end, with their guard pages
    for (let round = 0; round < 10; round++) {
      const first = device.malloc(half);
      device.memset(first, 0xab, half); // resident pages: handing them back takes milliseconds
      device.free(first);
      const rest = [device.malloc(third), device.malloc(third), device.malloc(third)];
      for (const addr of rest) device.free(addr);
    }
    expect(device.memoryUsage().liveAllocations).toBe(0);
  });

  test('reset and close right after large frees', () => {
    for (let i = 0; i < 3; i++) {
      const addr = device.malloc(16 * 1024 * 1024);
      device.memset(addr, i, 16 * 1024 * 1024);
      device.free(addr);
    }
    device.reset();
    expect(device.memoryUsage()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
    device.free(device.malloc(60 * 1024 * 1024)); // every range is back after the reset
    const addr = device.malloc(16 * 1024 * 1024);
    device.memset(addr, 1, 16 * 1024 * 1024);
    device.free(addr);
    device.close(); // with the range possibly still on its way back
  });

  test('free of unknown, interior and already-freed addresses fails', () => {
    const addr = device.malloc(1024);
    expectHalError(() => device.free(addr + 16n), HalErrorCode.InvalidAddress, 'free', /inside the allocation/);
    expectHalError(() => device.free(0x1234n), HalErrorCode.InvalidAddress, 'free', /not a live allocation/);
    device.free(addr);
    expectHalError(() => device.free(addr), HalErrorCode.InvalidAddress, 'free', /already freed/);
  });

  test('copies and memset are bounds-checked', () => {
    const addr = device.malloc(100);
    expectHalError(() => device.copyToDevice(addr + 96n, new Uint8Array(8)), HalErrorCode.OutOfBounds, 'copyToDevice', /runs past the end/);
    expectHalError(() => device.copyFromDevice(new Uint8Array(101), addr), HalErrorCode.OutOfBounds, 'copyFromDevice');
    expectHalError(() => device.memset(addr, 0, 101), HalErrorCode.OutOfBounds, 'memset');
    expectHalError(() => device.copyToDevice(0x10n, new Uint8Array(1)), HalErrorCode.InvalidAddress, 'copyToDevice');
    device.free(addr);
    expectHalError(() => device.copyFromDevice(new Uint8Array(1), addr), HalErrorCode.InvalidAddress, 'copyFromDevice');
    expectHalError(() => device.memset(addr, 300, 1), HalErrorCode.InvalidArgument, 'memset', /\[0, 255\]/);
  });

  test('a closed device refuses every operation, and close is idempotent', () => {
    device.malloc(64);
    device.close();
    device.close();
    expect(device.isOpen).toBe(false);
    expectHalError(() => device.malloc(1), HalErrorCode.DeviceClosed, 'malloc', /closed/);
    expectHalError(() => device.createStream(), HalErrorCode.DeviceClosed, 'createStream');
  });

  test('reset frees everything and the device stays usable', () => {
    device.malloc(1000);
    device.malloc(2000);
    device.reset();
    expect(device.memoryUsage()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
    device.free(device.malloc(10));
  });
});

describe('openDevice', () => {
  test('unknown platform', () => {
    expectHalError(() => openDevice({ platform: 'a9sim' as 'a5sim' }), HalErrorCode.InvalidPlatform, 'openDevice', /a9sim/);
  });
  test('bad options', () => {
    expectHalError(() => openDevice({ platform: 'a5sim', deviceId: -1 }), HalErrorCode.InvalidArgument, 'openDevice', /deviceId/);
    expectHalError(() => openDevice({ platform: 'a5sim', sim: { memoryBytes: 1024 } }), HalErrorCode.InvalidArgument, 'openDevice', /1 MiB/);
  });
  test('properties follow the hardware of the arch', () => {
    const a2a3 = openDevice({ platform: 'a2a3sim' });
    const a5 = openDevice({ platform: 'a5sim', deviceId: 3 });
    expect(a2a3.properties).toMatchObject({ arch: 'a2a3', maxBlockDim: 24, cubeCores: 24, vectorCores: 48, aicpuSchedulerThreads: 4, aicpuLaunchThreads: 6, timestampHz: 50e6, pmuCounters: 8, hostMapping: true, simulated: true });
    expect(a5.properties).toMatchObject({ arch: 'a5', deviceId: 3, maxBlockDim: 36, cubeCores: 36, vectorCores: 72, aicpuSchedulerThreads: 7, aicpuLaunchThreads: 7, timestampHz: 1e9, pmuCounters: 10, hostMapping: false });
    a2a3.close();
    a5.close();
  });
  test('two devices have independent memory', () => {
    const d0 = openDevice({ platform: 'a2a3sim', deviceId: 0, sim: { memoryBytes: 8 << 20 } });
    const d1 = openDevice({ platform: 'a2a3sim', deviceId: 1, sim: { memoryBytes: 8 << 20 } });
    const a = d0.malloc(16);
    expectHalError(() => d1.free(a), HalErrorCode.InvalidAddress, 'free');
    d0.close();
    d1.close();
  });
});
