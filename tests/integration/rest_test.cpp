// The REST API against a real cluster (two jobmanagers, one taskmanager, filesystem HA):
// a standby answers as the leader does, every endpoint has Flink's field names, bad input gets
// the documented status, and with no leader known every forwarded request is a 503.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include <nlohmann/json.hpp>

#include "regent/harness/child_process.hpp"
#include "regent/harness/outside.hpp"
#include "regent/programs/ha_wiring.hpp"
#include "regent/programs/program_args.hpp"
#include "regent/rpc/rest_server.hpp"

namespace regent {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
constexpr auto deadline = std::chrono::seconds(60);

bool has(const std::string& line, const std::string& what) { return line.find(what) != std::string::npos; }

/// Fails the test unless every one of `fields` is a member of `j`.
void expect_fields(const json& j, std::initializer_list<const char*> fields, const std::string& where) {
  ASSERT_TRUE(j.is_object()) << where << ": " << j.dump();
  for (auto* f : fields) EXPECT_TRUE(j.contains(f)) << where << " lacks \"" << f << "\": " << j.dump();
}

/// A raw TCP connection (for garbage and half-sent requests).
struct raw_socket {
  int fd = -1;
  explicit raw_socket(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ~raw_socket() {
    if (fd >= 0) ::close(fd);
  }
  void send(const std::string& s) { (void)!::write(fd, s.data(), s.size()); }
  bool closed_by_peer = false;
  /// Everything until the server closes the connection (or 30 s).
  std::string read_all() {
    timeval tv{30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string out;
    char buf[4096];
    for (;;) {
      auto n = ::read(fd, buf, sizeof buf);
      if (n == 0) closed_by_peer = true;
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
};

class rest_test : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"rest"};
  std::string cluster_id_ = dir_.path().filename().string();
  std::vector<std::unique_ptr<harness::child_process>> procs_;

  void write_conf() {
    std::ofstream conf(dir_.path() / "config.yaml");
    conf << "high-availability.type: filesystem\n"
         << "high-availability.storageDir: " << (dir_.path() / "ha").string() << "\n"
         << "high-availability.cluster-id: " << cluster_id_ << "\n"
         << "state.checkpoints.dir: " << (dir_.path() / "checkpoints").string() << "\n"
         << "execution.checkpointing.interval: 100 ms\n"
         << "taskmanager.numberOfTaskSlots: 4\n"
         << "heartbeat.interval: 200 ms\n"
         << "heartbeat.timeout: 2 s\n"
         << "rest.address: 127.0.0.1\n"
         << "rest.server.max-content-length: 64 kb\n"
         << "rest.server.request-timeout: 1 s\n"
         << "job-result-store.delete-on-commit: false\n"
         << "env.log.dir: " << (dir_.path() / "log").string() << "\n";
  }

  void SetUp() override { write_conf(); }

  void TearDown() override {
    if (HasFailure())
      for (auto& p : procs_) std::fprintf(stderr, "---- %s ----\n%s\n", p->log_file().c_str(), p->log_text().c_str());
  }

  harness::child_process& start(const std::string& program) {
    std::vector<std::string> argv{(harness::bin_dir() / program).string(), "--config-dir", dir_.path().string()};
    if (program == "jobmanager") argv.insert(argv.end(), {"--webui-port", "0"});
    procs_.push_back(std::make_unique<harness::child_process>(
        argv, dir_.path() / (program + std::to_string(procs_.size()) + ".out"), true));
    return *procs_.back();
  }

  /// Starts a jobmanager and returns its REST port (from its "REST endpoint listening" line).
  std::uint16_t start_jobmanager() {
    auto& jm = start("jobmanager");
    auto line = jm.wait_for_line([](const std::string& l) { return has(l, "REST endpoint listening on"); }, deadline);
    if (!line) return 0;
    // Serving fully (the gateway installed) once it contends for leadership.
    if (!jm.wait_for_line([](const std::string& l) { return has(l, "contending for leadership"); }, deadline)) return 0;
    return static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  }

  static rpc::http_response call(std::uint16_t port, const std::string& method, const std::string& target,
                                 const std::string& body = "", const std::string& type = "application/json") {
    rpc::http_request r{method, target, body.empty() ? "" : type, body};
    auto res = rpc::http_call("127.0.0.1", port, r, 30s);
    if (!res) return rpc::http_response{-1, "", res.err().message};
    return *res;
  }
  static json get_json(std::uint16_t port, const std::string& target) {
    auto r = call(port, "GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  /// Waits until one of the cluster's processes prints a line (every state change a client can
  /// ask about is logged), or `at_most` passes.
  void wait_for_cluster_output(std::chrono::milliseconds at_most) {
    for (auto& p : procs_)
      if (p->running()) {
        p->wait_for_line([](const std::string&) { return true; }, at_most, p->line_count());
        return;
      }
  }

  /// Asks `target` again after each burst of cluster output until `pred` holds on its JSON,
  /// or the deadline.
  bool wait_json(std::uint16_t port, const std::string& target, const std::function<bool(const json&)>& pred) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      auto r = call(port, "GET", target);
      if (r.status == 200) {
        auto j = json::parse(r.body, nullptr, false);
        if (!j.is_discarded() && pred(j)) return true;
      }
      wait_for_cluster_output(50ms);
    }
    return false;
  }

  std::string spec(const std::string& extra = "", std::int64_t to = 2000) {
    return R"({"name":"count","parallelism":2,)" + extra + R"("source":{"type":"sequence","from":1,"to":)" +
           std::to_string(to) +
           R"(,"rate-per-second":4000},"operators":[{"type":"map","function":"identity"}],"sink":{"type":"file","path":")" +
           (dir_.path() / "out").string() + R"("}})";
  }

  /// The test itself as a contender on the cluster's HA services, granted leadership: the
  /// jobmanagers it starts stay standbys. Null (after a failure) if no grant came.
  struct held_leadership {
    std::unique_ptr<ha::ha_services> services;
    fencing_token token;
    ~held_leadership() {
      if (services) services->election().stop();
    }
  };
  struct grant_waiter : ha::leader_election_listener {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<fencing_token> token;
    void on_grant(const fencing_token& t, std::int64_t) override {
      std::lock_guard<std::mutex> lock(mu);
      token = t;
      cv.notify_all();
    }
    void on_revoke(const fencing_token&) override {}
    void on_error(const error&) override {}
  };
  std::unique_ptr<held_leadership> hold_leadership() {
    programs::program_args args;
    args.config_dir = dir_.path().string();
    auto loaded = programs::load_config(args);
    EXPECT_TRUE(loaded.ok()) << loaded.err().message;
    if (!loaded) return nullptr;
    auto services = programs::make_ha_services(loaded->settings);
    EXPECT_TRUE(services.ok()) << services.err().message;
    if (!services) return nullptr;
    auto held = std::make_unique<held_leadership>();
    held->services = std::move(*services);
    if (!held->services->election().start(waiter_).ok()) return nullptr;
    std::unique_lock<std::mutex> lock(waiter_.mu);
    if (!waiter_.cv.wait_for(lock, deadline, [&] { return waiter_.token.has_value(); })) return nullptr;
    held->token = *waiter_.token;
    return held;
  }
  grant_waiter waiter_;  // outlives every held leadership (a local of the test)

  /// Two jobmanagers and a taskmanager; returns (leader port, standby port).
  std::pair<std::uint16_t, std::uint16_t> start_cluster() {
    auto a = start_jobmanager();
    auto b = start_jobmanager();
    EXPECT_NE(a, 0);
    EXPECT_NE(b, 0);
    start("taskmanager");
    EXPECT_TRUE(wait_json(a, "/overview", [](const json& j) { return j.value("taskmanagers", 0) == 1; }));
    // Each jobmanager learns the leader through leader retrieval, the standby a moment later.
    auto knows_leader = [](const json& j) { return j.contains("leader") && !j["leader"].is_null(); };
    EXPECT_TRUE(wait_json(a, "/cluster/leader", knows_leader));
    EXPECT_TRUE(wait_json(b, "/cluster/leader", knows_leader));
    auto me = get_json(a, "/cluster/leader");
    bool a_leads = me["this"]["role"] == "leader";
    return a_leads ? std::make_pair(a, b) : std::make_pair(b, a);
  }
};

TEST_F(rest_test, standby_accepts_jobs_and_every_endpoint_has_flinks_fields) {
  auto [leader, standby] = start_cluster();
  ASSERT_FALSE(HasFailure());

  // /cluster/leader on both: the same leader, each knows its role.
  auto l = get_json(leader, "/cluster/leader");
  auto s = get_json(standby, "/cluster/leader");
  expect_fields(l["leader"], {"rest-url", "rpc-address", "epoch", "session-id", "since"}, "/cluster/leader");
  EXPECT_EQ(l["leader"], s["leader"]);
  EXPECT_EQ(l["this"]["role"], "leader");
  EXPECT_EQ(s["this"]["role"], "standby");
  EXPECT_EQ(l["leader"]["rest-url"], l["this"]["rest-url"]);
  EXPECT_EQ(l["leader"]["rest-url"], "http://127.0.0.1:" + std::to_string(leader));

  // Submitted on the standby: forwarded to the leader, persisted, 202.
  auto submitted = call(standby, "POST", "/jobs", spec());
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  auto url = json::parse(submitted.body)["jobUrl"].get<std::string>();
  ASSERT_EQ(url.rfind("/jobs/", 0), 0u) << url;
  auto id = url.substr(6);

  auto jobs = get_json(standby, "/jobs");
  ASSERT_TRUE(jobs["jobs"].is_array());
  ASSERT_EQ(jobs["jobs"].size(), 1u);
  expect_fields(jobs["jobs"][0], {"id", "status"}, "/jobs");
  EXPECT_EQ(jobs["jobs"][0]["id"], id);

  ASSERT_TRUE(wait_json(standby, "/jobs/" + id, [](const json& j) { return j.value("state", "") == "FINISHED"; }));

  auto overview = get_json(standby, "/jobs/overview");
  ASSERT_EQ(overview["jobs"].size(), 1u);
  expect_fields(overview["jobs"][0],
                {"jid", "name", "state", "start-time", "end-time", "duration", "last-modification", "tasks"},
                "/jobs/overview");
  expect_fields(overview["jobs"][0]["tasks"], {"total", "running", "finished", "canceled", "failed", "created"},
                "tasks");
  EXPECT_EQ(overview["jobs"][0]["state"], "FINISHED");

  auto details = get_json(leader, "/jobs/" + id);
  expect_fields(details,
                {"jid", "name", "isStoppable", "state", "start-time", "end-time", "duration", "now", "timestamps",
                 "vertices", "status-counts", "plan"},
                "/jobs/:id");
  EXPECT_EQ(details["isStoppable"], false);
  ASSERT_EQ(details["vertices"].size(), 1u);
  expect_fields(details["vertices"][0],
                {"id", "name", "parallelism", "status", "start-time", "end-time", "duration", "tasks", "metrics"},
                "vertex");
  EXPECT_EQ(details["vertices"][0]["parallelism"], 2);
  EXPECT_EQ(details["vertices"][0]["status"], "FINISHED");
  EXPECT_GT(details["timestamps"]["FINISHED"].get<std::int64_t>(), 0);

  auto checkpoints = get_json(standby, "/jobs/" + id + "/checkpoints");
  expect_fields(checkpoints, {"counts", "summary", "latest", "history"}, "/checkpoints");
  expect_fields(checkpoints["counts"], {"restored", "total", "in_progress", "completed", "failed"}, "counts");
  expect_fields(checkpoints["summary"], {"state_size", "end_to_end_duration", "alignment_buffered"}, "summary");
  expect_fields(checkpoints["latest"], {"completed", "savepoint", "failed", "restored"}, "latest");
  EXPECT_GE(checkpoints["counts"]["completed"].get<int>(), 1);
  expect_fields(checkpoints["latest"]["completed"],
                {"clazz", "id", "status", "is_savepoint", "trigger_timestamp", "latest_ack_timestamp", "state_size",
                 "end_to_end_duration", "num_subtasks", "num_acknowledged_subtasks", "external_path"},
                "latest.completed");

  auto exceptions = get_json(standby, "/jobs/" + id + "/exceptions");
  expect_fields(exceptions, {"root-exception", "timestamp", "all-exceptions", "truncated", "exceptionHistory"},
                "/exceptions");
  expect_fields(exceptions["exceptionHistory"], {"entries", "truncated"}, "exceptionHistory");

  auto result = get_json(standby, "/jobs/" + id + "/execution-result");
  EXPECT_EQ(result["status"]["id"], "COMPLETED");
  expect_fields(result["job-execution-result"], {"id", "application-status", "accumulator-results", "net-runtime"},
                "job-execution-result");
  EXPECT_EQ(result["job-execution-result"]["application-status"], "SUCCEEDED");

  auto cluster = get_json(standby, "/overview");
  expect_fields(cluster,
                {"taskmanagers", "slots-total", "slots-available", "jobs-running", "jobs-finished", "jobs-cancelled",
                 "jobs-failed", "flink-version", "flink-commit"},
                "/overview");
  EXPECT_EQ(cluster["jobs-finished"], 1);
  EXPECT_EQ(cluster["slots-total"], 4);

  auto tms = get_json(standby, "/taskmanagers");
  ASSERT_EQ(tms["taskmanagers"].size(), 1u);
  expect_fields(tms["taskmanagers"][0],
                {"id", "path", "dataPort", "timeSinceLastHeartbeat", "slotsNumber", "freeSlots", "totalResource",
                 "freeResource", "hardware"},
                "/taskmanagers");

  auto config = get_json(standby, "/config");
  expect_fields(config,
                {"refresh-interval", "timezone-name", "timezone-offset", "flink-version", "flink-revision", "features"},
                "/config");
  auto jmconfig = get_json(standby, "/jobmanager/config");
  ASSERT_TRUE(jmconfig.is_array());
  bool found = false;
  for (auto& e : jmconfig) {
    expect_fields(e, {"key", "value"}, "/jobmanager/config");
    if (e["key"] == "high-availability.cluster-id") found = e["value"] == cluster_id_;
  }
  EXPECT_TRUE(found) << jmconfig.dump();

  auto metrics = call(standby, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  for (auto* name : {"regent_leadership_is_leader 0", "regent_leadership_epoch",
                     "regent_leadership_changes_total{reason=\"granted\"} 0", "regent_fenced_requests_rejected_total ",
                     "regent_ha_fenced_writes_rejected_total ", "regent_ha_session_state{state=\"connected\"} 1",
                     "regent_jobs{state=\"FINISHED\"} 1", "regent_checkpoints_completed_total"})
    EXPECT_TRUE(has(metrics.body, name)) << name << " in\n" << metrics.body;
  auto leading = call(leader, "GET", "/metrics").body;
  EXPECT_TRUE(has(leading, "regent_leadership_is_leader 1")) << leading;
  // The leader took over once: its grant-to-recovered time is there; the standby never led.
  EXPECT_TRUE(has(leading, "regent_leadership_last_takeover_seconds ")) << leading;
  EXPECT_FALSE(has(metrics.body.substr(0, metrics.body.find("regent_jobs")), "regent_leadership_last_takeover_seconds"))
      << metrics.body;
  // Flink's names on the leader (only the leader reports the cluster's and the jobs' metrics, as
  // Flink's leading JobManager does) and the process metrics on both.
  for (auto* name : {"flink_jobmanager_numRegisteredTaskManagers 1", "flink_jobmanager_taskSlotsTotal 4",
                     "flink_jobmanager_taskSlotsAvailable ", "flink_jobmanager_numRunningJobs ",
                     "regent_leadership_takeover_seconds_count 1", "process_resident_memory_bytes "})
    EXPECT_TRUE(has(leading, name)) << name << " in\n" << leading;
  EXPECT_FALSE(has(metrics.body, "flink_jobmanager_numRegisteredTaskManagers")) << metrics.body;
  EXPECT_TRUE(has(metrics.body, "process_open_fds ")) << metrics.body;
  // Prometheus's own linter: both parse (exit 1 would be a format error), and its only findings
  // (exit 3) are the camelCase of Flink's own names, which Flink's dashboards need as they are.
  for (auto [who, text] : std::initializer_list<std::pair<const char*, const std::string*>>{
           {"leader", &leading}, {"standby", &metrics.body}}) {
    auto verdict = harness::promtool_check(*text, dir_.path(), who, deadline);
    const auto code = verdict.exit_code;
    ASSERT_TRUE(code == 0 || code == 3) << who << ": exit " << code.value_or(-1) << "\n" << verdict.output;
    for (auto& finding : verdict.findings)
      EXPECT_TRUE(finding.rfind("flink_", 0) == 0 && has(finding, "should be written in 'snake_case' not 'camelCase'"))
          << who << ": " << finding << "\n"
          << *text;
    EXPECT_EQ(code == 3, has(*text, "flink_jobmanager_numRegisteredTaskManagers")) << who;
  }

  // Also under Flink's /v1 prefix.
  EXPECT_EQ(call(standby, "GET", "/v1/jobs/" + id).status, 200);
}

TEST_F(rest_test, cancel_and_uploaded_artifacts) {
  auto [leader, standby] = start_cluster();
  ASSERT_FALSE(HasFailure());
  // A long job, cancelled through the standby.
  auto submitted = call(standby, "POST", "/jobs", spec("", 100000000));
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  auto id = json::parse(submitted.body)["jobUrl"].get<std::string>().substr(6);
  ASSERT_TRUE(wait_json(leader, "/jobs/" + id, [](const json& j) { return j.value("state", "") == "RUNNING"; }));
  auto cancel = call(standby, "PATCH", "/jobs/" + id + "?mode=cancel");
  EXPECT_EQ(cancel.status, 202) << cancel.body;
  ASSERT_TRUE(wait_json(standby, "/jobs/" + id, [](const json& j) { return j.value("state", "") == "CANCELED"; }));
  EXPECT_EQ(get_json(standby, "/jobs/" + id + "/execution-result")["job-execution-result"]["application-status"],
            "CANCELED");

  // Uploads: multipart `jarfile` and raw body with ?name=; names cannot escape the folder.
  std::string boundary = "XyZ123";
  std::string multipart = "--" + boundary +
                          "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"lib.so\"\r\n"
                          "Content-Type: application/x-java-archive\r\n\r\nBYTES\r\n--" +
                          boundary + "--\r\n";
  auto up = call(standby, "POST", "/jars/upload", multipart, "multipart/form-data; boundary=" + boundary);
  ASSERT_EQ(up.status, 200) << up.body;
  auto uploaded = json::parse(up.body);
  EXPECT_EQ(uploaded["status"], "success");
  auto stored = fs::path(dir_.path() / "ha" / cluster_id_ / "uploads" / uploaded["filename"].get<std::string>());
  EXPECT_TRUE(fs::exists(stored)) << stored;
  auto raw = call(standby, "POST", "/jars/upload?name=plain.so", "RAW", "application/x-java-archive");
  EXPECT_EQ(raw.status, 200) << raw.body;
  for (auto* bad : {"..%2Fescape.so", "../escape.so", ".hidden", ""}) {
    auto r = call(standby, "POST", std::string("/jars/upload?name=") + bad, "X", "application/x-java-archive");
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
  }
  EXPECT_FALSE(fs::exists(dir_.path() / "ha" / cluster_id_ / "escape.so"));
  // A spec naming an artifact that was never uploaded: 400 naming the field.
  auto missing =
      call(standby, "POST", "/jobs",
           R"({"name":"u","parallelism":1,"source":{"type":"sequence","from":1,"to":10},)"
           R"("operators":[{"type":"map","function":"f","library":"nothing.so"}],"sink":{"type":"discard"}})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_TRUE(has(missing.body, "operators[0].library")) << missing.body;
}

TEST_F(rest_test, bad_input_gets_the_documented_status_and_blocks_nobody) {
  auto [leader, standby] = start_cluster();
  ASSERT_FALSE(HasFailure());
  auto is_error_body = [](const rpc::http_response& r) {
    auto j = json::parse(r.body, nullptr, false);
    return !j.is_discarded() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty();
  };
  for (auto port : {leader, standby}) {
    auto malformed = call(port, "POST", "/jobs", "{not json");
    EXPECT_EQ(malformed.status, 400);
    EXPECT_TRUE(is_error_body(malformed)) << malformed.body;
    auto bad_field =
        call(port, "POST", "/jobs",
             R"({"name":"x","parallelism":0,"source":{"type":"sequence","from":1,"to":2},"sink":{"type":"discard"}})");
    EXPECT_EQ(bad_field.status, 400);
    EXPECT_TRUE(has(bad_field.body, "parallelism")) << bad_field.body;
    auto unknown = call(port, "GET", "/jobs/0123456789abcdef0123456789abcdef");
    EXPECT_EQ(unknown.status, 404) << unknown.body;
    EXPECT_TRUE(is_error_body(unknown));
    EXPECT_EQ(call(port, "GET", "/jobs/0123456789abcdef0123456789abcdef/checkpoints").status, 404);
    EXPECT_EQ(call(port, "GET", "/jobs/0123456789abcdef0123456789abcdef/execution-result").status, 404);
    EXPECT_EQ(call(port, "PATCH", "/jobs/0123456789abcdef0123456789abcdef?mode=cancel").status, 404);
    EXPECT_EQ(call(port, "GET", "/jobs/not-a-job").status, 404);
    auto path = call(port, "GET", "/no/such/path");
    EXPECT_EQ(path.status, 404);
    EXPECT_TRUE(is_error_body(path));
    auto big = call(port, "POST", "/jobs", std::string(100 * 1024, ' '));
    EXPECT_EQ(big.status, 413) << big.body;
  }
  // A duplicate job id: 409.
  const std::string fixed = R"("job-id":"00000000000000000000000000000abc",)";
  ASSERT_EQ(call(standby, "POST", "/jobs", spec(fixed, 100000000)).status, 202);
  auto dup = call(leader, "POST", "/jobs", spec(fixed, 100000000));
  EXPECT_EQ(dup.status, 409) << dup.body;
  EXPECT_TRUE(is_error_body(dup));

  // Garbage instead of HTTP: 400 and the connection closes; the server lives on.
  {
    raw_socket garbage(standby);
    ASSERT_GE(garbage.fd, 0);
    garbage.send("\x01\x02 this is not HTTP\r\n\r\n");
    EXPECT_TRUE(has(garbage.read_all(), " 400 "));
  }
  // A half-sent request holds only its own connection: others are answered meanwhile.
  raw_socket half(standby);
  ASSERT_GE(half.fd, 0);
  half.send("POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"na");
  raw_socket header_only(leader);
  header_only.send("GET /overview HTTP/1.1\r\nHost: x\r\n");
  EXPECT_EQ(call(standby, "GET", "/config").status, 200);
  EXPECT_EQ(call(standby, "GET", "/overview").status, 200);
  EXPECT_EQ(call(leader, "GET", "/jobs").status, 200);
  // ... and the server drops it at rest.server.request-timeout (1 s here) without an answer.
  EXPECT_EQ(half.read_all(), "");
  EXPECT_TRUE(half.closed_by_peer);
  EXPECT_EQ(header_only.read_all(), "");
  EXPECT_TRUE(header_only.closed_by_peer);
}

/// While no leader is known, a jobmanager's forwarded endpoints answer 503 with Flink's message.
TEST_F(rest_test, no_leader_means_service_unavailable) {
  // The test itself holds leadership (and publishes nothing), so the jobmanager stays standby.
  auto held = hold_leadership();
  ASSERT_TRUE(held);
  auto port = start_jobmanager();
  ASSERT_NE(port, 0);
  for (auto* target :
       {"/overview", "/jobs", "/jobs/overview", "/taskmanagers", "/jobs/0123456789abcdef0123456789abcdef"}) {
    auto r = call(port, "GET", target);
    EXPECT_EQ(r.status, 503) << target << ": " << r.body;
    EXPECT_TRUE(has(r.body, "ongoing leader election")) << r.body;
  }
  EXPECT_EQ(call(port, "POST", "/jobs", spec()).status, 503);
  auto l = get_json(port, "/cluster/leader");
  EXPECT_TRUE(l["leader"].is_null()) << l.dump();
  EXPECT_EQ(l["this"]["role"], "standby");
  EXPECT_EQ(call(port, "GET", "/config").status, 200);
}

// Flink's switches turn off submission and cancellation through REST: refused with 403 naming
// the key, before any leader is asked (the test holds leadership, so there is none to ask).
TEST_F(rest_test, web_submit_and_cancel_switched_off_refuse_submission_and_cancellation_with_403) {
  std::ofstream(dir_.path() / "config.yaml", std::ios::app) << "web.submit.enable: false\nweb.cancel.enable: false\n";
  auto held = hold_leadership();
  ASSERT_TRUE(held);
  auto port = start_jobmanager();
  ASSERT_NE(port, 0);
  auto submit = call(port, "POST", "/jobs", spec());
  EXPECT_EQ(submit.status, 403) << submit.body;
  EXPECT_TRUE(has(submit.body, "web.submit.enable")) << submit.body;
  auto upload = call(port, "POST", "/jars/upload", "\x7f" "ELF", "application/octet-stream");
  EXPECT_EQ(upload.status, 403) << upload.body;
  auto cancel = call(port, "PATCH", "/jobs/0123456789abcdef0123456789abcdef?mode=cancel");
  EXPECT_EQ(cancel.status, 403) << cancel.body;
  EXPECT_TRUE(has(cancel.body, "web.cancel.enable")) << cancel.body;
  auto features = get_json(port, "/config")["features"];
  EXPECT_EQ(features["web-submit"], false);
  EXPECT_EQ(features["web-cancel"], false);
}

// A leader record whose rpc address cannot be used (written by hand, or by a broken
// jobmanager) gets a 502 naming the problem from every standby, request after request: the
// REST thread must not die on it (a throwing std::stoi took the whole endpoint down once).
TEST_F(rest_test, a_leader_record_with_a_bad_address_is_an_answer_not_a_crash) {
  auto held = hold_leadership();
  ASSERT_TRUE(held);
  const auto token = held->token;
  for (const char* bad : {"leader-host:http", "leader-host:99999", "no-port-at-all"}) {
    ha::leader_info info{bad, "http://leader-host:8081", token, 1};
    ASSERT_TRUE(held->services->election().publish(ha::component::dispatcher, info).ok());
  }
  auto port = start_jobmanager();
  ASSERT_NE(port, 0);
  ASSERT_TRUE(
      wait_json(port, "/cluster/leader", [](const json& j) { return j.contains("leader") && !j["leader"].is_null(); }));
  for (int round = 0; round < 3; ++round)
    for (auto* target : {"/overview", "/jobs/overview"}) {
      auto r = call(port, "GET", target);
      EXPECT_EQ(r.status, 502) << target << ": " << r.body;
      EXPECT_TRUE(has(r.body, "no-port-at-all")) << r.body;
    }
  EXPECT_EQ(call(port, "GET", "/config").status, 200);
  EXPECT_TRUE(procs_.back()->running());
}

/// The `regent` CLI against a live cluster found through conf/masters, following a job through
/// a `kill -9` of the leader.
TEST_F(rest_test, cli_runs_a_job_through_a_failover_and_manages_the_cluster) {
  auto a = start_jobmanager();
  auto b = start_jobmanager();
  ASSERT_NE(a, 0);
  ASSERT_NE(b, 0);
  start("taskmanager");
  ASSERT_TRUE(wait_json(a, "/overview", [](const json& j) { return j.value("taskmanagers", 0) == 1; }));
  {
    std::ofstream masters(dir_.path() / "masters");
    masters << "# the two masters\nlocalhost:" << a << "\n127.0.0.1:" << b << "\n";
  }
  auto cli = [&](std::vector<std::string> args) -> harness::child_process& {
    args.insert(args.begin(), {(harness::bin_dir() / "regent").string(), "--config-dir", dir_.path().string()});
    procs_.push_back(std::make_unique<harness::child_process>(
        args, dir_.path() / ("cli" + std::to_string(procs_.size()) + ".out"), true));
    return *procs_.back();
  };
  auto run_to_end = [&](std::vector<std::string> args) {
    auto& p = cli(std::move(args));
    auto code = p.wait_exit(deadline);
    p.wait_for_line([](const std::string&) { return false; }, deadline);  // returns at end of output
    std::string out;
    for (auto& l : p.lines()) out += l + "\n";
    return std::make_pair(code.value_or(-1), out);
  };

  {
    std::ofstream spec_file(dir_.path() / "job.json");
    spec_file << spec("", 8000);
  }
  auto [leader_port, standby_port] = [&] {
    auto l = get_json(a, "/cluster/leader");
    return l["this"]["role"] == "leader" ? std::make_pair(a, b) : std::make_pair(b, a);
  }();
  auto& run = cli({"run", (dir_.path() / "job.json").string(), "--job-id", "0000000000000000000000000000c11a"});
  ASSERT_TRUE(run.wait_for_line([](const std::string& l) { return has(l, "RUNNING"); }, deadline)) << run.log_text();
  ASSERT_TRUE(run.wait_for_line([](const std::string& l) { return has(l, "checkpoints completed"); }, deadline));
  // `leader --watch` prints the leader now, then every change as it happens.
  auto& watch = cli({"leader", "--watch"});
  const std::string old_leader = "http://127.0.0.1:" + std::to_string(leader_port);
  const std::string new_leader = "http://127.0.0.1:" + std::to_string(standby_port);
  ASSERT_TRUE(watch.wait_for_line([&](const std::string& l) { return has(l, "leader " + old_leader); }, deadline))
      << watch.log_text();
  // Kill the leading jobmanager: the CLI follows the job on the new leader to its end.
  auto& leader_proc = *procs_[leader_port == a ? 0 : 1];
  leader_proc.signal(SIGKILL);
  auto code = run.wait_exit(deadline);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << run.log_text();
  // Piped, `run` prints plain lines, and its last line is the final state.
  run.wait_for_line([](const std::string&) { return false; }, 5s);  // returns at the end of its output
  ASSERT_FALSE(run.lines().empty());
  EXPECT_TRUE(has(run.lines().back(), "FINISHED")) << run.lines().back();
  for (auto& l : run.lines()) EXPECT_FALSE(has(l, "\033[K")) << "a terminal control sequence in piped output: " << l;
  EXPECT_TRUE(watch.wait_for_line([&](const std::string& l) { return has(l, "leader " + new_leader); }, deadline))
      << watch.log_text();

  auto [list_code, list] = run_to_end({"list"});
  EXPECT_EQ(list_code, 0);
  EXPECT_TRUE(has(list, "0000000000000000000000000000c11a")) << list;
  // Aligned columns under a header, with the duration and the restarts of each job.
  std::istringstream list_lines(list);
  std::string header, row;
  std::getline(list_lines, header);
  std::getline(list_lines, row);
  EXPECT_EQ(header.rfind("JOB ID", 0), 0u) << list;
  for (auto* column : {"STATE", "DURATION", "RESTARTS", "NAME"}) {
    ASSERT_NE(header.find(column), std::string::npos) << list;
    EXPECT_NE(row.substr(header.find(column), 1), " ") << column << " not aligned:\n" << list;
  }
  EXPECT_EQ(row.substr(header.find("STATE"), 8), "FINISHED") << list;
  auto [status_code, status] = run_to_end({"status", "0000000000000000000000000000c11a"});
  EXPECT_EQ(status_code, 0);
  EXPECT_TRUE(has(status, "FINISHED")) << status;
  auto [leader_code, leader] = run_to_end({"leader"});
  EXPECT_EQ(leader_code, 0);
  EXPECT_TRUE(has(leader, "http://127.0.0.1:" + std::to_string(standby_port))) << leader;
  auto [overview_code, overview] = run_to_end({"overview"});
  EXPECT_EQ(overview_code, 0);
  EXPECT_TRUE(has(overview, "taskmanagers 1")) << overview;

  // Detached run, then cancel.
  auto [detached_code, detached] = run_to_end({"run", (dir_.path() / "job.json").string(), "--detached"});
  EXPECT_EQ(detached_code, 0) << detached;
  auto at = detached.find("JobID ");
  ASSERT_NE(at, std::string::npos) << detached;
  auto id = detached.substr(at + 6, 32);
  auto [cancel_code, cancelled] = run_to_end({"cancel", id});
  EXPECT_EQ(cancel_code, 0) << cancelled;

  // The operator's HA commands: nothing dirty here (every finished job was cleaned up), and a
  // cleanup of a job without a dirty result is refused.
  // The cancelled job's cleanup runs after `cancel` returns: wait for it, as an operator would.
  int dirty_code = -1;
  std::string dirty;
  for (auto until = std::chrono::steady_clock::now() + deadline; std::chrono::steady_clock::now() < until;) {
    std::tie(dirty_code, dirty) = run_to_end({"ha", "dirty"});
    if (dirty_code != 0 || has(dirty, "No dirty JobResultStore entries")) break;
    wait_for_cluster_output(50ms);
  }
  EXPECT_EQ(dirty_code, 0) << dirty;
  EXPECT_TRUE(has(dirty, "No dirty JobResultStore entries")) << dirty;
  EXPECT_EQ(get_json(standby_port, "/cluster/ha/dirty")["dirty"], json::array());
  EXPECT_EQ(run_to_end({"ha", "cleanup", "0000000000000000000000000000c11a"}).first, 1);
  EXPECT_EQ(run_to_end({"ha", "bogus"}).first, 2);

  // Failures and usage errors: one line, exit 1 or 2.
  EXPECT_EQ(run_to_end({"status", "0123456789abcdef0123456789abcdef"}).first, 1);
  EXPECT_EQ(
      run_to_end({"run", (dir_.path() / "job.json").string(), "--job-id", "0000000000000000000000000000c11a"}).first,
      1);
  EXPECT_EQ(run_to_end({"frobnicate"}).first, 2);
  EXPECT_EQ(run_to_end({"run", (dir_.path() / "missing.json").string()}).first, 2);
  EXPECT_EQ(run_to_end({}).first, 2);
}

/// `regent run` on a terminal (a pseudo-terminal from util-linux's `script`): one live line
/// rewritten in place with the state, checkpoints and the leader, and the final state last.
TEST_F(rest_test, cli_on_a_terminal_shows_one_live_line_and_ends_with_the_final_state) {
  auto [leader, standby] = start_cluster();
  ASSERT_FALSE(HasFailure());
  {
    std::ofstream spec_file(dir_.path() / "job.json");
    spec_file << spec("", 12000);  // 3 s at 4000 records/s: several polls see checkpoints complete
  }
  const std::string command = (harness::bin_dir() / "regent").string() + " -m 127.0.0.1:" + std::to_string(standby) +
                              " run " + (dir_.path() / "job.json").string();
  procs_.push_back(std::make_unique<harness::child_process>(
      std::vector<std::string>{"/usr/bin/script", "-qfec", command, "/dev/null"}, dir_.path() / "tty.out", true));
  auto& tty = *procs_.back();
  ASSERT_EQ(tty.wait_exit(deadline), 0) << tty.log_text();
  tty.wait_for_line([](const std::string&) { return false; }, 5s);  // returns at the end of its output
  std::string out;
  for (auto& l : tty.lines()) out += l + "\n";
  // The live line: rewritten with carriage return + erase-line, naming the state, the
  // checkpoints and the leader.
  EXPECT_TRUE(has(out, "\r\033[Kjob ")) << out;
  EXPECT_TRUE(has(out, ": RUNNING ")) << out;
  EXPECT_TRUE(has(out, " checkpoints · leader http://127.0.0.1:" + std::to_string(leader))) << out;
  // The records written per second, as the leader's completed checkpoints count them: some
  // refresh shows a figure above 0.
  std::smatch m;
  bool writing = false;
  for (auto it = out.cbegin(); std::regex_search(it, out.cend(), m, std::regex(R"(· ([0-9.]+)(k|M)? records/s · )"));
       it = m.suffix().first)
    writing = writing || std::stod(m[1].str()) > 0;
  EXPECT_TRUE(writing) << out;
  // No plain "job …: RUNNING" line of its own, and the final state is the last line.
  for (auto& l : tty.lines()) EXPECT_FALSE(l.rfind("job ", 0) == 0 && has(l, ": RUNNING")) << l;
  std::string last_line;
  for (auto& l : tty.lines())
    if (l.find_first_not_of("\r\n ") != std::string::npos) last_line = l;
  EXPECT_TRUE(has(last_line, "FINISHED after ")) << out;
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// bin/start-cluster.sh with two masters: two jobmanagers on their conf/masters ports, one
/// leader; bin/stop-cluster.sh leaves no process and no pid file.
TEST_F(rest_test, start_cluster_script_starts_two_masters_and_stop_leaves_nothing) {
  auto conf = dir_.path() / "conf";
  fs::create_directories(conf);
  fs::copy_file(dir_.path() / "config.yaml", conf / "config.yaml");
  auto p1 = free_port(), p2 = free_port();
  {
    std::ofstream(conf / "masters") << "localhost:" << p1 << "\nlocalhost:" << p2 << "\n";
    std::ofstream(conf / "workers") << "localhost\n";
  }
  auto logs = dir_.path() / "log";
  auto script = [&](const char* name) {
    procs_.push_back(std::make_unique<harness::child_process>(
        std::vector<std::string>{"/usr/bin/env", "REGENT_CONF_DIR=" + conf.string(), "REGENT_LOG_DIR=" + logs.string(),
                                 "REGENT_BIN_DIR=" + harness::bin_dir().string(),
                                 std::string(REGENT_SOURCE_DIR) + "/bin/" + name},
        dir_.path() / (std::string(name) + ".out"), true));
    auto code = procs_.back()->wait_exit(deadline);
    return code.value_or(-1);
  };
  ASSERT_EQ(script("start-cluster.sh"), 0);
  std::vector<pid_t> pids;
  for (auto* f : {"jobmanager.pid", "taskmanager.pid"}) {
    std::ifstream in(logs / f);
    for (pid_t pid; in >> pid;) pids.push_back(pid);
  }
  ASSERT_EQ(pids.size(), 3u);
  ASSERT_TRUE(wait_json(p1, "/overview", [](const json& j) { return j.value("taskmanagers", 0) == 1; }));
  auto a = get_json(p1, "/cluster/leader");
  auto b = get_json(p2, "/cluster/leader");
  EXPECT_EQ(a["leader"], b["leader"]);
  std::set<std::string> roles{a["this"]["role"].get<std::string>(), b["this"]["role"].get<std::string>()};
  EXPECT_EQ(roles, (std::set<std::string>{"leader", "standby"}));

  ASSERT_EQ(script("stop-cluster.sh"), 0);
  for (auto pid : pids) EXPECT_TRUE(harness::wait_pid_exited(pid, 0ms)) << "pid " << pid << " still runs";
  EXPECT_FALSE(fs::exists(logs / "jobmanager.pid"));
  EXPECT_FALSE(fs::exists(logs / "taskmanager.pid"));
}

}  // namespace
}  // namespace regent
