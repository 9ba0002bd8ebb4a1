/**
 * The cann backend driven through `openDevice` against the fake vendor libraries: what it calls, in
 * what order, with which arguments, on which thread; and what it refuses before calling anything.
 */
import { HalError, HalErrorCode, openDevice, type HalDevice } from '../src';
import { buildFakeCann, type FakeCann } from './fake-cann/build';
import { runWithAddon } from './fake-cann/child';
import { fnv1a64, itemAt, readFakeLog, type FakeCall } from './fake-cann/log';

let fake: FakeCann;
let log: string;

beforeAll(() => {
  fake = buildFakeCann();
});
afterAll(() => fake.remove());

beforeEach(() => {
  log = fake.newLogPath();
  fake.configure({
    NPURUN_FAKE_CANN_LOG: log,
    NPURUN_FAKE_CANN_FAIL: undefined,
    NPURUN_FAKE_CANN_KERNEL_MS: undefined,
    NPURUN_FAKE_CANN_CUBE: undefined,
    NPURUN_FAKE_CANN_VECTOR: undefined,
  });
});

const calls = (): FakeCall[] => readFakeLog(log);
const names = (from = 0): string[] => calls().slice(from).map((c) => c.fn);

function open(platform: 'a2a3' | 'a5', deviceId = 0): HalDevice {
  return openDevice({ platform, deviceId, ascendHomePath: fake.home });
}

/** The HalError `fn` throws (fails the test if it does not throw one). */
function thrown(fn: () => unknown): HalError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HalError);
    return error as HalError;
  }
  throw new Error('expected a HalError');
}

const ELF_HEADER = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);

describe('open', () => {
  it('a2a3: attaches, sets the op timeout, resolves blockDim and memory, reads the FFTS address', () => {
    const device = open('a2a3');
    expect(names()).toEqual([
      'rtSetDevice',
      'aclrtSetOpExecuteTimeOutV2',
      'aclrtGetStreamResLimit',
      'aclrtGetStreamResLimit',
      'aclrtGetMemInfo',
      'rtGetC2cCtrlAddr',
    ]);
    const opened = calls();
    expect(itemAt(opened, 0).args.dev).toBe('0');
    expect(itemAt(opened, 1).args.us).toBe('45000000');
    expect([itemAt(opened, 2).args.type, itemAt(opened, 3).args.type]).toEqual(['0', '1']);
    expect(device.properties).toMatchObject({
      platform: 'a2a3',
      arch: 'a2a3',
      simulated: false,
      cubeCores: 24,
      vectorCores: 48,
      maxBlockDim: 24,
      memoryBytes: 64n << 30n,
      hostMapping: true,
      aicpuLaunchThreads: 6,
    });
    device.close();
    expect(names().slice(-1)).toEqual(['rtDeviceReset']);
  });

  it('a5: never touches the driver library and has no FFTS query', () => {
    const device = open('a5');
    expect(names()).toEqual([
      'rtSetDevice',
      'aclrtSetOpExecuteTimeOutV2',
      'aclrtGetStreamResLimit',
      'aclrtGetStreamResLimit',
      'aclrtGetMemInfo',
    ]);
    // The fake answers 24/48 (an a2a3 part); a5's cap of 36 does not raise it.
    expect(device.properties).toMatchObject({ arch: 'a5', maxBlockDim: 24, hostMapping: false, aicpuLaunchThreads: 7 });
    device.close();
  });

  it('blockDim is min(cube, vector / 2), capped at the arch maximum', () => {
    fake.configure({ NPURUN_FAKE_CANN_CUBE: '20', NPURUN_FAKE_CANN_VECTOR: '30' });
    let device = open('a2a3');
    expect(device.properties).toMatchObject({ maxBlockDim: 15, cubeCores: 15, vectorCores: 30 });
    device.close();
    fake.configure({ NPURUN_FAKE_CANN_CUBE: '40', NPURUN_FAKE_CANN_VECTOR: '80' });
    device = open('a2a3');
    expect(device.properties.maxBlockDim).toBe(24);
    device.close();
    device = open('a5');
    expect(device.properties.maxBlockDim).toBe(36);
    device.close();
  });

  it('falls back to the static cap when the core query fails or answers 0, as on a5 runtimes without it', () => {
    fake.configure({ NPURUN_FAKE_CANN_FAIL: 'aclrtGetStreamResLimit:2:107000' });
    let device = open('a5');
    expect(device.properties.maxBlockDim).toBe(36);
    device.close();
    fake.configure({ NPURUN_FAKE_CANN_FAIL: undefined, NPURUN_FAKE_CANN_CUBE: '0' });
    device = open('a2a3');
    expect(device.properties.maxBlockDim).toBe(24);
    device.close();
  });

  it('a rejected op timeout is advisory: the device still opens', () => {
    fake.configure({ NPURUN_FAKE_CANN_FAIL: 'aclrtSetOpExecuteTimeOutV2:1:107000' });
    const device = open('a2a3');
    expect(device.isOpen).toBe(true);
    device.close();
  });

  it('finds the libraries through ASCEND_HOME_PATH when no ascendHomePath is given', () => {
    const result = runWithAddon(
      `const d = new NativeDevice({ platform: 'a2a3', deviceId: 0, simMemoryBytes: 1n << 30n });
       const p = d.properties(); d.close(); return { simulated: p.simulated, maxBlockDim: p.maxBlockDim };`,
      { ASCEND_HOME_PATH: fake.home },
    );
    expect(result).toEqual({ ok: true, value: { simulated: false, maxBlockDim: 24 } });
    expect(names()).toContain('rtSetDevice');
  });
});

describe('a malloc / copy / launch / synchronize / reset session', () => {
  it('makes exactly the calls the upstream runner makes, with its arguments, and leaves nothing behind', async () => {
    const device = open('a2a3');
    const opened = calls().length;

    const stream = device.createStream();
    const kernelArgs = device.malloc(160);
    const hostArgs = Uint8Array.from({ length: 160 }, (_, i) => i);
    device.copyToDevice(kernelArgs, hostArgs);
    const binary = device.registerAicoreBinary(fake.aicpuProgram);
    const program = device.loadAicpuProgram(fake.aicpuProgram);
    expect(program.hasKernel('npurun_test_init')).toBe(true);
    expect(program.hasKernel('npurun_test_exec')).toBe(true);
    expect(program.hasKernel('npurun_test_hidden')).toBe(false);
    expect(program.hasKernel('missing')).toBe(false);
    device.launchAicpu(stream, program, 'npurun_test_init', 1, hostArgs);
    device.launchAicpu(stream, program, 'npurun_test_exec', 6, hostArgs);
    device.launchAicpu(stream, program, 'npurun_test_exec', 6, hostArgs);
    device.launchAicore(stream, binary, 24, kernelArgs);
    await stream.synchronize(2000);
    const back = new Uint8Array(160);
    device.copyFromDevice(back, kernelArgs);
    expect(back).toEqual(hostArgs);
    device.memset(kernelArgs + 16n, 0xab, 8);
    device.copyFromDevice(back, kernelArgs);
    expect([...back.subarray(14, 26)]).toEqual([14, 15, ...Array(8).fill(0xab), 24, 25]);
    const mapping = device.mapToHost(kernelArgs, 160);
    expect(mapping.bytes[16]).toBe(0xab); // the fake's device memory is the host memory it maps
    device.unmapFromHost(kernelArgs);
    expect(device.memoryUsage()).toEqual({ liveBytes: 160n, liveAllocations: 1 });
    device.reset();
    expect(device.memoryUsage()).toEqual({ liveBytes: 0n, liveAllocations: 0 });

    const session = calls().slice(opened);
    expect(session.map((c) => c.fn)).toEqual([
      'rtStreamCreate',
      'rtMalloc',
      'rtMemcpy',
      'rtRegisterAllKernel',
      'rtsBinaryLoadFromFile',
      'rtsFuncGetByName',
      'rtsLaunchCpuKernel',
      'rtsFuncGetByName',
      'rtsLaunchCpuKernel',
      'rtsLaunchCpuKernel', // the function handle is resolved once per name
      'rtKernelLaunchWithHandleV2',
      'rtSetDevice', // the libuv worker binds the device before its first call
      'aclrtSynchronizeStreamWithTimeout',
      'rtMemcpy',
      'aclrtMemset',
      'rtMemcpy',
      'halHostRegister',
      'halHostUnregister',
      'rtStreamDestroy',
      'rtFree',
      'rtsBinaryUnload',
      'rtDeviceReset',
    ]);
    expect(session.every((c) => c.rc === 0)).toBe(true);
    const byFn = (fn: string): FakeCall[] => session.filter((c) => c.fn === fn);
    const main = itemAt(session, 0).thread;

    expect(itemAt(byFn('rtMalloc'), 0, 'rtMalloc').args).toMatchObject({ size: '160', type: '2', module: '0' });
    const addr = `0x${kernelArgs.toString(16)}`;
    expect(itemAt(byFn('rtMalloc'), 0, 'rtMalloc').args.ptr).toBe(addr);
    expect(byFn('rtMemcpy').map((c) => [c.args.kind, c.args.size])).toEqual([
      ['1', '160'],
      ['2', '160'],
      ['2', '160'],
    ]);
    expect(itemAt(byFn('rtRegisterAllKernel'), 0, 'rtRegisterAllKernel').args).toMatchObject({
      magic: '0x43554245',
      length: String(fake.aicpuProgram.length),
    });
    const load = itemAt(byFn('rtsBinaryLoadFromFile'), 0, 'rtsBinaryLoadFromFile').args;
    expect(load).toMatchObject({ json: 'libnpurun_aicpu.json', mode: '1' });
    // Every exported function, and only those: the hidden and static ones are not kernels.
    expect((load.kernels ?? '').split('|').sort()).toEqual(['npurun_test_exec', 'npurun_test_init']);
    const hash = fnv1a64(hostArgs);
    expect(byFn('rtsLaunchCpuKernel').map((c) => [c.args.kernel, c.args.blocks, c.args.argsSize, c.args.argsHash])).toEqual([
      ['npurun_test_init', '1', '160', hash],
      ['npurun_test_exec', '6', '160', hash],
      ['npurun_test_exec', '6', '160', hash],
    ]);
    expect(itemAt(byFn('rtKernelLaunchWithHandleV2'), 0, 'rtKernelLaunchWithHandleV2').args).toMatchObject({
      blocks: '24',
      kargs: addr,
      argsSize: '8',
      schem: '1',
    });
    const worker = itemAt(byFn('aclrtSynchronizeStreamWithTimeout'), 0, 'aclrtSynchronizeStreamWithTimeout');
    expect(worker.args.timeout).toBe('2000');
    expect(worker.thread).not.toBe(main);
    expect(itemAt(byFn('rtSetDevice'), 0, 'rtSetDevice').thread).toBe(worker.thread);
    expect(itemAt(byFn('aclrtMemset'), 0, 'aclrtMemset').args).toMatchObject({ value: '171', size: '8' });
    expect(itemAt(byFn('halHostRegister'), 0, 'halHostRegister').args).toMatchObject({ dev: addr, size: '160', flag: '2', devid: '0' });
    expect(itemAt(byFn('rtFree'), 0, 'rtFree').args).toMatchObject({ ptr: addr, live: '0', bytes: '0' });
    // The one binary left is the AI Core ELF: CANN has no unregister, the context teardown drops it.
    expect(itemAt(byFn('rtDeviceReset'), 0, 'rtDeviceReset').args).toMatchObject({ allocs: '0', streams: '0', maps: '0', bins: '1', funcs: '0' });
    expect(session.filter((c) => c.fn !== 'rtSetDevice' && c.fn !== 'aclrtSynchronizeStreamWithTimeout').every((c) => c.thread === main)).toBe(true);

    // The device stays usable: the next call binds a fresh context and sets the op timeout again.
    const before = calls().length;
    const again = device.malloc(64);
    expect(names(before)).toEqual(['rtSetDevice', 'aclrtSetOpExecuteTimeOutV2', 'rtMalloc']);
    device.free(again);
    device.close();
    expect(names(before).slice(-2)).toEqual(['rtFree', 'rtDeviceReset']);
  });

  it('registers the AI Core binary once per registerAicoreBinary call, never per launch', async () => {
    const device = open('a2a3');
    const stream = device.createStream();
    const args = device.malloc(160);
    const first = device.registerAicoreBinary(fake.aicpuProgram);
    for (let i = 0; i < 3; i++) device.launchAicore(stream, first, 1, args);
    const second = device.registerAicoreBinary(fake.aicpuProgram);
    device.launchAicore(stream, second, 2, args);
    await stream.synchronize(1000);
    expect(names().filter((n) => n === 'rtRegisterAllKernel')).toHaveLength(2);
    expect(names().filter((n) => n === 'rtKernelLaunchWithHandleV2')).toHaveLength(4);
    expect(second.handle).not.toBe(first.handle);
    device.close();
  });

  it('a5: host mapping is unsupported and calls nothing', () => {
    const device = open('a5');
    const addr = device.malloc(64);
    const before = calls().length;
    expect(thrown(() => device.mapToHost(addr, 64))).toMatchObject({ code: HalErrorCode.Unsupported, op: 'mapToHost' });
    expect(thrown(() => device.unmapFromHost(addr))).toMatchObject({ code: HalErrorCode.Unsupported, op: 'unmapFromHost' });
    expect(calls().length).toBe(before);
    device.close();
    expect(names()).not.toContain('halHostRegister');
  });

  it('passes the driver its physical device id under ASCEND_RT_VISIBLE_DEVICES', () => {
    const result = runWithAddon(
      `const d = new NativeDevice({ platform: 'a2a3', deviceId: 2, simMemoryBytes: 1n << 30n, ascendHomePath: ${JSON.stringify(fake.home)} });
       const addr = d.malloc(64); d.mapToHost(addr, 64); d.close(); return null;`,
      { ASCEND_RT_VISIBLE_DEVICES: '4, 5,6,7' },
    );
    expect(result).toEqual({ ok: true, value: null });
    expect(calls().find((c) => c.fn === 'rtSetDevice')?.args.dev).toBe('2');
    expect(calls().find((c) => c.fn === 'halHostRegister')?.args.devid).toBe('6');
    // close() resets, which unmaps what is still mapped before the device goes.
    const reset = calls().filter((c) => c.fn === 'halHostUnregister' || c.fn === 'rtDeviceReset');
    expect(reset.map((c) => c.fn)).toEqual(['halHostUnregister', 'rtDeviceReset']);
    expect(itemAt(reset, 0).args.devid).toBe('6');
    expect(itemAt(reset, 1).args).toMatchObject({ allocs: '0', maps: '0', dev: '2' });
  });
});

describe('what the backend refuses before the vendor sees it', () => {
  let device: HalDevice;
  beforeEach(() => {
    device = open('a2a3');
  });
  afterEach(() => device.close());

  it('checks every address and range against its own allocations', () => {
    const addr = device.malloc(100);
    const before = calls().length;
    expect(thrown(() => device.copyToDevice(addr + 90n, new Uint8Array(11)))).toMatchObject({
      code: HalErrorCode.OutOfBounds,
      op: 'copyToDevice',
    });
    expect(thrown(() => device.copyFromDevice(new Uint8Array(4), addr + 4096n))).toMatchObject({
      code: HalErrorCode.InvalidAddress,
      op: 'copyFromDevice',
    });
    expect(thrown(() => device.memset(addr, 0, 101))).toMatchObject({ code: HalErrorCode.OutOfBounds });
    expect(thrown(() => device.free(addr + 8n))).toMatchObject({ code: HalErrorCode.InvalidAddress, op: 'free' });
    expect(thrown(() => device.mapToHost(addr + 50n, 51))).toMatchObject({ code: HalErrorCode.OutOfBounds });
    expect(calls().length).toBe(before);
    device.mapToHost(addr, 100);
    expect(thrown(() => device.mapToHost(addr + 10n, 10))).toMatchObject({ code: HalErrorCode.MappingState });
    expect(thrown(() => device.free(addr))).toMatchObject({ code: HalErrorCode.StillMapped, op: 'free' });
    expect(thrown(() => device.unmapFromHost(addr + 1n))).toMatchObject({ code: HalErrorCode.MappingState });
    device.unmapFromHost(addr);
    device.free(addr);
  });

  it('validates launches', () => {
    const stream = device.createStream();
    const args = device.malloc(160);
    const binary = device.registerAicoreBinary(fake.aicpuProgram);
    const program = device.loadAicpuProgram(fake.aicpuProgram);
    const before = calls().length;
    expect(thrown(() => device.launchAicore(stream, binary, 25, args))).toMatchObject({ code: HalErrorCode.InvalidBlockDim });
    expect(thrown(() => device.launchAicore(stream, binary, 0, args))).toMatchObject({ code: HalErrorCode.InvalidBlockDim });
    // KernelArgs must be device-resident: a host-looking address is refused.
    expect(thrown(() => device.launchAicore(stream, binary, 1, 0x1000n))).toMatchObject({ code: HalErrorCode.InvalidAddress });
    expect(thrown(() => device.launchAicore(stream, { handle: 99 }, 1, args))).toMatchObject({ code: HalErrorCode.InvalidHandle });
    expect(thrown(() => device.launchAicpu(stream, program, 'npurun_test_exec', 7, new Uint8Array(8)))).toMatchObject({
      code: HalErrorCode.InvalidThreadCount,
    });
    expect(thrown(() => device.launchAicpu(stream, program, 'npurun_test_hidden', 1, new Uint8Array(8)))).toMatchObject({
      code: HalErrorCode.UnknownKernel,
      op: 'launchAicpu',
    });
    expect(thrown(() => device.registerAicoreBinary(Uint8Array.from([1, 2, 3, 4])))).toMatchObject({
      code: HalErrorCode.InvalidBinary,
    });
    expect(thrown(() => device.loadAicpuProgram(ELF_HEADER))).toMatchObject({ code: HalErrorCode.InvalidBinary });
    expect(calls().length).toBe(before);
  });
});

describe('synchronize', () => {
  it('reports a stream that overruns its timeout as HAL_SYNC_TIMEOUT (507046) without blocking the event loop', async () => {
    fake.configure({ NPURUN_FAKE_CANN_KERNEL_MS: '3000' });
    const device = open('a2a3');
    const stream = device.createStream();
    const args = device.malloc(160);
    device.launchAicore(stream, device.registerAicoreBinary(fake.aicpuProgram), 1, args);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    const error = await stream.synchronize(200).then(
      () => undefined,
      (e: unknown) => e,
    );
    clearInterval(timer);
    expect(error).toBeInstanceOf(HalError);
    expect(error).toMatchObject({ code: HalErrorCode.SyncTimeout, op: 'synchronize', backendCode: 507046 });
    expect((error as HalError).message).toMatch(/stream \d+ did not finish within 200 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(ticks).toBeGreaterThan(5);
    device.close(); // destroys the still-busy stream without waiting on it
    expect(itemAt(calls().slice(-1), 0).args).toMatchObject({ allocs: '0', streams: '0' });
  });

  it('synchronizeStreams waits for every stream in order, even after the first fails, and names the failed one', async () => {
    // The never-reached second entry makes the spec unique, so the fake's per-spec call counters
    // start afresh here and in the next test.
    fake.configure({ NPURUN_FAKE_CANN_FAIL: 'aclrtSynchronizeStreamWithTimeout:1:507015,rtFree:1000000:1' });
    const device = open('a2a3');
    const a = device.createStream();
    const b = device.createStream();
    const created = calls().filter((c) => c.fn === 'rtStreamCreate');
    const from = calls().length;
    const error = await device.synchronizeStreams([a, b], 1000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HalError);
    expect(error).toMatchObject({ code: HalErrorCode.KernelFailed, backendCode: 507015, stream: a, timedOut: [] });
    const syncs = calls().slice(from).filter((c) => c.fn === 'aclrtSynchronizeStreamWithTimeout');
    expect(syncs).toHaveLength(2); // b was still waited for
    expect(syncs.map((c) => c.args['stream'])).toEqual(created.map((c) => c.args['stream'])); // a, then b
    expect(syncs.every((c) => c.thread !== created[0]!.thread)).toBe(true); // on a worker, not the JS thread
    device.close();
  });

  it('reports a kernel fault at synchronize as HAL_KERNEL_FAILED with the vendor code', async () => {
    fake.configure({ NPURUN_FAKE_CANN_FAIL: 'aclrtSynchronizeStreamWithTimeout:1:507015' });
    const device = open('a5');
    const stream = device.createStream();
    await expect(stream.synchronize(100)).rejects.toMatchObject({
      code: HalErrorCode.KernelFailed,
      backendCode: 507015,
      message: expect.stringContaining('aclrtSynchronizeStreamWithTimeout'),
    });
    device.close();
  });
});
