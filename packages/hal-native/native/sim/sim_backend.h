// SimBackend: the host side of a simulated a2a3 or a5 device. Device code runs in the device's own
// process (native/device), started here through DeviceProcess; this class keeps the books the host
// needs to answer at once (allocations, streams, programs, mappings), checks every argument before
// anything crosses to the device, and turns the device process's death into a sticky fault:
// HAL_DEVICE_FAULT, naming the task, kernel, core and cause, on every later call that would use the
// device. Calls that only release (free, destroyStream, unmapFromHost) still succeed on a faulted
// device so teardown needs no special path, copyFromDevice still reads what the device left in
// memory (the post-mortem), and reset starts a fresh device process.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/backend.h"
#include "sim/address_space.h"
#include "sim/device_process.h"
#include "wire/protocol.h"

namespace npurun::sim {

class SimBackend final : public Backend {
 public:
  SimBackend(const OpenOptions& options, const ArchInfo& arch);
  ~SimBackend() override;

  const DeviceProps& props() const override { return props_; }

  uint64_t malloc(uint64_t size) override;
  void free(uint64_t addr) override;
  void memset(uint64_t addr, uint8_t value, uint64_t size) override;
  void copyToDevice(uint64_t dst, const void* src, uint64_t size) override;
  void copyFromDevice(void* dst, uint64_t src, uint64_t size) override;
  MemoryUsage memoryUsage() const override;

  StreamId createStream() override;
  void destroyStream(StreamId stream) override;
  void synchronize(StreamId stream, uint32_t timeoutMs) override;
  bool streamsIdle(const std::vector<StreamId>& streams) override;

  int progressFd() override { return notifyFd_; }
  void drainProgressFd() override;
  void beginProgressWait() override;
  void wakeProgressAt(StreamId stream, uint64_t target, uint32_t group) override;
  void endProgressWait() override;
  uint64_t streamTarget(StreamId stream) override;
  bool pollStream(StreamId stream, uint64_t target, std::optional<HalException>* failure) override;

  BinaryId registerAicoreBinary(const uint8_t* image, size_t size) override;
  ProgramId loadAicpuProgram(const uint8_t* image, size_t size) override;
  bool aicpuProgramHasKernel(ProgramId program, const std::string& name) override;

  void launchAicore(StreamId stream, BinaryId binary, uint32_t blockDim, uint64_t kernelArgsAddr) override;
  void launchAicpu(StreamId stream, ProgramId program, const std::string& kernelName, uint32_t threads,
                   const uint8_t* args, size_t argsSize) override;
  void launchRun(const RunLaunch& run, std::vector<StreamId>* launched) override;

  void* mapToHost(uint64_t addr, uint64_t size) override;
  void unmapFromHost(uint64_t addr) override;

  void reset() override;
  void close() override;

 private:
  struct Stream {
    uint32_t slot;
  };
  struct Program {
    wire::ProgramKind kind;
    std::map<std::string, bool> symbols;  // answers already asked of the device
  };

  // The device's incarnation: its process and the book of its memory, replaced together by reset.
  void start();
  void stop();
  // Throws the sticky fault (HAL_DEVICE_FAULT) naming `op` when the device has faulted.
  void checkHealthy(const char* op) const;
  [[noreturn]] void throwFault(const char* op) const;
  void onProcessExit(const ProcessExit& exit);
  // Waits briefly for a device process that is going away to be recorded, then throws its fault.
  [[noreturn]] void deviceGone(const char* op);
  // Sends a command after the pending protection changes (caller holds channelMu_).
  void sendLocked(const void* data, size_t size, const char* op, int fd = -1);
  void flushProtectLocked(const char* op);
  // The protection changes queued since the last send, taken off the queue.
  std::vector<wire::ProtectEntry> takePendingProtect();
  // Sends protection changes as Protect commands of at most kMaxProtectEntries (caller holds channelMu_).
  void sendProtectLocked(const std::vector<wire::ProtectEntry>& entries, const char* op);
  // A command that needs an answer; on no answer within timeoutMs the device process is killed
  // (device code would not stop) and the fault thrown.
  wire::Reply call(const void* data, size_t size, const char* op, int timeoutMs, int fd = -1);
  uint32_t streamSlot(StreamId id, const char* op);
  // A launch, checked and encoded for the wire, with the stream slot it counts on.
  struct Command {
    uint32_t slot;
    std::vector<uint8_t> bytes;
  };
  Command aicoreCommand(StreamId stream, BinaryId binary, uint32_t blockDim, uint64_t kernelArgsAddr);
  Command aicpuCommand(StreamId stream, ProgramId program, const std::string& kernelName, uint32_t threads,
                       const uint8_t* args, size_t argsSize);
  // Counts the launches on their streams and sends them, several in one message (caller holds channelMu_).
  void submitLocked(const std::vector<Command>& commands, const char* op);
  std::shared_ptr<DeviceProcess> currentProcess() const { return std::atomic_load(&process_); }
  Program& program(ProgramId id, const char* op);
  ProgramId loadProgram(const uint8_t* image, size_t size, wire::ProgramKind kind, const char* op, const char* what);

  DeviceProps props_;
  const ArchInfo& arch_;
  OpenOptions options_;
  // Signalled by every device process of this backend (reset starts new ones) on stream progress.
  int notifyFd_ = -1;
  uint32_t progressWaits_ = 0;  // open event-loop waits (JS thread only)

  std::mutex protectMu_;
  std::vector<wire::ProtectEntry> pendingProtect_;

  mutable std::mutex faultMu_;
  std::atomic<bool> faulted_{false};
  std::string fault_;

  std::mutex channelMu_;  // one command (and its reply) at a time
  std::mutex mu_;         // the tables below
  uint32_t nextHandle_ = 1;
  std::map<StreamId, Stream> streams_;
  std::map<ProgramId, Program> programs_;
  std::map<uint64_t, uint64_t> mappings_;  // device address -> size

  // Replaced together by reset. The process is shared with waiters on worker threads, which keep
  // its control block mapped while they look at it; stop() ends the process itself at once.
  std::unique_ptr<AddressSpace> memory_;
  std::shared_ptr<DeviceProcess> process_;
};

}  // namespace npurun::sim
