#pragma once
/// Timing samples of the benchmarks: durations in milliseconds and their percentiles
/// (nearest rank). Shared by every program in bench/.

#include <algorithm>
#include <chrono>
#include <vector>

namespace regent::bench {

struct samples {
  std::vector<double> ms;
  void add(std::chrono::steady_clock::duration d) {
    ms.push_back(std::chrono::duration<double, std::milli>(d).count());
  }
  /// The p-th percentile (0..1); 0 when there are no samples.
  double pct(double p) const {
    if (ms.empty()) return 0;
    auto sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    std::size_t i = static_cast<std::size_t>(p * (sorted.size() - 1) + 0.5);
    return sorted[std::min(i, sorted.size() - 1)];
  }
};

}  // namespace regent::bench
