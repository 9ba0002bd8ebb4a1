// The vendor runtime binds the current device to the calling OS thread: a thread that never called
// rtSetDevice (a libuv worker running synchronize, say) has no context, and after rtDeviceReset every
// thread's binding is stale. DeviceContext makes each vendor call site attach its thread first.
#pragma once

#include <atomic>
#include <cstdint>

#include "cann/vendor_api.h"

namespace npurun::cann {

class DeviceContext {
 public:
  DeviceContext(const VendorApi& api, int32_t deviceId);

  // rtSetDevice on the calling thread unless it is already bound to this device in the current
  // epoch. Throws VendorError (op names the HAL operation) if rtSetDevice fails.
  void attach(const char* op);
  // After rtDeviceReset: every thread must bind again before its next call.
  void invalidate();
  // True once any thread attached since the last invalidate (i.e. a device reset is owed).
  bool attachedSinceReset() const { return attachedSinceReset_.load(); }
  int32_t deviceId() const { return deviceId_; }

 private:
  const VendorApi& api_;
  int32_t deviceId_;
  // Epochs are unique across every DeviceContext in the process, so a thread that last served
  // another device (or this one before a reset) always binds again.
  std::atomic<uint64_t> epoch_;
  std::atomic<bool> attachedSinceReset_{false};
};

// The driver (libascend_hal) numbers devices physically, while the runtime uses logical ids that
// ASCEND_RT_VISIBLE_DEVICES remaps ("4,5,6,7": logical 2 is physical 6). Malformed lists and
// out-of-range ids leave the id unchanged, as the runtime itself does.
uint32_t driverDeviceId(int32_t logicalId, const char* visibleDevices);

}  // namespace npurun::cann
