#pragma once
/// A real child process owned by a test: started with fork/exec, its stdin writable, its
/// stdout read line by line on a thread of its own, its stderr kept in a log file that a
/// failing test can print. The child is killed (SIGKILL) and reaped when the object goes away,
/// and it dies with the test process (PR_SET_PDEATHSIG), so no process outlives a test.

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace regent::harness {

class child_process {
 public:
  /// Starts `argv[0]` with `argv`; stderr goes to `log_file` (appended), or, with
  /// `merge_stderr`, into the stdout lines (so a daemon's log lines can be waited on) and
  /// into `log_file` as they are read.
  child_process(std::vector<std::string> argv, std::filesystem::path log_file, bool merge_stderr = false);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  const std::filesystem::path& log_file() const { return log_file_; }

  /// Writes `line` and a newline to the child's stdin.
  bool send_line(const std::string& line);
  /// Waits until a stdout line (at index >= `from`) satisfies `pred`; returns it, or nullopt at
  /// the deadline or when the child closed stdout without such a line.
  std::optional<std::string> wait_for_line(const std::function<bool(const std::string&)>& pred,
                                           std::chrono::milliseconds timeout, std::size_t from = 0);
  /// Convenience: the first line starting with `prefix`.
  std::optional<std::string> wait_for_prefix(const std::string& prefix, std::chrono::milliseconds timeout,
                                             std::size_t from = 0);
  /// Every stdout line so far.
  std::vector<std::string> lines() const;
  std::size_t line_count() const;

  /// Sends a signal (SIGKILL, SIGTERM, SIGSTOP, SIGCONT, ...).
  void signal(int sig);
  /// Waits for the child to exit; returns its exit code (128+signal when killed), or nullopt
  /// at the deadline.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();

  /// The stderr log so far (for failure messages).
  std::string log_text() const;

 private:
  void read_stdout(int fd);

  std::filesystem::path log_file_;
  bool merged_ = false;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::optional<int> exit_code_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool eof_ = false;
  std::thread reader_;
};

/// A fresh, empty folder for one test, removed when the object goes away.
class temp_dir {
 public:
  explicit temp_dir(const std::string& label);
  ~temp_dir();
  const std::filesystem::path& path() const { return path_; }
  /// Leaves the folder in place for a post-mortem (a failed soak).
  void keep() { keep_ = true; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

/// The folder holding the project's built programs (build/bin), from REGENT_BIN_DIR.
std::filesystem::path bin_dir();

}  // namespace regent::harness
