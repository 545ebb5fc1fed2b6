// A real Prometheus server (Debian's `prometheus`) scrapes both jobmanagers and both taskmanagers
// (their metrics.reporter.prom.port) of a cluster, and
// the leader's epoch comes back through Prometheus's HTTP query API, before and after a
// `kill -9` of the leader. So a Grafana panel over these metrics shows every takeover.

#include <gtest/gtest.h>

#include <cctype>
#include <csignal>
#include <fstream>
#include <map>
#include <sstream>

#include "regent/harness/local_cluster.hpp"
#include "regent/harness/outside.hpp"

namespace regent {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
constexpr auto deadline = std::chrono::seconds(60);

class prometheus_test : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"prometheus"};
  // Each taskmanager takes the first free port of a range for its metrics, as with Flink's reporter.
  const std::uint16_t tm_ports_ = harness::local_cluster::free_port();
  harness::local_cluster cluster_{dir_.path() / "cluster", "metrics.reporter.prom.port: " + std::to_string(tm_ports_) +
                                                               "-" + std::to_string(tm_ports_ + 40) + "\n"};
  std::unique_ptr<harness::child_process> prometheus_;
  std::uint16_t port_ = 0;

  void TearDown() override {
    if (!HasFailure()) return;
    dir_.keep();
    std::fprintf(stderr, "artefacts kept in %s\n%s\n%s\n", dir_.path().c_str(),
                 prometheus_ ? prometheus_->log_text().c_str() : "", cluster_.logs().c_str());
  }

  /// The metrics port a taskmanager logged.
  static std::uint16_t metrics_port(harness::child_process& tm) {
    static const std::string tag = "metrics endpoint listening on http://";
    auto line = tm.wait_for_line([](const std::string& l) { return l.find(tag) != std::string::npos; }, deadline);
    if (!line) return 0;
    auto url = line->substr(line->find(tag) + tag.size());
    return static_cast<std::uint16_t>(std::stoi(url.substr(url.find(':') + 1)));
  }

  /// Starts Prometheus scraping the jobmanagers `targets` and the taskmanagers `tms` (host:port)
  /// every 200 ms; true once it is ready.
  bool start_prometheus(const std::vector<std::uint16_t>& targets, const std::vector<std::uint16_t>& tms) {
    port_ = harness::local_cluster::free_port();
    {
      std::ofstream c(dir_.path() / "prometheus.yml");
      c << "global:\n  scrape_interval: 200ms\n  scrape_timeout: 150ms\n  evaluation_interval: 1s\n"
        << "scrape_configs:\n  - job_name: regent-jobmanager\n    static_configs:\n      - targets: [";
      for (std::size_t i = 0; i < targets.size(); ++i) c << (i ? ", " : "") << "'127.0.0.1:" << targets[i] << "'";
      c << "]\n  - job_name: regent-taskmanager\n    static_configs:\n      - targets: [";
      for (std::size_t i = 0; i < tms.size(); ++i) c << (i ? ", " : "") << "'127.0.0.1:" << tms[i] << "'";
      c << "]\n";
    }
    prometheus_ = std::make_unique<harness::child_process>(
        std::vector<std::string>{"/usr/bin/prometheus", "--config.file=" + (dir_.path() / "prometheus.yml").string(),
                                 "--storage.tsdb.path=" + (dir_.path() / "data").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
        dir_.path() / "prometheus.out", true);
    return prometheus_
        ->wait_for_line([](const std::string& l) { return l.find("Server is ready") != std::string::npos; }, deadline)
        .has_value();
  }

  /// The value of an instant query with one result, or "" (no result yet).
  std::string query(const std::string& promql) {
    std::string encoded;
    for (unsigned char c : promql) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      encoded += std::isalnum(c) ? std::string(1, static_cast<char>(c)) : std::string(hex);
    }
    auto j = harness::local_cluster::get(port_, "/api/v1/query?query=" + encoded);
    if (j.is_null() || j["status"] != "success" || j["data"]["result"].size() != 1) return "";
    return j["data"]["result"][0]["value"][1].get<std::string>();
  }

  /// Asks `done` again after each line `paced_by` logs (at least every 200 ms) until it holds,
  /// or the deadline.
  template <class Pred>
  static bool eventually(harness::child_process& paced_by, Pred done) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      if (done()) return true;
      paced_by.wait_for_line([](const std::string&) { return true; }, 200ms, paced_by.line_count());
    }
    return done();
  }

  /// Waits until `promql` answers `value`; on failure the last answer.
  ::testing::AssertionResult query_answers(const std::string& promql, const std::string& value) {
    std::string last;
    if (eventually(*prometheus_, [&] { return (last = query(promql)) == value; }))
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << promql << " answered \"" << last << "\", not " << value;
  }

  /// promtool parses `text` (exit 1 would be a format error) and its only findings (exit 3)
  /// are the camelCase of Flink's names, which Flink's dashboards need as they are.
  ::testing::AssertionResult promtool_accepts(const std::string& text, const std::string& name) {
    auto verdict = harness::promtool_check(text, dir_.path(), name, deadline);
    if (verdict.exit_code != 0 && verdict.exit_code != 3)
      return ::testing::AssertionFailure() << "promtool exit " << verdict.exit_code.value_or(-1) << "\n"
                                           << verdict.output << "\n" << text;
    for (auto& finding : verdict.findings)
      if (finding.rfind("flink_", 0) != 0 || finding.find("camelCase") == std::string::npos)
        return ::testing::AssertionFailure() << "promtool: " << finding << "\n" << text;
    return ::testing::AssertionSuccess();
  }

  /// flink_taskmanager_job_task_numRecordsOut of job `job` in a taskmanager's metrics text, by
  /// subtask_index.
  static std::map<int, double> records_out(const std::string& text, const std::string& job) {
    static const std::string family = "flink_taskmanager_job_task_numRecordsOut{";
    static const std::string index_label = "subtask_index=\"";
    std::map<int, double> out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(family, 0) != 0 || line.find("job_id=\"" + job + "\"") == std::string::npos) continue;
      auto at = line.find(index_label);
      if (at == std::string::npos) continue;
      out[std::stoi(line.substr(at + index_label.size()))] = std::stod(line.substr(line.rfind("} ") + 2));
    }
    return out;
  }
};

TEST_F(prometheus_test, prometheus_scrapes_both_jobmanagers_and_sees_the_new_leaders_epoch_after_a_kill) {
  auto a = cluster_.start_jobmanager();
  auto b = cluster_.start_jobmanager();
  ASSERT_NE(a, 0);
  ASSERT_NE(b, 0);
  auto tm1 = metrics_port(cluster_.start_taskmanager());
  auto tm2 = metrics_port(cluster_.start_taskmanager());
  ASSERT_NE(tm1, 0);
  ASSERT_NE(tm2, 0);
  ASSERT_TRUE(cluster_.wait_json(b, "/cluster/leader", [](const json& j) { return !j["leader"].is_null(); }));
  ASSERT_TRUE(cluster_.wait_json(b, "/overview", [](const json& j) { return j.value("taskmanagers", 0) == 2; }));
  const auto leader = harness::local_cluster::leader_port(b);
  const auto standby = leader == a ? b : a;
  // A taskmanager's own endpoint: its slots and process metrics, which promtool parses.
  auto tm_text = harness::local_cluster::call(tm1, "GET", "/metrics");
  ASSERT_EQ(tm_text.status, 200);
  EXPECT_NE(tm_text.body.find("flink_taskmanager_Status_Slots_Total{tm_id="), std::string::npos) << tm_text.body;
  EXPECT_TRUE(promtool_accepts(tm_text.body, "tm"));

  ASSERT_TRUE(start_prometheus({a, b}, {tm1, tm2}));

  auto epoch_at = [](std::uint16_t port) {
    return harness::local_cluster::get(port, "/cluster/leader")["leader"]["epoch"].get<std::uint64_t>();
  };
  const auto first = epoch_at(leader);
  // Both targets up; the leader's epoch from the series of the one that leads; Flink's names too.
  EXPECT_TRUE(query_answers("count(up{job=\"regent-jobmanager\"} == 1)", "2"));
  EXPECT_TRUE(query_answers("count(up{job=\"regent-taskmanager\"} == 1)", "2"));
  EXPECT_TRUE(query_answers("max(regent_leadership_epoch)", std::to_string(first)));
  EXPECT_TRUE(query_answers("sum(regent_leadership_is_leader)", "1"));
  EXPECT_TRUE(query_answers("sum(flink_jobmanager_numRegisteredTaskManagers)", "2"));
  EXPECT_TRUE(query_answers("sum(flink_taskmanager_Status_Slots_Total)", "8"));
  EXPECT_TRUE(query_answers("count(process_resident_memory_bytes > 0)", "4"));

  cluster_.process_of(leader).signal(SIGKILL);
  ASSERT_TRUE(cluster_.wait_json(standby, "/cluster/leader", [](const json& j) {
    return !j["leader"].is_null() && j["this"]["role"] == "leader";
  }));
  const auto second = epoch_at(standby);
  ASSERT_GT(second, first);
  EXPECT_TRUE(query_answers("count(up{job=\"regent-jobmanager\"} == 1)", "1"));
  EXPECT_TRUE(query_answers("max(regent_leadership_epoch)", std::to_string(second)));
  EXPECT_TRUE(
      query_answers("regent_leadership_is_leader{instance=\"127.0.0.1:" + std::to_string(standby) + "\"}", "1"));
}

TEST_F(prometheus_test, a_taskmanager_reports_the_records_each_of_its_subtasks_wrote_growing_while_the_job_runs) {
  auto jm = cluster_.start_jobmanager();
  ASSERT_NE(jm, 0);
  auto& tm = cluster_.start_taskmanager();
  auto port = metrics_port(tm);
  ASSERT_NE(port, 0);
  ASSERT_TRUE(cluster_.wait_json(jm, "/overview", [](const json& j) { return j.value("taskmanagers", 0) == 1; }));
  auto job = harness::local_cluster::submit(
      jm, R"({"name":"metered","parallelism":2,"source":{"type":"sequence","from":1,"to":100000000,)"
          R"("rate-per-second":200},"operators":[{"type":"map","function":"identity"}],)"
          R"("sink":{"type":"file","path":")" +
              (dir_.path() / "out").string() + R"("}})");
  ASSERT_FALSE(job.empty());
  auto metrics = [&] { return harness::local_cluster::call(port, "GET", "/metrics").body; };

  // Both subtasks run here and each has written records...
  std::string text;
  std::map<int, double> first;
  ASSERT_TRUE(eventually(tm, [&] {
    first = records_out(text = metrics(), job);
    return first.size() == 2 && first[0] > 0 && first[1] > 0;
  })) << text;
  // ...and goes on writing while the job runs.
  std::map<int, double> later;
  ASSERT_TRUE(eventually(tm, [&] {
    later = records_out(text = metrics(), job);
    return later.size() == 2 && later[0] > first[0] && later[1] > first[1];
  })) << text;
  for (auto* family : {"# TYPE flink_taskmanager_job_task_numRecordsIn gauge", "flink_taskmanager_job_task_numRecordsIn{",
                       "# HELP flink_taskmanager_job_task_numRecordsOut ", "flink_taskmanager_Status_Slots_Available{"})
    EXPECT_NE(text.find(family), std::string::npos) << family << " in\n" << text;
  auto available = text.find("\nflink_taskmanager_Status_Slots_Available{tm_id=\"");
  ASSERT_NE(available, std::string::npos) << text;
  auto line = text.substr(available + 1, text.find('\n', available + 1) - available - 1);
  EXPECT_EQ(line.substr(line.rfind(' ') + 1), "2") << "2 of the 4 slots are free: " << line;
  EXPECT_TRUE(promtool_accepts(text, "tm-running"));
}

}  // namespace
}  // namespace regent
