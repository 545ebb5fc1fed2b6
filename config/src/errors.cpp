// The error category of regent_config and the one wording of its errors: "<key>: <problem> in
// <file>:<line>", so that every message names the key and where its value came from.
#include "internal.hpp"

#include "regent/runtime/errc_category.hpp"

namespace regent::config {

namespace {

const char* describe(errc e) {
  switch (e) {
    case errc::io:
      return "cannot read a configuration file";
    case errc::parse:
      return "cannot parse a configuration file";
    case errc::unknown_value:
      return "unknown configuration value";
    case errc::missing:
      return "required configuration key not set";
    case errc::malformed:
      return "malformed configuration value";
    case errc::out_of_range:
      return "configuration value out of range";
    case errc::usage:
      return "malformed command-line argument";
  }
  return nullptr;
}

}  // namespace

const std::error_category& category() {
  static const errc_category<errc> instance{"regent.config", describe};
  return instance;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

std::string origin::to_string() const {
  if (line > 0) return file + ":" + std::to_string(line);
  return file;
}

namespace detail {

std::string describe(const configuration& conf, const origin& o) {
  if (o.file == "default") return "the default (not set in " + conf.file_name() + ")";
  return o.to_string();
}

error key_error(errc code, const configuration& conf, const std::string& key, const std::string& problem) {
  return {code, key + ": " + problem + " in " + describe(conf, conf.where(key))};
}

error missing_key(const configuration& conf, const std::string& key, const std::string& why) {
  std::string msg =
      key + ": not set in " + conf.file_name() + " (" + why + "; set it there or with -D " + key + "=...)";
  // Keys are case-sensitive as in Flink; `storagedir` for `storageDir` is an easy slip.
  for (const auto& [k, e] : conf.entries())
    if (k != key && to_lower(k) == to_lower(key))
      msg += "; found '" + k + "' at " + e.where.to_string() + ", but keys are case-sensitive";
  return {errc::missing, msg};
}

}  // namespace detail

}  // namespace regent::config
