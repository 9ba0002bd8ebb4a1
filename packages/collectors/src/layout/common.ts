/**
 * The two queue shapes every collector's shared memory shares: the
 * 32-byte ready-queue entry and the 128-byte free queue. One C name per shape, so the generic
 * producer library reads every collector through the same struct.
 */
import { array, pad, ptr, struct, u32, type StructLayout } from '@npurun/hal-native';

/**
 * A ready-queue entry: which producer instance (core, thread or instance index) handed off which
 * buffer. `kind` is the buffer kind on the l2 swimlane (0 task, 1 phase, 2 AI Core timing) and 0
 * elsewhere (the upstream runner's padding there).
 */
export const ReadyQueueEntry = struct(
  'npurun_ready_entry',
  {
    index: { type: u32, offset: 0, doc: 'producer instance: core, AI CPU thread or instance index' },
    kind: { type: u32, offset: 4, doc: 'buffer kind (l2 swimlane only; 0 elsewhere)' },
    bufferPtr: { type: ptr, offset: 8, doc: 'device address of the full buffer' },
    bufferSeq: { type: u32, offset: 16, doc: 'per-instance hand-off sequence number' },
    reserved: pad(12),
  },
  { size: 32, align: 32, doc: 'One full buffer handed from an AI CPU thread to the host.' },
);

/** Bytes of every free queue. */
export const FREE_QUEUE_BYTES = 128;

const freeQueues = new Map<number, StructLayout<FreeQueueValue>>();

/** The decoded value of a free queue. */
export interface FreeQueueValue {
  /** Ring of free buffer addresses; slot = index % slots. */
  bufferPtrs: bigint[];
  /** Free-running u32: pops so far (AI CPU writes). */
  head: number;
  /** Free-running u32: pushes so far (host writes). */
  tail: number;
}

/**
 * The free queue with `slots` slots (4 everywhere but scope stats, which has 8): buffer addresses,
 * then the free-running `head` (AI CPU) and `tail` (host), padded to 128 bytes.
 */
export function freeQueueLayout(slots: number): StructLayout<FreeQueueValue> {
  const cached = freeQueues.get(slots);
  if (cached !== undefined) return cached;
  const layout = struct(
    `npurun_free_queue${slots}`,
    {
      bufferPtrs: array(ptr, slots),
      head: { type: u32, doc: 'pops so far (AI CPU increments; free-running)' },
      tail: { type: u32, doc: 'pushes so far (host increments; free-running)' },
      reserved: pad(FREE_QUEUE_BYTES - 8 * slots - 8),
    },
    { size: FREE_QUEUE_BYTES, align: 64, doc: `Free buffers for one producer instance (${slots} slots).` },
  );
  freeQueues.set(slots, layout);
  return layout;
}
