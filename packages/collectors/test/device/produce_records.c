#define _POSIX_C_SOURCE 200809L
/*
 * Test device program: AI CPU threads produce PMU or scope-stats records through the producer
 * library, over the shared memory a host collector set up. Built for one arch (-DNPURUN_TEST_A5).
 */
#include <npurun/device_abi.h>
#include <npurun/collector_producer.h>
#include <time.h>
#include <string.h>

#ifdef NPURUN_TEST_A5
#include <npurun/collectors/layouts_a5.h>
typedef npurun_pmu_header_a5 pmu_header;
typedef npurun_pmu_buffer_a5 pmu_buffer;
typedef npurun_pmu_record_a5 pmu_record;
typedef npurun_pmu_buffer_state_a5 pmu_state;
typedef npurun_scope_stats_header_a5 scope_header;
#define PMU_RECORDS NPURUN_A5_PMU_RECORDS_PER_BUFFER
#define PMU_SLOTS NPURUN_A5_PMU_SLOT_COUNT
#define PMU_RQ NPURUN_A5_PMU_READY_QUEUE_SIZE
#define SCOPE_RQ NPURUN_A5_SCOPE_STATS_READY_QUEUE_SIZE
#else
#include <npurun/collectors/layouts_a2a3.h>
typedef npurun_pmu_header_a2a3 pmu_header;
typedef npurun_pmu_buffer_a2a3 pmu_buffer;
typedef npurun_pmu_record_a2a3 pmu_record;
typedef npurun_pmu_buffer_state_a2a3 pmu_state;
typedef npurun_scope_stats_header_a2a3 scope_header;
#define PMU_RECORDS NPURUN_A2A3_PMU_RECORDS_PER_BUFFER
#define PMU_SLOTS NPURUN_A2A3_PMU_SLOT_COUNT
#define PMU_RQ NPURUN_A2A3_PMU_READY_QUEUE_SIZE
#define SCOPE_RQ NPURUN_A2A3_SCOPE_STATS_READY_QUEUE_SIZE
#endif

NPURUN_DEVICE_PROGRAM;

typedef struct produce_args {
  uint64_t shm;
  uint32_t num_cores;
  uint32_t records_per_core;
  uint32_t wait_for_room; /* 1: never drop (backpressure); 0: drop when the host is behind */
  uint32_t skip_flush;    /* 1: exit without flushing (a run that died) */
} produce_args;

#define MAX_LOCAL 128

/* Waits politely: spinning threads would starve the host's drain loop on a small machine. */
static void pause_briefly(void) {
  struct timespec ts = {0, 20000};
  nanosleep(&ts, NULL);
}

static int wait_room(const npurun_aicpu_ctx *ctx, npurun_producer *p, const produce_args *a) {
  if (!a->wait_for_room) return 1;
  while (!npurun_producer_has_room(p)) {
    if (NPURUN_SHOULD_STOP(ctx)) return 0;
    pause_briefly();
  }
  return 1;
}

NPURUN_DEVICE_EXPORT int produce_pmu(const npurun_aicpu_ctx *ctx, void *args, uint64_t size) {
  if (size < sizeof(produce_args)) return 1;
  const produce_args *a = (const produce_args *)args;
  pmu_header *h = (pmu_header *)(uintptr_t)a->shm;
  pmu_state *states = (pmu_state *)(uintptr_t)(a->shm + sizeof(pmu_header));
  npurun_producer prods[MAX_LOCAL];
  uint32_t cores[MAX_LOCAL];
  uint32_t n = 0;
  for (uint32_t c = ctx->thread_idx; c < a->num_cores && n < MAX_LOCAL; c += ctx->thread_num) {
    npurun_producer *p = &prods[n];
    memset(p, 0, sizeof(*p));
    p->fq_slots = states[c].free_queue.buffer_ptrs;
    p->fq_head = &states[c].free_queue.head;
    p->fq_tail = &states[c].free_queue.tail;
    p->fq_slot_count = PMU_SLOTS;
    p->rq_entries = (volatile uint8_t *)&h->queues[ctx->thread_idx][0];
    p->rq_head = &h->queue_heads[ctx->thread_idx];
    p->rq_tail = &h->queue_tails[ctx->thread_idx];
    p->rq_capacity = PMU_RQ;
    p->entry_index = c;
    p->current_buf_ptr = &states[c].current_buf_ptr;
    p->current_buf_seq = &states[c].current_buf_seq;
    p->total = &states[c].total_record_count;
    p->dropped = &states[c].dropped_record_count;
    p->record_bytes = sizeof(pmu_record);
    p->capacity = PMU_RECORDS;
    p->records_offset = offsetof(pmu_buffer, records);
    p->count_offset = offsetof(pmu_buffer, count);
    npurun_producer_begin(p);
    cores[n++] = c;
  }
  for (uint32_t i = 0; i < a->records_per_core; i++) {
    for (uint32_t k = 0; k < n; k++) {
      if (!wait_room(ctx, &prods[k], a)) return 2;
      pmu_record *r = (pmu_record *)npurun_producer_reserve(&prods[k]);
      if (r == NULL) continue;
      memset(r, 0, sizeof(*r));
      r->task_id = ((uint64_t)cores[k] << 32) | i;
      r->func_id = cores[k];
      r->core_type = cores[k] % 3 == 0 ? 0 : 1;
      r->pmu_total_cycles = ctx->sim->read_timestamp();
      r->pmu_counters[0] = i;
      npurun_producer_commit(&prods[k]);
    }
  }
  if (!a->skip_flush) {
    for (uint32_t k = 0; k < n; k++) {
      if (a->wait_for_room) {
        /* flush needs one ready-queue slot */
        while ((*prods[k].rq_tail + 1u) % prods[k].rq_capacity == __atomic_load_n(prods[k].rq_head, __ATOMIC_ACQUIRE)) {
          if (NPURUN_SHOULD_STOP(ctx)) return 2;
          pause_briefly();
        }
      }
      npurun_producer_flush(&prods[k]);
    }
  }
  return 0;
}

NPURUN_DEVICE_EXPORT int produce_scope_stats(const npurun_aicpu_ctx *ctx, void *args, uint64_t size) {
  if (size < sizeof(produce_args)) return 1;
  if (ctx->thread_idx != 0) return 0; /* one orchestrator */
  const produce_args *a = (const produce_args *)args;
  scope_header *h = (scope_header *)(uintptr_t)a->shm;
  npurun_scope_stats_buffer_state *st = (npurun_scope_stats_buffer_state *)(uintptr_t)(a->shm + sizeof(scope_header));
  npurun_producer p;
  memset(&p, 0, sizeof(p));
  p.fq_slots = st->free_queue.buffer_ptrs;
  p.fq_head = &st->free_queue.head;
  p.fq_tail = &st->free_queue.tail;
  p.fq_slot_count = 8;
  p.rq_entries = (volatile uint8_t *)&h->queues[0][0];
  p.rq_head = &h->queue_heads[0];
  p.rq_tail = &h->queue_tails[0];
  p.rq_capacity = SCOPE_RQ;
  p.current_buf_ptr = &st->current_buf_ptr;
  p.current_buf_seq = &st->current_buf_seq;
  p.total = &st->total_record_count;
  p.dropped = &st->dropped_record_count;
  p.record_bytes = sizeof(npurun_scope_stats_record);
  p.capacity = 512;
  p.records_offset = offsetof(npurun_scope_stats_buffer, records);
  p.count_offset = offsetof(npurun_scope_stats_buffer, count);
  npurun_producer_begin(&p);
  h->task_window_cap[0] = 1024;
  for (uint32_t i = 0; i < a->records_per_core; i++) {
    if (!wait_room(ctx, &p, a)) return 2;
    npurun_scope_stats_record r;
    memset(&r, 0, sizeof(r));
    memcpy(r.site_file_basename, "orch.c", 7);
    r.site_line = 10;
    r.phase = (int16_t)(i % 2);
    r.tensormap_used = (int32_t)i;
    npurun_producer_append(&p, &r);
  }
  if (!a->skip_flush) npurun_producer_flush(&p);
  return 0;
}
