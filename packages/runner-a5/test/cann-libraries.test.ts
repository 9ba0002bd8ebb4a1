/**
 * An `A5Runner` on an incomplete vendor install: `create` touches no vendor library (the device
 * opens on first use); the first use fails with a `HalError` that names the missing library or
 * symbol before any vendor call, and the runner stays usable for a retry and finalizes cleanly.
 * a5 never needs the driver library (`libascend_hal.so`): a whole run works without it.
 */
import { HalError, HalErrorCode, openDevice } from '@npurun/hal-native';
import { addrArg, type Callable } from '@npurun/runner-base';
import { A5Runner } from '../src';
import type { FakeCannHarness, FakeCannHome } from '../../hal-native/test/fake-cann/runner-harness-api';

// Loaded at run time (see cann-run.test.ts for why).
const { harness } = require('../../hal-native/test/fake-cann/runner-harness') as { harness: FakeCannHarness };

const builds: FakeCannHome[] = [];
afterAll(() => builds.forEach((b) => b.remove()));

function build(options: Parameters<FakeCannHarness['buildFakeCann']>[0]): FakeCannHome {
  const fake = harness.buildFakeCann(options);
  builds.push(fake);
  return fake;
}

const callable: Callable<{ tensor: bigint }> = {
  kernels: [{ name: 'touch', image: new Uint8Array(64).fill(1), coreType: 'vector' }],
  orchestrate: ({ tensor }) => ({ tasks: [{ kernel: 0, args: [addrArg(tensor)] }], blockDim: 1 }),
};

function create(fake: FakeCannHome): Promise<A5Runner> {
  return A5Runner.create({ platform: 'a5', ascendHomePath: fake.home, executors: harness.fakeExecutors(fake), logSink: () => undefined });
}

/** What the first use of a runner on `fake` throws, twice (the second use retries the open). */
async function firstUseErrors(fake: FakeCannHome): Promise<unknown[]> {
  const log = fake.startLog();
  const runner = await create(fake);
  const errors: unknown[] = [];
  try {
    runner.prepareCallable('touch', callable);
  } catch (e) {
    errors.push(e);
  }
  try {
    await runner.run({ graph: { kernels: [], tasks: [{ kernel: null }] } });
  } catch (e) {
    errors.push(e);
  }
  expect(runner.isFaulted).toBe(false);
  await runner.finalize(); // nothing was opened: nothing to release, and no error
  expect(log.calls()).toEqual([]);
  return errors;
}

it('a5 without libascendcl.so: the first use names the library and every place searched', async () => {
  const fake = build({ without: ['libascendcl.so'] });
  const errors = await firstUseErrors(fake);
  expect(errors).toHaveLength(2);
  for (const error of errors) {
    expect(error).toBeInstanceOf(HalError);
    expect(error).toMatchObject({ code: HalErrorCode.LibraryNotFound, op: 'openDevice' });
    expect((error as HalError).message).toContain(`${fake.home}/lib64/libascendcl.so (no such file)`);
    expect((error as HalError).message).toContain(`${fake.home}/runtime/lib64/libascendcl.so (no such file)`);
  }
});

it('a5 with a runtime lacking rtsLaunchCpuKernel: the first use names the symbol and the file', async () => {
  const fake = build({ omit: ['rtsLaunchCpuKernel'] });
  const errors = await firstUseErrors(fake);
  expect(errors).toHaveLength(2);
  for (const error of errors) {
    expect(error).toBeInstanceOf(HalError);
    expect(error).toMatchObject({ code: HalErrorCode.SymbolNotFound, op: 'openDevice' });
    expect((error as HalError).message).toContain(`${fake.home}/lib64/libruntime.so does not export rtsLaunchCpuKernel`);
  }
});

it('a5 without libascend_hal.so runs and finalizes: it never loads the driver library', async () => {
  const fake = build({ without: ['libascend_hal.so'] });
  const log = fake.startLog();
  const runner = await create(fake);
  runner.prepareCallable('touch', callable);
  const tensor = runner.allocateTensor(64);
  await runner.runPrepared('touch', { tensor });
  await runner.finalize();
  const calls = log.calls();
  expect(calls.filter((c) => c.rc !== 0)).toEqual([]);
  expect(calls.filter((c) => c.fn === 'rtKernelLaunchWithHandleV2')).toHaveLength(1);
  expect(calls[calls.length - 1]).toMatchObject({ fn: 'rtDeviceReset', args: expect.objectContaining({ allocs: '0', streams: '0' }) });
  expect(harness.deviceCensus(fake, openDevice)).toMatchObject({ allocs: 0, streams: 0, maps: 0 });
});
