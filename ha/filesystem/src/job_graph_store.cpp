// The `filesystem` job graph store: one framed payload per job under `jobgraphs/<jobId>`.

#include <mutex>

#include "regent/ha/job_locks.hpp"

#include "regent/ha/filesystem/filesystem_stores.hpp"
#include "store_files.hpp"

namespace regent::ha::filesystem {

namespace fs = std::filesystem;

namespace {

/// Job graphs as files. Owned by the process's HA services; any thread may call it: one job's
/// calls are serialised (job_locks), different jobs' overlap (many submissions persist side by
/// side); other processes only read, and see whole files (atomic writes, temp files unlisted).
class file_job_graph_store final : public job_graph_store {
 public:
  file_job_graph_store(fs::path cluster_dir, write_fence& fence, storage::file_io& io)
      : dir_(std::move(cluster_dir) / "jobgraphs"), fence_(fence), io_(io) {}

  result<void> put(const fencing_token& token, const job_id& job, const std::string& bytes) override {
    if (auto r = detail::check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(locks_.of(job));
    return detail::write_payload(fence_, token, io_, file(job), bytes);
  }

  result<std::string> get(const job_id& job) const override {
    if (auto r = detail::check_job(job); !r) return std::move(r).err();
    std::lock_guard<std::mutex> lock(locks_.of(job));
    auto bytes = detail::read_payload(io_, file(job));
    if (!bytes && bytes.err().code == errc::not_found)
      return error{errc::not_found, "no job graph for job " + job.str() + " (" + file(job).string() + ")"};
    return bytes;
  }

  result<void> remove(const fencing_token& token, const job_id& job) override {
    if (auto r = detail::check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(locks_.of(job));
    return fence_.fenced(token, [&] { return io_.remove(file(job)); });
  }

  result<std::vector<job_id>> list() const override {
    auto names = io_.list(dir_);
    if (!names) return std::move(names).err();
    std::vector<job_id> ids;
    for (const auto& name : *names) {
      auto id = job_id::parse(name);
      if (!id || id->str() != name)
        return error{errc::corrupt, "unexpected entry " + (dir_ / name).string() + " among job graphs"};
      ids.push_back(*id);
    }
    return ids;
  }

 private:
  fs::path file(const job_id& job) const { return dir_ / job.str(); }

  fs::path dir_;
  write_fence& fence_;
  storage::file_io& io_;
  mutable job_locks locks_;
};

}  // namespace

std::unique_ptr<job_graph_store> make_job_graph_store(fs::path cluster_dir, write_fence& fence, storage::file_io& io) {
  return std::make_unique<file_job_graph_store>(std::move(cluster_dir), fence, io);
}

}  // namespace regent::ha::filesystem
