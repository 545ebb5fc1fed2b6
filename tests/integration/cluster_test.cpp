// A real cluster on one host: two jobmanagers and two taskmanagers with the embedded
// `filesystem` HA. Jobs are submitted over RPC (the REST endpoint comes with the operator
// surface), run on the taskmanagers, take checkpoints, and survive `kill -9` of the leader
// with exactly-once output.

#include <gtest/gtest.h>

#include <csignal>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>

#include "regent/ha/filesystem/filesystem_ha_services.hpp"
#include "regent/harness/child_process.hpp"
#include "regent/rpc/client.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/errc.hpp"

namespace regent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
constexpr auto deadline = std::chrono::seconds(60);

bool has(const std::string& line, const std::string& what) { return line.find(what) != std::string::npos; }

class cluster_test : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"cluster"};
  fs::path out_ = dir_.path() / "out";
  std::vector<std::unique_ptr<harness::child_process>> jms_, tms_;
  std::unique_ptr<ha::ha_services> watcher_;
  std::unique_ptr<ha::leader_retrieval> leader_;

  /// Wakes waiters whenever retrieval reports a leader change.
  struct leader_changes : ha::leader_retrieval_listener {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<ha::leader_info> last;
    void on_leader_change(const std::optional<ha::leader_info>& l) override {
      {
        std::lock_guard<std::mutex> lock(mu);
        last = l;
      }
      cv.notify_all();
    }
  } changes_;

  void SetUp() override {
    std::ofstream(dir_.path() / "config.yaml")
        << "high-availability.type: filesystem\n"
        << "high-availability.storageDir: " << (dir_.path() / "ha").string() << "\n"
        << "state.checkpoints.dir: " << (dir_.path() / "checkpoints").string() << "\n"
        << "execution.checkpointing.interval: 100 ms\n"
        << "taskmanager.numberOfTaskSlots: 4\n"
        << "heartbeat.interval: 200 ms\n"
        << "heartbeat.timeout: 2 s\n"
        << "restart-strategy.type: fixed-delay\n"
        << "restart-strategy.fixed-delay.attempts: 20\n"
        << "restart-strategy.fixed-delay.delay: 100 ms\n"
        << "job-result-store.delete-on-commit: false\n"
        << "cleanup-strategy: fixed-delay\n"
        << "cleanup-strategy.fixed-delay.attempts: 3\n"
        << "cleanup-strategy.fixed-delay.delay: 100 ms\n"
        << "env.log.dir: " << (dir_.path() / "log").string() << "\n";
    ha::filesystem::options o;
    o.storage_dir = dir_.path() / "ha";
    o.job_result_store_dir = dir_.path() / "ha" / "job-result-store" / "default";
    watcher_ = ha::filesystem::make_ha_services(o);
    leader_ = watcher_->make_retrieval(ha::component::dispatcher);
    ASSERT_TRUE(leader_->start(changes_).ok());
  }

  void TearDown() override {
    leader_->stop();
    if (HasFailure()) {
      for (auto* group : {&jms_, &tms_})
        for (auto& p : *group) std::fprintf(stderr, "---- %s ----\n%s\n", p->log_file().c_str(), p->log_text().c_str());
    }
  }

  harness::child_process& start(const std::string& program, int n) {
    auto& group = program == "jobmanager" ? jms_ : tms_;
    group.push_back(std::make_unique<harness::child_process>(
        std::vector<std::string>{(harness::bin_dir() / program).string(), "--config-dir", dir_.path().string()},
        dir_.path() / (program + std::to_string(n) + "-" + std::to_string(group.size()) + ".out"), true));
    return *group.back();
  }

  /// Waits for a leader whose token differs from `not_this` and returns its info.
  std::optional<ha::leader_info> wait_leader(const fencing_token& not_this = {}) {
    std::unique_lock<std::mutex> lock(changes_.mu);
    auto good = [&] { return changes_.last && changes_.last->token != not_this && !changes_.last->rpc_address.empty(); };
    if (!changes_.cv.wait_for(lock, deadline, good)) return std::nullopt;
    return changes_.last;
  }

  /// Sends a request to the current leader, following it through failovers until `until`.
  result<rpc::envelope> ask(const char* method, const std::string& payload) {
    auto until = std::chrono::steady_clock::now() + deadline;
    error last{std::make_error_code(std::errc::timed_out), "no leader"};
    while (std::chrono::steady_clock::now() < until) {
      auto l = wait_leader();
      if (!l) break;
      auto colon = l->rpc_address.rfind(':');
      rpc::client c({l->rpc_address.substr(0, colon), static_cast<std::uint16_t>(std::stoi(l->rpc_address.substr(colon + 1)))});
      auto r = c.request(rpc::make_request(method, l->token, payload), 5s);
      if (r) {
        auto folded = rpc::to_result(std::move(r).value());
        if (folded || folded.err().code != rpc::errc::fencing_mismatch) return folded;
        last = folded.err();
      } else {
        last = r.err();
      }
    }
    return last;
  }

  std::string status(const std::string& job) {
    auto r = ask(rpc::method::dispatcher_status, rpc::encode(rpc::job_ref{job}));
    if (!r) return "error: " + r.err().message;
    auto s = rpc::decode_job_status(r->payload);
    return s ? s->state : "error";
  }

  /// Waits until a live jobmanager logs that `job` ended, then asks the leader for its status.
  std::string wait_end(const std::string& job) {
    auto until = std::chrono::steady_clock::now() + deadline;
    auto ended = [&](const std::string& l) { return has(l, "job " + job + " (") && has(l, ") is "); };
    while (std::chrono::steady_clock::now() < until) {
      for (auto& jm : jms_)
        if (jm->running() && jm->wait_for_line(ended, 20ms)) return status(job);
    }
    return "no end logged; status " + status(job);
  }

  /// Every number in the committed part files of `out_`, with multiplicity.
  std::multiset<long long> committed_output() {
    std::multiset<long long> out;
    if (!fs::exists(out_)) return out;
    for (auto& e : fs::directory_iterator(out_)) {
      auto name = e.path().filename().string();
      if (name.rfind("part-", 0) != 0) continue;
      std::ifstream in(e.path());
      long long v;
      while (in >> v) out.insert(v);
    }
    return out;
  }

  std::string submit(long long to, int rate) {
    std::string rate_field = rate > 0 ? ",\"rate-per-second\":" + std::to_string(rate) : "";
    std::string spec = "{\"name\":\"count\",\"parallelism\":4,\"source\":{\"type\":\"sequence\",\"from\":1,\"to\":" +
                       std::to_string(to) + rate_field + "},\"operators\":[{\"type\":\"map\",\"function\":\"identity\"}],\"sink\":{\"type\":\"file\",\"path\":\"" +
                       out_.string() + "\"}}";
    auto r = ask(rpc::method::dispatcher_submit, rpc::encode(rpc::submit_job{spec}));
    EXPECT_TRUE(r.ok()) << (r ? "" : r.err().message);
    if (!r) return "";
    auto ref = rpc::decode_job_ref(r->payload);
    return ref ? ref->job_id : "";
  }

  /// Waits until the given jobmanager has logged `what` at least `times` times.
  bool wait_log(harness::child_process& p, const std::string& what, int times = 1) {
    std::size_t from = 0;
    for (int i = 0; i < times; ++i) {
      auto found = p.wait_for_line([&](auto& l) { return has(l, what); }, deadline, from);
      if (!found) return false;
      auto lines = p.lines();
      for (std::size_t k = from; k < lines.size(); ++k)
        if (has(lines[k], what)) { from = k + 1; break; }
    }
    return true;
  }

  /// The jobmanager that logs "leader ready" for `token` (its log line may trail the leader
  /// info that retrieval already saw).
  harness::child_process* leading_jm(const fencing_token& token) {
    auto until = std::chrono::steady_clock::now() + deadline;
    auto ready = [&](const std::string& l) { return has(l, "leader ready " + token.to_string()); };
    while (std::chrono::steady_clock::now() < until)
      for (auto& jm : jms_)
        if (jm->running() && jm->wait_for_line(ready, 10ms)) return jm.get();
    return nullptr;
  }
};

TEST_F(cluster_test, a_job_survives_two_leader_kills_with_exactly_once_output) {
  start("jobmanager", 0);
  start("jobmanager", 1);
  start("taskmanager", 0);
  start("taskmanager", 1);
  auto first = wait_leader();
  ASSERT_TRUE(first) << "no leader";
  const long long n = 60000;
  auto job = submit(n, 20000);  // about 3 s of input
  ASSERT_FALSE(job.empty());

  fencing_token previous;
  for (int kill = 0; kill < 2; ++kill) {
    auto l = wait_leader(previous);
    ASSERT_TRUE(l);
    auto* jm = leading_jm(l->token);
    ASSERT_NE(jm, nullptr);
    ASSERT_TRUE(wait_log(*jm, "job " + job + " completed checkpoint", 2)) << "no checkpoint before kill " << kill;
    jm->signal(SIGKILL);
    ASSERT_TRUE(jm->wait_exit(deadline));
    previous = l->token;
    start("jobmanager", 2 + kill);  // a new standby, as an operator's supervisor would restart it
    auto next = wait_leader(previous);
    ASSERT_TRUE(next) << "no new leader after kill " << kill;
    EXPECT_GT(next->token.epoch, previous.epoch);
    auto* now_leading = leading_jm(next->token);
    ASSERT_NE(now_leading, nullptr);
    EXPECT_TRUE(wait_log(*now_leading, "job " + job + " restoring from checkpoint"))
        << "the new leader did not restore job " << job << " from a checkpoint";
  }
  EXPECT_EQ(wait_end(job), "FINISHED");
  auto out = committed_output();
  EXPECT_EQ(out.size(), static_cast<std::size_t>(n)) << "records lost or duplicated";
  std::set<long long> distinct(out.begin(), out.end());
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), n);
}

TEST_F(cluster_test, a_finished_job_is_not_run_again_and_its_ha_data_is_gone) {
  start("jobmanager", 0);
  start("jobmanager", 1);
  start("taskmanager", 0);
  auto l = wait_leader();
  ASSERT_TRUE(l);
  auto job = submit(1000, 0 /* no rate limit */);
  ASSERT_FALSE(job.empty());
  EXPECT_EQ(wait_end(job), "FINISHED");
  auto* jm = leading_jm(l->token);
  ASSERT_NE(jm, nullptr);
  ASSERT_TRUE(wait_log(*jm, "job " + job + ": HA data cleaned up"));
  auto cluster = dir_.path() / "ha" / "default";
  EXPECT_FALSE(fs::exists(cluster / "jobgraphs" / job));
  EXPECT_FALSE(fs::exists(cluster / "checkpoints" / job));
  EXPECT_FALSE(fs::exists(dir_.path() / "checkpoints" / job));
  // The clean result stays as <jobId>.json (delete-on-commit is false in this conf).
  EXPECT_TRUE(fs::exists(dir_.path() / "ha" / "job-result-store" / "default" / (job + ".json")));
  EXPECT_FALSE(fs::exists(dir_.path() / "ha" / "job-result-store" / "default" / (job + "_DIRTY.json")));
  // After a failover the new leader does not run it again, and still serves its result.
  jm->signal(SIGKILL);
  auto next = wait_leader(l->token);
  ASSERT_TRUE(next);
  auto* now_leading = leading_jm(next->token);
  ASSERT_NE(now_leading, nullptr);
  EXPECT_FALSE(now_leading->wait_for_line([&](auto& line) { return has(line, "recovered job graph of job " + job); }, 0ms));
  EXPECT_EQ(status(job), "FINISHED") << "the execution result is served from the JobResultStore";
  EXPECT_EQ(committed_output().size(), 1000u);
}

}  // namespace
}  // namespace regent
