// The `filesystem` JobResultStore (DESIGN §3): the files of storage::job_result_files, every
// commit under the lock file (the write fence).

#include <mutex>

#include "regent/ha/job_locks.hpp"

#include "regent/ha/filesystem/filesystem_stores.hpp"
#include "regent/ha/storage/job_result_files.hpp"
#include "store_files.hpp"

namespace regent::ha::filesystem {

namespace fs = std::filesystem;

namespace {

/// Job results as JSON files. Owned by the process's HA services; any thread may call it.
class file_job_result_store final : public storage::job_result_files {
 public:
  file_job_result_store(fs::path dir, bool delete_on_commit, write_fence& fence, storage::file_io& io)
      : job_result_files(std::move(dir), io), delete_on_commit_(delete_on_commit), fence_(fence) {}

  result<void> create_dirty(const fencing_token& token, const job_result& r) override {
    if (auto c = validate_job_result(r); !c) return c;
    auto text = to_json(r);
    std::lock_guard<std::mutex> lock(locks_.of(r.id));
    return fence_.fenced(token, [&]() -> result<void> {
      if (io().exists(clean_file(r.id)))
        return error{errc::already_exists, "job " + r.id.str() + " has a clean result " + clean_file(r.id).string()};
      return io().write_atomic(dirty_file(r.id), text, /*no_replace=*/true);
    });
  }

  result<void> mark_clean(const fencing_token& token, const job_id& job) override {
    if (auto c = detail::check_job(job); !c) return c;
    std::lock_guard<std::mutex> lock(locks_.of(job));
    return fence_.fenced(token, [&]() -> result<void> {
      if (!io().exists(dirty_file(job)))
        return error{errc::not_found, "no dirty result for job " + job.str() + " (" + dirty_file(job).string() + ")"};
      if (delete_on_commit_) return io().remove(dirty_file(job));
      return io().rename(dirty_file(job), clean_file(job));
    });
  }

 private:
  bool delete_on_commit_;
  write_fence& fence_;
  job_locks locks_;  ///< one job's changes one at a time; different jobs' overlap
};

}  // namespace

std::unique_ptr<job_result_store> make_job_result_store(fs::path dir, bool delete_on_commit, write_fence& fence,
                                                        storage::file_io& io) {
  return std::make_unique<file_job_result_store>(std::move(dir), delete_on_commit, fence, io);
}

}  // namespace regent::ha::filesystem
