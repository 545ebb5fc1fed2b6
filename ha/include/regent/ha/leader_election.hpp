#pragma once
/// Leader election among jobmanager processes (DESIGN §2, §3).
///
/// One driver per process: the process contends once and all its components share the
/// leadership session (as Flink since 1.15). Each grant carries a fencing token: an epoch that
/// the backend bumps atomically on every grant, and a random session UUID.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"

namespace regent::ha {

/// Component names under which leader information is published.
namespace component {
inline constexpr const char* dispatcher = "dispatcher";
inline constexpr const char* resource_manager = "resource_manager";
inline constexpr const char* rest_server = "rest_server";
}  // namespace component

/// What a leader publishes about itself, and what retrieval reports.
struct leader_info {
  std::string rpc_address;    ///< host:port of the leader's RPC endpoint ("" when none)
  std::string rest_url;       ///< http://host:port of the leader's REST endpoint ("" when none)
  fencing_token token;        ///< the leadership session that published this
  std::int64_t since_ms = 0;  ///< wall-clock millis when that session was granted

  friend bool operator==(const leader_info& a, const leader_info& b) {
    return a.rpc_address == b.rpc_address && a.rest_url == b.rest_url && a.token == b.token && a.since_ms == b.since_ms;
  }
  friend bool operator!=(const leader_info& a, const leader_info& b) { return !(a == b); }
};

/// Receives leadership events. Called on the driver's own thread, strictly in order
/// (grant, revoke, grant, ...). Implementations must return quickly (hand the event to an actor).
class leader_election_listener {
 public:
  virtual ~leader_election_listener() = default;
  /// This process now leads with `token` (and keeps leading until revoke).
  virtual void on_grant(const fencing_token& token, std::int64_t since_ms) = 0;
  /// The leadership granted last is gone (lost lock, expired session, lost quorum).
  virtual void on_revoke(const fencing_token& token) = 0;
  /// The driver failed and stopped contending; the process should exit or restart it.
  virtual void on_error(const error& e) = 0;
};

/// Contends for leadership on behalf of the whole process. Thread-safe.
///
/// Lifecycle: `start` begins contending on a thread owned by the driver; `stop` gives up any
/// leadership at once (a standby can take over immediately), stops contending and joins the
/// thread. After `stop` returns no listener call runs; `stop` does not call `on_revoke`.
/// A driver may be started again after it was stopped.
class leader_election_driver {
 public:
  virtual ~leader_election_driver() = default;
  virtual result<void> start(leader_election_listener& listener) = 0;
  virtual void stop() = 0;
  /// True while `token` is the leadership this driver holds right now.
  virtual bool has_leadership(const fencing_token& token) const = 0;
  /// Publishes (or replaces) `component`'s leader info; fenced: rejected with errc::not_leader
  /// unless `info.token` is the current leadership.
  virtual result<void> publish(const std::string& component, const leader_info& info) = 0;
  /// `publish` of several components' leader info, in one write where the backend can (a new
  /// leader's first act: taskmanagers and clients find every component at once). This
  /// default publishes one after the other.
  virtual result<void> publish_all(const std::vector<std::string>& components, const leader_info& info);
  /// Removes `component`'s leader info; fenced like `publish`.
  virtual result<void> unpublish(const std::string& component, const fencing_token& token) = 0;
  /// `unpublish` of several components, in one write where the backend can (a leader stepping
  /// down: the fewer round trips before it releases its lock, the sooner a standby takes over).
  /// This default removes one after the other and reports the first error.
  virtual result<void> unpublish_all(const std::vector<std::string>& components, const fencing_token& token);

  /// Epoch `epoch` was granted somewhere in this cluster (read from a leader record, reported
  /// by a taskmanager). No later grant of this driver reuses it: its next epoch is above every
  /// epoch observed, even when the backend's stored epoch reads lower (a backend that lost
  /// acknowledged writes). This default ignores it (a backend whose epoch cannot go back).
  virtual void observe_epoch(epoch_t epoch);
  /// The holder of `token` learnt that its epoch is not unique: a taskmanager has accepted
  /// epoch `seen` (>= token.epoch) from another leadership session. The driver revokes `token`
  /// (with `why` in its log line) and contends again; its next grant takes an epoch above
  /// `seen`. Nothing happens when `token` is no longer held. This default ignores it.
  virtual void refuse(const fencing_token& token, epoch_t seen, const std::string& why);
};

}  // namespace regent::ha
