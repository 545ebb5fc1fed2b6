#pragma once
/// The leadership supervisor: the process's only leader contender (DESIGN §2).
///
/// It turns the election driver's callbacks into messages and handles them strictly in order.
/// On grant it spawns a fresh resource_manager and dispatcher fenced with that session's token,
/// lets the dispatcher recover, and publishes the leader info only once recovery is done; a
/// revoke that arrives meanwhile wins (nothing is published). On revoke it stops them (job
/// masters suspend; nothing terminal is written). A crashed component or a failure of the
/// driver is fatal for the process, so a standby takes over. Every transition is one log line with epoch and
/// session. It runs as a detached actor (its own thread), because publishing leader info
/// blocks on the HA backend.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <tuple>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "regent/actors/messages.hpp"
#include "regent/config/settings.hpp"
#include "regent/ha/ha_services.hpp"

namespace regent::actors {

using leadership_supervisor_actor = caf::typed_actor<
    caf::reacts_to<grant_atom, fencing_token, std::int64_t>,
    caf::reacts_to<revoke_atom, fencing_token>,
    caf::reacts_to<failed_atom, std::string>,
    caf::reacts_to<shutdown_atom>,
    /// role ("leader" | "standby"), the current token (epoch 0 when standby), leadership changes
    caf::replies_to<status_atom>::with<std::string, fencing_token, std::uint64_t>>;

class rpc_router;

struct supervisor_config {
  std::string rpc_address;  ///< published as the leader's RPC address (host:port)
  std::string rest_url;     ///< published as the leader's REST URL ("" until served)
  config::settings settings;
  /// Where RPC requests of the current session go; may be null (no RPC endpoint).
  rpc_router* router = nullptr;
  /// Called once when the session cannot go on (driver failure): the process should exit
  /// with `exit_code`. Runs on the supervisor's thread.
  std::function<void(int exit_code, const std::string& why)> on_fatal;
};

/// Spawns the supervisor. `ha` (and `cfg.router`) must outlive it.
leadership_supervisor_actor spawn_leadership_supervisor(caf::actor_system& sys, ha::ha_services& ha,
                                                        supervisor_config cfg);

/// An election listener that forwards every callback to `supervisor` as a message.
std::unique_ptr<ha::leader_election_listener> make_election_listener(
    leadership_supervisor_actor supervisor);

}  // namespace regent::actors
