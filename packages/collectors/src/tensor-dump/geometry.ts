/** The tensor-dump protocol geometry: one pool per dump thread; entries name the thread. */
import type { Arch } from '@npurun/hal-native';
import { archConstants } from '../arch';
import type { ProtocolGeometry } from '../protocol/geometry';
import { DumpBufferState, DumpHeader, DumpMetaBuffer, TensorDumpRecord } from './layout';

/** Offset of dump thread `t`'s state block. */
export function dumpStateOffset(arch: Arch, t: number): number {
  return DumpHeader[arch].size + t * DumpBufferState.size;
}

/** The geometry for `threads` dump threads. */
export function dumpGeometry(arch: Arch, threads: number): ProtocolGeometry {
  const c = archConstants(arch);
  const h = DumpHeader[arch];
  return {
    sharedBytes: h.size + threads * DumpBufferState.size,
    readyQueues: {
      entriesOffset: h.offsetOf('queues'),
      threads: c.maxAicpuThreads,
      capacity: c.dump.readyQueueSize,
      entryBytes: 32,
      headsOffset: h.offsetOf('queueHeads'),
      tailsOffset: h.offsetOf('queueTails'),
    },
    kinds: [
      {
        name: 'dump metadata',
        buffer: {
          bytes: DumpMetaBuffer.size,
          recordBytes: TensorDumpRecord.size,
          capacity: c.dump.recordsPerBuffer,
          recordsOffset: DumpMetaBuffer.offsetOf('records'),
          countOffset: DumpMetaBuffer.offsetOf('count'),
        },
      },
    ],
    pools: Array.from({ length: threads }, (_, t) => ({
      kind: 0,
      instance: t,
      freeQueueOffset: dumpStateOffset(arch, t),
      slotCount: c.dump.slotCount,
      currentBufPtrOffset: dumpStateOffset(arch, t) + DumpBufferState.offsetOf('currentBufPtr'),
      preallocate: c.dump.buffersPerThread,
    })),
    resolve: (e) => (e.index < threads ? e.index : undefined),
  };
}
