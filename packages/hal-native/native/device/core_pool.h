// CorePool: the host threads that play a device's AI Core cores, kept across launches. Starting
// one host thread per core per launch cost ~40 µs a core (2.75 ms at 72 cores); a pool wakes only
// the threads a launch needs. The cores are one resource of the device, so launches take turns.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
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
  struct Worker {
    std::mutex mu;
    std::condition_variable wake;
    const std::function<void(uint32_t)>* job = nullptr;  // set: run it once
    bool stop = false;
    std::thread thread;
  };

  void loop(Worker& w, uint32_t index);

  std::mutex turn_;  // one launch at a time
  std::mutex doneMu_;
  std::condition_variable done_;
  uint32_t remaining_ = 0;
  std::vector<std::unique_ptr<Worker>> workers_;  // grown under turn_, never shrunk
};

}  // namespace npurun::device
