// Stream completion counts: how many work items a stream has completed. They are 32 bits wide and
// wrap, so whether a count has reached a target is decided by their distance, not their values:
// a target at most 2^31 items ahead is "not yet", anything else "reached".
#pragma once

#include <cstdint>

namespace npurun {

// Whether a stream that has completed `count` items has done the work up to `target`.
inline bool countReached(uint32_t count, uint32_t target) { return static_cast<int32_t>(count - target) >= 0; }

// Whether `target` comes before `other` (so a wait needing it needs the stream sooner).
inline bool targetSooner(uint32_t target, uint32_t other) { return !countReached(target, other); }

}  // namespace npurun
