#pragma once
/// The JobResultStore as Flink's FileSystemJobResultStore keeps it (DESIGN §3): one folder,
/// `<jobId>_DIRTY.json` while the job's HA data awaits cleanup, then deleted (delete-on-commit)
/// or renamed to `<jobId>.json`; plain versioned JSON, a bad entry is errc::corrupt naming the
/// file. The read side lives here, shared by the `filesystem` and `zookeeper` backends, which
/// differ only in how a commit is fenced (under the lock file; inside a ZooKeeper lease).

#include <filesystem>
#include <functional>
#include <mutex>

#include "regent/ha/job_result_store.hpp"
#include "regent/ha/storage/file_io.hpp"

namespace regent::ha::storage {

/// Base of the file-backed stores: reads, listings and file names. Thread-safe (no state but
/// the folder). Derived classes implement create_dirty and mark_clean.
class job_result_files : public job_result_store {
 public:
  result<std::optional<job_result_entry>> get(const job_id& job) const final;
  result<bool> has_entry(const job_id& job) const final;
  result<std::vector<job_id>> dirty_ids() const final;
  result<std::vector<job_result>> dirty_results() const final;

 protected:
  job_result_files(std::filesystem::path dir, file_io& io) : dir_(std::move(dir)), io_(io) {}

  std::filesystem::path dirty_file(const job_id& job) const;
  std::filesystem::path clean_file(const job_id& job) const;
  const std::filesystem::path& dir() const { return dir_; }
  file_io& io() const { return io_; }

 private:
  /// Reads and parses one entry; errc::corrupt naming `file` when it does not hold `job`'s result.
  result<job_result> read_entry(const job_id& job, const std::filesystem::path& file) const;

  std::filesystem::path dir_;
  file_io& io_;
};

/// The JobResultStore of backends whose election is not a file lock (`zookeeper`,
/// `kubernetes`): the entry is written completely to a `.tmp-` file first, then the visible step
/// (rename to `_DIRTY.json`, delete, or rename to `.json`) runs inside `commit`, which the
/// backend bounds by a leadership lease of its own. Commits are serialised.
class leased_job_result_files : public job_result_files {
 public:
  result<void> create_dirty(const fencing_token& token, const job_result& r) final;
  result<void> mark_clean(const fencing_token& token, const job_id& job) final;

 protected:
  leased_job_result_files(std::filesystem::path dir, bool delete_on_commit, file_io& io)
      : job_result_files(std::move(dir), io), delete_on_commit_(delete_on_commit) {}
  /// errc::not_leader unless `token` is held now (checked before any file is touched).
  virtual result<void> holds(const fencing_token& token) = 0;
  /// Runs `step` only while the leadership of `token` is confirmed to last.
  virtual result<void> commit(const fencing_token& token, const job_id& job,
                              const std::function<result<void>()>& step) = 0;

 private:
  bool delete_on_commit_;
  std::mutex mu_;
};

}  // namespace regent::ha::storage
