#pragma once
/// The snapshot a subtask writes at each checkpoint, and where it goes.
///
/// File: `<state.checkpoints.dir>/<jobId>/chk-<id>/subtask-<i>`, written atomically as an HA
/// framed payload (header with version, length and CRC-32; see regent/ha/storage/payload.hpp).
/// The payload is UTF-8 text, one field per line, so a person can read it:
///
///   regent-subtask-snapshot 1
///   job 0123456789abcdef0123456789abcdef
///   checkpoint 7
///   subtask 2 4                        (index, parallelism)
///   sink file                          (the sink's type)
///   source-position 1234               (records of this subtask's share already emitted)
///   sink-next-seq 5
///   pending 6 3 .part-2-6-3-<token>.pending part-2-6-3   (checkpoint seq hidden visible)
///   end

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"
#include "regent/task/sink.hpp"

namespace regent::task {

inline constexpr int snapshot_format_version = 1;

/// Everything a subtask needs to resume exactly after the last record a checkpoint covers.
struct subtask_snapshot {
  job_id job;
  checkpoint_id checkpoint = 0;
  int subtask_index = 0;
  int parallelism = 1;
  std::string sink_type;
  std::uint64_t source_position = 0;
  sink_state sink;
};

/// The snapshot file of subtask `index` in checkpoint `id`.
std::filesystem::path snapshot_path(const std::filesystem::path& checkpoints_dir, const job_id& job, checkpoint_id id,
                                    int index);

/// The text form (unframed).
std::string encode_snapshot(const subtask_snapshot& snapshot);
/// Parses the text form; errc::corrupt naming `file` and the line on anything unexpected
/// (including part names that are not plain hidden/visible file names).
result<subtask_snapshot> decode_snapshot(std::string_view text, const std::string& file);

/// Frames and writes `snapshot` atomically to `file`; returns the bytes written.
result<std::uint64_t> write_snapshot(const std::filesystem::path& file, const subtask_snapshot& snapshot);
/// Reads, checks the frame and decodes; errc::not_found or errc::corrupt naming `file`.
result<subtask_snapshot> read_snapshot(const std::filesystem::path& file);

}  // namespace regent::task
