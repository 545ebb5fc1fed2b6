#pragma once
/// The highest epoch a jobmanager has seen granted in its cluster, so that it never grants an
/// epoch twice even when the backend's stored epoch reads lower than one already used.
///
/// A backend that loses acknowledged writes (ZooKeeper 3.8.0 does when two of three servers fail
/// around a resynchronisation: ZOOKEEPER-4643/4646/4785) can hand the next leader an epoch node
/// that predates the last grant; bumping that would reuse a fencing token that taskmanagers and
/// stores have already seen. The election drivers feed this watermark with every epoch they
/// grant or read, the jobmanager with every leader record it retrieves, the resource manager with
/// the epochs taskmanagers report; a grant takes max(stored, seen) + 1.
///
/// Thread-safe (one atomic); owned by an election driver.

#include <atomic>
#include <optional>

#include "regent/runtime/ids.hpp"

namespace regent::ha {

class epoch_watermark {
 public:
  /// Epoch `e` was granted somewhere in this cluster.
  void observe(epoch_t e);
  epoch_t highest() const { return seen_.load(); }

  /// The epoch a grant takes when the backend's stored epoch reads `stored` (0: none stored).
  struct next_grant {
    epoch_t epoch = 0;
    /// Set when `stored` is below an epoch seen granted: the backend lost a write. The grant
    /// skips past it instead of reusing a fencing token; the caller says so in its log.
    std::optional<epoch_t> lost_above;
  };
  next_grant next(epoch_t stored) const;

 private:
  std::atomic<epoch_t> seen_{0};
};

}  // namespace regent::ha
