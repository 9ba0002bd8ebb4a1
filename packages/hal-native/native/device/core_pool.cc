#include "device/core_pool.h"

#include "device/fault_handler.h"

namespace npurun::device {

CorePool::~CorePool() {
  std::lock_guard<std::mutex> turn(turn_);
  for (auto& w : workers_) {
    {
      std::lock_guard<std::mutex> lock(w->mu);
      w->stop = true;
    }
    w->wake.notify_one();
  }
  for (auto& w : workers_) w->thread.join();
}

void CorePool::loop(Worker& w, uint32_t index) {
  for (;;) {
    const std::function<void(uint32_t)>* job = nullptr;
    {
      std::unique_lock<std::mutex> lock(w.mu);
      w.wake.wait(lock, [&w] { return w.stop || w.job != nullptr; });
      if (w.stop) return;
      job = w.job;
      w.job = nullptr;
    }
    (*job)(index);
    std::lock_guard<std::mutex> lock(doneMu_);
    if (--remaining_ == 0) done_.notify_one();
  }
}

void CorePool::run(uint32_t n, const std::function<void(uint32_t)>& job) {
  if (n == 0) return;
  std::lock_guard<std::mutex> turn(turn_);
  while (workers_.size() < n) {
    workers_.push_back(std::make_unique<Worker>());
    Worker& w = *workers_.back();
    const uint32_t index = static_cast<uint32_t>(workers_.size() - 1);
    w.thread = std::thread([this, &w, index] {
      ThreadFaultScope faults;
      loop(w, index);
    });
  }
  {
    std::lock_guard<std::mutex> lock(doneMu_);
    remaining_ = n;
  }
  for (uint32_t i = 0; i < n; ++i) {
    Worker& w = *workers_[i];
    {
      std::lock_guard<std::mutex> lock(w.mu);
      w.job = &job;
    }
    w.wake.notify_one();
  }
  std::unique_lock<std::mutex> lock(doneMu_);
  done_.wait(lock, [this] { return remaining_ == 0; });
}

}  // namespace npurun::device
