/**
 * Every vendor call of a full session, failed in turn: the session surfaces one typed HalError that
 * names the call and carries its code, nothing crashes, and the device ends with no live memory.
 *
 * The fake libraries are loaded into the jest process. This file builds its own copy into a
 * private directory (the loader caches libraries by path, so its state is not shared with other
 * files' builds), and each case starts from a fresh log and failure spec, which also restarts the
 * fake's call counters.
 */
import { HalError, HalErrorCode, openDevice, type HalDevice } from '../src';
import { buildFakeCann, type FakeCann } from './fake-cann/build';
import { itemAt, readFakeLog, type FakeCall } from './fake-cann/log';

let fake: FakeCann;
beforeAll(() => {
  fake = buildFakeCann();
});
afterAll(() => fake.remove());

/** Calls the backend treats as advisory, as the upstream runner does: failure changes a default, not the outcome. */
const ADVISORY = new Set(['aclrtSetOpExecuteTimeOutV2', 'aclrtGetStreamResLimit']);

async function session(device: HalDevice): Promise<void> {
  const args = Uint8Array.from({ length: 160 }, (_, i) => i);
  const stream = device.createStream();
  const kernelArgs = device.malloc(160);
  device.copyToDevice(kernelArgs, args);
  const binary = device.registerAicoreBinary(fake.aicpuProgram);
  const program = device.loadAicpuProgram(fake.aicpuProgram);
  device.launchAicpu(stream, program, 'npurun_test_init', 1, args);
  device.launchAicore(stream, binary, 4, kernelArgs);
  await stream.synchronize(1000);
  device.copyFromDevice(new Uint8Array(160), kernelArgs);
  device.memset(kernelArgs, 0, 160);
  device.mapToHost(kernelArgs, 160);
  device.unmapFromHost(kernelArgs);
  const scratch = device.malloc(32);
  device.free(scratch);
  stream.destroy();
}

/** Runs open + session + reset + close, collecting every error instead of stopping at the first. */
async function run(log: string, fail: string | undefined): Promise<unknown[]> {
  fake.configure({ NPURUN_FAKE_CANN_LOG: log, NPURUN_FAKE_CANN_FAIL: fail });
  const errors: unknown[] = [];
  let device: HalDevice | undefined;
  try {
    device = openDevice({ platform: 'a2a3', ascendHomePath: fake.home });
    await session(device);
  } catch (error) {
    errors.push(error);
  }
  for (const step of [() => device?.reset(), () => device?.close()]) {
    try {
      step();
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}

/** Live device allocations in the fake when it was last reset (or at its last malloc/free). */
function liveAtEnd(calls: readonly FakeCall[]): number {
  const reset = [...calls].reverse().find((c) => c.fn === 'rtDeviceReset' && c.rc === 0);
  if (reset) return Number(reset.args.allocs);
  const last = [...calls].reverse().find((c) => c.args.live !== undefined);
  return last ? Number(last.args.live) : 0;
}

it('a clean session makes every call once and leaves nothing', async () => {
  const log = fake.newLogPath();
  expect(await run(log, undefined)).toEqual([]);
  const calls = readFakeLog(log);
  expect(calls.every((c) => c.rc === 0)).toBe(true);
  expect(liveAtEnd(calls)).toBe(0);
});

it('fails each vendor call of the session in turn', async () => {
  const cleanLog = fake.newLogPath();
  await run(cleanLog, undefined);
  const clean = readFakeLog(cleanLog);
  expect(clean.length).toBeGreaterThan(25);

  const seen = new Map<string, number>();
  for (const [i, call] of clean.entries()) {
    const nth = (seen.get(call.fn) ?? 0) + 1;
    seen.set(call.fn, nth);
    const code = 700000 + i;
    const log = fake.newLogPath();
    const errors = await run(log, `${call.fn}:${nth}:${code}`);
    const calls = readFakeLog(log);
    const label = `${call.fn} #${nth}`;

    expect({ label, injected: calls.filter((c) => c.rc === code).map((c) => c.fn) }).toEqual({ label, injected: [call.fn] });
    for (const error of errors) expect({ label, isHalError: error instanceof HalError }).toEqual({ label, isHalError: true });
    if (ADVISORY.has(call.fn)) {
      expect({ label, errors }).toEqual({ label, errors: [] });
    } else {
      const matching = (errors as HalError[]).filter((e) => e.backendCode === code);
      expect({ label, count: matching.length }).toEqual({ label, count: 1 });
      const error = itemAt(matching, 0, label);
      expect(error.message).toContain(call.fn);
      expect(error.code).toBe(HalErrorCode.VendorError);
      expect(typeof error.op).toBe('string');
    }
    const injectedAt = calls.findIndex((c) => c.rc === code);
    const resetAfter = calls.slice(injectedAt + 1).some((c) => c.fn === 'rtDeviceReset' && c.rc === 0);
    if (call.fn === 'rtFree' && resetAfter && liveAtEnd(calls) === 1) {
      // reset() does not retry a failed rtFree: the device reset right after reclaims it.
      continue;
    }
    expect({ label, live: liveAtEnd(calls) }).toEqual({ label, live: 0 });
  }
});

it('an exhausted HBM (207001 from rtMalloc) is HAL_OUT_OF_MEMORY with the vendor code', () => {
  fake.configure({ NPURUN_FAKE_CANN_LOG: fake.newLogPath(), NPURUN_FAKE_CANN_FAIL: 'rtMalloc:2:207001' });
  const device = openDevice({ platform: 'a5', ascendHomePath: fake.home });
  device.malloc(16);
  expect(() => device.malloc(1 << 20)).toThrow(
    expect.objectContaining({ code: HalErrorCode.OutOfMemory, op: 'malloc', backendCode: 207001 }),
  );
  expect(device.memoryUsage().liveAllocations).toBe(1);
  device.close();
});
