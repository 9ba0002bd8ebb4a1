/**
 * Builds the fake CANN libraries (C sources beside this file) with gcc into a fresh temporary
 * directory laid out like a CANN install: `<home>/lib64/{libruntime,libascendcl}.so` and
 * `<home>/driver/lib64/driver/libascend_hal.so`. The loader caches a library by path, so each
 * build gets its own directory and therefore its own copy of the fake's state in the process.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A built fake CANN install. */
export interface FakeCann {
  /** Use as `ascendHomePath` or `ASCEND_HOME_PATH`. */
  readonly home: string;
  /** An ELF shared object exporting the AI CPU kernels `npurun_test_init` and `npurun_test_exec`. */
  readonly aicpuProgram: Uint8Array;
  /** A call log file in the build directory, fresh per call. */
  newLogPath(): string;
  /**
   * Sets (or, with `undefined`, clears) the fake's settings (`NPURUN_FAKE_CANN_*`, see
   * fake_internal.h) in `<home>/fake-cann.conf`, which the fake reads on every call. A file rather
   * than the environment because a jest test's `process.env` never reaches native `getenv`.
   */
  configure(settings: Readonly<Record<string, string | undefined>>): void;
  /** Removes the directory. */
  remove(): void;
}

/** Variants of the build, for the open-error tests. */
export interface FakeCannOptions {
  /** Entry points to leave out (each must be guarded by `FAKE_OMIT_<name>` in the sources). */
  omit?: readonly string[];
  /** Libraries not to build at all. */
  without?: readonly ('libruntime.so' | 'libascendcl.so' | 'libascend_hal.so')[];
}

const SRC = __dirname;
const CFLAGS = ['-std=c11', '-O1', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-fvisibility=hidden', '-pthread'];

function gcc(args: readonly string[]): void {
  execFileSync('gcc', [...CFLAGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Compiles the fakes into a new temporary CANN home. */
export function buildFakeCann(options: FakeCannOptions = {}): FakeCann {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-fake-cann-'));
  const lib64 = path.join(home, 'lib64');
  const driver = path.join(home, 'driver', 'lib64', 'driver');
  fs.mkdirSync(lib64, { recursive: true });
  fs.mkdirSync(driver, { recursive: true });
  const omit = (options.omit ?? []).map((name) => `-DFAKE_OMIT_${name}`);
  const without = new Set(options.without ?? []);
  const src = (file: string): string => path.join(SRC, file);

  // Always built (the others link against it); removed afterwards when a test wants it missing.
  // The others link it by absolute path (it has no soname), so their DT_NEEDED names this build's
  // copy: a bare "libruntime.so" would match whichever fake build the process loaded first.
  const runtime = path.join(lib64, 'libruntime.so');
  gcc([...omit, '-o', runtime, src('fake_core.c'), src('fake_runtime.c')]);
  if (!without.has('libascendcl.so')) {
    gcc([...omit, '-o', path.join(lib64, 'libascendcl.so'), src('fake_acl.c'), runtime]);
  }
  if (!without.has('libascend_hal.so')) {
    gcc([
      ...omit,
      '-o',
      path.join(driver, 'libascend_hal.so'),
      src('fake_hal.c'),
      runtime,
    ]);
  }
  if (without.has('libruntime.so')) fs.rmSync(path.join(lib64, 'libruntime.so'));

  const programPath = path.join(home, 'aicpu_program.so');
  execFileSync('gcc', ['-shared', '-fPIC', '-o', programPath, src('aicpu_program.c')], { stdio: 'pipe' });
  const aicpuProgram = new Uint8Array(fs.readFileSync(programPath));

  let logs = 0;
  const settings = new Map<string, string>();
  const confPath = path.join(home, 'fake-cann.conf');
  return {
    home,
    aicpuProgram,
    newLogPath: () => path.join(home, `calls-${++logs}.log`),
    configure: (update) => {
      for (const [key, value] of Object.entries(update)) {
        if (value === undefined) settings.delete(key);
        else settings.set(key, value);
      }
      // Written whole and renamed, so a call on another thread never reads half a file.
      const text = [...settings].map(([k, v]) => `${k}=${v}\n`).join('');
      fs.writeFileSync(`${confPath}.tmp`, text);
      fs.renameSync(`${confPath}.tmp`, confPath);
    },
    remove: () => fs.rmSync(home, { recursive: true, force: true }),
  };
}
