// What the addon keeps per environment, and the one way a HalException becomes a JS HalError.
#pragma once

#include <napi.h>

#include "core/hal_error.h"

namespace npurun::binding {

struct AddonData {
  Napi::FunctionReference halErrorClass;
  Napi::FunctionReference deviceClass;
};

// The JS HalError (the class src/native.ts registers) for e, with its code, op and backend code.
Napi::Error toJsError(Napi::Env env, const HalException& e);

}  // namespace npurun::binding
