// Device memory as the device process sees it: the shared memfd mapped once, inaccessible except
// where the host has a live allocation. A page opens the first time device code touches it while
// the host's PageMap says it is allocated (openOnFault, called from the fault handler); every other
// access (past an allocation's last page, into the guard page after it, into freed memory) stays a
// fault, and the fault handler reports it.
#pragma once

#include <cstdint>

#include "wire/page_map.h"

namespace npurun::device {

class DeviceMemory {
 public:
  // Maps `capacity` bytes of the memfd, all inaccessible. Throws std::runtime_error on failure.
  DeviceMemory(int memfd, uint64_t capacity, wire::PageMap pages);
  ~DeviceMemory();
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;

  uint64_t base() const { return reinterpret_cast<uint64_t>(base_); }
  uint64_t capacity() const { return capacity_; }

  // Opens a new allocation's pages, or closes a freed one's again.
  void open(uint64_t addr, uint64_t length);
  void close(uint64_t addr, uint64_t length);
  // Closes everything (device reset).
  void closeAll();

  // Async-signal-safe: opens the allocation containing `addr` when the host has it live. True when
  // the access may be retried; false when it is a real fault.
  bool openOnFault(uint64_t addr) noexcept;

  // A pointer to [addr, addr + size) when every page of it belongs to a live allocation, else nullptr.
  const uint8_t* tryResolve(uint64_t addr, uint64_t size) const;

 private:
  uint8_t* base_ = nullptr;
  uint64_t capacity_;
  wire::PageMap pages_;
};

}  // namespace npurun::device
