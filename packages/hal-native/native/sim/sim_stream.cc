#include "sim/sim_stream.h"

#include <chrono>

namespace npurun::sim {

SimStream::SimStream(uint32_t id) : id_(id) { worker_ = std::thread([this] { runLoop(); }); }

SimStream::~SimStream() { stop(); }

void SimStream::enqueue(Work work) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) {
    throw HalException(ErrorCode::InvalidHandle, "launch", "launch: stream " + std::to_string(id_) + " was destroyed");
  }
  queue_.push_back(std::move(work));
  workReady_.notify_one();
}

void SimStream::runLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    workReady_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    Work work = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    const bool skip = failure_.has_value();
    lock.unlock();
    std::optional<HalException> error;
    if (!skip) {
      try {
        work(&stopFlag_);
      } catch (const HalException& e) {
        error = e;
      } catch (const std::exception& e) {
        error = HalException(ErrorCode::Internal, "launch", std::string("launch: ") + e.what());
      }
    }
    lock.lock();
    busy_ = false;
    if (error && !failure_) failure_ = std::move(error);
    if (queue_.empty()) idle_.notify_all();
  }
  busy_ = false;
  queue_.clear();
  idle_.notify_all();
}

void SimStream::synchronize(uint32_t timeoutMs) {
  std::unique_lock<std::mutex> lock(mu_);
  const bool done = idle_.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                                   [this] { return stopping_ || (queue_.empty() && !busy_); });
  if (stopping_) {
    throw HalException(ErrorCode::InvalidHandle, "synchronize",
                       "synchronize: stream " + std::to_string(id_) + " was destroyed while waiting");
  }
  if (!done) {
    throw HalException(ErrorCode::SyncTimeout, "synchronize",
                       "synchronize: stream " + std::to_string(id_) + " did not finish within " +
                           std::to_string(timeoutMs) + " ms");
  }
  if (failure_) {
    HalException e = std::move(*failure_);
    failure_.reset();
    throw e;
  }
}

bool SimStream::idle() {
  std::lock_guard<std::mutex> lock(mu_);
  return !stopping_ && queue_.empty() && !busy_ && !failure_;
}

void SimStream::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    __atomic_store_n(&stopFlag_, 1u, __ATOMIC_RELAXED);
    workReady_.notify_all();
    idle_.notify_all();
  }
  std::lock_guard<std::mutex> joinLock(joinMu_);
  if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) worker_.join();
}

}  // namespace npurun::sim
