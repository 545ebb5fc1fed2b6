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
    /// from a job master: (job id, state, name)
    caf::reacts_to<state_atom, std::string, std::string, std::string>,
    /// from a job master: (job id) completed a checkpoint (for /metrics)
    caf::reacts_to<checkpointed_atom, std::string>,
    /// from a job master before terminal: (job id, job JSON, checkpoints JSON, exceptions JSON),
    /// so its answers outlive it
    caf::reacts_to<final_atom, std::string, std::string, std::string, std::string>,
    /// from a job master: (job id, terminal state); its result is recorded (dirty) by then
    caf::reacts_to<terminal_atom, std::string, std::string>,
    /// (to itself) (job id): one attempt at the job's global cleanup
    caf::reacts_to<cleanup_atom, std::string>,
    /// from the resource manager: (taskmanager id) stopped answering
    caf::reacts_to<tm_lost_atom, std::string>,
    /// (job id): cancel that job
    caf::reacts_to<cancel_atom, std::string>>;

dispatcher_actor spawn_dispatcher(caf::actor_system& sys, std::shared_ptr<const session_context> ctx);

}  // namespace regent::actors
