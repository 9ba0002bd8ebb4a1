// vector_add_scalar (vector), the vector example's `add_scalar`: out[i] = x[i] + s for i < n.
// args: [0] x, [1] out (device addresses of float32[n]),
//       [2] s as IEEE-754 binary32 bits in the low 32 bits (high 32 bits zero), [3] n (u64)
// The scalar travels as bits because task arguments are 64-bit integers; a float converted to an
// integer would lose its fraction.
#include <npurun/sim_kernel.h>

#include <cstdint>
#include <cstring>

NPURUN_DEVICE_PROGRAM;

NPURUN_KERNEL(vector_add_scalar) {
  (void)ctx;
  const float* x = reinterpret_cast<const float*>(args[0]);
  float* out = reinterpret_cast<float*>(args[1]);
  const uint32_t bits = static_cast<uint32_t>(args[2]);
  float s;
  std::memcpy(&s, &bits, sizeof s);
  const uint64_t n = args[3];
  for (uint64_t i = 0; i < n; ++i) out[i] = x[i] + s;
}
