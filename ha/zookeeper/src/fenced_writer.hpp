#pragma once
/// Storage-level fencing of the `zookeeper` backend: every write of the leader is one
/// `zoo_multi` that starts with two checks — the writer's own latch node exists, and the epoch
/// node still has the version the writer's grant gave it — so a leader whose session expired
/// (its latch node is gone) or that was superseded (the epoch moved) cannot write, even before
/// it notices.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "regent/runtime/clock.hpp"
#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"
#include "zk_connection.hpp"

namespace regent::ha::zookeeper {

/// What a write of one leadership is conditional on.
struct fence_checks {
  std::string latch_path;        ///< the leader's own latch node
  std::string epoch_path;        ///< leader/epoch
  int epoch_version = 0;         ///< its version right after this leadership's bump
  std::uint64_t generation = 0;  ///< the session that owns the latch node
};

/// Implemented by the election.
class leadership_fence {
 public:
  virtual ~leadership_fence() = default;
  /// The checks of `token`; errc::not_leader unless it is this process's current leadership.
  virtual result<fence_checks> checks_for(const fencing_token& token) const = 0;
  /// The session (generation) on which this process holds leadership now, if it does.
  virtual std::optional<std::uint64_t> leading_generation() const = 0;
};

/// Runs fenced multis for the stores. Thread-safe (it keeps no state of its own).
class fenced_writer {
 public:
  fenced_writer(zk_connection& conn, const leadership_fence& fence, clock& clk)
      : conn_(conn), fence_(fence), clock_(clk) {}

  /// Commits `build()`'s ops in one multi behind the fence checks of `token`. When the ops race
  /// with the tree (a version moved, a node appeared or vanished) `build` runs again. After a
  /// lost connection, `applied()` — run after a ZooKeeper `sync` — tells whether the lost
  /// attempt committed. At most 1 + max-retry-attempts attempts.
  ///
  /// errc::not_leader when the fence fails. errc::unavailable when ZooKeeper cannot be reached;
  /// then `*unknown` says whether an attempt may have committed (the caller must keep whatever
  /// the write may reference). A committed write found by `applied()` has no stats.
  result<multi_result> write(const fencing_token& token, const std::function<result<std::vector<zk_op>>()>& build,
                             const std::function<result<bool>()>& applied, bool* unknown = nullptr);

  /// Confirms `token`'s leadership with a fenced multi of the checks alone and returns a lease:
  /// the (monotonic) time until which its latch node cannot have been removed by session
  /// expiry — half the negotiated session timeout after the check was sent, since the server
  /// expires a session no sooner than one timeout after it last heard from it.
  result<clock::time_point> lease(const fencing_token& token);

  /// errc::not_leader unless `token` is this process's current leadership (local, no I/O):
  /// lets a store refuse before it writes a payload nobody may point to.
  result<void> holds(const fencing_token& token) const;

  zk_connection& connection() { return conn_; }
  /// See leadership_fence::leading_generation.
  std::optional<std::uint64_t> leading_generation() const { return fence_.leading_generation(); }

 private:
  /// After a lost connection: did the lost attempt commit?
  result<bool> resolve(const std::function<result<bool>()>& applied);

  zk_connection& conn_;
  const leadership_fence& fence_;
  clock& clock_;
};

/// The error of a write whose fence failed.
error fenced_off(const fencing_token& token, const std::string& why);

}  // namespace regent::ha::zookeeper
