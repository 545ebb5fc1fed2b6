// The `filesystem` blob store: `blob/job_<jobId>/<key>`, one framed payload per artifact.

#include <mutex>

#include "regent/ha/job_locks.hpp"

#include "regent/ha/filesystem/filesystem_stores.hpp"
#include "store_files.hpp"

namespace regent::ha::filesystem {

namespace fs = std::filesystem;

namespace {

error invalid_key(const std::string& key) {
  return {errc::invalid_argument, "invalid blob key '" + key + "' (1-200 of [A-Za-z0-9._-], not '.' or '..')"};
}

/// User artifacts as files. Owned by the process's HA services; any thread may call it.
class file_blob_store final : public blob_store {
 public:
  file_blob_store(fs::path cluster_dir, write_fence& fence, storage::file_io& io)
      : dir_(std::move(cluster_dir) / "blob"), fence_(fence), io_(io) {}

  result<void> put(const fencing_token& token, const job_id& job, const std::string& key,
                   const std::string& bytes) override {
    if (auto r = detail::check_job(job); !r) return r;
    if (!valid_blob_key(key)) return invalid_key(key);
    std::lock_guard<std::mutex> lock(locks_.of(job));
    return detail::write_payload(fence_, token, io_, job_dir(job) / key, bytes);
  }

  result<std::string> get(const job_id& job, const std::string& key) const override {
    if (auto r = detail::check_job(job); !r) return std::move(r).err();
    if (!valid_blob_key(key)) return invalid_key(key);
    auto bytes = detail::read_payload(io_, job_dir(job) / key);
    if (!bytes && bytes.err().code == errc::not_found)
      return error{errc::not_found, "no blob '" + key + "' for job " + job.str()};
    return bytes;
  }

  result<std::vector<std::string>> list(const job_id& job) const override {
    if (auto r = detail::check_job(job); !r) return std::move(r).err();
    std::lock_guard<std::mutex> lock(locks_.of(job));
    auto names = io_.list(job_dir(job));
    if (!names) return std::move(names).err();
    for (const auto& name : *names)
      if (!valid_blob_key(name))
        return error{errc::corrupt, "unexpected entry " + (job_dir(job) / name).string() + " among blobs"};
    return names;
  }

  result<void> remove_job(const fencing_token& token, const job_id& job) override {
    if (auto r = detail::check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(locks_.of(job));
    return fence_.fenced(token, [&] { return io_.remove_all(job_dir(job)); });
  }

 private:
  fs::path job_dir(const job_id& job) const { return dir_ / ("job_" + job.str()); }

  fs::path dir_;
  write_fence& fence_;
  storage::file_io& io_;
  mutable job_locks locks_;  ///< one job's calls one at a time; different jobs' overlap
};

}  // namespace

std::unique_ptr<blob_store> make_blob_store(fs::path cluster_dir, write_fence& fence, storage::file_io& io) {
  return std::make_unique<file_blob_store>(std::move(cluster_dir), fence, io);
}

}  // namespace regent::ha::filesystem
