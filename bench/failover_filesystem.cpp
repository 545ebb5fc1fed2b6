/// Failover benchmark of the embedded `filesystem` backend (not a test; see BENCHMARKS.md).
///
///   build/bin/regent_bench_failover_filesystem [repetitions=30]
///
/// Per repetition it starts two real `jobmanager` processes on one storage dir, and measures
///  - kill -9 of the leader → the standby logs "leader ready" (granted, epoch bumped, leader
///    info published);
///  - SIGTERM of the leader (graceful step-down) → the standby logs "leader ready";
///  - start of a jobmanager → it logs that it is contending (standby ready), and its RSS.
/// Times are measured by this process from the signal to the moment it reads the log line
/// from the standby's stderr pipe; p50/p99/max are printed.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "regent/harness/child_process.hpp"
#include "samples.hpp"

using namespace regent;
using bench::samples;
using clk = std::chrono::steady_clock;

namespace {

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  long value = 0;
  while (in >> key) {
    if (key == "VmRSS:") {
      in >> value;
      return value;
    }
    in.ignore(4096, '\n');
  }
  return 0;
}

bool is_ready(const std::string& l) { return l.find("leader ready") != std::string::npos; }
bool is_started(const std::string& l) { return l.find("contending for leadership") != std::string::npos; }

}  // namespace

int main(int argc, char** argv) {
  int reps = argc > 1 ? std::atoi(argv[1]) : 30;
  auto jm = (harness::bin_dir() / "jobmanager").string();
  samples kill_ms, term_ms, start_ms;
  std::vector<long> rss;
  const auto deadline = std::chrono::seconds(10);
  for (int rep = 0; rep < reps; ++rep) {
    for (int mode = 0; mode < 2; ++mode) {
      harness::temp_dir dir("bench-failover-fs");
      std::ofstream(dir.path() / "config.yaml")
          << "high-availability.type: filesystem\n"
          << "high-availability.storageDir: " << (dir.path() / "ha").string() << "\n"
          << "env.log.dir: " << (dir.path() / "log").string() << "\n";
      auto args = [&](int port) {
        return std::vector<std::string>{jm, "--config-dir", dir.path().string(), "--webui-port", std::to_string(port)};
      };
      auto t0 = clk::now();
      harness::child_process a(args(18081), dir.path() / "a.log", true);
      if (!a.wait_for_line(is_ready, deadline)) {
        std::fprintf(stderr, "no leader\n%s", a.log_text().c_str());
        return 1;
      }
      auto t1 = clk::now();
      harness::child_process b(args(18082), dir.path() / "b.log", true);
      if (!b.wait_for_line(is_started, deadline)) {
        std::fprintf(stderr, "standby did not start\n");
        return 1;
      }
      start_ms.add(clk::now() - t1);
      (void)t0;
      rss.push_back(rss_kb(b.pid()));
      auto t = clk::now();
      a.signal(mode == 0 ? SIGKILL : SIGTERM);
      if (!b.wait_for_line(is_ready, deadline)) {
        std::fprintf(stderr, "no takeover\n%s", b.log_text().c_str());
        return 1;
      }
      (mode == 0 ? kill_ms : term_ms).add(clk::now() - t);
      a.wait_exit(deadline);
    }
  }
  std::sort(rss.begin(), rss.end());
  std::printf("filesystem HA, %d repetitions, 2 jobmanagers on one host\n", reps);
  std::printf("%-48s %8s %8s %8s\n", "measure", "p50 ms", "p99 ms", "max ms");
  auto row = [](const char* name, samples& s) {
    std::printf("%-48s %8.1f %8.1f %8.1f\n", name, s.pct(0.5), s.pct(0.99), s.pct(1.0));
  };
  row("kill -9 of leader -> standby 'leader ready'", kill_ms);
  row("SIGTERM of leader -> standby 'leader ready'", term_ms);
  row("jobmanager start -> contending (standby)", start_ms);
  std::printf("standby RSS: p50 %ld kB, max %ld kB\n", rss[rss.size() / 2], rss.back());
  return 0;
}
