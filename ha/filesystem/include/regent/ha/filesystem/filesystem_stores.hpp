#pragma once
/// The stores of the `filesystem` backend, in the DESIGN §3 storage layout under
/// `<storageDir>/<cluster-id>/`:
///
///   jobgraphs/<jobId>                          job graph payloads
///   checkpoints/<jobId>/<%019d id>             completed-checkpoint metadata
///   checkpoints/<jobId>/checkpoint_id_counter  the job's checkpoint id counter
///   blob/job_<jobId>/<key>                     user artifacts
///
/// and the JobResultStore under `job-result-store.storage-path`. In this backend the file name
/// is the pointer: a payload becomes visible only by the atomic rename at the end of its
/// write, which runs inside the election's write fence (the held OS lock).

#include <filesystem>
#include <memory>

#include "regent/ha/job_result_store.hpp"
#include "regent/ha/stores.hpp"
#include "regent/ha/storage/file_io.hpp"
#include "regent/ha/write_fence.hpp"

namespace regent::ha::filesystem {

/// `cluster_dir` is `<storageDir>/<cluster-id>`. The fence and io must outlive the stores.
std::unique_ptr<job_graph_store> make_job_graph_store(std::filesystem::path cluster_dir, write_fence& fence,
                                                      storage::file_io& io);
std::unique_ptr<completed_checkpoint_store> make_checkpoint_store(std::filesystem::path cluster_dir, int retained,
                                                                  write_fence& fence, storage::file_io& io);
std::unique_ptr<checkpoint_id_counter> make_checkpoint_id_counter(std::filesystem::path cluster_dir, write_fence& fence,
                                                                  storage::file_io& io);
std::unique_ptr<blob_store> make_blob_store(std::filesystem::path cluster_dir, write_fence& fence,
                                            storage::file_io& io);
/// `dir` is `job-result-store.storage-path`.
std::unique_ptr<job_result_store> make_job_result_store(std::filesystem::path dir, bool delete_on_commit,
                                                        write_fence& fence, storage::file_io& io);

}  // namespace regent::ha::filesystem
