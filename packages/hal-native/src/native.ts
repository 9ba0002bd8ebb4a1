/**
 * Loads the compiled addon once and registers {@link HalError} with it, so errors thrown from C++
 * are instances of the exported class. Internal: the public surface is `device.ts`.
 */
import * as path from 'node:path';
import { ensureDeviceExecutable } from './device-executable';
import { HalError, HalErrorCode } from './errors';

/** The raw binding's device object (see native/binding/addon.cc). */
export interface NativeDeviceHandle {
  properties(): Record<string, unknown>;
  malloc(size: number | bigint): bigint;
  free(addr: bigint): void;
  memset(addr: bigint, value: number, size: number | bigint): void;
  copyToDevice(dst: bigint, src: ArrayBufferView): void;
  copyFromDevice(dst: ArrayBufferView, src: bigint): void;
  memoryUsage(): { liveBytes: bigint; liveAllocations: number };
  createStream(): number;
  destroyStream(stream: number): void;
  synchronize(stream: number, timeoutMs: number): Promise<void>;
  /** Rejects with a HalError that also carries `stream` (an id) and `timedOut` (ids). */
  synchronizeStreams(streams: number[], timeoutMs: number): Promise<void>;
  registerAicoreBinary(image: ArrayBufferView): number;
  loadAicpuProgram(image: ArrayBufferView): number;
  aicpuProgramHasKernel(program: number, name: string): boolean;
  launchAicore(stream: number, binary: number, blockDim: number, kernelArgsAddr: bigint): void;
  launchAicpu(stream: number, program: number, kernelName: string, threads: number, args: ArrayBufferView): void;
  /** Resolves with the device wall; rejects with a HalError carrying `phase` (see addon.cc). */
  submitRun(
    aicpuStream: number,
    program: number,
    initKernel: string,
    runKernel: string,
    aicpuThreads: number,
    kernelArgs: ArrayBufferView,
    kernelArgsAddr: bigint,
    uploadBeforeAicpu: boolean,
    aicoreStream: number,
    binary: number,
    blockDim: number,
    timeoutMs: number,
    deviceWallAddr: bigint,
    uploads: readonly (bigint | ArrayBufferView)[],
  ): Promise<bigint>;
  mapToHost(addr: bigint, size: number | bigint): ArrayBuffer;
  unmapFromHost(addr: bigint): void;
  reset(): void;
  close(): void;
  noop(): void;
}

interface NativeBinding {
  NativeDevice: new (options: {
    platform: string;
    deviceId: number;
    simMemoryBytes: number | bigint;
    ascendHomePath?: string;
  }) => NativeDeviceHandle;
  registerErrorClass(cls: typeof HalError): void;
  noop(): void;
  /** `''` when the bytes are a sound ELF shared object for this host, else the reason. */
  checkElfImage(image: ArrayBufferView): string;
  /** See `row-format.ts`: settles with `[rows, bytes, fanoutIds, nextRowBound]`. */
  formatRows(
    program: { rowBytes: number; code: Uint32Array; literals: readonly string[]; baseLow: number; baseHigh: number; hz: number },
    rows: ArrayBufferView,
    fanoutIds: ArrayBufferView,
    first: boolean,
    out: ArrayBufferView,
  ): Promise<[number, number, number, number]>;
}

// dist/ and src/ both sit one level below the package root.
const PACKAGE_ROOT = path.resolve(__dirname, '..');

/** node-gyp-build's resolver: the path of the best binary for this host, or a throw naming the host. */
interface NodeGypBuild {
  path(dir: string): string;
}

/**
 * Where the addon is: `NPURUN_HAL_NATIVE_BINARY` (e.g. the sanitizer build), else what
 * node-gyp-build picks for this host under the package's `prebuilds/<platform>-<arch>/`.
 * The simulator's `npurun-device` executable is looked up beside whichever file this is.
 *
 * @throws HalError `HAL_ADDON_UNAVAILABLE` when there is no binary for this host
 */
export function nativeBinaryPath(): string {
  const override = process.env.NPURUN_HAL_NATIVE_BINARY;
  if (override !== undefined && override !== '') return override;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('node-gyp-build') as NodeGypBuild).path(PACKAGE_ROOT);
  } catch (cause) {
    throw addonUnavailable(path.join(PACKAGE_ROOT, 'prebuilds', `${process.platform}-${process.arch}`), cause);
  }
}

/** The fix, for every package manager: the message is all a user sees of a failed install. */
export function addonUnavailable(file: string, cause: unknown): HalError {
  const why = (cause instanceof Error ? cause.message : String(cause)).trim().split('\n')[0];
  const buildScript = path.join(PACKAGE_ROOT, 'scripts', 'build-native.cjs');
  return new HalError(
    [
      `the npurun HAL addon could not be loaded from ${file}: ${why}.`,
      `@npurun/hal-native ships prebuilt binaries for linux-x64 (glibc); nothing is built at install and no build script needs approving.`,
      `If the install is damaged, reinstall it: npm: \`rm -rf node_modules && npm install\` (or \`npm ci\`); pnpm: \`pnpm install --force\`; yarn: \`yarn install --force\` (yarn with Plug'n'Play: \`yarn unplug @npurun/hal-native\`, or \`nodeLinker: node-modules\`).`,
      `On another platform (${process.platform}-${process.arch}), build it from source — needs python3, make and a C++17 compiler — with \`node ${buildScript}\` (the same for npm, pnpm and yarn).`,
    ].join(' '),
    { code: HalErrorCode.AddonUnavailable, op: 'load' },
  );
}

let binding: NativeBinding | undefined;

/** The loaded binding; the first call loads it. */
export function loadBinding(): NativeBinding {
  if (binding) return binding;
  const file = nativeBinaryPath();
  let loaded: NativeBinding;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(file) as NativeBinding;
  } catch (cause) {
    throw addonUnavailable(file, cause);
  }
  try {
    ensureDeviceExecutable(file);
  } catch (cause) {
    throw addonUnavailable(file, cause);
  }
  loaded.registerErrorClass(HalError);
  binding = loaded;
  return loaded;
}
