/**
 * The kernel compiler front end: one call that turns kernel sources into a kernel image for a
 * platform. Simulator platforms build host shared objects with hal-native's device-program
 * compiler; hardware platforms need the vendor's `ccec`, which is only detected here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileDeviceProgram, type CompileDeviceProgramOptions, type DeviceSource, type Platform } from '@npurun/hal-native';
import { InvalidArgumentError, KernelCompileError, RunnerErrorCode } from './errors';
import { checkOptions } from './options';
import { runtimeImageIncludeDir } from './runtime-image/header';
import { simDeviceIncludeDir } from './sim-executor';

/** Options of {@link compileKernel}. */
export interface CompileKernelOptions {
  /** Translation units: file paths, or `{ name, code }` inline sources. */
  sources: readonly DeviceSource[];
  /** Target platform. */
  platform: Platform;
  /** Extra include directories (the kernel ABI, device ABI and runtime-image headers are always on the path). */
  includeDirs?: readonly string[];
  /** Macros: `true` → `-DNAME`, other values → `-DNAME=value`. */
  defines?: Readonly<Record<string, string | number | true>>;
  /** Simulator only: extra compiler flags. */
  extraFlags?: readonly string[];
  /** Hardware only: the CANN install to search (default `$ASCEND_HOME_PATH`). */
  ascendHomePath?: string;
}

const PLATFORMS: readonly Platform[] = ['a2a3sim', 'a5sim', 'a2a3', 'a5'];

/** Where `ccec` lives relative to a CANN install, across toolkit layouts. */
const CCEC_CANDIDATES = [
  'bin/ccec',
  'compiler/ccec_compiler/bin/ccec',
  'tools/ccec_compiler/bin/ccec',
  'x86_64-linux/ccec_compiler/bin/ccec',
  'aarch64-linux/ccec_compiler/bin/ccec',
];

/**
 * Looks for the vendor kernel compiler `ccec` under a CANN install.
 *
 * @returns the compiler's path and the paths searched (the path is `undefined` when not found)
 */
export function findVendorKernelCompiler(ascendHomePath: string | undefined = process.env['ASCEND_HOME_PATH']): { path: string | undefined; searched: string[] } {
  if (ascendHomePath === undefined || ascendHomePath === '') return { path: undefined, searched: [] };
  const searched = CCEC_CANDIDATES.map((rel) => path.join(ascendHomePath, rel));
  for (const candidate of searched) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return { path: candidate, searched };
    } catch {
      // not here; keep looking
    }
  }
  return { path: undefined, searched };
}

/**
 * Compiles kernel sources into a kernel image.
 *
 * - `a2a3sim` / `a5sim`: an ELF shared object built by `compileDeviceProgram` (cached by
 *   content), with the kernel ABI (`<npurun/sim_kernel.h>`, `<npurun/device_abi.h>`) and
 *   `<npurun/runtime_image.h>` on the include path and
 *   `NPURUN_ARCH_A2A3` or `NPURUN_ARCH_A5` defined.
 * - `a2a3` / `a5`: rejected with `KERNEL_COMPILER_NOT_FOUND` when no `ccec` is found under
 *   `$ASCEND_HOME_PATH`, else with `KERNEL_COMPILE_UNSUPPORTED` (hardware kernel builds are not
 *   part of this version).
 *
 * @throws InvalidArgumentError for an unknown platform; KernelCompileError as above;
 *   `DeviceCompileError` (hal-native) when the simulator build fails, with the compiler diagnostics
 */
export async function compileKernel(options: CompileKernelOptions): Promise<Uint8Array> {
  checkOptions('compileKernel', 'options', options, ['sources', 'platform', 'includeDirs', 'defines', 'extraFlags', 'ascendHomePath'], false);
  const { platform } = options;
  if (!PLATFORMS.includes(platform)) throw new InvalidArgumentError('compileKernel', 'platform', platform, `one of ${PLATFORMS.join(', ')}`);
  if (platform === 'a2a3' || platform === 'a5') {
    const found = findVendorKernelCompiler(options.ascendHomePath);
    if (found.path === undefined) {
      const where = found.searched.length === 0 ? 'ASCEND_HOME_PATH is not set' : `searched ${found.searched.join(', ')}`;
      throw new KernelCompileError(RunnerErrorCode.CompilerNotFound, `no vendor kernel compiler (ccec) for platform ${platform}: ${where}`);
    }
    throw new KernelCompileError(
      RunnerErrorCode.CompileUnsupported,
      `found ${found.path}, but building hardware kernels for ${platform} is not supported by this version; build them with the CANN toolchain and load the image`,
    );
  }
  const arch = platform === 'a2a3sim' ? 'A2A3' : 'A5';
  const compileOptions: CompileDeviceProgramOptions = {
    sources: options.sources,
    includeDirs: [simDeviceIncludeDir, runtimeImageIncludeDir(), ...(options.includeDirs ?? [])],
    defines: { [`NPURUN_ARCH_${arch}`]: true, NPURUN_SIM: true, ...(options.defines ?? {}) },
    ...(options.extraFlags !== undefined ? { extraFlags: options.extraFlags } : {}),
  };
  return compileDeviceProgram(compileOptions);
}
