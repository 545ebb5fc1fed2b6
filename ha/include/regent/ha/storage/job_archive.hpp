#pragma once
/// Finished jobs' REST views, one file per job in `jobmanager.archive.fs.dir` (what Flink's
/// HistoryServer reads; the text is views::job_archive's), so that a job that ended on one
/// leader is still answered by the next one — even once its JobResultStore entry is gone
/// (delete-on-commit). Retention as Flink's job store: `jobstore.expiration-time` (by the file's
/// modification time) and `jobstore.max-capacity` (the newest).
///
/// A plain value over a folder: the leader's dispatcher writes through it when a job becomes
/// globally terminal; every jobmanager's REST gateway reads through it. Blocking file I/O; safe
/// from several threads and processes (each write is a temp file renamed into place).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "regent/runtime/clock.hpp"
#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"

namespace regent::ha {

class job_archive {
 public:
  /// `max_capacity` 0: unlimited.
  job_archive(std::filesystem::path dir, std::chrono::milliseconds expiration, int max_capacity,
              const clock& time = system_clock::instance());

  /// Writes `text` as the archive of `id` (replacing an older one), then deletes the archives
  /// that expired or exceed the capacity. An error names the file.
  result<void> put(const job_id& id, const std::string& text);
  /// The archive of `id`, unless there is none or it is no longer retained.
  std::optional<std::string> get(const job_id& id) const;
  /// Every retained archive, newest first.
  std::vector<std::pair<job_id, std::string>> list() const;

 private:
  struct entry {
    job_id id;
    std::filesystem::path file;
    std::int64_t modified_ms = 0;
  };
  /// The retained archives, newest first; with `expired`, also those past retention.
  std::vector<entry> scan(std::vector<entry>* expired) const;

  std::filesystem::path dir_;
  std::chrono::milliseconds expiration_;
  int max_capacity_;
  const clock& time_;
};

}  // namespace regent::ha
