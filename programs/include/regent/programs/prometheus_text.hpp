#pragma once
/// The Prometheus text of a jobmanager's GET /metrics (and of a taskmanager's metrics port):
/// Flink's metric names (as Flink's PrometheusReporter writes them, so that Flink's Grafana
/// dashboards find them), Regent's leadership metrics and the process metrics every Prometheus
/// client library exposes. Every metric has # HELP and # TYPE (promtool check metrics passes).
/// Pure functions of their inputs, except process_metrics(), which reads /proc/self.

#include <cstdint>
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

/// This process's leadership: role, epoch, changes, and a histogram of its takeovers (grant →
/// every job recovered) in seconds.
struct leadership_sample {
  bool leader = false;
  std::uint64_t epoch = 0;
  std::uint64_t changes = 0;
  double last_takeover_ms = -1;
  std::vector<double> takeovers_ms;  ///< every takeover this process made that it still remembers
};
std::string leadership_metrics(const leadership_sample& s);

/// process_{cpu_seconds_total,resident_memory_bytes,virtual_memory_bytes,open_fds,max_fds,
/// start_time_seconds} of this process, from /proc/self.
std::string process_metrics();

/// A label value with \, " and newlines escaped.
std::string label_value(const std::string& v);

}  // namespace regent::programs
