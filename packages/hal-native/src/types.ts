/**
 * The HAL's public types: what a device looks like to the packages above it.
 *
 * Every device address is a `bigint`; every size accepts `number` (a safe, non-negative integer)
 * or `bigint`. Memory operations are synchronous (they are short and bounded by the size given);
 * everything that waits on the device returns a Promise and never blocks the event loop.
 */
import type { HalError } from './errors';

/** Simulator platforms, built into the addon; the default everywhere. */
export type SimPlatform = 'a2a3sim' | 'a5sim';
/** Hardware platforms, driven through the vendor runtime (CANN) loaded at run time. */
export type HardwarePlatform = 'a2a3' | 'a5';
/** Every platform npurun can open. */
export type Platform = SimPlatform | HardwarePlatform;
/** The two architectures; each has a simulator and a hardware platform. */
export type Arch = 'a2a3' | 'a5';

/** A size in bytes: a safe non-negative integer `number`, or a non-negative `bigint` below 2^64. */
export type ByteSize = number | bigint;

/** Options of the simulator backend. */
export interface SimOptions {
  /**
   * Simulated device memory in bytes (address space, backed lazily by the host).
   * Default 4 GiB. Tests shrink it to exhaust memory on purpose.
   */
  memoryBytes?: ByteSize;
}

/** Options of {@link openDevice}. */
export interface OpenDeviceOptions {
  /** Which backend and architecture. */
  platform: Platform;
  /** Logical device id (default 0). */
  deviceId?: number;
  /** Simulator options; ignored on hardware platforms. */
  sim?: SimOptions;
  /**
   * Hardware only: directory searched first for the vendor libraries
   * (default: `$ASCEND_HOME_PATH`, then the loader path).
   */
  ascendHomePath?: string;
}

/** What a device reports about itself. Core counts follow the hardware of the arch. */
export interface DeviceProperties {
  /** The platform the device was opened with. */
  readonly platform: Platform;
  /** The architecture. */
  readonly arch: Arch;
  /** True on the simulator. */
  readonly simulated: boolean;
  /** Logical device id. */
  readonly deviceId: number;
  /** AI Core cube cores (one per block). */
  readonly cubeCores: number;
  /** AI Core vector cores (two per block). */
  readonly vectorCores: number;
  /** Largest `blockDim` (blocks of 1 cube + 2 vector cores). */
  readonly maxBlockDim: number;
  /** AI CPU scheduler threads. */
  readonly aicpuSchedulerThreads: number;
  /** AI CPU threads a run launches (scheduler threads plus helpers). */
  readonly aicpuLaunchThreads: number;
  /** Device memory capacity in bytes. */
  readonly memoryBytes: bigint;
  /** Alignment of every device allocation, in bytes. */
  readonly allocationAlignment: number;
  /** Frequency of the device timestamp clock, in Hz. */
  readonly timestampHz: number;
  /** PMU counters per PMU record on this arch. */
  readonly pmuCounters: number;
  /** Whether device memory can be mapped into the host (a2a3 only). */
  readonly hostMapping: boolean;
  /** a2a3 hardware: the FFTS base address for KernelArgs `fftsBaseAddr`; `0n` on the simulator and on a5. */
  readonly fftsBaseAddr: bigint;
}

/** Live device memory as the HAL sees it. */
export interface HalMemoryUsage {
  /** Bytes in live allocations (as requested, before alignment). */
  readonly liveBytes: bigint;
  /** Number of live allocations. */
  readonly liveAllocations: number;
}

/** An ordered queue of device work. Work on one stream runs in submission order. */
export interface HalStream {
  /** A small integer that names the stream in errors and logs. */
  readonly id: number;
  /** False once destroyed (or its device closed). */
  readonly alive: boolean;
  /**
   * Resolves when every launch submitted so far has finished; rejects with a `HalError`
   * (`HAL_SYNC_TIMEOUT`) after `timeoutMs`, or with the error a launch on it reported.
   */
  synchronize(timeoutMs: number): Promise<void>;
  /** Destroys the stream. Work still running is asked to stop first. */
  destroy(): void;
}

/**
 * How {@link HalDevice.synchronizeStreams} rejects: the `HalError` of the first stream, in the
 * order given, that failed (its `code` and `op` as that stream's synchronize reports them), and
 * which streams missed the deadline.
 */
export interface StreamsSyncError extends HalError {
  /** The stream whose failure this is. */
  readonly stream: HalStream;
  /**
   * Every stream that did not finish by the deadline (`HAL_SYNC_TIMEOUT`), whichever failed
   * first: their work may still be running and reading device memory. Empty when none timed out.
   */
  readonly timedOut: readonly HalStream[];
}

/** One host-to-device copy a {@link RunSubmission} makes before its launches. */
export interface RunUpload {
  /** Destination device address. */
  readonly addr: bigint;
  /** The bytes to copy there. */
  readonly bytes: ArrayBufferView;
}

/**
 * One run's device work, submitted with {@link HalDevice.submitRun} once its graph is encoded and
 * the device copy of its KernelArgs allocated.
 */
export interface RunSubmission {
  /** The AI CPU side: the init kernel on 1 thread, then the run kernel on `threads` threads. */
  readonly aicpu: {
    readonly stream: HalStream;
    readonly program: AicpuProgram;
    readonly initKernel: string;
    readonly runKernel: string;
    readonly threads: number;
  };
  /** The AI Core side: the executor over `blockDim` blocks, given `kernelArgsAddr`. */
  readonly aicore: {
    readonly stream: HalStream;
    readonly binary: AicoreBinary;
    readonly blockDim: number;
  };
  /**
   * Bytes written to device memory before anything launches, in the order given (the runner's: the
   * zeroed device-wall slot, then the runtime image). Each `addr` must lie, with its `bytes`, inside device memory the
   * caller owns; a failed upload rejects in the `launch` phase with nothing launched.
   */
  readonly uploads?: readonly RunUpload[];
  /** The host KernelArgs: the AI CPU kernels' argument block (by value) and the device copy's content. */
  readonly kernelArgs: ArrayBufferView;
  /** Where the device copy of `kernelArgs` is uploaded (an allocation of at least its size). */
  readonly kernelArgsAddr: bigint;
  /** When the copy is uploaded: before the AI CPU launches (a2a3) or after them, before the AI Core launch (a5). */
  readonly kernelArgsUpload: 'beforeAicpuLaunch' | 'beforeAicoreLaunch';
  /** The deadline for both streams together, in ms (0 – 24 h). */
  readonly timeoutMs: number;
  /** The 8-byte device-wall slot, read once both streams are done. */
  readonly deviceWallAddr: bigint;
}

/**
 * The rejection of {@link HalDevice.submitRun}: the `HalError` of the step that failed, with
 * `phase` naming it.
 * - `launch`: the upload or a launch failed (its own `code` and `op`); `launched` lists the streams
 *   whose work had already started, which were waited for (under the run's deadline) before the
 *   promise settled — `waitError` is set when that wait failed too.
 * - `wait`: a stream failed or missed the deadline; `stream` and `timedOut` as in {@link StreamsSyncError}.
 * - `read`: reading the device wall failed.
 */
export type SubmitRunError =
  | (HalError & { readonly phase: 'launch'; readonly launched: readonly HalStream[]; readonly waitError?: StreamsSyncError })
  | (StreamsSyncError & { readonly phase: 'wait' })
  | (HalError & { readonly phase: 'read' });

/** A registered AI Core executor binary. There is no unregister, as on real hardware. */
export interface AicoreBinary {
  /** Handle value, unique per device. */
  readonly handle: number;
}

/** A loaded AI CPU executor program; its kernels are resolved by name. */
export interface AicpuProgram {
  /** Handle value, unique per device. */
  readonly handle: number;
  /** Whether the program exports a kernel with this name. */
  hasKernel(name: string): boolean;
}

/** A host view of device memory (a2a3: zero-copy; detached when unmapped). */
export interface HostMapping {
  /** The device address mapped. */
  readonly deviceAddr: bigint;
  /** Bytes mapped. */
  readonly size: number;
  /** The host view. Detached (length 0) after {@link HalDevice.unmapFromHost}. */
  readonly bytes: Uint8Array;
}

/**
 * One opened device. The HAL's operation set; the sim and cann backends implement the same
 * interface, and runner-base's tests implement it in memory.
 */
export interface HalDevice {
  /** Properties of the device. */
  readonly properties: DeviceProperties;
  /** False after {@link close}. */
  readonly isOpen: boolean;

  /** Allocates device memory; the address is aligned to `properties.allocationAlignment`. */
  malloc(size: ByteSize): bigint;
  /** Frees an allocation made by {@link malloc}. Unknown addresses are an error. */
  free(addr: bigint): void;
  /** Sets `size` bytes at `addr` to `value` (0–255). */
  memset(addr: bigint, value: number, size: ByteSize): void;
  /** Copies the whole of `src` to device memory at `dst`. */
  copyToDevice(dst: bigint, src: ArrayBufferView): void;
  /** Fills the whole of `dst` from device memory at `src`. */
  copyFromDevice(dst: ArrayBufferView, src: bigint): void;
  /** Live allocations. */
  memoryUsage(): HalMemoryUsage;

  /** Creates a stream. */
  createStream(): HalStream;
  /**
   * Waits for each of `streams` in the order given, under one deadline `timeoutMs` from the call:
   * what {@link HalStream.synchronize} does for one stream, in one wait (one worker thread, and
   * no worker at all when every stream is already idle). Every stream is waited for even after
   * one fails, so when the promise settles no work on them is running — except on streams that
   * timed out. Resolves when all finished without failure.
   *
   * @param streams streams of this device (an empty list resolves at once)
   * @param timeoutMs the deadline for all of them together, in ms (0 – 24 h)
   * @throws (rejects with) {@link StreamsSyncError} for the first stream that failed; a `HalError`
   *   `HAL_INVALID_ARGUMENT` for a bad argument or a stream of another device, `HAL_DEVICE_CLOSED`
   *   once the device is closed
   */
  synchronizeStreams(streams: readonly HalStream[], timeoutMs: number): Promise<void>;

  /** Registers an AI Core executor binary (an ELF shared object on the simulator). */
  registerAicoreBinary(image: Uint8Array): AicoreBinary;
  /** Loads an AI CPU executor program (an ELF shared object on the simulator). */
  loadAicpuProgram(image: Uint8Array): AicpuProgram;

  /**
   * Launches the AI Core executor over `blockDim` blocks (1 ≤ blockDim ≤ maxBlockDim); every core
   * gets one argument, `kernelArgsAddr`, which must be a device address.
   */
  launchAicore(stream: HalStream, binary: AicoreBinary, blockDim: number, kernelArgsAddr: bigint): void;
  /**
   * Launches kernel `kernelName` of `program` on `threads` AI CPU threads; `args` is copied by value
   * at launch (writes to it by the device never reach the host).
   */
  launchAicpu(stream: HalStream, program: AicpuProgram, kernelName: string, threads: number, args: ArrayBufferView): void;

  /**
   * One run's device work in one call: makes the run's uploads, uploads the KernelArgs copy at its point, launches the AI
   * CPU init and run kernels and the AI Core executor, waits for both streams under one deadline,
   * and reads the device wall. The same vendor calls as making those calls in turn (see
   * {@link submitRunStepwise}), but one crossing into the addon and one promise; the simulator also
   * sends the three launches to its device process in one message and checks every argument
   * before anything starts.
   *
   * @returns (resolves to) the device wall the AI CPU wrote, in ns
   * @throws (rejects with) {@link SubmitRunError}
   */
  submitRun(run: RunSubmission): Promise<bigint>;

  /** Maps device memory into the host. a2a3 only: `HAL_UNSUPPORTED` on a5 and a5sim. */
  mapToHost(addr: bigint, size: ByteSize): HostMapping;
  /** Removes a mapping made by {@link mapToHost}; its view is detached. */
  unmapFromHost(addr: bigint): void;

  /** Stops all work, destroys streams, frees all memory, drops binaries and programs. The device stays open. */
  reset(): void;
  /** Resets the device and releases it; every later call fails with `HAL_DEVICE_CLOSED`. Idempotent. */
  close(): void;
}
