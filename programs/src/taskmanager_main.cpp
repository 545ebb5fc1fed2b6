/// `taskmanager --config-dir DIR [--host H] [-D key=value]...`
///
/// Loads the same configuration as the jobmanagers, serves RPCs on `taskmanager.rpc.port`,
/// finds the leading resource manager through leader retrieval, registers its
/// `taskmanager.numberOfTaskSlots` slots there and runs the subtasks the leader deploys
/// (task_executor), until SIGTERM/SIGINT. It never contends for leadership and never writes
/// an HA store. Exit codes: 0 after a clean stop, 2 on usage or configuration errors, 1 otherwise.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <variant>
#include <vector>

#include <unistd.h>

#include "regent/ha/leader_election.hpp"
#include "regent/programs/daemon_start.hpp"
#include "regent/programs/process.hpp"
#include "regent/programs/program_args.hpp"
#include "regent/programs/prometheus_text.hpp"
#include "regent/programs/task_executor.hpp"
#include "regent/rpc/rest_server.hpp"
#include "regent/runtime/logging.hpp"
#include "regent/runtime/random.hpp"

using namespace regent;

namespace {

constexpr const char* usage_text =
    "usage: taskmanager --config-dir DIR [--host H] [-D key=value]...\n"
    "  --host H   address to bind and advertise (default: taskmanager.host, else 127.0.0.1)\n";

/// The first folder of Flink's `io.tmp.dirs` (':' or ',' separated), else the system's.
std::filesystem::path tmp_root(const config::configuration& conf) {
  if (const auto* e = conf.find("io.tmp.dirs")) {
    auto first = e->value.substr(0, e->value.find_first_of(":,"));
    if (!first.empty()) return first;
  }
  std::error_code ec;
  auto dir = std::filesystem::temp_directory_path(ec);
  return ec ? std::filesystem::path("/tmp") : dir;
}

/// "9249" or Flink's range form "9250-9260".
std::optional<std::pair<int, int>> parse_port_range(const std::string& text) {
  try {
    std::size_t used = 0;
    int first = std::stoi(text, &used);
    int last = first;
    if (used < text.size()) {
      if (text[used] != '-') return std::nullopt;
      std::size_t more = 0;
      last = std::stoi(text.substr(used + 1), &more);
      if (used + 1 + more != text.size()) return std::nullopt;
    }
    if (first < 0 || last > 65535 || first > last) return std::nullopt;
    return std::make_pair(first, last);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto started = programs::start_daemon({"taskmanager", usage_text, false}, argc, argv);
  if (auto* code = std::get_if<int>(&started)) return *code;
  auto& daemon = std::get<programs::daemon_start>(started);
  const auto& s = daemon.config.settings;
  const auto& loaded = daemon.config;
  auto& ha = daemon.ha;
  auto log = logging::get("taskmanager");

  programs::task_executor_options o;
  o.taskmanager_id = random_source::instance().uuid();
  if (daemon.args.host) {
    o.bind_host = *daemon.args.host;
  } else if (const auto* h = loaded.conf.find("taskmanager.host"); h && !h->value.empty()) {
    o.bind_host = h->value;
  }
  o.port = static_cast<std::uint16_t>(s.taskmanager_rpc_port);
  o.slots = s.taskmanager_slots;
  o.heartbeat_interval = s.heartbeat_interval;
  o.task_preserving = s.task_preserving;
  o.grace = s.task_preserving_grace;
  o.checkpoints_dir = s.checkpoints_dir;
  o.server_tls = daemon.tls.internal_server;
  o.client_tls = daemon.tls.internal_client;
  o.tmp_dir = tmp_root(loaded.conf) / ("regent-taskmanager-" + o.taskmanager_id);

  auto executor = programs::task_executor::start(o);
  if (!executor) {
    log->critical("cannot serve RPCs on {}:{} (taskmanager.rpc.port): {}", o.bind_host, o.port, executor.err().message);
    return 1;
  }
  log->info("taskmanager starting: pid={} id={} address={} slots={} high-availability.type={} cluster-id={}",
            ::getpid(), (*executor)->id(), (*executor)->address(), o.slots, ha->backend_name(), s.cluster_id);

  auto retrieval = ha->make_retrieval(ha::component::resource_manager);
  if (auto r = retrieval->start(**executor); !r) {
    log->critical("cannot watch the leader of resource_manager: {}", r.err().message);
    (*executor)->stop();
    return 1;
  }

  // Flink's PrometheusReporter port: this process's metrics at http://host:port/metrics.
  std::unique_ptr<rpc::rest_server> metrics;
  if (const auto* p = loaded.conf.find("metrics.reporter.prom.port"); p && !p->value.empty()) {
    auto range = parse_port_range(p->value);
    if (!range) {
      std::fprintf(stderr,
                   "taskmanager: metrics.reporter.prom.port: '%s' (from %s) is not a port or a range "
                   "like 9250-9260\n",
                   p->value.c_str(), p->where.to_string().c_str());
      retrieval->stop();
      (*executor)->stop();
      return 2;
    }
    const programs::task_executor* tasks = executor->get();
    for (int port = range->first; port <= range->second && !metrics; ++port) {
      rpc::rest_server_options mo;
      mo.host = o.bind_host;
      mo.port = static_cast<std::uint16_t>(port);
      auto server =
          rpc::rest_server::start(mo, [tasks](rpc::http_request, std::function<void(rpc::http_response)> done) {
            done(rpc::http_response{200, "text/plain; version=0.0.4; charset=utf-8",
                                    programs::flink_taskmanager_metrics(tasks->metrics()) +
                                        programs::process_metrics()});
          });
      if (server) metrics = std::move(*server);
    }
    if (!metrics)
      log->warn("no free port in metrics.reporter.prom.port {}: no metrics endpoint", p->value);
    else
      log->info("metrics endpoint listening on http://{}:{}/metrics", o.bind_host, metrics->port());
  }

  programs::shutdown_latch latch;
  std::thread signals([&latch] { programs::wait_for_shutdown_signal(latch); });
  auto [exit_code, why] = latch.wait();
  log->info("taskmanager stopping: {}", why);
  if (metrics) metrics->stop();
  retrieval->stop();
  (*executor)->stop();
  programs::release_signal_thread(signals);
  std::error_code ec;
  std::filesystem::remove_all(o.tmp_dir, ec);
  log->info("taskmanager stopped (exit code {})", exit_code);
  return exit_code;
}
