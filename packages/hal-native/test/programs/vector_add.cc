// Test device programs: an AI Core executor whose every vector core adds its slice of two float
// vectors, and an AI CPU program with kernels that exercise thread identity and failure.
#include <npurun/device_abi.h>

#include <cstdint>

NPURUN_DEVICE_PROGRAM;

struct VectorAddArgs {  // device-resident, pointed to by the launch argument
  uint64_t a, b, out;
  uint64_t n;
};

NPURUN_DEVICE_EXPORT void npurun_aicore_entry(const npurun_aicore_ctx* ctx, uint64_t kernel_args_addr) {
  if (ctx->core_type != NPURUN_CORE_VECTOR) return;
  const auto* args = reinterpret_cast<const VectorAddArgs*>(kernel_args_addr);
  const auto* a = reinterpret_cast<const float*>(args->a);
  const auto* b = reinterpret_cast<const float*>(args->b);
  auto* out = reinterpret_cast<float*>(args->out);
  const uint64_t workers = static_cast<uint64_t>(ctx->block_num) * ctx->sub_block_num;
  const uint64_t worker = static_cast<uint64_t>(ctx->block_idx) * ctx->sub_block_num + ctx->sub_block_idx;
  for (uint64_t i = worker; i < args->n; i += workers) out[i] = a[i] + b[i];
}
