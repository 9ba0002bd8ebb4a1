// HalException: how every backend reports failure. The binding turns it into the JS HalError with the
// same code, op and backend code; nothing else may cross the N-API boundary.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace npurun {

// Mirrors HalErrorCode in src/errors.ts; the strings are the stable codes users switch on.
enum class ErrorCode {
  InvalidArgument,
  InvalidPlatform,
  OutOfMemory,
  InvalidAddress,
  OutOfBounds,
  StillMapped,
  MappingState,
  InvalidBinary,
  MissingSymbol,
  InvalidBlockDim,
  InvalidThreadCount,
  UnknownKernel,
  InvalidHandle,
  DeviceClosed,
  SyncTimeout,
  KernelFailed,
  Unsupported,
  LibraryNotFound,
  SymbolNotFound,
  VendorError,
  DeviceFault,
  AddonUnavailable,
  Internal,
};

const char* errorCodeName(ErrorCode code);

class HalException : public std::runtime_error {
 public:
  HalException(ErrorCode code, std::string op, const std::string& message,
               std::optional<int64_t> backendCode = std::nullopt)
      : std::runtime_error(message), code_(code), op_(std::move(op)), backendCode_(backendCode) {}

  ErrorCode code() const { return code_; }
  const std::string& op() const { return op_; }
  std::optional<int64_t> backendCode() const { return backendCode_; }

 private:
  ErrorCode code_;
  std::string op_;
  std::optional<int64_t> backendCode_;
};

// "0x1f2e..." for messages that name a device address.
std::string hexAddress(uint64_t addr);

}  // namespace npurun
