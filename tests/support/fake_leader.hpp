#pragma once
/// `fake_leader`: a test double of a leading jobmanager's RPC endpoint, for tests of the
/// taskmanager (the library in-process, and the binary). Not Regent's jobmanager.
///
/// Thread-safe; it answers on its RPC server's io thread.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/server.hpp"

namespace regent::test {

/// TEST DOUBLE — not Regent's jobmanager. Plays the RPC endpoint of a leading jobmanager for
/// one leadership session: the resource manager (rm.register, rm.heartbeat), the job masters'
/// event sink (jm.subtask_event) and the blob server (blob.get). Fenced like the real one:
/// requests with another token get the check_fencing error. Records what it accepts; tests
/// wait on the records with deadlines.
class fake_leader {
 public:
  struct records {
    std::vector<rpc::register_taskmanager> registrations;
    int heartbeats = 0;
    std::vector<rpc::subtask_event> events;
    std::vector<rpc::blob_request> blob_requests;
    int rejected = 0;
    int refused = 0;
  };

  explicit fake_leader(fencing_token token);
  ~fake_leader();

  std::string address() const { return "127.0.0.1:" + std::to_string(server_->port()); }
  const fencing_token& token() const { return token_; }
  /// What heartbeat replies say: false makes the taskmanager register again.
  void set_known(bool known) {
    std::lock_guard<std::mutex> lock(mu_);
    known_ = known;
  }
  /// Heartbeats fail from now on (a leader gone while its pointer stays published, as a
  /// Kubernetes lease does until it expires); events are still recorded.
  void fail_heartbeats() {
    std::lock_guard<std::mutex> lock(mu_);
    unreachable_ = true;
  }
  /// The next `n` registrations get an error reply (a leader not ready yet).
  void refuse_registrations(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    refuse_ = n;
  }
  void add_blob(const std::string& key, std::string bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    blobs_[key] = std::move(bytes);
  }
  /// Waits until `pred(records)` holds; false at the deadline.
  bool wait(const std::function<bool(const records&)>& pred,
            std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(seen_); });
  }
  records snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  void handle(const rpc::envelope& req, const rpc::responder& reply);

  fencing_token token_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  records seen_;
  bool known_ = true;
  bool unreachable_ = false;
  int refuse_ = 0;
  std::map<std::string, std::string> blobs_;
  std::unique_ptr<rpc::server> server_;
};

}  // namespace regent::test
