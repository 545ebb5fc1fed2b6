// Flink's REST shapes of what the actors know: the fields a Flink client or dashboard reads,
// with the values the typed answers carry.

#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "regent/views/flink_rest.hpp"

namespace regent::views {
namespace {

using nlohmann::json;

job_id id_of(const char* hex) { return *job_id::parse(hex); }

const char* const a_job = "0123456789abcdef0123456789abcdef";
const char* const another_job = "fedcba9876543210fedcba9876543210";

job_summary summary(const char* id, job::job_status s, int parallelism, std::int64_t start, std::int64_t end = -1) {
  job_summary j;
  j.id = id_of(id);
  j.name = std::string("job ") + id;
  j.status = s;
  j.parallelism = parallelism;
  j.start_ms = start;
  j.end_ms = end;
  j.modified_ms = end >= 0 ? end : start;
  return j;
}

std::vector<taskmanager_summary> two_taskmanagers() {
  return {{"tm-1", "127.0.0.1:7001", 4, 1, 120}, {"tm-2", "127.0.0.1:7002", 2, 2, 30}};
}

TEST(flink_rest, jobs_overview_shows_each_job_with_its_running_duration_and_task_counts) {
  auto body = json::parse(jobs_overview({summary(a_job, job::job_status::running, 3, 1000),
                                         summary(another_job, job::job_status::finished, 2, 1000, 4000)},
                                        6000));
  ASSERT_EQ(body["jobs"].size(), 2u);
  auto& running = body["jobs"][0];
  EXPECT_EQ(running["jid"], a_job);
  EXPECT_EQ(running["state"], "RUNNING");
  EXPECT_EQ(running["end-time"], -1);
  EXPECT_EQ(running["duration"], 5000);  // until now
  EXPECT_EQ(running["tasks"]["total"], 3);
  EXPECT_EQ(running["tasks"]["running"], 3);
  EXPECT_EQ(running["tasks"]["created"], 0);
  auto& finished = body["jobs"][1];
  EXPECT_EQ(finished["state"], "FINISHED");
  EXPECT_EQ(finished["duration"], 3000);  // until its end, not now
  EXPECT_EQ(finished["tasks"]["finished"], 2);
}

TEST(flink_rest, a_cancelling_job_shows_its_tasks_canceling_and_a_new_one_created) {
  auto body = json::parse(jobs_overview(
      {summary(a_job, job::job_status::cancelling, 2, 0), summary(another_job, job::job_status::initializing, 5, 0)},
      1));
  EXPECT_EQ(body["jobs"][0]["tasks"]["canceling"], 2);
  EXPECT_EQ(body["jobs"][1]["tasks"]["created"], 5);
}

TEST(flink_rest, cluster_overview_counts_slots_and_jobs_by_outcome) {
  auto body =
      json::parse(cluster_overview(two_taskmanagers(), {summary(a_job, job::job_status::running, 1, 0),
                                                        summary(another_job, job::job_status::canceled, 1, 0, 5)}));
  EXPECT_EQ(body["taskmanagers"], 2);
  EXPECT_EQ(body["slots-total"], 6);
  EXPECT_EQ(body["slots-available"], 3);
  EXPECT_EQ(body["jobs-running"], 1);
  EXPECT_EQ(body["jobs-cancelled"], 1);
  EXPECT_EQ(body["jobs-finished"], 0);
  EXPECT_EQ(body["jobs-failed"], 0);
  EXPECT_TRUE(body.contains("flink-version"));
}

TEST(flink_rest, taskmanagers_carry_their_address_port_slots_and_heartbeat_age) {
  auto body = json::parse(taskmanagers(two_taskmanagers()));
  ASSERT_EQ(body["taskmanagers"].size(), 2u);
  auto& tm = body["taskmanagers"][0];
  EXPECT_EQ(tm["id"], "tm-1");
  EXPECT_EQ(tm["path"], "127.0.0.1:7001");
  EXPECT_EQ(tm["dataPort"], 7001);
  EXPECT_EQ(tm["slotsNumber"], 4);
  EXPECT_EQ(tm["freeSlots"], 1);
  EXPECT_EQ(tm["timeSinceLastHeartbeat"], 120);
  EXPECT_EQ(tm["freeResource"]["cpuCores"], 1.0);
}

TEST(flink_rest, leader_metrics_are_prometheus_text_with_every_job_status) {
  auto text = leader_metrics(two_taskmanagers(), {summary(a_job, job::job_status::running, 1, 0)}, 42);
  EXPECT_NE(text.find("regent_jobs{state=\"RUNNING\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("regent_jobs{state=\"FAILED\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("regent_checkpoints_completed_total 42\n"), std::string::npos) << text;
  EXPECT_NE(text.find("regent_taskmanagers 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("regent_slots_available 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE regent_jobs gauge\n"), std::string::npos) << text;
}

TEST(flink_rest, dirty_jobs_list_what_each_still_holds) {
  dirty_job d;
  d.id = id_of(a_job);
  d.result = ha::job_result{d.id, "CANCELED", 10, std::nullopt, "wordcount", 1, 11};
  d.cleanup_attempts = 3;
  d.job_graph = true;
  d.checkpoints = {7, 8};
  d.blobs = {"udf.so"};
  dirty_job unreadable;
  unreadable.id = id_of(another_job);
  auto body = json::parse(dirty_jobs({d, unreadable}));
  ASSERT_EQ(body["dirty"].size(), 2u);
  auto& row = body["dirty"][0];
  EXPECT_EQ(row["jid"], a_job);
  EXPECT_EQ(row["name"], "wordcount");
  EXPECT_EQ(row["application-status"], "CANCELED");
  EXPECT_EQ(row["cleanup-attempts"], 3);
  EXPECT_EQ(row["artifacts"]["job-graph"], true);
  EXPECT_EQ(row["artifacts"]["checkpoints"], json({7, 8}));
  EXPECT_EQ(row["artifacts"]["blobs"], json({"udf.so"}));
  EXPECT_EQ(row["artifacts"]["checkpoint-data"], false);
  EXPECT_FALSE(body["dirty"][1].contains("name"));  // no entry could be read
}

/// "wordcount", parallelism 2, RUNNING since 1200.
job_snapshot running_job() {
  job_snapshot s;
  s.id = id_of(a_job);
  s.name = "wordcount";
  s.parallelism = 2;
  s.status = job::job_status_machine(job::job_status::initializing, 1000);
  (void)s.status.transition(job::job_status::created, 1100);
  (void)s.status.transition(job::job_status::running, 1200);
  return s;
}

job_snapshot restarting_job() {
  job_snapshot s = running_job();
  (void)s.status.transition(job::job_status::failing, 1300);
  (void)s.status.transition(job::job_status::restarting, 1300);
  s.failures = {{"subtask 1 failed: boom", 1300}, {"taskmanager tm-1 was lost", 1250}};
  return s;
}

TEST(flink_rest, job_details_show_the_status_its_timestamps_and_the_one_vertex) {
  auto body = json::parse(job_details(restarting_job(), 2000));
  EXPECT_EQ(body["jid"], a_job);
  EXPECT_EQ(body["state"], "RESTARTING");
  EXPECT_EQ(body["start-time"], 1000);
  EXPECT_EQ(body["end-time"], -1);
  EXPECT_EQ(body["duration"], 1000);
  EXPECT_EQ(body["now"], 2000);
  EXPECT_EQ(body["timestamps"]["RUNNING"], 1200);
  EXPECT_EQ(body["timestamps"]["FINISHED"], 0);
  EXPECT_EQ(body["numRestarts"], 1);
  ASSERT_EQ(body["vertices"].size(), 1u);
  EXPECT_EQ(body["vertices"][0]["parallelism"], 2);
  EXPECT_EQ(body["vertices"][0]["tasks"]["CREATED"], 2);
  EXPECT_EQ(body["plan"]["nodes"][0]["id"], a_job);
}

TEST(flink_rest, the_vertex_shows_the_records_written_up_to_the_latest_completed_checkpoint) {
  auto unknown = json::parse(job_details(restarting_job(), 2000))["vertices"][0]["metrics"];
  EXPECT_EQ(unknown["write-records"], 0);
  EXPECT_EQ(unknown["write-records-complete"], false);
  auto job = restarting_job();
  job.records_written = 1234;
  auto known = json::parse(job_details(job, 2000))["vertices"][0]["metrics"];
  EXPECT_EQ(known["write-records"], 1234);
  EXPECT_EQ(known["write-records-complete"], true);
}

TEST(flink_rest, a_created_job_shows_its_vertex_scheduled) {
  job_snapshot s;
  s.id = id_of(a_job);
  s.parallelism = 3;
  s.status = job::job_status_machine(job::job_status::initializing, 0);
  (void)s.status.transition(job::job_status::created, 1);
  auto body = json::parse(job_details(s, 2));
  EXPECT_EQ(body["vertices"][0]["status"], "SCHEDULED");
  EXPECT_EQ(body["vertices"][0]["tasks"]["SCHEDULED"], 3);
}

TEST(flink_rest, exceptions_put_the_newest_failure_first_as_the_root) {
  auto body = json::parse(exceptions(restarting_job()));
  EXPECT_EQ(body["root-exception"], "subtask 1 failed: boom");
  EXPECT_EQ(body["timestamp"], 1300);
  ASSERT_EQ(body["exceptionHistory"]["entries"].size(), 2u);
  EXPECT_EQ(body["exceptionHistory"]["entries"][1]["stacktrace"], "taskmanager tm-1 was lost");
  EXPECT_EQ(body["all-exceptions"][0]["task"], "wordcount");
}

TEST(flink_rest, a_job_without_failures_has_a_null_root_exception) {
  job_snapshot s;
  s.id = id_of(a_job);
  auto body = json::parse(exceptions(s));
  EXPECT_TRUE(body["root-exception"].is_null());
  EXPECT_TRUE(body["timestamp"].is_null());
  EXPECT_TRUE(body["exceptionHistory"]["entries"].empty());
}

TEST(flink_rest, checkpoints_show_counts_latest_and_history) {
  job::checkpoint_statistics st;
  st.counts.total = 3;
  st.counts.completed = 2;
  st.counts.failed = 1;
  job::checkpoint_stats done;
  done.id = 8;
  done.status = job::checkpoint_status::completed;
  done.external_path = "/chk/chk-8";
  done.end_to_end_duration = 12;
  job::checkpoint_stats failed;
  failed.id = 9;
  failed.status = job::checkpoint_status::failed;
  failed.failure_message = "timed out";
  st.latest_completed = done;
  st.latest_failed = failed;
  st.latest_restored = job::restored_checkpoint_stats{7, 500, "/chk/chk-7"};
  st.end_to_end_duration.add(10);
  st.end_to_end_duration.add(12);
  st.history = {failed, done};
  auto body = json::parse(checkpoints(st));
  EXPECT_EQ(body["counts"]["completed"], 2);
  EXPECT_EQ(body["counts"]["failed"], 1);
  EXPECT_EQ(body["latest"]["completed"]["id"], 8);
  EXPECT_EQ(body["latest"]["completed"]["external_path"], "/chk/chk-8");
  EXPECT_EQ(body["latest"]["completed"]["clazz"], "completed");
  EXPECT_EQ(body["latest"]["failed"]["failure_message"], "timed out");
  EXPECT_EQ(body["latest"]["restored"]["id"], 7);
  EXPECT_TRUE(body["latest"]["savepoint"].is_null());
  EXPECT_EQ(body["summary"]["end_to_end_duration"]["max"], 12);
  EXPECT_EQ(body["summary"]["end_to_end_duration"]["min"], 10);
  ASSERT_EQ(body["history"].size(), 2u);
  EXPECT_EQ(body["history"][0]["status"], "FAILED");
}

TEST(flink_rest, execution_result_is_in_progress_until_the_job_has_a_result) {
  EXPECT_EQ(json::parse(execution_in_progress())["status"]["id"], "IN_PROGRESS");
  ha::job_result r{id_of(a_job), "FAILED", 900, std::string("boom"), "wordcount", 100, 1000};
  auto body = json::parse(execution_result(r));
  EXPECT_EQ(body["status"]["id"], "COMPLETED");
  EXPECT_EQ(body["job-execution-result"]["application-status"], "FAILED");
  EXPECT_EQ(body["job-execution-result"]["net-runtime"], 900);
  EXPECT_EQ(body["job-execution-result"]["failure-cause"]["stack-trace"], "boom");
  r.failure_cause.reset();
  EXPECT_FALSE(json::parse(execution_result(r))["job-execution-result"].contains("failure-cause"));
}

TEST(flink_rest, a_job_that_ended_before_this_leader_is_shown_from_its_result) {
  ha::job_result r{id_of(a_job), "SUCCEEDED", 900, std::nullopt, "wordcount", 100, 1000};
  auto details = json::parse(archived_job_details(r, 5000));
  EXPECT_EQ(details["state"], "FINISHED");
  EXPECT_EQ(details["duration"], 900);
  EXPECT_EQ(details["timestamps"]["FINISHED"], 1000);
  EXPECT_EQ(details["now"], 5000);
  auto chk = json::parse(archived_checkpoints());
  EXPECT_EQ(chk["counts"]["total"], 0);
  EXPECT_TRUE(chk["latest"]["completed"].is_null());
  EXPECT_TRUE(json::parse(archived_exceptions(r))["root-exception"].is_null());
  r.failure_cause = "boom";
  r.application_status = "FAILED";
  auto ex = json::parse(archived_exceptions(r));
  EXPECT_EQ(ex["root-exception"], "boom");
  EXPECT_EQ(ex["timestamp"], 1000);
}

TEST(flink_rest, application_statuses_map_to_job_states) {
  EXPECT_STREQ(state_of_application("SUCCEEDED"), "FINISHED");
  EXPECT_STREQ(state_of_application("CANCELED"), "CANCELED");
  EXPECT_STREQ(state_of_application("FAILED"), "FAILED");
  EXPECT_STREQ(state_of_application("UNKNOWN"), "UNKNOWN");
  EXPECT_STREQ(state_of_application("garbage"), "UNKNOWN");
}

TEST(flink_rest, a_job_archive_holds_every_answer_about_the_job_in_flinks_historyserver_format) {
  job_snapshot s = running_job();
  (void)s.status.transition(job::job_status::finished, 3000);
  ha::job_result r{id_of(a_job), "SUCCEEDED", 2000, std::nullopt, "wordcount", 1000, 3000};
  auto archive = json::parse(job_archive(s, r, 5000))["archive"];
  std::map<std::string, json> by_path;
  for (auto& entry : archive) by_path[entry["path"]] = json::parse(entry["json"].get<std::string>());
  const std::string base = std::string("/jobs/") + a_job;
  ASSERT_EQ(by_path.size(), 5u) << archive.dump();
  EXPECT_EQ(by_path["/jobs/overview"]["jobs"][0]["jid"], a_job);
  EXPECT_EQ(by_path["/jobs/overview"]["jobs"][0]["state"], "FINISHED");
  EXPECT_EQ(by_path["/jobs/overview"]["jobs"][0]["end-time"], 3000);
  EXPECT_EQ(by_path[base]["state"], "FINISHED");
  EXPECT_TRUE(by_path[base + "/checkpoints"].contains("counts"));
  EXPECT_TRUE(by_path[base + "/exceptions"].contains("exceptionHistory"));
  EXPECT_EQ(by_path[base + "/execution-result"]["job-execution-result"]["application-status"], "SUCCEEDED");
  EXPECT_EQ(json::parse(job_archive(s, std::nullopt, 5000))["archive"].size(), 4u);
}

}  // namespace
}  // namespace regent::views
