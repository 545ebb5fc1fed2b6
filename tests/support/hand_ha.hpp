#pragma once
/// `hand_ha_services`: a test double of a whole HA backend, in memory (the `none` backend's
/// stores, fenced by a test_fence), whose leader election a test drives by hand: `grant`
/// makes this process the leader with the epoch the test names, `revoke` takes leadership
/// away, each calling the listener as a real driver would (grant, revoke, grant, …). Leader
/// info is published in memory and visible to `make_retrieval`.
///
/// For unit tests of the leader's actors without processes, disks or ZooKeeper. Thread-safe.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "regent/ha/ha_services.hpp"
#include "test_fence.hpp"

namespace regent::test {

class hand_election final : public ha::leader_election_driver {
 public:
  explicit hand_election(test_fence& fence) : fence_(fence) {}

  /// Grants leadership with `test_token(epoch)` (at wall time `since_ms`) and calls the
  /// listener's on_grant. Fails the test when the driver was not started.
  fencing_token grant(epoch_t epoch, std::int64_t since_ms);
  /// Takes the current leadership away and calls the listener's on_revoke.
  void revoke();

  result<void> start(ha::leader_election_listener& listener) override;
  void stop() override;
  bool has_leadership(const fencing_token& token) const override;
  result<void> publish(const std::string& component, const ha::leader_info& info) override;
  result<void> unpublish(const std::string& component, const fencing_token& token) override;
  std::optional<ha::leader_info> published(const std::string& component) const;

 private:
  test_fence& fence_;
  mutable std::mutex mu_;
  ha::leader_election_listener* listener_ = nullptr;
  std::map<std::string, ha::leader_info> published_;
};

class hand_ha_services final : public ha::store_owning_ha_services {
 public:
  /// `delete_on_commit`: job-result-store.delete-on-commit (a clean result is deleted, not kept).
  explicit hand_ha_services(bool delete_on_commit = false);
  hand_election& hand() { return election_; }
  /// The fence every store write goes through (a test may write as any leadership through it).
  test_fence& fence() { return fence_; }

  ha::leader_election_driver& election() override { return election_; }
  std::unique_ptr<ha::leader_retrieval> make_retrieval(const std::string& component) override;
  std::string backend_name() const override { return "hand (test double)"; }
  ha::connection_state connection() const override { return ha::connection_state::connected; }

 private:
  test_fence fence_;
  hand_election election_{fence_};
};

}  // namespace regent::test
