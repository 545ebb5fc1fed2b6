#include "regent/actors/leadership_supervisor.hpp"

#include <caf/all.hpp>

#include "regent/runtime/logging.hpp"

namespace regent::actors {

namespace {

/// State of one supervisor: the session it leads (if any) and counters for status.
struct supervisor_state {
  static inline const char* name = "leadership_supervisor";
  fencing_token current;          // valid while leading
  epoch_t last_epoch = 0;         // newest epoch seen, to drop stale grants
  std::uint64_t changes = 0;      // grants + revokes handled
  bool fatal_reported = false;
};

const char* components[] = {ha::component::dispatcher, ha::component::resource_manager,
                            ha::component::rest_server};

leadership_supervisor_actor::behavior_type supervisor(
    leadership_supervisor_actor::stateful_pointer<supervisor_state> self,
    ha::leader_election_driver* driver, supervisor_config cfg) {
  auto log = logging::get("actors");
  auto fatal = [self, cfg, log](const std::string& why) {
    if (self->state.fatal_reported) return;
    self->state.fatal_reported = true;
    log->critical("leadership session cannot go on: {}", why);
    if (cfg.on_fatal) cfg.on_fatal(1, why);
  };
  return {
      [=](grant_atom, const fencing_token& token, std::int64_t since_ms) {
        auto& st = self->state;
        if (token.epoch <= st.last_epoch) {
          log->warn("dropped stale grant {} (newest epoch seen is {})", token.to_string(), st.last_epoch);
          return;
        }
        st.last_epoch = token.epoch;
        st.current = token;
        ++st.changes;
        log->info("granted leadership {}", token.to_string());
        // Leader components of the session start here (dispatcher, resource manager); the
        // leader info is published only once they are ready.
        for (const char* c : components) {
          ha::leader_info info{cfg.rpc_address, cfg.rest_url, token, since_ms};
          auto r = driver->publish(c, info);
          if (!r) {
            // Lost leadership meanwhile: the revoke is already on its way.
            log->warn("could not publish leader info of {} for {}: {}", c, token.to_string(), r.err().message);
            return;
          }
        }
        log->info("leader ready {} (published dispatcher, resource_manager, rest_server)", token.to_string());
      },
      [=](revoke_atom, const fencing_token& token) {
        auto& st = self->state;
        if (!st.current.valid() || st.current != token) {
          log->warn("dropped revoke of {} (current session: {})", token.to_string(),
                    st.current.valid() ? st.current.to_string() : std::string("none"));
          return;
        }
        st.current = {};
        ++st.changes;
        log->info("revoked leadership {}", token.to_string());
      },
      [=](failed_atom, const std::string& why) { fatal(why); },
      [=](shutdown_atom) {
        auto& st = self->state;
        if (st.current.valid()) {
          for (const char* c : components) (void)driver->unpublish(c, st.current);
          log->info("stepping down from leadership {} (shutdown)", st.current.to_string());
          st.current = {};
        }
        self->quit();
      },
      [=](status_atom) -> std::tuple<std::string, fencing_token, std::uint64_t> {
        auto& st = self->state;
        return {st.current.valid() ? "leader" : "standby", st.current, st.changes};
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
  void on_revoke(const fencing_token& token) override {
    caf::anon_send(supervisor_, revoke_atom::value, token);
  }
  void on_error(const error& e) override {
    caf::anon_send(supervisor_, failed_atom::value, "leader election failed: " + e.message);
  }

 private:
  leadership_supervisor_actor supervisor_;
};

}  // namespace

leadership_supervisor_actor spawn_leadership_supervisor(caf::actor_system& sys,
                                                        ha::leader_election_driver& driver,
                                                        supervisor_config cfg) {
  return sys.spawn<caf::detached>(supervisor, &driver, std::move(cfg));
}

std::unique_ptr<ha::leader_election_listener> make_election_listener(
    leadership_supervisor_actor supervisor) {
  return std::make_unique<forwarding_listener>(std::move(supervisor));
}

}  // namespace regent::actors
