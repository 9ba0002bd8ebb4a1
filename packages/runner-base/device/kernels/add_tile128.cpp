// add_tile128 (vector): Z = X + Y over `tiles` consecutive 128x128 float32 tiles.
// args: [0] X, [1] Y, [2] Z (device addresses), [3] tiles (u64)
#include <npurun/sim_kernel.h>

#include <cstdint>

NPURUN_DEVICE_PROGRAM;

NPURUN_KERNEL(add_tile128) {
  (void)ctx;
  const float* x = reinterpret_cast<const float*>(args[0]);
  const float* y = reinterpret_cast<const float*>(args[1]);
  float* z = reinterpret_cast<float*>(args[2]);
  const uint64_t n = args[3] * 128u * 128u;
  for (uint64_t i = 0; i < n; ++i) z[i] = x[i] + y[i];
}
