#pragma once
/// Waiting on what processes a test did not start itself leave behind — daemons started by the
/// bin/ scripts, output folders of file sinks — on events, with deadlines, never by sleeping.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace regent::harness {

/// Waits until process `pid` (any process, not only a child) has exited, through a pidfd that
/// becomes readable at its exit; an exited process that nobody has reaped yet counts as exited.
/// True when it exited (or was gone already) within `timeout`.
bool wait_pid_exited(pid_t pid, std::chrono::milliseconds timeout);

/// Watches one folder with inotify: `wait` returns at the next file written, created or moved
/// in it, or after `at_most`. For pacing re-checks of a condition on processes that log there.
class folder_writes {
 public:
  explicit folder_writes(const std::filesystem::path& dir);
  ~folder_writes();
  folder_writes(const folder_writes&) = delete;
  folder_writes& operator=(const folder_writes&) = delete;
  void wait(std::chrono::milliseconds at_most);

 private:
  int fd_ = -1;
};

/// What Prometheus's linter (`promtool check metrics`, Debian's `prometheus`) says about a
/// metrics text: its exit code (0 clean, 3 lint findings only, 1 a format error; nullopt when it
/// did not end in time) and its findings, one per line.
struct promtool_verdict {
  std::optional<int> exit_code;
  std::vector<std::string> findings;
  std::string output;  ///< everything it printed, for a failure message
};
/// Runs promtool on `text`, kept as `<dir>/<name>.metrics` (its output in `<name>.promtool`).
promtool_verdict promtool_check(const std::string& text, const std::filesystem::path& dir, const std::string& name,
                                std::chrono::milliseconds timeout);

/// Every record committed by a `file` sink into `dir` (visible `part-*` files) → the names of
/// the part files holding it, so that duplicates can be named; empty when `dir` does not exist.
std::map<long long, std::vector<std::string>> committed_records(const std::filesystem::path& dir);

}  // namespace regent::harness
