/**
 * The `npurun-a2a3` command: runner-base's CLI skeleton with this arch's runner.
 */
import { defineArchCli } from '@npurun/runner-base';
import { A2A3Runner, type A2A3RunnerOptions } from './a2a3-runner';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../package.json') as { version: string };

const cli = defineArchCli({
  arch: 'a2a3',
  version,
  supportsDepGen: true,
  createRunner: (options) => A2A3Runner.create(options as A2A3RunnerOptions),
});

/** What the CLI knows about a2a3. */
export const cliSpec = cli.cliSpec;
/** Runs `npurun-a2a3` with `argv` (without the node and script names); resolves to the exit code. */
export const main = cli.main;
