// The flat key → value view: loading `<dir>/config.yaml`, `-D key=value` overrides, lookups with
// the built-in defaults (defaults.cpp) and typed getters whose errors name key and origin.
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>

#include "internal.hpp"

namespace regent::config {

namespace {

using detail::key_error;
using detail::trim;

/// Flink hides these in `GET /jobmanager/config` (GlobalConfiguration's sensitive keys).
constexpr const char* sensitive_parts[] = {"password",   "secret",      "fs.azure.account.key", "apikey",
                                           "api-key",    "auth-params", "service-key",          "token",
                                           "basic-auth", "jaas.config", "http-headers", "zookeeper.client.digest"};

bool is_sensitive(const std::string& key) {
  auto lower = detail::to_lower(key);
  for (const char* part : sensitive_parts)
    if (lower.find(part) != std::string::npos) return true;
  return false;
}

/// A whole integer with an optional sign; the message describes the form.
result<std::int64_t> parse_int(std::string_view text) {
  auto t = trim(text);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ptr != t.data() + t.size() || (ec != std::errc() && ec != std::errc::result_out_of_range))
    return error{errc::malformed, "'" + std::string(text) + "' is not an integer"};
  if (ec == std::errc::result_out_of_range)
    return error{errc::out_of_range, "'" + std::string(text) + "' is too large"};
  return v;
}

/// The value in force for `key`, or an errc::missing error naming the key and the file.
result<std::string> required(const configuration& conf, const std::string& key) {
  auto e = detail::lookup(conf, key);
  if (!e) return detail::missing_key(conf, key, "it has no default");
  return e->value;
}

/// Prefixes a value-level message ("'x' is not a duration") with the key and where it came from.
error with_key(const configuration& conf, const std::string& key, error e) {
  return key_error(static_cast<errc>(e.code.value()), conf, key, e.message);
}

}  // namespace

result<configuration> configuration::load(const std::filesystem::path& config_dir,
                                          const std::vector<std::string>& overrides) {
  const auto file = config_dir / "config.yaml";
  const auto file_name = file.string();
  configuration conf;
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    if (!std::filesystem::is_regular_file(file, ec))
      return error{errc::io, "cannot read " + file_name + ": not a regular file"};
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    if (!in || !(text << in.rdbuf()) || in.bad())
      return error{errc::io, "cannot read " + file_name + ": " + std::strerror(errno)};
    auto parsed = from_yaml(text.str(), file_name);
    if (!parsed) return std::move(parsed).err();
    conf = std::move(parsed).value();
  } else if (ec) {
    return error{errc::io, "cannot read " + file_name + ": " + ec.message()};
  }
  // A missing config.yaml (or config dir) is an empty configuration: every key at its default.
  conf.dir_ = config_dir;
  conf.file_name_ = file_name;
  for (const auto& o : overrides)
    if (auto r = conf.apply_override(o); !r) return std::move(r).err();
  return conf;
}

void configuration::set(const std::string& key, std::string value, origin where) {
  entries_[key] = entry{std::move(value), std::move(where)};
}

result<void> configuration::apply_override(std::string_view key_equals_value) {
  auto arg = "-D '" + std::string(key_equals_value) + "'";
  auto eq = key_equals_value.find('=');
  if (eq == std::string_view::npos) return error{errc::usage, arg + ": expected key=value"};
  auto key = trim(key_equals_value.substr(0, eq));
  if (key.empty()) return error{errc::usage, arg + ": the key is empty (expected key=value)"};
  set(std::string(key), std::string(trim(key_equals_value.substr(eq + 1))), {"-D (command line)", 0});
  return ok();
}

const entry* configuration::find(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

std::string configuration::get(const std::string& key) const {
  auto e = detail::lookup(*this, key);
  return e ? e->value : std::string();
}

origin configuration::where(const std::string& key) const {
  auto e = detail::lookup(*this, key);
  return e ? e->where : origin{"default", 0};
}

result<std::string> configuration::get_string(const std::string& key) const { return required(*this, key); }

result<std::chrono::milliseconds> configuration::get_duration(const std::string& key) const {
  auto text = required(*this, key);
  if (!text) return std::move(text).err();
  auto d = parse_duration(*text);
  if (!d) return with_key(*this, key, std::move(d).err());
  return *d;
}

result<std::uint64_t> configuration::get_size(const std::string& key) const {
  auto text = required(*this, key);
  if (!text) return std::move(text).err();
  auto s = parse_size(*text);
  if (!s) return with_key(*this, key, std::move(s).err());
  return *s;
}

result<std::int64_t> configuration::get_int(const std::string& key, std::int64_t min, std::int64_t max) const {
  auto text = required(*this, key);
  if (!text) return std::move(text).err();
  auto v = parse_int(*text);
  if (!v) return with_key(*this, key, std::move(v).err());
  if (*v < min || *v > max) {
    auto range = max == INT_MAX ? ">= " + std::to_string(min) : std::to_string(min) + ".." + std::to_string(max);
    return key_error(errc::out_of_range, *this, key, "'" + *text + "' is out of range (expected " + range + ")");
  }
  return *v;
}

result<bool> configuration::get_bool(const std::string& key) const {
  auto text = required(*this, key);
  if (!text) return std::move(text).err();
  auto b = parse_bool(*text);
  if (!b) return with_key(*this, key, std::move(b).err());
  return *b;
}

result<int> configuration::get_port(const std::string& key) const {
  auto v = get_int(key, 0, 65535);
  if (!v) {
    if (v.err().code != errc::out_of_range) return std::move(v).err();
    return key_error(errc::out_of_range, *this, key,
                     "'" + get(key) + "' is not a port (expected 0..65535, 0 = any free port)");
  }
  return static_cast<int>(*v);
}

std::vector<std::pair<std::string, std::string>> configuration::effective() const {
  std::map<std::string, std::string> all;
  for (const auto& spec : detail::known_keys())
    if (auto e = detail::lookup(*this, spec.key)) all[spec.key] = e->value;
  for (const auto& [key, e] : entries_) all[key] = e.value;
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(all.size());
  for (auto& [key, value] : all) out.emplace_back(key, is_sensitive(key) ? "******" : std::move(value));
  return out;
}

}  // namespace regent::config
