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

/// State of one supervisor: the session it leads (if any) and counters for status.
struct supervisor_state {
  static inline const char* name = "leadership_supervisor";
  std::optional<session> current;
  epoch_t last_epoch = 0;     // newest epoch seen, to drop stale grants
  std::uint64_t changes = 0;  // grants + revokes handled
  std::chrono::steady_clock::time_point granted_at;
  double last_takeover_ms = -1;  // grant → recovered of the newest session
  bool fatal_reported = false;
};

/// The components whose leader info a leader publishes.
const char* components[] = {ha::component::resource_manager, ha::component::dispatcher, ha::component::rest_server};

leadership_supervisor_actor::behavior_type supervisor(
    leadership_supervisor_actor::stateful_pointer<supervisor_state> self, ha::ha_services* ha, supervisor_config cfg,
    std::shared_ptr<const blocking_pool> blocking) {
  auto log = logging::get("actors");
  for (auto& w : blocking->workers()) self->link_to(w);  // a supervisor that fails takes them along
  auto fatal = [self, cfg, log](const std::string& why) {
    if (self->state.fatal_reported) return;
    self->state.fatal_reported = true;
    log->critical("leadership session cannot go on: {}", why);
    if (cfg.on_fatal) cfg.on_fatal(1, why);
  };
  // Tells the board (REST /metrics) where this process stands.
  auto report = [self, cfg] {
    if (!cfg.board) return;
    auto& st = self->state;
    leadership_board::report r;
    r.role = !st.current ? "standby" : st.current->ready ? "leader" : "recovering";
    r.epoch = st.current ? st.current->token.epoch : 0;
    r.changes = st.changes;
    r.last_takeover_ms = st.last_takeover_ms;
    cfg.board->set(r);
  };
  // Stops the components of the current session (job masters suspend with the dispatcher).
  auto end_session = [self, cfg] {
    auto& st = self->state;
    if (!st.current) return;
    st.current->ctx->ended = true;
    if (cfg.router) cfg.router->clear_session();
    self->demonitor(st.current->dispatcher.address());
    self->demonitor(st.current->rm.address());
    self->send_exit(st.current->dispatcher, caf::exit_reason::user_shutdown);
    self->send_exit(st.current->rm, caf::exit_reason::user_shutdown);
    st.current->taskmanagers->close();
    st.current.reset();
  };
  self->set_down_handler([self, fatal](const caf::down_msg& dm) {
    auto& st = self->state;
    if (!st.current) return;
    if (dm.source == st.current->dispatcher.address() || dm.source == st.current->rm.address())
      fatal("a leader component of " + st.current->token.to_string() + " stopped: " + self->system().render(dm.reason));
  });
  return {
      [=](grant_atom, const fencing_token& token, std::int64_t since_ms) {
        auto& st = self->state;
        if (token.epoch <= st.last_epoch) {
          log->warn("dropped stale grant {} (newest epoch seen is {})", token.to_string(), st.last_epoch);
          return;
        }
        end_session();
        st.last_epoch = token.epoch;
        ++st.changes;
        st.granted_at = cfg.time->now();
        log->info("granted leadership {}", token.to_string());
        auto ctx = std::make_shared<session_context>();
        ctx->token = token;
        ctx->since_ms = since_ms;
        ctx->ha = ha;
        ctx->settings = cfg.settings;
        ctx->time = cfg.time;
        ctx->taskmanagers = std::make_shared<taskmanager_gateway>(*cfg.time);
        ctx->blocking = blocking;
        session s{token, spawn_dispatcher(self->system(), ctx), {}, ctx->taskmanagers, ctx};
        s.rm = spawn_resource_manager(self->system(), ctx, s.dispatcher);
        caf::anon_send(s.dispatcher, use_rm_atom::value, s.rm);
        self->monitor(s.dispatcher);
        self->monitor(s.rm);
        if (cfg.router) cfg.router->set_session(token, s.rm, s.dispatcher);
        st.current = s;
        report();
        // Every component's leader info goes out first, in one write, while ZooKeeper (or the
        // disk) is not yet busy with the recovery's reads (ZooKeeper answers a session's reads
        // only after its earlier writes): the taskmanagers register while the dispatcher reads
        // the graphs and checkpoints, so the takeover's two slowest steps overlap. The
        // dispatcher answers nothing before it has recovered (see dispatcher_actor.hpp).
        ha::leader_info info{cfg.rpc_address, cfg.rest_url, token, since_ms};
        if (auto r = ha->election().publish_all({std::begin(components), std::end(components)}, info); !r) {
          log->warn("could not publish leader info for {}: {}", token.to_string(), r.err().message);
          return;  // leadership is gone: the revoke is on its way
        }
        self->request(s.dispatcher, caf::infinite, recover_atom::value)
            .then(
                [=](bool recovered) {
                  auto& st = self->state;
                  if (!st.current || st.current->token != token) return;  // revoked meanwhile
                  if (!recovered) return fatal("recovery failed for " + token.to_string());
                  st.current->ready = true;
                  st.last_takeover_ms =
                      std::chrono::duration<double, std::milli>(cfg.time->now() - st.granted_at).count();
                  report();
                  log->info(
                      "leader ready {} (recovered in {:.1f} ms; published dispatcher, resource_manager, rest_server at "
                      "{})",
                      token.to_string(), st.last_takeover_ms, cfg.rpc_address.empty() ? "-" : cfg.rpc_address);
                },
                [=](caf::error& e) {
                  auto& st = self->state;
                  if (st.current && st.current->token == token)
                    fatal("recovery of " + token.to_string() + " failed: " + self->system().render(e));
                });
      },
      [=](revoke_atom, const fencing_token& token) {
        auto& st = self->state;
        if (!st.current || st.current->token != token) {
          log->warn("dropped revoke of {} (current session: {})", token.to_string(),
                    st.current ? st.current->token.to_string() : std::string("none"));
          return;
        }
        end_session();
        ++st.changes;
        report();
        log->info("revoked leadership {}", token.to_string());
      },
      [=](failed_atom, const std::string& why) { fatal(why); },
      [=](shutdown_atom) {
        auto& st = self->state;
        if (st.current) {
          auto token = st.current->token;
          end_session();
          report();
          for (const char* c : components) (void)ha->election().unpublish(c, token);
          log->info("stepping down from leadership {} (shutdown)", token.to_string());
        }
        for (auto& w : blocking->workers()) self->send_exit(w, caf::exit_reason::user_shutdown);
        self->quit();
      },
      [=](status_atom) -> std::tuple<std::string, fencing_token, std::uint64_t> {
        auto& st = self->state;
        if (!st.current) return {"standby", fencing_token{}, st.changes};
        return {st.current->ready ? "leader" : "recovering", st.current->token, st.changes};
      },
  };
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
  std::lock_guard<std::mutex> lock(mu_);
  r_ = std::move(r);
}

leadership_board::report leadership_board::get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return r_;
}

}  // namespace regent::actors
