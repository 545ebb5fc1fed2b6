#pragma once
/// The stores of the `none` backend: in memory, for one jobmanager without failover.
/// Thread-safe; writes are fenced by the in-memory election (write_fence) like every backend.

#include <memory>

#include "regent/ha/job_result_store.hpp"
#include "regent/ha/stores.hpp"
#include "regent/ha/write_fence.hpp"

namespace regent::ha::none {

std::unique_ptr<job_graph_store> make_job_graph_store(write_fence& fence);
std::unique_ptr<completed_checkpoint_store> make_checkpoint_store(int retained, write_fence& fence);
std::unique_ptr<checkpoint_id_counter> make_checkpoint_id_counter(write_fence& fence);
std::unique_ptr<blob_store> make_blob_store(write_fence& fence);
std::unique_ptr<job_result_store> make_job_result_store(bool delete_on_commit, write_fence& fence);

}  // namespace regent::ha::none
