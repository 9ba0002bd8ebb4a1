#include "device/fault_handler.h"

#include "device/device_memory.h"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>

namespace npurun::device {

namespace {

wire::ControlBlock* gControl = nullptr;
DeviceMemory* gMemory = nullptr;
bool gOrderly = false;

// Plain thread-locals (no constructors): readable from a signal handler.
thread_local wire::ActivitySlot* tActivity = nullptr;
thread_local uint64_t tStackLow = 0;
thread_local uint64_t tStackHigh = 0;

constexpr size_t kAltStackBytes = 64 * 1024;
constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};

[[noreturn]] void endNow(int status) noexcept {
  syscall(SYS_exit_group, status);
  for (;;) pause();
}

void recordStackRange() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* addr = nullptr;
  size_t size = 0;
  if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
    tStackLow = reinterpret_cast<uint64_t>(addr);
    tStackHigh = tStackLow + size;
  }
  pthread_attr_destroy(&attr);
}

void onFatalSignal(int sig, siginfo_t* info, void*) {
  // First touch of an allocation made since the device last looked: open it and retry.
  if (sig == SIGSEGV && info->si_code == SEGV_ACCERR && gMemory != nullptr &&
      gMemory->openOnFault(reinterpret_cast<uint64_t>(info->si_addr))) {
    return;
  }
  faultAndExit(wire::FaultKind::Signal, sig, info->si_code, reinterpret_cast<uint64_t>(info->si_addr), nullptr);
}

void onTerminate() {
  const char* detail = "std::terminate was called (an exception could not be handled)";
  if (std::exception_ptr e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      faultAndExit(wire::FaultKind::Exception, 0, 0, 0, ex.what());
    } catch (...) {
      detail = "an exception that is not a std::exception escaped device code";
    }
  }
  faultAndExit(wire::FaultKind::Terminate, 0, 0, 0, detail);
}

void onExit() {
  if (gOrderly) return;
  // exit() from device code: record who, then let exit finish so the status reaches the host.
  wire::FaultRecord& f = gControl->fault;
  uint32_t expected = 0;
  if (!__atomic_compare_exchange_n(&f.state, &expected, 1u, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return;
  f.kind = static_cast<uint32_t>(wire::FaultKind::Exit);
  if (tActivity != nullptr) {
    f.activity = *tActivity;
    f.hasActivity = 1;
  }
  copyName(f.detail, sizeof f.detail, "exit() was called by device code");
  __atomic_store_n(&f.state, 2u, __ATOMIC_RELEASE);
}

}  // namespace

void copyName(char* dst, size_t capacity, const char* src) noexcept {
  size_t i = 0;
  if (src != nullptr) {
    for (; i + 1 < capacity && src[i] != '\0'; ++i) dst[i] = src[i];
  }
  dst[i] = '\0';
}

void installFaultHandlers(wire::ControlBlock* control) {
  gControl = control;
  struct sigaction sa {};
  sa.sa_sigaction = onFatalSignal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigfillset(&sa.sa_mask);
  for (int sig : kFatalSignals) sigaction(sig, &sa, nullptr);
  std::set_terminate(onTerminate);
  std::atexit(onExit);
}

void attachDeviceMemory(DeviceMemory* memory) { gMemory = memory; }

ThreadFaultScope::ThreadFaultScope() {
  void* stack = mmap(nullptr, kAltStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (stack != MAP_FAILED) {
    stack_t ss{};
    ss.ss_sp = stack;
    ss.ss_size = kAltStackBytes;
    if (sigaltstack(&ss, nullptr) == 0) {
      altStack_ = stack;
    } else {
      munmap(stack, kAltStackBytes);
    }
  }
  recordStackRange();
}

ThreadFaultScope::~ThreadFaultScope() {
  tActivity = nullptr;
  if (altStack_ == nullptr) return;
  stack_t ss{};
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, nullptr);
  munmap(altStack_, kAltStackBytes);
}

void bindActivity(wire::ActivitySlot* slot) { tActivity = slot; }
wire::ActivitySlot* currentActivity() { return tActivity; }

void faultAndExit(wire::FaultKind kind, int signal, int sigCode, uint64_t address, const char* detail) noexcept {
  if (gControl != nullptr) {
    wire::FaultRecord& f = gControl->fault;
    uint32_t expected = 0;
    if (__atomic_compare_exchange_n(&f.state, &expected, 1u, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      f.kind = static_cast<uint32_t>(kind);
      f.signal = signal;
      f.sigCode = sigCode;
      f.address = address;
      f.stackLow = tStackLow;
      f.stackHigh = tStackHigh;
      if (tActivity != nullptr) {
        f.activity = *tActivity;
        f.hasActivity = 1;
      }
      copyName(f.detail, sizeof f.detail, detail);
      __atomic_store_n(&f.state, 2u, __ATOMIC_RELEASE);
    }
  }
  endNow(wire::kFaultExitStatus);
}

void markOrderlyExit() { gOrderly = true; }

void setCurrentTask(uint32_t taskId, uint32_t kernelId, const char* kernelEntry) {
  wire::ActivitySlot* a = tActivity;
  if (a == nullptr) return;
  if (kernelEntry == nullptr) {
    a->hasTask = 0;
    return;
  }
  a->taskId = taskId;
  a->kernelId = kernelId;
  copyName(a->kernel, sizeof a->kernel, kernelEntry);
  a->hasTask = 1;
}

}  // namespace npurun::device
