/** The PMU protocol geometry: one pool per core; entries name the core. */
import type { Arch } from '@npurun/hal-native';
import { archConstants } from '../arch';
import type { ProtocolGeometry } from '../protocol/geometry';
import { PmuBuffer, PmuBufferStateA2a3, PmuBufferStateA5, PmuHeader, PmuRecord } from './layout';

/** Offset of core `core`'s state block. */
export function pmuStateOffset(arch: Arch, core: number): number {
  return PmuHeader[arch].size + core * 192;
}

/** The geometry for `numCores` cores. */
export function pmuGeometry(arch: Arch, numCores: number): ProtocolGeometry {
  const c = archConstants(arch);
  const h = PmuHeader[arch];
  const state = arch === 'a2a3' ? PmuBufferStateA2a3 : PmuBufferStateA5;
  const buf = PmuBuffer[arch];
  return {
    sharedBytes: h.size + numCores * state.size,
    readyQueues: {
      entriesOffset: h.offsetOf('queues'),
      threads: c.maxAicpuThreads,
      capacity: c.pmu.readyQueueSize,
      entryBytes: 32,
      headsOffset: h.offsetOf('queueHeads'),
      tailsOffset: h.offsetOf('queueTails'),
    },
    kinds: [
      {
        name: 'pmu',
        buffer: {
          bytes: buf.size,
          recordBytes: PmuRecord[arch].size,
          capacity: c.pmu.recordsPerBuffer,
          recordsOffset: buf.offsetOf('records'),
          countOffset: buf.offsetOf('count'),
        },
      },
    ],
    pools: Array.from({ length: numCores }, (_, core) => ({
      kind: 0,
      instance: core,
      freeQueueOffset: pmuStateOffset(arch, core),
      slotCount: c.pmu.slotCount,
      currentBufPtrOffset: pmuStateOffset(arch, core) + state.offsetOf('currentBufPtr'),
      preallocate: c.pmu.buffersPerCore,
    })),
    resolve: (e) => (e.index < numCores ? e.index : undefined),
  };
}
