#pragma once
/// A Regent cluster on loopback for one test: a conf dir with `config.yaml` in a temp folder,
/// jobmanagers and taskmanagers as child_processes (killed and reaped with the object), and REST
/// calls against any jobmanager. Used by the operating tests (dashboard, supervised restarts).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "regent/harness/child_process.hpp"
#include "regent/rpc/rest_server.hpp"

namespace regent::harness {

class local_cluster {
 public:
  /// Writes `<dir>/config.yaml`: filesystem HA under `dir`, checkpoints every 100 ms, fast
  /// heartbeats, and the `key: value` lines of `extra_config` (which replace those keys).
  local_cluster(std::filesystem::path dir, const std::string& extra_config = "");
  ~local_cluster();

  const std::filesystem::path& dir() const { return dir_; }
  std::string config_dir() const { return dir_.string(); }

  /// Starts a jobmanager (on REST port `webui_port`, any free one when 0); returns its REST port
  /// once it contends for leadership (0 on failure).
  std::uint16_t start_jobmanager(std::uint16_t webui_port = 0);
  /// A loopback port that was free a moment ago (for conf/masters written before the start).
  static std::uint16_t free_port();
  child_process& start_taskmanager();
  /// Every process this object started, in start order.
  std::vector<std::unique_ptr<child_process>>& processes() { return procs_; }
  child_process& process_of(std::uint16_t rest_port);

  /// The client TLS context of every REST call below, in this test process (null: plain HTTP,
  /// the default). For clusters whose config turns on security.ssl.rest.
  static void use_rest_tls(tls::context_ptr tls);

  static rpc::http_response call(std::uint16_t port, const std::string& method, const std::string& target,
                                 const std::string& body = "");
  /// GET `target` as JSON (null when it is not a 200 with JSON).
  static nlohmann::json get(std::uint16_t port, const std::string& target);
  /// Asks `target` again after each burst of cluster output until `pred` holds, or `timeout`.
  bool wait_json(std::uint16_t port, const std::string& target, const std::function<bool(const nlohmann::json&)>& pred,
                 std::chrono::milliseconds timeout = std::chrono::seconds(60));
  /// Submits `spec` (JSON) to `port`; the job id, or "" when it was not accepted.
  static std::string submit(std::uint16_t port, const std::string& spec);
  /// The REST port of the jobmanager that leads now, as `port`'s leader retrieval knows it (0: none).
  static std::uint16_t leader_port(std::uint16_t port);

  /// Every process's log, for a failing test.
  std::string logs() const;

 private:
  void wait_for_output(std::chrono::milliseconds at_most);

  std::filesystem::path dir_;
  std::vector<std::unique_ptr<child_process>> procs_;
  std::vector<std::uint16_t> rest_ports_;  // per process; 0 for taskmanagers
};

}  // namespace regent::harness
