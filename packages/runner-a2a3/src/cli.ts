/**
 * The `npurun-a2a3` command: runner-base's CLI skeleton with this arch's runner and workloads.
 */
import { runCli, workloads, type CliExitCode, type CliIo, type CliSpec } from '@npurun/runner-base';
import { A2A3Runner, type A2A3RunnerOptions } from './a2a3-runner';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../package.json') as { version: string };

/** What the CLI knows about a2a3. */
export const cliSpec: CliSpec = {
  command: 'npurun-a2a3',
  arch: 'a2a3',
  version,
  supportsDepGen: true,
  createRunner: (options) => A2A3Runner.create(options as A2A3RunnerOptions),
  workloads,
};

/** Runs `npurun-a2a3` with `argv` (without the node and script names); resolves to the exit code. */
export function main(argv: readonly string[], io?: CliIo): Promise<CliExitCode> {
  return runCli(cliSpec, argv, io);
}
