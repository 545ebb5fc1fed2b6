/// The checkpoint-schedule benchmark (not a test; see BENCHMARKS.md).
///
///   build/bin/regent_bench_checkpoints BACKEND INTERVAL_MS [window_s=10] [N...=10 100 1000]
///     BACKEND: filesystem | zookeeper | kubernetes (as regent_bench_failover)
///
/// For each N: one jobmanager and ceil(N/250) taskmanagers, N slow jobs at parallelism 1 with
/// `execution.checkpointing.interval: INTERVAL_MS`. Once every job has completed a checkpoint,
/// counts for `window_s` seconds the "job J completed checkpoint" lines of the jobmanager (times
/// from the lines' own stamps) and prints
///  - scheduled/s: N / interval, what the schedule asks for;
///  - completed/s: checkpoints completed per second over the window;
///  - period p50/p99/max: per job, the time between its first and last checkpoint in the
///    window divided by the checkpoints between them (the interval when the schedule holds;
///    the whole window for a job with fewer than two);
///  - jm CPU: the jobmanager's CPU time over the window, in % of one core; jm RSS at the end;
///  - tm RSS: the taskmanagers' resident memory together at the end, and per subtask;
///  - start: from the first submission to every job's first completed checkpoint.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "cluster.hpp"
#include "samples.hpp"

using namespace regent;
using bench::has;
using clk = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

/// The process's CPU seconds (user + system) and resident MB, from /proc.
std::pair<double, double> cpu_and_rss(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return {0, 0};
  std::istringstream rest(text.substr(close + 2));
  std::vector<std::string> f((std::istream_iterator<std::string>(rest)), std::istream_iterator<std::string>());
  if (f.size() < 22) return {0, 0};
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;  // utime, stime (fields 14, 15)
  const double rss = std::stod(f[21]) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
  return {cpu, rss};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: regent_bench_checkpoints filesystem|zookeeper|kubernetes INTERVAL_MS [window_s] [N...]\n");
    return 2;
  }
  std::string backend = argv[1];
  const int interval_ms = std::atoi(argv[2]);
  const int window_s = argc > 3 ? std::atoi(argv[3]) : 10;
  std::vector<int> ns;
  for (int i = 4; i < argc; ++i) ns.push_back(std::atoi(argv[i]));
  if (ns.empty()) ns = {10, 100, 1000};
  if (interval_ms <= 0 || window_s <= 0) {
    std::fprintf(stderr, "INTERVAL_MS and window_s must be positive\n");
    return 2;
  }
  auto bin = harness::bin_dir();
  harness::temp_dir top("bench-checkpoints");
  if (std::getenv("REGENT_BENCH_KEEP")) top.keep();
  bench::backend ha(backend, top.path());
  std::printf("%s HA, N jobs (parallelism 1) checkpointing every %d ms, %d s window\n", backend.c_str(), interval_ms,
              window_s);
  std::printf("%6s %12s %12s %24s %10s %10s %18s %10s\n", "N", "scheduled/s", "completed/s", "period p50/p99/max ms",
              "jm CPU %", "jm RSS MB", "tm RSS MB (KB/sub)", "start s");
  for (int n : ns) {
    harness::temp_dir dir("bench-checkpoints-n");
    if (std::getenv("REGENT_BENCH_KEEP")) dir.keep();
    auto fail = [&](const std::string& why) { return bench::failed(dir, "N=" + std::to_string(n), why); };
    const int tms = (n + 249) / 250;
    bench::write_cluster_conf(ha, dir.path(), interval_ms, (n + tms - 1) / tms);
    harness::child_process jm({(bin / "jobmanager").string(), "--config-dir", dir.path().string()},
                              dir.path() / "jm.log", true);
    auto ready = jm.wait_for_line([](auto& l) { return has(l, "leader ready"); }, 10s);
    if (!ready) return fail("no leader");
    auto leader = bench::parse_leader_ready(*ready);
    if (!leader) return fail("cannot parse " + *ready);
    auto taskmanagers = bench::start_taskmanagers(bin, dir.path(), jm, tms);
    if (taskmanagers.empty()) return fail("the taskmanagers did not register");
    auto t0 = clk::now();
    auto jobs = bench::submit_slow_jobs(*leader, n);
    if (!jobs) return fail("a submission failed");
    if (auto seen = bench::wait_every_job(jm, *jobs, {"completed checkpoint"}, 0, 60s + n * 60ms);
        seen.size() < jobs->size())
      return fail("only " + std::to_string(seen.size()) + " jobs checkpointed");
    const double start_s = std::chrono::duration<double>(clk::now() - t0).count();
    const auto from = jm.line_count();
    const auto [cpu0, rss0] = cpu_and_rss(jm.pid());
    (void)rss0;
    const auto w0 = clk::now();
    std::this_thread::sleep_for(std::chrono::seconds(window_s));  // the measurement window (a benchmark, not a test)
    const double wall = std::chrono::duration<double>(clk::now() - w0).count();
    const auto [cpu1, rss1] = cpu_and_rss(jm.pid());
    auto lines = jm.lines();
    struct seen {
      int count = 0;
      double first = -1, last = -1;
    };
    std::map<std::string, seen> per_job;
    std::size_t total = 0;
    for (std::size_t i = from; i < lines.size(); ++i)
      if (auto j = bench::job_in(lines[i], "completed checkpoint"); !j.empty() && jobs->count(j)) {
        auto& s = per_job[j];
        const double at = bench::stamp_ms(lines[i]);
        if (s.count++ == 0) s.first = at;
        s.last = at;
        ++total;
      }
    // A job's period: between its first and last checkpoint in the window, per checkpoint; a
    // job with fewer than two had none shorter than the window.
    bench::samples period;
    for (auto& j : *jobs) {
      const auto& s = per_job[j];
      period.ms.push_back(s.count >= 2 ? (s.last - s.first) / (s.count - 1) : wall * 1000.0);
    }
    char cell[64];
    std::snprintf(cell, sizeof cell, "%.0f / %.0f / %.0f", period.pct(0.5), period.pct(0.99), period.pct(1.0));
    double tm_rss = 0;
    for (auto& t : taskmanagers) tm_rss += cpu_and_rss(t->pid()).second;
    char tm_cell[48];
    std::snprintf(tm_cell, sizeof tm_cell, "%.1f (%.0f)", tm_rss, tm_rss * 1024.0 / n);
    std::printf("%6d %12.1f %12.1f %24s %10.0f %10.1f %18s %10.2f\n", n, n * 1000.0 / interval_ms, total / wall, cell,
                (cpu1 - cpu0) / wall * 100.0, rss1, tm_cell, start_s);
    std::fflush(stdout);
    jm.signal(SIGTERM);
    jm.wait_exit(30s);
    for (auto& t : taskmanagers) t->signal(SIGTERM);
    for (auto& t : taskmanagers) t->wait_exit(30s);
  }
  return 0;
}
