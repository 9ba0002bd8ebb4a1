/**
 * The test suite both arch runners must pass on their simulator, written once: `runner-a2a3` and
 * `runner-a5` call these with their runner and their arch's numbers, so the two packages share one
 * body and cannot drift apart. Everything runs on the real simulated device (no fake HAL) with
 * diagnostics off.
 *
 * What differs per arch is data ({@link ArchRunnerTarget}); what a test expects of an arch comes
 * from the hardware facts in that data, never from the runner under test.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HalError, HalErrorCode, openDevice } from '@npurun/hal-native';
import type { Arch, HalDevice, HalMemoryUsage, OpenDeviceOptions, Platform } from '@npurun/hal-native';
import {
  ArenaError,
  DeviceTaskError,
  InvalidArgumentError,
  RunTimeoutError,
  RunnerErrorCode,
  RunnerFaultedError,
  RunnerFinalizedError,
  DUMMY_TASK_ELEMS,
  DUMMY_TASK_FILL,
  DUMMY_TASK_KERNELS,
  DUMMY_TASK_VALUE,
  addrArg,
  compileGraph,
  compileKernel,
  dummyTaskGraph,
  loadWorkloadKernels,
  runWorkload,
  scalarArg,
  simDeviceIncludeDir,
  workloadNames,
  workloads,
} from '@npurun/runner-base';
import type { CliIo, CliOptions, DeviceRunnerBase, DeviceRunnerOptions, HalFactory, RunRequest, TaskSpec, WorkloadKernelName } from '@npurun/runner-base';
import { idleAfterRun } from './runner-slots';

/** What the shared suite needs to know about one arch package. */
export interface ArchRunnerTarget {
  /** The arch. */
  arch: Arch;
  /** Its simulator platform, e.g. `'a2a3sim'`. */
  simPlatform: Platform;
  /** A platform of the other arch, which this runner must refuse. */
  foreignPlatform: Platform;
  /** Creates a runner (the package's `XRunner.create`). */
  create(options?: DeviceRunnerOptions): Promise<DeviceRunnerBase>;
  /** The package's CLI entry (`runCliMain`). */
  cli(argv: readonly string[], io: CliIo, options?: CliOptions): Promise<number>;
  /** The package's bin script (run as a child process). */
  bin: string;
  /** Whether the CLI has `--dep-gen`. */
  supportsDepGen: boolean;
  /** core-count numbers of the arch. */
  expected: {
    maxBlockDim: number;
    aicpuSchedulerThreads: number;
    aicpuLaunchThreads: number;
    timestampHz: number;
    hostMapping: boolean;
  };
}

const NOTHING_LIVE: HalMemoryUsage = { liveBytes: 0n, liveAllocations: 0 };

/** The kernel that hangs on purpose (see its source for why it gives up eventually). */
const SPIN_KERNEL_SOURCE = path.join(__dirname, 'kernels', 'spin_until_flag.cpp');
/**
 * How long the hanging kernel waits before giving up: a safety net only. The run timeout (300 ms)
 * fires long before, and finalize raises the stop flag the kernel polls, so finalize must return
 * long before this.
 */
const SPIN_GIVE_UP_MS = 30_000;
const HANG_RUN_TIMEOUT_MS = 300;

/** Compiles the hang kernel for `platform` (cached on disk by content). */
function compileSpinKernel(platform: Platform): Promise<Uint8Array> {
  return compileKernel({ sources: [SPIN_KERNEL_SOURCE], platform, includeDirs: [simDeviceIncludeDir] });
}

/** A HAL factory that opens the real simulator and records what the runner asks of it. */
interface HalRecorder {
  /** Pass as `halFactory`. */
  factory: HalFactory;
  /** Calls per HAL method name. */
  calls: Map<string, number>;
  /** Device memory in use at each `reset()` call: what the runner left for the reset to sweep. */
  usageAtReset: HalMemoryUsage[];
}

function recordingHal(): HalRecorder {
  const calls = new Map<string, number>();
  const usageAtReset: HalMemoryUsage[] = [];
  const factory = (options: OpenDeviceOptions): HalDevice => {
    const real = openDevice(options);
    return new Proxy(real, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        const method = value as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => {
          calls.set(prop, (calls.get(prop) ?? 0) + 1);
          if (prop === 'reset') usageAtReset.push(target.memoryUsage());
          return method.apply(target, args);
        };
      },
    });
  };
  return { factory, calls, usageAtReset };
}

/** Captured CLI output. */
interface CapturedIo {
  io: CliIo;
  stdout(): string;
  stderr(): string;
}

function captureIo(): CapturedIo {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void): CliIo['stdout'] => ({
    isTTY: false,
    write: ((chunk: string | Uint8Array) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as CliIo['stdout']['write'],
  });
  return {
    io: { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) },
    stdout: () => out,
    stderr: () => err,
  };
}

/** Resolves to what `promise` rejected with; fails the test when it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Uploads `image` (a kernel image) into a fresh device tensor and returns its address. */
function uploadImage(runner: DeviceRunnerBase, image: Uint8Array): bigint {
  const addr = runner.allocateTensor(image.byteLength);
  runner.copyToDevice(addr, image);
  return addr;
}

/** A one-task graph running kernel `entry` (a cube kernel) from the image at `imageAddr`. */
function oneTaskRun(entry: string, imageAddr: bigint, imageSize: number, args: TaskSpec['args']): RunRequest {
  return {
    graph: {
      kernels: [{ name: entry, entry, imageAddr, imageSize, coreType: 'cube', argCount: args?.length ?? 0 }],
      tasks: [{ kernel: 0, args: args ?? [] }],
    },
    blockDim: 1,
  };
}

/**
 * Every bundled workload and each of its cases verifies through the arch runner, with diagnostics
 * off, and leaves nothing behind but the device-wall slot.
 */
export function describeArchWorkloads(target: ArchRunnerTarget): void {
  describe(`${target.arch} runner: bundled workloads on ${target.simPlatform}`, () => {
    let runner: DeviceRunnerBase | undefined;
    beforeAll(async () => {
      runner = await target.create();
    });
    afterAll(async () => {
      await runner?.finalize();
    });

    test(`the device has the ${target.arch} shape`, () => {
      const props = runner!.deviceProperties;
      expect(props.arch).toBe(target.arch);
      expect(props.platform).toBe(target.simPlatform);
      expect(props.simulated).toBe(true);
      expect({
        maxBlockDim: props.maxBlockDim,
        aicpuSchedulerThreads: props.aicpuSchedulerThreads,
        aicpuLaunchThreads: props.aicpuLaunchThreads,
        timestampHz: props.timestampHz,
        hostMapping: props.hostMapping,
      }).toEqual(target.expected);
      expect(props.cubeCores).toBe(target.expected.maxBlockDim);
      expect(props.vectorCores).toBe(2 * target.expected.maxBlockDim);
    });

    const cases = workloadNames.flatMap((w) => workloads[w].cases.map((c) => [w, c.name] as const));
    test.each(cases)('%s / %s verifies and leaves only the runner slots live', async (workload, caseName) => {
      const result = await runWorkload(runner!, workload, { case: caseName });
      expect({
        verified: result.verified,
        mismatchCount: result.mismatchCount,
        firstMismatches: result.mismatches,
        failedChecks: result.checks.filter((c) => !c.passed),
      }).toEqual({ verified: true, mismatchCount: 0, firstMismatches: [], failedChecks: [] });
      expect(result.runs.length).toBeGreaterThan(0);
      for (const run of result.runs) {
        expect(run.deviceWallNs).toBeGreaterThan(0n);
        expect(run.files).toEqual([]); // diagnostics off: nothing written
        expect(run.collectors).toEqual([]);
        expect(run.aicpuThreads).toBe(target.expected.aicpuLaunchThreads);
      }
      expect(runner!.memoryStats()).toEqual(idleAfterRun(runner!));
      expect(runner!.callableStats()).toMatchObject({ liveBuffers: 0, liveCallables: 0 });
      expect(runner!.isFaulted).toBe(false);
    });

    test('blockDim 0 resolves to the arch maximum', async () => {
      const spmd = workloads.spmd_basic;
      const result = await runWorkload(runner!, spmd.name, { case: spmd.defaultCase, run: { blockDim: 0 } });
      expect(result.verified).toBe(true);
      expect(result.runs.map((r) => r.blockDim)).toEqual(result.runs.map(() => target.expected.maxBlockDim));
    });

    test('a compiled graph runs like the plain one, run after run, and leaves nothing live', async () => {
      const names: WorkloadKernelName[] = [];
      names[DUMMY_TASK_KERNELS.writeConst] = 'write_const';
      names[DUMMY_TASK_KERNELS.copyFirst] = 'copy_first';
      const kernels = await loadWorkloadKernels(names, target.simPlatform);
      const r = runner!;
      const images = kernels.map((k) => {
        const addr = r.allocateTensor(k.image.byteLength);
        r.copyToDevice(addr, k.image);
        return addr;
      });
      const fill = new Float32Array(DUMMY_TASK_ELEMS).fill(DUMMY_TASK_FILL);
      const tensors = { x: r.allocateTensor(fill.byteLength), y: r.allocateTensor(fill.byteLength), w: r.allocateTensor(fill.byteLength) };
      const graph = {
        kernels: kernels.map((k, i) => ({ name: k.name, entry: k.entry ?? k.name, imageAddr: images[i]!, imageSize: k.image.byteLength, coreType: k.coreType, argCount: k.argCount })),
        tasks: dummyTaskGraph('single', 1, tensors),
      };
      const compiled = await compileGraph(graph);
      const y = new Float32Array(DUMMY_TASK_ELEMS);
      for (let i = 0; i < 3; i++) {
        for (const addr of Object.values(tensors)) r.copyToDevice(addr, fill);
        await r.run({ graph: compiled, blockDim: 1 });
        r.copyFromDevice(y, tensors.y);
        expect(y[0]).toBe(DUMMY_TASK_VALUE);
      }
      for (const addr of [...images, ...Object.values(tensors)]) r.freeTensor(addr);
      expect(r.memoryStats()).toEqual(idleAfterRun(r));
    });

    test('the AI Core executor was registered once for all those runs', () => {
      expect(runner!.aicoreRegistrations).toBe(1);
    });
  });
}

/** Creation, arenas, failures, timeouts, concurrency and teardown of the arch runner. */
export function describeArchLifecycle(target: ArchRunnerTarget): void {
  describe(`${target.arch} runner: lifecycle on ${target.simPlatform}`, () => {
    test(`a platform of another arch (${target.foreignPlatform}) is a typed error`, async () => {
      for (const platform of [target.foreignPlatform, 'nosuchsim']) {
        const err = await rejectionOf(target.create({ platform: platform as Platform }));
        expect(err).toBeInstanceOf(InvalidArgumentError);
        expect(err).toMatchObject({ code: RunnerErrorCode.InvalidArgument, param: 'platform', value: platform });
        expect((err as Error).message).toContain(platform);
        expect((err as Error).message).toContain(`'${target.simPlatform}'`);
      }
    });

    test('hardware without executor binaries is a typed error (nothing to load there)', async () => {
      const err = await rejectionOf(target.create({ platform: target.arch }));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err).toMatchObject({ code: RunnerErrorCode.InvalidArgument, param: 'executors' });
      expect((err as Error).message).toContain(`'${target.arch}'`);
    });

    test('setupStaticArena commits, keeps, grows, releases and rolls back through the arch runner', async () => {
      const MiB = 1 << 20;
      const hal = recordingHal();
      const runner = await target.create({ halFactory: hal.factory, sim: { memoryBytes: 256 * MiB } });
      try {
        expect(runner.acquirePooledGmHeap()).toBeNull(); // before any setup: nothing committed, no device opened
        runner.setupStaticArena(32 * MiB, 16 * MiB, 8 * MiB);
        const heap = runner.acquirePooledGmHeap();
        const sm = runner.acquirePooledGmSm();
        const arena = runner.acquirePooledRuntimeArena();
        expect([heap, sm, arena].every((a) => typeof a === 'bigint')).toBe(true);
        expect(new Set([heap, sm, arena]).size).toBe(3);
        expect(runner.memoryStats()).toEqual({ liveBytes: BigInt(56 * MiB), liveAllocations: 3 });

        // Same or smaller sizes: no device call at all.
        const mallocs = hal.calls.get('malloc');
        runner.setupStaticArena(32 * MiB, 16 * MiB, 8 * MiB);
        runner.setupStaticArena(1 * MiB, 1 * MiB, 1 * MiB);
        expect(hal.calls.get('malloc')).toBe(mallocs);
        expect(hal.calls.get('free') ?? 0).toBe(0);
        expect([runner.acquirePooledGmHeap(), runner.acquirePooledGmSm(), runner.acquirePooledRuntimeArena()]).toEqual([heap, sm, arena]);

        // A run with the arenas committed leaves them as they were.
        const result = await runWorkload(runner, 'dummy_task');
        expect(result.verified).toBe(true);
        expect([runner.acquirePooledGmHeap(), runner.acquirePooledGmSm(), runner.acquirePooledRuntimeArena()]).toEqual([heap, sm, arena]);
        expect(runner.memoryStats()).toEqual(idleAfterRun(runner, { liveBytes: BigInt(56 * MiB), liveAllocations: 3 }));

        // Growing one region re-commits only that one; runtimeArenaSize 0 releases the runtime arena.
        runner.setupStaticArena(64 * MiB, 16 * MiB, 0);
        expect(runner.acquirePooledGmSm()).toBe(sm);
        expect(runner.acquirePooledRuntimeArena()).toBeNull();
        expect(runner.memoryStats()).toEqual(idleAfterRun(runner, { liveBytes: BigInt(80 * MiB), liveAllocations: 2 }));

        // More than the device has: all three released, a typed error, and the runner stays usable.
        const err = (() => {
          try {
            runner.setupStaticArena(64 * MiB, 16 * MiB, 512 * MiB);
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        expect(err).toBeInstanceOf(ArenaError);
        expect(err).toMatchObject({ code: RunnerErrorCode.ArenaFailed, region: 'runtimeArena' });
        expect([runner.acquirePooledGmHeap(), runner.acquirePooledGmSm(), runner.acquirePooledRuntimeArena()]).toEqual([null, null, null]);
        expect(runner.memoryStats()).toEqual(idleAfterRun(runner));
        runner.setupStaticArena(16 * MiB, 16 * MiB, 16 * MiB);
        expect(runner.memoryStats()).toEqual(idleAfterRun(runner, { liveBytes: BigInt(48 * MiB), liveAllocations: 3 }));
        expect((await runWorkload(runner, 'dummy_task')).verified).toBe(true);
      } finally {
        await runner.finalize();
      }
      expect(hal.usageAtReset).toEqual([NOTHING_LIVE]); // finalize freed the arenas itself
      expect(runner.memoryStats()).toEqual(NOTHING_LIVE);
    });

    test('a run whose kernel image is not an ELF fails with a typed error; the runner stays usable', async () => {
      const runner = await target.create();
      try {
        const garbage = new Uint8Array(4096).fill(0xab);
        const image = uploadImage(runner, garbage);
        const out = runner.allocateTensor(64);
        const err = await rejectionOf(runner.run(oneTaskRun('not_an_elf', image, garbage.byteLength, [addrArg(out)])));
        // The device's report names the task and kernel; the stream error stays as the cause.
        expect(err).toBeInstanceOf(DeviceTaskError);
        expect(err).toMatchObject({ code: 'RUN_TASK_FAILED', op: 'run', taskId: 0, kernelId: 0 });
        expect((err as Error).message).toMatch(/task 0 failed on the device: kernel 'not_an_elf' could not be loaded/);
        const cause = (err as Error).cause as HalError;
        expect(cause).toBeInstanceOf(HalError);
        expect(cause).toMatchObject({ code: HalErrorCode.KernelFailed, op: 'launchAicpu' });
        expect(cause.backendCode).toEqual(expect.any(Number));
        expect(cause.backendCode).not.toBe(0);
        expect(cause.message).toMatch(/AI CPU kernel 'npurun_aicpu_run' thread \d+ returned \d+/);
        // A failed run is not a timeout: temporaries are freed and the runner is not faulted.
        expect(runner.isFaulted).toBe(false);
        expect(runner.memoryStats()).toEqual(idleAfterRun(runner, { liveBytes: 4096n + 64n, liveAllocations: 2 }));
        runner.freeTensor(image);
        runner.freeTensor(out);
        expect((await runWorkload(runner, 'dummy_task')).verified).toBe(true);
        expect(runner.memoryStats()).toEqual(idleAfterRun(runner));
      } finally {
        await runner.finalize();
      }
    });

    test('finalize after a failed run leaves no device bytes live', async () => {
      const hal = recordingHal();
      const runner = await target.create({ halFactory: hal.factory });
      const garbage = new TextEncoder().encode('this is not an ELF shared object'.repeat(8));
      const image = uploadImage(runner, garbage);
      const out = runner.allocateTensor(64);
      const err = await rejectionOf(runner.run(oneTaskRun('not_an_elf', image, garbage.byteLength, [addrArg(out)])));
      expect(err).toMatchObject({ code: 'RUN_TASK_FAILED' });
      await runner.finalize(); // the tensors are still held: finalize must sweep them
      expect(hal.usageAtReset).toEqual([NOTHING_LIVE]);
      expect(hal.calls.get('close')).toBe(1);
      expect(runner.memoryStats()).toEqual(NOTHING_LIVE);
    });

    test(
      'a hung kernel times out naming the stream, faults the runner, and finalize still frees everything',
      async () => {
        const spin = await compileSpinKernel(target.simPlatform);
        const hal = recordingHal();
        const runner = await target.create({ halFactory: hal.factory, runTimeoutMs: HANG_RUN_TIMEOUT_MS });
        const image = uploadImage(runner, spin);
        const flag = runner.allocateTensor(4);
        runner.copyToDevice(flag, new Uint32Array([0])); // never set: only the timeout ends the run
        const request = oneTaskRun('spin_until_flag', image, spin.byteLength, [addrArg(flag), scalarArg(SPIN_GIVE_UP_MS)]);

        const started = performance.now();
        const err = await rejectionOf(runner.run(request));
        const runMs = performance.now() - started;
        expect(err).toBeInstanceOf(RunTimeoutError);
        // The AI CPU scheduler waits for the hung core, so its stream is the one reported (waited first).
        expect(err).toMatchObject({ code: RunnerErrorCode.RunTimeout, stream: 'aicpu', timeoutMs: HANG_RUN_TIMEOUT_MS });
        expect((err as Error).message).toContain('AI CPU stream');
        expect((err as Error).message).toContain(`${HANG_RUN_TIMEOUT_MS} ms`);
        expect(runMs).toBeGreaterThanOrEqual(HANG_RUN_TIMEOUT_MS - 5);
        expect(runMs).toBeLessThan(SPIN_GIVE_UP_MS / 2); // the runner's timeout ended the wait, not the kernel

        // Faulted: everything but finalize is refused with a typed error.
        expect(runner.isFaulted).toBe(true);
        const again = await rejectionOf(runner.run(request));
        expect(again).toBeInstanceOf(RunnerFaultedError);
        expect(again).toMatchObject({ code: RunnerErrorCode.Faulted, op: 'run' });
        expect((again as Error).message).toContain('AI CPU stream did not finish');
        expect(() => runner.allocateTensor(4)).toThrow(RunnerFaultedError);
        expect(() => runner.setupStaticArena(1, 1, 0)).toThrow(RunnerFaultedError);
        expect(await rejectionOf(runWorkload(runner, 'dummy_task'))).toMatchObject({ code: RunnerErrorCode.Faulted });

        const finalizeStarted = performance.now();
        await runner.finalize();
        const finalizeMs = performance.now() - finalizeStarted;
        expect(finalizeMs).toBeLessThan(2000); // the stop flag ended the kernel, not its give-up time
        expect(hal.usageAtReset).toEqual([NOTHING_LIVE]); // the run's temporaries and the tensors were swept
        expect(hal.calls.get('close')).toBe(1);
        expect(runner.memoryStats()).toEqual(NOTHING_LIVE);
        expect(runner.isFinalized).toBe(true);
      },
      30_000,
    );

    test('two runners on two device ids run concurrently in one process', async () => {
      const [a, b] = await Promise.all([target.create({ deviceId: 0 }), target.create({ deviceId: 1 })]);
      try {
        expect([a.deviceProperties.deviceId, b.deviceProperties.deviceId]).toEqual([0, 1]);
        const spans: { device: number; start: number; end: number }[] = [];
        const runAll = async (runner: DeviceRunnerBase, device: number): Promise<boolean[]> => {
          const verified: boolean[] = [];
          for (const name of ['alternating_matmul_add', 'spmd_basic', 'dummy_task'] as const) {
            for (const c of workloads[name].cases) {
              const start = performance.now();
              verified.push((await runWorkload(runner, name, { case: c.name })).verified);
              spans.push({ device, start, end: performance.now() });
            }
          }
          return verified;
        };
        const [va, vb] = await Promise.all([runAll(a, 0), runAll(b, 1)]);
        expect([...va, ...vb].every((v) => v)).toBe(true);
        expect(va.length).toBe(vb.length);
        // The two sequences really overlapped: some run of device 1 started before device 0 was done.
        const endA = Math.max(...spans.filter((s) => s.device === 0).map((s) => s.end));
        const startB = Math.min(...spans.filter((s) => s.device === 1).map((s) => s.start));
        expect(startB).toBeLessThan(endA);
        expect(a.memoryStats()).toEqual(idleAfterRun(a));
        expect(b.memoryStats()).toEqual(idleAfterRun(b));
      } finally {
        await Promise.all([a.finalize(), b.finalize()]);
      }
      // Every case of three workloads on two devices at once: on a 2-core machine shared with other
      // suites this alone can take most of a minute.
    }, 180_000);

    test('a second run while one is in flight is refused; the hang kernel ends when its flag is set', async () => {
      const runner = await target.create();
      try {
        const spin = await compileSpinKernel(target.simPlatform);
        const image = uploadImage(runner, spin);
        const flag = runner.allocateTensor(4);
        runner.copyToDevice(flag, new Uint32Array([0]));
        const request = oneTaskRun('spin_until_flag', image, spin.byteLength, [addrArg(flag), scalarArg(SPIN_GIVE_UP_MS)]);
        const started = performance.now();
        const first = runner.run(request);
        const busy = await rejectionOf(runner.run(request));
        expect(busy).toMatchObject({ code: RunnerErrorCode.Busy, op: 'run' });
        // Well past the 40 ms asserted below: the device starts the run a little after run() is called.
        await new Promise((resolve) => setTimeout(resolve, 150));
        runner.copyToDevice(flag, new Uint32Array([1])); // host writes are allowed while a run is in flight
        const result = await first;
        expect(performance.now() - started).toBeLessThan(SPIN_GIVE_UP_MS / 2); // the flag ended it, not the give-up bound
        expect(result.deviceWallNs).toBeGreaterThan(40_000_000n); // it did wait for the flag
        expect(runner.isFaulted).toBe(false);
      } finally {
        await runner.finalize();
      }
    });

    test('every use after finalize is a typed error; finalize is idempotent', async () => {
      const runner = await target.create();
      expect((await runWorkload(runner, 'dummy_task')).verified).toBe(true);
      const tensor = runner.allocateTensor(16);
      await runner.finalize();
      expect(runner.isFinalized).toBe(true);
      const sync: [string, () => unknown][] = [
        ['allocateTensor', () => runner.allocateTensor(16)],
        ['freeTensor', () => runner.freeTensor(tensor)],
        ['copyToDevice', () => runner.copyToDevice(tensor, new Uint8Array(16))],
        ['copyFromDevice', () => runner.copyFromDevice(new Uint8Array(16), tensor)],
        ['setupStaticArena', () => runner.setupStaticArena(1, 1, 1)],
        ['acquirePooledGmHeap', () => runner.acquirePooledGmHeap()],
        ['deviceProperties', () => runner.deviceProperties],
        ['unregisterCallable', () => runner.unregisterCallable('x')],
      ];
      for (const [op, call] of sync) {
        let thrown: unknown;
        try {
          call();
        } catch (e) {
          thrown = e;
        }
        expect(thrown).toBeInstanceOf(RunnerFinalizedError);
        expect(thrown).toMatchObject({ code: RunnerErrorCode.Finalized, op });
        expect((thrown as Error).message).toContain('finalized');
      }
      expect(await rejectionOf(runner.run(oneTaskRun('x', tensor, 16, [])))).toBeInstanceOf(RunnerFinalizedError);
      expect(await rejectionOf(runner.runPrepared('x', {}))).toMatchObject({ code: RunnerErrorCode.Finalized });
      expect(await rejectionOf(runWorkload(runner, 'dummy_task'))).toMatchObject({ code: RunnerErrorCode.Finalized });
      await expect(runner.finalize()).resolves.toBeUndefined();
      await expect(Promise.all([runner.finalize(), runner.finalize()])).resolves.toEqual([undefined, undefined]);
      expect(runner.memoryStats()).toEqual(NOTHING_LIVE);
    });

    test('`await using` finalizes at the end of the block, also when the block throws', async () => {
      const hal = recordingHal();
      let held: DeviceRunnerBase | undefined;
      {
        await using runner = await target.create({ halFactory: hal.factory });
        held = runner;
        expect((await runWorkload(runner, 'dummy_task')).verified).toBe(true);
        expect(runner.isFinalized).toBe(false);
      }
      expect(held.isFinalized).toBe(true);
      expect(hal.usageAtReset).toEqual([NOTHING_LIVE]);

      let thrower: DeviceRunnerBase | undefined;
      const boom = new Error('boom');
      const thrownHal = recordingHal();
      const err = await rejectionOf(
        (async () => {
          await using runner = await target.create({ halFactory: thrownHal.factory });
          thrower = runner;
          runner.allocateTensor(1024); // left for the dispose to sweep
          throw boom;
        })(),
      );
      expect(err).toBe(boom);
      expect(thrower?.isFinalized).toBe(true);
      expect(thrownHal.usageAtReset).toEqual([NOTHING_LIVE]);
    });
  });
}

/** The `npurun-<arch>` command, driven in-process with captured output. */
export function describeArchCli(target: ArchRunnerTarget): void {
  const command = `npurun-${target.arch}`;
  describe(`${command} CLI`, () => {
    test('run spmd_basic exits 0 and prints an ok row', async () => {
      const cap = captureIo();
      const code = await target.cli(['run', 'spmd_basic'], cap.io);
      expect({ code, stderr: cap.stderr() }).toEqual({ code: 0, stderr: '' });
      expect(cap.stdout()).toMatch(new RegExp(`^spmd_basic\\s+${workloads.spmd_basic.defaultCase}\\s+ok\\s`, 'm'));
    });

    test('run --case all --json prints one versioned document with an ok row per case', async () => {
      const cap = captureIo();
      const code = await target.cli(['run', 'dummy_task', '--case', 'all', '--json', '--block-dim', '1'], cap.io);
      expect({ code, stderr: cap.stderr() }).toEqual({ code: 0, stderr: '' });
      const doc = JSON.parse(cap.stdout()) as { schemaVersion: number; arch: string; platform: string; results: Record<string, unknown>[] };
      expect(Object.keys(doc).sort()).toEqual(['arch', 'platform', 'results', 'schemaVersion']);
      expect(doc).toMatchObject({ schemaVersion: 1, arch: target.arch, platform: target.simPlatform });
      expect(doc.results.map((r) => [r.case, r.status])).toEqual(workloads.dummy_task.cases.map((c) => [c.name, 'ok']));
      for (const r of doc.results) {
        expect(r.deviceWallUs).toBeGreaterThan(0);
        // Diagnostics off: no collector ran, so there is no record count (null, not 0), and no output directory.
        expect(r).toMatchObject({ recordsCollected: null, recordsDropped: null, outputDir: null, detail: null, error: null, files: [] });
      }
    });

    test('list names every bundled workload (also as JSON); info prints the device', async () => {
      const list = captureIo();
      expect(await target.cli(['list'], list.io)).toBe(0);
      for (const w of workloadNames) expect(list.stdout()).toContain(w);
      const listJson = captureIo();
      expect(await target.cli(['list', '--json'], listJson.io)).toBe(0);
      const listed = JSON.parse(listJson.stdout()) as { schemaVersion: number; arch: string; workloads: { name: string; defaultCase: string; cases: { name: string }[] }[] };
      expect(listed).toMatchObject({ schemaVersion: 1, arch: target.arch });
      expect(listed.workloads.map((w) => w.name)).toEqual([...workloadNames]);
      expect(listed.workloads[0]!.cases.map((c) => c.name)).toEqual(workloads[workloadNames[0]!].cases.map((c) => c.name));
      const info = captureIo();
      expect(await target.cli(['info', '--json'], info.io)).toBe(0);
      expect(JSON.parse(info.stdout())).toMatchObject({
        schemaVersion: 1,
        arch: target.arch,
        platform: target.simPlatform,
        device: { arch: target.arch, platform: target.simPlatform, maxBlockDim: target.expected.maxBlockDim },
      });
    });

    test('a usage error with --json prints the error document and a short message', async () => {
      const cap = captureIo();
      const code = await target.cli(['run', 'dummy_task', '--json', '--case', 'nosuch'], cap.io);
      expect(code).toBe(2);
      expect(JSON.parse(cap.stdout())).toEqual({ schemaVersion: 1, error: { code: 'CLI_USAGE', message: expect.stringContaining("no case 'nosuch'") as string } });
      const lines = cap.stderr().trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toBe(`see '${command} run --help'`);
      const unknown = captureIo();
      expect(await target.cli(['run', 'dummy_task', '--json', '--platfrom', target.simPlatform], unknown.io)).toBe(2);
      expect(JSON.parse(unknown.stdout())).toMatchObject({ schemaVersion: 1, error: { code: 'CLI_USAGE' } });
      expect(unknown.stderr()).toContain("unknown option '--platfrom'");
    });

    test('inputs are checked before the device opens: executor files, --out, --timeout', async () => {
      const missing = path.join(os.tmpdir(), `npurun-no-such-executor-${process.pid}`);
      const blocker = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-cli-out-'));
      fs.writeFileSync(path.join(blocker, 'file'), '');
      try {
        const checks: [string[], RegExp][] = [
          [['run', 'dummy_task', '--aicpu-executor', missing, '--aicore-executor', missing], /--aicpu-executor: cannot read .*: no such file or directory \(ENOENT\)/],
          [['run', 'dummy_task', '--out', path.join(blocker, 'file', 'sub')], /not a directory \(ENOTDIR\)/],
          [['run', 'dummy_task', '--timeout', String(24 * 3600 * 1000 + 1)], /--timeout must be an integer from 1 to 86400000/],
        ];
        for (const [argv, message] of checks) {
          const cap = captureIo();
          expect(await target.cli(argv, cap.io)).toBe(2);
          expect(cap.stderr()).toMatch(message);
          expect(cap.stderr().trimEnd().split('\n')).toHaveLength(2);
        }
      } finally {
        fs.rmSync(blocker, { recursive: true, force: true });
      }
    });

    test('an interrupt aborts the case in progress: exit 130, the row says interrupted, run.json too', async () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-cli-int-'));
      try {
        const controller = new AbortController();
        const cap = captureIo();
        // Interrupted as soon as the runner logs its launch (the first case's device work).
        const code = await target.cli(['run', 'alternating_matmul_add', '--case', 'all', '--swimlane', '1', '--out', out, '--json', '--log-level', 'debug'], {
          ...cap.io,
          stderr: {
            isTTY: false,
            write: ((chunk: string) => {
              if (String(chunk).includes('run: launched')) controller.abort();
              return true;
            }) as CliIo['stderr']['write'],
          },
        }, { signal: controller.signal });
        expect(code).toBe(130);
        const doc = JSON.parse(cap.stdout()) as { results: { case: string; status: string; error: { code: string } | null }[] };
        expect(doc.results).toHaveLength(1);
        expect(doc.results[0]).toMatchObject({ case: 'default', status: 'interrupted', error: { code: 'ABORT_ERR' } });
        const runJson = JSON.parse(fs.readFileSync(path.join(out, 'default', 'run.json'), 'utf8')) as { status: string };
        expect(runJson.status).toBe('interrupted');
        expect(fs.existsSync(path.join(out, 'fill_cores', 'run.json'))).toBe(false); // never started
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    });

    const usage: [string, string[], RegExp][] = [
      ['no workload', ['run'], /missing required argument/i],
      ['an unknown command', ['frobnicate'], /unknown command/i],
      ['an unknown workload', ['run', 'nosuch'], /unknown workload 'nosuch'/],
      ['an unknown case', ['run', 'dummy_task', '--case', 'nosuch'], /dummy_task has no case 'nosuch'/],
      ['an unknown option', ['run', 'dummy_task', '--frobnicate'], /unknown option/i],
      ['a bad --block-dim', ['run', 'dummy_task', '--block-dim', '-1'], /--block-dim/],
      ['a platform of another arch', ['run', 'dummy_task', '--platform', target.foreignPlatform], /--platform/],
      ['a bad --timeout', ['run', 'dummy_task', '--timeout', '0'], /--timeout/],
    ];
    if (!target.supportsDepGen) usage.push(['--dep-gen (a2a3 only)', ['run', 'dummy_task', '--dep-gen'], /unknown option/i]);
    test.each(usage)('bad usage (%s) exits 2 with a message', async (_label, argv, message) => {
      const cap = captureIo();
      const code = await target.cli(argv, cap.io);
      expect(code).toBe(2);
      expect(cap.stderr()).toMatch(message);
    });

    test('run on hardware is refused before any device is opened: exit 2 with the explanation', async () => {
      const cap = captureIo();
      // No vendor runtime here: opening a device would fail with HAL_LIBRARY_NOT_FOUND (exit 3).
      const code = await target.cli(['run', 'dummy_task', '--platform', target.arch], cap.io);
      expect(code).toBe(2);
      expect(cap.stderr()).toContain(`cannot run on ${target.arch} in this version`);
      expect(cap.stderr()).toContain('ccec');
      expect(cap.stderr()).not.toContain('HAL_');
      expect(cap.stdout()).toBe('');
    });

    test('cache info and cache clean report and empty the cache directory', async () => {
      const saved = process.env['NPURUN_CACHE_DIR'];
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-cli-cache-'));
      process.env['NPURUN_CACHE_DIR'] = dir;
      try {
        fs.mkdirSync(path.join(dir, 'device-programs'));
        fs.writeFileSync(path.join(dir, 'device-programs', 'x.so'), Buffer.alloc(2048));
        const info = captureIo();
        expect(await target.cli(['cache', 'info'], info.io)).toBe(0);
        expect(info.stdout()).toContain(dir);
        expect(info.stdout()).toContain('1 files');
        const clean = captureIo();
        expect(await target.cli(['cache', 'clean'], clean.io)).toBe(0);
        expect(clean.stdout()).toContain('removed 1 files');
        expect(fs.existsSync(path.join(dir, 'device-programs'))).toBe(false);
      } finally {
        if (saved === undefined) delete process.env['NPURUN_CACHE_DIR'];
        else process.env['NPURUN_CACHE_DIR'] = saved;
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    // The CLI bounds --block-dim by 1024; the device's own maximum is checked by the runner, and
    // that rejection is still reported as bad usage.
    test('a --block-dim above the arch maximum exits 2 (usage) naming the range', async () => {
      const cap = captureIo();
      const code = await target.cli(['run', 'spmd_basic', '--block-dim', String(target.expected.maxBlockDim + 1)], cap.io);
      expect(cap.stdout() + cap.stderr()).toContain(`[1, ${target.expected.maxBlockDim}]`);
      expect(code).toBe(2);
    });
  });
}

/** All of the above. */
export function describeArchRunner(target: ArchRunnerTarget): void {
  describeArchWorkloads(target);
  describeArchLifecycle(target);
  describeArchCli(target);
}
