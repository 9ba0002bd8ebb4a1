// Two kernels for npurun's simulator: the device half of the first-kernel example
// (docs/first-kernel.md). Each kernel is a C-linkage function; a task passes its arguments as an
// array of 64-bit values, device addresses and scalars alike, in the order the task lists them.
#include <npurun/sim_kernel.h>

#include <cstdint>

NPURUN_DEVICE_PROGRAM;  // once per kernel image: marks it as built against this ABI

// out[i] = x[i] * factor.  args: [0] x, [1] out (float32[n]), [2] factor (an integer), [3] n
NPURUN_KERNEL(scale) {
  (void)ctx;
  const float* x = reinterpret_cast<const float*>(args[0]);
  float* out = reinterpret_cast<float*>(args[1]);
  const float factor = static_cast<float>(static_cast<int64_t>(args[2]));
  const uint64_t n = args[3];
  for (uint64_t i = 0; i < n; ++i) out[i] = x[i] * factor;
}

// out[i] = a[i] + b[i].  args: [0] a, [1] b, [2] out (float32[n]), [3] n
NPURUN_KERNEL(add) {
  (void)ctx;
  const float* a = reinterpret_cast<const float*>(args[0]);
  const float* b = reinterpret_cast<const float*>(args[1]);
  float* out = reinterpret_cast<float*>(args[2]);
  const uint64_t n = args[3];
  for (uint64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}
