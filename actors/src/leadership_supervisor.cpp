#include "regent/actors/leadership_supervisor.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "regent/actors/cluster.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::actors {

namespace {

/// The components of the session being led.
struct session {
  fencing_token token;
  dispatcher_actor dispatcher;
  resource_manager_actor rm;
  std::shared_ptr<taskmanager_gateway> taskmanagers;
  std::shared_ptr<const session_context> ctx;
  bool ready = false;  // published and recovered
};

/// The components whose leader info a leader publishes.
const char* components[] = {ha::component::resource_manager, ha::component::dispatcher, ha::component::rest_server};

/// The supervisor's state and its handlers: the session it leads (if any) and counters for
/// status, one named member per message.
class supervisor_state {
 public:
  static inline const char* name = "leadership_supervisor";

  leadership_supervisor_actor::behavior_type start(leadership_supervisor_actor::pointer self, ha::ha_services* ha,
                                                   supervisor_config cfg,
                                                   std::shared_ptr<const blocking_pool> blocking) {
    self_ = self;
    ha_ = ha;
    cfg_ = std::move(cfg);
    blocking_ = std::move(blocking);
    for (auto& w : blocking_->workers()) self_->link_to(w);  // a supervisor that fails takes them along
    self_->set_down_handler([this](const caf::down_msg& dm) { on_down(dm); });
    return {
        [this](grant_atom, const fencing_token& token, std::int64_t since_ms) { on_grant(token, since_ms); },
        [this](revoke_atom, const fencing_token& token) { on_revoke(token); },
        [this](failed_atom, const std::string& why) { fatal(why); },
        [this](shutdown_atom) { on_shutdown(); },
        [this](status_atom) -> std::tuple<std::string, fencing_token, std::uint64_t> {
          if (!current_) return {"standby", fencing_token{}, changes_};
          return {current_->ready ? "leader" : "recovering", current_->token, changes_};
        },
    };
  }

 private:
  void on_grant(const fencing_token& token, std::int64_t since_ms) {
    if (token.epoch <= last_epoch_) {
      log_->warn("dropped stale grant {} (newest epoch seen is {})", token.to_string(), last_epoch_);
      return;
    }
    end_session();
    last_epoch_ = token.epoch;
    count_change("granted");
    granted_at_ = cfg_.time->now();
    log_->info("granted leadership {}", token.to_string());
    current_ = spawn_session(token, since_ms);
    report();
    // Every component's leader info goes out first, in one write, while ZooKeeper (or the
    // disk) is not yet busy with the recovery's reads (ZooKeeper answers a session's reads
    // only after its earlier writes): the taskmanagers register while the dispatcher reads
    // the graphs and checkpoints, so the takeover's two slowest steps overlap. The
    // dispatcher answers nothing before it has recovered (see dispatcher_actor.hpp).
    ha::leader_info info{cfg_.rpc_address, cfg_.rest_url, token, since_ms};
    if (auto r = current_->ctx->count_write(
            ha_->election().publish_all({std::begin(components), std::end(components)}, info));
        !r) {
      log_->warn("could not publish leader info for {}: {}", token.to_string(), r.err().message);
      return;  // leadership is gone: the revoke is on its way
    }
    self_->request(current_->dispatcher, caf::infinite, recover_atom::value)
        .then([this, token](bool recovered) { on_recovered(token, recovered); },
              [this, token](caf::error& e) {
                if (current_ && current_->token == token)
                  fatal("recovery of " + token.to_string() + " failed: " + self_->system().render(e));
              });
  }

  /// A fresh resource manager and dispatcher fenced with `token`, wired to each other, watched
  /// by this supervisor and reachable through the router.
  session spawn_session(const fencing_token& token, std::int64_t since_ms) {
    auto ctx = std::make_shared<session_context>();
    ctx->token = token;
    ctx->since_ms = since_ms;
    ctx->ha = ha_;
    ctx->settings = cfg_.settings;
    ctx->time = cfg_.time;
    ctx->taskmanagers = std::make_shared<taskmanager_gateway>(cfg_.rpc_tls);
    ctx->blocking = blocking_;
    ctx->fencing = cfg_.fencing;
    session s{token, spawn_dispatcher(self_->system(), ctx), {}, ctx->taskmanagers, ctx};
    s.rm = spawn_resource_manager(self_->system(), ctx, s.dispatcher);
    caf::anon_send(s.dispatcher, use_rm_atom::value, s.rm);
    self_->monitor(s.dispatcher);
    self_->monitor(s.rm);
    if (cfg_.router) cfg_.router->set_session(token, s.rm, s.dispatcher);
    return s;
  }

  void on_recovered(const fencing_token& token, bool recovered) {
    if (!current_ || current_->token != token) return;  // revoked meanwhile
    if (!recovered) return fatal("recovery failed for " + token.to_string());
    current_->ready = true;
    last_takeover_ms_ = std::chrono::duration<double, std::milli>(cfg_.time->now() - granted_at_).count();
    report();
    log_->info("leader ready {} (recovered in {:.1f} ms; published dispatcher, resource_manager, rest_server at {})",
               token.to_string(), last_takeover_ms_, cfg_.rpc_address.empty() ? "-" : cfg_.rpc_address);
  }

  void on_revoke(const fencing_token& token) {
    if (!current_ || current_->token != token) {
      log_->warn("dropped revoke of {} (current session: {})", token.to_string(),
                 current_ ? current_->token.to_string() : std::string("none"));
      return;
    }
    end_session();
    count_change("revoked");
    report();
    log_->info("revoked leadership {}", token.to_string());
  }

  void on_shutdown() {
    if (current_) {
      auto token = current_->token;
      end_session();
      count_change("shutdown");
      report();
      (void)ha_->election().unpublish_all({std::begin(components), std::end(components)}, token);
      log_->info("stepping down from leadership {} (shutdown)", token.to_string());
    }
    for (auto& w : blocking_->workers()) self_->send_exit(w, caf::exit_reason::user_shutdown);
    self_->quit();
  }

  void on_down(const caf::down_msg& dm) {
    if (!current_) return;
    if (dm.source == current_->dispatcher.address() || dm.source == current_->rm.address())
      fatal("a leader component of " + current_->token.to_string() + " stopped: " + self_->system().render(dm.reason));
  }

  /// Stops the components of the current session (job masters suspend with the dispatcher).
  void end_session() {
    if (!current_) return;
    current_->ctx->ended = true;
    if (cfg_.router) cfg_.router->clear_session();
    self_->demonitor(current_->dispatcher.address());
    self_->demonitor(current_->rm.address());
    self_->send_exit(current_->dispatcher, caf::exit_reason::user_shutdown);
    self_->send_exit(current_->rm, caf::exit_reason::user_shutdown);
    current_->taskmanagers->close();
    current_.reset();
  }

  void fatal(const std::string& why) {
    if (fatal_reported_) return;
    fatal_reported_ = true;
    log_->critical("leadership session cannot go on: {}", why);
    if (cfg_.on_fatal) cfg_.on_fatal(1, why);
  }

  void count_change(const char* reason) {
    ++changes_;
    ++changes_by_reason_[reason];
  }

  /// Tells the board (REST /metrics) where this process stands.
  void report() {
    if (!cfg_.board) return;
    leadership_board::report r;
    r.role = !current_ ? "standby" : current_->ready ? "leader" : "recovering";
    r.epoch = current_ ? current_->token.epoch : 0;
    r.changes = changes_;
    r.changes_by_reason = changes_by_reason_;
    r.last_takeover_ms = last_takeover_ms_;
    cfg_.board->set(r);
  }

  leadership_supervisor_actor::pointer self_ = nullptr;
  ha::ha_services* ha_ = nullptr;
  supervisor_config cfg_;
  std::shared_ptr<const blocking_pool> blocking_;
  std::shared_ptr<spdlog::logger> log_ = logging::get("actors");
  std::optional<session> current_;
  epoch_t last_epoch_ = 0;     ///< newest epoch seen, to drop stale grants
  std::uint64_t changes_ = 0;  ///< grants + revokes + step-downs handled
  std::map<std::string, std::uint64_t> changes_by_reason_;
  clock::time_point granted_at_;
  double last_takeover_ms_ = -1;  ///< grant → recovered of the newest session
  bool fatal_reported_ = false;
};

leadership_supervisor_actor::behavior_type supervisor(
    leadership_supervisor_actor::stateful_pointer<supervisor_state> self, ha::ha_services* ha, supervisor_config cfg,
    std::shared_ptr<const blocking_pool> blocking) {
  return self->state.start(self, ha, std::move(cfg), std::move(blocking));
}

/// Forwards driver callbacks (on the driver's thread) into the supervisor's mailbox.
class forwarding_listener final : public ha::leader_election_listener {
 public:
  explicit forwarding_listener(leadership_supervisor_actor s) : supervisor_(std::move(s)) {}
  void on_grant(const fencing_token& token, std::int64_t since_ms) override {
    caf::anon_send(supervisor_, grant_atom::value, token, since_ms);
  }
  void on_revoke(const fencing_token& token) override { caf::anon_send(supervisor_, revoke_atom::value, token); }
  void on_error(const error& e) override {
    caf::anon_send(supervisor_, failed_atom::value, "leader election failed: " + e.message);
  }

 private:
  leadership_supervisor_actor supervisor_;
};

}  // namespace

leadership_supervisor_actor spawn_leadership_supervisor(caf::actor_system& sys, ha::ha_services& ha,
                                                        supervisor_config cfg) {
  // The pool exists before the supervisor returns, so whoever counts the running actors finds
  // it there from the start.
  auto blocking = std::make_shared<const blocking_pool>(sys);
  return sys.spawn<caf::detached>(supervisor, &ha, std::move(cfg), std::move(blocking));
}

std::unique_ptr<ha::leader_election_listener> make_election_listener(leadership_supervisor_actor supervisor) {
  return std::make_unique<forwarding_listener>(std::move(supervisor));
}

void leadership_board::set(report r) {
  std::function<void(const report&)> observer;
  {
    std::lock_guard<std::mutex> lock(mu_);
    r_ = r;
    observer = observer_;
  }
  if (observer) observer(r);
}

void leadership_board::observe(std::function<void(const report&)> observer) {
  std::lock_guard<std::mutex> lock(mu_);
  observer_ = std::move(observer);
}

leadership_board::report leadership_board::get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return r_;
}

}  // namespace regent::actors
