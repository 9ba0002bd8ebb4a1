/**
 * The runner-level fault corpus, shared by the arch packages: faulting kernels built with
 * compileKernel and run through prepareCallable/runPrepared, each case in a child process
 * (runner-fault-child.cjs). The host process survives, the run rejects with HAL_DEVICE_FAULT naming
 * the task and kernel, run.json records the failure, the runner is faulted, finalize is bounded and
 * leaves nothing allocated, and a new runner works. Bad task addresses never reach the device.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface RunnerFaultReport {
  mode: string;
  childError?: string;
  code: string | null;
  name?: string;
  message?: string;
  faulted: boolean;
  runJson?: { status: string; error: { code: string; message: string } | null };
  sameRunnerAfter?: number;
  finalizeError: string | null;
  finalizeMs: number;
  liveAfterFinalize: number;
  freshRunner: number;
}

/** What the suite needs of an arch package. */
export interface FaultSuiteTarget {
  /** The simulator platform. */
  simPlatform: 'a2a3sim' | 'a5sim';
  /** Absolute path of the arch package's built main (dist/index.js). */
  packageMain: string;
}

const child = path.join(__dirname, 'runner-fault-child.cjs');

function runChild(target: FaultSuiteTarget, mode: string): Promise<{ report: RunnerFaultReport; exitCode: number; signal: string | null }> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `npurun-runner-fault-${mode}-`));
  return new Promise((resolve) => {
    execFile(process.execPath, [child, target.packageMain, target.simPlatform, mode, outDir], { timeout: 120_000 }, (error, stdout) => {
      let report: RunnerFaultReport;
      try {
        report = JSON.parse(stdout.trim().split('\n').pop() ?? '') as RunnerFaultReport;
      } catch {
        report = { mode, childError: `no report; stdout: ${stdout}` } as RunnerFaultReport;
      }
      fs.rmSync(outDir, { recursive: true, force: true });
      const e = error as (Error & { code?: number; signal?: string }) | null;
      resolve({ report, exitCode: e ? (typeof e.code === 'number' ? e.code : -1) : 0, signal: e?.signal ?? null });
    });
  });
}

const deviceFaults: [mode: string, cause: RegExp][] = [
  ['null_deref', /SIGSEGV .*\(a NULL pointer plus 0\)/],
  ['divide_by_zero', /SIGFPE \(integer division by zero\)/],
  ['call_abort', /SIGABRT \(abort\(\) was called\)/],
  ['call_exit', /exit\(\) was called by device code .*\(exit status 5\)/],
  ['cpp_throw', /a C\+\+ exception escaped device code .*: tile size 0/],
  ['write_past_end', /is 0 bytes past the end of the 4096-byte allocation at 0x[0-9a-f]+ \(offset 4096\)/],
];

/** Registers the fault corpus for one arch. */
export function describeDeviceFaults(target: FaultSuiteTarget): void {
  describe(`device faults through the runner on ${target.simPlatform}`, () => {
    test.each(deviceFaults)('%s rejects the run with HAL_DEVICE_FAULT naming the task and kernel', async (mode, cause) => {
      const { report, exitCode, signal } = await runChild(target, mode);
      expect({ childError: report.childError, exitCode, signal }).toEqual({ childError: undefined, exitCode: 0, signal: null });
      expect(report.code).toBe('HAL_DEVICE_FAULT');
      expect(report.message).toMatch(cause);
      expect(report.message).toContain(`task 0 (kernel '${mode}') on AI Core vector core`);
      expect(report.faulted).toBe(true);
      expect(report.runJson?.status).toBe('failed');
      expect(report.runJson?.error?.code).toBe('HAL_DEVICE_FAULT');
      expect(report.finalizeError).toBeNull();
      expect(report.finalizeMs).toBeLessThan(2000);
      expect(report.liveAfterFinalize).toBe(0);
      expect(report.freshRunner).toBe(42);
    }, 150_000);

    test('a kernel that ignores the stop flag is ended at the run timeout; finalize stays bounded', async () => {
      const { report, exitCode } = await runChild(target, 'ignore_stop');
      expect({ childError: report.childError, exitCode }).toEqual({ childError: undefined, exitCode: 0 });
      expect(report.code).toBe('RUNNER_RUN_TIMEOUT');
      expect(report.faulted).toBe(true);
      expect(report.finalizeError).toBeNull();
      expect(report.finalizeMs).toBeLessThan(2000);
      expect(report.liveAfterFinalize).toBe(0);
      expect(report.freshRunner).toBe(42);
    }, 150_000);

    test.each(['freed_argument', 'small_address_argument'])('a %s never reaches the device: a typed error, the runner stays usable', async (mode) => {
      const { report, exitCode } = await runChild(target, mode);
      expect({ childError: report.childError, exitCode }).toEqual({ childError: undefined, exitCode: 0 });
      expect(report.code).toBe('GRAPH_INVALID');
      expect(report.message).toMatch(/task 0 \('the faulty one'\) \(kernel 'write_ok'\) argument 0: 0x[0-9a-f]+ is not inside a live device allocation/);
      expect(report.faulted).toBe(false);
      expect(report.sameRunnerAfter).toBe(42);
      expect(report.finalizeError).toBeNull();
      expect(report.liveAfterFinalize).toBe(0);
    }, 150_000);
  });
}
