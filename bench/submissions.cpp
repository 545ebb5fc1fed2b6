/// The submission benchmark (not a test; see BENCHMARKS.md).
///
///   build/bin/regent_bench_submissions BACKEND [N=1000] [clients...=1 8]
///     BACKEND: filesystem | zookeeper | kubernetes (as regent_bench_failover)
///
/// For each client count C: one jobmanager and ceil(N/250) taskmanagers, checkpoints every
/// 10 s (REGENT_BENCH_INTERVAL_MS). C threads submit N slow jobs in all through REST
/// (`POST /jobs`, one connection per request, as the CLI does); a submission is answered once
/// its job graph is persisted (fenced, durable). Prints
///  - submissions/s: N over the time from the first request to the last answer;
///  - latency p50/p99/max: of one request, as its client saw it;
///  - all deployed: from the first request until the leader has deployed every job ("starting
///    from scratch");
///  - all checkpointed: until every job has completed a checkpoint (every subtask runs);
///  - jm RSS at the end.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster.hpp"
#include "regent/rpc/rest_server.hpp"
#include "samples.hpp"

using namespace regent;
using bench::has;
using clk = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

/// Resident MB of a process, from /proc.
double rss_mb(pid_t pid) {
  std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
  double size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: regent_bench_submissions filesystem|zookeeper|kubernetes [N] [clients...]\n");
    return 2;
  }
  std::string backend = argv[1];
  const int n = argc > 2 ? std::atoi(argv[2]) : 1000;
  std::vector<int> client_counts;
  for (int i = 3; i < argc; ++i) client_counts.push_back(std::atoi(argv[i]));
  if (client_counts.empty()) client_counts = {1, 8};
  if (n <= 0 || std::any_of(client_counts.begin(), client_counts.end(), [](int c) { return c <= 0; })) {
    std::fprintf(stderr, "N and the client counts must be positive\n");
    return 2;
  }
  const char* interval = std::getenv("REGENT_BENCH_INTERVAL_MS");
  const int interval_ms = interval ? std::atoi(interval) : 10000;
  auto bin = harness::bin_dir();
  harness::temp_dir top("bench-submissions");
  if (std::getenv("REGENT_BENCH_KEEP")) top.keep();
  bench::backend ha(backend, top.path());
  std::printf("%s HA, %d slow jobs submitted through REST (POST /jobs), checkpoints every %d ms\n", backend.c_str(), n,
              interval_ms);
  std::printf("%8s %14s %26s %14s %18s %10s\n", "clients", "submissions/s", "latency p50/p99/max ms", "all deployed s",
              "all checkpointed s", "jm RSS MB");
  for (int clients : client_counts) {
    harness::temp_dir dir("bench-submissions-c");
    if (std::getenv("REGENT_BENCH_KEEP")) dir.keep();
    auto fail = [&](const std::string& why) { return bench::failed(dir, std::to_string(clients) + " clients", why); };
    const int tms = (n + 249) / 250;
    bench::write_cluster_conf(ha, dir.path(), interval_ms, (n + tms - 1) / tms, "rest.address: 127.0.0.1\n");
    harness::child_process jm({(bin / "jobmanager").string(), "--config-dir", dir.path().string()},
                              dir.path() / "jm.log", true);
    auto listening = jm.wait_for_line([](auto& l) { return has(l, "REST endpoint listening on"); }, 10s);
    if (!listening) return fail("no REST endpoint");
    const auto port = static_cast<std::uint16_t>(std::stoi(listening->substr(listening->rfind(':') + 1)));
    if (!jm.wait_for_line([](auto& l) { return has(l, "leader ready"); }, 10s)) return fail("no leader");
    auto taskmanagers = bench::start_taskmanagers(bin, dir.path(), jm, tms);
    if (taskmanagers.empty()) return fail("the taskmanagers did not register");

    std::mutex mu;
    std::set<std::string> jobs;
    bench::samples latency;
    std::string first_error;
    std::atomic<int> next{0};
    const auto t0 = clk::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
      threads.emplace_back([&] {
        while (next.fetch_add(1) < n) {
          const auto s = clk::now();
          auto r = rpc::http_call("127.0.0.1", port,
                                  rpc::http_request{"POST", "/jobs", "application/json", bench::slow_job_spec()}, 30s);
          const auto e = clk::now();
          std::lock_guard<std::mutex> lock(mu);
          const std::string url = r && r->status == 202 ? r->body : "";
          auto at = url.find("/jobs/");
          if (at == std::string::npos) {
            if (first_error.empty()) first_error = r ? std::to_string(r->status) + " " + r->body : r.err().message;
            continue;
          }
          jobs.insert(url.substr(at + 6, 32));
          latency.add(e - s);
        }
      });
    for (auto& t : threads) t.join();
    const double submit_s = std::chrono::duration<double>(clk::now() - t0).count();
    if (!first_error.empty()) return fail("a submission failed: " + first_error);
    if (static_cast<int>(jobs.size()) != n) return fail("only " + std::to_string(jobs.size()) + " distinct jobs");
    if (auto seen = bench::wait_every_job(jm, jobs, {"starting from scratch"}, 0, 60s + n * 60ms);
        seen.size() < jobs.size())
      return fail("only " + std::to_string(seen.size()) + " jobs deployed");
    const double deployed_s = std::chrono::duration<double>(clk::now() - t0).count();
    if (auto seen = bench::wait_every_job(jm, jobs, {"completed checkpoint"}, 0, 60s + n * 60ms + interval_ms * 1ms);
        seen.size() < jobs.size())
      return fail("only " + std::to_string(seen.size()) + " jobs checkpointed");
    const double checkpointed_s = std::chrono::duration<double>(clk::now() - t0).count();
    char cell[64];
    std::snprintf(cell, sizeof cell, "%.1f / %.1f / %.1f", latency.pct(0.5), latency.pct(0.99), latency.pct(1.0));
    std::printf("%8d %14.1f %26s %14.2f %18.2f %10.1f\n", clients, n / submit_s, cell, deployed_s, checkpointed_s,
                rss_mb(jm.pid()));
    std::fflush(stdout);
    jm.signal(SIGTERM);
    jm.wait_exit(30s);
    for (auto& t : taskmanagers) t->signal(SIGTERM);
    for (auto& t : taskmanagers) t->wait_exit(30s);
  }
  return 0;
}
