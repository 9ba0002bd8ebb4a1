// The simulated AI Core executor: every launched core waits on its dispatch slot, runs the task's
// kernel with the task's arguments and block context, reports completion, and returns when the AI
// CPU tells it to exit (or the simulator asks it to stop).
#include "diagnostics_aicore.h"
#include "executor_common.h"

NPURUN_DEVICE_PROGRAM;

using namespace npurun_sim;

namespace {

// Kernels resolved by this core, by kernel-table index (the simulator caches images; this saves
// the lookup on the hot path).
constexpr uint32_t kResolvedCache = 64;

npurun_kernel_fn resolve(const npurun_aicore_ctx* ctx, const RuntimeView& rt, uint32_t kernelId,
                         npurun_kernel_fn* cache) {
  if (kernelId < kResolvedCache && cache[kernelId] != nullptr) return cache[kernelId];
  if (kernelId >= rt.header->kernel_count) return nullptr;
  const npurun_rt_kernel& k = rt.kernels[kernelId];
  auto fn = reinterpret_cast<npurun_kernel_fn>(ctx->sim->resolve_kernel(
      ctx->sim->device, k.image_addr, k.image_size, reinterpret_cast<const char*>(k.entry)));
  if (kernelId < kResolvedCache) cache[kernelId] = fn;
  return fn;
}

}  // namespace

NPURUN_DEVICE_EXPORT void npurun_aicore_entry(const npurun_aicore_ctx* ctx, uint64_t kernel_args_addr) {
  const auto* kargs = at<const npurun_kernel_args>(kernel_args_addr);
  RuntimeView rt{};
  DispatchView dispatch{};
  if (!RuntimeView::open(kargs->runtime_args, &rt) || !DispatchView::open(kargs->regs, &dispatch)) return;
  if (ctx->core_id >= dispatch.header->core_num) return;
  npurun_core_slot* slot = &dispatch.slots[ctx->core_id];
  npurun_kernel_fn cache[kResolvedCache] = {};
  AicoreDiagnostics diag(ctx, kargs);
  uint32_t handled = 0;
  const uint32_t scheduler = (ctx->block_idx % dispatch.header->scheduler_threads);

  for (;;) {
    if (NPURUN_SHOULD_STOP(ctx)) return;
    const uint32_t seq = load(&slot->seq);
    if (seq == handled) {
      if (load(&slot->exit) != 0) return;
      futexWait(&slot->seq, seq, 2000);
      continue;
    }
    const uint32_t taskId = slot->task_id;
    const npurun_rt_task& task = rt.tasks[taskId];
    npurun_kernel_fn fn = resolve(ctx, rt, slot->kernel_id, cache);
    slot->start_timestamp = ctx->sim->read_timestamp();
    if (fn != nullptr) {
      const npurun_kernel_ctx kctx{ctx->core_type, slot->block_idx, slot->block_num, slot->sub_block_idx,
                                   ctx->core_type == NPURUN_CORE_VECTOR && task.core_type == NPURUN_RT_CORE_MIXED ? 2u : 1u,
                                   ctx->core_id, taskId, task.arg_count, ctx->stop_requested};
      // Published for fault reports: a crash inside the kernel then names its task and kernel.
      if (ctx->sim->set_current_task != nullptr) {
        ctx->sim->set_current_task(taskId, slot->kernel_id, reinterpret_cast<const char*>(rt.kernels[slot->kernel_id].entry));
      }
      fn(&kctx, rt.args + task.arg_offset);
      if (ctx->sim->set_current_task != nullptr) ctx->sim->set_current_task(0, 0, nullptr);
    } else {
      // A kernel that cannot be resolved fails the run; the scheduler reports which task.
      store(&dispatch.header->failed_task, taskId);
      store(&dispatch.header->failed_kernel, slot->kernel_id);
      store(&dispatch.header->failed, 1);
    }
    slot->end_timestamp = ctx->sim->read_timestamp();
    diag.taskDone(seq, slot->start_timestamp, slot->end_timestamp);
    handled = seq;
    store(&slot->done_seq, seq);
    fetchAdd(&dispatch.header->scheduler_wake[scheduler], 1);
    futexWakeAll(&dispatch.header->scheduler_wake[scheduler]);
  }
}
