// The `filesystem` checkpoint id counter: `checkpoints/<jobId>/checkpoint_id_counter`, a framed
// decimal holding the id `next` returns. A missing file means 1.

#include <charconv>
#include <limits>

#include "regent/ha/filesystem/filesystem_stores.hpp"
#include "regent/ha/storage/payload.hpp"
#include "store_files.hpp"

namespace regent::ha::filesystem {

namespace fs = std::filesystem;

namespace {

/// Per-job counters as files. Owned by the process's HA services; any thread may call it.
/// Changes take the job's checkpoint folder mutex (shared with the checkpoint store).
class file_checkpoint_id_counter final : public checkpoint_id_counter {
 public:
  file_checkpoint_id_counter(fs::path cluster_dir, write_fence& fence, storage::file_io& io)
      : cluster_dir_(std::move(cluster_dir)), fence_(fence), io_(io) {}

  result<std::uint64_t> reserve(const fencing_token& token, const job_id& job, std::uint64_t count) override {
    if (auto r = detail::check_job(job); !r) return std::move(r).err();
    if (count == 0) return error{errc::invalid_argument, "reserving no checkpoint ids"};
    std::lock_guard<std::mutex> lock(detail::checkpoint_dir_mutex(job));
    std::uint64_t current = 0;
    auto r = fence_.fenced(token, [&]() -> result<void> {
      auto value = read(job);
      if (!value) return std::move(value).err();
      if (*value > std::numeric_limits<std::uint64_t>::max() - count)
        return error{errc::invalid_argument, "checkpoint id counter of job " + job.str() + " is exhausted"};
      current = *value;
      return io_.write_atomic(file(job), storage::encode_payload(std::to_string(current + count)));
    });
    if (!r) return std::move(r).err();
    return current;
  }

  result<std::uint64_t> peek(const job_id& job) const override {
    if (auto r = detail::check_job(job); !r) return std::move(r).err();
    return read(job);
  }

  result<void> remove(const fencing_token& token, const job_id& job) override {
    if (auto r = detail::check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(detail::checkpoint_dir_mutex(job));
    return fence_.fenced(token, [&]() -> result<void> {
      if (auto r = io_.remove(file(job)); !r) return r;
      return detail::remove_dir_if_empty(io_, detail::checkpoint_dir(cluster_dir_, job));
    });
  }

 private:
  fs::path file(const job_id& job) const {
    return detail::checkpoint_dir(cluster_dir_, job) / detail::counter_file_name;
  }

  result<std::uint64_t> read(const job_id& job) const {
    auto text = detail::read_payload(io_, file(job));
    if (!text) {
      if (text.err().code == errc::not_found) return std::uint64_t{1};
      return std::move(text).err();
    }
    std::uint64_t value = 0;
    const char* begin = text->data();
    const char* end = begin + text->size();
    auto [stop, ec] = std::from_chars(begin, end, value);
    if (text->empty() || ec != std::errc{} || stop != end || value == 0)
      return error{errc::corrupt, "corrupt checkpoint id counter " + file(job).string() + ": '" + *text + "'"};
    return value;
  }

  fs::path cluster_dir_;
  write_fence& fence_;
  storage::file_io& io_;
};

}  // namespace

std::unique_ptr<checkpoint_id_counter> make_checkpoint_id_counter(fs::path cluster_dir, write_fence& fence,
                                                                  storage::file_io& io) {
  return std::make_unique<file_checkpoint_id_counter>(std::move(cluster_dir), fence, io);
}

}  // namespace regent::ha::filesystem
