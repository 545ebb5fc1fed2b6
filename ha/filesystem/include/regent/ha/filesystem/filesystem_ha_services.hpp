#pragma once
/// The `filesystem` backend as one bundle: election, retrieval and stores over one storage dir.

#include <chrono>
#include <filesystem>
#include <memory>

#include "regent/ha/ha_services.hpp"
#include "regent/ha/storage/file_io.hpp"
#include "regent/runtime/clock.hpp"

namespace regent::ha::filesystem {

struct options {
  std::filesystem::path storage_dir;             ///< high-availability.storageDir
  std::string cluster_id = "default";            ///< high-availability.cluster-id
  std::filesystem::path job_result_store_dir;    ///< job-result-store.storage-path
  bool delete_on_commit = true;                  ///< job-result-store.delete-on-commit
  int checkpoints_retained = 1;                  ///< execution.checkpointing.num-retained
  std::chrono::milliseconds contend_poll{5};     ///< how often a standby tries the lock
  std::chrono::milliseconds retrieval_poll{10};  ///< how often retrieval looks for a new leader
  clock* clk = nullptr;                          ///< default: the system clock
  storage::file_io* io = nullptr;                ///< default: the real file system
};

std::unique_ptr<ha_services> make_ha_services(const options& opts);

}  // namespace regent::ha::filesystem
