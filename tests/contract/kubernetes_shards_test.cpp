// The shard ConfigMaps of the `kubernetes` backend come and go with their jobs' keys, fenced
// both ways (ha/kubernetes/README.md "Creations and deletions"): a shard whose last key goes is
// deleted by a DELETE conditional on the version a fenced read showed; a missing shard is created
// empty and unconfirmed, and only a writer whose epoch the leader-info map still shows may put
// keys into it. Driven through `ha_maps` (the backend's private header) with writers whose local
// leadership check always passes, so only the storage fence decides — a deposed leader that
// does not know it is deposed.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api_client.hpp"
#include "backends.hpp"
#include "ha_maps.hpp"
#include "kube_config.hpp"
#include "regent/ha/errc.hpp"

namespace regent::contract {
namespace {

namespace k8s = ha::kubernetes;

class kubernetes_shards : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"kubernetes-shards"};
  kubernetes_backend backend_{dir_.path()};
  std::unique_ptr<k8s::api_client> api_;
  std::unique_ptr<k8s::ha_maps> maps_;

  void SetUp() override {
    auto access = k8s::load_kubeconfig(backend_.server().kubeconfig().string());
    ASSERT_TRUE(access.ok()) << access.err().message;
    auto transport = k8s::make_beast_transport(access->endpoint);
    ASSERT_TRUE(transport.ok()) << transport.err().message;
    api_ = std::make_unique<k8s::api_client>(std::move(*transport), harness::kube_double::ns(),
                                             std::chrono::seconds(10), 3);
    maps_ = std::make_unique<k8s::ha_maps>(*api_, backend_.cluster(), 5);
  }

  /// A leader of `epoch` as far as it knows: its local check never fails.
  /// The shard as it is now (the test fails when it cannot be read).
  k8s::map_state now(const std::string& shard) {
    auto st = maps_->read(shard);
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.err().message);
    return st.ok() ? *st : k8s::map_state{};
  }

  static k8s::writer_identity leader(epoch_t epoch) { return {epoch, [] { return true; }}; }

  result<k8s::map_state> set(const k8s::writer_identity& who, const std::string& map, const std::string& key,
                             std::optional<std::string> value) {
    return maps_->modify(who, map, [&](const k8s::map_state&) -> result<k8s::map_changes> {
      return k8s::map_changes{{key, value}};
    });
  }
};

TEST_F(kubernetes_shards, a_shard_whose_last_key_goes_is_deleted_and_comes_back_fenced) {
  auto l = leader(5);
  ASSERT_TRUE(maps_->raise_fences(l).ok());
  const auto shard = maps_->shard_name(3);
  EXPECT_FALSE(now(shard).exists) << "a takeover creates no shard";
  ASSERT_TRUE(set(l, shard, "jobGraph-a", "a.000000000000").ok());
  ASSERT_TRUE(set(l, shard, "jobGraph-b", "b.000000000000").ok());
  auto st = maps_->read(shard);
  ASSERT_TRUE(st.ok() && st->exists);
  EXPECT_EQ(st->fence, 5u);
  EXPECT_FALSE(st->unconfirmed);
  EXPECT_EQ(st->data.size(), 2u);

  ASSERT_TRUE(set(l, shard, "jobGraph-a", std::nullopt).ok());
  EXPECT_TRUE(now(shard).exists) << "a key is left";
  ASSERT_TRUE(set(l, shard, "jobGraph-b", std::nullopt).ok());
  EXPECT_FALSE(now(shard).exists) << "the shard's last key went, the shard stayed";
  ASSERT_TRUE(set(l, shard, "jobGraph-b", std::nullopt).ok()) << "removing from a missing shard is a no-op";
  EXPECT_FALSE(now(shard).exists);

  ASSERT_TRUE(set(l, shard, "jobGraph-c", "c.000000000000").ok());
  st = maps_->read(shard);
  ASSERT_TRUE(st.ok() && st->exists);
  EXPECT_EQ(st->fence, 5u);
  EXPECT_EQ(st->data.at("jobGraph-c"), "c.000000000000");
}

TEST_F(kubernetes_shards, a_shard_created_by_a_deposed_leader_is_never_confirmed_and_holds_nothing) {
  auto old_leader = leader(4);
  ASSERT_TRUE(maps_->raise_fences(old_leader).ok());
  const auto shard = maps_->shard_name(6);
  ASSERT_TRUE(set(old_leader, shard, "jobGraph-a", "a.000000000000").ok());
  ASSERT_TRUE(set(old_leader, shard, "jobGraph-a", std::nullopt).ok());
  ASSERT_FALSE(now(shard).exists);

  // A newer leader takes over; the old one, not knowing, writes into the shard it deleted.
  auto new_leader = leader(5);
  ASSERT_TRUE(maps_->raise_fences(new_leader).ok());
  auto stale = set(old_leader, shard, "jobGraph-x", "x.000000000000");
  ASSERT_FALSE(stale.ok()) << "a deposed leader's creation was confirmed";
  EXPECT_EQ(stale.err().code, ha::errc::not_leader) << stale.err().message;
  auto st = maps_->read(shard);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->data.empty()) << "a deposed leader's key landed";

  // The new leader writes through it; the next takeover removes an empty one.
  ASSERT_TRUE(set(new_leader, shard, "jobGraph-y", "y.000000000000").ok());
  st = maps_->read(shard);
  ASSERT_TRUE(st.ok() && st->exists);
  EXPECT_EQ(st->fence, 5u);
  EXPECT_FALSE(st->unconfirmed);
  EXPECT_EQ(st->data, (std::map<std::string, std::string>{{"jobGraph-y", "y.000000000000"}}));
  ASSERT_TRUE(set(new_leader, shard, "jobGraph-y", std::nullopt).ok());
  EXPECT_FALSE(set(old_leader, shard, "jobGraph-z", "z.000000000000").ok());
  EXPECT_TRUE(now(shard).data.empty());
  ASSERT_TRUE(maps_->raise_fences(leader(6)).ok());
  EXPECT_FALSE(now(shard).exists) << "the takeover left an empty shard behind";
}

}  // namespace
}  // namespace regent::contract
