#include "regent/runtime/job/checkpoint_stats.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace regent::job {

const char* to_string(checkpoint_status s) {
  switch (s) {
    case checkpoint_status::in_progress:
      return "IN_PROGRESS";
    case checkpoint_status::completed:
      return "COMPLETED";
    case checkpoint_status::failed:
      return "FAILED";
  }
  return "FAILED";
}

void stats_summary::add(std::int64_t v) {
  min_ = count_ ? std::min(min_, v) : v;
  max_ = count_ ? std::max(max_, v) : v;
  sum_ += v;
  ++count_;
  recent_.push_back(v);
  if (recent_.size() > window_) recent_.pop_front();
}

double stats_summary::quantile(double q) const {
  if (recent_.empty()) return 0;
  std::vector<std::int64_t> sorted(recent_.begin(), recent_.end());
  std::sort(sorted.begin(), sorted.end());
  q = std::clamp(q, 0.0, 1.0);
  const double rank = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const auto hi = static_cast<std::size_t>(std::ceil(rank));
  const double frac = rank - static_cast<double>(lo);
  return static_cast<double>(sorted[lo]) + frac * (static_cast<double>(sorted[hi]) - static_cast<double>(sorted[lo]));
}

}  // namespace regent::job
