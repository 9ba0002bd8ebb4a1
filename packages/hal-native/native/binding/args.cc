#include "binding/args.h"

#include <cmath>
#include <cstdio>

#include "core/hal_error.h"

namespace npurun::binding {

namespace {

[[noreturn]] void invalid(const char* op, const char* name, const std::string& expected, const std::string& got) {
  throw HalException(ErrorCode::InvalidArgument, op,
                     std::string(op) + ": " + name + " must be " + expected + ", got " + got);
}

std::string describe(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return v.As<Napi::Boolean>().Value() ? "true" : "false";
    case napi_number: {
      const double d = v.As<Napi::Number>().DoubleValue();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", d);
      return buf;
    }
    case napi_bigint: {
      bool lossless = false;
      const int64_t i = v.As<Napi::BigInt>().Int64Value(&lossless);
      return lossless ? std::to_string(i) + "n" : "a bigint outside 64 bits";
    }
    case napi_string: {
      std::string s = v.As<Napi::String>().Utf8Value();
      if (s.size() > 40) s = s.substr(0, 40) + "...";
      return "the string '" + s + "'";
    }
    case napi_object: return "an object";
    case napi_function: return "a function";
    default: return "a value of another type";
  }
}

constexpr double kMaxSafeInteger = 9007199254740991.0;

}  // namespace

uint64_t toAddress(const Napi::Value& v, const char* op, const char* name) {
  if (!v.IsBigInt()) invalid(op, name, "a bigint device address", describe(v));
  bool lossless = false;
  const uint64_t addr = v.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) invalid(op, name, "a device address in [0, 2^64)", describe(v));
  return addr;
}

uint64_t toSize(const Napi::Value& v, const char* op, const char* name) {
  if (v.IsBigInt()) {
    bool lossless = false;
    const uint64_t n = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) invalid(op, name, "a size in bytes in [0, 2^64)", describe(v));
    return n;
  }
  if (!v.IsNumber()) invalid(op, name, "a size in bytes (number or bigint)", describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d)) invalid(op, name, "an integer number of bytes", describe(v));
  if (d < 0) invalid(op, name, "a non-negative number of bytes", describe(v));
  if (d > kMaxSafeInteger) invalid(op, name, "at most 2^53-1 as a number (pass a bigint for larger sizes)", describe(v));
  return static_cast<uint64_t>(d);
}

namespace {
// The message is built only on failure: these checks sit on every HAL call.
template <typename T>
T integerInRange(const Napi::Value& v, const char* op, const char* name, T min, T max) {
  const bool number = v.IsNumber();
  const double d = number ? v.As<Napi::Number>().DoubleValue() : 0.0;
  if (!number || !std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(min) || d > static_cast<double>(max)) {
    invalid(op, name, "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]", describe(v));
  }
  return static_cast<T>(d);
}
}  // namespace

uint32_t toUint32(const Napi::Value& v, const char* op, const char* name, uint32_t min, uint32_t max) {
  return integerInRange<uint32_t>(v, op, name, min, max);
}

int32_t toInt32(const Napi::Value& v, const char* op, const char* name, int32_t min, int32_t max) {
  return integerInRange<int32_t>(v, op, name, min, max);
}

std::string toString(const Napi::Value& v, const char* op, const char* name) {
  if (!v.IsString()) invalid(op, name, "a string", describe(v));
  return v.As<Napi::String>().Utf8Value();
}

Bytes toView(const Napi::Value& v, const char* op, const char* name) {
  if (v.IsTypedArray()) {
    auto ta = v.As<Napi::TypedArray>();
    auto* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data());
    return Bytes{base == nullptr ? nullptr : base + ta.ByteOffset(), ta.ByteLength()};
  }
  if (v.IsDataView()) {
    auto dv = v.As<Napi::DataView>();
    auto* base = static_cast<uint8_t*>(dv.ArrayBuffer().Data());
    return Bytes{base == nullptr ? nullptr : base + dv.ByteOffset(), dv.ByteLength()};
  }
  invalid(op, name, "an ArrayBufferView (TypedArray, DataView or Buffer)", describe(v));
}

Napi::BigInt fromAddress(Napi::Env env, uint64_t addr) { return Napi::BigInt::New(env, addr); }

}  // namespace npurun::binding
