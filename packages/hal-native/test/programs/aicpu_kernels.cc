#include <npurun/device_abi.h>

#include <cstdint>
#include <cstring>
#include <ctime>

NPURUN_DEVICE_PROGRAM;

struct IdentityArgs {
  uint64_t out;  // u32[thread_num * 2]: thread_idx, thread_num per thread
};

// Records each thread's identity at out[2*idx].
NPURUN_DEVICE_EXPORT int record_identity(const npurun_aicpu_ctx* ctx, void* args, uint64_t size) {
  if (size < sizeof(IdentityArgs)) return 7;
  auto* out = reinterpret_cast<uint32_t*>(static_cast<IdentityArgs*>(args)->out);
  out[2 * ctx->thread_idx] = ctx->thread_idx;
  out[2 * ctx->thread_idx + 1] = ctx->thread_num;
  return 0;
}

// Overwrites its argument block: the host's copy must not change.
NPURUN_DEVICE_EXPORT int scribble_args(const npurun_aicpu_ctx*, void* args, uint64_t size) {
  std::memset(args, 0xff, size);
  return 0;
}

// Fails on thread 1.
NPURUN_DEVICE_EXPORT int fail_on_thread_one(const npurun_aicpu_ctx* ctx, void*, uint64_t) {
  return ctx->thread_idx == 1 ? 42 : 0;
}

// Spins until asked to stop: the hung kernel of the timeout tests.
NPURUN_DEVICE_EXPORT int spin_until_stopped(const npurun_aicpu_ctx* ctx, void*, uint64_t) {
  timespec pause{0, 1000000};
  while (!NPURUN_SHOULD_STOP(ctx)) nanosleep(&pause, nullptr);
  return 0;
}

// Sleeps the given milliseconds (u64 at args[0]).
NPURUN_DEVICE_EXPORT int sleep_ms(const npurun_aicpu_ctx* ctx, void* args, uint64_t) {
  uint64_t ms = *static_cast<uint64_t*>(args);
  timespec pause{static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1000000)};
  nanosleep(&pause, nullptr);
  return 0;
}

// The AI CPU half of a run for submitRun's tests (the AI Core half is run_aicore.cc).
struct RunArgs {
  uint64_t wall;   // u64 the run kernel writes `value` to
  uint64_t value;
  uint64_t log;    // u32[4]: init calls, run threads, AI Core's view of `value`, unused
};

NPURUN_DEVICE_EXPORT int run_init(const npurun_aicpu_ctx*, void* args, uint64_t size) {
  if (size < sizeof(RunArgs)) return 7;
  reinterpret_cast<uint32_t*>(static_cast<RunArgs*>(args)->log)[0] += 1;
  return 0;
}

NPURUN_DEVICE_EXPORT int run_exec(const npurun_aicpu_ctx* ctx, void* args, uint64_t size) {
  if (size < sizeof(RunArgs)) return 7;
  const RunArgs* a = static_cast<RunArgs*>(args);
  if (ctx->thread_idx == 0) {
    *reinterpret_cast<uint64_t*>(a->wall) = a->value;
    reinterpret_cast<uint32_t*>(a->log)[1] = ctx->thread_num;
  }
  return 0;
}

// Every thread waits until all threads of the launch have arrived (u32 counter at the device
// address args[0], zeroed by the host): finishes only if the launch's threads run at once.
NPURUN_DEVICE_EXPORT int barrier(const npurun_aicpu_ctx* ctx, void* args, uint64_t) {
  auto* arrived = reinterpret_cast<uint32_t*>(*static_cast<uint64_t*>(args));
  __atomic_fetch_add(arrived, 1u, __ATOMIC_ACQ_REL);
  timespec pause{0, 100000};
  while (__atomic_load_n(arrived, __ATOMIC_ACQUIRE) < ctx->thread_num) {
    if (NPURUN_SHOULD_STOP(ctx)) return 1;
    nanosleep(&pause, nullptr);
  }
  return 0;
}
