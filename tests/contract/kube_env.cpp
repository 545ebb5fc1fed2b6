#include "kube_env.hpp"

#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "regent/harness/child_process.hpp"

namespace regent::contract {

harness::kube_double& shared_kube_double() {
  static std::mutex mu;
  static std::unique_ptr<harness::temp_dir> dir;
  static std::unique_ptr<harness::kube_double> server;
  std::lock_guard<std::mutex> lock(mu);
  if (!server) {
    dir = std::make_unique<harness::temp_dir>("kube-double");
    server = std::make_unique<harness::kube_double>(dir->path() / "server");
  }
  return *server;
}

std::string fresh_kube_cluster_id() {
  static std::atomic<int> n{0};
  return "c" + std::to_string(::getpid()) + "-" + std::to_string(++n);
}

}  // namespace regent::contract
