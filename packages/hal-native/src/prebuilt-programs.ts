/**
 * Prebuilt device programs: images a package ships so that its users need no compiler. An image is
 * stored under its fingerprint — a hash of everything the program is built from that does not depend
 * on where the files are or which compiler is installed (source names and bytes, include trees by
 * relative path and content, defines, flags, host platform). The compiler looks an image up by the
 * fingerprint of the request before it looks for a compiler, so an image is used exactly when its
 * inputs are unchanged, and an edited source or header is compiled as usual.
 */
import * as os from 'node:os';
import * as path from 'node:path';

const searchDirs: string[] = [];
let recordDir: string | undefined;

/** The directory name of this host's prebuilt images inside a package: `<platform>-<arch>`, e.g. `linux-x64`. */
export function hostPrebuiltTag(): string {
  return `${os.platform()}-${os.arch()}`;
}

/**
 * Adds a directory of prebuilt images (`<fingerprint>.so` files) that
 * `compileDeviceProgram` consults before compiling. Registering the same directory twice is a no-op.
 * The arch packages register their own `prebuilt/<platform>-<arch>/` when loaded.
 */
export function registerPrebuiltDevicePrograms(dir: string): void {
  const resolved = path.resolve(dir);
  if (!searchDirs.includes(resolved)) searchDirs.push(resolved);
}

/** The directories {@link registerPrebuiltDevicePrograms} added, in search order. */
export function prebuiltDeviceProgramDirs(): readonly string[] {
  return [...searchDirs];
}

/**
 * Build tooling: while `dir` is set, every program `compileDeviceProgram` produces (or finds in the
 * cache) is also copied to `<dir>/<fingerprint>.so`. A package's build uses it to collect the images
 * it ships; `undefined` stops recording.
 */
export function recordPrebuiltDevicePrograms(dir: string | undefined): void {
  recordDir = dir === undefined ? undefined : path.resolve(dir);
}

/** Where recorded images go, when recording. */
export function prebuiltRecordDir(): string | undefined {
  return recordDir;
}
