/**
 * The `npurun-<arch>` command as a process, written once for both arch packages: signals at
 * several moments of a long run, a second SIGINT, a closed stdout, stale spools from a killed run,
 * a full file system, and a re-run into a used directory. Each test runs the bin script in a child
 * process and checks what is left on disk.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTemporaryName } from '@npurun/collectors';
import type { ArchRunnerTarget } from './arch-suite';

jest.setTimeout(180_000);

interface RunJson {
  schemaVersion: number;
  status: string;
  error?: { code: string; message: string };
  files: { path: string; bytes: number }[];
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/**
 * Spawns the bin at a lower scheduling priority: these children do real work, and the test suites
 * of the other packages run at the same time on few cores.
 */
function spawnBin(target: ArchRunnerTarget, argv: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(process.execPath, [target.bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env });
  try {
    if (child.pid !== undefined) os.setPriority(child.pid, 10);
  } catch {
    // not allowed here: run at the normal priority
  }
  return child;
}

/** Starts the bin; `onStderr` sees stderr as it arrives. */
function start(target: ArchRunnerTarget, argv: string[], onStderr?: (text: string, child: ChildProcess) => void): Promise<Finished> {
  const child = spawnBin(target, argv, { ...process.env, NO_COLOR: '1' });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr, child);
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, pid: child.pid! })));
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  if (fs.existsSync(dir)) walk(dir, '');
  return out.sort();
}

const isTemporary = (rel: string): boolean => parseTemporaryName(path.basename(rel)) !== undefined;

function spoolsOf(pid: number): string[] {
  return fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`npurun-spool-${pid}-`));
}

/**
 * What must hold in every case directory after any interruption: each file listed in run.json
 * exists with its size (and parses when JSON); nothing else is there but run.json and, only when
 * `temporariesAllowed`, recognisable temporaries. Returns the statuses met.
 */
function checkCaseDirs(out: string, temporariesAllowed: boolean): string[] {
  const statuses: string[] = [];
  for (const c of fs.readdirSync(out)) {
    const dir = path.join(out, c);
    const files = filesUnder(dir);
    if (!files.includes('run.json')) {
      // A case the interrupt kept from starting: nothing in it but (maybe) temporaries.
      expect(files.filter((f) => !isTemporary(f))).toEqual([]);
      continue;
    }
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunJson;
    statuses.push(json.status);
    for (const f of json.files) {
      const full = path.join(dir, f.path);
      expect({ file: f.path, bytes: fs.statSync(full).size }).toEqual({ file: f.path, bytes: f.bytes });
      if (f.path.endsWith('.json')) expect(() => JSON.parse(fs.readFileSync(full, 'utf8')) as unknown).not.toThrow();
    }
    const listed = new Set([...json.files.map((f) => f.path), 'run.json']);
    const extra = files.filter((f) => !listed.has(f));
    if (temporariesAllowed) expect(extra.filter((f) => !isTemporary(f))).toEqual([]);
    else expect(extra).toEqual([]);
  }
  return statuses;
}

/** A small tmpfs, when this machine lets us mount one. */
function mountTmpfs(bytes: number): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-cli-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

/** How much of the suite to run: the child processes are the heavy part. */
export interface CliProcessSuiteOptions {
  /**
   * `all`: every moment, the second SIGINT, stale spools, a re-run. `one`: one moment (SIGTERM
   * during an export), a closed stdout and a full file system — for an arch whose command shares
   * all its code with one that runs `all`. Default `all`.
   */
  moments?: 'all' | 'one';
}

/** The command as a process. */
export function describeCliProcess(target: ArchRunnerTarget, options: CliProcessSuiteOptions = {}): void {
  const depGen = target.supportsDepGen ? ['--dep-gen'] : [];
  /**
   * A long run: two cases (the second has 512 tasks), the diagnostics on (the tensor dump only where
   * a test needs it: it makes 100 MB of payloads for the second case).
   */
  const LONG_RUN = ['run', 'alternating_matmul_add', '--case', 'all', '--swimlane', '4', '--pmu', '2', '--scope-stats', ...depGen, '--log-level', 'debug', '--block-dim', '4'];

  describe(`npurun-${target.arch} as a process`, () => {
    let out: string;
    beforeEach(() => {
      out = fs.mkdtempSync(path.join(os.tmpdir(), `npurun-cli-proc-${target.arch}-`));
    });
    afterEach(() => {
      fs.rmSync(out, { recursive: true, force: true });
    });

    /** Sends `signals` once stderr shows `marker` (the `nth` time); resolves when the process ended. */
    const interruptAt = (marker: string, nth: number, signals: NodeJS.Signals[], extra: string[] = []): Promise<Finished> => {
      let sent = false;
      return start(target, [...LONG_RUN, ...extra, '--out', out], (text, child) => {
        if (sent || text.split(marker).length - 1 < nth) return;
        sent = true;
        for (const s of signals) child.kill(s);
      });
    };

    const moments: [string, string, number, NodeJS.Signals, number, string[]][] = [
      ['SIGINT while the big case runs on the device', 'run: launched', 2, 'SIGINT', 130, []],
      ['SIGINT while the first case exports its tensor dump', 'run: exporting tensorDump', 1, 'SIGINT', 130, ['--dump']],
      ['SIGTERM while the big case exports its swimlane', 'run: exporting l2Swimlane', 2, 'SIGTERM', 143, []],
    ];
    const chosen = options.moments === 'one' ? moments.filter((m) => m[3] === 'SIGTERM') : moments;
    test.each(chosen)('%s: files complete or absent, run.json interrupted, no spool, exit code', async (_label, marker, nth, signal, exitCode, extra) => {
      const r = await interruptAt(marker, nth, [signal], extra);
      expect({ code: r.code, signal: r.signal }).toEqual({ code: exitCode, signal: null });
      expect(r.stderr).toContain(`interrupted by ${signal}`);
      expect(r.stderr).not.toContain('\x1b['); // not a terminal: no bar, no escape codes
      const statuses = checkCaseDirs(out, false);
      expect(statuses).toContain('interrupted');
      for (const s of statuses) expect(['ok', 'interrupted']).toContain(s);
      expect(r.stdout).toMatch(/\binterrupted\b/);
      expect(spoolsOf(r.pid)).toEqual([]);
    });

    const full = options.moments !== 'one';
    if (full) test('a second SIGINT exits at once: only recognisable temporaries remain, spools are removed', async () => {
      const r = await interruptAt('run: exporting l2Swimlane', 2, ['SIGINT', 'SIGINT']);
      expect({ code: r.code, signal: r.signal }).toEqual({ code: 130, signal: null });
      const statuses = checkCaseDirs(out, true);
      for (const s of statuses) expect(['ok', 'interrupted', 'running']).toContain(s);
      expect(spoolsOf(r.pid)).toEqual([]);
    });

    test('a closed stdout is a quiet exit', async () => {
      for (const argv of [['list'], ['list', '--json'], ['run', 'dummy_task']]) {
        const child = spawnBin(target, argv);
        child.stdout!.destroy(); // the reader is gone before the command writes anything
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
        expect({ argv, code, stderr }).toEqual({ argv, code: 0, stderr: '' });
      }
    });

    if (full) test('spools a killed run left behind are removed at the next start (by owner pid)', async () => {
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      const stale = path.join(os.tmpdir(), `npurun-spool-${dead.stdout}-tensorDump-Ab12Cd`);
      const live = path.join(os.tmpdir(), `npurun-spool-${process.pid}-tensorDump-Ef34Gh`);
      for (const d of [stale, live]) {
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, 'tensor_dump.bin'), new Uint8Array(1024));
      }
      try {
        const r = await start(target, ['run', 'dummy_task']);
        expect(r.code).toBe(0);
        expect(fs.existsSync(stale)).toBe(false);
        expect(fs.existsSync(live)).toBe(true); // its owner (this test) is alive
      } finally {
        fs.rmSync(stale, { recursive: true, force: true });
        fs.rmSync(live, { recursive: true, force: true });
      }
    });

    if (full) test('a re-run with fewer diagnostics leaves none of the earlier run’s files', async () => {
      const first = await start(target, ['run', 'alternating_matmul_add', '--swimlane', '2', '--dump', '--pmu', '2', '--scope-stats', '--out', out]);
      expect(first.code).toBe(0);
      expect(filesUnder(out)).toEqual(expect.arrayContaining(['pmu.csv', 'scope_stats/scope_stats.jsonl', 'tensor_dump/tensor_dump.bin']));
      fs.writeFileSync(path.join(out, 'my-notes.txt'), 'kept');
      const second = await start(target, ['run', 'alternating_matmul_add', '--swimlane', '1', '--out', out]);
      expect(second.code).toBe(0);
      expect(filesUnder(out)).toEqual(['l2_perf_records.json', 'my-notes.txt', 'run.json', 'swimlane.trace.json']);
    });

    const tmpfs = mountTmpfs(256 * 1024); // less than the default case's 384 KiB tensor dump
    afterAll(() => {
      if (tmpfs === undefined) return;
      execFileSync('umount', [tmpfs], { stdio: 'ignore' });
      fs.rmSync(tmpfs, { recursive: true, force: true });
    });
    if (tmpfs === undefined) console.warn('cli-process-suite: cannot mount a tmpfs here (not root, or no mount permission); the full-disk test is skipped');
    (tmpfs === undefined ? test.skip : test)('a full file system: nothing half-written, the error names the file once', async () => {
      const r = await start(target, ['run', 'alternating_matmul_add', '--case', 'default', '--dump', '--swimlane', '1', '--json', '--out', tmpfs!]);
      expect(r.code).toBe(3);
      const doc = JSON.parse(r.stdout) as { results: { status: string; error: { code: string; message: string } }[] };
      const dir = path.join(tmpfs!, 'default'); // a named case writes to its own directory
      const bin = path.join(dir, 'tensor_dump', 'tensor_dump.bin');
      expect(doc.results[0]).toMatchObject({ status: 'failed', error: { code: 'OUTPUT_WRITE_FAILED' } });
      expect(doc.results[0]!.error.message).toBe(`tensorDump.exportFiles: cannot write ${bin}: no space left on device (ENOSPC)`);
      const runJson = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunJson;
      expect(runJson).toMatchObject({ status: 'failed', error: { code: 'OUTPUT_WRITE_FAILED' } });
      const files = filesUnder(dir);
      expect(files).toEqual([...runJson.files.map((f) => f.path), 'run.json'].sort());
      expect(files).not.toContain('tensor_dump/tensor_dump.bin');
      expect(files.filter(isTemporary)).toEqual([]);
      for (const f of runJson.files) expect(fs.statSync(path.join(dir, f.path)).size).toBe(f.bytes);
    });
  });
}
