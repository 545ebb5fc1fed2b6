#pragma once
/// The Kubernetes API-server TEST DOUBLE (tests/support/kube_apiserver_double.py) as a child
/// process a test owns: a fresh test CA, bearer token and client certificates
/// (tests/support/make_test_ca.sh), kubeconfigs for clients (token or client certificate), the RBAC Role of deploy/kubernetes/role.yaml enforced, and the
/// double's control port for fault injection. The process is killed and reaped with the object.
/// `kill()` and `restart()` (same port, objects kept) make the server unreachable and bring it
/// back.

#include <filesystem>
#include <memory>
#include <string>

#include "regent/harness/child_process.hpp"

namespace regent::harness {

class kube_double {
 public:
  /// Starts the double with its files in `dir` (created); throws std::runtime_error when it
  /// does not serve within 30 s.
  explicit kube_double(std::filesystem::path dir);
  ~kube_double();

  /// A kubeconfig naming the double, its CA and the token; namespace `ns()`.
  std::filesystem::path kubeconfig() const { return dir_ / "kubeconfig"; }
  /// A kubeconfig like `kubeconfig()` that authenticates with the client certificate
  /// `<dir>/<name>.crt` + `.key` instead of the token: "client" (the test CA's, user
  /// regent-client in group regent-ha, which the double binds to the Role) or "other-client"
  /// (the same subject from another CA). Written on first use.
  std::filesystem::path client_certificate_kubeconfig(const std::string& name) const;
  static const char* ns() { return "regent-test"; }
  int port() const { return port_; }

  /// POST to the control port (`/faults`, `/cut-watches`, `/compact`); true on 200.
  bool control(const std::string& path, const std::string& json_body = "{}");
  /// Every stored object as the double's JSON (`GET /objects`), "" when unreachable.
  std::string objects();
  /// Request counts by verb (`GET /stats`).
  std::string stats();

  /// SIGKILL: the server is unreachable (connections refused) until `restart`.
  void kill();
  /// Starts it again on the same port with the objects it had (its history is gone: watches
  /// from before get 410).
  void restart();
  /// SIGSTOP / SIGCONT: connections hang.
  void pause();
  void resume();

 private:
  void start();
  /// A kubeconfig for the double whose user entry is `user` (indented YAML lines).
  void write_kubeconfig(const std::filesystem::path& file, const std::string& user) const;
  std::string http(const std::string& method, const std::string& path, const std::string& body);

  std::filesystem::path dir_;
  std::unique_ptr<child_process> proc_;
  int port_ = 0;
  int control_port_ = 0;
};

/// tests/support in the source tree (REGENT_SOURCE_DIR).
std::filesystem::path support_dir();

}  // namespace regent::harness
