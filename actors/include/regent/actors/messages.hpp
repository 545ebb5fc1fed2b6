#pragma once
/// Message vocabulary of Regent's actors: the atoms of every actor interface, the plain structs
/// that travel in messages. Protobuf types never appear here (they stop at rpc/); an RPC
/// request reaches an actor as an `rpc::envelope` with the `rpc::responder` that answers it.
///
/// Every struct here travels between actors of one process only: none is ever serialized by
/// CAF (see the CAF_ALLOW_UNSAFE_MESSAGE_TYPE list at the end).

#include <cstdint>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/envelope.hpp"
#include "regent/rpc/server.hpp"
#include "regent/runtime/ids.hpp"
#include "regent/runtime/job/job_status.hpp"
#include "regent/views/flink_rest.hpp"

namespace regent::actors {

// The leadership supervisor (leadership_supervisor.hpp).
using grant_atom = caf::atom_constant<caf::atom("grant")>;
using revoke_atom = caf::atom_constant<caf::atom("revoke")>;
using failed_atom = caf::atom_constant<caf::atom("failed")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;

// The session's components (resource_manager_actor.hpp, dispatcher_actor.hpp,
// job_master_actor.hpp); each interface says which it takes and with what.
using rpc_atom = caf::atom_constant<caf::atom("rpc")>;
using use_rm_atom = caf::atom_constant<caf::atom("userm")>;
using recover_atom = caf::atom_constant<caf::atom("recover")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using taskmanagers_atom = caf::atom_constant<caf::atom("tms")>;
using reconcile_timeout_atom = caf::atom_constant<caf::atom("reconcto")>;

// The blocking pool (blocking_pool.hpp).
using run_atom = caf::atom_constant<caf::atom("run")>;
using done_atom = caf::atom_constant<caf::atom("done")>;

/// A slot of a taskmanager given to one subtask (the message form of job::slot_assignment).
struct slot {
  int subtask = 0;
  std::string taskmanager_id;
  std::string address;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, slot& x) {
  return f(caf::meta::type_name("regent::actors::slot"), x.subtask, x.taskmanager_id, x.address);
}

/// (job master → resource manager) one slot per subtask of `job`, answered with them once
/// taskmanagers offer enough.
struct slot_request {
  job_id job;
  int parallelism = 0;
};

/// (job master → resource manager) frees `job`'s slots and withdraws its waiting request.
struct slot_release {
  job_id job;
};

/// (resource manager → dispatcher → job masters) a taskmanager stopped answering.
struct taskmanager_lost {
  std::string taskmanager_id;
};

/// (resource manager → dispatcher → job masters) the subtasks a registering taskmanager runs
/// (task-preserving failover: a new leader adopts them or cancels them). The resource manager
/// has given each its slot on that taskmanager.
struct subtasks_reported {
  std::string taskmanager_id;
  std::string address;
  std::vector<rpc::running_subtask> running;
};

/// (resource manager → dispatcher) the registered taskmanagers, for REST.
struct taskmanager_list {
  std::vector<views::taskmanager_summary> rows;
};

/// (job master → dispatcher) the job moved to `status`.
struct job_status_changed {
  job_id job;
  job::job_status status;
};

/// (job master → dispatcher) the job completed checkpoint `checkpoint_id` (for /metrics).
struct checkpoint_completed {
  job_id job;
  std::int64_t checkpoint_id = 0;
};

/// (job master → dispatcher) the job is globally terminal with `status` and its result is
/// recorded (dirty); `last` is what the job master knew at the end, so its REST answers
/// outlive it.
struct job_terminated {
  job_id job;
  job::job_status status;
  views::job_snapshot last;
};

/// (to a job master, from a deployment's answer) deploying `attempt` failed with `cause`.
struct deploy_failed {
  std::uint64_t attempt = 0;
  std::string cause;
};

/// (dispatcher → itself) one attempt at the global cleanup of a globally terminal job.
struct cleanup_attempt {
  job_id job;
};

}  // namespace regent::actors

namespace regent {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fencing_token& x) {
  return f(caf::meta::type_name("regent::fencing_token"), x.epoch, x.session_id);
}

}  // namespace regent

// Local only: handed to actors of this process, never serialized by CAF.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::rpc::envelope)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::rpc::responder)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::actors::slot_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::actors::slot_release)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::actors::taskmanager_lost)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::actors::taskmanager_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::actors::subtasks_reported)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::actors::job_status_changed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::actors::checkpoint_completed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::actors::job_terminated)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::actors::cleanup_attempt)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::actors::deploy_failed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::views::job_snapshot)
