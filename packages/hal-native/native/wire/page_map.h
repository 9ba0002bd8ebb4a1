// PageMap: one bit per page of device memory, set while the page belongs to a live allocation.
// The host sets bits when it allocates and clears them when it frees; the device process reads
// them when device code touches a page it has not opened yet (its fault handler opens the whole
// allocation and lets the access retry). So a new allocation is usable by device code the moment
// malloc returns, with no round trip, and anything else stays a fault.
#pragma once

#include <cstdint>

namespace npurun::wire {

class PageMap {
 public:
  PageMap() = default;
  PageMap(uint64_t* words, uint64_t pages) : words_(words), pages_(pages) {}

  static uint64_t bytesFor(uint64_t pages) { return (pages + 63) / 64 * 8; }

  uint64_t pages() const { return pages_; }

  void set(uint64_t first, uint64_t count) { update(first, count, true); }
  void clear(uint64_t first, uint64_t count) { update(first, count, false); }
  void clearAll() {
    for (uint64_t w = 0; w < (pages_ + 63) / 64; ++w) __atomic_store_n(&words_[w], 0ull, __ATOMIC_RELEASE);
  }

  bool test(uint64_t page) const {
    if (page >= pages_) return false;
    return (__atomic_load_n(&words_[page / 64], __ATOMIC_ACQUIRE) >> (page % 64)) & 1u;
  }

  // The run of set pages around `page` (which must be set): [*first, *last). Allocations are
  // separated by a clear guard page, so the run is exactly one allocation's pages.
  void runAround(uint64_t page, uint64_t* first, uint64_t* last) const {
    uint64_t lo = page;
    while (lo > 0 && test(lo - 1)) --lo;
    uint64_t hi = page + 1;
    while (hi < pages_ && test(hi)) ++hi;
    *first = lo;
    *last = hi;
  }

  // True when every page of [first, first + count) is set.
  bool allSet(uint64_t first, uint64_t count) const {
    for (uint64_t p = first; p < first + count; ++p) {
      if (!test(p)) return false;
    }
    return count > 0;
  }

 private:
  void update(uint64_t first, uint64_t count, bool value) {
    for (uint64_t p = first; p < first + count && p < pages_; ++p) {
      const uint64_t bit = 1ull << (p % 64);
      if (value) {
        __atomic_fetch_or(&words_[p / 64], bit, __ATOMIC_RELEASE);
      } else {
        __atomic_fetch_and(&words_[p / 64], ~bit, __ATOMIC_RELEASE);
      }
    }
  }

  uint64_t* words_ = nullptr;
  uint64_t pages_ = 0;
};

}  // namespace npurun::wire
