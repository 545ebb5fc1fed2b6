#pragma once
/// The checkpoint bookkeeping of one job (DESIGN §4) as a pure state machine: events in,
/// actions out, no I/O and no clock of its own.
///
/// One checkpoint runs at a time:
///
///   trigger(id)          → send_trigger          the caller took `id` from the HA
///                                                 checkpoint_id_counter and sends the trigger
///                                                 to subtasks 0..P-1
///   acknowledge(...) × P → store_checkpoint      the caller writes the metadata and adds it to
///                                                 the completed_checkpoint_store (HA)
///   completed(id)        → send_notify_complete  the caller tells every subtask (sinks commit)
///
///   decline / fail / timeout / abort_pending → send_abort (subtasks drop that checkpoint)
///
/// Events that do not apply (a late acknowledgement for an old id, a duplicate, a trigger while
/// one is pending, ...) change nothing and return `ignored_event` with the reason, for one log
/// line. The timeout covers only the acknowledgement phase: once every subtask acknowledged,
/// the checkpoint is in the caller's hands until it reports `completed` or `fail`.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "regent/runtime/ids.hpp"
#include "regent/runtime/job/checkpoint_metadata.hpp"
#include "regent/runtime/job/checkpoint_stats.hpp"
#include "regent/runtime/job/instant.hpp"

namespace regent::job {

/// Send "trigger checkpoint `checkpoint_id`" to subtasks 0..parallelism-1.
struct send_trigger {
  std::int64_t checkpoint_id = 0;
  std::int64_t timestamp = 0;  ///< wall-clock ms
  int parallelism = 0;
};
/// Every subtask acknowledged: write `metadata` and add it to the completed checkpoint store,
/// then call completed(id) — or fail(id, why) if that did not work.
struct store_checkpoint {
  checkpoint_metadata metadata;
};
/// Tell every subtask that `checkpoint_id` is complete (sinks commit what it covers).
struct send_notify_complete {
  std::int64_t checkpoint_id = 0;
};
/// `checkpoint_id` failed: tell the subtasks to drop it; its files may be deleted.
struct send_abort {
  std::int64_t checkpoint_id = 0;
  std::string reason;
};
/// An event that changed nothing, with the reason (log it; do not act on it).
struct ignored_event {
  std::int64_t checkpoint_id = 0;
  std::optional<int> subtask;
  std::string reason;
};

using checkpoint_action = std::variant<send_trigger, store_checkpoint, send_notify_complete, send_abort, ignored_event>;

struct checkpoint_coordinator_options {
  int parallelism = 1;
  std::chrono::milliseconds timeout{600000};  ///< as Flink's execution.checkpointing.timeout
  std::size_t history_size = 10;              ///< as Flink's web.checkpoints.history
};

/// Owned by the job's job_master and driven on its thread; not thread-safe. It outlives
/// restarts of the job within one leadership session (statistics accumulate): on a failure
/// call abort_pending, and restored() when the job resumes from a checkpoint.
class checkpoint_coordinator {
 public:
  checkpoint_coordinator(job_id job, checkpoint_coordinator_options opts);

  /// Starts checkpoint `id` (from the HA counter; must exceed every id seen so far).
  std::vector<checkpoint_action> trigger(std::int64_t id, const instant& now);
  /// Subtask `subtask` snapshotted checkpoint `id` to `handle` (`state_size` bytes).
  std::vector<checkpoint_action> acknowledge(int subtask, std::int64_t id, std::string handle, std::int64_t state_size,
                                             const instant& now);
  /// Subtask `subtask` could not snapshot checkpoint `id`.
  std::vector<checkpoint_action> decline(int subtask, std::int64_t id, const std::string& reason, const instant& now);
  /// Checkpoint `id` failed for a reason outside the subtasks (e.g. the HA store write failed).
  std::vector<checkpoint_action> fail(std::int64_t id, const std::string& reason, const instant& now);
  /// The caller stored checkpoint `id`'s metadata at `external_path`.
  std::vector<checkpoint_action> completed(std::int64_t id, std::string external_path, const instant& now);
  /// Fails the pending checkpoint if it waited for acknowledgements for `timeout` or longer.
  std::vector<checkpoint_action> timeout(const instant& now);
  /// Fails the pending checkpoint, if any (the job is failing, restarting or suspending).
  std::vector<checkpoint_action> abort_pending(const std::string& reason, const instant& now);
  /// Records that the job resumes from completed checkpoint `id` (stored at `external_path`);
  /// aborts a pending checkpoint, and later acknowledgements for ids up to `id` are ignored.
  std::vector<checkpoint_action> restored(std::int64_t id, std::string external_path, const instant& now);

  /// Records that the job goes on with subtasks that kept running across a leader change (a
  /// new leader adopted them): checkpoint `id` is the latest completed one, so later
  /// acknowledgements for ids up to `id` are ignored. Unlike restored(), nothing was restored.
  void adopted(std::int64_t id);

  /// True when no checkpoint is pending: the caller may take an id and trigger.
  bool can_trigger() const { return !pending_.has_value(); }
  std::optional<std::int64_t> pending_id() const;
  /// True while the pending checkpoint has every acknowledgement and awaits completed/fail.
  bool awaiting_store() const { return pending_ && pending_->all_acknowledged; }
  /// When the pending checkpoint times out (for the caller's timer); nullopt when there is
  /// nothing to time out.
  std::optional<clock::time_point> deadline() const;
  /// The newest completed (or restored) checkpoint id; 0 when none.
  std::int64_t latest_completed_id() const { return latest_completed_id_; }

  const checkpoint_statistics& statistics() const { return stats_; }
  const job_id& job() const { return job_; }
  int parallelism() const { return opts_.parallelism; }

 private:
  struct pending_checkpoint {
    std::int64_t id = 0;
    instant triggered;
    std::vector<std::optional<subtask_state_handle>> acks;
    int acknowledged = 0;
    bool all_acknowledged = false;
  };

  checkpoint_stats* history_entry(std::int64_t id);
  ignored_event ignore_unmatched(std::int64_t id, std::optional<int> subtask) const;
  void fail_pending(const std::string& reason, const instant& now, std::vector<checkpoint_action>& out);

  job_id job_;
  checkpoint_coordinator_options opts_;
  std::optional<pending_checkpoint> pending_;
  std::int64_t latest_id_ = 0;  ///< highest id triggered or restored
  std::int64_t latest_completed_id_ = 0;
  checkpoint_statistics stats_;
};

}  // namespace regent::job
