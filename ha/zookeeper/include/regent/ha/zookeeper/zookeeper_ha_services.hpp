#pragma once
/// The `zookeeper` backend as one bundle: one ZooKeeper session (renewed after expiry), the
/// latch election, retrieval by watches, and the stores as pointer znodes to payload files.
///
/// ZooKeeper layout under `<path_root>/<cluster_id>/` (DESIGN §3):
///
///   leader/latch/latch-<uuid>-<seq>       ephemeral sequential contenders; the lowest leads
///   leader/epoch                          persistent decimal, bumped by compare-and-set per grant
///   leader/<component>/connection_info    ephemeral leader info JSON (leader_info_json)
///   jobgraphs/<jobId>                     → payload file name in <storage_dir>/<cluster_id>/jobgraphs/
///   jobs/<jobId>/checkpoints/<%019d id>   → payload file name in .../checkpoints/<jobId>/
///   jobs/<jobId>/checkpoint_id_counter    decimal: the id `next` returns
///   blobs/<jobId>/<key>                   → payload file name in .../blob/job_<jobId>/
///
/// Every write of the leader is one `zoo_multi` that starts with a check of the writer's own
/// latch node and of the epoch node's version at its grant: a leader whose session expired
/// cannot write, even before it notices. The JobResultStore stays on the file system
/// (`job_result_store_dir`), its commits bounded by a ZooKeeper-confirmed lease (see README).

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "regent/ha/ha_services.hpp"
#include "regent/ha/storage/file_io.hpp"
#include "regent/runtime/clock.hpp"
#include "regent/runtime/result.hpp"

namespace regent::ha::zookeeper {

struct options {
  std::string quorum;                                   ///< high-availability.zookeeper.quorum: host:port,...
  std::string path_root = "/flink";                     ///< ...zookeeper.path.root
  std::string cluster_id = "default";                   ///< high-availability.cluster-id
  std::chrono::milliseconds session_timeout{60000};     ///< ...client.session-timeout (the server clamps it)
  std::chrono::milliseconds connection_timeout{15000};  ///< ...client.connection-timeout: how long an
                                                        ///< operation waits for a connected session
  std::chrono::milliseconds retry_wait{5000};           ///< ...client.retry-wait: base of the backoff
  int max_retry_attempts = 3;                           ///< ...client.max-retry-attempts
  bool tolerate_suspended = false;                      ///< ...client.tolerate-suspended-connections
  bool creator_acl = false;                             ///< ...client.acl: creator (true) or open
  std::string digest;                                   ///< ...client.digest: user:password ("" = none)
  std::filesystem::path storage_dir;                    ///< high-availability.storageDir (payload files)
  std::filesystem::path job_result_store_dir;           ///< job-result-store.storage-path
  bool delete_on_commit = true;                         ///< job-result-store.delete-on-commit
  int retained = 1;                                     ///< execution.checkpointing.num-retained
  clock* clk = nullptr;                                 ///< default: the system clock
  storage::file_io* file_io = nullptr;                  ///< default: the real file system
};

/// Validates `opts` (errc::invalid_argument naming the option) and opens the session; does not
/// wait for it to connect (operations wait up to `connection_timeout`).
result<std::unique_ptr<ha_services>> make_ha_services(const options& opts);

}  // namespace regent::ha::zookeeper
