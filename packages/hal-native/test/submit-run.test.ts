// submitRun: a run's uploads, launches, wait and device-wall read in one call, with rejections that
// say which step failed — and submitRunStepwise, the same made of the device's individual calls.
import { HalErrorCode } from '../src/errors';
import { openDevice } from '../src/device';
import { loadBinding } from '../src/native';
import { submitRunStepwise } from '../src/submit-run';
import type { AicoreBinary, AicpuProgram, HalDevice, RunSubmission, SubmitRunError } from '../src/types';
import { testProgram } from './support/programs';
import { rejection } from './support/rejection';

let aicpuKernels: Uint8Array;
let runAicore: Uint8Array;

beforeAll(async () => {
  [aicpuKernels, runAicore] = await Promise.all([testProgram('aicpu_kernels'), testProgram('run_aicore')]);
});

const submitters = {
  'device.submitRun': (d: HalDevice, run: RunSubmission) => d.submitRun(run),
  submitRunStepwise: (d: HalDevice, run: RunSubmission) => submitRunStepwise(d, run),
};

describe.each(['a2a3sim', 'a5sim'] as const)('a run on %s', (platform) => {
  let device: HalDevice;
  let program: AicpuProgram;
  let binary: AicoreBinary;
  let wall: bigint;
  let log: bigint;
  let kernelArgsAddr: bigint;

  beforeEach(() => {
    device = openDevice({ platform, sim: { memoryBytes: 64 * 1024 * 1024 } });
    program = device.loadAicpuProgram(aicpuKernels);
    binary = device.registerAicoreBinary(runAicore);
    wall = device.malloc(8);
    log = device.malloc(16);
    device.memset(log, 0, 16);
    kernelArgsAddr = device.malloc(24);
  });
  afterEach(() => device.close());

  function submission(overrides: { runKernel?: string; threads?: number; timeoutMs?: number; value?: bigint; upload?: RunSubmission['kernelArgsUpload'] } = {}): RunSubmission {
    return {
      aicpu: { stream: device.createStream(), program, initKernel: 'run_init', runKernel: overrides.runKernel ?? 'run_exec', threads: overrides.threads ?? 3 },
      aicore: { stream: device.createStream(), binary, blockDim: 2 },
      kernelArgs: new BigUint64Array([wall, overrides.value ?? 0x1234_5678_9abcn, log]),
      kernelArgsAddr,
      kernelArgsUpload: overrides.upload ?? 'beforeAicpuLaunch',
      timeoutMs: overrides.timeoutMs ?? 10_000,
      deviceWallAddr: wall,
    };
  }

  const readLog = (): number[] => {
    const out = new Uint32Array(4);
    device.copyFromDevice(out, log);
    return Array.from(out);
  };

  describe.each(Object.entries(submitters))('%s', (_name, submit) => {
    test.each(['beforeAicpuLaunch', 'beforeAicoreLaunch'] as const)('resolves with the device wall; every kernel ran, the AI Core on the uploaded copy (upload %s)', async (upload) => {
      await expect(submit(device, submission({ upload, value: 0xfeed_0042n }))).resolves.toBe(0xfeed_0042n);
      // init once, run on 3 threads, the AI Core read `value` from the device copy
      expect(readLog()).toEqual([1, 3, 0xfeed_0042, 0]);
    });

    test('a failing kernel rejects in the wait phase, naming its stream', async () => {
      const run = submission({ runKernel: 'fail_on_thread_one', threads: 2 });
      const err = await rejection<SubmitRunError>(submit(device, run));
      expect(err).toMatchObject({ phase: 'wait', code: HalErrorCode.KernelFailed, backendCode: 42 });
      expect(err.phase === 'wait' && err.stream).toBe(run.aicpu.stream);
    });

    test('a missed deadline rejects in the wait phase with the streams that timed out', async () => {
      const run = submission({ runKernel: 'spin_until_stopped', threads: 1, timeoutMs: 50 });
      const err = await rejection<SubmitRunError>(submit(device, run));
      expect(err).toMatchObject({ phase: 'wait', code: HalErrorCode.SyncTimeout });
      expect(err.phase === 'wait' && err.timedOut).toContain(run.aicpu.stream);
      run.aicpu.stream.destroy(); // raises the stop flag the kernel polls
      run.aicore.stream.destroy();
    });

    test('the uploads land, in order, before anything launches', async () => {
      const run: RunSubmission = {
        ...submission(),
        uploads: [
          { addr: log, bytes: new Uint32Array([9, 9, 9, 9]) },
          { addr: log, bytes: new Uint32Array([5]) }, // the later upload wins
        ],
      };
      await submit(device, run);
      const [init, threads, , unused] = readLog();
      expect(init).toBe(6); // the init kernel added its 1 to the uploaded 5
      expect(threads).toBe(3);
      expect(unused).toBe(9);
    });

    test('a failed upload rejects in the launch phase with nothing launched', async () => {
      const run: RunSubmission = { ...submission(), uploads: [{ addr: log, bytes: new Uint32Array([5]) }, { addr: 0x10n, bytes: new Uint8Array(8) }] };
      const err = await rejection<SubmitRunError>(submit(device, run));
      expect(err).toMatchObject({ phase: 'launch', code: HalErrorCode.InvalidAddress, launched: [] });
      expect(readLog()).toEqual([5, 0, 0, 0]); // the first upload was made; no kernel ran
    });

    test('an unreadable device wall rejects in the read phase, after the work finished', async () => {
      const run = { ...submission(), deviceWallAddr: 0x10n };
      const err = await rejection<SubmitRunError>(submit(device, run));
      expect(err).toMatchObject({ phase: 'read', code: HalErrorCode.InvalidAddress });
      expect(readLog()[1]).toBe(3);
    });

    test('an unknown kernel rejects in the launch phase; the AI Core never ran', async () => {
      const err = await rejection<SubmitRunError>(submit(device, submission({ runKernel: 'no_such_kernel' })));
      expect(err).toMatchObject({ phase: 'launch', code: HalErrorCode.UnknownKernel, op: 'launchAicpu' });
      expect(readLog()[2]).toBe(0);
      // What had started was waited for before the promise settled.
      if (err.phase === 'launch') for (const s of err.launched) await expect(s.synchronize(0)).resolves.toBeUndefined();
    });
  });

  test('the device checks the whole run before starting any of it', async () => {
    const run = submission({ runKernel: 'no_such_kernel' });
    const err = await rejection<SubmitRunError>(device.submitRun(run));
    expect(err.phase === 'launch' && err.launched).toEqual([]);
    expect(readLog()).toEqual([0, 0, 0, 0]); // not even the init kernel ran
  });

  test('the stepwise submission waits for what started before a later launch failed', async () => {
    const run = submission({ runKernel: 'no_such_kernel' });
    const err = await rejection<SubmitRunError>(submitRunStepwise(device, run));
    expect(err.phase === 'launch' && err.launched).toEqual([run.aicpu.stream]);
    expect(readLog()[0]).toBe(1); // the init kernel ran, and had finished when the promise settled
  });

  test('refuses streams, programs and upload points that are not its own, before any device work', async () => {
    const other = openDevice({ platform, sim: { memoryBytes: 16 * 1024 * 1024 } });
    try {
      const run = submission();
      const bad: [RunSubmission, RegExp][] = [
        [{ ...run, aicpu: { ...run.aicpu, stream: other.createStream() } }, /aicpu\.stream is not a stream of this device/],
        [{ ...run, aicore: { ...run.aicore, stream: other.createStream() } }, /aicore\.stream is not a stream of this device/],
        [{ ...run, aicpu: { ...run.aicpu, program: other.loadAicpuProgram(aicpuKernels) } }, /aicpu\.program is not an AI CPU program of this device/],
        [{ ...run, kernelArgsUpload: 'later' as RunSubmission['kernelArgsUpload'] }, /kernelArgsUpload must be/],
        [{ ...run, timeoutMs: -1 }, /timeoutMs/],
        [{ ...run, uploads: {} as RunSubmission['uploads'] }, /uploads must be an array/],
        [{ ...run, uploads: [{ addr: 16, bytes: new Uint8Array(1) }] as unknown as RunSubmission['uploads'] }, /uploads\[0\] must be/],
        [{ ...run, uploads: [{ addr: 16n, bytes: [1] }] as unknown as RunSubmission['uploads'] }, /uploads\[0\] must be/],
      ];
      for (const [r, message] of bad) {
        const err = await rejection<SubmitRunError>(device.submitRun(r));
        expect(err.code).toBe(HalErrorCode.InvalidArgument);
        expect(err.message).toMatch(message);
      }
      expect(readLog()).toEqual([0, 0, 0, 0]);
    } finally {
      other.close();
    }
  });

  test('a closed device rejects', async () => {
    const run = submission();
    device.close();
    const err = await rejection<SubmitRunError>(device.submitRun(run));
    expect(err.code).toBe(HalErrorCode.DeviceClosed);
    device = openDevice({ platform, sim: { memoryBytes: 16 * 1024 * 1024 } }); // for afterEach
  });
});

test('the addon itself refuses uploads that are not address, bytes pairs (nothing runs)', () => {
  const { NativeDevice } = loadBinding();
  const raw = new NativeDevice({ platform: 'a2a3sim', deviceId: 0, simMemoryBytes: 16 * 1024 * 1024 });
  try {
    const aicpuStream = raw.createStream();
    const aicoreStream = raw.createStream();
    const program = raw.loadAicpuProgram(aicpuKernels);
    const binary = raw.registerAicoreBinary(runAicore);
    const wall = raw.malloc(8);
    const target = raw.malloc(8);
    raw.memset(target, 0, 8);
    const args = new Uint8Array(24);
    const submit = (uploads: (bigint | ArrayBufferView)[]): Promise<bigint> =>
      raw.submitRun(aicpuStream, program, 'run_init', 'run_exec', 1, args, raw.malloc(24), true, aicoreStream, binary, 1, 5000, wall, uploads);
    // Argument errors are thrown synchronously by the addon (the JS wrapper turns them into rejections).
    expect(() => submit([target, new Uint8Array(8).fill(7), target])).toThrow(
      expect.objectContaining({ code: HalErrorCode.InvalidArgument, message: expect.stringMatching(/uploads must hold address, bytes pairs \(got 3 elements\)/) }),
    );
    const left = new Uint8Array(8);
    raw.copyFromDevice(left, target);
    expect([...left]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]); // the first pair was not copied either
  } finally {
    raw.close();
  }
});
