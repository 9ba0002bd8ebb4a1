/**
 * a5 diagnostics wiring, as data (collectors' docs/wiring.md): which KernelArgs
 * field receives each shared collector's addresses — the per-core `aicoreL2PerfRingAddrs` and
 * `aicorePmuRingAddrs` tables, filled by the host — and what finalize does with a timed-out run's
 * collectors: a5 has no host mappings, so it only stops them and `finalizeCommon`'s allocator sweep
 * frees their device memory. The logic lives once in runner-base's `SharedCollectorWiring`.
 */
import type { InferStruct } from '@npurun/hal-native';
import type { CollectorWiringSpec } from '@npurun/runner-base';
import { A5KernelArgs } from './kernel-args';

/** The a5 wiring of the four shared collectors. */
export const A5_COLLECTOR_WIRING: CollectorWiringSpec<InferStruct<typeof A5KernelArgs>> = {
  arch: 'a5',
  kernelArgs: A5KernelArgs,
  fields: {
    dataBase: { tensorDump: 'dumpDataBase', l2Swimlane: 'l2PerfDataBase', pmu: 'pmuDataBase', scopeStats: 'scopeStatsDataBase' },
    ringTable: { l2Swimlane: 'aicoreL2PerfRingAddrs', pmu: 'aicorePmuRingAddrs' },
  },
  finalizeMode: 'stop',
};
