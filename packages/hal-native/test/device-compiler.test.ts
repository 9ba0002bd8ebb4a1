// The device-program compiler against the real g++/gcc: ELF output, the on-disk cache and what
// its key covers, and typed errors carrying the compiler's diagnostics.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DeviceCompileError,
  compileDeviceProgram,
  compileDeviceProgramDetailed,
  deviceCompilerInfo,
  type CompileDeviceProgramOptions,
} from '../src/device-compiler';
import { checkElfImage } from '../src/device';

const run = promisify(execFile);

const TRIVIAL = `#include <npurun/device_abi.h>
extern "C" const uint32_t npurun_device_abi_version = NPURUN_DEVICE_ABI_VERSION;
extern "C" int npurun_test_add(int a, int b) { return a + b; }
`;

// Exports a symbol whose name depends on a define, so `nm -D` shows which variant was built.
const VARIANT = `#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
extern "C" int CAT(answer_, VARIANT)(void) { return VARIANT; }
#ifdef WITH_FEATURE
extern "C" int feature_on(void) { return 1; }
#endif
`;

let root: string;
let cacheDir: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'npurun-devc-test-'));
  cacheDir = join(root, 'cache');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function compileError(options: CompileDeviceProgramOptions): Promise<DeviceCompileError> {
  try {
    await compileDeviceProgram(options);
  } catch (error) {
    if (error instanceof DeviceCompileError) return error;
    throw error;
  }
  throw new Error('expected a DeviceCompileError, the compile succeeded');
}

async function dynamicSymbols(image: Uint8Array): Promise<string[]> {
  const file = join(root, `nm-${Math.random().toString(16).slice(2)}.so`);
  writeFileSync(file, image);
  const { stdout } = await run('nm', ['-D', '--defined-only', file]);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/).pop() ?? '')
    .filter((name) => name !== '');
}

function isElfSharedObject(image: Uint8Array): boolean {
  return image[0] === 0x7f && image[1] === 0x45 && image[2] === 0x4c && image[3] === 0x46 && image[16] === 3 && image[17] === 0;
}

describe('compileDeviceProgram', () => {
  it('compiles an inline program that includes the device ABI header into an ELF shared object', async () => {
    const image = await compileDeviceProgram({ sources: [{ name: 'trivial.cpp', code: TRIVIAL }], cacheDir });
    expect(isElfSharedObject(image)).toBe(true);
    expect(await dynamicSymbols(image)).toEqual(expect.arrayContaining(['npurun_device_abi_version', 'npurun_test_add']));
  });

  it('answers a repeated compile from the disk cache without rewriting the entry', async () => {
    const options = { sources: [{ name: 'cached.cpp', code: `${TRIVIAL}// cached\n` }], cacheDir };
    const first = await compileDeviceProgramDetailed(options);
    expect(first.cacheHit).toBe(false);
    expect(first.cachePath.startsWith(cacheDir)).toBe(true);
    const { mtimeMs: mtime, ino } = statSync(first.cachePath);
    const second = await compileDeviceProgramDetailed(options);
    expect(second.cacheHit).toBe(true);
    expect(second.key).toBe(first.key);
    expect(Buffer.from(second.image).equals(Buffer.from(first.image))).toBe(true);
    // Only its access time moves (the cache's least-recently-used order), at the resolution utimes keeps.
    expect(statSync(first.cachePath).ino).toBe(ino);
    expect(Math.abs(statSync(first.cachePath).mtimeMs - mtime)).toBeLessThan(1);
    // No temporary files are left behind.
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('compiles once for concurrent identical requests', async () => {
    const options = { sources: [{ name: 'concurrent.cpp', code: `${TRIVIAL}// concurrent\n` }], cacheDir };
    const builds = await Promise.all([compileDeviceProgramDetailed(options), compileDeviceProgramDetailed(options)]);
    expect(builds.filter((b) => !b.cacheHit)).toHaveLength(1);
    expect(Buffer.from(builds[0].image).equals(Buffer.from(builds[1].image))).toBe(true);
  });

  it('recompiles after a corrupt cache entry', async () => {
    const options = { sources: [{ name: 'corrupt.cpp', code: `${TRIVIAL}// corrupt\n` }], cacheDir };
    const first = await compileDeviceProgramDetailed(options);
    writeFileSync(first.cachePath, 'not an elf');
    const again = await compileDeviceProgramDetailed(options);
    expect(again.cacheHit).toBe(false);
    expect(isElfSharedObject(again.image)).toBe(true);
  });

  it('discards a truncated cache entry (an ELF whose segments run past its end) and rebuilds it', async () => {
    const options = { sources: [{ name: 'truncated.cpp', code: `${TRIVIAL}// truncated\n` }], cacheDir };
    const first = await compileDeviceProgramDetailed(options);
    writeFileSync(first.cachePath, first.image.subarray(0, Math.floor(first.image.byteLength / 2)));
    expect(checkElfImage(readFileSync(first.cachePath))).toMatch(/truncated/);
    const again = await compileDeviceProgramDetailed(options);
    expect(again.cacheHit).toBe(false);
    expect(again.image).toEqual(first.image);
    expect(checkElfImage(readFileSync(first.cachePath))).toBe('');
  });

  it('passes defines (valued and bare) and keys the cache on them', async () => {
    const build = (defines: Record<string, string | number | true>) =>
      compileDeviceProgramDetailed({ sources: [{ name: 'variant.cpp', code: VARIANT }], defines, cacheDir });
    const seven = await build({ VARIANT: 7 });
    const nine = await build({ VARIANT: '9' });
    const featured = await build({ VARIANT: 7, WITH_FEATURE: true });
    expect(new Set([seven.key, nine.key, featured.key]).size).toBe(3);
    expect(await dynamicSymbols(seven.image)).toContain('answer_7');
    expect(await dynamicSymbols(seven.image)).not.toContain('feature_on');
    expect(await dynamicSymbols(nine.image)).toContain('answer_9');
    expect(await dynamicSymbols(featured.image)).toEqual(expect.arrayContaining(['answer_7', 'feature_on']));
  });

  it('searches include dirs and recompiles when a header in them changes', async () => {
    const inc = join(root, 'inc');
    mkdirSync(join(inc, 'proj'), { recursive: true });
    const header = join(inc, 'proj', 'config.h');
    const code = '#include <proj/config.h>\nextern "C" int CONFIG_SYMBOL(void) { return 1; }\n';
    const options = { sources: [{ name: 'uses_config.cpp', code }], includeDirs: [inc], cacheDir };

    writeFileSync(header, '#define CONFIG_SYMBOL config_one\n');
    const one = await compileDeviceProgramDetailed(options);
    expect(await dynamicSymbols(one.image)).toContain('config_one');

    writeFileSync(header, '#define CONFIG_SYMBOL config_two\n');
    const two = await compileDeviceProgramDetailed(options);
    expect(two.cacheHit).toBe(false);
    expect(two.key).not.toBe(one.key);
    expect(await dynamicSymbols(two.image)).toContain('config_two');
  });

  it('compiles sources given by path, and notices edits to headers next to them', async () => {
    const src = join(root, 'src');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'local.h'), 'static const int kLocal = 1;\n');
    writeFileSync(join(src, 'main.cpp'), '#include "local.h"\nextern "C" int local_value(void) { return kLocal; }\n');
    writeFileSync(join(src, 'extra.cpp'), 'extern "C" int extra_value(void) { return 2; }\n');
    const options = { sources: [join(src, 'main.cpp'), { path: join(src, 'extra.cpp') }], cacheDir };
    const first = await compileDeviceProgramDetailed(options);
    expect(await dynamicSymbols(first.image)).toEqual(expect.arrayContaining(['local_value', 'extra_value']));
    writeFileSync(join(src, 'local.h'), 'static const int kLocal = 2;\n');
    const second = await compileDeviceProgramDetailed(options);
    expect(second.cacheHit).toBe(false);
  });

  it('compiles C when asked', async () => {
    // `new` is a keyword in C++ but a fine identifier in C.
    const code = 'int new_value(void) { int new = 3; return new; }\n';
    const image = await compileDeviceProgram({ sources: [{ name: 'plain.c', code }], language: 'c', cacheDir });
    expect(await dynamicSymbols(image)).toContain('new_value');
    const error = await compileError({ sources: [{ name: 'plain.c', code }], language: 'c++', cacheDir });
    expect(error.code).toBe('DEVICE_COMPILE_FAILED');
  });

  it('uses $NPURUN_CACHE_DIR when no cache dir is given', async () => {
    const envDir = join(root, 'env-cache');
    const saved = process.env['NPURUN_CACHE_DIR'];
    process.env['NPURUN_CACHE_DIR'] = envDir;
    try {
      const build = await compileDeviceProgramDetailed({ sources: [{ name: 'env.cpp', code: TRIVIAL }] });
      expect(build.cachePath.startsWith(envDir)).toBe(true);
      expect(existsSync(build.cachePath)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env['NPURUN_CACHE_DIR'];
      else process.env['NPURUN_CACHE_DIR'] = saved;
    }
  });
});

describe('compileDeviceProgram errors', () => {
  it('reports a syntax error as DEVICE_COMPILE_FAILED with the diagnostic, and caches nothing', async () => {
    const before = existsSync(cacheDir) ? readdirSync(cacheDir).length : 0;
    const error = await compileError({
      sources: [{ name: 'broken.cpp', code: 'extern "C" int broken(void) { return 1 }\n' }],
      cacheDir,
    });
    expect(error.code).toBe('DEVICE_COMPILE_FAILED');
    expect(error.message).toContain('broken.cpp');
    expect(error.message).toMatch(/error: expected ';'/);
    expect(error.exitCode).toBeGreaterThan(0);
    expect(error.command?.[0]).toBe(process.env['CXX']?.split(/\s+/)[0] ?? 'g++');
    expect(readdirSync(cacheDir).length).toBe(before);
  });

  it('trims very long diagnostics in the message but keeps them whole on the error', async () => {
    const code = Array.from({ length: 300 }, (_, i) => `int f${i}() { return undeclared_${i}; }`).join('\n');
    const error = await compileError({ sources: [{ name: 'noisy.cpp', code }], cacheDir });
    expect(error.message.length).toBeLessThan(6000);
    expect(error.message).toContain('more characters');
    expect(error.stderr?.length ?? 0).toBeGreaterThan(error.message.length);
    expect(error.stderr).toContain('undeclared_299');
  });

  it('gives up on a compile that outlives timeoutMs', async () => {
    const error = await compileError({ sources: [{ name: 'slow.cpp', code: `${TRIVIAL}// slow\n` }], timeoutMs: 1, cacheDir });
    expect(error.code).toBe('DEVICE_COMPILE_FAILED');
    expect(error.message).toContain('timed out after 1 ms');
  });

  it('reports a missing compiler as DEVICE_COMPILER_NOT_FOUND', async () => {
    const error = await compileError({ sources: [{ name: 'a.cpp', code: TRIVIAL }], cxx: 'npurun-no-such-compiler', cacheDir });
    expect(error.code).toBe('DEVICE_COMPILER_NOT_FOUND');
    expect(error.message).toContain('npurun-no-such-compiler');
    await expect(deviceCompilerInfo('npurun-no-such-compiler')).rejects.toMatchObject({ code: 'DEVICE_COMPILER_NOT_FOUND' });
  });

  it('refuses bad options before running anything', async () => {
    expect((await compileError({ sources: [], cacheDir })).code).toBe('DEVICE_COMPILE_INVALID_OPTION');
    expect((await compileError({ sources: [join(root, 'nope.cpp')], cacheDir })).code).toBe('DEVICE_SOURCE_NOT_FOUND');
    const inline = { name: 'a.cpp', code: TRIVIAL };
    expect((await compileError({ sources: [inline], defines: { 'BAD-NAME': 1 }, cacheDir })).code).toBe('DEVICE_COMPILE_INVALID_OPTION');
    expect((await compileError({ sources: [inline], defines: { X: NaN }, cacheDir })).code).toBe('DEVICE_COMPILE_INVALID_OPTION');
    expect((await compileError({ sources: [{ name: '../a.cpp', code: TRIVIAL }], cacheDir })).code).toBe('DEVICE_COMPILE_INVALID_OPTION');
    expect((await compileError({ sources: [inline, inline], cacheDir })).code).toBe('DEVICE_COMPILE_INVALID_OPTION');
    expect((await compileError({ sources: [inline], includeDirs: [join(root, 'missing')], cacheDir })).code).toBe(
      'DEVICE_COMPILE_INVALID_OPTION',
    );
  });
});

describe('deviceCompilerInfo', () => {
  it('identifies the compiler', async () => {
    const info = await deviceCompilerInfo('g++');
    expect(info.command).toEqual(['g++']);
    expect(info.version).toMatch(/\d+\.\d+/);
    expect(info.target).toMatch(/linux/);
  });
});
