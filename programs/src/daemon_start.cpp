#include "regent/programs/daemon_start.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include "regent/programs/ha_wiring.hpp"
#include "regent/programs/process.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::programs {

std::variant<daemon_start, int> start_daemon(const daemon_usage& usage, int argc, char** argv) {
  block_shutdown_signals();
  auto args = parse_args(std::vector<std::string>(argv + 1, argv + argc));
  if (!args) {
    std::fprintf(stderr, "%s: %s\n%s", usage.program, args.err().message.c_str(), usage.text);
    return 2;
  }
  if (args->help) {
    std::fputs(usage.text, stdout);
    return 0;
  }
  if (args->webui_port && !usage.webui_port) {
    std::fprintf(stderr, "%s: --webui-port is a jobmanager option\n%s", usage.program, usage.text);
    return 2;
  }
  auto loaded = load_config(*args);
  if (!loaded) {
    std::fprintf(stderr, "%s: configuration error: %s\n", usage.program, loaded.err().message.c_str());
    return 2;
  }
  auto tls = make_tls_contexts(loaded->settings, {true, usage.serves_rest, false});
  if (!tls) {
    std::fprintf(stderr, "%s: configuration error: %s\n", usage.program, tls.err().message.c_str());
    return 2;
  }
  if (auto err = init_daemon_logging(usage.program, loaded->settings)) {
    std::fprintf(stderr, "%s: %s\n", usage.program, err->c_str());
    return 2;
  }
  auto ha = make_ha_services(loaded->settings);
  if (!ha) {
    logging::get("runtime")->critical("{}", ha.err().message);
    return 2;
  }
  return daemon_start{std::move(*args), std::move(*loaded), std::move(*ha), std::move(*tls)};
}

}  // namespace regent::programs
