// Helpers over the collectors' producer library (npurun/collector_producer.h): binding a producer
// to an instance of a generated layout, and the bounded waits that keep a device thread from ever
// blocking a run's end (every wait polls the stop flag and gives up after a deadline; what cannot
// be stored then is dropped and counted by the library, never lost silently).
#pragma once

#include <time.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <npurun/collector_producer.h>

#include "diagnostics_layouts.h"
#include "executor_common.h"

namespace npurun_sim::diag {

// How long a producer waits for the host to hand it a buffer or take one off its ready queue
// before it drops: far above a drain tick (the host polls every few ms), far below a run timeout.
constexpr uint64_t kRoomWaitMs = 500;
constexpr long kRoomPollNs = 50000;

template <typename FreeQueue>
inline void bindFreeQueue(npurun_producer* p, FreeQueue* fq, uint32_t slots) {
  p->fq_slots = fq->buffer_ptrs;
  p->fq_head = &fq->head;
  p->fq_tail = &fq->tail;
  p->fq_slot_count = slots;
}

// The instance state every collector's state block keeps under the same member names.
template <typename State>
inline void bindState(npurun_producer* p, State* s) {
  p->current_buf_ptr = &s->current_buf_ptr;
  p->current_buf_seq = &s->current_buf_seq;
  p->total = &s->total_record_count;
  p->dropped = &s->dropped_record_count;
}

template <typename Header>
inline void bindReadyQueue(npurun_producer* p, Header* h, uint32_t thread, uint32_t capacity) {
  p->rq_entries = reinterpret_cast<volatile uint8_t*>(&h->queues[thread][0]);
  p->rq_head = &h->queue_heads[thread];
  p->rq_tail = &h->queue_tails[thread];
  p->rq_capacity = capacity;
}

template <typename Buffer>
inline void bindBuffer(npurun_producer* p, uint32_t capacity) {
  p->record_bytes = sizeof(Buffer::records[0]);
  p->capacity = capacity;
  p->records_offset = offsetof(Buffer, records);
  p->count_offset = offsetof(Buffer, count);
}

inline void sleepBriefly() {
  timespec ts{0, kRoomPollNs};
  nanosleep(&ts, nullptr);
}

// Waits until `ready()` holds, the run is being stopped, or kRoomWaitMs pass. Returns ready().
template <typename Ready>
inline bool boundedWait(const npurun_aicpu_ctx* ctx, Ready ready) {
  if (ready()) return true;
  const uint64_t deadline = ctx->sim->read_timestamp() + ctx->sim->timestamp_hz / 1000 * kRoomWaitMs;
  while (!ready()) {
    if (NPURUN_SHOULD_STOP(ctx) || ctx->sim->read_timestamp() >= deadline) return ready();
    sleepBriefly();
  }
  return true;
}

// Gives the host a chance to supply a buffer before the next record; the record that follows is
// dropped (and counted) by npurun_producer_reserve if it still has no room.
inline void waitForRoom(const npurun_aicpu_ctx* ctx, const npurun_producer* p) {
  boundedWait(ctx, [p] { return npurun_producer_has_room(p) != 0; });
}

// Flushes at thread exit, first waiting (bounded) for a ready-queue slot: a flush into a full
// queue drops the buffer's records (counted).
inline void flushProducer(const npurun_aicpu_ctx* ctx, npurun_producer* p) {
  boundedWait(ctx, [p] {
    const uint32_t tail = __atomic_load_n(p->rq_tail, __ATOMIC_RELAXED);
    return (tail + 1u) % p->rq_capacity != __atomic_load_n(p->rq_head, __ATOMIC_ACQUIRE);
  });
  npurun_producer_flush(p);
}

inline void bumpCounter(uint32_t* counter) { __atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + 1u, __ATOMIC_RELAXED); }

// Simulated PMU counters. The simulator has no performance counters, so a record is derived from
// what the run measured for the task, deterministically: pmu_total_cycles is the kernel's duration
// at a nominal 1 GHz core clock (ns), and counter slot i holds (i + 1) / (K + 1) of it, so the
// counters are ordered shares of the duration. The host labels these values simulated.
inline uint64_t simPmuCycles(uint64_t startTicks, uint64_t endTicks, uint64_t hz) {
  return endTicks > startTicks ? ticksToNs(endTicks - startTicks, hz) : 0;
}

inline void simPmuCounters(uint64_t cycles, uint32_t* counters) {
  for (uint32_t i = 0; i < kPmuCounters; ++i) {
    const uint64_t v = cycles * (i + 1) / (kPmuCounters + 1);
    counters[i] = v > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(v);
  }
}

}  // namespace npurun_sim::diag
