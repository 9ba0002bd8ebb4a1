/**
 * Runner-level errors. Every error runner-base throws is one of these classes (or a `HalError`
 * passed through from the HAL), each with a stable `code` that callers and tests switch on.
 * Messages name the operation and the offending value; they are for people, codes are for code.
 */

/** Stable codes of the errors runner-base throws. */
export const RunnerErrorCode = {
  /** A size, count, id or option was of the wrong type or out of range. */
  InvalidArgument: 'RUNNER_INVALID_ARGUMENT',
  /** The runner was finalized; only `finalize()` (a no-op) is still allowed. */
  Finalized: 'RUNNER_FINALIZED',
  /** A run timed out or the device faulted; the device state is unknown and only `finalize()` is allowed. */
  Faulted: 'RUNNER_FAULTED',
  /** A run did not finish within its timeout. */
  RunTimeout: 'RUNNER_RUN_TIMEOUT',
  /** A run was started while another run of the same runner was still in flight. */
  Busy: 'RUNNER_BUSY',
  /** A static arena (or a `DeviceArena`) could not be committed or released. */
  ArenaFailed: 'ARENA_FAILED',
  /** A `DeviceArena` operation was used in the wrong state (e.g. commit without reserve). */
  ArenaState: 'ARENA_STATE',
  /** Freeing (or mapping) an address the allocator did not hand out. */
  UnknownAllocation: 'ALLOC_UNKNOWN_ADDRESS',
  /** Freeing an allocation that is still mapped into the host. */
  StillMapped: 'ALLOC_STILL_MAPPED',
  /** Unmapping an address that is not mapped, or mapping one twice. */
  MappingState: 'ALLOC_MAPPING_STATE',
  /** Several device frees/unmaps failed while sweeping; the causes are in `errors`. */
  SweepFailed: 'ALLOC_SWEEP_FAILED',
  /** A task graph is malformed (see {@link GraphErrorReason}). */
  InvalidGraph: 'GRAPH_INVALID',
  /** An executor binary is empty or missing. */
  InvalidBinary: 'RUNNER_INVALID_BINARY',
  /** `prepareCallable` with an id that is already prepared. */
  CallableExists: 'CALLABLE_ALREADY_PREPARED',
  /** `runPrepared` / `unregisterCallable` with an id that was never prepared. */
  CallableUnknown: 'CALLABLE_UNKNOWN',
  /** No vendor kernel compiler was found for a hardware platform. */
  CompilerNotFound: 'KERNEL_COMPILER_NOT_FOUND',
  /** Kernel compilation for this platform is not supported by this version. */
  CompileUnsupported: 'KERNEL_COMPILE_UNSUPPORTED',
  /** Kernel compilation failed. */
  CompileFailed: 'KERNEL_COMPILE_FAILED',
  /** A task could not run on the device (e.g. its kernel image did not load); names the task and kernel. */
  DeviceTaskFailed: 'RUN_TASK_FAILED',
  /** Tearing down a run or the runner failed in one or more steps; the causes are in `errors`. */
  TeardownFailed: 'RUNNER_TEARDOWN_FAILED',
  /** A run was cancelled through its `AbortSignal` (the code Node.js uses for aborts). */
  Aborted: 'ABORT_ERR',
  /** A run's output directory cannot be created or written; checked before any device work. */
  OutputDirectory: 'RUNNER_OUTPUT_DIR',
  /** The command line was wrong (an unknown command, option or value); the CLI exits 2. */
  Usage: 'CLI_USAGE',
  /** A workload's compute worker (inputs, goldens) failed or exited before it answered. */
  ComputeFailed: 'WORKLOAD_COMPUTE_FAILED',
} as const;

/** One of the values of {@link RunnerErrorCode}. */
export type RunnerErrorCode = (typeof RunnerErrorCode)[keyof typeof RunnerErrorCode];

/** Options common to every {@link RunnerError}. */
export interface RunnerErrorOptions {
  /** The runner operation that failed, e.g. `setupStaticArena` or `run`. */
  op: string;
  /** The error that caused this one, if any. */
  cause?: unknown;
}

/** Base class of every runner-level error. */
export class RunnerError extends Error {
  /** Stable code (see {@link RunnerErrorCode}). */
  readonly code: RunnerErrorCode;
  /** The runner operation that failed. */
  readonly op: string;

  /**
   * @param code stable code
   * @param message human-readable message naming the operation and the bad value
   * @param options operation name and optional cause
   */
  constructor(code: RunnerErrorCode, message: string, options: RunnerErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.op = options.op;
  }
}

/** A bad argument: wrong type, not an integer, negative, too large, unknown name. */
export class InvalidArgumentError extends RunnerError {
  /** The parameter that was wrong. */
  readonly param: string;
  /** The value that was given (as received). */
  readonly value: unknown;

  /**
   * @param op the operation that received the argument
   * @param param the parameter's name
   * @param value the value received
   * @param expected what was expected, e.g. "a non-negative safe integer or bigint"
   * @param message the whole message, when "must be … got …" does not fit (unknown options)
   */
  constructor(op: string, param: string, value: unknown, expected: string, message?: string) {
    super(RunnerErrorCode.InvalidArgument, message ?? `${op}: ${param} must be ${expected}, got ${describeValue(value)}`, { op });
    this.param = param;
    this.value = value;
  }
}

/** Any use of a runner after `finalize()`. */
export class RunnerFinalizedError extends RunnerError {
  /** @param op the operation attempted after finalize */
  constructor(op: string) {
    super(RunnerErrorCode.Finalized, `${op}: the runner was finalized; create a new runner`, { op });
  }
}

/** Any use (other than `finalize()`) of a runner whose run timed out. */
export class RunnerFaultedError extends RunnerError {
  /** @param op the operation attempted; @param reason why the runner is faulted */
  constructor(op: string, reason: string) {
    super(RunnerErrorCode.Faulted, `${op}: the runner is faulted (${reason}); only finalize() is allowed`, { op });
  }
}

/** A run was started while another run of the same runner was still in flight. */
export class RunnerBusyError extends RunnerError {
  /** @param op the operation attempted */
  constructor(op: string) {
    super(RunnerErrorCode.Busy, `${op}: another run of this runner is still in flight; runs are serial`, { op });
  }
}

/** A run did not finish in time. The runner is faulted afterwards. */
export class RunTimeoutError extends RunnerError {
  /** Which stream did not finish: `'aicpu'` or `'aicore'`. */
  readonly stream: 'aicpu' | 'aicore';
  /** The run timeout, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * @param stream the stream that did not finish
   * @param timeoutMs the timeout that expired
   * @param cause the HAL's timeout error
   */
  constructor(stream: 'aicpu' | 'aicore', timeoutMs: number, cause: unknown) {
    const label = stream === 'aicpu' ? 'AI CPU' : 'AI Core';
    super(RunnerErrorCode.RunTimeout, `run: the ${label} stream did not finish within ${timeoutMs} ms; the runner is now faulted`, {
      op: 'run',
      cause,
    });
    this.stream = stream;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A run cancelled through its `AbortSignal`. Its `name` is `AbortError` and its `code` `ABORT_ERR`,
 * as for Node's own aborts; the signal's `reason` is kept as `reason` (and as `cause` when no
 * device error explains more).
 */
export class RunAbortedError extends RunnerError {
  /** The abort signal's reason. */
  readonly reason: unknown;

  /**
   * @param op the operation that was running (`run`, `runPrepared`, a workload's `run`)
   * @param reason the signal's reason
   * @param detail what else happened, e.g. that the device faulted while being stopped
   * @param cause what the abort interrupted, when it reported something
   */
  constructor(op: string, reason: unknown, detail?: string, cause?: unknown) {
    super(RunnerErrorCode.Aborted, `${op}: the run was aborted${describeReason(reason)}${detail !== undefined ? `; ${detail}` : ''}`, {
      op,
      cause: cause ?? reason,
    });
    this.name = 'AbortError';
    this.reason = reason;
  }
}

function describeReason(reason: unknown): string {
  if (reason === undefined) return '';
  // The default reason (a DOMException named AbortError, from any realm) says nothing more.
  if ((reason as { name?: unknown } | null)?.name === 'AbortError' && !(reason instanceof RunnerError)) return '';
  if (reason instanceof RunAbortedError) return '';
  return ` (${errorMessage(reason)})`;
}

/** A run's output directory that cannot be created or written. */
export class OutputDirectoryError extends RunnerError {
  /** The directory. */
  readonly dir: string;

  /**
   * @param op the operation (`run`, the CLI's `--out`)
   * @param dir the directory
   * @param reason why it cannot be used, in words
   * @param cause what the file system threw
   */
  constructor(op: string, dir: string, reason: string, cause?: unknown) {
    super(RunnerErrorCode.OutputDirectory, `${op}: the output directory ${dir} cannot be used: ${reason}`, { op, cause });
    this.dir = dir;
  }
}

/** Which static arena region an {@link ArenaError} is about. */
export type ArenaRegion = 'gmHeap' | 'gmSm' | 'runtimeArena';

/** A task that could not run on the device; names the task and its kernel. */
export class DeviceTaskError extends RunnerError {
  /** The task (its index in the graph). */
  readonly taskId: number;
  /** The kernel-table index the task's core tried to run. */
  readonly kernelId: number;

  /**
   * @param taskId the failing task
   * @param kernelId its kernel-table index
   * @param detail what the device reported, naming the kernel
   * @param cause the stream error the failure surfaced as
   */
  constructor(taskId: number, kernelId: number, detail: string, cause: unknown) {
    super(RunnerErrorCode.DeviceTaskFailed, `run: task ${taskId} failed on the device: ${detail}`, { op: 'run', cause });
    this.taskId = taskId;
    this.kernelId = kernelId;
  }
}

/** A static arena or `DeviceArena` failure. */
export class ArenaError extends RunnerError {
  /** The region whose commit (or release) failed first, when the error is about static arenas. */
  readonly region: ArenaRegion | undefined;
  /** Errors of releases attempted during rollback that failed too (empty when all succeeded). */
  readonly releaseErrors: readonly unknown[];

  /**
   * @param op the failing operation
   * @param message what went wrong, naming the region and size
   * @param options cause, region and rollback release errors
   */
  constructor(
    op: string,
    message: string,
    options: { cause?: unknown; region?: ArenaRegion; releaseErrors?: readonly unknown[]; code?: RunnerErrorCode } = {},
  ) {
    super(options.code ?? RunnerErrorCode.ArenaFailed, message, { op, cause: options.cause });
    this.region = options.region;
    this.releaseErrors = options.releaseErrors ?? [];
  }
}

/** A device-memory bookkeeping error of the runner's allocator. */
export class DeviceMemoryError extends RunnerError {
  /** The address involved. */
  readonly addr: bigint | undefined;
  /** For sweeps: every error met (frees and unmaps are all attempted). */
  readonly errors: readonly unknown[];

  /**
   * @param code one of the `ALLOC_*` codes
   * @param op the failing operation
   * @param message what went wrong
   * @param options address and collected errors
   */
  constructor(code: RunnerErrorCode, op: string, message: string, options: { addr?: bigint; errors?: readonly unknown[] } = {}) {
    super(code, message, { op, cause: options.errors?.[0] });
    this.addr = options.addr;
    this.errors = options.errors ?? [];
  }
}

/** Why a task graph was rejected. */
export type GraphErrorReason =
  | 'empty'
  | 'unknownKernel'
  | 'kernelCoreType'
  | 'danglingDependency'
  | 'selfDependency'
  | 'duplicateDependency'
  | 'cycle'
  | 'argumentCount'
  | 'argumentValue'
  | 'argumentAddress'
  | 'dummyWithKernel'
  | 'kernelEntry'
  | 'kernelImage'
  | 'limit';

/** A malformed task graph, rejected before any device call. */
export class GraphError extends RunnerError {
  /** Machine-readable reason. */
  readonly reason: GraphErrorReason;
  /** The task index involved, when there is one. */
  readonly task: number | undefined;

  /**
   * @param reason machine-readable reason
   * @param message human-readable message naming the task / kernel and the bad value
   * @param task the task index involved
   */
  constructor(reason: GraphErrorReason, message: string, task?: number) {
    super(RunnerErrorCode.InvalidGraph, `task graph: ${message}`, { op: 'encodeRuntimeImage' });
    this.reason = reason;
    this.task = task;
  }
}

/** An executor binary that cannot be used (empty). */
export class BinaryError extends RunnerError {
  /** @param op the operation; @param message what is wrong */
  constructor(op: string, message: string) {
    super(RunnerErrorCode.InvalidBinary, `${op}: ${message}`, { op });
  }
}

/** A callable-registry error: double prepare, or unknown id. */
export class CallableError extends RunnerError {
  /** The callable id involved. */
  readonly id: CallableIdLike;

  /**
   * @param code {@link RunnerErrorCode.CallableExists} or {@link RunnerErrorCode.CallableUnknown}
   * @param op the failing operation
   * @param id the id involved
   * @param message what went wrong
   */
  constructor(code: RunnerErrorCode, op: string, id: CallableIdLike, message: string) {
    super(code, `${op}: ${message}`, { op });
    this.id = id;
  }
}

/** Callable ids as errors report them. */
export type CallableIdLike = string | number;

/** The kernel compiler front end could not produce a binary. */
export class KernelCompileError extends RunnerError {
  /** Compiler diagnostics, when a compiler ran. */
  readonly diagnostics: string | undefined;

  /**
   * @param code one of the `KERNEL_COMPILE*` codes
   * @param message what went wrong
   * @param options cause and compiler output
   */
  constructor(code: RunnerErrorCode, message: string, options: { cause?: unknown; diagnostics?: string } = {}) {
    super(code, `compileKernel: ${message}`, { op: 'compileKernel', cause: options.cause });
    this.diagnostics = options.diagnostics;
  }
}

/** Several teardown steps failed; all were attempted. */
export class TeardownError extends RunnerError {
  /** Every error met, in the order met. */
  readonly errors: readonly unknown[];

  /** @param op the teardown operation; @param errors the errors met (at least one) */
  constructor(op: string, errors: readonly unknown[]) {
    super(
      RunnerErrorCode.TeardownFailed,
      `${op}: ${errors.length} teardown step(s) failed: ${errors.map((e) => errorMessage(e)).join('; ')}`,
      { op, cause: errors[0] },
    );
    this.errors = errors;
  }
}

/** Renders a value for an error message without throwing (bigints, symbols and cycles included). */
export function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value);
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
