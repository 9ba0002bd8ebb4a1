/** Exit codes of the `npurun-<arch>` commands. */
export const CliExitCode = {
  /** The command did what it was asked; for `run`, every case ran and verified. */
  Ok: 0,
  /** Something unexpected inside npurun (a bug): the message says what. */
  Internal: 1,
  /** Bad usage: an unknown command, option, workload or case, or a bad option value. */
  Usage: 2,
  /** A run failed: the device, a timeout, a kernel, a collector. */
  RunFailed: 3,
  /** Every run finished but an output did not match its golden. */
  VerificationFailed: 4,
  /** Interrupted by SIGINT (128 + 2): the run in progress was aborted and recorded as `interrupted`. */
  Interrupted: 130,
  /** Terminated by SIGTERM (128 + 15): as for SIGINT. */
  Terminated: 143,
} as const;

/** One of the values of {@link CliExitCode}. */
export type CliExitCode = (typeof CliExitCode)[keyof typeof CliExitCode];
