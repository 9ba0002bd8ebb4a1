/** The scope-stats protocol geometry. */
import type { Arch } from '@npurun/hal-native';
import { archConstants } from '../arch';
import type { ProtocolGeometry } from '../protocol/geometry';
import { ScopeStatsBuffer, ScopeStatsBufferState, ScopeStatsHeader, ScopeStatsRecord } from './layout';

/** Offset of the single state block. */
export function scopeStatsStateOffset(arch: Arch): number {
  return ScopeStatsHeader[arch].size;
}

/** The geometry of one arch. */
export function scopeStatsGeometry(arch: Arch): ProtocolGeometry {
  const c = archConstants(arch);
  const h = ScopeStatsHeader[arch];
  const state = scopeStatsStateOffset(arch);
  return {
    sharedBytes: state + ScopeStatsBufferState.size,
    readyQueues: {
      entriesOffset: h.offsetOf('queues'),
      threads: c.maxAicpuThreads,
      capacity: c.scopeStats.readyQueueSize,
      entryBytes: 32,
      headsOffset: h.offsetOf('queueHeads'),
      tailsOffset: h.offsetOf('queueTails'),
    },
    kinds: [
      {
        name: 'scope stats',
        buffer: {
          bytes: ScopeStatsBuffer.size,
          recordBytes: ScopeStatsRecord.size,
          capacity: c.scopeStats.recordsPerBuffer,
          recordsOffset: ScopeStatsBuffer.offsetOf('records'),
          countOffset: ScopeStatsBuffer.offsetOf('count'),
        },
      },
    ],
    pools: [
      {
        kind: 0,
        instance: 0,
        freeQueueOffset: state,
        slotCount: c.scopeStats.slotCount,
        currentBufPtrOffset: state + ScopeStatsBufferState.offsetOf('currentBufPtr'),
        preallocate: c.scopeStats.buffers,
      },
    ],
    resolve: (e) => (e.index === 0 ? 0 : undefined),
  };
}
