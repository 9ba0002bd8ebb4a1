#include "sim/sim_backend.h"

#include <time.h>

#include <cstring>
#include <thread>
#include <vector>

namespace npurun::sim {

namespace {

// Device allocations are aligned like the hardware allocator's large-block granularity.
constexpr uint32_t kAllocationAlignment = 512;

uint64_t monotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}
uint64_t timestamp50MHz() { return monotonicNs() / 20; }
uint64_t timestamp1GHz() { return monotonicNs(); }

void* resolveKernelTrampoline(const void* device, uint64_t imageAddr, uint64_t imageSize, const char* name) {
  return static_cast<SimBackend*>(const_cast<void*>(device))->resolveKernel(imageAddr, imageSize, name);
}

using AicoreEntry = void (*)(const npurun_aicore_ctx*, uint64_t);
using AicpuKernel = int (*)(const npurun_aicpu_ctx*, void*, uint64_t);

}  // namespace

SimBackend::SimBackend(const OpenOptions& options, const ArchInfo& arch)
    : arch_(arch), memory_(options.simMemoryBytes, kAllocationAlignment) {
  props_.platform = options.platform;
  props_.arch = &arch;
  props_.simulated = true;
  props_.deviceId = options.deviceId;
  props_.maxBlockDim = arch.maxBlockDim;
  props_.cubeCores = arch.maxBlockDim;
  props_.vectorCores = arch.maxBlockDim * 2;
  props_.memoryBytes = options.simMemoryBytes;
  props_.allocationAlignment = kAllocationAlignment;
  services_.read_timestamp = arch.timestampHz == 1'000'000'000ull ? timestamp1GHz : timestamp50MHz;
  services_.timestamp_hz = arch.timestampHz;
  services_.resolve_kernel = resolveKernelTrampoline;
  services_.device = this;
}

SimBackend::~SimBackend() { reset(); }

uint64_t SimBackend::malloc(uint64_t size) { return memory_.allocate(size, "malloc"); }

void SimBackend::free(uint64_t addr) {
  const auto [base, size] = memory_.allocationContaining(addr);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (base == addr) {
      auto it = mappings_.lower_bound(base);
      if (it != mappings_.end() && it->first < base + size) {
        throw HalException(ErrorCode::StillMapped, "free",
                           "free: " + hexAddress(addr) + " is still mapped into the host at " +
                               hexAddress(it->first) + "; unmap it first");
      }
    }
  }
  memory_.release(addr, "free");
  dropKernelImagesIn(base, size);
}

void SimBackend::memset(uint64_t addr, uint8_t value, uint64_t size) {
  std::memset(memory_.resolve(addr, size, "memset"), value, size);
}

void SimBackend::copyToDevice(uint64_t dst, const void* src, uint64_t size) {
  std::memcpy(memory_.resolve(dst, size, "copyToDevice"), src, size);
}

void SimBackend::copyFromDevice(void* dst, uint64_t src, uint64_t size) {
  std::memcpy(dst, memory_.resolve(src, size, "copyFromDevice"), size);
}

StreamId SimBackend::createStream() {
  std::lock_guard<std::mutex> lock(mu_);
  const StreamId id = nextHandle_++;
  streams_.emplace(id, std::make_shared<SimStream>(id));
  return id;
}

std::shared_ptr<SimStream> SimBackend::stream(StreamId id, const char* op) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = streams_.find(id);
  if (it == streams_.end()) {
    throw HalException(ErrorCode::InvalidHandle, op,
                       std::string(op) + ": stream " + std::to_string(id) + " does not exist (destroyed, or never created)");
  }
  return it->second;
}

void SimBackend::destroyStream(StreamId id) {
  std::shared_ptr<SimStream> s = stream(id, "destroyStream");
  {
    std::lock_guard<std::mutex> lock(mu_);
    streams_.erase(id);
  }
  s->stop();
}

void SimBackend::synchronize(StreamId id, uint32_t timeoutMs) { stream(id, "synchronize")->synchronize(timeoutMs); }

bool SimBackend::streamsIdle(const std::vector<StreamId>& ids) {
  std::vector<std::shared_ptr<SimStream>> found;
  found.reserve(ids.size());
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (StreamId id : ids) {
      auto it = streams_.find(id);
      // An unknown stream is not idle: the waiting path reports it with its proper error.
      if (it == streams_.end()) return false;
      found.push_back(it->second);
    }
  }
  // Checked outside mu_, so the backend lock is never held while a stream lock is taken.
  for (const auto& s : found) {
    if (!s->idle()) return false;
  }
  return true;
}

BinaryId SimBackend::registerAicoreBinary(const uint8_t* image, size_t size) {
  std::shared_ptr<ElfImage> elf = ElfImage::load(image, size, "registerAicoreBinary", "AI Core executor binary");
  if (elf->symbol("npurun_aicore_entry") == nullptr) {
    throw HalException(ErrorCode::MissingSymbol, "registerAicoreBinary",
                       "registerAicoreBinary: the AI Core executor binary is missing a required entry: "
                       "npurun_aicore_entry");
  }
  std::lock_guard<std::mutex> lock(mu_);
  const BinaryId id = nextHandle_++;
  binaries_.emplace(id, std::move(elf));
  return id;
}

ProgramId SimBackend::loadAicpuProgram(const uint8_t* image, size_t size) {
  std::shared_ptr<ElfImage> elf = ElfImage::load(image, size, "loadAicpuProgram", "AI CPU executor program");
  std::lock_guard<std::mutex> lock(mu_);
  const ProgramId id = nextHandle_++;
  programs_.emplace(id, std::move(elf));
  return id;
}

std::shared_ptr<ElfImage> SimBackend::binary(BinaryId id, const char* op) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = binaries_.find(id);
  if (it == binaries_.end()) {
    throw HalException(ErrorCode::InvalidHandle, op,
                       std::string(op) + ": AI Core binary handle " + std::to_string(id) + " is not registered on this device");
  }
  return it->second;
}

std::shared_ptr<ElfImage> SimBackend::program(ProgramId id, const char* op) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = programs_.find(id);
  if (it == programs_.end()) {
    throw HalException(ErrorCode::InvalidHandle, op,
                       std::string(op) + ": AI CPU program handle " + std::to_string(id) + " is not loaded on this device");
  }
  return it->second;
}

bool SimBackend::aicpuProgramHasKernel(ProgramId id, const std::string& name) {
  return program(id, "aicpuProgramHasKernel")->symbol(name.c_str()) != nullptr;
}

void SimBackend::launchAicore(StreamId streamId, BinaryId binaryId, uint32_t blockDim, uint64_t kernelArgsAddr) {
  auto s = stream(streamId, "launchAicore");
  auto elf = binary(binaryId, "launchAicore");
  if (blockDim == 0 || blockDim > arch_.maxBlockDim) {
    throw HalException(ErrorCode::InvalidBlockDim, "launchAicore",
                       "launchAicore: blockDim " + std::to_string(blockDim) + " is outside 1.." +
                           std::to_string(arch_.maxBlockDim) + " (" + arch_.arch + ")");
  }
  // The kernel gets a device address, as on hardware: a host pointer here is a bug the simulator
  // must not hide by dereferencing it anyway.
  if (memory_.tryResolve(kernelArgsAddr, 1) == nullptr) {
    throw HalException(ErrorCode::InvalidAddress, "launchAicore",
                       "launchAicore: kernel argument " + hexAddress(kernelArgsAddr) +
                           " is not device memory (the AI Core kernel needs a device-resident KernelArgs copy)");
  }
  auto entry = reinterpret_cast<AicoreEntry>(elf->symbol("npurun_aicore_entry"));
  const npurun_sim_services* services = &services_;
  CorePool* cores = &aicoreCores_;
  s->enqueue([elf, entry, blockDim, kernelArgsAddr, services, cores](const volatile uint32_t* stop) {
    const uint32_t coreNum = blockDim * 3;
    std::vector<npurun_aicore_ctx> contexts(coreNum);
    for (uint32_t b = 0; b < blockDim; ++b) {
      contexts[b] = npurun_aicore_ctx{NPURUN_DEVICE_ABI_VERSION, NPURUN_CORE_CUBE, b, blockDim, 0, 1, b, coreNum, stop, services};
      for (uint32_t sub = 0; sub < 2; ++sub) {
        const uint32_t core = blockDim + 2 * b + sub;
        contexts[core] =
            npurun_aicore_ctx{NPURUN_DEVICE_ABI_VERSION, NPURUN_CORE_VECTOR, b, blockDim, sub, 2, core, coreNum, stop, services};
      }
    }
    cores->run(coreNum, [&](uint32_t c) { entry(&contexts[c], kernelArgsAddr); });
  });
}

void SimBackend::launchAicpu(StreamId streamId, ProgramId programId, const std::string& kernelName, uint32_t threads,
                             const uint8_t* args, size_t argsSize) {
  auto s = stream(streamId, "launchAicpu");
  auto elf = program(programId, "launchAicpu");
  auto kernel = reinterpret_cast<AicpuKernel>(elf->symbol(kernelName.c_str()));
  if (kernel == nullptr) {
    throw HalException(ErrorCode::UnknownKernel, "launchAicpu",
                       "launchAicpu: the AI CPU program exports no kernel named '" + kernelName + "'");
  }
  if (threads == 0 || threads > arch_.aicpuLaunchThreads) {
    throw HalException(ErrorCode::InvalidThreadCount, "launchAicpu",
                       "launchAicpu: " + std::to_string(threads) + " threads is outside 1.." +
                           std::to_string(arch_.aicpuLaunchThreads) + " (" + arch_.arch + ")");
  }
  // The vendor runtime copies the argument block into AI CPU-private memory at launch.
  auto argsCopy = std::make_shared<std::vector<uint8_t>>(args, args + argsSize);
  const npurun_sim_services* services = &services_;
  const uint32_t deviceId = static_cast<uint32_t>(props_.deviceId);
  s->enqueue([elf, kernel, kernelName, threads, argsCopy, services, deviceId](const volatile uint32_t* stop) {
    std::vector<int> results(threads, 0);
    std::vector<npurun_aicpu_ctx> contexts(threads);
    std::vector<std::thread> workers;
    workers.reserve(threads);
    for (uint32_t t = 0; t < threads; ++t) {
      contexts[t] = npurun_aicpu_ctx{NPURUN_DEVICE_ABI_VERSION, t, threads, deviceId, stop, services};
      workers.emplace_back([&, t] { results[t] = kernel(&contexts[t], argsCopy->data(), argsCopy->size()); });
    }
    for (auto& w : workers) w.join();
    for (uint32_t t = 0; t < threads; ++t) {
      if (results[t] != 0) {
        throw HalException(ErrorCode::KernelFailed, "launchAicpu",
                           "launchAicpu: AI CPU kernel '" + kernelName + "' thread " + std::to_string(t) + " returned " +
                               std::to_string(results[t]),
                           results[t]);
      }
    }
    if (__atomic_load_n(stop, __ATOMIC_RELAXED) != 0u) {
      throw HalException(ErrorCode::KernelFailed, "launchAicpu",
                         "launchAicpu: AI CPU kernel '" + kernelName + "' was stopped");
    }
  });
}

void* SimBackend::mapToHost(uint64_t addr, uint64_t size) {
  if (!arch_.hostMapping) {
    throw HalException(ErrorCode::Unsupported, "mapToHost",
                       "mapToHost: " + arch_.arch + " has no host mapping; read device buffers through copies");
  }
  if (size == 0) {
    throw HalException(ErrorCode::InvalidArgument, "mapToHost", "mapToHost: size must be at least 1 byte, got 0");
  }
  uint8_t* host = memory_.resolve(addr, size, "mapToHost");
  std::lock_guard<std::mutex> lock(mu_);
  if (!mappings_.emplace(addr, size).second) {
    throw HalException(ErrorCode::MappingState, "mapToHost", "mapToHost: " + hexAddress(addr) + " is already mapped");
  }
  return host;
}

void SimBackend::unmapFromHost(uint64_t addr) {
  std::lock_guard<std::mutex> lock(mu_);
  if (mappings_.erase(addr) == 0) {
    throw HalException(ErrorCode::MappingState, "unmapFromHost",
                       "unmapFromHost: " + hexAddress(addr) + " is not mapped into the host");
  }
}

void SimBackend::dropKernelImagesIn(uint64_t base, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = kernelImages_.begin(); it != kernelImages_.end();) {
    if (it->first.first >= base && it->first.first < base + size) {
      retiredImages_.push_back(std::move(it->second));
      it = kernelImages_.erase(it);
    } else {
      ++it;
    }
  }
}

void* SimBackend::resolveKernel(uint64_t imageAddr, uint64_t imageSize, const char* name) noexcept {
  try {
    const auto key = std::make_pair(imageAddr, imageSize);
    std::shared_ptr<ElfImage> image;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = kernelImages_.find(key);
      if (it != kernelImages_.end()) image = it->second;
    }
    if (!image) {
      const uint8_t* bytes = memory_.tryResolve(imageAddr, imageSize);
      if (bytes == nullptr) return nullptr;
      std::string reason;
      image = ElfImage::tryLoad(bytes, imageSize, &reason);
      if (!image) return nullptr;
      std::lock_guard<std::mutex> lock(mu_);
      auto [it, inserted] = kernelImages_.emplace(key, image);
      if (!inserted) image = it->second;  // another core loaded it first
    }
    return image->symbol(name);
  } catch (...) {
    return nullptr;
  }
}

void SimBackend::reset() {
  std::map<StreamId, std::shared_ptr<SimStream>> streams;
  {
    std::lock_guard<std::mutex> lock(mu_);
    streams.swap(streams_);
  }
  for (auto& [id, s] : streams) s->stop();  // device code returns before anything it uses goes away
  streams.clear();
  {
    std::lock_guard<std::mutex> lock(mu_);
    mappings_.clear();
    kernelImages_.clear();
    retiredImages_.clear();
    binaries_.clear();
    programs_.clear();
  }
  memory_.releaseAll();
}

}  // namespace npurun::sim

namespace npurun {
std::unique_ptr<Backend> openSimBackend(const OpenOptions& options, const ArchInfo& arch) {
  return std::make_unique<sim::SimBackend>(options, arch);
}
}  // namespace npurun
