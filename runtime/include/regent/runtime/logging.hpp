#pragma once
/// Logging with spdlog: one named logger per module ("config", "ha", "rpc", "actors",
/// "runtime", ...), all sharing the sinks set up once by `init_logging`.

#include <memory>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

namespace regent::logging {

struct options {
  /// trace, debug, info, warn, error, critical, off
  std::string level = "info";
  /// When set, log lines also go to this file (its folder is created).
  std::optional<std::string> file;
  /// Whether to also log to stderr.
  bool console = true;
};

/// Sets up the shared sinks and the level. Returns an error sentence on a bad level or an
/// unwritable file; call once at process start (later calls replace the sinks).
std::optional<std::string> init(const options& opts);

/// The logger of a module, created on first use with the shared sinks.
std::shared_ptr<spdlog::logger> get(const std::string& module);

/// True when `level` names a spdlog level.
bool valid_level(const std::string& level);

}  // namespace regent::logging
