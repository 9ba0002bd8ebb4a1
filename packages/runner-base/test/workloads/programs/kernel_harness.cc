// A test AI CPU program that calls one workload kernel directly, with no runner and no scheduler:
// it resolves the kernel in a kernel image stored in device memory (as the simulated AI Core
// executor does) and calls it with a faked kernel ctx. Lets every kernel be checked against its
// golden on the simulator in isolation.
#include <npurun/sim_kernel.h>

#include <cstdint>

NPURUN_DEVICE_PROGRAM;

namespace {

struct HarnessArgs {
  uint64_t image_addr;  // device address of the kernel image (an ELF shared object)
  uint64_t image_size;
  uint64_t entry_addr;  // device address of the NUL-terminated entry symbol
  uint64_t args_addr;   // device address of the kernel's u64 arguments
  uint64_t arg_count;
  uint32_t core_type;   // the ctx the kernel sees (arg_count is filled from arg_count above)
  uint32_t block_idx;
  uint32_t block_num;
  uint32_t sub_block_idx;
  uint32_t sub_block_num;
  uint32_t core_id;
  uint32_t task_id;
  uint32_t reserved;
};
static_assert(sizeof(HarnessArgs) == 72, "HarnessArgs layout is shared with kernel-harness.ts");

}  // namespace

// Return codes the host test maps to messages.
enum : int { kOk = 0, kShortArgs = 1, kUnresolved = 2 };

NPURUN_DEVICE_EXPORT int call_kernel(const npurun_aicpu_ctx* ctx, void* raw, uint64_t size) {
  if (size < sizeof(HarnessArgs)) return kShortArgs;
  const auto* a = static_cast<const HarnessArgs*>(raw);
  auto fn = reinterpret_cast<npurun_kernel_fn>(
      ctx->sim->resolve_kernel(ctx->sim->device, a->image_addr, a->image_size, reinterpret_cast<const char*>(a->entry_addr)));
  if (fn == nullptr) return kUnresolved;
  const npurun_kernel_ctx kctx{a->core_type, a->block_idx,  a->block_num, a->sub_block_idx,
                               a->sub_block_num, a->core_id, a->task_id, static_cast<uint32_t>(a->arg_count)};
  fn(&kctx, reinterpret_cast<const uint64_t*>(a->args_addr));
  return kOk;
}
