/// `jobmanager --config-dir DIR [--host H] [--webui-port P] [-D key=value]...`
///
/// Loads the configuration, starts the HA services and the leadership supervisor, and contends
/// for leadership until SIGTERM/SIGINT (a graceful stop that releases leadership at once).
/// Exit codes: 0 after a clean stop, 2 on usage or configuration errors, 1 otherwise.

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <caf/all.hpp>

#include "regent/actors/cluster.hpp"
#include "regent/actors/leadership_supervisor.hpp"
#include "regent/programs/ha_wiring.hpp"
#include "regent/programs/process.hpp"
#include "regent/programs/program_args.hpp"
#include "regent/rpc/server.hpp"
#include "regent/runtime/logging.hpp"

using namespace regent;

namespace {

constexpr const char* usage_text =
    "usage: jobmanager --config-dir DIR [--host H] [--webui-port P] [-D key=value]...\n";

}  // namespace

int main(int argc, char** argv) {
  programs::block_shutdown_signals();
  auto args = programs::parse_args(std::vector<std::string>(argv + 1, argv + argc));
  if (!args) {
    std::fprintf(stderr, "jobmanager: %s\n%s", args.err().message.c_str(), usage_text);
    return 2;
  }
  if (args->help) {
    std::fputs(usage_text, stdout);
    return 0;
  }
  auto loaded = programs::load_config(*args);
  if (!loaded) {
    std::fprintf(stderr, "jobmanager: configuration error: %s\n", loaded.err().message.c_str());
    return 2;
  }
  const auto& s = loaded->settings;
  if (auto err = programs::init_daemon_logging("jobmanager", s)) {
    std::fprintf(stderr, "jobmanager: %s\n", err->c_str());
    return 2;
  }
  auto log = logging::get("runtime");
  auto ha = programs::make_ha_services(s);
  if (!ha) {
    log->critical("{}", ha.err().message);
    return 2;
  }
  log->info("jobmanager starting: pid={} high-availability.type={} cluster-id={} storage={}", ::getpid(),
            (*ha)->backend_name(), s.cluster_id, s.storage_dir);

  // The RPC endpoint: taskmanagers and clients learn its address from the leader info, so
  // under HA its port is random unless high-availability.jobmanager.port says otherwise.
  actors::rpc_router router;
  rpc::server_options so;
  so.host = s.rpc_address;
  so.port = static_cast<std::uint16_t>(s.ha == config::ha_type::none ? s.rpc_port : s.ha_jobmanager_port);
  auto server = rpc::server::start(so, [&router](const rpc::envelope& request, rpc::responder reply) {
    router.route(request, std::move(reply));
  });
  if (!server) {
    log->critical("cannot start the RPC endpoint on {}:{}: {}", so.host, so.port, server.err().message);
    return 1;
  }
  const std::string rpc_address = s.rpc_address + ":" + std::to_string((*server)->port());
  log->info("RPC endpoint listening on {}", rpc_address);

  programs::shutdown_latch latch;
  int exit_code = 0;
  {
    caf::actor_system_config cfg;
    caf::actor_system sys{cfg};
    actors::supervisor_config sc;
    sc.rpc_address = rpc_address;
    sc.settings = s;
    sc.router = &router;
    sc.on_fatal = [&latch](int code, const std::string& why) { latch.trigger(code, why); };
    auto supervisor = actors::spawn_leadership_supervisor(sys, **ha, sc);
    auto listener = actors::make_election_listener(supervisor);
    if (auto r = (*ha)->election().start(*listener); !r) {
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
    (*ha)->election().stop();
    (*server)->stop();
    programs::release_signal_thread(signals);
  }
  log->info("jobmanager stopped (exit code {})", exit_code);
  return exit_code;
}
