export { runCli, runCliProcess, type CliSpec, type CliIo, type CliOptions, type CliRunner, type CliRunnerOptions } from './cli';
export { CliExitCode } from './exit-codes';
export { createProgress, formatElapsed, type Progress } from './progress';
export { summarizeCase, failedCase, errorSummary, formatTable, type CaseSummary, type CaseStatus, type TableStyle } from './report';
export { defineArchCli, type ArchCli, type ArchCliOptions } from './arch-cli';
export { registerResultCommands, type ResultCommandContext } from './result-commands';
export { openInDefaultApp } from './open-file';
export {
  CLI_JSON_SCHEMA_VERSION,
  runDocument,
  errorDocument,
  listDocument,
  infoDocument,
  formatDocument,
  type RunDocument,
  type ErrorDocument,
  type ListDocument,
  type InfoDocument,
  type ListedWorkload,
} from './json-output';
export { CliUsageError, USAGE_ERROR_CODES, isUsageError, formatUsageError } from './usage';
export { planRun, archMaxBlockDim, type RunPlan, type RunFlagsForPlan } from './preflight';
export { installInterruptHandlers, interruptExitCode, InterruptedError, type InterruptHandlers, type InterruptSignal, type InterruptTarget } from './interrupts';
export { guardClosedPipe, type GuardedStream, type OutputStream } from './stdio';
export { restoreTerminal, colorAllowed, RESTORE_TERMINAL } from './terminal';
export { registerCacheCommands, type CacheCommandContext } from './cache-commands';
export { hardwareRunRefusal } from './hardware-support';
