// A real cluster on one host: jobmanagers and taskmanagers with the embedded `filesystem` HA,
// with `zookeeper` HA against a real 3-node quorum and with `kubernetes` HA against the
// Kubernetes API-server test double (every scenario runs on all three). Jobs are
// submitted through REST `POST /jobs` with a DESIGN §5 job spec, run on the taskmanagers, take
// checkpoints, and survive `kill -9` of the leader with exactly-once output.

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <csignal>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "regent/harness/child_process.hpp"
#include "regent/harness/kube_double.hpp"
#include "regent/harness/leader_watch.hpp"
#include "regent/harness/outside.hpp"
#include "regent/harness/zk_client.hpp"
#include "regent/harness/zk_quorum.hpp"
#include "regent/rpc/client.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/rpc/rest_server.hpp"
#include "regent/task/file_sink.hpp"

namespace regent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
constexpr auto deadline = std::chrono::seconds(60);

bool has(const std::string& line, const std::string& what) { return line.find(what) != std::string::npos; }

class cluster_test : public ::testing::TestWithParam<std::string> {
 protected:
  harness::temp_dir dir_{"cluster"};
  std::unique_ptr<harness::zk_quorum> quorum_;
  std::unique_ptr<harness::kube_double> kube_;
  // A Kubernetes object name must be lower-case; the temp folder's name is not.
  std::string cluster_id_ = GetParam() == "kubernetes" ? "regent-cluster" : dir_.path().filename().string();
  bool zookeeper() const { return GetParam() == "zookeeper"; }
  bool kubernetes() const { return GetParam() == "kubernetes"; }
  /// Backends whose leader can be deposed while it is paused (a session or lease runs out).
  bool deposes_a_paused_leader() const { return zookeeper() || kubernetes(); }
  fs::path out_ = dir_.path() / "out";
  std::vector<std::unique_ptr<harness::child_process>> jms_, tms_;
  /// The leader as a client sees it, from the same conf.
  std::unique_ptr<harness::leader_watch> watch_;

  void SetUp() override {
    std::ofstream conf(dir_.path() / "config.yaml");
    if (zookeeper()) {
      quorum_ = std::make_unique<harness::zk_quorum>(dir_.path() / "zk");
      ASSERT_TRUE(quorum_->start(deadline)) << quorum_->logs();
      conf << "high-availability.type: zookeeper\n"
           << "high-availability.zookeeper.quorum: " << quorum_->connect_string() << "\n"
           << "high-availability.zookeeper.client.session-timeout: 2 s\n"
           << "high-availability.zookeeper.client.connection-timeout: 2 s\n";
    } else if (kubernetes()) {
      kube_ = std::make_unique<harness::kube_double>(dir_.path() / "kube");
      conf << "high-availability.type: kubernetes\n"
           << "kubernetes.config.file: " << kube_->kubeconfig().string()
           << "\n"
           // Longer than ZooKeeper's 2 s session: the double is a Python process, and on a loaded
           // machine (load average 20 on 2 cores) its answers took long enough for a leader to
           // miss a 1.5 s renew deadline — correct, but then the scenario's leader is not the one
           // it waits on.
           << "high-availability.kubernetes.leader-election.lease-duration: 4 s\n"
           << "high-availability.kubernetes.leader-election.renew-deadline: 3 s\n"
           << "high-availability.kubernetes.leader-election.retry-period: 100 ms\n";
    } else {
      conf << "high-availability.type: filesystem\n";
    }
    conf << harness::common_cluster_config(dir_.path(), cluster_id_)
         << "env.log.dir: " << (dir_.path() / "log").string() << "\n";
    conf.close();
    // The test finds the leader the way a client does: leader retrieval from the same conf.
    auto watch = harness::leader_watch::start(dir_.path());
    ASSERT_TRUE(watch.ok()) << watch.err().message;
    watch_ = std::move(watch).value();
  }

  void TearDown() override {
    watch_.reset();
    if (HasFailure()) {
      for (auto* group : {&jms_, &tms_})
        for (auto& p : *group) std::fprintf(stderr, "---- %s ----\n%s\n", p->log_file().c_str(), p->log_text().c_str());
    }
  }

  harness::child_process& start(const std::string& program, int n, std::vector<std::string> extra = {}) {
    auto& group = program == "jobmanager" ? jms_ : tms_;
    std::vector<std::string> argv{(harness::bin_dir() / program).string(), "--config-dir", dir_.path().string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    group.push_back(std::make_unique<harness::child_process>(
        std::move(argv), dir_.path() / (program + std::to_string(n) + "-" + std::to_string(group.size()) + ".out"),
        true));
    return *group.back();
  }

  /// Waits for a leader whose token differs from `not_this` and returns its info.
  std::optional<ha::leader_info> wait_leader(const fencing_token& not_this = {}) {
    return watch_->wait_leader(deadline, not_this);
  }

  /// Waits for a leader with an epoch above `epoch` and returns its info.
  std::optional<ha::leader_info> wait_leader_above(epoch_t epoch) { return watch_->wait_leader(deadline, {}, epoch); }

  /// Sends a request to the current leader, following it through failovers until `until`.
  result<rpc::envelope> ask(const char* method, const std::string& payload) {
    auto until = std::chrono::steady_clock::now() + deadline;
    error last{std::make_error_code(std::errc::timed_out), "no leader"};
    while (std::chrono::steady_clock::now() < until) {
      auto l = wait_leader();
      if (!l) break;
      auto colon = l->rpc_address.rfind(':');
      rpc::client c(
          {l->rpc_address.substr(0, colon), static_cast<std::uint16_t>(std::stoi(l->rpc_address.substr(colon + 1)))});
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

  /// Every number in the committed part files of `dir`, with multiplicity.
  std::multiset<long long> committed_output(const fs::path& dir) {
    std::multiset<long long> out;
    for (auto& [v, files] : harness::committed_records(dir))
      for (std::size_t i = 0; i < files.size(); ++i) out.insert(v);
    return out;
  }
  std::multiset<long long> committed_output() { return committed_output(out_); }

  /// One HTTP request to a REST endpoint given as http://host:port.
  static result<rpc::http_response> http(const std::string& url, const rpc::http_request& request) {
    return harness::http_to(url, request, 10s);
  }

  /// The REST URL a jobmanager logged at start-up.
  std::string rest_url_of(harness::child_process& jm) { return harness::rest_url_of(jm, deadline); }

  /// Sends a request to the leader's REST endpoint as a client does, through failovers.
  rpc::http_response rest(const rpc::http_request& request, bool* uncertain = nullptr) {
    return watch_->rest(request, deadline, uncertain);
  }

  /// Submits a job spec with REST `POST /jobs` (uploading the artifacts first with
  /// `POST /jars/upload`, the spec then naming the stored file); returns the job id. The spec
  /// carries its own id, so a retry through a failover cannot start the job twice.
  std::string submit(long long to, int rate, const std::string& function = "identity", const std::string& library = "",
                     std::vector<std::pair<std::string, std::string>> artifacts = {}, int parallelism = 4) {
    static int count = 0;
    char id[33];
    std::snprintf(id, sizeof id, "%08x%024x", static_cast<unsigned>(::getpid()), ++count);
    std::string stored = library;
    for (auto& [name, bytes] : artifacts) {
      auto up = rest({"POST", "/jars/upload?name=" + name, "application/x-java-archive", bytes});
      EXPECT_EQ(up.status, 200) << up.body;
      auto j = nlohmann::json::parse(up.body, nullptr, false);
      if (up.status != 200 || j.is_discarded()) return "";
      if (name == library) stored = j["filename"].get<std::string>();
    }
    std::string rate_field = rate > 0 ? ",\"rate-per-second\":" + std::to_string(rate) : "";
    std::string library_field = stored.empty() ? "" : ",\"library\":\"" + stored + "\"";
    std::string spec = "{\"name\":\"count\",\"job-id\":\"" + std::string(id) +
                       "\",\"parallelism\":" + std::to_string(parallelism) +
                       ",\"source\":{\"type\":\"sequence\",\"from\":1,\"to\":" + std::to_string(to) + rate_field +
                       "},\"operators\":[{\"type\":\"map\",\"function\":\"" + function + "\"" + library_field +
                       "}],\"sink\":{\"type\":\"file\",\"path\":\"" + out_.string() + "\"}}";
    bool uncertain = false;
    auto r = rest({"POST", "/jobs", "application/json", spec}, &uncertain);
    if (r.status == 409 && uncertain) return id;  // an earlier try got through
    EXPECT_EQ(r.status, 202) << r.body;
    if (r.status != 202) return "";
    EXPECT_EQ(nlohmann::json::parse(r.body, nullptr, false).value("jobUrl", ""), "/jobs/" + std::string(id));
    return id;
  }

  /// True when the committed output holds exactly f(1..n), each once.
  ::testing::AssertionResult exactly_once(long long n, long long factor = 1) {
    return exactly_once_in(out_, n, factor);
  }
  ::testing::AssertionResult exactly_once_in(const fs::path& dir, long long n, long long factor = 1) {
    auto out = committed_output(dir);
    if (out.size() != static_cast<std::size_t>(n))
      return ::testing::AssertionFailure() << out.size() << " records committed, expected " << n;
    long long expect = factor;
    for (auto v : out) {
      if (v != expect) return ::testing::AssertionFailure() << "found " << v << " where " << expect << " was due";
      expect += factor;
    }
    return ::testing::AssertionSuccess();
  }

  /// Files, znodes (ZooKeeper) and ConfigMap keys (Kubernetes) of `job` that are still in the HA storage.
  std::vector<std::string> ha_leftovers(const std::string& job) {
    std::vector<std::string> left;
    auto cluster = dir_.path() / "ha" / cluster_id_;
    for (auto sub : {"jobgraphs", "checkpoints", "blob"}) {
      if (!fs::exists(cluster / sub)) continue;
      for (auto& e : fs::directory_iterator(cluster / sub)) {
        auto name = e.path().filename().string();
        if (name.find(job) != std::string::npos) left.push_back(e.path().string());
      }
    }
    if (fs::exists(dir_.path() / "checkpoints" / job)) left.push_back((dir_.path() / "checkpoints" / job).string());
    if (zookeeper()) {
      harness::zk_client zk(quorum_->connect_string());
      if (zk.wait_connected(deadline))
        for (auto path : {"/flink/" + cluster_id_ + "/jobgraphs/" + job, "/flink/" + cluster_id_ + "/jobs/" + job,
                          "/flink/" + cluster_id_ + "/blobs/" + job})
          if (zk.exists(path)) left.push_back("znode " + path);
    }
    if (kubernetes()) {
      auto objects = nlohmann::json::parse(kube_->objects(), nullptr, false);
      if (objects.is_discarded()) {
        left.push_back("(the API-server double did not answer)");
      } else {
        for (const auto& o : objects["items"])
          if (o.contains("data") && o["data"].is_object())
            for (const auto& [key, value] : o["data"].items())
              if (key.find(job) != std::string::npos)
                left.push_back("ConfigMap " + o["metadata"].value("name", "") + " key " + key);
      }
    }
    return left;
  }

  /// ConfigMaps labelled as this cluster's HA data (`app=<cluster-id>`,
  /// `configmap-type=high-availability`) other than the one that lives as long as the cluster:
  /// `<cluster-id>-leader-info` (the leader's address and the fence every takeover raises first;
  /// the checkpoint-id counters are per job, in the job's shard). Listed through the double.
  std::vector<std::string> kube_job_configmaps() {
    std::vector<std::string> left;
    auto objects = nlohmann::json::parse(kube_->objects(), nullptr, false);
    if (objects.is_discarded() || !objects.contains("items")) return {"(the API-server double did not answer)"};
    for (const auto& o : objects["items"]) {
      const auto& meta = o.value("metadata", nlohmann::json::object());
      auto labels = meta.value("labels", nlohmann::json::object());
      if (o.value("kind", "") != "ConfigMap" || labels.value("app", "") != cluster_id_ ||
          labels.value("configmap-type", "") != "high-availability")
        continue;
      auto name = meta.value("name", "");
      if (name != cluster_id_ + "-leader-info") left.push_back("ConfigMap " + name);
    }
    return left;
  }

  fs::path jrs_dir() { return dir_.path() / "ha" / "job-result-store" / cluster_id_; }

  /// Waits until the given jobmanager has logged `what` at least `times` times.
  bool wait_log(harness::child_process& p, const std::string& what, int times = 1) {
    std::size_t from = 0;
    for (int i = 0; i < times; ++i) {
      auto found = p.wait_for_line([&](auto& l) { return has(l, what); }, deadline, from);
      if (!found) return false;
      auto lines = p.lines();
      for (std::size_t k = from; k < lines.size(); ++k)
        if (has(lines[k], what)) {
          from = k + 1;
          break;
        }
    }
    return true;
  }

  /// Appends `line` to the cluster's config.yaml (before the processes that should read it start).
  void configure(const std::string& line) {
    std::ofstream conf(dir_.path() / "config.yaml", std::ios::app);
    conf << line << "\n";
  }
  /// Today's failover without task preservation: a new leader restarts every job from its
  /// latest checkpoint.
  void restart_mode() { configure("jobmanager.failover.task-preserving: false"); }

  /// Starts `program` with `name=value` in its environment.
  harness::child_process& start_with_env(const std::string& program, int n,
                                         const std::vector<std::pair<const char*, std::string>>& env) {
    for (const auto& [name, value] : env) ::setenv(name, value.c_str(), 1);
    auto& p = start(program, n);
    for (const auto& [name, value] : env) ::unsetenv(name);
    return p;
  }
  harness::child_process& start_with_env(const std::string& program, int n, const char* name,
                                         const std::string& value) {
    return start_with_env(program, n, {{name, value}});
  }

  /// The ledger of the probe library (tests/integration/ledger_udf.c): every record the
  /// operators processed, including output never committed or rolled back.
  fs::path ledger_ = dir_.path() / "ledger";
  harness::child_process& start_taskmanager_with_ledger(int n) {
    return start_with_env("taskmanager", n,
                          {{"REGENT_TEST_LEDGER", ledger_.string()}, {"REGENT_TEST_HOLD", hold_.string()}});
  }
  /// While held, every record of a ledger job takes 10 ms (the probe library sleeps while the
  /// hold file exists): the job cannot run out of input while the test still fails over, on a
  /// machine however loaded. release() lets it run to its end at its rate.
  fs::path hold_ = dir_.path() / "hold";
  void hold() { std::ofstream(hold_) << "held\n"; }
  void release() { fs::remove(hold_); }
  /// Submits a job whose records all pass the ledger probe.
  std::string submit_with_ledger(long long to, int rate, int parallelism = 4) {
    std::ifstream lib(REGENT_LEDGER_UDF, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(lib)), std::istreambuf_iterator<char>());
    EXPECT_FALSE(bytes.empty());
    return submit(to, rate, "ledger_identity", "libregent_test_ledger_udf.so",
                  {{"libregent_test_ledger_udf.so", bytes}}, parallelism);
  }
  /// Success when 1..n each passed the ledger probe exactly once: nothing was produced twice.
  ::testing::AssertionResult nothing_reprocessed(long long n) {
    std::map<long long, int> seen;
    std::ifstream in(ledger_);
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) ++seen[std::stoll(line)];
    std::vector<long long> twice;
    for (auto& [v, count] : seen)
      if (count > 1 && twice.size() < 5) twice.push_back(v);
    if (!twice.empty()) {
      std::string list;
      for (auto v : twice) list += " " + std::to_string(v);
      return ::testing::AssertionFailure() << "records produced more than once, e.g." << list;
    }
    if (seen.size() != static_cast<std::size_t>(n))
      return ::testing::AssertionFailure() << seen.size() << " distinct records in the ledger, expected " << n;
    return ::testing::AssertionSuccess();
  }
  /// How many times the taskmanagers deployed a subtask of `job` (each deployment starts an attempt).
  int deployments_of(const std::string& job) {
    int count = 0;
    for (auto& tm : tms_)
      for (auto& l : tm->lines())
        if (has(l, "deployed job " + job + " ")) ++count;
    return count;
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

TEST_P(cluster_test, in_restart_mode_a_job_survives_two_leader_kills_with_exactly_once_output) {
  restart_mode();
  start("jobmanager", 0);
  start("jobmanager", 1);
  start_taskmanager_with_ledger(0);
  start_taskmanager_with_ledger(1);
  auto first = wait_leader();
  ASSERT_TRUE(first) << "no leader";
  const long long n = 60000;
  hold();  // until both kills are done
  auto job = submit_with_ledger(n, 20000);
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
  release();
  EXPECT_EQ(wait_end(job), "FINISHED");
  EXPECT_TRUE(exactly_once(n));
}

TEST_P(cluster_test, a_lost_taskmanager_restarts_the_job_from_its_latest_checkpoint) {
  start("jobmanager", 0);
  start("taskmanager", 0);
  start("taskmanager", 1);
  auto l = wait_leader();
  ASSERT_TRUE(l);
  auto* jm = leading_jm(l->token);
  ASSERT_NE(jm, nullptr);
  ASSERT_TRUE(wait_log(*jm, "registered taskmanager", 2)) << "both taskmanagers must offer slots first";
  const long long n = 40000;
  auto job = submit(n, 20000);
  ASSERT_FALSE(job.empty());
  ASSERT_TRUE(wait_log(*jm, "job " + job + " completed checkpoint", 2));
  // Slots are spread over both taskmanagers: losing one fails the running attempt.
  tms_[0]->signal(SIGKILL);
  ASSERT_TRUE(wait_log(*jm, "was lost")) << "the resource manager did not notice the lost taskmanager";
  EXPECT_TRUE(wait_log(*jm, "job " + job + " restoring from checkpoint"));
  EXPECT_EQ(wait_end(job), "FINISHED");
  EXPECT_TRUE(exactly_once(n));
}

TEST_P(cluster_test, a_cancelled_job_is_cleaned_up_and_its_result_kept) {
  start("jobmanager", 0);
  start("taskmanager", 0);
  auto l = wait_leader();
  ASSERT_TRUE(l);
  auto* jm = leading_jm(l->token);
  ASSERT_NE(jm, nullptr);
  auto job = submit(1000000, 1000);  // would run for 1000 s
  ASSERT_FALSE(job.empty());
  ASSERT_TRUE(wait_log(*jm, "job " + job + " completed checkpoint"));
  ASSERT_TRUE(ask(rpc::method::dispatcher_cancel, rpc::encode(rpc::job_ref{job})).ok());
  EXPECT_EQ(wait_end(job), "CANCELED");
  ASSERT_TRUE(wait_log(*jm, "job " + job + ": HA data cleaned up"));
  EXPECT_EQ(ha_leftovers(job), std::vector<std::string>{});
  if (kubernetes()) {
    EXPECT_EQ(kube_job_configmaps(), std::vector<std::string>{}) << "its last job gone, no shard map may stay";
  }
  // delete-on-commit is false in this conf: the clean entry stays as <jobId>.json.
  std::ifstream entry(jrs_dir() / (job + ".json"));
  std::string text((std::istreambuf_iterator<char>(entry)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(has(text, "\"CANCELED\"")) << text;
  EXPECT_EQ(status(job), "CANCELED");
}

TEST_P(cluster_test, stale_tokens_and_garbage_on_the_rpc_port_are_rejected) {
  auto& jm = start("jobmanager", 0);
  auto l = wait_leader();
  ASSERT_TRUE(l);
  auto colon = l->rpc_address.rfind(':');
  std::string host = l->rpc_address.substr(0, colon);
  auto port = static_cast<std::uint16_t>(std::stoi(l->rpc_address.substr(colon + 1)));
  {
    rpc::client c({host, port});
    fencing_token stale{l->token.epoch - 1 + (l->token.epoch == 0), "00000000-0000-4000-8000-000000000000"};
    auto r = c.request(
        rpc::make_request(rpc::method::dispatcher_status, stale, rpc::encode(rpc::job_ref{std::string(32, 'a')})), 5s);
    ASSERT_TRUE(r.ok());
    auto folded = rpc::to_result(std::move(r).value());
    ASSERT_FALSE(folded.ok());
    EXPECT_EQ(folded.err().code, rpc::errc::fencing_mismatch);
  }
  {
    // Garbage: a huge length prefix, then an HTTP request line.
    harness::child_process nc(
        {"/bin/sh", "-c",
         "printf 'GET / HTTP/1.1\\r\\n\\r\\n' | nc -q 1 " + host + " " + std::to_string(port) + "; echo done"},
        dir_.path() / "nc.log");
    EXPECT_TRUE(nc.wait_for_prefix("done", deadline));
  }
  EXPECT_TRUE(jm.running()) << "garbage on the RPC port crashed the jobmanager";
  EXPECT_TRUE(wait_log(jm, "rejected dispatcher.status from a stale or unknown session"));
  EXPECT_EQ(status(std::string(32, 'b')).rfind("error", 0), 0u) << "the leader still answers";
  // Counted in its metrics, beside its one grant and its connection to the HA backend.
  auto metrics = http(rest_url_of(jm), {"GET", "/metrics", "", ""});
  ASSERT_TRUE(metrics.ok()) << metrics.err().message;
  for (auto* line : {"regent_fenced_requests_rejected_total 1\n", "regent_ha_fenced_writes_rejected_total 0\n",
                     "regent_leadership_changes_total{reason=\"granted\"} 1\n",
                     "regent_ha_session_state{state=\"connected\"} 1\n"})
    EXPECT_TRUE(has(metrics->body, line)) << line << "in\n" << metrics->body;
}

TEST_P(cluster_test, a_user_code_job_runs_and_survives_a_failover) {
  start("jobmanager", 0);
  start("jobmanager", 1);
  start("taskmanager", 0);
  auto l = wait_leader();
  ASSERT_TRUE(l);
  std::ifstream lib(REGENT_EXAMPLE_UDF, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(lib)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(bytes.empty());
  const long long n = 30000;
  auto job = submit(n, 15000, "times_ten", "libregent_example_udf.so", {{"libregent_example_udf.so", bytes}});
  ASSERT_FALSE(job.empty());
  auto* jm = leading_jm(l->token);
  ASSERT_NE(jm, nullptr);
  ASSERT_TRUE(wait_log(*jm, "job " + job + " completed checkpoint", 2));
  jm->signal(SIGKILL);
  auto next = wait_leader(l->token);
  ASSERT_TRUE(next);
  auto* now_leading = leading_jm(next->token);
  ASSERT_NE(now_leading, nullptr);
  EXPECT_TRUE(wait_log(*now_leading, "job " + job + " adopted")) << "the new leader did not adopt the subtasks";
  EXPECT_EQ(wait_end(job), "FINISHED");
  EXPECT_TRUE(exactly_once(n, 10)) << "times_ten of 1.." << n << " each once";
  EXPECT_EQ(deployments_of(job), 4) << "the subtasks kept running: deployed once";
}

TEST_P(cluster_test, a_finished_job_is_not_run_again_and_its_ha_data_is_gone) {
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
  EXPECT_EQ(ha_leftovers(job), std::vector<std::string>{});
  if (kubernetes()) {
    EXPECT_EQ(kube_job_configmaps(), std::vector<std::string>{});
  }
  // The clean result stays as <jobId>.json (delete-on-commit is false in this conf).
  EXPECT_TRUE(fs::exists(jrs_dir() / (job + ".json")));
  EXPECT_FALSE(fs::exists(jrs_dir() / (job + "_DIRTY.json")));
  // After a failover the new leader does not run it again, and still serves its result.
  jm->signal(SIGKILL);
  auto next = wait_leader(l->token);
  ASSERT_TRUE(next);
  auto* now_leading = leading_jm(next->token);
  ASSERT_NE(now_leading, nullptr);
  EXPECT_FALSE(
      now_leading->wait_for_line([&](auto& line) { return has(line, "recovered job graph of job " + job); }, 0ms));
  EXPECT_EQ(status(job), "FINISHED") << "the execution result is served from the JobResultStore";
  EXPECT_EQ(committed_output().size(), 1000u);
}

// Flink's test_ha_datastream, harder: parallelism 4, the leading jobmanager killed three times
// and a taskmanager once while the job runs; every new leader recovers the job graph and
// restores a checkpoint, at least two checkpoints complete after every kill, exactly-once output.
TEST_P(cluster_test, in_restart_mode_three_leader_kills_and_a_taskmanager_kill) {
  restart_mode();
  start("jobmanager", 0);
  start("jobmanager", 1);
  start("taskmanager", 0);
  start("taskmanager", 1);
  auto l = wait_leader();
  ASSERT_TRUE(l);
  ASSERT_TRUE(wait_log(*leading_jm(l->token), "registered taskmanager", 2));
  // About 30 s of input: the job must still run when the taskmanager is killed after three
  // leader kills, each of which takes a ZooKeeper session timeout and a restore (on a loaded
  // machine 15 s of input ran out first: the job finished before the taskmanager kill).
  const long long n = 300000;
  auto job = submit(n, 10000);
  ASSERT_FALSE(job.empty());
  fencing_token current = l->token;
  for (int kill = 0; kill < 3; ++kill) {
    auto* jm = leading_jm(current);
    ASSERT_NE(jm, nullptr);
    ASSERT_TRUE(wait_log(*jm, "job " + job + " completed checkpoint", 2))
        << "fewer than 2 checkpoints before kill " << kill;
    jm->signal(SIGKILL);
    ASSERT_TRUE(jm->wait_exit(deadline));
    start("jobmanager", 2 + kill);
    auto next = wait_leader(current);
    ASSERT_TRUE(next) << "no leader after kill " << kill;
    EXPECT_GT(next->token.epoch, current.epoch);
    current = next->token;
    auto* now_leading = leading_jm(current);
    ASSERT_NE(now_leading, nullptr);
    EXPECT_TRUE(wait_log(*now_leading, "recovered job graph of job " + job));
    EXPECT_TRUE(wait_log(*now_leading, "job " + job + " restoring from checkpoint"));
  }
  auto* jm = leading_jm(current);
  ASSERT_NE(jm, nullptr);
  ASSERT_TRUE(wait_log(*jm, "job " + job + " completed checkpoint", 2));
  // Kill a taskmanager that runs a subtask of the current attempt (the attempt id is in the
  // leader's "restoring from checkpoint n (attempt A)" line).
  auto restore_line =
      jm->wait_for_line([&](auto& x) { return has(x, "job " + job + " restoring from checkpoint"); }, deadline);
  ASSERT_TRUE(restore_line);
  auto attempt = restore_line->substr(restore_line->find("(attempt ") + 1);
  attempt = attempt.substr(0, attempt.find(')'));
  harness::child_process* victim = nullptr;
  for (auto& tm : tms_)
    if (tm->wait_for_line([&](auto& x) { return has(x, "deployed job " + job + " " + attempt); }, 5s)) {
      victim = tm.get();
      break;
    }
  ASSERT_NE(victim, nullptr) << "no taskmanager runs " << attempt;
  ASSERT_EQ(status(job), "RUNNING") << "the job ended before the taskmanager kill: too little input for this machine";
  victim->signal(SIGKILL);
  ASSERT_TRUE(wait_log(*jm, "was lost"));
  // A second restore on this leader: the restart after the taskmanager loss.
  EXPECT_TRUE(wait_log(*jm, "job " + job + " restoring from checkpoint", 2)) << "no restore after the taskmanager kill";
  EXPECT_TRUE(wait_log(*jm, "job " + job + " completed checkpoint", 4))
      << "fewer than 2 checkpoints after the taskmanager kill";
  EXPECT_EQ(wait_end(job), "FINISHED");
  EXPECT_TRUE(exactly_once(n));
}

// A leader paused (SIGSTOP) while a job runs, then resumed. With ZooKeeper (Kubernetes) the pause outlasts
// the 2 s session (lease): a standby takes over and restores the job; the resumed process is deposed
// and writes nothing (no checkpoint, no result, no cleanup) before it notices. With the
// filesystem backend the paused process keeps the lock, so nobody else may lead: the
// taskmanagers lose contact, the standby never acts, and the job carries on after the resume.
// Either way the job finishes exactly once and no checkpoint is completed by two leaders.
TEST_P(cluster_test, a_paused_leader_is_deposed_or_resumes_and_only_one_leader_acts) {
  start("jobmanager", 0);
  start("jobmanager", 1);
  auto& tm = start_taskmanager_with_ledger(0);
  start_taskmanager_with_ledger(1);
  auto l = wait_leader();
  ASSERT_TRUE(l);
  auto* jm = leading_jm(l->token);
  ASSERT_NE(jm, nullptr);
  ASSERT_TRUE(wait_log(*jm, "registered taskmanager", 2));
  const long long n = 60000;
  hold();  // until the pause is over
  auto job = submit_with_ledger(n, 15000);
  ASSERT_FALSE(job.empty());
  ASSERT_TRUE(wait_log(*jm, "job " + job + " completed checkpoint", 2));
  jm->signal(SIGSTOP);
  std::size_t mark = 0;
  if (deposes_a_paused_leader()) {
    auto next = wait_leader(l->token);
    ASSERT_TRUE(next) << "no standby took over from the paused leader";
    auto* now_leading = leading_jm(next->token);
    ASSERT_NE(now_leading, nullptr);
    ASSERT_NE(now_leading, jm);
    EXPECT_TRUE(wait_log(*now_leading, "job " + job + " adopted"));
    EXPECT_TRUE(wait_log(*now_leading, "job " + job + " completed checkpoint", 2));
    mark = jm->line_count();
    jm->signal(SIGCONT);
    EXPECT_TRUE(jm->wait_for_line([&](auto& line) { return has(line, "revoked leadership " + l->token.to_string()); },
                                  deadline, mark))
        << "the resumed leader never noticed it was deposed";
  } else {
    auto from = tm.line_count();
    EXPECT_TRUE(tm.wait_for_line([](auto& line) { return has(line, "heartbeat to leader") && has(line, "failed"); },
                                 deadline, from))
        << "the taskmanager never noticed the pause";
    mark = jm->line_count();
    jm->signal(SIGCONT);
  }
  release();
  EXPECT_EQ(wait_end(job), "FINISHED");
  EXPECT_TRUE(exactly_once(n));
  EXPECT_TRUE(nothing_reprocessed(n)) << "the subtasks kept running through the pause";

  // Exactly one leader acts: every checkpoint id was completed by one jobmanager only, and
  // (ZooKeeper, Kubernetes) the deposed one completed, ended or cleaned up nothing after its resume.
  std::map<std::string, int> completed;
  for (auto& p : jms_)
    for (auto& line : p->lines())
      if (auto at = line.find("job " + job + " completed checkpoint "); at != std::string::npos)
        ++completed[line.substr(at)];
  for (auto& [what, times] : completed) EXPECT_EQ(times, 1) << what;
  EXPECT_EQ(deployments_of(job), 4) << "one attempt of each subtask ever ran";
  if (deposes_a_paused_leader()) {
    auto lines = jm->lines();
    for (std::size_t i = mark; i < lines.size() && !has(lines[i], "granted leadership"); ++i) {
      EXPECT_FALSE(has(lines[i], "completed checkpoint")) << "deposed leader wrote: " << lines[i];
      EXPECT_FALSE(has(lines[i], ") is FINISHED")) << "deposed leader wrote: " << lines[i];
      EXPECT_FALSE(has(lines[i], "HA data cleaned up")) << "deposed leader wrote: " << lines[i];
    }
  } else {
    for (auto& p : jms_) {
      if (p.get() == jm) continue;
      EXPECT_FALSE(p->wait_for_line([](auto& line) { return has(line, "granted leadership"); }, 0ms))
          << "a standby led while the leader held the lock";
    }
  }
}

// Submissions racing a leader kill, through REST `POST /jobs` to the leader and to the standby
// (which forwards to the leader): every submission answered 202 runs to completion exactly
// once; none refused with an error runs; one without an answer (connection lost, or 503 from a
// forward that broke) runs at most once.
TEST_P(cluster_test, submissions_racing_a_leader_kill) {
  auto& jm0 = start("jobmanager", 0);
  auto& jm1 = start("jobmanager", 1);
  start("taskmanager", 0);
  start("taskmanager", 1);
  auto l = wait_leader();
  ASSERT_TRUE(l);
  auto* jm = leading_jm(l->token);
  ASSERT_NE(jm, nullptr);
  auto* standby = jm == &jm0 ? &jm1 : &jm0;
  ASSERT_TRUE(wait_log(*jm, "registered taskmanager", 2));
  const std::string urls[2] = {rest_url_of(*jm), rest_url_of(*standby)};
  ASSERT_FALSE(urls[0].empty());
  ASSERT_FALSE(urls[1].empty());
  const int jobs = 8;
  const long long n = 2000;
  std::vector<std::string> ids;
  std::vector<int> outcome(jobs, 0);  // 1 accepted (202), -1 refused (4xx/500), 0 no answer (503 or none)
  for (int k = 0; k < jobs; ++k) {
    char id[33];
    std::snprintf(id, sizeof id, "%032x", 0xabc000 + k);
    ids.push_back(id);
  }
  // One client submits back to back, alternating between the two masters; once three were
  // answered, the leader is killed from another thread while the submissions go on.
  std::thread killer;
  for (int k = 0; k < jobs; ++k) {
    if (k == 3) killer = std::thread([jm] { jm->signal(SIGKILL); });
    std::string spec = "{\"name\":\"race\",\"job-id\":\"" + ids[k] +
                       "\",\"parallelism\":1,\"source\":{\"type\":\"sequence\",\"from\":1,\"to\":" + std::to_string(n) +
                       ",\"rate-per-second\":4000},\"sink\":{\"type\":\"file\",\"path\":\"" + (out_ / ids[k]).string() +
                       "\"}}";
    auto r = http(urls[k % 2], {"POST", "/jobs", "application/json", spec});
    if (r && r->status == 202)
      outcome[k] = 1;
    else if (r && r->status != 503)
      outcome[k] = -1;
  }
  killer.join();
  auto next = wait_leader(l->token);
  ASSERT_TRUE(next);
  for (int k = 0; k < jobs; ++k) {
    if (outcome[k] == 1) {
      EXPECT_EQ(wait_end(ids[k]), "FINISHED") << "accepted job " << k;
      EXPECT_TRUE(exactly_once_in(out_ / ids[k], n)) << "accepted job " << k;
    } else if (outcome[k] == -1) {
      EXPECT_EQ(status(ids[k]).rfind("error", 0), 0u) << "refused job " << k << " runs";
      EXPECT_TRUE(committed_output(out_ / ids[k]).empty()) << "refused job " << k << " wrote output";
    } else if (status(ids[k]).rfind("error", 0) != 0) {
      // No answer, but it was persisted: it runs to its end exactly once.
      EXPECT_EQ(wait_end(ids[k]), "FINISHED") << "job " << k << " with no answer";
      EXPECT_TRUE(exactly_once_in(out_ / ids[k], n)) << "job " << k << " with no answer";
    } else {
      EXPECT_TRUE(committed_output(out_ / ids[k]).empty()) << "job " << k << " unknown to the leader wrote output";
    }
  }
  EXPECT_GT(std::count(outcome.begin(), outcome.end(), 1), 0) << "no submission got through at all";
}

// ---- task-preserving failover (the default): a new leader adopts the running subtasks ----

TEST_P(cluster_test, leader_kills_keep_every_subtask_running_and_nothing_is_reprocessed) {
  start("jobmanager", 0);
  start("jobmanager", 1);
  start_taskmanager_with_ledger(0);
  start_taskmanager_with_ledger(1);
  auto first = wait_leader();
  ASSERT_TRUE(first) << "no leader";
  ASSERT_TRUE(wait_log(*leading_jm(first->token), "registered taskmanager", 2));
  const long long n = 60000;
  hold();  // until both kills are done
  auto job = submit_with_ledger(n, 15000);
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
    start("jobmanager", 2 + kill);
    auto next = wait_leader(previous);
    ASSERT_TRUE(next) << "no new leader after kill " << kill;
    auto* now_leading = leading_jm(next->token);
    ASSERT_NE(now_leading, nullptr);
    EXPECT_TRUE(wait_log(*now_leading, "job " + job + " adopted")) << "kill " << kill << ": not adopted";
    EXPECT_TRUE(wait_log(*now_leading, "job " + job + " completed checkpoint"))
        << "kill " << kill << ": no checkpoint under the new leader";
  }
  release();
  EXPECT_EQ(wait_end(job), "FINISHED");
  EXPECT_TRUE(exactly_once(n));
  EXPECT_TRUE(nothing_reprocessed(n));
  EXPECT_EQ(deployments_of(job), 4) << "every subtask kept its one attempt";
  for (auto& jm : jms_)
    EXPECT_FALSE(jm->wait_for_line([&](auto& l) { return has(l, "job " + job + " restoring from checkpoint"); }, 0ms))
        << "a leader restarted the job";
}

TEST_P(cluster_test, a_taskmanager_lost_while_there_is_no_leader_restarts_its_jobs_and_the_others_are_adopted) {
  configure("jobmanager.failover.task-preserving.reconcile-timeout: 1 s");
  start("jobmanager", 0);
  start("jobmanager", 1);
  start_taskmanager_with_ledger(0);
  auto l = wait_leader();
  ASSERT_TRUE(l);
  auto* jm = leading_jm(l->token);
  ASSERT_NE(jm, nullptr);
  ASSERT_TRUE(wait_log(*jm, "registered taskmanager"));
  const long long n = 40000;
  auto kept = submit_with_ledger(n, 10000, 2);  // both subtasks on taskmanager 0, the only one
  ASSERT_FALSE(kept.empty());
  ASSERT_TRUE(wait_log(*jm, "job " + kept + " completed checkpoint"));
  start_taskmanager_with_ledger(1);
  ASSERT_TRUE(wait_log(*jm, "registered taskmanager", 2));
  auto lost = submit(n, 10000, "identity", "", {}, 1);  // on taskmanager 1, which has the most free slots
  ASSERT_FALSE(lost.empty());
  ASSERT_TRUE(tms_[1]->wait_for_line([&](auto& x) { return has(x, "deployed job " + lost + " "); }, deadline));
  ASSERT_TRUE(wait_log(*jm, "job " + lost + " completed checkpoint", 2));
  jm->signal(SIGKILL);
  tms_[1]->signal(SIGKILL);
  ASSERT_TRUE(jm->wait_exit(deadline));
  auto next = wait_leader(l->token);
  ASSERT_TRUE(next);
  auto* now_leading = leading_jm(next->token);
  ASSERT_NE(now_leading, nullptr);
  EXPECT_TRUE(wait_log(*now_leading, "job " + kept + " adopted"));
  EXPECT_TRUE(wait_log(*now_leading, "job " + lost + " cannot be adopted"));
  EXPECT_TRUE(wait_log(*now_leading, "job " + lost + " restoring from checkpoint"));
  EXPECT_EQ(wait_end(kept), "FINISHED");
  EXPECT_EQ(wait_end(lost), "FINISHED");
  EXPECT_TRUE(nothing_reprocessed(n)) << "the adopted job";
  EXPECT_EQ(deployments_of(kept), 2);
  auto out = committed_output();
  std::map<long long, int> counts;
  for (auto v : out) ++counts[v];
  for (long long v = 1; v <= n; ++v)
    if (counts[v] != 2) {  // once from each job (both write 1..n into the same folder)
      ADD_FAILURE() << v << " committed " << counts[v] << " times, expected twice";
      break;
    }
}

TEST_P(cluster_test, a_leaderless_period_past_the_grace_cancels_the_subtasks_and_the_next_leader_restarts_them) {
  configure("jobmanager.failover.task-preserving.grace: 1 s");
  configure("jobmanager.failover.task-preserving.reconcile-timeout: 1 s");
  auto& jm = start("jobmanager", 0);
  start_taskmanager_with_ledger(0);
  auto l = wait_leader();
  ASSERT_TRUE(l);
  const long long n = 40000;
  hold();  // until the next leader restarts the job
  auto job = submit_with_ledger(n, 10000);
  ASSERT_FALSE(job.empty());
  ASSERT_TRUE(wait_log(jm, "job " + job + " completed checkpoint", 2));
  jm.signal(SIGKILL);
  ASSERT_TRUE(jm.wait_exit(deadline));
  EXPECT_TRUE(
      tms_[0]->wait_for_line([](auto& x) { return has(x, "task-preserving.grace") && has(x, "cancelled"); }, deadline))
      << "the taskmanager kept its subtasks past the grace period";
  start("jobmanager", 1);
  auto next = wait_leader(l->token);
  ASSERT_TRUE(next);
  auto* now_leading = leading_jm(next->token);
  ASSERT_NE(now_leading, nullptr);
  EXPECT_TRUE(wait_log(*now_leading, "job " + job + " restoring from checkpoint"));
  release();
  EXPECT_EQ(wait_end(job), "FINISHED");
  EXPECT_TRUE(exactly_once(n));
}

TEST_P(cluster_test, a_second_failover_during_reconciliation_still_adopts_the_subtasks) {
  auto& a = start("jobmanager", 0);
  start_taskmanager_with_ledger(0);
  start_taskmanager_with_ledger(1);
  auto l = wait_leader();
  ASSERT_TRUE(l);
  ASSERT_TRUE(wait_log(a, "registered taskmanager", 2));
  auto& b = start_with_env("jobmanager", 1, "REGENT_CRASH_POINT", "while-reconciling");
  ASSERT_TRUE(b.wait_for_line([](auto& x) { return has(x, "contending"); }, deadline));
  const long long n = 40000;
  auto job = submit_with_ledger(n, 10000);
  ASSERT_FALSE(job.empty());
  ASSERT_TRUE(wait_log(a, "job " + job + " completed checkpoint", 2));
  a.signal(SIGKILL);
  ASSERT_TRUE(b.wait_exit(deadline)) << "the second leader did not die while reconciling";
  EXPECT_TRUE(b.wait_for_line([](auto& x) { return has(x, "crash point while-reconciling"); }, 0ms));
  start("jobmanager", 2);
  auto c = wait_leader_above(l->token.epoch + 1);  // the epoch after the one the crashed leader took
  ASSERT_TRUE(c);
  auto* now_leading = leading_jm(c->token);
  ASSERT_NE(now_leading, nullptr);
  ASSERT_NE(now_leading, &b);
  EXPECT_TRUE(wait_log(*now_leading, "job " + job + " adopted"));
  EXPECT_EQ(wait_end(job), "FINISHED");
  EXPECT_TRUE(exactly_once(n));
  EXPECT_TRUE(nothing_reprocessed(n));
  EXPECT_EQ(deployments_of(job), 4);
}

/// The leader dies (REGENT_CRASH_POINT, a fault-injection hook of the job master) at one point
/// of a checkpoint; the next leader adopts the subtasks, completes or supersedes that
/// checkpoint, and the output stays exactly-once with nothing produced twice.
class crash_point_test : public cluster_test {
 protected:
  void run(const std::string& point) {
    start_with_env("jobmanager", 0, "REGENT_CRASH_POINT", point);
    start_taskmanager_with_ledger(0);
    start_taskmanager_with_ledger(1);
    auto l = wait_leader();
    ASSERT_TRUE(l);
    auto* jm = leading_jm(l->token);
    ASSERT_NE(jm, nullptr);
    ASSERT_TRUE(wait_log(*jm, "registered taskmanager", 2));
    start("jobmanager", 1);  // the standby, without the crash point
    const long long n = 40000;
    auto job = submit_with_ledger(n, 10000);
    ASSERT_FALSE(job.empty());
    ASSERT_TRUE(jm->wait_exit(deadline)) << "the leader never reached crash point " << point;
    EXPECT_TRUE(jm->wait_for_line([&](auto& x) { return has(x, "crash point " + point); }, 0ms));
    auto next = wait_leader(l->token);
    ASSERT_TRUE(next);
    auto* now_leading = leading_jm(next->token);
    ASSERT_NE(now_leading, nullptr);
    EXPECT_TRUE(wait_log(*now_leading, "job " + job + " adopted"));
    EXPECT_EQ(wait_end(job), "FINISHED");
    EXPECT_TRUE(exactly_once(n));
    EXPECT_TRUE(nothing_reprocessed(n));
    EXPECT_EQ(deployments_of(job), 4);
  }
};

TEST_P(crash_point_test, the_leader_dies_before_a_trigger) { run("before-trigger"); }
TEST_P(crash_point_test, the_leader_dies_after_some_acknowledgements) { run("after-first-ack"); }
TEST_P(crash_point_test, the_leader_dies_after_storing_a_checkpoint_before_any_sink_is_told) { run("after-store"); }
TEST_P(crash_point_test, the_leader_dies_after_some_sinks_were_told) { run("after-first-notify"); }

INSTANTIATE_TEST_SUITE_P(backends, crash_point_test, ::testing::Values("filesystem", "zookeeper", "kubernetes"),
                         [](const auto& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(backends, cluster_test, ::testing::Values("filesystem", "zookeeper", "kubernetes"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace regent

namespace regent {
namespace {

/// ZooKeeper itself loses acknowledged writes: every server's data is put back to an earlier
/// copy, as ZooKeeper 3.8.0 did in the soak of 2026-12-07 (two of three servers failed around a
/// resynchronisation and a stale server's log won the election), here made deterministic. Regent
/// must never reuse a fencing token, and a job whose checkpoints were lost must fail loudly
/// instead of losing or duplicating records.
class zookeeper_lost_writes_test : public cluster_test {
 protected:
  fs::path data_of(int server) { return dir_.path() / "zk" / ("zk" + std::to_string(server + 1)) / "data"; }
  fs::path copy_of(int server) { return dir_.path() / "zk-copy" / std::to_string(server + 1); }

  /// Stops every server, then copies (`save`) or puts back (`restore`) their data folders, and
  /// starts them again.
  void save_or_restore(bool save) {
    std::vector<int> all;
    for (int i = 0; i < quorum_->size(); ++i) all.push_back(i);
    quorum_->kill(all);
    for (int i : all) {
      std::error_code ec;
      const auto& from = save ? data_of(i) : copy_of(i);
      const auto& to = save ? copy_of(i) : data_of(i);
      fs::remove_all(to, ec);
      fs::create_directories(to.parent_path());
      fs::copy(from, to, fs::copy_options::recursive, ec);
      ASSERT_FALSE(ec) << "copying " << from << " to " << to << ": " << ec.message();
    }
    ASSERT_TRUE(quorum_->start(deadline)) << quorum_->logs();
  }

  /// Waits until `dir` holds more than `parts` committed part files.
  bool wait_parts_beyond(const fs::path& dir, std::size_t parts) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      if (count_parts(dir) > parts) return true;
      watch_->wait_for_change(50ms);  // pacing only: the condition is checked again
    }
    return false;
  }
  static std::size_t count_parts(const fs::path& dir) {
    auto parts = task::committed_parts(dir);
    return parts ? parts->size() : 0;
  }
  /// True when no record of `dir` was committed twice.
  ::testing::AssertionResult no_record_twice(const fs::path& dir) {
    for (auto& [v, files] : harness::committed_records(dir))
      if (files.size() > 1)
        return ::testing::AssertionFailure() << "record " << v << " committed " << files.size() << " times";
    return ::testing::AssertionSuccess();
  }
  /// Every `granted leadership epoch=N session=S` logged by the jobmanagers, as epoch → sessions.
  std::map<std::string, std::set<std::string>> grants() {
    static const std::regex re("\\[actors\\] granted leadership epoch=([0-9]+) session=([0-9a-f-]+)");
    std::map<std::string, std::set<std::string>> out;
    for (auto& jm : jms_)
      for (auto& line : jm->lines()) {
        std::smatch m;
        if (std::regex_search(line, m, re)) out[m[1]].insert(m[2]);
      }
    return out;
  }
};

TEST_P(zookeeper_lost_writes_test, a_lost_epoch_is_not_reused_and_jobs_whose_checkpoints_were_lost_fail_loudly) {
  // Every checkpoint stays (not only the latest), so that the new leader restores one whose
  // files are still there and the sink, not a missing file, finds out.
  const std::vector<std::string> keep_checkpoints{"-D", "execution.checkpointing.num-retained=1000"};
  restart_mode();  // the new leader restores from the HA store, which lost the checkpoints
  auto& a = start("jobmanager", 0, keep_checkpoints);
  auto& tm = start("taskmanager", 0, {"-D", "taskmanager.numberOfTaskSlots=8"});  // both jobs at once
  auto first = wait_leader();
  ASSERT_TRUE(first);
  ASSERT_EQ(first->token.epoch, 1u);
  const fs::path out1 = out_ / "checkpointed", out2 = out_ / "fresh";
  out_ = out1;
  auto checkpointed = submit(10000000, 2000);  // runs until the test ends it
  ASSERT_FALSE(checkpointed.empty());
  ASSERT_TRUE(wait_log(a, "job " + checkpointed + " completed checkpoint", 2));

  // What ZooKeeper will fall back to: epoch 1, `checkpointed` with its first checkpoints, and
  // `fresh` accepted but with no checkpoint (the taskmanager is paused, so none completes).
  const auto mark = a.line_count();
  tm.signal(SIGSTOP);
  out_ = out2;
  auto fresh = submit(10000000, 2000);
  ASSERT_FALSE(fresh.empty());
  save_or_restore(true);
  tm.signal(SIGCONT);

  // The leader lost its connection: it leads again with epoch 2; both jobs checkpoint and
  // commit output that the copy does not know of.
  ASSERT_TRUE(a.wait_for_line([](auto& l) { return has(l, "[actors] granted leadership epoch=2 "); }, deadline, mark));
  const auto parts1 = count_parts(out1);
  ASSERT_TRUE(wait_log(a, "job " + fresh + " completed checkpoint", 2));
  ASSERT_TRUE(wait_parts_beyond(out1, parts1));
  ASSERT_TRUE(wait_parts_beyond(out2, 0));

  // ZooKeeper loses everything since the copy, and the leader dies with it. A jobmanager that
  // never saw epoch 2 bumps the stored epoch 1 to 2: the taskmanager, which accepted epoch 2
  // from the first leader, refuses it and tells it, so it steps down and comes back above.
  a.signal(SIGKILL);
  a.wait_exit(deadline);
  save_or_restore(false);
  auto& c = start("jobmanager", 1, keep_checkpoints);
  EXPECT_TRUE(tm.wait_for_line([](auto& l) { return has(l, "refusing leader") && has(l, "epoch=2 "); }, deadline))
      << "the taskmanager accepted a second leader with epoch 2";
  EXPECT_TRUE(wait_log(c, "is not a unique fencing token"));
  EXPECT_TRUE(wait_log(c, "[actors] granted leadership epoch=3 "));

  // Both jobs fail, naming the reason; no record is lost silently or committed twice.
  EXPECT_TRUE(wait_log(c, "job " + fresh + " recovered with no completed checkpoint, but its sink folder"));
  EXPECT_EQ(wait_end(checkpointed), "FAILED");
  EXPECT_EQ(wait_end(fresh), "FAILED");
  EXPECT_TRUE(wait_log(c, "job " + checkpointed + " fails without a restart"));
  EXPECT_TRUE(wait_log(c, "job " + fresh + " fails without a restart"));
  EXPECT_TRUE(wait_log(c, "was committed after the checkpoint this subtask restores"));
  EXPECT_TRUE(no_record_twice(out1));
  EXPECT_TRUE(no_record_twice(out2));

  // Epoch 2 went to two sessions (the stored epoch was gone), but no taskmanager ran anything
  // for the second: it accepted epochs 1, 2 (the first leader's) and 3 only.
  auto granted = grants();
  EXPECT_EQ(granted["2"].size(), 2u);
  EXPECT_EQ(granted["3"].size(), 1u);
  int accepted_epoch_2 = 0;
  for (auto& line : tm.lines())
    if (has(line, "new leader of resource_manager") && has(line, "epoch=2 ")) ++accepted_epoch_2;
  EXPECT_EQ(accepted_epoch_2, 1);
}

INSTANTIATE_TEST_SUITE_P(zookeeper, zookeeper_lost_writes_test, ::testing::Values("zookeeper"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace regent
