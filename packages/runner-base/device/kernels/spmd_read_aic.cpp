// spmd_read_aic (cube): writes where it runs within its task, as floats:
// out[0] = block_idx, out[1] = block_num. Slot 0 of the spmd_basic output (one 64-byte line).
// args: [0] out (device address of float32[48])
#include <npurun/sim_kernel.h>

NPURUN_DEVICE_PROGRAM;

NPURUN_KERNEL(spmd_read_aic) {
  float* out = reinterpret_cast<float*>(args[0]);
  out[0] = static_cast<float>(ctx->block_idx);
  out[1] = static_cast<float>(ctx->block_num);
}
