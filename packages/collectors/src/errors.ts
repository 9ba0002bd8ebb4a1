/**
 * The error class of the collectors package. Every failure a caller can act on carries a stable
 * `code`; messages name the operation and the bad value.
 */

/** Stable codes of {@link CollectorError}. Callers and tests switch on these, never on messages. */
export const CollectorErrorCode = {
  /** An option or argument is out of range or of the wrong shape (core count, level, event group…). */
  InvalidArgument: 'COLLECTOR_INVALID_ARGUMENT',
  /** A lifecycle call out of order: start before init, init twice, use after finalize. */
  InvalidState: 'COLLECTOR_INVALID_STATE',
  /** Allocating, mapping or initializing device buffers failed; everything allocated was rolled back. */
  InitFailed: 'COLLECTOR_INIT_FAILED',
  /** Releasing device buffers failed for one or more buffers (every release was still attempted). */
  ReleaseFailed: 'COLLECTOR_RELEASE_FAILED',
  /** Producing an export failed for a reason other than the file system (see {@link OutputWriteError} for those). */
  ExportFailed: 'COLLECTOR_EXPORT_FAILED',
  /** Writing an output file failed (no space, no permission…); the error names the file and the OS reason. */
  WriteFailed: 'OUTPUT_WRITE_FAILED',
  /** A drain tick failed (a device copy threw); the collector stopped draining. */
  DrainFailed: 'COLLECTOR_DRAIN_FAILED',
  /** A spool file (the disk copy of records drained during a run) could not be read back. */
  SpoolFailed: 'COLLECTOR_SPOOL_FAILED',
} as const;

/** One of the values of {@link CollectorErrorCode}. */
export type CollectorErrorCode = (typeof CollectorErrorCode)[keyof typeof CollectorErrorCode];

/** Every error the collectors package throws or rejects with. */
export class CollectorError extends Error {
  /** Stable code (see {@link CollectorErrorCode}). */
  readonly code: CollectorErrorCode;
  /** The operation that failed, e.g. `l2Swimlane.init`. */
  readonly op: string;

  /**
   * @param code stable code
   * @param op the failing operation
   * @param message what went wrong (the operation is prefixed)
   * @param options the cause, if any
   */
  constructor(code: CollectorErrorCode, op: string, message: string, options?: { cause?: unknown }) {
    super(`${op}: ${message}`, options);
    this.name = 'CollectorError';
    this.code = code;
    this.op = op;
  }
}

/** An error message for any thrown value. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
