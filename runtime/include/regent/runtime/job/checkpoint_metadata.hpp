#pragma once
/// The metadata of a completed checkpoint: the bytes the job_master stores in the HA
/// completed_checkpoint_store, and reads back to restore a job.
///
///   {"job-id": "<32 hex>", "checkpoint-id": 7, "timestamp": 1700000000000,
///    "subtasks": [{"index": 0, "handle": "/ckpt/<job>/chk-7/subtask-0", "state-size": 120}, ...]}

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"

namespace regent::job {

/// Where one subtask's snapshot of a checkpoint lives and how big it is.
struct subtask_state_handle {
  int index = 0;                ///< the subtask, 0..P-1
  std::string handle;           ///< the snapshot's location (under state.checkpoints.dir)
  std::int64_t state_size = 0;  ///< bytes

  friend bool operator==(const subtask_state_handle& a, const subtask_state_handle& b) {
    return a.index == b.index && a.handle == b.handle && a.state_size == b.state_size;
  }
};

struct checkpoint_metadata {
  job_id job;
  std::int64_t checkpoint_id = 0;
  std::int64_t timestamp = 0;                  ///< trigger time, wall-clock ms
  std::vector<subtask_state_handle> subtasks;  ///< one per subtask, ordered by index

  std::int64_t total_state_size() const;
};

/// Compact JSON as above.
std::string serialize_checkpoint_metadata(const checkpoint_metadata& m);
/// Parses and checks the JSON: a valid job id, checkpoint id >= 1, subtask indices exactly
/// 0..n-1 (n >= 1), sizes >= 0. Anything else is runtime_errc::corrupt_metadata naming the
/// field. Unknown extra fields are ignored (a newer writer may add some).
result<checkpoint_metadata> parse_checkpoint_metadata(std::string_view bytes);

}  // namespace regent::job
