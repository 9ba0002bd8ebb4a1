/**
 * Whole `A5Runner` runs on the `a5` hardware platform against the fake CANN libraries
 * (hal-native's test/fake-cann): the exact vendor calls of a run and of finalize, the AI Core
 * executor registered once per runner, the device reset and a clean fake afterwards, no host
 * mapping ever (diagnostics included), and a run timeout. The fakes execute no device code, so these tests
 * check calls and memory, never numbers.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HalErrorCode, openDevice } from '@npurun/hal-native';
import {
  RunnerErrorCode,
  addrArg,
  encodeRuntimeImage,
  fnv1a64,
  packCallableImages,
  type Callable,
  type LogSink,
} from '@npurun/runner-base';
import { A5KernelArgs, A5Runner } from '../src';
import type { FakeCannHarness, FakeCannHome, LoggedCall } from '../../hal-native/test/fake-cann/runner-harness-api';

// Loaded at run time: this package's tests are type-checked with rootDir = the package, which a
// static import of another package's .ts file breaks (TS6059); the .d.ts above types it instead.
const { harness } = require('../../hal-native/test/fake-cann/runner-harness') as { harness: FakeCannHarness };

const RUN_TIMEOUT_MS = 5000;
const BLOCK_DIM = 2;
const quiet: LogSink = () => undefined;

let fake: FakeCannHome;
beforeAll(() => {
  fake = harness.buildFakeCann();
});
afterAll(() => fake.remove());

// A failed assertion must not leave a device behind for the next test to trip over.
const runners: A5Runner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.finalize().catch(() => undefined)));
  harness.deviceCensus(fake, openDevice); // its reset also clears whatever a failed finalize left
});

/** A kernel image the fake never runs: only its bytes (and so the upload's size) matter. */
const KERNEL_IMAGE = Uint8Array.from({ length: 100 }, (_, i) => i);
const callable: Callable<{ tensor: bigint }> = {
  kernels: [{ name: 'touch', image: KERNEL_IMAGE, coreType: 'vector', argCount: 1 }],
  orchestrate: ({ tensor }) => ({
    tasks: [{ kernel: null, label: 'start' }, { kernel: 0, args: [addrArg(tensor)], deps: [0], label: 'touch' }],
    blockDim: BLOCK_DIM,
  }),
};
const CALLABLE_BYTES = packCallableImages(callable.kernels).bytes.byteLength;
const IMAGE_BYTES = encodeRuntimeImage({
  kernels: [{ name: 'touch', entry: 'touch', imageAddr: 0x1000n, imageSize: KERNEL_IMAGE.byteLength, coreType: 'vector', argCount: 1 }],
  tasks: callable.orchestrate({ tensor: 0x2000n }).tasks,
}).bytes.byteLength;
const KARGS = A5KernelArgs.size;

async function create(options: { runTimeoutMs?: number; outputDir?: string } = {}): Promise<A5Runner> {
  const runner = await A5Runner.create({
    platform: 'a5',
    ascendHomePath: fake.home,
    executors: harness.fakeExecutors(fake),
    runTimeoutMs: options.runTimeoutMs ?? RUN_TIMEOUT_MS,
    logSink: quiet,
    ...(options.outputDir !== undefined ? { outputDir: options.outputDir } : {}),
  });
  runners.push(runner);
  return runner;
}

/** Rendered lines of `calls[from, to)`, pointer symbols numbered over the whole log. */
function rendered(calls: readonly LoggedCall[], from: number, to = calls.length): string[] {
  return harness.renderCalls(calls).slice(harness.renderCalls(calls.slice(0, from)).length, harness.renderCalls(calls.slice(0, to)).length);
}

const aicpuLaunches = (threads: number): string[] => [
  `rtsLaunchCpuKernel kernel=npurun_test_init blocks=1 argsSize=${KARGS} stream=s1`,
  `rtsLaunchCpuKernel kernel=npurun_test_exec blocks=${threads} argsSize=${KARGS} stream=s1`,
];

describe('a full a5 run', () => {
  it('makes exactly the reference calls: KernelArgs uploaded after the AI CPU launches, no FFTS query, waits off the JS thread', async () => {
    const log = fake.startLog();
    const runner = await create();
    expect(log.count()).toBe(0); // the device opens on first use

    runner.prepareCallable('touch', callable);
    const prepared = log.count();
    const tensor = runner.allocateTensor(64);
    runner.copyToDevice(tensor, new Uint8Array(64).fill(7));
    const staged = log.count();
    const out = new Uint8Array(64);
    const result = await runner.runPrepared('touch', { tensor }, { outputs: [{ addr: tensor, view: out }] });
    const ran = log.count();
    await runner.finalize();
    const calls = log.calls();

    expect(calls.every((c) => c.rc === 0)).toBe(true);
    expect(result).toMatchObject({ blockDim: BLOCK_DIM, aicpuThreads: 7 });
    expect(rendered(calls, 0, prepared)).toEqual([
      'rtSetDevice dev=0',
      'aclrtSetOpExecuteTimeOutV2 us=45000000',
      'aclrtGetStreamResLimit type=0',
      'aclrtGetStreamResLimit type=1',
      'aclrtGetMemInfo attr=1', // a5: no rtGetC2cCtrlAddr
      'rtStreamCreate priority=0 stream=s1', // AI CPU stream
      'rtStreamCreate priority=0 stream=s2', // AI Core stream
      'rtsBinaryLoadFromFile mode=1 kernels=npurun_test_exec|npurun_test_init',
      `rtMalloc size=${CALLABLE_BYTES} #1`,
      `rtMemcpy H2D size=${CALLABLE_BYTES} #1`,
    ]);
    expect(rendered(calls, prepared, staged)).toEqual(['rtMalloc size=64 #2', 'rtMemcpy H2D size=64 #2']);
    expect(rendered(calls, staged, ran)).toEqual([
      'rtMalloc size=8 #3', // device wall slot, once per runner
      'aclrtMemset #3 value=0 size=8',
      `rtMalloc size=${IMAGE_BYTES} #4`,
      `rtMemcpy H2D size=${IMAGE_BYTES} #4`,
      'rtsFuncGetByName kernel=npurun_test_init',
      aicpuLaunches(7)[0],
      'rtsFuncGetByName kernel=npurun_test_exec',
      aicpuLaunches(7)[1],
      `rtMalloc size=${KARGS} #5`, // a5: the device KernelArgs copy, after the AI CPU launches
      `rtMemcpy H2D size=${KARGS} #5`,
      `rtRegisterAllKernel magic=0x43554245 length=${fake.aicpuProgram.byteLength}`,
      `rtKernelLaunchWithHandleV2 blocks=${BLOCK_DIM} kargs=#5 argsSize=8 schem=1 stream=s2`,
      'aclrtSynchronizeStreamWithTimeout stream=s1 @worker',
      'aclrtSynchronizeStreamWithTimeout stream=s2 @worker',
      'rtMemcpy D2H size=8 #3', // device wall
      'rtMemcpy D2H size=64 #2', // outputs
      'rtFree #5',
      'rtFree #4',
    ]);
    expect(rendered(calls, ran)).toEqual([
      'rtStreamDestroy stream=s1',
      'rtStreamDestroy stream=s2',
      'rtFree #1', // callable copy
      'rtFree #2', // tensor, swept
      'rtFree #3', // device wall
      'rtsBinaryUnload',
      'rtDeviceReset dev=0',
    ]);

    // Both waits carry the run timeout (the second what is left of it).
    const waits = calls.filter((c) => c.fn === 'aclrtSynchronizeStreamWithTimeout').map((c) => Number(c.args.timeout));
    expect(waits[0]).toBe(RUN_TIMEOUT_MS);
    expect(waits[1]).toBeGreaterThan(0);
    expect(waits[1]).toBeLessThanOrEqual(RUN_TIMEOUT_MS);
    // The AI CPU kernels got the same host struct by value.
    const hashes = calls.filter((c) => c.fn === 'rtsLaunchCpuKernel').map((c) => c.args.argsHash);
    expect(new Set(hashes).size).toBe(1);
  });

  it('the device KernelArgs copy holds what the AI CPU got by value', async () => {
    // Kernels keep their streams busy, so the copy can be read back while the run waits.
    const log = fake.startLog({ KERNEL_MS: '150' });
    const runner = await create();
    runner.prepareCallable('touch', callable);
    const tensor = runner.allocateTensor(64);
    const run = runner.runPrepared('touch', { tensor });
    const launch = await waitFor(log.calls, (c) => c.fn === 'rtKernelLaunchWithHandleV2');
    const kargs = new Uint8Array(KARGS);
    runner.copyFromDevice(kargs, BigInt(launch.args.kargs ?? ''));
    await run;
    await runner.finalize();

    const calls = log.calls();
    const mallocOf = (size: number): bigint => BigInt(calls.find((c) => c.fn === 'rtMalloc' && c.args.size === String(size))?.args.ptr ?? '');
    expect(A5KernelArgs.readField(kargs, 'runtimeArgs')).toBe(mallocOf(IMAGE_BYTES));
    expect(A5KernelArgs.readField(kargs, 'deviceWallDataBase')).toBe(mallocOf(8));
    expect(A5KernelArgs.readField(kargs, 'enableProfilingFlag')).toBe(0);
    const hex = fnv1a64(kargs).toString(16).padStart(16, '0');
    expect(calls.filter((c) => c.fn === 'rtsLaunchCpuKernel').map((c) => c.args.argsHash)).toEqual([hex, hex]);
  });
});

describe('across runs', () => {
  it('registers the AI Core executor once, resolves each AI CPU kernel once, and repeats only the per-run calls', async () => {
    const log = fake.startLog();
    const runner = await create();
    runner.prepareCallable('touch', callable);
    const tensor = runner.allocateTensor(64);
    await runner.runPrepared('touch', { tensor });
    const second = log.count();
    await runner.runPrepared('touch', { tensor });
    const third = log.count();
    await runner.runPrepared('touch', { tensor });
    const calls = log.calls();

    const count = (fn: string): number => calls.filter((c) => c.fn === fn).length;
    expect(count('rtRegisterAllKernel')).toBe(1);
    expect(count('rtKernelLaunchWithHandleV2')).toBe(3);
    expect(count('rtsFuncGetByName')).toBe(2);
    expect(runner.aicoreRegistrations).toBe(1);
    // Pointer symbols: #1 callable, #2 tensor, #3 device wall, then 2 per run.
    expect(rendered(calls, second, third)).toEqual([
      'aclrtMemset #3 value=0 size=8',
      `rtMalloc size=${IMAGE_BYTES} #6`,
      `rtMemcpy H2D size=${IMAGE_BYTES} #6`,
      ...aicpuLaunches(7),
      `rtMalloc size=${KARGS} #7`,
      `rtMemcpy H2D size=${KARGS} #7`,
      `rtKernelLaunchWithHandleV2 blocks=${BLOCK_DIM} kargs=#7 argsSize=8 schem=1 stream=s2`,
      'aclrtSynchronizeStreamWithTimeout stream=s1 @worker',
      'aclrtSynchronizeStreamWithTimeout stream=s2 @worker',
      'rtMemcpy D2H size=8 #3',
      'rtFree #7',
      'rtFree #6',
    ]);
    await runner.finalize();
  });
});

describe('finalize', () => {
  it('resets the device last, leaves the fake empty, and is idempotent', async () => {
    const log = fake.startLog();
    const runner = await create();
    runner.prepareCallable('touch', callable);
    const tensor = runner.allocateTensor(64);
    runner.setupStaticArena(4096, 1024, 2048);
    await runner.runPrepared('touch', { tensor });
    expect(runner.memoryStats().liveAllocations).toBe(6); // callable, tensor, device wall, 3 arenas
    await runner.finalize();
    const calls = log.calls();

    const last = calls[calls.length - 1];
    expect(last).toMatchObject({ fn: 'rtDeviceReset', rc: 0 });
    // Nothing was left for the reset to reclaim but the AI Core registration (no unregister exists).
    expect(last?.args).toMatchObject({ allocs: '0', streams: '0', maps: '0', bins: '1' });
    expect(runner.isFinalized).toBe(true);
    expect(runner.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });

    await runner.finalize();
    expect(log.count()).toBe(calls.length);
    await expect(runner.runPrepared('touch', { tensor })).rejects.toMatchObject({ code: RunnerErrorCode.Finalized });

    expect(harness.deviceCensus(fake, openDevice)).toEqual({ allocs: 0, bytes: 0, streams: 0, maps: 0, bins: 0 });
  });

  it('a run that times out faults the runner; finalize still releases everything', async () => {
    const log = fake.startLog({ KERNEL_MS: '2000' });
    const runner = await create({ runTimeoutMs: 100 });
    runner.prepareCallable('touch', callable);
    const tensor = runner.allocateTensor(64);
    await expect(runner.runPrepared('touch', { tensor })).rejects.toMatchObject({
      code: RunnerErrorCode.RunTimeout,
      cause: expect.objectContaining({ code: HalErrorCode.SyncTimeout, backendCode: 507046 }),
    });
    expect(runner.isFaulted).toBe(true);
    await expect(runner.runPrepared('touch', { tensor })).rejects.toMatchObject({ code: RunnerErrorCode.Faulted });
    const failed = log.count();
    await runner.finalize();
    const calls = log.calls();
    // Nothing of the run was freed while the device might still use it: finalize frees it, streams first.
    expect(rendered(calls, failed)).toEqual([
      'rtStreamDestroy stream=s1',
      'rtStreamDestroy stream=s2',
      'rtFree #1',
      'rtFree #2',
      'rtFree #3',
      'rtFree #4',
      'rtFree #5',
      'rtsBinaryUnload',
      'rtDeviceReset dev=0',
    ]);
    expect(harness.deviceCensus(fake, openDevice)).toMatchObject({ allocs: 0, streams: 0, maps: 0 });
  });
});

describe('diagnostics', () => {
  it('never maps device memory into the host, with every diagnostic on, over two runs', async () => {
    const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-a5-cann-'));
    const log = fake.startLog();
    const runner = await create({ outputDir });
    runner.prepareCallable('touch', callable);
    const tensor = runner.allocateTensor(64);
    const failures: unknown[] = [];
    // Twice: a5 only stops its collectors, and the next run must initialize them again.
    for (let i = 0; i < 2; i++) {
      try {
        await runner.runPrepared('touch', { tensor }, { diagnostics: { l2Swimlane: 1, tensorDump: true, pmu: 1, scopeStats: true } });
      } catch (e) {
        failures.push(e);
      }
    }
    await runner.finalize();
    fs.rmSync(outputDir, { recursive: true, force: true });
    const calls = log.calls();

    expect(calls.filter((c) => c.fn.startsWith('halHost'))).toEqual([]);
    expect(harness.deviceCensus(fake, openDevice)).toMatchObject({ allocs: 0, maps: 0, streams: 0 });
    const pending = failures.filter((e) => e instanceof Error && e.message.includes('collector wiring pending'));
    if (pending.length > 0) {
      // The a5 collector wiring has not landed: runs with diagnostics are refused before any
      // diagnostic buffer exists. The checks above hold either way; the next ones need the wiring.
      expect(pending).toHaveLength(2);
      expect(pending[0]).toMatchObject({ code: RunnerErrorCode.InvalidArgument });
      return;
    }
    expect(failures).toEqual([]);
    expect(calls.filter((c) => c.fn === 'rtKernelLaunchWithHandleV2')).toHaveLength(2);
  });
});

/** Polls the log until a call matches (the run proceeds on its own meanwhile). */
async function waitFor(read: () => LoggedCall[], match: (c: LoggedCall) => boolean): Promise<LoggedCall> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = read().find(match);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('waitFor: the call never came');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
