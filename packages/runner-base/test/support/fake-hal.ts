/**
 * An in-memory HalDevice for runner-base's tests: counts calls per operation, records their order,
 * fails on demand (per operation and per call number), tracks allocations with real backing bytes
 * and bounds checks, and runs "device work" as scripted callbacks with a simulated duration.
 */
import { HalError, HalErrorCode, submitRunStepwise } from '@npurun/hal-native';
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
} from '@npurun/hal-native';

/** The operations the fake counts. */
export type FakeOp =
  | 'malloc'
  | 'free'
  | 'memset'
  | 'copyToDevice'
  | 'copyFromDevice'
  | 'createStream'
  | 'destroyStream'
  | 'synchronize'
  | 'registerAicoreBinary'
  | 'loadAicpuProgram'
  | 'launchAicore'
  | 'launchAicpu'
  | 'mapToHost'
  | 'unmapFromHost'
  | 'reset'
  | 'close';

/** What a scripted launch does. */
export interface LaunchOutcome {
  /** Simulated run time; the stream's synchronize waits this long (real timers). */
  durationMs?: number;
  /** Never finishes (until the stream is destroyed or the device reset). */
  hang?: boolean;
  /** Finishes with this error (synchronize rejects with it). */
  error?: Error;
}

/** A recorded AI CPU launch. */
export interface AicpuLaunch {
  stream: number;
  kernelName: string;
  threads: number;
  /** Copy of the argument block taken at launch (by value, as the HAL does). */
  args: Uint8Array;
}

/** A recorded AI Core launch. */
export interface AicoreLaunch {
  stream: number;
  binary: number;
  blockDim: number;
  kernelArgsAddr: bigint;
}

/** Options of {@link FakeHal}. */
export interface FakeHalOptions {
  properties?: Partial<DeviceProperties>;
  /** AI CPU kernels the loaded program exports. */
  aicpuKernels?: readonly string[];
  /** Scripted AI CPU work: called at launch, may read/write fake device memory. */
  onAicpuLaunch?: (launch: AicpuLaunch, fake: FakeHal) => LaunchOutcome | void;
  /** Scripted AI Core work. */
  onAicoreLaunch?: (launch: AicoreLaunch, fake: FakeHal) => LaunchOutcome | void;
}

interface Failure {
  onCall: number | undefined;
  error: Error;
}

interface Work {
  done: Promise<void>;
  cancel: () => void;
}

const DEFAULT_PROPS: DeviceProperties = {
  platform: 'a2a3sim',
  arch: 'a2a3',
  simulated: true,
  deviceId: 0,
  cubeCores: 24,
  vectorCores: 48,
  maxBlockDim: 24,
  aicpuSchedulerThreads: 4,
  aicpuLaunchThreads: 6,
  memoryBytes: 1n << 30n,
  allocationAlignment: 512,
  timestampHz: 50_000_000,
  pmuCounters: 8,
  hostMapping: true,
  fftsBaseAddr: 0n,
};

function halError(op: string, code: HalError['code'], message: string): HalError {
  return new HalError(`${op}: ${message}`, { code, op });
}

class FakeStream implements HalStream {
  alive = true;
  work: Work[] = [];
  constructor(
    private readonly fake: FakeHal,
    readonly id: number,
  ) {}

  synchronize(timeoutMs: number): Promise<void> {
    try {
      this.fake.enter('synchronize');
    } catch (e) {
      return Promise.reject(e);
    }
    // The work stays listed until it settles, so destroying the stream meanwhile still stops it
    // (as the simulator's stop flag does).
    const taken = [...this.work];
    const pending = Promise.all(taken.map((w) => w.done)).then(() => undefined);
    const forget = (): void => {
      this.work = this.work.filter((w) => !taken.includes(w));
    };
    pending.then(forget, forget);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(halError('synchronize', HalErrorCode.SyncTimeout, `stream ${this.id} did not finish within ${timeoutMs} ms`)), timeoutMs);
      pending.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  destroy(): void {
    this.fake.enter('destroyStream');
    this.cancelAll();
    this.alive = false;
    this.fake.liveStreams.delete(this.id);
  }

  cancelAll(): void {
    for (const w of this.work) w.cancel();
    this.work = [];
  }
}

/** The fake device. Public fields are for assertions. */
export class FakeHal implements HalDevice {
  readonly properties: DeviceProperties;
  isOpen = true;
  /** Calls per operation (failed calls included). */
  readonly calls: Record<FakeOp, number> = {
    malloc: 0,
    free: 0,
    memset: 0,
    copyToDevice: 0,
    copyFromDevice: 0,
    createStream: 0,
    destroyStream: 0,
    synchronize: 0,
    registerAicoreBinary: 0,
    loadAicpuProgram: 0,
    launchAicore: 0,
    launchAicpu: 0,
    mapToHost: 0,
    unmapFromHost: 0,
    reset: 0,
    close: 0,
  };
  /** Every call, in order. */
  readonly log: FakeOp[] = [];
  /** Live allocations: address → backing bytes. */
  readonly memory = new Map<bigint, Uint8Array>();
  /** Live mappings. */
  readonly mappings = new Set<bigint>();
  readonly liveStreams = new Map<number, FakeStream>();
  readonly aicpuLaunches: AicpuLaunch[] = [];
  readonly aicoreLaunches: AicoreLaunch[] = [];
  readonly options: FakeHalOptions;
  private readonly failures = new Map<FakeOp, Failure[]>();
  private nextAddr = 0x1000_0000n;
  private nextHandle = 1;
  private used = 0n;

  constructor(options: FakeHalOptions = {}) {
    this.options = options;
    this.properties = { ...DEFAULT_PROPS, ...options.properties };
  }

  /** Total device calls so far. */
  get totalCalls(): number {
    return this.log.length;
  }

  /**
   * Makes an operation fail: the `onCall`-th call of `op` counted from the device's creation
   * (1-based), or the next call when `onCall` is omitted.
   */
  fail(op: FakeOp, options: { onCall?: number; error?: Error } = {}): void {
    const list = this.failures.get(op) ?? [];
    list.push({
      onCall: options.onCall,
      error: options.error ?? halError(op, op === 'malloc' ? HalErrorCode.OutOfMemory : HalErrorCode.Internal, 'injected failure'),
    });
    this.failures.set(op, list);
  }

  /** Counts a call and throws an injected failure if one is due. @internal */
  enter(op: FakeOp): void {
    this.calls[op]++;
    this.log.push(op);
    if (!this.isOpen && op !== 'close') throw halError(op, HalErrorCode.DeviceClosed, 'device closed');
    const list = this.failures.get(op);
    if (list === undefined) return;
    const n = this.calls[op];
    const idx = list.findIndex((f) => f.onCall === undefined || f.onCall === n);
    if (idx >= 0) {
      const [f] = list.splice(idx, 1);
      throw f!.error;
    }
  }

  /** Reads device memory (for scripted device work). */
  read(addr: bigint, size: number): Uint8Array {
    const [base, bytes] = this.locate('read', addr, BigInt(size));
    const off = Number(addr - base);
    return bytes.slice(off, off + size);
  }

  /** Writes device memory (for scripted device work). */
  write(addr: bigint, data: Uint8Array): void {
    const [base, bytes] = this.locate('write', addr, BigInt(data.byteLength));
    bytes.set(data, Number(addr - base));
  }

  malloc(size: ByteSize): bigint {
    this.enter('malloc');
    const n = BigInt(size);
    if (n <= 0n) throw halError('malloc', HalErrorCode.InvalidArgument, `size ${n}`);
    if (this.used + n > this.properties.memoryBytes) throw halError('malloc', HalErrorCode.OutOfMemory, `${n} bytes`);
    const align = BigInt(this.properties.allocationAlignment);
    const addr = this.nextAddr;
    this.nextAddr = ((addr + n + align - 1n) / align) * align + align; // a guard gap between allocations
    this.memory.set(addr, new Uint8Array(Number(n)));
    this.used += n;
    return addr;
  }

  free(addr: bigint): void {
    this.enter('free');
    const bytes = this.memory.get(addr);
    if (bytes === undefined) throw halError('free', HalErrorCode.InvalidAddress, `0x${addr.toString(16)}`);
    if (this.mappings.has(addr)) throw halError('free', HalErrorCode.StillMapped, `0x${addr.toString(16)}`);
    this.memory.delete(addr);
    this.used -= BigInt(bytes.byteLength);
  }

  memset(addr: bigint, value: number, size: ByteSize): void {
    this.enter('memset');
    const [base, bytes] = this.locate('memset', addr, BigInt(size));
    const off = Number(addr - base);
    bytes.fill(value, off, off + Number(size));
  }

  copyToDevice(dst: bigint, src: ArrayBufferView): void {
    this.enter('copyToDevice');
    const [base, bytes] = this.locate('copyToDevice', dst, BigInt(src.byteLength));
    bytes.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), Number(dst - base));
  }

  copyFromDevice(dst: ArrayBufferView, src: bigint): void {
    this.enter('copyFromDevice');
    const [base, bytes] = this.locate('copyFromDevice', src, BigInt(dst.byteLength));
    const off = Number(src - base);
    new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(bytes.subarray(off, off + dst.byteLength));
  }

  memoryUsage(): HalMemoryUsage {
    return { liveBytes: this.used, liveAllocations: this.memory.size };
  }

  createStream(): HalStream {
    this.enter('createStream');
    const s = new FakeStream(this, this.nextHandle++);
    this.liveStreams.set(s.id, s);
    return s;
  }

  /**
   * Composed from each stream's `synchronize` (so `calls.synchronize`, the call log and injected
   * `synchronize` failures count per stream), in order under one deadline, as the HAL specifies.
   */
  async synchronizeStreams(streams: readonly HalStream[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let first: { stream: HalStream; error: unknown } | undefined;
    const timedOut: HalStream[] = [];
    streams.forEach((s, i) => {
      if (!(s instanceof FakeStream)) throw halError('synchronizeStreams', HalErrorCode.InvalidArgument, `streams[${i}] is not a stream of this device`);
    });
    for (const s of streams) {
      try {
        await s.synchronize(Math.max(0, deadline - Date.now()));
      } catch (error) {
        first ??= { stream: s, error };
        if ((error as { code?: unknown }).code === HalErrorCode.SyncTimeout) timedOut.push(s);
      }
    }
    if (first !== undefined) throw Object.assign(first.error as object, { stream: first.stream, timedOut });
  }

  registerAicoreBinary(image: Uint8Array): AicoreBinary {
    this.enter('registerAicoreBinary');
    if (image.byteLength === 0) throw halError('registerAicoreBinary', HalErrorCode.InvalidBinary, 'empty image');
    return { handle: this.nextHandle++ };
  }

  loadAicpuProgram(image: Uint8Array): AicpuProgram {
    this.enter('loadAicpuProgram');
    if (image.byteLength === 0) throw halError('loadAicpuProgram', HalErrorCode.InvalidBinary, 'empty image');
    const kernels = new Set(this.options.aicpuKernels ?? ['npurun_aicpu_init', 'npurun_aicpu_run']);
    return { handle: this.nextHandle++, hasKernel: (name: string) => kernels.has(name) };
  }

  launchAicore(stream: HalStream, binary: AicoreBinary, blockDim: number, kernelArgsAddr: bigint): void {
    this.enter('launchAicore');
    if (blockDim < 1 || blockDim > this.properties.maxBlockDim) throw halError('launchAicore', HalErrorCode.InvalidBlockDim, `blockDim ${blockDim}`);
    this.locate('launchAicore', kernelArgsAddr, 8n);
    const launch: AicoreLaunch = { stream: stream.id, binary: binary.handle, blockDim, kernelArgsAddr };
    this.aicoreLaunches.push(launch);
    this.schedule(stream, this.options.onAicoreLaunch?.(launch, this) ?? undefined);
  }

  /** The run made of this fake's own calls, so their counts, order and injected failures apply. */
  submitRun(run: RunSubmission): Promise<bigint> {
    return submitRunStepwise(this, run);
  }

  launchAicpu(stream: HalStream, _program: AicpuProgram, kernelName: string, threads: number, args: ArrayBufferView): void {
    this.enter('launchAicpu');
    if (threads < 1 || threads > this.properties.aicpuLaunchThreads) throw halError('launchAicpu', HalErrorCode.InvalidThreadCount, `threads ${threads}`);
    const launch: AicpuLaunch = {
      stream: stream.id,
      kernelName,
      threads,
      args: new Uint8Array(args.buffer, args.byteOffset, args.byteLength).slice(),
    };
    this.aicpuLaunches.push(launch);
    this.schedule(stream, this.options.onAicpuLaunch?.(launch, this) ?? undefined);
  }

  mapToHost(addr: bigint, size: ByteSize): HostMapping {
    this.enter('mapToHost');
    if (!this.properties.hostMapping) throw halError('mapToHost', HalErrorCode.Unsupported, 'no host mapping on this arch');
    const [base, bytes] = this.locate('mapToHost', addr, BigInt(size));
    if (this.mappings.has(addr)) throw halError('mapToHost', HalErrorCode.MappingState, 'mapped twice');
    this.mappings.add(addr);
    const off = Number(addr - base);
    return { deviceAddr: addr, size: Number(size), bytes: bytes.subarray(off, off + Number(size)) };
  }

  unmapFromHost(addr: bigint): void {
    this.enter('unmapFromHost');
    if (!this.mappings.delete(addr)) throw halError('unmapFromHost', HalErrorCode.MappingState, 'not mapped');
  }

  reset(): void {
    this.enter('reset');
    for (const s of this.liveStreams.values()) s.cancelAll();
    this.liveStreams.clear();
    this.memory.clear();
    this.mappings.clear();
    this.used = 0n;
  }

  close(): void {
    this.enter('close');
    if (!this.isOpen) return;
    this.isOpen = false;
    for (const s of this.liveStreams.values()) s.cancelAll();
    this.liveStreams.clear();
    this.memory.clear();
    this.used = 0n;
  }

  private schedule(stream: HalStream, outcome: LaunchOutcome | undefined): void {
    const s = this.liveStreams.get(stream.id);
    if (s === undefined) throw halError('launch', HalErrorCode.InvalidHandle, `stream ${stream.id}`);
    let cancel = (): void => undefined;
    const done = new Promise<void>((resolve, reject) => {
      const finish = (): void => (outcome?.error !== undefined ? reject(outcome.error) : resolve());
      if (outcome?.hang === true) {
        cancel = () => reject(halError('synchronize', HalErrorCode.KernelFailed, 'work aborted'));
        return;
      }
      const ms = outcome?.durationMs ?? 0;
      if (ms <= 0) {
        queueMicrotask(finish);
        return;
      }
      const timer = setTimeout(finish, ms);
      cancel = () => {
        clearTimeout(timer);
        reject(halError('synchronize', HalErrorCode.KernelFailed, 'work aborted'));
      };
    });
    done.catch(() => undefined); // rejection is observed through synchronize
    s.work.push({ done, cancel: () => cancel() });
  }

  private locate(op: string, addr: bigint, size: bigint): [bigint, Uint8Array] {
    for (const [base, bytes] of this.memory) {
      if (addr >= base && addr < base + BigInt(bytes.byteLength)) {
        if (addr + size > base + BigInt(bytes.byteLength)) throw halError(op, HalErrorCode.OutOfBounds, `[0x${addr.toString(16)}, +${size})`);
        return [base, bytes];
      }
    }
    throw halError(op, HalErrorCode.InvalidAddress, `0x${addr.toString(16)}`);
  }
}

/**
 * A HalFactory over fakes: `fakeFactory(fake)` hands out that fake on every open;
 * `fakeFactory(() => new FakeHal())` a fresh one per open (for retry-after-rollback tests).
 */
export function fakeFactory(
  source: FakeHal | (() => FakeHal),
): ((options: OpenDeviceOptions) => HalDevice) & { opened: OpenDeviceOptions[]; devices: FakeHal[] } {
  const opened: OpenDeviceOptions[] = [];
  const devices: FakeHal[] = [];
  const factory = (options: OpenDeviceOptions): HalDevice => {
    opened.push(options);
    const device = typeof source === 'function' ? source() : source;
    devices.push(device);
    return device;
  };
  return Object.assign(factory, { opened, devices });
}
