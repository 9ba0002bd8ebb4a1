#include "device/device_server.h"

#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <exception>
#include <thread>

#include "core/hal_error.h"
#include "device/fault_handler.h"
#include "wire/channel.h"
#include "wire/futex.h"

namespace npurun::device {

namespace {

uint64_t monotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}
uint64_t timestamp50MHz() { return monotonicNs() / 20; }
uint64_t timestamp1GHz() { return monotonicNs(); }

DeviceServer* gServer = nullptr;

void* resolveKernelTrampoline(const void*, uint64_t imageAddr, uint64_t imageSize, const char* name) {
  return gServer->resolveKernel(imageAddr, imageSize, name);
}

using AicoreEntry = void (*)(const npurun_aicore_ctx*, uint64_t);
using AicpuKernel = int (*)(const npurun_aicpu_ctx*, void*, uint64_t);

// Runs device code on the calling thread with its activity published; an exception escaping it
// faults the device (it cannot be reported any other way: the code that threw is gone).
template <typename F>
void runDeviceCode(wire::ActivitySlot* activity, F&& f) {
  bindActivity(activity);
  wire::storeRelease(&activity->busy, 1);
  try {
    f();
  } catch (const std::exception& e) {
    faultAndExit(wire::FaultKind::Exception, 0, 0, 0, e.what());
  } catch (...) {
    faultAndExit(wire::FaultKind::Exception, 0, 0, 0, "an exception that is not a std::exception");
  }
  activity->hasTask = 0;
  wire::storeRelease(&activity->busy, 0);
  bindActivity(nullptr);
}

}  // namespace

DeviceServer::DeviceServer(const DeviceConfig& config, wire::ControlBlock* control, DeviceMemory* memory, int channel)
    : config_(config), control_(control), memory_(memory), channel_(channel) {
  gServer = this;
  services_.read_timestamp = config.timestampHz == 1'000'000'000ull ? timestamp1GHz : timestamp50MHz;
  services_.timestamp_hz = config.timestampHz;
  services_.resolve_kernel = resolveKernelTrampoline;
  services_.device = this;
  services_.set_current_task = setCurrentTask;
}

DeviceServer::~DeviceServer() { reset(); }

int DeviceServer::serve() {
  std::vector<uint8_t> buffer(wire::kMaxCommandBytes);
  for (;;) {
    size_t size = 0;
    int fd = -1;
    const wire::RecvStatus status = wire::recvMessage(channel_, buffer.data(), buffer.size(), &size, &fd, -1);
    if (status != wire::RecvStatus::Ok) return 0;  // the host is gone: nothing left to serve
    if (size < sizeof(wire::CommandHeader)) continue;
    wire::CommandHeader h;
    std::memcpy(&h, buffer.data(), sizeof h);
    if (static_cast<wire::Op>(h.op) == wire::Op::Shutdown) return 0;
    handle(buffer.data(), size, fd);
  }
}

void DeviceServer::reply(int32_t status, const std::string& message) {
  wire::Reply r{};
  r.status = status;
  copyName(r.message, sizeof r.message, message.c_str());
  wire::sendMessage(channel_, &r, sizeof r);
}

template <typename T>
static const T* as(const uint8_t* message, size_t size) {
  return size >= sizeof(T) ? reinterpret_cast<const T*>(message) : nullptr;
}

void DeviceServer::handle(const uint8_t* message, size_t size, int fd) {
  wire::CommandHeader h;
  std::memcpy(&h, message, sizeof h);
  switch (static_cast<wire::Op>(h.op)) {
    case wire::Op::Protect:
      protect(*reinterpret_cast<const wire::ProtectBatch*>(message), size);
      return;
    case wire::Op::CreateStream:
      if (auto* c = as<wire::StreamCommand>(message, size)) createStream(c->stream);
      return;
    case wire::Op::DestroyStream:
      if (auto* c = as<wire::StreamCommand>(message, size)) destroyStream(c->stream);
      return;
    case wire::Op::LoadProgram:
      if (auto* c = as<wire::LoadProgramCommand>(message, size)) loadProgram(*c, fd);
      return;
    case wire::Op::HasSymbol:
      if (auto* c = as<wire::HasSymbolCommand>(message, size)) {
        auto p = program(c->program);
        std::string name(c->name, strnlen(c->name, sizeof c->name));
        reply(p && p->symbol(name.c_str()) != nullptr ? wire::kOk : static_cast<int32_t>(ErrorCode::UnknownKernel));
      }
      return;
    case wire::Op::LaunchAicore:
      if (auto* c = as<wire::LaunchAicoreCommand>(message, size)) launchAicore(*c);
      return;
    case wire::Op::LaunchAicpu:
      if (auto* c = as<wire::LaunchAicpuCommand>(message, size)) {
        if (size - sizeof *c >= c->argsSize) launchAicpu(*c, message + sizeof *c);
      }
      return;
    case wire::Op::Batch:
      batch(message, size);
      return;
    case wire::Op::Reset:
      reset();
      reply(wire::kOk);
      return;
    default:
      if (fd >= 0) close(fd);
      return;
  }
}

void DeviceServer::batch(const uint8_t* message, size_t size) {
  const auto* header = as<wire::BatchHeader>(message, size);
  if (header == nullptr) return;
  size_t offset = sizeof *header;
  for (uint32_t i = 0; i < header->count; ++i) {
    if (size - offset < sizeof(wire::BatchEntry)) return;
    wire::BatchEntry entry;
    std::memcpy(&entry, message + offset, sizeof entry);
    const size_t bytes = wire::batchEntryBytes(entry.size);
    if (entry.size < sizeof(wire::CommandHeader) || size - offset < bytes) return;
    const uint8_t* command = message + offset + sizeof entry;
    wire::CommandHeader h;
    std::memcpy(&h, command, sizeof h);
    const auto op = static_cast<wire::Op>(h.op);
    // Only one-way commands travel in a batch: nothing in it waits for a reply or carries a descriptor.
    if (op == wire::Op::Protect || op == wire::Op::LaunchAicore || op == wire::Op::LaunchAicpu) handle(command, entry.size, -1);
    offset += bytes;
  }
}

void DeviceServer::protect(const wire::ProtectBatch& batch, size_t size) {
  const size_t header = offsetof(wire::ProtectBatch, entries);
  if (size < header) return;
  const uint32_t count = std::min<uint32_t>(batch.count, static_cast<uint32_t>((size - header) / sizeof(wire::ProtectEntry)));
  for (uint32_t i = 0; i < count; ++i) {
    const wire::ProtectEntry& e = batch.entries[i];
    if (e.open != 0) {
      memory_->open(e.addr, e.length);
      continue;
    }
    {
      // A core may still run an image loaded from this memory: keep it loaded until reset.
      std::lock_guard<std::mutex> lock(imagesMu_);
      for (auto it = kernelImages_.begin(); it != kernelImages_.end();) {
        if (it->first.first >= e.addr && it->first.first < e.addr + e.length) {
          retiredImages_.push_back(std::move(it->second));
          it = kernelImages_.erase(it);
        } else {
          ++it;
        }
      }
    }
    // If the pages were handed out again meanwhile, the first touch opens them again.
    memory_->close(e.addr, e.length);
  }
}

void DeviceServer::createStream(uint32_t slot) {
  if (slot >= wire::kMaxStreams || streams_.count(slot) != 0) {
    reply(static_cast<int32_t>(ErrorCode::Internal), "stream slot " + std::to_string(slot) + " is not free");
    return;
  }
  try {
    streams_.emplace(slot, std::make_unique<DeviceStream>(control_, slot));
    reply(wire::kOk);
  } catch (const std::exception& e) {
    reply(static_cast<int32_t>(ErrorCode::Internal), std::string("starting the stream thread failed: ") + e.what());
  }
}

void DeviceServer::destroyStream(uint32_t slot) {
  auto it = streams_.find(slot);
  if (it != streams_.end()) {
    it->second->stop();
    streams_.erase(it);
  }
  reply(wire::kOk);
}

void DeviceServer::loadProgram(const wire::LoadProgramCommand& c, int fd) {
  if (fd < 0) {
    reply(static_cast<int32_t>(ErrorCode::Internal), "no image was attached");
    return;
  }
  std::string reason;
  std::shared_ptr<ElfImage> image;
  void* bytes = c.size > 0 ? mmap(nullptr, c.size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  if (bytes == MAP_FAILED) {
    reason = "cannot map the image";
  } else {
    image = ElfImage::tryLoad(static_cast<const uint8_t*>(bytes), c.size, &reason);
    munmap(bytes, c.size);
  }
  close(fd);
  if (!image) {
    const bool missing = reason.rfind("missing symbol", 0) == 0;
    reply(static_cast<int32_t>(missing ? ErrorCode::MissingSymbol : ErrorCode::InvalidBinary), reason);
    return;
  }
  if (static_cast<wire::ProgramKind>(c.kind) == wire::ProgramKind::AicoreBinary && image->symbol("npurun_aicore_entry") == nullptr) {
    reply(static_cast<int32_t>(ErrorCode::MissingSymbol), "npurun_aicore_entry");
    return;
  }
  programs_[c.program] = std::move(image);
  reply(wire::kOk);
}

std::shared_ptr<ElfImage> DeviceServer::program(uint32_t handle) {
  auto it = programs_.find(handle);
  return it == programs_.end() ? nullptr : it->second;
}

void DeviceServer::failStreamItem(uint32_t slot, ErrorCode code, const std::string& message) {
  if (slot >= wire::kMaxStreams) return;
  wire::StreamSlot& s = control_->streams[slot];
  if (wire::loadAcquire(&s.failed) == 0) {
    s.failCode = static_cast<int32_t>(code);
    s.hasBackendCode = 0;
    copyName(s.failOp, sizeof s.failOp, "synchronize");
    copyName(s.failMessage, sizeof s.failMessage, message.c_str());
    wire::storeRelease(&s.failed, 1);
  }
  const uint32_t completed = __atomic_add_fetch(&s.completed, 1u, __ATOMIC_ACQ_REL);
  wire::futexWakeAll(&s.completed);
  wire::notifyHost(control_, &s, completed, wire::kNotifyFd);
}

void DeviceServer::launchAicore(const wire::LaunchAicoreCommand& c) {
  auto stream = streams_.find(c.stream);
  auto elf = program(c.binary);
  if (stream == streams_.end() || !elf || c.blockDim == 0 || c.blockDim > config_.maxBlockDim) {
    failStreamItem(c.stream, ErrorCode::InvalidHandle, "launchAicore: the device has no such stream or binary");
    return;
  }
  auto entry = reinterpret_cast<AicoreEntry>(elf->symbol("npurun_aicore_entry"));
  const npurun_sim_services* services = &services_;
  CorePool* cores = &aicoreCores_;
  wire::ActivitySlot* activity = control_->activity;
  const uint32_t blockDim = c.blockDim;
  const uint64_t kernelArgsAddr = c.kernelArgsAddr;
  stream->second->enqueue([elf, entry, blockDim, kernelArgsAddr, services, cores, activity](const volatile uint32_t* stop) {
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
    cores->run(coreNum, [&](uint32_t i) {
      const npurun_aicore_ctx& ctx = contexts[i];
      wire::ActivitySlot* a = &activity[ctx.core_id % wire::kAicoreSlots];
      a->kind = static_cast<uint32_t>(wire::ActivityKind::AicoreCore);
      a->coreId = ctx.core_id;
      a->coreType = ctx.core_type;
      a->blockIdx = ctx.block_idx;
      a->subBlockIdx = ctx.sub_block_idx;
      a->hasTask = 0;
      copyName(a->program, sizeof a->program, "npurun_aicore_entry");
      runDeviceCode(a, [&] { entry(&ctx, kernelArgsAddr); });
    });
  });
}

void DeviceServer::launchAicpu(const wire::LaunchAicpuCommand& c, const uint8_t* args) {
  auto stream = streams_.find(c.stream);
  auto elf = program(c.program);
  const std::string kernelName(c.kernel, strnlen(c.kernel, sizeof c.kernel));
  auto kernel = elf ? reinterpret_cast<AicpuKernel>(elf->symbol(kernelName.c_str())) : nullptr;
  if (stream == streams_.end() || kernel == nullptr || c.threads == 0 || c.threads > wire::kAicpuSlots) {
    failStreamItem(c.stream, ErrorCode::InvalidHandle, "launchAicpu: the device has no such stream, program or kernel");
    return;
  }
  // The vendor runtime copies the argument block into AI CPU-private memory at launch.
  auto argsCopy = std::make_shared<std::vector<uint8_t>>(args, args + c.argsSize);
  const npurun_sim_services* services = &services_;
  const uint32_t deviceId = config_.deviceId;
  const uint32_t threads = c.threads;
  wire::ActivitySlot* activity = control_->activity + wire::kAicoreSlots;
  CorePool* pool = &stream->second->aicpuThreads();
  stream->second->enqueue([elf, kernel, kernelName, threads, argsCopy, services, deviceId, activity, pool](const volatile uint32_t* stop) {
    std::vector<int> results(threads, 0);
    std::vector<npurun_aicpu_ctx> contexts(threads);
    for (uint32_t t = 0; t < threads; ++t) contexts[t] = npurun_aicpu_ctx{NPURUN_DEVICE_ABI_VERSION, t, threads, deviceId, stop, services};
    pool->run(threads, [&](uint32_t t) {
      wire::ActivitySlot* a = &activity[t];
      a->kind = static_cast<uint32_t>(wire::ActivityKind::AicpuThread);
      a->coreId = t;
      a->hasTask = 0;
      copyName(a->program, sizeof a->program, kernelName.c_str());
      runDeviceCode(a, [&] { results[t] = kernel(&contexts[t], argsCopy->data(), argsCopy->size()); });
    });
    for (uint32_t t = 0; t < threads; ++t) {
      if (results[t] != 0) {
        throw HalException(ErrorCode::KernelFailed, "launchAicpu",
                           "launchAicpu: AI CPU kernel '" + kernelName + "' thread " + std::to_string(t) + " returned " +
                               std::to_string(results[t]),
                           results[t]);
      }
    }
    if (__atomic_load_n(stop, __ATOMIC_RELAXED) != 0u) {
      throw HalException(ErrorCode::KernelFailed, "launchAicpu", "launchAicpu: AI CPU kernel '" + kernelName + "' was stopped");
    }
  });
}

void* DeviceServer::resolveKernel(uint64_t imageAddr, uint64_t imageSize, const char* name) noexcept {
  try {
    const auto key = std::make_pair(imageAddr, imageSize);
    std::shared_ptr<ElfImage> image;
    {
      std::lock_guard<std::mutex> lock(imagesMu_);
      auto it = kernelImages_.find(key);
      if (it != kernelImages_.end()) image = it->second;
    }
    if (!image) {
      const uint8_t* bytes = memory_->tryResolve(imageAddr, imageSize);
      if (bytes == nullptr) return nullptr;
      std::string reason;
      image = ElfImage::tryLoad(bytes, imageSize, &reason);
      if (!image) return nullptr;
      std::lock_guard<std::mutex> lock(imagesMu_);
      auto [it, inserted] = kernelImages_.emplace(key, image);
      if (!inserted) image = it->second;  // another core loaded it first
    }
    return image->symbol(name);
  } catch (...) {
    return nullptr;
  }
}

void DeviceServer::reset() {
  for (auto& [slot, s] : streams_) wire::storeRelease(&control_->streams[slot].stop, 1);
  streams_.clear();  // each stops and joins: device code returns before anything it uses goes away
  {
    std::lock_guard<std::mutex> lock(imagesMu_);
    kernelImages_.clear();
    retiredImages_.clear();
  }
  programs_.clear();
  memory_->closeAll();
}

}  // namespace npurun::device
