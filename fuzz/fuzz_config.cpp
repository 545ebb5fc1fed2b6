/// The configuration (config/): `config.yaml`, `-D key=value` overrides, the typed getters and
/// `validate` with its cross-key rules, Flink's duration / size / boolean forms, and the
/// `conf/masters` and `conf/workers` files.
///
/// Input: up to four parts separated by NUL bytes — the YAML text, the overrides (one per
/// line), the masters text, the workers text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "regent/config/configuration.hpp"
#include "regent/config/settings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace regent::config;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parts = regent::fuzz::split_parts(input, '\0', 4);
  parts.resize(4);

  auto conf = configuration::from_yaml(parts[0], "fuzz/config.yaml");
  if (conf) {
    for (auto line : regent::fuzz::split_parts(parts[1], '\n', 64))
      if (!line.empty()) (void)conf->apply_override(line);
    (void)conf->effective();
    for (const auto& [key, e] : conf->entries()) {
      (void)e.where.to_string();
      (void)conf->get_duration(key);
      (void)conf->get_size(key);
      (void)conf->get_bool(key);
      (void)conf->get_port(key);
      (void)conf->get_int(key, -1000, 1000);
    }
    (void)validate(*conf);
  }
  // The value forms on their own, on the whole YAML part (cheap, and they see every byte).
  (void)parse_duration(parts[0]);
  (void)parse_size(parts[0]);
  (void)parse_bool(parts[0]);

  (void)parse_masters(parts[2], "fuzz/masters");
  (void)parse_workers(parts[3], "fuzz/workers");
  return 0;
}
