// The Prometheus text of /metrics: Flink's metric names with Flink's labels, Regent's
// leadership metrics with a takeover histogram, the process metrics; # HELP on every family.

#include "regent/programs/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <set>
#include <cstring>
#include <sstream>

namespace regent::programs {
namespace {

using json = nlohmann::json;

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

/// Every family named in a # TYPE line has a # HELP line, and every sample belongs to one.
void expect_help_for_every_family(const std::string& text) {
  std::set<std::string> typed, helped;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) == 0) typed.insert(line.substr(7, line.find(' ', 7) - 7));
    if (line.rfind("# HELP ", 0) == 0) helped.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  EXPECT_EQ(typed, helped);
  std::istringstream samples(text);
  for (std::string line; std::getline(samples, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto name = line.substr(0, line.find_first_of("{ "));
    bool known = typed.count(name) > 0;
    for (auto* suffix : {"_bucket", "_sum", "_count"})
      if (name.size() > std::strlen(suffix) &&
          name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
        known = known || typed.count(name.substr(0, name.size() - std::strlen(suffix))) > 0;
    EXPECT_TRUE(known) << "sample of no family: " << line;
  }
}

TEST(prometheus_text, the_cluster_and_each_live_job_under_flinks_names) {
  json overview = {{"taskmanagers", 2}, {"slots-total", 8}, {"slots-available", 5}, {"jobs-running", 1}};
  job_metrics_source job;
  job.details = {{"jid", "abc"},
                 {"name", "wc \"quoted\""},
                 {"state", "RUNNING"},
                 {"numRestarts", 2},
                 {"timestamps", {{"RUNNING", 1000}}}};
  job.checkpoints = {{"counts", {{"completed", 7}, {"failed", 1}}},
                     {"latest",
                      {{"completed", {{"end_to_end_duration", 35}, {"state_size", 4096}}},
                       {"restored", {{"id", 3}, {"restore_timestamp", 900}}}}}};
  auto text = flink_jobmanager_metrics(overview, {job}, 6000);
  EXPECT_TRUE(has(text, "flink_jobmanager_numRegisteredTaskManagers 2\n")) << text;
  EXPECT_TRUE(has(text, "flink_jobmanager_taskSlotsAvailable 5\n")) << text;
  EXPECT_TRUE(has(text, "flink_jobmanager_taskSlotsTotal 8\n")) << text;
  EXPECT_TRUE(has(text, "flink_jobmanager_numRunningJobs 1\n")) << text;
  const std::string labels = "{job_id=\"abc\",job_name=\"wc \\\"quoted\\\"\"} ";
  EXPECT_TRUE(has(text, "flink_jobmanager_job_uptime" + labels + "5000\n")) << text;
  EXPECT_TRUE(has(text, "flink_jobmanager_job_numRestarts" + labels + "2\n")) << text;
  EXPECT_TRUE(has(text, "flink_jobmanager_job_numberOfCompletedCheckpoints" + labels + "7\n")) << text;
  EXPECT_TRUE(has(text, "flink_jobmanager_job_numberOfFailedCheckpoints" + labels + "1\n")) << text;
  EXPECT_TRUE(has(text, "flink_jobmanager_job_lastCheckpointDuration" + labels + "35\n")) << text;
  EXPECT_TRUE(has(text, "flink_jobmanager_job_lastCheckpointSize" + labels + "4096\n")) << text;
  EXPECT_TRUE(has(text, "flink_jobmanager_job_lastCheckpointRestoreTimestamp" + labels + "900\n")) << text;
  expect_help_for_every_family(text);
}

TEST(prometheus_text, a_job_not_running_has_no_uptime_and_no_restore) {
  job_metrics_source job;
  job.details = {{"jid", "abc"}, {"name", "x"}, {"state", "RESTARTING"}, {"timestamps", {{"RUNNING", 1000}}}};
  auto text = flink_jobmanager_metrics(json::object(), {job}, 6000);
  EXPECT_TRUE(has(text, "flink_jobmanager_job_uptime{job_id=\"abc\",job_name=\"x\"} 0\n")) << text;
  EXPECT_TRUE(has(text, "flink_jobmanager_job_lastCheckpointRestoreTimestamp{job_id=\"abc\",job_name=\"x\"} -1\n"))
      << text;
}

TEST(prometheus_text, takeovers_form_a_histogram_in_seconds) {
  leadership_sample s;
  s.leader = true;
  s.epoch = 4;
  s.changes_by_reason = {{"granted", 2}, {"revoked", 1}};
  s.last_takeover_ms = 20;
  s.takeovers_ms = {20, 40, 700};
  auto text = leadership_metrics(s);
  EXPECT_TRUE(has(text, "regent_leadership_is_leader 1\n")) << text;
  EXPECT_TRUE(has(text, "regent_leadership_epoch 4\n")) << text;
  EXPECT_TRUE(has(text, "regent_leadership_last_takeover_seconds 0.02")) << text;
  EXPECT_TRUE(has(text, "# TYPE regent_leadership_takeover_seconds histogram\n")) << text;
  EXPECT_TRUE(has(text, "regent_leadership_takeover_seconds_bucket{le=\"0.025\"} 1\n")) << text;
  EXPECT_TRUE(has(text, "regent_leadership_takeover_seconds_bucket{le=\"0.05\"} 2\n")) << text;
  EXPECT_TRUE(has(text, "regent_leadership_takeover_seconds_bucket{le=\"1\"} 3\n")) << text;
  EXPECT_TRUE(has(text, "regent_leadership_takeover_seconds_bucket{le=\"+Inf\"} 3\n")) << text;
  EXPECT_TRUE(has(text, "regent_leadership_takeover_seconds_count 3\n")) << text;
  expect_help_for_every_family(text);
}

TEST(prometheus_text, leadership_changes_by_reason_list_every_reason_even_before_it_happens) {
  leadership_sample s;
  s.changes_by_reason = {{"granted", 2}, {"revoked", 1}};
  auto text = leadership_metrics(s);
  EXPECT_TRUE(has(text, "# TYPE regent_leadership_changes_total counter\n")) << text;
  EXPECT_TRUE(has(text, "regent_leadership_changes_total{reason=\"granted\"} 2\n")) << text;
  EXPECT_TRUE(has(text, "regent_leadership_changes_total{reason=\"revoked\"} 1\n")) << text;
  EXPECT_TRUE(has(text, "regent_leadership_changes_total{reason=\"shutdown\"} 0\n")) << text;
  EXPECT_FALSE(has(text, "\nregent_leadership_changes_total ")) << "no unlabelled total beside the reasons\n" << text;
  expect_help_for_every_family(text);
}

TEST(prometheus_text, fencing_rejections_and_the_ha_connection_state) {
  leadership_sample s;
  s.fenced_requests_rejected = 5;
  s.fenced_writes_rejected = 2;
  s.ha_connection = "suspended";
  auto text = leadership_metrics(s);
  EXPECT_TRUE(has(text, "# TYPE regent_fenced_requests_rejected_total counter\n")) << text;
  EXPECT_TRUE(has(text, "regent_fenced_requests_rejected_total 5\n")) << text;
  EXPECT_TRUE(has(text, "# TYPE regent_ha_fenced_writes_rejected_total counter\n")) << text;
  EXPECT_TRUE(has(text, "regent_ha_fenced_writes_rejected_total 2\n")) << text;
  EXPECT_TRUE(has(text, "regent_ha_session_state{state=\"connected\"} 0\n")) << text;
  EXPECT_TRUE(has(text, "regent_ha_session_state{state=\"suspended\"} 1\n")) << text;
  EXPECT_TRUE(has(text, "regent_ha_session_state{state=\"lost\"} 0\n")) << text;
  expect_help_for_every_family(text);
}

TEST(prometheus_text, a_taskmanager_reports_its_slots_and_each_subtasks_records_under_flinks_names) {
  taskmanager_sample s;
  s.tm_id = "tm-1";
  s.slots_total = 4;
  s.slots_available = 2;
  s.subtasks = {{"j1", "v1", 0, 3, 10, 9}, {"j1", "v1", 1, 3, 20, 20}};
  auto text = flink_taskmanager_metrics(s);
  EXPECT_TRUE(has(text, "flink_taskmanager_Status_Slots_Total{tm_id=\"tm-1\"} 4\n")) << text;
  EXPECT_TRUE(has(text, "flink_taskmanager_Status_Slots_Available{tm_id=\"tm-1\"} 2\n")) << text;
  const std::string first = "{job_id=\"j1\",task_id=\"v1\",subtask_index=\"0\",task_attempt_num=\"3\",tm_id=\"tm-1\"} ";
  const std::string second = "{job_id=\"j1\",task_id=\"v1\",subtask_index=\"1\",task_attempt_num=\"3\",tm_id=\"tm-1\"} ";
  EXPECT_TRUE(has(text, "flink_taskmanager_job_task_numRecordsIn" + first + "10\n")) << text;
  EXPECT_TRUE(has(text, "flink_taskmanager_job_task_numRecordsOut" + first + "9\n")) << text;
  EXPECT_TRUE(has(text, "flink_taskmanager_job_task_numRecordsIn" + second + "20\n")) << text;
  EXPECT_TRUE(has(text, "flink_taskmanager_job_task_numRecordsOut" + second + "20\n")) << text;
  expect_help_for_every_family(text);
  // With nothing deployed the families are still announced (a dashboard's query finds them).
  auto idle = flink_taskmanager_metrics({"tm-2", 4, 4, {}});
  EXPECT_TRUE(has(idle, "# TYPE flink_taskmanager_job_task_numRecordsOut gauge\n")) << idle;
  expect_help_for_every_family(idle);
}

TEST(prometheus_text, the_process_metrics_every_client_library_exposes) {
  auto text = process_metrics();
  for (auto* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_virtual_memory_bytes ",
                     "process_open_fds ", "process_max_fds ", "process_start_time_seconds "})
    EXPECT_TRUE(has(text, std::string("\n") + name)) << name << " in\n" << text;
  expect_help_for_every_family(text);
}

}  // namespace
}  // namespace regent::programs
