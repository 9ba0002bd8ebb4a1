/** Errors of `@npurun/results`: each has a stable `code` naming what was wrong. */

/** The codes of {@link ResultsError}. */
export const ResultsErrorCode = {
  /** The directory does not exist or holds no `run.json`. */
  NotARun: 'RESULTS_NOT_A_RUN',
  /** A file of the run could not be parsed; the message names the file and what is wrong. */
  BadFile: 'RESULTS_BAD_FILE',
  /** A function was called with a bad argument. */
  InvalidArgument: 'RESULTS_INVALID_ARGUMENT',
  /** Writing an output (report, .npy) failed. */
  WriteFailed: 'RESULTS_WRITE_FAILED',
} as const;

/** One of the values of {@link ResultsErrorCode}. */
export type ResultsErrorCode = (typeof ResultsErrorCode)[keyof typeof ResultsErrorCode];

/** A failure reading or writing a run's results. */
export class ResultsError extends Error {
  /** What was wrong. */
  readonly code: ResultsErrorCode;
  /** The file concerned, when there is one. */
  readonly file: string | undefined;

  /**
   * @param code what was wrong
   * @param message what happened, for people
   * @param file the file concerned
   * @param cause the underlying error
   */
  constructor(code: ResultsErrorCode, message: string, file?: string, cause?: unknown) {
    super(file === undefined ? message : `${file}: ${message}`, cause === undefined ? undefined : { cause });
    this.name = 'ResultsError';
    this.code = code;
    this.file = file;
  }
}

/** A `RESULTS_BAD_FILE` error for `file`. */
export function badFile(file: string, message: string, cause?: unknown): ResultsError {
  return new ResultsError(ResultsErrorCode.BadFile, message, file, cause);
}
