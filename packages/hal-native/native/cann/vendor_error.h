// Turning a vendor return code into a HalException that names the HAL operation, the vendor call
// and its numeric code (HalError.backendCode), so a failure on hardware can be looked up in the
// CANN error tables without a debugger.
#pragma once

#include <string>

#include "cann/vendor_api.h"
#include "core/hal_error.h"

namespace npurun::cann {

// "malloc: rtMalloc(size=64, HBM) failed with CANN error 207001"
[[noreturn]] void throwVendorError(ErrorCode code, const char* op, const std::string& call, rtError rc);

// Throws VendorError unless rc is success.
inline void checkVendor(rtError rc, const char* op, const std::string& call) {
  if (rc != kRtSuccess) throwVendorError(ErrorCode::VendorError, op, call, rc);
}

}  // namespace npurun::cann
