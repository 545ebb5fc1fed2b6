#pragma once
/// The engine of one subtask: runs the chain source → operators → sink for subtask i of P on
/// the process's subtask executor (subtask_executor.hpp: a few threads for all subtasks), with
/// exactly-once checkpoints (DESIGN §4).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "regent/runtime/clock.hpp"
#include "regent/runtime/ids.hpp"
#include "regent/runtime/job_spec.hpp"
#include "regent/runtime/result.hpp"
#include "regent/task/operator_chain.hpp"
#include "regent/task/sink.hpp"
#include "regent/task/subtask_executor.hpp"

namespace regent::task {

/// What a subtask runs and where its checkpoints go.
struct subtask_config {
  job_id job;
  int index = 0;        ///< i in [0, parallelism)
  int parallelism = 1;  ///< P
  source_spec source;
  std::vector<operator_spec> operators;
  sink_spec sink;
  /// state.checkpoints.dir: snapshots go to <dir>/<job>/chk-<id>/subtask-<index>.
  std::filesystem::path checkpoints_dir;
  /// Where the `library` artifacts of `operators` are on this machine.
  library_resolver resolve_library = local_file_resolver();
  /// When set, builds the chain instead of `operators` (embedding and tests); runs on an
  /// executor thread.
  std::function<result<operator_chain>()> make_chain;
  /// Paces `source.rate_per_second`; must outlive the subtask.
  const clock* time = &system_clock::instance();
  /// Runs the subtask; null: subtask_executor::shared(). Must outlive the subtask.
  subtask_executor* executor = nullptr;
};

/// A subtask's acknowledgement of checkpoint `id`: its snapshot is durable at `handle`.
struct checkpoint_ack {
  checkpoint_id id = 0;
  std::filesystem::path handle;
  std::uint64_t size = 0;  ///< bytes of the snapshot file
  /// Records of its source partition written before the checkpoint (its source position: all
  /// attempts together, as a restore resumes there). Committed once the checkpoint completes.
  std::uint64_t records = 0;
};

/// What a subtask reports. Every callback runs on the executor thread running the subtask's
/// step: it must return quickly and must not block (post a message to an actor instead). It may call trigger_checkpoint,
/// notify_checkpoint_complete and cancel of the same subtask, but must not destroy it.
struct subtask_callbacks {
  /// Checkpoint taken and its snapshot written.
  std::function<void(const checkpoint_ack&)> on_ack;
  /// The source is exhausted; the subtask waits for a (final) checkpoint and its notice.
  std::function<void()> on_end_of_input;
  /// All output of this subtask is committed (after end of input). Reported once.
  std::function<void()> on_finished;
  /// The subtask stopped on an error (I/O, a bad snapshot, user code that cannot be loaded);
  /// files are left for a restore. The subtask ends after this.
  std::function<void(const error&)> on_failed;
  /// The subtask stopped after cancel(). The subtask ends after this.
  std::function<void()> on_cancelled;
};

/// Runs one subtask of a job, step by step on an executor (one step at a time, so its state
/// needs no lock; a step emits at most a batch of records, so subtasks take turns).
///
/// Lifecycle: construct → start(restore?) → the first step restores (commits the pending output
/// of the restored checkpoint, removes uncommitted files), then emits records; checkpoints are
/// taken at the next record boundary after trigger_checkpoint; on the completion notice the
/// sink commits. When the source is exhausted it reports end_of_input and keeps taking
/// checkpoints and notices; once every record is committed it reports finished and stays
/// alive (acknowledging further checkpoints with its final state) until cancel() or
/// destruction. A failure or cancel() ends it; files stay as they are, so a new
/// subtask can restore from the latest completed checkpoint and resume exactly after the last
/// record it covers.
///
/// Owned by the taskmanager's slot (one object per deployment attempt). The public methods are
/// thread-safe and never block on the subtask's work; the destructor cancels and waits for
/// the end (the step in hand).
class subtask {
 public:
  subtask(subtask_config config, subtask_callbacks callbacks);
  /// Cancels and waits until the subtask has ended; callbacks may still run until it returns.
  ~subtask();
  subtask(const subtask&) = delete;
  subtask& operator=(const subtask&) = delete;

  /// Starts running it. `restore_from` is this subtask's snapshot handle in a completed
  /// checkpoint (what its ack reported), or nullopt for a fresh start (which also removes
  /// uncommitted files of earlier attempts). Errors found on the thread (an unreadable or
  /// foreign snapshot, a bad spec) are reported through on_failed; start itself fails only
  /// when called twice.
  result<void> start(std::optional<std::filesystem::path> restore_from = std::nullopt);

  /// Takes checkpoint `id` at the next record boundary and reports on_ack. Ids must increase;
  /// an id not above the last one taken is ignored.
  void trigger_checkpoint(checkpoint_id id);
  /// Checkpoint `id` completed: commits the output of every checkpoint <= id.
  void notify_checkpoint_complete(checkpoint_id id);
  /// Stops promptly (at the next record boundary or out of a rate-limit wait), leaving every
  /// file for a later restore; reports on_cancelled. Does not wait.
  void cancel();
  /// Waits until the subtask has ended (after a failure or cancel). Not from a callback.
  void join();

  int index() const { return config_.index; }

  /// Records this subtask has read from its source and written to its sink since start()
  /// (Flink's numRecordsIn / numRecordsOut of one task attempt: a restored attempt counts from
  /// 0 again). Thread-safe and lock-free, so a metrics endpoint may read it at any time.
  struct record_counts {
    std::uint64_t in = 0;
    std::uint64_t out = 0;
  };
  record_counts records() const {
    return {records_in_.load(std::memory_order_relaxed), records_out_.load(std::memory_order_relaxed)};
  }

 private:
  /// A request from another thread, carried out by the subtask's steps in order.
  struct command {
    enum class kind { trigger, notify } what;
    checkpoint_id id;
  };
  class runner;

  void post(command c);
  subtask_executor& executor() const;

  subtask_config config_;
  subtask_callbacks callbacks_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<command> commands_;
  bool cancel_requested_ = false;
  /// Set when commands_ or cancel_requested_ changed; read per record without the lock.
  std::atomic<bool> has_work_{false};
  /// Written only by the subtask's steps, once per record; read by records().
  std::atomic<std::uint64_t> records_in_{0};
  std::atomic<std::uint64_t> records_out_{0};

  std::shared_ptr<runner> runner_;  ///< set by start(), under mu_
  bool ended_ = false;              ///< under mu_; cv_ tells join()
};

}  // namespace regent::task
