// Declares the ABI version but no AI Core entry: registering it as an AI Core binary must fail.
#include <npurun/device_abi.h>

NPURUN_DEVICE_PROGRAM;

NPURUN_DEVICE_EXPORT int some_kernel(const npurun_aicpu_ctx*, void*, uint64_t) { return 0; }
