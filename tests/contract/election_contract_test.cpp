// The election contract for backends with several contenders, in one test process: each
// ha_services instance is a contender of its own (the filesystem backend's locks belong to
// open file descriptions, so instances in one process contend like processes do).

#include <gtest/gtest.h>

#include <array>
#include <map>

#include "backends.hpp"
#include "regent/ha/errc.hpp"
#include "regent/harness/child_process.hpp"

namespace regent::contract {
namespace {

template <class Backend>
class election_contract : public ::testing::Test {
 protected:
  static constexpr int n = 3;
  harness::temp_dir dir_{std::string("election-contract-") + Backend::name};
  Backend backend_{dir_.path()};
  std::array<std::unique_ptr<ha::ha_services>, n> ha_;
  std::array<recording_listener, n> listeners_;

  void SetUp() override {
    for (auto& h : ha_) h = backend_.make_services();
    for (int i = 0; i < n; ++i) ASSERT_TRUE(ha_[i]->election().start(listeners_[i]).ok());
  }
  void TearDown() override {
    for (auto& h : ha_) h->election().stop();
  }

  /// Waits for one grant among the contenders in `among`; returns its index and token.
  std::pair<int, fencing_token> wait_for_leader(std::vector<int> among) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      for (int i : among)
        if (auto e = listeners_[i].next(std::chrono::milliseconds(20)))
          if (e->kind == 'G') return {i, e->token};
    }
    ADD_FAILURE() << "no contender was granted before the deadline";
    return {-1, {}};
  }

  int leaders_now(const std::array<fencing_token, n>& tokens) {
    int count = 0;
    for (int i = 0; i < n; ++i)
      if (tokens[i].valid() && ha_[i]->election().has_leadership(tokens[i])) ++count;
    return count;
  }
};

using multi_contender_backends = ::testing::Types<filesystem_backend, zookeeper_backend, kubernetes_backend>;
TYPED_TEST_SUITE(election_contract, multi_contender_backends, backend_names);

TYPED_TEST(election_contract, exactly_one_of_several_contenders_leads) {
  auto [leader, token] = this->wait_for_leader({0, 1, 2});
  ASSERT_GE(leader, 0);
  // The leader publishes; once retrieval elsewhere sees it, nobody else has been granted.
  ASSERT_TRUE(this->ha_[leader]->election().publish(ha::component::dispatcher, {"", "http://l", token, 1}).ok());
  recording_retrieval_listener seen;
  auto retrieval = this->ha_[(leader + 1) % 3]->make_retrieval(ha::component::dispatcher);
  ASSERT_TRUE(retrieval->start(seen).ok());
  ASSERT_TRUE(seen.wait_until([&](auto& l) { return l && l->token == token; }));
  for (int i = 0; i < 3; ++i)
    if (i != leader) {
      EXPECT_EQ(this->listeners_[i].pending(), 0u) << "contender " << i << " was granted too";
    }
  retrieval->stop();
}

TYPED_TEST(election_contract, leader_and_standbys_report_their_backend_connection_as_connected) {
  auto [leader, token] = this->wait_for_leader({0, 1, 2});
  ASSERT_GE(leader, 0);
  for (int i = 0; i < 3; ++i)
    EXPECT_STREQ(ha::to_string(this->ha_[i]->connection()), "connected") << "contender " << i;
}

TYPED_TEST(election_contract, a_standby_takes_over_with_a_higher_epoch) {
  std::vector<int> left{0, 1, 2};
  epoch_t last = 0;
  for (int round = 0; round < 2; ++round) {
    auto [leader, token] = this->wait_for_leader(left);
    ASSERT_GE(leader, 0);
    EXPECT_GT(token.epoch, last) << "epochs strictly increase";
    last = token.epoch;
    this->ha_[leader]->election().stop();
    left.erase(std::find(left.begin(), left.end(), leader));
  }
}

TYPED_TEST(election_contract, a_deposed_leaders_writes_are_rejected) {
  auto [old_leader, old_token] = this->wait_for_leader({0, 1, 2});
  ASSERT_GE(old_leader, 0);
  auto& old_ha = *this->ha_[old_leader];
  ASSERT_TRUE(old_ha.job_graphs().put(old_token, test_job(1), "from the old leader").ok());
  old_ha.election().stop();
  std::vector<int> rest;
  for (int i = 0; i < 3; ++i)
    if (i != old_leader) rest.push_back(i);
  auto [new_leader, new_token] = this->wait_for_leader(rest);
  ASSERT_GE(new_leader, 0);
  auto& new_ha = *this->ha_[new_leader];
  ASSERT_TRUE(new_ha.job_graphs().put(new_token, test_job(1), "from the new leader").ok());

  EXPECT_EQ(old_ha.job_graphs().put(old_token, test_job(1), "stale").err().code, ha::errc::not_leader);
  EXPECT_EQ(old_ha.checkpoints().add(old_token, test_job(1), 9, "stale").err().code, ha::errc::not_leader);
  EXPECT_EQ(old_ha.checkpoint_ids().next(old_token, test_job(1)).err().code, ha::errc::not_leader);
  EXPECT_EQ(old_ha.blobs().put(old_token, test_job(1), "k", "stale").err().code, ha::errc::not_leader);
  EXPECT_EQ(old_ha.job_results().create_dirty(old_token, {test_job(1), "FAILED", 0, std::nullopt, "", 0, 0}).err().code,
            ha::errc::not_leader);
  // The new leader's token does not work through the old leader's services either.
  EXPECT_EQ(old_ha.job_graphs().put(new_token, test_job(1), "stale").err().code, ha::errc::not_leader);
  EXPECT_EQ(*new_ha.job_graphs().get(test_job(1)), "from the new leader");
}

// Standbys keep a copy of the job graphs while they wait (what a jobmanager asks for); each
// new leader recovers what its predecessor left — graphs added, replaced and removed while it
// waited, the last ones right before the handover — never an older copy.
TYPED_TEST(election_contract, each_new_leader_recovers_the_graphs_its_predecessor_left) {
  for (auto& h : this->ha_) h->job_graphs().keep_warm();
  std::map<std::string, std::string> left_behind;  // job id -> graph
  std::vector<int> left{0, 1, 2};
  int serial = 0;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("leader " + std::to_string(round + 1));
    auto [leader, token] = this->wait_for_leader(left);
    ASSERT_GE(leader, 0);
    auto& graphs = this->ha_[leader]->job_graphs();
    auto listed = graphs.list();
    ASSERT_TRUE(listed.ok()) << listed.err().message;
    std::vector<std::string> ids;
    for (const auto& id : *listed) ids.push_back(id.str());
    std::sort(ids.begin(), ids.end());
    std::vector<std::string> expected_ids;
    for (const auto& [id, graph] : left_behind) expected_ids.push_back(id);
    EXPECT_EQ(ids, expected_ids);
    auto got = graphs.get_many(*listed);
    for (std::size_t i = 0; i < got.size(); ++i) {
      ASSERT_TRUE(got[i].ok()) << got[i].err().message;
      EXPECT_EQ(*got[i], left_behind[(*listed)[i].str()]) << "job " << (*listed)[i].str();
    }
    if (round == 2) break;
    // This leader's changes: three new jobs, one replaced, one removed.
    for (int k = 0; k < 3; ++k) {
      auto job = test_job(0x700 + serial++);
      auto graph = "graph of job " + std::to_string(serial) + " by leader " + std::to_string(round + 1);
      ASSERT_TRUE(graphs.put(token, job, graph).ok());
      left_behind[job.str()] = graph;
    }
    auto replaced = left_behind.begin();
    replaced->second = "replaced by leader " + std::to_string(round + 1);
    ASSERT_TRUE(graphs.put(token, *job_id::parse(replaced->first), replaced->second).ok());
    auto removed = std::next(left_behind.begin());
    ASSERT_TRUE(graphs.remove(token, *job_id::parse(removed->first)).ok());
    left_behind.erase(removed);
    this->ha_[leader]->election().stop();
    left.erase(std::find(left.begin(), left.end(), leader));
  }
}

TYPED_TEST(election_contract, retrieval_reports_each_new_leader) {
  auto watcher = this->backend_.make_services();
  recording_retrieval_listener seen;
  auto retrieval = watcher->make_retrieval(ha::component::dispatcher);
  ASSERT_TRUE(retrieval->start(seen).ok());
  std::vector<int> left{0, 1, 2};
  for (int round = 0; round < 3; ++round) {
    auto [leader, token] = this->wait_for_leader(left);
    ASSERT_GE(leader, 0);
    ha::leader_info info{"127.0.0.1:" + std::to_string(7000 + leader),
                         "http://127.0.0.1:" + std::to_string(8000 + leader), token, 5};
    ASSERT_TRUE(this->ha_[leader]->election().publish(ha::component::dispatcher, info).ok());
    EXPECT_TRUE(seen.wait_until([&](auto& l) { return l && *l == info; })) << "round " << round;
    EXPECT_EQ(retrieval->current(), info);
    this->ha_[leader]->election().stop();
    EXPECT_TRUE(seen.wait_until([&](auto& l) { return !l || l->token != token; }))
        << "retrieval still reports the stopped leader";
    left.erase(std::find(left.begin(), left.end(), leader));
  }
  retrieval->stop();
}

TYPED_TEST(election_contract, the_checkpoint_counter_continues_across_leaders) {
  auto [a, token_a] = this->wait_for_leader({0, 1, 2});
  ASSERT_GE(a, 0);
  EXPECT_EQ(*this->ha_[a]->checkpoint_ids().next(token_a, test_job(2)), 1u);
  EXPECT_EQ(*this->ha_[a]->checkpoint_ids().next(token_a, test_job(2)), 2u);
  this->ha_[a]->election().stop();
  std::vector<int> rest;
  for (int i = 0; i < 3; ++i)
    if (i != a) rest.push_back(i);
  auto [b, token_b] = this->wait_for_leader(rest);
  ASSERT_GE(b, 0);
  EXPECT_EQ(*this->ha_[b]->checkpoint_ids().next(token_b, test_job(2)), 3u);
}

// A taskmanager told the leader that its epoch was granted to another session before (the
// backend lost the write that stored it): the leader revokes that leadership and is granted
// again above the epoch reported; the token refused writes nothing any more.
TYPED_TEST(election_contract, a_refused_leadership_is_revoked_and_granted_again_above_the_epoch_reported) {
  auto [leader, token] = this->wait_for_leader({0, 1, 2});
  ASSERT_GE(leader, 0);
  auto& election = this->ha_[leader]->election();
  election.refuse(token, token.epoch + 5, "a taskmanager accepted this epoch from another session");
  auto revoked = this->listeners_[leader].next();
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->kind, 'R');
  EXPECT_EQ(revoked->token, token);
  auto again = this->listeners_[leader].next_grant();
  ASSERT_TRUE(again) << "the refused leader was not granted again";
  EXPECT_GT(again->epoch, token.epoch + 5);
  EXPECT_FALSE(election.has_leadership(token));
  EXPECT_EQ(this->ha_[leader]->job_graphs().put(token, test_job(3), "refused").err().code, ha::errc::not_leader);
  EXPECT_TRUE(this->ha_[leader]->job_graphs().put(*again, test_job(3), "granted again").ok());
  // A refusal of a token no longer held changes nothing.
  election.refuse(token, token.epoch + 9, "late");
  EXPECT_TRUE(election.has_leadership(*again));
}

// Every contender has seen a higher epoch than the backend stores (what a jobmanager knows when
// the backend lost the write of that epoch): the next grant goes above it, never reusing one.
TYPED_TEST(election_contract, a_grant_goes_above_every_epoch_the_contender_has_seen) {
  auto [leader, token] = this->wait_for_leader({0, 1, 2});
  ASSERT_GE(leader, 0);
  for (auto& h : this->ha_) h->election().observe_epoch(token.epoch + 40);
  this->ha_[leader]->election().stop();
  std::vector<int> rest;
  for (int i = 0; i < 3; ++i)
    if (i != leader) rest.push_back(i);
  auto [next, next_token] = this->wait_for_leader(rest);
  ASSERT_GE(next, 0);
  EXPECT_GT(next_token.epoch, token.epoch + 40);
}

}  // namespace
}  // namespace regent::contract
