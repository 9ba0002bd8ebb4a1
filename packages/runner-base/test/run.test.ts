import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HalError, HalErrorCode } from '@npurun/hal-native';
import {
  GraphError,
  InvalidArgumentError,
  RunTimeoutError,
  RunnerBusyError,
  RunnerErrorCode,
  RunnerFaultedError,
  compileGraph,
  decodeRuntimeImage,
  encodeRuntimeImage,
  type TaskGraph,
} from '../src';
import { FakeHal } from './support/fake-hal';
import { TestKernelArgs, makeRunner, wallWritingHal } from './support/test-runner';

const kernel = { name: 'add', entry: 'kernel_add', imageAddr: 0x100n, imageSize: 64, coreType: 'vector' as const };
const graph: TaskGraph = { kernels: [kernel], tasks: [{ kernel: 0 }, { kernel: null, deps: [0] }, { kernel: 0, deps: [1] }] };
/** What a runner keeps after a run: the device-wall slot and the run scratch region. */
const RUNNER_SLOTS = 2;

let outDir: string;
beforeEach(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-base-run-'));
});
afterEach(() => {
  fs.rmSync(outDir, { recursive: true, force: true });
});

describe('run: the shared steps', () => {
  test('publishes runtime image, log settings, device id and device-wall slot; reads the wall back', async () => {
    const fake = wallWritingHal(123_456n);
    const runner = makeRunner(fake, { logLevel: 'info', logInfoV: 7, deviceId: 0, logSink: () => undefined });
    const result = await runner.run({ graph });
    expect(result.deviceWallNs).toBe(123_456n);

    const init = fake.aicpuLaunches.find((l) => l.kernelName === 'npurun_aicpu_init')!;
    const k = TestKernelArgs.decode(init.args);
    expect(k.logLevel).toBe(1);
    expect(k.logInfoV).toBe(7);
    expect(k.deviceId).toBe(0);
    expect(k.deviceWallDataBase).not.toBe(0n);
    expect(k.runtimeArgs).not.toBe(0n);
    expect(k.fftsBaseAddr).toBe(0xf0f0n); // filled by the arch hook before the AI CPU launch
    // the runtime image was on device during the launch: capture it from the AI Core launch's view
    const aicore = fake.aicoreLaunches[0]!;
    expect(aicore.kernelArgsAddr).not.toBe(0n);
  });

  test('the AI Core gets the address of a device-resident copy of the same KernelArgs', async () => {
    let deviceCopy: Uint8Array | undefined;
    let image: Uint8Array | undefined;
    const fake = new FakeHal({
      onAicoreLaunch: (launch, f) => {
        deviceCopy = f.read(launch.kernelArgsAddr, TestKernelArgs.size);
        const rt = TestKernelArgs.readField(deviceCopy, 'runtimeArgs');
        const header = f.read(rt, 80);
        const total = Number(new DataView(header.buffer).getBigUint64(72, true));
        image = f.read(rt, total);
      },
    });
    const runner = makeRunner(fake);
    await runner.run({ graph });
    const hostArgs = fake.aicpuLaunches[0]!.args;
    expect(Buffer.from(deviceCopy!)).toEqual(Buffer.from(hostArgs));
    const decoded = decodeRuntimeImage(image!);
    expect(decoded.header.taskCount).toBe(3);
    expect(decoded.tasks[1]!.flags).toBe(1);
    expect(decoded.kernels[0]!.entry).toBe('kernel_add');
  });

  test.each([
    ['beforeAicpuLaunch', ['copyToDevice', 'launchAicpu', 'launchAicpu', 'launchAicore']],
    ['beforeAicoreLaunch', ['launchAicpu', 'launchAicpu', 'copyToDevice', 'launchAicore']],
  ] as const)('KernelArgs upload point %s', async (upload, order) => {
    const fake = new FakeHal();
    const runner = makeRunner(fake, {}, { upload });
    await runner.run({ graph });
    const interesting = fake.log.filter((op) => op === 'launchAicpu' || op === 'launchAicore' || op === 'copyToDevice');
    // the launch's first copies are the zeroed device wall, the runtime image and (the fake is a
    // simulator) the sim dispatch block; then the KernelArgs copy sits where the arch says
    expect(interesting.slice(3)).toEqual(order);
  });

  test("a run's own device memory is the runner's: the device-wall slot and one scratch region, allocated once", async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    await runner.run({ graph });
    expect(runner.memoryStats().liveAllocations).toBe(RUNNER_SLOTS);
    const mallocs = fake.calls.malloc;
    const frees = fake.calls.free;
    await runner.run({ graph });
    await runner.run({ graph });
    // Neither the image, the sim dispatch block nor the KernelArgs copy is allocated again.
    expect(fake.calls.malloc).toBe(mallocs);
    expect(fake.calls.free).toBe(frees);
    expect(runner.memoryStats().liveAllocations).toBe(RUNNER_SLOTS);
  });

  test("an arch hook's ctx.allocTemp is freed when the run ends, after a success and after a failed launch", async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake, {}, { hookTempBytes: 256 });
    await runner.run({ graph });
    expect(runner.hookTemps).toHaveLength(1);
    expect(runner.memoryStats().liveAllocations).toBe(RUNNER_SLOTS);
    const [mallocs, frees] = [fake.calls.malloc, fake.calls.free];
    await runner.run({ graph });
    expect([fake.calls.malloc - mallocs, fake.calls.free - frees]).toEqual([1, 1]); // the hook's temporary, and nothing else
    fake.fail('launchAicore', { error: new HalError('launchAicore: boom', { code: HalErrorCode.InvalidHandle, op: 'launchAicore' }) });
    await expect(runner.run({ graph })).rejects.toThrow('launchAicore: boom');
    expect(runner.hookTemps).toHaveLength(3);
    expect(runner.memoryStats().liveAllocations).toBe(RUNNER_SLOTS);
  });

  test('the scratch region is replaced when an image outgrows it, and the KernelArgs point into the new one', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    await runner.run({ graph });
    const small = runner.memoryStats().liveBytes;
    const big: TaskGraph = { kernels: graph.kernels, tasks: Array.from({ length: 400 }, (_, i) => ({ kernel: 0, args: [], deps: i > 0 ? [i - 1] : [] })) };
    const frees = fake.calls.free;
    await runner.run({ graph: big });
    expect(fake.calls.free).toBe(frees + 1); // the old region, before the new one was taken
    expect(runner.memoryStats().liveAllocations).toBe(RUNNER_SLOTS);
    expect(runner.memoryStats().liveBytes).toBeGreaterThan(small);
    const launch = fake.aicpuLaunches[fake.aicpuLaunches.length - 1]!;
    const bytes = encodeRuntimeImage(big).bytes;
    const image = fake.read(TestKernelArgs.readField(launch.args, 'runtimeArgs'), bytes.byteLength);
    expect(Buffer.from(image)).toEqual(Buffer.from(bytes));
    expect(decodeRuntimeImage(image).header.taskCount).toBe(400);
  });

  test('a stale device-wall value is zeroed before each run', async () => {
    let write = true;
    const fake = new FakeHal({
      onAicpuLaunch: (launch, f) => {
        if (write && launch.kernelName === 'npurun_aicpu_run') {
          f.write(TestKernelArgs.readField(launch.args, 'deviceWallDataBase'), new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0]));
        }
      },
    });
    const runner = makeRunner(fake);
    expect((await runner.run({ graph })).deviceWallNs).toBe(9n);
    write = false;
    expect((await runner.run({ graph })).deviceWallNs).toBe(0n);
  });

  test('outputs are copied back after the run', async () => {
    const fake = new FakeHal({
      onAicoreLaunch: (_l, f) => {
        f.write(out, new Uint8Array(new Float32Array([42, 43]).buffer));
      },
    });
    const runner = makeRunner(fake);
    const out = runner.allocateTensor(8);
    const host = new Float32Array(2);
    await runner.run({ graph, outputs: [{ addr: out, view: host }] });
    expect([...host]).toEqual([42, 43]);
  });

  test('a bad graph fails before any device call (device not even opened)', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    await expect(runner.run({ graph: { kernels: [kernel], tasks: [{ kernel: 4 }] } })).rejects.toThrow(GraphError);
    await expect(runner.run({ graph: { kernels: [], tasks: [{ deps: [0] }] } })).rejects.toThrow(GraphError);
    expect(fake.totalCalls).toBe(0);
  });

  test('diagnostics need an output directory', async () => {
    expect(() => makeRunner(new FakeHal(), { diagnostics: { pmu: 1 } })).toThrow(/outputDir must be a directory when any diagnostic is enabled/);
    const runner = makeRunner(new FakeHal());
    await expect(runner.run({ graph, diagnostics: { tensorDump: true } })).rejects.toThrow(InvalidArgumentError);
    expect(() => makeRunner(new FakeHal(), { diagnostics: { l2Swimlane: 5 }, outputDir: outDir })).toThrow(/diagnostics.l2Swimlane must be an integer 0-4/);
    expect(() => makeRunner(new FakeHal(), { diagnostics: { bogus: true } as never, outputDir: outDir })).toThrow(/diagnostics.bogus/);
  });

  test('a run without diagnostics after one with them launches with clean KernelArgs (the bytes are reused, not left over)', async () => {
    const fake = wallWritingHal(5000n);
    const runner = makeRunner(fake, { outputDir: outDir, diagnostics: { l2Swimlane: 2, depGen: true, scopeStats: true } });
    await runner.run({ graph, blockDim: 2 });
    await runner.run({ graph, blockDim: 2, diagnostics: { l2Swimlane: 0, depGen: false, scopeStats: false } });
    const [withDiagnostics, without] = [fake.aicpuLaunches[0]!.args, fake.aicpuLaunches.at(-1)!.args];
    expect(TestKernelArgs.readField(withDiagnostics, 'enableProfilingFlag')).not.toBe(0);
    expect(TestKernelArgs.readField(without, 'enableProfilingFlag')).toBe(0);
    expect(TestKernelArgs.readField(without, 'l2PerfDataBase')).toBe(0n);
  });

  test('a run with no diagnostic enabled skips the diagnostic steps; the next run with one takes them again', async () => {
    const fake = wallWritingHal(5000n);
    const runner = makeRunner(fake, { outputDir: outDir });
    await runner.run({ graph });
    expect(runner.journal).toEqual(['beforeKernelArgsUpload']);
    runner.journal.length = 0;
    await runner.run({ graph, diagnostics: { scopeStats: true } });
    expect(runner.journal).toEqual(['initDiagnostics', 'scopeStats.init', 'scopeStats.start', 'beforeKernelArgsUpload', 'scopeStats.stop', 'scopeStats.reconcile', 'scopeStats.exportFiles', 'scopeStats.finalize']);
    await runner.finalize();
  });

  test("a compiled graph's run reaches the device within the call, before the caller's next await", async () => {
    const fake = wallWritingHal(5000n);
    const runner = makeRunner(fake);
    const compiled = await compileGraph(graph);
    const pending = runner.run({ graph: compiled });
    expect(fake.aicpuLaunches.map((l) => l.kernelName)).toEqual(['npurun_aicpu_init', 'npurun_aicpu_run']);
    expect(fake.aicoreLaunches).toHaveLength(1);
    expect((await pending).deviceWallNs).toBe(5000n);
    await runner.finalize();
  });

  test('a platform of the other arch is rejected', () => {
    expect(() => makeRunner(new FakeHal(), { platform: 'a5sim' })).toThrow(/platform must be 'a2a3sim' or 'a2a3'/);
  });

  test('with diagnostics: collectors run in the documented order, exports and run.json are written', async () => {
    const fake = wallWritingHal(5000n);
    const runner = makeRunner(fake, { outputDir: outDir, diagnostics: { l2Swimlane: 2, depGen: true, scopeStats: true } });
    const result = await runner.run({ graph, blockDim: 2 });
    expect(runner.journal).toEqual([
      'initDiagnostics',
      'l2Swimlane.init',
      'depGen.init',
      'scopeStats.init',
      'l2Swimlane.start', // step 5: shared
      'scopeStats.start',
      'depGen.start', // step 6: arch
      'beforeKernelArgsUpload',
      'l2Swimlane.stop', // step 8: shared teardown
      'l2Swimlane.reconcile',
      'l2Swimlane.exportFiles',
      'scopeStats.stop',
      'scopeStats.reconcile',
      'scopeStats.exportFiles',
      'depGen.stop', // step 9
      'depGen.reconcile',
      'depGen.exportFiles',
      'l2Swimlane.finalize', // end of run: buffers released
      'depGen.finalize',
      'scopeStats.finalize',
    ]);
    const flags = TestKernelArgs.readField(fake.aicpuLaunches[0]!.args, 'enableProfilingFlag');
    expect(flags).toBe((1 << 1) | (1 << 3) | (1 << 4));
    expect(TestKernelArgs.readField(fake.aicpuLaunches[0]!.args, 'l2PerfDataBase')).toBe(runner.collectors[0]!.published);
    expect(result.collectors.map((c) => c.name)).toEqual(['l2Swimlane', 'scopeStats', 'depGen']);
    expect(result.files.map((f) => path.basename(f)).sort()).toEqual(['depGen.txt', 'l2Swimlane.txt', 'run.json', 'scopeStats.txt']);
    expect(runner.collectors[0]!.lastExport?.kernelNames?.get(0)).toBe('add');
    const json = JSON.parse(fs.readFileSync(path.join(outDir, 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({
      status: 'ok',
      arch: 'a2a3',
      platform: 'a2a3sim',
      simulated: true,
      deviceId: 0,
      blockDim: 2,
      aicpuThreads: 6,
      deviceWallNs: '5000',
      graph: { tasks: 3, kernels: 1, edges: 2, dummies: 1 },
      diagnostics: { l2Swimlane: 2, depGen: true, scopeStats: true, tensorDump: false, pmu: 0 },
    });
    expect(typeof json.npurunVersion).toBe('string');
    expect((json.collectors as unknown[]).length).toBe(3);
    expect(runner.memoryStats().liveAllocations).toBe(RUNNER_SLOTS); // collector buffers freed, the runner's slots kept
  });

  test('collectors are re-initialized on the next run', async () => {
    const runner = makeRunner(new FakeHal(), { outputDir: outDir, diagnostics: { pmu: 3 } });
    await runner.run({ graph });
    await runner.run({ graph });
    expect(runner.journal.filter((j) => j === 'pmu.init')).toHaveLength(2);
    expect(runner.journal.filter((j) => j === 'pmu.finalize')).toHaveLength(2);
  });
});

describe('run: failure paths tear down what was started', () => {
  test('initDiagnostics fails after one collector: it is finalized, nothing launched, temps freed', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake, { outputDir: outDir, diagnostics: { tensorDump: true, pmu: 1 } }, { failInitDiagnosticsAfter: 1 });
    await expect(runner.run({ graph })).rejects.toThrow('initDiagnostics failed (injected)');
    expect(runner.journal).toEqual(['initDiagnostics', 'tensorDump.init', 'tensorDump.finalize']);
    expect(fake.calls.launchAicpu + fake.calls.launchAicore).toBe(0);
    expect(runner.memoryStats().liveAllocations).toBe(1); // the device-wall slot: the run failed before it needed the scratch region
    const json = JSON.parse(fs.readFileSync(path.join(outDir, 'run.json'), 'utf8')) as { status: string; error: { message: string } };
    expect(json.status).toBe('failed');
    expect(json.error.message).toContain('initDiagnostics failed');
    // the runner is still usable
    const ok = makeRunner(fake);
    await expect(ok.run({ graph })).resolves.toBeDefined();
  });

  test('a collector failing to start: earlier started collectors are stopped, nothing launched', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake, { outputDir: outDir, diagnostics: { tensorDump: true, l2Swimlane: 1, pmu: 1 } }, { failCollector: { l2Swimlane: ['start'] } });
    await expect(runner.run({ graph })).rejects.toThrow('l2Swimlane.start failed');
    expect(runner.journal).toContain('tensorDump.stop');
    expect(runner.journal).not.toContain('pmu.start');
    expect(runner.journal).not.toContain('pmu.stop'); // never started, never stopped
    expect(runner.journal.filter((j) => j.endsWith('.finalize')).sort()).toEqual(['l2Swimlane.finalize', 'pmu.finalize', 'tensorDump.finalize']);
    expect(fake.calls.launchAicpu).toBe(0);
    expect(runner.memoryStats().liveAllocations).toBe(RUNNER_SLOTS);
  });

  test('a launch failure after the AI CPU launches waits for the launched work, stops collectors, exports incomplete', async () => {
    const fake = new FakeHal({ onAicpuLaunch: () => ({ durationMs: 20 }) });
    const runner = makeRunner(fake, { outputDir: outDir, diagnostics: { scopeStats: true } });
    fake.fail('launchAicore', { error: new HalError('launchAicore: boom', { code: HalErrorCode.InvalidHandle, op: 'launchAicore' }) });
    await expect(runner.run({ graph })).rejects.toThrow('launchAicore: boom');
    expect(fake.calls.synchronize).toBe(1); // the AI CPU stream was waited for before freeing
    expect(runner.journal.slice(-4)).toEqual(['scopeStats.stop', 'scopeStats.reconcile', 'scopeStats.exportFiles', 'scopeStats.finalize']);
    expect(runner.collectors[0]!.lastExport?.incomplete).toBe(true);
    expect(runner.collectors[0]!.lastReconcile?.incomplete).toBe(true);
    expect(fs.readFileSync(path.join(outDir, 'scopeStats.txt'), 'utf8')).toBe('incomplete\n');
    expect(runner.memoryStats().liveAllocations).toBe(RUNNER_SLOTS);
    expect(runner.isFaulted).toBe(false);
    await expect(runner.run({ graph })).resolves.toBeDefined();
  });

  test('a kernel failure reported at synchronize: both streams are waited for, the error propagates', async () => {
    const err = new HalError('kernel failed', { code: HalErrorCode.KernelFailed, op: 'synchronize' });
    const fake = new FakeHal({ onAicpuLaunch: (l) => (l.kernelName === 'npurun_aicpu_run' ? { error: err } : undefined) });
    const runner = makeRunner(fake);
    await expect(runner.run({ graph })).rejects.toBe(err);
    expect(fake.calls.synchronize).toBe(2);
    expect(runner.isFaulted).toBe(false);
    expect(runner.memoryStats().liveAllocations).toBe(RUNNER_SLOTS);
  });

  test('a collector failing at teardown still finalizes every collector and frees temps', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake, { outputDir: outDir, diagnostics: { tensorDump: true, pmu: 2 } }, { failCollector: { tensorDump: ['reconcile'] } });
    await expect(runner.run({ graph })).rejects.toThrow('tensorDump.reconcile failed');
    expect(runner.journal).toContain('pmu.stop');
    expect(runner.journal.filter((j) => j.endsWith('.finalize'))).toHaveLength(2);
    expect(runner.memoryStats().liveAllocations).toBe(RUNNER_SLOTS);
  });

  test('runs are serial: a second run while one is in flight is a typed error', async () => {
    const runner = makeRunner(new FakeHal({ onAicoreLaunch: () => ({ durationMs: 30 }) }));
    const first = runner.run({ graph });
    await expect(runner.run({ graph })).rejects.toThrow(RunnerBusyError);
    await expect(first).resolves.toBeDefined();
  });
});

describe('run timeout', () => {
  test('names the stream and the timeout, marks the runner faulted; only finalize is allowed', async () => {
    const fake = new FakeHal({ onAicoreLaunch: () => ({ hang: true }) });
    const runner = makeRunner(fake, { outputDir: outDir, diagnostics: { pmu: 1 } });
    const t = runner.allocateTensor(64);
    let err: unknown;
    try {
      await runner.run({ graph, timeoutMs: 50 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RunTimeoutError);
    expect((err as RunTimeoutError).code).toBe(RunnerErrorCode.RunTimeout);
    expect((err as RunTimeoutError).stream).toBe('aicore');
    expect((err as RunTimeoutError).timeoutMs).toBe(50);
    expect((err as Error).message).toMatch(/AI Core stream did not finish within 50 ms/);
    expect(runner.isFaulted).toBe(true);
    // the collector was stopped, but its buffers and the run's temporaries were left for finalize
    expect(runner.journal).toContain('pmu.stop');
    expect(runner.journal).not.toContain('pmu.finalize');
    expect(runner.journal).not.toContain('pmu.exportFiles');
    expect(runner.memoryStats().liveAllocations).toBeGreaterThan(2);

    for (const call of [
      () => runner.allocateTensor(8),
      () => runner.freeTensor(t),
      () => runner.setupStaticArena(1, 1, 1),
      () => runner.acquirePooledGmHeap(),
      () => runner.prepareCallable(1, { kernels: [], orchestrate: () => ({ tasks: [] }) }),
    ]) {
      expect(call).toThrow(RunnerFaultedError);
    }
    await expect(runner.run({ graph })).rejects.toThrow(RunnerFaultedError);
    await expect(runner.run({ graph })).rejects.toMatchObject({ code: 'RUNNER_FAULTED' });

    await runner.finalize();
    // streams destroyed before any memory was freed
    const firstFree = fake.log.indexOf('free');
    expect(fake.log.indexOf('destroyStream')).toBeLessThan(firstFree);
    expect(fake.memory.size).toBe(0);
    expect(fake.calls.reset).toBe(1);
    expect(runner.memoryStats().liveAllocations).toBe(0);
  });

  test('the AI CPU stream timing out is named as such', async () => {
    const runner = makeRunner(new FakeHal({ onAicpuLaunch: () => ({ hang: true }) }));
    await expect(runner.run({ graph, timeoutMs: 20 })).rejects.toMatchObject({ stream: 'aicpu', code: 'RUNNER_RUN_TIMEOUT' });
  });

  test('one deadline covers both streams', async () => {
    const fake = new FakeHal({ onAicpuLaunch: () => ({ durationMs: 60 }), onAicoreLaunch: () => ({ durationMs: 60 }) });
    const runner = makeRunner(fake);
    const t0 = Date.now();
    await runner.run({ graph, timeoutMs: 1000 });
    expect(Date.now() - t0).toBeLessThan(1000);
    // with a deadline shorter than the AI CPU work, the AI Core gets only what is left
    const runner2 = makeRunner(new FakeHal({ onAicpuLaunch: () => ({ durationMs: 200 }), onAicoreLaunch: () => ({ hang: true }) }));
    const t1 = Date.now();
    await expect(runner2.run({ graph, timeoutMs: 100 })).rejects.toMatchObject({ stream: 'aicpu' });
    expect(Date.now() - t1).toBeLessThan(400);
  });

  test.each([0, -5, 1.5, 'x'])('timeoutMs %p is rejected', async (bad) => {
    const runner = makeRunner(new FakeHal());
    await expect(runner.run({ graph, timeoutMs: bad as number })).rejects.toThrow(/run: timeoutMs must be an integer/);
  });
});
