/**
 * Cancellation, the output directory's manifest and the checks at the public boundary, over the
 * fake HAL (the simulators are covered by the arch suites).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CollectorError, CollectorErrorCode, OutputWriteError, createCollector } from '@npurun/collectors';
import { HalError, HalErrorCode } from '@npurun/hal-native';
import {
  InvalidArgumentError,
  MAX_RUN_TIMEOUT_MS,
  OutputDirectoryError,
  RUN_JSON_SCHEMA_VERSION,
  RunAbortedError,
  RunnerError,
  RunnerErrorCode,
  RunnerFaultedError,
  compileKernel,
  isNpurunError,
  parseRunManifest,
  type RunProgress,
  type TaskGraph,
} from '../src';
import { FakeHal } from './support/fake-hal';
import { makeRunner, wallWritingHal } from './support/test-runner';

const kernel = { name: 'add', entry: 'kernel_add', imageAddr: 0x100n, imageSize: 64, coreType: 'vector' as const };
const graph: TaskGraph = { kernels: [kernel], tasks: [{ kernel: 0 }, { kernel: 0, deps: [0] }] };

let outDir: string;
beforeEach(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-base-cancel-'));
});
afterEach(() => {
  fs.rmSync(outDir, { recursive: true, force: true });
});

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

interface RunJson {
  schemaVersion: number;
  status: string;
  error?: { code: string; message: string };
  files: { path: string; bytes: number }[];
}

function readRunJson(dir: string): RunJson {
  return JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunJson;
}

/** Every file under `dir`, relative, `/`-separated, sorted. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** The manifest matches the directory: every listed file exists with its size, nothing else is there. */
function expectManifestMatchesDirectory(dir: string): RunJson {
  const json = readRunJson(dir);
  expect(json.schemaVersion).toBe(RUN_JSON_SCHEMA_VERSION);
  for (const f of json.files) expect(fs.statSync(path.join(dir, f.path)).size).toBe(f.bytes);
  expect(filesUnder(dir)).toEqual([...json.files.map((f) => f.path), 'run.json'].sort());
  return json;
}

/** A fake whose AI CPU run kernel never finishes while `hang.on` (until its stream is destroyed). */
function hangingHal(hang: { on: boolean }): FakeHal {
  return wallWritingHal(1000n, {
    onAicpuLaunch: (launch) => (hang.on && launch.kernelName === 'npurun_aicpu_run' ? { hang: true } : undefined),
  });
}

describe('cancellation through an AbortSignal', () => {
  test('an abort while the device works stops it, writes run.json "interrupted" and leaves the runner usable', async () => {
    const hang = { on: true };
    const fake = hangingHal(hang);
    const runner = makeRunner(fake, { outputDir: outDir, diagnostics: { l2Swimlane: 1 } });
    const controller = new AbortController();
    // Aborted at the launch report: the device work is in flight (and never ends by itself).
    const err = await rejectionOf(runner.run({ graph, signal: controller.signal, timeoutMs: 60_000, onProgress: () => controller.abort() }));
    expect(err).toBeInstanceOf(RunAbortedError);
    expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', op: 'run' });
    expect(isNpurunError(err)).toBe(true);
    // The stop: both streams destroyed (raising the stop flag), two fresh ones created.
    expect(fake.calls.destroyStream).toBe(2);
    expect(fake.calls.createStream).toBe(4);
    expect(fake.liveStreams.size).toBe(2);
    expect(runner.isFaulted).toBe(false);
    // Nothing was exported after the abort; the collector was torn down and its buffer freed.
    expect(runner.journal).not.toContain('l2Swimlane.exportFiles');
    expect(runner.journal).toContain('l2Swimlane.finalize');
    const json = expectManifestMatchesDirectory(outDir);
    expect(json).toMatchObject({ status: 'interrupted', error: { code: 'ABORT_ERR' }, files: [] });
    expect(runner.memoryStats().liveAllocations).toBe(2); // the runner's slots: device wall, run scratch

    hang.on = false;
    const again = await runner.run({ graph });
    expect(again.deviceWallNs).toBe(1000n);
    await runner.finalize();
  });

  test('an abort whose stop faults the device (HAL_DEVICE_FAULT) faults the runner and says so', async () => {
    const fake = hangingHal({ on: true });
    const runner = makeRunner(fake, { outputDir: outDir });
    // A device process killed after the stop's grace period fails every later call.
    const fault = new HalError('createStream: the device faulted: the device process was killed', { code: 'HAL_DEVICE_FAULT' as HalErrorCode, op: 'createStream' });
    fake.fail('createStream', { onCall: 3, error: fault });
    const controller = new AbortController();
    const err = await rejectionOf(runner.run({ graph, signal: controller.signal, onProgress: () => controller.abort() }));
    expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    expect((err as Error).message).toContain('faulted');
    expect((err as Error).cause).toBe(fault);
    expect(runner.isFaulted).toBe(true);
    expect(runner.faultDescription).toContain('the device process was killed');
    expect(readRunJson(outDir)).toMatchObject({ status: 'interrupted' });
    const next = await rejectionOf(runner.run({ graph }));
    expect(next).toBeInstanceOf(RunnerFaultedError);
    await runner.finalize(); // finalize stays allowed
    expect(runner.isFinalized).toBe(true);
  });

  test('an already aborted signal rejects at once: no device call, no file', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake, { outputDir: outDir });
    const reason = new Error('user changed their mind');
    const err = await rejectionOf(runner.run({ graph, signal: AbortSignal.abort(reason) }));
    expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', reason });
    expect((err as Error).message).toContain('user changed their mind');
    expect(fake.totalCalls).toBe(0);
    expect(fs.readdirSync(outDir)).toEqual([]);
  });

  test('runPrepared takes the signal too', async () => {
    const hang = { on: true };
    const fake = hangingHal(hang);
    const runner = makeRunner(fake);
    runner.prepareCallable('c', { kernels: [{ name: 'k', image: new Uint8Array(64), coreType: 'vector' }], orchestrate: () => ({ tasks: [{ kernel: 0 }] }) });
    const controller = new AbortController();
    const run = runner.runPrepared('c', {}, { signal: controller.signal, onProgress: () => controller.abort() });
    expect(fake.calls.destroyStream).toBe(0);
    expect(await rejectionOf(run)).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', op: 'runPrepared' });
    hang.on = false;
    await expect(runner.runPrepared('c', {})).resolves.toBeDefined();
  });

  test('progress is reported at launch and at the end; a throwing callback does not fail the run', async () => {
    const runner = makeRunner(wallWritingHal(5n));
    const seen: RunProgress[] = [];
    await runner.run({ graph, onProgress: (p) => seen.push(p) });
    expect(seen[0]).toEqual({ completedTasks: 0, totalTasks: 2 });
    expect(seen[seen.length - 1]).toEqual({ completedTasks: 2, totalTasks: 2 });
    const result = await runner.run({
      graph,
      onProgress: () => {
        throw new Error('boom');
      },
    });
    expect(result.deviceWallNs).toBe(5n);
  });
});

describe('the output directory: one run, one truth', () => {
  test('run.json carries a schema version and lists every file with its size', async () => {
    const runner = makeRunner(new FakeHal(), { outputDir: outDir, diagnostics: { l2Swimlane: 1, pmu: 2 } });
    const result = await runner.run({ graph });
    const json = expectManifestMatchesDirectory(outDir);
    expect(json.status).toBe('ok');
    expect(json.files.map((f) => f.path).sort()).toEqual(['l2Swimlane.txt', 'pmu.txt']);
    expect(result.files.map((f) => path.basename(f)).sort()).toEqual(['l2Swimlane.txt', 'pmu.txt', 'run.json']);
  });

  test('a re-run with fewer diagnostics removes the earlier run’s files, and nothing else', async () => {
    const first = makeRunner(new FakeHal(), { outputDir: outDir, diagnostics: { l2Swimlane: 1, pmu: 2, scopeStats: true } });
    await first.run({ graph });
    fs.writeFileSync(path.join(outDir, 'notes.txt'), 'mine');
    const second = makeRunner(new FakeHal(), { outputDir: outDir, diagnostics: { l2Swimlane: 1 } });
    await second.run({ graph });
    expect(filesUnder(outDir)).toEqual(['l2Swimlane.txt', 'notes.txt', 'run.json']);
    expect(readRunJson(outDir).files.map((f) => f.path)).toEqual(['l2Swimlane.txt']);
  });

  test('an interrupted re-run leaves no stale "ok" run.json and none of the earlier files', async () => {
    await makeRunner(new FakeHal(), { outputDir: outDir, diagnostics: { pmu: 2, scopeStats: true } }).run({ graph });
    expect(readRunJson(outDir).status).toBe('ok');
    const runner = makeRunner(hangingHal({ on: true }), { outputDir: outDir, diagnostics: { l2Swimlane: 1 } });
    const controller = new AbortController();
    await rejectionOf(runner.run({ graph, signal: controller.signal, onProgress: () => controller.abort() }));
    expect(filesUnder(outDir)).toEqual(['run.json']);
    expect(readRunJson(outDir).status).toBe('interrupted');
  });

  test('a run.json npurun did not write is no manifest: nothing is removed for it', async () => {
    fs.writeFileSync(path.join(outDir, 'run.json'), JSON.stringify({ files: [{ path: 'data.bin', bytes: 4 }] }));
    fs.writeFileSync(path.join(outDir, 'data.bin'), 'abcd');
    await makeRunner(new FakeHal(), { outputDir: outDir, diagnostics: { pmu: 1 } }).run({ graph });
    expect(filesUnder(outDir)).toEqual(['data.bin', 'pmu.txt', 'run.json']);
  });

  test('manifest paths that would leave the directory are ignored', () => {
    const text = JSON.stringify({
      schemaVersion: 1,
      npurunVersion: '0.1.0',
      files: [
        { path: '../outside', bytes: 1 },
        { path: '/etc/passwd', bytes: 1 },
        { path: 'a/../../b', bytes: 1 },
        { path: 'run.json', bytes: 1 },
        { path: 'ok/file.json', bytes: 1 },
      ],
    });
    expect(parseRunManifest(text)).toEqual([{ path: 'ok/file.json', bytes: 1 }]);
    expect(parseRunManifest('not json')).toBeUndefined();
    expect(parseRunManifest(JSON.stringify({ files: [] }))).toBeUndefined();
  });

  test('an output directory that cannot be created is refused before any device call', async () => {
    const file = path.join(outDir, 'a-file');
    fs.writeFileSync(file, 'x');
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    const err = await rejectionOf(runner.run({ graph, outputDir: path.join(file, 'sub') }));
    expect(err).toBeInstanceOf(OutputDirectoryError);
    expect(err).toMatchObject({ code: RunnerErrorCode.OutputDirectory, dir: path.join(file, 'sub') });
    expect((err as Error).message).toMatch(/not a directory \(ENOTDIR\)/);
    expect(fake.totalCalls).toBe(0);
  });
});

describe('checks at the public boundary', () => {
  test('a misspelled option is an error naming it and the option meant', () => {
    const err = thrownBy(() => makeRunner(new FakeHal(), { platfrom: 'a2a3sim' } as never));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err).toMatchObject({ code: RunnerErrorCode.InvalidArgument, param: 'options.platfrom' });
    expect((err as Error).message).toContain("did you mean 'platform'?");
  });

  test('run and runPrepared refuse null, wrong types and unknown keys', async () => {
    const runner = makeRunner(new FakeHal());
    expect(await rejectionOf(runner.run(null as never))).toMatchObject({ code: RunnerErrorCode.InvalidArgument, param: 'request' });
    expect(await rejectionOf(runner.run({ graph, timeoutMS: 5 } as never))).toMatchObject({ param: 'request.timeoutMS' });
    expect((await rejectionOf(runner.run({ graph, timeoutMS: 5 } as never)) as Error).message).toContain("did you mean 'timeoutMs'?");
    expect(await rejectionOf(runner.run({ graph, signal: {} as AbortSignal }))).toMatchObject({ param: 'signal' });
    expect(await rejectionOf(runner.run({ graph, onProgress: 3 as never }))).toMatchObject({ param: 'onProgress' });
    expect(await rejectionOf(runner.run({ graph, outputs: [null as never] }))).toMatchObject({ param: 'outputs[0]' });
    runner.prepareCallable('c', { kernels: [{ name: 'k', image: new Uint8Array(64), coreType: 'vector' }], orchestrate: () => undefined as never });
    expect(await rejectionOf(runner.runPrepared('c', {}, null as never))).toMatchObject({ code: RunnerErrorCode.InvalidArgument, param: 'options' });
    const plan = await rejectionOf(runner.runPrepared('c', {}));
    expect(plan).toBeInstanceOf(InvalidArgumentError);
    expect((plan as Error).message).toContain('orchestrate() of callable "c"');
  });

  test('compileKernel and createCollector refuse unknown keys and null with typed errors', async () => {
    const err = await rejectionOf(compileKernel({ sources: [], platform: 'a2a3sim', includeDir: [] } as never));
    expect(err).toMatchObject({ code: RunnerErrorCode.InvalidArgument, param: 'options.includeDir' });
    expect((err as Error).message).toContain("did you mean 'includeDirs'?");
    expect(await rejectionOf(compileKernel(null as never))).toMatchObject({ code: RunnerErrorCode.InvalidArgument, param: 'options' });
    expect(thrownBy(() => createCollector(null as never, { name: 'pmu', eventGroup: 1 }))).toMatchObject({ code: CollectorErrorCode.InvalidArgument });
  });

  test('a timeout above the HAL’s 24 h is refused before anything is launched', async () => {
    expect(thrownBy(() => makeRunner(new FakeHal(), { runTimeoutMs: MAX_RUN_TIMEOUT_MS + 1 }))).toMatchObject({ param: 'runTimeoutMs' });
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    expect(await rejectionOf(runner.run({ graph, timeoutMs: MAX_RUN_TIMEOUT_MS + 1 }))).toMatchObject({ param: 'timeoutMs' });
    expect(fake.calls.launchAicpu).toBe(0);
    await expect(runner.run({ graph, timeoutMs: MAX_RUN_TIMEOUT_MS })).resolves.toBeDefined();
  });

  test('a logSink must be a function; one that throws never fails a run', async () => {
    expect(thrownBy(() => makeRunner(new FakeHal(), { logSink: 'stderr' as never }))).toMatchObject({ code: RunnerErrorCode.InvalidArgument, param: 'logSink' });
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const runner = makeRunner(new FakeHal(), {
        logLevel: 'debug',
        logSink: () => {
          throw new Error('sink exploded');
        },
      });
      await expect(runner.run({ graph })).resolves.toBeDefined();
      await expect(runner.run({ graph })).resolves.toBeDefined();
      // Reported once, not once per line.
      expect(stderr.mock.calls.filter((c) => String(c[0]).includes('sink exploded'))).toHaveLength(1);
    } finally {
      stderr.mockRestore();
    }
  });

  test('views of a SharedArrayBuffer copy both ways', () => {
    const runner = makeRunner(new FakeHal());
    const addr = runner.allocateTensor(16);
    const src = new Int32Array(new SharedArrayBuffer(16));
    src.set([1, 2, 3, 4]);
    runner.copyToDevice(addr, src);
    const dst = new Int32Array(new SharedArrayBuffer(24), 8, 4);
    runner.copyFromDevice(dst, addr);
    expect([...dst]).toEqual([1, 2, 3, 4]);
  });

  test('one error family: HAL, collector and runner errors are npurun errors with a code', () => {
    const errors = [
      new HalError('x', { code: HalErrorCode.Internal, op: 'x' }),
      new CollectorError(CollectorErrorCode.InvalidState, 'x', 'y'),
      new OutputWriteError('run', '/x/run.json', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 })),
      new RunAbortedError('run', undefined),
      new InvalidArgumentError('op', 'p', 1, 'two'),
    ];
    for (const e of errors) {
      expect(isNpurunError(e)).toBe(true);
      expect(typeof e.code).toBe('string');
    }
    expect(errors[2]!.message).toBe('run: cannot write /x/run.json: no space left on device (ENOSPC)');
    expect(isNpurunError(new Error('plain'))).toBe(false);
    expect(isNpurunError({ code: 'ABORT_ERR' })).toBe(false);
    expect(new RunAbortedError('run', undefined)).toBeInstanceOf(RunnerError);
  });
});
