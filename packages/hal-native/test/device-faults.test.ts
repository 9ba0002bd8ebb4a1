/**
 * The fault corpus: every way unfinished device code fails, on both simulators. Each case runs in
 * a child process (support/fault-child.cjs), so a regression in device isolation kills only that
 * child; the assertions say what the host must see: the child survives, the run's error is
 * HAL_DEVICE_FAULT naming the kernel and cause, the fault is sticky, teardown is bounded, the
 * neighbouring allocation is intact, and reset or a new device works again.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testProgram } from './support/programs';

interface ChildReport {
  mode: string;
  childError?: string;
  code: string | null;
  message?: string;
  syncMs: number;
  destroyError: string | null;
  destroyMs: number;
  laterCode: string | null;
  laterMessage: string | null;
  readError: string | null;
  neighbourIntact: boolean;
  freeError: string | null;
  liveAfterFree: number;
  resetError: string | null;
  afterReset: number;
  closeMs: number;
  freshDevice: number;
}

const child = path.join(__dirname, 'support', 'fault-child.cjs');
let programPath: string;

beforeAll(async () => {
  const image = await testProgram('faulty_kernels');
  programPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-faults-')), 'faulty_kernels.so');
  fs.writeFileSync(programPath, image);
}, 120_000);

function runChild(platform: string, mode: string): Promise<{ report: ChildReport; exitCode: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [child, platform, programPath, mode], { timeout: 60_000 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      let report: ChildReport;
      try {
        report = JSON.parse(line) as ChildReport;
      } catch {
        report = { mode, childError: `no report; stdout: ${stdout}` } as ChildReport;
      }
      const e = error as (Error & { code?: number; signal?: string }) | null;
      resolve({ report, exitCode: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stderr });
    });
  });
}

// mode → what the fault message must say (beside the kernel's name, checked for every mode).
const corpus: [mode: string, cause: RegExp][] = [
  ['null_deref', /SIGSEGV .*NULL pointer plus 0/],
  ['wild_read', /SIGSEGV .*0x10 is not device memory \(a NULL pointer plus 16\)/],
  ['divide_by_zero', /SIGFPE \(integer division by zero\)/],
  ['call_abort', /SIGABRT \(abort\(\) was called\)/],
  ['call_exit', /exit\(\) was called by device code .*\(exit status 3\)/],
  ['call_underscore_exit', /the device process exited with status 4/],
  ['cpp_throw', /a C\+\+ exception escaped device code .*: kernel gave up: bad tiling/],
  ['raise_segv', /SIGSEGV \(raised by device code\)/],
  ['trap', /SIG(ILL|TRAP) /],
  ['deep_recursion', /SIGSEGV \(stack overflow/],
  ['ignore_stop', /device code did not return within 1000 ms of the stop request/],
  ['write_past_end', /SIGSEGV .*is 0 bytes past the end of the 4096-byte allocation at 0x[0-9a-f]+ \(offset 4096\)/],
  ['use_after_free', /SIGSEGV .*is inside the 4096-byte allocation at 0x[0-9a-f]+, which was freed \(a use after free\)/],
];

describe.each(['a2a3sim', 'a5sim'])('device faults on %s', (platform) => {
  test.each(corpus)('%s is a sticky HAL_DEVICE_FAULT and the host survives', async (mode, cause) => {
    const { report, exitCode, signal, stderr } = await runChild(platform, mode);
    expect({ childError: report.childError, exitCode, signal, stderr: report.childError ? stderr : '' }).toEqual({
      childError: undefined,
      exitCode: 0,
      signal: null,
      stderr: '',
    });
    if (mode === 'ignore_stop') {
      // The wait times out first; destroying the stream then ends the runaway code.
      expect(report.code).toBe('HAL_SYNC_TIMEOUT');
      expect(report.destroyMs).toBeLessThan(2000);
      expect(report.laterMessage).toMatch(cause);
    } else {
      expect(report.code).toBe('HAL_DEVICE_FAULT');
      expect(report.message).toMatch(cause);
      const kernel = mode === 'write_past_end' ? 'write_at' : mode === 'use_after_free' ? 'read_at' : mode;
      expect(report.message).toContain(`AI CPU thread 0 of kernel '${kernel}'`);
    }
    expect(report.destroyError).toBeNull();
    expect(report.laterCode).toBe('HAL_DEVICE_FAULT');
    expect(report.readError).toBeNull();
    expect(report.neighbourIntact).toBe(true);
    expect(report.freeError).toBeNull();
    expect(report.liveAfterFree).toBe(0);
    expect(report.resetError).toBeNull();
    expect(report.afterReset).toBe(1);
    expect(report.closeMs).toBeLessThan(2000);
    expect(report.freshDevice).toBe(1);
  }, 90_000);
});
