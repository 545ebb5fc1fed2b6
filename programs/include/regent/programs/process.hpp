#pragma once
/// Process plumbing shared by the daemons: signal handling, the shutdown latch, and logging
/// set-up from the configuration.

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "regent/config/settings.hpp"

namespace regent::programs {

/// One-shot "the process should stop" flag with an exit code and a reason. Thread-safe.
class shutdown_latch {
 public:
  /// The first trigger wins; later ones are ignored.
  void trigger(int exit_code, std::string why);
  /// Blocks until triggered; returns the exit code and the reason.
  std::pair<int, std::string> wait();
  bool triggered() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<std::pair<int, std::string>> value_;
};

/// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (call first in main, so every
/// thread inherits the mask) and ignores SIGPIPE.
void block_shutdown_signals();
/// Waits for SIGTERM/SIGINT (exit code 0) or for the latch to be triggered otherwise.
void wait_for_shutdown_signal(shutdown_latch& latch);
/// Wakes and joins the thread running `wait_for_shutdown_signal`.
void release_signal_thread(std::thread& t);

/// Logs to stderr and to `<log_dir>/<program>-<host>-<pid>.log`, at `log.level`.
/// Returns an error sentence when the log file cannot be opened.
std::optional<std::string> init_daemon_logging(const std::string& program, const config::settings& s);

}  // namespace regent::programs
