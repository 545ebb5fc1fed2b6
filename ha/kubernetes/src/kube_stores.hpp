#pragma once
/// The stores of the `kubernetes` backend: pointers in the HA ConfigMaps (ha_maps), payloads as
/// files in `<storageDir>/<cluster-id>/` named uniquely per write (`<base>.<12 hex>`), so that a
/// pointer names exactly one write and a write whose pointer never landed is harmless.
///
/// Keys of a job (all in the job's shard):
///   jobGraph-<jobId>                    → jobgraphs/<jobId>.<hex>
///   checkpoint-<jobId>-<%019d id>       → checkpoints/<jobId>/<%019d id>.<hex>
///   counter-<jobId>                     decimal: the id `next` returns
///   blob-<jobId>-<key>                  → blob/job_<jobId>/<key>.<hex>

#include <filesystem>
#include <memory>

#include "ha_maps.hpp"
#include "lease_election.hpp"
#include "regent/ha/job_result_store.hpp"
#include "regent/ha/storage/file_io.hpp"
#include "regent/ha/stores.hpp"

namespace regent::ha::kubernetes {

/// What every store shares: the maps, the election (for writer identities) and the payload
/// folder. Thread-safe.
struct store_context {
  ha_maps& maps;
  lease_election& election;
  storage::file_io& io;
  std::filesystem::path cluster_dir;  ///< <storageDir>/<cluster-id>
};

std::unique_ptr<job_graph_store> make_job_graph_store(store_context ctx);
std::unique_ptr<completed_checkpoint_store> make_checkpoint_store(store_context ctx, int retained);
std::unique_ptr<checkpoint_id_counter> make_checkpoint_id_counter(store_context ctx);
std::unique_ptr<blob_store> make_blob_store(store_context ctx);
/// The JobResultStore on files (as `filesystem` and `zookeeper`), every commit made while the
/// leadership is held by the local clock (before its renew deadline).
std::unique_ptr<job_result_store> make_job_result_store(std::filesystem::path dir, bool delete_on_commit,
                                                        lease_election& election, storage::file_io& io, clock& clk);

}  // namespace regent::ha::kubernetes
