#include "store_files.hpp"

#include "regent/ha/job_locks.hpp"

#include "regent/ha/storage/payload.hpp"

namespace regent::ha::filesystem::detail {

namespace fs = std::filesystem;

result<void> check_job(const job_id& job) {
  if (job.empty()) return error{errc::invalid_argument, "empty job id"};
  return ok();
}

result<std::string> read_payload(const storage::file_io& io, const fs::path& file) {
  auto raw = io.read(file);
  if (!raw) return std::move(raw).err();
  return storage::decode_payload(*raw, file.string());
}

result<void> write_payload(write_fence& fence, const fencing_token& token, storage::file_io& io, const fs::path& file,
                           std::string_view bytes) {
  auto framed = storage::encode_payload(bytes);
  return fence.fenced(token, [&]() -> result<void> { return io.write_atomic(file, framed); });
}

result<void> remove_dir_if_empty(storage::file_io& io, const fs::path& dir) {
  auto names = io.list(dir);
  if (!names) return std::move(names).err();
  if (!names->empty()) return ok();
  return io.remove_all(dir);
}

fs::path checkpoint_dir(const fs::path& cluster_dir, const job_id& job) {
  return cluster_dir / "checkpoints" / job.str();
}

std::mutex& checkpoint_dir_mutex(const job_id& job) {
  static job_locks locks;
  return locks.of(job);
}

}  // namespace regent::ha::filesystem::detail
