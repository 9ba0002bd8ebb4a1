// CorePool: the host threads that play a device's AI Core cores (or a stream's AI CPU threads),
// kept across launches. Starting one host thread per core per launch cost ~40 µs a core (2.75 ms
// at 72 cores); waking every core's thread at launch (one by one, or with one futex call that
// still wakes them one after the other) made launch latency grow with the core count.
//
// So a launch wakes lazily. Work is a claim counter of core indices; a thread that is awake and
// about to claim holds a "spare" token. The launching thread takes the first token itself and
// claims like any pool thread, sleeping only once nothing is left to claim. A thread that claims an
// index while more indices are unclaimed and no other token is out hands out a new token (wakes one
// more thread) before it runs the job, and after the job it claims again before it sleeps. Short
// jobs are thus run by the few threads that are awake (a launch of them may wake none); jobs that
// block (the runtime's AI Core executor waits for its scheduler) each bring up the next thread,
// so every index still gets a thread of its own and all of them run at once. The cores are one
// resource of the device, so launches take turns.
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

  // Runs job(i) for every i in [0, n), each on a pool thread or the calling one (a thread may run
  // several indices one after the other, but an index whose job blocks never keeps another index
  // from starting), and returns when all have returned. Callers on other threads wait for their
  // turn.
  void run(uint32_t n, const std::function<void(uint32_t)>& job);

 private:
  void loop();
  // Claims and runs indices of the current launch until none is left; the caller holds a token.
  void claimUntilNoneLeft();
  // Blocks until the calling thread gets a permit (then it holds a spare token); false at shutdown.
  bool takePermit();
  // Hands out one spare token: a permit and a wake-up of one sleeping thread.
  void postPermit();

  std::mutex turn_;  // one launch at a time
  std::vector<std::thread> threads_;  // grown under turn_, never shrunk
  const std::function<void(uint32_t)>* job_ = nullptr;
  std::atomic<bool> stop_{false};
  // Futex word: wake-ups handed out and not yet taken (a counting semaphore); idle threads sleep on it.
  alignas(64) uint32_t permits_ = 0;
  // Spare tokens: threads that will claim an index before they sleep, plus permits not yet taken.
  alignas(64) uint32_t spare_ = 0;
  // The launch's core count (high half) and the next unclaimed core index (low half).
  alignas(64) uint64_t claim_ = 0;
  // Cores of the current launch still running; the launcher sleeps on it.
  alignas(64) uint32_t remaining_ = 0;
};

}  // namespace npurun::device
