// DeviceStream: one stream's ordered queue of device work, run on its own thread of the device
// process, like a hardware stream. Progress goes to the stream's slot in the control block, where
// the host waits for it. Work that fails makes the stream skip what was queued after it until the
// host has reported the failure (it clears the slot's `failed`).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "wire/protocol.h"

namespace npurun::device {

class DeviceStream {
 public:
  // Work gets the stream's stop flag; it throws HalException to report failure.
  using Work = std::function<void(const volatile uint32_t* stopFlag)>;

  explicit DeviceStream(wire::StreamSlot* slot);
  ~DeviceStream();
  DeviceStream(const DeviceStream&) = delete;
  DeviceStream& operator=(const DeviceStream&) = delete;

  void enqueue(Work work);
  // Raises the stop flag, drops queued work and waits for the running work to return. Idempotent.
  void stop();

 private:
  void runLoop();
  void complete();

  wire::StreamSlot* slot_;
  std::mutex mu_;
  std::condition_variable workReady_;
  std::deque<Work> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace npurun::device
