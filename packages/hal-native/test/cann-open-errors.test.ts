/**
 * Opening the cann backend when the vendor runtime is missing or incomplete: a typed error at open
 * that names the library or symbol and where it looked, never a crash at first use.
 */
import * as fs from 'node:fs';
import { HalError, HalErrorCode, openDevice } from '../src';
import { buildFakeCann, type FakeCann } from './fake-cann/build';
import { runWithAddon } from './fake-cann/child';

const builds: FakeCann[] = [];
function build(options: Parameters<typeof buildFakeCann>[0]): FakeCann {
  const fake = buildFakeCann(options);
  builds.push(fake);
  return fake;
}
afterAll(() => builds.forEach((b) => b.remove()));

function openError(platform: 'a2a3' | 'a5', ascendHomePath: string): HalError {
  try {
    openDevice({ platform, ascendHomePath }).close();
  } catch (error) {
    expect(error).toBeInstanceOf(HalError);
    return error as HalError;
  }
  throw new Error('expected openDevice to throw');
}

it('a missing library names itself and every place searched', () => {
  const fake = build({ without: ['libascendcl.so'] });
  const error = openError('a5', fake.home);
  expect(error).toMatchObject({ code: HalErrorCode.LibraryNotFound, op: 'openDevice' });
  expect(error.message).toContain('libascendcl.so');
  expect(error.message).toContain(`${fake.home}/lib64/libascendcl.so (no such file)`);
  expect(error.message).toContain(`${fake.home}/runtime/lib64/libascendcl.so (no such file)`);
  expect(error.message).toContain('libascendcl.so (dynamic loader path)');
});

it('a home without libruntime.so fails on it first', () => {
  const fake = build({ without: ['libruntime.so'] });
  expect(openError('a2a3', fake.home)).toMatchObject({
    code: HalErrorCode.LibraryNotFound,
    message: expect.stringContaining('libruntime.so'),
  });
});

it('a truncated library is a load error with the reason, not a crash of the process', () => {
  const fake = build({});
  const lib = `${fake.home}/lib64/libruntime.so`;
  const bytes = fs.readFileSync(lib);
  fs.writeFileSync(lib, bytes.subarray(0, Math.floor(bytes.length / 2)));
  const error = openError('a5', fake.home);
  expect(error).toMatchObject({ code: HalErrorCode.LibraryNotFound, op: 'openDevice' });
  expect(error.message).toContain(`${lib}: not a loadable library:`);
  expect(error.message).toMatch(/spans bytes \d+\.\.\d+ but the image has \d+ \(truncated\?\)/);
});

it('a missing symbol names the symbol and the file that lacks it', () => {
  const fake = build({ omit: ['rtsLaunchCpuKernel'] });
  const error = openError('a5', fake.home);
  expect(error).toMatchObject({ code: HalErrorCode.SymbolNotFound, op: 'openDevice' });
  expect(error.message).toContain(`${fake.home}/lib64/libruntime.so does not export rtsLaunchCpuKernel`);
});

it('a2a3 needs the driver library and its host-mapping symbols; a5 needs neither', () => {
  const noHal = build({ without: ['libascend_hal.so'] });
  const error = openError('a2a3', noHal.home);
  expect(error).toMatchObject({ code: HalErrorCode.LibraryNotFound });
  expect(error.message).toContain(`${noHal.home}/driver/lib64/driver/libascend_hal.so (no such file)`);
  expect(error.message).toContain('/usr/local/Ascend/driver/lib64/driver/libascend_hal.so');
  const device = openDevice({ platform: 'a5', ascendHomePath: noHal.home });
  expect(device.properties.hostMapping).toBe(false);
  device.close();

  const partialHal = build({ omit: ['halHostUnregister'] });
  expect(openError('a2a3', partialHal.home)).toMatchObject({
    code: HalErrorCode.SymbolNotFound,
    message: expect.stringContaining('libascend_hal.so does not export halHostUnregister'),
  });
});

it('with neither ascendHomePath nor ASCEND_HOME_PATH it falls back to the loader path, and says so', () => {
  const result = runWithAddon(`new NativeDevice({ platform: 'a2a3', deviceId: 0, simMemoryBytes: 1n << 30n });`, {
    ASCEND_HOME_PATH: '',
  });
  expect(result).toMatchObject({
    ok: false,
    error: { code: HalErrorCode.LibraryNotFound, message: expect.stringContaining('libruntime.so (dynamic loader path)') },
  });
});
