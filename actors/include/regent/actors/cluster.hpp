#pragma once
/// The leader components of one leadership session (DESIGN §2): resource_manager, dispatcher
/// and one job_master per job, plus the pieces they share. A fresh set is spawned for every
/// session by the leadership_supervisor and fenced with that session's token; nothing is
/// reused across sessions.
///
/// Each component is a typed actor with its interface in its own header
/// (resource_manager_actor.hpp, dispatcher_actor.hpp, job_master_actor.hpp).

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "regent/actors/blocking_pool.hpp"
#include "regent/actors/dispatcher_actor.hpp"
#include "regent/actors/resource_manager_actor.hpp"
#include "regent/config/settings.hpp"
#include "regent/ha/ha_services.hpp"
#include "regent/rpc/client.hpp"
#include "regent/rpc/envelope.hpp"
#include "regent/rpc/server.hpp"
#include "regent/runtime/clock.hpp"
#include "regent/runtime/ids.hpp"

namespace regent::actors {

/// RPC clients to taskmanagers, one per address, shared by the session's job masters.
/// Thread-safe; requests are asynchronous (callbacks run on the client's io thread).
/// Request deadlines are the transport's own: real time (the RPC client's timers), whatever
/// clock the session's logic runs on.
class taskmanager_gateway {
 public:
  using callback = std::function<void(result<rpc::envelope>)>;
  taskmanager_gateway() = default;
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
  /// The session's time: deadlines, heartbeats, checkpoint intervals and every timestamp.
  const clock* time = &system_clock::instance();
  std::shared_ptr<taskmanager_gateway> taskmanagers;
  /// Where the job masters make their blocking HA calls (the process's pool).
  std::shared_ptr<const blocking_pool> blocking;
  /// Set by the supervisor the moment the session ends (before its actors get their exit), so
  /// a job master busy in a blocking read stops at its next step instead of going on.
  mutable std::atomic<bool> ended{false};
};

/// Routes RPC requests from the jobmanager's RPC server to the current session's actors,
/// after checking the fencing token. Thread-safe: the server's io threads call `route`, the
/// supervisor calls `set_session` / `clear_session`.
class rpc_router {
 public:
  void set_session(const fencing_token& token, resource_manager_actor resource_manager, dispatcher_actor dispatcher);
  void clear_session();
  void route(const rpc::envelope& request, rpc::responder reply);

 private:
  std::mutex mu_;
  fencing_token token_;
  resource_manager_actor rm_;
  dispatcher_actor dispatcher_;
};

}  // namespace regent::actors
