import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Arch } from '@npurun/hal-native';
import type { CollectorContext } from '../../src';
import { FakeDeviceMemory } from './fake-memory';

/** Lets the collector's poller run a few ticks. */
export async function letDrain(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 3));
}

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `npurun-coll-test-${tag}-`));
}

/** A context over fake memory: a2a3 mapped, a5 shadow (unmappable, like the HAL). */
export function fakeContext(arch: Arch, extra: Partial<CollectorContext> = {}): { ctx: CollectorContext; mem: FakeDeviceMemory } {
  const mem = new FakeDeviceMemory({ mappable: arch === 'a2a3' });
  return { mem, ctx: { arch, memory: mem, numCores: 6, aicpuThreads: 2, ...extra } };
}
