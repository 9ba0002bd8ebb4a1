/**
 * `DeviceRunnerBase`: the lifecycle both arch runners share. The arch subclasses
 * supply data (their KernelArgs layout, executor binaries, when the KernelArgs copy is uploaded)
 * and the steps that differ (diagnostics wiring, finalize of their collectors); everything else
 * lives here, once.
 */
import type {
  Arch,
  ByteSize,
  DeviceProperties,
  HalDevice,
  HalStream,
  OpenDeviceOptions,
  Platform,
  SimOptions,
  StructLayout,
  AicpuProgram,
  StreamsSyncError,
  SubmitRunError,
} from '@npurun/hal-native';
import { HalErrorCode, openDevice } from '@npurun/hal-native';
import { randomUUID } from 'node:crypto';
import { markOutputsRecorded, runSliced, TimeSlicer, type CollectorDeviceMemory, type DiagnosticName, type ExportOptions } from '@npurun/collectors';
import { AicoreExecutor } from './aicore-executor';
import { resolveAicpuThreads, resolveBlockDim } from './block-dim';
import { CallableRegistry, type Callable, type CallableId, type CallableRunPlan, type CallableStats } from './callable-registry';
import { DeviceAllocator, type MemoryStats } from './device-allocator';
import { enabledDiagnostics, normalizeDiagnostics } from './diagnostics';
import {
  BinaryError,
  DeviceMemoryError,
  DeviceTaskError,
  InvalidArgumentError,
  RunAbortedError,
  RunTimeoutError,
  RunnerBusyError,
  RunnerErrorCode,
  RunnerFaultedError,
  RunnerFinalizedError,
  TeardownError,
  errorMessage,
} from './errors';
import { Logger, type LogLevelName, type LogSink } from './logger';
import { checkOptions, toAbortSignal, toOptionalFunction } from './options';
import { checkOutputDirWritable, describeOutputFiles, removePreviousRun } from './output-dir';
import { RunAbort } from './run-abort';
import { RunContext, type RunCollectorEntry } from './run-context';
import { RunScratch } from './run-scratch';
import { buildRunJson, writeRunJson, type RunStatus } from './run-json';
import { RUN_OPTION_KEYS, RUN_REQUEST_KEYS, type DiagnosticsOptions, type HostTimings, type RunOptions, type RunProgress, type RunRequest, type RunResult } from './run-types';
import { checkGraphAddresses } from './runtime-image/check-addresses';
import { compiledPartsOf } from './runtime-image/compiled-graph';
import { encodeRuntimeImageSteps, type RuntimeImage } from './runtime-image/encode';
import type { TaskGraph } from './runtime-image/task-graph';
import { copyFromDeviceView, copyToDeviceView } from './shared-views';
import { SimDispatchHeader, encodeSimDispatchBlock } from './sim-dispatch';
import { resolveExecutors } from './sim-executor';
import { StaticArenas } from './static-arenas';
import { toByteSize, toDeviceAddress, toIntInRange } from './validate';
import { buildTaskTable } from './task-table';
import { runIdentity, toRunTag } from './run-identity';
import { readOutputsSliced } from './sliced-copy';
import { traceExportOptions } from './trace-inputs';

/** Opens a HAL device; injectable so tests can pass an in-memory device. */
export type HalFactory = (options: OpenDeviceOptions) => HalDevice;

/** The KernelArgs fields the shared steps write; both arch layouts have them. */
export interface CommonKernelArgs {
  /** Device address of the runtime image. */
  runtimeArgs: bigint;
  /** Per-core dispatch registers; on the simulator, the run's dispatch block (see `sim-dispatch.ts`). */
  regs: bigint;
  /** Log level 0 (debug) … 4 (off). */
  logLevel: number;
  /** INFO verbosity 0–9. */
  logInfoV: number;
  /** Diagnostic flag bits. */
  enableProfilingFlag: number;
  /** Device address of the 8-byte device-wall slot. */
  deviceWallDataBase: bigint;
  /** Logical device id. */
  deviceId: number;
}

/** When a run uploads the device-resident KernelArgs copy. */
export type KernelArgsUploadPoint = 'beforeAicpuLaunch' | 'beforeAicoreLaunch';

/** The executor programs a runner loads (on the simulator: ELF shared objects). */
export interface ExecutorBinaries {
  /** AI Core executor binary; registered on the first AI Core launch. */
  aicore: Uint8Array;
  /** AI CPU executor program; loaded when the device is initialized. */
  aicpu: Uint8Array;
  /** AI CPU kernel launched on 1 thread before the run kernel. Default `npurun_aicpu_init`. */
  aicpuInitKernel?: string;
  /** AI CPU kernel launched on the run's AI CPU threads. Default `npurun_aicpu_run`. */
  aicpuRunKernel?: string;
}

/** What an arch subclass tells the base about itself: arch differences as data. */
export interface ArchSpec<K extends CommonKernelArgs = CommonKernelArgs> {
  /** The architecture. */
  arch: Arch;
  /** The arch's KernelArgs layout. */
  kernelArgs: StructLayout<K>;
  /** Executor programs. */
  executors: ExecutorBinaries;
  /** When the KernelArgs copy is uploaded (a2a3: before the AI CPU launches; a5: before the AI Core launch). */
  kernelArgsUpload: KernelArgsUploadPoint;
  /** Diagnostics the arch supports. */
  diagnostics: readonly DiagnosticName[];
}

/** Options common to every runner (the arch packages' `create(options)`). */
export interface DeviceRunnerOptions {
  /** Platform; default the arch's simulator (`a2a3sim` / `a5sim`). */
  platform?: Platform;
  /** Device id; default 0. */
  deviceId?: number;
  /** Simulator options (memory size). */
  sim?: SimOptions;
  /** Where runs write their files; required when any diagnostic is on. */
  outputDir?: string;
  /** Diagnostics for every run (a run may override). */
  diagnostics?: DiagnosticsOptions;
  /** Log level (name or 0–4); default `warn`. Published to the device as `logLevel`. */
  logLevel?: LogLevelName | number;
  /** INFO verbosity 0–9; default 0. Published to the device as `logInfoV`. */
  logInfoV?: number;
  /** Where log lines go; default stderr. Must be a function; one that throws loses its line, never a run. */
  logSink?: LogSink;
  /** Run timeout in ms (both streams together), 1 ms to 24 h ({@link MAX_RUN_TIMEOUT_MS}); default 60 000. */
  runTimeoutMs?: number;
  /** Hardware only: where to look for the vendor libraries first. */
  ascendHomePath?: string;
  /** Opens the device; default `openDevice` of `@npurun/hal-native`. Tests pass a fake. */
  halFactory?: HalFactory;
}

/** Every option a runner's `create` accepts (the arch packages add nothing but `executors`). */
export const RUNNER_OPTION_KEYS: readonly string[] = [
  'platform',
  'deviceId',
  'sim',
  'outputDir',
  'diagnostics',
  'logLevel',
  'logInfoV',
  'logSink',
  'runTimeoutMs',
  'ascendHomePath',
  'halFactory',
  'executors',
];

/**
 * Checks a runner's options object before anything else happens: an object (or omitted), no
 * unknown keys. The values are checked by the constructor.
 *
 * @param op the entry point, e.g. `A2A3Runner.create`
 * @throws InvalidArgumentError for null, a non-object, or an unknown key (named, with the nearest known one)
 */
export function checkRunnerOptions<T extends DeviceRunnerOptions>(op: string, options: unknown): T {
  return checkOptions(op, 'options', options, RUNNER_OPTION_KEYS) as T;
}

/**
 * The platform a runner of `arch` drives: `platform`, or the arch's simulator by default.
 *
 * @throws InvalidArgumentError for a platform of another arch (`'a5sim'` given to an a2a3 runner)
 */
export function resolvePlatform(arch: Arch, platform: unknown): Platform {
  const resolved = platform ?? `${arch}sim`;
  if (resolved !== arch && resolved !== `${arch}sim`) {
    throw new InvalidArgumentError(`${arch} runner`, 'platform', platform, `'${arch}sim' or '${arch}' (this runner drives ${arch})`);
  }
  return resolved as Platform;
}

/**
 * Completes an arch's description with its executor programs (see {@link resolveExecutors}):
 * what an arch package's `create()` does before constructing its runner. The platform is checked
 * first, so a wrong one is reported before anything is compiled.
 */
export async function resolveArchSpec(
  description: Omit<ArchSpec, 'executors'>,
  options: { platform?: Platform; executors?: ExecutorBinaries },
): Promise<ArchSpec> {
  const platform = resolvePlatform(description.arch, options.platform);
  return { ...description, executors: await resolveExecutors(description.arch, description.kernelArgs as StructLayout<unknown>, platform, options.executors) };
}

/** Default run timeout: generous, because the simulator runs cores as host threads. */
export const DEFAULT_RUN_TIMEOUT_MS = 60_000;
/**
 * The longest run timeout: 24 h, the HAL's limit for a synchronize. Runner options, run options
 * and the CLI's `--timeout` are all checked against it before anything is launched.
 */
export const MAX_RUN_TIMEOUT_MS = 24 * 3600 * 1000;
const DEFAULT_AICPU_INIT_KERNEL = 'npurun_aicpu_init';
const DEFAULT_AICPU_RUN_KERNEL = 'npurun_aicpu_run';
/** How often a run with `onProgress` samples the simulator's finished-task counter. */
const PROGRESS_INTERVAL_MS = 100;
/** What a run's launch writes to the device-wall slot first, so a wall the AI CPU never wrote reads 0. */
const ZEROED_DEVICE_WALL = new Uint8Array(8);

/** The device-side state a runner holds once initialized. */
interface DeviceState {
  device: HalDevice;
  allocator: DeviceAllocator;
  arenas: StaticArenas;
  callables: CallableRegistry;
  aicpuStream: HalStream;
  aicoreStream: HalStream;
  aicpuProgram: AicpuProgram;
  deviceWall: bigint | null;
  /** The device memory of a run's own parts, kept from one run to the next. */
  scratch: RunScratch;
}

function now(): number {
  return performance.now();
}

/** Runs the rest of a generator of pause points in slices, from a pause point it stopped at. */
async function resumeSliced<T>(steps: Generator<unknown, T, undefined>): Promise<T> {
  const slicer = new TimeSlicer();
  await slicer.pauseIfDue();
  return runSliced(steps, slicer);
}

function isSyncTimeout(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === HalErrorCode.SyncTimeout;
}

/** The HAL's code for a device that faulted (its device process died); every later call fails with it. */
const HAL_DEVICE_FAULT = 'HAL_DEVICE_FAULT';

function isDeviceFault(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === HAL_DEVICE_FAULT;
}

/** A run's settings once validated, before the device is asked for its limits. */
interface CheckedRun {
  op: string;
  request: RunRequest;
  /** The graph the image was encoded from: the request's, or a compiled graph's own copy. */
  graph: TaskGraph;
  /** Whether `graph` is a compiled graph's copy (which nothing can change). */
  compiled: boolean;
  image: RuntimeImage;
  diagnostics: Required<DiagnosticsOptions> | DiagnosticsOptions;
  /** Whether any diagnostic is enabled (the run's collector steps have work). */
  diagnosed: boolean;
  outputDir: string | undefined;
  timeoutMs: number;
  outputs: RunContext['settings']['outputs'];
  signal: AbortSignal | undefined;
  onProgress: ((progress: RunProgress) => void) | undefined;
}

/**
 * The shared runner. Subclasses (`A2A3Runner`, `A5Runner`) pass an {@link ArchSpec} and implement
 * {@link DeviceRunnerBase.initDiagnostics}; they may override the other protected hooks.
 *
 * Sync vs async: memory and arena operations are synchronous (short, bounded); everything that
 * waits on the device (`run`, `runPrepared`, `finalize`) is async.
 */
export abstract class DeviceRunnerBase implements AsyncDisposable {
  /** The runner's logger (its level and verbosity are published to the device). */
  readonly logger: Logger;
  /** The platform the runner drives. */
  readonly platform: Platform;
  /** The device id. */
  readonly deviceId: number;
  /** Default output directory of runs. */
  readonly outputDir: string | undefined;
  /** Default diagnostics of runs. */
  readonly diagnostics: Readonly<Required<DiagnosticsOptions>>;
  /** Default run timeout in ms. */
  readonly runTimeoutMs: number;

  /** The arch's data. */
  protected readonly spec: ArchSpec;
  private readonly halFactory: HalFactory;
  private readonly simOptions: SimOptions | undefined;
  private readonly ascendHomePath: string | undefined;
  private readonly aicoreExecutor: AicoreExecutor;
  private state: DeviceState | null = null;
  private faultReason: string | null = null;
  // Requested: new runs are refused. Started: every call is refused. The gap lets an in-flight run
  // finish cleanly before finalize tears the device down.
  private finalizeRequested = false;
  private finalizeStarted = false;
  private finalizePromise: Promise<void> | null = null;
  private commonFinalized = false;
  private inFlight: Promise<unknown> | null = null;

  /**
   * Validates the options (no device call; the device opens on first use, see
   * {@link ensureDeviceInitialized}).
   *
   * @throws InvalidArgumentError for a platform of another arch, or any bad option
   */
  protected constructor(spec: ArchSpec<CommonKernelArgs>, options: DeviceRunnerOptions = {}) {
    const op = `${spec.arch} runner`;
    checkRunnerOptions(op, options);
    this.platform = resolvePlatform(spec.arch, options.platform);
    this.deviceId = toIntInRange(op, 'deviceId', options.deviceId ?? 0, 0, 0x7fffffff);
    this.logger = new Logger(
      {
        level: options.logLevel ?? 'warn',
        infoV: options.logInfoV ?? 0,
        ...(options.logSink !== undefined ? { sink: options.logSink } : {}),
      },
      op,
    );
    this.runTimeoutMs = toIntInRange(op, 'runTimeoutMs', options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS, 1, MAX_RUN_TIMEOUT_MS);
    this.diagnostics = normalizeDiagnostics(op, options.diagnostics, spec.diagnostics);
    if (options.outputDir !== undefined && (typeof options.outputDir !== 'string' || options.outputDir === '')) {
      throw new InvalidArgumentError(op, 'outputDir', options.outputDir, 'a non-empty path');
    }
    this.outputDir = options.outputDir;
    if (enabledDiagnostics(this.diagnostics).length > 0 && this.outputDir === undefined) {
      throw new InvalidArgumentError(op, 'outputDir', undefined, 'a directory when any diagnostic is enabled');
    }
    if (options.halFactory !== undefined && typeof options.halFactory !== 'function') {
      throw new InvalidArgumentError(op, 'halFactory', options.halFactory, 'a function');
    }
    this.halFactory = options.halFactory ?? openDevice;
    if (options.sim !== undefined) checkOptions(op, 'sim', options.sim, ['memoryBytes'], false);
    if (options.ascendHomePath !== undefined && (typeof options.ascendHomePath !== 'string' || options.ascendHomePath === '')) {
      throw new InvalidArgumentError(op, 'ascendHomePath', options.ascendHomePath, 'a non-empty path');
    }
    this.simOptions = options.sim;
    this.ascendHomePath = options.ascendHomePath;
    this.spec = spec;
    this.aicoreExecutor = new AicoreExecutor(spec.executors.aicore);
  }

  // ---------------------------------------------------------------- state

  /** True once `finalize()` was called; every other call then throws `RUNNER_FINALIZED`. */
  get isFinalized(): boolean {
    return this.finalizeRequested;
  }

  /**
   * True after a run timed out, or when the device faulted (also while an aborted run was being
   * stopped); only `finalize()` is allowed then. {@link faultReason} says why.
   */
  get isFaulted(): boolean {
    return this.faultReason !== null;
  }

  /** Why the runner is faulted, or `null`. */
  get faultDescription(): string | null {
    return this.faultReason;
  }

  /** The device's properties (opens the device on first use). */
  get deviceProperties(): DeviceProperties {
    return this.ready('deviceProperties').device.properties;
  }

  /** The AI CPU stream (opens the device on first use). */
  get aicpuStream(): HalStream {
    return this.ready('aicpuStream').aicpuStream;
  }

  /** The AI Core stream (opens the device on first use). */
  get aicoreStream(): HalStream {
    return this.ready('aicoreStream').aicoreStream;
  }

  /** How many times the AI Core executor was registered on this runner (0 or 1). */
  get aicoreRegistrations(): number {
    return this.aicoreExecutor.registrations;
  }

  /** Device memory as collectors use it (the runner's allocator). */
  protected get deviceMemory(): CollectorDeviceMemory & DeviceAllocator {
    return this.ready('deviceMemory').allocator;
  }

  /**
   * Throws unless the runner may be used.
   *
   * @throws RunnerFinalizedError after finalize; RunnerFaultedError after a timeout
   */
  protected assertUsable(op: string): void {
    if (this.finalizeStarted) throw new RunnerFinalizedError(op);
    if (this.faultReason !== null) throw new RunnerFaultedError(op, this.faultReason);
  }

  private ready(op: string): DeviceState {
    this.assertUsable(op);
    return this.initDevice();
  }

  // ---------------------------------------------------------------- step 1: device

  /**
   * Shared step 1: opens (attaches) the device, creates the AI CPU and AI Core streams and loads
   * the AI CPU executor program, once per runner. All-or-nothing: a failure undoes what was done,
   * so a later call starts over.
   *
   * @throws BinaryError for an empty AI CPU program or one that lacks the init/run kernels;
   *   `HalError` from the device
   */
  protected ensureDeviceInitialized(): void {
    this.initDevice();
  }

  private initDevice(): DeviceState {
    if (this.state !== null) return this.state;
    const op = 'ensureDeviceInitialized';
    const aicpuImage = this.spec.executors.aicpu;
    if (!(aicpuImage instanceof Uint8Array) || aicpuImage.byteLength === 0) {
      throw new BinaryError(op, 'the AI CPU executor program is empty');
    }
    const openOptions: OpenDeviceOptions = {
      platform: this.platform,
      deviceId: this.deviceId,
      ...(this.simOptions !== undefined ? { sim: this.simOptions } : {}),
      ...(this.ascendHomePath !== undefined ? { ascendHomePath: this.ascendHomePath } : {}),
    };
    const device = this.halFactory(openOptions);
    const streams: HalStream[] = [];
    try {
      if (device.properties.arch !== this.spec.arch) {
        throw new InvalidArgumentError(op, 'platform', device.properties.arch, `a ${this.spec.arch} device`);
      }
      streams.push(device.createStream());
      streams.push(device.createStream());
      const program = device.loadAicpuProgram(aicpuImage);
      for (const name of [this.aicpuInitKernel, this.aicpuRunKernel]) {
        if (!program.hasKernel(name)) throw new BinaryError(op, `the AI CPU executor program has no kernel named ${JSON.stringify(name)}`);
      }
      const allocator = new DeviceAllocator(device);
      this.state = {
        device,
        allocator,
        arenas: new StaticArenas(allocator, device.properties.allocationAlignment),
        callables: new CallableRegistry(allocator),
        aicpuStream: streams[0]!,
        aicoreStream: streams[1]!,
        aicpuProgram: program,
        deviceWall: null,
        scratch: new RunScratch(allocator),
      };
      this.logger.info(`device ${this.platform}:${this.deviceId} initialized`, 1);
      return this.state;
    } catch (e) {
      for (const s of streams) {
        try {
          s.destroy();
        } catch (cleanup) {
          this.logger.warn(`${op}: destroying stream ${s.id} during rollback failed: ${errorMessage(cleanup)}`);
        }
      }
      try {
        device.close();
      } catch (cleanup) {
        this.logger.warn(`${op}: closing the device during rollback failed: ${errorMessage(cleanup)}`);
      }
      throw e;
    }
  }

  private get aicpuInitKernel(): string {
    return this.spec.executors.aicpuInitKernel ?? DEFAULT_AICPU_INIT_KERNEL;
  }

  private get aicpuRunKernel(): string {
    return this.spec.executors.aicpuRunKernel ?? DEFAULT_AICPU_RUN_KERNEL;
  }

  // ---------------------------------------------------------------- memory

  /**
   * Allocates a device tensor of `bytes` bytes.
   *
   * @throws InvalidArgumentError for a bad size; `HalError` (e.g. out of memory)
   */
  allocateTensor(bytes: ByteSize): bigint {
    const size = toByteSize('allocateTensor', 'bytes', bytes);
    return this.ready('allocateTensor').allocator.alloc(size, 'tensor');
  }

  /**
   * Frees a tensor made by {@link allocateTensor}.
   *
   * @throws DeviceMemoryError `ALLOC_UNKNOWN_ADDRESS` for anything else (including arena and
   *   collector buffers, which the runner owns)
   */
  freeTensor(addr: bigint): void {
    const a = toDeviceAddress('freeTensor', 'addr', addr);
    const { allocator } = this.ready('freeTensor');
    if (allocator.info(a)?.tag !== 'tensor') {
      throw new DeviceMemoryError(RunnerErrorCode.UnknownAllocation, 'freeTensor', `freeTensor: 0x${a.toString(16)} is not a live tensor of this runner`, { addr: a });
    }
    allocator.free(a);
  }

  /** Copies the whole of `view` to device memory at `addr` (a view of a `SharedArrayBuffer` too). */
  copyToDevice(addr: bigint, view: ArrayBufferView): void {
    const a = toDeviceAddress('copyToDevice', 'addr', addr);
    if (!ArrayBuffer.isView(view)) throw new InvalidArgumentError('copyToDevice', 'view', view, 'an ArrayBufferView');
    copyToDeviceView(this.ready('copyToDevice').allocator, a, view);
  }

  /** Fills the whole of `view` from device memory at `addr` (a view of a `SharedArrayBuffer` too). */
  copyFromDevice(view: ArrayBufferView, addr: bigint): void {
    const a = toDeviceAddress('copyFromDevice', 'addr', addr);
    if (!ArrayBuffer.isView(view)) throw new InvalidArgumentError('copyFromDevice', 'view', view, 'an ArrayBufferView');
    copyFromDeviceView(this.ready('copyFromDevice').allocator, view, a);
  }

  /**
   * Every device allocation the runner holds (tensors, arenas, callables, collector buffers, and
   * from the first run on its own two: the device-wall slot and the run scratch region). Zero
   * before the device is opened and after finalize.
   */
  memoryStats(): MemoryStats {
    if (this.state === null) return { liveBytes: 0n, liveAllocations: 0 };
    return this.state.allocator.memoryStats();
  }

  /**
   * Bytes of the run scratch region: the device memory the runner keeps from one run to the next
   * for each run's KernelArgs copy, runtime image and (on the simulator) dispatch block. It is
   * sized to the largest recent run (a power of two, at least 4 KiB), counted in
   * {@link memoryStats}, and 0 before the first run and after finalize.
   */
  get runScratchBytes(): number {
    return this.state?.scratch.bytes ?? 0;
  }

  // ---------------------------------------------------------------- static arenas

  /**
   * Commits the three static arenas (see `StaticArenas.setup` for the exact rules): no device call
   * when nothing grows; a grown region is re-committed alone; `runtimeArenaSize` 0 releases the
   * runtime arena; any failure releases all three and throws an `ArenaError` (`ARENA_FAILED`).
   *
   * @throws InvalidArgumentError for a bad size, before any device call
   */
  setupStaticArena(gmHeapSize: ByteSize, gmSmSize: ByteSize, runtimeArenaSize: ByteSize): void {
    this.assertUsable('setupStaticArena');
    const sizes = StaticArenas.validateSizes(gmHeapSize, gmSmSize, runtimeArenaSize);
    (this.state ?? this.ready('setupStaticArena')).arenas.setupValidated(sizes);
  }

  /** Device address of the GM heap, or `null` when not committed. */
  acquirePooledGmHeap(): bigint | null {
    this.assertUsable('acquirePooledGmHeap');
    return this.state?.arenas.acquire('gmHeap') ?? null;
  }

  /** Device address of the GM shared memory, or `null` when not committed. */
  acquirePooledGmSm(): bigint | null {
    this.assertUsable('acquirePooledGmSm');
    return this.state?.arenas.acquire('gmSm') ?? null;
  }

  /** Device address of the runtime arena, or `null` when not committed. */
  acquirePooledRuntimeArena(): bigint | null {
    this.assertUsable('acquirePooledRuntimeArena');
    return this.state?.arenas.acquire('runtimeArena') ?? null;
  }

  // ---------------------------------------------------------------- launch

  /**
   * Launches the AI Core executor over the run's `blockDim` with one argument, the address of the
   * device-resident KernelArgs copy. Registers the executor binary on the first call only (see
   * `AicoreExecutor` for why never twice).
   *
   * @param blockDim blocks to launch; default: the arch's maximum
   * @throws BinaryError for an empty executor binary (before any device call)
   */
  launchAicoreKernel(stream: HalStream, kernelArgsPtr: bigint, blockDim?: number): void {
    const addr = toDeviceAddress('launchAicoreKernel', 'kernelArgsPtr', kernelArgsPtr);
    const { device } = this.ready('launchAicoreKernel');
    const dim = resolveBlockDim('launchAicoreKernel', blockDim, device.properties);
    const binary = this.aicoreExecutor.handle(device);
    device.launchAicore(stream, binary, dim, addr);
  }

  /**
   * Launches AI CPU kernel `kernelName` of the loaded executor program on `aicpuCount` threads;
   * `kernelArgs` (the host KernelArgs struct) is copied by value at launch.
   */
  launchAicpuKernel(stream: HalStream, kernelArgs: ArrayBufferView, kernelName: string, aicpuCount: number): void {
    const { device, aicpuProgram } = this.ready('launchAicpuKernel');
    if (typeof kernelName !== 'string' || kernelName === '') throw new InvalidArgumentError('launchAicpuKernel', 'kernelName', kernelName, 'a non-empty string');
    const threads = resolveAicpuThreads('launchAicpuKernel', aicpuCount, device.properties);
    device.launchAicpu(stream, aicpuProgram, kernelName, threads, kernelArgs);
  }

  // ---------------------------------------------------------------- callables

  /**
   * Uploads a callable's kernels once (sharing a live copy with identical bytes) under `id`.
   *
   * @throws CallableError `CALLABLE_ALREADY_PREPARED` when `id` is taken
   */
  prepareCallable<A>(id: CallableId, callable: Callable<A>): void {
    this.ready('prepareCallable').callables.prepare(id, callable as Callable<unknown>);
  }

  /**
   * Drops a prepared callable, freeing its device copy when no other callable shares it.
   *
   * @throws CallableError `CALLABLE_UNKNOWN` when `id` is not prepared
   */
  unregisterCallable(id: CallableId): void {
    this.ready('unregisterCallable').callables.unregister(id);
  }

  /** Whether `id` is prepared. */
  hasCallable(id: CallableId): boolean {
    this.assertUsable('hasCallable');
    return this.state?.callables.has(id) ?? false;
  }

  /** Registry counters: prepares, uploads, dedup hits, live copies. */
  callableStats(): CallableStats {
    this.assertUsable('callableStats');
    return this.state?.callables.stats() ?? { prepares: 0, uploads: 0, dedupHits: 0, liveBuffers: 0, liveCallables: 0 };
  }

  /**
   * Runs a prepared callable: its orchestration builds a fresh task graph from `args`, bound to the
   * callable's device-resident kernels. Takes the options of {@link run} (`signal` included).
   *
   * @throws CallableError `CALLABLE_UNKNOWN` for an id that was never prepared; InvalidArgumentError
   *   for bad options or an `orchestrate` that returns no plan; everything {@link run} throws
   */
  async runPrepared<A>(id: CallableId, args: A, options?: RunOptions): Promise<RunResult> {
    const op = 'runPrepared';
    if (this.finalizeRequested) throw new RunnerFinalizedError(op);
    const opts = checkOptions(op, 'options', options, RUN_OPTION_KEYS) as RunOptions;
    const signal = toAbortSignal(op, 'options.signal', opts.signal);
    if (signal?.aborted === true) throw new RunAbortedError(op, signal.reason);
    const prepared = this.ready(op).callables.get(id, op);
    const plan: unknown = prepared.callable.orchestrate(args);
    const tasks = (plan as { tasks?: unknown } | null)?.tasks;
    if (typeof plan !== 'object' || plan === null || !Array.isArray(tasks)) {
      throw new InvalidArgumentError(op, `orchestrate() of callable ${JSON.stringify(id)}`, plan, 'a plan object with a tasks array');
    }
    const p = plan as CallableRunPlan;
    if (p.outputs !== undefined && !Array.isArray(p.outputs)) {
      throw new InvalidArgumentError(op, `orchestrate() of callable ${JSON.stringify(id)}: outputs`, p.outputs, 'an array or undefined');
    }
    return this.startRun(op, {
      ...opts,
      graph: { kernels: prepared.kernels, tasks: p.tasks },
      blockDim: opts.blockDim ?? p.blockDim,
      aicpuThreads: opts.aicpuThreads ?? p.aicpuThreads,
      outputs: [...(p.outputs ?? []), ...(opts.outputs ?? [])],
    });
  }

  // ---------------------------------------------------------------- the run

  /**
   * One run: the request is validated and the graph encoded first (no device call for a bad
   * graph; a graph from {@link compileGraph} was both already, and only its addresses are
   * checked), the output directory is checked writable and the device opened, the previous run's
   * files in the output directory are removed, then the run steps follow in order. On any
   * failure, what was started is torn down before the error is thrown. A timeout throws
   * {@link RunTimeoutError} and leaves the runner faulted.
   *
   * Aborting `request.signal` stops the device work by destroying the runner's two streams (which
   * raises the stop flag device code polls and waits for the work to return) and creating fresh
   * ones; the run is torn down, `run.json` says `interrupted`, and the run rejects with a
   * {@link RunAbortedError}. The runner stays usable, with its tensors, arenas and callables —
   * unless the device faulted while being stopped (`HAL_DEVICE_FAULT`): then it is faulted, the
   * error says so, and only `finalize()` is allowed.
   *
   * @throws GraphError, InvalidArgumentError, OutputDirectoryError, RunTimeoutError, RunAbortedError,
   *   RunnerBusyError, OutputWriteError, `HalError`, and whatever an arch hook or collector throws
   */
  async run(request: RunRequest): Promise<RunResult> {
    return this.startRun('run', request);
  }

  private async startRun(op: string, request: RunRequest): Promise<RunResult> {
    this.assertUsable(op);
    if (this.finalizeRequested) throw new RunnerFinalizedError(op);
    if (this.inFlight !== null) throw new RunnerBusyError(op);
    // Checking the request encodes its graph, tens of milliseconds for a large one: in slices, with
    // the runner busy meanwhile. A compiled graph has nothing left to encode, so its check ends
    // before any pause point and the run goes on in this turn.
    const steps = this.checkRunSteps(op, request);
    const first = steps.next();
    const execution = first.done === true ? this.prepareAndExecute(first.value) : resumeSliced(steps).then((checked) => this.prepareAndExecute(checked));
    this.inFlight = execution;
    try {
      return await execution;
    } finally {
      this.inFlight = null;
    }
  }

  /**
   * Everything about a run that can be checked without the device, as a generator of pause points
   * (between slices of the graph's encoding).
   */
  private *checkRunSteps(op: string, request: unknown): Generator<void, CheckedRun, undefined> {
    const r = checkOptions(op, 'request', request, RUN_REQUEST_KEYS, false) as unknown as RunRequest;
    // A compiled graph was validated and encoded once; a plain one is, now.
    const compiled = compiledPartsOf(op, r.graph);
    const graph = compiled?.graph ?? (r.graph as TaskGraph);
    const image = compiled?.image ?? (yield* encodeRuntimeImageSteps(graph));
    const diagnostics = r.diagnostics === undefined ? this.diagnostics : normalizeDiagnostics(op, r.diagnostics, this.spec.diagnostics);
    if (r.outputDir !== undefined && (typeof r.outputDir !== 'string' || r.outputDir === '')) {
      throw new InvalidArgumentError(op, 'outputDir', r.outputDir, 'a non-empty path');
    }
    const outputDir = r.outputDir ?? this.outputDir;
    const diagnosed = enabledDiagnostics(diagnostics).length > 0;
    if (diagnosed && outputDir === undefined) {
      throw new InvalidArgumentError(op, 'outputDir', undefined, 'a directory when any diagnostic is enabled');
    }
    const timeoutMs = toIntInRange(op, 'timeoutMs', r.timeoutMs ?? this.runTimeoutMs, 1, MAX_RUN_TIMEOUT_MS);
    const outputs = r.outputs ?? [];
    if (!Array.isArray(outputs)) throw new InvalidArgumentError(op, 'outputs', outputs, 'an array of { addr, view }');
    outputs.forEach((o: unknown, i) => {
      if (typeof o !== 'object' || o === null) throw new InvalidArgumentError(op, `outputs[${i}]`, o, 'an object { addr, view }');
      const out = o as { addr?: unknown; view?: unknown };
      toDeviceAddress(op, `outputs[${i}].addr`, out.addr);
      if (!ArrayBuffer.isView(out.view)) throw new InvalidArgumentError(op, `outputs[${i}].view`, out.view, 'an ArrayBufferView');
    });
    return {
      op,
      request: r,
      graph,
      compiled: compiled !== undefined,
      image,
      diagnostics,
      diagnosed,
      outputDir,
      timeoutMs,
      outputs,
      signal: toAbortSignal(op, 'signal', r.signal),
      onProgress: toOptionalFunction<(p: RunProgress) => void>(op, 'onProgress', r.onProgress),
    };
  }

  /**
   * The run's preparation, in the order that keeps a bad request from costing anything: the
   * output directory is proven writable before the device is opened; the previous run's files
   * are removed only once the run's settings are known to fit the device.
   */
  private async prepareAndExecute(c: CheckedRun): Promise<RunResult> {
    if (c.signal?.aborted === true) throw new RunAbortedError(c.op, c.signal.reason);
    const abort = new RunAbort(c.op, c.signal);
    try {
      if (c.outputDir !== undefined) await checkOutputDirWritable(c.op, c.outputDir);
      abort.throwIfAborted();
      this.assertUsable(c.op);
      const state = this.initDevice();
      this.checkAddresses(c, state.allocator);
      const blockDim = resolveBlockDim(c.op, c.request.blockDim, state.device.properties);
      const aicpuThreads = resolveAicpuThreads(c.op, c.request.aicpuThreads, state.device.properties);
      if (c.outputDir !== undefined) {
        const removed = await removePreviousRun(c.op, c.outputDir);
        if (removed.length > 0) this.logger.info(`${c.op}: removed ${removed.length} file(s) of the previous run in ${c.outputDir}`, 1);
      }
      // No abort check here: once the previous run's files are gone, an abort must leave a
      // run.json that says so, which executeRun writes before its own first check.
      const kernelNames = this.kernelNamesOf(c);
      const settings: RunContext['settings'] = {
        blockDim,
        aicpuThreads,
        timeoutMs: c.timeoutMs,
        diagnostics: c.diagnostics,
        outputDir: c.outputDir,
        outputs: c.outputs,
        image: c.image,
        kernelNames,
        onProgress: c.onProgress,
        // Only a run that writes files has an id to record (run.json, the trace's pid).
        runId: c.outputDir === undefined ? undefined : randomUUID(),
        tag: c.request.tag === undefined ? undefined : toRunTag(c.request.tag),
        taskTable: c.outputDir === undefined ? undefined : buildTaskTable(c.graph),
      };
      return await this.executeRun(state, settings, c.diagnosed, abort);
    } finally {
      abort.dispose();
    }
  }

  /**
   * Checks the graph's address arguments against the live allocations. A compiled graph that
   * passed against the same allocations before (nothing allocated or freed since) passes again
   * without a look: its copy cannot change, so a run of it costs the same for any number of tasks.
   */
  private checkAddresses(c: CheckedRun, allocator: DeviceAllocator): void {
    const generation = allocator.generation;
    if (c.compiled && this.addressesPassed.get(c.graph) === generation) return;
    checkGraphAddresses(c.graph, allocator.allocations());
    if (c.compiled) this.addressesPassed.set(c.graph, generation);
  }

  /** The graph's kernel names by index; built once for a compiled graph, whose copy cannot change. */
  private kernelNamesOf(c: CheckedRun): ReadonlyMap<number, string> {
    let names = c.compiled ? this.compiledKernelNames.get(c.graph) : undefined;
    if (names === undefined) {
      names = new Map(c.graph.kernels.map((k, i) => [i, k.name] as const));
      if (c.compiled) this.compiledKernelNames.set(c.graph, names);
    }
    return names;
  }

  private readonly compiledKernelNames = new WeakMap<TaskGraph, ReadonlyMap<number, string>>();

  /** Compiled graphs' copies whose addresses passed {@link checkAddresses}, with the allocations' generation then. */
  private readonly addressesPassed = new WeakMap<TaskGraph, number>();

  private async executeRun(state: DeviceState, settings: RunContext['settings'], diagnosed: boolean, abort: RunAbort): Promise<RunResult> {
    const t0 = now();
    const timings: Partial<HostTimings> = {};
    this.ensureDeviceWall(state);
    this.kernelArgsBytes ??= new Uint8Array(this.spec.kernelArgs.size);
    const ctx = new RunContext(state.allocator, this.kernelArgsBytes, settings);
    const record = (status: RunStatus, failure?: unknown): Promise<string> => this.writeRunRecord(state, ctx, timings, status, failure);
    this.currentRun = { ctx, abort, checkpoint: () => record('running') };
    let deviceWallNs: bigint | null = null;
    let failure: unknown = undefined;
    try {
      // From here until the run ends, run.json says "running": a process killed mid-run leaves a
      // record of it (and of the files it finished) for the next run into the directory.
      if (settings.outputDir !== undefined) await record('running');
      abort.throwIfAborted();
      // Steps 3, 5, 6, 8 and 9 are the diagnostics' own: a run with none enabled skips them, and
      // its only wait is the device's.
      let t = now();
      if (diagnosed) await this.initDiagnostics(ctx); // step 3 (arch)
      timings.initDiagnosticsMs = now() - t;
      this.initRuntimeArgsWithMetadata(ctx); // step 4
      if (diagnosed) {
        this.startSharedCollectorsForRun(ctx); // step 5
        await this.startArchCollectors(ctx); // step 6 (arch; default: non-shared collectors)
        abort.throwIfAborted();
      }
      t = now();
      const wall = await this.launchAndWait(state, ctx, abort); // step 7 (and step 10: the device wall)
      timings.launchAndWaitMs = now() - t;
      this.logger.debug('run: the device work finished');
      t = now();
      if (diagnosed) {
        await this.teardownSharedCollectorsAfterRun(ctx); // step 8
        await this.teardownArchCollectors(ctx); // step 9 (arch; default: non-shared collectors)
      }
      timings.collectorsTeardownMs = now() - t;
      abort.throwIfAborted();
      deviceWallNs = wall;
      if (settings.outputs.length > 0) await readOutputsSliced(state.allocator, settings.outputs);
    } catch (e) {
      failure = abort.aborted && !(e instanceof RunAbortedError) ? abort.error(this.faultReason !== null ? `the runner is now faulted: ${this.faultReason}` : undefined, e) : e;
      await this.abortRunCollectors(ctx, abort.aborted);
    } finally {
      this.currentRun = null;
    }
    const releaseErrors = await this.releaseRun(ctx);
    timings.totalMs = now() - t0;

    if (settings.outputDir !== undefined) {
      const status: RunStatus = failure === undefined ? 'ok' : failure instanceof RunAbortedError ? 'interrupted' : 'failed';
      try {
        ctx.files.push(await this.writeRunRecord(state, ctx, timings, status, failure, deviceWallNs));
      } catch (e) {
        if (failure === undefined) failure = e;
        else this.logger.warn(`run: writing run.json failed: ${errorMessage(e)}`);
      }
    }

    if (failure !== undefined) {
      for (const e of releaseErrors) this.logger.warn(`run: teardown after a failed run: ${errorMessage(e)}`);
      throw failure;
    }
    if (releaseErrors.length > 0) throw new TeardownError('run', releaseErrors);
    return {
      deviceWallNs: deviceWallNs ?? 0n,
      files: [...ctx.files],
      blockDim: settings.blockDim,
      aicpuThreads: settings.aicpuThreads,
      collectors: [...ctx.summaries],
      hostTimings: timings as HostTimings,
    };
  }

  /** The host KernelArgs bytes every run fills in (see {@link RunContext.kernelArgs}). */
  private kernelArgsBytes: Uint8Array | undefined;

  /** The run in progress: what collector teardown needs to honour an abort and record its files. */
  private currentRun: { ctx: RunContext; abort: RunAbort; checkpoint: () => Promise<string> } | null = null;

  /** Writes the run's `run.json` (its manifest lists the files written so far) and returns its path. */
  private async writeRunRecord(
    state: DeviceState,
    ctx: RunContext,
    timings: Partial<HostTimings>,
    status: RunStatus,
    failure?: unknown,
    deviceWallNs: bigint | null = null,
  ): Promise<string> {
    const dir = ctx.settings.outputDir!;
    const settings = ctx.settings;
    const json = buildRunJson({
      arch: this.spec.arch,
      platform: this.platform,
      simulated: state.device.properties.simulated,
      deviceId: this.deviceId,
      blockDim: settings.blockDim,
      aicpuThreads: settings.aicpuThreads,
      diagnostics: settings.diagnostics,
      deviceWallNs,
      hostTimings: timings,
      collectors: ctx.summaries,
      graph: { tasks: settings.image.taskCount, kernels: settings.image.kernelCount, edges: settings.image.edgeCount, dummies: settings.image.dummyCount },
      status,
      ...(failure !== undefined ? { error: { code: String((failure as { code?: unknown } | null)?.code ?? 'UNKNOWN'), message: errorMessage(failure) } } : {}),
      files: await describeOutputFiles(dir, ctx.files),
      extra: { ...this.describeRun(ctx), ...ctx.runInfo },
      ...runIdentity(this.spec.arch, this.platform, this.deviceId, settings),
    });
    const file = await writeRunJson(dir, json);
    markOutputsRecorded(ctx.files);
    return file;
  }

  /**
   * Shared step 2 (part): makes sure the 8-byte device-wall slot exists (once per runner). The
   * launch zeroes it (its first upload), so a run whose AI CPU never writes it reads 0, not the
   * previous run's value.
   */
  private ensureDeviceWall(state: DeviceState): bigint {
    if (state.deviceWall === null) state.deviceWall = state.allocator.alloc(8, 'deviceWall');
    return state.deviceWall;
  }

  /**
   * Shared step 4: places the run's own parts in the runner's scratch region (the device KernelArgs
   * copy, the runtime image, the simulator's dispatch block), queues the image and the dispatch
   * block as uploads of the launch (`ctx.launchUploads`), and publishes `runtimeArgs`, `logLevel`, `logInfoV`, `deviceId` and
   * `deviceWallDataBase` (and, on the simulator, `regs`) into the host KernelArgs through the
   * arch's layout.
   */
  protected initRuntimeArgsWithMetadata(ctx: RunContext): void {
    const state = this.state!;
    const image = ctx.settings.image.bytes;
    const dispatch = state.device.properties.simulated ? this.simDispatchBlock(ctx) : undefined;
    const at = state.scratch.place({ kernelArgs: ctx.kernelArgs.byteLength, image: image.byteLength, dispatch: dispatch?.byteLength ?? 0 });
    ctx.kernelArgsDeviceAddr = at.kernelArgsAddr;
    ctx.launchUploads.push({ addr: at.imageAddr, bytes: image });
    ctx.runtimeImageAddr = at.imageAddr;
    const k = this.spec.kernelArgs;
    k.writeField(ctx.kernelArgs, 'runtimeArgs', at.imageAddr);
    k.writeField(ctx.kernelArgs, 'logLevel', this.logger.level);
    k.writeField(ctx.kernelArgs, 'logInfoV', this.logger.infoV);
    k.writeField(ctx.kernelArgs, 'deviceId', this.deviceId);
    k.writeField(ctx.kernelArgs, 'deviceWallDataBase', state.deviceWall!);
    if (dispatch !== undefined) {
      ctx.launchUploads.push({ addr: at.dispatchAddr, bytes: dispatch });
      ctx.simDispatchAddr = at.dispatchAddr;
      k.writeField(ctx.kernelArgs, 'regs', at.dispatchAddr);
    }
  }

  /** The last dispatch block encoded, for runs with the same shape (most runs of a runner). */
  private lastDispatchBlock: { blockDim: number; schedulers: number; bytes: Uint8Array } | null = null;

  /**
   * The simulator's stand-in for the AI Core dispatch registers: one block per run holding a slot
   * per launched core, through which the simulated AI CPU scheduler hands tasks to cores.
   * (On hardware `regs` holds the per-core register table; the vendor runtime's executors use it.)
   */
  private simDispatchBlock(ctx: RunContext): Uint8Array {
    const { blockDim } = ctx.settings;
    const schedulers = Math.min(ctx.settings.aicpuThreads, this.state!.device.properties.aicpuSchedulerThreads);
    const last = this.lastDispatchBlock;
    if (last !== null && last.blockDim === blockDim && last.schedulers === schedulers) return last.bytes;
    const bytes = encodeSimDispatchBlock(blockDim, schedulers);
    this.lastDispatchBlock = { blockDim, schedulers, bytes };
    return bytes;
  }

  /**
   * Shared step 5: starts the run's shared collectors (they drain while the device runs). Like every
   * collector step (3, 5, 6, 8, 9), only for a run with a diagnostic enabled.
   */
  protected startSharedCollectorsForRun(ctx: RunContext): void {
    for (const entry of ctx.collectors) if (entry.shared) this.startCollector(entry);
  }

  /** Shared step 8: stops, reconciles and exports every shared collector of the run (only for a run with a diagnostic enabled). */
  protected async teardownSharedCollectorsAfterRun(ctx: RunContext): Promise<void> {
    for (const entry of ctx.collectors) if (entry.shared) await this.teardownCollector(ctx, entry);
  }

  /** Starts one registered collector. */
  protected startCollector(entry: RunCollectorEntry): void {
    if (entry.phase !== 'initialized') return;
    entry.collector.start();
    entry.phase = 'started';
  }

  /**
   * Stops, reconciles and exports one registered collector; its summary and files go into the
   * context (and into the run's provisional `run.json`). An abort of the run stops it before the
   * export, or during it (the export then leaves none of its files).
   */
  protected async teardownCollector(ctx: RunContext, entry: RunCollectorEntry): Promise<void> {
    const run = this.currentRun?.ctx === ctx ? this.currentRun : null;
    if (entry.phase === 'started') {
      entry.phase = 'stopped'; // even if stop throws: never stop twice
      await entry.collector.stop();
    }
    if (entry.phase !== 'stopped') return;
    run?.abort.throwIfAborted();
    entry.phase = 'tornDown';
    ctx.summaries.push(await entry.collector.reconcile({ incomplete: false }));
    if (ctx.settings.outputDir !== undefined) {
      this.logger.debug(`run: exporting ${entry.collector.name}`);
      ctx.files.push(...(await entry.collector.exportFiles(ctx.settings.outputDir, this.exportOptions(ctx, entry, false))));
      if (run !== null) await run.checkpoint();
    }
  }

  /**
   * Export options of one collector: the kernel names of the run's kernel table (by index, the
   * func id device programs record), the run's abort signal, plus whatever
   * {@link collectorExportOptions} adds.
   */
  private exportOptions(ctx: RunContext, entry: RunCollectorEntry, incomplete: boolean): ExportOptions {
    const trace = traceExportOptions(ctx, entry, this.spec.arch, this.platform, this.deviceId);
    const signal = this.currentRun?.ctx === ctx ? this.currentRun.abort.signal : undefined;
    return { kernelNames: ctx.settings.kernelNames, ...trace, ...this.collectorExportOptions(ctx, entry), incomplete, ...(signal !== undefined ? { signal } : {}) };
  }

  /**
   * Shared step 7: the run's device work in one HAL call (`submitRun`): the device-wall slot is
   * zeroed and the run's uploads made (the runtime image, the simulator's dispatch block), the
   * KernelArgs copy is uploaded at the arch's point, the AI CPU init and run kernels and the AI Core executor are
   * launched, both streams are waited for under the run's deadline, and the device wall is read.
   *
   * @returns the device wall, in ns
   */
  private async launchAndWait(state: DeviceState, ctx: RunContext, abort: RunAbort): Promise<bigint> {
    const submission = state.device.submitRun({
      aicpu: {
        stream: state.aicpuStream,
        program: state.aicpuProgram,
        initKernel: this.aicpuInitKernel,
        runKernel: this.aicpuRunKernel,
        threads: ctx.settings.aicpuThreads,
      },
      aicore: { stream: state.aicoreStream, binary: this.aicoreExecutor.handle(state.device), blockDim: ctx.settings.blockDim },
      uploads: [{ addr: state.deviceWall!, bytes: ZEROED_DEVICE_WALL }, ...ctx.launchUploads],
      kernelArgs: ctx.kernelArgs,
      kernelArgsAddr: this.kernelArgsCopyAddr(ctx),
      kernelArgsUpload: this.spec.kernelArgsUpload,
      timeoutMs: ctx.settings.timeoutMs,
      deviceWallAddr: state.deviceWall!,
    });
    ctx.launched = true; // corrected below if nothing started
    this.logger.debug('run: launched');
    const progress = this.reportProgress(ctx);
    try {
      const settled = submission.then(
        (wall) => ({ wall }),
        (error: unknown) => ({ error }),
      );
      // Only a run given a signal can be aborted while the device works.
      const outcome = abort.abortable ? await Promise.race([settled, abort.whenAborted.then(() => null)]) : await settled;
      if (outcome === null) {
        // Aborted while the device works: stop it, and let the submission see the stopped streams end.
        progress.stop(); // no more reports for a run the caller abandoned
        const stopErrors = this.stopDeviceWork(state);
        const waitErrors = await submission.then(
          () => [],
          (e: unknown) => [e],
        );
        const fault = [...stopErrors, ...waitErrors].find(isDeviceFault);
        if (fault !== undefined) this.faultReason ??= `the device faulted while an aborted run was being stopped: ${errorMessage(fault)}`;
        throw abort.error(this.faultReason !== null ? `the runner is now faulted (${this.faultReason})` : undefined, fault ?? stopErrors[0] ?? waitErrors[0]);
      }
      if ('error' in outcome) throw this.submitFailure(state, ctx, outcome.error);
      progress.finish();
      return outcome.wall;
    } finally {
      progress.stop();
    }
  }

  /**
   * The error a failed `submitRun` becomes. A launch that failed is thrown as it is, once what did
   * start has ended (a failure of that wait is logged, and a timeout of it faults the runner). A
   * failed wait: timeouts become `RunTimeoutError`s and fault the runner, a device fault faults it,
   * and a simulated task failure is explained by task and kernel.
   */
  private submitFailure(state: DeviceState, ctx: RunContext, error: unknown): unknown {
    const e = error as Partial<SubmitRunError> | null;
    if (e?.phase === 'launch') {
      if (e.launched?.length === 0) ctx.launched = false;
      if (e.waitError !== undefined) {
        for (const w of this.streamWaitErrors(state, e.waitError, ctx.settings.timeoutMs)) this.logger.warn(`run: after a failed launch: ${errorMessage(w)}`);
        if (this.isFaulted) this.haltDeviceWork(state);
      }
      return error;
    }
    if (e?.phase === 'wait') {
      const errors = this.streamWaitErrors(state, error, ctx.settings.timeoutMs);
      if (this.isFaulted) this.haltDeviceWork(state);
      return this.explainDeviceFailure(ctx, errors[0]);
    }
    return error;
  }

  /**
   * Stops the device work of an aborted run: destroying a stream raises the stop flag its device
   * code polls and waits for the work to return; fresh streams then take their place so the runner
   * stays usable. A failure here (the device faulted: `HAL_DEVICE_FAULT`; or no new stream could be
   * created) faults the runner.
   *
   * @returns the errors met
   */
  private stopDeviceWork(state: DeviceState): unknown[] {
    const errors: unknown[] = [];
    for (const s of [state.aicpuStream, state.aicoreStream]) {
      if (!s.alive) continue;
      try {
        s.destroy();
      } catch (e) {
        errors.push(e);
      }
    }
    let created: HalStream[] = [];
    try {
      created.push(state.device.createStream());
      created.push(state.device.createStream());
      state.aicpuStream = created[0]!;
      state.aicoreStream = created[1]!;
      created = [];
    } catch (e) {
      errors.push(e);
      for (const s of created) {
        try {
          s.destroy();
        } catch {
          // the device is failing anyway; the fault below says so
        }
      }
      this.faultReason ??= `no stream could be created after an aborted run was stopped: ${errorMessage(e)}`;
    }
    return errors;
  }

  /**
   * Reports a run's progress to its `onProgress` (if any): at once, then every
   * {@link PROGRESS_INTERVAL_MS} from the simulator's finished-task counter. Exceptions of the
   * callback are ignored: it never fails a run.
   */
  private reportProgress(ctx: RunContext): { finish(): void; stop(): void } {
    const callback = ctx.settings.onProgress;
    if (callback === undefined) return { finish() {}, stop() {} };
    const totalTasks = ctx.settings.image.taskCount;
    const report = (completedTasks: number): void => {
      try {
        callback({ completedTasks: Math.min(completedTasks, totalTasks), totalTasks });
      } catch (e) {
        this.logger.debug(`run: onProgress threw: ${errorMessage(e)}`);
      }
    };
    report(0);
    const header = new Uint8Array(SimDispatchHeader.size);
    const timer =
      ctx.simDispatchAddr === null
        ? undefined
        : setInterval(() => {
            try {
              this.state!.allocator.copyFromDevice(header, ctx.simDispatchAddr!);
              report(SimDispatchHeader.readField(header, 'completed'));
            } catch {
              // a sample lost; the next one or the run's end reports
            }
          }, PROGRESS_INTERVAL_MS);
    timer?.unref();
    return {
      finish: () => report(totalTasks),
      stop: () => clearInterval(timer),
    };
  }

  /**
   * A stream error of a finished (not timed-out) simulated run, explained with what the
   * simulated runtime recorded: which task failed and with which kernel.
   */
  private explainDeviceFailure(ctx: RunContext, error: unknown): unknown {
    if (ctx.simDispatchAddr === null || error instanceof RunTimeoutError) return error;
    const header = new Uint8Array(SimDispatchHeader.size);
    try {
      this.state!.allocator.copyFromDevice(header, ctx.simDispatchAddr);
    } catch {
      return error;
    }
    const h = SimDispatchHeader.decode(header);
    if (h.failed === 0) return error;
    const kernel = ctx.settings.kernelNames.get(h.failedKernel) ?? `#${h.failedKernel}`;
    return new DeviceTaskError(h.failedTask, h.failedKernel, `kernel '${kernel}' could not be loaded from its device image (not an ELF shared object of this host, or its entry symbol is missing)`, error);
  }

  /**
   * The device-resident KernelArgs copy the AI Core kernel reads: placed in the scratch region in
   * step 4, uploaded by `submitRun` at the arch's `kernelArgsUpload` point, after the arch's last
   * change to the host struct.
   */
  private kernelArgsCopyAddr(ctx: RunContext): bigint {
    this.beforeKernelArgsUpload(ctx);
    return ctx.kernelArgsDeviceAddr!;
  }

  /**
   * After a timeout or a device fault: stops whatever still runs on the device now, not at
   * finalize. Destroying a stream raises the stop flag device code polls; on the simulator, code
   * that ignores it for the HAL's grace period (1 s) is ended with the device process. Unlike an
   * abort, no fresh streams follow: the runner is faulted.
   */
  private haltDeviceWork(state: DeviceState): void {
    for (const stream of [state.aicpuStream, state.aicoreStream]) {
      if (!stream.alive) continue;
      try {
        stream.destroy();
      } catch (e) {
        this.logger.warn(`run: stopping the device work of stream ${stream.id} failed: ${errorMessage(e)}`);
      }
    }
  }

  /** The errors of a failed wait for the run's streams: timeouts become `RunTimeoutError`s and fault the runner. */
  private streamWaitErrors(state: DeviceState, e: unknown, timeoutMs: number): unknown[] {
    const which = (s: HalStream): 'aicpu' | 'aicore' => (s === state.aicpuStream ? 'aicpu' : 'aicore');
    const { stream: failed, timedOut = [] } = e as Partial<StreamsSyncError>;
    if (failed === undefined) return [e]; // refused before any stream was waited for
    if ((e as { code?: unknown }).code === HalErrorCode.DeviceFault) {
      // The device process died (or was ended): its message names the task, kernel and cause.
      this.faultReason ??= errorMessage(e);
      return [e];
    }
    // The failing stream's own timeout counts even if a backend left it out of the list.
    const late = timedOut.includes(failed) || !isSyncTimeout(e) ? timedOut : [failed, ...timedOut];
    let first: unknown = e;
    const rest: unknown[] = [];
    for (const s of late) {
      const timeout = new RunTimeoutError(which(s), timeoutMs, e);
      this.faultReason ??= timeout.message; // in stream order: the AI CPU's timeout names the fault
      if (s === failed) first = timeout;
      else rest.push(timeout);
    }
    return [first, ...rest];
  }

  /**
   * On failure: stop every started collector; when safe, reconcile and export them as incomplete.
   * After an abort nothing more is exported: the caller asked the run to stop.
   */
  private async abortRunCollectors(ctx: RunContext, aborted: boolean): Promise<void> {
    for (const entry of ctx.collectors) {
      if (entry.phase === 'started') {
        entry.phase = 'stopped';
        try {
          await entry.collector.stop();
        } catch (e) {
          this.logger.warn(`run: stopping collector ${entry.collector.name} after a failure: ${errorMessage(e)}`);
          continue;
        }
      }
      // After a timeout the device may still be writing these buffers: leave them alone.
      if (entry.phase !== 'stopped' || aborted || this.isFaulted || !ctx.launched || ctx.settings.outputDir === undefined) continue;
      entry.phase = 'tornDown';
      try {
        ctx.summaries.push(await entry.collector.reconcile({ incomplete: true }));
        ctx.files.push(...(await entry.collector.exportFiles(ctx.settings.outputDir, this.exportOptions(ctx, entry, true))));
      } catch (e) {
        this.logger.warn(`run: exporting collector ${entry.collector.name} of a failed run: ${errorMessage(e)}`);
      }
    }
  }

  /**
   * End of every run: hands the collectors to the arch's release hook and frees the run's
   * temporaries. After a timeout nothing is freed: the device may still use it, and finalize
   * (streams destroyed first) sweeps it safely.
   */
  private async releaseRun(ctx: RunContext): Promise<unknown[]> {
    if (this.isFaulted) return [];
    const errors: unknown[] = [];
    try {
      if (ctx.collectors.length > 0) await this.releaseRunCollectors(ctx);
    } catch (e) {
      errors.push(e);
    }
    errors.push(...ctx.freeTemps());
    return errors;
  }

  // ---------------------------------------------------------------- arch hooks

  /**
   * Step 3 (arch; only for a run with a diagnostic enabled): initialize each enabled diagnostic —
   * create its collector, `init()` it, write the returned addresses into the arch's KernelArgs
   * fields, set its `enableProfilingFlag` bit — and register it with `ctx.addCollector` (from then
   * on the run's guard tears it down).
   */
  protected abstract initDiagnostics(ctx: RunContext): void | Promise<void>;

  /** Step 6 (arch; only for a run with a diagnostic enabled): default starts the non-shared collectors (a2a3's dep_gen). */
  protected startArchCollectors(ctx: RunContext): void | Promise<void> {
    for (const entry of ctx.collectors) if (!entry.shared) this.startCollector(entry);
  }

  /** Step 9 (arch; only for a run with a diagnostic enabled): default tears down the non-shared collectors (dep_gen writes `deps.json` in its export). */
  protected async teardownArchCollectors(ctx: RunContext): Promise<void> {
    for (const entry of ctx.collectors) if (!entry.shared) await this.teardownCollector(ctx, entry);
  }

  /**
   * The last change to the host KernelArgs before the run is submitted (a2a3: fill
   * `fftsBaseAddr`): what it writes reaches the AI CPU kernels and the device copy alike.
   */
  protected beforeKernelArgsUpload(_ctx: RunContext): void {}

  /**
   * End of a run (not after a timeout): default finalizes each collector (frees its buffers) so
   * the next run initializes fresh ones.
   */
  protected async releaseRunCollectors(ctx: RunContext): Promise<void> {
    const errors: unknown[] = [];
    for (const entry of ctx.collectors) {
      try {
        // Sliced where the collector offers it: freeing hundreds of buffers must not stall the caller.
        if (entry.collector.finalizeAsync !== undefined) await entry.collector.finalizeAsync();
        else entry.collector.finalize();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) throw new TeardownError('releaseRunCollectors', errors);
  }

  /**
   * Extra export options for one collector (e.g. a2a3 passes dep_gen's edges to the swimlane
   * trace). Default: none.
   */
  protected collectorExportOptions(_ctx: RunContext, _entry: RunCollectorEntry): Partial<ExportOptions> {
    return {};
  }

  /** Extra `run.json` fields (arch data such as clock rates, simulated-PMU marks). */
  protected describeRun(_ctx: RunContext): Record<string, unknown> {
    return {};
  }

  /** Arch part of finalize, run before {@link finalizeCommon} (a2a3: finalize collectors; a5: stop them). */
  protected finalizeArch(): void | Promise<void> {}

  // ---------------------------------------------------------------- finalize

  /**
   * Releases everything the runner holds; idempotent (later and concurrent calls wait for the
   * first and never throw). Waits for an in-flight run to settle first.
   *
   * @throws TeardownError when steps failed (every step is attempted)
   */
  finalize(): Promise<void> {
    if (this.finalizePromise !== null) return this.finalizePromise.catch(() => undefined);
    this.finalizeRequested = true;
    this.finalizePromise = (async () => {
      if (this.inFlight !== null) await this.inFlight.catch(() => undefined);
      this.finalizeStarted = true;
      const errors: unknown[] = [];
      try {
        await this.finalizeArch();
      } catch (e) {
        errors.push(e);
      }
      try {
        this.finalizeCommon();
      } catch (e) {
        if (e instanceof TeardownError) errors.push(...e.errors);
        else errors.push(e);
      }
      if (errors.length > 0) throw new TeardownError('finalize', errors);
    })();
    return this.finalizePromise;
  }

  /**
   * Shared finalize: destroys the streams first (so no device work touches what is freed next),
   * frees callable copies, the arenas and every live allocation (mappings undone first), resets and
   * closes the device, and resets the identity state (cached arena sizes, binary handle).
   * Idempotent; every step is attempted.
   *
   * @throws TeardownError with every failure
   */
  protected finalizeCommon(): void {
    if (this.commonFinalized) return;
    this.commonFinalized = true;
    this.finalizeRequested = true;
    this.finalizeStarted = true;
    const state = this.state;
    this.state = null;
    this.aicoreExecutor.forget();
    if (state === null) return;
    const errors: unknown[] = [];
    const attempt = (fn: () => void): void => {
      try {
        fn();
      } catch (e) {
        errors.push(e);
      }
    };
    // Already destroyed when a timeout or device fault stopped the device work.
    if (state.aicpuStream.alive) attempt(() => state.aicpuStream.destroy());
    if (state.aicoreStream.alive) attempt(() => state.aicoreStream.destroy());
    attempt(() => state.callables.clear());
    attempt(() => state.arenas.releaseAll());
    attempt(() => state.allocator.freeAll());
    state.arenas.forgetAll();
    state.callables.forgetAll();
    attempt(() => state.device.reset());
    attempt(() => state.device.close());
    state.allocator.abandonAll();
    if (errors.length > 0) throw new TeardownError('finalizeCommon', errors);
  }

  /** `await using runner = …` support: finalizes. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.finalize();
  }
}
