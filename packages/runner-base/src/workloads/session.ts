/**
 * One run of a workload case: the device state it creates (tensors, prepared callables) and what
 * it observes (runs, mismatches, checks). Everything created is released at the end whatever
 * happened, so a failing case leaves the runner as it found it.
 */
import { TimeSlicer } from '@npurun/collectors';
import type { Callable, CallableId, CallableStats } from '../callable-registry';
import { InvalidArgumentError, RunAbortedError, TeardownError, errorMessage } from '../errors';
import { checkOptions, toAbortSignal } from '../options';
import { RUN_OPTION_KEYS, type RunOptions, type RunResult } from '../run-types';
import { copyToDeviceSliced, zeroDeviceSliced } from '../sliced-copy';
import type { Workload, WorkloadCase, WorkloadCheck, WorkloadResult, WorkloadRunner, WorkloadRunOptions } from './types';
import { DEFAULT_MAX_MISMATCHES, MismatchLog, compareTensorSliced, type Tolerance } from './verify';

let sessionCounter = 0;

/**
 * Finds a case by name (default: `defaultCase`).
 *
 * @throws InvalidArgumentError `RUNNER_INVALID_ARGUMENT` naming the workload's cases
 */
export function resolveCase<C extends WorkloadCase>(workload: Pick<Workload<C>, 'name' | 'cases' | 'defaultCase'>, name: unknown): C {
  const wanted = name ?? workload.defaultCase;
  const found = workload.cases.find((c) => c.name === wanted);
  if (found === undefined) {
    throw new InvalidArgumentError(`${workload.name}.run`, 'case', wanted, `one of ${workload.cases.map((c) => c.name).join(', ')}`);
  }
  return found;
}

/** The option names a workload's `run` accepts. */
export const WORKLOAD_RUN_OPTION_KEYS: readonly (keyof WorkloadRunOptions)[] = ['case', 'run', 'compile', 'maxMismatches', 'signal'];

/**
 * Checks a workload's run options: an object (or omitted) with known keys only (`run` too), a
 * `compile` function, an `AbortSignal`. A signal already aborted rejects here, before anything is
 * compiled or allocated.
 *
 * @returns the options (`{}` when omitted)
 * @throws InvalidArgumentError naming the bad option; RunAbortedError for an aborted signal
 */
export function checkWorkloadRunOptions(workload: Pick<Workload, 'name'>, options: unknown): WorkloadRunOptions {
  const op = `${workload.name}.run`;
  const o = checkOptions(op, 'options', options, WORKLOAD_RUN_OPTION_KEYS) as WorkloadRunOptions;
  if (o.run !== undefined) checkOptions(op, 'options.run', o.run, RUN_OPTION_KEYS, false);
  if (o.compile !== undefined && typeof o.compile !== 'function') throw new InvalidArgumentError(op, 'options.compile', o.compile, 'a function');
  if (o.case !== undefined && typeof o.case !== 'string') throw new InvalidArgumentError(op, 'options.case', o.case, 'a case name');
  const signal = toAbortSignal(op, 'options.signal', o.signal);
  if (signal?.aborted === true) throw new RunAbortedError(op, signal.reason);
  return o;
}

/** The signal a session's runs follow: the workload's, the run options', or both. */
function sessionSignal(options: WorkloadRunOptions): AbortSignal | undefined {
  const signals = [options.signal, options.run?.signal].filter((s): s is AbortSignal => s !== undefined);
  if (signals.length <= 1) return signals[0];
  return AbortSignal.any(signals);
}

/** Checks `maxMismatches` and returns it (or the default). */
function toMaxMismatches(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_MISMATCHES;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError('runWorkload', 'maxMismatches', value, 'a non-negative integer');
  }
  return value;
}

/** The state and observations of one case run; see the module comment. */
export class WorkloadSession {
  /** Runs made so far. */
  readonly runs: RunResult[] = [];
  /** Checks recorded so far. */
  readonly checks: WorkloadCheck[] = [];
  /** Mismatches recorded so far. */
  readonly mismatches: MismatchLog;
  private readonly tensors: bigint[] = [];
  private readonly prepared = new Set<CallableId>();
  private readonly idPrefix: string;
  /** The signal every run of the session follows, if any. */
  readonly signal: AbortSignal | undefined;
  // One slicer for the session's copies and comparisons.
  private readonly slicer = new TimeSlicer();

  /**
   * @param runner the runner to use
   * @param workload workload name (ids, result)
   * @param caseName case name (ids, result)
   * @param options the caller's options
   */
  constructor(
    readonly runner: WorkloadRunner,
    readonly workload: string,
    readonly caseName: string,
    readonly options: WorkloadRunOptions,
  ) {
    this.mismatches = new MismatchLog(toMaxMismatches(options.maxMismatches));
    this.signal = sessionSignal(options);
    // Unique per session, so a case never collides with ids the caller (or an earlier case) holds.
    this.idPrefix = `${workload}/${caseName}#${++sessionCounter}`;
  }

  /** A callable id private to this session. */
  id(label: string): string {
    return `${this.idPrefix}/${label}`;
  }

  /**
   * Allocates a tensor holding a copy of `data`. Large data is copied a piece at a time with pauses
   * for the event loop (see `sliced-copy.ts`).
   */
  async tensor(data: ArrayBufferView): Promise<bigint> {
    const addr = this.runner.allocateTensor(data.byteLength);
    this.tensors.push(addr);
    await copyToDeviceSliced(this.runner, addr, data, this.slicer);
    return addr;
  }

  /** Allocates a zero-filled tensor of `bytes` bytes (device memory is not zeroed by allocation). */
  async zeros(bytes: number): Promise<bigint> {
    const addr = this.runner.allocateTensor(bytes);
    this.tensors.push(addr);
    await zeroDeviceSliced(this.runner, addr, bytes, this.slicer);
    return addr;
  }

  /**
   * Compares an output with its golden into the session's mismatches, a chunk at a time with
   * pauses for the event loop.
   */
  async verify(tensor: string, expected: ArrayLike<number>, actual: ArrayLike<number>, tol: Tolerance, run = 0): Promise<void> {
    await compareTensorSliced(this.mismatches, tensor, expected, actual, tol, run, this.slicer);
  }

  /** Prepares `callable` under `id`; it is unregistered at the end unless the case does it. */
  prepare<A>(id: CallableId, callable: Callable<A>): void {
    this.runner.prepareCallable(id, callable);
    this.prepared.add(id);
  }

  /** Unregisters `id`. */
  unregister(id: CallableId): void {
    this.runner.unregisterCallable(id);
    this.prepared.delete(id);
  }

  /**
   * Runs a prepared callable with the caller's run options on top of `caseOptions` (and the
   * session's signal).
   */
  async run<A>(id: CallableId, args: A, caseOptions: RunOptions = {}): Promise<RunResult> {
    this.throwIfAborted();
    const tag = { workload: this.workload, case: this.caseName };
    const result = await this.runner.runPrepared(id, args, { tag, ...caseOptions, ...(this.options.run ?? {}), ...(this.signal !== undefined ? { signal: this.signal } : {}) });
    this.runs.push(result);
    return result;
  }

  /**
   * Throws the case's `RunAbortedError` once its signal is aborted (between runs, after compiling).
   *
   * @throws RunAbortedError
   */
  throwIfAborted(): void {
    if (this.signal?.aborted === true) throw new RunAbortedError(`${this.workload}.run`, this.signal.reason);
  }

  /** The registry's counters now. */
  stats(): CallableStats {
    return this.runner.callableStats();
  }

  /** Records a check. */
  check(name: string, passed: boolean, detail: string): void {
    this.checks.push({ name, passed, detail });
  }

  /** Records a check that `actual` equals `expected`. */
  checkEqual(name: string, actual: number, expected: number): void {
    this.check(name, actual === expected, `expected ${expected}, got ${actual}`);
  }

  /** The case's result. */
  result(tasks: number): WorkloadResult {
    const verified = this.mismatches.count === 0 && this.checks.every((c) => c.passed) && this.runs.length > 0;
    return {
      workload: this.workload,
      case: this.caseName,
      verified,
      mismatches: [...this.mismatches.first],
      mismatchCount: this.mismatches.count,
      checks: [...this.checks],
      tasks,
      runs: [...this.runs],
    };
  }

  /**
   * Unregisters what is still prepared and frees every tensor (each step attempted).
   *
   * @returns the errors met
   */
  release(): unknown[] {
    const errors: unknown[] = [];
    for (const id of [...this.prepared]) {
      try {
        this.runner.unregisterCallable(id);
      } catch (e) {
        errors.push(e);
      }
      this.prepared.delete(id);
    }
    for (const addr of this.tensors.splice(0)) {
      try {
        this.runner.freeTensor(addr);
      } catch (e) {
        errors.push(e);
      }
    }
    return errors;
  }
}

/**
 * Runs `body` in a fresh session and always releases the session's device state. A failure of the
 * body wins; release errors met after it are appended to its message so they are not lost. A
 * release failure after a successful body is thrown as a `TeardownError`.
 */
export async function withSession(
  runner: WorkloadRunner,
  workload: string,
  caseName: string,
  options: WorkloadRunOptions,
  body: (session: WorkloadSession) => Promise<WorkloadResult>,
): Promise<WorkloadResult> {
  const session = new WorkloadSession(runner, workload, caseName, options);
  session.throwIfAborted(); // e.g. while the kernels compiled
  let result: WorkloadResult;
  try {
    result = await body(session);
  } catch (e) {
    const errors = session.release();
    if (errors.length > 0 && e instanceof Error) {
      try {
        e.message += ` (releasing the workload's device state also failed: ${errors.map(errorMessage).join('; ')})`;
      } catch {
        // a frozen error keeps its message; the body's error still wins
      }
    }
    throw e;
  }
  const errors = session.release();
  if (errors.length > 0) throw new TeardownError(`${workload}.run`, errors);
  return result;
}
