// SimBackend: the thread-based simulator of one a2a3 or a5 device. Memory is an AddressSpace,
// streams are SimStreams, AI Core cores and AI CPU threads are host threads running device programs
// (host shared objects) through the ABI of include/npurun/device_abi.h.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "core/backend.h"
#include "npurun/device_abi.h"
#include "sim/address_space.h"
#include "sim/core_pool.h"
#include "sim/elf_image.h"
#include "sim/sim_stream.h"

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
  MemoryUsage memoryUsage() const override { return memory_.usage(); }

  StreamId createStream() override;
  void destroyStream(StreamId stream) override;
  void synchronize(StreamId stream, uint32_t timeoutMs) override;
  bool streamsIdle(const std::vector<StreamId>& streams) override;

  BinaryId registerAicoreBinary(const uint8_t* image, size_t size) override;
  ProgramId loadAicpuProgram(const uint8_t* image, size_t size) override;
  bool aicpuProgramHasKernel(ProgramId program, const std::string& name) override;

  void launchAicore(StreamId stream, BinaryId binary, uint32_t blockDim, uint64_t kernelArgsAddr) override;
  void launchAicpu(StreamId stream, ProgramId program, const std::string& kernelName, uint32_t threads,
                   const uint8_t* args, size_t argsSize) override;

  void* mapToHost(uint64_t addr, uint64_t size) override;
  void unmapFromHost(uint64_t addr) override;

  void reset() override;

  // Device-side service behind npurun_sim_services::resolve_kernel.
  void* resolveKernel(uint64_t imageAddr, uint64_t imageSize, const char* name) noexcept;

 private:
  std::shared_ptr<SimStream> stream(StreamId id, const char* op);
  std::shared_ptr<ElfImage> binary(BinaryId id, const char* op);
  std::shared_ptr<ElfImage> program(ProgramId id, const char* op);
  void dropKernelImagesIn(uint64_t base, uint64_t size);

  DeviceProps props_;
  const ArchInfo& arch_;
  AddressSpace memory_;
  // Declared before the streams: destroyed after them, so no launch is running when it stops.
  CorePool aicoreCores_;
  npurun_sim_services services_{};

  std::mutex mu_;  // guards the tables below (memory_ has its own lock)
  uint32_t nextHandle_ = 1;
  std::map<StreamId, std::shared_ptr<SimStream>> streams_;
  std::map<BinaryId, std::shared_ptr<ElfImage>> binaries_;
  std::map<ProgramId, std::shared_ptr<ElfImage>> programs_;
  std::map<uint64_t, uint64_t> mappings_;  // device address -> size
  // Kernel images loaded from device memory, by (address, size). Dropped when that memory is freed.
  std::map<std::pair<uint64_t, uint64_t>, std::shared_ptr<ElfImage>> kernelImages_;
  // Images whose memory was freed while a core might still run them; unloaded at reset.
  std::vector<std::shared_ptr<ElfImage>> retiredImages_;
};

}  // namespace npurun::sim
