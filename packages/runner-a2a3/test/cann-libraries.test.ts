/**
 * An `A2A3Runner` on an incomplete vendor install: `create` touches no vendor library (the device
 * opens on first use), and the first use fails with a `HalError` that names the missing library
 * or symbol and where it looked, before any vendor call. The runner stays usable for a retry and
 * finalizes cleanly.
 */
import { HalError, HalErrorCode } from '@npurun/hal-native';
import { addrArg, type Callable } from '@npurun/runner-base';
import { A2A3Runner } from '../src';
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
  orchestrate: ({ tensor }) => ({ tasks: [{ kernel: 0, args: [addrArg(tensor)] }] }),
};

/** What the first use of a runner on `fake` throws, twice (the second use retries the open). */
async function firstUseErrors(fake: FakeCannHome): Promise<unknown[]> {
  const log = fake.startLog();
  const runner = await A2A3Runner.create({ platform: 'a2a3', ascendHomePath: fake.home, executors: harness.fakeExecutors(fake), logSink: () => undefined });
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

it('a2a3 without libascend_hal.so: the first use names the driver library and every place searched', async () => {
  const fake = build({ without: ['libascend_hal.so'] });
  const errors = await firstUseErrors(fake);
  expect(errors).toHaveLength(2);
  for (const error of errors) {
    expect(error).toBeInstanceOf(HalError);
    expect(error).toMatchObject({ code: HalErrorCode.LibraryNotFound, op: 'openDevice' });
    expect((error as HalError).message).toContain(`${fake.home}/driver/lib64/driver/libascend_hal.so (no such file)`);
    expect((error as HalError).message).toContain('/usr/local/Ascend/driver/lib64/driver/libascend_hal.so');
  }
});

it('a2a3 with a driver library lacking halHostUnregister: the first use names the symbol and the file', async () => {
  const fake = build({ omit: ['halHostUnregister'] });
  const errors = await firstUseErrors(fake);
  expect(errors).toHaveLength(2);
  for (const error of errors) {
    expect(error).toBeInstanceOf(HalError);
    expect(error).toMatchObject({ code: HalErrorCode.SymbolNotFound, op: 'openDevice' });
    expect((error as HalError).message).toContain(`${fake.home}/driver/lib64/driver/libascend_hal.so does not export halHostUnregister`);
  }
});
