/**
 * The device-program compiler: turns small C/C++ sources into the host ELF shared objects the
 * simulator loads as AI Core executor binaries, AI CPU executor programs and kernels. Outputs are
 * cached on disk by a content hash, so a test suite that compiles the same program in every jest
 * worker pays for one compile; a program whose inputs match a registered prebuilt image (see
 * prebuilt-programs.ts) needs no compiler at all.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { promises as fs, type Dirent } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deviceProgramCacheDir, pruneDeviceProgramCache, touchCacheEntry } from './cache-dir';
import { loadBinding } from './native';
import { hostPrebuiltTag, prebuiltDeviceProgramDirs, prebuiltRecordDir } from './prebuilt-programs';

/** Stable codes of {@link DeviceCompileError}. */
export const DeviceCompileErrorCode = {
  /** The compiler ran and failed (the message carries its diagnostics), timed out, or produced no ELF shared object. */
  Failed: 'DEVICE_COMPILE_FAILED',
  /** The compiler command could not be started (not installed, not on PATH). */
  CompilerNotFound: 'DEVICE_COMPILER_NOT_FOUND',
  /** A source path that cannot be read. */
  SourceNotFound: 'DEVICE_SOURCE_NOT_FOUND',
  /** Options that cannot describe a compile: no sources, a bad define or source name, a missing include dir. */
  InvalidOption: 'DEVICE_COMPILE_INVALID_OPTION',
  /** The cache directory could not be created or written. */
  CacheFailed: 'DEVICE_CACHE_FAILED',
} as const;

/** One of the values of {@link DeviceCompileErrorCode}. */
export type DeviceCompileErrorCode = (typeof DeviceCompileErrorCode)[keyof typeof DeviceCompileErrorCode];

/** Details attached to a {@link DeviceCompileError}. */
export interface DeviceCompileErrorDetails {
  /** Stable code. */
  code: DeviceCompileErrorCode;
  /** The compiler command line, when a compiler was run. */
  command?: readonly string[];
  /** The compiler's full diagnostics, when it ran. */
  stderr?: string;
  /** The compiler's exit code, when it exited. */
  exitCode?: number;
}

/** Every error {@link compileDeviceProgram} and {@link deviceCompilerInfo} reject with. */
export class DeviceCompileError extends Error {
  /** Stable code (see {@link DeviceCompileErrorCode}). */
  readonly code: DeviceCompileErrorCode;
  /** The compiler command line, when a compiler was run. */
  readonly command: readonly string[] | undefined;
  /** The compiler's full, untrimmed diagnostics, when it ran. */
  readonly stderr: string | undefined;
  /** The compiler's exit code, when it exited. */
  readonly exitCode: number | undefined;

  constructor(message: string, details: DeviceCompileErrorDetails) {
    super(message);
    this.name = 'DeviceCompileError';
    this.code = details.code;
    this.command = details.command;
    this.stderr = details.stderr;
    this.exitCode = details.exitCode;
  }
}

/** A source: a file path (a string or `{ path }`), or inline code with a file name (`{ name, code }`). */
export type DeviceSource = string | { readonly path: string } | { readonly name: string; readonly code: string };

/** Options of {@link compileDeviceProgram}. */
export interface CompileDeviceProgramOptions {
  /** The translation units. Paths are resolved against the working directory. */
  readonly sources: readonly DeviceSource[];
  /** Extra include directories (`-I`); hal-native's own include dir is always first, so `<npurun/device_abi.h>` works. */
  readonly includeDirs?: readonly string[];
  /** Object-like macros: `true` gives `-DNAME`, other values `-DNAME=value`. */
  readonly defines?: Readonly<Record<string, string | number | true>>;
  /**
   * The compiler command, split on whitespace (so `ccache g++` works; no shell quoting).
   * Default: `$CXX`, else `g++`. Giving one explicitly also skips the prebuilt images.
   */
  readonly cxx?: string;
  /** Flags appended after the sources (warnings, `-l` libraries, `-g`). */
  readonly extraFlags?: readonly string[];
  /**
   * Cache directory. Default: `device-programs` under npurun's cache root (`$NPURUN_CACHE_DIR`, else
   * `$XDG_CACHE_HOME/npurun`, else `~/.cache/npurun`), size- and age-bounded (see `pruneDeviceProgramCache`).
   */
  readonly cacheDir?: string;
  /** Source language: `c++` (C++17, the default) or `c` (C11). */
  readonly language?: 'c++' | 'c';
  /** Give up on a compile after this long (default 120 000 ms). */
  readonly timeoutMs?: number;
}

/** The result of {@link compileDeviceProgramDetailed}. */
export interface DeviceProgramBuild {
  /** The ELF shared object. */
  readonly image: Uint8Array;
  /** True when this call did not run the compiler (the image came from the cache, a prebuilt image or a concurrent call). */
  readonly cacheHit: boolean;
  /** True when the image is a prebuilt one (no compiler was looked for). */
  readonly prebuilt: boolean;
  /** Where the image is cached (for a prebuilt image: the shipped file). */
  readonly cachePath: string;
  /** The content hash the image is cached under (hex SHA-256); for a prebuilt image, its fingerprint. */
  readonly key: string;
  /** The compiler-independent fingerprint a prebuilt image of this program is stored under. */
  readonly fingerprint: string;
  /** The compiler's diagnostics (warnings) when this call compiled, else an empty string. */
  readonly diagnostics: string;
}

/** What {@link deviceCompilerInfo} reports about a compiler. */
export interface DeviceCompilerInfo {
  /** The command, split into argv. */
  readonly command: readonly string[];
  /** The first line of `--version`, e.g. `g++ (Debian 12.2.0-14) 12.2.0`. */
  readonly version: string;
  /** The target triple (`-dumpmachine`), e.g. `x86_64-linux-gnu`. */
  readonly target: string;
}

// Bumped whenever the compile command or the key's ingredients change, so old entries stop matching.
const KEY_VERSION = 'npurun-device-compiler/1';
const PREBUILT_KEY_VERSION = 'npurun-device-prebuilt/1';
const PROGRAM_FLAGS = ['-shared', '-fPIC', '-O2'] as const;
// dist/ and src/ both sit one level below the package root.
const HAL_INCLUDE_DIR = path.resolve(__dirname, '../include');
const DEFAULT_TIMEOUT_MS = 120_000;
const STDERR_LIMIT = 4000;
// Beyond these, an include tree is hashed by path, size and mtime instead of content: still
// sensitive to edits, just not to an edit that keeps size and mtime.
const TREE_CONTENT_FILES = 2000;
const TREE_CONTENT_BYTES = 32 * 1024 * 1024;
const HEADER_EXT = new Set(['.h', '.hh', '.hpp', '.hxx', '.h++', '.inc', '.inl', '.ipp', '.tcc', '.def']);

interface ResolvedSource {
  readonly label: string;
  readonly path: string | undefined;
  readonly name: string | undefined;
  readonly bytes: Buffer;
}

interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

interface RunFailure {
  readonly code?: string | number | null;
  readonly killed?: boolean;
  readonly signal?: NodeJS.Signals | null;
  readonly stdout?: string;
  readonly stderr?: string;
}

function run(argv: readonly string[], timeoutMs: number): Promise<RunResult> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(
      file ?? '',
      args,
      // LC_ALL=C keeps diagnostics in plain ASCII, so messages read the same on every machine.
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        if (error !== null) reject(Object.assign(error, { stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
  });
}

function splitCommand(cxx: string): string[] {
  const argv = cxx.trim().split(/\s+/).filter((part) => part !== '');
  if (argv.length === 0) {
    throw new DeviceCompileError('compileDeviceProgram: the compiler command is empty', {
      code: DeviceCompileErrorCode.InvalidOption,
    });
  }
  return argv;
}

function notFound(argv: readonly string[]): DeviceCompileError {
  return new DeviceCompileError(
    `device compiler ${JSON.stringify(argv.join(' '))} was not found; install it or set CXX (or the cxx option)`,
    { code: DeviceCompileErrorCode.CompilerNotFound, command: argv },
  );
}

const infoCache = new Map<string, Promise<DeviceCompilerInfo>>();

/**
 * Identifies a compiler: its `--version` line and target triple. Memoized per command for the
 * life of the process (a failed probe is retried next time).
 *
 * @param cxx - The compiler command; default `$CXX`, else `g++`.
 * @throws DeviceCompileError `DEVICE_COMPILER_NOT_FOUND` when the command cannot be run.
 */
export function deviceCompilerInfo(cxx: string = process.env['CXX'] ?? 'g++'): Promise<DeviceCompilerInfo> {
  let pending = infoCache.get(cxx);
  if (pending === undefined) {
    pending = probeCompiler(cxx);
    infoCache.set(cxx, pending);
    pending.catch(() => infoCache.delete(cxx));
  }
  return pending;
}

async function probeCompiler(cxx: string): Promise<DeviceCompilerInfo> {
  const argv = splitCommand(cxx);
  try {
    const [version, target] = await Promise.all([
      run([...argv, '--version'], 30_000),
      run([...argv, '-dumpmachine'], 30_000),
    ]);
    return {
      command: argv,
      version: version.stdout.split('\n')[0]?.trim() ?? '',
      target: target.stdout.trim(),
    };
  } catch (error) {
    const failure = error as RunFailure;
    if (failure.code === 'ENOENT' || failure.code === 'EACCES') throw notFound(argv);
    const detail = trimDiagnostics(failure.stderr ?? String(error));
    throw new DeviceCompileError(
      `device compiler ${JSON.stringify(argv.join(' '))} did not answer --version / -dumpmachine: ${detail}`,
      { code: DeviceCompileErrorCode.CompilerNotFound, command: argv },
    );
  }
}

function invalidOption(message: string): DeviceCompileError {
  return new DeviceCompileError(`compileDeviceProgram: ${message}`, { code: DeviceCompileErrorCode.InvalidOption });
}

function defineFlags(defines: Readonly<Record<string, string | number | true>>): string[] {
  return Object.keys(defines)
    .sort()
    .map((name) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw invalidOption(`define name ${JSON.stringify(name)} is not a macro name`);
      const value: unknown = defines[name];
      if (value === true) return `-D${name}`;
      if (typeof value === 'number' && Number.isFinite(value)) return `-D${name}=${value}`;
      if (typeof value === 'string' && !/[\r\n]/.test(value)) return `-D${name}=${value}`;
      throw invalidOption(`define ${name} must be true, a finite number or a one-line string (got ${String(value)})`);
    });
}

async function resolveSources(sources: readonly DeviceSource[]): Promise<ResolvedSource[]> {
  if (!Array.isArray(sources) || sources.length === 0) throw invalidOption('sources must be a non-empty array');
  const inlineNames = new Set<string>();
  return Promise.all(
    sources.map(async (source): Promise<ResolvedSource> => {
      if (typeof source === 'object' && source !== null && 'code' in source) {
        const { name, code } = source;
        if (typeof name !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(name)) {
          throw invalidOption(`inline source name ${JSON.stringify(name)} must be a plain file name`);
        }
        if (typeof code !== 'string') throw invalidOption(`inline source ${name} has no code string`);
        if (inlineNames.has(name)) throw invalidOption(`inline source name ${name} is used twice`);
        inlineNames.add(name);
        return { label: name, path: undefined, name, bytes: Buffer.from(code, 'utf8') };
      }
      const given = typeof source === 'string' ? source : typeof source === 'object' && source !== null ? source.path : undefined;
      if (typeof given !== 'string' || given === '') throw invalidOption(`source ${String(given)} is not a path or { name, code }`);
      const absolute = path.resolve(given);
      try {
        return { label: given, path: absolute, name: undefined, bytes: await fs.readFile(absolute) };
      } catch (error) {
        throw new DeviceCompileError(`compileDeviceProgram: cannot read source ${absolute}: ${(error as Error).message}`, {
          code: DeviceCompileErrorCode.SourceNotFound,
        });
      }
    }),
  );
}

function update(hash: Hash, ...parts: (string | Uint8Array)[]): void {
  // Length-prefixed, so no two different part lists hash the same.
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  }
}

interface TreeBudget {
  files: number;
  bytes: number;
}

/**
 * Hashes the files of an include tree. `base` set: files are named relative to it and by content
 * only (the prebuilt fingerprint, the same wherever the tree is installed); else by absolute path.
 */
async function hashTree(hash: Hash, dir: string, recursive: boolean, headersOnly: boolean, budget: TreeBudget, base?: string): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    update(hash, 'missing', base === undefined ? dir : path.relative(base, dir));
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive && entry.name !== 'node_modules' && !entry.name.startsWith('.')) {
        await hashTree(hash, full, recursive, headersOnly, budget, base);
      }
      continue;
    }
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    // A concurrent writer's temporary file (renamed into place when complete) is not an input.
    if (entry.name.endsWith('.tmp')) continue;
    if (headersOnly && !HEADER_EXT.has(path.extname(entry.name).toLowerCase())) continue;
    const name = base === undefined ? full : path.relative(base, full);
    try {
      const stat = await fs.stat(full);
      if (!stat.isFile()) continue;
      if (budget.files < TREE_CONTENT_FILES && budget.bytes + stat.size <= TREE_CONTENT_BYTES) {
        budget.files += 1;
        budget.bytes += stat.size;
        update(hash, 'file', name, await fs.readFile(full));
      } else {
        update(hash, 'stat', name, String(stat.size), String(stat.mtimeMs));
      }
    } catch {
      update(hash, 'unreadable', name);
    }
  }
}

function trimDiagnostics(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length <= STDERR_LIMIT) return trimmed;
  return `${trimmed.slice(0, STDERR_LIMIT)}\n… (${trimmed.length - STDERR_LIMIT} more characters; see error.stderr)`;
}

/**
 * A cached image, when it is still a sound shared object: an entry truncated by a full disk or a
 * killed writer (headers or segments pointing past its end) would crash the loader, so it is
 * deleted and rebuilt instead.
 */
async function readCached(cachePath: string): Promise<Uint8Array | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(cachePath));
  } catch {
    return undefined;
  }
  if (loadBinding().checkElfImage(bytes) === '') return bytes;
  await fs.rm(cachePath, { force: true });
  return undefined;
}

/**
 * The prebuilt fingerprint: the key's ingredients minus the compiler's identity and minus where the
 * files are (sources by name, include trees by relative path), plus the host platform.
 */
async function prebuiltFingerprint(
  language: 'c++' | 'c',
  defines: readonly string[],
  extraFlags: readonly string[],
  sources: readonly ResolvedSource[],
  includeDirs: readonly string[],
): Promise<string> {
  const hash = createHash('sha256');
  update(hash, PREBUILT_KEY_VERSION, hostPrebuiltTag(), language, ...PROGRAM_FLAGS, ...defines, '--extra', ...extraFlags);
  for (const source of sources) update(hash, path.basename(source.path ?? source.name ?? ''), source.bytes);
  const budget: TreeBudget = { files: 0, bytes: 0 };
  for (const dir of [HAL_INCLUDE_DIR, ...includeDirs]) {
    update(hash, 'include-dir');
    await hashTree(hash, dir, true, false, budget, dir);
  }
  for (const source of sources) {
    if (source.path === undefined) continue;
    update(hash, 'beside', path.basename(source.path));
    await hashTree(hash, path.dirname(source.path), false, true, budget, path.dirname(source.path));
  }
  return hash.digest('hex');
}

/** A registered prebuilt image of `fingerprint`, when one exists and is sound. */
async function findPrebuilt(fingerprint: string): Promise<{ image: Uint8Array; file: string } | undefined> {
  for (const dir of prebuiltDeviceProgramDirs()) {
    const file = path.join(dir, `${fingerprint}.so`);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await fs.readFile(file));
    } catch {
      continue;
    }
    if (loadBinding().checkElfImage(bytes) === '') return { image: bytes, file };
  }
  return undefined;
}

async function recordPrebuilt(build: DeviceProgramBuild): Promise<void> {
  const dir = prebuiltRecordDir();
  if (dir === undefined) return;
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, `${build.fingerprint}.so`), build.image);
}

const inFlight = new Map<string, Promise<DeviceProgramBuild>>();

/**
 * Compiles device-program sources into an ELF shared object (`-shared -fPIC -O2`, C++17 or C11,
 * `-I <hal-native>/include` first), like {@link compileDeviceProgram}, and also says whether the
 * cache answered and where the image lives.
 *
 * First, unless `cxx` is given, the registered prebuilt images (`registerPrebuiltDevicePrograms`)
 * are searched by the request's fingerprint: a match is returned without looking for a compiler.
 *
 * The cache key is a SHA-256 of the compiler's identity (command, `--version`, target), the
 * language, defines, include dirs and extra flags, every source's path or name and bytes, the
 * headers of hal-native's include dir and of every `includeDirs` entry (recursively), and the
 * headers next to each source file. System headers are not hashed (the compiler version stands
 * for them). Entries are written by rename, so concurrent processes never see a partial image.
 *
 * @throws DeviceCompileError `DEVICE_COMPILE_FAILED` (with the compiler's diagnostics),
 *   `DEVICE_COMPILER_NOT_FOUND`, `DEVICE_SOURCE_NOT_FOUND`, `DEVICE_COMPILE_INVALID_OPTION`,
 *   `DEVICE_CACHE_FAILED`.
 */
export async function compileDeviceProgramDetailed(options: CompileDeviceProgramOptions): Promise<DeviceProgramBuild> {
  if (typeof options !== 'object' || options === null) throw invalidOption('options must be an object');
  const language = options.language ?? 'c++';
  if (language !== 'c++' && language !== 'c') throw invalidOption(`language must be 'c++' or 'c' (got ${String(language)})`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw invalidOption(`timeoutMs must be a positive integer (got ${timeoutMs})`);
  const extraFlags = [...(options.extraFlags ?? [])];
  if (extraFlags.some((flag) => typeof flag !== 'string')) throw invalidOption('extraFlags must be strings');
  const defines = defineFlags(options.defines ?? {});
  const includeDirs = (options.includeDirs ?? []).map((dir) => path.resolve(dir));
  for (const dir of includeDirs) {
    const stat = await fs.stat(dir).catch(() => undefined);
    if (stat === undefined || !stat.isDirectory()) throw invalidOption(`include dir ${dir} is not a directory`);
  }
  const cacheDir = path.resolve(options.cacheDir ?? deviceProgramCacheDir());
  const sources = await resolveSources(options.sources);
  const fingerprint = await prebuiltFingerprint(language, defines, extraFlags, sources, includeDirs);
  if (options.cxx === undefined) {
    const shipped = await findPrebuilt(fingerprint);
    if (shipped !== undefined) {
      return { image: shipped.image, cacheHit: true, prebuilt: true, cachePath: shipped.file, key: fingerprint, fingerprint, diagnostics: '' };
    }
  }
  const info = await deviceCompilerInfo(options.cxx ?? process.env['CXX'] ?? 'g++');

  const flags = [
    ...PROGRAM_FLAGS,
    language === 'c++' ? '-std=c++17' : '-std=c11',
    '-I',
    HAL_INCLUDE_DIR,
    ...includeDirs.flatMap((dir) => ['-I', dir]),
    ...defines,
  ];

  const hash = createHash('sha256');
  update(hash, KEY_VERSION, ...info.command, info.version, info.target, language, ...flags, '--extra', ...extraFlags);
  for (const source of sources) update(hash, source.path ?? `inline:${source.name ?? ''}`, source.bytes);
  const budget: TreeBudget = { files: 0, bytes: 0 };
  for (const dir of [HAL_INCLUDE_DIR, ...includeDirs]) await hashTree(hash, dir, true, false, budget);
  const sourceDirs = [...new Set(sources.flatMap((s) => (s.path === undefined ? [] : [path.dirname(s.path)])))];
  for (const dir of sourceDirs) await hashTree(hash, dir, false, true, budget);
  const key = hash.digest('hex');
  const cachePath = path.join(cacheDir, `${key}.so`);

  // No await between this lookup and the set below, so identical concurrent calls share one compile.
  const pending = inFlight.get(cachePath);
  if (pending !== undefined) {
    const shared = await pending;
    // A copy, so one caller patching its image cannot change another's.
    return { ...shared, image: new Uint8Array(shared.image), cacheHit: true, diagnostics: '' };
  }
  const build = (async (): Promise<DeviceProgramBuild> => {
    const cached = await readCached(cachePath);
    if (cached !== undefined) {
      await touchCacheEntry(cachePath);
      return { image: cached, cacheHit: true, prebuilt: false, cachePath, key, fingerprint, diagnostics: '' };
    }
    const built = await compileInto(info.command, flags, language, extraFlags, sources, cacheDir, cachePath, key, timeoutMs);
    await pruneDeviceProgramCache(cacheDir, { keep: [cachePath] }).catch(() => undefined);
    return { ...built, fingerprint };
  })();
  inFlight.set(cachePath, build);
  try {
    const result = await build;
    await recordPrebuilt(result);
    return result;
  } finally {
    inFlight.delete(cachePath);
  }
}

async function compileInto(
  compiler: readonly string[],
  flags: readonly string[],
  language: 'c++' | 'c',
  extraFlags: readonly string[],
  sources: readonly ResolvedSource[],
  cacheDir: string,
  cachePath: string,
  key: string,
  timeoutMs: number,
): Promise<Omit<DeviceProgramBuild, 'fingerprint'>> {
  try {
    await fs.mkdir(cacheDir, { recursive: true });
  } catch (error) {
    throw new DeviceCompileError(`compileDeviceProgram: cannot create cache dir ${cacheDir}: ${(error as Error).message}`, {
      code: DeviceCompileErrorCode.CacheFailed,
    });
  }
  // A private, unique output name: concurrent jest workers compiling the same key each write
  // their own file and the last rename wins with identical content.
  const tmpOut = path.join(cacheDir, `.${key}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const workDir = sources.some((s) => s.path === undefined)
    ? await fs.mkdtemp(path.join(os.tmpdir(), 'npurun-devc-'))
    : undefined;
  try {
    const inputs: string[] = [];
    for (const source of sources) {
      if (source.path !== undefined) {
        inputs.push(source.path);
      } else {
        const file = path.join(workDir ?? '', source.name ?? '');
        await fs.writeFile(file, source.bytes);
        inputs.push(file);
      }
    }
    // `-x none` after the sources: extra flags may name objects or libraries, which must not be
    // read as source code.
    const argv = [...compiler, ...flags, '-x', language, ...inputs, '-x', 'none', ...extraFlags, '-o', tmpOut];
    let diagnostics: string;
    try {
      const result = await run(argv, timeoutMs);
      diagnostics = (result.stderr || result.stdout).trim();
    } catch (error) {
      const failure = error as RunFailure;
      if (failure.code === 'ENOENT' || failure.code === 'EACCES') throw notFound(compiler);
      const stderr = (failure.stderr || failure.stdout || '').trim();
      const names = sources.map((s) => s.label).join(', ');
      const why =
        failure.killed === true
          ? `timed out after ${timeoutMs} ms`
          : typeof failure.code === 'number'
            ? `exit ${failure.code}`
            : `signal ${String(failure.signal)}`;
      throw new DeviceCompileError(
        `device program compile failed (${why}) for ${names} with ${compiler.join(' ')}:\n${trimDiagnostics(stderr)}`,
        {
          code: DeviceCompileErrorCode.Failed,
          command: argv,
          stderr,
          ...(typeof failure.code === 'number' ? { exitCode: failure.code } : {}),
        },
      );
    }
    const image = new Uint8Array(await fs.readFile(tmpOut));
    const unsound = loadBinding().checkElfImage(image);
    if (unsound !== '') {
      throw new DeviceCompileError(`device program compile of ${sources.map((s) => s.label).join(', ')} produced no usable ELF shared object: ${unsound}`, {
        code: DeviceCompileErrorCode.Failed,
        command: argv,
        stderr: diagnostics,
      });
    }
    try {
      await fs.rename(tmpOut, cachePath);
    } catch (error) {
      throw new DeviceCompileError(`compileDeviceProgram: cannot write cache entry ${cachePath}: ${(error as Error).message}`, {
        code: DeviceCompileErrorCode.CacheFailed,
      });
    }
    return { image, cacheHit: false, prebuilt: false, cachePath, key, diagnostics };
  } finally {
    await fs.rm(tmpOut, { force: true }).catch(() => undefined);
    if (workDir !== undefined) await fs.rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Compiles small C/C++ device programs into an ELF shared object the simulator can load, with an
 * on-disk cache keyed by content (see {@link compileDeviceProgramDetailed} for what the key
 * covers). The compiler runs as a child process; the event loop is never blocked.
 *
 * @example
 * ```ts
 * const image = await compileDeviceProgram({
 *   sources: [{ name: 'kernel.cpp', code: '#include <npurun/device_abi.h>\n...' }],
 *   defines: { BLOCK: 64 },
 * });
 * ```
 * @throws DeviceCompileError `DEVICE_COMPILE_FAILED` (message includes the diagnostics),
 *   `DEVICE_COMPILER_NOT_FOUND`, `DEVICE_SOURCE_NOT_FOUND`, `DEVICE_COMPILE_INVALID_OPTION`,
 *   `DEVICE_CACHE_FAILED`.
 */
export async function compileDeviceProgram(options: CompileDeviceProgramOptions): Promise<Uint8Array> {
  return (await compileDeviceProgramDetailed(options)).image;
}
