#include "device/core_pool.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

#include "device/fault_handler.h"

namespace npurun::device {

namespace {

// Every thread of the pool is in this process: the private futex operations suffice.
void futexWait(uint32_t* word, uint32_t expected) {
  syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}
void futexWake(uint32_t* word, int count) { syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0); }

uint32_t load(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

}  // namespace

CorePool::~CorePool() {
  std::lock_guard<std::mutex> turn(turn_);
  stop_.store(true, std::memory_order_release);
  __atomic_fetch_add(&wake_, 1u, __ATOMIC_ACQ_REL);
  futexWake(&wake_, INT_MAX);
  for (auto& t : threads_) t.join();
}

void CorePool::loop(uint32_t seen) {
  for (;;) {
    while (load(&wake_) == seen && !stop_.load(std::memory_order_acquire)) futexWait(&wake_, seen);
    if (stop_.load(std::memory_order_acquire)) return;
    seen = load(&wake_);
    const uint64_t claim = __atomic_fetch_add(&claim_, 1ull, __ATOMIC_ACQ_REL);
    const uint32_t index = static_cast<uint32_t>(claim);
    const uint32_t cores = static_cast<uint32_t>(claim >> 32);
    if (index >= cores) continue;  // woken with nothing left to claim: back to sleep
    (*job_)(index);
    if (__atomic_fetch_sub(&remaining_, 1u, __ATOMIC_ACQ_REL) == 1u) futexWake(&remaining_, 1);
  }
}

void CorePool::run(uint32_t n, const std::function<void(uint32_t)>& job) {
  if (n == 0) return;
  std::lock_guard<std::mutex> turn(turn_);
  // New threads count from the value before this launch's bump, so they take part in it.
  const uint32_t before = load(&wake_);
  while (threads_.size() < n) {
    threads_.emplace_back([this, before] {
      ThreadFaultScope faults;
      loop(before);
    });
  }
  job_ = &job;
  __atomic_store_n(&remaining_, n, __ATOMIC_RELEASE);
  __atomic_store_n(&claim_, static_cast<uint64_t>(n) << 32, __ATOMIC_RELEASE);
  __atomic_fetch_add(&wake_, 1u, __ATOMIC_ACQ_REL);
  // One call wakes n sleeping threads; threads that were still awake see the new launch by themselves.
  futexWake(&wake_, static_cast<int>(n));
  for (uint32_t left = load(&remaining_); left != 0; left = load(&remaining_)) futexWait(&remaining_, left);
}

}  // namespace npurun::device
