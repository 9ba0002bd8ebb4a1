// An AI Core executor that does nothing: the launch-latency benchmark's kernel.
#include <npurun/device_abi.h>

NPURUN_DEVICE_PROGRAM;

NPURUN_DEVICE_EXPORT void npurun_aicore_entry(const npurun_aicore_ctx*, uint64_t) {}
