#pragma once
/// Leader election of the `zookeeper` backend (DESIGN §2, §3; Flink's LeaderLatch).
///
/// Each contender creates an ephemeral sequential node under `leader/latch`; the lowest leads
/// and every other one watches only its predecessor. On becoming lowest the contender bumps
/// `leader/epoch` by compare-and-set (fenced by its own latch node), draws a session UUID and
/// grants. It revokes when its latch node goes (session expiry, deleted by hand), when the
/// epoch moves under it, and — unless `tolerate_suspended` — as soon as the connection is lost
/// (it may lead again, with a new epoch, once it reconnects with the same session). After an
/// expiry it opens a new session and contends again. Leader info is published as ephemeral
/// `leader/<component>/connection_info`.
///
/// It is also the stores' `leadership_fence`. Owned by the process's ha_services; contends on
/// its own thread (listener calls run there, in order); the C client's threads only queue
/// events for it. Thread-safe.

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "watching_thread.hpp"
#include "fenced_writer.hpp"
#include "layout.hpp"
#include "regent/ha/epoch_watermark.hpp"
#include "regent/ha/leader_election.hpp"
#include "regent/runtime/clock.hpp"

namespace regent::ha::zookeeper {

class zk_election final : public leader_election_driver, public leadership_fence {
 public:
  zk_election(std::shared_ptr<zk_connection> conn, znode_layout paths, clock& clk, bool tolerate_suspended);
  ~zk_election() override;

  result<void> start(leader_election_listener& listener) override;
  void stop() override;
  bool has_leadership(const fencing_token& token) const override;
  result<void> publish(const std::string& component, const leader_info& info) override;
  result<void> publish_all(const std::vector<std::string>& components, const leader_info& info) override;
  result<void> unpublish(const std::string& component, const fencing_token& token) override;
  void observe_epoch(epoch_t epoch) override;
  void refuse(const fencing_token& token, epoch_t seen, const std::string& why) override;

  result<fence_checks> checks_for(const fencing_token& token) const override;
  std::optional<std::uint64_t> leading_generation() const override;

  fenced_writer& writer() { return writer_; }

 private:
  /// What the contending thread does next.
  struct next_step {
    enum kind_t { wait, retry, again, fail } kind = wait;
    error failure;
  };

  void run(leader_election_listener* listener);
  next_step step(leader_election_listener& listener);
  next_step ensure_latch_node(const session_ref& s);
  next_step grant(leader_election_listener& listener, const session_ref& s);
  next_step watch_leadership(leader_election_listener& listener);
  void handle(const zk_event& e, leader_election_listener& listener);
  void revoke(leader_election_listener& listener, const std::string& why);
  /// Deletes our connection_info nodes and latch node (stop, fatal error); renews the
  /// session when that cannot be done, so the latch node cannot linger.
  void give_up();
  bool leading() const;
  /// The reason of a pending refuse() of the leadership held now, taken once.
  std::optional<std::string> take_refusal();

  std::shared_ptr<zk_connection> conn_;
  znode_layout paths_;
  clock& clock_;
  bool tolerate_suspended_;
  fenced_writer writer_;
  watching_thread watcher_{*conn_};

  // Only the contending thread (and stop() after joining it) touches these.
  std::string contender_uuid_;
  std::string latch_node_;              // full path of our latch node, "" when none
  std::uint64_t latch_generation_ = 0;  // the session that created it
  bool find_own_node_ = false;          // a create's answer was lost: look for our node
  std::set<std::string> reported_foreign_;

  // Leadership, read by writers and has_leadership.
  mutable std::mutex mu_;
  bool leading_ = false;
  fencing_token token_;
  fence_checks checks_;
  std::set<std::string> published_;
  std::optional<std::pair<fencing_token, std::string>> refusal_;  // see refuse()

  epoch_watermark seen_;  // every epoch granted or read; a grant goes above it

  std::mutex run_mu_;  // start/stop
};

}  // namespace regent::ha::zookeeper
