// AddressSpace: the host's book of a simulated device's memory, one shared memfd that the device
// process maps too. Device addresses are the device process's addresses; the host reaches the same
// bytes through its own mapping, so copies are plain memcpy and every host-side access is
// bounds-checked against the live allocations (a bad address is an error, never a crash).
//
// Layout is what makes the device side safe: every allocation starts on a page and is followed by
// at least one unallocated guard page, and only live allocations are accessible in the device
// process, so device code that runs past an allocation, or touches freed memory, faults there
// instead of corrupting a neighbour. Live pages are marked in the shared PageMap as malloc returns;
// every change is also handed to `onChange`, for the device process to open or close the pages.
//
// Large freed ranges go back to the host kernel (a hole punched in the memfd) on a thread of the
// address space's own: punching a 128 MiB collector buffer takes milliseconds of page freeing and
// TLB shootdowns, and free is called on the caller's JS thread. A freed range is free at once, as a
// small one is; its punch is only queued. An allocation that takes part of a queued range cancels
// that part's punch (the pages are in use again, nothing to give back). Only the range being
// punched at the moment is out of the free list, so nothing allocated there can lose its contents
// to the punch, and an allocation whose place it is waits for it: placement never depends on how
// far the reclaimer got.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/backend.h"
#include "wire/page_map.h"
#include "wire/protocol.h"

namespace npurun::sim {

class AddressSpace {
 public:
  using ChangeSink = std::function<void(const wire::ProtectEntry&)>;

  AddressSpace(uint8_t* hostBase, uint64_t deviceBase, uint64_t capacity, int memfd, wire::PageMap pages, ChangeSink onChange);
  ~AddressSpace();
  AddressSpace(const AddressSpace&) = delete;
  AddressSpace& operator=(const AddressSpace&) = delete;

  uint64_t allocate(uint64_t size, const char* op);
  // Returns the allocation's size; throws InvalidAddress unless addr starts a live allocation.
  uint64_t release(uint64_t addr, const char* op);
  // Forgets every allocation and returns all memory (device reset; the device protects it itself).
  void releaseAll();

  // Host pointer for [addr, addr + size) when it lies inside one live allocation; throws otherwise.
  uint8_t* resolve(uint64_t addr, uint64_t size, const char* op) const;
  // Non-throwing variant: nullptr when the range is not live memory.
  uint8_t* tryResolve(uint64_t addr, uint64_t size) const;
  // The live allocation containing addr: {base, size}, or {0, 0}.
  std::pair<uint64_t, uint64_t> allocationContaining(uint64_t addr) const;
  // Where addr is, for a fault report: "0x… is 4 bytes past the 4096-byte allocation at 0x…".
  std::string describe(uint64_t addr) const;

  MemoryUsage usage() const;
  uint64_t capacity() const { return capacity_; }

 private:
  std::map<uint64_t, uint64_t>::const_iterator findContaining(uint64_t addr) const;
  // First fit: takes `length` bytes off the free list and returns their offset. Caller holds mu_.
  std::optional<uint64_t> takeRange(uint64_t length);
  // Whether the first fit for `length`, counting the range being punched as free, lies (partly) in
  // it: the allocation must then wait for the punch, or be placed where it would not have been had
  // the punch been instant. Caller holds mu_.
  bool firstFitAwaitsPunch(uint64_t length) const;
  // Removes [offset, offset + length), which lies inside one free range, from the free list.
  void eraseFree(uint64_t offset, uint64_t length);
  // Drops [offset, offset + length) from the queued punches (it was allocated again). Holds mu_.
  void cancelPunch(uint64_t offset, uint64_t length);
  // Hands a freed range back: large ones to the reclaimer, small ones to the free list. Holds mu_.
  void returnRange(uint64_t offset, uint64_t length);
  // Adds a range to the free list, merged with its neighbours. Caller holds mu_.
  void insertFree(uint64_t offset, uint64_t length);
  // The reclaimer thread: takes each queued range out of the free list, punches its hole, and puts
  // it back.
  void reclaimLoop();
  uint8_t* host(uint64_t addr) const { return hostBase_ + (addr - deviceBase_); }

  uint8_t* hostBase_;
  uint64_t deviceBase_;
  uint64_t capacity_;
  int memfd_;  // a duplicate of the device's memfd, owned here: the reclaimer may outlive the original
  wire::PageMap pages_;
  ChangeSink onChange_;
  mutable std::mutex mu_;
  std::map<uint64_t, uint64_t> live_;  // device address -> requested size
  std::map<uint64_t, uint64_t> free_;  // offset -> length, coalesced
  uint64_t liveBytes_ = 0;
  // Recently freed allocations (address, size), newest last: names a use after free in a report.
  std::deque<std::pair<uint64_t, uint64_t>> freed_;
  // Free ranges (offset -> length) whose hole is still to be punched; each lies inside free_.
  std::map<uint64_t, uint64_t> toPunch_;
  // The range being punched now (out of free_ until it is done), if any.
  std::optional<std::pair<uint64_t, uint64_t>> punching_;
  std::condition_variable reclaimWork_;      // a range was queued, or the address space is closing
  std::condition_variable reclaimed_;        // the range being punched is back in the free list
  bool closing_ = false;
  std::thread reclaimer_;  // started last, once everything it uses exists
};

}  // namespace npurun::sim
