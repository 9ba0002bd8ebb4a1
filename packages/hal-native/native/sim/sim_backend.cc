#include "sim/sim_backend.h"

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "core/completion_count.h"
#include "core/elf_check.h"
#include "sim/fault_report.h"
#include "wire/futex.h"

namespace npurun::sim {

namespace {

// How long device code gets to return after its stop flag is raised (stream destroy, reset)
// before the device process is killed. Bounds finalize and close (the contract: 2 s).
constexpr int kStopGraceMs = 1000;
// Loading a program runs its static constructors in the device process.
constexpr int kLoadTimeoutMs = 10'000;
constexpr int kReplyTimeoutMs = 10'000;
// A waiter re-checks for a dead device at least this often, whatever the futex says.
constexpr int64_t kWaitSliceNs = 50'000'000;
// Protection changes that ride in a run's launch message; more go ahead in a message of their own.
constexpr size_t kBatchedProtectEntries = 64;

using Clock = std::chrono::steady_clock;

template <typename T>
T command(wire::Op op) {
  T c{};
  c.h.op = static_cast<uint32_t>(op);
  return c;
}

}  // namespace

SimBackend::SimBackend(const OpenOptions& options, const ArchInfo& arch) : arch_(arch), options_(options) {
  props_.platform = options.platform;
  props_.arch = &arch;
  props_.simulated = true;
  props_.deviceId = options.deviceId;
  props_.maxBlockDim = arch.maxBlockDim;
  props_.cubeCores = arch.maxBlockDim;
  props_.vectorCores = arch.maxBlockDim * 2;
  props_.memoryBytes = options.simMemoryBytes;
  props_.allocationAlignment = static_cast<uint32_t>(wire::kPageBytes);
  notifyFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (notifyFd_ < 0) throw HalException(ErrorCode::Internal, "openDevice", "openDevice: eventfd failed");
  try {
    start();
  } catch (...) {
    ::close(notifyFd_);
    throw;
  }
}

SimBackend::~SimBackend() {
  stop();
  ::close(notifyFd_);
}

void SimBackend::start() {
  DeviceProcessConfig config;
  config.deviceId = static_cast<uint32_t>(options_.deviceId);
  config.maxBlockDim = arch_.maxBlockDim;
  config.aicpuLaunchThreads = arch_.aicpuLaunchThreads;
  config.timestampHz = arch_.timestampHz;
  config.memoryBytes = options_.simMemoryBytes;
  config.notifyFd = notifyFd_;
  std::atomic_store(&process_, std::make_shared<DeviceProcess>(config, [this](const ProcessExit& exit) { onProcessExit(exit); }));
  process_->control()->hostWaiting = progressWaits_ > 0 ? 1u : 0u;
  std::lock_guard<std::mutex> lock(faultMu_);
  memory_ = std::make_unique<AddressSpace>(process_->hostMemory(), process_->deviceBase(), process_->memoryBytes(),
                                           process_->memoryFd(), process_->pages(), [this](const wire::ProtectEntry& e) {
                                             std::lock_guard<std::mutex> p(protectMu_);
                                             pendingProtect_.push_back(e);
                                           });
}

void SimBackend::stop() {
  std::shared_ptr<DeviceProcess> process = std::atomic_exchange(&process_, std::shared_ptr<DeviceProcess>());
  if (process) process->terminate();  // asks the process to go, kills it if it will not, and reaps it
  std::lock_guard<std::mutex> lock(faultMu_);
  memory_.reset();
}

void SimBackend::onProcessExit(const ProcessExit& exit) {
  if (exit.requested) return;
  std::lock_guard<std::mutex> lock(faultMu_);
  const AddressSpace* memory = memory_.get();
  std::shared_ptr<DeviceProcess> process = currentProcess();
  if (!process) return;
  std::string message = describeDeviceFault(*process->control(), exit, [memory](uint64_t addr) {
    return memory != nullptr ? memory->describe(addr) : hexAddress(addr);
  });
  fault_ = "device fault: " + message;
  faulted_.store(true, std::memory_order_release);
}

void SimBackend::throwFault(const char* op) const {
  std::string message;
  {
    std::lock_guard<std::mutex> lock(faultMu_);
    message = fault_;
  }
  throw HalException(ErrorCode::DeviceFault, op,
                     std::string(op) + ": " + message + " (the device is faulted: reset it, or close it and open a new one)");
}

void SimBackend::checkHealthy(const char* op) const {
  if (faulted_.load(std::memory_order_acquire)) throwFault(op);
}

void SimBackend::deviceGone(const char* op) {
  process_->waitEnded(kStopGraceMs);
  if (!faulted_.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(faultMu_);
    fault_ = "device fault: the device process stopped answering";
    faulted_.store(true, std::memory_order_release);
  }
  throwFault(op);
}

// One Protect command carrying `count` entries (at most kMaxProtectEntries).
static std::vector<uint8_t> protectMessage(const wire::ProtectEntry* entries, size_t count) {
  wire::ProtectBatch head{};
  head.h.op = static_cast<uint32_t>(wire::Op::Protect);
  head.count = static_cast<uint32_t>(count);
  const size_t header = offsetof(wire::ProtectBatch, entries);
  std::vector<uint8_t> bytes(header + count * sizeof(wire::ProtectEntry));
  std::memcpy(bytes.data(), &head, header);
  std::memcpy(bytes.data() + header, entries, count * sizeof(wire::ProtectEntry));
  return bytes;
}

std::vector<wire::ProtectEntry> SimBackend::takePendingProtect() {
  std::vector<wire::ProtectEntry> pending;
  std::lock_guard<std::mutex> lock(protectMu_);
  pending.swap(pendingProtect_);
  return pending;
}

void SimBackend::sendProtectLocked(const std::vector<wire::ProtectEntry>& entries, const char* op) {
  for (size_t i = 0; i < entries.size(); i += wire::kMaxProtectEntries) {
    const std::vector<uint8_t> message = protectMessage(entries.data() + i, std::min<size_t>(entries.size() - i, wire::kMaxProtectEntries));
    if (!process_->send(message.data(), message.size())) deviceGone(op);
  }
}

void SimBackend::flushProtectLocked(const char* op) { sendProtectLocked(takePendingProtect(), op); }

void SimBackend::sendLocked(const void* data, size_t size, const char* op, int fd) {
  flushProtectLocked(op);
  if (!process_->send(data, size, fd)) deviceGone(op);
}

wire::Reply SimBackend::call(const void* data, size_t size, const char* op, int timeoutMs, int fd) {
  std::lock_guard<std::mutex> lock(channelMu_);
  checkHealthy(op);
  sendLocked(data, size, op, fd);
  wire::Reply reply{};
  switch (process_->receiveReply(&reply, timeoutMs)) {
    case DeviceProcess::ReplyStatus::Ok: return reply;
    case DeviceProcess::ReplyStatus::Gone: deviceGone(op);
    case DeviceProcess::ReplyStatus::TimedOut:
      process_->kill(std::string(op) + ": device code did not return within " + std::to_string(timeoutMs) +
                     " ms of the stop request, so the device process was ended");
      deviceGone(op);
  }
  deviceGone(op);
}

// ---------------------------------------------------------------- memory

uint64_t SimBackend::malloc(uint64_t size) {
  checkHealthy("malloc");
  return memory_->allocate(size, "malloc");
}

void SimBackend::free(uint64_t addr) {
  const auto [base, size] = memory_->allocationContaining(addr);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (base == addr) {
      auto it = mappings_.lower_bound(base);
      if (it != mappings_.end() && it->first < base + size) {
        throw HalException(ErrorCode::StillMapped, "free",
                           "free: " + hexAddress(addr) + " is still mapped into the host at " + hexAddress(it->first) +
                               "; unmap it first");
      }
    }
  }
  memory_->release(addr, "free");
}

void SimBackend::memset(uint64_t addr, uint8_t value, uint64_t size) {
  checkHealthy("memset");
  std::memset(memory_->resolve(addr, size, "memset"), value, size);
}

void SimBackend::copyToDevice(uint64_t dst, const void* src, uint64_t size) {
  checkHealthy("copyToDevice");
  std::memcpy(memory_->resolve(dst, size, "copyToDevice"), src, size);
}

void SimBackend::copyFromDevice(void* dst, uint64_t src, uint64_t size) {
  // Still allowed on a faulted device: what the device left in memory is the post-mortem.
  std::memcpy(dst, memory_->resolve(src, size, "copyFromDevice"), size);
}

MemoryUsage SimBackend::memoryUsage() const { return memory_->usage(); }

// ---------------------------------------------------------------- streams

StreamId SimBackend::createStream() {
  checkHealthy("createStream");
  StreamId id = 0;
  uint32_t slot = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<bool> used(wire::kMaxStreams, false);
    for (const auto& [sid, s] : streams_) used[s.slot] = true;
    while (slot < wire::kMaxStreams && used[slot]) ++slot;
    if (slot == wire::kMaxStreams) {
      throw HalException(ErrorCode::OutOfMemory, "createStream",
                         "createStream: the simulator supports at most " + std::to_string(wire::kMaxStreams) +
                             " live streams per device");
    }
    id = nextHandle_++;
    streams_.emplace(id, Stream{slot});
  }
  wire::StreamSlot& s = process_->control()->streams[slot];
  s.submitted = 0;
  s.completed = 0;
  s.stop = 0;
  s.exited = 0;
  s.failed = 0;
  auto c = command<wire::StreamCommand>(wire::Op::CreateStream);
  c.stream = slot;
  try {
    const wire::Reply r = call(&c, sizeof c, "createStream", kReplyTimeoutMs);
    if (r.status != wire::kOk) {
      throw HalException(static_cast<ErrorCode>(r.status), "createStream",
                         std::string("createStream: ") + std::string(r.message, strnlen(r.message, sizeof r.message)));
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    streams_.erase(id);
    throw;
  }
  return id;
}

uint32_t SimBackend::streamSlot(StreamId id, const char* op) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = streams_.find(id);
  if (it == streams_.end()) {
    throw HalException(ErrorCode::InvalidHandle, op,
                       std::string(op) + ": stream " + std::to_string(id) + " does not exist (destroyed, or never created)");
  }
  return it->second.slot;
}

void SimBackend::destroyStream(StreamId id) {
  const uint32_t slot = streamSlot(id, "destroyStream");
  {
    std::lock_guard<std::mutex> lock(mu_);
    streams_.erase(id);
  }
  wire::StreamSlot& s = process_->control()->streams[slot];
  wire::storeRelease(&s.stop, 1);
  if (faulted_.load(std::memory_order_acquire)) return;  // nothing runs any more
  auto c = command<wire::StreamCommand>(wire::Op::DestroyStream);
  c.stream = slot;
  try {
    call(&c, sizeof c, "destroyStream", kStopGraceMs);
  } catch (const HalException& e) {
    // The stream is gone either way; when device code would not stop, the device is now faulted
    // and every later call says so.
    if (e.code() != ErrorCode::DeviceFault) throw;
  }
}

uint64_t SimBackend::streamTarget(StreamId id) {
  const uint32_t slot = streamSlot(id, "synchronize");
  const std::shared_ptr<DeviceProcess> process = currentProcess();
  return process ? wire::loadAcquire(&process->control()->streams[slot].submitted) : 0;
}

bool SimBackend::pollStream(StreamId id, uint64_t target, std::optional<HalException>* failure) {
  const char* op = "synchronize";
  uint32_t slot = 0;
  try {
    slot = streamSlot(id, op);
    checkHealthy(op);
  } catch (const HalException& e) {
    *failure = e;
    return true;
  }
  const std::shared_ptr<DeviceProcess> process = currentProcess();
  if (!process) {
    *failure = HalException(ErrorCode::DeviceClosed, op, "synchronize: the device was closed");
    return true;
  }
  wire::StreamSlot& s = process->control()->streams[slot];
  const uint32_t completed = wire::loadAcquire(&s.completed);
  if (countReached(completed, static_cast<uint32_t>(target))) {
    if (wire::loadAcquire(&s.failed) != 0) {
      const ErrorCode code = static_cast<ErrorCode>(s.failCode);
      std::optional<int64_t> backendCode;
      if (s.hasBackendCode) backendCode = s.failBackendCode;
      const std::string message(s.failMessage, strnlen(s.failMessage, sizeof s.failMessage));
      std::string failOp(s.failOp, strnlen(s.failOp, sizeof s.failOp));
      wire::storeRelease(&s.failed, 0);
      *failure = HalException(code, failOp.empty() ? op : failOp, message, backendCode);
    }
    return true;
  }
  if (!process->alive()) {
    try {
      checkHealthy(op);
    } catch (const HalException& e) {
      *failure = e;
      return true;
    }
    *failure = HalException(ErrorCode::InvalidHandle, op,
                            "synchronize: the device was reset or closed while waiting for stream " + std::to_string(id));
    return true;
  }
  if (wire::loadAcquire(&s.exited) != 0) {
    *failure = HalException(ErrorCode::InvalidHandle, op, "synchronize: stream " + std::to_string(id) + " was destroyed while waiting");
    return true;
  }
  return false;
}

void SimBackend::synchronize(StreamId id, uint32_t timeoutMs) {
  const uint64_t target = streamTarget(id);
  const std::shared_ptr<DeviceProcess> process = currentProcess();
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
  for (;;) {
    std::optional<HalException> failure;
    if (pollStream(id, target, &failure)) {
      if (failure) throw *failure;
      return;
    }
    const int64_t left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      throw HalException(ErrorCode::SyncTimeout, "synchronize",
                         "synchronize: stream " + std::to_string(id) + " did not finish within " + std::to_string(timeoutMs) + " ms");
    }
    wire::StreamSlot& s = process->control()->streams[streamSlot(id, "synchronize")];
    const uint32_t completed = wire::loadAcquire(&s.completed);
    if (!countReached(completed, static_cast<uint32_t>(target))) {
      wire::futexWait(&s.completed, completed, std::min(left, kWaitSliceNs));
    }
  }
}

void SimBackend::drainProgressFd() {
  uint64_t count = 0;
  [[maybe_unused]] const auto n = ::read(notifyFd_, &count, sizeof count);
}

// Called on the JS thread only; the count lives in every process's control block in turn, so a
// reset while waiting carries it over in start().
void SimBackend::beginProgressWait() {
  if (progressWaits_++ == 0) {
    if (auto process = currentProcess()) __atomic_store_n(&process->control()->hostWaiting, 1u, __ATOMIC_SEQ_CST);
  }
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void SimBackend::wakeProgressAt(StreamId id, uint64_t target, uint32_t group) {
  uint32_t slot = 0;
  try {
    slot = streamSlot(id, "synchronize");
  } catch (const HalException&) {
    return;  // the wait's poll reports the unknown stream
  }
  if (auto process = currentProcess()) {
    wire::StreamSlot& s = process->control()->streams[slot];
    __atomic_store_n(&s.wakeAt, static_cast<uint32_t>(target), __ATOMIC_SEQ_CST);
    __atomic_store_n(&s.wakeGroup, group, __ATOMIC_SEQ_CST);
  }
  __atomic_thread_fence(__ATOMIC_SEQ_CST);  // before the wait's first poll reads the counters
}

void SimBackend::endProgressWait() {
  if (progressWaits_ > 0 && --progressWaits_ == 0) {
    if (auto process = currentProcess()) __atomic_store_n(&process->control()->hostWaiting, 0u, __ATOMIC_SEQ_CST);
  }
}

bool SimBackend::streamsIdle(const std::vector<StreamId>& ids) {
  if (faulted_.load(std::memory_order_acquire)) return false;
  std::vector<uint32_t> slots;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (StreamId id : ids) {
      auto it = streams_.find(id);
      // An unknown stream is not idle: the waiting path reports it with its proper error.
      if (it == streams_.end()) return false;
      slots.push_back(it->second.slot);
    }
  }
  const std::shared_ptr<DeviceProcess> process = currentProcess();
  if (!process) return false;
  for (uint32_t slot : slots) {
    const wire::StreamSlot& s = process->control()->streams[slot];
    if (wire::loadAcquire(&s.completed) != wire::loadAcquire(&s.submitted) || wire::loadAcquire(&s.failed) != 0) return false;
  }
  return true;
}

// ---------------------------------------------------------------- programs

ProgramId SimBackend::loadProgram(const uint8_t* image, size_t size, wire::ProgramKind kind, const char* op, const char* what) {
  checkHealthy(op);
  // Checked here first: the device process would survive a bad image, but the error is the caller's.
  const std::string why = checkHostSharedObject(image, size);
  if (!why.empty()) {
    throw HalException(ErrorCode::InvalidBinary, op, std::string(op) + ": the " + what + " is invalid: " + why);
  }
  const int fd = memfd_create("npurun-device-program", MFD_CLOEXEC);
  if (fd < 0) throw HalException(ErrorCode::Internal, op, std::string(op) + ": memfd_create failed");
  size_t written = 0;
  while (written < size) {
    const ssize_t n = write(fd, image + written, size - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      throw HalException(ErrorCode::Internal, op, std::string(op) + ": writing the image failed");
    }
    written += static_cast<size_t>(n);
  }
  ProgramId id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = nextHandle_++;
  }
  auto c = command<wire::LoadProgramCommand>(wire::Op::LoadProgram);
  c.program = id;
  c.kind = static_cast<uint32_t>(kind);
  c.size = size;
  wire::Reply r{};
  try {
    r = call(&c, sizeof c, op, kLoadTimeoutMs, fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  if (r.status != wire::kOk) {
    const ErrorCode code = static_cast<ErrorCode>(r.status);
    const std::string reason(r.message, strnlen(r.message, sizeof r.message));
    throw HalException(code, op,
                       std::string(op) + ": the " + what + " is " +
                           (code == ErrorCode::MissingSymbol ? "missing a required entry: " : "invalid: ") + reason);
  }
  std::lock_guard<std::mutex> lock(mu_);
  programs_.emplace(id, Program{kind, {}});
  return id;
}

BinaryId SimBackend::registerAicoreBinary(const uint8_t* image, size_t size) {
  return loadProgram(image, size, wire::ProgramKind::AicoreBinary, "registerAicoreBinary", "AI Core executor binary");
}

ProgramId SimBackend::loadAicpuProgram(const uint8_t* image, size_t size) {
  return loadProgram(image, size, wire::ProgramKind::AicpuProgram, "loadAicpuProgram", "AI CPU executor program");
}

SimBackend::Program& SimBackend::program(ProgramId id, const char* op) {
  auto it = programs_.find(id);
  if (it == programs_.end()) {
    throw HalException(ErrorCode::InvalidHandle, op,
                       std::string(op) + ": program handle " + std::to_string(id) + " is not loaded on this device");
  }
  return it->second;
}

bool SimBackend::aicpuProgramHasKernel(ProgramId id, const std::string& name) {
  const char* op = "aicpuProgramHasKernel";
  checkHealthy(op);
  {
    std::lock_guard<std::mutex> lock(mu_);
    Program& p = program(id, op);
    if (p.kind != wire::ProgramKind::AicpuProgram) {
      throw HalException(ErrorCode::InvalidHandle, op,
                         std::string(op) + ": AI CPU program handle " + std::to_string(id) + " is not loaded on this device");
    }
    auto known = p.symbols.find(name);
    if (known != p.symbols.end()) return known->second;
  }
  auto c = command<wire::HasSymbolCommand>(wire::Op::HasSymbol);
  c.program = id;
  if (name.size() >= sizeof c.name) return false;
  std::memcpy(c.name, name.data(), name.size());
  const bool found = call(&c, sizeof c, op, kReplyTimeoutMs).status == wire::kOk;
  std::lock_guard<std::mutex> lock(mu_);
  program(id, op).symbols[name] = found;
  return found;
}

// ---------------------------------------------------------------- launch

SimBackend::Command SimBackend::aicoreCommand(StreamId streamId, BinaryId binaryId, uint32_t blockDim, uint64_t kernelArgsAddr) {
  const char* op = "launchAicore";
  const uint32_t slot = streamSlot(streamId, op);
  checkHealthy(op);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = programs_.find(binaryId);
    if (it == programs_.end() || it->second.kind != wire::ProgramKind::AicoreBinary) {
      throw HalException(ErrorCode::InvalidHandle, op,
                         std::string(op) + ": AI Core binary handle " + std::to_string(binaryId) + " is not registered on this device");
    }
  }
  if (blockDim == 0 || blockDim > arch_.maxBlockDim) {
    throw HalException(ErrorCode::InvalidBlockDim, op,
                       std::string(op) + ": blockDim " + std::to_string(blockDim) + " is outside 1.." +
                           std::to_string(arch_.maxBlockDim) + " (" + arch_.arch + ")");
  }
  // The kernel gets a device address, as on hardware: a host pointer here is a bug the simulator
  // must not hide by dereferencing it anyway.
  if (memory_->tryResolve(kernelArgsAddr, 1) == nullptr) {
    throw HalException(ErrorCode::InvalidAddress, op,
                       std::string(op) + ": kernel argument " + hexAddress(kernelArgsAddr) +
                           " is not device memory (the AI Core kernel needs a device-resident KernelArgs copy)");
  }
  auto c = command<wire::LaunchAicoreCommand>(wire::Op::LaunchAicore);
  c.stream = slot;
  c.binary = binaryId;
  c.blockDim = blockDim;
  c.kernelArgsAddr = kernelArgsAddr;
  Command out{slot, std::vector<uint8_t>(sizeof c)};
  std::memcpy(out.bytes.data(), &c, sizeof c);
  return out;
}

SimBackend::Command SimBackend::aicpuCommand(StreamId streamId, ProgramId programId, const std::string& kernelName, uint32_t threads,
                                             const uint8_t* args, size_t argsSize) {
  const char* op = "launchAicpu";
  const uint32_t slot = streamSlot(streamId, op);
  if (!aicpuProgramHasKernel(programId, kernelName)) {
    throw HalException(ErrorCode::UnknownKernel, op,
                       std::string(op) + ": the AI CPU program exports no kernel named '" + kernelName + "'");
  }
  if (threads == 0 || threads > arch_.aicpuLaunchThreads) {
    throw HalException(ErrorCode::InvalidThreadCount, op,
                       std::string(op) + ": " + std::to_string(threads) + " threads is outside 1.." +
                           std::to_string(arch_.aicpuLaunchThreads) + " (" + arch_.arch + ")");
  }
  if (argsSize > wire::kMaxAicpuArgsBytes) {
    throw HalException(ErrorCode::InvalidArgument, op,
                       std::string(op) + ": the argument block is " + std::to_string(argsSize) + " bytes; at most " +
                           std::to_string(wire::kMaxAicpuArgsBytes) + " are supported");
  }
  auto c = command<wire::LaunchAicpuCommand>(wire::Op::LaunchAicpu);
  c.stream = slot;
  c.program = programId;
  c.threads = threads;
  c.argsSize = static_cast<uint32_t>(argsSize);
  std::memcpy(c.kernel, kernelName.data(), std::min(kernelName.size(), sizeof c.kernel - 1));
  Command out{slot, std::vector<uint8_t>(sizeof c + argsSize)};
  std::memcpy(out.bytes.data(), &c, sizeof c);
  if (argsSize > 0) std::memcpy(out.bytes.data() + sizeof c, args, argsSize);
  return out;
}

void SimBackend::submitLocked(const std::vector<Command>& commands, const char* op) {
  // Counted as submitted before they are sent: a waiter never sees work it has not been told of.
  for (const Command& c : commands) __atomic_fetch_add(&process_->control()->streams[c.slot].submitted, 1u, __ATOMIC_ACQ_REL);
  if (commands.size() == 1) {
    sendLocked(commands.front().bytes.data(), commands.front().bytes.size(), op);
    return;
  }
  // The pending protection changes go first, in the same message when they fit.
  const std::vector<wire::ProtectEntry> pending = takePendingProtect();
  std::vector<std::vector<uint8_t>> messages;
  if (pending.size() > kBatchedProtectEntries) {
    sendProtectLocked(pending, op);
  } else if (!pending.empty()) {
    messages.push_back(protectMessage(pending.data(), pending.size()));
  }
  size_t total = sizeof(wire::BatchHeader);
  for (const auto& m : messages) total += wire::batchEntryBytes(m.size());
  for (const Command& c : commands) total += wire::batchEntryBytes(c.bytes.size());
  if (total > wire::kMaxCommandBytes) {
    // Larger than one message (argument blocks near their limit): one message per command.
    for (const auto& m : messages) sendLocked(m.data(), m.size(), op);
    for (const Command& c : commands) sendLocked(c.bytes.data(), c.bytes.size(), op);
    return;
  }
  std::vector<uint8_t> batch(total, 0);
  wire::BatchHeader header{};
  header.h.op = static_cast<uint32_t>(wire::Op::Batch);
  header.count = static_cast<uint32_t>(messages.size() + commands.size());
  std::memcpy(batch.data(), &header, sizeof header);
  size_t offset = sizeof header;
  auto append = [&](const std::vector<uint8_t>& bytes) {
    const wire::BatchEntry entry{static_cast<uint32_t>(bytes.size()), 0};
    std::memcpy(batch.data() + offset, &entry, sizeof entry);
    std::memcpy(batch.data() + offset + sizeof entry, bytes.data(), bytes.size());
    offset += wire::batchEntryBytes(bytes.size());
  };
  for (const auto& m : messages) append(m);
  for (const Command& c : commands) append(c.bytes);
  sendLocked(batch.data(), batch.size(), op);
}

void SimBackend::launchAicore(StreamId streamId, BinaryId binaryId, uint32_t blockDim, uint64_t kernelArgsAddr) {
  const std::vector<Command> commands{aicoreCommand(streamId, binaryId, blockDim, kernelArgsAddr)};
  std::lock_guard<std::mutex> lock(channelMu_);
  submitLocked(commands, "launchAicore");
}

void SimBackend::launchAicpu(StreamId streamId, ProgramId programId, const std::string& kernelName, uint32_t threads,
                             const uint8_t* args, size_t argsSize) {
  const std::vector<Command> commands{aicpuCommand(streamId, programId, kernelName, threads, args, argsSize)};
  std::lock_guard<std::mutex> lock(channelMu_);
  submitLocked(commands, "launchAicpu");
}

// Every argument is checked before anything is uploaded or launched, so a bad run starts nothing;
// the upload happens before the launches are sent, which the device cannot tell from the vendor
// order (the AI CPU kernels get their block by value, and the AI Core launch comes last either way).
void SimBackend::launchRun(const RunLaunch& run, std::vector<StreamId>* launched) {
  std::vector<Command> commands;
  commands.reserve(3);
  commands.push_back(aicpuCommand(run.aicpuStream, run.program, run.initKernel, 1, run.kernelArgs, run.kernelArgsSize));
  commands.push_back(aicpuCommand(run.aicpuStream, run.program, run.runKernel, run.aicpuThreads, run.kernelArgs, run.kernelArgsSize));
  copyToDevice(run.kernelArgsAddr, run.kernelArgs, run.kernelArgsSize);
  commands.push_back(aicoreCommand(run.aicoreStream, run.binary, run.blockDim, run.kernelArgsAddr));
  std::lock_guard<std::mutex> lock(channelMu_);
  submitLocked(commands, "launchRun");
  launched->push_back(run.aicpuStream);
  launched->push_back(run.aicoreStream);
}

// ---------------------------------------------------------------- host mapping

void* SimBackend::mapToHost(uint64_t addr, uint64_t size) {
  if (!arch_.hostMapping) {
    throw HalException(ErrorCode::Unsupported, "mapToHost",
                       "mapToHost: " + arch_.arch + " has no host mapping; read device buffers through copies");
  }
  checkHealthy("mapToHost");
  if (size == 0) {
    throw HalException(ErrorCode::InvalidArgument, "mapToHost", "mapToHost: size must be at least 1 byte, got 0");
  }
  uint8_t* host = memory_->resolve(addr, size, "mapToHost");
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

// ---------------------------------------------------------------- reset / close

void SimBackend::reset() {
  bool restart = faulted_.load(std::memory_order_acquire);
  if (!restart) {
    for (auto& slot : process_->control()->streams) wire::storeRelease(&slot.stop, 1);
    wire::CommandHeader c{static_cast<uint32_t>(wire::Op::Reset), 0};
    try {
      call(&c, sizeof c, "reset", kStopGraceMs);
    } catch (const HalException& e) {
      if (e.code() != ErrorCode::DeviceFault) throw;
      restart = true;  // device code would not stop: the process was ended, start a fresh one
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    streams_.clear();
    programs_.clear();
    mappings_.clear();
  }
  {
    std::lock_guard<std::mutex> lock(protectMu_);
    pendingProtect_.clear();
  }
  if (restart) {
    stop();
    {
      std::lock_guard<std::mutex> lock(faultMu_);
      fault_.clear();
      faulted_.store(false, std::memory_order_release);
    }
    start();
  } else {
    memory_->releaseAll();
  }
}

void SimBackend::close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    streams_.clear();
    programs_.clear();
    mappings_.clear();
  }
  stop();
}

}  // namespace npurun::sim

namespace npurun {
std::unique_ptr<Backend> openSimBackend(const OpenOptions& options, const ArchInfo& arch) {
  return std::make_unique<sim::SimBackend>(options, arch);
}
}  // namespace npurun
