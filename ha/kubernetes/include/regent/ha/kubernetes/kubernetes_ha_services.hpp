#pragma once
/// The `kubernetes` backend as one bundle (ha/kubernetes/README.md): leader election on a
/// `coordination.k8s.io/v1` Lease, leader info and store pointers in ConfigMaps labelled
/// `app=<cluster-id>`, `configmap-type=high-availability`, every write fenced by a
/// resourceVersion precondition on a map whose fence every takeover raises; payloads in
/// `<storageDir>/<cluster-id>/`, the JobResultStore in `job_result_store_dir`.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "regent/ha/ha_services.hpp"
#include "regent/ha/storage/file_io.hpp"
#include "regent/runtime/clock.hpp"
#include "regent/runtime/result.hpp"

namespace regent::ha::kubernetes {

struct options {
  std::string cluster_id = "default";  ///< kubernetes.cluster-id
  std::string namespace_name;  ///< kubernetes.namespace ("" = the service account's or kubeconfig's, else "default")
  std::string config_file;     ///< kubernetes.config.file: a kubeconfig ("" = in cluster)
  std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  std::chrono::milliseconds lease_duration{15000};  ///< ...leader-election.lease-duration
  std::chrono::milliseconds renew_deadline{10000};  ///< ...leader-election.renew-deadline
  std::chrono::milliseconds retry_period{2000};     ///< ...leader-election.retry-period
  int max_retries = 5;                              ///< kubernetes.transactional-operation.max-retries
  std::filesystem::path storage_dir;                ///< high-availability.storageDir (payload files)
  std::filesystem::path job_result_store_dir;       ///< job-result-store.storage-path
  bool delete_on_commit = true;                     ///< job-result-store.delete-on-commit
  int retained = 1;                                 ///< execution.checkpointing.num-retained
  clock* clk = nullptr;                             ///< default: the system clock
  storage::file_io* file_io = nullptr;              ///< default: the real file system
};

/// Validates `opts` and reads the cluster access (kubeconfig or service account):
/// errc::invalid_argument naming the option or file. Does not contact the API server.
result<std::unique_ptr<ha_services>> make_ha_services(const options& opts);

}  // namespace regent::ha::kubernetes
