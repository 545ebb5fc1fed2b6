#include "regent/runtime/logging.hpp"

#include <filesystem>
#include <mutex>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace regent::logging {

namespace {

struct registry {
  std::mutex mu;
  std::vector<spdlog::sink_ptr> sinks;
  spdlog::level::level_enum level = spdlog::level::info;
  bool initialised = false;
};

registry& reg() {
  static registry r;
  return r;
}

void ensure_default_locked(registry& r) {
  if (r.initialised) return;
  r.sinks = {std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  r.initialised = true;
}

constexpr const char* pattern = "%Y-%m-%d %H:%M:%S.%e %-5l [%n] %v";

}  // namespace

bool valid_level(const std::string& level) {
  return level == "off" || spdlog::level::from_str(level) != spdlog::level::off;
}

std::optional<std::string> init(const options& opts) {
  if (!valid_level(opts.level)) return "unknown log level '" + opts.level + "'";
  std::vector<spdlog::sink_ptr> sinks;
  if (opts.console) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (opts.file) {
    try {
      auto parent = std::filesystem::path(*opts.file).parent_path();
      if (!parent.empty()) std::filesystem::create_directories(parent);
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(*opts.file));
    } catch (const std::exception& e) {
      return "cannot open log file " + *opts.file + ": " + e.what();
    }
  }
  auto& r = reg();
  std::lock_guard<std::mutex> lock(r.mu);
  r.sinks = std::move(sinks);
  r.level = spdlog::level::from_str(opts.level);
  r.initialised = true;
  for (auto& s : r.sinks) s->set_pattern(pattern);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
    l->sinks() = r.sinks;
    l->set_level(r.level);
  });
  return std::nullopt;
}

std::shared_ptr<spdlog::logger> get(const std::string& module) {
  auto& r = reg();
  std::lock_guard<std::mutex> lock(r.mu);
  if (auto l = spdlog::get(module)) return l;
  ensure_default_locked(r);
  for (auto& s : r.sinks) s->set_pattern(pattern);
  auto l = std::make_shared<spdlog::logger>(module, r.sinks.begin(), r.sinks.end());
  l->set_level(r.level);
  l->flush_on(spdlog::level::info);
  spdlog::register_logger(l);
  return l;
}

}  // namespace regent::logging
