#pragma once
/// The checkpoint statistics of one job, in the shape REST `GET /jobs/:id/checkpoints` serves
/// (Flink's CheckpointingStatistics): counts, a summary of completed checkpoints, the latest
/// completed / failed / restored checkpoint and the history of the most recent ones.
/// Filled in by the checkpoint_coordinator; read by whoever renders REST.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace regent::job {

enum class checkpoint_status { in_progress, completed, failed };
/// "IN_PROGRESS", "COMPLETED", "FAILED".
const char* to_string(checkpoint_status s);

/// One checkpoint as REST shows it (CheckpointStatistics and its completed/failed variants).
/// Timestamps are wall-clock ms; -1 where Flink sends -1 (no acknowledgement, not failed).
struct checkpoint_stats {
  std::int64_t id = 0;
  checkpoint_status status = checkpoint_status::in_progress;
  std::int64_t trigger_timestamp = 0;
  std::int64_t latest_ack_timestamp = -1;
  std::int64_t state_size = 0;           ///< sum over acknowledged subtasks, bytes
  std::int64_t end_to_end_duration = 0;  ///< ms: trigger → latest ack (failed: → failure)
  int num_subtasks = 0;
  int num_acknowledged_subtasks = 0;
  std::string external_path;            ///< completed: where the metadata was written
  std::int64_t failure_timestamp = -1;  ///< failed only
  std::string failure_message;          ///< failed only
};

/// The checkpoint a job execution was restored from (RestoredCheckpointStatistics).
struct restored_checkpoint_stats {
  std::int64_t id = 0;
  std::int64_t restore_timestamp = 0;
  std::string external_path;
};

/// min / max / avg over every value added, and quantiles over the most recent `window` values
/// (StatsSummaryDto's p50 ... p999).
class stats_summary {
 public:
  explicit stats_summary(std::size_t window = 128) : window_(window == 0 ? 1 : window) {}
  void add(std::int64_t v);
  std::int64_t count() const { return count_; }
  std::int64_t min() const { return count_ ? min_ : 0; }
  std::int64_t max() const { return count_ ? max_ : 0; }
  std::int64_t avg() const { return count_ ? sum_ / count_ : 0; }
  /// The q-quantile (0 ≤ q ≤ 1, linear interpolation between ranks); 0 when empty.
  double quantile(double q) const;

 private:
  std::size_t window_;
  std::deque<std::int64_t> recent_;
  std::int64_t count_ = 0, min_ = 0, max_ = 0, sum_ = 0;
};

struct checkpoint_counts {
  std::int64_t restored = 0;
  std::int64_t total = 0;  ///< triggered
  std::int64_t in_progress = 0;
  std::int64_t completed = 0;
  std::int64_t failed = 0;
};

struct checkpoint_statistics {
  checkpoint_counts counts;
  stats_summary state_size;           ///< of completed checkpoints
  stats_summary end_to_end_duration;  ///< of completed checkpoints
  std::optional<checkpoint_stats> latest_completed;
  std::optional<checkpoint_stats> latest_failed;
  std::optional<restored_checkpoint_stats> latest_restored;
  std::deque<checkpoint_stats> history;  ///< newest first, at most the coordinator's history size
};

}  // namespace regent::job
