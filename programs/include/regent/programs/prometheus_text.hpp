#pragma once
/// The Prometheus text of a jobmanager's GET /metrics (and of a taskmanager's metrics port):
/// Flink's metric names (as Flink's PrometheusReporter writes them, so that Flink's Grafana
/// dashboards find them), Regent's leadership metrics and the process metrics every Prometheus
/// client library exposes. Every metric has # HELP and # TYPE (promtool check metrics passes).
/// Pure functions of their inputs, except process_metrics(), which reads /proc/self.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace regent::programs {

/// What the leader's REST answers say about one job that is not globally terminal.
struct job_metrics_source {
  nlohmann::json details;      ///< GET /jobs/:id
  nlohmann::json checkpoints;  ///< GET /jobs/:id/checkpoints (null when unknown)
};

/// flink_jobmanager_{numRegisteredTaskManagers,taskSlotsAvailable,taskSlotsTotal,numRunningJobs}
/// from GET /overview, and per job (labels job_id, job_name) flink_jobmanager_job_{uptime,
/// numRestarts,numberOfCompletedCheckpoints,numberOfFailedCheckpoints,lastCheckpointDuration,
/// lastCheckpointSize,lastCheckpointRestoreTimestamp}.
std::string flink_jobmanager_metrics(const nlohmann::json& overview, const std::vector<job_metrics_source>& jobs,
                                     std::int64_t now_ms);

/// This process's leadership: role, epoch, changes by reason, a histogram of its takeovers
/// (grant → every job recovered) in seconds, what fencing turned away and the HA backend's
/// connection.
struct leadership_sample {
  bool leader = false;
  std::uint64_t epoch = 0;
  /// Leadership changes by reason ("granted", "revoked", "shutdown"); every reason is written,
  /// 0 when it never happened, so that rate() sees the first one.
  std::map<std::string, std::uint64_t> changes_by_reason;
  double last_takeover_ms = -1;
  std::vector<double> takeovers_ms;  ///< every takeover this process made that it still remembers
  std::uint64_t fenced_requests_rejected = 0;  ///< RPCs whose fencing token was not the current session's
  std::uint64_t fenced_writes_rejected = 0;    ///< HA writes refused: this process no longer led
  std::string ha_connection = "connected";     ///< "connected" | "suspended" | "lost"
};
std::string leadership_metrics(const leadership_sample& s);

/// One subtask a taskmanager runs, for Flink's per-task metrics.
struct subtask_sample {
  std::string job_id;
  std::string task_id;  ///< the job vertex (Regent's one chained vertex reuses the job id)
  int subtask_index = 0;
  std::uint64_t attempt = 0;  ///< the deployment attempt (Flink's task_attempt_num)
  std::uint64_t records_in = 0;
  std::uint64_t records_out = 0;
};
/// What a taskmanager's metrics endpoint reports besides the process metrics.
struct taskmanager_sample {
  std::string tm_id;
  int slots_total = 0;
  int slots_available = 0;
  std::vector<subtask_sample> subtasks;
};
/// flink_taskmanager_Status_Slots_{Total,Available} (label tm_id) and, per running subtask,
/// flink_taskmanager_job_task_{numRecordsIn,numRecordsOut} with the labels of Flink's task
/// scope (job_id, task_id, subtask_index, task_attempt_num, tm_id). Like Flink's
/// PrometheusReporter, which exports its counters as gauges (a restarted attempt counts from 0),
/// they are typed gauge.
std::string flink_taskmanager_metrics(const taskmanager_sample& s);

/// process_{cpu_seconds_total,resident_memory_bytes,virtual_memory_bytes,open_fds,max_fds,
/// start_time_seconds} of this process, from /proc/self.
std::string process_metrics();

/// A label value with \, " and newlines escaped.
std::string label_value(const std::string& v);

}  // namespace regent::programs
