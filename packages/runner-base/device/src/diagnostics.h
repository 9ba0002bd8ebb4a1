// The simulated runtime's diagnostics: what the AI CPU executor records while it schedules.
// Each enabled diagnostic (KernelArgs enable_profiling_flag) produces records through the
// collectors' producer library; a disabled one costs a flag test.
#pragma once

#include "executor_common.h"

namespace npurun_sim {

class Diagnostics {
 public:
  Diagnostics(const npurun_aicpu_ctx* ctx, const npurun_kernel_args* kargs, const RuntimeView& rt,
              const DispatchView& dispatch)
      : ctx_(ctx), kargs_(kargs), rt_(rt), d_(dispatch) {}

  static void runStarted(const npurun_aicpu_ctx*, const npurun_kernel_args*, const RuntimeView&, const DispatchView&) {}
  static void runFinished(const npurun_aicpu_ctx*, const npurun_kernel_args*, const RuntimeView&, const DispatchView&) {}

  void taskDispatched(uint32_t) {}
  void taskRanOnCore(uint32_t, const npurun_core_slot&) {}
  void taskFinished(uint32_t) {}

 private:
  [[maybe_unused]] const npurun_aicpu_ctx* ctx_;
  [[maybe_unused]] const npurun_kernel_args* kargs_;
  [[maybe_unused]] RuntimeView rt_;
  [[maybe_unused]] DispatchView d_;
};

}  // namespace npurun_sim
