/**
 * The shapes shared by the smoke workloads: what a workload needs from a runner, how it
 * is described, and what a run of one of its cases reports.
 */
import type { ByteSize, Platform } from '@npurun/hal-native';
import type { Callable, CallableId, CallableStats } from '../callable-registry';
import type { RunOptions, RunResult } from '../run-types';

/**
 * The part of a runner the workloads use. `DeviceRunnerBase` (and so `A2A3Runner`, `A5Runner`)
 * satisfies it; naming the subset keeps the workloads free of any concrete arch class, and lets
 * tests drive them with anything that behaves like a runner.
 */
export interface WorkloadRunner {
  /** The platform the runner drives; kernels are compiled for it. */
  readonly platform: Platform;
  /** Allocates a device tensor. */
  allocateTensor(bytes: ByteSize): bigint;
  /** Frees a tensor made by {@link WorkloadRunner.allocateTensor}. */
  freeTensor(addr: bigint): void;
  /** Copies the whole of `view` to device memory at `addr`. */
  copyToDevice(addr: bigint, view: ArrayBufferView): void;
  /** Fills the whole of `view` from device memory at `addr`. */
  copyFromDevice(view: ArrayBufferView, addr: bigint): void;
  /** Uploads a callable's kernels under `id` (see the callable registry). */
  prepareCallable<A>(id: CallableId, callable: Callable<A>): void;
  /** Runs a prepared callable with `args`. */
  runPrepared<A>(id: CallableId, args: A, options?: RunOptions): Promise<RunResult>;
  /** Drops a prepared callable. */
  unregisterCallable(id: CallableId): void;
  /** Whether `id` is prepared. */
  hasCallable(id: CallableId): boolean;
  /** The callable registry's counters. */
  callableStats(): CallableStats;
}

/** Compiles one workload kernel for a platform; the default uses runner-base's `compileKernel`. */
export type WorkloadKernelCompiler = (request: WorkloadKernelCompileRequest) => Promise<Uint8Array>;

/** What a {@link WorkloadKernelCompiler} is asked to build. */
export interface WorkloadKernelCompileRequest {
  /** Absolute path of the kernel's C++ source. */
  source: string;
  /** Include directories the source needs besides the HAL's (runner-base's `device/include`). */
  includeDirs: readonly string[];
  /** Target platform. */
  platform: Platform;
}

/** Options of a workload run. */
export interface WorkloadRunOptions {
  /** Which case to run; default: the workload's `defaultCase`. */
  case?: string;
  /**
   * Run settings passed to every `runPrepared` of the case (diagnostics, output directory, timeout).
   * A `blockDim` given here overrides the case's.
   */
  run?: RunOptions;
  /** Kernel compiler; default: runner-base's `compileKernel` for the runner's platform. */
  compile?: WorkloadKernelCompiler;
  /** How many mismatches to keep in the result (default 8). All are counted. */
  maxMismatches?: number;
  /**
   * Cancels the case: every run of the case follows it (see `RunOptions.signal`), and an abort
   * between runs or while the kernels compile rejects before the next step. The case's tensors
   * and callables are released either way; the case rejects with a `RunAbortedError`
   * (`AbortError`, `ABORT_ERR`).
   */
  signal?: AbortSignal;
}

/** One element that differs from the golden. */
export interface Mismatch {
  /** The tensor it belongs to (`x`, `C`, `f`, …). */
  tensor: string;
  /** Flat element index. */
  index: number;
  /** Golden value. */
  expected: number;
  /** Value read back from the device. */
  actual: number;
  /** Which run of the case (0-based) it was seen in. */
  run: number;
}

/** A non-numeric assertion of a case (upload counts, a typed error, …). */
export interface WorkloadCheck {
  /** What was checked. */
  name: string;
  /** Whether it held. */
  passed: boolean;
  /** What was expected and what was seen. */
  detail: string;
}

/** The outcome of one case of a workload. */
export interface WorkloadResult {
  /** Workload name. */
  workload: string;
  /** Case name. */
  case: string;
  /** True when every output matched its golden and every check passed. */
  verified: boolean;
  /** The first mismatches (at most `maxMismatches`), across all runs of the case. */
  mismatches: Mismatch[];
  /** Total mismatching elements, across all runs. */
  mismatchCount: number;
  /** Non-numeric checks of the case (empty for workloads that only compare tensors). */
  checks: WorkloadCheck[];
  /** Tasks in one run's graph (dummies included). */
  tasks: number;
  /** Every run of the case, in order. */
  runs: RunResult[];
}

/** A case of a workload: a name, what it exercises, and its parameters. */
export interface WorkloadCase {
  /** Case name, unique within the workload. */
  name: string;
  /** What the case exercises. */
  description: string;
}

/**
 * A smoke workload: its cases and how to run one. `run` compiles the kernels, prepares a callable,
 * allocates and initializes tensors through the runner, runs, reads back, verifies against a golden
 * computed in TypeScript, and frees what it allocated and unregisters what it prepared, whatever
 * happens.
 *
 * @typeParam C the workload's case type
 */
export interface Workload<C extends WorkloadCase = WorkloadCase> {
  /** Workload name (the CLI's `run <workload>`). */
  readonly name: string;
  /** One line on what it exercises. */
  readonly description: string;
  /** Its cases. */
  readonly cases: readonly C[];
  /** The case run when none is named. */
  readonly defaultCase: string;
  /**
   * Runs one case.
   *
   * @throws InvalidArgumentError `RUNNER_INVALID_ARGUMENT` for an unknown case or option;
   *   RunAbortedError `ABORT_ERR` when `options.signal` aborts; whatever the runner or the kernel
   *   compiler throws. A wrong result is not thrown: it is `verified: false`.
   */
  run(runner: WorkloadRunner, options?: WorkloadRunOptions): Promise<WorkloadResult>;
}
