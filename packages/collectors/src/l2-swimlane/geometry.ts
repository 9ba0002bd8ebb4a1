/**
 * The l2 swimlane protocol geometry: task pools per core, phase pools per AI CPU thread, and on
 * a2a3 AI Core timing pools per core. Entries are resolved by kind *and* index; an unknown kind is
 * rejected rather than read as some other kind's buffer (the upstream runner's #936).
 */
import type { Arch } from '@npurun/hal-native';
import { archConstants } from '../arch';
import type { KindGeometry, PoolGeometry, ProtocolGeometry } from '../protocol/geometry';
import {
  AicoreRotation,
  AicpuPhaseRecord,
  L2BufferKind,
  L2Buffers,
  L2PerfAicoreBuffer,
  L2PerfAicoreBufferState,
  L2PerfAicoreRecord,
  L2PerfBufferState,
  L2PerfHeader,
  L2PerfRecordA2a3,
  L2PerfRecordA5,
  l2RegionOffsets,
} from './layout';

/** The geometry for `numCores` cores at `level` (phase pools only from level 3). */
export function l2Geometry(arch: Arch, numCores: number, level: number): ProtocolGeometry {
  const c = archConstants(arch);
  const h = L2PerfHeader[arch];
  const off = l2RegionOffsets(arch, numCores);
  const b = L2Buffers[arch];
  const threads = c.maxAicpuThreads;
  const kinds: KindGeometry[] = [
    {
      name: 'task',
      buffer: {
        bytes: b.task.size,
        recordBytes: (arch === 'a2a3' ? L2PerfRecordA2a3 : L2PerfRecordA5).size,
        capacity: c.l2.recordsPerBuffer,
        recordsOffset: b.task.offsetOf('records'),
        countOffset: b.task.offsetOf('count'),
      },
    },
    {
      name: 'phase',
      buffer: {
        bytes: b.phase.size,
        recordBytes: AicpuPhaseRecord.size,
        capacity: c.l2.phaseRecordsPerBuffer,
        recordsOffset: b.phase.offsetOf('records'),
        countOffset: b.phase.offsetOf('count'),
      },
    },
  ];
  if (arch === 'a2a3') {
    kinds.push({
      name: 'aicore timing',
      buffer: {
        bytes: L2PerfAicoreBuffer.size,
        recordBytes: L2PerfAicoreRecord.size,
        capacity: c.l2.aicoreRecordsPerBuffer,
        recordsOffset: L2PerfAicoreBuffer.offsetOf('records'),
        countOffset: L2PerfAicoreBuffer.offsetOf('count'),
      },
    });
  }
  const pools: PoolGeometry[] = [];
  const taskBase = pools.length;
  for (let core = 0; core < numCores; core++) {
    const at = off.taskStates + core * L2PerfBufferState.size;
    pools.push({
      kind: L2BufferKind.Task,
      instance: core,
      freeQueueOffset: at,
      slotCount: c.l2.slotCount,
      currentBufPtrOffset: at + L2PerfBufferState.offsetOf('currentBufPtr'),
      preallocate: c.l2.buffersPerCore,
    });
  }
  const phaseBase = pools.length;
  for (let t = 0; t < threads; t++) {
    const at = off.phaseStates + t * L2PerfBufferState.size;
    pools.push({
      kind: L2BufferKind.Phase,
      instance: t,
      freeQueueOffset: at,
      slotCount: c.l2.slotCount,
      currentBufPtrOffset: at + L2PerfBufferState.offsetOf('currentBufPtr'),
      // Phase buffers are large; below level 3 nothing writes them.
      preallocate: level >= 3 ? c.l2.buffersPerThread : 0,
    });
  }
  const aicoreBase = pools.length;
  if (arch === 'a2a3') {
    for (let core = 0; core < numCores; core++) {
      const at = off.aicoreStates + core * L2PerfAicoreBufferState.size;
      pools.push({
        kind: L2BufferKind.AicoreTiming,
        instance: core,
        freeQueueOffset: at + L2PerfAicoreBufferState.offsetOf('freeQueue'),
        slotCount: c.l2.slotCount,
        currentBufPtrOffset: at + AicoreRotation.offsetOf('currentBufPtr'),
        preallocate: c.l2.aicoreBuffersPerCore,
      });
    }
  }
  return {
    sharedBytes: off.total,
    readyQueues: {
      entriesOffset: h.offsetOf('queues'),
      threads,
      capacity: c.l2.readyQueueSize,
      entryBytes: 32,
      headsOffset: h.offsetOf('queueHeads'),
      tailsOffset: h.offsetOf('queueTails'),
    },
    kinds,
    pools,
    resolve: (e) => {
      if (e.kind === L2BufferKind.Task) return e.index < numCores ? taskBase + e.index : undefined;
      if (e.kind === L2BufferKind.Phase) return e.index < threads && level >= 3 ? phaseBase + e.index : undefined;
      if (e.kind === L2BufferKind.AicoreTiming && arch === 'a2a3') return e.index < numCores ? aicoreBase + e.index : undefined;
      return undefined;
    },
  };
}
