// Real network partitions (issue 17 item 5). Every jobmanager, taskmanager and ZooKeeper server
// of a `zookeeper` HA cluster runs in a Linux network namespace of its own (harness::netns_lab:
// veth links into a bridge, everything made and removed by the test); faults are iptables DROP
// rules and a lossy, slow link, not kill or SIGSTOP. After each scenario the DESIGN §6
// invariants are checked: one jobmanager per epoch, no checkpoint completed twice, nothing
// written by a deposed leader, exactly-once output of the ledger job, no HA data left behind; and
// what fencing turned away is printed (the processes' "rejected" lines and the deposed leader's
// regent_*_rejected_total counters).
//
// Root is needed: without it (or without iproute2/iptables) the tests fail, they never skip.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdlib>
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "regent/harness/child_process.hpp"
#include "regent/harness/leader_watch.hpp"
#include "regent/harness/netns_lab.hpp"
#include "regent/harness/outside.hpp"
#include "regent/harness/zk_client.hpp"
#include "regent/harness/zk_quorum.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/rpc/rest_server.hpp"

namespace regent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
constexpr auto deadline = std::chrono::seconds(30);

bool has(const std::string& line, const std::string& what) { return line.find(what) != std::string::npos; }

/// A process of the cluster and the lab host it runs in.
struct member {
  std::string host;
  std::unique_ptr<harness::child_process> process;
};

class partition_test : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"partition"};
  std::unique_ptr<harness::netns_lab> lab_;  // declared first: removed after every process in it is gone
  std::unique_ptr<harness::zk_quorum> quorum_;
  std::vector<member> jms_, tms_;
  std::unique_ptr<harness::leader_watch> watch_;  // the leader as a client sees it
  std::string cluster_id_ = dir_.path().filename().string();
  fs::path out_ = dir_.path() / "out";
  fs::path ledger_ = dir_.path() / "ledger";
  fs::path hold_ = dir_.path() / "hold";
  const std::vector<std::string> zks_{"zk0", "zk1", "zk2"};

  void SetUp() override {
    try {
      lab_ = std::make_unique<harness::netns_lab>();
      harness::zk_quorum::options o;
      for (auto& zk : zks_) {
        o.addresses.push_back(lab_->add_host(zk));
        o.launch_prefixes.push_back(lab_->exec_prefix(zk));
      }
      for (auto h : {"jm0", "jm1", "jm2", "tm0", "tm1"}) lab_->add_host(h);
      quorum_ = std::make_unique<harness::zk_quorum>(dir_.path() / "zk", o);
    } catch (const std::exception& e) {
      FAIL() << "cannot build the partition lab (network namespaces need root): " << e.what();
    }
    ASSERT_TRUE(quorum_->start(deadline)) << quorum_->logs();
    std::ofstream(dir_.path() / "config.yaml")
        << "high-availability.type: zookeeper\n"
        << "high-availability.zookeeper.quorum: " << quorum_->connect_string() << "\n"
        << "high-availability.zookeeper.client.session-timeout: 2 s\n"
        << "high-availability.zookeeper.client.connection-timeout: 2 s\n"
        << harness::common_cluster_config(dir_.path(), cluster_id_);
    // The test finds the leader as a client does, from the root namespace over the lab's bridge.
    auto watch = harness::leader_watch::start(dir_.path());
    ASSERT_TRUE(watch.ok()) << watch.err().message;
    watch_ = std::move(watch).value();
  }

  void TearDown() override {
    watch_.reset();
    if (HasFailure()) {
      for (auto* group : {&jms_, &tms_})
        for (auto& m : *group)
          std::fprintf(stderr, "---- %s (%s) ----\n%s\n", m.process->log_file().c_str(), m.host.c_str(),
                       m.process->log_text().c_str());
      if (quorum_) std::fprintf(stderr, "%s\n", quorum_->logs().c_str());
      if (lab_)
        for (auto& f : lab_->history()) std::fprintf(stderr, "lab: %s\n", f.c_str());
    }
    // Every process goes before the namespaces they run in.
    jms_.clear();
    tms_.clear();
    quorum_.reset();
  }

  /// Appends `line` to config.yaml (before the processes that should read it start).
  void configure(const std::string& line) { std::ofstream(dir_.path() / "config.yaml", std::ios::app) << line << "\n"; }

  harness::child_process& start(const std::string& program, const std::string& host) {
    auto& group = program == "jobmanager" ? jms_ : tms_;
    auto argv = lab_->exec_prefix(host);
    for (auto a : {(harness::bin_dir() / program).string(), std::string("--config-dir"), dir_.path().string(),
                   std::string("--host"), lab_->address(host)})
      argv.push_back(a);
    // The ledger probe's switches (tests/integration/ledger_udf.c) reach the taskmanagers through
    // the environment, which `ip netns exec` passes on.
    ::setenv("REGENT_TEST_LEDGER", ledger_.c_str(), 1);
    ::setenv("REGENT_TEST_HOLD", hold_.c_str(), 1);
    group.push_back({host, std::make_unique<harness::child_process>(
                               argv, dir_.path() / (program + "-" + host + "-" + std::to_string(group.size()) + ".out"),
                               true)});
    ::unsetenv("REGENT_TEST_LEDGER");
    ::unsetenv("REGENT_TEST_HOLD");
    return *group.back().process;
  }

  /// Waits for a leader whose token differs from `not_this` (with an epoch above `above`).
  std::optional<ha::leader_info> wait_leader(const fencing_token& not_this = {}, epoch_t above = 0) {
    return watch_->wait_leader(deadline, not_this, above);
  }

  /// The jobmanager that logs "leader ready" for `token`.
  member* leading_jm(const fencing_token& token) {
    auto until = std::chrono::steady_clock::now() + deadline;
    auto ready = [&](const std::string& l) { return has(l, "leader ready " + token.to_string()); };
    while (std::chrono::steady_clock::now() < until)
      for (auto& jm : jms_)
        if (jm.process->running() && jm.process->wait_for_line(ready, 10ms)) return &jm;
    return nullptr;
  }

  /// Waits until `p` logs a line holding `what` at or after line `from`.
  static bool wait_log(harness::child_process& p, const std::string& what, std::size_t from = 0) {
    return p.wait_for_line([&](auto& l) { return has(l, what); }, deadline, from).has_value();
  }
  /// Waits until `p` has logged `what` `times` times.
  static bool wait_log_times(harness::child_process& p, const std::string& what, int times) {
    auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      int n = 0;
      for (auto& l : p.lines()) n += has(l, what);
      if (n >= times) return true;
      if (std::chrono::steady_clock::now() >= until) return false;
      p.wait_for_line([&](auto& l) { return has(l, what); }, 200ms, p.line_count());
    }
  }

  static result<rpc::http_response> http(const std::string& url, const rpc::http_request& request) {
    return harness::http_to(url, request, 5s);
  }
  static std::string rest_url_of(harness::child_process& jm) { return harness::rest_url_of(jm, deadline); }
  /// A request to the leader's REST endpoint, following the leader through failovers.
  rpc::http_response rest(const rpc::http_request& request, bool* uncertain = nullptr) {
    return watch_->rest(request, deadline, uncertain);
  }

  /// The job spec of a ledger job over 1..n (its id chosen here, so a retry cannot start it twice).
  std::string ledger_spec(const std::string& id, const std::string& library, long long n, int rate) {
    return "{\"name\":\"ledger\",\"job-id\":\"" + id + "\",\"parallelism\":4,\"source\":{\"type\":\"sequence\"," +
           "\"from\":1,\"to\":" + std::to_string(n) + ",\"rate-per-second\":" + std::to_string(rate) +
           "},\"operators\":[{\"type\":\"map\",\"function\":\"ledger_identity\",\"library\":\"" + library +
           "\"}],\"sink\":{\"type\":\"file\",\"path\":\"" + out_.string() + "\"}}";
  }
  std::string next_job_id() {
    static int count = 0;
    char id[33];
    std::snprintf(id, sizeof id, "%08x%024x", static_cast<unsigned>(::getpid()), ++count);
    return id;
  }
  /// Uploads the ledger library; its stored name.
  std::string upload_ledger() {
    std::ifstream lib(REGENT_LEDGER_UDF, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(lib)), std::istreambuf_iterator<char>());
    auto up = rest({"POST", "/jars/upload?name=libregent_test_ledger_udf.so", "application/x-java-archive", bytes});
    EXPECT_EQ(up.status, 200) << up.body;
    auto j = nlohmann::json::parse(up.body, nullptr, false);
    return j.is_discarded() ? "" : j.value("filename", "");
  }
  /// Submits a ledger job through the leader's REST endpoint; its id ("" on failure).
  std::string submit_ledger(long long n, int rate) {
    auto library = upload_ledger();
    if (library.empty()) return "";
    auto id = next_job_id();
    bool uncertain = false;
    auto r = rest({"POST", "/jobs", "application/json", ledger_spec(id, library, n, rate)}, &uncertain);
    if (r.status == 409 && uncertain) return id;  // an earlier try got through
    EXPECT_EQ(r.status, 202) << r.body;
    return r.status == 202 ? id : "";
  }

  void hold() { std::ofstream(hold_) << "held\n"; }
  void release() { fs::remove(hold_); }

  /// The job's state as the leader's REST endpoint reports it.
  std::string state_of(const std::string& job) {
    auto r = rest({"GET", "/jobs/" + job, "", ""});
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return r.status == 200 && !j.is_discarded() ? j.value("state", "?") : "HTTP " + std::to_string(r.status);
  }
  /// Waits until a live jobmanager logs that `job` ended; then its state.
  std::string wait_end(const std::string& job) {
    auto until = std::chrono::steady_clock::now() + deadline;
    auto ended = [&](const std::string& l) { return has(l, "job " + job + " (") && has(l, ") is "); };
    while (std::chrono::steady_clock::now() < until)
      for (auto& jm : jms_)
        if (jm.process->running() && jm.process->wait_for_line(ended, 20ms)) return state_of(job);
    return "no end logged; state " + state_of(job);
  }

  // ---- the DESIGN §6 invariants ----------------------------------------------------------------

  /// §6.4: the committed output holds 1..n, each once.
  ::testing::AssertionResult exactly_once(long long n) {
    auto records = harness::committed_records(out_);
    long long expect = 1;
    for (auto& [v, files] : records) {
      if (files.size() != 1) return ::testing::AssertionFailure() << v << " committed " << files.size() << " times";
      if (v != expect) return ::testing::AssertionFailure() << "found " << v << " where " << expect << " was due";
      ++expect;
    }
    if (expect - 1 != n) return ::testing::AssertionFailure() << (expect - 1) << " records committed, expected " << n;
    return ::testing::AssertionSuccess();
  }

  /// §6.7: every record passed the ledger probe once (no subtask was restarted or re-run).
  ::testing::AssertionResult nothing_reprocessed(long long n) {
    std::map<long long, int> seen;
    std::ifstream in(ledger_);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) ++seen[std::stoll(line)];
    for (auto& [v, count] : seen)
      if (count > 1) return ::testing::AssertionFailure() << v << " was processed " << count << " times";
    if (seen.size() != static_cast<std::size_t>(n))
      return ::testing::AssertionFailure() << seen.size() << " distinct records in the ledger, expected " << n;
    return ::testing::AssertionSuccess();
  }

  /// §6.1: no epoch was granted to two jobmanagers, and no checkpoint of `job` was completed by
  /// two of them (or twice).
  ::testing::AssertionResult one_leader_per_epoch(const std::string& job) {
    std::map<std::string, std::set<std::string>> granted;
    std::map<std::string, int> completed;
    for (auto& jm : jms_)
      for (auto& l : jm.process->lines()) {
        if (auto at = l.find("granted leadership epoch="); at != std::string::npos) {
          auto epoch = l.substr(at + 25, l.find(' ', at + 25) - at - 25);
          granted[epoch].insert(jm.host);
        }
        if (auto at = l.find("job " + job + " completed checkpoint "); at != std::string::npos)
          ++completed[l.substr(at, l.find(' ', at + job.size() + 26) - at)];
      }
    for (auto& [epoch, who] : granted)
      if (who.size() > 1) return ::testing::AssertionFailure() << "epoch " << epoch << " granted to several jobmanagers";
    for (auto& [what, times] : completed)
      if (times > 1) return ::testing::AssertionFailure() << what << " completed " << times << " times";
    if (completed.empty()) return ::testing::AssertionFailure() << "no checkpoint of " << job << " completed";
    return ::testing::AssertionSuccess();
  }

  /// §6.5: once the job ended and a leader cleaned it up, nothing of it is left in the HA
  /// storage, the checkpoint folder or ZooKeeper.
  std::vector<std::string> ha_leftovers(const std::string& job) {
    bool cleaned = false;
    auto until = std::chrono::steady_clock::now() + deadline;
    while (!cleaned && std::chrono::steady_clock::now() < until)
      for (auto& jm : jms_)
        cleaned = cleaned || (jm.process->running() &&
                              jm.process->wait_for_line([&](auto& l) { return has(l, "job " + job + ": HA data cleaned up"); }, 20ms));
    if (!cleaned) return {"(no jobmanager logged the cleanup of " + job + ")"};
    std::vector<std::string> left;
    auto cluster = dir_.path() / "ha" / cluster_id_;
    for (auto sub : {"jobgraphs", "checkpoints", "blob"})
      if (fs::exists(cluster / sub))
        for (auto& e : fs::directory_iterator(cluster / sub))
          if (has(e.path().filename().string(), job)) left.push_back(e.path().string());
    if (fs::exists(dir_.path() / "checkpoints" / job)) left.push_back((dir_.path() / "checkpoints" / job).string());
    harness::zk_client zk(quorum_->connect_string());
    if (!zk.wait_connected(deadline)) return {"(ZooKeeper did not answer)"};
    for (auto path : {"/flink/" + cluster_id_ + "/jobgraphs/" + job, "/flink/" + cluster_id_ + "/jobs/" + job,
                      "/flink/" + cluster_id_ + "/blobs/" + job})
      if (zk.exists(path)) left.push_back("znode " + path);
    return left;
  }

  /// Counts and prints what fencing turned away: every process's "rejected …" / "refusing
  /// leader …" / "write fenced off" line.
  int fencing_rejections(const std::string& scenario) {
    int n = 0;
    for (auto* group : {&jms_, &tms_})
      for (auto& m : *group)
        for (auto& l : m.process->lines())
          if (has(l, "rejected ") || has(l, "refusing leader") || has(l, "write fenced off")) {
            if (n < 20) std::cout << "[fencing] " << scenario << " " << m.host << ": " << l << "\n";
            ++n;
          }
    std::cout << "[fencing] " << scenario << ": " << n << " rejection(s) logged\n";
    return n;
  }

  /// The value of `metric` in jobmanager `jm`'s own /metrics, or -1.
  static double metric_of(harness::child_process& jm, const std::string& metric) {
    auto r = http(rest_url_of(jm), {"GET", "/metrics", "", ""});
    if (!r || r->status != 200) return -1;
    auto at = r->body.find("\n" + metric + " ");
    return at == std::string::npos ? -1 : std::stod(r->body.substr(at + metric.size() + 2));
  }

  /// The checks every scenario ends with, once `job` over 1..n has been released.
  void job_ends_exactly_once(const std::string& job, long long n) {
    EXPECT_EQ(wait_end(job), "FINISHED");
    EXPECT_TRUE(exactly_once(n));
    EXPECT_TRUE(one_leader_per_epoch(job));
    EXPECT_EQ(ha_leftovers(job), std::vector<std::string>{});
  }

  /// How many times the taskmanagers deployed a subtask of `job`.
  int deployments_of(const std::string& job) {
    int count = 0;
    for (auto& tm : tms_)
      for (auto& l : tm.process->lines()) count += has(l, "deployed job " + job + " ");
    return count;
  }

  /// What every scenario starts from: two jobmanagers, both taskmanagers registered with the
  /// leader, and a ledger job over 1..n held back (so that it cannot end while the scenario runs)
  /// with two checkpoints completed: the first leader, the jobmanager it runs in and the job.
  ha::leader_info first_;
  member* jm_ = nullptr;
  std::string job_;
  ::testing::AssertionResult start_held_job(long long n) {
    start("jobmanager", "jm0");
    start("jobmanager", "jm1");
    start("taskmanager", "tm0");
    start("taskmanager", "tm1");
    auto l = wait_leader();
    if (!l) return ::testing::AssertionFailure() << "no leader";
    first_ = *l;
    jm_ = leading_jm(l->token);
    if (!jm_ || !wait_log_times(*jm_->process, "registered taskmanager", 2))
      return ::testing::AssertionFailure() << "the taskmanagers did not register with the leader";
    hold();
    job_ = submit_ledger(n, 10000);
    if (job_.empty()) return ::testing::AssertionFailure() << "the job was not accepted";
    if (!wait_log_times(*jm_->process, "job " + job_ + " completed checkpoint", 2))
      return ::testing::AssertionFailure() << "no checkpoint of the job";
    return ::testing::AssertionSuccess();
  }
};

// The leader loses the quorum but still reaches both taskmanagers (and they reach it). With
// tolerate-suspended-connections it does not step down on its own while the connection is gone,
// so it keeps acting: the standby, which still has the quorum, is granted a higher epoch and
// adopts the job; the taskmanagers follow it and turn the deposed leader's commands away. When
// the partition heals the old leader learns its session expired and revokes. It never completes a
// checkpoint after the cut, and the job ends exactly once with nothing reprocessed.
TEST_F(partition_test, a_leader_cut_off_from_the_quorum_is_deposed_and_fenced_while_it_reaches_the_taskmanagers) {
  configure("high-availability.zookeeper.client.tolerate-suspended-connections: true");
  const long long n = 20000;
  ASSERT_TRUE(start_held_job(n));
  lab_->cut(jm_->host, zks_);
  auto mark = jm_->process->line_count();  // from here on it cannot reach ZooKeeper
  auto next = wait_leader(first_.token, first_.token.epoch);
  ASSERT_TRUE(next) << "no jobmanager took over from the one cut off from the quorum";
  auto* now = leading_jm(next->token);
  ASSERT_NE(now, nullptr);
  ASSERT_NE(now, jm_) << "the cut-off jobmanager was granted again";
  EXPECT_TRUE(wait_log(*now->process, "job " + job_ + " adopted"));
  EXPECT_TRUE(wait_log_times(*now->process, "job " + job_ + " completed checkpoint", 2));
  // The deposed leader still triggers checkpoints on the taskmanagers, which now follow the
  // new epoch: each command is turned away.
  bool refused = false;
  for (auto& tm : tms_)
    refused = refused || tm.process->wait_for_line([&](auto& l) { return has(l, "rejected tm."); }, deadline).has_value();
  EXPECT_TRUE(refused) << "no taskmanager turned a command of the deposed leader away";

  lab_->heal(jm_->host);
  EXPECT_TRUE(wait_log(*jm_->process, "revoked leadership " + first_.token.to_string(), mark))
      << "the old leader never noticed it was deposed";
  // Nothing it did after the cut reached the HA data: no checkpoint completed, no cleanup; and
  // every checkpoint it ever completed comes before the first of its successor.
  auto lines = jm_->process->lines();
  for (std::size_t i = mark; i < lines.size() && !has(lines[i], "granted leadership"); ++i) {
    EXPECT_FALSE(has(lines[i], "completed checkpoint")) << "the deposed leader wrote: " << lines[i];
    EXPECT_FALSE(has(lines[i], "HA data cleaned up")) << "the deposed leader wrote: " << lines[i];
  }
  auto ids = [&](harness::child_process& p) {
    std::set<long long> out;
    const std::string tag = "job " + job_ + " completed checkpoint ";
    for (auto& l : p.lines())
      if (auto at = l.find(tag); at != std::string::npos) out.insert(std::stoll(l.substr(at + tag.size())));
    return out;
  };
  auto before = ids(*jm_->process), after = ids(*now->process);
  ASSERT_FALSE(before.empty());
  ASSERT_FALSE(after.empty());
  EXPECT_LT(*before.rbegin(), *after.begin()) << "the deposed leader completed a checkpoint its successor had not seen";
  std::cout << "[fencing] deposed leader " << jm_->host << ": regent_ha_fenced_writes_rejected_total "
            << metric_of(*jm_->process, "regent_ha_fenced_writes_rejected_total")
            << ", regent_fenced_requests_rejected_total "
            << metric_of(*jm_->process, "regent_fenced_requests_rejected_total") << "\n";
  EXPECT_GT(fencing_rejections("leader cut from the quorum"), 0);

  release();
  job_ends_exactly_once(job_, n);
  EXPECT_TRUE(nothing_reprocessed(n));
  EXPECT_EQ(deployments_of(job_), 4) << "every subtask kept its one attempt";
}

// A taskmanager loses the leader (it still reaches ZooKeeper and the other jobmanager): the
// leader misses its heartbeats, removes it and restarts the job from its latest checkpoint on
// the other taskmanager. When the link heals the taskmanager registers again; its old subtasks
// never commit anything, so no record is committed twice.
TEST_F(partition_test, a_taskmanager_cut_off_from_the_leader_is_replaced_and_nothing_is_committed_twice) {
  const long long n = 20000;
  ASSERT_TRUE(start_held_job(n));
  // Slots are spread over both taskmanagers: cut the one that runs a subtask.
  auto& tm = *tms_[0].process;
  ASSERT_TRUE(wait_log(tm, "deployed job " + job_ + " ")) << "tm0 runs no subtask";
  auto mark = jm_->process->line_count();
  lab_->cut(tms_[0].host, jm_->host);
  ASSERT_TRUE(wait_log(*jm_->process, "missed its heartbeats", mark)) << "the leader never noticed the lost taskmanager";
  EXPECT_TRUE(wait_log(*jm_->process, "job " + job_ + " restoring from checkpoint", mark));
  EXPECT_TRUE(wait_log(*jm_->process, "job " + job_ + " completed checkpoint", jm_->process->line_count()))
      << "no checkpoint after the replacement";
  auto registered = jm_->process->line_count();
  auto tm_mark = tm.line_count();
  lab_->heal(tms_[0].host);
  EXPECT_TRUE(wait_log(*jm_->process, "registered taskmanager", registered))
      << "the taskmanager did not register again after the heal";
  // It reports the subtasks it still runs; they belong to the replaced attempt and are cancelled.
  EXPECT_TRUE(tm.wait_for_line([&](auto& l) { return has(l, "cancelling ") && has(l, " subtasks of job " + job_ + " attempt"); },
                               deadline, tm_mark))
      << "the cut taskmanager's old subtasks were not cancelled after the heal";
  release();
  job_ends_exactly_once(job_, n);
  EXPECT_GT(deployments_of(job_), 4) << "the lost subtasks were replaced";
  fencing_rejections("taskmanager cut from the leader");
}

// The ZooKeeper server that leads the ensemble is cut off from everyone. The other two elect a
// leader and serve; the jobmanagers' sessions move over (a leader whose connection broke steps
// down and a leader is granted again, adopting the running subtasks), checkpoints keep
// completing, and the isolated server catches up once it is back.
TEST_F(partition_test, an_isolated_minority_zookeeper_server_stops_no_job) {
  const long long n = 20000;
  ASSERT_TRUE(start_held_job(n));
  int zk_leader = quorum_->leader();
  ASSERT_GE(zk_leader, 0);
  lab_->isolate(zks_[zk_leader]);
  // Two further checkpoints completed after the isolation: HA writes go on with the majority.
  std::map<std::string, std::size_t> marks;
  for (auto& m : jms_) marks[m.host] = m.process->line_count();
  bool checkpoints = false;
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!checkpoints && std::chrono::steady_clock::now() < until)
    for (auto& m : jms_) {
      int count = 0;
      auto lines = m.process->lines();
      for (auto i = marks[m.host]; i < lines.size(); ++i) count += has(lines[i], "job " + job_ + " completed checkpoint");
      checkpoints = checkpoints || count >= 2;
      if (!checkpoints) m.process->wait_for_line([](auto&) { return true; }, 20ms, lines.size());
    }
  EXPECT_TRUE(checkpoints) << "no checkpoint completed with a minority server isolated";
  lab_->heal(zks_[zk_leader]);
  until = std::chrono::steady_clock::now() + deadline;
  while (!quorum_->serving_and_caught_up(zk_leader) && std::chrono::steady_clock::now() < until)
    quorum_->wait_serving({zk_leader}, 100ms);
  EXPECT_TRUE(quorum_->serving_and_caught_up(zk_leader)) << "the isolated server did not rejoin";
  release();
  job_ends_exactly_once(job_, n);
  EXPECT_TRUE(nothing_reprocessed(n));
  fencing_rejections("minority ZooKeeper server isolated");
}

// Two of the three ZooKeeper servers are cut off from everyone: no quorum. The leader steps
// down, no jobmanager leads, and a submission is refused by every jobmanager (nothing can be
// written). When the servers are back a leader is granted with a higher epoch, the job runs to
// its end exactly once, and the refused submission never existed.
TEST_F(partition_test, an_isolated_majority_of_zookeeper_leaves_no_leader_and_no_write_until_healed) {
  const long long n = 20000;
  ASSERT_TRUE(start_held_job(n));
  auto library = upload_ledger();
  ASSERT_FALSE(library.empty());
  std::map<std::string, std::size_t> marks;
  for (auto& m : jms_) marks[m.host] = m.process->line_count();
  lab_->isolate("zk0");
  lab_->isolate("zk1");
  ASSERT_TRUE(wait_log(*jm_->process, "revoked leadership " + first_.token.to_string(), marks[jm_->host]))
      << "the leader did not step down without a quorum";
  // No leader: every jobmanager refuses a submission (the leader's own endpoint no longer leads,
  // the standby has nobody to forward to).
  auto refused = next_job_id();
  for (auto& m : jms_) {
    auto r = http(rest_url_of(*m.process), {"POST", "/jobs", "application/json", ledger_spec(refused, library, 10, 100)});
    ASSERT_TRUE(r.ok()) << m.host << ": " << r.err().message;
    EXPECT_EQ(r->status, 503) << m.host << " answered " << r->body;
  }
  for (auto& m : jms_) {
    auto lines = m.process->lines();
    for (auto i = marks[m.host]; i < lines.size(); ++i)
      EXPECT_FALSE(has(lines[i], "granted leadership")) << m.host << " led without a quorum: " << lines[i];
  }
  lab_->heal("zk0");
  lab_->heal("zk1");
  auto next = wait_leader(first_.token, first_.token.epoch);
  ASSERT_TRUE(next) << "no leader after the quorum came back";
  EXPECT_NE(state_of(refused), "RUNNING");
  EXPECT_EQ(state_of(refused).rfind("HTTP 404", 0), 0u) << "the refused submission exists";
  release();
  job_ends_exactly_once(job_, n);
  harness::zk_client zk(quorum_->connect_string());
  ASSERT_TRUE(zk.wait_connected(deadline));
  EXPECT_FALSE(zk.exists("/flink/" + cluster_id_ + "/jobgraphs/" + refused));
  fencing_rejections("majority of ZooKeeper isolated");
}

// Both jobmanagers' links lose packets and are slowed down while the job runs; the leader is
// then killed and the standby takes over through the same bad links. The job is adopted with
// every subtask kept, and ends exactly once.
TEST_F(partition_test, packet_loss_and_delay_on_the_leaders_links_through_a_failover) {
  const long long n = 20000;
  ASSERT_TRUE(start_held_job(n));
  for (auto& m : jms_) lab_->degrade(m.host, 5, 40);
  std::cout << "[lab] delay by " << lab_->delay_method() << "\n";
  EXPECT_TRUE(wait_log_times(*jm_->process, "job " + job_ + " completed checkpoint", 4)) << "no checkpoint over the bad link";
  jm_->process->signal(SIGKILL);
  ASSERT_TRUE(jm_->process->wait_exit(deadline));
  auto next = wait_leader(first_.token, first_.token.epoch);
  ASSERT_TRUE(next) << "no standby took over over the bad links";
  auto* now = leading_jm(next->token);
  ASSERT_NE(now, nullptr);
  EXPECT_TRUE(wait_log(*now->process, "job " + job_ + " adopted"));
  EXPECT_TRUE(wait_log_times(*now->process, "job " + job_ + " completed checkpoint", 2));
  for (auto& m : jms_) lab_->restore(m.host);
  release();
  job_ends_exactly_once(job_, n);
  EXPECT_TRUE(nothing_reprocessed(n));
  EXPECT_EQ(deployments_of(job_), 4) << "every subtask kept its one attempt";
  fencing_rejections("loss and delay through a failover");
}

// The lab itself: hosts reach each other and the test process, a cut separates exactly the two
// hosts it names, heal restores them, and nothing is left behind.
TEST(netns_lab_test, cuts_separate_exactly_two_hosts_and_nothing_is_left_behind) {
  {
    harness::netns_lab lab;
    lab.add_host("a");
    lab.add_host("b");
    lab.add_host("c");
    harness::temp_dir dir("netns-lab");
    // A listener in every host (netcat, accepting connections one after another).
    std::vector<std::unique_ptr<harness::child_process>> listeners;
    for (auto h : {"a", "b", "c"}) {
      auto argv = lab.exec_prefix(h);
      for (auto a : {"/bin/sh", "-c", "while :; do nc -l -s \"$0\" -p 7000 </dev/null >/dev/null; done"})
        argv.push_back(a);
      argv.push_back(lab.address(h));
      listeners.push_back(std::make_unique<harness::child_process>(argv, dir.path() / (std::string(h) + ".log")));
    }
    // From host `from` to `to`'s listener: true when a connection is made within 1 s.
    auto reaches = [&](const std::string& from, const std::string& to) {
      auto argv = lab.exec_prefix(from);
      for (auto a : {"/bin/nc", "-z", "-w", "1", lab.address(to).c_str(), "7000"}) argv.push_back(a);
      harness::child_process nc(argv, dir.path() / "nc.log");
      return nc.wait_exit(5s) == 0;
    };
    auto eventually = [&](const std::string& from, const std::string& to) {
      // The listener may not listen yet: a refused connection is tried again.
      for (int i = 0; i < 50; ++i)
        if (reaches(from, to)) return true;
      return false;
    };
    EXPECT_TRUE(eventually("a", "b"));
    EXPECT_TRUE(eventually("b", "c"));
    EXPECT_TRUE(eventually("c", "a"));
    EXPECT_TRUE(eventually("test", "a")) << "the test process reaches the hosts";
    lab.cut("a", "b");
    EXPECT_FALSE(reaches("a", "b"));
    EXPECT_FALSE(reaches("b", "a"));
    EXPECT_TRUE(reaches("a", "c"));
    EXPECT_TRUE(reaches("c", "b"));
    lab.heal("a");
    EXPECT_TRUE(reaches("a", "b"));
    lab.isolate("c");
    EXPECT_FALSE(reaches("a", "c"));
    EXPECT_FALSE(reaches("test", "c"));
    lab.heal_all();
    EXPECT_TRUE(reaches("b", "c"));
  }
  std::array<char, 256> buf{};
  std::string left;
  FILE* p = ::popen("ip netns list; ip -o link show", "r");
  while (p && std::fgets(buf.data(), buf.size(), p)) left += buf.data();
  if (p) ::pclose(p);
  EXPECT_EQ(left.find("rgp" + std::to_string(::getpid())), std::string::npos) << left;
}

// What a run killed by its TIMEOUT leaves behind is swept by the next lab, and by this test, which
// ctest runs after the partition tests (FIXTURES_CLEANUP).
TEST(netns_lab_sweep, removes_what_runs_of_dead_processes_left_behind) {
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  std::string leftover = "rgp" + std::to_string(dead) + "-x";
  ASSERT_EQ(std::system(("ip netns add " + leftover).c_str()), 0);
  EXPECT_GE(harness::netns_lab::sweep_leftovers(), 1);
  EXPECT_NE(std::system(("ip netns list | grep -q '^" + leftover + "\\b'").c_str()), 0) << leftover << " was not swept";
}

}  // namespace
}  // namespace regent
