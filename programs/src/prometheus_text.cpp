#include "regent/programs/prometheus_text.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/resource.h>
#include <unistd.h>

namespace regent::programs {

using json = nlohmann::json;

namespace {

/// The shortest of %.15g and %.17g that reads back as `v` (0.005, not 0.0050000000000000001).
std::string number(double v) {
  char out[64];
  std::snprintf(out, sizeof out, "%.15g", v);
  if (std::strtod(out, nullptr) != v) std::snprintf(out, sizeof out, "%.17g", v);
  return out;
}

/// # HELP and # TYPE of one metric family.
std::string family(const char* name, const char* type, const char* help) {
  return std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

std::string sample(const std::string& name, const std::string& labels, double v) {
  return name + (labels.empty() ? "" : "{" + labels + "}") + " " + number(v) + "\n";
}

std::int64_t int_or(const json& j, const char* key, std::int64_t fallback) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return fallback;
  return j[key].get<std::int64_t>();
}

}  // namespace

std::string label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string flink_jobmanager_metrics(const json& overview, const std::vector<job_metrics_source>& jobs,
                                     std::int64_t now_ms) {
  std::string out;
  out += family("flink_jobmanager_numRegisteredTaskManagers", "gauge", "Registered taskmanagers (Flink's name).");
  out += sample("flink_jobmanager_numRegisteredTaskManagers", "",
                static_cast<double>(int_or(overview, "taskmanagers", 0)));
  out += family("flink_jobmanager_taskSlotsAvailable", "gauge", "Free task slots (Flink's name).");
  out += sample("flink_jobmanager_taskSlotsAvailable", "", static_cast<double>(int_or(overview, "slots-available", 0)));
  out +=
      family("flink_jobmanager_taskSlotsTotal", "gauge", "Task slots of all registered taskmanagers (Flink's name).");
  out += sample("flink_jobmanager_taskSlotsTotal", "", static_cast<double>(int_or(overview, "slots-total", 0)));
  out += family("flink_jobmanager_numRunningJobs", "gauge", "Jobs that are not globally terminal (Flink's name).");
  out += sample("flink_jobmanager_numRunningJobs", "", static_cast<double>(int_or(overview, "jobs-running", 0)));

  struct per_job {
    const char* name;
    const char* help;
  };
  static const per_job families[] = {
      {"flink_jobmanager_job_uptime", "Milliseconds the job has been RUNNING without interruption; 0 otherwise."},
      {"flink_jobmanager_job_numRestarts", "Restarts of the job under the current leader."},
      {"flink_jobmanager_job_numberOfCompletedCheckpoints", "Completed checkpoints of the job."},
      {"flink_jobmanager_job_numberOfFailedCheckpoints", "Failed checkpoints of the job."},
      {"flink_jobmanager_job_lastCheckpointDuration", "End-to-end milliseconds of the last completed checkpoint."},
      {"flink_jobmanager_job_lastCheckpointSize", "State bytes of the last completed checkpoint."},
      {"flink_jobmanager_job_lastCheckpointRestoreTimestamp",
       "Epoch milliseconds when the job last restored a checkpoint; -1 when it never did."},
  };
  std::vector<std::string> bodies(std::size(families));
  for (const auto& j : jobs) {
    const auto& d = j.details;
    if (!d.is_object()) continue;
    const std::string labels =
        "job_id=\"" + label_value(d.value("jid", "")) + "\",job_name=\"" + label_value(d.value("name", "")) + "\"";
    std::int64_t uptime = 0;
    if (d.value("state", "") == "RUNNING" && d.contains("timestamps"))
      uptime = now_ms - int_or(d["timestamps"], "RUNNING", now_ms);
    const json& c = j.checkpoints;
    json counts = c.is_object() && c.contains("counts") ? c["counts"] : json::object();
    json latest = c.is_object() && c.contains("latest") ? c["latest"] : json::object();
    json completed = latest.is_object() && latest.contains("completed") ? latest["completed"] : json();
    json restored = latest.is_object() && latest.contains("restored") ? latest["restored"] : json();
    const double values[] = {
        static_cast<double>(std::max<std::int64_t>(0, uptime)),
        static_cast<double>(int_or(d, "numRestarts", 0)),
        static_cast<double>(int_or(counts, "completed", 0)),
        static_cast<double>(int_or(counts, "failed", 0)),
        static_cast<double>(int_or(completed, "end_to_end_duration", 0)),
        static_cast<double>(int_or(completed, "state_size", 0)),
        static_cast<double>(int_or(restored, "restore_timestamp", -1)),
    };
    for (std::size_t i = 0; i < std::size(families); ++i) bodies[i] += sample(families[i].name, labels, values[i]);
  }
  for (std::size_t i = 0; i < std::size(families); ++i)
    out += family(families[i].name, "gauge", families[i].help) + bodies[i];
  return out;
}

std::string leadership_metrics(const leadership_sample& s) {
  std::string out;
  out += family("regent_leadership_is_leader", "gauge", "1 while this jobmanager leads, else 0.");
  out += sample("regent_leadership_is_leader", "", s.leader ? 1 : 0);
  out += family("regent_leadership_epoch", "gauge", "Epoch of this jobmanager's leadership session; 0 when standby.");
  out += sample("regent_leadership_epoch", "", static_cast<double>(s.epoch));
  out += family("regent_leadership_changes_total", "counter",
                "Leadership changes of this jobmanager by reason: granted, revoked by the HA backend, shutdown.");
  auto reasons = s.changes_by_reason;
  for (const char* r : {"granted", "revoked", "shutdown"}) reasons.emplace(r, 0);
  for (const auto& [reason, n] : reasons)
    out += sample("regent_leadership_changes_total", "reason=\"" + label_value(reason) + "\"", static_cast<double>(n));
  out += family("regent_fenced_requests_rejected_total", "counter",
                "RPC requests rejected because their fencing token was not this jobmanager's current session.");
  out += sample("regent_fenced_requests_rejected_total", "", static_cast<double>(s.fenced_requests_rejected));
  out += family("regent_ha_fenced_writes_rejected_total", "counter",
                "HA store writes refused because this jobmanager no longer held the leadership.");
  out += sample("regent_ha_fenced_writes_rejected_total", "", static_cast<double>(s.fenced_writes_rejected));
  out += family("regent_ha_session_state", "gauge",
                "1 for the state of this process's connection to the HA backend (connected, suspended, lost).");
  for (const char* state : {"connected", "suspended", "lost"})
    out += sample("regent_ha_session_state", std::string("state=\"") + state + "\"", s.ha_connection == state ? 1 : 0);
  if (s.last_takeover_ms >= 0) {
    out += family("regent_leadership_last_takeover_seconds", "gauge",
                  "From this process's newest grant to its recovery done.");
    out += sample("regent_leadership_last_takeover_seconds", "", s.last_takeover_ms / 1000.0);
  }
  static const double bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  out += family("regent_leadership_takeover_seconds", "histogram",
                "Takeovers by this jobmanager: from its grant to every job recovered.");
  double sum = 0;
  for (double ms : s.takeovers_ms) sum += ms / 1000.0;
  for (double b : bounds) {
    std::size_t n = 0;
    for (double ms : s.takeovers_ms) n += ms / 1000.0 <= b ? 1 : 0;
    out += sample("regent_leadership_takeover_seconds_bucket", "le=\"" + number(b) + "\"", static_cast<double>(n));
  }
  out += sample("regent_leadership_takeover_seconds_bucket", "le=\"+Inf\"", static_cast<double>(s.takeovers_ms.size()));
  out += sample("regent_leadership_takeover_seconds_sum", "", sum);
  out += sample("regent_leadership_takeover_seconds_count", "", static_cast<double>(s.takeovers_ms.size()));
  return out;
}

std::string flink_taskmanager_metrics(const taskmanager_sample& s) {
  const std::string tm = "tm_id=\"" + label_value(s.tm_id) + "\"";
  std::string out;
  out += family("flink_taskmanager_Status_Slots_Total", "gauge", "Task slots this taskmanager offers (Flink's name).");
  out += sample("flink_taskmanager_Status_Slots_Total", tm, s.slots_total);
  out += family("flink_taskmanager_Status_Slots_Available", "gauge",
                "Task slots of this taskmanager not in use (Flink's name).");
  out += sample("flink_taskmanager_Status_Slots_Available", tm, s.slots_available);
  std::string in_samples, out_samples;
  for (const auto& t : s.subtasks) {
    const std::string labels = "job_id=\"" + label_value(t.job_id) + "\",task_id=\"" + label_value(t.task_id) +
                               "\",subtask_index=\"" + std::to_string(t.subtask_index) + "\",task_attempt_num=\"" +
                               std::to_string(t.attempt) + "\"," + tm;
    in_samples += sample("flink_taskmanager_job_task_numRecordsIn", labels, static_cast<double>(t.records_in));
    out_samples += sample("flink_taskmanager_job_task_numRecordsOut", labels, static_cast<double>(t.records_out));
  }
  out += family("flink_taskmanager_job_task_numRecordsIn", "gauge",
                "Records this subtask attempt read from its source (Flink's counter, exported as a gauge).") +
         in_samples;
  out += family("flink_taskmanager_job_task_numRecordsOut", "gauge",
                "Records this subtask attempt wrote to its sink (Flink's counter, exported as a gauge).") +
         out_samples;
  return out;
}

std::string process_metrics() {
  std::string out;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start at state, field 3.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> f{"", "", ""};  // fields 1..2 are pid and comm
  for (std::string v; fields >> v;) f.push_back(v);
  auto field = [&](std::size_t i) { return i < f.size() ? std::atof(f[i].c_str()) : 0.0; };
  std::ifstream proc_stat("/proc/stat");
  double boot = 0;
  for (std::string key; proc_stat >> key;)
    if (key == "btime") {
      proc_stat >> boot;
      break;
    }
  std::size_t fds = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++fds;
  rlimit nofile{};
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  out += family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
  out += sample("process_cpu_seconds_total", "", (field(14) + field(15)) / ticks);
  out += family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  out += sample("process_resident_memory_bytes", "", field(24) * page);
  out += family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
  out += sample("process_virtual_memory_bytes", "", field(23));
  out += family("process_open_fds", "gauge", "Number of open file descriptors.");
  out += sample("process_open_fds", "", static_cast<double>(fds));
  out += family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
  out += sample("process_max_fds", "", static_cast<double>(nofile.rlim_cur));
  out += family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
  out += sample("process_start_time_seconds", "", boot + field(22) / ticks);
  return out;
}

}  // namespace regent::programs
