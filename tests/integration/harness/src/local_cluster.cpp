#include "regent/harness/local_cluster.hpp"

#include <fstream>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace regent::harness {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {
bool has(const std::string& line, const std::string& what) { return line.find(what) != std::string::npos; }
tls::context_ptr rest_tls;  // use_rest_tls(): the test process's REST client context
}  // namespace

void local_cluster::use_rest_tls(tls::context_ptr tls) { rest_tls = std::move(tls); }

local_cluster::local_cluster(fs::path dir, const std::string& extra_config) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  const std::vector<std::pair<std::string, std::string>> base = {
      {"high-availability.type", "filesystem"},
      {"high-availability.storageDir", (dir_ / "ha").string()},
      {"high-availability.cluster-id", dir_.filename().string()},
      {"state.checkpoints.dir", (dir_ / "checkpoints").string()},
      {"execution.checkpointing.interval", "100 ms"},
      {"taskmanager.numberOfTaskSlots", "4"},
      {"heartbeat.interval", "200 ms"},
      {"heartbeat.timeout", "2 s"},
      {"rest.address", "127.0.0.1"},
      {"env.log.dir", (dir_ / "log").string()}};
  std::ofstream conf(dir_ / "config.yaml");
  // A key of `extra_config` replaces the base line (a YAML map holds each key once).
  for (auto& [key, value] : base)
    if (extra_config.find(key + ":") == std::string::npos) conf << key << ": " << value << "\n";
  conf << extra_config;
}

local_cluster::~local_cluster() = default;

std::uint16_t local_cluster::free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::uint16_t local_cluster::start_jobmanager(std::uint16_t webui_port) {
  std::vector<std::string> argv{(bin_dir() / "jobmanager").string(), "--config-dir", dir_.string(), "--webui-port",
                                std::to_string(webui_port)};
  procs_.push_back(
      std::make_unique<child_process>(argv, dir_ / ("jobmanager" + std::to_string(procs_.size()) + ".out"), true));
  rest_ports_.push_back(0);
  auto& jm = *procs_.back();
  auto line = jm.wait_for_line([](const std::string& l) { return has(l, "REST endpoint listening on"); }, 60s);
  if (!line || !jm.wait_for_line([](const std::string& l) { return has(l, "contending for leadership"); }, 60s))
    return 0;
  rest_ports_.back() = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  return rest_ports_.back();
}

child_process& local_cluster::start_taskmanager() {
  std::vector<std::string> argv{(bin_dir() / "taskmanager").string(), "--config-dir", dir_.string()};
  procs_.push_back(
      std::make_unique<child_process>(argv, dir_ / ("taskmanager" + std::to_string(procs_.size()) + ".out"), true));
  rest_ports_.push_back(0);
  return *procs_.back();
}

child_process& local_cluster::process_of(std::uint16_t rest_port) {
  for (std::size_t i = 0; i < procs_.size(); ++i)
    if (rest_ports_[i] == rest_port) return *procs_[i];
  throw std::runtime_error("no process serves REST on port " + std::to_string(rest_port));
}

rpc::http_response local_cluster::call(std::uint16_t port, const std::string& method, const std::string& target,
                                       const std::string& body) {
  rpc::http_request r{method, target, body.empty() ? "" : "application/json", body};
  auto res = rpc::http_call("127.0.0.1", port, r, 30s, rest_tls);
  if (!res) return rpc::http_response{-1, "", res.err().message};
  return *res;
}

json local_cluster::get(std::uint16_t port, const std::string& target) {
  auto r = call(port, "GET", target);
  if (r.status != 200) return nullptr;
  auto j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

void local_cluster::wait_for_output(std::chrono::milliseconds at_most) {
  for (auto& p : procs_)
    if (p->running()) {
      p->wait_for_line([](const std::string&) { return true; }, at_most, p->line_count());
      return;
    }
}

bool local_cluster::wait_json(std::uint16_t port, const std::string& target,
                              const std::function<bool(const json&)>& pred, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    auto j = get(port, target);
    if (!j.is_null() && pred(j)) return true;
    wait_for_output(50ms);
  }
  return false;
}

std::string local_cluster::submit(std::uint16_t port, const std::string& spec) {
  auto r = call(port, "POST", "/jobs", spec);
  if (r.status != 202) return "";
  auto url = json::parse(r.body, nullptr, false).value("jobUrl", std::string());
  return url.rfind("/jobs/", 0) == 0 ? url.substr(6) : "";
}

std::uint16_t local_cluster::leader_port(std::uint16_t port) {
  auto l = get(port, "/cluster/leader");
  if (l.is_null() || l["leader"].is_null()) return 0;
  std::string url = l["leader"].value("rest-url", "");
  auto colon = url.rfind(':');
  return colon == std::string::npos ? 0 : static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1)));
}

std::string local_cluster::logs() const {
  std::string out;
  for (auto& p : procs_) out += "---- " + p->log_file().string() + " ----\n" + p->log_text() + "\n";
  return out;
}

}  // namespace regent::harness
