/**
 * Cancellation of one run: follows the caller's `AbortSignal` and turns an abort into the run's
 * {@link RunAbortedError}. It also offers an internal signal, aborted with that error, which the
 * run hands to its exports, so a file being written when the abort comes is dropped (never left
 * half-written) and the export rejects with the same typed error.
 */
import { RunAbortedError } from './errors';

/** The abort state of one run. */
export class RunAbort {
  private readonly controller = new AbortController();
  private readonly detach: () => void;
  /** Resolves when the run is aborted (never rejects; never resolves for a run without a signal). */
  readonly whenAborted: Promise<void>;

  /**
   * @param op the operation named by the error (`run`, `runPrepared`)
   * @param external the caller's signal, if any
   */
  constructor(
    private readonly op: string,
    private readonly external: AbortSignal | undefined,
  ) {
    let fire: () => void = () => undefined;
    this.whenAborted = new Promise<void>((resolve) => {
      fire = resolve;
    });
    const onAbort = (): void => {
      this.controller.abort(new RunAbortedError(this.op, this.external?.reason));
      fire();
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

  /** True once the caller aborted. */
  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  /** The signal exports follow; its reason is the run's {@link RunAbortedError}. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The error the run rejects with. */
  error(detail?: string, cause?: unknown): RunAbortedError {
    return new RunAbortedError(this.op, this.external?.reason, detail, cause);
  }

  /** Throws the run's {@link RunAbortedError} once aborted. */
  throwIfAborted(): void {
    if (this.aborted) throw this.error();
  }

  /** Stops following the caller's signal. */
  dispose(): void {
    this.detach();
  }
}
