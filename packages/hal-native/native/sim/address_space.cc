#include "sim/address_space.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace npurun::sim {

namespace {
uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
// Freed ranges at least this large are handed back to the host kernel, so simulated memory that
// was used and freed does not stay resident (keeps long benchmark runs flat).
constexpr uint64_t kReturnToHostThreshold = 1ull << 20;
}  // namespace

AddressSpace::AddressSpace(uint64_t capacity, uint32_t alignment) : capacity_(capacity), alignment_(alignment) {
  void* p = mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    throw HalException(ErrorCode::OutOfMemory, "openDevice",
                       "openDevice: cannot reserve " + std::to_string(capacity) +
                           " bytes of simulated device memory: " + std::strerror(errno));
  }
  base_ = static_cast<uint8_t*>(p);
  free_.emplace(0, capacity);
}

AddressSpace::~AddressSpace() {
  if (base_ != nullptr) munmap(base_, capacity_);
}

uint64_t AddressSpace::allocate(uint64_t size, const char* op) {
  if (size == 0) {
    throw HalException(ErrorCode::InvalidArgument, op, std::string(op) + ": size must be at least 1 byte, got 0");
  }
  if (size > capacity_) {
    throw HalException(ErrorCode::OutOfMemory, op,
                       std::string(op) + ": " + std::to_string(size) + " bytes exceed the device's capacity of " +
                           std::to_string(capacity_) + " bytes");
  }
  const uint64_t length = alignUp(size, alignment_);
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second < length) continue;
    const uint64_t offset = it->first;
    const uint64_t remaining = it->second - length;
    free_.erase(it);
    if (remaining > 0) free_.emplace(offset + length, remaining);
    const uint64_t addr = reinterpret_cast<uint64_t>(base_) + offset;
    live_.emplace(addr, size);
    liveBytes_ += size;
    return addr;
  }
  throw HalException(ErrorCode::OutOfMemory, op,
                     std::string(op) + ": out of device memory allocating " + std::to_string(size) + " bytes (" +
                         std::to_string(liveBytes_) + " of " + std::to_string(capacity_) + " bytes live in " +
                         std::to_string(live_.size()) + " allocations)");
}

void AddressSpace::returnRange(uint64_t offset, uint64_t length) {
  if (length >= kReturnToHostThreshold) {
    const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    const uint64_t start = alignUp(offset, page);
    const uint64_t end = (offset + length) / page * page;
    if (end > start) madvise(base_ + start, end - start, MADV_DONTNEED);
  }
  auto next = free_.lower_bound(offset);
  if (next != free_.end() && offset + length == next->first) {
    length += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == offset) {
      prev->second += length;
      return;
    }
  }
  free_.emplace(offset, length);
}

uint64_t AddressSpace::release(uint64_t addr, const char* op) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(addr);
  if (it == live_.end()) {
    auto containing = findContaining(addr);
    const std::string why = containing != live_.end()
                                ? " is inside the allocation at " + hexAddress(containing->first) + ", not its start"
                                : " is not a live allocation (never allocated, or already freed)";
    throw HalException(ErrorCode::InvalidAddress, op, std::string(op) + ": " + hexAddress(addr) + why);
  }
  const uint64_t size = it->second;
  live_.erase(it);
  liveBytes_ -= size;
  returnRange(addr - reinterpret_cast<uint64_t>(base_), alignUp(size, alignment_));
  return size;
}

void AddressSpace::releaseAll() {
  std::lock_guard<std::mutex> lock(mu_);
  live_.clear();
  free_.clear();
  liveBytes_ = 0;
  madvise(base_, capacity_, MADV_DONTNEED);
  free_.emplace(0, capacity_);
}

std::map<uint64_t, uint64_t>::const_iterator AddressSpace::findContaining(uint64_t addr) const {
  auto it = live_.upper_bound(addr);
  if (it == live_.begin()) return live_.end();
  --it;
  const uint64_t end = it->first + (it->second == 0 ? 1 : it->second);
  return addr < end ? it : live_.end();
}

uint8_t* AddressSpace::resolve(uint64_t addr, uint64_t size, const char* op) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = findContaining(addr);
  if (it == live_.end()) {
    throw HalException(ErrorCode::InvalidAddress, op,
                       std::string(op) + ": " + hexAddress(addr) + " is not inside a live device allocation");
  }
  const uint64_t end = it->first + it->second;
  if (size > end - addr) {
    throw HalException(ErrorCode::OutOfBounds, op,
                       std::string(op) + ": range " + hexAddress(addr) + " + " + std::to_string(size) +
                           " bytes runs past the end of the allocation at " + hexAddress(it->first) + " (" +
                           std::to_string(it->second) + " bytes)");
  }
  return reinterpret_cast<uint8_t*>(addr);
}

uint8_t* AddressSpace::tryResolve(uint64_t addr, uint64_t size) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = findContaining(addr);
  if (it == live_.end() || size > it->first + it->second - addr) return nullptr;
  return reinterpret_cast<uint8_t*>(addr);
}

std::pair<uint64_t, uint64_t> AddressSpace::allocationContaining(uint64_t addr) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = findContaining(addr);
  if (it == live_.end()) return {0, 0};
  return {it->first, it->second};
}

MemoryUsage AddressSpace::usage() const {
  std::lock_guard<std::mutex> lock(mu_);
  return MemoryUsage{liveBytes_, live_.size()};
}

}  // namespace npurun::sim
