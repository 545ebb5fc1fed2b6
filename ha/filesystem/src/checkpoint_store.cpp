// The `filesystem` completed-checkpoint store: `checkpoints/<jobId>/<%019d id>`, one framed
// payload per checkpoint; the newest `retained` are kept.

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "regent/ha/filesystem/filesystem_stores.hpp"
#include "regent/runtime/logging.hpp"
#include "store_files.hpp"

namespace regent::ha::filesystem {

namespace fs = std::filesystem;

namespace {

/// Ids are written as 19 zero-padded digits, so they must stay below 10^19.
constexpr std::uint64_t max_checkpoint_id = 9'999'999'999'999'999'999ULL;
/// How often `latest` re-lists when the newest file vanished under it (pruned by a writer).
constexpr int latest_attempts = 3;

std::string id_name(std::uint64_t id) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%019llu", static_cast<unsigned long long>(id));
  return buf;
}

std::optional<std::uint64_t> parse_id_name(const std::string& name) {
  if (name.size() != 19) return std::nullopt;
  std::uint64_t id = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (ec != std::errc{} || end != name.data() + name.size()) return std::nullopt;
  return id;
}

/// Completed checkpoints as files. Owned by the process's HA services; any thread may call it.
/// Changes take the job's checkpoint folder mutex (shared with the id counter).
class file_checkpoint_store final : public completed_checkpoint_store {
 public:
  file_checkpoint_store(fs::path cluster_dir, int retained, write_fence& fence, storage::file_io& io)
      : cluster_dir_(std::move(cluster_dir)), retained_(std::max(retained, 1)), fence_(fence), io_(io) {}

  result<std::vector<std::uint64_t>> add(const fencing_token& token, const job_id& job, std::uint64_t id,
                                         const std::string& bytes) override {
    if (auto r = detail::check_job(job); !r) return std::move(r).err();
    if (id == 0 || id > max_checkpoint_id)
      return error{errc::invalid_argument, "checkpoint id " + std::to_string(id) + " out of range"};
    std::lock_guard<std::mutex> lock(detail::checkpoint_dir_mutex(job));
    auto ids = list_locked(job);
    if (!ids) return std::move(ids).err();
    if (!ids->empty() && id <= ids->back())
      return error{errc::invalid_argument, "checkpoint " + std::to_string(id) + " of job " + job.str() +
                                               " is not newer than checkpoint " + std::to_string(ids->back())};
    if (auto r = detail::write_payload(fence_, token, io_, file(job, id), bytes); !r) return std::move(r).err();
    ids->push_back(id);
    return prune(token, job, *ids);
  }

  result<std::optional<completed_checkpoint>> latest(const job_id& job) const override {
    if (auto r = detail::check_job(job); !r) return std::move(r).err();
    for (int attempt = 1;; ++attempt) {
      auto ids = list(job);
      if (!ids) return std::move(ids).err();
      if (ids->empty()) return std::optional<completed_checkpoint>();
      auto bytes = detail::read_payload(io_, file(job, ids->back()));
      if (bytes) return std::optional<completed_checkpoint>(completed_checkpoint{ids->back(), std::move(*bytes)});
      // A writer in another process may have pruned it between the listing and the read.
      if (bytes.err().code != errc::not_found || attempt == latest_attempts) return std::move(bytes).err();
    }
  }

  result<completed_checkpoint> get(const job_id& job, std::uint64_t id) const override {
    if (auto r = detail::check_job(job); !r) return std::move(r).err();
    if (id == 0 || id > max_checkpoint_id)
      return error{errc::not_found, "no checkpoint " + std::to_string(id) + " of job " + job.str()};
    auto bytes = detail::read_payload(io_, file(job, id));
    if (!bytes) {
      if (bytes.err().code == errc::not_found)
        return error{errc::not_found, "no checkpoint " + std::to_string(id) + " of job " + job.str() + " (" +
                                          file(job, id).string() + ")"};
      return std::move(bytes).err();
    }
    return completed_checkpoint{id, std::move(*bytes)};
  }

  result<std::vector<std::uint64_t>> list(const job_id& job) const override {
    if (auto r = detail::check_job(job); !r) return std::move(r).err();
    std::lock_guard<std::mutex> lock(detail::checkpoint_dir_mutex(job));
    return list_locked(job);
  }

  result<void> remove_all(const fencing_token& token, const job_id& job) override {
    if (auto r = detail::check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(detail::checkpoint_dir_mutex(job));
    auto names = io_.list(dir(job));
    if (!names) return std::move(names).err();
    return fence_.fenced(token, [&]() -> result<void> {
      // Only checkpoint files: the counter has its own `remove`.
      for (const auto& name : *names) {
        if (!parse_id_name(name)) continue;
        if (auto r = io_.remove(dir(job) / name); !r) return r;
      }
      return detail::remove_dir_if_empty(io_, dir(job));
    });
  }

  int retained() const override { return retained_; }

 private:
  fs::path dir(const job_id& job) const { return detail::checkpoint_dir(cluster_dir_, job); }
  fs::path file(const job_id& job, std::uint64_t id) const { return dir(job) / id_name(id); }

  result<std::vector<std::uint64_t>> list_locked(const job_id& job) const {
    auto names = io_.list(dir(job));
    if (!names) return std::move(names).err();
    std::vector<std::uint64_t> ids;
    for (const auto& name : *names) {
      if (name == detail::counter_file_name) continue;
      auto id = parse_id_name(name);
      if (!id) return error{errc::corrupt, "unexpected entry " + (dir(job) / name).string() + " among checkpoints"};
      ids.push_back(*id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  /// Drops the oldest of `ids` (ascending) beyond the retained count; returns what it dropped.
  /// The new checkpoint is already stored, so a failed removal is logged, not returned: the
  /// next `add` retries it.
  std::vector<std::uint64_t> prune(const fencing_token& token, const job_id& job,
                                   const std::vector<std::uint64_t>& ids) {
    std::vector<std::uint64_t> dropped;
    std::size_t excess = ids.size() > static_cast<std::size_t>(retained_) ? ids.size() - retained_ : 0;
    for (std::size_t i = 0; i < excess; ++i) {
      auto r = fence_.fenced(token, [&] { return io_.remove(file(job, ids[i])); });
      if (!r) {
        logging::get("ha")->warn("job {}: cannot drop checkpoint {}: {}", job.str(), ids[i], r.err().message);
        break;
      }
      dropped.push_back(ids[i]);
    }
    return dropped;
  }

  fs::path cluster_dir_;
  int retained_;
  write_fence& fence_;
  storage::file_io& io_;
};

}  // namespace

std::unique_ptr<completed_checkpoint_store> make_checkpoint_store(fs::path cluster_dir, int retained,
                                                                  write_fence& fence, storage::file_io& io) {
  return std::make_unique<file_checkpoint_store>(std::move(cluster_dir), retained, fence, io);
}

}  // namespace regent::ha::filesystem
