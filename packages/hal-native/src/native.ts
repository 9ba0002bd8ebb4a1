/**
 * Loads the compiled addon once and registers {@link HalError} with it, so errors thrown from C++
 * are instances of the exported class. Internal: the public surface is `device.ts`.
 */
import * as path from 'node:path';
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
}

/** Where the addon is: `NPURUN_HAL_NATIVE_BINARY` (e.g. the sanitizer build) or the package's build. */
export function nativeBinaryPath(): string {
  return process.env.NPURUN_HAL_NATIVE_BINARY ?? path.resolve(__dirname, '..', 'build', 'Release', 'npurun_hal.node');
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
    throw new HalError(
      `loading the npurun HAL addon from ${file} failed (build it with \`pnpm build\`): ${(cause as Error).message}`,
      { code: HalErrorCode.Internal, op: 'load' },
    );
  }
  loaded.registerErrorClass(HalError);
  binding = loaded;
  return loaded;
}
