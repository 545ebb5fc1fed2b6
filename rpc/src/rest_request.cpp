#include "regent/rpc/rest_request.hpp"

#include <initializer_list>
#include <sstream>

namespace regent::rpc {

std::vector<std::string> split_path(std::string path) {
  if (auto q = path.find('?'); q != std::string::npos) path.resize(q);
  std::vector<std::string> parts;
  std::stringstream ss(path);
  std::string p;
  while (std::getline(ss, p, '/'))
    if (!p.empty()) parts.push_back(p);
  if (!parts.empty() && parts[0] == "v1") parts.erase(parts.begin());
  return parts;
}

std::string query_param(const std::string& target, const std::string& name) {
  auto q = target.find('?');
  if (q == std::string::npos) return "";
  std::stringstream ss(target.substr(q + 1));
  std::string kv;
  while (std::getline(ss, kv, '&')) {
    auto eq = kv.find('=');
    if (kv.substr(0, eq) == name) return eq == std::string::npos ? "" : kv.substr(eq + 1);
  }
  return "";
}

bool safe_file_name(const std::string& n) {
  if (n.empty() || n.size() > 200 || n[0] == '.') return false;
  for (char c : n)
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  return true;
}

std::optional<std::pair<std::string, std::string>> multipart_file(const std::string& content_type,
                                                                  const std::string& body) {
  auto b = content_type.find("boundary=");
  if (b == std::string::npos) return std::nullopt;
  std::string boundary = content_type.substr(b + 9);
  if (auto semi = boundary.find(';'); semi != std::string::npos) boundary.resize(semi);
  if (boundary.size() >= 2 && boundary.front() == '"') boundary = boundary.substr(1, boundary.size() - 2);
  const std::string delim = "--" + boundary;
  std::size_t pos = body.find(delim);
  while (pos != std::string::npos) {
    auto head_start = pos + delim.size() + 2;
    auto head_end = body.find("\r\n\r\n", head_start);
    if (head_end == std::string::npos) return std::nullopt;
    auto next = body.find("\r\n" + delim, head_end + 4);
    if (next == std::string::npos) return std::nullopt;
    std::string head = body.substr(head_start, head_end - head_start);
    if (head.find("name=\"jarfile\"") != std::string::npos) {
      std::string filename = "upload";
      if (auto f = head.find("filename=\""); f != std::string::npos) {
        auto end = head.find('"', f + 10);
        filename = head.substr(f + 10, end - f - 10);
      }
      return std::make_pair(filename, body.substr(head_end + 4, next - head_end - 4));
    }
    pos = next + 2;
  }
  return std::nullopt;
}

route_match route_of(const std::string& m, const std::vector<std::string>& parts) {
  const auto n = parts.size();
  auto is = [&](std::initializer_list<const char*> want) {  // nullptr: any one segment
    if (n != want.size()) return false;
    std::size_t i = 0;
    for (const char* w : want) {
      if (w != nullptr && parts[i] != w) return false;
      ++i;
    }
    return true;
  };
  const bool get = m == "GET";
  if (get && is({"overview"})) return {rest_route::overview, {}};
  if (get && is({"config"})) return {rest_route::config, {}};
  if (get && is({"jobmanager", "config"})) return {rest_route::jobmanager_config, {}};
  if (get && is({"cluster", "leader"})) return {rest_route::leader, {}};
  if (get && is({"cluster", "leader", "history"})) return {rest_route::leader_history, {}};
  if (get && (n == 0 || is({"index.html"}) || is({"web", nullptr}))) return {rest_route::dashboard, {}};
  if (get && is({"cluster", "ha", "dirty"})) return {rest_route::ha_dirty, {}};
  if (m == "POST" && is({"cluster", "ha", "cleanup", nullptr})) return {rest_route::ha_cleanup, parts[3]};
  if (get && is({"taskmanagers"})) return {rest_route::taskmanagers, {}};
  if (get && is({"metrics"})) return {rest_route::metrics, {}};
  if (m == "POST" && is({"jars", "upload"})) return {rest_route::jar_upload, {}};
  if (n == 0 || parts[0] != "jobs") return {rest_route::not_found, {}};
  if (n == 1) {
    if (m == "POST") return {rest_route::jobs_submit, {}};
    if (get) return {rest_route::jobs_list, {}};
    return {rest_route::not_found, {}};
  }
  if (get && n == 2 && parts[1] == "overview") return {rest_route::jobs_overview, {}};
  const auto& job = parts[1];
  if (n == 2 && get) return {rest_route::job, job};
  if (n == 2 && m == "PATCH") return {rest_route::job_cancel, job};
  if (n == 3 && get && parts[2] == "checkpoints") return {rest_route::job_checkpoints, job};
  if (n == 3 && get && parts[2] == "exceptions") return {rest_route::job_exceptions, job};
  if (n == 3 && get && parts[2] == "execution-result") return {rest_route::job_result, job};
  return {rest_route::job_other, job};
}

bool names_a_job(rest_route route) {
  switch (route) {
    case rest_route::ha_cleanup:
    case rest_route::job:
    case rest_route::job_cancel:
    case rest_route::job_checkpoints:
    case rest_route::job_exceptions:
    case rest_route::job_result:
    case rest_route::job_other:
      return true;
    default:
      return false;
  }
}

}  // namespace regent::rpc
