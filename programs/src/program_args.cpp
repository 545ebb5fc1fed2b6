#include "regent/programs/program_args.hpp"

#include <cstdlib>

namespace regent::programs {

namespace {
error usage(const std::string& what) { return {config::errc::usage, what}; }
}  // namespace

result<program_args> parse_args(const std::vector<std::string>& args) {
  program_args out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& flag) -> result<std::string> {
      auto eq = a.find('=');
      if (a.rfind(flag + "=", 0) == 0) return a.substr(eq + 1);
      if (i + 1 >= args.size()) return usage(flag + " needs a value");
      return args[++i];
    };
    auto is = [&](const std::string& flag) { return a == flag || a.rfind(flag + "=", 0) == 0; };
    if (a == "-h" || a == "--help") {
      out.help = true;
    } else if (is("--config-dir")) {
      auto v = value("--config-dir");
      if (!v) return std::move(v).err();
      out.config_dir = *v;
    } else if (is("--host")) {
      auto v = value("--host");
      if (!v) return std::move(v).err();
      out.host = *v;
    } else if (is("--webui-port")) {
      auto v = value("--webui-port");
      if (!v) return std::move(v).err();
      char* end = nullptr;
      long port = std::strtol(v->c_str(), &end, 10);
      if (v->empty() || *end != '\0' || port < 0 || port > 65535)
        return usage("--webui-port: '" + *v + "' is not a port (0..65535)");
      out.webui_port = static_cast<int>(port);
    } else if (a == "-D") {
      if (i + 1 >= args.size()) return usage("-D needs key=value");
      out.overrides.push_back(args[++i]);
    } else if (a.rfind("-D", 0) == 0 && a.size() > 2) {
      out.overrides.push_back(a.substr(2));
    } else {
      return usage("unknown argument '" + a + "'");
    }
  }
  return out;
}

result<loaded_config> load_config(const program_args& args) {
  auto conf = config::configuration::load(args.config_dir, args.overrides);
  if (!conf) return std::move(conf).err();
  if (args.webui_port) conf->set("rest.port", std::to_string(*args.webui_port), {"--webui-port (command line)", 0});
  if (args.host) {
    conf->set("jobmanager.rpc.address", *args.host, {"--host (command line)", 0});
    conf->set("rest.address", *args.host, {"--host (command line)", 0});
  }
  auto s = config::validate(*conf);
  if (!s) return std::move(s).err();
  return loaded_config{std::move(conf).value(), std::move(s).value()};
}

}  // namespace regent::programs
