// SimStream: an ordered queue of device work run on its own host thread, like a hardware stream.
// Work that fails makes the stream skip what was queued after it until a synchronize reports the
// failure (then the stream is usable again). Stopping raises the flag device code polls
// (NPURUN_SHOULD_STOP) and waits for the running work to return.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/hal_error.h"

namespace npurun::sim {

class SimStream {
 public:
  // Work gets the stream's stop flag; it throws HalException to report failure.
  using Work = std::function<void(const volatile uint32_t* stopFlag)>;

  explicit SimStream(uint32_t id);
  ~SimStream();
  SimStream(const SimStream&) = delete;
  SimStream& operator=(const SimStream&) = delete;

  uint32_t id() const { return id_; }
  void enqueue(Work work);
  // Blocks until the queue is drained, for at most timeoutMs. Throws the first failure of queued
  // work, SyncTimeout, or InvalidHandle when the stream is stopped meanwhile.
  void synchronize(uint32_t timeoutMs);
  // True when nothing is queued or running and no failure waits to be reported: a synchronize now
  // would return at once without throwing. Never blocks on device work.
  bool idle();
  // Raises the stop flag, drops queued work and joins the worker. Idempotent.
  void stop();

 private:
  void runLoop();

  const uint32_t id_;
  uint32_t stopFlag_ = 0;  // read by device code through __atomic loads
  std::mutex mu_;
  std::condition_variable workReady_;
  std::condition_variable idle_;
  std::deque<Work> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::optional<HalException> failure_;
  std::mutex joinMu_;
  std::thread worker_;
};

}  // namespace npurun::sim
