// How the device process turns its own death into a report. A signal in device code (SEGV, BUS,
// FPE, ILL, ABRT, TRAP, SYS), an exception escaping device code, std::terminate or an exit() call
// writes one FaultRecord into the control block, naming the faulting thread's activity (core, task,
// kernel), and the process ends. The host reads the record when it sees the process go.
#pragma once

#include <cstdint>

#include "wire/protocol.h"

namespace npurun::device {

class DeviceMemory;

// Process-wide: signal handlers, the terminate handler and the exit hook. Call once, early.
void installFaultHandlers(wire::ControlBlock* control);
// From here on, a touch of a not-yet-opened live allocation opens it instead of faulting.
void attachDeviceMemory(DeviceMemory* memory);

// Every device thread lives inside one: it gets an alternate signal stack (so a stack overflow can
// still be reported) and its stack range is known to the fault record.
class ThreadFaultScope {
 public:
  ThreadFaultScope();
  ~ThreadFaultScope();
  ThreadFaultScope(const ThreadFaultScope&) = delete;
  ThreadFaultScope& operator=(const ThreadFaultScope&) = delete;

 private:
  void* altStack_ = nullptr;
};

// The calling thread's activity slot (what it runs), or nullptr. Set by the code that hands the
// thread device work.
void bindActivity(wire::ActivitySlot* slot);
wire::ActivitySlot* currentActivity();

// Records a fault of the calling thread (first one wins; async-signal-safe) and ends the process.
[[noreturn]] void faultAndExit(wire::FaultKind kind, int signal, int sigCode, uint64_t address, const char* detail) noexcept;

// The device process ends on purpose from here on (shutdown): exit hooks stay quiet.
void markOrderlyExit();

// The service behind npurun_sim_services::set_current_task.
void setCurrentTask(uint32_t taskId, uint32_t kernelId, const char* kernelEntry);

// Copies a C string into a fixed buffer, always terminated; async-signal-safe.
void copyName(char* dst, size_t capacity, const char* src) noexcept;

}  // namespace npurun::device
