#include "regent/views/flink_rest.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace regent::views {

namespace {

using nlohmann::json;

constexpr const char* execution_state_names[] = {"CREATED",   "SCHEDULED", "DEPLOYING", "RUNNING",     "FINISHED",
                                                 "CANCELING", "CANCELED",  "FAILED",    "RECONCILING", "INITIALIZING"};

/// Flink's ExecutionState of a job's tasks for a job status, as the dispatcher reports it
/// (the `tasks` of JobDetails).
const char* task_state_of(job::job_status s) {
  switch (s) {
    case job::job_status::running:
      return "RUNNING";
    case job::job_status::finished:
      return "FINISHED";
    case job::job_status::canceled:
      return "CANCELED";
    case job::job_status::failed:
      return "FAILED";
    case job::job_status::cancelling:
      return "CANCELING";
    default:
      return "CREATED";
  }
}

/// Flink's execution state of the one vertex (the operator chain) as a job master reports it.
const char* vertex_state_of(job::job_status s) {
  return s == job::job_status::created ? "SCHEDULED" : task_state_of(s);
}

/// {"CREATED": 0, …, `current`: count, …}, with keys upper- or lower-case.
json execution_states(const char* current, int count, bool lower_case) {
  json m = json::object();
  for (const char* s : execution_state_names) {
    std::string key(s);
    if (lower_case)
      for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    m[key] = std::string(s) == current ? count : 0;
  }
  return m;
}

json job_row(const job_summary& j, std::int64_t now_ms) {
  return {{"jid", j.id.str()},
          {"name", j.name},
          {"state", job::to_string(j.status)},
          {"start-time", j.start_ms},
          {"end-time", j.end_ms},
          {"duration", (j.end_ms >= 0 ? j.end_ms : now_ms) - j.start_ms},
          {"last-modification", j.modified_ms},
          {"tasks", [&] {
             json t = execution_states(task_state_of(j.status), j.parallelism, true);
             t["total"] = j.parallelism;
             return t;
           }()}};
}

int count_in(const std::vector<job_summary>& jobs, job::job_status s) {
  int n = 0;
  for (auto& j : jobs) n += j.status == s ? 1 : 0;
  return n;
}

json resource(int slots) {
  return {{"cpuCores", static_cast<double>(slots)},
          {"taskHeapMemory", 0},
          {"taskOffHeapMemory", 0},
          {"managedMemory", 0},
          {"networkMemory", 0},
          {"extendedResources", json::object()}};
}

json checkpoint(const job::checkpoint_stats& c) {
  const char* clazz = c.status == job::checkpoint_status::completed ? "completed"
                      : c.status == job::checkpoint_status::failed  ? "failed"
                                                                    : "in_progress";
  json j = {{"clazz", clazz},
            {"id", c.id},
            {"status", job::to_string(c.status)},
            {"is_savepoint", false},
            {"trigger_timestamp", c.trigger_timestamp},
            {"latest_ack_timestamp", c.latest_ack_timestamp},
            {"state_size", c.state_size},
            {"end_to_end_duration", c.end_to_end_duration},
            {"alignment_buffered", 0},
            {"processed_data", 0},
            {"persisted_data", 0},
            {"num_subtasks", c.num_subtasks},
            {"num_acknowledged_subtasks", c.num_acknowledged_subtasks},
            {"checkpoint_type", "CHECKPOINT"},
            {"tasks", json::object()}};
  if (c.status == job::checkpoint_status::completed) {
    j["external_path"] = c.external_path;
    j["discarded"] = false;
  }
  if (c.status == job::checkpoint_status::failed) {
    j["failure_timestamp"] = c.failure_timestamp;
    j["failure_message"] = c.failure_message;
  }
  return j;
}

json summary(const job::stats_summary& s) {
  return {{"min", s.min()},         {"max", s.max()},          {"avg", s.avg()},          {"p50", s.quantile(0.5)},
          {"p90", s.quantile(0.9)}, {"p95", s.quantile(0.95)}, {"p99", s.quantile(0.99)}, {"p999", s.quantile(0.999)}};
}

json exception_history(json entries, json all, const std::optional<job_failure>& root) {
  json j = {{"all-exceptions", std::move(all)},
            {"truncated", false},
            {"exceptionHistory", {{"entries", std::move(entries)}, {"truncated", false}}}};
  j["root-exception"] = root ? json(root->cause) : json(nullptr);
  j["timestamp"] = root ? json(root->timestamp_ms) : json(nullptr);
  return j;
}

}  // namespace

std::string jobs_overview(const std::vector<job_summary>& jobs, std::int64_t now_ms) {
  json rows = json::array();
  for (auto& j : jobs) rows.push_back(job_row(j, now_ms));
  return json{{"jobs", rows}}.dump();
}

std::string job_archive(const job_snapshot& job, const std::optional<ha::job_result>& result, std::int64_t now_ms) {
  job_summary row;
  row.id = job.id;
  row.name = job.name;
  row.status = job.status.current();
  row.parallelism = job.parallelism;
  row.start_ms = job.status.start_time();
  row.end_ms = job.status.end_time().value_or(now_ms);
  row.modified_ms = job.status.last_modification();
  const std::string base = "/jobs/" + job.id.str();
  json archive = json::array({json{{"path", "/jobs/overview"}, {"json", jobs_overview({row}, now_ms)}},
                              json{{"path", base}, {"json", job_details(job, now_ms)}},
                              json{{"path", base + "/checkpoints"}, {"json", checkpoints(job.checkpoints)}},
                              json{{"path", base + "/exceptions"}, {"json", exceptions(job)}}});
  if (result) archive.push_back({{"path", base + "/execution-result"}, {"json", execution_result(*result)}});
  return json{{"archive", archive}}.dump();
}

std::string cluster_overview(const std::vector<taskmanager_summary>& taskmanagers,
                             const std::vector<job_summary>& jobs) {
  int total = 0, free = 0, running = 0;
  for (auto& tm : taskmanagers) {
    total += tm.slots;
    free += tm.free_slots;
  }
  for (auto& j : jobs) running += job::globally_terminal(j.status) ? 0 : 1;
  return json{{"taskmanagers", taskmanagers.size()},
              {"slots-total", total},
              {"slots-available", free},
              {"jobs-running", running},
              {"jobs-finished", count_in(jobs, job::job_status::finished)},
              {"jobs-cancelled", count_in(jobs, job::job_status::canceled)},
              {"jobs-failed", count_in(jobs, job::job_status::failed)},
              {"flink-version", "regent-0.1"},
              {"flink-commit", "unknown"}}
      .dump();
}

std::string taskmanagers(const std::vector<taskmanager_summary>& taskmanagers) {
  // Fields Regent has no notion of carry neutral values.
  json rows = json::array();
  for (auto& tm : taskmanagers) {
    auto port = tm.address.substr(tm.address.rfind(':') + 1);
    rows.push_back(
        {{"id", tm.id},
         {"path", tm.address},
         {"dataPort", std::atoi(port.c_str())},
         {"jmxPort", -1},
         {"timeSinceLastHeartbeat", tm.since_heartbeat_ms},
         {"slotsNumber", tm.slots},
         {"freeSlots", tm.free_slots},
         {"totalResource", resource(tm.slots)},
         {"freeResource", resource(tm.free_slots)},
         {"hardware", {{"cpuCores", tm.slots}, {"physicalMemory", -1}, {"freeMemory", -1}, {"managedMemory", 0}}},
         {"memoryConfiguration", json::object()}});
  }
  return json{{"taskmanagers", rows}}.dump();
}

std::string leader_metrics(const std::vector<taskmanager_summary>& taskmanagers, const std::vector<job_summary>& jobs,
                           std::int64_t checkpoints_completed) {
  int free = 0;
  for (auto& tm : taskmanagers) free += tm.free_slots;
  std::string out = "# HELP regent_jobs Jobs the leader knows, by state.\n# TYPE regent_jobs gauge\n";
  for (auto s :
       {job::job_status::initializing, job::job_status::created, job::job_status::running, job::job_status::failing,
        job::job_status::failed, job::job_status::cancelling, job::job_status::canceled, job::job_status::finished,
        job::job_status::restarting, job::job_status::suspended})
    out += std::string("regent_jobs{state=\"") + job::to_string(s) + "\"} " + std::to_string(count_in(jobs, s)) + "\n";
  out +=
      "# HELP regent_checkpoints_completed_total Checkpoints completed under the current leader.\n"
      "# TYPE regent_checkpoints_completed_total counter\nregent_checkpoints_completed_total " +
      std::to_string(checkpoints_completed) + "\n";
  out +=
      "# HELP regent_taskmanagers Taskmanagers registered with the leader.\n"
      "# TYPE regent_taskmanagers gauge\nregent_taskmanagers " +
      std::to_string(taskmanagers.size()) + "\n";
  out +=
      "# HELP regent_slots_available Free task slots.\n"
      "# TYPE regent_slots_available gauge\nregent_slots_available " +
      std::to_string(free) + "\n";
  return out;
}

std::string dirty_jobs(const std::vector<dirty_job>& dirty) {
  json rows = json::array();
  for (auto& d : dirty) {
    json row = {{"jid", d.id.str()}};
    if (d.result) {
      row["name"] = d.result->name;
      row["application-status"] = d.result->application_status;
    }
    row["cleanup-attempts"] = d.cleanup_attempts;
    row["artifacts"] = {{"job-graph", d.job_graph},
                        {"checkpoints", d.checkpoints},
                        {"blobs", d.blobs},
                        {"checkpoint-data", d.checkpoint_data}};
    rows.push_back(row);
  }
  return json{{"dirty", rows}}.dump();
}

std::string job_details(const job_snapshot& job, std::int64_t now_ms) {
  const auto& st = job.status;
  auto start = st.start_time();
  auto end = st.end_time();
  json timestamps = json::object();
  for (auto s : job::all_job_statuses()) timestamps[job::to_string(s)] = st.timestamp(s);
  const char* vs = vertex_state_of(st.current());
  auto vertex_id = job.id.str();  // one vertex: the chain; its id reuses the job id's hex form
  json vertex = {{"id", vertex_id},
                 {"name", job.name},
                 {"parallelism", job.parallelism},
                 {"maxParallelism", job.parallelism},
                 {"status", vs},
                 {"start-time", start},
                 {"end-time", end ? *end : -1},
                 {"duration", (end ? *end : now_ms) - start},
                 {"tasks", execution_states(vs, job.parallelism, false)},
                 {"metrics",
                  {{"read-bytes", 0},
                   {"read-bytes-complete", false},
                   {"write-bytes", 0},
                   {"write-bytes-complete", false},
                   {"read-records", 0},
                   {"read-records-complete", false},
                   {"write-records", std::max<std::int64_t>(0, job.records_written)},
                   {"write-records-complete", job.records_written >= 0}}}};
  return json{{"jid", job.id.str()},
              {"name", job.name},
              {"isStoppable", false},
              {"state", job::to_string(st.current())},
              {"start-time", start},
              {"end-time", end ? *end : -1},
              {"duration", (end ? *end : now_ms) - start},
              {"maxParallelism", job.parallelism},
              {"numRestarts", st.restarts()},  // Regent's: Flink has it only as a metric
              {"now", now_ms},
              {"timestamps", timestamps},
              {"vertices", json::array({vertex})},
              {"status-counts", execution_states(vs, 1, false)},
              {"plan",
               {{"jid", job.id.str()},
                {"name", job.name},
                {"type", "STREAMING"},
                {"nodes", json::array({{{"id", vertex_id},
                                        {"parallelism", job.parallelism},
                                        {"operator", ""},
                                        {"description", job.name},
                                        {"inputs", json::array()}}})}}}}
      .dump();
}

std::string checkpoints(const job::checkpoint_statistics& s) {
  job::stats_summary zero;
  json history = json::array();
  for (auto& c : s.history) history.push_back(checkpoint(c));
  json restored = nullptr;
  if (s.latest_restored)
    restored = {{"id", s.latest_restored->id},
                {"restore_timestamp", s.latest_restored->restore_timestamp},
                {"is_savepoint", false},
                {"external_path", s.latest_restored->external_path}};
  return json{{"counts",
               {{"restored", s.counts.restored},
                {"total", s.counts.total},
                {"in_progress", s.counts.in_progress},
                {"completed", s.counts.completed},
                {"failed", s.counts.failed}}},
              {"summary",
               {{"state_size", summary(s.state_size)},
                {"end_to_end_duration", summary(s.end_to_end_duration)},
                {"alignment_buffered", summary(zero)},
                {"processed_data", summary(zero)},
                {"persisted_data", summary(zero)}}},
              {"latest",
               {{"completed", s.latest_completed ? checkpoint(*s.latest_completed) : json(nullptr)},
                {"savepoint", nullptr},
                {"failed", s.latest_failed ? checkpoint(*s.latest_failed) : json(nullptr)},
                {"restored", restored}}},
              {"history", history}}
      .dump();
}

std::string exceptions(const job_snapshot& job) {
  json entries = json::array();
  json all = json::array();
  for (auto& f : job.failures) {
    entries.push_back({{"exceptionName", "regent.JobFailure"},
                       {"stacktrace", f.cause},
                       {"timestamp", f.timestamp_ms},
                       {"taskName", job.name},
                       {"location", nullptr},
                       {"concurrentExceptions", json::array()}});
    all.push_back(
        {{"exception", f.cause}, {"task", job.name}, {"location", "(unassigned)"}, {"timestamp", f.timestamp_ms}});
  }
  std::optional<job_failure> root;
  if (!job.failures.empty()) root = job.failures.front();
  return exception_history(std::move(entries), std::move(all), root).dump();
}

std::string execution_in_progress() { return json{{"status", {{"id", "IN_PROGRESS"}}}}.dump(); }

std::string execution_result(const ha::job_result& r) {
  json jr = {{"id", r.id.str()},
             {"application-status", r.application_status},
             {"accumulator-results", json::object()},
             {"net-runtime", r.net_runtime_ms}};
  if (r.failure_cause)
    jr["failure-cause"] = {
        {"class", "regent.JobFailure"}, {"stack-trace", *r.failure_cause}, {"serialized-throwable", ""}};
  return json{{"status", {{"id", "COMPLETED"}}}, {"job-execution-result", jr}}.dump();
}

std::string archived_job_details(const ha::job_result& r, std::int64_t now_ms) {
  const std::string state = state_of_application(r.application_status);
  json timestamps = json::object();
  timestamps[state] = r.end_time;
  return json{{"jid", r.id.str()},
              {"name", r.name},
              {"isStoppable", false},
              {"state", state},
              {"start-time", r.start_time},
              {"end-time", r.end_time},
              {"duration", r.end_time - r.start_time},
              {"maxParallelism", -1},
              {"now", now_ms},
              {"timestamps", timestamps},
              {"vertices", json::array()},
              {"status-counts", json::object()},
              {"plan", {{"jid", r.id.str()}, {"name", r.name}, {"nodes", json::array()}}}}
      .dump();
}

std::string archived_checkpoints() {
  return json{{"counts", {{"restored", 0}, {"total", 0}, {"in_progress", 0}, {"completed", 0}, {"failed", 0}}},
              {"summary", json::object()},
              {"latest", {{"completed", nullptr}, {"savepoint", nullptr}, {"failed", nullptr}, {"restored", nullptr}}},
              {"history", json::array()}}
      .dump();
}

std::string archived_exceptions(const ha::job_result& r) {
  std::optional<job_failure> root;
  if (r.failure_cause) root = job_failure{*r.failure_cause, r.end_time};
  return exception_history(json::array(), json::array(), root).dump();
}

const char* state_of_application(const std::string& application_status) {
  if (application_status == "SUCCEEDED") return "FINISHED";
  if (application_status == "CANCELED") return "CANCELED";
  if (application_status == "FAILED") return "FAILED";
  return "UNKNOWN";
}

}  // namespace regent::views
