#pragma once
/// The heart of the `taskmanager` program (DESIGN §1, issue 4 item 4): offers this process's
/// slots to the leading resource manager, runs the subtasks the leader deploys, and follows
/// the leader across failovers.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "regent/ha/leader_retrieval.hpp"
#include "regent/programs/prometheus_text.hpp"
#include "regent/rpc/client.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/server.hpp"
#include "regent/runtime/result.hpp"
#include "regent/task/subtask.hpp"

namespace spdlog {
class logger;
}

namespace regent::programs {

/// How a task executor runs; a plain value built by taskmanager_main from the configuration.
struct task_executor_options {
  std::string taskmanager_id;                           ///< random UUID of this process
  std::string bind_host = "127.0.0.1";                  ///< where the RPC server listens
  std::string advertised_host;                          ///< what the leader dials ("" = bind_host)
  std::uint16_t port = 0;                               ///< taskmanager.rpc.port (0 = a free port)
  int slots = 1;                                        ///< taskmanager.numberOfTaskSlots
  std::chrono::milliseconds heartbeat_interval{10000};  ///< until the leader says otherwise
  /// state.checkpoints.dir: used when a deploy names none.
  std::filesystem::path checkpoints_dir;
  /// This process's scratch folder; user libraries go to <tmp_dir>/blobs/<job>/<key>.
  std::filesystem::path tmp_dir;
  /// Deadline of requests to the leader: registration, subtask events, blob fetches.
  /// (A heartbeat's deadline is the heartbeat interval when that is shorter.)
  std::chrono::milliseconds request_timeout{10000};
  /// Registration retries: first delay, doubled up to the maximum.
  std::chrono::milliseconds register_backoff{50};
  std::chrono::milliseconds register_backoff_max{1000};
  /// jobmanager.failover.task-preserving: subtasks outlive a leader change (the new leader
  /// adopts them); false: a new leader's arrival cancels the subtasks an earlier one deployed.
  bool task_preserving = true;
  /// jobmanager.failover.task-preserving.grace: with no leader in contact for this long (none
  /// known, or registration and heartbeats failing), the subtasks are cancelled here (the next leader restarts their jobs from checkpoints).
  std::chrono::milliseconds grace{60000};
  /// security.ssl.internal: the RPC server's and the client's (to the leader) TLS contexts
  /// (null: plain TCP).
  tls::context_ptr server_tls;
  tls::context_ptr client_tls;
};

/// Runs deployed subtasks and keeps this taskmanager registered with the current leader.
///
/// Threads (all its own): the RPC server's io thread runs the request handlers (fenced, never
/// blocking); one control thread follows the leader (connects, registers with backoff,
/// heartbeats) and destroys cancelled subtasks (which waits for their step in hand); each
/// subtask runs on the process's subtask executor (task/subtask_executor.hpp) and reports
/// through callbacks that send `jm.subtask_event` asynchronously
/// to the leader that deployed it. The leader-retrieval thread only hands changes over.
///
/// Lifecycle: `start` binds the server and starts the control thread; the caller then starts
/// a leader retrieval of `resource_manager` with this object as listener; `stop` (after the
/// retrieval is stopped) cancels every subtask, stops the server and the client. Owned by
/// taskmanager_main.
///
/// Leader changes (task-preserving, the default): a leader with a higher epoch than any
/// accepted before takes over every subtask, whoever deployed it — their events go to it from
/// then on, and only its commands are accepted — and gets a registration that reports them
/// (job, subtask, attempt, the epoch that deployed it, the last checkpoint acknowledged and
/// committed, running / ended / finished / failed); it adopts them or cancels them. "No
/// leader known" changes nothing but pausing registration and heartbeats: the subtasks keep
/// running and requests with the last leader's token are still accepted, since that same
/// leader may come back (a suspended ZooKeeper connection) — until the grace period, counted
/// from the last working contact with a leader, ends: then the subtasks are cancelled here. Without task-preserving, a new leader's arrival
/// cancels every subtask an earlier leader deployed. A slot stays taken until `tm.cancel` (or
/// a cancel here), also after the subtask finished or failed.
class task_executor final : public ha::leader_retrieval_listener {
 public:
  static result<std::unique_ptr<task_executor>> start(task_executor_options options);
  ~task_executor() override;
  task_executor(const task_executor&) = delete;
  task_executor& operator=(const task_executor&) = delete;

  /// From the retrieval thread: remembers the change for the control thread.
  void on_leader_change(const std::optional<ha::leader_info>& leader) override;

  /// Cancels every subtask (their `cancelled` events get a short chance to reach the leader),
  /// stops the server, the control thread and the client. Idempotent.
  void stop();

  /// host:port the leader reaches this taskmanager at.
  const std::string& address() const { return address_; }
  const std::string& id() const { return options_.taskmanager_id; }

  /// Its slots and the record counts of every subtask deployed here (finished ones too, until
  /// cancelled), for the metrics endpoint. Thread-safe; never waits on a subtask's work.
  taskmanager_sample metrics() const;

 private:
  /// One leader as retrieved: its info and this process's connection to it. Shared by the
  /// subtasks it deployed (their events and blob requests go to it); the client is closed when
  /// the leader changes, after which their requests fail at once.
  struct leader_session {
    ha::leader_info leader;
    std::shared_ptr<rpc::client> client;  ///< null when rpc_address cannot be parsed
    /// Its epoch is not above the one accepted before (DESIGN §6.7): we only register with it,
    /// so that it learns its token is not unique and steps down; its commands are rejected.
    bool refused = false;
  };
  /// What a subtask's callbacks share with the table: the leader its events go to (it moves
  /// to a new leader that takes the subtask over) and its progress as a registration reports
  /// it. Guarded by its own mutex: callbacks run on the subtask's thread.
  struct subtask_link {
    std::mutex mu;
    std::shared_ptr<leader_session> session;
    rpc::running_subtask report;
  };
  /// One deployed subtask and its link.
  struct deployed {
    std::unique_ptr<task::subtask> engine;
    std::shared_ptr<subtask_link> link;
  };
  /// (job, attempt, index): ordered, so one (job, attempt) is a contiguous range.
  using subtask_key = std::tuple<std::string, std::uint64_t, int>;
  using clock_type = std::chrono::steady_clock;

  explicit task_executor(task_executor_options options);

  // Io thread (server handler).
  void handle(const rpc::envelope& request, const rpc::responder& reply);
  void handle_deploy(const rpc::envelope& request, const rpc::responder& reply,
                     const std::shared_ptr<leader_session>& session);
  void handle_checkpoint(const rpc::envelope& request, const rpc::responder& reply, bool trigger);
  void handle_cancel(const rpc::envelope& request, const rpc::responder& reply);
  /// Moves the subtasks of (job, attempt) out of the table, cancelled. Caller holds mu_.
  std::vector<deployed> take_attempt_locked(const std::string& job, std::uint64_t attempt);

  // Subtask callbacks (on the subtask executor's threads).
  task::subtask_callbacks make_callbacks(const std::shared_ptr<subtask_link>& link);
  void send_event(const std::shared_ptr<leader_session>& session, rpc::subtask_event event);
  result<std::filesystem::path> fetch_library(const std::shared_ptr<leader_session>& session, const std::string& job,
                                              const std::string& key);

  // Control thread.
  void control_loop();
  void apply_leader(const std::optional<ha::leader_info>& leader);
  /// Moves every subtask to `fresh` (task-preserving) or cancels those of other leaders.
  void take_over_subtasks(const std::shared_ptr<leader_session>& fresh);
  /// Cancels every subtask: no leader was in contact for the grace period.
  void end_leaderless_subtasks();
  /// Starts the grace period unless it runs already.
  void lost_contact(clock_type::time_point now);
  void send_register();
  void on_register_reply(std::uint64_t generation, result<rpc::envelope> reply);
  void send_heartbeat();
  void on_heartbeat_reply(std::uint64_t generation, result<rpc::envelope> reply);
  /// Runs `fn` on the control thread (from a client callback).
  void post(std::function<void()> fn);

  task_executor_options options_;
  std::string address_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<rpc::server> server_;

  /// Guards everything below up to the control-thread-only section.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<leader_session> session_;  ///< the leader requests are fenced against
  std::map<subtask_key, deployed> subtasks_;
  std::vector<deployed> graveyard_;                              ///< cancelled; destroyed by the control thread
  std::size_t reaping_ = 0;                                      ///< taken from the graveyard, being destroyed now
  std::optional<std::optional<ha::leader_info>> leader_change_;  ///< latest, not yet applied
  std::deque<std::function<void()>> posted_;
  bool stopping_ = false;
  bool stopped_ = false;

  /// In-flight `jm.subtask_event` requests, so that stop() can let them reach the leader.
  std::mutex events_mu_;
  std::condition_variable events_cv_;
  int events_in_flight_ = 0;

  // Control thread only.
  std::shared_ptr<leader_session> connected_;  ///< the leader we register with (or null)
  fencing_token accepted_;                     ///< the newest leadership accepted (sent on registration)
  bool leader_known_ = false;
  bool logged_no_leader_ = false;
  /// Since when this taskmanager has had no working contact with a leader: none known, or
  /// its registration or heartbeats failing (a killed leader's pointer may stay published
  /// until its lease expires). The grace period counts from here.
  std::optional<clock_type::time_point> out_of_contact_since_;
  std::uint64_t generation_ = 0;  ///< bumped on every leader change
  bool registered_ = false;
  bool request_in_flight_ = false;
  std::optional<clock_type::time_point> next_register_;
  std::optional<clock_type::time_point> next_heartbeat_;
  std::chrono::milliseconds backoff_{0};
  std::chrono::milliseconds heartbeat_interval_{0};
  bool register_failure_logged_ = false;
  bool heartbeat_failure_logged_ = false;
  std::thread control_;
};

}  // namespace regent::programs
