/// The failover soak (not a test; not in CI; see BENCHMARKS.md).
///
///   build/bin/regent_bench_soak filesystem|zookeeper [seconds=600] [concurrent-jobs=4] [seed]
///
/// Runs two jobmanagers and two taskmanagers (zookeeper: plus a 3-node quorum) for the given
/// time while injecting random faults every 1–4 s: kill -9 of a jobmanager (restarted),
/// SIGSTOP/SIGCONT of a jobmanager, kill -9 of a taskmanager (restarted), and with zookeeper a
/// kill of one ZooKeeper server (restarted at once). K jobs run at all times, each a sequence
/// into its own file sink; when one finishes its output is checked and a new one submitted. At
/// the end it waits for the running jobs, checks invariants from the logs, and prints one table:
/// faults by kind, jobs submitted, finished with exact output, lost, duplicated, ended FAILED or
/// CANCELED (with the cause from the jobmanager logs), unfinished, HA files or znodes left behind
/// by finished jobs, leadership epochs granted (and any granted to two sessions), jobs restarted
/// from scratch after a completed checkpoint, fencing rejections and leaders refused by a
/// taskmanager seen in the logs. Exit 0 only when no counted row is violated; else it names the
/// jobs, records and epochs at fault and keeps its folder (logs, outputs, HA data).
/// REGENT_SOAK_FAULTS=jm-kill,jm-stop,tm-kill,zk-kill picks the fault kinds (default: all).
///
/// REGENT_SOAK_ZK_MODE picks the ZooKeeper fault model:
///   within-tolerance (default) — what a 3-node ensemble promises to survive: a zk-kill happens
///     only when all three servers serve (srvr Mode leader|follower) and have caught up; the
///     killed server is restarted at once and no further zk-kill happens until it serves again
///     and its Zxid has reached the leader's Zxid as read when it began serving (the other
///     fault kinds go on meanwhile). Every violation counts: FAILED jobs, epochs granted twice.
///   beyond-tolerance — kills any server at any time (restarted at once), so two may be down or
///     resyncing together; besides, after one kill in three it plans a second kill 0.1–1.5 s
///     later, carried out (on another server) only if the first is still not serving and caught
///     up by then. ZooKeeper may then lose acknowledged writes
///     (and 3.8.0 has bugs there: ZOOKEEPER-4643/4646/4785), so Regent must fail loudly: a job
///     that ends FAILED is named ("jobs failed loudly (HA state lost)") but does not fail the
///     run, epochs granted twice are only reported; silent loss or duplication in a FINISHED
///     job, a restart from scratch after a checkpoint of a job that did not fail, unfinished
///     jobs and HA data left behind still fail it.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
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
    jms[i] = std::make_unique<harness::child_process>(args("jobmanager"),
                                                      dir / ("jm-" + std::to_string(spawned++) + ".out"), true);
  }
  void start_tm(std::size_t i) {
    tms[i] = std::make_unique<harness::child_process>(args("taskmanager"),
                                                      dir / ("tm-" + std::to_string(spawned++) + ".out"), true);
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
    if (!env || std::string(",").append(env).append(",").find(std::string(",") + names[k] + ",") != std::string::npos)
      out.push_back(k);
  return out;
}

enum class zk_mode { within_tolerance, beyond_tolerance };

/// REGENT_SOAK_ZK_MODE: within-tolerance (default) or beyond-tolerance; nullopt for anything else.
std::optional<zk_mode> zk_mode_from_env() {
  const char* env = std::getenv("REGENT_SOAK_ZK_MODE");
  if (!env || std::string(env) == "within-tolerance") return zk_mode::within_tolerance;
  if (std::string(env) == "beyond-tolerance") return zk_mode::beyond_tolerance;
  return std::nullopt;
}

const char* to_string(zk_mode m) { return m == zk_mode::within_tolerance ? "within-tolerance" : "beyond-tolerance"; }

/// When and which ZooKeeper server to kill (see REGENT_SOAK_ZK_MODE in the header). Driven by
/// the soak loop: `poll()` once per iteration, `may_kill()` and `kill_one()` at a zk-kill fault.
/// Whether the ensemble is ready is polled through `srvr`, never waited for with a sleep.
class zk_fault_model {
 public:
  zk_fault_model(harness::zk_quorum& quorum, zk_mode mode, std::mt19937_64& rng, std::map<std::string, int>& faults)
      : quorum_(quorum), mode_(mode), rng_(rng), faults_(faults) {}

  /// Within tolerance: only when the last killed server is back and every server serves and has
  /// caught up, so that losing one more leaves a majority with every acknowledged write.
  bool may_kill() {
    if (mode_ == zk_mode::beyond_tolerance) return true;
    return !resyncing_ && all_caught_up();
  }

  /// Kills a random server and restarts it at once.
  void kill_one() {
    // Beyond tolerance kills whenever it is asked to; count the kills that land while the
    // ensemble is not whole, the ones ZooKeeper does not promise to survive.
    if (mode_ == zk_mode::beyond_tolerance && !all_caught_up()) ++faults_["zookeeper kill while another resyncs"];
    int z = static_cast<int>(rng_() % static_cast<std::uint64_t>(quorum_.size()));
    kill_and_restart(z);
    ++faults_["zookeeper server kill"];
    resyncing_ = z;
    killed_at_ = clk::now();
    if (mode_ == zk_mode::beyond_tolerance && rng_() % 3 == 0)
      second_kill_at_ = killed_at_ + std::chrono::milliseconds(100 + rng_() % 1400);
  }

  /// Follows the restarted server until it has caught up; beyond tolerance, fires a planned
  /// second kill if the first server is still resyncing by then.
  void poll() {
    if (!resyncing_) return;
    int z = *resyncing_;
    if (second_kill_at_ && clk::now() >= *second_kill_at_) {
      second_kill_at_.reset();
      if (!quorum_.serving_and_caught_up(z)) {
        const auto n = static_cast<std::uint64_t>(quorum_.size());
        int other = static_cast<int>((static_cast<std::uint64_t>(z) + 1 + rng_() % (n - 1)) % n);  // any but z
        kill_and_restart(other);
        ++faults_["zookeeper second kill while first resyncs"];
        resyncing_ = other;  // follow the newest victim; the first catches up meanwhile or not
        killed_at_ = clk::now();
        return;
      }
    }
    if (!quorum_.serving_and_caught_up(z)) return;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clk::now() - killed_at_).count();
    max_resync_ms_ = std::max(max_resync_ms_, static_cast<long long>(ms));
    resyncing_.reset();
  }

  /// The longest time from killing a server to its serving and caught up again.
  long long max_resync_ms() const { return max_resync_ms_; }

 private:
  /// Asks every server (no short cut: each one that serves records its catch-up target now).
  bool all_caught_up() {
    bool all = true;
    for (int i = 0; i < quorum_.size(); ++i) all = quorum_.serving_and_caught_up(i) && all;
    return all;
  }
  void kill_and_restart(int z) {
    quorum_.kill(z);
    quorum_.start_server(z);
  }

  harness::zk_quorum& quorum_;
  zk_mode mode_;
  std::mt19937_64& rng_;
  std::map<std::string, int>& faults_;
  std::optional<int> resyncing_;  // the server killed last, until it serves and has caught up
  clk::time_point killed_at_;
  std::optional<clk::time_point> second_kill_at_;
  long long max_resync_ms_ = 0;
};

/// The `<prefix>*.out` files (jobmanager or taskmanager output) in the soak's folder.
std::vector<fs::path> out_files(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".out" && e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

/// Calls `f(line, file)` for every line of every file.
template <typename F>
void for_each_line(const std::vector<fs::path>& files, F&& f) {
  for (auto& file : files) {
    std::ifstream in(file);
    std::string l;
    while (std::getline(in, l)) f(l, file);
  }
}

/// The "YYYY-MM-DD HH:MM:SS.mmm" a log line starts with: millisecond wall time of one host, so
/// it orders lines across processes (as strings).
std::string timestamp_of(const std::string& line) { return line.substr(0, std::min<std::size_t>(23, line.size())); }

/// Every leadership epoch granted ([actors] granted leadership epoch=E session=S), and a
/// message for each epoch granted to more than one session: two leaders with one fencing token.
struct epoch_check {
  std::size_t granted = 0;
  std::vector<std::string> twice;
};
epoch_check check_epochs(const std::vector<fs::path>& jm_files) {
  static const std::regex re("\\[actors\\] granted leadership epoch=([0-9]+) session=([0-9a-f-]+)");
  std::map<unsigned long long, std::map<std::string, std::string>> sessions;  // epoch → session → file
  for_each_line(jm_files, [&](const std::string& l, const fs::path& file) {
    std::smatch m;
    if (!has(l, "granted leadership") || !std::regex_search(l, m, re)) return;
    sessions[std::stoull(m[1])].emplace(m[2], file.filename().string());
  });
  epoch_check out;
  out.granted = sessions.size();
  for (auto& [epoch, by_session] : sessions) {
    if (by_session.size() < 2) continue;
    std::string who;
    for (auto& [session, file] : by_session) who += (who.empty() ? "" : ", ") + session + " (" + file + ")";
    const auto times = by_session.size() == 2 ? std::string("twice") : std::to_string(by_session.size()) + " times";
    out.twice.push_back("epoch " + std::to_string(epoch) + " granted " + times + ": sessions " + who);
  }
  return out;
}

/// The jobs that started from scratch ("no completed checkpoint") after some jobmanager had
/// logged a completed checkpoint of theirs: a restore that lost the checkpoint, so records are
/// produced again. Job id → the offending line.
std::map<std::string, std::string> check_scratch_after_checkpoint(const std::vector<fs::path>& jm_files) {
  static const std::regex completed(".*\\[actors\\] job ([0-9a-f]+) completed checkpoint [0-9]+");
  static const std::regex scratch(".*\\[actors\\] job ([0-9a-f]+) starting from scratch: no completed checkpoint");
  std::map<std::string, std::string> first_completed;              // job → earliest timestamp
  std::vector<std::pair<std::string, std::string>> scratch_lines;  // job, line
  for_each_line(jm_files, [&](const std::string& l, const fs::path&) {
    std::smatch m;
    if (has(l, "completed checkpoint") && !has(l, "starting from scratch") && std::regex_search(l, m, completed)) {
      auto [it, fresh] = first_completed.emplace(m[1], timestamp_of(l));
      if (!fresh) it->second = std::min(it->second, timestamp_of(l));
    } else if (has(l, "starting from scratch") && std::regex_search(l, m, scratch)) {
      scratch_lines.emplace_back(m[1], l);
    }
  });
  std::map<std::string, std::string> out;
  for (auto& [job, line] : scratch_lines)
    if (auto it = first_completed.find(job); it != first_completed.end() && timestamp_of(line) > it->second)
      out.emplace(job, line);
  return out;
}

/// The latest jobmanager line about `job` that says it failed: the cause of a FAILED job, as
/// the status reply carries only the state.
std::string failure_cause(const std::vector<fs::path>& jm_files, const std::string& job) {
  std::string latest;
  for_each_line(jm_files, [&](const std::string& l, const fs::path&) {
    if (has(l, job) && (has(l, "failed") || has(l, "FAILED")) && timestamp_of(l) >= timestamp_of(latest)) latest = l;
  });
  return latest.empty() ? "(no line in the jobmanager logs says why)" : latest;
}

/// How many lines of `files` contain any of `words`.
int count_lines(const std::vector<fs::path>& files, const std::vector<std::string>& words) {
  int n = 0;
  for_each_line(files, [&](const std::string& l, const fs::path&) {
    for (auto& w : words)
      if (has(l, w)) {
        ++n;
        break;
      }
  });
  return n;
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
  const auto mode = zk_mode_from_env();
  if (!mode) {
    std::fprintf(stderr, "REGENT_SOAK_ZK_MODE is within-tolerance (default) or beyond-tolerance\n");
    return 2;
  }
  const bool beyond = backend == "zookeeper" && *mode == zk_mode::beyond_tolerance;
  std::printf("soak: %s%s%s, %d s, %d concurrent jobs, seed %llu\n", backend.c_str(),
              backend == "zookeeper" ? ", zookeeper faults " : "", backend == "zookeeper" ? to_string(*mode) : "",
              seconds, k, static_cast<unsigned long long>(seed));
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
  cluster c{dir.path(), std::vector<std::unique_ptr<harness::child_process>>(2),
            std::vector<std::unique_ptr<harness::child_process>>(2)};
  for (std::size_t i = 0; i < 2; ++i) c.start_jm(i), c.start_tm(i);

  std::map<std::string, int> faults;
  const long long n = 20000;
  std::map<std::string, fs::path> running;         // job id → output folder
  std::map<std::string, std::string> ended_badly;  // job id → FAILED or CANCELED
  int submitted = 0, exact = 0, lost = 0, duplicated = 0, seq = 0;
  auto submit = [&] {
    char id[33];
    std::snprintf(id, sizeof id, "%032x", ++seq);
    auto out = dir.path() / "out" / id;
    std::string spec = std::string("{\"name\":\"soak\",\"job-id\":\"") + id +
                       "\",\"parallelism\":2,\"source\":{\"type\":\"sequence\",\"from\":1,\"to\":" + std::to_string(n) +
                       ",\"rate-per-second\":4000},\"sink\":{\"type\":\"file\",\"path\":\"" + out.string() + "\"}}";
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
      if (s && (s->state == "FAILED" || s->state == "CANCELED")) {
        // Terminal without output to check; named with its cause at the end.
        ended_badly[it->first] = s->state;
        it = running.erase(it);
        continue;
      }
      if (!s || s->state != "FINISHED") {
        ++it;
        continue;
      }
      auto out = harness::committed_records(it->second);
      std::size_t copies = 0, first_shown = 0;
      for (auto& [v, files] : out) {
        copies += files.size();
        if (files.size() > 1 && first_shown++ < 3) {
          std::string where;
          for (auto& f : files) where += " " + f;
          std::printf("job %s: record %lld committed %zu times:%s\n", it->first.c_str(), v, files.size(),
                      where.c_str());
        }
      }
      if (copies == static_cast<std::size_t>(n) && out.size() == copies) ++exact;
      if (out.size() < static_cast<std::size_t>(n)) {
        ++lost;
        std::printf("job %s: %zu of %lld records missing\n", it->first.c_str(),
                    static_cast<std::size_t>(n) - out.size(), n);
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
  std::unique_ptr<zk_fault_model> zk_faults;  // with zookeeper only
  if (quorum) zk_faults = std::make_unique<zk_fault_model>(*quorum, *mode, rng, faults);
  // A fault of another kind, for a zk-kill slot that the ensemble is not ready for.
  std::vector<int> other_kinds;
  for (int kind : kinds)
    if (kind != 3) other_kinds.push_back(kind);
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
    if (zk_faults) zk_faults->poll();
    if (clk::now() >= next_fault) {
      if (stopped) {
        stopped->signal(SIGCONT);
        stopped = nullptr;
      }
      int what = kinds[rng() % kinds.size()];
      if (what == 3 && !zk_faults->may_kill()) {
        // Within tolerance the ensemble is not whole yet: the other faults go on meanwhile.
        ++faults["zookeeper kill deferred (resyncing)"];
        what = other_kinds.empty() ? -1 : other_kinds[rng() % other_kinds.size()];
      }
      std::size_t i = rng() % 2;
      if (what == 0) {
        c.jms[i]->signal(SIGKILL);
        c.jms[i]->wait_exit(10s);
        c.start_jm(i);
        ++faults["jobmanager kill -9"];
      }
      if (what == 1) {
        c.jms[i]->signal(SIGSTOP);
        stopped = c.jms[i].get();
        ++faults["jobmanager SIGSTOP/SIGCONT"];
      }
      if (what == 2) {
        c.tms[i]->signal(SIGKILL);
        c.tms[i]->wait_exit(10s);
        c.start_tm(i);
        ++faults["taskmanager kill -9"];
      }
      if (what == 3) zk_faults->kill_one();
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
  for (auto& [id, out] : running) std::printf("job %s: still not finished after the drain\n", id.c_str());
  const auto jm_files = out_files(dir.path(), "jm-");
  const auto tm_files = out_files(dir.path(), "tm-");
  const int fencing =
      count_lines(out_files(dir.path(), ""), {"fencing token mismatch", "write fenced off", "rejected "});
  const int refused_leader = count_lines(tm_files, {"refusing leader"});

  // Jobs that ended FAILED or CANCELED, named with the cause the jobmanagers logged.
  int failed = 0, canceled = 0;
  for (auto& [id, state] : ended_badly) {
    ++(state == "FAILED" ? failed : canceled);
    std::printf("job %s ended %s: %s\n", id.c_str(), state.c_str(), failure_cause(jm_files, id).c_str());
  }
  const auto epochs = check_epochs(jm_files);
  for (auto& m : epochs.twice) std::printf("%s\n", m.c_str());
  const auto scratch = check_scratch_after_checkpoint(jm_files);
  // Beyond tolerance a job whose HA state ZooKeeper lost may restart from scratch as long as it
  // then fails loudly; one that goes on from scratch silently still counts.
  int scratch_counted = 0;
  for (auto& [job, line] : scratch) {
    const bool loud = beyond && ended_badly.count(job) && ended_badly.at(job) == "FAILED";
    if (!loud) ++scratch_counted;
    std::printf("job %s started from scratch after a completed checkpoint%s: %s\n", job.c_str(),
                loud ? " (then failed loudly)" : "", line.c_str());
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
  // One row per measure; a row marked "<- fails the run" counts against the exit code.
  bool clean = true;
  std::printf("\n%-50s %8s\n", "measure", "count");
  auto row = [&](const std::string& name, long long count, bool counts_against) {
    const bool violated = counts_against && count > 0;
    clean = clean && !violated;
    std::printf("%-50s %8lld%s\n", name.c_str(), count, violated ? "  <- fails the run" : "");
  };
  for (auto& [kind, count] : faults) row("fault: " + kind, count, false);
  if (zk_faults && !beyond) row("zookeeper resync after a kill, max ms", zk_faults->max_resync_ms(), false);
  row("jobs submitted (accepted)", submitted, false);
  row("finished with exact output", exact, false);
  row("lost records (jobs)", lost, true);
  row("duplicated records (jobs)", duplicated, true);
  if (beyond)
    row("jobs failed loudly (HA state lost)", failed, false);
  else
    row("jobs ended FAILED", failed, true);
  row("jobs ended CANCELED (nobody cancels)", canceled, true);
  row("still unfinished after drain", unfinished, true);
  row("HA files/znodes left behind", orphans, true);
  row("epochs granted", static_cast<long long>(epochs.granted), false);
  row(beyond ? "epochs granted twice (reported only)" : "epochs granted twice",
      static_cast<long long>(epochs.twice.size()), !beyond);
  if (beyond) {
    row("jobs restarted from scratch after a checkpoint", static_cast<long long>(scratch.size()), false);
    row("  ... of them not failed loudly", scratch_counted, true);
  } else {
    row("jobs restarted from scratch after a checkpoint", static_cast<long long>(scratch.size()), true);
  }
  row("fencing rejections in logs", fencing, false);
  row("taskmanager refused a leader", refused_leader, false);
  if (!clean) {
    dir.keep();
    std::printf("kept %s for a post-mortem\n", dir.path().c_str());
  }
  return clean ? 0 : 1;
}
