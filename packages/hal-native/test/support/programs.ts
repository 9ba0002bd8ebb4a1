// Test device programs (test/programs/*.cc), compiled once per content hash by the device compiler.
import * as path from 'node:path';
import { compileDeviceProgram } from '../../src/device-compiler';

const programsDir = path.resolve(__dirname, '..', 'programs');

/** Compiles test/programs/<name>.cc into shared-object bytes. */
export function testProgram(name: string): Promise<Uint8Array> {
  return compileDeviceProgram({ sources: [{ path: path.join(programsDir, `${name}.cc`) }] });
}
