/**
 * a5 as the shared CANN suite (runner-base/test/support/cann-suite.ts) sees it: the runner on the
 * `a5` hardware platform and what a5 does differently against the vendor libraries.
 */
import type { CannRunnerTarget } from '../../runner-base/test/support/cann-suite';
import { A5KernelArgs, A5Runner, type A5RunnerOptions } from '../src';
import { a5Target } from './arch-target';

/** The a5 target of the shared CANN suite. */
export const a5CannTarget: CannRunnerTarget = {
  arch: a5Target,
  create: (options) => A5Runner.create(options as A5RunnerOptions),
  kernelArgs: A5KernelArgs,
  // The copy goes up after the AI CPU launches, before the AI Core launch.
  kernelArgsUpload: 'beforeAicoreLaunch',
  readFftsBaseAddr: undefined, // a5 has no FFTS query
  libraries: {
    missing: {
      library: 'libascendcl.so',
      searched: (home) => [`${home}/lib64/libascendcl.so (no such file)`, `${home}/runtime/lib64/libascendcl.so (no such file)`],
    },
    missingSymbol: { symbol: 'rtsLaunchCpuKernel', library: 'libruntime.so', path: (home) => `${home}/lib64/libruntime.so` },
    // a5 maps no device memory into the host, so it never needs the driver library.
    unused: ['libascend_hal.so'],
  },
};
