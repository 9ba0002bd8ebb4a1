// The simulated runtime's diagnostics, AI CPU side: what the executor records while it schedules.
// Each diagnostic is on when its enable_profiling_flag bit is set and its *_data_base is non-zero,
// and produces records through the collectors' producer library into the shared memory the host
// collector set up (layouts: npurun/collectors/layouts_<arch>.h). A disabled one costs a test.
//
// What is recorded (runner-base docs/diagnostics.md has the full description):
//   - l2 swimlane: per core-task completion an AI CPU task record (task id, kernel as func id, core
//     type, dispatch/finish times at level >= 2, the dispatch token reg_task_id); the AI Core's
//     own start/end timing reaches the host through the a2a3 rotation buffers (joined on the host
//     by reg_task_id) or the a5 staging ring (joined here). Level >= 3: a "complete" and a
//     "dispatch" phase per scheduler-loop iteration that did work; level 4: one orchestrator phase
//     per task the init kernel prepares.
//   - PMU: one record per core-task, simulated counters (diagnostics_producer.h).
//   - tensor dump: every described tensor argument of a task, before dispatch (inputs, inouts) and
//     after completion (outputs, inouts), into the scheduler thread's payload arena.
//   - scope stats: the init kernel's walk over the graph as one outer scope and one scope per task.
#pragma once

#include <memory>

#include "diagnostics_layouts.h"
#include "diagnostics_producer.h"
#include "executor_common.h"

namespace npurun_sim {

// The runtime image's tensor descriptions (npurun_rt_tensor), by argument.
struct TensorView {
  const uint32_t* argTensors = nullptr;
  const npurun_rt_tensor* tensors = nullptr;

  static TensorView of(const RuntimeView& rt) {
    auto* base = reinterpret_cast<const uint8_t*>(rt.header);
    return {reinterpret_cast<const uint32_t*>(base + rt.header->arg_tensors_offset),
            reinterpret_cast<const npurun_rt_tensor*>(base + rt.header->tensors_offset)};
  }
  const npurun_rt_tensor* of(const npurun_rt_task& task, uint32_t arg) const {
    const uint32_t t = argTensors[task.arg_offset + arg];
    return t == NPURUN_RT_NONE ? nullptr : &tensors[t];
  }
};

// Which diagnostics a launch has on, from KernelArgs.
struct DiagConfig {
  diag::L2Header* l2 = nullptr;
  uint32_t l2Level = 0;
  diag::PmuHeader* pmu = nullptr;
  diag::DumpHeader* dump = nullptr;
  diag::ScopeHeader* scope = nullptr;

  static DiagConfig of(const npurun_kernel_args* k) {
    DiagConfig c;
    const uint32_t flag = k->enable_profiling_flag;
    if ((flag & diag::kFlagL2) != 0 && k->l2_perf_data_base != 0) {
      c.l2 = at<diag::L2Header>(k->l2_perf_data_base);
      c.l2Level = c.l2->l2_perf_level;
    }
    if ((flag & diag::kFlagPmu) != 0 && k->pmu_data_base != 0) c.pmu = at<diag::PmuHeader>(k->pmu_data_base);
    if ((flag & diag::kFlagDump) != 0 && k->dump_data_base != 0) c.dump = at<diag::DumpHeader>(k->dump_data_base);
    if ((flag & diag::kFlagScopeStats) != 0 && k->scope_stats_data_base != 0) c.scope = at<diag::ScopeHeader>(k->scope_stats_data_base);
    return c;
  }
};

// The producers of one AI Core core, driven by the scheduler thread that owns the core.
struct CoreProducers {
  uint32_t coreId = 0;
  npurun_producer l2Task{};
#if !defined(NPURUN_ARCH_A5)
  npurun_producer l2Aicore{};  // the AI Core's timing buffers; the AI CPU rotates them
  uint64_t publishedBuffer = 0;
  bool aicoreSlotReserved = false;
#endif
  npurun_producer pmu{};
};

// The orchestrator's diagnostics: the init kernel, which walks the graph and prepares every task
// (one AI CPU thread, before the schedulers start). Publishes the l2 core tables and phase header,
// records an orchestrator phase per task (l2 level 4) and the scope stats, and flushes them.
class OrchestratorDiagnostics {
 public:
  OrchestratorDiagnostics(const npurun_aicpu_ctx* ctx, const npurun_kernel_args* kargs, const RuntimeView& rt, const DispatchView& d);
  // A timestamp to pass to taskPrepared (0 when no phase is recorded).
  uint64_t clock() const { return orchPhases_ ? ctx_->sim->read_timestamp() : 0; }
  // Task `taskId` was prepared (its work started at `start`).
  void taskPrepared(uint32_t taskId, uint64_t start);
  // The walk is over: closes the outer scope and flushes.
  void finished();

 private:
  void scopeRecord(const char* site, int32_t line, int16_t depth, int16_t phase, int32_t taskStart, int32_t taskEnd, uint64_t heapStart,
                   uint64_t heapEnd, int32_t tensormap);

  const npurun_aicpu_ctx* ctx_;
  RuntimeView rt_;
  TensorView tv_;
  DiagConfig cfg_;
  bool orchPhases_ = false;
  npurun_producer orch_{};
  bool scopes_ = false;
  npurun_producer scope_{};
  uint64_t heap_ = 0;
  int32_t tensors_ = 0;
};

// One scheduler thread's diagnostics.
class Diagnostics {
 public:
  Diagnostics(const npurun_aicpu_ctx* ctx, const npurun_kernel_args* kargs, const RuntimeView& rt, const DispatchView& dispatch);

  // The scheduler owns `coreId` (called once per owned core, before any dispatch).
  void ownCore(uint32_t coreId);
  // A task was claimed and is about to be handed to its core(s).
  void taskDispatched(uint32_t taskId);
  // `coreId` is about to receive a task (before its slot's seq is published).
  void coreDispatching(uint32_t coreId);
  // One core finished its part of a task.
  void taskRanOnCore(uint32_t taskId, const npurun_core_slot& slot);
  // A task is done (dependency-only tasks included); called before its successors are released.
  void taskFinished(uint32_t taskId);
  // Scheduler-loop phase boundaries (level >= 3).
  void loopStarted();
  void completionsCollected();
  void dispatchesDone();
  // Thread exit: flushes every producer this thread owns.
  void threadFinished();

 private:
  CoreProducers* core(uint32_t coreId) { return coreId < diag::kMaxCores && local_[coreId] >= 0 ? &cores_[local_[coreId]] : nullptr; }
  void recordPhase(uint32_t phaseId, uint64_t start, uint64_t tasks, uint32_t extra1);
  void recordL2(CoreProducers& c, uint32_t taskId, const npurun_core_slot& slot, uint64_t finish);
  void recordPmu(CoreProducers& c, uint32_t taskId, const npurun_core_slot& slot);
  void dumpTask(uint32_t taskId, uint8_t stage);
#if !defined(NPURUN_ARCH_A5)
  void publishRotation(CoreProducers& c);
#endif

  const npurun_aicpu_ctx* ctx_;
  const npurun_kernel_args* kargs_;
  RuntimeView rt_;
  DispatchView d_;
  TensorView tv_;
  DiagConfig cfg_;
  diag::L2Regions l2r_{};
  std::unique_ptr<CoreProducers[]> cores_;
  int16_t local_[diag::kMaxCores];
  uint32_t coreCount_ = 0;
  bool phases_ = false;
  npurun_producer phase_{};
  bool dumping_ = false;
  npurun_producer dump_{};
  npurun_dump_buffer_state* dumpState_ = nullptr;
  uint32_t loopIter_ = 0;
  uint64_t markTs_ = 0;
  uint32_t finishedSinceMark_ = 0;
  uint32_t dispatchedSinceMark_ = 0;
};

}  // namespace npurun_sim
