/*
 * npurun collector producer library (see npurun/collector_producer.h). Valid C11 and C++17, so it
 * can be compiled into either kind of device program.
 */
#include <npurun/collector_producer.h>

#include <string.h>

#define NP_LOAD_ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define NP_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define NP_STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define NP_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

/* Ready-entry field offsets (npurun_ready_entry in the generated layout headers). */
#define NP_ENTRY_BYTES 32u
#define NP_ENTRY_INDEX 0u
#define NP_ENTRY_KIND 4u
#define NP_ENTRY_PTR 8u
#define NP_ENTRY_SEQ 16u

static volatile uint32_t *count_of(const npurun_producer *p, uint64_t buf) {
  return (volatile uint32_t *)(uintptr_t)(buf + p->count_offset);
}

static void bump(volatile uint32_t *counter, uint32_t by) {
  if (counter != NULL) NP_STORE(counter, NP_LOAD(counter) + by);
}

/* Pops a free buffer, or returns 0 when the queue is empty. */
static uint64_t pop_free(npurun_producer *p) {
  uint32_t head = NP_LOAD(p->fq_head);
  uint32_t tail = NP_LOAD_ACQ(p->fq_tail); /* pairs with the host's slot-then-tail order */
  if (tail == head) return 0;
  uint64_t buf = NP_LOAD(&p->fq_slots[head % p->fq_slot_count]);
  NP_STORE_REL(p->fq_head, head + 1u);
  return buf;
}

static int free_available(const npurun_producer *p) {
  return NP_LOAD_ACQ(p->fq_tail) != NP_LOAD(p->fq_head);
}

static int ready_full(const npurun_producer *p) {
  uint32_t tail = NP_LOAD(p->rq_tail);
  uint32_t head = NP_LOAD_ACQ(p->rq_head);
  return (tail + 1u) % p->rq_capacity == head;
}

/* Appends an entry for `buf`; the caller checked there is room. */
static void enqueue_ready(npurun_producer *p, uint64_t buf) {
  uint32_t tail = NP_LOAD(p->rq_tail);
  volatile uint8_t *e = p->rq_entries + (uint64_t)tail * NP_ENTRY_BYTES;
  NP_STORE((volatile uint32_t *)(e + NP_ENTRY_INDEX), p->entry_index);
  NP_STORE((volatile uint32_t *)(e + NP_ENTRY_KIND), p->entry_kind);
  NP_STORE((volatile uint64_t *)(e + NP_ENTRY_PTR), buf);
  NP_STORE((volatile uint32_t *)(e + NP_ENTRY_SEQ), p->seq);
  /* Release: the buffer's records and count, and the entry, are visible before the new tail. */
  NP_STORE_REL(p->rq_tail, (tail + 1u) % p->rq_capacity);
  p->seq++;
  if (p->current_buf_seq != NULL) NP_STORE(p->current_buf_seq, p->seq);
}

static void take_buffer(npurun_producer *p) {
  uint64_t buf = pop_free(p);
  if (buf != 0) NP_STORE(count_of(p, buf), 0u);
  NP_STORE(p->current_buf_ptr, buf);
}

/* Hands a full current buffer off and takes the next. Returns 1 on success. */
static int handoff(npurun_producer *p) {
  uint64_t cur = NP_LOAD(p->current_buf_ptr);
  if (!free_available(p) || ready_full(p)) return 0;
  enqueue_ready(p, cur);
  take_buffer(p);
  return 1;
}

void npurun_producer_begin(npurun_producer *p) {
  p->seq = 0;
  p->pending_handoff = 0;
  take_buffer(p);
}

void *npurun_producer_reserve(npurun_producer *p) {
  bump(p->total, 1u);
  uint64_t cur = NP_LOAD(p->current_buf_ptr);
  if (cur == 0) {
    take_buffer(p); /* recover after the free queue ran dry */
    cur = NP_LOAD(p->current_buf_ptr);
    if (cur == 0) {
      bump(p->dropped, 1u);
      return NULL;
    }
  }
  if (p->pending_handoff) {
    if (!handoff(p)) {
      bump(p->dropped, 1u);
      return NULL;
    }
    p->pending_handoff = 0;
    cur = NP_LOAD(p->current_buf_ptr);
    if (cur == 0) {
      bump(p->dropped, 1u);
      return NULL;
    }
  }
  uint32_t n = NP_LOAD(count_of(p, cur));
  return (void *)(uintptr_t)(cur + p->records_offset + (uint64_t)n * p->record_bytes);
}

void npurun_producer_commit(npurun_producer *p) {
  uint64_t cur = NP_LOAD(p->current_buf_ptr);
  volatile uint32_t *count = count_of(p, cur);
  uint32_t n = NP_LOAD(count) + 1u;
  NP_STORE_REL(count, n);
  if (n >= p->capacity && !handoff(p)) p->pending_handoff = 1;
}

int npurun_producer_append(npurun_producer *p, const void *record) {
  void *slot = npurun_producer_reserve(p);
  if (slot == NULL) return 0;
  memcpy(slot, record, p->record_bytes);
  npurun_producer_commit(p);
  return 1;
}

void npurun_producer_flush(npurun_producer *p) {
  uint64_t cur = NP_LOAD(p->current_buf_ptr);
  if (cur == 0) return;
  uint32_t n = NP_LOAD(count_of(p, cur));
  if (n == 0) return;
  if (ready_full(p)) {
    bump(p->dropped, n);
  } else {
    enqueue_ready(p, cur);
  }
  NP_STORE(p->current_buf_ptr, (uint64_t)0);
  p->pending_handoff = 0;
}

uint32_t npurun_producer_current_count(const npurun_producer *p) {
  uint64_t cur = NP_LOAD(p->current_buf_ptr);
  return cur == 0 ? 0u : NP_LOAD(count_of(p, cur));
}

int npurun_producer_has_room(const npurun_producer *p) {
  if (NP_LOAD(p->current_buf_ptr) == 0) return free_available(p);
  if (!p->pending_handoff) return 1;
  return free_available(p) && !ready_full(p);
}
