#pragma once
/// Regent's configuration: `conf/config.yaml` (Flink's key names, nested or flat YAML),
/// `-D key=value` overrides, `conf/masters` and `conf/workers`.
///
/// `configuration` is the flat key → value view with the origin of every value, so that every
/// error names the key and the file (and line where known). `settings` (settings.hpp) is the
/// typed, validated view the programs use. Defaults live in one place: defaults.cpp.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "regent/runtime/result.hpp"

namespace regent::config {

enum class errc {
  io = 1,         ///< a file could not be read
  parse,          ///< the YAML (or a masters/workers line) could not be parsed
  unknown_value,  ///< a value outside the allowed set (e.g. high-availability.type)
  missing,        ///< a required key is not set
  malformed,      ///< a value of the wrong form (duration, size, number, boolean)
  out_of_range,   ///< a number outside its range (e.g. a port)
  usage,          ///< a malformed command-line argument (e.g. -D without '=')
};
const std::error_category& category();
std::error_code make_error_code(errc e);

/// Where a value came from: a file and line, the command line, or the built-in default.
struct origin {
  std::string file;  ///< "conf/config.yaml", "-D (command line)" or "default"
  int line = 0;      ///< 1-based; 0 when unknown
  /// "conf/config.yaml:12", "conf/config.yaml", "-D (command line)", "default"
  std::string to_string() const;
};

struct entry {
  std::string value;
  origin where;
};

/// Parses "500 ms", "2 s", "1 min", "1h", "3 d" and a bare number (milliseconds), as Flink.
/// The error message describes the form; callers prefix the key and origin.
result<std::chrono::milliseconds> parse_duration(std::string_view text);
/// Parses "64 mb", "1g", "512 kb", "100" (bytes), as Flink's MemorySize.
result<std::uint64_t> parse_size(std::string_view text);
/// "true"/"false" (any case).
result<bool> parse_bool(std::string_view text);

/// The flat key → value view of the configuration.
class configuration {
 public:
  configuration() = default;

  /// Reads `<dir>/config.yaml` (a missing file is an empty configuration), then applies
  /// `overrides` ("key=value" strings from `-D key=value`).
  static result<configuration> load(const std::filesystem::path& config_dir, const std::vector<std::string>& overrides);
  /// Parses YAML text; nested maps are flattened with '.', flat dotted keys are taken as they are.
  static result<configuration> from_yaml(std::string_view text, const std::string& file_name);

  /// Sets or replaces a value.
  void set(const std::string& key, std::string value, origin where);
  /// Applies one "key=value" override; an error names the argument.
  result<void> apply_override(std::string_view key_equals_value);

  /// The explicitly set entry, or nullptr.
  const entry* find(const std::string& key) const;
  /// The value, or the built-in default, or "" when the key has neither.
  std::string get(const std::string& key) const;
  /// The origin of the value `get` returns.
  origin where(const std::string& key) const;

  /// Typed getters: the value or default, parsed; errors name the key and its origin.
  result<std::string> get_string(const std::string& key) const;
  result<std::chrono::milliseconds> get_duration(const std::string& key) const;
  result<std::uint64_t> get_size(const std::string& key) const;
  result<std::int64_t> get_int(const std::string& key, std::int64_t min, std::int64_t max) const;
  result<bool> get_bool(const std::string& key) const;
  /// A port 0..65535 (0 = pick a free port).
  result<int> get_port(const std::string& key) const;

  /// Every explicitly set key with its value, sorted by key.
  const std::map<std::string, entry>& entries() const { return entries_; }
  /// Every key with the value in force: set ones and the built-in defaults. For
  /// `GET /jobmanager/config`.
  std::vector<std::pair<std::string, std::string>> effective() const;

  /// The folder the configuration was loaded from ("" when built from text).
  const std::filesystem::path& config_dir() const { return dir_; }
  /// The file name errors should name for keys without an origin (config.yaml's path).
  const std::string& file_name() const { return file_name_; }

 private:
  std::map<std::string, entry> entries_;
  std::filesystem::path dir_;
  std::string file_name_ = "config.yaml";
};

/// One line of `conf/masters`: `host[:webui-port]`.
struct master {
  std::string host;
  int webui_port = 0;  ///< 0 when the line has none
  int line = 0;
};
/// Reads `conf/masters`; blank lines and '#' comments are skipped; an error names file and line.
result<std::vector<master>> read_masters(const std::filesystem::path& file);
/// Reads `conf/workers`: one host per line (a host may repeat for several taskmanagers).
result<std::vector<std::string>> read_workers(const std::filesystem::path& file);
/// The text of a masters / workers file, `file` naming it in errors (what read_* use).
result<std::vector<master>> parse_masters(std::string_view text, const std::string& file);
result<std::vector<std::string>> parse_workers(std::string_view text, const std::string& file);

}  // namespace regent::config

namespace std {
template <>
struct is_error_code_enum<regent::config::errc> : true_type {};
}  // namespace std
