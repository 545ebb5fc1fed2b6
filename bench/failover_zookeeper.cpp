/// Failover benchmark of the `zookeeper` backend (not a test; see BENCHMARKS.md).
///
///   build/bin/regent_bench_failover_zookeeper [repetitions=20] [session-timeout-ms=2000]
///
/// Starts its own 3-node ZooKeeper quorum on loopback (Debian's `zookeeper` package, through
/// harness::zk_quorum as the tests do) and, per repetition and mode, two `regent_ha_contender`
/// processes on a fresh cluster id. Once the leader is granted and the standby's latch node is
/// in place, it measures
///  - kill -9 of the leader → the standby prints GRANTED: ZooKeeper must expire the leader's
///    session first, so this is about one session timeout;
///  - clean stop of the leader (its `exit` command: election stop deletes its latch node, then
///    the session is closed) → the standby prints GRANTED.
/// Times run from the signal (or the command) to the moment this process reads the standby's
/// GRANTED line from its stdout pipe; p50/p99/max are printed.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "regent/harness/child_process.hpp"
#include "samples.hpp"
#include "regent/harness/zk_client.hpp"
#include "regent/harness/zk_quorum.hpp"

using namespace regent;
using bench::samples;
using clk = std::chrono::steady_clock;

namespace {

bool is_granted(const std::string& l) { return l.rfind("GRANTED", 0) == 0; }

}  // namespace

int main(int argc, char** argv) {
  int reps = argc > 1 ? std::atoi(argv[1]) : 20;
  int session_ms = argc > 2 ? std::atoi(argv[2]) : 2000;
  const auto deadline = std::chrono::seconds(30);
  harness::temp_dir root("bench-failover-zk");
  harness::zk_quorum quorum(root.path() / "zk");
  if (!quorum.start(std::chrono::seconds(60))) {
    std::fprintf(stderr, "the ZooKeeper quorum did not come up\n%s", quorum.logs().c_str());
    return 1;
  }
  harness::zk_client zk(quorum.connect_string());
  if (!zk.wait_connected(deadline)) {
    std::fprintf(stderr, "cannot connect to the quorum\n");
    return 1;
  }
  auto contender = (harness::bin_dir() / "regent_ha_contender").string();
  samples kill_ms, stop_ms;
  for (int rep = 0; rep < reps; ++rep) {
    for (int mode = 0; mode < 2; ++mode) {
      auto cluster = "bench-" + std::to_string(rep) + "-" + std::to_string(mode);
      auto dir = root.path() / cluster;
      std::filesystem::create_directories(dir);
      std::ofstream(dir / "config.yaml") << "high-availability.type: zookeeper\n"
                                         << "high-availability.storageDir: " << (root.path() / "ha").string() << "\n"
                                         << "high-availability.cluster-id: " << cluster << "\n"
                                         << "high-availability.zookeeper.quorum: " << quorum.connect_string() << "\n"
                                         << "high-availability.zookeeper.path.root: /regent-bench\n"
                                         << "high-availability.zookeeper.client.session-timeout: " << session_ms
                                         << " ms\n"
                                         << "log.level: warn\n";
      std::vector<std::string> args{contender, "--config-dir", dir.string()};
      harness::child_process a(args, dir / "a.log");
      if (!a.wait_for_line(is_granted, deadline)) {
        std::fprintf(stderr, "no leader\n%s", a.log_text().c_str());
        return 1;
      }
      harness::child_process b(args, dir / "b.log");
      // The standby is ready once its latch node is there (it then watches the leader's).
      auto latch = "/regent-bench/" + cluster + "/leader/latch";
      auto queued_until = clk::now() + deadline;
      while (zk.children(latch).value_or(std::vector<std::string>{}).size() < 2) {
        if (clk::now() > queued_until) {
          std::fprintf(stderr, "the standby never joined the latch\n%s", b.log_text().c_str());
          return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      auto t = clk::now();
      if (mode == 0) {
        a.signal(SIGKILL);
      } else {
        a.send_line("exit");
      }
      if (!b.wait_for_line(is_granted, deadline)) {
        std::fprintf(stderr, "no takeover\n%s", b.log_text().c_str());
        return 1;
      }
      (mode == 0 ? kill_ms : stop_ms).add(clk::now() - t);
      a.wait_exit(deadline);
    }
  }
  std::printf("zookeeper HA, 3-node quorum on loopback (tickTime 200 ms), session timeout %d ms, %d repetitions\n",
              session_ms, reps);
  std::printf("%-52s %8s %8s %8s\n", "measure", "p50 ms", "p99 ms", "max ms");
  auto row = [](const char* name, samples& s) {
    std::printf("%-52s %8.1f %8.1f %8.1f\n", name, s.pct(0.5), s.pct(0.99), s.pct(1.0));
  };
  row("kill -9 of leader -> standby GRANTED", kill_ms);
  row("clean stop of leader -> standby GRANTED", stop_ms);
  return 0;
}
