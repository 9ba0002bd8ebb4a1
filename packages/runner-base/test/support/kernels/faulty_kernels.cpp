// AI Core kernels that fail the way unfinished kernels do: the runner-level fault corpus
// (fault-suite.ts). Every one must reject the run with HAL_DEVICE_FAULT naming the task and kernel
// and leave the host process, and the next runner, unharmed.
// args: [0] out (device address of float32[1024], 4096 bytes)
#include <cstdlib>
#include <ctime>
#include <stdexcept>

#include <npurun/sim_kernel.h>

NPURUN_DEVICE_PROGRAM;

namespace {
volatile int gZero = 0;
}

NPURUN_KERNEL(write_ok) {
  (void)ctx;
  reinterpret_cast<float*>(args[0])[0] = 42.0f;
}

NPURUN_KERNEL(null_deref) {
  (void)ctx;
  (void)args;
  *reinterpret_cast<volatile float*>(static_cast<uintptr_t>(gZero)) = 1.0f;
}

NPURUN_KERNEL(divide_by_zero) {
  (void)ctx;
  reinterpret_cast<float*>(args[0])[0] = static_cast<float>(7 / gZero);
}

NPURUN_KERNEL(call_abort) {
  (void)ctx;
  (void)args;
  std::abort();
}

NPURUN_KERNEL(call_exit) {
  (void)ctx;
  (void)args;
  std::exit(5);
}

NPURUN_KERNEL(cpp_throw) {
  (void)ctx;
  (void)args;
  throw std::logic_error("tile size 0");
}

// One element past the end of its 4096-byte tensor: the guard page after it faults.
NPURUN_KERNEL(write_past_end) {
  (void)ctx;
  reinterpret_cast<volatile float*>(args[0])[1024] = 1.0f;
}

// Never polls the stop flag: only ending the device process stops it.
NPURUN_KERNEL(ignore_stop) {
  (void)ctx;
  (void)args;
  for (;;) {
    timespec nap{0, 1000000};
    nanosleep(&nap, nullptr);
  }
}
