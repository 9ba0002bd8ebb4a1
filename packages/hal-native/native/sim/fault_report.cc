#include "sim/fault_report.h"

#include <signal.h>

#include <cstring>

#include "core/hal_error.h"
#include "npurun/device_abi.h"

namespace npurun::sim {

namespace {

std::string name(const char* fixed, size_t capacity) { return std::string(fixed, strnlen(fixed, capacity)); }

std::string signalName(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    case SIGTRAP: return "SIGTRAP";
    case SIGSYS: return "SIGSYS";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    default: return "signal " + std::to_string(sig);
  }
}

// Sent by a process (raise, kill, abort) rather than raised by the CPU for an instruction.
bool sentByProcess(int code) { return code <= 0; }

bool memoryFault(int sig) { return sig == SIGSEGV || sig == SIGBUS; }

std::string signalCause(const wire::FaultRecord& f) {
  if (f.signal == SIGABRT) return "abort() was called";
  if (sentByProcess(f.sigCode)) return "raised by device code";
  switch (f.signal) {
    case SIGSEGV: return f.sigCode == SEGV_ACCERR ? "access to protected memory" : "access to unmapped memory";
    case SIGBUS: return "bus error (e.g. a mapped file was truncated)";
    case SIGFPE:
      return f.sigCode == FPE_INTDIV ? "integer division by zero"
             : f.sigCode == FPE_INTOVF ? "integer overflow"
                                       : "arithmetic exception";
    case SIGILL: return "illegal instruction";
    case SIGTRAP: return "trap (breakpoint or __builtin_trap)";
    default: return "fatal signal";
  }
}

bool stackOverflow(const wire::FaultRecord& f) {
  constexpr uint64_t kNear = 64 * 1024;
  return memoryFault(f.signal) && f.stackLow != 0 && f.address + kNear >= f.stackLow && f.address < f.stackLow + 4096;
}

std::string where(const wire::FaultRecord& f) {
  return f.hasActivity ? " in " + describeActivity(f.activity) : " in device code outside any core or AI CPU thread";
}

// What was running when the process ended without a record of its own (killed, _exit).
std::string busyActivities(const wire::ControlBlock& control) {
  std::string list;
  int shown = 0;
  for (const wire::ActivitySlot& a : control.activity) {
    if (__atomic_load_n(&a.busy, __ATOMIC_ACQUIRE) == 0 || a.kind == 0) continue;
    if (shown == 4) {
      list += "; …";
      break;
    }
    list += (shown++ == 0 ? "" : "; ") + describeActivity(a);
  }
  return list.empty() ? "" : " (running: " + list + ")";
}

}  // namespace

std::string describeActivity(const wire::ActivitySlot& a) {
  std::string task;
  if (a.hasTask) task = "task " + std::to_string(a.taskId) + " (kernel '" + name(a.kernel, sizeof a.kernel) + "') on ";
  if (a.kind == static_cast<uint32_t>(wire::ActivityKind::AicpuThread)) {
    return task + "AI CPU thread " + std::to_string(a.coreId) + " of kernel '" + name(a.program, sizeof a.program) + "'";
  }
  const bool cube = a.coreType == NPURUN_CORE_CUBE;
  std::string core = std::string("AI Core ") + (cube ? "cube" : "vector") + " core " + std::to_string(a.coreId) +
                     " (block " + std::to_string(a.blockIdx);
  if (!cube) core += ", sub-block " + std::to_string(a.subBlockIdx);
  return task + core + ")";
}

std::string describeDeviceFault(const wire::ControlBlock& control, const ProcessExit& exit,
                                const std::function<std::string(uint64_t)>& describeAddress) {
  const wire::FaultRecord& f = control.fault;
  const bool recorded = __atomic_load_n(&f.state, __ATOMIC_ACQUIRE) == 2;
  const std::string detail = name(f.detail, sizeof f.detail);
  if (!exit.killReason.empty()) return exit.killReason + busyActivities(control);
  if (recorded) {
    switch (static_cast<wire::FaultKind>(f.kind)) {
      case wire::FaultKind::Signal: {
        std::string m = signalName(f.signal) + " (" + (stackOverflow(f) ? "stack overflow: recursion too deep?" : signalCause(f)) + ")" + where(f);
        if (memoryFault(f.signal) && !sentByProcess(f.sigCode) && !stackOverflow(f)) m += ": " + describeAddress(f.address);
        if (f.signal == SIGFPE || f.signal == SIGILL || f.signal == SIGTRAP) m += " at instruction " + hexAddress(f.address);
        return m;
      }
      case wire::FaultKind::Exception: return "a C++ exception escaped device code" + where(f) + ": " + detail;
      case wire::FaultKind::Exit: {
        std::string m = "exit() was called by device code" + where(f);
        if (exit.exited) m += " (exit status " + std::to_string(exit.status) + ")";
        return m;
      }
      case wire::FaultKind::Terminate: return detail + where(f);
      default: break;
    }
  }
  std::string how = exit.exited ? "the device process exited with status " + std::to_string(exit.status)
                                : "the device process was killed by " + signalName(exit.signal);
  if (exit.exited) how += " (exit or _exit called by device code?)";
  return how + busyActivities(control);
}

}  // namespace npurun::sim
