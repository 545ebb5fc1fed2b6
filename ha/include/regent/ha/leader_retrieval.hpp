#pragma once
/// Service discovery: who leads a component right now (DESIGN §2, §3).

#include <optional>
#include <string>

#include "regent/ha/leader_election.hpp"

namespace regent::ha {

/// Receives leader changes for one component, on the retrieval's own thread, in order.
/// `std::nullopt` means "no leader known" (none elected, leader died, backend unreachable).
class leader_retrieval_listener {
 public:
  virtual ~leader_retrieval_listener() = default;
  virtual void on_leader_change(const std::optional<leader_info>& leader) = 0;
};

/// Watches one component's leader info. Thread-safe.
///
/// Lifecycle: `start` reports the current state once, then every change; `stop` joins the
/// watching thread; after it returns no listener call runs.
class leader_retrieval {
 public:
  virtual ~leader_retrieval() = default;
  virtual result<void> start(leader_retrieval_listener& listener) = 0;
  virtual void stop() = 0;
  /// The leader as last observed (also usable without a listener after `start`).
  virtual std::optional<leader_info> current() const = 0;
};

}  // namespace regent::ha
