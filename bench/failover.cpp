/// The failover benchmark (not a test; see BENCHMARKS.md).
///
///   build/bin/regent_bench_failover BACKEND MODE [repetitions=20] [N...=1 10 100]
///     BACKEND: filesystem | zookeeper (own 3-node quorum, 2 s session timeout; the servers'
///              tickTime is 200 ms, or REGENT_BENCH_ZK_TICK_MS: ZooKeeper expires sessions on
///              tick boundaries, so a killed leader's session ends up to one tick late)
///              kubernetes (the Kubernetes API-server test double, 2 s lease, 1.5 s renew
///              deadline, retry period REGENT_BENCH_K8S_RETRY_MS or 100 ms)
///     MODE:    kill (SIGKILL of the leader) | term (SIGTERM: graceful step-down)
///
/// For each N: two jobmanagers and two taskmanagers (enough slots for N jobs at parallelism 1,
/// each job a slow sequence with checkpoints every 200 ms, or REGENT_BENCH_INTERVAL_MS). Once every job has completed a
/// checkpoint, the leader gets the signal; measured from the signal:
///  - grant: the standby logs "granted leadership";
///  - all RUNNING: the standby has logged, for every job, its adoption ("adopted": the
///    subtasks kept running, task-preserving failover, the default) or its redeployment
///    ("restoring from checkpoint" or "starting from scratch"; REGENT_BENCH_TASK_PRESERVING=false
///    measures the restart mode);
///  - all checkpointed: every job has completed a checkpoint on the new leader;
///  - takeover work: from the standby's grant to its last redeployment (recovery + redeploy);
///  - output gap: for each job, from the last checkpoint the old leader completed to the first
///    the new one completed (sinks commit their output on each, so this is the longest a job's
///    committed output stood still), the largest over the jobs; from the two jobmanagers' log
///    timestamps (one host, one clock).
/// Times are taken when this process reads the log lines from the jobmanager's stderr pipe.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cluster.hpp"
#include "samples.hpp"

using namespace regent;
using bench::has;
using bench::samples;
using bench::stamp_ms;
using clk = std::chrono::steady_clock;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: regent_bench_failover filesystem|zookeeper|kubernetes kill|term [repetitions] [N...]\n");
    return 2;
  }
  std::string backend = argv[1], mode = argv[2];
  int reps = argc > 3 ? std::atoi(argv[3]) : 20;
  std::vector<int> ns;
  for (int i = 4; i < argc; ++i) ns.push_back(std::atoi(argv[i]));
  if (ns.empty()) ns = {1, 10, 100};
  auto bin = harness::bin_dir();
  const char* preserving = std::getenv("REGENT_BENCH_TASK_PRESERVING");
  const bool task_preserving = !preserving || std::string(preserving) != "false";
  const char* interval = std::getenv("REGENT_BENCH_INTERVAL_MS");
  const int interval_ms = interval ? std::atoi(interval) : 200;
  std::printf("%s HA, %s of the leader with N running jobs (parallelism 1, checkpoints every %d ms), %d repetitions, %s\n",
              backend.c_str(), mode == "kill" ? "kill -9" : "SIGTERM", interval_ms, reps,
              task_preserving ? "task-preserving (jobs adopted)" : "restart mode (jobs redeployed)");
  std::printf("%6s %20s %20s %20s %20s %20s\n", "N", "grant p50/p99", "all RUNNING p50/p99", "all chkpt p50/p99",
              "grant->all p50/p99", "output gap p50/p99");
  harness::temp_dir zkdir("bench-zk");
  if (std::getenv("REGENT_BENCH_KEEP")) zkdir.keep();  // the servers' logs too
  bench::backend ha(backend, zkdir.path());
  for (int n : ns) {
    samples grant, running, checkpointed, work, gap;
    for (int rep = 0; rep < reps; ++rep) {
      harness::temp_dir dir("bench-failover");
      if (std::getenv("REGENT_BENCH_KEEP")) dir.keep();  // logs for a post-mortem
      // A repetition that goes wrong says what and where, and keeps its folder.
      auto fail = [&](const std::string& why) {
        std::fprintf(stderr, "N=%d repetition %d: %s (logs kept in %s)\n", n, rep + 1, why.c_str(), dir.path().c_str());
        dir.keep();
        return 1;
      };
      int slots = n / 2 + 1;
      bench::write_cluster_conf(ha, dir.path(), interval_ms, slots,
                                std::string("jobmanager.failover.task-preserving: ") +
                                    (task_preserving ? "true" : "false") + "\n");
      auto args = [&](const char* p) {
        return std::vector<std::string>{(bin / p).string(), "--config-dir", dir.path().string()};
      };
      harness::child_process a(args("jobmanager"), dir.path() / "a.log", true);
      auto ready = a.wait_for_line([](auto& l) { return has(l, "leader ready"); }, 10s);
      if (!ready) return fail("no leader");
      harness::child_process b(args("jobmanager"), dir.path() / "b.log", true);
      harness::child_process t1(args("taskmanager"), dir.path() / "t1.log", true);
      harness::child_process t2(args("taskmanager"), dir.path() / "t2.log", true);
      auto leader = bench::parse_leader_ready(*ready);
      if (!leader) return fail("cannot parse " + *ready);
      if (!b.wait_for_line([](auto& l) { return has(l, "contending"); }, 10s))
        return fail("the standby never contended");
      if (!a.wait_for_line([](auto& l) { return has(l, "registered taskmanager"); }, 10s))
        return fail("no taskmanager registered with the leader");
      std::size_t regs = 0;
      while (regs < 2) {
        auto lines = a.lines();
        regs = std::count_if(lines.begin(), lines.end(), [](auto& l) { return has(l, "registered taskmanager"); });
        // From the snapshot's end: a line that came after it (both registrations often land in
        // the same millisecond) must count.
        if (regs < 2 && !a.wait_for_line([](auto& l) { return has(l, "registered taskmanager"); }, 10s, lines.size()))
          return fail("the second taskmanager never registered with the leader");
      }
      auto submitted = bench::submit_slow_jobs(*leader, n);
      if (!submitted) return fail("a submission failed");
      const auto& jobs = *submitted;
      if (auto seen = bench::wait_every_job(a, jobs, {"completed checkpoint"}, 0, 30s + n * 60ms);
          seen.size() < jobs.size())
        return fail("only " + std::to_string(seen.size()) + " of " + std::to_string(n) + " jobs checkpointed");
      auto from = b.line_count();
      auto t0 = clk::now();
      a.signal(mode == "kill" ? SIGKILL : SIGTERM);
      if (!b.wait_for_line([](auto& l) { return has(l, "granted leadership"); }, 30s, from))
        return fail("the standby was not granted leadership within 30 s");
      auto tg = clk::now();
      if (auto redeployed = bench::wait_every_job(
              b, jobs, {"adopted: ", "restoring from checkpoint", "starting from scratch"}, from, 30s);
          redeployed.size() < jobs.size())
        return fail("only " + std::to_string(redeployed.size()) + " of " + std::to_string(jobs.size()) +
                    " jobs redeployed");
      auto tr = clk::now();
      if (auto seen = bench::wait_every_job(b, jobs, {"completed checkpoint"}, from, 30s); seen.size() < jobs.size())
        return fail("only " + std::to_string(seen.size()) + " jobs checkpointed after the failover");
      auto tc = clk::now();
      // Per job: the old leader's last checkpoint and the new leader's first (one pass each).
      std::map<std::string, double> last_old, first_new;
      for (auto& l : a.lines())
        if (auto j = bench::job_in(l, "completed checkpoint"); !j.empty()) last_old[j] = stamp_ms(l);
      auto new_lines = b.lines();
      for (std::size_t i = from; i < new_lines.size(); ++i)
        if (auto j = bench::job_in(new_lines[i], "completed checkpoint"); !j.empty())
          first_new.emplace(j, stamp_ms(new_lines[i]));
      double widest = 0;
      for (auto& j : jobs) {
        if (last_old[j] <= 0 || first_new.count(j) == 0 || first_new[j] < 0)
          return fail("no timestamps on the checkpoint lines of job " + j);
        widest = std::max(widest, first_new[j] - last_old[j]);
      }
      gap.ms.push_back(widest);
      grant.add(tg - t0);
      running.add(tr - t0);
      checkpointed.add(tc - t0);
      work.add(tr - tg);
      a.wait_exit(30s);
    }
    auto cell = [](const samples& v) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.1f / %.1f", v.pct(0.5), v.pct(0.99));
      return std::string(buf);
    };
    std::printf("%6d %20s %20s %20s %20s %20s\n", n, cell(grant).c_str(), cell(running).c_str(),
                cell(checkpointed).c_str(), cell(work).c_str(), cell(gap).c_str());
  }
  return 0;
}
