#pragma once
/// The job master of one job in one leadership session (DESIGN §2, §4): slots, deployment,
/// checkpoint coordinator, restarts, terminal states. Spawned by the session's dispatcher;
/// event-based, with its blocking HA calls made on the blocking pool (blocking_pool.hpp).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "regent/actors/dispatcher_actor.hpp"
#include "regent/actors/messages.hpp"
#include "regent/actors/resource_manager_actor.hpp"
#include "regent/ha/stores.hpp"

namespace regent::actors {

struct session_context;

using job_master_actor = caf::typed_actor<
    /// (to itself) ask for slots and deploy an attempt
    caf::reacts_to<start_atom>,
    /// (to itself) (attempt): time for a checkpoint of that attempt
    caf::reacts_to<tick_atom, std::uint64_t>,
    /// jm.subtask_event from a taskmanager, forwarded by the dispatcher
    caf::reacts_to<rpc_atom, rpc::envelope, rpc::responder>,
    /// a deployment failed
    caf::reacts_to<deploy_failed>,
    /// a taskmanager stopped answering
    caf::reacts_to<taskmanager_lost>,
    /// subtasks of this job a registering taskmanager runs (to adopt or cancel)
    caf::reacts_to<subtasks_reported>,
    /// (to itself) the wait for the subtasks' reports is over
    caf::reacts_to<reconcile_timeout_atom>,
    /// cancel the job
    caf::reacts_to<cancel_atom>,
    /// → what it knows of its job (REST)
    caf::replies_to<snapshot_atom>::with<views::job_snapshot>>;

/// The latest completed checkpoint of a job as a new leader's recovery read it (nullopt: the
/// job has none), or why it could not be read.
using recovered_checkpoint = result<std::optional<ha::completed_checkpoint>>;

/// Spawns one job's master for `spec_json` (a valid job spec). A job being recovered comes
/// with the latest checkpoint its recovery read (the dispatcher reads every job's in one
/// batch), which its first deployment restores; a new job starts from scratch.
job_master_actor spawn_job_master(caf::actor_system& sys, std::shared_ptr<const session_context> ctx,
                                  dispatcher_actor dispatcher, resource_manager_actor resource_manager, job_id job,
                                  std::string spec_json, std::optional<recovered_checkpoint> latest = std::nullopt);

}  // namespace regent::actors
