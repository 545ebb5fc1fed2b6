#pragma once
/// A real supervisord (Debian's `supervisor`) owned by a test or a benchmark, running the
/// shipped deploy/supervisord/regent.conf: its own supervisord.conf, socket, logs and pid file
/// in a folder of the test, in the foreground as a child_process. `stop()` (and the destructor)
/// stops it with SIGTERM, which stops every program it runs; should it not exit, its programs and
/// then it are killed. So no jobmanager or taskmanager outlives the test.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <sys/types.h>

#include "regent/harness/child_process.hpp"

namespace regent::harness {

class supervisord {
 public:
  /// Writes `<dir>/supervisord.conf` including `program_conf`, with REGENT_HOME=`home`,
  /// REGENT_CONF_DIR=`conf_dir`, REGENT_BIN_DIR=bin_dir(), REGENT_LOG_DIR=`<dir>/log`; starts it.
  supervisord(std::filesystem::path dir, const std::filesystem::path& home, const std::filesystem::path& program_conf,
              const std::filesystem::path& conf_dir);
  ~supervisord();
  supervisord(const supervisord&) = delete;
  supervisord& operator=(const supervisord&) = delete;

  /// The pid of `program` (e.g. "regent-jobmanager") as `supervisorctl pid` reports it; nullopt
  /// when it does not run.
  std::optional<pid_t> pid(const std::string& program);
  /// Waits until `program` runs with a pid other than `not_this` (0: any); its pid, or nullopt.
  std::optional<pid_t> wait_running(const std::string& program, pid_t not_this, std::chrono::milliseconds timeout);
  /// The pid of supervisord's child whose program name (/proc/PID/comm) is `comm`, read from
  /// /proc without asking supervisorctl (cheap enough to poll); nullopt when none runs.
  std::optional<pid_t> child_named(const std::string& comm) const;
  /// `supervisorctl status` output.
  std::string status();
  void stop();
  std::string logs() const;

 private:
  std::string ctl(const std::vector<std::string>& args);

  std::filesystem::path dir_;
  std::unique_ptr<child_process> process_;
};

}  // namespace regent::harness
