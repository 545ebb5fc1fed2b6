#include "regent/task/sequence_source.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "regent/task/errc.hpp"

namespace regent::task {

result<sequence_partition> sequence_partition::make(std::int64_t from, std::int64_t to, int index, int parallelism) {
  if (parallelism < 1) {
    return error{errc::invalid_argument, "parallelism must be at least 1, got " + std::to_string(parallelism)};
  }
  if (index < 0 || index >= parallelism) {
    return error{errc::invalid_argument,
                 "subtask index " + std::to_string(index) + " is not in [0, " + std::to_string(parallelism) + ")"};
  }
  const std::int64_t p = parallelism;
  // The first n >= from with floor_mod(n, p) == index; 128-bit so from near INT64_MAX is safe.
  const __int128 first = static_cast<__int128>(from) + floor_mod(index - floor_mod(from, p), p);
  if (from > to || first > to) return sequence_partition(from, 0, p);
  const __int128 size = (static_cast<__int128>(to) - first) / p + 1;
  if (size > static_cast<__int128>(std::numeric_limits<std::uint64_t>::max())) {
    return error{errc::invalid_argument, "source: the range " + std::to_string(from) + ".." + std::to_string(to) +
                                             " is too large for one subtask"};
  }
  return sequence_partition(static_cast<std::int64_t>(first), static_cast<std::uint64_t>(size), p);
}

clock::time_point rate_limiter::due(std::uint64_t n) const {
  // Capped at about 100 years so the conversion never overflows a nanosecond count.
  constexpr double max_seconds = 100.0 * 365 * 24 * 3600;
  const double seconds = std::min(static_cast<double>(n) / per_second_, max_seconds);
  return start_ + clock::duration(static_cast<std::int64_t>(std::ceil(seconds * 1e9)));
}

clock::time_point rate_limiter::wake(std::uint64_t n) const {
  const double within = per_second_ * std::chrono::duration<double>(min_pause).count();
  const auto batch = static_cast<std::uint64_t>(std::max(1.0, std::floor(within)));
  return due(n + batch - 1);
}

double subtask_rate(const source_spec& source, int parallelism) {
  if (!source.rate_per_second || *source.rate_per_second <= 0 || parallelism < 1) return 0;
  return *source.rate_per_second / parallelism;
}

}  // namespace regent::task
