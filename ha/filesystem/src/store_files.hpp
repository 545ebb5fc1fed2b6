#pragma once
/// Helpers shared by the file-backed stores of this backend (private to ha/filesystem/src).
///
/// A store file is a framed payload (storage::encode_payload) written with
/// `file_io::write_atomic` inside the write fence, so it becomes visible under its final name
/// only by the rename at the end of the write, and only while the writer leads.

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "regent/ha/errc.hpp"
#include "regent/ha/storage/file_io.hpp"
#include "regent/ha/write_fence.hpp"
#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"

namespace regent::ha::filesystem::detail {

/// errc::invalid_argument unless `job` is set.
result<void> check_job(const job_id& job);

/// Reads and unframes `file`: errc::not_found when missing, errc::corrupt naming the file when
/// its frame is bad, errc::io otherwise.
result<std::string> read_payload(const storage::file_io& io, const std::filesystem::path& file);

/// Frames `bytes` and writes them to `file` atomically inside `fence` under `token`.
result<void> write_payload(write_fence& fence, const fencing_token& token, storage::file_io& io,
                           const std::filesystem::path& file, std::string_view bytes);

/// Removes `dir` when it holds nothing but temp files (leftovers of interrupted writes). Call
/// inside the fence.
result<void> remove_dir_if_empty(storage::file_io& io, const std::filesystem::path& dir);

/// The job's checkpoint folder `<cluster_dir>/checkpoints/<jobId>`, shared by the checkpoint
/// store and the checkpoint id counter.
std::filesystem::path checkpoint_dir(const std::filesystem::path& cluster_dir, const job_id& job);

/// Name of the counter file inside the checkpoint folder.
inline constexpr const char* counter_file_name = "checkpoint_id_counter";

/// Serialises changes to `job`'s checkpoint folder between the checkpoint store and the
/// counter of the same process (both create files in, and may remove, the same folder); one of
/// the process's job_locks, so different jobs' writes overlap.
std::mutex& checkpoint_dir_mutex(const job_id& job);

}  // namespace regent::ha::filesystem::detail
