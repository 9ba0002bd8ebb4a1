// DeviceServer: the device process's command loop. It owns everything that runs device code —
// streams, the AI Core core pool, loaded programs, kernel images — and serves the host's commands
// in order from one thread, so a command's effects are in place before the next one is read.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/hal_error.h"
#include "device/core_pool.h"
#include "device/device_memory.h"
#include "device/device_stream.h"
#include "device/elf_image.h"
#include "npurun/device_abi.h"
#include "wire/protocol.h"

namespace npurun::device {

struct DeviceConfig {
  uint32_t deviceId = 0;
  uint32_t maxBlockDim = 0;
  uint32_t aicpuLaunchThreads = 0;
  uint64_t timestampHz = 0;
};

class DeviceServer {
 public:
  DeviceServer(const DeviceConfig& config, wire::ControlBlock* control, DeviceMemory* memory, int channel);
  ~DeviceServer();

  // Serves commands until the host says Shutdown or goes away. Returns the process exit status.
  int serve();

  // Device-side service behind npurun_sim_services::resolve_kernel.
  void* resolveKernel(uint64_t imageAddr, uint64_t imageSize, const char* name) noexcept;

 private:
  void handle(const uint8_t* message, size_t size, int fd);
  void reply(int32_t status, const std::string& message = "");
  void batch(const uint8_t* message, size_t size);
  void protect(const wire::ProtectBatch& batch, size_t size);
  void createStream(uint32_t slot);
  void destroyStream(uint32_t slot);
  void loadProgram(const wire::LoadProgramCommand& c, int fd);
  void launchAicore(const wire::LaunchAicoreCommand& c);
  void launchAicpu(const wire::LaunchAicpuCommand& c, const uint8_t* args);
  void reset();
  // Fails one work item of a stream that got a command it cannot run (the host validates first, so
  // this is a last line of defence, not a path users meet).
  void failStreamItem(uint32_t slot, ErrorCode code, const std::string& message);
  std::shared_ptr<ElfImage> program(uint32_t handle);

  DeviceConfig config_;
  wire::ControlBlock* control_;
  DeviceMemory* memory_;
  int channel_;
  npurun_sim_services services_{};
  // Declared before the streams: destroyed after them, so no launch is running when it stops.
  CorePool aicoreCores_;
  std::map<uint32_t, std::shared_ptr<ElfImage>> programs_;
  std::map<uint32_t, std::unique_ptr<DeviceStream>> streams_;
  std::mutex imagesMu_;
  // Kernel images loaded from device memory, by (address, size); retired when that memory is freed
  // (a core may still run them) and unloaded at reset.
  std::map<std::pair<uint64_t, uint64_t>, std::shared_ptr<ElfImage>> kernelImages_;
  std::vector<std::shared_ptr<ElfImage>> retiredImages_;
};

}  // namespace npurun::device
