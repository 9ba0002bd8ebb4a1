/**
 * What an arch package needs to install its command: its {@link CliSpec} and the `main` its bin
 * script calls, made from the few facts that differ per arch.
 */
import type { Arch } from '@npurun/hal-native';
import { workloads } from '../workloads';
import { runCli, runCliProcess, type CliIo, type CliOptions, type CliRunner, type CliRunnerOptions, type CliSpec } from './cli';
import type { CliExitCode } from './exit-codes';

/** The per-arch facts of a command. */
export interface ArchCliOptions {
  /** The arch. The command is `npurun-<arch>`. */
  arch: Arch;
  /** The arch package's version. */
  version: string;
  /** Whether `--dep-gen` exists. */
  supportsDepGen: boolean;
  /** Creates the arch's runner. */
  createRunner(options: CliRunnerOptions): Promise<CliRunner>;
}

/** An arch package's command. */
export interface ArchCli {
  /** What the CLI knows about the arch. */
  cliSpec: CliSpec;
  /**
   * Runs the command with `argv` (without the node and script names); resolves to the exit code.
   * Without `io` it runs as the process (real stdout/stderr, SIGINT/SIGTERM handled); with `io`
   * (tests, embedding) it writes there and is interrupted only through `options.signal`.
   */
  main(argv: readonly string[], io?: CliIo, options?: CliOptions): Promise<CliExitCode>;
}

/** Builds an arch package's command over the bundled workloads. */
export function defineArchCli(options: ArchCliOptions): ArchCli {
  const cliSpec: CliSpec = { command: `npurun-${options.arch}`, workloads, ...options };
  return { cliSpec, main: (argv, io, opts) => (io === undefined ? runCliProcess(cliSpec, argv) : runCli(cliSpec, argv, io, opts)) };
}
