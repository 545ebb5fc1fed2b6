/// `jobmanager --config-dir DIR [--host H] [--webui-port P] [-D key=value]...`
///
/// Loads the configuration, starts the HA services and the leadership supervisor, and contends
/// for leadership until SIGTERM/SIGINT (a graceful stop that releases leadership at once).
/// Exit codes: 0 after a clean stop, 2 on usage or configuration errors, 1 otherwise.

#include <atomic>
#include <csignal>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <unistd.h>

#include <caf/all.hpp>

#include "regent/actors/cluster.hpp"
#include "regent/actors/leadership_supervisor.hpp"
#include "regent/config/configuration.hpp"
#include "regent/programs/daemon_start.hpp"
#include "regent/programs/leader_history.hpp"
#include "regent/programs/process.hpp"
#include "regent/programs/program_args.hpp"
#include "regent/programs/rest_gateway.hpp"
#include "regent/rpc/rest_server.hpp"
#include "regent/rpc/server.hpp"
#include "regent/runtime/logging.hpp"

using namespace regent;

namespace {

constexpr const char* usage_text = "usage: jobmanager --config-dir DIR [--host H] [--webui-port P] [-D key=value]...\n";

/// conf/masters as REST URLs (a line without a port means rest.port); none without the file.
std::vector<std::string> master_urls(const std::string& config_dir, int rest_port, const std::string& scheme) {
  auto file = std::filesystem::path(config_dir) / "masters";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return {};
  auto masters = config::read_masters(file);
  if (!masters) return {};  // the scripts report a bad file; the dashboard just knows fewer URLs
  std::vector<std::string> urls;
  for (auto& m : *masters)
    urls.push_back(scheme + m.host + ":" + std::to_string(m.webui_port > 0 ? m.webui_port : rest_port));
  return urls;
}

}  // namespace

int main(int argc, char** argv) {
  auto started = programs::start_daemon({"jobmanager", usage_text, true, true}, argc, argv);
  if (auto* code = std::get_if<int>(&started)) return *code;
  auto& daemon = std::get<programs::daemon_start>(started);
  const auto& s = daemon.config.settings;
  const auto& loaded = daemon.config;
  auto& ha = daemon.ha;
  auto log = logging::get("runtime");
  log->info("jobmanager starting: pid={} high-availability.type={} cluster-id={} storage={}", ::getpid(),
            ha->backend_name(), s.cluster_id, s.storage_dir);

  // The RPC endpoint: taskmanagers and clients learn its address from the leader info, so
  // under HA its port is random unless high-availability.jobmanager.port says otherwise.
  // What fencing turns away in this process: the router and every session count into it.
  auto fencing = std::make_shared<actors::fencing_counters>();
  actors::rpc_router router(fencing);
  rpc::server_options so;
  so.host = s.rpc_address;
  so.port = static_cast<std::uint16_t>(s.ha == config::ha_type::none ? s.rpc_port : s.ha_jobmanager_port);
  so.tls = daemon.tls.internal_server;
  auto server = rpc::server::start(
      so, [&router](const rpc::envelope& request, rpc::responder reply) { router.route(request, std::move(reply)); });
  if (!server) {
    log->critical("cannot start the RPC endpoint on {}:{}: {}", so.host, so.port, server.err().message);
    return 1;
  }
  const std::string rpc_address = s.rpc_address + ":" + std::to_string((*server)->port());
  log->info("RPC endpoint listening on {}", rpc_address);

  // REST: every jobmanager serves it; requests go to the current leader over RPC.
  rpc::rest_server_options ro;
  ro.host = s.rest_address;
  ro.port = static_cast<std::uint16_t>(s.rest_port);
  ro.max_body_bytes = static_cast<std::size_t>(s.rest_max_content_length);
  ro.request_timeout = s.rest_request_timeout;
  ro.allow_origin = s.web_allow_origin;
  ro.tls = daemon.tls.rest_server;
  const std::string scheme = ro.tls ? "https://" : "http://";
  // Every leader this jobmanager sees, for the dashboard's leadership timeline.
  programs::leader_history history(system_clock::instance(), rpc_address);
  auto retrieval = ha->make_retrieval(ha::component::dispatcher);
  // Every leader this jobmanager sees raises the epoch its own grants must exceed: should the
  // backend lose the write that stored an epoch, this process still never reuses it.
  struct epoch_observer final : ha::leader_retrieval_listener {
    epoch_observer(ha::leader_election_driver& e, programs::leader_history& h) : election(e), history(h) {}
    void on_leader_change(const std::optional<ha::leader_info>& leader) override {
      if (leader) election.observe_epoch(leader->token.epoch);
      history.observed(leader);
    }
    ha::leader_election_driver& election;
    programs::leader_history& history;
  } observe_epochs{ha->election(), history};
  if (auto r = retrieval->start(observe_epochs); !r) {
    log->critical("cannot start leader retrieval: {}", r.err().message);
    return 1;
  }
  // The gateway needs the bound port and the supervisor, so it is installed after both exist;
  // until then (and after shutdown began) requests get 503.
  std::unique_ptr<programs::rest_gateway> gateway;
  std::atomic<programs::rest_gateway*> serving{nullptr};
  rpc::rest_handler to_gateway = [&serving](rpc::http_request request, std::function<void(rpc::http_response)> done) {
    if (auto* g = serving.load()) return g->handle(std::move(request), std::move(done));
    done(
        rpc::error_response(503, "Service temporarily unavailable due to an ongoing leader election. Please refresh."));
  };
  auto rest = rpc::rest_server::start(ro, to_gateway);
  if (!rest && loaded.conf.find("rest.port") == nullptr) {
    // rest.port left at its default (8081): several jobmanagers on one host (tests, benches,
    // local clusters without conf/masters ports) must not fail on it; the leader info tells
    // clients where this one listens.
    log->warn("cannot listen on the default rest.port {}:{} ({}); using a free port instead", ro.host, ro.port,
              rest.err().message);
    ro.port = 0;
    rest = rpc::rest_server::start(ro, to_gateway);
  }
  if (!rest) {
    log->critical("cannot start the REST endpoint on {}:{}: {}", ro.host, ro.port, rest.err().message);
    retrieval->stop();
    return 1;
  }
  const std::string rest_url = scheme + s.rest_address + ":" + std::to_string((*rest)->port());
  log->info("REST endpoint listening on {}", rest_url);

  programs::shutdown_latch latch;
  int exit_code = 0;
  {
    caf::actor_system_config cfg;
    cfg.set("scheduler.max-threads", static_cast<size_t>(std::max(2u, std::thread::hardware_concurrency())));
    caf::actor_system sys{cfg};
    actors::supervisor_config sc;
    sc.rpc_address = rpc_address;
    sc.settings = s;
    sc.router = &router;
    sc.rest_url = rest_url;
    sc.on_fatal = [&latch](int code, const std::string& why) { latch.trigger(code, why); };
    sc.board = std::make_shared<actors::leadership_board>();
    sc.fencing = fencing;
    sc.rpc_tls = daemon.tls.internal_client;
    sc.board->observe([&history](const actors::leadership_board::report& r) {
      if (r.role == "leader" && r.last_takeover_ms >= 0) history.led(r.epoch, r.last_takeover_ms);
    });
    auto supervisor = actors::spawn_leadership_supervisor(sys, *ha, sc);
    programs::rest_gateway_config gc;
    gc.own_rpc_address = rpc_address;
    gc.own_rest_url = rest_url;
    gc.uploads_dir = (std::filesystem::path(s.storage_dir) / s.cluster_id / "uploads").string();
    gc.effective_config = loaded.conf.effective();
    gc.history = &history;
    gc.masters = master_urls(daemon.args.config_dir, s.rest_port, scheme);
    gc.rpc_tls = daemon.tls.internal_client;
    if (!s.archive_dir.empty())
      gc.archive = std::make_shared<const ha::job_archive>(s.archive_dir, s.jobstore_expiration, s.jobstore_max_capacity);
    gc.web_cancel = s.web_cancel_enable;
    gc.web_submit = s.web_submit_enable;
    // Never waits on the supervisor nor on the HA backend (runs on the REST io thread).
    gc.status = [board = sc.board, fencing, services = ha.get()] {
      auto r = board->get();
      programs::leadership_sample s;
      s.leader = r.role == "leader";
      s.epoch = r.epoch;
      s.changes_by_reason = r.changes_by_reason;
      s.last_takeover_ms = r.last_takeover_ms;
      s.fenced_requests_rejected = fencing->requests_rejected.load();
      s.fenced_writes_rejected = fencing->writes_rejected.load();
      s.ha_connection = ha::to_string(services->connection());
      return s;
    };
    gateway = std::make_unique<programs::rest_gateway>(gc, *retrieval);
    serving = gateway.get();
    auto listener = actors::make_election_listener(supervisor);
    ha->job_graphs().keep_warm();  // a grant's recovery then reads less
    if (auto r = ha->election().start(*listener); !r) {
      log->critical("cannot start leader election: {}", r.err().message);
      caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
      return 1;
    }
    log->info("contending for leadership (standby until granted)");
    std::thread signals([&latch] { programs::wait_for_shutdown_signal(latch); });
    auto [code, why] = latch.wait();
    exit_code = code;
    log->info("jobmanager stopping: {}", why);
    // Step down first (components stop, leader info removed), then release the lock so a
    // standby takes over at once.
    {
      caf::scoped_actor self{sys};
      self->send(supervisor, actors::shutdown_atom::value);
      self->wait_for(supervisor);
    }
    ha->election().stop();
    serving = nullptr;
    (*rest)->stop();
    gateway.reset();
    retrieval->stop();
    (*server)->stop();
    programs::release_signal_thread(signals);
  }
  log->info("jobmanager stopped (exit code {})", exit_code);
  return exit_code;
}
