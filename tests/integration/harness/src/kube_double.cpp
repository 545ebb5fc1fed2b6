#include "regent/harness/kube_double.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace regent::harness {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Waits for a file the double writes (atomically) when it serves; its integer content.
int wait_for_port_file(const fs::path& file, child_process& proc) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    if (fs::exists(file)) {
      auto text = read_text(file);
      if (!text.empty()) return std::stoi(text);
    }
    if (!proc.running()) throw std::runtime_error("the Kubernetes API-server double exited:\n" + proc.log_text());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a file, bounded by the deadline
  }
  throw std::runtime_error("the Kubernetes API-server double did not serve within 30 s:\n" + proc.log_text());
}

}  // namespace

fs::path support_dir() { return fs::path(REGENT_SOURCE_DIR) / "tests" / "support"; }

kube_double::kube_double(fs::path dir) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  child_process ca({"/bin/bash", (support_dir() / "make_test_ca.sh").string(), dir_.string()}, dir_ / "ca.log");
  auto code = ca.wait_exit(std::chrono::seconds(60));
  if (!code || *code != 0) throw std::runtime_error("make_test_ca.sh failed:\n" + ca.log_text());
  start();
  write_kubeconfig(dir_ / "kubeconfig", "    token: " + read_text(dir_ / "token") + "\n");
}

void kube_double::write_kubeconfig(const fs::path& file, const std::string& user) const {
  std::ofstream(file) << "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
                      << "clusters:\n- name: double\n  cluster:\n    server: https://127.0.0.1:" << port_
                      << "\n    certificate-authority: " << (dir_ / "ca.crt").string() << "\n"
                      << "users:\n- name: regent\n  user:\n"
                      << user << "contexts:\n- name: test\n  context:\n    cluster: double\n    user: regent\n"
                      << "    namespace: " << ns() << "\n";
}

kube_double::~kube_double() = default;

fs::path kube_double::client_certificate_kubeconfig(const std::string& name) const {
  auto file = dir_ / ("kubeconfig-" + name);
  write_kubeconfig(file, "    client-certificate: " + (dir_ / (name + ".crt")).string() + "\n    client-key: " +
                             (dir_ / (name + ".key")).string() + "\n");
  return file;
}

void kube_double::start() {
  fs::remove(dir_ / "port");
  fs::remove(dir_ / "control");
  std::vector<std::string> argv{"/usr/bin/python3",
                                (support_dir() / "kube_apiserver_double.py").string(),
                                "--cert",
                                (dir_ / "server.crt").string(),
                                "--key",
                                (dir_ / "server.key").string(),
                                "--token-file",
                                (dir_ / "token").string(),
                                "--role",
                                (support_dir() / ".." / ".." / "deploy" / "kubernetes" / "role.yaml").string(),
                                "--client-ca",
                                (dir_ / "ca.crt").string(),
                                "--subject",
                                "Group:regent-ha",
                                "--data",
                                (dir_ / "objects.json").string(),
                                "--port-file",
                                (dir_ / "port").string(),
                                "--control-port-file",
                                (dir_ / "control").string(),
                                "--bookmark-interval",
                                "0.5",
                                "--port",
                                std::to_string(port_)};
  proc_ = std::make_unique<child_process>(argv, dir_ / "double.log");
  port_ = wait_for_port_file(dir_ / "port", *proc_);
  control_port_ = wait_for_port_file(dir_ / "control", *proc_);
}

void kube_double::kill() {
  if (!proc_) return;
  proc_->signal(SIGKILL);
  (void)proc_->wait_exit(std::chrono::seconds(10));
}

void kube_double::restart() {
  kill();
  start();
}

void kube_double::pause() { proc_->signal(SIGSTOP); }
void kube_double::resume() { proc_->signal(SIGCONT); }

bool kube_double::control(const std::string& path, const std::string& json_body) {
  // The double applies the change before it answers.
  return http("POST", path, json_body).rfind("HTTP/1.1 200", 0) == 0;
}

std::string kube_double::objects() {
  auto r = http("GET", "/objects", "");
  auto body = r.find("\r\n\r\n");
  return body == std::string::npos ? "" : r.substr(body + 4);
}

std::string kube_double::stats() {
  auto r = http("GET", "/stats", "");
  auto body = r.find("\r\n\r\n");
  return body == std::string::npos ? "" : r.substr(body + 4);
}

std::string kube_double::http(const std::string& method, const std::string& path, const std::string& body) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(control_port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\nContent-Type: application/json\r\n\r\n" + body;
  for (std::size_t sent = 0; sent < req.size();) {
    auto n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace regent::harness
