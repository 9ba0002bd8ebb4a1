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

bool unclaimed(uint64_t claim) { return static_cast<uint32_t>(claim) < static_cast<uint32_t>(claim >> 32); }

}  // namespace

// Liveness: while a launch has unclaimed indices, some spare token is out. The operations on
// claim_ and spare_ are sequentially consistent, and every token ends in exactly one claim followed
// by one decrement of spare_; whoever makes the count drop to zero either sees that nothing is left
// to claim, or hands out a new token (after a claim with more left) or takes its own back (after a
// failed claim, if a re-read of claim_ shows indices left, e.g. of a launch that began meanwhile).
// A permit always finds a thread: fewer indices are claimed than the pool has threads.

CorePool::~CorePool() {
  std::lock_guard<std::mutex> turn(turn_);  // no launch is running: every thread sleeps or is about to
  stop_.store(true, std::memory_order_seq_cst);
  __atomic_fetch_add(&permits_, static_cast<uint32_t>(threads_.size()), __ATOMIC_SEQ_CST);
  futexWake(&permits_, INT_MAX);
  for (auto& t : threads_) t.join();
}

bool CorePool::takePermit() {
  for (;;) {
    uint32_t p = load(&permits_);
    while (p != 0) {
      if (__atomic_compare_exchange_n(&permits_, &p, p - 1, true, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        return !stop_.load(std::memory_order_acquire);
      }
    }
    futexWait(&permits_, 0);
  }
}

void CorePool::postPermit() {
  __atomic_fetch_add(&spare_, 1u, __ATOMIC_SEQ_CST);
  __atomic_fetch_add(&permits_, 1u, __ATOMIC_SEQ_CST);
  futexWake(&permits_, 1);
}

void CorePool::loop() {
  while (takePermit()) claimUntilNoneLeft();
}

void CorePool::claimUntilNoneLeft() {
  // The calling thread holds a spare token: it claims before it sleeps again.
  for (;;) {
    const uint64_t claim = __atomic_fetch_add(&claim_, 1ull, __ATOMIC_SEQ_CST);
    const uint32_t index = static_cast<uint32_t>(claim);
    const uint32_t cores = static_cast<uint32_t>(claim >> 32);
    if (index >= cores) {
      // Nothing left to claim (or a launch that is over): give the token back, unless a launch
      // with unclaimed indices started meanwhile and no other token may have seen it.
      __atomic_fetch_sub(&spare_, 1u, __ATOMIC_SEQ_CST);
      if (!unclaimed(__atomic_load_n(&claim_, __ATOMIC_SEQ_CST))) return;
      __atomic_fetch_add(&spare_, 1u, __ATOMIC_SEQ_CST);
      continue;
    }
    // Before the job (it may block for long): if indices are left and no other thread is on its
    // way to claim one, bring one more thread up.
    if (__atomic_sub_fetch(&spare_, 1u, __ATOMIC_SEQ_CST) == 0 && index + 1 < cores) postPermit();
    (*job_)(index);
    __atomic_fetch_add(&spare_, 1u, __ATOMIC_SEQ_CST);  // claims again before it sleeps
    if (__atomic_fetch_sub(&remaining_, 1u, __ATOMIC_ACQ_REL) == 1u) futexWake(&remaining_, 1);
  }
}

void CorePool::run(uint32_t n, const std::function<void(uint32_t)>& job) {
  if (n == 0) return;
  std::lock_guard<std::mutex> turn(turn_);
  while (threads_.size() < n) {
    threads_.emplace_back([this] {
      ThreadFaultScope faults;
      loop();
    });
  }
  job_ = &job;
  __atomic_store_n(&remaining_, n, __ATOMIC_RELEASE);
  __atomic_store_n(&claim_, static_cast<uint64_t>(n) << 32, __ATOMIC_SEQ_CST);
  // The launcher takes the first token itself instead of waking a pool thread for it and sleeping:
  // it would only wait for the launch anyway, and each wake-up of a thread costs tens of µs on a
  // busy or virtualised host. A launch whose jobs return at once then wakes no thread at all.
  __atomic_fetch_add(&spare_, 1u, __ATOMIC_SEQ_CST);
  claimUntilNoneLeft();
  for (uint32_t left = load(&remaining_); left != 0; left = load(&remaining_)) futexWait(&remaining_, left);
}

}  // namespace npurun::device
