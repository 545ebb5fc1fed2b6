#pragma once
/// A moment as the job logic sees it: monotonic time for deadlines and durations, and wall-clock
/// milliseconds for the timestamps users see (REST). The caller reads both from one
/// `regent::clock` and passes the instant in; logic classes never read a clock themselves.

#include <cstdint>

#include "regent/runtime/clock.hpp"

namespace regent::job {

struct instant {
  clock::time_point mono{};  ///< for timeouts and durations (never jumps)
  std::int64_t wall_ms = 0;  ///< milliseconds since the Unix epoch, for users

  static instant of(const clock& c) { return {c.now(), c.wall_millis()}; }
};

/// Whole milliseconds from `a` to `b` (negative if `b` is earlier).
inline std::int64_t millis_between(const instant& a, const instant& b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b.mono - a.mono).count();
}

}  // namespace regent::job
