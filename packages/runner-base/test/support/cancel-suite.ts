/**
 * Cancellation through the API on an arch's simulator, written once for both arch packages (like
 * arch-suite.ts): a spinning kernel stopped by an abort, a bundled workload aborted at its launch,
 * an abort in the middle of the exports. Every kernel here polls the stop flag.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Platform } from '@npurun/hal-native';
import {
  RunAbortedError,
  addrArg,
  compileKernel,
  isNpurunError,
  runWorkload,
  scalarArg,
  simDeviceIncludeDir,
  type DeviceRunnerBase,
  type RunRequest,
} from '@npurun/runner-base';
import type { ArchRunnerTarget } from './arch-suite';
import { idleAfterRun } from './runner-slots';

jest.setTimeout(120_000);

const SPIN_KERNEL_SOURCE = path.join(__dirname, 'kernels', 'spin_until_flag.cpp');
/** The spin kernel's own give-up time: far beyond what any stop may take. */
const SPIN_GIVE_UP_MS = 30_000;

interface RunJson {
  status: string;
  error?: { code: string };
  files: { path: string; bytes: number }[];
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

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

function readRunJson(dir: string): RunJson {
  return JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunJson;
}

/** This process's collector spools in the temporary directory. */
function ownSpools(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`npurun-spool-${process.pid}-`));
}

/** This process's spools that were not there at `before` (a test file may share its worker with others). */
function newSpools(before: readonly string[]): string[] {
  return ownSpools().filter((n) => !before.includes(n));
}

function spinRequest(runner: DeviceRunnerBase, spin: Uint8Array): RunRequest {
  const image = runner.allocateTensor(spin.byteLength);
  runner.copyToDevice(image, spin);
  const flag = runner.allocateTensor(4);
  runner.copyToDevice(flag, new Uint32Array([0])); // never set: only the stop flag ends the kernel early
  return {
    graph: {
      kernels: [{ name: 'spin_until_flag', entry: 'spin_until_flag', imageAddr: image, imageSize: spin.byteLength, coreType: 'cube', argCount: 2 }],
      tasks: [{ kernel: 0, args: [addrArg(flag), scalarArg(SPIN_GIVE_UP_MS)] }],
    },
    blockDim: 1,
    timeoutMs: 60_000,
  };
}

/** Cancellation through `signal` on the arch's simulator. */
export function describeArchCancellation(target: ArchRunnerTarget): void {
  describe(`${target.arch} runner: cancellation on ${target.simPlatform}`, () => {
    let out: string;
    let spoolsBefore: string[];
    beforeEach(() => {
      out = fs.mkdtempSync(path.join(os.tmpdir(), `npurun-cancel-${target.arch}-`));
      spoolsBefore = ownSpools();
    });
    afterEach(() => {
      fs.rmSync(out, { recursive: true, force: true });
    });

    test('an abort stops a spinning kernel through the stop flag; the runner stays usable', async () => {
      const spin = await compileKernel({ sources: [SPIN_KERNEL_SOURCE], platform: target.simPlatform as Platform, includeDirs: [simDeviceIncludeDir] });
      const runner = await target.create({ outputDir: out, diagnostics: { l2Swimlane: 1 } });
      try {
        const request = spinRequest(runner, spin);
        const controller = new AbortController();
        const started = performance.now();
        // Aborted once the kernel has been spinning for a while: armed by the first progress report,
        // which comes right after the launch (a fixed delay from the call may land before the launch
        // on a loaded machine, and then no device work is there to stop).
        let armed = false;
        const abortWhileSpinning = (): void => {
          if (armed) return;
          armed = true;
          setTimeout(() => controller.abort(), 100);
        };
        const run = runner.run({ ...request, signal: controller.signal, onProgress: abortWhileSpinning });
        const err = await rejectionOf(run);
        expect(armed).toBe(true);
        const ms = performance.now() - started;
        expect(err).toBeInstanceOf(RunAbortedError);
        expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', op: 'run' });
        expect(isNpurunError(err)).toBe(true);
        expect(ms).toBeLessThan(SPIN_GIVE_UP_MS / 2); // the abort ended it, not the kernel's give-up time
        expect(runner.isFaulted).toBe(false);
        expect(readRunJson(out)).toMatchObject({ status: 'interrupted', error: { code: 'ABORT_ERR' }, files: [] });
        expect(filesUnder(out)).toEqual(['run.json']);
        expect(newSpools(spoolsBefore)).toEqual([]);
        // Fresh streams: the next runs work, on the same tensors.
        const again = await rejectionOf(runner.run({ ...request, signal: AbortSignal.timeout(100) }));
        expect(again).toMatchObject({ code: 'ABORT_ERR' });
        const ok = await runWorkload(runner, 'dummy_task', { run: { outputDir: path.join(out, 'next') } });
        expect(ok.verified).toBe(true);
        expect(readRunJson(path.join(out, 'next')).status).toBe('ok');
      } finally {
        await runner.finalize();
      }
    });

    test('a bundled workload aborted at its launch rejects with ABORT_ERR and releases its device state', async () => {
      const runner = await target.create();
      try {
        const controller = new AbortController();
        let reports = 0;
        const err = await rejectionOf(
          runWorkload(runner, 'alternating_matmul_add', {
            case: 'fill_cores',
            signal: controller.signal,
            run: {
              onProgress: () => {
                reports++;
                controller.abort(); // at the first report: the launch
              },
            },
          }),
        );
        expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
        expect(reports).toBe(1);
        expect(runner.isFaulted).toBe(false);
        expect(runner.memoryStats()).toEqual(idleAfterRun(runner)); // tensors freed, callables unregistered
        expect(runner.callableStats()).toMatchObject({ liveBuffers: 0, liveCallables: 0 });
        expect((await runWorkload(runner, 'alternating_matmul_add')).verified).toBe(true);
        // An already aborted signal: rejected before anything is compiled or allocated.
        expect(await rejectionOf(runWorkload(runner, 'spmd_basic', { signal: AbortSignal.abort() }))).toMatchObject({ code: 'ABORT_ERR' });
        expect(runner.memoryStats()).toEqual(idleAfterRun(runner));
      } finally {
        await runner.finalize();
      }
    });

    test('an abort during the exports leaves only complete files, all listed in run.json', async () => {
      const controller = new AbortController();
      const runner = await target.create({
        outputDir: out,
        diagnostics: { l2Swimlane: 4, tensorDump: true, pmu: 2, scopeStats: true },
        logLevel: 'debug',
        logSink: (_level, message) => {
          if (message === 'run: exporting l2Swimlane') controller.abort();
        },
      });
      try {
        const err = await rejectionOf(runWorkload(runner, 'alternating_matmul_add', { signal: controller.signal, run: { blockDim: 2 } }));
        expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
        const json = readRunJson(out);
        expect(json.status).toBe('interrupted');
        // What was exported before the abort (the tensor dump at least; the arch's wiring decides
        // whether PMU and scope stats come before the l2 swimlane) is complete and listed; the l2
        // export was cut off and left nothing.
        const listed = json.files.map((f) => f.path).sort();
        expect(listed).toEqual(expect.arrayContaining(['tensor_dump/tensor_dump.bin', 'tensor_dump/tensor_dump.json']));
        expect(listed.filter((p) => p.includes('l2_perf') || p.includes('swimlane'))).toEqual([]);
        expect(filesUnder(out)).toEqual([...json.files.map((f) => f.path), 'run.json'].sort());
        for (const f of json.files) expect(fs.statSync(path.join(out, f.path)).size).toBe(f.bytes);
        expect(() => JSON.parse(fs.readFileSync(path.join(out, 'tensor_dump', 'tensor_dump.json'), 'utf8')) as unknown).not.toThrow();
        expect(newSpools(spoolsBefore)).toEqual([]);
        expect(runner.memoryStats()).toEqual(idleAfterRun(runner));
      } finally {
        await runner.finalize();
      }
    });
  });
}
