// vector_mul (vector), the vector example's `mul`: out[i] = x[i] * y[i] for i < n.
// args: [0] x, [1] y, [2] out (device addresses of float32[n]), [3] n (u64)
#include <npurun/sim_kernel.h>

#include <cstdint>

NPURUN_DEVICE_PROGRAM;

NPURUN_KERNEL(vector_mul) {
  (void)ctx;
  const float* x = reinterpret_cast<const float*>(args[0]);
  const float* y = reinterpret_cast<const float*>(args[1]);
  float* out = reinterpret_cast<float*>(args[2]);
  const uint64_t n = args[3];
  for (uint64_t i = 0; i < n; ++i) out[i] = x[i] * y[i];
}
