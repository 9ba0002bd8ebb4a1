// The AI Core half of a run for submitRun's tests: core 0 records the low half of `value` from the
// device-resident KernelArgs copy it was given (proving the copy was uploaded before it ran).
#include <npurun/device_abi.h>

#include <cstdint>

NPURUN_DEVICE_PROGRAM;

struct RunArgs {
  uint64_t wall;
  uint64_t value;
  uint64_t log;
};

NPURUN_DEVICE_EXPORT void npurun_aicore_entry(const npurun_aicore_ctx* ctx, uint64_t kernelArgs) {
  if (ctx->core_id != 0) return;
  const RunArgs* a = reinterpret_cast<const RunArgs*>(kernelArgs);
  reinterpret_cast<uint32_t*>(a->log)[2] = static_cast<uint32_t>(a->value);
}
