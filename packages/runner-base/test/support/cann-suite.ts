/**
 * The tests both arch runners must pass on their hardware platform (`a2a3`, `a5`) against the fake
 * CANN libraries (hal-native's test/fake-cann), written once: `runner-a2a3` and `runner-a5` call
 * these with their runner and what their arch does differently, so the two packages share one
 * body. The fakes execute no device code, so these tests check vendor calls and memory, never
 * numbers.
 *
 * What differs per arch is data ({@link CannRunnerTarget}): the exact call sequences are built
 * here from it, so each arch's expectations stay as strict as a literal list.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HalError, HalErrorCode, openDevice, type StructLayout } from '@npurun/hal-native';
import {
  RunnerErrorCode,
  addrArg,
  encodeRuntimeImage,
  fnv1a64,
  packCallableImages,
  type Callable,
  type CommonKernelArgs,
  type DeviceRunnerBase,
  type DeviceRunnerOptions,
  type DiagnosticsOptions,
  type ExecutorBinaries,
  type KernelArgsUploadPoint,
  type LogSink,
} from '@npurun/runner-base';
import type { CallLog, FakeCannHarness, FakeCannHome, LoggedCall } from '../../../hal-native/test/fake-cann/runner-harness-api';
import type { ArchRunnerTarget } from './arch-suite';

// Loaded at run time: the arch packages type-check their tests with rootDir = the package, which a
// static import of hal-native's .ts file breaks (TS6059); the .d.ts above types it instead.
const { harness } = require('../../../hal-native/test/fake-cann/runner-harness') as { harness: FakeCannHarness };

/** A vendor library the fake builds (and can leave out). */
export type VendorLibrary = NonNullable<NonNullable<Parameters<FakeCannHarness['buildFakeCann']>[0]>['without']>[number];

/** What the shared CANN suite needs to know about one arch package, beyond its simulator target. */
export interface CannRunnerTarget {
  /** The same arch as the simulator suite sees it: its name and core-count numbers. */
  arch: ArchRunnerTarget;
  /** Creates a runner on the hardware platform (the package's `XRunner.create`). */
  create(options: DeviceRunnerOptions & { executors: ExecutorBinaries }): Promise<DeviceRunnerBase>;
  /** The arch's KernelArgs layout (its size is what every KernelArgs upload and launch carries). */
  kernelArgs: StructLayout<CommonKernelArgs>;
  /** When the device KernelArgs copy is uploaded: before the AI CPU launches, or after them (before the AI Core launch). */
  kernelArgsUpload: KernelArgsUploadPoint;
  /**
   * a2a3 only: the device opens with `rtGetC2cCtrlAddr` and its answer lands in KernelArgs;
   * reads that field from a KernelArgs image. `undefined` for an arch with no FFTS query.
   */
  readFftsBaseAddr: ((kernelArgs: Uint8Array) => bigint) | undefined;
  /** Incomplete vendor installs the arch must explain, and the libraries it must do without. */
  libraries: {
    /** A library the arch needs, left out: the first use names it and `searched(home)`, every place looked at. */
    missing: { library: VendorLibrary; searched(home: string): string[] };
    /** A symbol the arch needs, left out of `library`, found at `path(home)`. */
    missingSymbol: { symbol: string; library: VendorLibrary; path(home: string): string };
    /** Libraries the arch never loads: a whole run works without each. */
    unused: readonly VendorLibrary[];
  };
}

/** What each vendor library is, for test names. */
const LIBRARY_ROLE: Record<VendorLibrary, string> = {
  'libruntime.so': 'runtime',
  'libascendcl.so': 'ACL library',
  'libascend_hal.so': 'driver library',
};

/** The C2C control address the fake's `rtGetC2cCtrlAddr` reports (fake_runtime.c). */
const FAKE_C2C_CTRL_ADDR = 0x2a000000n;
const RUN_TIMEOUT_MS = 5000;
const BLOCK_DIM = 2;
const quiet: LogSink = () => undefined;

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

/** Builds one fake CANN install for the calling test file (the fake's state is per directory). */
function useFakeCann(): () => FakeCannHome {
  let fake: FakeCannHome | undefined;
  beforeAll(() => {
    fake = harness.buildFakeCann();
  });
  afterAll(() => fake?.remove());
  return () => {
    if (fake === undefined) throw new Error('useFakeCann: the fake is built in beforeAll');
    return fake;
  };
}

/** Options {@link createOnFake} passes on; `ascendHomePath` defaults to the fake's home. */
interface FakeRunnerOptions {
  ascendHomePath?: string;
  runTimeoutMs?: number;
  outputDir?: string;
}

/** Creates a quiet runner of `target` on the hardware platform, with the fake's executors. */
function createOnFake(target: CannRunnerTarget, fake: FakeCannHome, options: FakeRunnerOptions = {}): Promise<DeviceRunnerBase> {
  return target.create({
    platform: target.arch.arch,
    ascendHomePath: fake.home,
    executors: harness.fakeExecutors(fake),
    logSink: quiet,
    ...options,
  });
}

/** Rendered lines of `calls[from, to)`, pointer symbols numbered over the whole log. */
function rendered(calls: readonly LoggedCall[], from: number, to = calls.length): string[] {
  return harness.renderCalls(calls).slice(harness.renderCalls(calls.slice(0, from)).length, harness.renderCalls(calls.slice(0, to)).length);
}

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

/**
 * Whole runs on the hardware platform: the exact vendor calls of a run and of finalize, the AI
 * Core executor registered once per runner, the device reset and a clean fake afterwards, host
 * mappings of diagnostics (or none, on an arch without them), and a run timeout.
 */
export function describeCannRun(target: CannRunnerTarget): void {
  const { arch } = target.arch;
  const threads = target.arch.expected.aicpuLaunchThreads;
  const KARGS = target.kernelArgs.size;
  // The run scratch region: the KernelArgs copy at its start, the image at the next 64-byte
  // boundary; the smallest region is 4 KiB, far more than this run needs.
  const IMAGE_OFFSET = Math.ceil(KARGS / 64) * 64;
  const SCRATCH_BYTES = 4096;
  const fake = useFakeCann();

  // A failed assertion must not leave a device behind for the next test to trip over.
  const runners: DeviceRunnerBase[] = [];
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.finalize().catch(() => undefined)));
    harness.deviceCensus(fake(), openDevice); // its reset also clears whatever a failed finalize left
  });

  async function create(options: FakeRunnerOptions = {}): Promise<DeviceRunnerBase> {
    const runner = await createOnFake(target, fake(), { runTimeoutMs: RUN_TIMEOUT_MS, ...options });
    runners.push(runner);
    return runner;
  }

  /** A fresh log with `settings`, then a runner with the callable prepared and a 64-byte tensor staged. */
  async function touchSession(settings: Readonly<Record<string, string>> = {}, options: FakeRunnerOptions = {}): Promise<{ log: CallLog; runner: DeviceRunnerBase; tensor: bigint }> {
    const log = fake().startLog(settings);
    const runner = await create(options);
    runner.prepareCallable('touch', callable);
    return { log, runner, tensor: runner.allocateTensor(64) };
  }

  const initLaunch = `rtsLaunchCpuKernel kernel=npurun_test_init blocks=1 argsSize=${KARGS} stream=s1`;
  const execLaunch = `rtsLaunchCpuKernel kernel=npurun_test_exec blocks=${threads} argsSize=${KARGS} stream=s1`;
  /** `launches` and the KernelArgs upload `upload`, in the arch's order. */
  const withKernelArgsUpload = (launches: readonly string[], upload: readonly string[]): string[] =>
    target.kernelArgsUpload === 'beforeAicpuLaunch' ? [...upload, ...launches] : [...launches, ...upload];
  const ffts = target.readFftsBaseAddr;
  const uploadPlace = target.kernelArgsUpload === 'beforeAicpuLaunch' ? 'before' : 'after';

  describe(`a full ${arch} run`, () => {
    it(`makes the upstream runner's calls: KernelArgs uploaded ${uploadPlace} the AI CPU launches${ffts === undefined ? ', no FFTS query' : ''}, waits off the JS thread`, async () => {
      const log = fake().startLog();
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
      expect(result).toMatchObject({ blockDim: BLOCK_DIM, aicpuThreads: threads });
      expect(rendered(calls, 0, prepared)).toEqual([
        'rtSetDevice dev=0',
        'aclrtSetOpExecuteTimeOutV2 us=45000000',
        'aclrtGetStreamResLimit type=0',
        'aclrtGetStreamResLimit type=1',
        'aclrtGetMemInfo attr=1',
        ...(ffts !== undefined ? ['rtGetC2cCtrlAddr'] : []),
        'rtStreamCreate priority=0 stream=s1', // AI CPU stream
        'rtStreamCreate priority=0 stream=s2', // AI Core stream
        'rtsBinaryLoadFromFile mode=1 kernels=npurun_test_exec|npurun_test_init',
        `rtMalloc size=${CALLABLE_BYTES} #1`,
        `rtMemcpy H2D size=${CALLABLE_BYTES} #1`,
      ]);
      expect(rendered(calls, prepared, staged)).toEqual(['rtMalloc size=64 #2', 'rtMemcpy H2D size=64 #2']);
      expect(rendered(calls, staged, ran)).toEqual([
        'rtMalloc size=8 #3', // device wall slot, once per runner
        // The run scratch region, once per runner while the runs fit: the device KernelArgs copy
        // at its start, the runtime image after it (64-byte aligned).
        `rtMalloc size=${SCRATCH_BYTES} #4`,
        // Made just before the run is submitted (the upstream runner makes it right before it is
        // needed; it touches no stream): the AI Core executor's one registration.
        `rtRegisterAllKernel magic=0x43554245 length=${fake().aicpuProgram.byteLength}`,
        // The launch's uploads: the zeroed device wall, then the runtime image.
        'rtMemcpy H2D size=8 #3',
        `rtMemcpy H2D size=${IMAGE_BYTES} #4+${IMAGE_OFFSET}`,
        ...withKernelArgsUpload(
          ['rtsFuncGetByName kernel=npurun_test_init', initLaunch, 'rtsFuncGetByName kernel=npurun_test_exec', execLaunch],
          [`rtMemcpy H2D size=${KARGS} #4`], // the device KernelArgs copy
        ),
        `rtKernelLaunchWithHandleV2 blocks=${BLOCK_DIM} kargs=#4 argsSize=8 schem=1 stream=s2`,
        'aclrtSynchronizeStreamWithTimeout stream=s1 @worker',
        'aclrtSynchronizeStreamWithTimeout stream=s2 @worker',
        'rtMemcpy D2H size=8 #3', // device wall
        'rtMemcpy D2H size=64 #2', // outputs
      ]);
      expect(rendered(calls, ran)).toEqual([
        'rtStreamDestroy stream=s1',
        'rtStreamDestroy stream=s2',
        'rtFree #1', // callable copy
        'rtFree #2', // tensor, swept
        'rtFree #3', // device wall
        'rtFree #4', // run scratch
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

    const kernelArgsCopyName =
      ffts !== undefined
        ? 'the device KernelArgs copy carries fftsBaseAddr from rtGetC2cCtrlAddr and matches what the AI CPU got'
        : 'the device KernelArgs copy holds what the AI CPU got by value';
    it(kernelArgsCopyName, async () => {
      // Kernels keep their streams busy, so the copy can be read back while the run waits.
      const { log, runner, tensor } = await touchSession({ KERNEL_MS: '150' });
      const run = runner.runPrepared('touch', { tensor });
      const launch = await waitFor(log.calls, (c) => c.fn === 'rtKernelLaunchWithHandleV2');
      const kargs = new Uint8Array(KARGS);
      runner.copyFromDevice(kargs, BigInt(launch.args.kargs ?? ''));
      await run;
      await runner.finalize();

      const calls = log.calls();
      const mallocOf = (size: number): bigint => BigInt(calls.find((c) => c.fn === 'rtMalloc' && c.args.size === String(size))?.args.ptr ?? '');
      if (ffts !== undefined) expect(ffts(kargs)).toBe(FAKE_C2C_CTRL_ADDR);
      expect(target.kernelArgs.readField(kargs, 'runtimeArgs')).toBe(mallocOf(SCRATCH_BYTES) + BigInt(IMAGE_OFFSET));
      expect(target.kernelArgs.readField(kargs, 'deviceWallDataBase')).toBe(mallocOf(8));
      expect(target.kernelArgs.readField(kargs, 'enableProfilingFlag')).toBe(0);
      const hex = fnv1a64(kargs).toString(16).padStart(16, '0');
      expect(calls.filter((c) => c.fn === 'rtsLaunchCpuKernel').map((c) => c.args.argsHash)).toEqual([hex, hex]);
    });
  });

  describe('across runs', () => {
    it('registers the AI Core executor once, resolves each AI CPU kernel once, and repeats only the per-run calls', async () => {
      const { log, runner, tensor } = await touchSession();
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
      // Pointer symbols: #1 callable, #2 tensor, #3 device wall, #4 run scratch; no run allocates.
      expect(rendered(calls, second, third)).toEqual([
        'rtMemcpy H2D size=8 #3',
        `rtMemcpy H2D size=${IMAGE_BYTES} #4+${IMAGE_OFFSET}`,
        ...withKernelArgsUpload([initLaunch, execLaunch], [`rtMemcpy H2D size=${KARGS} #4`]),
        `rtKernelLaunchWithHandleV2 blocks=${BLOCK_DIM} kargs=#4 argsSize=8 schem=1 stream=s2`,
        'aclrtSynchronizeStreamWithTimeout stream=s1 @worker',
        'aclrtSynchronizeStreamWithTimeout stream=s2 @worker',
        'rtMemcpy D2H size=8 #3',
      ]);
      await runner.finalize();
    });
  });

  describe('finalize', () => {
    it('resets the device last, leaves the fake empty, and is idempotent', async () => {
      const { log, runner, tensor } = await touchSession();
      runner.setupStaticArena(4096, 1024, 2048);
      await runner.runPrepared('touch', { tensor });
      expect(runner.memoryStats().liveAllocations).toBe(7); // callable, tensor, device wall, run scratch, 3 arenas
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

      expect(harness.deviceCensus(fake(), openDevice)).toEqual({ allocs: 0, bytes: 0, streams: 0, maps: 0, bins: 0 });
    });

    it('a run that times out faults the runner; finalize still releases everything', async () => {
      const { log, runner, tensor } = await touchSession({ KERNEL_MS: '2000' }, { runTimeoutMs: 100 });
      const before = log.count();
      await expect(runner.runPrepared('touch', { tensor })).rejects.toMatchObject({
        code: RunnerErrorCode.RunTimeout,
        cause: expect.objectContaining({ code: HalErrorCode.SyncTimeout, backendCode: 507046 }),
      });
      expect(runner.isFaulted).toBe(true);
      // The timeout stopped the device work at once: both streams were destroyed by the run itself.
      expect(rendered(log.calls(), before).slice(-2)).toEqual(['rtStreamDestroy stream=s1', 'rtStreamDestroy stream=s2']);
      await expect(runner.runPrepared('touch', { tensor })).rejects.toMatchObject({ code: RunnerErrorCode.Faulted });
      const failed = log.count();
      await runner.finalize();
      const calls = log.calls();
      // The run's memory is the runner's (device wall, run scratch): finalize frees it with the rest.
      expect(rendered(calls, failed)).toEqual([
        'rtFree #1',
        'rtFree #2',
        'rtFree #3',
        'rtFree #4',
        'rtsBinaryUnload',
        'rtDeviceReset dev=0',
      ]);
      expect(harness.deviceCensus(fake(), openDevice)).toMatchObject({ allocs: 0, streams: 0, maps: 0 });
    });
  });

  describe('diagnostics', () => {
    const hostMapping = target.arch.expected.hostMapping;
    const everyDiagnostic: DiagnosticsOptions = {
      l2Swimlane: 1,
      tensorDump: true,
      pmu: 1,
      scopeStats: true,
      ...(target.arch.supportsDepGen ? { depGen: true } : {}),
    };
    const name = hostMapping
      ? 'maps each diagnostic buffer into the host and unmaps each before it is freed'
      : 'never maps device memory into the host, with every diagnostic on, over two runs';
    it(name, async () => {
      const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), `npurun-${arch}-cann-`));
      const { log, runner, tensor } = await touchSession({}, { outputDir });
      const failures: unknown[] = [];
      // Twice: after a run a5 only stops its collectors and a2a3 finalizes them, so either way the
      // second run must set them up again.
      for (let i = 0; i < 2; i++) {
        try {
          await runner.runPrepared('touch', { tensor }, { diagnostics: everyDiagnostic });
        } catch (e) {
          failures.push(e);
        }
      }
      await runner.runPrepared('touch', { tensor }); // a failed or diagnosed run leaves the runner usable
      await runner.finalize();
      fs.rmSync(outputDir, { recursive: true, force: true });
      const calls = log.calls();
      const hostCalls = calls.filter((c) => c.fn.startsWith('halHost'));

      expect(harness.deviceCensus(fake(), openDevice)).toMatchObject({ allocs: 0, maps: 0, streams: 0 });
      const pending = failures.filter((e) => e instanceof Error && e.message.includes('collector wiring pending'));
      if (pending.length > 0) {
        // The arch's collector wiring has not landed: runs with diagnostics are refused before any
        // diagnostic buffer exists. Check that much; the checks below need the wiring.
        expect(failures).toHaveLength(2);
        expect(pending).toHaveLength(2);
        for (const e of pending) expect(e).toMatchObject({ code: RunnerErrorCode.InvalidArgument });
        expect(hostCalls).toEqual([]);
        return;
      }
      expect(failures).toEqual([]);
      expect(calls.filter((c) => c.fn === 'rtKernelLaunchWithHandleV2')).toHaveLength(3);
      if (!hostMapping) {
        expect(hostCalls).toEqual([]);
        return;
      }
      const lines = harness.renderCalls(calls);
      const mapped = lines.filter((l) => l.startsWith('halHostRegister')).map((l) => l.split(' ')[1] ?? '');
      const unmapped = lines.filter((l) => l.startsWith('halHostUnregister')).map((l) => l.split(' ')[1] ?? '');
      expect(mapped.length).toBeGreaterThan(0);
      expect([...unmapped].sort()).toEqual([...mapped].sort());
      for (const mapping of mapped) {
        const owner = mapping.split('+')[0];
        const unmap = lines.indexOf(`halHostUnregister ${mapping}`);
        const free = lines.indexOf(`rtFree ${owner}`);
        expect({ mapping, unmappedBeforeFree: unmap >= 0 && free > unmap }).toEqual({ mapping, unmappedBeforeFree: true });
      }
      expect(lines.filter((l) => l.startsWith('halHostRegister')).every((l) => l.includes('flag=2'))).toBe(true); // DEV_SVM_MAP_HOST
    }, 240_000); // every diagnostic at full core count over fake vendor libraries: ~10 s alone, much more on a busy machine
  });
}

/**
 * Every vendor call of a whole session (open, prepare, a run, finalize) failed in turn: the
 * session surfaces exactly one typed error whose cause chain holds the `HalError` naming the call
 * with its code, the process carries on, and the fake holds no allocation, stream or mapping once
 * the runner is finalized. One fake build; each case is a fresh runner on a fresh log (which also
 * restarts the fake's call counters).
 */
export function describeCannFailures(target: CannRunnerTarget): void {
  const fake = useFakeCann();

  /** Create, prepare a callable, stage a tensor, run once with a readback, finalize. */
  async function session(ascendHomePath: string): Promise<unknown[]> {
    const errors: unknown[] = [];
    let runner: DeviceRunnerBase | undefined;
    try {
      runner = await createOnFake(target, fake(), { ascendHomePath, runTimeoutMs: RUN_TIMEOUT_MS });
      runner.prepareCallable('touch', callable);
      const tensor = runner.allocateTensor(64);
      runner.copyToDevice(tensor, new Uint8Array(64));
      await runner.runPrepared('touch', { tensor }, { outputs: [{ addr: tensor, view: new Uint8Array(64) }] });
    } catch (e) {
      errors.push(e);
    }
    if (runner !== undefined) {
      try {
        await runner.finalize();
      } catch (e) {
        errors.push(e);
      }
      if (runner.memoryStats().liveAllocations !== 0) errors.push(new Error('the runner still counts live allocations after finalize'));
    }
    return errors;
  }

  it('a clean session fails nothing and leaves nothing', async () => {
    const log = fake().startLog();
    expect(await session(fake().home)).toEqual([]);
    expect(log.calls().filter((c) => c.rc !== 0)).toEqual([]);
    expect(harness.deviceCensus(fake(), openDevice)).toEqual({ allocs: 0, bytes: 0, streams: 0, maps: 0, bins: 0 });
  });

  it('fails each vendor call of the session in turn: one typed error naming it, nothing left behind', async () => {
    const cleanLog = fake().startLog();
    await session(fake().home);
    const clean = cleanLog.calls();
    const injections = harness.injections(clean);
    // Everything a session calls is in the matrix, the FFTS query of an arch that has one included.
    expect(new Set(injections.map((i) => i.fn))).toEqual(
      new Set([
        'rtSetDevice',
        'aclrtSetOpExecuteTimeOutV2',
        'aclrtGetStreamResLimit',
        'aclrtGetMemInfo',
        ...(target.readFftsBaseAddr !== undefined ? ['rtGetC2cCtrlAddr'] : []),
        'rtStreamCreate',
        'rtsBinaryLoadFromFile',
        'rtMalloc',
        'rtMemcpy',
        'rtsFuncGetByName',
        'rtsLaunchCpuKernel',
        'rtRegisterAllKernel',
        'rtKernelLaunchWithHandleV2',
        'aclrtSynchronizeStreamWithTimeout',
        'rtFree',
        'rtStreamDestroy',
        'rtsBinaryUnload',
        'rtDeviceReset',
      ]),
    );

    const cases = await harness.runFailureMatrix(fake(), session, injections, openDevice);
    expect(cases.flatMap((c) => harness.failureCaseProblems(c))).toEqual([]);
    // The error found is the real HalError class of the package the runner uses.
    for (const c of cases) {
      const [error] = c.errors;
      if (error !== undefined) expect({ label: c.label, isHalError: harness.findHalError(error, c.code) instanceof HalError }).toEqual({ label: c.label, isHalError: true });
    }
    // The process, the addon and the fake all carry on: a clean session still works.
    expect(await session(fake().home)).toEqual([]);
  });
}

/**
 * A runner on an incomplete vendor install: `create` touches no vendor library (the device opens
 * on first use); the first use fails with a `HalError` that names the missing library or symbol
 * and where it looked, before any vendor call; the runner stays usable for a retry and finalizes
 * cleanly. A library the arch never loads may be missing altogether: a whole run works without it.
 */
export function describeCannLibraries(target: CannRunnerTarget): void {
  const { arch } = target.arch;
  const { missing, missingSymbol, unused } = target.libraries;
  const builds: FakeCannHome[] = [];
  afterAll(() => builds.forEach((b) => b.remove()));

  function build(options: Parameters<FakeCannHarness['buildFakeCann']>[0]): FakeCannHome {
    const fake = harness.buildFakeCann(options);
    builds.push(fake);
    return fake;
  }

  /**
   * Uses a runner on `fake` twice (the second use retries the open): each use must fail with a
   * `HalError` of `code` from `openDevice` whose message holds each of `messageParts`, before any
   * vendor call; the runner must stay unfaulted and finalize with nothing to release.
   */
  async function expectFirstUsesFail(fake: FakeCannHome, code: string, messageParts: readonly string[]): Promise<void> {
    const log = fake.startLog();
    const runner = await createOnFake(target, fake);
    const errors: unknown[] = [];
    try {
      runner.prepareCallable('touch', callable);
    } catch (e) {
      errors.push(e);
    }
    try {
      await runner.run({ graph: { kernels: [], tasks: [{ kernel: null }] } });
    } catch (e) {
      errors.push(e);
    }
    expect(runner.isFaulted).toBe(false);
    await runner.finalize(); // nothing was opened: nothing to release, and no error
    expect(log.calls()).toEqual([]);
    expect(errors).toHaveLength(2);
    for (const error of errors) {
      expect(error).toBeInstanceOf(HalError);
      expect(error).toMatchObject({ code, op: 'openDevice' });
      for (const part of messageParts) expect((error as HalError).message).toContain(part);
    }
  }

  it(`${arch} without ${missing.library}: the first use names the ${LIBRARY_ROLE[missing.library]} and every place searched`, async () => {
    const fake = build({ without: [missing.library] });
    await expectFirstUsesFail(fake, HalErrorCode.LibraryNotFound, missing.searched(fake.home));
  });

  it(`${arch} with a ${LIBRARY_ROLE[missingSymbol.library]} lacking ${missingSymbol.symbol}: the first use names the symbol and the file`, async () => {
    const fake = build({ omit: [missingSymbol.symbol] });
    await expectFirstUsesFail(fake, HalErrorCode.SymbolNotFound, [`${missingSymbol.path(fake.home)} does not export ${missingSymbol.symbol}`]);
  });

  for (const library of unused) {
    it(`${arch} without ${library} runs and finalizes: it never loads the ${LIBRARY_ROLE[library]}`, async () => {
      const fake = build({ without: [library] });
      const log = fake.startLog();
      const runner = await createOnFake(target, fake);
      runner.prepareCallable('touch', callable);
      const tensor = runner.allocateTensor(64);
      await runner.runPrepared('touch', { tensor });
      await runner.finalize();
      const calls = log.calls();
      expect(calls.filter((c) => c.rc !== 0)).toEqual([]);
      expect(calls.filter((c) => c.fn === 'rtKernelLaunchWithHandleV2')).toHaveLength(1);
      expect(calls[calls.length - 1]).toMatchObject({ fn: 'rtDeviceReset', args: expect.objectContaining({ allocs: '0', streams: '0' }) });
      expect(harness.deviceCensus(fake, openDevice)).toMatchObject({ allocs: 0, streams: 0, maps: 0 });
    });
  }
}
