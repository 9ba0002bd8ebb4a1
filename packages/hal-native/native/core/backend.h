// Backend: the operations of the HAL, implemented once per backend (sim, cann).
// The binding validates JS arguments and calls these; every failure is a HalException.
// Blocking calls (synchronize) are called off the JS thread; everything else is short.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/hal_error.h"

namespace npurun {

struct ArchInfo {
  std::string arch;                 // "a2a3" | "a5"
  uint32_t maxBlockDim;             // blocks of 1 cube + 2 vector cores
  uint32_t aicpuSchedulerThreads;
  uint32_t aicpuLaunchThreads;
  uint64_t timestampHz;
  uint32_t pmuCounters;
  bool hostMapping;                 // a2a3 maps device memory into the host; a5 cannot

  static const ArchInfo* forArch(const std::string& arch);  // nullptr if unknown
};

struct DeviceProps {
  std::string platform;
  const ArchInfo* arch = nullptr;
  bool simulated = true;
  int32_t deviceId = 0;
  uint32_t cubeCores = 0;
  uint32_t vectorCores = 0;
  uint32_t maxBlockDim = 0;
  uint64_t memoryBytes = 0;
  uint32_t allocationAlignment = 0;
  // a2a3 hardware: the FFTS (C2C control) base address KernelArgs.fftsBaseAddr carries; 0 elsewhere.
  uint64_t fftsBaseAddr = 0;
};

struct MemoryUsage {
  uint64_t liveBytes = 0;
  uint64_t liveAllocations = 0;
};

using StreamId = uint32_t;
using BinaryId = uint32_t;
using ProgramId = uint32_t;

// One run's device work once its graph is encoded and its KernelArgs copy allocated: the AI CPU
// init kernel (1 thread) and run kernel on one stream, the AI Core executor on another, and the
// upload of the KernelArgs copy the AI Core kernel reads, at the arch's point.
struct RunLaunch {
  StreamId aicpuStream = 0;
  ProgramId program = 0;
  std::string initKernel;
  std::string runKernel;
  uint32_t aicpuThreads = 0;
  // The host KernelArgs: the AI CPU kernels' argument block (by value) and what is uploaded.
  const uint8_t* kernelArgs = nullptr;
  size_t kernelArgsSize = 0;
  uint64_t kernelArgsAddr = 0;  // where the device copy goes (allocated by the caller)
  bool uploadBeforeAicpu = true;  // a2a3: before the AI CPU launches; a5: after them
  StreamId aicoreStream = 0;
  BinaryId binary = 0;
  uint32_t blockDim = 0;
};

// One stream's failure in a synchronizeStreams call.
struct StreamSyncFailure {
  StreamId stream;
  HalException error;
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual const DeviceProps& props() const = 0;

  // Memory. Addresses are device addresses; sizes are bytes.
  virtual uint64_t malloc(uint64_t size) = 0;
  virtual void free(uint64_t addr) = 0;
  virtual void memset(uint64_t addr, uint8_t value, uint64_t size) = 0;
  virtual void copyToDevice(uint64_t dst, const void* src, uint64_t size) = 0;
  virtual void copyFromDevice(void* dst, uint64_t src, uint64_t size) = 0;
  virtual MemoryUsage memoryUsage() const = 0;

  // Streams. synchronize blocks the calling (worker) thread for at most timeoutMs.
  virtual StreamId createStream() = 0;
  virtual void destroyStream(StreamId stream) = 0;
  virtual void synchronize(StreamId stream, uint32_t timeoutMs) = 0;
  // Waits for each stream in the order given under one deadline, timeoutMs from the call, so a run
  // waits on one worker instead of one per stream. Every stream is waited for even after an
  // earlier one failed: callers free memory the work reads once this returns. Returns the
  // failures in stream order (empty: all finished). The default calls synchronize in turn.
  virtual std::vector<StreamSyncFailure> synchronizeStreams(const std::vector<StreamId>& streams, uint32_t timeoutMs);
  // True when every stream is known to have finished all its work without a failure left to
  // report, so a wait would return at once. Never blocks; may be called on the JS thread. The
  // default (false: "not known") makes callers wait the ordinary way.
  virtual bool streamsIdle(const std::vector<StreamId>& streams) { return false; }

  // Waiting from an event loop, without a thread (optional). A backend that returns a descriptor
  // here signals it (readable) whenever stream work completes or the device faults, while a wait is
  // open (beginProgressWait .. endProgressWait); callers then ask pollStream. -1: not supported,
  // wait with synchronize on a worker thread.
  virtual int progressFd() { return -1; }
  virtual void drainProgressFd() {}
  virtual void beginProgressWait() {}
  virtual void endProgressWait() {}
  // A hint for the descriptor: the open waits need `stream` to complete up to `target` (the lowest
  // target among them), so a completion short of it need not signal. A non-zero `group` says the
  // only open wait on `stream` also needs the other streams given the same group, so only the last
  // of them to get there need signal. Signals may still come early.
  virtual void wakeProgressAt(StreamId stream, uint64_t target, uint32_t group) {}
  // What the stream's completion count must reach for the work submitted so far to be done (a
  // wrapping count: compare with core/completion_count.h).
  virtual uint64_t streamTarget(StreamId stream) { return 0; }
  // Never blocks. False while the stream's work up to `target` still runs; true once it is over,
  // with *failure set when it failed (the failure is then reported, as synchronize would).
  virtual bool pollStream(StreamId stream, uint64_t target, std::optional<HalException>* failure) { return true; }

  // Binaries and programs.
  virtual BinaryId registerAicoreBinary(const uint8_t* image, size_t size) = 0;
  virtual ProgramId loadAicpuProgram(const uint8_t* image, size_t size) = 0;
  virtual bool aicpuProgramHasKernel(ProgramId program, const std::string& name) = 0;

  // Launch (asynchronous on the stream).
  virtual void launchAicore(StreamId stream, BinaryId binary, uint32_t blockDim, uint64_t kernelArgsAddr) = 0;
  virtual void launchAicpu(StreamId stream, ProgramId program, const std::string& kernelName, uint32_t threads,
                           const uint8_t* args, size_t argsSize) = 0;

  // Uploads and launches one run (see RunLaunch), in the order the vendor runtime is called.
  // `launched` receives each stream as its first work is submitted, so after a throw the caller
  // knows what still runs (and must be waited for before memory is freed). The default makes the
  // calls above in turn; a backend may submit them together.
  virtual void launchRun(const RunLaunch& run, std::vector<StreamId>* launched);

  // Host mapping (a2a3 only). Returns the host address of the mapped range.
  virtual void* mapToHost(uint64_t addr, uint64_t size) = 0;
  virtual void unmapFromHost(uint64_t addr) = 0;

  // Stops all work and frees everything; the device stays usable.
  virtual void reset() = 0;
  // Releases the device for good (the binding drops the backend afterwards). Default: reset.
  virtual void close() { reset(); }
};

struct OpenOptions {
  std::string platform;
  int32_t deviceId = 0;
  uint64_t simMemoryBytes = 4ull << 30;
  std::string ascendHomePath;  // hardware: searched before $ASCEND_HOME_PATH and the loader path
};

// Opens the backend for options.platform ("a2a3sim", "a5sim", "a2a3", "a5").
std::unique_ptr<Backend> openBackend(const OpenOptions& options);

// Defined by each backend's translation unit.
std::unique_ptr<Backend> openSimBackend(const OpenOptions& options, const ArchInfo& arch);
std::unique_ptr<Backend> openCannBackend(const OpenOptions& options, const ArchInfo& arch);

}  // namespace npurun
