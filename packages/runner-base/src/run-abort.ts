/**
 * Cancellation of one run: follows the caller's `AbortSignal` and turns an abort into the run's
 * {@link RunAbortedError}. It also offers an internal signal, aborted with that error, which the
 * run hands to its exports, so a file being written when the abort comes is dropped (never left
 * half-written) and the export rejects with the same typed error.
 */
import { RunAbortedError } from './errors';

/** The abort state of one run. */
export class RunAbort {
  // Created on first use: most runs are never aborted, and an AbortController (and reading its
  // signal) costs more than the rest of a run's bookkeeping together.
  private controller: AbortController | undefined;
  private abortedFlag = false;
  private fire: (() => void) | undefined;
  private whenAbortedPromise: Promise<void> | undefined;
  private readonly detach: () => void;

  /**
   * @param op the operation named by the error (`run`, `runPrepared`)
   * @param external the caller's signal, if any
   */
  constructor(
    private readonly op: string,
    private readonly external: AbortSignal | undefined,
  ) {
    const onAbort = (): void => {
      this.abortedFlag = true;
      this.controller?.abort(this.error());
      this.fire?.();
    };
    if (external === undefined) {
      this.detach = () => undefined;
    } else if (external.aborted) {
      onAbort();
      this.detach = () => undefined;
    } else {
      external.addEventListener('abort', onAbort, { once: true });
      this.detach = () => external.removeEventListener('abort', onAbort);
    }
  }

  /** Resolves when the run is aborted (never rejects; never resolves for a run without a signal). */
  get whenAborted(): Promise<void> {
    this.whenAbortedPromise ??= this.abortedFlag
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          this.fire = resolve;
        });
    return this.whenAbortedPromise;
  }

  /** True once the caller aborted. */
  /** Whether the run was given a signal, i.e. whether it can be aborted at all. */
  get abortable(): boolean {
    return this.external !== undefined;
  }

  get aborted(): boolean {
    return this.abortedFlag;
  }

  /** The signal exports follow; its reason is the run's {@link RunAbortedError}. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortedFlag) this.controller.abort(this.error());
    }
    return this.controller.signal;
  }

  /** The error the run rejects with. */
  error(detail?: string, cause?: unknown): RunAbortedError {
    return new RunAbortedError(this.op, this.external?.reason, detail, cause);
  }

  /** Throws the run's {@link RunAbortedError} once aborted. */
  throwIfAborted(): void {
    if (this.abortedFlag) throw this.error();
  }

  /** Stops following the caller's signal. */
  dispose(): void {
    this.detach();
  }
}
