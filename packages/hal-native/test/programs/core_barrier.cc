// Test device program: an AI Core executor whose every core counts its run, then waits until every
// core of the launch has arrived (a barrier in device memory). It finishes only if all cores of a
// launch run at once, as the runtime's AI Core executor needs (its cores wait for the AI CPU
// scheduler, which may wait for all of them).
#include <linux/futex.h>
#include <npurun/device_abi.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <ctime>

NPURUN_DEVICE_PROGRAM;

NPURUN_DEVICE_EXPORT void npurun_aicore_entry(const npurun_aicore_ctx* ctx, uint64_t kernel_args_addr) {
  // The launch argument: u32[1 + core_num] of device memory, zeroed by the host before each launch:
  // the count of cores that arrived, then each core's count of runs.
  auto* words = reinterpret_cast<uint32_t*>(kernel_args_addr);
  uint32_t* const count = &words[0];
  __atomic_fetch_add(&words[1 + ctx->core_id], 1u, __ATOMIC_RELAXED);
  uint32_t arrived = __atomic_add_fetch(count, 1u, __ATOMIC_ACQ_REL);
  if (arrived == ctx->core_num) {
    syscall(SYS_futex, count, FUTEX_WAKE, 0x7fffffff, nullptr, nullptr, 0);
    return;
  }
  // Block in the kernel like the runtime's executor does, waking now and then to honour a stop.
  const timespec slice{0, 5'000'000};
  while ((arrived = __atomic_load_n(count, __ATOMIC_ACQUIRE)) < ctx->core_num) {
    if (NPURUN_SHOULD_STOP(ctx)) return;
    syscall(SYS_futex, count, FUTEX_WAIT, arrived, &slice, nullptr, 0);
  }
}
