#pragma once
/// Factories of the stores of the `zookeeper` backend (private to ha/zookeeper/src). Each
/// store is owned by the services bundle; any thread may call it (a mutex per store serialises
/// this process's writes; readers in other processes see a pointer move atomically).

#include <filesystem>
#include <memory>

#include "layout.hpp"
#include "pointer_files.hpp"
#include "regent/ha/job_result_store.hpp"
#include "regent/ha/stores.hpp"

namespace regent::ha::zookeeper {

class graph_cache;
/// `jobgraphs/<jobId>` → `<cluster_dir>/jobgraphs/<jobId>.<hex>`; `keep_warm` starts `cache`,
/// which must outlive the store's use.
std::unique_ptr<job_graph_store> make_job_graph_store(pointer_files& files, graph_cache& cache, znode_layout z,
                                                      file_layout f);
/// `jobs/<jobId>/checkpoints/<%019d>` → `<cluster_dir>/checkpoints/<jobId>/<%019d>.<hex>`.
std::unique_ptr<completed_checkpoint_store> make_checkpoint_store(pointer_files& files, znode_layout z, file_layout f,
                                                                  int retained);
/// `jobs/<jobId>/checkpoint_id_counter`: a decimal znode, no payload.
std::unique_ptr<checkpoint_id_counter> make_checkpoint_id_counter(pointer_files& files, znode_layout z);
/// `blobs/<jobId>/<key>` → `<cluster_dir>/blob/job_<jobId>/<key>.<hex>`.
std::unique_ptr<blob_store> make_blob_store(pointer_files& files, znode_layout z, file_layout f);
/// Files under `dir` (as the `filesystem` backend's), commits within a ZooKeeper-confirmed lease.
std::unique_ptr<job_result_store> make_job_result_store(std::filesystem::path dir, bool delete_on_commit,
                                                        fenced_writer& writer, storage::file_io& io, clock& clk);

}  // namespace regent::ha::zookeeper
