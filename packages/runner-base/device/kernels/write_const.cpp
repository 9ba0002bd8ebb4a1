// write_const (cube): out[0] = 42.0f. The producer of the dummy_task workload.
// args: [0] out (device address of float32[>=1])
#include <npurun/sim_kernel.h>

NPURUN_DEVICE_PROGRAM;

NPURUN_KERNEL(write_const) {
  (void)ctx;
  float* out = reinterpret_cast<float*>(args[0]);
  out[0] = 42.0f;
}
