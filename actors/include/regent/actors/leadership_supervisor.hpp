#pragma once
/// The leadership supervisor: the process's only leader contender (DESIGN §2).
///
/// It turns the election driver's callbacks into messages and handles them strictly in order.
/// On grant it spawns a fresh resource_manager and dispatcher fenced with that session's token,
/// publishes every component's leader info in one write, then lets the dispatcher recover — the
/// dispatcher answers nothing before its recovery is done, so the taskmanagers register while
/// the job graphs and checkpoints are read; "leader ready" is logged when recovery is done. A
/// revoke that arrives meanwhile wins: the components stop wherever recovery is (the dispatcher
/// reads the graphs in one batch and the checkpoints in another, and starts no job master once
/// the session ended). On revoke it stops them (job masters suspend; nothing terminal is
/// written). A crashed component or a failure of the driver is fatal for the
/// process, so a standby takes over. Every transition is one log line with epoch and session.
/// It runs as a detached actor (its own thread), because publishing leader info blocks on the
/// HA backend.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "regent/actors/messages.hpp"
#include "regent/config/settings.hpp"
#include "regent/runtime/clock.hpp"
#include "regent/ha/ha_services.hpp"

namespace regent::actors {

using leadership_supervisor_actor =
    caf::typed_actor<caf::reacts_to<grant_atom, fencing_token, std::int64_t>,
                     caf::reacts_to<revoke_atom, fencing_token>, caf::reacts_to<failed_atom, std::string>,
                     caf::reacts_to<shutdown_atom>,
                     /// role ("leader" | "standby"), the current token (epoch 0 when standby), leadership changes
                     caf::replies_to<status_atom>::with<std::string, fencing_token, std::uint64_t>>;

class rpc_router;
struct fencing_counters;

/// What the supervisor last reported about this process's leadership, for readers on other
/// threads that must not wait on the actor (the REST server's /metrics). Thread-safe.
class leadership_board {
 public:
  struct report {
    std::string role = "standby";  ///< "leader" | "recovering" | "standby"
    std::uint64_t epoch = 0;       ///< of the current session; 0 when standby
    std::uint64_t changes = 0;     ///< grants and revokes handled
    /// Every leadership change by its reason: "granted", "revoked" (the HA backend took the
    /// leadership away: lost session, expired lease, lost lock, a refused token) and "shutdown"
    /// (this process stepped down on SIGTERM).
    std::map<std::string, std::uint64_t> changes_by_reason;
    double last_takeover_ms = -1;  ///< grant → recovered, of the newest session; -1 before one
  };
  void set(report r);
  report get() const;
  /// Also calls `observer` with every report set from now on (on the supervisor's thread; it must
  /// return quickly). Set it before the supervisor is spawned.
  void observe(std::function<void(const report&)> observer);

 private:
  mutable std::mutex mu_;
  report r_;
  std::function<void(const report&)> observer_;
};

struct supervisor_config {
  std::string rpc_address;  ///< published as the leader's RPC address (host:port)
  std::string rest_url;     ///< published as the leader's REST URL ("" until served)
  config::settings settings;
  /// Where RPC requests of the current session go; may be null (no RPC endpoint).
  rpc_router* router = nullptr;
  /// Called once when the session cannot go on (driver failure): the process should exit
  /// with `exit_code`. Runs on the supervisor's thread.
  std::function<void(int exit_code, const std::string& why)> on_fatal;
  /// Kept up to date on every transition; may be null.
  std::shared_ptr<leadership_board> board;
  /// The process's fencing counters, handed to every session; may be null.
  std::shared_ptr<fencing_counters> fencing;
  /// security.ssl.internal's client context for the RPCs to taskmanagers (null: plain TCP).
  tls::context_ptr rpc_tls;
  /// Every component's time (deadlines, heartbeats, timestamps); must outlive the supervisor.
  const clock* time = &system_clock::instance();
};

/// Spawns the supervisor. `ha` (and `cfg.router`) must outlive it.
leadership_supervisor_actor spawn_leadership_supervisor(caf::actor_system& sys, ha::ha_services& ha,
                                                        supervisor_config cfg);

/// An election listener that forwards every callback to `supervisor` as a message.
std::unique_ptr<ha::leader_election_listener> make_election_listener(leadership_supervisor_actor supervisor);

}  // namespace regent::actors
