/**
 * a2a3 diagnostics wiring, as data (collectors' docs/wiring.md): which KernelArgs
 * field receives each shared collector's addresses — one `aicoreRingAddr` table for the l2
 * swimlane, which the host allocates and the AI CPU fills — and what finalize does with a timed-out
 * run's collectors: a2a3 reads them through host mappings, so it finalizes them (unmap, then free).
 * The logic lives once in runner-base's `SharedCollectorWiring`; dep_gen is wired separately.
 */
import type { InferStruct } from '@npurun/hal-native';
import type { CollectorWiringSpec } from '@npurun/runner-base';
import { A2A3KernelArgs } from './kernel-args';

/** The a2a3 wiring of the four shared collectors. */
export const A2A3_COLLECTOR_WIRING: CollectorWiringSpec<InferStruct<typeof A2A3KernelArgs>> = {
  arch: 'a2a3',
  kernelArgs: A2A3KernelArgs,
  fields: {
    dataBase: { tensorDump: 'dumpDataBase', l2Swimlane: 'l2PerfDataBase', pmu: 'pmuDataBase', scopeStats: 'scopeStatsDataBase' },
    // PMU's pmuRegAddrs (the per-core MMIO table) stays 0: the simulator has no PMU registers.
    ringTable: { l2Swimlane: 'aicoreRingAddr' },
  },
  finalizeMode: 'finalize',
};
