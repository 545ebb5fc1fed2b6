#pragma once
/// Flink's REST shapes of what the leader's actors know (reference/flink-rest-subset.md).
///
/// The actors answer REST questions with the typed values below; these pure functions turn
/// them into the JSON bodies (and the Prometheus text) that Flink's clients and dashboards
/// read. Nothing here talks to an actor, a store or a clock: `now_ms` comes from the caller.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "regent/ha/job_result_store.hpp"
#include "regent/runtime/ids.hpp"
#include "regent/runtime/job/checkpoint_stats.hpp"
#include "regent/runtime/job/job_status.hpp"

namespace regent::views {

/// A job as the dispatcher lists it (a row of /jobs/overview, a count of /overview).
struct job_summary {
  job_id id;
  std::string name;
  job::job_status status = job::job_status::initializing;
  int parallelism = 0;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = -1;  ///< -1 while not globally terminal
  std::int64_t modified_ms = 0;
};

/// A failure a job master saw (the newest first in job_snapshot::failures).
struct job_failure {
  std::string cause;
  std::int64_t timestamp_ms = 0;
};

/// Everything a job master can say about its job: /jobs/:id, its checkpoints, its exceptions.
struct job_snapshot {
  job_id id;
  std::string name;
  int parallelism = 0;
  job::job_status_machine status;
  job::checkpoint_statistics checkpoints;
  std::deque<job_failure> failures;
  /// Records the job's subtasks wrote up to its latest completed checkpoint (as they acknowledged
  /// it); -1 when no checkpoint completed under this leader yet.
  std::int64_t records_written = -1;
};

/// A registered taskmanager (a row of /taskmanagers).
struct taskmanager_summary {
  std::string id;
  std::string address;  ///< host:port of its RPC endpoint
  int slots = 0;
  int free_slots = 0;
  std::int64_t since_heartbeat_ms = 0;
};

/// A globally terminal job whose cleanup has not finished (GET /cluster/ha/dirty).
struct dirty_job {
  job_id id;
  std::optional<ha::job_result> result;  ///< its JobResultStore entry, when it could be read
  int cleanup_attempts = 0;              ///< failed in this leadership session
  bool job_graph = false;                ///< what of its HA data is still there
  std::vector<std::uint64_t> checkpoints;
  std::vector<std::string> blobs;
  bool checkpoint_data = false;
};

/// JobsOverview: {"jobs": [JobDetails…]}.
std::string jobs_overview(const std::vector<job_summary>& jobs, std::int64_t now_ms);
/// ClusterOverviewWithVersion.
std::string cluster_overview(const std::vector<taskmanager_summary>& taskmanagers,
                             const std::vector<job_summary>& jobs);
/// TaskManagersInfo.
std::string taskmanagers(const std::vector<taskmanager_summary>& taskmanagers);
/// Prometheus text: jobs by status, checkpoints completed, taskmanagers, free slots.
std::string leader_metrics(const std::vector<taskmanager_summary>& taskmanagers, const std::vector<job_summary>& jobs,
                           std::int64_t checkpoints_completed);
/// Regent's dirty-results listing: {"dirty": [...]}.
std::string dirty_jobs(const std::vector<dirty_job>& dirty);

/// JobDetailsInfo of a job that has a job master (or had one in this session).
std::string job_details(const job_snapshot& job, std::int64_t now_ms);
/// CheckpointingStatistics.
std::string checkpoints(const job::checkpoint_statistics& stats);
/// JobExceptionsInfoWithHistory.
std::string exceptions(const job_snapshot& job);

/// JobExecutionResultResponseBody of a job still running: {"status": {"id": "IN_PROGRESS"}}.
std::string execution_in_progress();
/// JobExecutionResultResponseBody of a globally terminal job, from its JobResultStore entry.
std::string execution_result(const ha::job_result& r);

/// The answers for a job that ended before this leadership session, when only its
/// JobResultStore entry is left: JobDetailsInfo, CheckpointingStatistics (none known) and
/// JobExceptionsInfoWithHistory (its failure cause, if any).
std::string archived_job_details(const ha::job_result& r, std::int64_t now_ms);
std::string archived_checkpoints();
std::string archived_exceptions(const ha::job_result& r);

/// Flink's HistoryServer archive of a globally terminal job (what `jobmanager.archive.fs.dir`
/// holds): {"archive": [{"path": ..., "json": "<answer as text>"}, ...]} with /jobs/overview
/// (this job's row), /jobs/:id, /jobs/:id/checkpoints, /jobs/:id/exceptions and, when its
/// result is known, /jobs/:id/execution-result.
std::string job_archive(const job_snapshot& job, const std::optional<ha::job_result>& result, std::int64_t now_ms);

/// The job status a JobResultStore application status stands for: SUCCEEDED → FINISHED,
/// CANCELED → CANCELED, FAILED → FAILED, anything else → UNKNOWN.
const char* state_of_application(const std::string& application_status);

}  // namespace regent::views
