#include "regent/runtime/job/cleanup_backoff.hpp"

#include <algorithm>

namespace regent::job {

using std::chrono::milliseconds;

cleanup_backoff::cleanup_backoff(const cleanup_backoff_settings& s) : s_(s) {
  s_.initial_backoff = std::max(s_.initial_backoff, milliseconds(0));
  s_.max_backoff = std::max(s_.max_backoff, milliseconds(0));
  s_.fixed_delay = std::max(s_.fixed_delay, milliseconds(0));
  s_.fixed_attempts = std::max(s_.fixed_attempts, 0);
  if (s_.exponential_attempts) s_.exponential_attempts = std::max(*s_.exponential_attempts, 0);
}

cleanup_backoff cleanup_backoff::exponential_delay(milliseconds initial, milliseconds max,
                                                   std::optional<int> attempts) {
  cleanup_backoff_settings s;
  s.kind = cleanup_backoff_kind::exponential_delay;
  s.initial_backoff = initial;
  s.max_backoff = max;
  s.exponential_attempts = attempts;
  return cleanup_backoff(s);
}

cleanup_backoff cleanup_backoff::fixed_delay(int attempts, milliseconds delay) {
  cleanup_backoff_settings s;
  s.kind = cleanup_backoff_kind::fixed_delay;
  s.fixed_attempts = attempts;
  s.fixed_delay = delay;
  return cleanup_backoff(s);
}

cleanup_backoff cleanup_backoff::none() {
  cleanup_backoff_settings s;
  s.kind = cleanup_backoff_kind::none;
  return cleanup_backoff(s);
}

std::optional<milliseconds> cleanup_backoff::next_delay(int failed_attempts) const {
  if (failed_attempts <= 0) return milliseconds(0);
  switch (s_.kind) {
    case cleanup_backoff_kind::none:
      return std::nullopt;
    case cleanup_backoff_kind::fixed_delay:
      if (failed_attempts > s_.fixed_attempts) return std::nullopt;
      return s_.fixed_delay;
    case cleanup_backoff_kind::exponential_delay: {
      if (s_.exponential_attempts && failed_attempts > *s_.exponential_attempts) return std::nullopt;
      // Double until the cap; stop early so that no shift overflows.
      const auto cap = std::max(s_.max_backoff, milliseconds(0));
      auto d = std::min(s_.initial_backoff, cap);
      for (int i = 1; i < failed_attempts && d < cap; ++i) {
        if (d.count() == 0) break;
        d = d.count() > cap.count() / 2 ? cap : d * 2;
      }
      return std::min(d, cap);
    }
  }
  return std::nullopt;
}

std::string cleanup_backoff::describe() const {
  switch (s_.kind) {
    case cleanup_backoff_kind::none:
      return "none (a single attempt)";
    case cleanup_backoff_kind::fixed_delay:
      return "fixed-delay (attempts=" + std::to_string(s_.fixed_attempts) +
             ", delay=" + std::to_string(s_.fixed_delay.count()) + " ms)";
    case cleanup_backoff_kind::exponential_delay:
      return "exponential-delay (initial=" + std::to_string(s_.initial_backoff.count()) +
             " ms, max=" + std::to_string(s_.max_backoff.count()) +
             " ms, attempts=" + (s_.exponential_attempts ? std::to_string(*s_.exponential_attempts) : "unlimited") +
             ")";
  }
  return "unknown";
}

}  // namespace regent::job
