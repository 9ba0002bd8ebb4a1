// The simulated AI CPU executor. `npurun_aicpu_init` (one thread) prepares the runtime image's
// scheduler state; `npurun_aicpu_run` (the arch's scheduler threads) dispatches ready tasks to idle
// AI Core cores through their dispatch slots, honours dependencies (dependency-only tasks complete
// without touching a core or memory), records diagnostics, and writes the device wall time.
//
// Each scheduler thread owns the blocks b with b % schedulers == its index; a block's cube core
// and two vector cores are dispatched only by their owner, so a slot has one writer.
#include <cstring>

#include "dep_gen_capture.h"
#include "diagnostics.h"
#include "executor_common.h"

NPURUN_DEVICE_PROGRAM;

using namespace npurun_sim;

namespace {

constexpr int kBadArguments = 1;
constexpr int kBadImage = 2;
constexpr int kKernelUnresolved = 3;
constexpr int kStopped = 4;
constexpr uint32_t kMaxOwnedBlocks = 64;
constexpr long kIdleWaitUs = 1000;

struct OwnedCore {
  uint32_t coreId;
  bool busy;
  uint32_t seq;
  uint32_t taskId;
};

struct OwnedBlock {
  uint32_t block;
  OwnedCore cores[3];  // cube, vector 0, vector 1
  uint32_t mixedTask;  // NPURUN_RT_NONE unless a mixed task holds the whole block
  uint32_t mixedPartsLeft;
};

class Scheduler {
 public:
  Scheduler(const npurun_aicpu_ctx* ctx, const npurun_kernel_args* kargs, RuntimeView rt, DispatchView dispatch)
      : ctx_(ctx), kargs_(kargs), rt_(rt), d_(dispatch), diag_(ctx, kargs, rt, dispatch) {
    const uint32_t schedulers = d_.header->scheduler_threads;
    for (uint32_t b = ctx->thread_idx; b < d_.header->block_num && ownedCount_ < kMaxOwnedBlocks; b += schedulers) {
      OwnedBlock& ob = owned_[ownedCount_++];
      ob.block = b;
      ob.cores[0] = OwnedCore{b, false, 0, 0};
      ob.cores[1] = OwnedCore{d_.header->block_num + 2 * b, false, 0, 0};
      ob.cores[2] = OwnedCore{d_.header->block_num + 2 * b + 1, false, 0, 0};
      ob.mixedTask = NPURUN_RT_NONE;
      ob.mixedPartsLeft = 0;
      for (const OwnedCore& core : ob.cores) diag_.ownCore(core.coreId);
    }
  }

  int run() {
    const uint32_t taskCount = rt_.header->task_count;
    uint32_t* wake = &d_.header->scheduler_wake[ctx_->thread_idx];
    int result = 0;
    for (;;) {
      if (NPURUN_SHOULD_STOP(ctx_)) {
        result = kStopped;
        break;
      }
      const uint32_t wakeSnapshot = load(wake);
      diag_.loopStarted();
      bool progress = collectCompletions();
      diag_.completionsCollected();
      progress = dispatchReadyTasks() || progress;
      diag_.dispatchesDone();
      if (load(&d_.header->failed) != 0) {
        result = kKernelUnresolved;
        break;
      }
      if (load(&d_.header->completed) == taskCount) break;
      if (!progress) futexWait(wake, wakeSnapshot, kIdleWaitUs);
    }
    releaseCores();
    diag_.threadFinished();
    return result;
  }

 private:
  bool collectCompletions() {
    bool progress = false;
    for (uint32_t i = 0; i < ownedCount_; ++i) {
      OwnedBlock& ob = owned_[i];
      for (OwnedCore& core : ob.cores) {
        if (!core.busy) continue;
        npurun_core_slot& slot = d_.slots[core.coreId];
        if (load(&slot.done_seq) != core.seq) continue;
        core.busy = false;
        progress = true;
        diag_.taskRanOnCore(core.taskId, slot);
        if (ob.mixedTask == core.taskId && --ob.mixedPartsLeft > 0) continue;
        if (ob.mixedTask == core.taskId) ob.mixedTask = NPURUN_RT_NONE;
        finish(core.taskId);
      }
    }
    return progress;
  }

  // Marks a task done and releases its successors; wakes every scheduler, since a successor may
  // only fit cores another scheduler owns.
  void finish(uint32_t taskId) {
    npurun_rt_task& task = rt_.tasks[taskId];
    store(&task.state, kTaskDone);
    diag_.taskFinished(taskId);
    for (uint32_t s = 0; s < task.successor_count; ++s) {
      npurun_rt_task& next = rt_.tasks[rt_.successors[task.successor_offset + s]];
      fetchSub(&next.pending, 1);
    }
    fetchAdd(&d_.header->completed, 1);
    for (uint32_t t = 0; t < d_.header->scheduler_threads; ++t) {
      fetchAdd(&d_.header->scheduler_wake[t], 1);
      futexWakeAll(&d_.header->scheduler_wake[t]);
    }
  }

  OwnedCore* idleCore(uint32_t kind) {  // kind 0 = cube, 1 = vector
    for (uint32_t i = 0; i < ownedCount_; ++i) {
      OwnedBlock& ob = owned_[i];
      if (ob.mixedTask != NPURUN_RT_NONE) continue;
      if (kind == 0 && !ob.cores[0].busy) return &ob.cores[0];
      if (kind == 1) {
        if (!ob.cores[1].busy) return &ob.cores[1];
        if (!ob.cores[2].busy) return &ob.cores[2];
      }
    }
    return nullptr;
  }

  OwnedBlock* idleBlock() {
    for (uint32_t i = 0; i < ownedCount_; ++i) {
      OwnedBlock& ob = owned_[i];
      if (ob.mixedTask == NPURUN_RT_NONE && !ob.cores[0].busy && !ob.cores[1].busy && !ob.cores[2].busy) return &ob;
    }
    return nullptr;
  }

  void handOver(OwnedCore& core, uint32_t taskId, uint32_t kernelId, uint32_t subBlock) {
    npurun_core_slot& slot = d_.slots[core.coreId];
    slot.task_id = taskId;
    slot.kernel_id = kernelId;
    slot.sub_block_idx = subBlock;
    slot.block_idx = 0;
    slot.block_num = 1;
    slot.dispatch_timestamp = ctx_->sim->read_timestamp();
    diag_.coreDispatching(core.coreId);
    core.busy = true;
    core.taskId = taskId;
    core.seq = load(&slot.seq) + 1;
    store(&slot.seq, core.seq);
    futexWakeAll(&slot.seq);
  }

  bool dispatchReadyTasks() {
    bool progress = false;
    const uint32_t taskCount = rt_.header->task_count;
    for (uint32_t id = 0; id < taskCount; ++id) {
      npurun_rt_task& task = rt_.tasks[id];
      if (load(&task.state) != kTaskWaiting || load(&task.pending) != 0) continue;
      if (task.flags & NPURUN_RT_TASK_DUMMY) {
        if (!claim(&task.state, kTaskWaiting, kTaskClaimed)) continue;
        finish(id);  // orders its successors; never runs a kernel or touches memory
        progress = true;
        continue;
      }
      if (task.core_type == NPURUN_RT_CORE_MIXED) {
        OwnedBlock* block = idleBlock();
        if (block == nullptr || !claim(&task.state, kTaskWaiting, kTaskClaimed)) continue;
        diag_.taskDispatched(id);
        block->mixedTask = id;
        block->mixedPartsLeft = 3;
        handOver(block->cores[0], id, task.kernel_ids[0], 0);
        handOver(block->cores[1], id, task.kernel_ids[1], 0);
        handOver(block->cores[2], id, task.kernel_ids[2], 1);
        progress = true;
        continue;
      }
      OwnedCore* core = idleCore(task.core_type == NPURUN_RT_CORE_CUBE ? 0 : 1);
      if (core == nullptr || !claim(&task.state, kTaskWaiting, kTaskClaimed)) continue;
      diag_.taskDispatched(id);
      handOver(*core, id, task.kernel_ids[0], 0);
      progress = true;
    }
    return progress;
  }

  void releaseCores() {
    for (uint32_t i = 0; i < ownedCount_; ++i) {
      for (OwnedCore& core : owned_[i].cores) {
        npurun_core_slot& slot = d_.slots[core.coreId];
        store(&slot.exit, 1);
        fetchAdd(&slot.seq, 0);
        futexWakeAll(&slot.seq);
      }
    }
  }

  const npurun_aicpu_ctx* ctx_;
  const npurun_kernel_args* kargs_;
  RuntimeView rt_;
  DispatchView d_;
  Diagnostics diag_;
  OwnedBlock owned_[kMaxOwnedBlocks];
  uint32_t ownedCount_ = 0;
};

bool openRun(void* args, uint64_t size, const npurun_kernel_args** kargs, RuntimeView* rt, DispatchView* d) {
  if (size < sizeof(npurun_kernel_args)) return false;
  *kargs = static_cast<const npurun_kernel_args*>(args);
  return RuntimeView::open((*kargs)->runtime_args, rt) && DispatchView::open((*kargs)->regs, d);
}

}  // namespace

NPURUN_DEVICE_EXPORT int npurun_aicpu_init(const npurun_aicpu_ctx* ctx, void* args, uint64_t size) {
  const npurun_kernel_args* kargs = nullptr;
  RuntimeView rt{};
  DispatchView d{};
  if (size < sizeof(npurun_kernel_args)) return kBadArguments;
  if (!openRun(args, size, &kargs, &rt, &d)) return kBadImage;
  OrchestratorDiagnostics diag(ctx, kargs, rt, d);
  for (uint32_t i = 0; i < rt.header->task_count; ++i) {
    const uint64_t start = diag.clock();
    rt.tasks[i].pending = rt.tasks[i].pred_count;
    rt.tasks[i].state = kTaskWaiting;
    diag.taskPrepared(i, start);
  }
  diag.finished();
  d.header->completed = 0;
  d.header->failed = 0;
  d.header->schedulers_done = 0;
  d.header->start_timestamp = ctx->sim->read_timestamp();
  captureDepGen(ctx, kargs, rt);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  return 0;
}

NPURUN_DEVICE_EXPORT int npurun_aicpu_run(const npurun_aicpu_ctx* ctx, void* args, uint64_t size) {
  const npurun_kernel_args* kargs = nullptr;
  RuntimeView rt{};
  DispatchView d{};
  if (size < sizeof(npurun_kernel_args)) return kBadArguments;
  if (!openRun(args, size, &kargs, &rt, &d)) return kBadImage;
  if (ctx->thread_idx >= d.header->scheduler_threads) return 0;  // helper threads: nothing to do here
  int result = 0;
  {
    Scheduler scheduler(ctx, kargs, rt, d);
    result = scheduler.run();
  }
  if (fetchAdd(&d.header->schedulers_done, 1) + 1 == d.header->scheduler_threads) {
    // The last scheduler out closes the run: report the wall time (each scheduler flushed its own
    // diagnostics on its way out).
    const uint64_t end = ctx->sim->read_timestamp();
    if (kargs->device_wall_data_base != 0) {
      *at<uint64_t>(kargs->device_wall_data_base) = ticksToNs(end - d.header->start_timestamp, ctx->sim->timestamp_hz);
    }
  }
  return result;
}
