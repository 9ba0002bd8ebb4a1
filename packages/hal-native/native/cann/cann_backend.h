// CannBackend: the HAL's operations on a real Ascend device, through the vendor runtime resolved at
// open (vendor_loader). It keeps its own table of what it created (allocations, streams, binaries,
// programs, host mappings) so that it can bounds-check every address before the vendor sees it and
// release everything on reset, in the order the hardware needs.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cann/aicpu_staging.h"
#include "cann/device_context.h"
#include "cann/vendor_api.h"
#include "core/backend.h"

namespace npurun::cann {

class CannBackend final : public Backend {
 public:
  CannBackend(const OpenOptions& options, const ArchInfo& arch, const VendorApi& api);
  ~CannBackend() override;
  CannBackend(const CannBackend&) = delete;
  CannBackend& operator=(const CannBackend&) = delete;

  // Attaches the device and queries what props() reports. Called once, by openCannBackend.
  void open();

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

  BinaryId registerAicoreBinary(const uint8_t* image, size_t size) override;
  ProgramId loadAicpuProgram(const uint8_t* image, size_t size) override;
  bool aicpuProgramHasKernel(ProgramId program, const std::string& name) override;

  void launchAicore(StreamId stream, BinaryId binary, uint32_t blockDim, uint64_t kernelArgsAddr) override;
  void launchAicpu(StreamId stream, ProgramId program, const std::string& kernelName, uint32_t threads,
                   const uint8_t* args, size_t argsSize) override;

  void* mapToHost(uint64_t addr, uint64_t size) override;
  void unmapFromHost(uint64_t addr) override;

  void reset() override;

  // a2a3: the FFTS (C2C control) base address KernelArgs.fftsBaseAddr needs, read with
  // rtGetC2cCtrlAddr at open; 0 on a5, which has no FFTS.
  uint64_t fftsBaseAddr() const { return fftsBaseAddr_; }

 private:
  struct AicoreBinary {
    void* handle;
    std::vector<uint8_t> image;  // kept alive for as long as the vendor may refer to it
  };
  struct AicpuProgram {
    std::unique_ptr<StagedAicpuProgram> files;
    rtBinHandle handle;
    std::vector<std::string> kernels;
    std::map<std::string, rtFuncHandle> functions;  // resolved lazily, at first launch of each name
  };
  struct HostMapping {
    void* host;
    uint64_t size;
  };

  void attach(const char* op);
  void resolveBlockDim();
  rtStream streamFor(StreamId stream, const char* op) const;           // caller holds mu_
  void checkRange(uint64_t addr, uint64_t size, const char* op) const;  // caller holds mu_
  [[noreturn]] void unsupportedMapping(const char* op) const;

  const ArchInfo& arch_;
  const VendorApi api_;
  DeviceContext ctx_;
  DeviceProps props_;
  uint32_t driverDeviceId_;
  uint64_t fftsBaseAddr_ = 0;
  std::atomic<bool> opTimeoutConfigured_{false};

  mutable std::mutex mu_;
  std::map<uint64_t, uint64_t> allocations_;  // device address -> requested size
  uint64_t liveBytes_ = 0;
  std::map<StreamId, rtStream> streams_;
  std::map<BinaryId, AicoreBinary> binaries_;
  std::map<ProgramId, AicpuProgram> programs_;
  std::map<uint64_t, HostMapping> mappings_;  // device address -> mapping
  // Handles are never reused, so a handle from before a reset stays invalid after it.
  StreamId nextStream_ = 1;
  BinaryId nextBinary_ = 1;
  ProgramId nextProgram_ = 1;
};

}  // namespace npurun::cann
