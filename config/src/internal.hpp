#pragma once
/// Private to regent_config: the table of known keys (defaults.cpp), string helpers (parse.cpp)
/// and the wording of errors (errors.cpp). Not installed, not included outside config/src/.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "regent/config/configuration.hpp"

namespace regent::config::detail {

/// One known key: its built-in default (fixed or computed from other keys) and, optionally, the
/// older or alternative Flink name that is read when the key itself is not set.
struct key_spec {
  const char* key;
  const char* fixed_default;                      ///< nullptr: no fixed default
  std::string (*computed)(const configuration&);  ///< nullptr unless the default is derived
  const char* alias;                              ///< nullptr: no alternative name
};

/// THE table of keys with defaults, sorted by key. Defined in defaults.cpp.
const std::vector<key_spec>& known_keys();
/// The spec of `key`, or nullptr when Regent does not know the key.
const key_spec* find_spec(std::string_view key);
/// The entry in force for `key`: set, else set under its alias, else the default (origin
/// "default"); nullopt when there is none (or the computed default is empty).
std::optional<entry> lookup(const configuration& conf, const std::string& key);

// String helpers (parse.cpp).
std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);

// Wording of errors (errors.cpp): "<key>: <problem> in <where>".
/// "conf/config.yaml:3", "-D (command line)", or "the default (not set in conf/config.yaml)".
std::string describe(const configuration& conf, const origin& o);
/// An error about the value of `key` in force, naming the key and where the value came from.
error key_error(errc code, const configuration& conf, const std::string& key, const std::string& problem);
/// "<key>: not set in <file> (<why>; set it there or with -D <key>=...)", plus a hint when a
/// key differing only in case is set.
error missing_key(const configuration& conf, const std::string& key, const std::string& why);

}  // namespace regent::config::detail
