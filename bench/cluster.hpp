#pragma once
/// What the benchmarks that run a whole cluster share: the HA backend a run uses (a real
/// ZooKeeper quorum or the Kubernetes API-server test double, started once per program), the
/// config file of one cluster, the leader's address and token from its "leader ready" line, and
/// submitting N slow jobs over RPC.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "regent/harness/child_process.hpp"
#include "regent/harness/kube_double.hpp"
#include "regent/harness/zk_quorum.hpp"
#include "regent/rpc/client.hpp"
#include "regent/rpc/cluster_protocol.hpp"

namespace regent::bench {

inline bool has(const std::string& l, const std::string& w) { return l.find(w) != std::string::npos; }

/// Milliseconds since midnight of a log line's "YYYY-MM-DD HH:MM:SS.mmm" stamp (-1 if none).
inline double stamp_ms(const std::string& l) {
  int h = 0, m = 0, sec = 0, ms = 0;
  if (l.size() < 23 || std::sscanf(l.c_str() + 11, "%2d:%2d:%2d.%3d", &h, &m, &sec, &ms) != 4) return -1;
  return ((h * 60.0 + m) * 60.0 + sec) * 1000.0 + ms;
}

/// The id in a line "... job <id> <what>...", or "" when the line is not one.
inline std::string job_in(const std::string& l, const std::string& what) {
  for (auto at = l.find("job "); at != std::string::npos; at = l.find("job ", at + 1)) {
    auto end = l.find(' ', at + 4);
    if (end != std::string::npos && l.compare(end + 1, what.size(), what) == 0) return l.substr(at + 4, end - at - 4);
  }
  return "";
}

/// Waits until each of `jobs` has a line "job <id> <what>" (one of `whats`) in `p`'s output from
/// line `from` on, or `timeout` passes; returns the jobs seen (all of them unless it timed out).
/// One pass over the output however many jobs (a benchmark's clock runs while it looks).
inline std::set<std::string> wait_every_job(harness::child_process& p, const std::set<std::string>& jobs,
                                            const std::vector<std::string>& whats, std::size_t from,
                                            std::chrono::milliseconds timeout) {
  std::set<std::string> seen;
  p.wait_for_line(
      [&](const std::string& l) {
        for (const auto& what : whats)
          if (auto j = job_in(l, what); !j.empty() && jobs.count(j)) seen.insert(j);
        return seen.size() == jobs.size();
      },
      timeout, from);
  return seen;
}

/// The HA backend of a benchmark run: "filesystem", "zookeeper" (own 3-node quorum, tickTime
/// REGENT_BENCH_ZK_TICK_MS or 200 ms) or "kubernetes" (the API-server test double, retry
/// period REGENT_BENCH_K8S_RETRY_MS or 100 ms).
class backend {
 public:
  backend(std::string name, const std::filesystem::path& dir) : name_(std::move(name)) {
    if (name_ == "zookeeper") {
      harness::zk_quorum::options zo;
      if (const char* tick = std::getenv("REGENT_BENCH_ZK_TICK_MS")) zo.tick_ms = std::atoi(tick);
      std::printf("ZooKeeper tickTime %d ms\n", zo.tick_ms);
      quorum_ = std::make_unique<harness::zk_quorum>(dir, zo);
      if (!quorum_->start(std::chrono::seconds(60))) {
        std::fprintf(stderr, "quorum did not start\n%s", quorum_->logs().c_str());
        std::exit(1);
      }
    } else if (name_ == "kubernetes") {
      if (const char* r = std::getenv("REGENT_BENCH_K8S_RETRY_MS")) retry_ms_ = std::atoi(r);
      std::printf("Kubernetes API-server test double, lease 2 s, renew deadline 1.5 s, retry period %d ms\n",
                  retry_ms_);
      kube_ = std::make_unique<harness::kube_double>(dir / "kube");
    } else if (name_ != "filesystem") {
      std::fprintf(stderr, "unknown backend '%s' (filesystem, zookeeper or kubernetes)\n", name_.c_str());
      std::exit(2);
    }
  }

  /// The HA lines of one cluster's config.yaml (a new cluster id each call), storage under `dir`.
  std::string ha_conf(const std::filesystem::path& dir) {
    std::string c;
    ++clusters_;
    if (quorum_)
      c = "high-availability.type: zookeeper\nhigh-availability.zookeeper.quorum: " + quorum_->connect_string() +
          "\nhigh-availability.zookeeper.client.session-timeout: 2 s\nhigh-availability.cluster-id: bench-" +
          std::to_string(clusters_) + "\n";
    else if (kube_)
      c = "high-availability.type: kubernetes\nkubernetes.config.file: " + kube_->kubeconfig().string() +
          "\nkubernetes.cluster-id: bench-" + std::to_string(clusters_) +
          "\nhigh-availability.kubernetes.leader-election.lease-duration: 2 s\n"
          "high-availability.kubernetes.leader-election.renew-deadline: 1500 ms\n"
          "high-availability.kubernetes.leader-election.retry-period: " +
          std::to_string(retry_ms_) + " ms\n";
    else
      c = "high-availability.type: filesystem\n";
    return c + "high-availability.storageDir: " + (dir / "ha").string() +
           "\nstate.checkpoints.dir: " + (dir / "ck").string() + "\n";
  }

 private:
  std::string name_;
  std::unique_ptr<harness::zk_quorum> quorum_;
  std::unique_ptr<harness::kube_double> kube_;
  int retry_ms_ = 100;
  int clusters_ = 0;
};

/// Writes `dir`/config.yaml for one cluster of a benchmark: this backend's HA lines, checkpoints
/// every `interval_ms`, `slots` slots per taskmanager, an ephemeral REST port, 1 s heartbeats, logs
/// under `dir`/log, then `extra` (whole lines).
inline void write_cluster_conf(backend& ha, const std::filesystem::path& dir, int interval_ms, int slots,
                               const std::string& extra = "") {
  std::ofstream conf(dir / "config.yaml");
  conf << ha.ha_conf(dir) << "execution.checkpointing.interval: " << interval_ms << " ms\n"
       << "rest.port: 0\n"
       << "taskmanager.numberOfTaskSlots: " << slots << "\n"
       << "heartbeat.interval: 1 s\nheartbeat.timeout: 10 s\n"
       << "log.level: info\n"
       << "env.log.dir: " << (dir / "log").string() << "\n"
       << extra;
}

/// A slow job: parallelism 1, a sequence at 100 records/s into a discarding sink.
inline std::string slow_job_spec() {
  return "{\"name\":\"bench\",\"parallelism\":1,\"source\":{\"type\":\"sequence\",\"from\":1,\"to\":100000000,"
         "\"rate-per-second\":100},\"sink\":{\"type\":\"discard\"}}";
}

/// A run of a benchmark failed: says why on stderr, keeps the run's folder for a post-mortem,
/// and returns main's exit code.
inline int failed(harness::temp_dir& dir, const std::string& run, const std::string& why) {
  std::fprintf(stderr, "%s: %s (logs kept in %s)\n", run.c_str(), why.c_str(), dir.path().c_str());
  dir.keep();
  return 1;
}

/// Starts `count` taskmanagers from the conf dir `dir` (logs tm<i>.log there) and waits until
/// the jobmanager `jm` has logged as many registrations; empty when they did not within 30 s.
inline std::vector<std::unique_ptr<harness::child_process>> start_taskmanagers(const std::filesystem::path& bin,
                                                                               const std::filesystem::path& dir,
                                                                               harness::child_process& jm, int count) {
  std::vector<std::unique_ptr<harness::child_process>> tms;
  for (int t = 0; t < count; ++t)
    tms.push_back(std::make_unique<harness::child_process>(
        std::vector<std::string>{(bin / "taskmanager").string(), "--config-dir", dir.string()},
        dir / ("tm" + std::to_string(t) + ".log"), true));
  auto registration = [](const std::string& l) { return has(l, "registered taskmanager"); };
  for (;;) {
    auto lines = jm.lines();
    if (std::count_if(lines.begin(), lines.end(), registration) >= count) return tms;
    if (!jm.wait_for_line(registration, std::chrono::seconds(30), lines.size())) return {};
  }
}

/// The leader's RPC address and fencing token, from its "leader ready" line.
struct leader_address {
  fencing_token token;
  std::string host;
  std::uint16_t port = 0;
};

inline std::optional<leader_address> parse_leader_ready(const std::string& line) {
  std::smatch m;
  static const std::regex re("leader ready epoch=([0-9]+) session=([0-9a-f-]+) .* at ([0-9a-zA-Z.]+):([0-9]+)");
  if (!std::regex_search(line, m, re)) return std::nullopt;
  return leader_address{fencing_token{std::stoull(m[1]), m[2]}, m[3], static_cast<std::uint16_t>(std::stoi(m[4]))};
}

/// Submits `n` slow jobs (slow_job_spec) one after the other over RPC; their ids, or nullopt when a submission failed.
inline std::optional<std::set<std::string>> submit_slow_jobs(const leader_address& leader, int n) {
  rpc::client c({leader.host, leader.port});
  std::set<std::string> jobs;
  for (int j = 0; j < n; ++j) {
    auto r = c.request(rpc::make_request(rpc::method::dispatcher_submit, leader.token,
                                         rpc::encode(rpc::submit_job{slow_job_spec(), {}})),
        std::chrono::seconds(10));
    if (!r || r->error) return std::nullopt;
    jobs.insert(rpc::decode_job_ref(r->payload)->job_id);
  }
  c.close();
  return jobs;
}

}  // namespace regent::bench
