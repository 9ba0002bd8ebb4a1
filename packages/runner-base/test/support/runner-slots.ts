/**
 * What a runner holds of its own once a run has ended, for tests that check nothing else is left:
 * the 8-byte device-wall slot and the run scratch region.
 */

/** Live device memory, as `memoryStats()` reports it. */
export interface LiveMemory {
  liveBytes: bigint;
  liveAllocations: number;
}

/** The device-wall slot's size. */
export const DEVICE_WALL_BYTES = 8n;

/** `memoryStats()` of `runner` when only its own slots are live, plus `other` allocations. */
export function idleAfterRun(runner: { readonly runScratchBytes: number }, other: LiveMemory = { liveBytes: 0n, liveAllocations: 0 }): LiveMemory {
  if (runner.runScratchBytes === 0) throw new Error('the runner holds no run scratch region: it has not run');
  return { liveBytes: other.liveBytes + DEVICE_WALL_BYTES + BigInt(runner.runScratchBytes), liveAllocations: other.liveAllocations + 2 };
}
