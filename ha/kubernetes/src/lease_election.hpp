#pragma once
/// Leader election of the `kubernetes` backend on a `coordination.k8s.io/v1` Lease
/// `<cluster-id>-leader` (README "Election").
///
/// A contender takes the Lease by compare-and-swap on its resourceVersion when it is free
/// (no holder), or when its resourceVersion has not changed for a whole lease duration by this
/// process's monotonic clock (never by comparing the Lease's wall-clock times with ours). The
/// epoch lives in the Lease's annotation `regent.io/epoch` and is bumped in the same CAS. Before
/// granting, the new leader raises the fence of every HA ConfigMap (ha_maps). The leader renews
/// every retry period; it holds the leadership until `renew deadline` after it *sent* its last
/// successful renewal, and has_leadership() turns false at that instant even if the renewing
/// thread is late — before any contender can see the Lease unchanged for a lease duration.
/// stop() releases the Lease (holder cleared) so a standby takes over at once.
///
/// Owned by the services bundle; contends on its own thread (listener calls run there).
/// Thread-safe.

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "ha_maps.hpp"
#include "regent/ha/epoch_watermark.hpp"
#include "regent/ha/leader_election.hpp"
#include "regent/runtime/clock.hpp"

namespace regent::ha::kubernetes {

struct election_timing {
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
};


class lease_election final : public leader_election_driver {
 public:
  lease_election(api_client& api, ha_maps& maps, election_timing timing, clock& clk);
  ~lease_election() override;

  result<void> start(leader_election_listener& listener) override;
  void stop() override;
  bool has_leadership(const fencing_token& token) const override;
  result<void> publish(const std::string& component, const leader_info& info) override;
  result<void> publish_all(const std::vector<std::string>& components, const leader_info& info) override;
  result<void> unpublish(const std::string& component, const fencing_token& token) override;
  result<void> unpublish_all(const std::vector<std::string>& components, const fencing_token& token) override;
  void observe_epoch(epoch_t epoch) override;
  void refuse(const fencing_token& token, epoch_t seen, const std::string& why) override;

  /// The writer a store uses for `token`: errc::not_leader unless it is held now.
  result<writer_identity> writer(const fencing_token& token) const;
  /// The instant `token`'s leadership ends unless renewed; nullopt when not held.
  std::optional<clock::time_point> held_until(const fencing_token& token) const;
  const std::string& identity() const { return identity_; }
  std::string lease_name() const { return maps_.cluster_id() + "-leader"; }

 private:
  void run(leader_election_listener* listener);
  /// Takes the Lease if it is free; the send time of the winning write, or nullopt.
  std::optional<clock::time_point> try_acquire(epoch_t& epoch);
  /// Renews; true when renewed (deadline moved), false when it failed (retry); sets `lost`
  /// when someone else holds the Lease now.
  bool renew(bool& lost);
  void revoke(leader_election_listener& listener, const std::string& why);
  /// Clears the holder of our Lease (stop, refuse) so a standby can take it at once.
  void release();
  /// Keeps `object` (the answer to our write of the Lease) as the base of the next renewal.
  void remember_lease(const json& object);
  result<lease_view> read_lease();
  json lease_body(const lease_view& base, epoch_t epoch, bool acquire) const;
  std::string micro_time() const;
  /// Waits until `until` or a wake-up; false when stopping.
  bool wait(clock::time_point until);
  /// `wait`, returning early when the Lease changes (a watch from the version last observed).
  bool wait_for_lease_change(clock::time_point until);

  api_client& api_;
  ha_maps& maps_;
  election_timing timing_;
  clock& clock_;
  std::string identity_;
  epoch_watermark seen_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool leading_ = false;
  fencing_token token_;
  clock::time_point deadline_{};
  std::optional<std::string> refusal_;  // a refuse() of the held leadership, not yet acted on

  // Only the contending thread (and stop() after joining it) touches these.
  std::optional<lease_view> held_lease_;  // our Lease as our last write left it, while we hold it
  std::string observed_rv_;
  clock::time_point observed_at_{};

  std::mutex run_mu_;
  std::thread thread_;
};

}  // namespace regent::ha::kubernetes
