#include "cann/cann_backend.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <optional>

#include "cann/elf_exports.h"
#include "cann/vendor_error.h"
#include "cann/vendor_loader.h"

namespace npurun::cann {
namespace {

// The AI Core op execution timeout set at first attach. The upstream runner moved from 1 s to 45 s after
// real workloads hit the limit; a kernel that overruns it is aborted by the device (507014).
constexpr uint64_t kOpExecuteTimeoutUs = 45'000'000;

// rtMalloc's HBM allocations are at least this aligned; the exact granule is the driver's.
constexpr uint32_t kAllocationAlignment = 32;

// Codes aclrtSynchronizeStreamWithTimeout returns when a kernel on the stream faulted or overran:
// AI Core timeout/exception, AI CPU timeout/exception.
bool isKernelFault(rtError rc) { return rc == 507014 || rc == 507015 || rc == 507017 || rc == 507018; }

std::string sizeArg(uint64_t size) { return "size=" + std::to_string(size); }

}  // namespace

CannBackend::CannBackend(const OpenOptions& options, const ArchInfo& arch, const VendorApi& api)
    : arch_(arch),
      api_(api),
      ctx_(api_, options.deviceId),
      driverDeviceId_(driverDeviceId(options.deviceId, std::getenv("ASCEND_RT_VISIBLE_DEVICES"))) {
  props_.platform = options.platform;
  props_.arch = &arch;
  props_.simulated = false;
  props_.deviceId = options.deviceId;
  props_.allocationAlignment = kAllocationAlignment;
}

CannBackend::~CannBackend() {
  // close() without a reset still must not leave device memory or a bound context behind.
  try {
    reset();
  } catch (const HalException&) {
    // Nothing to report to: the device is being released either way.
  }
}

void CannBackend::attach(const char* op) {
  ctx_.attach(op);
  if (!opTimeoutConfigured_.exchange(true)) {
    // Advisory, as in the upstream runner: a runtime that rejects it keeps its default timeout.
    uint64_t actual = 0;
    (void)api_.aclrtSetOpExecuteTimeOutV2(kOpExecuteTimeoutUs, &actual);
  }
}

void CannBackend::open() {
  const char* op = "openDevice";
  if (props_.deviceId < 0) {
    throw HalException(ErrorCode::InvalidArgument, op,
                       std::string(op) + ": deviceId must be >= 0, got " + std::to_string(props_.deviceId));
  }
  attach(op);
  try {
    resolveBlockDim();
    size_t freeBytes = 0;
    size_t totalBytes = 0;
    checkVendor(api_.aclrtGetMemInfo(kAclHbmMem, &freeBytes, &totalBytes), op, "aclrtGetMemInfo(ACL_HBM_MEM)");
    props_.memoryBytes = totalBytes;
    if (arch_.hostMapping) {
      uint32_t len = 0;
      checkVendor(api_.rtGetC2cCtrlAddr(&fftsBaseAddr_, &len), op, "rtGetC2cCtrlAddr");
      props_.fftsBaseAddr = fftsBaseAddr_;
    }
  } catch (...) {
    (void)api_.rtDeviceReset(props_.deviceId);
    ctx_.invalidate();
    throw;
  }
}

void CannBackend::resolveBlockDim() {
  // One block is 1 cube + 2 vector cores, so the usable blockDim is min(cube, vector / 2), capped
  // at the arch's maximum. The query is on the default stream (NULL); runtimes without it (a5's
  // docs mark it unsupported) or a zero answer fall back to the arch's static maximum.
  uint32_t cube = 0;
  uint32_t vector = 0;
  uint32_t maxBlockDim = arch_.maxBlockDim;
  if (api_.aclrtGetStreamResLimit(nullptr, kAclDevResCubeCore, &cube) == kRtSuccess &&
      api_.aclrtGetStreamResLimit(nullptr, kAclDevResVectorCore, &vector) == kRtSuccess) {
    const uint32_t fromCores = std::min(cube, vector / 2);
    if (fromCores > 0) maxBlockDim = std::min(fromCores, arch_.maxBlockDim);
  }
  props_.maxBlockDim = maxBlockDim;
  props_.cubeCores = maxBlockDim;
  props_.vectorCores = 2 * maxBlockDim;
}

rtStream CannBackend::streamFor(StreamId stream, const char* op) const {
  auto it = streams_.find(stream);
  if (it == streams_.end()) {
    throw HalException(ErrorCode::InvalidHandle, op,
                       std::string(op) + ": stream " + std::to_string(stream) + " is not a live stream of this device");
  }
  return it->second;
}

void CannBackend::checkRange(uint64_t addr, uint64_t size, const char* op) const {
  auto it = allocations_.upper_bound(addr);
  if (it == allocations_.begin() || addr >= std::prev(it)->first + std::max<uint64_t>(std::prev(it)->second, 1)) {
    throw HalException(ErrorCode::InvalidAddress, op,
                       std::string(op) + ": " + hexAddress(addr) + " is not inside a live device allocation");
  }
  --it;
  const uint64_t end = it->first + it->second;
  if (size > end - addr) {
    throw HalException(ErrorCode::OutOfBounds, op,
                       std::string(op) + ": " + std::to_string(size) + " bytes at " + hexAddress(addr) +
                           " run past the end of the allocation at " + hexAddress(it->first) + " (" +
                           std::to_string(it->second) + " bytes)");
  }
}

uint64_t CannBackend::malloc(uint64_t size) {
  const char* op = "malloc";
  if (size == 0) throw HalException(ErrorCode::InvalidArgument, op, "malloc: size must be > 0, got 0");
  attach(op);
  void* ptr = nullptr;
  const rtError rc = api_.rtMalloc(&ptr, size, kRtMemoryHbm, kRtModuleIdHost);
  const std::string call = "rtMalloc(" + sizeArg(size) + ", RT_MEMORY_HBM)";
  if (rc != kRtSuccess) {
    throwVendorError(rc == kAclErrorMemoryAllocation ? ErrorCode::OutOfMemory : ErrorCode::VendorError, op, call, rc);
  }
  if (ptr == nullptr) throw HalException(ErrorCode::Internal, op, "malloc: " + call + " succeeded but returned NULL");
  const auto addr = reinterpret_cast<uint64_t>(ptr);
  std::lock_guard<std::mutex> lock(mu_);
  allocations_[addr] = size;
  liveBytes_ += size;
  return addr;
}

void CannBackend::free(uint64_t addr) {
  const char* op = "free";
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = allocations_.find(addr);
    if (it == allocations_.end()) {
      throw HalException(ErrorCode::InvalidAddress, op,
                         "free: " + hexAddress(addr) + " is not the start of a live device allocation");
    }
    auto m = mappings_.lower_bound(addr);
    if (m != mappings_.end() && m->first < addr + it->second) {
      throw HalException(ErrorCode::StillMapped, op,
                         "free: the allocation at " + hexAddress(addr) + " is still mapped into the host at " +
                             hexAddress(m->first) + "; unmapFromHost it first");
    }
  }
  attach(op);
  checkVendor(api_.rtFree(reinterpret_cast<void*>(addr)), op, "rtFree(" + hexAddress(addr) + ")");
  std::lock_guard<std::mutex> lock(mu_);
  auto it = allocations_.find(addr);
  if (it != allocations_.end()) {
    liveBytes_ -= it->second;
    allocations_.erase(it);
  }
}

void CannBackend::memset(uint64_t addr, uint8_t value, uint64_t size) {
  const char* op = "memset";
  {
    std::lock_guard<std::mutex> lock(mu_);
    checkRange(addr, size, op);
  }
  if (size == 0) return;
  attach(op);
  checkVendor(api_.aclrtMemset(reinterpret_cast<void*>(addr), size, value, size), op,
              "aclrtMemset(" + hexAddress(addr) + ", value=" + std::to_string(value) + ", " + sizeArg(size) + ")");
}

void CannBackend::copyToDevice(uint64_t dst, const void* src, uint64_t size) {
  const char* op = "copyToDevice";
  {
    std::lock_guard<std::mutex> lock(mu_);
    checkRange(dst, size, op);
  }
  if (size == 0) return;
  attach(op);
  checkVendor(api_.rtMemcpy(reinterpret_cast<void*>(dst), size, src, size, kRtMemcpyHostToDevice), op,
              "rtMemcpy(dst=" + hexAddress(dst) + ", " + sizeArg(size) + ", RT_MEMCPY_HOST_TO_DEVICE)");
}

void CannBackend::copyFromDevice(void* dst, uint64_t src, uint64_t size) {
  const char* op = "copyFromDevice";
  {
    std::lock_guard<std::mutex> lock(mu_);
    checkRange(src, size, op);
  }
  if (size == 0) return;
  attach(op);
  checkVendor(api_.rtMemcpy(dst, size, reinterpret_cast<const void*>(src), size, kRtMemcpyDeviceToHost), op,
              "rtMemcpy(src=" + hexAddress(src) + ", " + sizeArg(size) + ", RT_MEMCPY_DEVICE_TO_HOST)");
}

MemoryUsage CannBackend::memoryUsage() const {
  std::lock_guard<std::mutex> lock(mu_);
  MemoryUsage usage;
  usage.liveBytes = liveBytes_;
  usage.liveAllocations = allocations_.size();
  return usage;
}

StreamId CannBackend::createStream() {
  const char* op = "createStream";
  attach(op);
  rtStream stream = nullptr;
  checkVendor(api_.rtStreamCreate(&stream, 0), op, "rtStreamCreate(priority=0)");
  std::lock_guard<std::mutex> lock(mu_);
  const StreamId id = nextStream_++;
  streams_[id] = stream;
  return id;
}

void CannBackend::destroyStream(StreamId stream) {
  const char* op = "destroyStream";
  rtStream handle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    handle = streamFor(stream, op);
  }
  attach(op);
  // No synchronize first: syncing a stream in an error state wedges the device (a vendor runtime quirk).
  checkVendor(api_.rtStreamDestroy(handle), op, "rtStreamDestroy(stream " + std::to_string(stream) + ")");
  std::lock_guard<std::mutex> lock(mu_);
  streams_.erase(stream);
}

void CannBackend::synchronize(StreamId stream, uint32_t timeoutMs) {
  const char* op = "synchronize";
  rtStream handle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    handle = streamFor(stream, op);
  }
  attach(op);  // runs on a libuv worker, which has no device bound until it attaches
  // ACL reads a timeout of 0 or below as "wait forever"; a HAL timeout never means that.
  const int32_t vendorTimeout = static_cast<int32_t>(std::clamp<uint32_t>(timeoutMs, 1, INT32_MAX));
  const rtError rc = api_.aclrtSynchronizeStreamWithTimeout(handle, vendorTimeout);
  if (rc == kRtSuccess) return;
  const std::string call =
      "aclrtSynchronizeStreamWithTimeout(stream " + std::to_string(stream) + ", " + std::to_string(vendorTimeout) + " ms)";
  if (rc == kAclErrorStreamSyncTimeout) {
    throw HalException(ErrorCode::SyncTimeout, op,
                       "synchronize: stream " + std::to_string(stream) + " did not finish within " +
                           std::to_string(vendorTimeout) + " ms (" + call + " returned " + std::to_string(rc) + ")",
                       rc);
  }
  throwVendorError(isKernelFault(rc) ? ErrorCode::KernelFailed : ErrorCode::VendorError, op, call, rc);
}

BinaryId CannBackend::registerAicoreBinary(const uint8_t* image, size_t size) {
  const char* op = "registerAicoreBinary";
  static const uint8_t kElfMagic[4] = {0x7f, 'E', 'L', 'F'};
  if (size < sizeof kElfMagic || !std::equal(kElfMagic, kElfMagic + 4, image)) {
    throw HalException(ErrorCode::InvalidBinary, op,
                       "registerAicoreBinary: the AI Core executor must be an ELF image (" + std::to_string(size) +
                           " bytes without the ELF magic)");
  }
  AicoreBinary binary{nullptr, std::vector<uint8_t>(image, image + size)};
  attach(op);
  RtDevBinary dev{kRtDevBinaryMagicElf, 0, binary.image.data(), binary.image.size()};
  checkVendor(api_.rtRegisterAllKernel(&dev, &binary.handle), op,
              "rtRegisterAllKernel(RT_DEV_BINARY_MAGIC_ELF, " + sizeArg(size) + ")");
  std::lock_guard<std::mutex> lock(mu_);
  const BinaryId id = nextBinary_++;
  binaries_.emplace(id, std::move(binary));
  return id;
}

ProgramId CannBackend::loadAicpuProgram(const uint8_t* image, size_t size) {
  const char* op = "loadAicpuProgram";
  std::vector<std::string> exported;
  std::string reason;
  if (!elfExportedFunctions(image, size, &exported, &reason)) {
    throw HalException(ErrorCode::InvalidBinary, op, "loadAicpuProgram: the AI CPU executor program is " + reason);
  }
  AicpuProgram program;
  for (std::string& name : exported) {
    if (isKernelIdentifier(name)) program.kernels.push_back(std::move(name));
  }
  if (program.kernels.empty()) {
    throw HalException(ErrorCode::InvalidBinary, op,
                       "loadAicpuProgram: the AI CPU executor program exports no function that could be a kernel");
  }
  program.files = std::make_unique<StagedAicpuProgram>(image, size, program.kernels, op);
  attach(op);
  RtLoadBinaryOption option{};
  option.optionId = kRtLoadBinaryOptCpuKernelMode;
  option.value.cpuKernelMode = kCpuKernelModeJsonAndSo;
  RtLoadBinaryConfig config{&option, 1};
  checkVendor(api_.rtsBinaryLoadFromFile(program.files->jsonPath().c_str(), &config, &program.handle), op,
              "rtsBinaryLoadFromFile(" + program.files->jsonPath() + ", cpuKernelMode=1)");
  std::lock_guard<std::mutex> lock(mu_);
  const ProgramId id = nextProgram_++;
  programs_.emplace(id, std::move(program));
  return id;
}

bool CannBackend::aicpuProgramHasKernel(ProgramId program, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = programs_.find(program);
  if (it == programs_.end()) {
    throw HalException(ErrorCode::InvalidHandle, "aicpuProgramHasKernel",
                       "aicpuProgramHasKernel: program " + std::to_string(program) + " is not loaded on this device");
  }
  const auto& kernels = it->second.kernels;
  return std::find(kernels.begin(), kernels.end(), name) != kernels.end();
}

void CannBackend::launchAicore(StreamId stream, BinaryId binary, uint32_t blockDim, uint64_t kernelArgsAddr) {
  const char* op = "launchAicore";
  if (blockDim == 0 || blockDim > props_.maxBlockDim) {
    throw HalException(ErrorCode::InvalidBlockDim, op,
                       "launchAicore: blockDim must be 1.." + std::to_string(props_.maxBlockDim) + " on this device, got " +
                           std::to_string(blockDim));
  }
  rtStream handle;
  void* binaryHandle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    handle = streamFor(stream, op);
    auto it = binaries_.find(binary);
    if (it == binaries_.end()) {
      throw HalException(ErrorCode::InvalidHandle, op,
                         "launchAicore: binary " + std::to_string(binary) + " is not registered on this device");
    }
    binaryHandle = it->second.handle;
    // The kernel dereferences this on the device, so it must be device memory holding KernelArgs.
    checkRange(kernelArgsAddr, sizeof(uint64_t), op);
  }
  attach(op);
  // The executor's single argument is the device address of KernelArgs; CANN copies this 8-byte
  // block to the device at launch.
  uint64_t argBlock = kernelArgsAddr;
  RtArgsEx args{};
  args.args = &argBlock;
  args.argsSize = sizeof argBlock;
  RtTaskCfgInfo cfg{};
  cfg.schemMode = kRtSchemModeBatch;
  checkVendor(api_.rtKernelLaunchWithHandleV2(binaryHandle, 0, blockDim, &args, nullptr, handle, &cfg), op,
              "rtKernelLaunchWithHandleV2(blockDim=" + std::to_string(blockDim) + ", kernelArgs=" +
                  hexAddress(kernelArgsAddr) + ", stream " + std::to_string(stream) + ")");
}

void CannBackend::launchAicpu(StreamId stream, ProgramId program, const std::string& kernelName, uint32_t threads,
                              const uint8_t* args, size_t argsSize) {
  const char* op = "launchAicpu";
  if (threads == 0 || threads > arch_.aicpuLaunchThreads) {
    throw HalException(ErrorCode::InvalidThreadCount, op,
                       "launchAicpu: threads must be 1.." + std::to_string(arch_.aicpuLaunchThreads) + " on " +
                           arch_.arch + ", got " + std::to_string(threads));
  }
  if (argsSize > UINT32_MAX) {
    throw HalException(ErrorCode::InvalidArgument, op,
                       "launchAicpu: the argument block must be < 4 GiB, got " + std::to_string(argsSize) + " bytes");
  }
  rtStream handle;
  rtBinHandle binHandle;
  rtFuncHandle func = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    handle = streamFor(stream, op);
    auto it = programs_.find(program);
    if (it == programs_.end()) {
      throw HalException(ErrorCode::InvalidHandle, op,
                         "launchAicpu: program " + std::to_string(program) + " is not loaded on this device");
    }
    const auto& kernels = it->second.kernels;
    if (std::find(kernels.begin(), kernels.end(), kernelName) == kernels.end()) {
      throw HalException(ErrorCode::UnknownKernel, op,
                         "launchAicpu: program " + std::to_string(program) + " exports no kernel '" + kernelName + "'");
    }
    binHandle = it->second.handle;
    auto f = it->second.functions.find(kernelName);
    if (f != it->second.functions.end()) func = f->second;
  }
  attach(op);
  if (func == nullptr) {
    checkVendor(api_.rtsFuncGetByName(binHandle, kernelName.c_str(), &func), op,
                "rtsFuncGetByName('" + kernelName + "')");
    std::lock_guard<std::mutex> lock(mu_);
    auto it = programs_.find(program);
    if (it != programs_.end()) it->second.functions[kernelName] = func;
  }
  // The runtime copies the argument block into AI CPU memory at launch; the copy here only exists
  // because the vendor signature takes a non-const pointer.
  std::vector<uint8_t> block(args, args + argsSize);
  RtCpuKernelArgs cpuArgs{};
  cpuArgs.baseArgs.args = block.empty() ? nullptr : block.data();
  cpuArgs.baseArgs.argsSize = static_cast<uint32_t>(argsSize);
  RtLaunchKernelAttr attr{};
  RtKernelLaunchCfg cfg{&attr, 0};
  checkVendor(api_.rtsLaunchCpuKernel(func, threads, handle, &cfg, &cpuArgs), op,
              "rtsLaunchCpuKernel('" + kernelName + "', threads=" + std::to_string(threads) + ", stream " +
                  std::to_string(stream) + ")");
}

void CannBackend::unsupportedMapping(const char* op) const {
  throw HalException(ErrorCode::Unsupported, op,
                     std::string(op) + ": " + arch_.arch +
                         " has no host mapping of device memory (halHostRegister is a2a3-only); use copyFromDevice "
                         "into a host shadow instead");
}

void* CannBackend::mapToHost(uint64_t addr, uint64_t size) {
  const char* op = "mapToHost";
  if (!arch_.hostMapping) unsupportedMapping(op);
  if (size == 0) throw HalException(ErrorCode::InvalidArgument, op, "mapToHost: size must be > 0, got 0");
  {
    std::lock_guard<std::mutex> lock(mu_);
    checkRange(addr, size, op);
    auto next = mappings_.lower_bound(addr);
    const bool overlapsNext = next != mappings_.end() && next->first < addr + size;
    const bool overlapsPrev = next != mappings_.begin() && std::prev(next)->first + std::prev(next)->second.size > addr;
    if (overlapsNext || overlapsPrev) {
      throw HalException(ErrorCode::MappingState, op,
                         "mapToHost: " + std::to_string(size) + " bytes at " + hexAddress(addr) +
                             " overlap a range that is already mapped");
    }
  }
  void* host = nullptr;
  checkVendor(api_.halHostRegister(reinterpret_cast<void*>(addr), size, kDevSvmMapHost, driverDeviceId_, &host), op,
              "halHostRegister(" + hexAddress(addr) + ", " + sizeArg(size) + ", DEV_SVM_MAP_HOST, device " +
                  std::to_string(driverDeviceId_) + ")");
  std::lock_guard<std::mutex> lock(mu_);
  mappings_[addr] = HostMapping{host, size};
  return host;
}

void CannBackend::unmapFromHost(uint64_t addr) {
  const char* op = "unmapFromHost";
  if (!arch_.hostMapping) unsupportedMapping(op);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (mappings_.find(addr) == mappings_.end()) {
      throw HalException(ErrorCode::MappingState, op, "unmapFromHost: " + hexAddress(addr) + " is not mapped");
    }
  }
  // The driver names the range by its device address (the upstream runner passes the device pointer).
  checkVendor(api_.halHostUnregister(reinterpret_cast<void*>(addr), driverDeviceId_), op,
              "halHostUnregister(" + hexAddress(addr) + ", device " + std::to_string(driverDeviceId_) + ")");
  std::lock_guard<std::mutex> lock(mu_);
  mappings_.erase(addr);
}

void CannBackend::reset() {
  const char* op = "reset";
  std::optional<HalException> first;
  auto attempt = [&](rtError rc, const std::string& call) {
    if (rc != kRtSuccess && !first) {
      first.emplace(ErrorCode::VendorError, op,
                    std::string(op) + ": " + call + " failed with CANN error " + std::to_string(rc), rc);
    }
  };

  std::map<StreamId, rtStream> streams;
  std::map<uint64_t, HostMapping> mappings;
  std::map<uint64_t, uint64_t> allocations;
  std::map<ProgramId, AicpuProgram> programs;
  std::map<BinaryId, AicoreBinary> binaries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Nothing was created and no thread bound the device since the last reset: the context is
    // already gone, and resetting again would only create one to tear it down.
    if (streams_.empty() && mappings_.empty() && allocations_.empty() && programs_.empty() && binaries_.empty() &&
        !ctx_.attachedSinceReset()) {
      return;
    }
    streams.swap(streams_);
    mappings.swap(mappings_);
    allocations.swap(allocations_);
    programs.swap(programs_);
    binaries.swap(binaries_);
    liveBytes_ = 0;
  }

  try {
    attach(op);
  } catch (const HalException& e) {
    first.emplace(e);
  }
  // Work first (streams, without a sync: see destroyStream), then what the work could touch, then
  // the RTS program handles while the context is still alive (RTS calls on a reset context crash
  // on a5), and the device context last. AI Core binaries have no unregister in CANN: the device
  // context releases them.
  for (const auto& [id, stream] : streams) {
    attempt(api_.rtStreamDestroy(stream), "rtStreamDestroy(stream " + std::to_string(id) + ")");
  }
  for (const auto& [addr, mapping] : mappings) {
    attempt(api_.halHostUnregister(reinterpret_cast<void*>(addr), driverDeviceId_),
            "halHostUnregister(" + hexAddress(addr) + ")");
  }
  for (const auto& [addr, size] : allocations) {
    attempt(api_.rtFree(reinterpret_cast<void*>(addr)), "rtFree(" + hexAddress(addr) + ")");
  }
  for (const auto& [id, program] : programs) {
    attempt(api_.rtsBinaryUnload(program.handle), "rtsBinaryUnload(program " + std::to_string(id) + ")");
  }
  attempt(api_.rtDeviceReset(props_.deviceId), "rtDeviceReset(" + std::to_string(props_.deviceId) + ")");
  ctx_.invalidate();
  // The op timeout belongs to the device context that was just torn down.
  opTimeoutConfigured_.store(false);
  programs.clear();  // removes the staged files, now that the vendor no longer reads them
  if (first) throw *first;
}

}  // namespace npurun::cann

namespace npurun {

std::unique_ptr<Backend> openCannBackend(const OpenOptions& options, const ArchInfo& arch) {
  const cann::VendorApi api = cann::loadVendorApi(options, arch);
  auto backend = std::make_unique<cann::CannBackend>(options, arch, api);
  backend->open();
  return backend;
}

}  // namespace npurun
