/**
 * Every vendor call of a whole `A2A3Runner` session (open, prepare, a run, finalize) failed in
 * turn against the fake CANN libraries: the session surfaces exactly one typed error whose cause
 * chain holds the `HalError` naming the call with its code, the process carries on, and the fake
 * holds no allocation, stream or mapping once the runner is finalized.
 *
 * One fake build for the file; each case is a fresh runner on a fresh log (which also restarts
 * the fake's call counters).
 */
import { HalError, openDevice } from '@npurun/hal-native';
import { addrArg, type Callable } from '@npurun/runner-base';
import { A2A3Runner } from '../src';
import type { FakeCannHarness, FakeCannHome } from '../../hal-native/test/fake-cann/runner-harness-api';

// Loaded at run time (see cann-run.test.ts for why).
const { harness } = require('../../hal-native/test/fake-cann/runner-harness') as { harness: FakeCannHarness };

let fake: FakeCannHome;
beforeAll(() => {
  fake = harness.buildFakeCann();
});
afterAll(() => fake.remove());

const callable: Callable<{ tensor: bigint }> = {
  kernels: [{ name: 'touch', image: Uint8Array.from({ length: 100 }, (_, i) => i), coreType: 'vector', argCount: 1 }],
  orchestrate: ({ tensor }) => ({ tasks: [{ kernel: null }, { kernel: 0, args: [addrArg(tensor)], deps: [0] }], blockDim: 2 }),
};

/** Create, prepare a callable, stage a tensor, run once with a readback, finalize. */
async function session(ascendHomePath: string): Promise<unknown[]> {
  const errors: unknown[] = [];
  let runner: A2A3Runner | undefined;
  try {
    runner = await A2A3Runner.create({
      platform: 'a2a3',
      ascendHomePath,
      executors: harness.fakeExecutors(fake),
      runTimeoutMs: 5000,
      logSink: () => undefined,
    });
    runner.prepareCallable('touch', callable);
    const tensor = runner.allocateTensor(64);
    runner.copyToDevice(tensor, new Uint8Array(64));
    await runner.runPrepared('touch', { tensor }, { outputs: [{ addr: tensor, view: new Uint8Array(64) }] });
  } catch (e) {
    errors.push(e);
  }
  if (runner !== undefined) {
    try {
      await runner.finalize();
    } catch (e) {
      errors.push(e);
    }
    if (runner.memoryStats().liveAllocations !== 0) errors.push(new Error('the runner still counts live allocations after finalize'));
  }
  return errors;
}

it('a clean session fails nothing and leaves nothing', async () => {
  const log = fake.startLog();
  expect(await session(fake.home)).toEqual([]);
  expect(log.calls().filter((c) => c.rc !== 0)).toEqual([]);
  expect(harness.deviceCensus(fake, openDevice)).toEqual({ allocs: 0, bytes: 0, streams: 0, maps: 0, bins: 0 });
});

it('fails each vendor call of the session in turn: one typed error naming it, nothing left behind', async () => {
  const cleanLog = fake.startLog();
  await session(fake.home);
  const clean = cleanLog.calls();
  const injections = harness.injections(clean);
  // Everything a session calls is in the matrix, the a2a3-only FFTS query included.
  expect(new Set(injections.map((i) => i.fn))).toEqual(
    new Set([
      'rtSetDevice',
      'aclrtSetOpExecuteTimeOutV2',
      'aclrtGetStreamResLimit',
      'aclrtGetMemInfo',
      'rtGetC2cCtrlAddr',
      'rtStreamCreate',
      'rtsBinaryLoadFromFile',
      'rtMalloc',
      'rtMemcpy',
      'aclrtMemset',
      'rtsFuncGetByName',
      'rtsLaunchCpuKernel',
      'rtRegisterAllKernel',
      'rtKernelLaunchWithHandleV2',
      'aclrtSynchronizeStreamWithTimeout',
      'rtFree',
      'rtStreamDestroy',
      'rtsBinaryUnload',
      'rtDeviceReset',
    ]),
  );

  const cases = await harness.runFailureMatrix(fake, session, injections, openDevice);
  expect(cases.flatMap((c) => harness.failureCaseProblems(c))).toEqual([]);
  // The error found is the real HalError class of the package the runner uses.
  for (const c of cases) {
    const [error] = c.errors;
    if (error !== undefined) expect({ label: c.label, isHalError: harness.findHalError(error, c.code) instanceof HalError }).toEqual({ label: c.label, isHalError: true });
  }
  // The process, the addon and the fake all carry on: a clean session still works.
  expect(await session(fake.home)).toEqual([]);
});
