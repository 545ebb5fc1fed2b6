#pragma once
/// The dispatcher of one leadership session (DESIGN §2, §4): recovers on grant, accepts
/// submissions, runs one job master per job, cleans up after globally terminal jobs and
/// answers REST questions. Spawned per session by the leadership_supervisor; detached (its
/// own thread), because the HA stores it calls block.

#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "regent/actors/messages.hpp"
#include "regent/actors/resource_manager_actor.hpp"

namespace regent::actors {

struct session_context;

using dispatcher_actor = caf::typed_actor<
    /// (from the supervisor, once) the session's resource manager
    caf::reacts_to<use_rm_atom, resource_manager_actor>,
    /// dirty results first, then every job graph; → false when the HA stores cannot be listed.
    /// Until it has answered, nothing but use_rm is handled (the rest waits in the mailbox).
    caf::replies_to<recover_atom>::with<bool>,
    /// dispatcher.* and jm.subtask_event / blob.get RPCs, routed by the rpc_router
    caf::reacts_to<rpc_atom, rpc::envelope, rpc::responder>,
    /// from the job masters
    caf::reacts_to<job_status_changed>, caf::reacts_to<checkpoint_completed>, caf::reacts_to<job_terminated>,
    /// (to itself) one attempt at a job's global cleanup
    caf::reacts_to<cleanup_attempt>,
    /// from the resource manager
    caf::reacts_to<taskmanager_lost>, caf::reacts_to<subtasks_reported>>;

dispatcher_actor spawn_dispatcher(caf::actor_system& sys, std::shared_ptr<const session_context> ctx);

}  // namespace regent::actors
