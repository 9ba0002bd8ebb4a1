// Argument validation at the N-API boundary: every value from JS is checked for type,
// integer-ness and range here, before anything native runs, and a bad one becomes a HalError
// (HAL_INVALID_ARGUMENT) that names the operation, the parameter and what was expected.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace npurun::binding {

struct Bytes {
  uint8_t* data;
  size_t size;
};

// A device address: a non-negative bigint below 2^64.
uint64_t toAddress(const Napi::Value& v, const char* op, const char* name);
// A size: a safe non-negative integer number, or a non-negative bigint below 2^64.
uint64_t toSize(const Napi::Value& v, const char* op, const char* name);
// An integer number in [min, max].
uint32_t toUint32(const Napi::Value& v, const char* op, const char* name, uint32_t min, uint32_t max);
int32_t toInt32(const Napi::Value& v, const char* op, const char* name, int32_t min, int32_t max);
std::string toString(const Napi::Value& v, const char* op, const char* name);
// Any ArrayBufferView (TypedArray, DataView, Buffer); data may be null when size is 0.
Bytes toView(const Napi::Value& v, const char* op, const char* name);

Napi::BigInt fromAddress(Napi::Env env, uint64_t addr);

}  // namespace npurun::binding
