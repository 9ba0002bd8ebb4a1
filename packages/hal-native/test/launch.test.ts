import { HalError, HalErrorCode } from '../src/errors';
import { openDevice } from '../src/device';
import type { HalDevice } from '../src/types';
import { testProgram } from './support/programs';
import { rejection } from './support/rejection';

function thrown(fn: () => unknown): HalError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(HalError);
    return e as HalError;
  }
  throw new Error('expected a throw');
}

let vectorAdd: Uint8Array;
let aicpuKernels: Uint8Array;
let missingEntry: Uint8Array;
let noAbi: Uint8Array;
let coreBarrier: Uint8Array;
let emptyAicore: Uint8Array;

beforeAll(async () => {
  vectorAdd = await testProgram('vector_add');
  aicpuKernels = await testProgram('aicpu_kernels');
  missingEntry = await testProgram('missing_entry');
  noAbi = await testProgram('no_abi');
  coreBarrier = await testProgram('core_barrier');
  emptyAicore = await testProgram('empty_aicore');
});

describe.each(['a2a3sim', 'a5sim'] as const)('launch on %s', (platform) => {
  let device: HalDevice;
  beforeEach(() => {
    device = openDevice({ platform, sim: { memoryBytes: 256 * 1024 * 1024 } });
  });
  afterEach(() => device.close());

  async function vectorAddOn(blockDim: number, n: number): Promise<Float32Array> {
    const bytes = n * 4;
    const a = device.malloc(bytes);
    const b = device.malloc(bytes);
    const out = device.malloc(bytes);
    const args = device.malloc(32);
    device.copyToDevice(a, Float32Array.from({ length: n }, (_, i) => i));
    device.copyToDevice(b, Float32Array.from({ length: n }, (_, i) => 2 * i + 0.25));
    device.copyToDevice(args, new BigUint64Array([a, b, out, BigInt(n)]));
    const stream = device.createStream();
    device.launchAicore(stream, device.registerAicoreBinary(vectorAdd), blockDim, args);
    await stream.synchronize(10_000);
    const result = new Float32Array(n);
    device.copyFromDevice(result, out);
    stream.destroy();
    for (const p of [a, b, out, args]) device.free(p);
    return result;
  }

  test.each([1, 'max'] as const)('vector add over %s block(s) computes every element', async (dim) => {
    const n = 10_000;
    const result = await vectorAddOn(dim === 'max' ? device.properties.maxBlockDim : dim, n);
    for (let i = 0; i < n; i++) expect(result[i]).toBe(3 * i + 0.25);
    expect(device.memoryUsage().liveAllocations).toBe(0);
  });

  test('AI Core launches on two streams of one device take turns on the cores and both complete', async () => {
    const n = 4096;
    const binary = device.registerAicoreBinary(vectorAdd);
    const setups = [1, 2].map((scale) => {
      const [a, b, out, args] = [n * 4, n * 4, n * 4, 32].map((bytes) => device.malloc(bytes));
      device.copyToDevice(a!, Float32Array.from({ length: n }, (_, i) => i * scale));
      device.copyToDevice(b!, Float32Array.from({ length: n }, () => scale));
      device.copyToDevice(args!, new BigUint64Array([a!, b!, out!, BigInt(n)]));
      return { scale, out: out!, args: args!, stream: device.createStream() };
    });
    for (const s of setups) device.launchAicore(s.stream, binary, device.properties.maxBlockDim, s.args);
    await Promise.all(setups.map((s) => s.stream.synchronize(10_000)));
    for (const s of setups) {
      const result = new Float32Array(n);
      device.copyFromDevice(result, s.out);
      expect(result[n - 1]).toBe((n - 1) * s.scale + s.scale);
      expect(result[7]).toBe(7 * s.scale + s.scale);
    }
  });

  test('all cores of a launch run at once: a barrier across every core completes, each core runs once, launch after launch', async () => {
    // The runtime's AI Core executor blocks until its scheduler hands it work, and the scheduler may
    // wait for every core: a launch whose cores only run one after another would never finish.
    const max = device.properties.maxBlockDim;
    const barrier = device.registerAicoreBinary(coreBarrier);
    const empty = device.registerAicoreBinary(emptyAicore);
    const state = device.malloc((1 + 3 * max) * 4);
    const emptyArgs = device.malloc(64);
    const stream = device.createStream();
    for (const blockDim of [max, 1, max, 2, max - 1, max]) {
      // Short launches in between leave the core threads in every state the next launch can meet.
      for (let i = 0; i < 3; i++) device.launchAicore(stream, empty, blockDim, emptyArgs);
      device.memset(state, 0, (1 + 3 * max) * 4);
      device.launchAicore(stream, barrier, blockDim, state);
      await stream.synchronize(10_000);
      const words = new Uint32Array(1 + 3 * max);
      device.copyFromDevice(words, state);
      expect(words[0]).toBe(3 * blockDim);
      expect(Array.from(words.subarray(1, 1 + 3 * blockDim))).toEqual(new Array(3 * blockDim).fill(1));
      expect(words.subarray(1 + 3 * blockDim).every((w) => w === 0)).toBe(true);
    }
  });

  test('all threads of an AI CPU launch run at once: a barrier across every thread completes', async () => {
    const program = device.loadAicpuProgram(aicpuKernels);
    const threads = device.properties.aicpuLaunchThreads;
    const counter = device.malloc(8);
    const stream = device.createStream();
    for (const n of [threads, 2, 1, threads]) {
      device.launchAicpu(stream, program, 'scribble_args', threads, new Uint8Array(8)); // short: threads back to idle
      device.memset(counter, 0, 8);
      device.launchAicpu(stream, program, 'barrier', n, new BigUint64Array([counter]));
      await stream.synchronize(10_000);
      const arrived = new Uint32Array(1);
      device.copyFromDevice(arrived, counter);
      expect(arrived[0]).toBe(n);
    }
  });

  test('blockDim 0 and above the maximum are rejected before launch', () => {
    const binary = device.registerAicoreBinary(vectorAdd);
    const stream = device.createStream();
    const args = device.malloc(32);
    for (const dim of [0, device.properties.maxBlockDim + 1]) {
      const err = thrown(() => device.launchAicore(stream, binary, dim, args));
      expect(err.code).toBe(HalErrorCode.InvalidBlockDim);
      expect(err.op).toBe('launchAicore');
      expect(err.message).toContain(`blockDim ${dim}`);
    }
  });

  test('the AI Core kernel argument must be device memory', () => {
    const binary = device.registerAicoreBinary(vectorAdd);
    const stream = device.createStream();
    const err = thrown(() => device.launchAicore(stream, binary, 1, 0x7fff0000n));
    expect(err.code).toBe(HalErrorCode.InvalidAddress);
    expect(err.message).toMatch(/device-resident KernelArgs/);
  });

  test('AI CPU threads know their index; the argument block is copied by value', async () => {
    const program = device.loadAicpuProgram(aicpuKernels);
    expect(program.hasKernel('record_identity')).toBe(true);
    expect(program.hasKernel('nope')).toBe(false);
    const threads = device.properties.aicpuLaunchThreads;
    const out = device.malloc(threads * 8);
    const args = new BigUint64Array([out]);
    const stream = device.createStream();
    device.launchAicpu(stream, program, 'record_identity', threads, args);
    args[0] = 0n; // the launch already took its copy
    await stream.synchronize(10_000);
    const ids = new Uint32Array(threads * 2);
    device.copyFromDevice(ids, out);
    for (let t = 0; t < threads; t++) expect([ids[2 * t], ids[2 * t + 1]]).toEqual([t, threads]);
    const host = new Uint8Array([1, 2, 3, 4]);
    device.launchAicpu(stream, program, 'scribble_args', 1, host);
    await stream.synchronize(10_000);
    expect(Array.from(host)).toEqual([1, 2, 3, 4]);
  });

  test('an AI CPU kernel that returns non-zero fails synchronize with the thread and code; the stream recovers', async () => {
    const program = device.loadAicpuProgram(aicpuKernels);
    const stream = device.createStream();
    device.launchAicpu(stream, program, 'fail_on_thread_one', 2, new Uint8Array(8));
    const err = await rejection(stream.synchronize(10_000));
    expect(err.code).toBe(HalErrorCode.KernelFailed);
    expect(err.message).toMatch(/fail_on_thread_one.*thread 1 returned 42/);
    expect(err.backendCode).toBe(42);
    device.launchAicpu(stream, program, 'sleep_ms', 1, new BigUint64Array([1n]));
    await stream.synchronize(10_000);
  });

  test('unknown AI CPU kernel names and bad thread counts are rejected', () => {
    const program = device.loadAicpuProgram(aicpuKernels);
    const stream = device.createStream();
    const unknown = thrown(() => device.launchAicpu(stream, program, 'does_not_exist', 1, new Uint8Array(8)));
    expect(unknown.code).toBe(HalErrorCode.UnknownKernel);
    expect(unknown.message).toContain("'does_not_exist'");
    for (const threads of [0, device.properties.aicpuLaunchThreads + 1]) {
      expect(thrown(() => device.launchAicpu(stream, program, 'sleep_ms', threads, new Uint8Array(8))).code).toBe(
        HalErrorCode.InvalidThreadCount,
      );
    }
  });

  test('work on one stream runs in order', async () => {
    const program = device.loadAicpuProgram(aicpuKernels);
    const stream = device.createStream();
    const out = device.malloc(64);
    device.launchAicpu(stream, program, 'sleep_ms', 1, new BigUint64Array([20n]));
    device.launchAicpu(stream, program, 'record_identity', 1, new BigUint64Array([out]));
    await stream.synchronize(10_000);
    const ids = new Uint32Array(2);
    device.copyFromDevice(ids, out);
    expect(Array.from(ids)).toEqual([0, 1]);
  });

  test('a kernel that runs past the timeout rejects synchronize without blocking the event loop, and stops on destroy', async () => {
    const program = device.loadAicpuProgram(aicpuKernels);
    const stream = device.createStream();
    device.launchAicpu(stream, program, 'spin_until_stopped', 2, new Uint8Array(8));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const err = await rejection(stream.synchronize(150));
    clearInterval(timer);
    expect(err.code).toBe(HalErrorCode.SyncTimeout);
    expect(err.op).toBe('synchronize');
    expect(err.message).toMatch(/stream \d+ did not finish within 150 ms/);
    expect(ticks).toBeGreaterThan(3); // the event loop kept running while we waited
    stream.destroy(); // raises the stop flag and waits for the kernel to return
    expect(stream.alive).toBe(false);
    expect(thrown(() => device.launchAicpu(stream, program, 'sleep_ms', 1, new Uint8Array(8))).code).toBe(HalErrorCode.InvalidHandle);
    expect((await rejection(stream.synchronize(10))).code).toBe(HalErrorCode.InvalidHandle);
  });

  test('a hung kernel is stopped by close while synchronize waits', async () => {
    const program = device.loadAicpuProgram(aicpuKernels);
    const stream = device.createStream();
    device.launchAicpu(stream, program, 'spin_until_stopped', 1, new Uint8Array(8));
    const pending = stream.synchronize(60_000);
    await new Promise((r) => setTimeout(r, 20));
    device.close();
    expect((await rejection(pending)).code).toBe(HalErrorCode.InvalidHandle);
  });

  test('non-ELF bytes, a plain shared object and a missing entry symbol are rejected', () => {
    const notElf = thrown(() => device.registerAicoreBinary(new Uint8Array([1, 2, 3, 4])));
    expect(notElf.code).toBe(HalErrorCode.InvalidBinary);
    expect(notElf.message).toMatch(/no ELF magic/);
    const text = thrown(() => device.loadAicpuProgram(new TextEncoder().encode('\x7fELF but not really, just some text')));
    expect(text.code).toBe(HalErrorCode.InvalidBinary);
    const plain = thrown(() => device.loadAicpuProgram(noAbi));
    expect(plain.code).toBe(HalErrorCode.MissingSymbol);
    expect(plain.message).toContain('npurun_device_abi_version');
    const noEntry = thrown(() => device.registerAicoreBinary(missingEntry));
    expect(noEntry.code).toBe(HalErrorCode.MissingSymbol);
    expect(noEntry.op).toBe('registerAicoreBinary');
    expect(noEntry.message).toContain('npurun_aicore_entry');
    expect(thrown(() => device.registerAicoreBinary(new Uint8Array(0))).code).toBe(HalErrorCode.InvalidBinary);
  });

  test('a truncated executor is HAL_INVALID_BINARY naming the image and why, and the device stays usable', () => {
    for (const [load, image, what] of [
      [(b: Uint8Array) => device.registerAicoreBinary(b), vectorAdd, 'AI Core executor binary'],
      [(b: Uint8Array) => device.loadAicpuProgram(b), aicpuKernels, 'AI CPU executor program'],
    ] as const) {
      for (const keep of [0.25, 0.5, 0.9]) {
        const e = thrown(() => load(image.subarray(0, Math.floor(image.byteLength * keep))));
        expect(e.code).toBe(HalErrorCode.InvalidBinary);
        expect(e.message).toContain(`the ${what} is invalid:`);
        expect(e.message).toMatch(/spans bytes \d+\.\.\d+ but the image has \d+ \(truncated\?\)/);
      }
    }
    expect(device.loadAicpuProgram(aicpuKernels).hasKernel('record_identity')).toBe(true);
  });

  test('destroyed streams and stale handles are rejected', () => {
    const stream = device.createStream();
    stream.destroy();
    expect(thrown(() => stream.destroy()).code).toBe(HalErrorCode.InvalidHandle);
    const program = device.loadAicpuProgram(aicpuKernels);
    device.reset();
    const fresh = device.createStream();
    const stale = thrown(() => device.launchAicpu(fresh, program, 'sleep_ms', 1, new Uint8Array(8)));
    expect(stale.code).toBe(HalErrorCode.InvalidHandle);
  });
});

describe('host mapping', () => {
  test('a2a3sim maps zero-copy, both ways, and detaches the view on unmap', () => {
    const device = openDevice({ platform: 'a2a3sim', sim: { memoryBytes: 8 << 20 } });
    const addr = device.malloc(256);
    device.memset(addr, 0, 256);
    const mapping = device.mapToHost(addr, 256);
    expect(mapping.size).toBe(256);
    mapping.bytes[5] = 77;
    const back = new Uint8Array(8);
    device.copyFromDevice(back, addr);
    expect(back[5]).toBe(77);
    device.copyToDevice(addr + 10n, new Uint8Array([99]));
    expect(mapping.bytes[10]).toBe(99);
    expect(thrown(() => device.mapToHost(addr, 16)).code).toBe(HalErrorCode.MappingState);
    const busy = thrown(() => device.free(addr));
    expect(busy.code).toBe(HalErrorCode.StillMapped);
    device.unmapFromHost(addr);
    expect(mapping.bytes.byteLength).toBe(0); // detached: a stale view cannot touch device memory
    expect(thrown(() => device.unmapFromHost(addr)).code).toBe(HalErrorCode.MappingState);
    device.free(addr);
    expect(thrown(() => device.mapToHost(addr, 16)).code).toBe(HalErrorCode.InvalidAddress);
    device.close();
  });

  test('close detaches live mappings', () => {
    const device = openDevice({ platform: 'a2a3sim', sim: { memoryBytes: 8 << 20 } });
    const mapping = device.mapToHost(device.malloc(64), 64);
    device.close();
    expect(mapping.bytes.byteLength).toBe(0);
  });

  test('a5sim has no host mapping', () => {
    const device = openDevice({ platform: 'a5sim', sim: { memoryBytes: 8 << 20 } });
    const err = thrown(() => device.mapToHost(device.malloc(64), 64));
    expect(err.code).toBe(HalErrorCode.Unsupported);
    expect(err.message).toMatch(/a5 has no host mapping/);
    device.close();
  });
});
