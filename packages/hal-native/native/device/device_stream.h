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

#include "device/core_pool.h"
#include "wire/protocol.h"

namespace npurun::device {

class DeviceStream {
 public:
  // Work gets the stream's stop flag; it throws HalException to report failure.
  using Work = std::function<void(const volatile uint32_t* stopFlag)>;

  DeviceStream(wire::ControlBlock* control, uint32_t slot);
  ~DeviceStream();
  DeviceStream(const DeviceStream&) = delete;
  DeviceStream& operator=(const DeviceStream&) = delete;

  void enqueue(Work work);
  // The host threads this stream's AI CPU launches run on, kept across launches (a stream runs one
  // launch at a time, so one pool per stream keeps launches on different streams independent).
  CorePool& aicpuThreads() { return aicpuThreads_; }
  // Raises the stop flag, drops queued work and waits for the running work to return. Idempotent.
  void stop();

 private:
  void runLoop();
  void complete();

  wire::ControlBlock* control_;
  wire::StreamSlot* slot_;
  CorePool aicpuThreads_;  // declared before worker_: destroyed after the worker has stopped
  std::mutex mu_;
  std::condition_variable workReady_;
  std::deque<Work> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace npurun::device
