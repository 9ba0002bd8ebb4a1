// AI CPU kernels that fail the way unfinished device code does: the fault corpus of the device
// process tests (test/device-faults.test.ts). Each must end as HAL_DEVICE_FAULT, never as a crash
// of the host process.
#include <npurun/device_abi.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <stdexcept>
#include <unistd.h>

NPURUN_DEVICE_PROGRAM;

namespace {
// Address-type arguments: args[0] a device address, args[1] a byte count or value.
uint64_t arg(void* args, int i) { return static_cast<uint64_t*>(args)[i]; }
volatile int gZero = 0;

// noinline + a volatile frame so the compiler cannot turn the recursion into a loop.
__attribute__((noinline)) uint64_t recurse(uint64_t depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  return recurse(depth + 1) + frame[0];
}
}  // namespace

NPURUN_DEVICE_EXPORT int null_deref(const npurun_aicpu_ctx*, void*, uint64_t) {
  volatile int* p = nullptr;
  return *p;
}

NPURUN_DEVICE_EXPORT int wild_read(const npurun_aicpu_ctx*, void*, uint64_t) {
  volatile int* p = reinterpret_cast<volatile int*>(0x10);
  return *p;
}

NPURUN_DEVICE_EXPORT int divide_by_zero(const npurun_aicpu_ctx*, void*, uint64_t) { return 7 / gZero; }

NPURUN_DEVICE_EXPORT int call_abort(const npurun_aicpu_ctx*, void*, uint64_t) { std::abort(); }

NPURUN_DEVICE_EXPORT int call_exit(const npurun_aicpu_ctx*, void*, uint64_t) { std::exit(3); }

NPURUN_DEVICE_EXPORT int call_underscore_exit(const npurun_aicpu_ctx*, void*, uint64_t) { _exit(4); }

NPURUN_DEVICE_EXPORT int cpp_throw(const npurun_aicpu_ctx*, void*, uint64_t) {
  throw std::runtime_error("kernel gave up: bad tiling");
}

NPURUN_DEVICE_EXPORT int raise_segv(const npurun_aicpu_ctx*, void*, uint64_t) { return std::raise(SIGSEGV); }

NPURUN_DEVICE_EXPORT int trap(const npurun_aicpu_ctx*, void*, uint64_t) { __builtin_trap(); }

NPURUN_DEVICE_EXPORT int deep_recursion(const npurun_aicpu_ctx*, void*, uint64_t) {
  return static_cast<int>(recurse(0));
}

// Ignores the stop flag: only killing the device process ends it. Writes 1 to the u32 at args[0]
// first, so the host knows it runs.
NPURUN_DEVICE_EXPORT int ignore_stop(const npurun_aicpu_ctx*, void* args, uint64_t) {
  __atomic_store_n(reinterpret_cast<uint32_t*>(arg(args, 0)), 1u, __ATOMIC_RELEASE);
  for (;;) {
    timespec nap{0, 1000000};
    nanosleep(&nap, nullptr);
  }
}

// Writes one float at byte offset args[1] of the buffer at args[0] (past its end, when asked).
NPURUN_DEVICE_EXPORT int write_at(const npurun_aicpu_ctx*, void* args, uint64_t) {
  *reinterpret_cast<volatile float*>(arg(args, 0) + arg(args, 1)) = 1.0f;
  return 0;
}

// Reads one byte at args[0] (a freed buffer, in the use-after-free case).
NPURUN_DEVICE_EXPORT int read_at(const npurun_aicpu_ctx*, void* args, uint64_t) {
  return *reinterpret_cast<volatile uint8_t*>(arg(args, 0));
}
