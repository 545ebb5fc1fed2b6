#include "regent/ha/filesystem/filesystem_ha_services.hpp"

#include "regent/ha/filesystem/filesystem_election.hpp"
#include "regent/ha/filesystem/filesystem_stores.hpp"
#include "regent/ha/polling_retrieval.hpp"

namespace regent::ha::filesystem {

namespace {

/// Owns the election (which is also the stores' write fence) and the stores.
class filesystem_ha_services final : public ha_services {
 public:
  explicit filesystem_ha_services(const options& o)
      : cluster_dir_(o.storage_dir / o.cluster_id),
        io_(o.io ? *o.io : storage::posix_file_io()),
        retrieval_poll_(o.retrieval_poll),
        election_(cluster_dir_, o.clk ? *o.clk : system_clock::instance(), io_, o.contend_poll),
        job_graphs_(make_job_graph_store(cluster_dir_, election_, io_)),
        checkpoints_(make_checkpoint_store(cluster_dir_, o.checkpoints_retained, election_, io_)),
        ids_(make_checkpoint_id_counter(cluster_dir_, election_, io_)),
        blobs_(make_blob_store(cluster_dir_, election_, io_)),
        results_(make_job_result_store(o.job_result_store_dir, o.delete_on_commit, election_, io_)) {}

  ~filesystem_ha_services() override { election_.stop(); }

  leader_election_driver& election() override { return election_; }
  std::unique_ptr<leader_retrieval> make_retrieval(const std::string& component) override {
    auto dir = cluster_dir_;
    auto* io = &io_;
    return std::make_unique<polling_retrieval>(
        [dir, component, io] { return observe_leader(dir, component, *io); }, retrieval_poll_);
  }
  job_graph_store& job_graphs() override { return *job_graphs_; }
  completed_checkpoint_store& checkpoints() override { return *checkpoints_; }
  checkpoint_id_counter& checkpoint_ids() override { return *ids_; }
  blob_store& blobs() override { return *blobs_; }
  job_result_store& job_results() override { return *results_; }
  std::string backend_name() const override { return "filesystem"; }

 private:
  std::filesystem::path cluster_dir_;
  storage::file_io& io_;
  std::chrono::milliseconds retrieval_poll_;
  filesystem_election election_;
  std::unique_ptr<job_graph_store> job_graphs_;
  std::unique_ptr<completed_checkpoint_store> checkpoints_;
  std::unique_ptr<checkpoint_id_counter> ids_;
  std::unique_ptr<blob_store> blobs_;
  std::unique_ptr<job_result_store> results_;
};

}  // namespace

std::unique_ptr<ha_services> make_ha_services(const options& opts) {
  return std::make_unique<filesystem_ha_services>(opts);
}

}  // namespace regent::ha::filesystem
