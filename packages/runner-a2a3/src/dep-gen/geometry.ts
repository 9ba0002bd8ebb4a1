/** The dep_gen shared memory in the terms of the collectors' generic drain engine. */
import type { ProtocolGeometry } from '@npurun/collectors';
import {
  DEP_GEN_BUFFERS,
  DEP_GEN_MAX_AICPU_THREADS,
  DEP_GEN_READY_QUEUE_SIZE,
  DEP_GEN_RECORDS_PER_BUFFER,
  DEP_GEN_SHARED_BYTES,
  DEP_GEN_SLOT_COUNT,
  DEP_GEN_STATE_OFFSET,
  DepGenBuffer,
  DepGenBufferState,
  DepGenHeader,
  DepGenRecord,
} from './layout';

/** The geometry: one pool (the orchestrator), ready entries on any thread's row. */
export function depGenGeometry(): ProtocolGeometry {
  return {
    sharedBytes: DEP_GEN_SHARED_BYTES,
    readyQueues: {
      entriesOffset: DepGenHeader.offsetOf('queues'),
      threads: DEP_GEN_MAX_AICPU_THREADS,
      capacity: DEP_GEN_READY_QUEUE_SIZE,
      entryBytes: 32,
      headsOffset: DepGenHeader.offsetOf('queueHeads'),
      tailsOffset: DepGenHeader.offsetOf('queueTails'),
    },
    kinds: [
      {
        name: 'dep_gen',
        buffer: {
          bytes: DepGenBuffer.size,
          recordBytes: DepGenRecord.size,
          capacity: DEP_GEN_RECORDS_PER_BUFFER,
          recordsOffset: DepGenBuffer.offsetOf('records'),
          countOffset: DepGenBuffer.offsetOf('count'),
        },
      },
    ],
    pools: [
      {
        kind: 0,
        instance: 0,
        freeQueueOffset: DEP_GEN_STATE_OFFSET + DepGenBufferState.offsetOf('freeQueueBufferPtrs'),
        slotCount: DEP_GEN_SLOT_COUNT,
        currentBufPtrOffset: DEP_GEN_STATE_OFFSET + DepGenBufferState.offsetOf('currentBufPtr'),
        preallocate: DEP_GEN_BUFFERS,
      },
    ],
    // The only instance is 0; the kind field is padding on dep_gen, so it is not checked.
    resolve: (e) => (e.index === 0 ? 0 : undefined),
  };
}
