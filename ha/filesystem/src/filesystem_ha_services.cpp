#include "regent/ha/filesystem/filesystem_ha_services.hpp"

#include "regent/ha/filesystem/filesystem_election.hpp"
#include "regent/ha/filesystem/filesystem_stores.hpp"
#include "regent/ha/polling_retrieval.hpp"

namespace regent::ha::filesystem {

namespace {

/// Owns the election (which is also the stores' write fence) and the stores.
class filesystem_ha_services final : public store_owning_ha_services {
 public:
  explicit filesystem_ha_services(const options& o)
      : cluster_dir_(o.storage_dir / o.cluster_id),
        io_(o.io ? *o.io : storage::posix_file_io()),
        retrieval_poll_(o.retrieval_poll),
        election_(cluster_dir_, o.clk ? *o.clk : system_clock::instance(), io_, o.contend_poll) {
    set_stores(make_job_graph_store(cluster_dir_, election_, io_),
               make_checkpoint_store(cluster_dir_, o.checkpoints_retained, election_, io_),
               make_checkpoint_id_counter(cluster_dir_, election_, io_), make_blob_store(cluster_dir_, election_, io_),
               make_job_result_store(o.job_result_store_dir, o.delete_on_commit, election_, io_));
  }

  ~filesystem_ha_services() override { election_.stop(); }

  leader_election_driver& election() override { return election_; }
  std::unique_ptr<leader_retrieval> make_retrieval(const std::string& component) override {
    auto dir = cluster_dir_;
    auto* io = &io_;
    return std::make_unique<polling_retrieval>([dir, component, io] { return observe_leader(dir, component, *io); },
                                               retrieval_poll_);
  }
  std::string backend_name() const override { return "filesystem"; }
  /// The shared folder has no session: a failing disk shows in the writes, not here.
  connection_state connection() const override { return connection_state::connected; }

 private:
  std::filesystem::path cluster_dir_;
  storage::file_io& io_;
  std::chrono::milliseconds retrieval_poll_;
  filesystem_election election_;
};

}  // namespace

std::unique_ptr<ha_services> make_ha_services(const options& opts) {
  return std::make_unique<filesystem_ha_services>(opts);
}

}  // namespace regent::ha::filesystem
