#include "device/device_memory.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "wire/protocol.h"

namespace npurun::device {

DeviceMemory::DeviceMemory(int memfd, uint64_t capacity, wire::PageMap pages) : capacity_(capacity), pages_(pages) {
  void* p = mmap(nullptr, capacity, PROT_NONE, MAP_SHARED | MAP_NORESERVE, memfd, 0);
  if (p == MAP_FAILED) throw std::runtime_error(std::string("mapping device memory failed: ") + std::strerror(errno));
  base_ = static_cast<uint8_t*>(p);
}

DeviceMemory::~DeviceMemory() {
  if (base_ != nullptr) munmap(base_, capacity_);
}

void DeviceMemory::open(uint64_t addr, uint64_t length) {
  if (addr < base() || length > capacity_ || addr - base() > capacity_ - length) return;
  // Only while the host still has it: a batch can arrive after the allocation was freed again.
  const uint64_t first = (addr - base()) / wire::kPageBytes;
  if (!pages_.allSet(first, length / wire::kPageBytes)) return;
  mprotect(reinterpret_cast<void*>(addr), length, PROT_READ | PROT_WRITE);
}

void DeviceMemory::close(uint64_t addr, uint64_t length) {
  if (addr < base() || length > capacity_ || addr - base() > capacity_ - length) return;
  mprotect(reinterpret_cast<void*>(addr), length, PROT_NONE);
}

void DeviceMemory::closeAll() { mprotect(base_, capacity_, PROT_NONE); }

bool DeviceMemory::openOnFault(uint64_t addr) noexcept {
  if (addr < base() || addr - base() >= capacity_) return false;
  const uint64_t page = (addr - base()) / wire::kPageBytes;
  if (!pages_.test(page)) return false;
  uint64_t first = 0;
  uint64_t last = 0;
  pages_.runAround(page, &first, &last);
  return mprotect(base_ + first * wire::kPageBytes, (last - first) * wire::kPageBytes, PROT_READ | PROT_WRITE) == 0;
}

const uint8_t* DeviceMemory::tryResolve(uint64_t addr, uint64_t size) const {
  if (size == 0 || addr < base() || addr - base() >= capacity_ || size > capacity_ - (addr - base())) return nullptr;
  const uint64_t first = (addr - base()) / wire::kPageBytes;
  const uint64_t last = (addr - base() + size - 1) / wire::kPageBytes;
  if (!pages_.allSet(first, last - first + 1)) return nullptr;
  // Reading it from here must not fault either.
  uint64_t lo = 0;
  uint64_t hi = 0;
  pages_.runAround(first, &lo, &hi);
  if (last >= hi) return nullptr;
  if (mprotect(base_ + lo * wire::kPageBytes, (hi - lo) * wire::kPageBytes, PROT_READ | PROT_WRITE) != 0) return nullptr;
  return reinterpret_cast<const uint8_t*>(addr);
}

}  // namespace npurun::device
