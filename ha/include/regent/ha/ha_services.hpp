#pragma once
/// The bundle of HA services a jobmanager process uses: one election driver, retrieval per
/// component, and the stores. Built from configuration by the process wiring in runtime/
/// (the only place that names a concrete backend).

#include <memory>
#include <string>

#include "regent/ha/job_result_store.hpp"
#include "regent/ha/leader_election.hpp"
#include "regent/ha/leader_retrieval.hpp"
#include "regent/ha/stores.hpp"

namespace regent::ha {

/// This process's connection to the HA backend's coordination service, as the backend sees it
/// now: `connected`; `suspended` (no answer for the moment: the ZooKeeper connection is lost but
/// its session may still resume, the Kubernetes API server does not answer); `lost` (the
/// ZooKeeper session expired: every ephemeral node and watch of it is gone).
enum class connection_state { connected, suspended, lost };
/// "connected", "suspended", "lost"
const char* to_string(connection_state s);

class ha_services {
 public:
  virtual ~ha_services() = default;
  virtual leader_election_driver& election() = 0;
  /// A new watcher of `component`'s leader info.
  virtual std::unique_ptr<leader_retrieval> make_retrieval(const std::string& component) = 0;
  virtual job_graph_store& job_graphs() = 0;
  virtual completed_checkpoint_store& checkpoints() = 0;
  virtual checkpoint_id_counter& checkpoint_ids() = 0;
  virtual blob_store& blobs() = 0;
  virtual job_result_store& job_results() = 0;
  /// "none", "filesystem", "zookeeper", "kubernetes"
  virtual std::string backend_name() const = 0;
  /// Non-blocking (read by the metrics endpoint). Backends without a remote service (`none`,
  /// `filesystem`) are always connected.
  virtual connection_state connection() const = 0;
};

}  // namespace regent::ha

namespace regent::ha {

/// The part every backend's bundle shares: it owns the five stores and hands them out.
/// A backend derives from it, builds its election first and then calls `set_stores`.
class store_owning_ha_services : public ha_services {
 public:
  job_graph_store& job_graphs() override { return *job_graphs_; }
  completed_checkpoint_store& checkpoints() override { return *checkpoints_; }
  checkpoint_id_counter& checkpoint_ids() override { return *checkpoint_ids_; }
  blob_store& blobs() override { return *blobs_; }
  job_result_store& job_results() override { return *job_results_; }

 protected:
  void set_stores(std::unique_ptr<job_graph_store> job_graphs, std::unique_ptr<completed_checkpoint_store> checkpoints,
                  std::unique_ptr<checkpoint_id_counter> checkpoint_ids, std::unique_ptr<blob_store> blobs,
                  std::unique_ptr<job_result_store> job_results) {
    job_graphs_ = std::move(job_graphs);
    checkpoints_ = std::move(checkpoints);
    checkpoint_ids_ = std::move(checkpoint_ids);
    blobs_ = std::move(blobs);
    job_results_ = std::move(job_results);
  }

 private:
  std::unique_ptr<job_graph_store> job_graphs_;
  std::unique_ptr<completed_checkpoint_store> checkpoints_;
  std::unique_ptr<checkpoint_id_counter> checkpoint_ids_;
  std::unique_ptr<blob_store> blobs_;
  std::unique_ptr<job_result_store> job_results_;
};

}  // namespace regent::ha
