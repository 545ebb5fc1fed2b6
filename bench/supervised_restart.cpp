/// Supervised restarts (not a test; see BENCHMARKS.md): ONE jobmanager under a real supervisord
/// (deploy/supervisord/regent.conf), killed with SIGKILL again and again while N jobs run.
///
///   build/bin/regent_bench_supervised BACKEND [kills=10] [jobs=10]
///     BACKEND: filesystem | zookeeper (own 3-node quorum, tickTime 200 ms, 1 s session timeout)
///
/// Measured from the kill, polling every 2 ms:
///  - restarted: supervisord runs a new jobmanager process (its child, from /proc);
///  - serving: the new process's REST endpoint answers /cluster/leader with a higher epoch;
///  - all RUNNING: /jobs/overview on the new process lists every job RUNNING;
/// and from the restart (the new process seen) to all RUNNING: the jobmanager's own part, which
/// the goal (supervisor delay + 200 ms on filesystem) is about.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "regent/harness/local_cluster.hpp"
#include "regent/harness/outside.hpp"
#include "regent/harness/supervisord.hpp"
#include "regent/harness/zk_quorum.hpp"
#include "samples.hpp"

using namespace regent;
using bench::samples;
using json = nlohmann::json;
using clk = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

bool all_running(std::uint16_t port, std::size_t jobs) {
  auto o = harness::local_cluster::get(port, "/jobs/overview");
  if (o.is_null() || o["jobs"].size() != jobs) return false;
  for (auto& j : o["jobs"])
    if (j["state"] != "RUNNING") return false;
  return true;
}

std::uint64_t epoch(std::uint16_t port) {
  auto l = harness::local_cluster::get(port, "/cluster/leader");
  return l.is_null() || l["leader"].is_null() ? 0 : l["leader"]["epoch"].get<std::uint64_t>();
}

/// Polls `done` every 2 ms until it holds (true) or 60 s pass (false). A benchmark, not a test.
template <class F>
bool poll(F done) {
  auto until = clk::now() + 60s;
  while (clk::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: regent_bench_supervised filesystem|zookeeper [kills=10] [jobs=10]\n");
    return 2;
  }
  const std::string backend = argv[1];
  const int kills = argc > 2 ? std::atoi(argv[2]) : 10;
  const std::size_t jobs = argc > 3 ? static_cast<std::size_t>(std::atoi(argv[3])) : 10;
  harness::temp_dir dir("bench-supervised");
  if (std::getenv("REGENT_BENCH_KEEP")) dir.keep();
  std::unique_ptr<harness::zk_quorum> quorum;
  std::string extra;
  if (backend == "zookeeper") {
    quorum = std::make_unique<harness::zk_quorum>(dir.path() / "zk");
    if (!quorum->start(60s)) {
      std::fprintf(stderr, "quorum did not start\n%s", quorum->logs().c_str());
      return 1;
    }
    extra = "high-availability.type: zookeeper\nhigh-availability.zookeeper.quorum: " + quorum->connect_string() +
            "\nhigh-availability.zookeeper.client.session-timeout: 1 s\n";
  }
  const auto port = harness::local_cluster::free_port();
  extra += "rest.port: " + std::to_string(port) +
           "\njobmanager.rpc.address: 127.0.0.1\ntaskmanager.numberOfTaskSlots: " + std::to_string(jobs) + "\n";
  harness::local_cluster cluster(dir.path() / "conf", extra);
  harness::supervisord sup(dir.path() / "supervisord", REGENT_SOURCE_DIR,
                           std::string(REGENT_SOURCE_DIR) + "/deploy/supervisord/regent.conf", cluster.dir());
  auto fail = [&](const char* what) {
    std::fprintf(stderr, "%s\n%s\n", what, sup.logs().c_str());
    dir.keep();
    return 1;
  };
  if (!cluster.wait_json(port, "/overview", [](const json& j) { return j.value("taskmanagers", 0) == 1; }))
    return fail("the cluster did not come up");
  for (std::size_t i = 0; i < jobs; ++i) {
    auto spec = R"({"name":"bench-)" + std::to_string(i) +
                R"(","parallelism":1,"source":{"type":"sequence","from":1,"to":100000000,"rate-per-second":100},)"
                R"("sink":{"type":"discard"}})";
    if (harness::local_cluster::submit(port, spec).empty()) return fail("a submission was refused");
  }
  if (!poll([&] { return all_running(port, jobs); })) return fail("the jobs did not all run");
  std::printf("%s HA, one jobmanager under supervisord, %zu running jobs, %d kills\n", backend.c_str(), jobs, kills);
  samples restarted, serving, running, own;  // own: from the restart on, the jobmanager's part
  for (int k = 0; k < kills; ++k) {
    auto old_pid = sup.child_named("jobmanager");
    if (!old_pid) return fail("no jobmanager runs");
    auto before = epoch(port);
    auto t0 = clk::now();
    ::kill(*old_pid, SIGKILL);
    if (!poll([&] {
          auto p = sup.child_named("jobmanager");
          return p && *p != *old_pid;
        }))
      return fail("not restarted");
    const auto t1 = clk::now();
    restarted.add(t1 - t0);
    if (!poll([&] { return epoch(port) > before; })) return fail("the restarted jobmanager did not lead");
    serving.add(clk::now() - t0);
    if (!poll([&] { return all_running(port, jobs); })) return fail("the jobs did not all run again");
    running.add(clk::now() - t0);
    own.add(clk::now() - t1);
  }
  std::printf("%-28s %10s %10s %10s\n", "from kill -9 to", "p50 ms", "p99 ms", "max ms");
  auto row = [](const char* what, const samples& s) {
    std::printf("%-28s %10.1f %10.1f %10.1f\n", what, s.pct(0.5), s.pct(0.99), s.pct(1.0));
  };
  row("restarted by supervisord", restarted);
  row("leading (new epoch served)", serving);
  row("all jobs RUNNING", running);
  std::printf("%-28s %10s %10s %10s\n", "from restarted to", "p50 ms", "p99 ms", "max ms");
  row("all jobs RUNNING", own);
  sup.stop();
  return 0;
}
