#include "cann/device_context.h"

#include <cctype>
#include <string>
#include <vector>

#include "cann/vendor_error.h"

namespace npurun::cann {
namespace {

std::atomic<uint64_t> gNextEpoch{1};

// What the calling thread is bound to; one slot because the runtime keeps one current device per
// thread.
thread_local uint64_t tBoundEpoch = 0;

}  // namespace

DeviceContext::DeviceContext(const VendorApi& api, int32_t deviceId)
    : api_(api), deviceId_(deviceId), epoch_(gNextEpoch.fetch_add(1)) {}

void DeviceContext::attach(const char* op) {
  const uint64_t epoch = epoch_.load();
  if (tBoundEpoch == epoch) return;
  checkVendor(api_.rtSetDevice(deviceId_), op, "rtSetDevice(" + std::to_string(deviceId_) + ")");
  tBoundEpoch = epoch;
  attachedSinceReset_.store(true);
}

void DeviceContext::invalidate() {
  epoch_.store(gNextEpoch.fetch_add(1));
  attachedSinceReset_.store(false);
}

uint32_t driverDeviceId(int32_t logicalId, const char* visibleDevices) {
  const auto identity = static_cast<uint32_t>(logicalId);
  if (visibleDevices == nullptr || logicalId < 0) return identity;
  std::vector<uint32_t> ids;
  std::string cur;
  bool digits = false;
  bool ended = false;  // whitespace after digits: another digit would make "1 2" read as 12
  const std::string list = std::string(visibleDevices) + ",";
  for (char c : list) {
    if (c == ',') {
      if (!digits || cur.size() > 9) return identity;
      ids.push_back(static_cast<uint32_t>(std::stoul(cur)));
      cur.clear();
      digits = ended = false;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      if (ended) return identity;
      cur.push_back(c);
      digits = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ended = digits;
    } else {
      return identity;
    }
  }
  if (static_cast<size_t>(logicalId) >= ids.size()) return identity;
  return ids[static_cast<size_t>(logicalId)];
}

}  // namespace npurun::cann
