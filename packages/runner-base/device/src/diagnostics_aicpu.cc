// The simulated runtime's diagnostics, AI CPU side (see diagnostics.h for what is recorded).
#include "diagnostics.h"

#include <algorithm>
#include <cstring>

namespace npurun_sim {

using namespace diag;

namespace {

inline uint64_t now(const npurun_aicpu_ctx* ctx) { return ctx->sim->read_timestamp(); }

void bindPhaseProducer(npurun_producer* p, L2Header* h, const L2Regions& r, uint32_t thread) {
  std::memset(p, 0, sizeof(*p));
  npurun_l2_perf_buffer_state& s = r.phaseStates[thread];
  bindFreeQueue(p, &s.free_queue, kL2Slots);
  bindReadyQueue(p, h, thread, kL2ReadyQueue);
  p->entry_index = thread;
  p->entry_kind = NPURUN_L2_KIND_PHASE;
  bindState(p, &s);
  bindBuffer<L2PhaseBuffer>(p, kL2PhaseRecords);
}

// The scheduler thread that owns `core`: blocks go round-robin to the scheduler threads, a block's
// cube core is `b`, its vector cores `block_num + 2b` and `+1` (the executor's ownership rule).
uint32_t ownerOf(uint32_t core, const npurun_dispatch_header& h) {
  const uint32_t block = core < h.block_num ? core : (core - h.block_num) / 2;
  return block % h.scheduler_threads;
}

void appendPhase(const npurun_aicpu_ctx* ctx, npurun_producer* p, uint32_t phaseId, uint64_t start, uint64_t end, uint32_t iter,
                 uint64_t taskOrCount, uint32_t extra1, uint32_t extra2) {
  waitForRoom(ctx, p);
  auto* r = static_cast<npurun_aicpu_phase_record*>(npurun_producer_reserve(p));
  if (r == nullptr) return;  // dropped, counted
  r->start_time = start;
  r->end_time = end;
  r->loop_iter = iter;
  r->phase_id = phaseId;
  r->task_id = taskOrCount;
  r->extra1 = extra1;
  r->extra2 = extra2;
  npurun_producer_commit(p);
}

}  // namespace

Diagnostics::Diagnostics(const npurun_aicpu_ctx* ctx, const npurun_kernel_args* kargs, const RuntimeView& rt, const DispatchView& dispatch)
    : ctx_(ctx), kargs_(kargs), rt_(rt), d_(dispatch), tv_(TensorView::of(rt)), cfg_(DiagConfig::of(kargs)) {
  std::fill(local_, local_ + kMaxCores, static_cast<int16_t>(-1));
  const uint32_t thread = ctx->thread_idx;
  if (cfg_.l2 != nullptr || cfg_.pmu != nullptr) cores_.reset(new CoreProducers[kMaxCores]);
  if (cfg_.l2 != nullptr) {
    l2r_ = L2Regions::of(cfg_.l2);
    if (cfg_.l2Level >= 3 && thread < kMaxAicpuThreads) {
      phases_ = true;
      bindPhaseProducer(&phase_, cfg_.l2, l2r_, thread);
      npurun_producer_begin(&phase_);
    }
  }
  if (cfg_.dump != nullptr && thread < cfg_.dump->num_dump_threads) {
    dumpState_ = &statesAfter<DumpHeader, npurun_dump_buffer_state>(cfg_.dump)[thread];
    dumping_ = dumpState_->arena_base != 0 && dumpState_->arena_size != 0;
  }
  if (dumping_) {
    bindFreeQueue(&dump_, &dumpState_->free_queue, kDumpSlots);
    bindReadyQueue(&dump_, cfg_.dump, thread, kDumpReadyQueue);
    dump_.entry_index = thread;
    dump_.current_buf_ptr = &dumpState_->current_buf_ptr;
    dump_.current_buf_seq = &dumpState_->current_buf_seq;
    dump_.dropped = &dumpState_->dropped_record_count;  // the dump state keeps no total
    bindBuffer<npurun_dump_meta_buffer>(&dump_, kDumpRecords);
    npurun_producer_begin(&dump_);
  }
  markTs_ = now(ctx);
}

OrchestratorDiagnostics::OrchestratorDiagnostics(const npurun_aicpu_ctx* ctx, const npurun_kernel_args* kargs, const RuntimeView& rt,
                                                 const DispatchView& d)
    : ctx_(ctx), rt_(rt), tv_(TensorView::of(rt)), cfg_(DiagConfig::of(kargs)) {
  if (cfg_.l2 != nullptr) {
    const L2Regions r = L2Regions::of(cfg_.l2);
    const uint32_t cores = std::min(cfg_.l2->num_cores, d.header->core_num);
#if !defined(NPURUN_ARCH_A5)
    // aicoreRingAddr: each core's slot gets its rotation line, which the AI Core reads lazily.
    if (kargs->aicore_ring_addr != 0) {
      auto* table = at<uint64_t>(kargs->aicore_ring_addr);
      for (uint32_t c = 0; c < cores; ++c) table[c] = reinterpret_cast<uintptr_t>(&r.aicoreStates[c].rotation);
    }
#endif
    L2PhaseHeader* ph = r.phaseHeader;
    ph->num_sched_threads = d.header->scheduler_threads;
    ph->records_per_thread = kL2PhaseRecords;
    ph->num_cores = cores;
    for (uint32_t c = 0; c < cores && c < sizeof(ph->core_to_thread); ++c) ph->core_to_thread[c] = static_cast<int8_t>(ownerOf(c, *d.header));
    __atomic_store_n(&ph->magic, static_cast<uint32_t>(NPURUN_L2_PHASE_MAGIC), __ATOMIC_RELEASE);
    if (cfg_.l2Level >= 4) {
      // The orchestrator runs on AI CPU thread 0 before the schedulers, so it uses thread 0's
      // phase pool and ready queue, and flushes before scheduler thread 0 takes them over.
      orchPhases_ = true;
      bindPhaseProducer(&orch_, cfg_.l2, r, 0);
      npurun_producer_begin(&orch_);
    }
  }
  if (cfg_.scope != nullptr) {
    scopes_ = true;
    uint64_t totalBytes = 0;
    for (uint32_t t = 0; t < rt.header->tensor_count; ++t) totalBytes += tv_.tensors[t].bytes;
    // Ring 0 holds the outer scope, ring 1 the per-task scopes; both span the whole graph.
    for (uint32_t ring = 0; ring < 2; ++ring) {
      cfg_.scope->task_window_cap[ring] = static_cast<int32_t>(rt.header->task_count);
      cfg_.scope->heap_cap[ring] = totalBytes;
    }
    cfg_.scope->tensormap_cap = static_cast<int32_t>(rt.header->tensor_count);
    auto* s = statesAfter<ScopeHeader, npurun_scope_stats_buffer_state>(cfg_.scope);
    bindFreeQueue(&scope_, &s->free_queue, kScopeSlots);
    bindReadyQueue(&scope_, cfg_.scope, 0, kScopeReadyQueue);
    bindState(&scope_, s);
    bindBuffer<npurun_scope_stats_buffer>(&scope_, kScopeRecords);
    npurun_producer_begin(&scope_);
    scopeRecord("graph", 0, 0, 0, 0, 0, 0, 0, 0);
  }
}

void OrchestratorDiagnostics::taskPrepared(uint32_t taskId, uint64_t start) {
  const npurun_rt_task& task = rt_.tasks[taskId];
  if (orchPhases_) appendPhase(ctx_, &orch_, kPhaseOrch, start, now(ctx_), taskId, taskId, task.pred_count, task.successor_count);
  if (!scopes_) return;
  // The graph walk is one outer scope; each task's submission a nested one whose end shows what it
  // added: one task to the window, its described tensors' bytes to the (cumulative) heap, its
  // described tensors to the tensor map.
  uint64_t bytes = 0;
  int32_t described = 0;
  for (uint32_t a = 0; a < task.arg_count; ++a) {
    if (const npurun_rt_tensor* t = tv_.of(task, a)) {
      bytes += t->bytes;
      ++described;
    }
  }
  const int32_t id = static_cast<int32_t>(taskId);
  scopeRecord("task", id, 1, 0, id, id, heap_, heap_, tensors_);
  scopeRecord("task", id, 1, 1, id, id + 1, heap_, heap_ + bytes, tensors_ + described);
  heap_ += bytes;
  tensors_ += described;
}

void OrchestratorDiagnostics::finished() {
  if (orchPhases_) flushProducer(ctx_, &orch_);
  if (scopes_) {
    scopeRecord("graph", 0, 0, 1, 0, static_cast<int32_t>(rt_.header->task_count), 0, heap_, tensors_);
    flushProducer(ctx_, &scope_);
  }
}

void OrchestratorDiagnostics::scopeRecord(const char* site, int32_t line, int16_t depth, int16_t phase, int32_t taskStart, int32_t taskEnd,
                                          uint64_t heapStart, uint64_t heapEnd, int32_t tensormap) {
  waitForRoom(ctx_, &scope_);
  auto* r = static_cast<npurun_scope_stats_record*>(npurun_producer_reserve(&scope_));
  if (r == nullptr) return;  // dropped, counted
  std::memset(r, 0, sizeof(*r));
  std::strncpy(reinterpret_cast<char*>(r->site_file_basename), site, sizeof(r->site_file_basename) - 1);
  r->site_line = line;
  r->depth = depth;
  r->ring_id = static_cast<int16_t>(std::min<int>(depth, 3));
  r->phase = phase;
  r->task_start = taskStart;
  r->task_end = taskEnd;
  r->heap_start = heapStart;
  r->heap_end = heapEnd;
  r->tensormap_used = tensormap;
  npurun_producer_commit(&scope_);
}

void Diagnostics::ownCore(uint32_t coreId) {
  if (cores_ == nullptr || coreId >= kMaxCores || local_[coreId] >= 0) return;
  const uint32_t thread = ctx_->thread_idx;
  CoreProducers& c = cores_[coreCount_];
  local_[coreId] = static_cast<int16_t>(coreCount_++);
  c.coreId = coreId;
  if (cfg_.l2 != nullptr && coreId < cfg_.l2->num_cores) {
    npurun_l2_perf_buffer_state& s = l2r_.taskStates[coreId];
    npurun_producer* p = &c.l2Task;
    bindFreeQueue(p, &s.free_queue, kL2Slots);
    bindReadyQueue(p, cfg_.l2, thread, kL2ReadyQueue);
    p->entry_index = coreId;
    p->entry_kind = NPURUN_L2_KIND_TASK;
    bindState(p, &s);
    bindBuffer<L2Buffer>(p, kL2Records);
    npurun_producer_begin(p);
#if !defined(NPURUN_ARCH_A5)
    // The AI Core writes its timing records into the buffer its rotation line names; the AI CPU
    // reserves the slot before each dispatch, commits it after the completion and hands full
    // buffers off, publishing each new buffer by bumping the line's generation.
    npurun_l2_perf_aicore_buffer_state& a = l2r_.aicoreStates[coreId];
    p = &c.l2Aicore;
    bindFreeQueue(p, &a.free_queue, kL2Slots);
    bindReadyQueue(p, cfg_.l2, thread, kL2ReadyQueue);
    p->entry_index = coreId;
    p->entry_kind = NPURUN_L2_KIND_AICORE_TIMING;
    p->current_buf_ptr = &a.rotation.current_buf_ptr;
    p->current_buf_seq = &a.current_buf_seq;
    p->total = &a.total_record_count;
    p->dropped = &a.dropped_record_count;
    bindBuffer<npurun_l2_perf_aicore_buffer>(p, kL2AicoreRecords);
    npurun_producer_begin(p);
    publishRotation(c);
#endif
  }
  if (cfg_.pmu != nullptr && coreId < cfg_.pmu->num_cores) {
    PmuState& s = statesAfter<PmuHeader, PmuState>(cfg_.pmu)[coreId];
    npurun_producer* p = &c.pmu;
    bindFreeQueue(p, &s.free_queue, kPmuSlots);
    bindReadyQueue(p, cfg_.pmu, thread, kPmuReadyQueue);
    p->entry_index = coreId;
    bindState(p, &s);
    bindBuffer<PmuBuffer>(p, kPmuRecords);
    npurun_producer_begin(p);
  }
}

#if !defined(NPURUN_ARCH_A5)
void Diagnostics::publishRotation(CoreProducers& c) {
  npurun_aicore_rotation& rot = l2r_.aicoreStates[c.coreId].rotation;
  const uint64_t buf = __atomic_load_n(&rot.current_buf_ptr, __ATOMIC_RELAXED);
  if (buf == c.publishedBuffer && c.publishedBuffer != 0) return;
  c.publishedBuffer = buf;
  __atomic_store_n(&rot.generation, rot.generation + 1u, __ATOMIC_RELEASE);
}
#endif

void Diagnostics::coreDispatching(uint32_t coreId) {
#if !defined(NPURUN_ARCH_A5)
  CoreProducers* c = core(coreId);
  if (c == nullptr || cfg_.l2 == nullptr || coreId >= cfg_.l2->num_cores) return;
  // The record the AI Core is about to write: reserved now (its slot is the buffer's count), so
  // the AI Core's slot and the AI CPU's count move together; a reservation that fails is a drop
  // the AI Core sees too (no buffer, or a full one).
  waitForRoom(ctx_, &c->l2Aicore);
  c->aicoreSlotReserved = npurun_producer_reserve(&c->l2Aicore) != nullptr;
  publishRotation(*c);
#else
  (void)coreId;
#endif
}

void Diagnostics::taskDispatched(uint32_t taskId) {
  ++dispatchedSinceMark_;
  if (dumping_) dumpTask(taskId, 0);
}

void Diagnostics::taskRanOnCore(uint32_t taskId, const npurun_core_slot& slot) {
  const uint32_t coreId = static_cast<uint32_t>(&slot - d_.slots);
  CoreProducers* c = core(coreId);
  if (c == nullptr) return;
  const uint64_t finish = now(ctx_);
  if (cfg_.l2 != nullptr && coreId < cfg_.l2->num_cores) recordL2(*c, taskId, slot, finish);
  if (cfg_.pmu != nullptr && coreId < cfg_.pmu->num_cores) recordPmu(*c, taskId, slot);
}

void Diagnostics::recordL2(CoreProducers& c, uint32_t taskId, const npurun_core_slot& slot, uint64_t finish) {
  const uint32_t reg = slot.done_seq;
  const bool aicpuTiming = cfg_.l2Level >= 2;
  const int32_t coreType = c.coreId < d_.header->block_num ? 0 : 1;
#if !defined(NPURUN_ARCH_A5)
  if (c.aicoreSlotReserved) {
    npurun_producer_commit(&c.l2Aicore);  // the AI Core wrote it before reporting completion
    c.aicoreSlotReserved = false;
    publishRotation(c);
  }
  waitForRoom(ctx_, &c.l2Task);
  auto* r = static_cast<L2Record*>(npurun_producer_reserve(&c.l2Task));
  if (r == nullptr) return;
  std::memset(r, 0, sizeof(*r));  // start/end/duration come from the host join
  r->reg_task_id = reg;
#else
  npurun_l2_perf_buffer_state& s = l2r_.taskStates[c.coreId];
  auto* ring = at<L2AicoreRing>(s.aicore_ring_ptr);
  const L2Record* staged = ring == nullptr ? nullptr : &ring->slots[reg % 2];
  if (staged == nullptr || __atomic_load_n(&staged->task_id, __ATOMIC_ACQUIRE) != reg) {
    bumpCounter(&s.total_record_count);
    bumpCounter(&s.mismatch_record_count);
    return;
  }
  waitForRoom(ctx_, &c.l2Task);
  auto* r = static_cast<L2Record*>(npurun_producer_reserve(&c.l2Task));
  if (r == nullptr) return;
  std::memset(r, 0, sizeof(*r));
  r->start_time = staged->start_time;
  r->end_time = staged->end_time;
  r->duration = staged->end_time > staged->start_time ? staged->end_time - staged->start_time : 0;
  if (aicpuTiming) {
    const npurun_rt_task& task = rt_.tasks[taskId];
    const uint32_t fan = std::min<uint32_t>(task.successor_count, sizeof(r->fanout) / sizeof(r->fanout[0]));
    for (uint32_t i = 0; i < fan; ++i) r->fanout[i] = rt_.successors[task.successor_offset + i];
    r->fanout_count = static_cast<int32_t>(fan);
  }
#endif
  if (aicpuTiming) {
    r->dispatch_time = slot.dispatch_timestamp;
    r->finish_time = finish;
  }
  r->task_id = taskId;
  r->func_id = slot.kernel_id;
  r->core_type = coreType;
  npurun_producer_commit(&c.l2Task);
}

void Diagnostics::recordPmu(CoreProducers& c, uint32_t taskId, const npurun_core_slot& slot) {
  const int32_t coreType = c.coreId < d_.header->block_num ? 0 : 1;
#if defined(NPURUN_ARCH_A5)
  // a5: the AI Core staged its counters in slot[reg % 2] of its ring; take them if they are this
  // task's, else count a mismatch.
  PmuState& s = statesAfter<PmuHeader, PmuState>(cfg_.pmu)[c.coreId];
  auto* ring = at<PmuAicoreRing>(s.aicore_ring_ptr);
  const uint32_t reg = slot.done_seq;
  const PmuRecord* staged = ring == nullptr ? nullptr : &ring->slots[reg % 2];
  if (staged == nullptr || __atomic_load_n(&staged->task_id, __ATOMIC_ACQUIRE) != reg) {
    bumpCounter(&s.total_record_count);
    bumpCounter(&s.mismatch_record_count);
    return;
  }
#endif
  waitForRoom(ctx_, &c.pmu);
  auto* r = static_cast<PmuRecord*>(npurun_producer_reserve(&c.pmu));
  if (r == nullptr) return;
  std::memset(r, 0, sizeof(*r));
#if defined(NPURUN_ARCH_A5)
  r->pmu_total_cycles = staged->pmu_total_cycles;
  std::memcpy(r->pmu_counters, staged->pmu_counters, sizeof(r->pmu_counters));
#else
  // a2a3: the AI CPU reads the counters at completion (on hardware over MMIO).
  r->pmu_total_cycles = simPmuCycles(slot.start_timestamp, slot.end_timestamp, ctx_->sim->timestamp_hz);
  simPmuCounters(r->pmu_total_cycles, r->pmu_counters);
#endif
  r->task_id = taskId;
  r->func_id = slot.kernel_id;
  r->core_type = coreType;
  npurun_producer_commit(&c.pmu);
}

void Diagnostics::taskFinished(uint32_t taskId) {
  ++finishedSinceMark_;
  if (dumping_ && (rt_.tasks[taskId].flags & NPURUN_RT_TASK_DUMMY) == 0) dumpTask(taskId, 1);
}

void Diagnostics::dumpTask(uint32_t taskId, uint8_t stage) {
  const npurun_rt_task& task = rt_.tasks[taskId];
  for (uint32_t a = 0; a < task.arg_count; ++a) {
    const npurun_rt_tensor* t = tv_.of(task, a);
    if (t == nullptr) continue;
    // Inputs are dumped before the task, outputs after it, inouts at both.
    if ((stage == 0 && t->role == NPURUN_RT_ROLE_OUTPUT) || (stage == 1 && t->role == NPURUN_RT_ROLE_INPUT)) continue;
    waitForRoom(ctx_, &dump_);
    auto* r = static_cast<npurun_tensor_dump_record*>(npurun_producer_reserve(&dump_));
    if (r == nullptr) continue;  // dropped, counted
    const uint64_t arena = dumpState_->arena_size;
    const bool truncated = t->bytes > arena;
    const uint64_t size = truncated ? arena / 2 : t->bytes;
    // Advance the cursor before copying: the host treats anything more than one arena behind it
    // as possibly overwritten.
    const uint64_t offset = dumpState_->arena_write_offset;
    __atomic_store_n(&dumpState_->arena_write_offset, offset + size, __ATOMIC_RELEASE);
    auto* dst = at<uint8_t>(dumpState_->arena_base);
    const auto* src = at<const uint8_t>(rt_.args[task.arg_offset + a]);
    const uint64_t start = offset % arena;
    const uint64_t first = std::min(size, arena - start);
    std::memcpy(dst + start, src, first);
    if (first < size) std::memcpy(dst, src + first, size - first);

    std::memset(r, 0, sizeof(*r));
    r->task_id = taskId;
    r->subtask_id = 0;
    r->role = static_cast<uint8_t>(t->role);
    r->stage = stage;
    r->ndims = static_cast<uint8_t>(t->ndims);
    r->func_id = task.kernel_ids[0];
    r->arg_index = a;
    r->dtype = static_cast<uint8_t>(t->dtype);
    r->truncated = truncated ? 1 : 0;
    r->is_contiguous = 1;
    r->payload_offset = offset;
    r->payload_size = size;
    r->start_offset = 0;
    uint32_t stride = 1;
    for (uint32_t k = t->ndims; k-- > 0;) {
      r->shapes[k] = t->shape[k];
      r->strides[k] = stride;
      stride *= t->shape[k];
    }
    npurun_producer_commit(&dump_);
  }
}

void Diagnostics::loopStarted() {
  markTs_ = now(ctx_);
  finishedSinceMark_ = 0;
  dispatchedSinceMark_ = 0;
}

void Diagnostics::completionsCollected() {
  const uint64_t end = now(ctx_);
  if (phases_ && finishedSinceMark_ > 0) appendPhase(ctx_, &phase_, kPhaseComplete, markTs_, end, loopIter_, finishedSinceMark_, 0, 0);
  markTs_ = end;
  finishedSinceMark_ = 0;
  dispatchedSinceMark_ = 0;
}

void Diagnostics::dispatchesDone() {
  const uint64_t end = now(ctx_);
  // extra1 = tasks handed to cores (pop hits); dependency-only tasks completed while dispatching
  // count as processed, not as hits.
  if (phases_ && (dispatchedSinceMark_ > 0 || finishedSinceMark_ > 0)) {
    appendPhase(ctx_, &phase_, kPhaseDispatch, markTs_, end, loopIter_, dispatchedSinceMark_ + finishedSinceMark_, dispatchedSinceMark_, 0);
  }
  ++loopIter_;
  finishedSinceMark_ = 0;
  dispatchedSinceMark_ = 0;
}

void Diagnostics::threadFinished() {
  for (uint32_t i = 0; i < coreCount_; ++i) {
    CoreProducers& c = cores_[i];
    if (cfg_.l2 != nullptr && c.coreId < cfg_.l2->num_cores) {
      flushProducer(ctx_, &c.l2Task);
#if !defined(NPURUN_ARCH_A5)
      flushProducer(ctx_, &c.l2Aicore);
#endif
    }
    if (cfg_.pmu != nullptr && c.coreId < cfg_.pmu->num_cores) flushProducer(ctx_, &c.pmu);
  }
  if (phases_) flushProducer(ctx_, &phase_);
  if (dumping_) flushProducer(ctx_, &dump_);
}

}  // namespace npurun_sim
