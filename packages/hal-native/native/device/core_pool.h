// CorePool: the host threads that play a device's AI Core cores, kept across launches. Starting
// one host thread per core per launch cost ~40 µs a core (2.75 ms at 72 cores). Waking them one by
// one (a mutex and a condition variable each) still made launch latency grow with the core count,
// so a launch now wakes exactly the threads it needs with one futex call, and each woken thread
// claims the next core index itself. The cores are one resource of the device, so launches take
// turns.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace npurun::device {

class CorePool {
 public:
  CorePool() = default;
  ~CorePool();
  CorePool(const CorePool&) = delete;
  CorePool& operator=(const CorePool&) = delete;

  // Runs job(i) for every i in [0, n), each on its own pool thread, and returns when all have
  // returned. Callers on other threads wait for their turn.
  void run(uint32_t n, const std::function<void(uint32_t)>& job);

 private:
  // `seen`: the wake_ value the thread has already answered.
  void loop(uint32_t seen);

  std::mutex turn_;  // one launch at a time
  std::vector<std::thread> threads_;  // grown under turn_, never shrunk
  const std::function<void(uint32_t)>* job_ = nullptr;
  std::atomic<bool> stop_{false};
  // Futex word bumped once per launch (and at shutdown): what idle threads sleep on.
  alignas(64) uint32_t wake_ = 0;
  // The launch's core count (high half) and the next unclaimed core index (low half).
  alignas(64) uint64_t claim_ = 0;
  // Cores of the current launch still running; the launcher sleeps on it.
  alignas(64) uint32_t remaining_ = 0;
};

}  // namespace npurun::device
