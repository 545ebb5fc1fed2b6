#include "regent/runtime/host_port.hpp"

#include "regent/runtime/errc.hpp"

namespace regent {

namespace {

error bad(std::string_view text, const std::string& why, runtime_errc code = runtime_errc::invalid_argument) {
  return {code, "'" + std::string(text) + "' is not host:port: " + why};
}

}  // namespace

std::string host_port::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

result<host_port> parse_host_port(std::string_view text, std::optional<std::uint16_t> default_port) {
  host_port out;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {  // [v6]:port
    auto close = text.find(']');
    if (close == std::string_view::npos) return bad(text, "no ']' after the IPv6 host");
    out.host = std::string(text.substr(1, close - 1));
    rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return bad(text, "unexpected text after ']'");
  } else {
    auto colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos)
      return bad(text, "an IPv6 host needs brackets ([host]:port)");
    out.host = std::string(text.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
  }
  if (out.host.empty()) return bad(text, "empty host");
  for (char c : out.host)
    if (c == ' ' || c == '\t' || c == '/' || c == '\n') return bad(text, "the host has a space or '/'");
  if (rest.empty()) {
    if (!default_port) return bad(text, "no port");
    out.port = *default_port;
    return out;
  }
  auto port = rest.substr(1);  // after ':'
  if (port.empty()) return bad(text, "'' is not a port");
  unsigned long value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return bad(text, "'" + std::string(port) + "' is not a port");
    value = value * 10 + static_cast<unsigned long>(c - '0');
    if (value > 65535)
      return bad(text, "port " + std::string(port) + " is out of range (1..65535)", runtime_errc::out_of_range);
  }
  if (value == 0) return bad(text, "port 0 is out of range (1..65535)", runtime_errc::out_of_range);
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

}  // namespace regent
