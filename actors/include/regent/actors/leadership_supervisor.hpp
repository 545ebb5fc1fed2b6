#pragma once
/// The leadership supervisor: the process's only leader contender (DESIGN §2).
///
/// It turns the election driver's callbacks into messages and handles them strictly in order.
/// On grant it starts the leader components of that session and publishes the leader info
/// (under the session's fencing token) once they are ready; on revoke it stops them; a failure
/// of the driver is fatal for the process. Every transition is one log line with epoch and
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
#include "regent/ha/leader_election.hpp"

namespace regent::actors {

using leadership_supervisor_actor = caf::typed_actor<
    caf::reacts_to<grant_atom, fencing_token, std::int64_t>,
    caf::reacts_to<revoke_atom, fencing_token>,
    caf::reacts_to<failed_atom, std::string>,
    caf::reacts_to<shutdown_atom>,
    /// role ("leader" | "standby"), the current token (epoch 0 when standby), leadership changes
    caf::replies_to<status_atom>::with<std::string, fencing_token, std::uint64_t>>;

struct supervisor_config {
  std::string rpc_address;  ///< published as the leader's RPC address ("" until served)
  std::string rest_url;     ///< published as the leader's REST URL ("" until served)
  /// Called once when the session cannot go on (driver failure): the process should exit
  /// with `exit_code`. Runs on the supervisor's thread.
  std::function<void(int exit_code, const std::string& why)> on_fatal;
};

/// Spawns the supervisor. `driver` must outlive it.
leadership_supervisor_actor spawn_leadership_supervisor(caf::actor_system& sys,
                                                        ha::leader_election_driver& driver,
                                                        supervisor_config cfg);

/// An election listener that forwards every callback to `supervisor` as a message.
std::unique_ptr<ha::leader_election_listener> make_election_listener(
    leadership_supervisor_actor supervisor);

}  // namespace regent::actors
