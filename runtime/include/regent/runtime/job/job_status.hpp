#pragma once
/// Flink's JobStatus, the transitions between statuses that Regent allows, and the per-status
/// timestamps that REST `GET /jobs/:id` reports as `timestamps`.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "regent/runtime/result.hpp"

namespace regent::job {

/// The status of a job (Flink's JobStatus; names as on the wire, `CANCELLING` with two L's).
enum class job_status {
  initializing,
  created,
  running,
  failing,
  failed,
  cancelling,
  canceled,
  finished,
  restarting,
  suspended,
  reconciling,
};

constexpr std::size_t job_status_count = 11;

/// "INITIALIZING", "CREATED", ... "RECONCILING".
const char* to_string(job_status s);
/// The status named `text` (exact, upper-case), or nullopt.
std::optional<job_status> parse_job_status(std::string_view text);
/// Every status in declaration order (the order of `timestamps` on REST).
const std::array<job_status, job_status_count>& all_job_statuses();

/// FINISHED, CANCELED and FAILED: the job is over for the whole cluster. Its result goes to the
/// JobResultStore and its HA data is cleaned up; it never runs again.
bool globally_terminal(job_status s);
/// Globally terminal, or SUSPENDED (this leader stopped running it; another leader will).
bool locally_terminal(job_status s);

/// The outcome recorded in the JobResultStore (Flink's ApplicationStatus).
enum class application_status { succeeded, failed, canceled, unknown };
/// "SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN".
const char* to_string(application_status s);
std::optional<application_status> parse_application_status(std::string_view text);
/// FINISHED→SUCCEEDED, CANCELED→CANCELED, FAILED→FAILED; UNKNOWN for every other status.
application_status application_status_of(job_status s);

/// True when a job may go from `from` to `to`. Locally terminal statuses have no way out;
/// a status never "transitions" to itself.
bool transition_allowed(job_status from, job_status to);

/// The status of one job with the time it entered each status.
///
/// Owned by the job's job_master (or the dispatcher while the job initialises); not
/// thread-safe. Times are wall-clock milliseconds supplied by the caller.
class job_status_machine {
 public:
  /// Starts in `initial` (normally INITIALIZING) at `now_ms`, the job's start time.
  explicit job_status_machine(job_status initial = job_status::initializing, std::int64_t now_ms = 0);

  job_status current() const { return current_; }
  /// Moves to `to` at `now_ms`; runtime_errc::invalid_transition (naming both statuses) when
  /// the move is not allowed, leaving the status unchanged.
  result<void> transition(job_status to, std::int64_t now_ms);

  /// When the job last entered `s`; 0 if it never did (as Flink's `timestamps`).
  std::int64_t timestamp(job_status s) const { return timestamps_[static_cast<std::size_t>(s)]; }
  /// All timestamps indexed by status (see all_job_statuses()).
  const std::array<std::int64_t, job_status_count>& timestamps() const { return timestamps_; }

  /// The time the machine was created (REST `start-time`).
  std::int64_t start_time() const { return start_ms_; }
  /// When the job became globally terminal; nullopt before (REST `end-time` is then -1).
  std::optional<std::int64_t> end_time() const;
  /// The last transition's time (REST `last-modification`).
  std::int64_t last_modification() const { return last_ms_; }
  /// Running time so far: end - start when terminal, else now - start (REST `duration`).
  std::int64_t duration(std::int64_t now_ms) const;
  /// How often the job entered RESTARTING (Flink's numRestarts): restarts of this machine's
  /// owner, so a job master of a new leadership session counts from 0 again.
  int restarts() const { return restarts_; }

 private:
  job_status current_;
  std::int64_t start_ms_;
  std::int64_t last_ms_;
  std::array<std::int64_t, job_status_count> timestamps_{};
  int restarts_ = 0;
};

}  // namespace regent::job
