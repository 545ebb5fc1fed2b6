#pragma once
/// Message vocabulary of Regent's actors: the atoms of every actor interface, the plain structs
/// that travel in messages and their `inspect` overloads. Protobuf types never appear here
/// (they stop at rpc/); an RPC request reaches an actor as an `rpc::envelope` with the
/// `rpc::responder` that answers it.

#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include "regent/rpc/envelope.hpp"
#include "regent/rpc/server.hpp"
#include "regent/runtime/ids.hpp"

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
using allocate_atom = caf::atom_constant<caf::atom("allocate")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using tm_lost_atom = caf::atom_constant<caf::atom("tmlost")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using state_atom = caf::atom_constant<caf::atom("state")>;
using final_atom = caf::atom_constant<caf::atom("final")>;
using terminal_atom = caf::atom_constant<caf::atom("terminal")>;
using checkpointed_atom = caf::atom_constant<caf::atom("ckpt")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using cleanup_atom = caf::atom_constant<caf::atom("cleanup")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using query_atom = caf::atom_constant<caf::atom("query")>;

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

}  // namespace regent::actors

namespace regent {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fencing_token& x) {
  return f(caf::meta::type_name("regent::fencing_token"), x.epoch, x.session_id);
}

}  // namespace regent

// Local only: an RPC request and its responder are handed to an actor in this process, never
// serialized by CAF.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::rpc::envelope)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::rpc::responder)
