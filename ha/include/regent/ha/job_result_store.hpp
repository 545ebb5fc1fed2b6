#pragma once
/// The JobResultStore (DESIGN §3, Flink's FLIP-194): the final result of every globally
/// terminal job, dirty until its HA data is cleaned up, so the job never runs again.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"

namespace regent::ha {

/// A globally terminal job's result, as Flink's JobResult.
struct job_result {
  job_id id;
  std::string application_status;  ///< SUCCEEDED | FAILED | CANCELED | UNKNOWN
  std::int64_t net_runtime_ms = 0;
  std::optional<std::string> failure_cause;
  std::string name;
  std::int64_t start_time = 0;
  std::int64_t end_time = 0;

  friend bool operator==(const job_result& a, const job_result& b) {
    return a.id == b.id && a.application_status == b.application_status && a.net_runtime_ms == b.net_runtime_ms &&
           a.failure_cause == b.failure_cause && a.name == b.name && a.start_time == b.start_time &&
           a.end_time == b.end_time;
  }
};

/// Entry JSON: {"version":1,"result":{"id","application-status","net-runtime",
/// "failure-cause"?,"name","start-time","end-time"}}.
std::string to_json(const job_result& r);
/// Parses an entry; `source` (a file name) is named in the error.
result<job_result> job_result_from_json(const std::string& text, const std::string& source);

/// Ok when `r` can be recorded: it has a job id and a known application status.
result<void> validate_job_result(const job_result& r);
/// The job id of a dirty entry's file name `<32 hex>_DIRTY.json`; nullopt for any other name.
std::optional<job_id> dirty_entry_job(const std::string& file_name);
/// "_DIRTY.json"
inline constexpr const char* dirty_entry_suffix = "_DIRTY.json";

struct job_result_entry {
  job_result result;
  bool dirty = true;
};

class job_result_store {
 public:
  virtual ~job_result_store() = default;
  /// Records a dirty result; errc::already_exists when the job has an entry (dirty or clean).
  virtual result<void> create_dirty(const fencing_token& token, const job_result& r) = 0;
  /// Marks the job's dirty entry clean: deletes it (delete-on-commit) or keeps it as clean.
  /// errc::not_found when there is no dirty entry.
  virtual result<void> mark_clean(const fencing_token& token, const job_id& job) = 0;
  /// The job's entry, dirty or clean, or nullopt.
  virtual result<std::optional<job_result_entry>> get(const job_id& job) const = 0;
  /// True when the job has an entry (dirty or clean): it must never run again.
  virtual result<bool> has_entry(const job_id& job) const = 0;
  /// Ids of dirty entries (from names alone, so a corrupt entry is still listed).
  virtual result<std::vector<job_id>> dirty_ids() const = 0;
  /// Every dirty result; errc::corrupt naming the file if one cannot be read.
  virtual result<std::vector<job_result>> dirty_results() const = 0;
};

}  // namespace regent::ha
