#include "device/device_stream.h"

#include <cstring>
#include <string>

#include "core/hal_error.h"
#include "device/fault_handler.h"
#include "wire/futex.h"

namespace npurun::device {

DeviceStream::DeviceStream(wire::ControlBlock* control, uint32_t slot)
    : control_(control), slot_(&control->streams[slot]) {
  worker_ = std::thread([this] {
    ThreadFaultScope faults;
    runLoop();
  });
}

DeviceStream::~DeviceStream() { stop(); }

void DeviceStream::enqueue(Work work) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(work));
  workReady_.notify_one();
}

void DeviceStream::complete() {
  const uint32_t completed = __atomic_add_fetch(&slot_->completed, 1u, __ATOMIC_ACQ_REL);
  wire::futexWakeAll(&slot_->completed);
  wire::notifyHost(control_, slot_, completed, wire::kNotifyFd);
}

void DeviceStream::runLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    workReady_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    Work work = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    if (wire::loadAcquire(&slot_->failed) == 0) {
      try {
        work(&slot_->stop);
      } catch (const HalException& e) {
        slot_->failCode = static_cast<int32_t>(e.code());
        slot_->hasBackendCode = e.backendCode().has_value() ? 1 : 0;
        slot_->failBackendCode = e.backendCode().value_or(0);
        copyName(slot_->failOp, sizeof slot_->failOp, e.op().c_str());
        copyName(slot_->failMessage, sizeof slot_->failMessage, e.what());
        wire::storeRelease(&slot_->failed, 1);
      }
    }
    complete();
    lock.lock();
  }
  queue_.clear();
  wire::storeRelease(&slot_->exited, 1);
  wire::futexWakeAll(&slot_->completed);
  if (wire::hostWaits(control_)) wire::signalHost(wire::kNotifyFd);
}

void DeviceStream::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wire::storeRelease(&slot_->stop, 1);
    workReady_.notify_all();
  }
  if (worker_.joinable()) worker_.join();
}

}  // namespace npurun::device
