#pragma once
/// The one parser of `host:port` addresses (leader records, taskmanager addresses, `-m`,
/// `conf/masters`): no exceptions, an error that says what is wrong for anything else.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "regent/runtime/result.hpp"

namespace regent {

struct host_port {
  std::string host;  ///< without the brackets of an IPv6 literal
  std::uint16_t port = 0;

  /// "host:port", with brackets around an IPv6 host.
  std::string to_string() const;
  friend bool operator==(const host_port& a, const host_port& b) { return a.host == b.host && a.port == b.port; }
};

/// `host:port` or `[v6]:port` (IPv6 needs the brackets); a port of 1..65535 in decimal digits.
/// Without a port, `default_port` when given, else an error. Errors quote the text and say what
/// is wrong: runtime_errc::out_of_range for a port outside 1..65535, runtime_errc::invalid_argument
/// for everything else (an empty host, a port that is not a number, a missing port).
result<host_port> parse_host_port(std::string_view text, std::optional<std::uint16_t> default_port = std::nullopt);

}  // namespace regent
