#pragma once
/// The dispatcher's leader as a client sees it, for cluster tests: HA services made from a
/// cluster's conf dir (the same `config.yaml` its processes read), leader retrieval started on
/// them, and waits on what it reports. Owned by a test fixture; retrieval reports on the HA
/// backend's thread, the waits run on the test's thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "regent/ha/ha_services.hpp"
#include "regent/harness/child_process.hpp"
#include "regent/rpc/rest_server.hpp"
#include "regent/runtime/result.hpp"

namespace regent::harness {

class leader_watch : private ha::leader_retrieval_listener {
 public:
  /// Loads the configuration in `config_dir` and starts retrieval; an error names what failed.
  static result<std::unique_ptr<leader_watch>> start(const std::filesystem::path& config_dir);
  ~leader_watch() override;
  leader_watch(const leader_watch&) = delete;
  leader_watch& operator=(const leader_watch&) = delete;

  /// Waits up to `timeout` for a leader with an RPC address whose token differs from `not_this`
  /// and whose epoch is above `above`; returns it, or nullopt at the deadline.
  std::optional<ha::leader_info> wait_leader(std::chrono::milliseconds timeout, const fencing_token& not_this = {},
                                             epoch_t above = 0);
  /// Returns at the next leader change or after `at_most`, whichever comes first.
  void wait_for_change(std::chrono::milliseconds at_most);

  /// Sends `request` to the leader's REST endpoint as a client does, through failovers, until
  /// `timeout`: a 503 (election under way) or a broken connection is retried. `uncertain` tells
  /// whether a try went out without an answer, so that it may have been handled.
  rpc::http_response rest(const rpc::http_request& request, std::chrono::milliseconds timeout,
                          bool* uncertain = nullptr);

 private:
  leader_watch() = default;
  void on_leader_change(const std::optional<ha::leader_info>& l) override;

  std::unique_ptr<ha::ha_services> services_;
  std::unique_ptr<ha::leader_retrieval> retrieval_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<ha::leader_info> last_;
  std::uint64_t seen_ = 0;
};

/// One HTTP request to a REST endpoint given as http://host:port.
result<rpc::http_response> http_to(const std::string& url, const rpc::http_request& request,
                                   std::chrono::milliseconds timeout);

/// The REST URL (http://host:port) a jobmanager logged at start-up, or "" at the deadline.
std::string rest_url_of(child_process& jobmanager, std::chrono::milliseconds timeout);

/// The `config.yaml` lines every whole-cluster test shares after its HA backend's own: storage,
/// cluster id and checkpoints under `dir`, 100 ms checkpoints, REST on a free port, 4 slots,
/// heartbeats of 200 ms that time out after 2 s, 20 restarts 100 ms apart, results kept after
/// cleanup, cleanup retried 3 times.
std::string common_cluster_config(const std::filesystem::path& dir, const std::string& cluster_id);

}  // namespace regent::harness
