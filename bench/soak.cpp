/// The failover soak (not a test; not in CI; see BENCHMARKS.md).
///
///   build/bin/regent_bench_soak filesystem|zookeeper [seconds=600] [concurrent-jobs=4] [seed]
///
/// Runs two jobmanagers and two taskmanagers (zookeeper: plus a 3-node quorum) for the given
/// time while injecting random faults every 1–4 s: kill -9 of a jobmanager (restarted),
/// SIGSTOP/SIGCONT of a jobmanager, kill -9 of a taskmanager (restarted), and with zookeeper a
/// kill of one ZooKeeper server (restarted). K jobs run at all times, each a sequence into its
/// own file sink; when one finishes its output is checked and a new one submitted. At the end it
/// waits for the running jobs and prints one table: faults by kind, jobs submitted, finished
/// with exact output, lost, duplicated, fencing rejections seen in the logs, and HA files or
/// znodes left behind by finished jobs. Exit 0 only when nothing was lost, duplicated or left; else
/// it names the jobs and records at fault and keeps its folder (logs, outputs, HA data).
/// REGENT_SOAK_FAULTS=jm-kill,jm-stop,tm-kill,zk-kill picks the fault kinds (default: all).

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "regent/harness/child_process.hpp"
#include "regent/harness/outside.hpp"
#include "regent/harness/zk_client.hpp"
#include "regent/harness/zk_quorum.hpp"
#include "regent/rpc/client.hpp"
#include "regent/rpc/cluster_protocol.hpp"

using namespace regent;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using clk = std::chrono::steady_clock;

namespace {

bool has(const std::string& l, const std::string& w) { return l.find(w) != std::string::npos; }

struct cluster {
  fs::path dir;
  std::vector<std::unique_ptr<harness::child_process>> jms, tms;
  int spawned = 0;

  std::vector<std::string> args(const char* program) {
    return {(harness::bin_dir() / program).string(), "--config-dir", dir.string(), "-D", "rest.port=0"};
  }
  void start_jm(std::size_t i) {
    jms[i] = std::make_unique<harness::child_process>(args("jobmanager"), dir / ("jm-" + std::to_string(spawned++) + ".out"), true);
  }
  void start_tm(std::size_t i) {
    tms[i] = std::make_unique<harness::child_process>(args("taskmanager"), dir / ("tm-" + std::to_string(spawned++) + ".out"), true);
  }

  /// The current leader's RPC address and token, from the newest "leader ready" line of a live jobmanager.
  std::optional<std::pair<std::string, fencing_token>> leader() {
    static const std::regex re("leader ready epoch=([0-9]+) session=([0-9a-f-]+) .* at ([^ )]+)\\)");
    std::optional<std::pair<std::string, fencing_token>> best;
    for (auto& jm : jms) {
      if (!jm || !jm->running()) continue;
      for (auto& l : jm->lines()) {
        std::smatch m;
        if (!std::regex_search(l, m, re)) continue;
        fencing_token t{std::stoull(m[1]), m[2]};
        if (!best || t.epoch > best->second.epoch) best = std::make_pair(std::string(m[3]), t);
      }
    }
    return best;
  }

  result<rpc::envelope> ask(const char* method, const std::string& payload) {
    auto l = leader();
    if (!l) return error{std::make_error_code(std::errc::host_unreachable), "no leader"};
    auto colon = l->first.rfind(':');
    rpc::client c({l->first.substr(0, colon), static_cast<std::uint16_t>(std::stoi(l->first.substr(colon + 1)))});
    auto r = c.request(rpc::make_request(method, l->second, payload), 3s);
    if (!r) return r;
    return rpc::to_result(std::move(r).value());
  }
};

/// The faults to inject, from REGENT_SOAK_FAULTS (comma-separated: jm-kill, jm-stop, tm-kill,
/// zk-kill); all of them when unset.
std::vector<int> fault_kinds(bool zookeeper) {
  static const char* names[] = {"jm-kill", "jm-stop", "tm-kill", "zk-kill"};
  std::vector<int> out;
  const char* env = std::getenv("REGENT_SOAK_FAULTS");
  for (int k = 0; k < (zookeeper ? 4 : 3); ++k)
    if (!env || std::string(",") .append(env).append(",").find(std::string(",") + names[k] + ",") != std::string::npos)
      out.push_back(k);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: regent_bench_soak filesystem|zookeeper [seconds] [jobs] [seed]\n");
    return 2;
  }
  std::string backend = argv[1];
  int seconds = argc > 2 ? std::atoi(argv[2]) : 600;
  int k = argc > 3 ? std::atoi(argv[3]) : 4;
  std::uint64_t seed = argc > 4 ? std::stoull(argv[4]) : std::random_device{}();
  std::mt19937_64 rng(seed);
  std::printf("soak: %s, %d s, %d concurrent jobs, seed %llu\n", backend.c_str(), seconds, k,
              static_cast<unsigned long long>(seed));
  harness::temp_dir dir("soak");
  std::unique_ptr<harness::zk_quorum> quorum;
  std::ofstream conf(dir.path() / "config.yaml");
  if (backend == "zookeeper") {
    quorum = std::make_unique<harness::zk_quorum>(dir.path() / "zk");
    if (!quorum->start(60s)) return 1;
    conf << "high-availability.type: zookeeper\nhigh-availability.zookeeper.quorum: " << quorum->connect_string()
         << "\nhigh-availability.zookeeper.client.session-timeout: 2 s\n";
  } else {
    conf << "high-availability.type: filesystem\n";
  }
  conf << "high-availability.storageDir: " << (dir.path() / "ha").string() << "\n"
       << "state.checkpoints.dir: " << (dir.path() / "ck").string() << "\n"
       << "execution.checkpointing.interval: 200 ms\ntaskmanager.numberOfTaskSlots: " << 2 * k << "\n"
       << "heartbeat.interval: 200 ms\nheartbeat.timeout: 2 s\n"
       << "restart-strategy.fixed-delay.attempts: 1000\nrestart-strategy.fixed-delay.delay: 100 ms\n"
       // Keep results after cleanup: a retried submission whose first try got through and whose
       // job already ended must be refused, not run again (with delete-on-commit, as in Flink,
       // the id is free again once the job is cleaned up).
       << "job-result-store.delete-on-commit: false\n"
       << "env.log.dir: " << (dir.path() / "log").string() << "\n";
  conf.close();
  cluster c{dir.path(), std::vector<std::unique_ptr<harness::child_process>>(2), std::vector<std::unique_ptr<harness::child_process>>(2)};
  for (std::size_t i = 0; i < 2; ++i) c.start_jm(i), c.start_tm(i);

  std::map<std::string, int> faults;
  const long long n = 20000;
  std::map<std::string, fs::path> running;  // job id → output folder
  int submitted = 0, exact = 0, lost = 0, duplicated = 0, seq = 0;
  auto submit = [&] {
    char id[33];
    std::snprintf(id, sizeof id, "%032x", ++seq);
    auto out = dir.path() / "out" / id;
    std::string spec = std::string("{\"name\":\"soak\",\"job-id\":\"") + id + "\",\"parallelism\":2,\"source\":{\"type\":\"sequence\",\"from\":1,\"to\":" +
                       std::to_string(n) + ",\"rate-per-second\":4000},\"sink\":{\"type\":\"file\",\"path\":\"" + out.string() + "\"}}";
    auto r = c.ask(rpc::method::dispatcher_submit, rpc::encode(rpc::submit_job{spec, {}}));
    // The ids are this soak's own, so "already submitted" or "already reached a globally
    // terminal state" means an earlier try went through but its answer was lost (the leader
    // died or paused after persisting): that is an accepted job, not one to submit again.
    if (!r && r.err().message.find("already") == std::string::npos) {
      --seq;  // no answer, no leader, or refused: try again later with the same id
      return;
    }
    ++submitted;
    running[id] = out;
  };
  auto check_finished = [&] {
    for (auto it = running.begin(); it != running.end();) {
      auto r = c.ask(rpc::method::dispatcher_status, rpc::encode(rpc::job_ref{it->first}));
      auto s = r ? rpc::decode_job_status(r->payload) : result<rpc::job_status>(r.err());
      if (!s || s->state != "FINISHED") { ++it; continue; }
      auto out = harness::committed_records(it->second);
      std::size_t copies = 0, first_shown = 0;
      for (auto& [v, files] : out) {
        copies += files.size();
        if (files.size() > 1 && first_shown++ < 3) {
          std::string where;
          for (auto& f : files) where += " " + f;
          std::printf("job %s: record %lld committed %zu times:%s\n", it->first.c_str(), v, files.size(), where.c_str());
        }
      }
      if (copies == static_cast<std::size_t>(n) && out.size() == copies) ++exact;
      if (out.size() < static_cast<std::size_t>(n)) {
        ++lost;
        std::printf("job %s: %zu of %lld records missing\n", it->first.c_str(), static_cast<std::size_t>(n) - out.size(), n);
      }
      if (copies > out.size()) ++duplicated;
      it = running.erase(it);
    }
  };

  const auto kinds = fault_kinds(quorum != nullptr);
  if (kinds.empty()) {
    std::fprintf(stderr, "REGENT_SOAK_FAULTS names no known fault (jm-kill, jm-stop, tm-kill, zk-kill)\n");
    return 2;
  }
  auto end = clk::now() + std::chrono::seconds(seconds);
  auto next_fault = clk::now() + 2s;
  harness::child_process* stopped = nullptr;
  while (clk::now() < end) {
    while (static_cast<int>(running.size()) < k && clk::now() < end) {
      int before = submitted;
      submit();
      if (submitted == before) break;
    }
    check_finished();
    if (clk::now() >= next_fault) {
      if (stopped) { stopped->signal(SIGCONT); stopped = nullptr; }
      int what = kinds[rng() % kinds.size()];
      std::size_t i = rng() % 2;
      if (what == 0) { c.jms[i]->signal(SIGKILL); c.jms[i]->wait_exit(10s); c.start_jm(i); ++faults["jobmanager kill -9"]; }
      if (what == 1) { c.jms[i]->signal(SIGSTOP); stopped = c.jms[i].get(); ++faults["jobmanager SIGSTOP/SIGCONT"]; }
      if (what == 2) { c.tms[i]->signal(SIGKILL); c.tms[i]->wait_exit(10s); c.start_tm(i); ++faults["taskmanager kill -9"]; }
      if (what == 3) { int z = static_cast<int>(rng() % 3); quorum->kill(z); quorum->start_server(z); ++faults["zookeeper server kill"]; }
      next_fault = clk::now() + std::chrono::milliseconds(1000 + rng() % 3000);
    }
    // Pace the loop: wait for a line from any jobmanager (or 200 ms), not a bare sleep.
    c.jms[0]->wait_for_line([](auto&) { return false; }, 200ms, c.jms[0]->line_count());
  }
  if (stopped) stopped->signal(SIGCONT);
  auto drain = clk::now() + 120s;
  while (!running.empty() && clk::now() < drain) {
    check_finished();
    c.jms[0]->wait_for_line([](auto&) { return false; }, 200ms, c.jms[0]->line_count());
  }
  int unfinished = static_cast<int>(running.size());
  int fencing = 0;
  for (auto& e : fs::directory_iterator(dir.path()))
    if (e.path().extension() == ".out") {
      std::ifstream in(e.path());
      std::string l;
      while (std::getline(in, l))
        if (has(l, "fencing token mismatch") || has(l, "write fenced off") || has(l, "rejected ")) ++fencing;
    }
  int orphans = 0;
  auto cluster_dir = dir.path() / "ha" / "default";
  for (auto sub : {"jobgraphs", "checkpoints", "blob"})
    if (fs::exists(cluster_dir / sub))
      for (auto& e : fs::directory_iterator(cluster_dir / sub)) {
        std::printf("left behind: %s\n", e.path().c_str());
        ++orphans;
      }
  if (quorum) {
    // Job nodes left in ZooKeeper by jobs that finished (every job has finished by now).
    harness::zk_client zk(quorum->connect_string());
    if (zk.wait_connected(30s))
      for (auto sub : {"jobgraphs", "jobs", "blobs"})
        for (auto& child : zk.children(std::string("/flink/default/") + sub).value_or(std::vector<std::string>{})) {
          std::printf("left behind: znode /flink/default/%s/%s\n", sub, child.c_str());
          ++orphans;
        }
  }
  std::printf("\n%-40s %8s\n", "measure", "count");
  for (auto& [kind, count] : faults) std::printf("fault: %-33s %8d\n", kind.c_str(), count);
  std::printf("%-40s %8d\n%-40s %8d\n%-40s %8d\n%-40s %8d\n%-40s %8d\n%-40s %8d\n%-40s %8d\n", "jobs submitted (accepted)", submitted,
              "finished with exact output", exact, "lost records (jobs)", lost, "duplicated records (jobs)", duplicated,
              "still unfinished after drain", unfinished, "fencing rejections in logs", fencing,
              "HA files/znodes left behind", orphans);
  const bool clean = lost == 0 && duplicated == 0 && unfinished == 0 && orphans == 0;
  if (!clean) {
    dir.keep();
    std::printf("kept %s for a post-mortem\n", dir.path().c_str());
  }
  return clean ? 0 : 1;
}
