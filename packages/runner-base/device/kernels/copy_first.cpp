// copy_first (cube): out[0] = in[0]. The consumer of the dummy_task workload: it copies whatever
// is in the input when it runs, so a missing dependency shows up as a wrong value.
// args: [0] in, [1] out (device addresses of float32[>=1])
#include <npurun/sim_kernel.h>

NPURUN_DEVICE_PROGRAM;

NPURUN_KERNEL(copy_first) {
  (void)ctx;
  const float* in = reinterpret_cast<const float*>(args[0]);
  float* out = reinterpret_cast<float*>(args[1]);
  out[0] = in[0];
}
