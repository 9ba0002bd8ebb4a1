/**
 * The `npurun-a5` command: runner-base's CLI skeleton with this arch's runner.
 */
import { defineArchCli } from '@npurun/runner-base';
import { A5Runner, type A5RunnerOptions } from './a5-runner';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../package.json') as { version: string };

const cli = defineArchCli({
  arch: 'a5',
  version,
  supportsDepGen: false,
  createRunner: (options) => A5Runner.create(options as A5RunnerOptions),
});

/** What the CLI knows about a5. */
export const cliSpec = cli.cliSpec;
/** Runs `npurun-a5` with `argv` (without the node and script names); resolves to the exit code. */
export const main = cli.main;
