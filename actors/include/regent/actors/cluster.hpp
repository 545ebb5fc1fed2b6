#pragma once
/// The leader components of one leadership session (DESIGN §2): resource_manager, dispatcher
/// and one job_master per job, plus the pieces they share. A fresh set is spawned for every
/// session by the leadership_supervisor and fenced with that session's token; nothing is
/// reused across sessions.
///
/// The component actors are dynamically typed (`caf::actor`): their protocols are listed here
/// with the atoms that carry them.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <atomic>

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include "regent/config/settings.hpp"
#include "regent/ha/ha_services.hpp"
#include "regent/rpc/client.hpp"
#include "regent/rpc/envelope.hpp"
#include "regent/rpc/server.hpp"
#include "regent/runtime/ids.hpp"

namespace regent::actors {

// Atoms of the component protocols.
using rpc_atom = caf::atom_constant<caf::atom("rpc")>;            // (envelope, responder)
using recover_atom = caf::atom_constant<caf::atom("recover")>;    // → bool
using allocate_atom = caf::atom_constant<caf::atom("allocate")>;  // (job_id str, P) → slots
using release_atom = caf::atom_constant<caf::atom("release")>;    // (job_id str)
using tm_lost_atom = caf::atom_constant<caf::atom("tmlost")>;     // (taskmanager id)
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using terminal_atom = caf::atom_constant<caf::atom("terminal")>;  // (job_id str, state)
using state_atom = caf::atom_constant<caf::atom("state")>;        // (job_id str, state, name)
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using cleanup_atom = caf::atom_constant<caf::atom("cleanup")>;    // (job_id str)
using retry_atom = caf::atom_constant<caf::atom("retry")>;
/// REST questions: job master (query, what) → JSON text ("checkpoints" | "exceptions");
/// resource manager (query) → TaskManagersInfo JSON text.
using query_atom = caf::atom_constant<caf::atom("query")>;
/// job master → dispatcher before terminal: (job_id str, checkpoints JSON, exceptions JSON),
/// so the answers outlive the job master.
using final_atom = caf::atom_constant<caf::atom("final")>;
/// job master → dispatcher: (job_id str) completed a checkpoint (counted for /metrics).
using checkpointed_atom = caf::atom_constant<caf::atom("ckpt")>;
/// recovering job master → dispatcher: (job_id str, name, parallelism) once its job graph is
/// read, or (job_id str) alone when it cannot be (the job stays in HA for the next leader).
using recovered_atom = caf::atom_constant<caf::atom("recovered")>;
using unrecoverable_atom = caf::atom_constant<caf::atom("unrecov")>;

/// A slot of a taskmanager given to one subtask (the message form of job::slot_assignment).
struct slot {
  int subtask = 0;
  std::string taskmanager_id;
  std::string address;
};

/// RPC clients to taskmanagers, one per address, shared by the session's job masters.
/// Thread-safe; requests are asynchronous (callbacks run on the client's io thread).
class taskmanager_gateway {
 public:
  using callback = std::function<void(result<rpc::envelope>)>;
  ~taskmanager_gateway();
  void send(const std::string& address, rpc::envelope request, callback done);
  /// Closes every client (blocks until their io threads end; not from a callback).
  void close();

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<rpc::client>> clients_;
};

/// What the actors of one session share. Owned by the supervisor; outlives the actors.
struct session_context {
  fencing_token token;
  std::int64_t since_ms = 0;
  ha::ha_services* ha = nullptr;
  config::settings settings;
  std::shared_ptr<taskmanager_gateway> taskmanagers;
  /// Set by the supervisor the moment the session ends (before its actors get their exit), so
  /// a job master busy in a blocking read stops at its next step instead of going on.
  mutable std::atomic<bool> ended{false};
};

/// Spawns the session's resource manager: taskmanager registry, slot pool, heartbeats.
caf::actor spawn_resource_manager(caf::actor_system& sys, std::shared_ptr<const session_context> ctx,
                                  caf::actor dispatcher_for_tm_loss);
/// Spawns the session's dispatcher (detached: it does blocking HA I/O). It recovers on
/// `recover_atom` (dirty results first, then every job graph) and replies true when done.
caf::actor spawn_dispatcher(caf::actor_system& sys, std::shared_ptr<const session_context> ctx);
/// Tells the dispatcher which resource manager to use (sent once after both are spawned).
using use_rm_atom = caf::atom_constant<caf::atom("userm")>;
/// Spawns one job's master (detached: blocking HA I/O) for `spec_json`, or, when it is empty,
/// for a job being recovered: the master reads the job graph itself first, so the graphs of
/// many jobs are read in parallel and a revoke stops a recovery between any two reads.
caf::actor spawn_job_master(caf::actor_system& sys, std::shared_ptr<const session_context> ctx,
                            caf::actor dispatcher, caf::actor resource_manager,
                            std::string job_id, std::string spec_json);

/// Routes RPC requests from the jobmanager's RPC server to the current session's actors,
/// after checking the fencing token. Thread-safe: the server's io threads call `route`, the
/// supervisor calls `set_session` / `clear_session`.
class rpc_router {
 public:
  void set_session(const fencing_token& token, caf::actor resource_manager, caf::actor dispatcher);
  void clear_session();
  void route(const rpc::envelope& request, rpc::responder reply);

 private:
  std::mutex mu_;
  fencing_token token_;
  caf::actor rm_;
  caf::actor dispatcher_;
};

}  // namespace regent::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::rpc::envelope)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(regent::rpc::responder)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<regent::actors::slot>)
