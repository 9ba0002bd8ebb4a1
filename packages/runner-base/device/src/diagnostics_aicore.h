// The simulated runtime's diagnostics, AI Core side: what a core records about each task it runs,
// right after the kernel returns and before it reports completion (so the AI CPU, which reads the
// records when it sees the completion, always finds them written).
//   - a2a3 l2 swimlane: a timing record {start, end, reg_task_id} in the buffer named by the core's
//     rotation line (aicoreRingAddr[core], filled by the AI CPU; read lazily on the first task).
//     A new generation means the AI CPU rotated the buffer: restart at slot 0. No buffer, or a full
//     one, means the record is dropped; the AI CPU counted that drop when it reserved the slot.
//   - a5 l2 swimlane and PMU: the task's timing / simulated counters in slot[reg_task_id % 2] of the
//     core's staging rings (aicoreL2PerfRingAddrs / aicorePmuRingAddrs, filled by the host), with
//     the task id written last; the AI CPU checks it and joins.
#pragma once

#include "diagnostics_layouts.h"
#include "diagnostics_producer.h"
#include "executor_common.h"

namespace npurun_sim {

class AicoreDiagnostics {
 public:
  AicoreDiagnostics(const npurun_aicore_ctx* ctx, const npurun_kernel_args* kargs) : ctx_(ctx) {
    const uint32_t flag = kargs->enable_profiling_flag;
    const bool l2 = (flag & diag::kFlagL2) != 0 && kargs->l2_perf_data_base != 0;
#if !defined(NPURUN_ARCH_A5)
    if (l2 && kargs->aicore_ring_addr != 0) rotationSlot_ = at<uint64_t>(kargs->aicore_ring_addr) + ctx->core_id;
#else
    const bool pmu = (flag & diag::kFlagPmu) != 0 && kargs->pmu_data_base != 0;
    if (l2 && kargs->aicore_l2_perf_ring_addrs != 0) l2Ring_ = at<diag::L2AicoreRing>(at<uint64_t>(kargs->aicore_l2_perf_ring_addrs)[ctx->core_id]);
    if (pmu && kargs->aicore_pmu_ring_addrs != 0) pmuRing_ = at<diag::PmuAicoreRing>(at<uint64_t>(kargs->aicore_pmu_ring_addrs)[ctx->core_id]);
#endif
  }

  // The task the AI CPU handed over with dispatch token `reg` ran from `start` to `end`.
  void taskDone(uint32_t reg, uint64_t start, uint64_t end) {
#if !defined(NPURUN_ARCH_A5)
    if (rotationSlot_ == nullptr) return;
    if (rotation_ == nullptr) {
      const uint64_t line = __atomic_load_n(rotationSlot_, __ATOMIC_ACQUIRE);
      if (line == 0) return;
      rotation_ = at<npurun_aicore_rotation>(line);
    }
    const uint32_t generation = __atomic_load_n(&rotation_->generation, __ATOMIC_ACQUIRE);
    if (generation != generation_) {
      generation_ = generation;
      buffer_ = at<npurun_l2_perf_aicore_buffer>(__atomic_load_n(&rotation_->current_buf_ptr, __ATOMIC_RELAXED));
      next_ = 0;
    }
    if (buffer_ == nullptr || next_ >= diag::kL2AicoreRecords) return;
    npurun_l2_perf_aicore_record& r = buffer_->records[next_++];
    r.start_time = start;
    r.end_time = end;
    r.task_id = reg;
#else
    if (l2Ring_ != nullptr) {
      diag::L2Record& r = l2Ring_->slots[reg % 2];
      r.start_time = start;
      r.end_time = end;
      __atomic_store_n(&r.task_id, static_cast<uint64_t>(reg), __ATOMIC_RELEASE);
    }
    if (pmuRing_ != nullptr) {
      // a5: the AI Core reads its own counters after the kernel (simulated: diagnostics_producer.h).
      diag::PmuRecord& r = pmuRing_->slots[reg % 2];
      r.pmu_total_cycles = diag::simPmuCycles(start, end, ctx_->sim->timestamp_hz);
      diag::simPmuCounters(r.pmu_total_cycles, r.pmu_counters);
      __atomic_store_n(&r.task_id, static_cast<uint64_t>(reg), __ATOMIC_RELEASE);
    }
#endif
  }

 private:
  [[maybe_unused]] const npurun_aicore_ctx* ctx_;
#if !defined(NPURUN_ARCH_A5)
  uint64_t* rotationSlot_ = nullptr;
  npurun_aicore_rotation* rotation_ = nullptr;
  uint32_t generation_ = 0;
  npurun_l2_perf_aicore_buffer* buffer_ = nullptr;
  uint32_t next_ = 0;
#else
  diag::L2AicoreRing* l2Ring_ = nullptr;
  diag::PmuAicoreRing* pmuRing_ = nullptr;
#endif
};

}  // namespace npurun_sim
