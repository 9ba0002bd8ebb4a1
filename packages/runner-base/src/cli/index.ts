export { runCli, type CliSpec, type CliIo, type CliRunner, type CliRunnerOptions } from './cli';
export { CliExitCode } from './exit-codes';
export { createProgress, type Progress } from './progress';
export { summarizeCase, failedCase, formatTable, type CaseSummary } from './report';
export { defineArchCli, type ArchCli, type ArchCliOptions } from './arch-cli';
export { registerResultCommands, type ResultCommandContext } from './result-commands';
export { openInDefaultApp } from './open-file';
export { registerCacheCommands, type CacheCommandContext } from './cache-commands';
export { hardwareRunRefusal } from './hardware-support';
