#include "regent/ha/epoch_watermark.hpp"

#include <algorithm>

namespace regent::ha {

void epoch_watermark::observe(epoch_t e) {
  epoch_t seen = seen_.load();
  while (e > seen && !seen_.compare_exchange_weak(seen, e)) {
  }
}

epoch_watermark::next_grant epoch_watermark::next(epoch_t stored) const {
  const epoch_t seen = seen_.load();
  next_grant g;
  g.epoch = std::max(stored, seen) + 1;
  if (seen > stored) g.lost_above = stored;
  return g;
}

}  // namespace regent::ha
