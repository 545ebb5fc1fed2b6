// The `filesystem` JobResultStore (DESIGN §3): `<dir>/<jobId>_DIRTY.json` while the job's HA
// data awaits cleanup, then deleted (delete-on-commit) or renamed to `<jobId>.json`. Entries
// are plain versioned JSON, as Flink's FileSystemJobResultStore writes them; a bad entry is
// errc::corrupt naming the file.

#include <mutex>

#include "regent/ha/filesystem/filesystem_stores.hpp"
#include "store_files.hpp"

namespace regent::ha::filesystem {

namespace fs = std::filesystem;

namespace {




/// Job results as JSON files. Owned by the process's HA services; any thread may call it.
class file_job_result_store final : public job_result_store {
 public:
  file_job_result_store(fs::path dir, bool delete_on_commit, write_fence& fence, storage::file_io& io)
      : dir_(std::move(dir)), delete_on_commit_(delete_on_commit), fence_(fence), io_(io) {}

  result<void> create_dirty(const fencing_token& token, const job_result& r) override {
    if (auto c = validate_job_result(r); !c) return c;
    auto text = to_json(r);
    std::lock_guard<std::mutex> lock(mu_);
    return fence_.fenced(token, [&]() -> result<void> {
      if (io_.exists(clean_file(r.id)))
        return error{errc::already_exists, "job " + r.id.str() + " has a clean result " + clean_file(r.id).string()};
      return io_.write_atomic(dirty_file(r.id), text, /*no_replace=*/true);
    });
  }

  result<void> mark_clean(const fencing_token& token, const job_id& job) override {
    if (auto c = detail::check_job(job); !c) return c;
    std::lock_guard<std::mutex> lock(mu_);
    return fence_.fenced(token, [&]() -> result<void> {
      if (!io_.exists(dirty_file(job)))
        return error{errc::not_found, "no dirty result for job " + job.str() + " (" + dirty_file(job).string() + ")"};
      if (delete_on_commit_) return io_.remove(dirty_file(job));
      return io_.rename(dirty_file(job), clean_file(job));
    });
  }

  result<std::optional<job_result_entry>> get(const job_id& job) const override {
    if (auto c = detail::check_job(job); !c) return std::move(c).err();
    // Dirty first: an entry only ever moves from dirty to clean (or away), so this order
    // cannot miss one that is marked clean in between.
    for (bool dirty : {true, false}) {
      auto entry = read_entry(job, dirty ? dirty_file(job) : clean_file(job));
      if (entry) return std::optional<job_result_entry>(job_result_entry{std::move(*entry), dirty});
      if (entry.err().code != errc::not_found) return std::move(entry).err();
    }
    return std::optional<job_result_entry>();
  }

  result<bool> has_entry(const job_id& job) const override {
    if (auto c = detail::check_job(job); !c) return std::move(c).err();
    return io_.exists(dirty_file(job)) || io_.exists(clean_file(job));
  }

  result<std::vector<job_id>> dirty_ids() const override {
    auto names = io_.list(dir_);
    if (!names) return std::move(names).err();
    std::vector<job_id> ids;
    for (const auto& name : *names)
      if (auto id = dirty_entry_job(name)) ids.push_back(*id);
    return ids;
  }

  result<std::vector<job_result>> dirty_results() const override {
    auto ids = dirty_ids();
    if (!ids) return std::move(ids).err();
    std::vector<job_result> results;
    for (const auto& id : *ids) {
      auto entry = read_entry(id, dirty_file(id));
      if (entry) {
        results.push_back(std::move(*entry));
      } else if (entry.err().code != errc::not_found) {  // not_found: marked clean meanwhile
        return std::move(entry).err();
      }
    }
    return results;
  }

 private:
  fs::path dirty_file(const job_id& job) const { return dir_ / (job.str() + std::string(dirty_entry_suffix)); }
  fs::path clean_file(const job_id& job) const { return dir_ / (job.str() + ".json"); }

  /// Reads and parses one entry; errc::corrupt naming `file` when it does not hold `job`'s result.
  result<job_result> read_entry(const job_id& job, const fs::path& file) const {
    auto text = io_.read(file);
    if (!text) return std::move(text).err();
    auto r = job_result_from_json(*text, file.string());
    if (r && r->id != job)
      return error{errc::corrupt, "corrupt job result entry " + file.string() + ": holds job " + r->id.str()};
    return r;
  }

  fs::path dir_;
  bool delete_on_commit_;
  write_fence& fence_;
  storage::file_io& io_;
  mutable std::mutex mu_;
};

}  // namespace

std::unique_ptr<job_result_store> make_job_result_store(fs::path dir, bool delete_on_commit, write_fence& fence,
                                                        storage::file_io& io) {
  return std::make_unique<file_job_result_store>(std::move(dir), delete_on_commit, fence, io);
}

}  // namespace regent::ha::filesystem
