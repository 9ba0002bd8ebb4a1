#include "sim/address_space.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <unistd.h>

#include <cstring>

namespace npurun::sim {

namespace {
constexpr uint64_t kPage = wire::kPageBytes;
constexpr size_t kFreedRemembered = 256;
constexpr uint64_t kReturnToHostBytes = 1ull << 20;
uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
// What an allocation occupies: its pages plus the guard page after them.
uint64_t footprint(uint64_t size) { return alignUp(size, kPage) + kPage; }
std::string bytes(uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }
std::string sized(uint64_t n) { return std::to_string(n) + "-byte"; }
}  // namespace

AddressSpace::AddressSpace(uint8_t* hostBase, uint64_t deviceBase, uint64_t capacity, int memfd, wire::PageMap pages,
                           ChangeSink onChange)
    : hostBase_(hostBase),
      deviceBase_(deviceBase),
      capacity_(capacity),
      memfd_(fcntl(memfd, F_DUPFD_CLOEXEC, 0)),
      pages_(pages),
      onChange_(std::move(onChange)) {
  if (memfd_ < 0) throw HalException(ErrorCode::Internal, "openDevice", "openDevice: duplicating the device memory descriptor failed");
  // The first page stays a guard too: nothing is allocated at the very start of the range.
  if (capacity_ > kPage) free_.emplace(kPage, capacity_ / kPage * kPage - kPage);
  try {
    reclaimer_ = std::thread([this] { reclaimLoop(); });
  } catch (...) {
    ::close(memfd_);
    throw;
  }
}

AddressSpace::~AddressSpace() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;  // ranges still queued stay unpunched: the memory is going away as a whole
  }
  reclaimWork_.notify_one();
  reclaimed_.notify_all();
  reclaimer_.join();
  ::close(memfd_);
}

void AddressSpace::reclaimLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    reclaimWork_.wait(lock, [this] { return closing_ || !toPunch_.empty(); });
    if (closing_) return;
    // Highest first: first-fit allocations take the lowest free memory, so the queued ranges they
    // reach are still queued (their punch is called off) rather than being punched (a wait).
    const auto last = std::prev(toPunch_.end());
    const auto [offset, length] = *last;
    toPunch_.erase(last);
    eraseFree(offset, length);
    punching_.emplace(offset, length);
    lock.unlock();
    fallocate(memfd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset), static_cast<off_t>(length));
    lock.lock();
    punching_.reset();
    insertFree(offset, length);
    reclaimed_.notify_all();
  }
}

std::optional<uint64_t> AddressSpace::takeRange(uint64_t length) {
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second < length) continue;
    const uint64_t offset = it->first;
    const uint64_t remaining = it->second - length;
    free_.erase(it);
    if (remaining > 0) free_.emplace(offset + length, remaining);
    if (!toPunch_.empty()) cancelPunch(offset, length);
    return offset;
  }
  return std::nullopt;
}

bool AddressSpace::firstFitAwaitsPunch(uint64_t length) const {
  const auto [punchStart, punchLength] = *punching_;
  // The free list with the range being punched back in it, as it will be once the punch is done:
  // the blocks before it, the block it joins with its free neighbours, the blocks after it.
  uint64_t blockStart = punchStart;
  uint64_t blockEnd = punchStart + punchLength;
  auto after = free_.lower_bound(punchStart);
  if (after != free_.end() && after->first == blockEnd) blockEnd += after->second;
  if (after != free_.begin()) {
    const auto before = std::prev(after);
    if (before->first + before->second == punchStart) blockStart = before->first;
  }
  for (const auto& [offset, rangeLength] : free_) {
    if (offset >= blockStart) break;
    if (rangeLength >= length) return false;  // an earlier fit, clear of the punch
  }
  // Otherwise the first fit is the joined block's start, when the block is long enough.
  return blockEnd - blockStart >= length && punchStart < blockStart + length;
}

void AddressSpace::eraseFree(uint64_t offset, uint64_t length) {
  auto it = std::prev(free_.upper_bound(offset));
  const uint64_t start = it->first;
  const uint64_t end = it->first + it->second;
  free_.erase(it);
  if (start < offset) free_.emplace(start, offset - start);
  if (offset + length < end) free_.emplace(offset + length, end - (offset + length));
}

void AddressSpace::cancelPunch(uint64_t offset, uint64_t length) {
  const uint64_t end = offset + length;
  auto it = toPunch_.upper_bound(offset);
  if (it != toPunch_.begin()) --it;
  while (it != toPunch_.end() && it->first < end) {
    const uint64_t start = it->first;
    const uint64_t stop = it->first + it->second;
    if (stop <= offset) {
      ++it;
      continue;
    }
    it = toPunch_.erase(it);
    if (start < offset) toPunch_.emplace(start, offset - start);
    if (end < stop) toPunch_.emplace(end, stop - end);
  }
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
  const uint64_t length = footprint(size);
  uint64_t addr = 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // The range being punched is only late, not gone. An allocation goes where it would go had the
    // punch been instant, waiting for it if that is the place: otherwise the reclaimer's timing
    // would decide the layout, and a layout made around a missing range can leave no gap large
    // enough for a later allocation that would have fit.
    while (punching_ && !closing_ && firstFitAwaitsPunch(length)) reclaimed_.wait(lock);
    std::optional<uint64_t> offset = takeRange(length);
    if (!offset) {
      throw HalException(ErrorCode::OutOfMemory, op,
                         std::string(op) + ": out of device memory allocating " + std::to_string(size) + " bytes (" +
                             std::to_string(liveBytes_) + " of " + std::to_string(capacity_) + " bytes live in " +
                             std::to_string(live_.size()) + " allocations)");
    }
    addr = deviceBase_ + *offset;
    pages_.set(*offset / kPage, alignUp(size, kPage) / kPage);
    live_.emplace(addr, size);
    liveBytes_ += size;
  }
  onChange_(wire::ProtectEntry{addr, alignUp(size, kPage), 1});
  return addr;
}

void AddressSpace::returnRange(uint64_t offset, uint64_t length) {
  // Large ranges go back to the host kernel, so resident memory follows live memory; small ones
  // are kept (a syscall per free would cost more than they weigh), like any allocator's.
  insertFree(offset, length);
  if (length >= kReturnToHostBytes) {
    toPunch_.emplace(offset, length);
    reclaimWork_.notify_one();
  }
}

void AddressSpace::insertFree(uint64_t offset, uint64_t length) {
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
  uint64_t size = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(addr);
    if (it == live_.end()) {
      auto containing = findContaining(addr);
      const std::string why = containing != live_.end()
                                  ? " is inside the allocation at " + hexAddress(containing->first) + ", not its start"
                                  : " is not a live allocation (never allocated, or already freed)";
      throw HalException(ErrorCode::InvalidAddress, op, std::string(op) + ": " + hexAddress(addr) + why);
    }
    size = it->second;
    live_.erase(it);
    liveBytes_ -= size;
    pages_.clear((addr - deviceBase_) / kPage, alignUp(size, kPage) / kPage);
    freed_.emplace_back(addr, size);
    if (freed_.size() > kFreedRemembered) freed_.pop_front();
    returnRange(addr - deviceBase_, footprint(size));
  }
  onChange_(wire::ProtectEntry{addr, alignUp(size, kPage), 0});
  return size;
}

void AddressSpace::releaseAll() {
  std::unique_lock<std::mutex> lock(mu_);
  reclaimed_.wait(lock, [this] { return !punching_ || closing_; });  // else a late range lands twice
  live_.clear();
  free_.clear();
  toPunch_.clear();  // the whole memory is punched below
  freed_.clear();
  liveBytes_ = 0;
  pages_.clearAll();
  fallocate(memfd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(capacity_));
  if (capacity_ > kPage) free_.emplace(kPage, capacity_ / kPage * kPage - kPage);
}

std::map<uint64_t, uint64_t>::const_iterator AddressSpace::findContaining(uint64_t addr) const {
  auto it = live_.upper_bound(addr);
  if (it == live_.begin()) return live_.end();
  --it;
  return addr - it->first < it->second ? it : live_.end();
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
  return host(addr);
}

uint8_t* AddressSpace::tryResolve(uint64_t addr, uint64_t size) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = findContaining(addr);
  if (it == live_.end() || size > it->first + it->second - addr) return nullptr;
  return host(addr);
}

std::pair<uint64_t, uint64_t> AddressSpace::allocationContaining(uint64_t addr) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = findContaining(addr);
  if (it == live_.end()) return {0, 0};
  return {it->first, it->second};
}

std::string AddressSpace::describe(uint64_t addr) const {
  const std::string a = hexAddress(addr);
  if (addr < kPage) return a + " is not device memory (a NULL pointer plus " + std::to_string(addr) + ")";
  if (addr < deviceBase_ || addr - deviceBase_ >= capacity_) {
    return a + " is not device memory (device memory spans " + hexAddress(deviceBase_) + ".." +
           hexAddress(deviceBase_ + capacity_) + ")";
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = findContaining(addr);
  if (it != live_.end()) {
    return a + " is inside the " + sized(it->second) + " allocation at " + hexAddress(it->first) + " (offset " +
           std::to_string(addr - it->first) + ")";
  }
  for (auto f = freed_.rbegin(); f != freed_.rend(); ++f) {
    if (addr >= f->first && addr - f->first < alignUp(f->second, kPage)) {
      return a + " is inside the " + sized(f->second) + " allocation at " + hexAddress(f->first) +
             ", which was freed (a use after free)";
    }
  }
  auto next = live_.upper_bound(addr);
  std::string below;
  uint64_t pastBy = UINT64_MAX;
  if (next != live_.begin()) {
    auto prev = std::prev(next);
    pastBy = addr - (prev->first + prev->second);
    below = a + " is " + bytes(pastBy) + " past the end of the " + sized(prev->second) + " allocation at " +
            hexAddress(prev->first) + " (offset " + std::to_string(addr - prev->first) + ")";
  }
  if (next != live_.end() && next->first - addr < pastBy) {
    return a + " is " + bytes(next->first - addr) + " before the start of the " + sized(next->second) +
           " allocation at " + hexAddress(next->first);
  }
  if (!below.empty()) return below;
  return a + " is device memory outside every live allocation (none is live)";
}

MemoryUsage AddressSpace::usage() const {
  std::lock_guard<std::mutex> lock(mu_);
  return MemoryUsage{liveBytes_, live_.size()};
}

}  // namespace npurun::sim
