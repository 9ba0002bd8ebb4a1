/**
 * a2a3 as the shared arch suite (runner-base/test/support/arch-suite.ts) sees it: the runner, the
 * CLI, and the core-count numbers the suite checks the simulated device against.
 */
import * as path from 'node:path';
import type { ArchRunnerTarget } from '../../runner-base/test/support/arch-suite';
import { A2A3Runner, runCliMain, type A2A3RunnerOptions } from '../src';

/** The a2a3 target of the shared suite. */
export const a2a3Target: ArchRunnerTarget = {
  arch: 'a2a3',
  simPlatform: 'a2a3sim',
  foreignPlatform: 'a5sim',
  create: (options) => A2A3Runner.create(options as A2A3RunnerOptions),
  cli: (argv, io, options) => runCliMain(argv, io, options),
  bin: path.join(__dirname, '..', 'bin', 'npurun-a2a3.cjs'),
  supportsDepGen: true,
  expected: { maxBlockDim: 24, aicpuSchedulerThreads: 4, aicpuLaunchThreads: 6, timestampHz: 50_000_000, hostMapping: true },
};
