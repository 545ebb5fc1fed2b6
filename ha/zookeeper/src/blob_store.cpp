// The `zookeeper` blob store: pointers `blobs/<jobId>/<key>` → payloads
// `<cluster_dir>/blob/job_<jobId>/<key>.<hex>`. Blobs get pointers like every other store so
// that a blob write, too, commits only in a fenced multi (a bare file would be unfenced).

#include <mutex>

#include "regent/ha/errc.hpp"
#include "zk_stores.hpp"

namespace regent::ha::zookeeper {

namespace {

error invalid_key(const std::string& key) {
  return {errc::invalid_argument, "invalid blob key '" + key + "' (1-200 of [A-Za-z0-9._-], not '.' or '..')"};
}

class zk_blob_store final : public blob_store {
 public:
  zk_blob_store(pointer_files& files, znode_layout z, file_layout f)
      : files_(files), z_(std::move(z)), f_(std::move(f)) {}

  result<void> put(const fencing_token& token, const job_id& job, const std::string& key,
                   const std::string& bytes) override {
    if (auto r = check_job(job); !r) return r;
    if (!valid_blob_key(key)) return invalid_key(key);
    std::lock_guard<std::mutex> lock(mu_);
    return files_.put(token, z_.blob(job, key), z_.ns, f_.blobs(job), key, bytes);
  }

  result<std::string> get(const job_id& job, const std::string& key) const override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    if (!valid_blob_key(key)) return invalid_key(key);
    if (auto r = files_.fresh(); !r) return std::move(r).err();
    auto bytes = files_.read_through(z_.blob(job, key), f_.blobs(job), key);
    if (!bytes) return std::move(bytes).err();
    if (!*bytes) return error{errc::not_found, "no blob '" + key + "' for job " + job.str()};
    return std::move(**bytes);
  }

  result<std::vector<std::string>> list(const job_id& job) const override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    if (auto r = files_.fresh(); !r) return std::move(r).err();
    auto names = files_.conn.children(z_.blob_job(job));
    if (!names) return std::move(names).err();
    if (!*names) return std::vector<std::string>();
    for (const auto& name : **names)
      if (!valid_blob_key(name))
        return error{errc::corrupt, "unexpected ZooKeeper node " + z_.blob_job(job) + "/" + name + " among blobs"};
    return std::move(**names);
  }

  result<void> remove_job(const fencing_token& token, const job_id& job) override {
    if (auto r = check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(mu_);
    return files_.remove_folder(token, z_.blob_job(job), f_.blobs(job),
                                [](const std::string& name, const std::string& data) {
                                  return valid_blob_key(name) && is_payload_name(data, name);
                                });
  }

 private:
  pointer_files& files_;
  znode_layout z_;
  file_layout f_;
  std::mutex mu_;
};

}  // namespace

std::unique_ptr<blob_store> make_blob_store(pointer_files& files, znode_layout z, file_layout f) {
  return std::make_unique<zk_blob_store>(files, std::move(z), std::move(f));
}

}  // namespace regent::ha::zookeeper
