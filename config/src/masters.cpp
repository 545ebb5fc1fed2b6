// `conf/masters` (`host[:webui-port]` per line) and `conf/workers` (one host per line), as
// Flink's start-cluster scripts read them: blank lines and '#' comments are skipped.
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>

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

/// The non-blank, non-comment lines of a hosts file's text.
std::vector<hosts_line> split_lines(std::string_view content) {
  std::vector<hosts_line> out;
  int n = 0;
  while (!content.empty()) {
    ++n;
    auto eol = content.find('\n');
    std::string_view text = content.substr(0, eol);
    content = eol == std::string_view::npos ? std::string_view() : content.substr(eol + 1);
    if (auto hash = text.find('#'); hash != std::string_view::npos) text = text.substr(0, hash);
    text = trim(text);
    if (!text.empty()) out.push_back({std::string(text), n});
  }
  return out;
}

result<std::string> read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return error{errc::io, "cannot read " + file.string() + ": " + std::strerror(errno)};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return error{errc::io, "cannot read " + file.string() + ": " + std::strerror(errno)};
  return text;
}

error line_error(errc code, const std::string& file, const hosts_line& l, const std::string& problem,
                 const char* expected) {
  return {code, file + ":" + std::to_string(l.line) + ": " + problem + " in '" + l.text + "' (expected " +
                    expected + ")"};
}

}  // namespace

result<std::vector<master>> read_masters(const std::filesystem::path& file) {
  auto text = read_text(file);
  if (!text) return std::move(text).err();
  return parse_masters(*text, file.string());
}

result<std::vector<std::string>> read_workers(const std::filesystem::path& file) {
  auto text = read_text(file);
  if (!text) return std::move(text).err();
  return parse_workers(*text, file.string());
}

result<std::vector<master>> parse_masters(std::string_view text, const std::string& file) {
  const char* expected = "host[:webui-port]";
  std::vector<master> out;
  for (const auto& l : split_lines(text)) {
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

result<std::vector<std::string>> parse_workers(std::string_view text, const std::string& file) {
  std::vector<std::string> out;
  for (const auto& l : split_lines(text)) {
    if (auto space = l.text.find_first_of(" \t"); space != std::string::npos)
      return line_error(errc::parse, file, l,
                        "extra field '" + std::string(trim(std::string_view(l.text).substr(space))) + "'",
                        "one host per line");
    out.push_back(l.text);
  }
  return out;
}

}  // namespace regent::config
