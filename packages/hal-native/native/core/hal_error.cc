#include "core/hal_error.h"

#include <cstdio>

namespace npurun {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "HAL_INVALID_ARGUMENT";
    case ErrorCode::InvalidPlatform: return "HAL_INVALID_PLATFORM";
    case ErrorCode::OutOfMemory: return "HAL_OUT_OF_MEMORY";
    case ErrorCode::InvalidAddress: return "HAL_INVALID_ADDRESS";
    case ErrorCode::OutOfBounds: return "HAL_OUT_OF_BOUNDS";
    case ErrorCode::StillMapped: return "HAL_STILL_MAPPED";
    case ErrorCode::MappingState: return "HAL_MAPPING_STATE";
    case ErrorCode::InvalidBinary: return "HAL_INVALID_BINARY";
    case ErrorCode::MissingSymbol: return "HAL_MISSING_SYMBOL";
    case ErrorCode::InvalidBlockDim: return "HAL_INVALID_BLOCK_DIM";
    case ErrorCode::InvalidThreadCount: return "HAL_INVALID_THREAD_COUNT";
    case ErrorCode::UnknownKernel: return "HAL_UNKNOWN_KERNEL";
    case ErrorCode::InvalidHandle: return "HAL_INVALID_HANDLE";
    case ErrorCode::DeviceClosed: return "HAL_DEVICE_CLOSED";
    case ErrorCode::SyncTimeout: return "HAL_SYNC_TIMEOUT";
    case ErrorCode::KernelFailed: return "HAL_KERNEL_FAILED";
    case ErrorCode::Unsupported: return "HAL_UNSUPPORTED";
    case ErrorCode::LibraryNotFound: return "HAL_LIBRARY_NOT_FOUND";
    case ErrorCode::SymbolNotFound: return "HAL_SYMBOL_NOT_FOUND";
    case ErrorCode::VendorError: return "HAL_VENDOR_ERROR";
    case ErrorCode::DeviceFault: return "HAL_DEVICE_FAULT";
    case ErrorCode::AddonUnavailable: return "HAL_ADDON_UNAVAILABLE";
    case ErrorCode::Internal: return "HAL_INTERNAL";
  }
  return "HAL_INTERNAL";
}

std::string hexAddress(uint64_t addr) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(addr));
  return buf;
}

}  // namespace npurun
