/**
 * Device code never holds the host hostage: a kernel that ignores the stop flag cannot delay the
 * exit of the host process, a device the program drops is ended when it is garbage collected, and
 * an open device with no wait pending does not keep the host's event loop alive.
 * Each case runs in a child process (support/lifetime-child.cjs).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testProgram } from './support/programs';

const child = path.join(__dirname, 'support', 'lifetime-child.cjs');
let programPath: string;

beforeAll(async () => {
  const image = await testProgram('faulty_kernels');
  programPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-lifetime-')), 'faulty_kernels.so');
  fs.writeFileSync(programPath, image);
}, 120_000);

function run(platform: string, how: 'exit' | 'gc' | 'settled'): Promise<{ report: Record<string, unknown>; exitedAt: number; code: number | null }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--expose-gc', child, platform, programPath, how], { timeout: 30_000 }, (error, stdout) => {
      const exitedAt = Date.now();
      const e = error as (Error & { code?: number }) | null;
      resolve({ report: JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>, exitedAt, code: e ? (e.code ?? -1) : 0 });
    });
  });
}

/** A process is gone when it no longer exists or is only a zombie waiting to be reaped. */
function gone(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

async function allGone(pids: number[], withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (pids.every(gone)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return pids.every(gone);
}

describe.each(['a2a3sim', 'a5sim'])('device lifetime on %s', (platform) => {
  test('process exit does not wait for a kernel that ignores the stop flag, and takes the device process with it', async () => {
    const { report, exitedAt, code } = await run(platform, 'exit');
    expect(code).toBe(0);
    const pids = report['pids'] as number[];
    expect(pids.length).toBe(1);
    expect(exitedAt - (report['exitingAt'] as number)).toBeLessThan(2000);
    expect(await allGone(pids, 2000)).toBe(true);
  }, 60_000);

  test('once a wait has settled, an open device does not keep the event loop alive', async () => {
    const { report, exitedAt, code } = await run(platform, 'settled');
    expect(code).toBe(0);
    expect(report['waited']).toBe('HAL_SYNC_TIMEOUT');
    expect(exitedAt - (report['endingAt'] as number)).toBeLessThan(2000);
    expect(await allGone(report['pids'] as number[], 2000)).toBe(true);
  }, 60_000);

  test('a dropped device is ended by garbage collection within 2 s, runaway kernel and all', async () => {
    const { report, code } = await run(platform, 'gc');
    expect(code).toBe(0);
    expect(report['pids']).toHaveLength(1);
    expect(report['remaining']).toEqual([]);
    expect(report['collectedMs']).toBeLessThan(2000);
  }, 60_000);
});
