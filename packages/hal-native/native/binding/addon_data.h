// What the addon keeps per environment, and the one way a C++ failure becomes a JS HalError.
#pragma once

#include <napi.h>

#include <new>
#include <stdexcept>
#include <string>

#include "core/hal_error.h"

namespace npurun::binding {

struct AddonData {
  Napi::FunctionReference halErrorClass;
  Napi::FunctionReference deviceClass;
};

// The JS HalError (the class src/native.ts registers) for e, with its code, op and backend code.
Napi::Error toJsError(Napi::Env env, const HalException& e);

// The exception being handled, as a HalException: itself when it is one, else HAL_INTERNAL naming
// `op`. Call only inside a catch block for std::exception.
inline HalException handledAsHalException(const char* op) {
  try {
    throw;
  } catch (const HalException& e) {
    return e;
  } catch (const std::bad_alloc&) {
    return HalException(ErrorCode::Internal, op, std::string(op) + ": host out of memory");
  } catch (const std::exception& e) {
    return HalException(ErrorCode::Internal, op, std::string(op) + ": " + e.what());
  }
}

// Runs f and converts any C++ failure into a thrown JS HalError; nothing C++ escapes N-API.
template <typename F>
Napi::Value guarded(Napi::Env env, const char* op, F&& f) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception&) {
    throw toJsError(env, handledAsHalException(op));
  }
}

}  // namespace npurun::binding
