// Prebuilt device programs (found by fingerprint, no compiler needed, never stale) and the bounded
// cache in the user's cache directory.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cleanNpurunCache,
  deviceProgramCacheDir,
  generatedHeadersCacheDir,
  npurunCacheDir,
  npurunCacheInfo,
  pruneDeviceProgramCache,
} from '../src/cache-dir';
import { DeviceCompileError, compileDeviceProgramDetailed } from '../src/device-compiler';
import { prebuiltDeviceProgramDirs, recordPrebuiltDevicePrograms, registerPrebuiltDevicePrograms } from '../src/prebuilt-programs';

const PROGRAM = `#include <npurun/device_abi.h>
extern "C" int npurun_prebuilt_probe(void) { return 7; }
`;

let root: string;
const savedEnv = { ...process.env };

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'npurun-prebuilt-test-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  recordPrebuiltDevicePrograms(undefined);
  for (const key of ['NPURUN_CACHE_DIR', 'XDG_CACHE_HOME', 'CXX', 'NPURUN_CACHE_MAX_BYTES']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

describe('prebuilt device programs', () => {
  it('records an image by fingerprint and serves it later without any compiler, from wherever the sources are', async () => {
    const srcA = join(root, 'install-a');
    mkdirSync(join(srcA, 'inc', 'my'), { recursive: true });
    writeFileSync(join(srcA, 'inc', 'my', 'value.h'), '#define MY_VALUE 7\n');
    writeFileSync(join(srcA, 'probe.cpp'), `#include <my/value.h>\n${PROGRAM}`);
    const shipped = join(root, 'shipped');
    recordPrebuiltDevicePrograms(shipped);
    const built = await compileDeviceProgramDetailed({ sources: [join(srcA, 'probe.cpp')], includeDirs: [join(srcA, 'inc')], cacheDir: join(root, 'c1') });
    recordPrebuiltDevicePrograms(undefined);
    expect(built.prebuilt).toBe(false);
    expect(readdirSync(shipped)).toEqual([`${built.fingerprint}.so`]);

    // The same files installed elsewhere, on a machine whose compiler does not exist.
    const srcB = join(root, 'install-b');
    cpSync(srcA, srcB, { recursive: true });
    registerPrebuiltDevicePrograms(shipped);
    registerPrebuiltDevicePrograms(shipped);
    expect(prebuiltDeviceProgramDirs().filter((d) => d === shipped)).toHaveLength(1);
    process.env['CXX'] = 'npurun-no-such-compiler';
    const served = await compileDeviceProgramDetailed({ sources: [join(srcB, 'probe.cpp')], includeDirs: [join(srcB, 'inc')], cacheDir: join(root, 'c2') });
    expect(served).toMatchObject({ prebuilt: true, cacheHit: true, fingerprint: built.fingerprint });
    expect(Buffer.from(served.image).equals(Buffer.from(built.image))).toBe(true);
    expect(existsSync(join(root, 'c2'))).toBe(false);

    // An edited header changes the fingerprint: the compiler is needed (and here, missing).
    writeFileSync(join(srcB, 'inc', 'my', 'value.h'), '#define MY_VALUE 8\n');
    await expect(
      compileDeviceProgramDetailed({ sources: [join(srcB, 'probe.cpp')], includeDirs: [join(srcB, 'inc')], cacheDir: join(root, 'c2') }),
    ).rejects.toMatchObject({ code: 'DEVICE_COMPILER_NOT_FOUND' });

    // An explicit compiler skips the prebuilt images.
    writeFileSync(join(srcB, 'inc', 'my', 'value.h'), '#define MY_VALUE 7\n');
    const explicit = await compileDeviceProgramDetailed({ sources: [join(srcB, 'probe.cpp')], includeDirs: [join(srcB, 'inc')], cacheDir: join(root, 'c3'), cxx: 'g++' });
    expect(explicit.prebuilt).toBe(false);
  });

  it('ignores a damaged prebuilt image', async () => {
    const shipped = join(root, 'damaged');
    recordPrebuiltDevicePrograms(shipped);
    const code = `${PROGRAM}// damaged\n`;
    const built = await compileDeviceProgramDetailed({ sources: [{ name: 'damaged.cpp', code }], cacheDir: join(root, 'c4') });
    recordPrebuiltDevicePrograms(undefined);
    writeFileSync(join(shipped, `${built.fingerprint}.so`), 'not an ELF image');
    registerPrebuiltDevicePrograms(shipped);
    const again = await compileDeviceProgramDetailed({ sources: [{ name: 'damaged.cpp', code }], cacheDir: join(root, 'c4') });
    expect(again.prebuilt).toBe(false);
    expect(again.cacheHit).toBe(true);
  });
});

describe('the cache directory', () => {
  it('lives in the user cache directory ($XDG_CACHE_HOME/npurun) unless NPURUN_CACHE_DIR says otherwise', () => {
    delete process.env['NPURUN_CACHE_DIR'];
    process.env['XDG_CACHE_HOME'] = join(root, 'xdg');
    expect(npurunCacheDir()).toBe(join(root, 'xdg', 'npurun'));
    expect(deviceProgramCacheDir()).toBe(join(root, 'xdg', 'npurun', 'device-programs'));
    process.env['NPURUN_CACHE_DIR'] = join(root, 'explicit');
    expect(npurunCacheDir()).toBe(join(root, 'explicit'));
  });

  it('is bounded: entries past the age limit go, then the least recently used until the rest fit', async () => {
    const dir = join(root, 'bounded');
    mkdirSync(dir, { recursive: true });
    const now = Date.now() / 1000;
    const make = (name: string, bytes: number, ageS: number): void => {
      writeFileSync(join(dir, name), Buffer.alloc(bytes));
      utimesSync(join(dir, name), now - ageS, now - ageS);
    };
    make('old.so', 10, 40 * 86400); // unused for 40 days
    make('a.so', 100, 30); // most recent
    make('b.so', 100, 60);
    make('c.so', 100, 90); // least recent of the fresh ones
    make('.x.123.tmp', 5000, 0); // a writer's temporary file: not an entry
    const sweep = await pruneDeviceProgramCache(dir, { maxBytes: 250, maxAgeMs: 30 * 86400 * 1000 });
    expect(sweep).toMatchObject({ removedFiles: 2, removedBytes: 110, keptFiles: 2, keptBytes: 200 });
    expect(readdirSync(dir).sort()).toEqual(['.x.123.tmp', 'a.so', 'b.so']);
  });

  it('prunes after a compile, keeping what was just built', async () => {
    const dir = join(root, 'prune-on-compile');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'stale.so'), Buffer.alloc(4096));
    utimesSync(join(dir, 'stale.so'), 1, 1);
    process.env['NPURUN_CACHE_MAX_BYTES'] = '1';
    const built = await compileDeviceProgramDetailed({ sources: [{ name: 'prune.cpp', code: `${PROGRAM}// prune\n` }], cacheDir: dir });
    expect(readdirSync(dir)).toEqual([`${built.key}.so`]);
  });

  it('cleans only its own entries', async () => {
    process.env['NPURUN_CACHE_DIR'] = join(root, 'to-clean');
    mkdirSync(deviceProgramCacheDir(), { recursive: true });
    mkdirSync(join(generatedHeadersCacheDir(), 'abc', 'npurun'), { recursive: true });
    writeFileSync(join(deviceProgramCacheDir(), 'x.so'), Buffer.alloc(64));
    writeFileSync(join(generatedHeadersCacheDir(), 'abc', 'npurun', 'h.h'), '//\n');
    writeFileSync(join(root, 'to-clean', 'not-ours.txt'), 'keep me');
    expect(await npurunCacheInfo()).toMatchObject({ files: 2, bytes: 67 });
    const sweep = await cleanNpurunCache();
    expect(sweep).toMatchObject({ removedFiles: 2, removedBytes: 67 });
    expect(readdirSync(join(root, 'to-clean'))).toEqual(['not-ours.txt']);
    expect(await npurunCacheInfo()).toMatchObject({ files: 0, bytes: 0 });
  });

  it('reports an unwritable cache as DEVICE_CACHE_FAILED', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a directory');
    await expect(compileDeviceProgramDetailed({ sources: [{ name: 'nocache.cpp', code: `${PROGRAM}// nocache\n` }], cacheDir: join(file, 'sub') })).rejects.toBeInstanceOf(
      DeviceCompileError,
    );
  });
});
