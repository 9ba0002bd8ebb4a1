// DeviceProcess: the host's handle on one simulated device's process (native/device). It creates
// the shared device memory and control block, starts the process, carries commands to it, watches
// it die, and kills it when device code will not stop. It knows nothing of streams or allocations:
// SimBackend gives the commands their meaning.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "wire/page_map.h"
#include "wire/protocol.h"

namespace npurun::sim {

struct DeviceProcessConfig {
  uint32_t deviceId = 0;
  uint32_t maxBlockDim = 0;
  uint32_t aicpuLaunchThreads = 0;
  uint64_t timestampHz = 0;
  uint64_t memoryBytes = 0;
  int notifyFd = -1;  // the host's progress eventfd, handed to the process as wire::kNotifyFd
};

// How the process ended: a normal exit (status) or a signal, and whether the host asked for it.
struct ProcessExit {
  bool exited = false;  // exit(status); else killed by `signal`
  int status = 0;
  int signal = 0;
  bool requested = false;   // close/shutdown
  std::string killReason;   // set when the host killed it because device code would not stop
};

class DeviceProcess {
 public:
  using ExitHandler = std::function<void(const ProcessExit&)>;

  // Starts the process and waits for it to report in. Throws HalException (Internal) when the
  // executable is missing or the process does not start. `onExit` runs on a watcher thread once
  // the process has ended, for whatever reason.
  DeviceProcess(const DeviceProcessConfig& config, ExitHandler onExit);
  // Ends the process (asks, then kills after a short wait) and reaps it. Never waits on device code.
  // Idempotent; the shared mappings stay valid until destruction, so a waiter holding a reference
  // can still read the control block and find the process gone.
  void terminate();
  ~DeviceProcess();
  DeviceProcess(const DeviceProcess&) = delete;
  DeviceProcess& operator=(const DeviceProcess&) = delete;

  wire::ControlBlock* control() const { return control_; }
  const wire::PageMap& pages() const { return pages_; }
  uint8_t* hostMemory() const { return hostMemory_; }
  uint64_t deviceBase() const { return deviceBase_; }
  uint64_t memoryBytes() const { return memoryBytes_; }
  int memoryFd() const { return memoryFd_; }
  pid_t pid() const { return pid_; }
  bool alive() const { return !ended_.load(std::memory_order_acquire); }

  // One message to the process; false when it is gone. Callers serialise sends themselves.
  bool send(const void* data, size_t size, int fd = -1);
  // Waits for the reply to the command just sent. TimedOut leaves the process running.
  enum class ReplyStatus { Ok, Gone, TimedOut };
  ReplyStatus receiveReply(wire::Reply* reply, int timeoutMs);

  // Kills the process because device code would not stop; `reason` goes into the fault report.
  void kill(const std::string& reason);
  // Blocks until the process has ended and the exit handler has run, for at most timeoutMs.
  bool waitEnded(int timeoutMs);

 private:
  void watch();

  DeviceProcessConfig config_;
  ExitHandler onExit_;
  int memoryFd_ = -1;
  int channel_ = -1;
  uint8_t* hostMemory_ = nullptr;
  uint64_t memoryBytes_ = 0;
  wire::ControlBlock* control_ = nullptr;
  uint64_t controlBytes_ = 0;
  wire::PageMap pages_;
  uint64_t deviceBase_ = 0;
  pid_t pid_ = -1;
  std::atomic<bool> ended_{false};
  std::atomic<bool> shutdownRequested_{false};
  std::mutex terminateMu_;
  std::mutex mu_;
  std::condition_variable endedCv_;
  bool handled_ = false;  // the exit handler has run
  std::string killReason_;
  std::thread watcher_;
};

// Where the device executable is: $NPURUN_DEVICE_EXECUTABLE, else `npurun-device` beside the addon.
std::string deviceExecutablePath();

}  // namespace npurun::sim
