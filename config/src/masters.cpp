// `conf/masters` (`host[:webui-port]` per line) and `conf/workers` (one host per line), as
// Flink's start-cluster scripts read them: blank lines and '#' comments are skipped.
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "internal.hpp"
#include "regent/runtime/errc.hpp"
#include "regent/runtime/host_port.hpp"

namespace regent::config {

namespace {

using detail::trim;

/// A line of a hosts file with its comment and surrounding whitespace removed.
struct hosts_line {
  std::string text;
  int line = 0;
};

result<std::vector<hosts_line>> read_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return error{errc::io, "cannot read " + file.string() + ": " + std::strerror(errno)};
  std::vector<hosts_line> out;
  std::string raw;
  for (int n = 1; std::getline(in, raw); ++n) {
    std::string_view text = raw;
    if (auto hash = text.find('#'); hash != std::string_view::npos) text = text.substr(0, hash);
    text = trim(text);
    if (!text.empty()) out.push_back({std::string(text), n});
  }
  if (in.bad()) return error{errc::io, "cannot read " + file.string() + ": " + std::strerror(errno)};
  return out;
}

error line_error(errc code, const std::filesystem::path& file, const hosts_line& l, const std::string& problem,
                 const char* expected) {
  return {code, file.string() + ":" + std::to_string(l.line) + ": " + problem + " in '" + l.text + "' (expected " +
                    expected + ")"};
}

}  // namespace

result<std::vector<master>> read_masters(const std::filesystem::path& file) {
  auto lines = read_lines(file);
  if (!lines) return std::move(lines).err();
  const char* expected = "host[:webui-port]";
  std::vector<master> out;
  for (const auto& l : *lines) {
    std::string_view text = l.text;
    if (auto space = text.find_first_of(" \t"); space != std::string_view::npos)
      return line_error(errc::parse, file, l, "extra field '" + std::string(trim(text.substr(space))) + "'", expected);
    master m;
    m.line = l.line;
    auto hp = parse_host_port(text, 0);  // 0: no port on the line (a port 0 given is an error)
    if (!hp) {
      bool range = hp.err().code == runtime_errc::out_of_range;
      return line_error(range ? errc::out_of_range : errc::parse, file, l, hp.err().message, expected);
    }
    m.host = hp->host;
    if (hp->port != 0) m.webui_port = hp->port;
    out.push_back(std::move(m));
  }
  return out;
}

result<std::vector<std::string>> read_workers(const std::filesystem::path& file) {
  auto lines = read_lines(file);
  if (!lines) return std::move(lines).err();
  std::vector<std::string> out;
  for (const auto& l : *lines) {
    if (auto space = l.text.find_first_of(" \t"); space != std::string::npos)
      return line_error(errc::parse, file, l,
                        "extra field '" + std::string(trim(std::string_view(l.text).substr(space))) + "'",
                        "one host per line");
    out.push_back(l.text);
  }
  return out;
}

}  // namespace regent::config
