// spmd_read_aiv (vector): writes where it runs within its task, as floats, into its own 64-byte
// line (16 floats) so the two vector sub-cores never share a cache line:
// out[(1 + sub_block_idx) * 16 + {0, 1, 2}] = block_idx, block_num, sub_block_idx.
// args: [0] out (device address of float32[48])
#include <npurun/sim_kernel.h>

NPURUN_DEVICE_PROGRAM;

NPURUN_KERNEL(spmd_read_aiv) {
  float* slot = reinterpret_cast<float*>(args[0]) + (1u + ctx->sub_block_idx) * 16u;
  slot[0] = static_cast<float>(ctx->block_idx);
  slot[1] = static_cast<float>(ctx->block_num);
  slot[2] = static_cast<float>(ctx->sub_block_idx);
}
