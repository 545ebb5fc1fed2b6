#pragma once
/// The blocking pool: a few detached actors that make the blocking HA calls (ZooKeeper round
/// trips, fsync) of actors that live on CAF's workers and so must never block (STYLE rule 8).
/// The job masters use it (checkpoints, counters, results, the latest checkpoint of a restart),
/// so N jobs need N light actors instead of N threads (on a 2-core machine 100 detached actors
/// alone take ~30 ms to start); a takeover's reads are the dispatcher's, in batches. Created with the
/// supervisor and linked to it, for the whole process: a call carries everything it needs (its
/// session's context and token), so the pool belongs to no session.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "regent/actors/messages.hpp"

namespace regent::actors {

/// One blocking call; it leaves its result where its caller will look for it.
using blocking_call = std::shared_ptr<const std::function<void()>>;

/// Runs a call, answers when it has returned.
using blocking_worker_actor = caf::typed_actor<caf::replies_to<run_atom, blocking_call>::with<done_atom>>;

/// Thread-safe: job masters on any CAF worker pick workers concurrently.
class blocking_pool {
 public:
  /// Enough for the HA writes of many jobs checkpointing at once to overlap on one ZooKeeper
  /// session; more would only add threads.
  static constexpr std::size_t default_workers = 32;

  blocking_pool(caf::actor_system& sys, std::size_t workers = default_workers);
  /// The worker for the next call (round robin).
  blocking_worker_actor next() const;
  const std::vector<blocking_worker_actor>& workers() const { return workers_; }

 private:
  std::vector<blocking_worker_actor> workers_;
  mutable std::atomic<std::size_t> next_{0};
};

}  // namespace regent::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::actors::blocking_call)
