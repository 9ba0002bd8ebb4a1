/**
 * a5 as the shared arch suite (runner-base/test/support/arch-suite.ts) sees it: the runner, the
 * CLI, and the core-count numbers the suite checks the simulated device against.
 */
import * as path from 'node:path';
import type { ArchRunnerTarget } from '../../runner-base/test/support/arch-suite';
import { A5Runner, runCliMain, type A5RunnerOptions } from '../src';

/** The a5 target of the shared suite. */
export const a5Target: ArchRunnerTarget = {
  arch: 'a5',
  simPlatform: 'a5sim',
  foreignPlatform: 'a2a3sim',
  create: (options) => A5Runner.create(options as A5RunnerOptions),
  cli: (argv, io, options) => runCliMain(argv, io, options),
  bin: path.join(__dirname, '..', 'bin', 'npurun-a5.cjs'),
  supportsDepGen: false,
  expected: { maxBlockDim: 36, aicpuSchedulerThreads: 7, aicpuLaunchThreads: 7, timestampHz: 1_000_000_000, hostMapping: false },
};
