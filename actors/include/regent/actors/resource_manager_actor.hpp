#pragma once
/// The resource manager of one leadership session (DESIGN §2): taskmanager registrations, the
/// slot pool, heartbeats. Spawned per session by the leadership_supervisor. It never blocks,
/// but runs detached (its own thread) all the same, so registrations and heartbeats are never
/// queued behind the job masters on CAF's workers (100 of them start at once in a takeover).

#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "regent/actors/messages.hpp"

namespace regent::actors {

struct session_context;

/// Who is told that a taskmanager stopped answering, and what a registering taskmanager
/// runs (the session's dispatcher).
using taskmanager_listener = caf::typed_actor<caf::reacts_to<taskmanager_lost>, caf::reacts_to<subtasks_reported>>;

using resource_manager_actor = caf::typed_actor<
    /// rm.register and rm.heartbeat from taskmanagers, routed by the rpc_router
    caf::reacts_to<rpc_atom, rpc::envelope, rpc::responder>,
    /// → one slot per subtask; answered once enough slots are offered
    caf::replies_to<slot_request>::with<std::vector<slot>>,
    /// frees the job's slots and withdraws its waiting request
    caf::reacts_to<slot_release>,
    /// → the registered taskmanagers (REST)
    caf::replies_to<taskmanagers_atom>::with<taskmanager_list>,
    /// (to itself) checks the heartbeats
    caf::reacts_to<tick_atom>>;

resource_manager_actor spawn_resource_manager(caf::actor_system& sys, std::shared_ptr<const session_context> ctx,
                                              taskmanager_listener listener);

}  // namespace regent::actors
