#pragma once
/// The ZooKeeper session of one ha_services instance, over the C client (libzookeeper_mt).
///
/// Owns the zhandle_t (RAII: a shared handle closed by the last user) and renews it after
/// the session expired. Synchronous calls block the calling thread — the election's or a
/// retrieval's own thread, or a store caller's I/O thread; never the C client's completion
/// thread (a synchronous call there would deadlock) and never a CAF worker. Watches and
/// session changes arrive on the C client's completion thread and are handed to
/// `watch_slot`s, which only queue them for their owner's thread.
///
/// Shared (std::shared_ptr) by the services, the election and every retrieval, so a
/// retrieval that outlives the services still has a valid connection to unsubscribe from.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <zookeeper/zookeeper.h>

#include "regent/runtime/result.hpp"

namespace regent::ha::zookeeper {

enum class session_state { connecting, connected, expired };
const char* to_string(session_state s);

/// A session change or a fired watch, as a subscriber sees it.
struct zk_event {
  enum class kind { session, node };
  kind what = kind::session;
  std::uint64_t generation = 0;                     ///< the session it belongs to (a new one after each expiry)
  session_state state = session_state::connecting;  ///< session events
  int type = 0;                                     ///< node events: ZOO_CREATED_EVENT, ZOO_DELETED_EVENT, ...
  std::string path;                                 ///< node events
};

/// Where the client delivers one subscriber's events. Slots are owned by the connection until
/// it is destroyed, because the C client may still fire a watch registered with a slot after
/// its subscriber went away; a released slot drops what it gets.
class watch_slot {
 public:
  void deliver(const zk_event& e);
  void set_sink(std::function<void(const zk_event&)> sink);

 private:
  std::mutex mu_;
  std::function<void(const zk_event&)> sink_;
};

/// A znode as read.
struct znode {
  std::string data;
  Stat stat{};
};

/// One operation of a `zoo_multi`.
struct zk_op {
  enum class kind { create, remove, set, check };
  kind what = kind::check;
  std::string path;
  std::string data;
  int version = -1;  ///< remove, set, check: the expected version (-1: any)
  int mode = 0;      ///< create: ZOO_PERSISTENT, ZOO_EPHEMERAL, ...

  static zk_op create(std::string path, std::string data, int mode);
  static zk_op remove(std::string path, int version);
  static zk_op set(std::string path, std::string data, int version);
  static zk_op check(std::string path, int version);
};

/// The outcome of one `zoo_multi` attempt.
struct multi_result {
  bool sent = true;                  ///< false: not attempted, the session was not connected (rc says why)
  int rc = ZOK;                      ///< ZOK, or the error of the first failing op (or of the call)
  int failed = -1;                   ///< index of the first failing op; -1 when the call itself failed
  std::vector<Stat> stats;           ///< per op: the node's stat after a set
  std::vector<std::string> created;  ///< per op: the path a create made
};

/// A connected session, held while a call runs.
struct session_ref {
  std::shared_ptr<zhandle_t> zh;
  std::uint64_t generation = 0;
  std::int64_t session_id = 0;
};

/// The connection's settings (from the options of the services).
struct connection_settings {
  std::string quorum;
  std::chrono::milliseconds session_timeout{60000};
  std::chrono::milliseconds connection_timeout{15000};
  std::chrono::milliseconds retry_wait{5000};
  int max_retry_attempts = 3;
  /// high-availability.zookeeper.client.acl: true for `creator` (nodes readable and writable by
  /// the sessions authenticated as their creator only), false for `open`.
  bool creator_acl = false;
  /// Digest credentials `user:password` every session authenticates with ("" = none).
  std::string digest;
  /// high-availability.zookeeper.path.root: it and its ancestors may be shared with other
  /// clusters, so ensure_path creates them open whatever the ACL.
  std::string shared_root = "/flink";
};

class zk_connection {
 public:
  /// Opens the first session (asynchronously: does not wait for it to connect).
  static result<std::shared_ptr<zk_connection>> open(const connection_settings& s);
  ~zk_connection();
  zk_connection(const zk_connection&) = delete;
  zk_connection& operator=(const zk_connection&) = delete;

  const connection_settings& settings() const { return settings_; }

  /// A slot for watches and session events; `sink` runs on the C client's thread and must
  /// only queue. Release it with `unsubscribe` (the slot itself stays owned by the connection).
  watch_slot* subscribe(std::function<void(const zk_event&)> sink);
  void unsubscribe(watch_slot* slot);

  /// The current session's generation and state (non-blocking).
  std::pair<std::uint64_t, session_state> state() const;
  /// Opens a new session when the current one expired (non-blocking); subscribers then see
  /// its events. Returns the current generation.
  std::uint64_t renew_if_expired();
  /// Closes the current session (the server drops its ephemeral nodes) and opens a new one.
  void renew(const std::string& why);
  /// A connected session, waiting up to `timeout` (default: connection_timeout) for one and
  /// renewing an expired one; errc::unavailable naming the quorum otherwise.
  result<session_ref> connected(std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  /// The current session only if it is connected now (non-blocking).
  std::optional<session_ref> connected_now();
  /// The session timeout the server granted (the requested one until connected).
  std::chrono::milliseconds negotiated_timeout() const;

  /// How a read copes with a lost connection: `patient` waits for a session (up to the
  /// connection timeout) and retries transient failures — for callers' I/O threads; `prompt`
  /// makes one attempt on the session connected now and fails with errc::unavailable otherwise
  /// — for the election's and retrievals' threads, which must stay responsive to stop() and
  /// learn of the reconnect from their session events anyway.
  enum class wait_mode { patient, prompt };

  // Reads (idempotent). A missing node is nullopt. `watch` (optional) registers a one-shot
  // watch with that slot.
  result<std::optional<znode>> get(const std::string& path, watch_slot* watch = nullptr,
                                   wait_mode mode = wait_mode::patient);
  result<std::optional<Stat>> exists(const std::string& path, watch_slot* watch = nullptr,
                                     wait_mode mode = wait_mode::patient);
  result<std::optional<std::vector<std::string>>> children(const std::string& path, watch_slot* watch = nullptr,
                                                           wait_mode mode = wait_mode::patient);
  /// `get` of many nodes at once, without watches (patient): every request goes out before
  /// the first answer is awaited — the client pipelines them on its one connection — so N
  /// reads cost about one round trip, not N. Transient failures are retried like `get`'s
  /// (`patient`), or end the batch at once (`prompt`). One entry per path, in order.
  std::vector<result<std::optional<znode>>> get_many(const std::vector<std::string>& paths,
                                                     wait_mode mode = wait_mode::patient);
  /// `children` of many nodes at once, like `get_many`.
  std::vector<result<std::optional<std::vector<std::string>>>> children_many(const std::vector<std::string>& paths);
  /// ZooKeeper's `sync` on the current session (reads after it see every write committed
  /// before it, also other clients' — a session's own server may lag behind the ensemble).
  result<void> sync_reads(wait_mode mode = wait_mode::patient);
  /// Creates `path` and its missing ancestors as empty persistent nodes (structure only,
  /// not leadership data: unfenced); existing nodes are fine.
  result<void> ensure_path(const std::string& path, wait_mode mode = wait_mode::patient);

  // Single attempts on a given session; the caller decides about retries.
  /// Not attempted (`sent` false) unless the handle is connected right now: Debian's
  /// libzookeeper_mt 3.8.0 double-frees an op's path when the session turns unrecoverable in
  /// the middle of zoo_amulti (see the .cpp).
  multi_result multi(const session_ref& s, const std::vector<zk_op>& ops);
  int create(const session_ref& s, const std::string& path, const std::string& data, int mode, std::string* created);
  int remove(const session_ref& s, const std::string& path, int version);
  /// ZooKeeper's `sync`: once it returns ZOK, reads on `s` see every write that was committed
  /// before it — including a write of this session whose answer was lost with its connection.
  int sync(const session_ref& s, const std::string& path);

  /// Waits before retry `attempt` (0-based): retry_wait * 2^attempt, capped at the connection
  /// timeout; returns early once a connection is made after the call began.
  void backoff(int attempt);

 private:
  struct handle_context;
  explicit zk_connection(const connection_settings& s);
  result<void> open_handle_locked(std::unique_lock<std::mutex>& lock);
  /// The ACL of every node this connection creates.
  const ACL_vector* acl() const;
  static void global_watcher(zhandle_t* zh, int type, int state, const char* path, void* ctx);
  static void node_watcher(zhandle_t* zh, int type, int state, const char* path, void* ctx);
  void on_session_event(handle_context* hc, int zstate);
  void broadcast(const zk_event& e);
  /// A session for a call in `mode`: `connected()` when patient, else the one connected now or
  /// errc::unavailable.
  result<session_ref> session_for(wait_mode mode);
  /// Runs `call` on a connected session, again after transient failures (reads only).
  result<int> attempt_read(const std::function<int(const session_ref&)>& call, wait_mode mode);
  /// The engine of get_many and children_many: `issue(zh, i, tag)` starts request i as an
  /// asynchronous call whose completion hands `tag` to `complete_batched`; returns each
  /// request's final code (after retries of transient ones) and answer.
  template <class Answer>
  std::vector<std::pair<result<int>, Answer>> batch_read(
      std::size_t n, const std::function<int(zhandle_t*, std::size_t, const void*)>& issue,
      wait_mode mode = wait_mode::patient);

  connection_settings settings_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<zhandle_t> handle_;
  std::uint64_t generation_ = 0;
  session_state state_ = session_state::connecting;
  std::uint64_t connections_ = 0;                 // connected events so far (see backoff)
  std::list<std::unique_ptr<watch_slot>> slots_;  // every slot ever handed out (see watch_slot)
  std::vector<watch_slot*> free_slots_;
  std::vector<watch_slot*> active_slots_;
};

/// errc for a ZooKeeper return code, with "ZooKeeper <what> <path>: <zerror>".
error zk_error(int rc, const std::string& what, const std::string& path);
/// True for codes after which the same call may succeed (connection lost, timed out).
bool is_transient(int rc);

}  // namespace regent::ha::zookeeper
