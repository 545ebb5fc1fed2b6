#pragma once
/// Command-line arguments shared by the daemons (`jobmanager`, `taskmanager`) and test tools:
/// `--config-dir DIR [--host H] [--webui-port P] [-D key=value]...`, loaded into a validated
/// configuration. Errors are usage or config errors: the caller prints them and exits 2.

#include <optional>
#include <string>
#include <vector>

#include "regent/config/configuration.hpp"
#include "regent/config/settings.hpp"
#include "regent/runtime/result.hpp"

namespace regent::programs {

struct program_args {
  std::string config_dir = "conf";
  std::optional<std::string> host;     ///< --host: the address this process advertises
  std::optional<int> webui_port;       ///< --webui-port: sets rest.port (as Flink)
  std::vector<std::string> overrides;  ///< -D key=value
  bool help = false;
};

result<program_args> parse_args(const std::vector<std::string>& args);

/// Loads `<config-dir>/config.yaml`, applies the overrides and --webui-port, validates.
struct loaded_config {
  config::configuration conf;
  config::settings settings;
};
result<loaded_config> load_config(const program_args& args);

}  // namespace regent::programs
