#pragma once
/// The exactly-once `file` sink (DESIGN §4): decimal lines in part files that become visible
/// only when the checkpoint covering them completes.

#include <filesystem>
#include <string>
#include <vector>

#include "regent/task/sink.hpp"

namespace regent::task {

/// Writes records as decimal lines into part files under one folder shared by all subtasks.
///
/// Life of a part file of subtask i of job j (all names in the sink folder):
///   1. `.part-<j>-<i>-<seq>-<token>.inprogress`: opened at the first record after a checkpoint;
///   2. at checkpoint n: flushed, fsynced, closed and renamed to
///      `.part-<j>-<i>-<n>-<seq>-<token>.pending`, which the snapshot records;
///   3. on the completion notice for any checkpoint >= n: renamed to `part-<j>-<i>-<n>-<seq>`
///      (no-replace; if that name exists already with the same bytes, the part was committed
///      before: skipped; with other bytes, the job fails: see below).
/// Hidden names start with '.', so a reader listing visible files sees committed parts only.
/// `token` is random per sink instance, so an abandoned attempt cannot touch the files of the
/// next one. Committed files are never touched again.
///
/// Restore from checkpoint m first commits the pending parts of m's snapshot, then deletes
/// every hidden `.part-<j>-<i>-*` file left in the folder: they belong to attempts after m.
/// A committed part of subtask i that m does not cover (its seq is at or past m's next one)
/// means a later checkpoint completed that the HA store no longer has: restore fails with
/// errc::output_conflict, and the job with it, rather than lose or duplicate records.
///
/// Owned by one subtask, used on its thread only (see `sink`).
class file_sink final : public sink {
 public:
  /// Records go to `dir` (created by restore); `subtask_index` and `owner` (the job id, so
  /// that jobs sharing a folder never share a name; may be empty) name the part files.
  file_sink(std::filesystem::path dir, int subtask_index, const std::string& owner = "");
  /// Closes the open part without flushing, renaming or committing (crash semantics).
  ~file_sink() override;
  file_sink(const file_sink&) = delete;
  file_sink& operator=(const file_sink&) = delete;

  const char* type() const override { return "file"; }
  result<void> restore(const std::optional<sink_state>& state) override;
  result<void> write(std::int64_t record) override;
  result<sink_state> snapshot(checkpoint_id id) override;
  result<void> commit(checkpoint_id id) override;
  bool all_committed() const override { return fd_ < 0 && pending_.empty(); }

  /// The visible name of a committed part: `part-<owner>-<subtask>-<checkpoint>-<seq>`.
  std::string final_name(checkpoint_id checkpoint, std::uint64_t seq) const;

 private:
  /// `.part-<owner>-<subtask>-`: what every hidden file of this sink's name starts with.
  std::string hidden_prefix() const;
  result<void> open_part();
  result<void> flush();
  result<void> close_part();
  result<void> commit_part(const pending_part& part);

  std::filesystem::path dir_;
  int index_;
  std::string scope_;  // "<owner>-", or "" without an owner
  std::string token_;
  int fd_ = -1;
  std::string in_progress_name_;
  std::uint64_t in_progress_seq_ = 0;
  std::string buffer_;
  std::uint64_t next_seq_ = 0;
  std::vector<pending_part> pending_;
};

/// The committed part files in `dir` (visible names starting with "part-"), sorted; an empty
/// list when the folder does not exist. For readers of a job's output and for tests.
result<std::vector<std::string>> committed_parts(const std::filesystem::path& dir);

/// The committed part files of the file sinks of job `owner` in `dir` (`part-<owner>-*`), sorted.
result<std::vector<std::string>> committed_parts_of(const std::filesystem::path& dir, const std::string& owner);

/// The hidden (uncommitted) files in `dir` whose name starts with ".part-", sorted.
result<std::vector<std::string>> hidden_parts(const std::filesystem::path& dir);

}  // namespace regent::task
