#pragma once
/// The start of every daemon (`jobmanager`, `taskmanager`): shutdown signals blocked, the
/// arguments parsed, the configuration loaded, logging set up and the HA services built — or
/// the exit code to end with at once (0 after --help; 2 for a usage or configuration error,
/// whose message, printed as `<program>: ...`, names the key and the file — a TLS key or
/// certificate that cannot be used included).

#include <memory>
#include <variant>

#include "regent/ha/ha_services.hpp"
#include "regent/programs/program_args.hpp"
#include "regent/programs/tls_wiring.hpp"

namespace regent::programs {

struct daemon_start {
  program_args args;
  loaded_config config;
  std::unique_ptr<ha::ha_services> ha;
  tls_contexts tls;  ///< security.ssl.*: what this daemon serves and dials over TLS
};

struct daemon_usage {
  const char* program;      ///< "jobmanager", "taskmanager": prefixes every message
  const char* text;         ///< the usage lines printed with a usage error and for --help
  bool webui_port = false;  ///< whether --webui-port is an option of this program
  bool serves_rest = false;  ///< whether it serves REST (builds security.ssl.rest's server context)
};

/// The daemon's start, or the exit code to return from main().
std::variant<daemon_start, int> start_daemon(const daemon_usage& usage, int argc, char** argv);

}  // namespace regent::programs
