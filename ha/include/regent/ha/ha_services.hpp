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
  /// "none", "filesystem", "zookeeper"
  virtual std::string backend_name() const = 0;
};

}  // namespace regent::ha
