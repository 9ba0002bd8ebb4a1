// Shared pieces of the simulated runtime's executors (AI CPU scheduler and AI Core worker):
// atomics and futex waits on device memory, and typed views of the runtime image.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>

#include <npurun/device_abi.h>
#include <npurun/kernel_args.h>
#include <npurun/runtime_image.h>
#include <npurun/sim_dispatch.h>
#include <npurun/sim_kernel.h>

namespace npurun_sim {

template <typename T>
inline T* at(uint64_t addr) {
  return reinterpret_cast<T*>(static_cast<uintptr_t>(addr));
}

inline uint32_t load(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
inline void store(uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
inline uint32_t fetchAdd(uint32_t* p, uint32_t v) { return __atomic_fetch_add(p, v, __ATOMIC_ACQ_REL); }
inline uint32_t fetchSub(uint32_t* p, uint32_t v) { return __atomic_fetch_sub(p, v, __ATOMIC_ACQ_REL); }
inline bool claim(uint32_t* p, uint32_t from, uint32_t to) {
  return __atomic_compare_exchange_n(p, &from, to, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

// Sleeps until *word != expected, a wake, or timeoutUs passes. Waits are bounded so every loop
// also notices the stop flag: no device thread outlives a run's end or a timeout.
inline void futexWait(uint32_t* word, uint32_t expected, long timeoutUs) {
  timespec timeout{timeoutUs / 1000000, (timeoutUs % 1000000) * 1000};
  syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, &timeout, nullptr, 0);
}
inline void futexWakeAll(uint32_t* word) { syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr, 0); }

// Task states (npurun_rt_task.state).
constexpr uint32_t kTaskWaiting = 0;  // ready once pending == 0
constexpr uint32_t kTaskClaimed = 1;
constexpr uint32_t kTaskDone = 2;

struct RuntimeView {
  npurun_rt_header* header;
  npurun_rt_task* tasks;
  npurun_rt_kernel* kernels;
  uint64_t* args;
  uint32_t* successors;

  static bool open(uint64_t imageAddr, RuntimeView* view) {
    auto* h = at<npurun_rt_header>(imageAddr);
    if (h == nullptr || h->magic != NPURUN_RT_MAGIC || h->version != NPURUN_RT_VERSION) return false;
    auto* base = at<uint8_t>(imageAddr);
    view->header = h;
    view->tasks = reinterpret_cast<npurun_rt_task*>(base + h->tasks_offset);
    view->kernels = reinterpret_cast<npurun_rt_kernel*>(base + h->kernels_offset);
    view->args = reinterpret_cast<uint64_t*>(base + h->args_offset);
    view->successors = reinterpret_cast<uint32_t*>(base + h->successors_offset);
    return true;
  }
};

struct DispatchView {
  npurun_dispatch_header* header;
  npurun_core_slot* slots;

  static bool open(uint64_t addr, DispatchView* view) {
    auto* h = at<npurun_dispatch_header>(addr);
    if (h == nullptr || h->magic != NPURUN_DISPATCH_MAGIC) return false;
    view->header = h;
    view->slots = reinterpret_cast<npurun_core_slot*>(at<uint8_t>(addr) + sizeof(npurun_dispatch_header));
    return true;
  }
};

inline uint64_t ticksToNs(uint64_t ticks, uint64_t hz) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(ticks) * 1000000000u / hz);
}

}  // namespace npurun_sim
