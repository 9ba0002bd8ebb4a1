/**
 * a2a3 as the shared CANN suite (runner-base/test/support/cann-suite.ts) sees it: the runner on
 * the `a2a3` hardware platform and what a2a3 does differently against the vendor libraries.
 */
import type { CannRunnerTarget } from '../../runner-base/test/support/cann-suite';
import { A2A3KernelArgs, A2A3Runner, type A2A3RunnerOptions } from '../src';
import { a2a3Target } from './arch-target';

/** The a2a3 target of the shared CANN suite. */
export const a2a3CannTarget: CannRunnerTarget = {
  arch: a2a3Target,
  create: (options) => A2A3Runner.create(options as A2A3RunnerOptions),
  kernelArgs: A2A3KernelArgs,
  // The copy goes up before the AI CPU launches, once fftsBaseAddr is in it.
  kernelArgsUpload: 'beforeAicpuLaunch',
  readFftsBaseAddr: (kernelArgs) => A2A3KernelArgs.readField(kernelArgs, 'fftsBaseAddr'),
  libraries: {
    // a2a3 needs the driver library (host mappings); the system install is searched after the home.
    missing: {
      library: 'libascend_hal.so',
      searched: (home) => [`${home}/driver/lib64/driver/libascend_hal.so (no such file)`, '/usr/local/Ascend/driver/lib64/driver/libascend_hal.so'],
    },
    missingSymbol: { symbol: 'halHostUnregister', library: 'libascend_hal.so', path: (home) => `${home}/driver/lib64/driver/libascend_hal.so` },
    unused: [],
  },
};
