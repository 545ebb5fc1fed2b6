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
#include "regent/ha/errc.hpp"
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
  /// `tls`: security.ssl.internal's client context (null: plain TCP).
  explicit taskmanager_gateway(tls::context_ptr tls = nullptr) : tls_(std::move(tls)) {}
  ~taskmanager_gateway();
  void send(const std::string& address, rpc::envelope request, callback done);
  /// Closes every client (blocks until their io threads end; not from a callback).
  void close();

 private:
  tls::context_ptr tls_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<rpc::client>> clients_;
};

/// What fencing turned away in this process, for its /metrics. One per process: the RPC router
/// and every session count into it. Thread-safe (any thread increments, the REST thread reads).
struct fencing_counters {
  /// RPC requests whose fencing token was not the current session's (stale or unknown leader).
  std::atomic<std::uint64_t> requests_rejected{0};
  /// HA writes an HA store refused because this session no longer leads (ha::errc::not_leader).
  std::atomic<std::uint64_t> writes_rejected{0};

  /// Counts `r` when it is a write refused for lost leadership; returns `r`.
  template <class T>
  const result<T>& count_write(const result<T>& r) {
    if (!r && r.err().code == ha::errc::not_leader) writes_rejected.fetch_add(1, std::memory_order_relaxed);
    return r;
  }
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
  /// The process's fencing counters; may be null (nothing counted).
  std::shared_ptr<fencing_counters> fencing;

  /// Counts `r` in `fencing` when an HA store refused it for lost leadership; returns `r`.
  template <class T>
  const result<T>& count_write(const result<T>& r) const {
    return fencing ? fencing->count_write(r) : r;
  }
  /// What is not a result is no HA write.
  template <class T>
  const T& count_write(const T& v) const {
    return v;
  }
};

/// Routes RPC requests from the jobmanager's RPC server to the current session's actors,
/// after checking the fencing token. Thread-safe: the server's io threads call `route`, the
/// supervisor calls `set_session` / `clear_session`.
class rpc_router {
 public:
  /// `counters` (may be null) counts the requests rejected by fencing.
  explicit rpc_router(std::shared_ptr<fencing_counters> counters = nullptr) : counters_(std::move(counters)) {}
  void set_session(const fencing_token& token, resource_manager_actor resource_manager, dispatcher_actor dispatcher);
  void clear_session();
  void route(const rpc::envelope& request, rpc::responder reply);

 private:
  std::shared_ptr<fencing_counters> counters_;
  std::mutex mu_;
  fencing_token token_;
  resource_manager_actor rm_;
  dispatcher_actor dispatcher_;
};

}  // namespace regent::actors
