/*
 * npurun collector producer library: the device (AI CPU) half of the collectors' queue protocol,
 * for the simulator's device programs.
 *
 * One npurun_producer describes one producer instance (a core's task records, a thread's phase
 * records, the orchestrator's scope stats...): where its free queue, state fields and its AI CPU
 * thread's ready queue live, and the layout of its buffers. The library is layout-agnostic: a
 * device program fills the descriptor from the generated layout headers
 * (npurun/collectors/layouts_<arch>.h) and then only calls append / flush.
 *
 * Protocol (see the host side in @npurun/collectors):
 *   - free queue: u64 buffer_ptrs[slots], u32 head (we increment), u32 tail (host increments);
 *     free-running counters, occupancy = tail - head (mod 2^32).
 *   - ready queue (per AI CPU thread): entries[capacity], head (host), tail (we); modular indices,
 *     one slot kept empty.
 *   - every attempted record bumps total; a record that cannot be stored bumps dropped, so the host
 *     can check collected + dropped == total.
 *
 * Drop policy: a full buffer is handed off at once; when that fails (no free buffer, or the ready
 * queue is full) the buffer stays current and the hand-off is retried on the next record, which is
 * dropped only if the retry fails too. So a stall drops the newest records, never a whole buffer.
 *
 * Threading: one instance is driven by exactly one AI CPU thread, and a ready queue is written by
 * the one thread that owns it; the host is the only other party.
 */
#ifndef NPURUN_COLLECTOR_PRODUCER_H
#define NPURUN_COLLECTOR_PRODUCER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct npurun_producer {
  /* The instance's free queue. */
  volatile uint64_t *fq_slots;
  volatile uint32_t *fq_head;
  volatile uint32_t *fq_tail;
  uint32_t fq_slot_count;

  /* The owning AI CPU thread's ready queue: `rq_entries` points at 32-byte entries. */
  volatile uint8_t *rq_entries;
  volatile uint32_t *rq_head;
  volatile uint32_t *rq_tail;
  uint32_t rq_capacity;

  /* What every ready entry of this instance says. */
  uint32_t entry_index;
  uint32_t entry_kind;

  /* Instance state. `total` / `dropped` may be NULL when the layout keeps no such counter. */
  volatile uint64_t *current_buf_ptr;
  volatile uint32_t *current_buf_seq;
  volatile uint32_t *total;
  volatile uint32_t *dropped;

  /* Buffer layout. */
  uint32_t record_bytes;
  uint32_t capacity;
  uint32_t records_offset;
  uint32_t count_offset;

  /* Private. */
  uint32_t seq;
  uint32_t pending_handoff;
} npurun_producer;

/* Takes the first buffer from the free queue (if any). Call once before appending. */
void npurun_producer_begin(npurun_producer *p);

/*
 * Reserves the next record slot and counts the attempt. Returns the slot to fill, or NULL when the
 * record is dropped (already counted). A non-NULL slot must be followed by npurun_producer_commit.
 */
void *npurun_producer_reserve(npurun_producer *p);

/* Publishes the reserved record; hands the buffer off when it is full. */
void npurun_producer_commit(npurun_producer *p);

/* reserve + copy + commit. Returns 1 when stored, 0 when dropped. */
int npurun_producer_append(npurun_producer *p, const void *record);

/*
 * At thread exit: hands off the partly filled buffer. If the ready queue is full its records are
 * counted as dropped; either way the instance ends with no current buffer, so the host's
 * reconcile sees a clean state.
 */
void npurun_producer_flush(npurun_producer *p);

/*
 * Whether the next append will be stored (a buffer is current and, if it is full, it can be handed
 * off now). A producer that must not drop (the simulator's backpressure mode) waits on this.
 */
int npurun_producer_has_room(const npurun_producer *p);

/* Records stored in the current buffer (for tests). */
uint32_t npurun_producer_current_count(const npurun_producer *p);

#ifdef __cplusplus
}
#endif

#endif /* NPURUN_COLLECTOR_PRODUCER_H */
