/**
 * The shape of one collector's shared memory, in the terms the generic drain engine needs: where
 * the ready queues are, which producer instances (pools) exist, and how their buffers are laid
 * out. Each collector derives its geometry from its layouts (`<collector>/layout.ts`).
 */

/** The per-AI-CPU-thread ready queues embedded in a collector's header. */
export interface ReadyQueueGeometry {
  /** Offset of `queues[0][0]` in the shared region. */
  readonly entriesOffset: number;
  /** Rows (`PLATFORM_MAX_AICPU_THREADS`). */
  readonly threads: number;
  /** Entries per row; one is always kept empty. */
  readonly capacity: number;
  /** Bytes per entry (32). */
  readonly entryBytes: number;
  /** Offset of `queue_heads[0]` (u32 each; host writes). */
  readonly headsOffset: number;
  /** Offset of `queue_tails[0]` (u32 each; AI CPU writes). */
  readonly tailsOffset: number;
}

/** The layout of one kind of data buffer: fixed-size records and a count. */
export interface BufferGeometry {
  /** Bytes per buffer (the allocation size). */
  readonly bytes: number;
  /** Bytes per record. */
  readonly recordBytes: number;
  /** Records a buffer holds. */
  readonly capacity: number;
  /** Offset of `records[0]`. */
  readonly recordsOffset: number;
  /** Offset of the u32 `count`. */
  readonly countOffset: number;
}

/** One producer instance: a free queue it pops from and the buffers it fills. */
export interface PoolGeometry {
  /** Buffer kind (indexes {@link ProtocolGeometry.kinds}). */
  readonly kind: number;
  /** Instance index within its kind (core, thread or 0). */
  readonly instance: number;
  /** Offset of this instance's free queue in the shared region. */
  readonly freeQueueOffset: number;
  /** Slots of the free queue. */
  readonly slotCount: number;
  /** Offset of the instance's `current_buf_ptr` (u64), when it has one the host may inspect. */
  readonly currentBufPtrOffset: number | undefined;
  /** Buffers allocated for this instance at init. */
  readonly preallocate: number;
}

/** One buffer kind. */
export interface KindGeometry {
  /** Name used in notes and errors. */
  readonly name: string;
  /** Buffer layout. */
  readonly buffer: BufferGeometry;
}

/** A ready-queue entry as the host reads it. */
export interface ReadyEntry {
  /** The AI CPU thread whose queue held it. */
  readonly thread: number;
  /** Producer instance index. */
  readonly index: number;
  /** Buffer kind (l2 swimlane) or 0. */
  readonly kind: number;
  /** Device address of the full buffer. */
  readonly bufferPtr: bigint;
  /** Hand-off sequence number. */
  readonly bufferSeq: number;
}

/** Everything the drain engine needs to know about one collector's shared memory. */
export interface ProtocolGeometry {
  /** Bytes of the shared region (header plus state blocks). */
  readonly sharedBytes: number;
  /** The ready queues. */
  readonly readyQueues: ReadyQueueGeometry;
  /** Buffer kinds. */
  readonly kinds: readonly KindGeometry[];
  /** Producer instances. */
  readonly pools: readonly PoolGeometry[];
  /**
   * Maps an entry to the index of its pool in {@link pools}, or `undefined` for an entry that
   * names no pool (a bad index or kind): such an entry is skipped and reported, never guessed.
   */
  resolve(entry: ReadyEntry): number | undefined;
}
