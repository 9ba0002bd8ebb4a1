/**
 * Index arithmetic of the two queue kinds. Pure functions, kept
 * apart because the two use different conventions and mixing them up loses buffers.
 */

/**
 * Occupancy of a free queue. `head` and `tail` are free-running u32 counters, so the difference is
 * taken modulo 2^32: it stays right when `tail` has wrapped past 2^32 and `head` has not yet.
 */
export function freeQueueOccupancy(head: number, tail: number): number {
  return (tail - head) >>> 0;
}

/** The slot a free-running free-queue counter refers to. */
export function freeQueueSlot(counter: number, slots: number): number {
  return (counter >>> 0) % slots;
}

/** The successor of a free-running u32 counter. */
export function nextCounter(counter: number): number {
  return (counter + 1) >>> 0;
}

/**
 * Entries waiting in a ready queue. `head` and `tail` are modular indices in `[0, capacity)`; one
 * slot is always kept empty, so `capacity - 1` entries fit. Returns `undefined` when either index
 * is out of range (a corrupt or not-yet-initialized queue), which callers treat as empty.
 */
export function readyQueuePending(head: number, tail: number, capacity: number): number | undefined {
  if (!(head >= 0 && head < capacity && tail >= 0 && tail < capacity)) return undefined;
  return (tail - head + capacity) % capacity;
}

/** Whether a ready queue is full (the producer's test before it enqueues). */
export function readyQueueFull(head: number, tail: number, capacity: number): boolean {
  return (tail + 1) % capacity === head;
}
