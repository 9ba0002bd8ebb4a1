#include "cann/vendor_error.h"

namespace npurun::cann {

void throwVendorError(ErrorCode code, const char* op, const std::string& call, rtError rc) {
  throw HalException(code, op, std::string(op) + ": " + call + " failed with CANN error " + std::to_string(rc), rc);
}

}  // namespace npurun::cann
