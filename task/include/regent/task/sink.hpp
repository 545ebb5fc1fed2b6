#pragma once
/// The end of a subtask's chain: the interface every sink implements, the state a sink keeps
/// in a checkpoint, and the factory from a job spec's `sink`.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "regent/runtime/job_spec.hpp"
#include "regent/runtime/result.hpp"

namespace regent::task {

/// A checkpoint id, as the job master's checkpoint counter hands them out (strictly
/// increasing over the life of a job, across failovers).
using checkpoint_id = std::uint64_t;

/// A part file a checkpoint covers that waits for that checkpoint to complete: it sits in the
/// sink folder under a hidden name until the commit renames it to its visible name.
struct pending_part {
  checkpoint_id checkpoint = 0;  ///< the checkpoint that closed it
  std::uint64_t seq = 0;         ///< the subtask's running part number
  std::string pending_name;      ///< hidden file name (starts with '.') in the sink folder
  std::string final_name;        ///< visible name once committed: part-<job>-<subtask>-<chk>-<seq>

  friend bool operator==(const pending_part& a, const pending_part& b) {
    return a.checkpoint == b.checkpoint && a.seq == b.seq && a.pending_name == b.pending_name &&
           a.final_name == b.final_name;
  }
};

/// What a sink keeps in a checkpoint: the parts it closed and not yet committed, and where its
/// part numbering continues.
struct sink_state {
  std::uint64_t next_seq = 0;
  std::vector<pending_part> pending;

  friend bool operator==(const sink_state& a, const sink_state& b) {
    return a.next_seq == b.next_seq && a.pending == b.pending;
  }
};

/// A sink with exactly-once semantics over checkpoints: records written between two
/// checkpoints become visible only when the later checkpoint completes.
///
/// Owned by one subtask and called only on its thread. Destroying a sink without a checkpoint
/// is the same as a crash: what was written since the last checkpoint stays hidden and is
/// removed by the next restore.
class sink {
 public:
  virtual ~sink() = default;

  /// The spec's type name ("file", "discard").
  virtual const char* type() const = 0;
  /// Called once, before the first write: `state` is the sink's state in the completed
  /// checkpoint the subtask restores from (its pending parts are committed now, since their
  /// completion notice may have been lost), or nullopt for a fresh start. Afterwards anything
  /// this subtask left uncommitted is removed.
  virtual result<void> restore(const std::optional<sink_state>& state) = 0;
  /// Appends one record.
  virtual result<void> write(std::int64_t record) = 0;
  /// Checkpoint `id` at a record boundary: makes everything written so far durable (but
  /// still hidden) and returns the state to store in the checkpoint.
  virtual result<sink_state> snapshot(checkpoint_id id) = 0;
  /// Checkpoint `id` completed: makes visible everything that checkpoints <= id cover.
  /// Idempotent.
  virtual result<void> commit(checkpoint_id id) = 0;
  /// True when every record written so far is committed (nothing open or pending).
  virtual bool all_committed() const = 0;
};

/// Sends records nowhere: no state, always committed. Owned by one subtask, used on its thread.
class discard_sink final : public sink {
 public:
  const char* type() const override { return "discard"; }
  result<void> restore(const std::optional<sink_state>&) override { return ok(); }
  result<void> write(std::int64_t) override { return ok(); }
  result<sink_state> snapshot(checkpoint_id) override { return sink_state{}; }
  result<void> commit(checkpoint_id) override { return ok(); }
  bool all_committed() const override { return true; }
};

/// The sink `spec` describes for subtask `index` of job `owner`: "file" (a file_sink on spec.path) or
/// "discard"; errc::invalid_argument for anything else.
result<std::unique_ptr<sink>> make_sink(const sink_spec& spec, int index, const std::string& owner = "");

}  // namespace regent::task
