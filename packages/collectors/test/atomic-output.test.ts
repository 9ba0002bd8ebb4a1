/**
 * Output files are atomic (complete under their name, or absent), a write failure is one typed
 * error naming the file and the OS reason, and what a killed process left behind (temporaries,
 * spools) is recognised by owner pid and removed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  OutputFiles,
  OutputWriteError,
  TextFileWriter,
  createSpoolDir,
  describeOsError,
  makeDirectory,
  parseTemporaryName,
  removeProcessSpools,
  removeStaleSpools,
  removeStaleTemporaries,
  spoolDirOwner,
  temporaryPathFor,
  writeFileAtomic,
} from '../src';
import { tmpDir } from './helpers/harness';

/** A pid that no process has now: one of a child that already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** A small tmpfs, when this machine lets us mount one (root in a container usually can). */
function mountTmpfs(bytes: number): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

function unmount(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'ignore' });
  fs.rmSync(dir, { recursive: true, force: true });
}

let dir: string;
beforeEach(() => {
  dir = tmpDir('atomic');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('atomic output files', () => {
  test('a streamed file appears under its name only when closed; its temporary is recognisable', async () => {
    const file = path.join(dir, 'sub', 'trace.json');
    const w = await TextFileWriter.open(file, 'test.export');
    await w.write('{"a":');
    await w.write('x'.repeat(200_000)); // past the flush threshold: bytes reach the temporary
    expect(fs.existsSync(file)).toBe(false);
    const temps = fs.readdirSync(path.dirname(file));
    expect(temps).toHaveLength(1);
    expect(parseTemporaryName(temps[0]!)).toEqual({ pid: process.pid, target: 'trace.json' });
    await w.write('"}');
    await w.close();
    expect(fs.readdirSync(path.dirname(file))).toEqual(['trace.json']);
    expect(fs.statSync(file).size).toBe(5 + 200_000 + 2);
  });

  test('destroy and abort remove the temporary and never create the file', async () => {
    const file = path.join(dir, 'a.json');
    const w = await TextFileWriter.open(file, 'test.export');
    await w.write('y'.repeat(100_000));
    w.destroy();
    await new Promise((r) => setTimeout(r, 20));
    expect(fs.readdirSync(dir)).toEqual([]);

    const controller = new AbortController();
    const reason = new Error('stop now');
    const v = await TextFileWriter.open(file, 'test.export', { signal: controller.signal });
    await v.write('z'.repeat(100_000));
    controller.abort(reason);
    expect(
      await rejectionOf(
        (async () => {
          await v.write('z'.repeat(100_000));
          await v.close();
        })(),
      ),
    ).toBe(reason);
    await new Promise((r) => setTimeout(r, 20));
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(await rejectionOf(writeFileAtomic('test', file, 'data', controller.signal))).toBe(reason);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('writeText puts a streamed file in place, or, when its writer fails, leaves nothing and rethrows', async () => {
    const out = new OutputFiles('test.export');
    await out.writeText(path.join(dir, 'good.json'), async (w) => {
      await w.write('[1,');
      await w.write('2]');
    });
    expect(fs.readFileSync(path.join(dir, 'good.json'), 'utf8')).toBe('[1,2]');
    expect(out.committed.map((f) => path.basename(f))).toEqual(['good.json']);

    const failure = new Error('formatter failed');
    const err = await rejectionOf(
      out.writeText(path.join(dir, 'bad.json'), async (w) => {
        await w.write('x'.repeat(100_000));
        throw failure;
      }),
    );
    expect(err).toBe(failure);
    await new Promise((r) => setTimeout(r, 20));
    expect(fs.readdirSync(dir)).toEqual(['good.json']);
    expect(out.committed.map((f) => path.basename(f))).toEqual(['good.json']);
  });

  test('a failed export removes the files it already put in place', async () => {
    const out = new OutputFiles('test.export');
    await out.writeFile(path.join(dir, 'first.json'), '{}');
    const t = await out.openText(path.join(dir, 'second.json'));
    await t.write('[]');
    await t.close();
    expect(out.committed.map((f) => path.basename(f))).toEqual(['first.json', 'second.json']);
    await out.discard();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a file system error is one OutputWriteError naming the file and the reason once', async () => {
    const blocker = path.join(dir, 'blocker');
    fs.writeFileSync(blocker, '');
    const err = await rejectionOf(writeFileAtomic('run', path.join(blocker, 'run.json'), '{}'));
    expect(err).toBeInstanceOf(OutputWriteError);
    expect(err).toMatchObject({ code: 'OUTPUT_WRITE_FAILED', op: 'run', file: blocker, osCode: 'ENOTDIR' });
    expect((err as Error).message).toBe(`run: cannot create ${blocker}: not a directory (ENOTDIR)`);
    expect(describeOsError(Object.assign(new Error('EACCES: permission denied, open \'/x\''), { code: 'EACCES' }))).toBe('permission denied (EACCES)');
  });

  test('mkdir -p ends on paths where recursive mkdir spins (under /proc)', async () => {
    const err = await rejectionOf(makeDirectory('/proc/npurun-no-such-dir/sub'));
    expect(err).toMatchObject({ code: 'ENOENT' });
    await makeDirectory(path.join(dir, 'x', 'y'));
    await makeDirectory(path.join(dir, 'x', 'y'));
    expect(fs.statSync(path.join(dir, 'x', 'y')).isDirectory()).toBe(true);
  });

  const full = mountTmpfs(256 * 1024);
  afterAll(() => {
    if (full !== undefined) unmount(full);
  });
  if (full === undefined) console.warn('atomic-output.test: cannot mount a tmpfs here (not root, or no mount permission); the full-disk test is skipped');
  (full === undefined ? test.skip : test)('on a full file system nothing is half-written and the error names the file', async () => {
    const file = path.join(full!, 'l2_perf_records.json');
    const w = await TextFileWriter.open(file, 'l2Swimlane.exportFiles');
    const err = await rejectionOf(
      (async () => {
        for (let i = 0; i < 64; i++) await w.write('r'.repeat(16 * 1024));
        await w.close();
      })(),
    );
    expect(err).toBeInstanceOf(OutputWriteError);
    expect(err).toMatchObject({ code: 'OUTPUT_WRITE_FAILED', file, osCode: 'ENOSPC' });
    expect((err as Error).message).toBe(`l2Swimlane.exportFiles: cannot write ${file}: no space left on device (ENOSPC)`);
    expect((err as Error).message.match(/ENOSPC/g)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(fs.readdirSync(full!)).toEqual([]); // neither the file nor its temporary

    const big = await rejectionOf(writeFileAtomic('run', path.join(full!, 'run.json'), new Uint8Array(512 * 1024)));
    expect(big).toMatchObject({ code: 'OUTPUT_WRITE_FAILED', osCode: 'ENOSPC' });
    expect(fs.readdirSync(full!)).toEqual([]);
  });
});

describe('leftovers of killed processes', () => {
  test('stale temporaries of dead pids are removed; live ones and other files are kept', () => {
    const dead = deadPid();
    const stale = path.join(dir, `.trace.json.npurun-${dead}-1.tmp`);
    const live = temporaryPathFor(path.join(dir, 'trace.json'));
    const user = path.join(dir, '.trace.json.mine.tmp');
    for (const f of [stale, live, user]) fs.writeFileSync(f, 'x');
    expect(removeStaleTemporaries(dir)).toEqual([stale]);
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(user), path.basename(live)].sort());
  });

  test('spool directories carry their owner pid; stale ones go, live ones stay', () => {
    const mine = createSpoolDir(dir, 'tensorDump');
    expect(spoolDirOwner(path.basename(mine))).toBe(process.pid);
    const dead = deadPid();
    const stale = path.join(dir, `npurun-spool-${dead}-pmu-abc123`);
    fs.mkdirSync(stale);
    fs.writeFileSync(path.join(stale, 'pmu.spool'), 'x');
    const other = path.join(dir, 'npurun-spool-notapid');
    fs.mkdirSync(other);
    expect(removeStaleSpools(dir)).toEqual([stale]);
    expect(fs.existsSync(mine)).toBe(true);
    expect(removeProcessSpools(dir)).toEqual([mine]);
    expect(fs.readdirSync(dir)).toEqual([path.basename(other)]);
  });
});
