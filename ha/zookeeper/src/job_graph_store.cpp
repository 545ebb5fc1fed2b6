// The `zookeeper` job graph store: pointer `jobgraphs/<jobId>` → payload
// `<cluster_dir>/jobgraphs/<jobId>.<hex>`. Every write also sets the `jobgraphs` node in its
// multi, which lets a standby's copy of the graphs (graph_cache) serve a recovery.

#include <mutex>

#include "graph_cache.hpp"
#include "regent/ha/errc.hpp"
#include "regent/runtime/logging.hpp"
#include "zk_stores.hpp"

namespace regent::ha::zookeeper {

namespace {

class zk_job_graph_store final : public job_graph_store {
 public:
  zk_job_graph_store(pointer_files& files, graph_cache& cache, znode_layout z, file_layout f)
      : files_(files), cache_(cache), z_(std::move(z)), f_(std::move(f)) {}

  void keep_warm() override { cache_.start(); }

  result<void> put(const fencing_token& token, const job_id& job, const std::string& bytes) override {
    if (auto r = check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(mu_);
    return files_.put(token, z_.jobgraph(job), z_.ns, f_.jobgraphs(), job.str(), bytes, pointer_files::stamp::parent);
  }

  result<std::string> get(const job_id& job) const override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    if (auto r = files_.fresh(); !r) return std::move(r).err();
    return graph_of(job, files_.read_through(z_.jobgraph(job), f_.jobgraphs(), job.str()));
  }

  std::vector<result<std::string>> get_many(const std::vector<job_id>& jobs) const override {
    std::vector<result<std::string>> out;
    out.reserve(jobs.size());
    if (auto r = files_.fresh(); !r) {
      for (std::size_t i = 0; i < jobs.size(); ++i) out.emplace_back(r.err());
      return out;
    }
    // A standby's copy, when the folder shows it current, spares reading the graphs; a read
    // of the folder that fails leaves it unused (the reads below report the trouble).
    std::vector<std::optional<std::string>> cached(jobs.size());
    const bool warm = cache_.running();
    if (warm) {
      if (auto folder = files_.conn.get(z_.jobgraphs()); folder && *folder)
        cached = cache_.lookup(jobs, (*folder)->stat);
    }
    std::vector<pointer_files::pointer_target> targets;
    for (std::size_t i = 0; i < jobs.size(); ++i)
      if (!cached[i]) targets.push_back({z_.jobgraph(jobs[i]), f_.jobgraphs(), jobs[i].str()});
    if (warm && !jobs.empty())
      logging::get("ha")->info("{} of {} job graphs served from this jobmanager's copy, {} read",
                               jobs.size() - targets.size(), jobs.size(), targets.size());
    auto read = files_.read_through_many(targets);  // none when the copy had every graph
    for (std::size_t i = 0, next = 0; i < jobs.size(); ++i) {
      auto* fetched = cached[i] ? nullptr : &read[next++];
      if (auto r = check_job(jobs[i]); !r)
        out.emplace_back(std::move(r).err());
      else if (cached[i])
        out.emplace_back(std::move(*cached[i]));
      else
        out.push_back(graph_of(jobs[i], std::move(*fetched)));
    }
    return out;
  }

  result<void> remove(const fencing_token& token, const job_id& job) override {
    if (auto r = check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(mu_);
    if (auto r = files_.remove(token, z_.jobgraph(job), f_.jobgraphs(), job.str(), pointer_files::stamp::parent); !r)
      return r;
    files_.sweep(
        f_.jobgraphs(), [&](const std::string& name) { return is_payload_name(name, job.str()); },
        /*whole_folder=*/false);
    return ok();
  }

  result<std::vector<job_id>> list() const override {
    if (auto r = files_.fresh(); !r) return std::move(r).err();
    auto names = files_.conn.children(z_.jobgraphs());
    if (!names) return std::move(names).err();
    std::vector<job_id> ids;
    if (!*names) return ids;
    for (const auto& name : **names) {
      auto id = job_id::parse(name);
      if (!id || id->str() != name)
        return error{errc::corrupt, "unexpected ZooKeeper node " + z_.jobgraphs() + "/" + name + " among job graphs"};
      ids.push_back(*id);
    }
    return ids;
  }

 private:
  /// The graph a read through the job's pointer found; a missing pointer is errc::not_found.
  result<std::string> graph_of(const job_id& job, result<std::optional<std::string>> read) const {
    if (!read) return std::move(read).err();
    if (!*read) return error{errc::not_found, "no job graph for job " + job.str() + " (" + z_.jobgraph(job) + ")"};
    return std::move(**read);
  }

  pointer_files& files_;
  graph_cache& cache_;
  znode_layout z_;
  file_layout f_;
  std::mutex mu_;
};

}  // namespace

std::unique_ptr<job_graph_store> make_job_graph_store(pointer_files& files, graph_cache& cache, znode_layout z,
                                                      file_layout f) {
  return std::make_unique<zk_job_graph_store>(files, cache, std::move(z), std::move(f));
}

}  // namespace regent::ha::zookeeper
