// synchronizeStreams: one wait for several streams, in order, under one deadline; every stream is
// waited for even after one fails, and the rejection says which stream failed and which timed out.
import { HalErrorCode } from '../src/errors';
import { openDevice } from '../src/device';
import type { AicpuProgram, HalDevice, StreamsSyncError } from '../src/types';
import { testProgram } from './support/programs';
import { rejection } from './support/rejection';

let aicpuKernels: Uint8Array;

beforeAll(async () => {
  aicpuKernels = await testProgram('aicpu_kernels');
});

describe.each(['a2a3sim', 'a5sim'] as const)('synchronizeStreams on %s', (platform) => {
  let device: HalDevice;
  let program: AicpuProgram;
  beforeEach(() => {
    device = openDevice({ platform, sim: { memoryBytes: 64 * 1024 * 1024 } });
    program = device.loadAicpuProgram(aicpuKernels);
  });
  afterEach(() => device.close());

  const sleep = (ms: number): BigUint64Array => new BigUint64Array([BigInt(ms)]);

  test('resolves once every stream has finished its work', async () => {
    const a = device.createStream();
    const b = device.createStream();
    const out = device.malloc(64);
    device.launchAicpu(a, program, 'sleep_ms', 1, sleep(30));
    device.launchAicpu(b, program, 'sleep_ms', 1, sleep(10));
    device.launchAicpu(b, program, 'record_identity', 1, new BigUint64Array([out]));
    const started = Date.now();
    await device.synchronizeStreams([a, b], 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25); // it waited for the slower stream
    const ids = new Uint32Array(2);
    device.copyFromDevice(ids, out);
    expect(Array.from(ids)).toEqual([0, 1]); // b's last launch ran before the promise settled
  });

  test('idle streams and an empty list resolve', async () => {
    const a = device.createStream();
    await expect(device.synchronizeStreams([a, device.createStream()], 0)).resolves.toBeUndefined();
    await expect(device.synchronizeStreams([], 0)).resolves.toBeUndefined();
    device.launchAicpu(a, program, 'sleep_ms', 1, sleep(1));
    await device.synchronizeStreams([a], 10_000);
    await expect(device.synchronizeStreams([a], 0)).resolves.toBeUndefined();
  });

  test('a failure names its stream; later streams are still waited for; the failed stream recovers', async () => {
    const a = device.createStream();
    const b = device.createStream();
    const out = device.malloc(64);
    device.launchAicpu(a, program, 'fail_on_thread_one', 2, new Uint8Array(8));
    device.launchAicpu(b, program, 'sleep_ms', 1, sleep(40));
    device.launchAicpu(b, program, 'record_identity', 1, new BigUint64Array([out]));
    const err = await rejection<StreamsSyncError>(device.synchronizeStreams([a, b], 10_000));
    expect(err.code).toBe(HalErrorCode.KernelFailed);
    expect(err.backendCode).toBe(42);
    expect(err.stream).toBe(a);
    expect(err.timedOut).toEqual([]);
    // b's work had finished by the time the failure was reported.
    const ids = new Uint32Array(2);
    device.copyFromDevice(ids, out);
    expect(Array.from(ids)).toEqual([0, 1]);
    await device.synchronizeStreams([a, b], 10_000); // the failure was reported once
  });

  test('a wait settles once its own work is done, while a later wait on the stream needs more', async () => {
    const a = device.createStream();
    const out = device.malloc(64);
    device.memset(out, 0, 64);
    device.launchAicpu(a, program, 'sleep_ms', 1, sleep(20));
    const first = device.synchronizeStreams([a], 10_000); // needs the first item only
    device.launchAicpu(a, program, 'sleep_ms', 1, sleep(400));
    device.launchAicpu(a, program, 'record_identity', 1, new BigUint64Array([out]));
    const second = device.synchronizeStreams([a], 10_000); // needs all three
    await first;
    const ids = new Uint32Array(2);
    device.copyFromDevice(ids, out);
    expect(Array.from(ids)).toEqual([0, 0]); // the later work had not ended: no signal was held back for it
    await second;
    device.copyFromDevice(ids, out);
    expect(Array.from(ids)).toEqual([0, 1]);
  });

  test('a wait for two streams settles when the later one ends, whichever of them it is', async () => {
    for (const [first, second] of [
      [5, 40],
      [40, 5],
    ] as const) {
      const a = device.createStream();
      const b = device.createStream();
      const out = device.malloc(64);
      device.launchAicpu(a, program, 'sleep_ms', 1, sleep(first));
      device.launchAicpu(a, program, 'record_identity', 1, new BigUint64Array([out]));
      device.launchAicpu(b, program, 'sleep_ms', 1, sleep(second));
      device.launchAicpu(b, program, 'record_identity', 1, new BigUint64Array([out + 8n]));
      await device.synchronizeStreams([a, b], 10_000);
      const ids = new Uint32Array(4);
      device.copyFromDevice(ids, out);
      expect(Array.from(ids)).toEqual([0, 1, 0, 1]); // both streams' last items had run
      device.free(out);
    }
  });

  test.each(['before', 'after'] as const)(
    'a stream that a one-stream wait shares with a two-stream wait made %s it still wakes the one-stream wait',
    async (order) => {
      const a = device.createStream();
      const b = device.createStream();
      const out = device.malloc(64);
      device.memset(out, 0, 64);
      device.launchAicpu(a, program, 'sleep_ms', 1, sleep(10));
      device.launchAicpu(b, program, 'sleep_ms', 1, sleep(400));
      device.launchAicpu(b, program, 'record_identity', 1, new BigUint64Array([out]));
      const both = order === 'before' ? device.synchronizeStreams([a, b], 10_000) : undefined;
      const justA = device.synchronizeStreams([a], 10_000);
      const bothLater = order === 'after' ? device.synchronizeStreams([a, b], 10_000) : undefined;
      await justA;
      const ids = new Uint32Array(2);
      device.copyFromDevice(ids, out);
      expect(Array.from(ids)).toEqual([0, 0]); // b still ran: a's end was not held back for it
      await (both ?? bothLater);
      device.copyFromDevice(ids, out);
      expect(Array.from(ids)).toEqual([0, 1]);
    },
  );

  test('the first failure in the order given is the one reported', async () => {
    const a = device.createStream();
    const b = device.createStream();
    device.launchAicpu(a, program, 'sleep_ms', 1, sleep(1));
    device.launchAicpu(b, program, 'fail_on_thread_one', 2, new Uint8Array(8));
    const err = await rejection<StreamsSyncError>(device.synchronizeStreams([a, b], 10_000));
    expect(err.stream).toBe(b);
    expect(err.code).toBe(HalErrorCode.KernelFailed);
  });

  test('one deadline covers all streams; every stream that missed it is listed', async () => {
    const a = device.createStream();
    const b = device.createStream();
    device.launchAicpu(a, program, 'spin_until_stopped', 1, new Uint8Array(8));
    device.launchAicpu(b, program, 'spin_until_stopped', 1, new Uint8Array(8));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    const err = await rejection<StreamsSyncError>(device.synchronizeStreams([a, b], 120));
    const waited = Date.now() - started;
    clearInterval(timer);
    expect(err.code).toBe(HalErrorCode.SyncTimeout);
    expect(err.stream).toBe(a);
    expect(err.timedOut).toEqual([a, b]);
    expect(waited).toBeLessThan(120 * 2); // not 120 ms per stream
    expect(ticks).toBeGreaterThan(3); // the event loop kept running while we waited
    a.destroy();
    b.destroy();
  });

  test('a kernel failure first and a timeout later: the failure is reported, the timeout listed', async () => {
    const a = device.createStream();
    const b = device.createStream();
    device.launchAicpu(a, program, 'fail_on_thread_one', 2, new Uint8Array(8));
    device.launchAicpu(b, program, 'spin_until_stopped', 1, new Uint8Array(8));
    const err = await rejection<StreamsSyncError>(device.synchronizeStreams([a, b], 80));
    expect(err.code).toBe(HalErrorCode.KernelFailed);
    expect(err.stream).toBe(a);
    expect(err.timedOut).toEqual([b]);
    b.destroy();
  });

  test('a destroyed stream fails with its handle error', async () => {
    const a = device.createStream();
    const b = device.createStream();
    b.destroy();
    const err = await rejection<StreamsSyncError>(device.synchronizeStreams([a, b], 1000));
    expect(err.code).toBe(HalErrorCode.InvalidHandle);
    expect(err.stream).toBe(b);
  });

  test('bad arguments are refused with the operation named', async () => {
    const a = device.createStream();
    const other = openDevice({ platform, sim: { memoryBytes: 16 * 1024 * 1024 } });
    try {
      const foreign = other.createStream();
      const cases: [unknown, unknown, RegExp][] = [
        ['nope', 10, /streams must be an array/],
        [[a, foreign], 10, /streams\[1\] is not a stream of this device/],
        [[{ id: a.id }], 10, /streams\[0\] is not a stream of this device/],
        [[a], -1, /timeoutMs/],
        [[a], 1.5, /timeoutMs/],
        [[a], '10', /timeoutMs/],
      ];
      for (const [streams, timeout, message] of cases) {
        const err = await rejection<StreamsSyncError>(device.synchronizeStreams(streams as never, timeout as number));
        expect(err.code).toBe(HalErrorCode.InvalidArgument);
        expect(err.op).toBe('synchronizeStreams');
        expect(err.message).toMatch(message);
      }
    } finally {
      other.close();
    }
  });

  test('after close it rejects with HAL_DEVICE_CLOSED; a pending wait ends when close stops the work', async () => {
    const a = device.createStream();
    device.launchAicpu(a, program, 'spin_until_stopped', 1, new Uint8Array(8));
    const pending = device.synchronizeStreams([a], 60_000);
    await new Promise((r) => setTimeout(r, 20));
    device.close();
    const err = await rejection<StreamsSyncError>(pending);
    expect(err.code).toBe(HalErrorCode.InvalidHandle);
    expect(err.stream).toBe(a);
    expect((await rejection<StreamsSyncError>(device.synchronizeStreams([a], 10))).code).toBe(HalErrorCode.DeviceClosed);
  });
});
