// The words of a device fault: what the dead device process left in its control block, how it
// ended, and where a faulting address lies, turned into the message of HAL_DEVICE_FAULT.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sim/device_process.h"
#include "wire/protocol.h"

namespace npurun::sim {

// describeAddress: where a device address lies (AddressSpace::describe).
std::string describeDeviceFault(const wire::ControlBlock& control, const ProcessExit& exit,
                                const std::function<std::string(uint64_t)>& describeAddress);

// "task 3 (kernel 'vector_add') on AI Core vector core 4 (block 1, sub-block 0)".
std::string describeActivity(const wire::ActivitySlot& a);

}  // namespace npurun::sim
