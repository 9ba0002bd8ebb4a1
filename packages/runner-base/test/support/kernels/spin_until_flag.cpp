// spin_until_flag (cube): a kernel that hangs on purpose, for the run-timeout tests. It waits until
// the u32 at args[0] becomes non-zero, which the tests never do, so the run's timeout is what ends
// the run. It polls the kernel ABI's stop flag, which finalize raises (device reset) before it
// joins the core threads, so finalize returns promptly; args[1] milliseconds bound the wait as a
// safety net should the stop flag ever not arrive.
// args: [0] flag (device address of a u32), [1] give-up time in ms (scalar)
#include <time.h>

#include <npurun/sim_kernel.h>

NPURUN_DEVICE_PROGRAM;

namespace {

uint64_t monotonicMs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000u + static_cast<uint64_t>(now.tv_nsec) / 1000000u;
}

}  // namespace

NPURUN_KERNEL(spin_until_flag) {
  const uint32_t* flag = reinterpret_cast<const uint32_t*>(args[0]);
  const uint64_t giveUpMs = args[1];
  const uint64_t start = monotonicMs();
  while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == 0u && !NPURUN_KERNEL_SHOULD_STOP(ctx) &&
         monotonicMs() - start < giveUpMs) {
    const timespec nap{0, 1000000};  // 1 ms: a hung kernel need not burn a host core
    nanosleep(&nap, nullptr);
  }
}
