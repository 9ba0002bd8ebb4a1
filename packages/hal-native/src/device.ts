/**
 * `openDevice`: the typed face of the native HAL. Argument validation happens in the binding
 * (so a bad value never reaches native code); this module adds the object model (streams,
 * binaries, programs, mappings as objects) and the defaults.
 */
import * as path from 'node:path';
import { HalError, HalErrorCode } from './errors';
import { loadBinding, type NativeDeviceHandle } from './native';
import type {
  AicoreBinary,
  AicpuProgram,
  ByteSize,
  DeviceProperties,
  HalDevice,
  HalMemoryUsage,
  HalStream,
  HostMapping,
  OpenDeviceOptions,
  RunSubmission,
  StreamsSyncError,
} from './types';

/** Default simulated device memory: 4 GiB of address space, backed lazily. */
export const DEFAULT_SIM_MEMORY_BYTES = 4n * 1024n * 1024n * 1024n;

/** Directory holding `npurun/device_abi.h`, the simulator's device ABI, for device-program builds. */
export const deviceIncludeDir: string = path.resolve(__dirname, '..', 'include');

class Stream implements HalStream {
  #alive = true;
  constructor(
    /** The device that created the stream (synchronizeStreams refuses other devices' streams). */
    readonly device: NativeDevice,
    readonly id: number,
  ) {}

  get alive(): boolean {
    return this.#alive && this.device.isOpen;
  }

  synchronize(timeoutMs: number): Promise<void> {
    try {
      return this.device.handle('synchronize').synchronize(this.id, timeoutMs);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  destroy(): void {
    this.device.handle('destroyStream').destroyStream(this.id);
    this.#alive = false;
  }
}

class Binary implements AicoreBinary {
  constructor(readonly handle: number) {}
}

class Program implements AicpuProgram {
  constructor(
    readonly device: NativeDevice,
    readonly handle: number,
  ) {}

  hasKernel(name: string): boolean {
    return this.device.handle('aicpuProgramHasKernel').aicpuProgramHasKernel(this.handle, name);
  }
}

class NativeDevice implements HalDevice {
  readonly properties: DeviceProperties;
  #native: NativeDeviceHandle | undefined;

  constructor(native: NativeDeviceHandle) {
    this.#native = native;
    this.properties = Object.freeze(native.properties() as unknown as DeviceProperties);
  }

  get isOpen(): boolean {
    return this.#native !== undefined;
  }

  /** The live native handle, or a `HAL_DEVICE_CLOSED` error naming `op`. */
  handle(op: string): NativeDeviceHandle {
    if (this.#native === undefined) {
      throw new HalError(`${op}: the device was closed`, { code: HalErrorCode.DeviceClosed, op });
    }
    return this.#native;
  }

  malloc(size: ByteSize): bigint {
    return this.handle('malloc').malloc(size);
  }
  free(addr: bigint): void {
    this.handle('free').free(addr);
  }
  memset(addr: bigint, value: number, size: ByteSize): void {
    this.handle('memset').memset(addr, value, size);
  }
  copyToDevice(dst: bigint, src: ArrayBufferView): void {
    this.handle('copyToDevice').copyToDevice(dst, src);
  }
  copyFromDevice(dst: ArrayBufferView, src: bigint): void {
    this.handle('copyFromDevice').copyFromDevice(dst, src);
  }
  memoryUsage(): HalMemoryUsage {
    return this.handle('memoryUsage').memoryUsage();
  }

  createStream(): HalStream {
    return new Stream(this, this.handle('createStream').createStream());
  }

  synchronizeStreams(streams: readonly HalStream[], timeoutMs: number): Promise<void> {
    try {
      const native = this.handle('synchronizeStreams');
      if (!Array.isArray(streams)) {
        throw new HalError('synchronizeStreams: streams must be an array of streams of this device', {
          code: HalErrorCode.InvalidArgument,
          op: 'synchronizeStreams',
        });
      }
      const ids = new Array<number>(streams.length);
      for (let i = 0; i < streams.length; i++) {
        const s: unknown = streams[i];
        // Stream ids are per device: another device's stream could name one of ours by accident.
        if (!(s instanceof Stream) || s.device !== this) {
          throw new HalError(`synchronizeStreams: streams[${i}] is not a stream of this device`, {
            code: HalErrorCode.InvalidArgument,
            op: 'synchronizeStreams',
          });
        }
        ids[i] = s.id;
      }
      return native.synchronizeStreams(ids, timeoutMs).catch((error: unknown) => {
        throw withStreams(error, streams);
      });
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  registerAicoreBinary(image: Uint8Array): AicoreBinary {
    return new Binary(this.handle('registerAicoreBinary').registerAicoreBinary(image));
  }
  loadAicpuProgram(image: Uint8Array): AicpuProgram {
    return new Program(this, this.handle('loadAicpuProgram').loadAicpuProgram(image));
  }

  launchAicore(stream: HalStream, binary: AicoreBinary, blockDim: number, kernelArgsAddr: bigint): void {
    this.handle('launchAicore').launchAicore(stream.id, binary.handle, blockDim, kernelArgsAddr);
  }
  launchAicpu(stream: HalStream, program: AicpuProgram, kernelName: string, threads: number, args: ArrayBufferView): void {
    this.handle('launchAicpu').launchAicpu(stream.id, program.handle, kernelName, threads, args);
  }

  submitRun(run: RunSubmission): Promise<bigint> {
    const op = 'submitRun';
    try {
      const native = this.handle(op);
      if (typeof run !== 'object' || run === null) throw invalid(op, 'run must be an object');
      const { aicpu, aicore } = run;
      if (typeof aicpu !== 'object' || aicpu === null) throw invalid(op, 'aicpu must be an object');
      if (typeof aicore !== 'object' || aicore === null) throw invalid(op, 'aicore must be an object');
      const aicpuStream = this.ownStream(op, 'aicpu.stream', aicpu.stream);
      const aicoreStream = this.ownStream(op, 'aicore.stream', aicore.stream);
      if (!(aicpu.program instanceof Program) || aicpu.program.device !== this) throw invalid(op, 'aicpu.program is not an AI CPU program of this device');
      if (!(aicore.binary instanceof Binary)) throw invalid(op, 'aicore.binary is not an AI Core binary of this device');
      const upload = run.kernelArgsUpload;
      if (upload !== 'beforeAicpuLaunch' && upload !== 'beforeAicoreLaunch') {
        throw invalid(op, `kernelArgsUpload must be 'beforeAicpuLaunch' or 'beforeAicoreLaunch', got ${String(upload)}`);
      }
      const streams = [aicpuStream, aicoreStream];
      const uploads = flatUploads(op, run.uploads);
      return native
        .submitRun(
          aicpuStream.id,
          aicpu.program.handle,
          aicpu.initKernel,
          aicpu.runKernel,
          aicpu.threads,
          run.kernelArgs,
          run.kernelArgsAddr,
          upload === 'beforeAicpuLaunch',
          aicoreStream.id,
          aicore.binary.handle,
          aicore.blockDim,
          run.timeoutMs,
          run.deviceWallAddr,
          uploads,
        )
        .catch((error: unknown) => {
          throw withSubmitStreams(error, streams);
        });
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  private ownStream(op: string, name: string, s: unknown): Stream {
    // Stream ids are per device: another device's stream could name one of ours by accident.
    if (!(s instanceof Stream) || s.device !== this) throw invalid(op, `${name} is not a stream of this device`);
    return s;
  }

  mapToHost(addr: bigint, size: ByteSize): HostMapping {
    const buffer = this.handle('mapToHost').mapToHost(addr, size);
    return { deviceAddr: addr, size: buffer.byteLength, bytes: new Uint8Array(buffer) };
  }
  unmapFromHost(addr: bigint): void {
    this.handle('unmapFromHost').unmapFromHost(addr);
  }

  reset(): void {
    this.handle('reset').reset();
  }
  close(): void {
    const native = this.#native;
    this.#native = undefined; // closed even if the backend's reset fails
    native?.close();
  }

  /** The cheapest call through the binding; benchmarks use it as the N-API baseline. */
  noop(): void {
    this.handle('noop').noop();
  }
}

/**
 * Turns the stream ids the binding attaches to a synchronizeStreams rejection into the stream
 * objects the caller passed (see {@link StreamsSyncError}).
 */
function withStreams(error: unknown, streams: readonly HalStream[]): unknown {
  if (!(error instanceof HalError)) return error;
  const e = error as { stream?: unknown; timedOut?: unknown };
  const byId = (id: unknown): HalStream | undefined => streams.find((s) => s.id === id);
  const failed = byId(e.stream);
  if (failed === undefined) return error;
  const timedOut = Array.isArray(e.timedOut) ? e.timedOut.map(byId).filter((s): s is HalStream => s !== undefined) : [];
  const result: StreamsSyncError = Object.assign(error, { stream: failed, timedOut });
  return result;
}

/** A submission's uploads as the addon takes them: address, bytes, address, bytes, … */
function flatUploads(op: string, uploads: unknown): (bigint | ArrayBufferView)[] {
  if (uploads === undefined) return [];
  if (!Array.isArray(uploads)) throw invalid(op, 'uploads must be an array of { addr, bytes }');
  const flat = new Array<bigint | ArrayBufferView>(uploads.length * 2);
  for (let i = 0; i < uploads.length; i++) {
    const u: unknown = uploads[i];
    const { addr, bytes } = (typeof u === 'object' && u !== null ? u : {}) as { addr?: unknown; bytes?: unknown };
    if (typeof addr !== 'bigint' || !ArrayBuffer.isView(bytes)) throw invalid(op, `uploads[${i}] must be { addr: bigint, bytes: ArrayBufferView }`);
    flat[2 * i] = addr;
    flat[2 * i + 1] = bytes;
  }
  return flat;
}

function invalid(op: string, message: string): HalError {
  return new HalError(`${op}: ${message}`, { code: HalErrorCode.InvalidArgument, op });
}

/** {@link withStreams} for a submitRun rejection: stream ids become the streams they name. */
function withSubmitStreams(error: unknown, streams: readonly HalStream[]): unknown {
  if (!(error instanceof HalError)) return error;
  const e = error as { launched?: unknown; waitError?: unknown };
  if (Array.isArray(e.launched)) {
    Object.assign(error, { launched: streams.filter((s) => (e.launched as unknown[]).includes(s.id)) });
    if (e.waitError !== undefined) Object.assign(error, { waitError: withStreams(e.waitError, streams) });
    return error;
  }
  return withStreams(error, streams);
}

/**
 * Opens one device.
 *
 * @example
 * ```ts
 * const device = openDevice({ platform: 'a2a3sim' });
 * const addr = device.malloc(1024);
 * device.copyToDevice(addr, new Float32Array(256).fill(1));
 * device.close();
 * ```
 * @throws {@link HalError} `HAL_INVALID_PLATFORM` for an unknown platform, `HAL_INVALID_ARGUMENT`
 * for bad options, `HAL_LIBRARY_NOT_FOUND` / `HAL_SYMBOL_NOT_FOUND` when the vendor runtime is missing.
 */
export function openDevice(options: OpenDeviceOptions): HalDevice & { noop(): void } {
  if (typeof options !== 'object' || options === null) {
    throw new HalError('openDevice: options must be an object', { code: HalErrorCode.InvalidArgument, op: 'openDevice' });
  }
  const { NativeDevice: Native } = loadBinding();
  const native = new Native({
    platform: options.platform,
    deviceId: options.deviceId ?? 0,
    simMemoryBytes: options.sim?.memoryBytes ?? DEFAULT_SIM_MEMORY_BYTES,
    ...(options.ascendHomePath !== undefined ? { ascendHomePath: options.ascendHomePath } : {}),
  });
  return new NativeDevice(native);
}

/** Calls the cheapest possible N-API function of the addon (benchmark baseline). */
export function nativeNoop(): void {
  loadBinding().noop();
}

/**
 * Checks that `image` is a structurally sound ELF shared object for this host (every header,
 * segment and section inside the bytes; this machine's architecture) before anything maps it.
 *
 * @returns `''` when it is, else the reason it is not (e.g. "program header 2 spans bytes … but
 *   the image has …", the sign of a truncated file)
 */
export function checkElfImage(image: Uint8Array): string {
  return loadBinding().checkElfImage(image);
}
