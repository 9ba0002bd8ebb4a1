// AddressSpace: the simulated device's memory. One reserved host range (backed lazily by the
// kernel), handed out by a first-fit allocator. Device addresses are real host addresses inside it,
// so device programs dereference them directly; every host-side access is bounds-checked against
// the live allocations, so a bad address is an error, never a crash.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>

#include "core/backend.h"

namespace npurun::sim {

class AddressSpace {
 public:
  AddressSpace(uint64_t capacity, uint32_t alignment);
  ~AddressSpace();
  AddressSpace(const AddressSpace&) = delete;
  AddressSpace& operator=(const AddressSpace&) = delete;

  uint64_t allocate(uint64_t size, const char* op);
  // Returns the allocation's size; throws InvalidAddress unless addr starts a live allocation.
  uint64_t release(uint64_t addr, const char* op);
  void releaseAll();

  // Host pointer for [addr, addr + size) when it lies inside one live allocation; throws otherwise.
  uint8_t* resolve(uint64_t addr, uint64_t size, const char* op) const;
  // Non-throwing variant for device-side services: nullptr when the range is not live memory.
  uint8_t* tryResolve(uint64_t addr, uint64_t size) const;
  // The live allocation containing addr: {base, size}, or {0, 0}.
  std::pair<uint64_t, uint64_t> allocationContaining(uint64_t addr) const;

  MemoryUsage usage() const;
  uint64_t capacity() const { return capacity_; }
  uint32_t alignment() const { return alignment_; }

 private:
  uint8_t* base_ = nullptr;
  uint64_t capacity_;
  uint32_t alignment_;
  mutable std::mutex mu_;
  std::map<uint64_t, uint64_t> live_;  // address -> requested size
  std::map<uint64_t, uint64_t> free_;  // offset -> length, coalesced
  uint64_t liveBytes_ = 0;

  std::map<uint64_t, uint64_t>::const_iterator findContaining(uint64_t addr) const;
  void returnRange(uint64_t offset, uint64_t length);
};

}  // namespace npurun::sim
